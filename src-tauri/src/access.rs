//! The settings page's "Check access": the doctor run through the shell, each finding sent to the
//! window as it is made, and an admin-consent link opened in the system browser (HTTPS to the
//! configured authority only). What is shown and which links may open is `elevate_app::ui`'s.

use elevate_app::ui::access::{access_view, consent_link_allowed, finding_view};
use elevate_app::ui::{AccessView, Answer, invalid};
use elevate_core::auth::{BrowserLauncher, SystemBrowser};
use tauri::{AppHandle, Runtime, State};
use tauri_specta::Event;

use crate::events::AccessFinding;
use crate::shell::Shell;

/// Checks access for each source without signing in; findings arrive as `accessFinding` events
/// while it runs, and all of them in the answer.
#[tauri::command]
#[specta::specta]
pub async fn check_access<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> Answer<AccessView> {
    let progress = |finding: &elevate_core::doctor::Finding, authority: &url::Url| {
        if let Err(e) = AccessFinding(finding_view(finding, authority)).emit(&app) {
            tracing::debug!(target: "elevate::tray", error = %e, "could not send a finding");
        }
    };
    let (report, authority) = shell.check_access(&progress).await?;
    Ok(access_view(&report, &authority))
}

/// Opens an admin-consent link in the system browser: only an HTTPS URL on the configured
/// authority's host.
#[tauri::command]
#[specta::specta]
pub async fn open_consent_link(shell: State<'_, Shell>, url: String) -> Answer<()> {
    let authority = shell.authority().await?;
    if !consent_link_allowed(&url, &authority) {
        return Err(invalid(
            "only an HTTPS link to the sign-in service is opened from here",
        ));
    }
    let url = url::Url::parse(&url).map_err(|e| invalid(format!("the link is not a URL: {e}")))?;
    SystemBrowser
        .open(&url)
        .await
        .map_err(|e| invalid(format!("the browser could not be opened: {e}")))?;
    Ok(())
}
