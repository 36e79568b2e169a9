//! `elevate activate --check` and `elevate history --azure` as processes against `elevate sim` run
//! as a tenant (signing in through a scripted browser, in memory: no credential store). A check
//! says "would be granted", "would wait for approval" or exactly what would be refused (exit 1),
//! and creates nothing; `history --azure` shows a request made directly over HTTP with the user's
//! token (another tool) as "elsewhere" beside the one made here, as a table, JSON and CSV whose
//! cells cannot start a formula.

use std::path::Path;

use elevate_e2e::sim::{SimServer, scripted_browser};
use elevate_e2e::{Home, Run};
use serde_json::{Value, json};

fn write_config(home: &Home, url: &str) {
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "cloud = \"custom\"\n[endpoints]\narm = \"{url}\"\ngraph = \"{url}\"\nauthority = \"{url}\"\n\
             arm_scope = \"https://management.core.windows.net//.default\"\n\
             graph_scope = \"https://graph.microsoft.com/.default\"\n[sign_in]\nclient_id = \"elevate-demo\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

fn run(home: &Home, browser: &Path, args: &[&str]) -> Run {
    let output = home
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

/// A call with curl (the control API, or ARM as another tool would call it).
fn curl(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut curl = std::process::Command::new("curl");
    curl.args(["-s", "-w", "\n%{http_code}", "-X", method]);
    if let Some(token) = token {
        curl.args(["-H", &format!("authorization: Bearer {token}")]);
    }
    if let Some(body) = body {
        curl.args(["-H", "content-type: application/json", "-d"])
            .arg(body.to_string());
    }
    let output = curl
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("curl: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or((&text, "0"));
    (
        status.trim().parse().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn sim_requests(sim: &str) -> usize {
    curl("GET", &format!("{sim}/_sim/requests"), None, None)
        .1
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn activate_check_says_what_would_happen_exits_non_zero_on_refusal_and_creates_nothing() {
    let home = Home::new();
    let tenant = SimServer::start(&home, &[]);
    let sim = tenant.url.clone();
    write_config(&home, &sim);
    let browser = scripted_browser(&home.path(), None);
    let before = sim_requests(&sim);

    let granted = run(
        &home,
        &browser,
        &["activate", "Reader@Contoso Platform", "--check"],
    );
    assert_eq!(
        granted.code,
        Some(0),
        "{}{}",
        granted.stdout,
        granted.stderr
    );
    assert!(
        granted
            .stdout
            .contains("Reader @ Contoso Platform: would be granted"),
        "{}",
        granted.stdout
    );

    let approval = run(
        &home,
        &browser,
        &[
            "--json",
            "activate",
            "Owner@Contoso Production",
            "--check",
            "--reason",
            "deploy",
            "--ticket",
            "ServiceNow:CHG1",
        ],
    );
    assert_eq!(
        approval.code,
        Some(0),
        "{}{}",
        approval.stdout,
        approval.stderr
    );
    let checks = approval.json();
    assert_eq!(checks[0]["verdict"], "would-wait-for-approval", "{checks}");
    assert_eq!(checks[0]["checked_by_azure"], true, "{checks}");

    // The role's policy needs a ticket: refused before Azure is asked, with the option to add.
    let no_ticket = run(
        &home,
        &browser,
        &["activate", "Contoso Incident Responder", "--check"],
    );
    assert_eq!(
        no_ticket.code,
        Some(1),
        "{}{}",
        no_ticket.stdout,
        no_ticket.stderr
    );
    assert!(
        no_ticket.stdout.contains("would be refused"),
        "{}",
        no_ticket.stdout
    );
    assert!(
        no_ticket.stdout.contains("--ticket"),
        "{}",
        no_ticket.stdout
    );

    // Signed in without MFA, which the Owner role's policy requires: Azure refuses, by rule.
    let (status, _) = curl(
        "POST",
        &format!("{sim}/_sim/sign-in-session"),
        None,
        Some(&json!({ "mfa": false })),
    );
    assert_eq!(status, 200);
    let refused = run(
        &home,
        &browser,
        &[
            "activate",
            "Owner@Contoso Production",
            "--check",
            "--reason",
            "deploy",
            "--ticket",
            "ServiceNow:CHG1",
        ],
    );
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused
            .stdout
            .contains("Owner @ Contoso Production: would be refused")
            && refused
                .stdout
                .contains("multi-factor authentication is required"),
        "{}",
        refused.stdout
    );

    assert_eq!(sim_requests(&sim), before, "a check creates nothing");
    let history = run(&home, &browser, &["--json", "history"]).ok().json();
    assert_eq!(history, json!([]), "a check is not history");
}

#[test]
fn history_azure_shows_requests_made_elsewhere_beside_this_machines() {
    let home = Home::new();
    let tenant = SimServer::start(&home, &[]);
    let sim = tenant.url.clone();
    write_config(&home, &sim);
    let browser = scripted_browser(&home.path(), None);

    run(&home, &browser, &["activate", "Reader@Contoso Platform"]).ok();
    // Another tool: the plain ARM API with the user's token, a justification a spreadsheet would
    // run as a formula.
    let (_, token) = curl("POST", &format!("{sim}/_sim/token"), None, Some(&json!({})));
    let token = token["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let scope = format!("/subscriptions/{}", "7a2b3c4d-5e6f-4071-9b82-a3c4d5e6f708");
    let name = "c0ffee00-5eed-4abc-8def-00000000e15e".to_owned();
    let (status, created) = curl(
        "PUT",
        &format!(
            "{sim}{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?api-version=2020-10-01"
        ),
        Some(&token),
        Some(&json!({ "properties": {
            "principalId": tenant.field("demo_user_oid"),
            "roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"),
            "requestType": "SelfActivate",
            "justification": "=HYPERLINK(\"http://evil.example\",\"x\")",
            "scheduleInfo": { "expiration": { "type": "AfterDuration", "duration": "PT1H" } },
        }})),
    );
    assert_eq!(status, 201, "{created}");

    // This machine's history alone knows only its own request.
    let local = run(&home, &browser, &["--json", "history"]).ok().json();
    assert_eq!(local.as_array().map(Vec::len), Some(1), "{local}");

    let rows = run(&home, &browser, &["--json", "history", "--azure"])
        .ok()
        .json();
    let rows = rows.as_array().cloned().unwrap_or_default();
    let mine: Vec<&Value> = rows
        .iter()
        .filter(|r| r["origin"] == "this-machine")
        .collect();
    let elsewhere: Vec<&Value> = rows.iter().filter(|r| r["origin"] == "elsewhere").collect();
    assert_eq!(mine.len(), 1, "{rows:?}");
    assert_eq!(mine[0]["role"], "Reader");
    assert_eq!(mine[0]["listed_by_azure"], true, "{rows:?}");
    let other = elsewhere
        .iter()
        .find(|r| {
            r["azure_request_id"]
                .as_str()
                .is_some_and(|id| id.to_ascii_lowercase().ends_with(&name))
        })
        .unwrap_or_else(|| panic!("the request made elsewhere: {rows:?}"));
    assert_eq!(other["role"], "Contributor");
    assert_eq!(other["scope_name"], "Contoso Development");
    assert_eq!(other["status"], "done");

    let table = run(&home, &browser, &["history", "--azure"]).ok();
    let line = table
        .stdout
        .lines()
        .find(|l| l.contains("Contributor"))
        .unwrap_or_else(|| panic!("{}", table.stdout));
    assert!(line.contains("elsewhere"), "{line}");
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.contains("Reader") && l.contains("this machine")),
        "{}",
        table.stdout
    );

    let csv = run(&home, &browser, &["history", "--azure", "--csv"]).ok();
    let mut lines = csv.stdout.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("at,origin,source,kind,role")),
        "{}",
        csv.stdout
    );
    let line = csv
        .stdout
        .lines()
        .find(|l| l.contains(",elsewhere,") && l.contains("HYPERLINK"))
        .unwrap_or_else(|| panic!("{}", csv.stdout));
    // Quoted, quotes doubled, and defused with a leading apostrophe: no cell starts with `=`.
    assert!(
        line.contains(r#""'=HYPERLINK(""http://evil.example"",""x"")""#),
        "{line}"
    );
    assert!(!line.split(',').any(|cell| cell.starts_with('=')), "{line}");
}
