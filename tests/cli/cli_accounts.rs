//! Several accounts as processes: two users of `elevate sim` (run as a tenant) signed in side by
//! side through a scripted browser and kept in the real OS credential store (gnome-keyring on a
//! private bus); `--account` choosing each by user name, an ambiguous or unknown name refused with
//! the list; each account's roles and history its own (its own database); `accounts use`;
//! `logout --account` removing only that one and `--all` the rest. And the headless gap: an
//! account that signed in with a device code gets Microsoft Graph's client signed in with a second
//! device code in a later process (never the browser), or, with no terminal and no display, a
//! clear error saying what to run.

use std::path::Path;
use std::process::Command;

use elevate_e2e::sim::{SimServer, scripted_browser};
use elevate_e2e::{Home, Run};
use serde_json::{Value, json};

use crate::cli_login::Keyring;

const GRACE: &str = "grace@contoso.example";
const ADA: &str = "ada@contoso.example";
/// Reader, a built-in role.
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
/// Contoso Development.
const DEVELOPMENT: &str = "/subscriptions/7a2b3c4d-5e6f-4071-9b82-a3c4d5e6f708";

fn control(sim: &str, method: &str, path: &str, body: &Value) -> Value {
    let output = Command::new("curl")
        .args([
            "-s",
            "-X",
            method,
            "-H",
            "content-type: application/json",
            "-d",
        ])
        .arg(body.to_string())
        .arg(format!("{sim}/_sim/{path}"))
        .output()
        .unwrap_or_else(|e| panic!("curl: {e}"));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// The simulator as ARM, Graph and the identity provider. With `own_client`, one client id for
/// both APIs; without, the two well-known public clients (Graph's signed in when first needed).
fn write_config(home: &Home, url: &str, own_client: bool) {
    let client = if own_client {
        "[sign_in]\nclient_id = \"elevate-demo\"\n"
    } else {
        ""
    };
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "cloud = \"custom\"\n[endpoints]\narm = \"{url}\"\ngraph = \"{url}\"\nauthority = \"{url}\"\n\
             arm_scope = \"https://management.core.windows.net//.default\"\n\
             graph_scope = \"https://graph.microsoft.com/.default\"\n{client}"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

fn run(home: &Home, keyring: &Keyring, browser: &Path, args: &[&str]) -> Run {
    let mut command = home.command();
    keyring.env(&mut command);
    let output = command
        .args(args)
        .env("BROWSER", browser)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn usernames(accounts: &Value) -> Vec<(String, bool)> {
    accounts["accounts"]
        .as_array()
        .unwrap_or_else(|| panic!("no accounts: {accounts}"))
        .iter()
        .map(|a| {
            (
                a["username"].as_str().unwrap_or_default().to_owned(),
                a["current"].as_bool().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn two_accounts_side_by_side_each_with_its_own_roles_and_history() {
    let home = Home::new();
    let tenant = SimServer::start(&home, &[]);
    let sim = tenant.url.clone();
    write_config(&home, &sim, true);
    let keyring = Keyring::start(true);
    let browser = scripted_browser(&home.path(), None);
    let grace_id = "6ace0000-1906-4b1d-8c2e-0000000c0b01";
    let added = control(
        &sim,
        "POST",
        "eligibilities",
        &json!({"principal_id": grace_id, "role_definition_id": READER, "scope": DEVELOPMENT}),
    );
    assert!(added.get("error").is_none(), "{added}");

    // Ada signs in, then Grace (the identity provider's session is now hers): both are kept,
    // the last one signed in is current.
    let ada = run(&home, &keyring, &browser, &["login", "--json"]).ok();
    assert_eq!(ada.json()["account"]["username"], ADA, "{}", ada.stderr);
    control(&sim, "POST", "sign-in-session", &json!({"user": GRACE}));
    let grace = run(&home, &keyring, &browser, &["login", "--json"]).ok();
    assert_eq!(
        grace.json()["account"]["username"],
        GRACE,
        "{}",
        grace.stderr
    );
    let listed = run(&home, &keyring, &browser, &["accounts", "--json"]).ok();
    assert_eq!(
        usernames(&listed.json()),
        vec![(ADA.to_owned(), false), (GRACE.to_owned(), true)]
    );
    let text = run(&home, &keyring, &browser, &["accounts"]).ok();
    assert!(
        text.stdout.contains(&format!("* {GRACE}")),
        "{}",
        text.stdout
    );

    // The current account's roles, and Ada's with --account (any case).
    let roles = |account: Option<&str>| {
        let mut args = vec!["roles", "--json", "--source", "azure-resource"];
        if let Some(a) = account {
            args.extend(["--account", a]);
        }
        let out = run(&home, &keyring, &browser, &args).ok();
        out.json().to_string()
    };
    let graces = roles(None);
    assert!(graces.contains("Contoso Development"), "{graces}");
    assert!(!graces.contains("Key Vault Secrets Officer"), "{graces}");
    let adas = roles(Some("ADA@contoso.example"));
    assert!(adas.contains("Key Vault Secrets Officer"), "{adas}");

    // A tenant both belong to is ambiguous; an unknown name is refused; both list the accounts.
    for (wanted, says) in [
        ("contoso.example", "matches several"),
        ("nobody@fabrikam.example", "no signed-in account matches"),
    ] {
        let refused = run(&home, &keyring, &browser, &["roles", "--account", wanted]);
        assert_eq!(refused.code, Some(1), "{}", refused.stdout);
        assert!(refused.stderr.contains(says), "{}", refused.stderr);
        assert!(
            refused.stderr.contains(ADA) && refused.stderr.contains(GRACE),
            "{}",
            refused.stderr
        );
    }

    // The doctor checks the account --account names, not the current one (which stays Grace).
    let checked = run(&home, &keyring, &browser, &["doctor", "--account", ADA]);
    assert!(
        checked.stdout.contains(&format!("silently for {ADA}")) && !checked.stdout.contains(GRACE),
        "{}",
        checked.stdout
    );
    let current = run(&home, &keyring, &browser, &["doctor"]);
    assert!(
        current.stdout.contains(&format!("silently for {GRACE}")),
        "{}",
        current.stdout
    );

    // Grace activates; the history is hers, not Ada's; each has a database of her own.
    let activated = run(
        &home,
        &keyring,
        &browser,
        &[
            "activate",
            "Reader@Contoso Development",
            "--reason",
            "checks",
            "--for",
            "1h",
        ],
    );
    assert_eq!(activated.code, Some(0), "{}", activated.stderr);
    let history = |account: &str| {
        run(
            &home,
            &keyring,
            &browser,
            &["history", "--json", "--account", account],
        )
        .ok()
        .json()
    };
    assert!(history(GRACE).to_string().contains("Contoso Development"));
    assert_eq!(
        history(ADA).as_array().map(Vec::len),
        Some(0),
        "{}",
        history(ADA)
    );
    let folders: Vec<_> = std::fs::read_dir(home.path().join("accounts"))
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .filter(|e| e.path().join("elevate.db").exists())
        .collect();
    assert_eq!(folders.len(), 2, "one database per account");

    // `accounts use` makes Ada current again, for later processes.
    run(&home, &keyring, &browser, &["accounts", "use", ADA]).ok();
    assert!(roles(None).contains("Key Vault Secrets Officer"));

    // Signing out Grace leaves Ada; --all signs out the rest and deletes the sealed file.
    let out = run(&home, &keyring, &browser, &["logout", "--account", GRACE]).ok();
    assert!(out.stdout.contains(GRACE), "{}", out.stdout);
    let left = run(&home, &keyring, &browser, &["accounts", "--json"]).ok();
    assert_eq!(usernames(&left.json()), vec![(ADA.to_owned(), true)]);
    run(&home, &keyring, &browser, &["logout", "--all"]).ok();
    let none = run(&home, &keyring, &browser, &["accounts", "--json"]).ok();
    assert_eq!(usernames(&none.json()), Vec::<(String, bool)>::new());
    assert!(!home.path().join("tokens.bin").exists());
}

/// Fabrikam, the simulator's resource tenant where Ada is a guest.
const FABRIKAM: &str = "5d3e9f2b-8c4a-4f6a-b7e1-2a9c0d3f4e56";
/// Ada's guest object in Fabrikam.
const FABRIKAM_ADA: &str = "0a1da1e5-1815-4c2b-9d3e-fab000001815";

#[test]
fn a_guest_tenant_of_the_account_is_chosen_like_an_account() {
    let home = Home::new();
    let tenant = SimServer::start(&home, &[]);
    let sim = tenant.url.clone();
    write_config(&home, &sim, true);
    let keyring = Keyring::start(true);
    let opened = home.path().join("browser-opened");
    let browser = scripted_browser(&home.path(), Some(&opened));
    run(&home, &keyring, &browser, &["login", "--json"]).ok();
    assert!(opened.exists(), "the sign-in went through the browser");
    std::fs::remove_file(&opened).unwrap_or_else(|e| panic!("{e}"));

    // `--account Fabrikam`: the tenant list is read, the refresh token redeemed at Fabrikam; the
    // roles are Fabrikam's (Azure's and Entra's), none of Contoso's. No browser.
    let roles = run(
        &home,
        &keyring,
        &browser,
        &["--account", "Fabrikam", "roles", "--json"],
    )
    .ok();
    let text = roles.json().to_string();
    assert!(text.contains("Fabrikam Shared Services"), "{text}");
    assert!(text.contains("Global Reader"), "{text}");
    assert!(
        !text.contains("Contoso Production") && !text.contains("Key Vault"),
        "{text}"
    );
    assert!(!opened.exists(), "no browser for a guest tenant");
    let checked = run(
        &home,
        &keyring,
        &browser,
        &["--account", "Fabrikam", "doctor"],
    );
    assert!(
        checked.stdout.contains(&format!("in tenant {FABRIKAM}")),
        "the doctor checks the guest tenant: {}",
        checked.stdout
    );

    // `accounts` lists the tenant under the account, the home one marked; Ada stays current.
    let listed = run(&home, &keyring, &browser, &["accounts"]).ok();
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert!(
        lines
            .first()
            .is_some_and(|l| l.starts_with(&format!("* {ADA}")) && l.contains("(home)")),
        "{}",
        listed.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("tenant Fabrikam fabrikam.example")
                && l.contains(FABRIKAM)
                && l.ends_with("(guest)")
                && !l.starts_with('*')),
        "{}",
        listed.stdout
    );
    let json = run(&home, &keyring, &browser, &["accounts", "--json"])
        .ok()
        .json();
    let ada = &json["accounts"][0];
    assert_eq!(ada["tenants"][0]["tenant_id"], FABRIKAM, "{json}");
    assert_eq!(ada["tenants"][0]["display_name"], "Fabrikam");

    // `accounts use` by domain: Fabrikam is current for later processes, in its own data folder.
    let used = run(
        &home,
        &keyring,
        &browser,
        &["accounts", "use", "FABRIKAM.example"],
    )
    .ok();
    assert!(
        used.stdout.contains("in tenant Fabrikam") && used.stdout.contains("guest"),
        "{}",
        used.stdout
    );
    let plain = run(&home, &keyring, &browser, &["roles", "--json"])
        .ok()
        .json()
        .to_string();
    assert!(
        plain.contains("Fabrikam Shared Services") && !plain.contains("Contoso Production"),
        "{plain}"
    );
    let whoami = run(&home, &keyring, &browser, &["whoami", "--json"])
        .ok()
        .json();
    let current: Vec<&Value> = whoami["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["current"] == true)
        .collect();
    assert_eq!(current.len(), 1, "{whoami}");
    assert_eq!(current[0]["tenant_id"], FABRIKAM);
    assert_eq!(current[0]["object_id"], FABRIKAM_ADA);
    let listed = run(&home, &keyring, &browser, &["accounts"]).ok();
    assert!(
        listed
            .stdout
            .lines()
            .any(|l| l.starts_with('*') && l.contains("Fabrikam") && l.ends_with("(guest)")),
        "{}",
        listed.stdout
    );
    assert!(
        home.path()
            .join("accounts")
            .join(format!("{FABRIKAM_ADA}.{FABRIKAM}"))
            .join("elevate.db")
            .exists(),
        "the pair (account, tenant) has its own database"
    );

    // Back home by user name; a tenant nobody is in is not offered.
    run(&home, &keyring, &browser, &["accounts", "use", ADA]).ok();
    let home_roles = run(&home, &keyring, &browser, &["roles", "--json"])
        .ok()
        .json()
        .to_string();
    assert!(
        home_roles.contains("Contoso Production") && !home_roles.contains("Fabrikam"),
        "{home_roles}"
    );
    let unknown = run(
        &home,
        &keyring,
        &browser,
        &["--account", "Northwind", "roles"],
    );
    assert_eq!(unknown.code, Some(1));
    assert!(
        unknown.stderr.contains("no signed-in account matches"),
        "{}",
        unknown.stderr
    );
    assert!(!opened.exists(), "never a browser after the first sign-in");

    // Signing Ada out removes her Fabrikam account too.
    run(&home, &keyring, &browser, &["logout"]).ok();
    let none = run(&home, &keyring, &browser, &["accounts", "--json"]).ok();
    assert_eq!(usernames(&none.json()), Vec::<(String, bool)>::new());
}

/// `elevate ARGS` with a terminal (a pseudo-terminal from `script`), its output (stdout and stderr
/// together) and whether it succeeded.
fn run_in_terminal(home: &Home, keyring: &Keyring, browser: &Path, args: &str) -> (bool, String) {
    let elevate = elevate_e2e::elevate_bin();
    let mut command = Command::new("script");
    keyring.env(&mut command);
    let output = command
        .args([
            "-qefc",
            &format!("'{}' {args}", elevate.display()),
            "/dev/null",
        ])
        .env("ELEVATE_HOME", home.path())
        .env("BROWSER", browser)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap_or_else(|e| panic!("script (util-linux) is needed: {e}"));
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn after_a_device_code_sign_in_graph_is_signed_in_with_a_device_code_too() {
    let home = Home::new();
    let tenant = SimServer::start(&home, &[]);
    write_config(&home, &tenant.url, false);
    let keyring = Keyring::start(true);
    let opened = home.path().join("browser-opened");
    let browser = scripted_browser(&home.path(), Some(&opened));

    // ARM's client by device code (the simulator's user enters it at once).
    let login = run(
        &home,
        &keyring,
        &browser,
        &["login", "--device-code", "--json"],
    )
    .ok();
    assert!(login.stderr.contains("/devicelogin"), "{}", login.stderr);

    // A later process without a terminal or display cannot show a code: it says what to run.
    let headless = run(
        &home,
        &keyring,
        &browser,
        &["roles", "--source", "entra-role"],
    );
    let said = format!("{}{}", headless.stdout, headless.stderr);
    assert!(
        said.contains("no terminal or display") && said.contains("elevate roles --account"),
        "{said}"
    );
    assert!(!opened.exists(), "no browser was opened");

    // In a terminal, Graph's client gets its own device code; still no browser.
    let (ok, out) = run_in_terminal(&home, &keyring, &browser, "roles --source entra-role");
    assert!(ok, "{out}");
    assert!(
        out.contains("/devicelogin") && out.contains("second code"),
        "{out}"
    );
    assert!(out.contains("Global Reader"), "{out}");
    assert!(!opened.exists(), "no browser was opened");

    // Graph's refresh token is kept: the next process needs no sign-in at all.
    let again = run(
        &home,
        &keyring,
        &browser,
        &["roles", "--source", "entra-role"],
    )
    .ok();
    assert!(again.stdout.contains("Global Reader"), "{}", again.stdout);
    assert!(!again.stderr.contains("devicelogin"), "{}", again.stderr);
}
