//! One poller per user and the polling budget, against the simulator over real HTTP and real
//! SQLite files: two watchers of one user on one store and lock poll once (the follower takes the
//! poller's state from the store), a follower's request leads to one poll, the follower takes over
//! when the poller stops; approvals are read often only in the sources where a request waited for
//! the user, and a list Azure throttles waits for its `Retry-After`.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::{Fixture, fixture};
use elevate_core::auth::TokenSource;
use elevate_core::session::{Clients, Session, SessionOptions};
use elevate_core::store::Store;
use elevate_core::watch::{Clock, WatchEvent, WatchOptions, Watcher};
use elevate_sim::Simulator;
use serde_json::{Value, json};
use tokio::sync::mpsc;

struct SimClock(Arc<Simulator>);

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

async fn session(f: &Fixture, db: &std::path::Path) -> Arc<Session> {
    let store = Store::open(db).await.unwrap_or_else(|e| panic!("{e}"));
    Arc::new(
        Session::connect(
            Clients {
                arm: Some(f.client_clone()),
                graph: Some(f.graph_clone()),
            },
            Arc::clone(&f.tokens) as Arc<dyn TokenSource>,
            Some(store),
            SessionOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}")),
    )
}

fn spawn(
    f: &Fixture,
    session: &Arc<Session>,
    options: WatchOptions,
) -> (Watcher, mpsc::Receiver<WatchEvent>) {
    let (tx, rx) = mpsc::channel(64);
    let watcher = Watcher::spawn(
        Arc::clone(session),
        Arc::new(SimClock(Arc::clone(&f.sim))),
        options,
        tx,
    );
    (watcher, rx)
}

