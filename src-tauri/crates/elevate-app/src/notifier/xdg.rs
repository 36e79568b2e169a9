//! Linux and the BSDs: the freedesktop notification server on the session bus (notify-rust over
//! zbus), with XDG notification actions as the buttons.

use super::{Answer, Choice, Notice, NotifyError, Origin};

pub(super) async fn show(notice: &Notice) -> Result<Option<Answer>, NotifyError> {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname(super::APP_NAME)
        .summary(&notice.summary)
        .body(&notice.body)
        .icon(notice.icon.freedesktop_name());
    if notice.urgent {
        notification.urgency(notify_rust::Urgency::Critical);
    }
    for (id, label) in &notice.buttons {
        notification.action(id, label);
    }
    let handle = notification
        .show_async()
        .await
        .map_err(|e| NotifyError(e.to_string()))?;
    if notice.buttons.is_empty() {
        return Ok(None);
    }
    let mut answer = None;
    handle
        .wait_for_action_async(|response| {
            if let notify_rust::NotificationResponse::Action(id) = response {
                answer = Some(Answer {
                    choice: Choice::Button(id.clone()),
                    from: Origin::NotificationServer,
                });
            }
        })
        .await;
    Ok(answer)
}
