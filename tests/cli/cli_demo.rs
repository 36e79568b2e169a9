//! The `elevate` binary in demo mode: the embedded simulator, its demo tenant kept between runs in
//! `ELEVATE_HOME`, and the local history. Every step is a separate process, as a user would run it.

use elevate_e2e::Home;
use serde_json::Value;

fn find<'a>(items: &'a Value, role: &str, scope_name: &str) -> Option<&'a Value> {
    items
        .as_array()?
        .iter()
        .find(|r| r["role"] == role && r["scope_name"] == scope_name)
}

#[test]
fn roles_lists_the_demo_tenant_with_the_documented_fields() {
    let home = Home::new();
    let roles = home.run(&["--demo", "--json", "roles"]).ok().json();
    let items = roles
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {roles}"));
    assert!(items.len() >= 6, "{roles:#}");
    for item in items {
        for field in ["id", "source", "role", "scope", "scope_name"] {
            assert!(item[field].is_string(), "{field} missing in {item}");
        }
    }
    let sources: std::collections::BTreeSet<&str> =
        items.iter().filter_map(|r| r["source"].as_str()).collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        vec!["azure-resource", "entra-role", "group"],
        "{roles:#}"
    );
    assert!(
        find(&roles, "Global Reader", "Directory").is_some(),
        "{roles:#}"
    );
    assert!(
        find(&roles, "Member", "PIM-Prod-Operators").is_some(),
        "{roles:#}"
    );
    let owner = find(&roles, "Owner", "Contoso Production").unwrap_or_else(|| panic!("{roles:#}"));
    assert!(
        owner["scope"]
            .as_str()
            .is_some_and(|s| s.starts_with("/subscriptions/"))
    );
    let via_group = items.iter().find(|r| r["member_type"] == "group");
    assert!(
        via_group.is_some(),
        "one eligibility is inherited through a group: {roles:#}"
    );

    let only = home
        .run(&["--demo", "--json", "roles", "--source", "entra-role"])
        .ok()
        .json();
    assert!(
        only.as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|r| r["source"] == "entra-role")),
        "{only:#}"
    );

    let table = home.run(&["--demo", "roles"]).ok();
    assert!(table.stdout.starts_with("ROLE"), "{}", table.stdout);
    assert!(table.stdout.contains("Contoso Production"));
}

#[test]
fn activate_then_active_then_deactivate_across_runs() {
    let home = Home::new();
    let activated = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "contributor@contoso development",
            "--for",
            "2h",
            "--reason",
            "deploy release 42",
        ])
        .ok()
        .json();
    assert_eq!(activated[0]["outcome"], "done", "{activated:#}");
    assert_eq!(activated[0]["request"]["azure_status"], "Provisioned");

    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    let grant =
        find(&active, "Contributor", "Contoso Development").unwrap_or_else(|| panic!("{active:#}"));
    assert_eq!(grant["assignment_type"], "activated");
    let (start, end) = (
        grant["start"].as_str().unwrap_or(""),
        grant["end"].as_str().unwrap_or(""),
    );
    assert!(!start.is_empty() && !end.is_empty(), "{grant}");
    let secs = grant["remaining_seconds"].as_i64().unwrap_or(0);
    assert!(
        (7000..=7200).contains(&secs),
        "about two hours left: {grant}"
    );

    // A standing assignment is listed too, and cannot be deactivated.
    assert!(
        active
            .as_array()
            .is_some_and(|a| a.iter().any(|g| g["assignment_type"] == "assigned")),
        "{active:#}"
    );

    // Azure refuses deactivation in the first five minutes; the message says so.
    let early = home.run(&["--demo", "deactivate", "Contributor@Development"]);
    assert_eq!(early.code, Some(1), "{}\n{}", early.stdout, early.stderr);
    assert!(
        early.stdout.contains("ActiveDurationTooShort"),
        "{}",
        early.stdout
    );

    home.run(&["--demo", "clock", "--advance", "6m"]).ok();
    // Time left follows the demo clock.
    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    let grant =
        find(&active, "Contributor", "Contoso Development").unwrap_or_else(|| panic!("{active:#}"));
    let secs = grant["remaining_seconds"].as_i64().unwrap_or(0);
    assert!((6600..=6840).contains(&secs), "six minutes less: {grant}");
    let done = home
        .run(&["--demo", "--json", "deactivate", "Contributor@Development"])
        .ok()
        .json();
    assert_eq!(done[0]["outcome"], "done", "{done:#}");
    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    assert!(
        find(&active, "Contributor", "Contoso Development").is_none(),
        "{active:#}"
    );

    let history = home.run(&["--demo", "--json", "history"]).ok().json();
    let kinds: Vec<&str> = history
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        kinds.contains(&"activate") && kinds.contains(&"deactivate"),
        "{history:#}"
    );
    let csv = home.run(&["--demo", "history", "--csv"]).ok();
    assert!(
        csv.stdout.starts_with("at,account,source,kind"),
        "{}",
        csv.stdout
    );
    assert!(csv.stdout.contains("deploy release 42"));
}