async fn log(f: &Fixture) -> Vec<Value> {
    f.control
        .get(format!("{}/_sim/log", f.sim.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json::<Vec<Value>>()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Log entries after `seq` whose path contains `part`.
async fn calls(f: &Fixture, after: i64, part: &str) -> usize {
    log(f)
        .await
        .iter()
        .filter(|e| e["seq"].as_i64().unwrap_or(-1) > after)
        .filter(|e| e["path"].as_str().is_some_and(|p| p.contains(part)))
        .count()
}

async fn last_seq(f: &Fixture) -> i64 {
    log(f)
        .await
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .max()
        .unwrap_or(-1)
}

async fn until(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < within {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what} not within {within:?}");
}

/// Long intervals: nothing is read again unless asked.
fn slow(lock: std::path::PathBuf) -> WatchOptions {
    WatchOptions {
        idle_poll: Duration::from_secs(3600),
        requests_poll: Duration::from_secs(3600),
        approvals_poll: Duration::from_secs(3600),
        approvals_discovery: Duration::from_secs(3600),
        poller_lock: Some(lock),
        ..WatchOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_watchers_of_one_user_poll_once_and_the_follower_takes_over() {
    let f = fixture().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("elevate.db");
    let lock = dir.path().join("watcher.lock");
    let first_session = session(&f, &db).await;
    let (first, _first_events) = spawn(&f, &first_session, slow(lock.clone()));
    until("the first watcher's poll", Duration::from_secs(10), || {
        first.stats().polls >= 1
    })
    .await;
    assert!(first.is_poller());

    let before = last_seq(&f).await;
    let second_session = session(&f, &db).await;
    let (second, _second_events) = spawn(&f, &second_session, slow(lock.clone()));
    until(
        "the follower takes the poller's state",
        Duration::from_secs(10),
        || second.live().read_at.is_some(),
    )
    .await;
    assert!(!second.is_poller());
    assert_eq!(second.stats().polls, 0);
    assert_eq!(
        second.live().approvals.map(|a| a.len()),
        first.live().approvals.map(|a| a.len())
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        calls(&f, before, "roleAssignmentScheduleInstances").await,
        0,
        "the follower read Azure"
    );

    // The follower asks for a poll: the poller reads, and the follower gets the new state.
    let polls = first.stats().polls;
    let followed = second.stats().followed;
    second.refresh();
    until(
        "the poller's poll on request",
        Duration::from_secs(5),
        || first.stats().polls > polls,
    )
    .await;
    until(
        "the follower takes the new state",
        Duration::from_secs(5),
        || second.stats().followed > followed,
    )
    .await;
    assert_eq!(second.stats().polls, 0);
    assert_eq!(
        calls(
            &f,
            before,
            "/providers/Microsoft.Authorization/roleAssignmentScheduleInstances"
        )
        .await,
        1,
        "one poll: one provider-level list of Azure grants"
    );

    // The poller stops (as a crashed process would, its lock is released): the follower polls.
    first.shutdown().await;
    drop(first_session);
    until("the follower takes over", Duration::from_secs(5), || {
        second.is_poller() && second.stats().polls >= 1
    })
    .await;
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_are_read_often_only_where_the_user_approves() {
    let f = fixture().await;
    // Grace's request in Entra ID and in PIM for Groups are decided: requests wait for Ada's
    // approval only in Azure resources.
    let requests: Value = f
        .control
        .get(format!("{}/_sim/requests", f.sim.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let graph_pending: Vec<String> = requests
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["status"] == "PendingApproval" && r["id"].is_string() && r["properties"].is_null()
        })
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(graph_pending.len(), 2, "{requests}");
    for id in graph_pending {
        let answer = f
            .control
            .post(format!("{}/_sim/requests/{id}/deny", f.sim.url()))
            .json(&json!({"justification": "not now"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(answer.status().is_success());
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let session = session(&f, &dir.path().join("elevate.db")).await;
    let before = last_seq(&f).await;
    let (watcher, _events) = spawn(
        &f,
        &session,
        WatchOptions {
            idle_poll: Duration::from_secs(3600),
            requests_poll: Duration::from_secs(3600),
            approvals_poll: Duration::from_millis(100),
            approvals_discovery: Duration::from_secs(3600),
            max_sleep: Duration::from_millis(50),
            ..WatchOptions::default()
        },
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    watcher.shutdown().await;
    let arm = calls(&f, before, "roleAssignmentScheduleRequests").await;
    let entra = calls(
        &f,
        before,
        "directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')",
    )
    .await;
    let groups = calls(
        &f,
        before,
        "group/assignmentScheduleRequests/filterByCurrentUser(on='approver')",
    )
    .await;
    assert_eq!(entra, 1, "Entra approvals read once (discovery)");
    assert_eq!(groups, 1, "group approvals read once (discovery)");
    // ARM: the first read of own requests and approvals, then approvals every 100 ms.
    assert!(arm >= 6, "ARM approvals read often: {arm}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_list_is_not_read_again_before_retry_after() {
    let f = fixture().await;
    let answer = f
        .control
        .post(format!("{}/_sim/faults", f.sim.url()))
        .json(&json!({
            "method": "GET",
            "path_contains": "/providers/Microsoft.Authorization/roleAssignmentScheduleInstances",
            "kind": "throttle",
            "retry_after_secs": 30,
            "count": 100
        }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(answer.status().is_success());
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let session = session(&f, &dir.path().join("elevate.db")).await;
    let before = last_seq(&f).await;
    let (watcher, _events) = spawn(
        &f,
        &session,
        WatchOptions {
            idle_poll: Duration::from_millis(100),
            active_poll: Duration::from_millis(100),
            max_sleep: Duration::from_millis(50),
            ..WatchOptions::default()
        },
    );
    until("the first poll", Duration::from_secs(30), || {
        watcher.stats().polls >= 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let live = watcher.live();
    watcher.shutdown().await;
    assert!(
        live.failures.iter().any(|f| f.error.code == "throttled"),
        "{:?}",
        live.failures
    );
    // The HTTP layer gives up at once (30 s is beyond its budget); the watcher then waits 30 s
    // before the next read, not its 100 ms interval.
    let reads = calls(
        &f,
        before,
        "/providers/Microsoft.Authorization/roleAssignmentScheduleInstances",
    )
    .await;
    assert!(reads <= 1, "{reads} reads of a throttled list within 2 s");
}
