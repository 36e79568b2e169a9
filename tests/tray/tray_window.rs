//! The tray app's window end to end: the real `elevate-tray --demo --window` in a real WebKit web view,
//! driven over WebDriver (`tauri-driver` + `WebKitWebDriver`) on a private X server and D-Bus session.
//! Search, activate with a justification, see the countdown, deactivate; and a role name with markup in
//! it (the demo tenant has one) is shown as text and runs nothing; an approver denies a request with a
//! reason.

use std::time::{Duration, Instant};

use elevate_e2e::webdriver::WindowedApp;
use elevate_e2e::{Bus, Display, Home};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_activate_count_down_and_deactivate_in_the_window() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    let app = WindowedApp::start(&home, &display, &bus, "warn,elevate=info").await;
    let client = &app.client;

    // The demo user is signed in and the roles are listed.
    app.wait_text("#account", |t| t.contains("ada@contoso.example"))
        .await;
    app.wait_text("#roles .name", |t| t.contains("Contributor"))
        .await;

    // A role name with markup shows as text: no <img> element was made from it, and no script ran.
    let markup = "Ops <img src=x onerror=alert(1)> Auditor";
    app.wait_text("#roles .name", |t| t == markup).await;
    let images = client
        .find_all(Locator::Css("#roles img"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(images.is_empty(), "markup from Azure became an element");

    app.screenshot("window-roles.png").await;

    // The star makes a role a favourite (one click in the tray from then on).
    let owner = client
        .find(Locator::XPath(
            "//li[contains(@class,'role')][.//span[@class='name' and normalize-space()='Owner']]//button[contains(@class,'star')]",
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(owner.text().await.unwrap_or_default(), "☆");
    owner.click().await.unwrap_or_else(|e| panic!("{e}"));
    app.wait_text("#roles .name", |t| t == "★ Owner").await;

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
    app.wait_text("#form-role", |t| t == "Contributor").await;
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

    let outcome = app.wait_text("#notice", |t| !t.ends_with("…")).await;
    assert!(
        outcome.contains("Contributor") && outcome.contains("done"),
        "{outcome}"
    );

    // The grant shows in Active with a live countdown.
    let first = app
        .wait_text("#active .grant", |t| {
            t.contains("Contributor") && t.contains("left")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let later = app
        .wait_text("#active .grant", |t| {
            t.contains("Contributor") && t.contains("left")
        })
        .await;
    assert_ne!(first, later, "the countdown does not move");
    app.screenshot("window-active.png").await;

    // Azure refuses to end a grant in its first five minutes: move the demo tenant's clock on (the
    // simulator embedded in the app prints where it listens).
    let sim = app.simulator_url().await;
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
    app.wait_text("#notice", |t| {
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
    let waiting = app
        .wait_text("#approvals .approval", |t| t.contains("Grace Hopper"))
        .await;
    app.screenshot("window-approvals.png").await;
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
    app.wait_text("#notice", |t| t.starts_with("Denying: done"))
        .await;
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
    let _ = client.clone().close().await;
    drop(display);
}
