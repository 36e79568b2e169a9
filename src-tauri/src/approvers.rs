//! Who may approve the user's pending requests (the window's Requests tab), and reaching them: the
//! shell builds the e-mail or Teams link itself from Azure's answers (`elevate_app::ui::approvers`)
//! and opens it with the desktop's handler; the window names only the request, the approver and
//! the channel.

use elevate_app::contact;
use elevate_app::ui::approvers::{self, ContactChannel, WaitingView};
use elevate_app::ui::{Answer, invalid};
use tauri::State;

use crate::shell::Shell;

/// Who may approve the user's request `id` that waits for approval.
#[tauri::command]
#[specta::specta]
pub async fn request_approvers(shell: State<'_, Shell>, id: String) -> Answer<WaitingView> {
    let session = shell.session().await?;
    approvers::waiting(&session, &shell.snapshot(), &id).await
}

/// Opens an e-mail to, or a Teams chat with, the approvers of the user's request `id` (all of
/// them, or the one `approver` names), with the request's summary.
#[tauri::command]
#[specta::specta]
pub async fn contact_approvers(
    shell: State<'_, Shell>,
    id: String,
    approver: Option<String>,
    channel: ContactChannel,
) -> Answer<()> {
    let session = shell.session().await?;
    let link = approvers::contact_link(
        &session,
        &shell.snapshot(),
        &id,
        approver.as_deref(),
        channel,
    )
    .await?;
    tokio::task::spawn_blocking(move || contact::open_link(&link))
        .await
        .map_err(|e| invalid(format!("the link could not be opened: {e}")))?
        .map_err(|e| invalid(format!("the link could not be opened: {e}")))
}

/// The tray menu's "E-mail the approvers…" under a pending request: an e-mail to all its approvers
/// with an address, with the request's summary; a desktop notice says why when there is none.
pub async fn mail_from_menu(shell: &Shell, id: &str) {
    let opened = async {
        let session = shell.session().await.map_err(|e| e.to_string())?;
        let link =
            approvers::contact_link(&session, &shell.snapshot(), id, None, ContactChannel::Mail)
                .await
                .map_err(|e| e.message)?;
        tokio::task::spawn_blocking(move || contact::open_link(&link))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("the e-mail could not be opened: {e}"))
    };
    if let Err(message) = opened.await {
        tracing::warn!(target: "elevate::tray", %message, "could not write to the approvers");
        crate::actions::desktop_notification(
            "Elevate could not write to the approvers",
            &message,
            elevate_app::notifier::Icon::Error,
        );
    }
}
