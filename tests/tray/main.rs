//! End to end through the desktop, one binary: the real `elevate-tray` on a private Xvfb and D-Bus
//! session, its menu over `com.canonical.dbusmenu` and its window over WebDriver, and the
//! notifications of `elevate watch` against forged D-Bus signals and markup. Each file below was its
//! own binary once; nextest still runs every test in its own process.

mod notification_trust;
mod tray_approvals;
mod tray_menu;
mod tray_settings;
mod tray_window;