#[test]
fn policy_requirements_are_checked_before_anything_is_sent() {
    let home = Home::new();
    let run = home.run(&["--demo", "activate", "Contributor@Development"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains("--reason"),
        "says what to add: {}",
        run.stdout
    );
    let run = home.run(&[
        "--demo",
        "activate",
        "Contoso Incident Responder",
        "--reason",
        "x",
    ]);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("--ticket"), "{}", run.stdout);
    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    assert!(
        active
            .as_array()
            .is_some_and(|a| a.iter().all(|g| g["assignment_type"] == "assigned")),
        "{active:#}"
    );
}

#[test]
fn longer_than_allowed_is_shortened_with_a_note() {
    let home = Home::new();
    let out = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Reader@Contoso Platform",
            "--for",
            "12h",
        ])
        .ok()
        .json();
    assert_eq!(out[0]["outcome"], "done", "{out:#}");
    assert_eq!(out[0]["request"]["duration"], "PT8H");
    assert!(out[0]["notes"].to_string().contains("shortened"), "{out:#}");
}

#[test]
fn approval_required_is_pending_and_can_be_canceled() {
    let home = Home::new();
    let out = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Owner@Production",
            "--reason",
            "hotfix",
            "--ticket",
            "ServiceNow:INC0012345",
        ])
        .ok()
        .json();
    assert_eq!(out[0]["outcome"], "pending-approval", "{out:#}");
    let name = out[0]["request"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(out[0]["request"]["approval_id"].is_string(), "{out:#}");

    let pending = home.run(&["--demo", "--json", "requests"]).ok().json();
    assert!(
        pending
            .as_array()
            .is_some_and(|p| p.iter().any(|r| r["name"] == name.as_str())),
        "{pending:#}"
    );

    // Asking again while it is pending creates nothing new.
    let again = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Owner@Production",
            "--reason",
            "hotfix",
            "--ticket",
            "ServiceNow:INC0012345",
        ])
        .ok()
        .json();
    assert_eq!(again[0]["outcome"], "already-pending", "{again:#}");

    let canceled = home.run(&["--demo", "--json", "cancel", &name]).ok().json();
    assert_eq!(canceled[0]["outcome"], "canceled", "{canceled:#}");
    let pending = home.run(&["--demo", "--json", "requests"]).ok().json();
    assert_eq!(pending.as_array().map(Vec::len), Some(0), "{pending:#}");
}

#[test]
fn authentication_context_is_satisfied_by_signing_in_again() {
    let home = Home::new();
    let out = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Key Vault Secrets Officer",
            "--for",
            "30m",
            "--reason",
            "rotate keys",
        ])
        .ok()
        .json();
    assert_eq!(out[0]["outcome"], "done", "{out:#}");
    assert!(
        out[0]["notes"].to_string().contains("stronger sign-in"),
        "{out:#}"
    );
}

