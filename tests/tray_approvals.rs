//! An approver's pop-up from the tray app: the real `elevate-tray --demo` on a private Xvfb and D-Bus
//! session with a recording notification server (the one stand-in). The demo tenant starts with Grace
//! Hopper's requests waiting for Ada: each is announced with a "Review…" action, and invoking it opens
//! the window (which then asks the app for its data), kept on top, on the approvals.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use elevate_e2e::notifications::{Fake, wait_for_notification};
use elevate_e2e::{Bus, Display, Home, workspace_bin};

struct App(Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waiting_for_me_pops_up_and_review_opens_the_window() {
    let display = Display::start();
    let bus = Bus::start();
    let fake = Fake::default();
    let shown = Arc::clone(&fake.shown);
    let connection = zbus::connection::Builder::address(bus.address.as_str())
        .name("org.freedesktop.Notifications")
        .serve_at("/org/freedesktop/Notifications", fake)
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let home = Home::new();
    let log = home.path().join("tray.log");
    let app = Command::new(workspace_bin("elevate-tray"))
        .arg("--demo")
        .env("ELEVATE_HOME", home.path())
        .env("DISPLAY", &display.name)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("ELEVATE_LOG", "warn,elevate::tray=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(&log)
                .map(Stdio::from)
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .spawn()
        .unwrap_or_else(|e| panic!("could not start elevate-tray: {e}"));
    let _app = App(app);

    // The pop-up: who asks for what, with the action that leads to a decision.
    let popup = wait_for_notification(&shown, "Grace Hopper asks for User Administrator").await;
    assert_eq!(popup.app, "Elevate");
    assert!(
        popup.actions.iter().any(|a| a == "details"),
        "no Review action: {:?}",
        popup.actions
    );
    let window_asked = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("the window asked for the state")
    };
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
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains("window opened on top") && text.contains("approvals"),
        "{text}"
    );
    drop(display);
}
