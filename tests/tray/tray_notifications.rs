//! The tray app's own notifications, end to end: the real `elevate-tray --demo` on a private Xvfb and
//! D-Bus session with the recording notification server (the one stand-in: no notification daemon
//! runs headless), and the embedded simulator's clock moved from outside. Custom warning times from
//! `config.toml` fire instead of the defaults; when the grant ends, the notification's "Activate
//! again" (clicked by the notification server) activates it again in Azure, and the menu shows it.

use std::time::{Duration, Instant};

use elevate_e2e::dbusmenu::wait_for_menu;
use elevate_e2e::notifications::{Fake, Shown, serve};
use elevate_e2e::{Bus, Display, Home, TrayApp};
use elevate_sim::demo;

use crate::control;

/// Waits (up to 90 s: the watcher looks again on its own schedule) for a notification `summary`.
async fn wait_for_summary(
    shown: &std::sync::Arc<std::sync::Mutex<Vec<Shown>>>,
    summary: &str,
    app: &TrayApp,
) -> Shown {
    let started = Instant::now();
    loop {
        let all = shown.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(found) = all.iter().find(|n| n.summary == summary) {
            return found.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no notification {summary:?}; got {:?}\nlog:\n{}",
            all.iter().map(|n| &n.summary).collect::<Vec<_>>(),
            app.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_warning_times_fire_and_activate_again_from_the_notification_works() {
    let display = Display::start();
    let bus = Bus::start();
    let (connection, shown) = serve(&bus.address).await;
    let home = Home::new();
    std::fs::write(
        home.path().join("config.toml"),
        "[notifications]\nwarn_before_minutes = [40, 10]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Reader at Contoso Platform asks nothing: one hour, from the CLI (same home, same tenant).
    home.run(&[
        "--demo",
        "activate",
        "Reader@Contoso Platform",
        "--for",
        "1h",
    ])
    .ok();
    let app = TrayApp::start(&home, &display, &bus, "warn,elevate=info");
    let pid = app.child.id();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sim = app.simulator_url().await;
    let grant = "Reader @ Contoso Platform — ";
    wait_for_menu(&conn, pid, "the grant", |m| {
        m.labels().iter().any(|l| l.starts_with(grant))
    })
    .await;

    // 40 and 10 minutes before the end, as configured.
    control::advance(&sim, "PT20M5S").await;
    let first = wait_for_summary(&shown, "Reader ends in 40 min", &app).await;
    assert!(first.body.contains("Contoso Platform"), "{first:?}");
    control::advance(&sim, "PT30M").await;
    wait_for_summary(&shown, "Reader ends in 10 min", &app).await;
    let warnings: Vec<String> = shown
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|n| n.summary.clone())
        .filter(|s| s.starts_with("Reader ends in"))
        .collect();
    assert_eq!(
        warnings,
        ["Reader ends in 40 min", "Reader ends in 10 min"],
        "the default times (15, 5) must not fire"
    );

    // The end, with "Activate again".
    control::advance(&sim, "PT10M").await;
    let ended = wait_for_summary(&shown, "Reader has ended", &app).await;
    assert_eq!(ended.actions, ["activate-again", "Activate again"]);
    wait_for_menu(&conn, pid, "the grant gone", |m| {
        !m.labels().iter().any(|l| l.starts_with(grant))
    })
    .await;
    let iface = connection
        .object_server()
        .interface::<_, Fake>("/org/freedesktop/Notifications")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The app listens for the notification's buttons just after showing it: click until Azure
    // shows the new activation.
    let started = Instant::now();
    loop {
        Fake::action_invoked(iface.signal_emitter(), ended.id, "activate-again")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tokio::time::sleep(Duration::from_secs(2)).await;
        let provisioned = control::adas(&sim, demo::ROLE_READER, "selfactivate")
            .await
            .iter()
            .filter(|r| control::status(r) == "Provisioned")
            .count();
        if provisioned >= 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "Activate again did not activate the role again:\n{}",
            app.log_text()
        );
    }
    wait_for_menu(&conn, pid, "the grant again", |m| {
        m.labels().iter().any(|l| l.starts_with(grant))
    })
    .await;
    drop(app);
    drop(display);
}
