//! The settings page end to end: the real `elevate-tray --demo --window` in a real WebKit web view
//! over WebDriver, on a private Xvfb and D-Bus session, with its own home folder. Start at login
//! writes and removes the login item; saved settings land in `config.toml` and apply at once (the
//! request form then offers the new default duration and the preset); a set is made from
//! favourites; and a role is activated at a narrower scope than its eligibility.

use std::time::{Duration, Instant};

use elevate_e2e::webdriver::WindowedApp;
use elevate_e2e::{Bus, Display, Home};
use fantoccini::Locator;

async fn replace_text(app: &WindowedApp, css: &str, text: &str) {
    let field = app.find(css).await;
    field.clear().await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    // What was typed stays (a refresh of the page's data must not put the old value back).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let now = field.prop("value").await.ok().flatten().unwrap_or_default();
    assert_eq!(now, text, "{css} lost what was typed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_apply_at_once_and_start_at_login_sets_and_narrower_scope_work() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    let app = WindowedApp::start(&home, &display, &bus, "warn,elevate=info").await;
    let client = &app.client;
    app.wait_text("#account", |t| t.contains("ada@contoso.example"))
        .await;

    // Settings, from the keyboard (Alt+6).
    app.find("body")
        .await
        .send_keys("\u{E00A}6")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.wait_text("#settings-account", |t| t.contains("ada@contoso.example"))
        .await;
    app.screenshot("window-settings.png").await;
    // The About line: the workspace's version, as the packages and `elevate --version` carry it.
    let about = format!("Elevate {}", env!("CARGO_PKG_VERSION"));
    app.wait_text("#settings-version", |t| t == about).await;

    // Start at login: off by default; on writes the login item, off removes it.
    let login_item = home.path().join(".config/autostart/Elevate.desktop");
    let checkbox = app.find("#start-at-login").await;
    assert!(
        !checkbox.is_selected().await.unwrap_or(true),
        "on by default"
    );
    assert!(!login_item.exists());
    checkbox.click().await.unwrap_or_else(|e| panic!("{e}"));
    app.wait_text("#settings-notice", |t| t.contains("starts when you log in"))
        .await;
    let entry = std::fs::read_to_string(&login_item).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        entry.contains("Exec=") && entry.contains("elevate-tray"),
        "{entry}"
    );
    app.click("#start-at-login").await;
    app.wait_text("#settings-notice", |t| t.contains("no longer starts"))
        .await;
    assert!(!login_item.exists(), "the login item is still there");

    // Update checks: on by default; off writes `[updates] enabled = false`, on writes it back.
    let updates = app.find("#update-checks").await;
    assert!(
        updates.is_selected().await.unwrap_or(false),
        "off by default"
    );
    updates.click().await.unwrap_or_else(|e| panic!("{e}"));
    app.wait_text("#settings-notice", |t| {
        t.contains("no longer checks for updates")
    })
    .await;
    let config = std::fs::read_to_string(home.path().join("config.toml")).unwrap_or_default();
    assert!(
        config.contains("[updates]") && config.contains("enabled = false"),
        "{config}"
    );
    assert!(
        !app.find("#update-checks")
            .await
            .is_selected()
            .await
            .unwrap_or(true),
        "the switch does not show the saved setting"
    );
    app.click("#update-checks").await;
    app.wait_text("#settings-notice", |t| {
        t.contains("checks for signed updates")
    })
    .await;
    let config = std::fs::read_to_string(home.path().join("config.toml")).unwrap_or_default();
    assert!(config.contains("enabled = true"), "{config}");

    // Default duration, notification times and a preset: saved into config.toml, applied at once.
    replace_text(&app, "#default-minutes", "45").await;
    replace_text(&app, "#warn-before", "30, 10").await;
    replace_text(&app, "#presets", "Incident response").await;
    app.click("#save-settings").await;
    app.wait_text("#settings-notice", |t| t.starts_with("Saved"))
        .await;
    let config_file = home.path().join("config.toml");
    let config = std::fs::read_to_string(&config_file).unwrap_or_default();
    assert!(
        config.contains("warn_before_minutes = [30, 10]"),
        "{config}"
    );
    assert!(config.contains("default_duration = \"45m\""), "{config}");
    assert!(config.contains("\"Incident response\""), "{config}");
    // Applied at once (the session was opened again): the request form now starts at 45 minutes
    // and offers the preset; narrower scope: the
    // Incident Responder role (eligible on the Contoso Production subscription) only on rg-web-prod.
    app.click("#tab-roles").await;
    let search = app.find("#search").await;
    search
        .send_keys("incident responder")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    search
        .send_keys("\u{E007}")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.wait_text("#form-role", |t| t == "Contoso Incident Responder")
        .await;
    let started = Instant::now();
    loop {
        let minutes = app
            .find("#minutes")
            .await
            .prop("value")
            .await
            .unwrap_or_default()
            .unwrap_or_default();
        if minutes == "45" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the form starts at {minutes}, not the saved 45 minutes"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    app.wait_text(".presets .chip", |t| t == "Incident response")
        .await;
    let options = client
        .find_all(Locator::Css("#narrower-scopes option"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut rg = None;
    for option in options {
        let label = option.text().await.unwrap_or_default();
        let label = if label.is_empty() {
            option
                .attr("label")
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        } else {
            label
        };
        let value = option
            .attr("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if label == "rg-web-prod" || value.to_ascii_lowercase().ends_with("/rg-web-prod") {
            rg = Some(value);
        }
    }
    let rg = rg.unwrap_or_else(|| panic!("rg-web-prod is not offered as a narrower scope"));
    replace_text(&app, "#narrower-scope", &rg).await;
    replace_text(&app, "#ticket-number", "INC0042").await;
    let submit = app.find("#submit").await;
    assert!(
        !submit.is_enabled().await.unwrap_or(true),
        "a ticket needs its system too"
    );
    replace_text(&app, "#ticket-system", "ServiceNow").await;
    app.click(".presets .chip").await;
    app.click("#submit").await;
    let outcome = app.wait_text("#notice", |t| !t.ends_with("…")).await;
    assert!(
        outcome.contains("Contoso Incident Responder") && !outcome.contains("could not"),
        "{outcome}"
    );
    app.wait_text("#active .grant", |t| {
        t.contains("Contoso Incident Responder") && t.contains("rg-web-prod")
    })
    .await;

    // A set from the demo's two favourites; it is listed (and in the tray menu).
    app.find("body")
        .await
        .send_keys("\u{E00A}6")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let boxes = {
        let started = Instant::now();
        loop {
            let found = client
                .find_all(Locator::Css("#favourites input[type=checkbox]"))
                .await
                .unwrap_or_default();
            if found.len() >= 2 {
                break found;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the demo's favourites are not listed"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    for checkbox in boxes.iter().take(2) {
        checkbox.click().await.unwrap_or_else(|e| panic!("{e}"));
    }
    replace_text(&app, "#set-name", "Release night").await;
    replace_text(&app, "#set-reason", "Release 42").await;
    app.click("#save-set").await;
    app.wait_text("#sets .name", |t| t == "Release night").await;
    let _ = client.clone().close().await;
    drop(display);
}