#[test]
fn several_roles_activate_concurrently_each_reported() {
    let home = Home::new();
    let run = home.run(&[
        "--demo",
        "--json",
        "activate",
        "Reader@Platform",
        "Contributor@Development",
        "Nope@Nowhere",
        "--reason",
        "audit",
    ]);
    assert_eq!(run.code, Some(1), "one selector matched nothing");
    assert!(run.stderr.contains("Nope@Nowhere"), "{}", run.stderr);
    let out = run.json();
    let outcomes: Vec<&str> = out
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["outcome"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(outcomes, vec!["done", "done"], "{out:#}");
    let again = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Reader@Platform",
            "--reason",
            "audit",
        ])
        .ok()
        .json();
    assert_eq!(again[0]["outcome"], "already-active", "{again:#}");
}

#[test]
fn ambiguous_and_unknown_selectors_are_clear_errors() {
    let home = Home::new();
    let run = home.run(&["--demo", "activate", "Contributor", "--reason", "x"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("matches 2 roles"), "{}", run.stderr);
    assert!(
        run.stderr.contains("rg-web-prod") && run.stderr.contains("Contoso Development"),
        "{}",
        run.stderr
    );
    let run = home.run(&["--demo", "deactivate", "Owner"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("no active role matches"),
        "{}",
        run.stderr
    );
}

#[test]
fn reset_starts_the_demo_afresh() {
    let home = Home::new();
    home.run(&["--demo", "activate", "Reader@Platform"]).ok();
    home.run(&["--demo", "reset"]).ok();
    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    assert!(
        active
            .as_array()
            .is_some_and(|a| a.iter().all(|g| g["assignment_type"] == "assigned")),
        "{active:#}"
    );
    let run = home.run(&["reset"]);
    assert_eq!(run.code, Some(1), "reset without --demo is refused");
}

#[test]
fn garbage_config_is_a_clear_error_and_loses_nothing() {
    let home = Home::new();
    home.run(&["--demo", "activate", "Reader@Platform"]).ok();
    std::fs::write(home.path().join("config.toml"), "cloud = [[[")
        .unwrap_or_else(|e| panic!("{e}"));
    let run = home.run(&["--demo", "active"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("config.toml") && run.stderr.contains("delete it"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(home.path().join("config.toml")).unwrap_or_else(|e| panic!("{e}"));
    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    assert!(
        find(&active, "Reader", "Contoso Platform").is_some(),
        "state survived: {active:#}"
    );
}

#[test]
fn real_tenant_endpoints_are_validated() {
    let home = Home::new();
    let run = home
        .command()
        .env("ELEVATE_ARM_URL", "http://management.example.com")
        .arg("roles")
        .output();
    let run = run.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("plain http is only allowed"), "{stderr}");
}

#[test]
fn entra_roles_and_group_memberships_end_to_end() {
    let home = Home::new();
    let out = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Global Reader",
            "Member@PIM-Prod-Operators",
            "--for",
            "1h",
            "--reason",
            "quarterly audit",
        ])
        .ok()
        .json();
    let outcomes: Vec<&str> = out
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["outcome"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(outcomes, vec!["done", "done"], "{out:#}");

    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    let reader =
        find(&active, "Global Reader", "Directory").unwrap_or_else(|| panic!("{active:#}"));
    assert_eq!(
        (
            reader["source"].as_str(),
            reader["assignment_type"].as_str()
        ),
        (Some("entra-role"), Some("activated"))
    );
    assert!(
        find(&active, "Member", "PIM-Prod-Operators").is_some(),
        "{active:#}"
    );
    let inherited = active.as_array().and_then(|a| {
        a.iter()
            .find(|g| g["role"] == "Contributor" && g["scope_name"] == "Contoso Production")
    });
    assert_eq!(
        inherited.map(|g| g["member_type"].clone()),
        Some(serde_json::json!("group")),
        "the group's Azure role shows as inherited: {active:#}"
    );

    let entra_only = home
        .run(&["--demo", "--json", "active", "--source", "entra-role"])
        .ok()
        .json();
    assert!(
        entra_only
            .as_array()
            .is_some_and(|a| a.iter().all(|g| g["source"] == "entra-role")),
        "{entra_only:#}"
    );

    home.run(&["--demo", "clock", "--advance", "6m"]).ok();
    let done = home
        .run(&[
            "--demo",
            "--json",
            "deactivate",
            "Global Reader",
            "Member@PIM-Prod-Operators",
        ])
        .ok()
        .json();
    let outcomes: Vec<&str> = done
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["outcome"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(outcomes, vec!["done", "done"], "{done:#}");
    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    assert!(
        find(&active, "Global Reader", "Directory").is_none()
            && find(&active, "Member", "PIM-Prod-Operators").is_none(),
        "{active:#}"
    );
    let history = home.run(&["--demo", "--json", "history"]).ok().json();
    let sources: std::collections::BTreeSet<&str> = history
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["source"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        sources.contains("entra-role") && sources.contains("group"),
        "{history:#}"
    );
}

#[test]
fn entra_approval_is_pending_and_cancelable_by_role_name() {
    let home = Home::new();
    let out = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "User Administrator",
            "--reason",
            "onboarding",
        ])
        .ok()
        .json();
    assert_eq!(out[0]["outcome"], "pending-approval", "{out:#}");
    let pending = home
        .run(&["--demo", "--json", "requests", "--source", "entra-role"])
        .ok()
        .json();
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "{pending:#}");
    let canceled = home
        .run(&["--demo", "--json", "cancel", "User Administrator"])
        .ok()
        .json();
    assert_eq!(canceled[0]["outcome"], "canceled", "{canceled:#}");
}

#[test]
fn wait_follows_the_request_and_start_schedules_it() {
    let home = Home::new();
    let waited = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Reader@Platform",
            "--wait",
            "--timeout",
            "30s",
        ])
        .ok()
        .json();
    assert_eq!(waited[0]["outcome"], "done", "{waited:#}");
    let pending = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Owner@Production",
            "--reason",
            "r",
            "--ticket",
            "SN:1",
            "--wait",
            "--timeout",
            "3s",
        ])
        .ok()
        .json();
    assert_eq!(
        pending[0]["outcome"], "pending-approval",
        "still waiting for an approver when --timeout ran out: {pending:#}"
    );

    let later = home
        .run(&[
            "activate",
            "--demo",
            "Contributor@Development",
            "--reason",
            "tonight",
            "--start",
            "+2h",
        ])
        .ok();
    assert!(
        later.stdout.contains("scheduled to start"),
        "{}",
        later.stdout
    );
    let bad = home.run(&[
        "--demo",
        "activate",
        "Contributor@Development",
        "--reason",
        "x",
        "--start",
        "someday",
    ]);
    assert_eq!(bad.code, Some(1));
    assert!(bad.stderr.contains("is not a start time"), "{}", bad.stderr);
}

