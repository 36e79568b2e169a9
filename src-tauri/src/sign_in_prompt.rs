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
        crate::actions::desktop_notification(
            "Elevate: sign-in",
            &text,
            elevate_app::notifier::Icon::Role,
        );
    }
}
