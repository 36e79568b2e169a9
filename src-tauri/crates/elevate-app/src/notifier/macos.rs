//! macOS: the system's notification centre through notify-rust (mac-notification-sys,
//! `NSUserNotificationCenter`). One button shows as such; several as a drop-down under "Actions".
//! Its answer comes on the main run loop (the tray app's event loop runs it); the wait blocks a
//! thread, so it runs on tokio's blocking pool.

use super::{APP_NAME, Answer, Choice, Notice, NotifyError, Origin};

pub(super) async fn show(notice: &Notice) -> Result<Option<Answer>, NotifyError> {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname(APP_NAME)
        .summary(&notice.summary)
        .body(&notice.body);
    for (id, label) in &notice.buttons {
        notification.action(id, label);
    }
    let wait = !notice.buttons.is_empty() || notice.opens;
    let handle = notification
        .show()
        .map_err(|e| NotifyError(e.to_string()))?;
    if !wait {
        // Delivered when the handle is dropped, without waiting for an answer.
        drop(handle);
        return Ok(None);
    }
    let answered = tokio::task::spawn_blocking(move || {
        let mut choice = None;
        let waited = handle.wait_for_response(|response: &notify_rust::NotificationResponse| {
            choice = match response {
                notify_rust::NotificationResponse::Action(id) => Some(Choice::Button(id.clone())),
                notify_rust::NotificationResponse::Default => Some(Choice::Opened),
                _ => None,
            };
        });
        waited.map(|()| choice)
    })
    .await
    .map_err(|e| NotifyError(e.to_string()))?
    .map_err(|e| NotifyError(e.to_string()))?;
    Ok(answered.map(|choice| Answer {
        choice,
        from: Origin::MacNotificationCenter,
    }))
}