#[test]
fn extend_deactivates_and_activates_again_for_the_new_duration() {
    let home = Home::new();
    home.run(&["--demo", "activate", "Reader@Platform", "--for", "1h"])
        .ok();
    home.run(&["--demo", "clock", "--advance", "30m"]).ok();
    let out = home
        .run(&[
            "--demo",
            "--json",
            "extend",
            "Reader@Platform",
            "--for",
            "2h",
        ])
        .ok()
        .json();
    assert_eq!(out[0]["outcome"], "done", "{out:#}");
    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    let grant = find(&active, "Reader", "Contoso Platform").unwrap_or_else(|| panic!("{active:#}"));
    let secs = grant["remaining_seconds"].as_i64().unwrap_or(0);
    assert!(
        (7000..=7200).contains(&secs),
        "two hours from the (moved) clock's now: {grant}"
    );
    // The new activation is younger than five minutes: Azure would refuse to deactivate it, so
    // Extend is refused with nothing changed.
    let early = home.run(&["--demo", "extend", "Reader@Platform", "--for", "1h"]);
    assert_eq!(early.code, Some(1), "{}", early.stdout);
    assert!(
        early.stdout.contains("first five minutes"),
        "{}",
        early.stdout
    );
    home.run(&["--demo", "clock", "--advance", "6m"]).ok();
    let table = home
        .run(&["--demo", "extend", "Reader@Platform", "--for", "1h"])
        .ok();
    assert!(table.stdout.contains("extended for 1h"), "{}", table.stdout);
    assert!(
        table.stdout.contains("deactivated and activated again"),
        "{}",
        table.stdout
    );
    let standing = home.run(&["--demo", "extend", "Reader@Sandbox"]);
    assert_eq!(standing.code, Some(1));
    assert!(
        standing.stderr.contains("standing assignment"),
        "{}",
        standing.stderr
    );
}

