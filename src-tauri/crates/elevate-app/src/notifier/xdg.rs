//! Linux and the BSDs: the freedesktop notification server on the session bus, through the guarded
//! path of `dbus_guard.rs` (our own zbus connection: buttons are taken only from the server that
//! showed the notification and only as offered; the body is escaped for servers that render markup).
//! XDG notification actions are the buttons.

use super::dbus_guard::{self, Note, Outcome};
use super::{Answer, Choice, Notice, NotifyError, Origin};

pub(super) async fn show(notice: &Notice) -> Result<Option<Answer>, NotifyError> {
    let note = Note {
        app: super::APP_NAME.to_owned(),
        summary: notice.summary.clone(),
        body: notice.body.clone(),
        icon: notice.icon.freedesktop_name().to_owned(),
        critical: notice.urgent,
        actions: notice.buttons.clone(),
    };
    match dbus_guard::show_and_wait(&note).await {
        Ok(Outcome::Action(id)) => Ok(Some(Answer {
            choice: Choice::Button(id),
            from: Origin::NotificationServer,
        })),
        Ok(Outcome::Closed) => Ok(None),
        Err(e) => Err(NotifyError(e.to_string())),
    }
}
