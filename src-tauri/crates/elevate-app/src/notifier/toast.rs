//! Windows: WinRT toast notifications (tauri-winrt-notification) under Elevate's AppUserModelID,
//! buttons as toast actions. A click, on a button or on the toast itself, comes back to this process
//! through the toast's `Activated` event, with the button's id as the activation's arguments (empty
//! for the toast itself). The toast must be shown under an AppUserModelID Windows knows: the installer
//! registers it under `HKCU\Software\Classes\AppUserModelId` (scripts/windows/installer.nsi); without
//! it Windows shows nothing and says so only as an error here.

use tauri_winrt_notification::{Duration, Scenario, Toast, ToastDismissalReason};
use tokio::sync::mpsc;

use super::{APP_USER_MODEL_ID, Answer, Choice, Notice, NotifyError, Origin};

pub(super) async fn show(notice: &Notice) -> Result<Option<Answer>, NotifyError> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Option<Choice>>();
    // The toast (COM objects, not `Send`) is gone before the wait; the shown notification keeps its
    // handlers alive.
    show_toast(notice, tx)?;
    if notice.buttons.is_empty() && !notice.opens {
        return Ok(None);
    }
    Ok(rx.recv().await.flatten().map(|choice| Answer {
        choice,
        from: Origin::WindowsToast,
    }))
}

fn show_toast(
    notice: &Notice,
    tx: mpsc::UnboundedSender<Option<Choice>>,
) -> Result<(), NotifyError> {
    let mut toast = Toast::new(APP_USER_MODEL_ID)
        .title(&notice.summary)
        .text1(&notice.body);
    if notice.urgent {
        // Stays on screen until the user acts, like a critical notification elsewhere.
        toast = toast.scenario(Scenario::Reminder).duration(Duration::Long);
    }
    for (id, label) in &notice.buttons {
        toast = toast.add_button(label, id);
    }
    let activated = tx.clone();
    toast = toast
        .on_activated(move |arguments| {
            let choice = match arguments {
                Some(id) => Choice::Button(id),
                None => Choice::Opened,
            };
            // The receiver is gone when nobody waits any more: nothing to tell.
            let _sent = activated.send(Some(choice));
            Ok(())
        })
        .on_dismissed(move |reason| {
            // A toast that timed out moves to the notification centre, where it can still be
            // clicked; only a toast the user or the app removed is finished.
            if !matches!(reason, Some(ToastDismissalReason::TimedOut)) {
                let _sent = tx.send(None);
            }
            Ok(())
        });
    // A short blocking WinRT call (the crate also sleeps 10 ms after it).
    toast.show().map_err(|e| NotifyError(e.to_string()))
}
