//! `elevate approvals`, `approve` and `deny` as processes against `elevate sim` run as a tenant,
//! signing in through a scripted `$BROWSER` that logs every URL it is sent to (no credential store:
//! each process signs in afresh, in memory). What an approver needs to decide is shown (UPN, a
//! guest marker, the scope path, source, type, start, ticket); a role name that matches requests
//! from several people is refused with the list; and a decision with a stale sign-in opens the
//! browser first (`prompt=login`, `max_age`), one with a fresh sign-in does not, and
//! `fresh_sign_in_minutes = 0` signs in for every decision.

use std::path::{Path, PathBuf};
use std::process::Output;

use elevate_e2e::Home;
use elevate_e2e::sim::SimServer;
use serde_json::{Value, json};

/// Grace Hopper's guest namesake in the simulator's demo directory.
const GUEST: &str = "6ace0000-1906-4b1d-8c2e-00000000e7e7";

/// A $BROWSER that appends the URL to `log`, then follows the redirects like a user who approves.
fn logging_browser(dir: &Path, log: &Path) -> PathBuf {
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n\
             curl -s -L --max-redirs 20 -o /dev/null \"$1\"\n",
            log.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    script
}

fn opened(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_config(home: &Home, url: &str, fresh_minutes: u32) {
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "cloud = \"custom\"\n[endpoints]\narm = \"{url}\"\ngraph = \"{url}\"\nauthority = \"{url}\"\n\
             arm_scope = \"https://management.core.windows.net//.default\"\n\
             graph_scope = \"https://graph.microsoft.com/.default\"\n[sign_in]\nclient_id = \"elevate-demo\"\n\
             [approvals]\nfresh_sign_in_minutes = {fresh_minutes}\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(home: &Home, browser: &Path, args: &[&str]) -> Run {
    let output: Output = home
        .command()
        .args(args)
        .env("BROWSER", browser)
        // No Secret Service: the sign-in stays in memory, so every process signs in.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn control(sim: &str, method: &str, path: &str, body: &Value) -> Value {
    let mut curl = std::process::Command::new("curl");
    curl.args(["-s", "-X", method]);
    if method != "GET" {
        curl.args(["-H", "content-type: application/json", "-d"])
            .arg(body.to_string());
    }
    let output = curl
        .arg(format!("{sim}/_sim/{path}"))
        .output()
        .unwrap_or_else(|e| panic!("curl: {e}"));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

fn query(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

#[test]
fn approvers_see_who_asks_and_decide_only_after_a_recent_sign_in() {
    let home = Home::new();
    let tenant = SimServer::start(&home, &[]);
    let sim = tenant.url.clone();
    write_config(&home, &sim, 10);
    let log = home.path().join("browser.log");
    let browser = logging_browser(&home.path(), &log);
    // The user signed in to the identity provider half an hour ago; Grace's guest namesake asks
    // for Owner at Contoso Production too.
    let half_an_hour_ago = std::process::Command::new("date")
        .args(["-u", "-d", "30 minutes ago", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|e| panic!("{e}"));
    control(
        &sim,
        "POST",
        "sign-in-session",
        &json!({ "signed_in_at": half_an_hour_ago }),
    );
    let added = control(
        &sim,
        "POST",
        "approval-requests",
        &json!({ "principal_id": GUEST }),
    );
    assert_eq!(added["added"], 1, "{added}");

    // The table: who (name, UPN, guest), the scope path, source, type, start, ticket.
    let table = run(&home, &browser, &["approvals"]);
    assert_eq!(table.code, Some(0), "{}", table.stderr);
    for shown in [
        "grace@contoso.example",
        "grace.hopper_fabrikam.example#EXT#@contoso.example> (guest)",
        "Contoso Production",
        "SOURCE",
        "TYPE",
        "FROM",
        "TICKET",
        "ServiceNow:INC0042",
        "activate",
        "entra-role",
    ] {
        assert!(
            table.stdout.contains(shown),
            "no {shown:?} in:\n{}",
            table.stdout
        );
    }
    assert!(
        !table.stdout.contains("grace@contoso.example> (guest)"),
        "the colleague is no guest:\n{}",
        table.stdout
    );
    let listed = run(&home, &browser, &["--json", "approvals"]);
    let items: Value = serde_json::from_str(&listed.stdout).unwrap_or_else(|e| panic!("{e}"));
    let items = items.as_array().cloned().unwrap_or_default();
    let guest = items
        .iter()
        .find(|r| r["principal_id"] == GUEST)
        .unwrap_or_else(|| panic!("no guest request: {items:?}"));
    assert_eq!(guest["principal_guest"], true, "{guest}");
    assert_eq!(
        guest["principal_email"], "grace.hopper@fabrikam.example",
        "{guest}"
    );
    assert_eq!(
        guest["scope_path"],
        json!(["Contoso Production"]),
        "{guest}"
    );
    let grace_arm = items
        .iter()
        .find(|r| r["source"] == "azure-resource" && r["principal_id"] != GUEST)
        .unwrap_or_else(|| panic!("no ARM request from Grace: {items:?}"))
        .clone();
    assert_eq!(grace_arm["principal_guest"], false, "{grace_arm}");
    assert_eq!(
        grace_arm["principal_upn"], "grace@contoso.example",
        "{grace_arm}"
    );

    // "Owner@Contoso Production" is asked for by two people: refused, both listed, nothing sent.
    let before = opened(&log).len();
    let ambiguous = run(
        &home,
        &browser,
        &["approve", "Owner@Contoso Production", "--reason", "hotfix"],
    );
    assert_eq!(ambiguous.code, Some(1), "{}", ambiguous.stderr);
    assert!(
        ambiguous.stderr.contains("2 people")
            && ambiguous.stderr.contains("#EXT#")
            && ambiguous.stderr.contains("grace@contoso.example"),
        "{}",
        ambiguous.stderr
    );
    assert_eq!(
        opened(&log).len(),
        before + 1,
        "only the process's own sign-in"
    );

    // Stale (30 minutes): the browser opens again, for the credentials, before the decision.
    let name = grace_arm["name"].as_str().unwrap_or_default();
    let before = opened(&log).len();
    let approved = run(&home, &browser, &["approve", name, "--reason", "hotfix"]);
    assert_eq!(
        approved.code,
        Some(0),
        "{}\n{}",
        approved.stdout,
        approved.stderr
    );
    let urls = opened(&log);
    assert_eq!(
        urls.len(),
        before + 2,
        "sign-in, then the decision's sign-in: {urls:#?}"
    );
    let last = urls.last().cloned().unwrap_or_default();
    assert_eq!(query(&last, "prompt").as_deref(), Some("login"), "{last}");
    assert_eq!(query(&last, "max_age").as_deref(), Some("600"), "{last}");
    assert!(
        approved
            .stderr
            .contains("needs a sign-in from the last 10 minutes"),
        "{}",
        approved.stderr
    );

    // Fresh (that sign-in was just now): the decision goes without another sign-in.
    let before = opened(&log).len();
    let denied = run(
        &home,
        &browser,
        &["deny", "User Administrator", "--reason", "not this week"],
    );
    assert_eq!(denied.code, Some(0), "{}\n{}", denied.stdout, denied.stderr);
    assert_eq!(
        opened(&log).len(),
        before + 1,
        "a fresh sign-in needs no second one"
    );

    // 0: every decision signs in again, however fresh.
    write_config(&home, &sim, 0);
    let before = opened(&log).len();
    let group = run(
        &home,
        &browser,
        &[
            "approve",
            "Owner@PIM-Security-Admins",
            "--reason",
            "planned",
        ],
    );
    assert_eq!(group.code, Some(0), "{}\n{}", group.stdout, group.stderr);
    let urls = opened(&log);
    assert_eq!(urls.len(), before + 2, "{urls:#?}");
    assert_eq!(
        query(urls.last().map_or("", String::as_str), "max_age").as_deref(),
        Some("0")
    );

    // Azure's side: Grace's ARM request approved, the guest's still waiting.
    let requests = control(&sim, "GET", "requests", &json!({}));
    let all = requests.as_array().cloned().unwrap_or_default();
    let status = |pick: &dyn Fn(&Value) -> bool| {
        all.iter()
            .find(|r| pick(r))
            .map(|r| {
                r["properties"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_default()
    };
    assert_ne!(
        status(&|r| r["name"] == name),
        "PendingApproval",
        "{requests}"
    );
    assert_eq!(
        status(&|r| r["properties"]["principalId"] == GUEST),
        "PendingApproval",
        "{requests}"
    );
}
