//! The tray menu's paths that lead into the window, end to end: the real `elevate-tray --demo
//! --window` under tauri-driver + WebKitWebDriver on a private Xvfb and D-Bus session, its menu clicked
//! over `com.canonical.dbusmenu` and its window read over WebDriver. "Activate…" on a role that needs
//! a justification sends nothing and opens the form on that role, which offers the reason used
//! before (a favourite's, activated from the tray) and activates with it; "Approvals (n)" opens the
//! window on the n requests. Checked in the embedded simulator's requests.

use std::time::{Duration, Instant};

use elevate_e2e::dbusmenu::{click_label, click_where, tray_pid, wait_for_menu};
use elevate_e2e::webdriver::WindowedApp;
use elevate_e2e::{Bus, Display, Home};
use elevate_sim::demo;
use fantoccini::Locator;

use crate::control;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activate_with_a_reason_opens_the_form_with_recent_reasons_and_approvals_the_list() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    let app = WindowedApp::start(&home, &display, &bus, "warn,elevate=info").await;
    let client = &app.client;
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pid = tray_pid(&conn).await;
    let sim = app.simulator_url().await;
    app.wait_text("#roles .name", |t| t.contains("Contributor"))
        .await;

    // A favourite from the tray: its saved justification becomes a reason used before.
    click_label(&conn, pid, "★ Contributor @ Contoso Development").await;
    let reason = "Routine maintenance (demo)";
    let done = control::wait_for_provisioned(&sim, demo::ROLE_CONTRIBUTOR, "selfactivate", 1).await;
    assert_eq!(control::field(&done[0], "justification"), reason);
    // The menu is drawn again once the watcher's poll lists the new grant: wait for that, so the
    // next click does not land on an item of the menu being replaced.
    wait_for_menu(&conn, pid, "the favourite among the active roles", |m| {
        m.labels().iter().any(|l| l.starts_with("Active ("))
    })
    .await;

    // "Activate…" → Global Reader, which needs a justification: nothing is sent, the window's form
    // opens on it.
    click_where(
        &conn,
        pid,
        "Activate… → Entra roles → Global Reader",
        |m| {
            m.find("Activate…")?
                .find("Entra roles")?
                .find("Global Reader @ Directory")
                .map(|i| i.id)
        },
    )
    .await;
    app.wait_text("#form-role", |t| t == "Global Reader").await;
    assert!(
        control::adas(&sim, demo::ENTRA_GLOBAL_READER, "selfactivate")
            .await
            .is_empty(),
        "a role that needs a justification was activated without one"
    );

    // The form offers the reason used before; choosing it fills the justification, and it is sent.
    app.wait_text(".presets .chip", |t| t == reason).await;
    let chips = client
        .find_all(Locator::Css(".presets .chip"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut chosen = false;
    for chip in chips {
        if chip.text().await.unwrap_or_default() == reason {
            chip.click().await.unwrap_or_else(|e| panic!("{e}"));
            chosen = true;
            break;
        }
    }
    assert!(chosen, "the recent reason is not offered");
    let filled = app
        .find("#justification")
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_eq!(filled, reason);
    app.click("#submit").await;
    let done =
        control::wait_for_provisioned(&sim, demo::ENTRA_GLOBAL_READER, "selfactivate", 1).await;
    assert_eq!(control::field(&done[0], "justification"), reason);

    // "Approvals (3)": the window shows the approvals, all three.
    assert!(
        client
            .find_all(Locator::Css("#approvals .approval"))
            .await
            .unwrap_or_default()
            .is_empty(),
        "the approvals are shown before they were asked for"
    );
    click_label(&conn, pid, "Approvals (3)").await;
    let started = Instant::now();
    loop {
        let rows = client
            .find_all(Locator::Css("#approvals .approval"))
            .await
            .unwrap_or_default();
        if rows.len() == 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the window shows {} approvals, not 3",
            rows.len()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    app.wait_text("#approvals .approval", |t| t.contains("Grace Hopper"))
        .await;
    let _ = client.clone().close().await;
    drop(display);
}
