//! End to end through the desktop, one binary: the real `elevate-tray` on a private Xvfb and D-Bus
//! session, its menu over `com.canonical.dbusmenu` and its window over WebDriver, and the
//! notifications of `elevate watch` against forged D-Bus signals and markup. Each file below is a
//! module (some were binaries of their own once; `control` is the simulator's side, which several
//! read); nextest still runs every test in its own process.

mod control;

mod notification_trust;
mod tray_accounts;
mod tray_approvals;
mod tray_menu;
mod tray_notifications;
mod tray_paths;
mod tray_second_launch;
mod tray_settings;
mod tray_to_window;
mod tray_window;
