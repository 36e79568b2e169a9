//! The tray app's window end to end: the real `elevate-tray --demo --window` in a real WebKit web view,
//! driven over WebDriver (`tauri-driver` + `WebKitWebDriver`) on a private X server and D-Bus session.
//! Search, activate with a justification, see the countdown, deactivate; and a role name with markup in
//! it (the demo tenant has one) is shown as text and runs nothing; an approver denies a request with a
//! reason.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use elevate_e2e::{Bus, Display, Home, workspace_bin};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    for candidate in [
        home.join(".cargo/bin/tauri-driver"),
        home.join(".local/bin/tauri-driver"),
    ] {
        if candidate.exists() {
            return candidate;
        }
    }
    PathBuf::from("tauri-driver")
}

/// Waits until `css` matches an element whose text satisfies `ok`; returns that text.
async fn wait_text(client: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(elements) = client.find_all(Locator::Css(css)).await {
            for element in elements {
                if let Ok(text) = element.text().await {
                    if ok(&text) {
                        return text;
                    }
                    last = text;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{css} never showed the expected text; last: {last:?}");
}

/// Saves a screenshot into `$ELEVATE_SCREENSHOTS` when set (how the README's screenshots are made).
async fn screenshot(client: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("ELEVATE_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(PathBuf::from(dir).join(name), png).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The embedded simulator's URL, from the app's log.
fn simulator_url(log: &std::path::Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    for line in text.lines().filter(|l| l.contains("elevate-sim listening")) {
        if let Some(at) = line.find("http://127.0.0.1:") {
            let rest = &line[at..];
            let end = rest
                .char_indices()
                .skip("http://127.0.0.1:".len())
                .find(|(_, c)| !c.is_ascii_digit())
                .map_or(rest.len(), |(i, _)| i);
            return rest[..end].to_owned();
        }
    }
    panic!("the app did not say where its simulator listens:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_activate_count_down_and_deactivate_in_the_window() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    let port = free_port();
    let native = free_port();
    let log = home.path().join("tauri-driver.log");
    let driver = Command::new(tauri_driver())
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("ELEVATE_HOME", home.path())
        .env("DISPLAY", &display.name)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(&log)
                .map(Stdio::from)
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .spawn()
        .unwrap_or_else(|e| {
            panic!("tauri-driver is needed for this test (cargo install tauri-driver): {e}")
        });
    let _driver = Driver(driver);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "tauri-driver did not listen"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert(
        "tauri:options".into(),
        json!({
            "application": workspace_bin("elevate-tray"),
            "args": ["--demo", "--window"],
        }),
    );
    // WebDriver on loopback: plain HTTP. tauri-driver listens before WebKitWebDriver behind it is
    // ready, so the first attempts may be refused.
    let started = Instant::now();
    let client = loop {
        let attempt = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match attempt {
            Ok(client) => break client,
            Err(e) if started.elapsed() > Duration::from_secs(30) => panic!(
                "no WebDriver session: {e}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
            Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    };

    // The demo user is signed in and the roles are listed.
    wait_text(&client, "#account", |t| t.contains("ada@contoso.example")).await;
    wait_text(&client, "#roles .name", |t| t.contains("Contributor")).await;

    // A role name with markup shows as text: no <img> element was made from it, and no script ran.
    let markup = "Ops <img src=x onerror=alert(1)> Auditor";
    wait_text(&client, "#roles .name", |t| t == markup).await;
    let images = client
        .find_all(Locator::Css("#roles img"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(images.is_empty(), "markup from Azure became an element");

    screenshot(&client, "window-roles.png").await;

    // The star makes a role a favourite (one click in the tray from then on).
    let owner = client
        .find(Locator::XPath(
            "//li[contains(@class,'role')][.//span[@class='name' and normalize-space()='Owner']]//button[contains(@class,'star')]",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(owner.text().await.unwrap_or_default(), "☆");
    owner.click().await.unwrap_or_else(|e| panic!("{e}"));
    wait_text(&client, "#roles .name", |t| t == "★ Owner").await;

    // Search narrows the list; Enter opens the first match's form.
    let search = client
        .find(Locator::Css("#search"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    search
        .send_keys("contributor development")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let shown = client
        .find_all(Locator::Css("#roles .role"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(shown.len(), 1, "the search should leave one role");
    search
        .send_keys("\u{E007}")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // The form knows the policy: the justification is required before Activate is enabled.
    wait_text(&client, "#form-role", |t| t == "Contributor").await;
    let submit = client
        .find(Locator::Css("#submit"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let justification = client
        .find(Locator::Css("#justification"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    justification
        .send_keys("Deploying the release (window test)")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    while !submit.is_enabled().await.unwrap_or(false) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "Activate never enabled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Keyboard first: Ctrl+Enter in the justification submits the form.
    justification
        .send_keys("\u{E009}\u{E007}\u{E009}")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let outcome = wait_text(&client, "#notice", |t| !t.ends_with("…")).await;
    assert!(
        outcome.contains("Contributor") && outcome.contains("done"),
        "{outcome}"
    );

    // The grant shows in Active with a live countdown.
    let first = wait_text(&client, "#active .grant", |t| {
        t.contains("Contributor") && t.contains("left")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let later = wait_text(&client, "#active .grant", |t| {
        t.contains("Contributor") && t.contains("left")
    })
    .await;
    assert_ne!(first, later, "the countdown does not move");
    screenshot(&client, "window-active.png").await;

    // Azure refuses to end a grant in its first five minutes: move the demo tenant's clock on (the
    // simulator embedded in the app prints where it listens).
    let sim = simulator_url(&log);
    let moved = reqwest::Client::new()
        .post(format!("{sim}/_sim/clock"))
        .json(&json!({"advance": "PT6M"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(moved.status().is_success(), "{}", moved.status());

    // Deactivate from the window.
    let grants = client
        .find_all(Locator::Css("#active .grant"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut clicked = false;
    for grant in grants {
        if grant
            .text()
            .await
            .unwrap_or_default()
            .contains("Contributor")
            && let Ok(button) = grant.find(Locator::Css("button.deactivate")).await
        {
            button.click().await.unwrap_or_else(|e| panic!("{e}"));
            clicked = true;
            break;
        }
    }
    assert!(clicked, "no Deactivate button on the Contributor grant");
    wait_text(&client, "#notice", |t| {
        t.contains("Contributor") && t.contains("done")
    })
    .await;
    let started = Instant::now();
    loop {
        let texts = match client.find_all(Locator::Css("#active .grant")).await {
            Ok(elements) => {
                let mut texts = Vec::new();
                for e in elements {
                    texts.push(e.text().await.unwrap_or_default());
                }
                texts
            }
            Err(_) => Vec::new(),
        };
        if !texts.iter().any(|t| t.contains("Contributor")) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the grant is still listed: {texts:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // An approver denies one of Grace's requests from the window, with a reason.
    client
        .find(Locator::Css("#tab-approvals"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let waiting = wait_text(&client, "#approvals .approval", |t| {
        t.contains("Grace Hopper")
    })
    .await;
    screenshot(&client, "window-approvals.png").await;
    let rows = client
        .find_all(Locator::Css("#approvals .approval"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let before = rows.len();
    let row = rows
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no approval row: {waiting}"));
    let deny = row
        .find(Locator::Css("button.deny"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !deny.is_enabled().await.unwrap_or(true),
        "Deny must wait for a reason"
    );
    row.find(Locator::Css("input.reason"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .send_keys("Not during the change freeze")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    deny.click().await.unwrap_or_else(|e| panic!("{e}"));
    wait_text(&client, "#notice", |t| t.starts_with("Denying: done")).await;
    let started = Instant::now();
    loop {
        let now = client
            .find_all(Locator::Css("#approvals .approval"))
            .await
            .map(|r| r.len())
            .unwrap_or(before);
        if now == before - 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the denied request is still listed"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = client.close().await;
    drop(display);
}
