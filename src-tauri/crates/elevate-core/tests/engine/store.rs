//! The local store against real SQLite files.

use chrono::{TimeDelta, Utc};
use elevate_core::model::{
    Eligibility, MemberType, Policy, RequestKind, RequestStatus, RoleKey, RoleRef, ScopeKind,
    ScopeRef, Source, Span, Ticket,
};
use elevate_core::store::{Favourite, HistoryQuery, NewHistoryEntry, RoleSet, Store, StoreError};

fn entry(n: u32, reason: &str) -> NewHistoryEntry {
    NewHistoryEntry {
        at: Utc::now() + TimeDelta::seconds(i64::from(n)),
        account: "ada@contoso.example".into(),
        source: Source::AzureResource,
        key: RoleKey::new(Source::AzureResource, "/subscriptions/s1", "r1"),
        role_name: "Contributor".into(),
        scope_id: "/subscriptions/s1".into(),
        scope_name: "Sub 1".into(),
        kind: RequestKind::Activate,
        justification: Some(reason.into()),
        ticket: Some(Ticket {
            system: "SN".into(),
            number: format!("INC{n}"),
        }),
        duration: Some(Span::from_hours(2)),
        status: RequestStatus::PendingOther,
        azure_status: None,
        azure_request_id: None,
        error: None,
    }
}

fn eligibility(scope: &str, role: &str) -> Eligibility {
    Eligibility {
        key: RoleKey::new(Source::AzureResource, scope, role),
        source: Source::AzureResource,
        role: RoleRef {
            id: role.into(),
            name: role.into(),
        },
        scope: ScopeRef {
            id: scope.into(),
            name: scope.into(),
            kind: ScopeKind::Subscription,
        },
        principal_id: "p".into(),
        member_type: MemberType::Direct,
        start: None,
        end: None,
        schedule_id: None,
    }
}

async fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("nested").join("elevate.db"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn history_round_trips_newest_first_and_updates() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = open(&dir).await;
    let first = store
        .record_request(&entry(1, "first"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let second = store
        .record_request(&entry(2, "second"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .update_request_outcome(second, RequestStatus::Done, Some("Provisioned"), Some("/subscriptions/s1/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/ABC"), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .update_request_outcome(
            first,
            RequestStatus::Failed,
            None,
            None,
            Some("policy refused"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let all = store
        .history(&HistoryQuery::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        all.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![second, first]
    );
    assert_eq!(all[0].status, RequestStatus::Done);
    assert_eq!(all[0].azure_status.as_deref(), Some("Provisioned"));
    assert_eq!(
        all[0].ticket,
        Some(Ticket {
            system: "SN".into(),
            number: "INC2".into()
        })
    );
    assert_eq!(all[0].duration, Some(Span::from_hours(2)));
    assert_eq!(all[1].error.as_deref(), Some("policy refused"));

    let changed = store
        .update_status_by_azure_id("/subscriptions/S1/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/abc", RequestStatus::Canceled, Some("Canceled"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(changed, 1, "matched case-insensitively");
    let limited = store
        .history(&HistoryQuery {
            limit: Some(1),
            ..HistoryQuery::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (limited.len(), limited[0].status),
        (1, RequestStatus::Canceled)
    );
    let other = store
        .history(&HistoryQuery {
            source: Some(Source::Group),
            ..HistoryQuery::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(other.is_empty());

    store
        .record_request(&entry(3, "first"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reasons = store
        .recent_justifications(5)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reasons, vec!["first".to_owned(), "second".to_owned()]);
}

#[tokio::test]
async fn cache_replaces_per_account_and_source() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = open(&dir).await;
    let now = Utc::now();
    store
        .save_eligibilities(
            "a",
            Source::AzureResource,
            &[
                eligibility("/subscriptions/1", "r1"),
                eligibility("/subscriptions/2", "r2"),
            ],
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .save_eligibilities(
            "b",
            Source::AzureResource,
            &[eligibility("/subscriptions/9", "r9")],
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .save_eligibilities(
            "a",
            Source::AzureResource,
            &[eligibility("/subscriptions/3", "r3")],
            now,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a = store
        .cached_eligibilities("a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        a.iter()
            .map(|c| c.eligibility.scope.id.as_str())
            .collect::<Vec<_>>(),
        vec!["/subscriptions/3"]
    );
    assert_eq!(
        store.cached_eligibilities("b").await.map(|v| v.len()).ok(),
        Some(1)
    );

    let many: Vec<Eligibility> = (0..450)
        .map(|n| {
            eligibility(
                &format!("/subscriptions/bulk/resourceGroups/rg-{n:04}"),
                "r1",
            )
        })
        .collect();
    store
        .save_eligibilities("c", Source::AzureResource, &many, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cached = store
        .cached_eligibilities("c")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cached.len(), 450, "every row of several batched statements");

    let key = RoleKey::new(Source::AzureResource, "/subscriptions/3", "r3");
    let policy = Policy {
        max_duration: Some(Span::from_hours(4)),
        ticket_required: true,
        ..Policy::default()
    };
    store
        .save_policy("a", &key, &policy, now)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (cached, _) = store
        .cached_policy("a", &key)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("missing"));
    assert_eq!(cached, policy);
    assert!(
        store
            .cached_policy("b", &key)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none()
    );
}

#[tokio::test]
async fn favourites_sets_and_settings() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = open(&dir).await;
    let key = RoleKey::new(Source::AzureResource, "/subscriptions/1", "r1");
    let mut fav = Favourite {
        key: key.clone(),
        label: Some("Dev".into()),
        justification: Some("deploy".into()),
        ticket: None,
        duration: Some(Span::from_hours(1)),
        created: Utc::now(),
    };
    store
        .upsert_favourite(&fav)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    fav.label = Some("Dev box".into());
    store
        .upsert_favourite(&fav)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let favs = store.favourites().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(favs.len(), 1);
    assert_eq!(favs[0].label.as_deref(), Some("Dev box"));
    assert!(store.remove_favourite(&key).await.unwrap_or(false));
    assert!(!store.remove_favourite(&key).await.unwrap_or(true));

    let set = RoleSet {
        name: "Morning".into(),
        keys: vec![key.clone()],
        justification: Some("daily ops".into()),
        duration: None,
    };
    store
        .upsert_set(&set)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .upsert_set(&RoleSet {
            name: "MORNING".into(),
            keys: vec![],
            ..set.clone()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sets = store.sets().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sets.len(), 1, "names are unique regardless of case");
    assert!(sets[0].keys.is_empty());
    assert!(store.remove_set("morning").await.unwrap_or(false));
    assert!(
        store
            .upsert_set(&RoleSet {
                name: "  ".into(),
                ..set
            })
            .await
            .is_err()
    );

    store
        .set_setting("warn_minutes", &vec![15, 5])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store
            .setting::<Vec<u32>>("warn_minutes")
            .await
            .ok()
            .flatten(),
        Some(vec![15, 5])
    );
    assert_eq!(
        store.setting::<String>("warn_minutes").await.ok().flatten(),
        None,
        "a value of another shape is ignored"
    );
    assert_eq!(store.setting::<u32>("absent").await.ok().flatten(), None);
}

#[tokio::test]
async fn two_handles_on_one_file_see_each_others_writes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let tray = open(&dir).await;
    let cli = open(&dir).await;
    let id = cli
        .record_request(&entry(1, "from the cli"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen = tray
        .history(&HistoryQuery::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen.first().map(|h| h.id), Some(id));
    tray.update_request_outcome(id, RequestStatus::Done, None, None, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cli.history(&HistoryQuery::default())
            .await
            .ok()
            .and_then(|h| h.first().map(|e| e.status)),
        Some(RequestStatus::Done)
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_reported_and_kept() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("elevate.db");
    let garbage = b"this is not a database, it is someone's notes \x00\x01\x02".repeat(100);
    std::fs::write(&path, &garbage).unwrap_or_else(|e| panic!("{e}"));
    match Store::open(&path).await {
        Err(e @ StoreError::Damaged { .. }) => {
            assert!(e.to_string().contains("move it aside"), "{e}")
        }
        Err(other) => panic!("expected Damaged, got {other}"),
        Ok(_) => panic!("opened a garbage file"),
    }
    assert_eq!(
        std::fs::read(&path).unwrap_or_default(),
        garbage,
        "the file was not overwritten"
    );
}

const WRITER_ENV: &str = "ELEVATE_STORE_KILL_TEST_DB";

/// The child side of the kill test: records entries as fast as it can, printing each committed id.
#[tokio::test]
async fn kill_test_writer() {
    let Some(path) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let store = Store::open(std::path::Path::new(&path))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for n in 0.. {
        let id = store
            .record_request(&entry(n, &"x".repeat(200)))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        println!("committed {id}");
    }
}

#[tokio::test]
async fn survives_kill_9_during_writes() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("elevate.db");
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut child = std::process::Command::new(exe)
        .args([
            "--exact",
            "store::kill_test_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WRITER_ENV, &path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut committed = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(id) = line
            .strip_prefix("committed ")
            .and_then(|s| s.trim().parse::<i64>().ok())
        {
            committed.push(id);
        }
        if committed.len() >= 300 || std::time::Instant::now() > deadline {
            break;
        }
    }
    child.kill().unwrap_or_else(|e| panic!("{e}")); // SIGKILL on unix: no chance to clean up
    let _ = child.wait();
    assert!(
        committed.len() >= 50,
        "the writer committed only {} rows",
        committed.len()
    );

    let store = Store::open(&path)
        .await
        .unwrap_or_else(|e| panic!("reopen after kill -9: {e}"));
    store
        .check_integrity()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: std::collections::HashSet<i64> = store
        .history(&HistoryQuery::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|h| h.id)
        .collect();
    let lost: Vec<_> = committed.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "committed rows lost after kill -9: {lost:?}"
    );
    store
        .record_request(&entry(9999, "after"))
        .await
        .unwrap_or_else(|e| panic!("still writable: {e}"));
}

/// The data folder is 0700 and the database, its WAL and its shared-memory file 0600 while in use
/// (SQLite creates the WAL and SHM files with the database file's permissions, so the database file
/// is created 0600 before SQLite opens it); a data folder left 0755 by an older version is narrowed.
#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = open(&dir).await;
    store
        .record_request(&entry(1, "private"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("nested");
    assert_eq!(mode(&data), 0o700);
    for file in ["elevate.db", "elevate.db-wal", "elevate.db-shm"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    store.close().await;

    let old = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = old.path().join("data");
    std::fs::create_dir(&data).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&data.join("elevate.db"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mode(&data), 0o700);
    store.close().await;
}
