//! The platform seam for desktop notifications: show one notification with buttons, and hear which
//! button was chosen (or that the notification itself was clicked), and from whom. One implementation
//! per platform, picked at compile time:
//!
//! - Linux and the BSDs: the freedesktop notification server over D-Bus (`xdg.rs` over
//!   `dbus_guard.rs`: our own zbus connection, actions only from the server and only as offered,
//!   the body escaped for servers that render markup).
//! - Windows: WinRT toast notifications under Elevate's AppUserModelID (`toast.rs`,
//!   tauri-winrt-notification); a click comes back to the running app through the toast's
//!   `Activated` event.
//! - macOS: the system's notification centre (`macos.rs`, notify-rust over mac-notification-sys),
//!   whose buttons are one button or a drop-down of them.
//!
//! A face never needs a button to reach something: where the notification itself can be clicked and
//! the platform reports it ([`Choice::Opened`]), the face opens its window at the grant or request.

#[cfg(all(unix, not(target_os = "macos")))]
pub mod dbus_guard;
#[cfg(all(unix, not(target_os = "macos")))]
mod xdg;
#[cfg(all(unix, not(target_os = "macos")))]
use xdg as platform;

#[cfg(target_os = "windows")]
mod toast;
#[cfg(target_os = "windows")]
use toast as platform;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
use macos as platform;

#[cfg(not(any(unix, target_os = "windows")))]
mod none;
#[cfg(not(any(unix, target_os = "windows")))]
use none as platform;

/// The application's name as notifications show it.
pub const APP_NAME: &str = "Elevate";

/// Elevate's AppUserModelID on Windows: the name toasts are shown under. The installer registers it
/// under `HKCU\Software\Classes\AppUserModelId` with a display name and icon
/// (scripts/windows/installer.nsi), which is what lets Windows show toasts for an unpackaged app; it
/// equals `identifier` in `src-tauri/tauri.conf.json` (a test holds them together).
pub const APP_USER_MODEL_ID: &str = "dev.elevate.tray";

/// A notification to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The first line.
    pub summary: String,
    /// The text under it.
    pub body: String,
    /// What kind of notice this is (the icon).
    pub icon: Icon,
    /// Stays until dismissed (a grant about to end, a grant revoked).
    pub urgent: bool,
    /// The buttons, in order: (id, label).
    pub buttons: Vec<(String, String)>,
    /// The face has a window to open: a click on the notification itself is worth reporting (where
    /// the platform tells it) even without buttons.
    pub opens: bool,
}

/// The icon a notice carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    /// Something about a role or a grant.
    Role,
    /// Something went wrong.
    Error,
    /// For information (a request handed on to someone else).
    Info,
}

impl Icon {
    /// The freedesktop icon name.
    pub fn freedesktop_name(self) -> &'static str {
        match self {
            Icon::Role => "dialog-password",
            Icon::Error => "dialog-error",
            Icon::Info => "dialog-information",
        }
    }
}

/// What the user did with a notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Clicked the button with this id (not yet checked against the buttons offered).
    Button(String),
    /// Clicked the notification itself, not a button.
    Opened,
}

/// Who reported the choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The freedesktop notification server on the session bus.
    NotificationServer,
    /// Windows, through the toast's `Activated` event in this process.
    WindowsToast,
    /// macOS's notification centre, through this process's delegate.
    MacNotificationCenter,
}

/// The user's answer to a notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// What was chosen.
    pub choice: Choice,
    /// From whom it came.
    pub from: Origin,
}

/// A notification could not be shown.
#[derive(Debug, thiserror::Error)]
#[error("could not show a desktop notification: {0}")]
pub struct NotifyError(pub String);

/// Shows `notice`. With buttons (or `opens`, where the platform reports clicks on the notification
/// itself), waits until the user answers (`Some`) or the notification closes unanswered (`None`);
/// otherwise returns once it is shown (`None`). Dropping the future stops the wait.
pub async fn show(notice: &Notice) -> Result<Option<Answer>, NotifyError> {
    platform::show(notice).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_user_model_id_is_the_bundle_identifier_the_installer_registers() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tauri.conf.json");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let conf: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(conf["identifier"].as_str(), Some(APP_USER_MODEL_ID));
    }
}
