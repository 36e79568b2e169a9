//! An approver's pop-up from the tray app: the real `elevate-tray --demo` on a private Xvfb and D-Bus
//! session with a recording notification server (the one stand-in). The demo tenant starts with Grace
//! Hopper's requests waiting for Ada: each is announced with a "Review…" action, and invoking it opens
//! the window (which then asks the app for its data), kept on top, on the approvals.

use std::time::{Duration, Instant};

use elevate_e2e::notifications::{Fake, serve, wait_for_notification};
use elevate_e2e::{Bus, Display, Home, TrayApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waiting_for_me_pops_up_and_review_opens_the_window() {
    let display = Display::start();
    let bus = Bus::start();
    let (connection, shown) = serve(&bus.address).await;

    let home = Home::new();
    let app = TrayApp::start(&home, &display, &bus, "warn,elevate::tray=info");

    // The pop-up: who asks for what, with the action that leads to a decision.
    let popup = wait_for_notification(&shown, "Grace Hopper asks for User Administrator").await;
    assert_eq!(popup.app, "Elevate");
    assert!(
        popup.actions.iter().any(|a| a == "details"),
        "no Review action: {:?}",
        popup.actions
    );
    let window_asked = || app.log_text().contains("the window asked for the state");
    assert!(!window_asked(), "no window before the click");

    // Click "Review…" (repeated until the app, which subscribes after showing it, hears it).
    let iface = connection
        .object_server()
        .interface::<_, Fake>("/org/freedesktop/Notifications")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    while !window_asked() {
        Fake::action_invoked(iface.signal_emitter(), popup.id, "details")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the window never opened; log:\n{}",
            app.log_text()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let text = app.log_text();
    assert!(
        text.contains("window opened on top") && text.contains("approvals"),
        "{text}"
    );
    drop(display);
}