#[test]
fn approvals_are_listed_approved_and_denied_with_a_reason() {
    let home = Home::new();
    let waiting = home.run(&["--demo", "--json", "approvals"]).ok().json();
    let items = waiting.as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 3, "{waiting:#}");
    assert!(
        items.iter().any(|r| r["source"] == "azure-resource"),
        "{waiting:#}"
    );
    assert!(
        items.iter().all(|r| r["principal_name"] == "Grace Hopper"),
        "{waiting:#}"
    );

    // A day to decide: twenty hours later, about four are left.
    home.run(&["--demo", "clock", "--advance", "20h"]).ok();
    let table = home.run(&["--demo", "approvals"]).ok();
    assert!(table.stdout.contains("DECIDE WITHIN"), "{}", table.stdout);
    assert!(
        table.stdout.contains("3h 59m") || table.stdout.contains("4h 00m"),
        "{}",
        table.stdout
    );

    let missing_reason = home.run(&["--demo", "approve", "User Administrator"]);
    assert_eq!(missing_reason.code, Some(2), "{}", missing_reason.stderr);

    let approved = home
        .run(&[
            "--demo",
            "--json",
            "approve",
            "User Administrator",
            "--reason",
            "planned onboarding",
        ])
        .ok()
        .json();
    assert_eq!(approved[0]["outcome"], "approved", "{approved:#}");
    let again = home.run(&["--demo", "approve", "User Administrator", "--reason", "x"]);
    assert_eq!(again.code, Some(1));
    assert!(
        again
            .stderr
            .contains("no request waiting for your approval"),
        "{}",
        again.stderr
    );

    let denied = home
        .run(&[
            "--demo",
            "--json",
            "deny",
            "Owner@PIM-Security-Admins",
            "--reason",
            "not this week",
        ])
        .ok()
        .json();
    assert_eq!(denied[0]["outcome"], "denied", "{denied:#}");
    let azure = home
        .run(&[
            "--demo",
            "--json",
            "approve",
            "Owner@Contoso Production",
            "--reason",
            "hotfix",
        ])
        .ok()
        .json();
    assert_eq!(azure[0]["outcome"], "approved", "{azure:#}");
    let table = home.run(&["--demo", "approvals"]).ok();
    assert!(
        table.stdout.contains("Nothing waits for your approval"),
        "{}",
        table.stdout
    );
}

/// One version everywhere: `elevate --version` is the workspace's, the tray's bundle config takes its
/// version from Cargo (no version of its own in tauri.conf.json), and the changelog has a section for it.
#[test]
fn the_version_is_the_workspace_version_everywhere() {
    let version = env!("CARGO_PKG_VERSION");
    let out = Home::new().run(&["--version"]).ok();
    assert_eq!(out.stdout.trim(), format!("elevate {version}"));

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let conf = std::fs::read_to_string(root.join("src-tauri/tauri.conf.json"))
        .unwrap_or_else(|e| panic!("tauri.conf.json: {e}"));
    let conf: Value =
        serde_json::from_str(&conf).unwrap_or_else(|e| panic!("tauri.conf.json: {e}"));
    assert!(
        conf.get("version").is_none_or(|v| v == version),
        "tauri.conf.json has its own version {}, not Cargo's {version}",
        conf["version"]
    );
    let changelog = std::fs::read_to_string(root.join("CHANGELOG.md"))
        .unwrap_or_else(|e| panic!("CHANGELOG.md: {e}"));
    assert!(
        changelog
            .lines()
            .any(|l| l.starts_with(&format!("## {version}"))),
        "CHANGELOG.md has no section for {version}"
    );
}
