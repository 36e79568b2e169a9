//! Sign-in notices (browser opened, device code, signing in again, stronger sign-in) for a tray app
//! with no terminal: shown as desktop notifications, and logged.

use elevate_core::auth::{SignInNotice, SignInPrompt};

/// Shows sign-in notices as desktop notifications.
pub struct NotificationPrompt;

impl SignInPrompt for NotificationPrompt {
    fn notify(&self, notice: SignInNotice) {
        let text = notice.text();
        tracing::info!(target: "elevate::tray", "sign-in: {text}");
        // Being signed in needs no pop-up; everything else asks the user to look or act.
        if matches!(notice, SignInNotice::SignedIn { .. }) {
            return;
        }
        tauri::async_runtime::spawn(async move {
            let shown = notify_rust::Notification::new()
                .appname("Elevate")
                .summary("Elevate: sign-in")
                .body(&text)
                .icon("dialog-password")
                .show_async()
                .await;
            if let Err(e) = shown {
                tracing::debug!(target: "elevate::tray", error = %e, "could not show a notification");
            }
        });
    }
}
