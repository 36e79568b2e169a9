//! A second launch of the tray app, end to end: the real `elevate-tray --demo` running in the tray on
//! a private Xvfb and D-Bus session, with no window; starting it again (as the desktop entry or the
//! user does) ends the new process at once and shows the running one's window, seen on the X server.

use std::time::{Duration, Instant};

use elevate_e2e::dbusmenu::wait_for_menu;
use elevate_e2e::{Bus, Display, Home, TrayApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_opens_the_running_instances_window() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    let mut first = TrayApp::start(&home, &display, &bus, "warn,elevate=info");
    let pid = first.child.id();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    wait_for_menu(&conn, pid, "the demo tenant's roles", |m| {
        m.find("Activate…").is_some()
    })
    .await;
    // In the tray only: no window.
    assert!(!display.has_window("Elevate"), "a window at start");

    // The second launch, in the same session.
    let mut second = std::process::Command::new(elevate_e2e::workspace_bin("elevate-tray"))
        .arg("--demo")
        .env("ELEVATE_HOME", home.path())
        .env("XDG_RUNTIME_DIR", home.runtime_dir())
        .env("DISPLAY", &display.name)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = second.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            let _ = second.wait();
            panic!("the second launch kept running beside the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the second launch ended with {status}");

    // The running one shows its window, and keeps running.
    let started = Instant::now();
    while !display.has_window("Elevate") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the running instance did not open its window; log:\n{}",
            first.log_text()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        first
            .child
            .try_wait()
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none(),
        "the first instance ended"
    );
    drop(first);
    drop(display);
}
