//! `elevate doctor` and `elevate admin register-app` end to end, as separate processes against
//! `elevate sim` as the whole tenant (Azure and its identity platform), with the scripted browser
//! and the real OS credential store (gnome-keyring on a private bus, as in `cli_login`).
//!
//! Doctor: not signed in (problem, exit 1); the well-known clients with a Graph permission whose
//! consent was taken away (the permission named with the admin-consent URL, text and JSON, exit 1).
//! register-app: refused without an administrator role; made once an Application Administrator
//! role is active; found again; then `elevate login` with the printed client id, and the doctor
//! finds everything (exit 0).

use std::path::PathBuf;

use elevate_e2e::Home;
use elevate_e2e::sim::{SimServer, scripted_browser};
use serde_json::{Value, json};

use crate::cli_login::{Keyring, run};

const GRAPH_CLI: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";

struct Tenant {
    home: Home,
    sim: SimServer,
    keyring: Keyring,
    browser: PathBuf,
    transcript: String,
}

impl Tenant {
    fn start() -> Tenant {
        let home = Home::new();
        let sim = SimServer::start(&home, &[]);
        let keyring = Keyring::start(true);
        let browser = scripted_browser(&home.path(), None);
        let tenant = Tenant {
            home,
            sim,
            keyring,
            browser,
            transcript: String::new(),
        };
        tenant.configure(None);
        tenant
    }

    /// Azure and sign-in at the simulator; `client_id` as the organisation's own registration.
    fn configure(&self, client_id: Option<&str>) {
        let url = &self.sim.url;
        let sign_in =
            client_id.map_or_else(String::new, |c| format!("[sign_in]\nclient_id = \"{c}\"\n"));
        std::fs::write(
            self.home.path().join("config.toml"),
            format!("cloud = \"custom\"\n[endpoints]\narm = \"{url}\"\ngraph = \"{url}\"\nauthority = \"{url}\"\n{sign_in}"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }

    fn elevate(&mut self, args: &[&str]) -> elevate_e2e::Run {
        run(
            &self.home,
            &self.keyring,
            &self.browser,
            args,
            &mut self.transcript,
        )
    }

    /// A control API call (with curl: the tests' HTTP client is async).
    fn control(&self, path: &str, body: Value) {
        let out = std::process::Command::new("curl")
            .args([
                "-s",
                "-f",
                "-X",
                "POST",
                "-H",
                "content-type: application/json",
                "-d",
            ])
            .arg(body.to_string())
            .arg(format!("{}/_sim/{path}", self.sim.url))
            .output()
            .unwrap_or_else(|e| panic!("curl: {e}"));
        assert!(
            out.status.success(),
            "{path}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn doctor_says_what_is_missing_and_where_an_admin_consents() {
    let mut t = Tenant::start();
    let out = t.elevate(&["doctor"]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("problem "), "{}", out.stdout);
    assert!(out.stdout.contains("elevate login"), "{}", out.stdout);

    // Graph's well-known client lacks consent for listing eligible Entra roles (and everything
    // higher that would cover it) before its first sign-in.
    t.control(
        "consent",
        json!({"client_id": GRAPH_CLI, "missing": [
            "RoleEligibilitySchedule.Read.Directory", "RoleEligibilitySchedule.ReadWrite.Directory",
            "RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory",
        ]}),
    );
    t.elevate(&["login"]).ok();
    // The first use of Graph signs in to its client (the scripted browser approves).
    t.elevate(&["roles"]);
    let out = t.elevate(&["doctor"]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    let tenant = t.sim.field("tenant_id");
    let url = format!(
        "{}/{tenant}/v2.0/adminconsent?client_id={GRAPH_CLI}&scope=https%3A%2F%2Fgraph.microsoft.com%2FRoleEligibilitySchedule.ReadWrite.Directory&redirect_uri=http%3A%2F%2Flocalhost",
        t.sim.url
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "one line per finding: {}", out.stdout);
    let problem = lines
        .iter()
        .find(|l| l.starts_with("problem") && l.contains("Entra roles") && l.contains("lacks"))
        .unwrap_or_else(|| panic!("no permission problem: {}", out.stdout));
    assert!(
        problem.contains("RoleEligibilitySchedule.ReadWrite.Directory") && problem.contains(&url),
        "{problem}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok") && l.contains("Groups: listing eligibilities works")),
        "{}",
        out.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok") && l.contains("Azure resource roles: listing")),
        "{}",
        out.stdout
    );

    let out = t.elevate(&["doctor", "--json"]);
    assert_eq!(out.code, Some(1));
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    assert_eq!(report["ok"], false);
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let permissions = findings
        .iter()
        .find(|f| f["check"] == "permissions" && f["source"] == "entra-role")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(permissions["level"], "problem");
    assert_eq!(
        permissions["missing"],
        json!(["RoleEligibilitySchedule.ReadWrite.Directory"])
    );
    assert_eq!(permissions["consent_url"], url.as_str());
    let listing = findings
        .iter()
        .find(|f| f["check"] == "listing" && f["source"] == "entra-role")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(listing["level"], "problem");
}

#[test]
fn an_admin_registers_elevate_and_its_client_id_signs_in() {
    let mut t = Tenant::start();
    // Not an administrator: refused, and says what is needed.
    let out = t.elevate(&["admin", "register-app"]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("Application Administrator"),
        "{}",
        out.stderr
    );

    let end = String::from_utf8(
        std::process::Command::new("date")
            .args(["-u", "-d", "+8 hours", "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .unwrap_or_else(|e| panic!("date: {e}"))
            .stdout,
    )
    .unwrap_or_default()
    .trim()
    .to_owned();
    t.control(
        "assignments",
        json!({"directory_role_id": APPLICATION_ADMINISTRATOR, "end": end}),
    );
    let out = t.elevate(&["admin", "register-app"]).ok();
    assert!(
        out.stdout.contains("created the app registration"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("granted admin consent for Microsoft Graph"),
        "{}",
        out.stdout
    );
    let client_id = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Client id: "))
        .unwrap_or_else(|| panic!("no client id: {}", out.stdout))
        .trim()
        .to_owned();
    assert!(
        out.stdout
            .contains(&format!("[sign_in]\nclient_id = \"{client_id}\"\n")),
        "{}",
        out.stdout
    );
    // The registration is single-tenant: the snippet names the admin's tenant to sign in through.
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("tenant = \"") && l.len() == "tenant = \"\"".len() + 36),
        "{}",
        out.stdout
    );

    // Again: found, complete, nothing done.
    let out = t.elevate(&["admin", "register-app"]).ok();
    assert!(
        out.stdout.contains("exists and is complete"),
        "{}",
        out.stdout
    );
    let out = t.elevate(&["admin", "register-app", "--json"]).ok();
    let again: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    assert_eq!(again["client_id"], client_id.as_str());
    assert_eq!(again["existed"], true);
    assert_eq!(again["done"], json!([]));

    // The organisation deploys the snippet; a user signs in with it, and the doctor is content.
    t.configure(Some(&client_id));
    t.elevate(&["login"]).ok();
    let out = t.elevate(&["doctor"]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout.lines().count(), 8, "{}", out.stdout);
    assert!(
        out.stdout.lines().all(|l| l.starts_with("ok ")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("client {client_id}")),
        "{}",
        out.stdout
    );
    let roles = t.elevate(&["roles", "--json"]).ok();
    let roles: Value = serde_json::from_str(&roles.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(roles.as_array().is_some_and(|r| r.len() > 5), "{roles}");
}
