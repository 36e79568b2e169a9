//! Several accounts in the tray: two of the simulator's users signed in beforehand with the CLI
//! (kept in gnome-keyring's Secret Service on the tray's private bus), the menu's account
//! submenu over dbusmenu listing both, and switching to the other changing the roles the menu lists
//! (the old account's session and watcher stopped, the new one's started).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use elevate_e2e::dbusmenu::{Item, click, layout, wait_for_menu};
use elevate_e2e::sim::{SimServer, scripted_browser};
use elevate_e2e::{Bus, Display, Home, TrayApp};

const ADA: &str = "ada@contoso.example";
const GRACE: &str = "grace@contoso.example";

/// gnome-keyring's Secret Service on `bus`, its login keyring unlocked; killed when dropped.
struct SecretService(Child);

impl SecretService {
    fn start(bus: &Bus, home: &Home) -> SecretService {
        let data = home.path().join("keyring-data");
        std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", home.runtime_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("gnome-keyring is needed: {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write as _;
            let _ = stdin.write_all(b"test-keyring-password");
        }
        let started = Instant::now();
        loop {
            let owned = Command::new("dbus-send")
                .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"));
            if owned {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no Secret Service"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SecretService(child)
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn control(sim: &str, path: &str, body: &serde_json::Value) {
    let ok = Command::new("curl")
        .args([
            "-sf",
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "-d",
        ])
        .arg(body.to_string())
        .arg(format!("{sim}/_sim/{path}"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "the control call {path} failed");
}

fn has(menu: &Item, text: &str) -> bool {
    menu.all().iter().any(|i| i.label.contains(text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_submenu_lists_both_accounts_and_switching_changes_the_roles() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    let _secrets = SecretService::start(&bus, &home);
    let tenant = SimServer::start(&home, &[]);
    let url = tenant.url.clone();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "cloud = \"custom\"\n[endpoints]\narm = \"{url}\"\ngraph = \"{url}\"\nauthority = \"{url}\"\n\
             arm_scope = \"https://management.core.windows.net//.default\"\n\
             graph_scope = \"https://graph.microsoft.com/.default\"\n[sign_in]\nclient_id = \"elevate-demo\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Grace is eligible for Reader at Contoso Development; Ada is not, and Grace has none of Ada's
    // Key Vault roles.
    control(
        &url,
        "eligibilities",
        &serde_json::json!({
            "principal_id": "6ace0000-1906-4b1d-8c2e-0000000c0b01",
            "role_definition_id": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            "scope": "/subscriptions/7a2b3c4d-5e6f-4071-9b82-a3c4d5e6f708",
        }),
    );
    let browser = scripted_browser(&home.path(), None);
    let cli = |args: &[&str]| {
        let out = home
            .command()
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("XDG_RUNTIME_DIR", home.runtime_dir())
            .env("BROWSER", &browser)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cli(&["login"]);
    control(&url, "sign-in-session", &serde_json::json!({"user": GRACE}));
    cli(&["login"]);
    cli(&["accounts", "use", ADA]);

    let app = TrayApp::start_with(
        &home,
        &display,
        &bus,
        "warn,elevate::tray=info",
        &[],
        &[("BROWSER", browser.as_path())],
    );
    let pid = app.child.id();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let menu = wait_for_menu(&conn, pid, "Ada's account and roles", |m| {
        m.find(&format!("Account: {ADA}")).is_some() && has(m, "Key Vault Secrets Officer")
    })
    .await;
    let submenu = menu
        .find(&format!("Account: {ADA}"))
        .unwrap_or_else(|| panic!("no account submenu"));
    let labels = submenu.labels();
    assert!(
        labels.iter().any(|l| l.starts_with(&format!("✓ {ADA}"))),
        "{labels:#?}"
    );
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with(&format!("Switch to {GRACE}"))),
        "{labels:#?}"
    );
    assert!(labels.iter().any(|l| l == "Add account…"), "{labels:#?}");

    // A click on an item of a menu that was redrawn meanwhile (the watcher's poll) is lost, as
    // with a panel: click again until the switch shows.
    let switched =
        |m: &Item| m.find(&format!("Account: {GRACE}")).is_some() && has(m, "Contoso Development");
    let started = Instant::now();
    let menu = loop {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the tray never switched to Grace; its log:\n{}",
            app.log_text()
        );
        let current = layout(&conn, pid).await;
        if let Some(menu) = current.as_ref().filter(|m| switched(m)) {
            break menu.clone();
        }
        let switch = current.as_ref().and_then(|m| {
            m.all()
                .into_iter()
                .find(|i| i.label.starts_with(&format!("Switch to {GRACE}")))
                .map(|i| i.id)
        });
        if let Some(id) = switch {
            click(&conn, pid, id).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    };
    assert!(
        !has(&menu, "Key Vault Secrets Officer"),
        "{:#?}",
        menu.labels()
    );
    let submenu = menu
        .find(&format!("Account: {GRACE}"))
        .unwrap_or_else(|| panic!("no account submenu"));
    assert!(
        submenu
            .labels()
            .iter()
            .any(|l| l.starts_with(&format!("Switch to {ADA}"))),
        "{:#?}",
        submenu.labels()
    );
    drop(app);
    drop(display);
}

/// Ada's guest tenant Fabrikam (from ARM's tenant list) under her account in the submenu;
/// clicking it switches like an account switch: Fabrikam's roles, Contoso's gone, the submenu
/// marking Fabrikam; and back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_tenant_is_in_the_account_submenu_and_switching_to_it_changes_the_roles() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    let _secrets = SecretService::start(&bus, &home);
    let tenant = SimServer::start(&home, &[]);
    let url = tenant.url.clone();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "cloud = \"custom\"\n[endpoints]\narm = \"{url}\"\ngraph = \"{url}\"\nauthority = \"{url}\"\n\
             arm_scope = \"https://management.core.windows.net//.default\"\n\
             graph_scope = \"https://graph.microsoft.com/.default\"\n[sign_in]\nclient_id = \"elevate-demo\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let browser = scripted_browser(&home.path(), None);
    let out = home
        .command()
        .args(["login"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("XDG_RUNTIME_DIR", home.runtime_dir())
        .env("BROWSER", &browser)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let app = TrayApp::start_with(
        &home,
        &display,
        &bus,
        "warn,elevate::tray=info",
        &[],
        &[("BROWSER", browser.as_path())],
    );
    let pid = app.child.id();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let menu = wait_for_menu(&conn, pid, "Ada's account with Fabrikam under it", |m| {
        m.find(&format!("Account: {ADA}"))
            .is_some_and(|s| s.labels().iter().any(|l| l == "Switch to Fabrikam (guest)"))
            && has(m, "Key Vault Secrets Officer")
    })
    .await;
    let labels = menu
        .find(&format!("Account: {ADA}"))
        .map(|s| s.labels())
        .unwrap_or_default();
    let at = |text: &str| labels.iter().position(|l| l.starts_with(text));
    let (account, guest) = (at(&format!("✓ {ADA}")), at("Switch to Fabrikam (guest)"));
    assert!(
        account.is_some() && account < guest,
        "the tenant follows its account: {labels:#?}"
    );

    let switched = |m: &Item| {
        m.find(&format!("Account: {ADA} (Fabrikam)")).is_some()
            && has(m, "Fabrikam Shared Services")
            && !has(m, "Key Vault Secrets Officer")
    };
    let started = Instant::now();
    let menu = loop {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the tray never switched to Fabrikam; its log:\n{}",
            app.log_text()
        );
        let current = layout(&conn, pid).await;
        if let Some(menu) = current.as_ref().filter(|m| switched(m)) {
            break menu.clone();
        }
        let switch = current.as_ref().and_then(|m| {
            m.all()
                .into_iter()
                .find(|i| i.label == "Switch to Fabrikam (guest)")
                .map(|i| i.id)
        });
        if let Some(id) = switch {
            click(&conn, pid, id).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    };
    let labels = menu
        .find(&format!("Account: {ADA} (Fabrikam)"))
        .map(|s| s.labels())
        .unwrap_or_default();
    assert!(
        labels.iter().any(|l| l == "✓ Fabrikam (guest)"),
        "{labels:#?}"
    );
    assert!(
        labels
            .iter()
            .any(|l| l.starts_with(&format!("Switch to {ADA}"))),
        "{labels:#?}"
    );
    // The switch is saved: the CLI now uses Fabrikam too.
    let out = home
        .command()
        .args(["whoami", "--json"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("XDG_RUNTIME_DIR", home.runtime_dir())
        .env("BROWSER", &browser)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let whoami: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let current: Vec<&serde_json::Value> = whoami["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["current"] == true)
        .collect();
    assert_eq!(
        current.first().map(|a| a["tenant_id"].clone()),
        Some(serde_json::json!("5d3e9f2b-8c4a-4f6a-b7e1-2a9c0d3f4e56")),
        "{whoami}"
    );
    drop(app);
    drop(display);
}
