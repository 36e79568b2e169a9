//! Desktop notifications for watcher events (notify-rust; XDG notification actions on Linux), and
//! carrying out their actions: Extend and Deactivate before a grant ends, Activate again after it ended
//! or was revoked, each with the grant's previous justification and duration.

use elevate_core::Error;
use elevate_core::model::{ActiveGrant, RoleKey, Span};
use elevate_core::session::{ActionResult, ActivationWish, Session};
use elevate_core::store::HistoryQuery;
use elevate_core::watch::WatchEvent;
use tokio::sync::mpsc;

#[cfg(all(unix, not(target_os = "macos")))]
pub mod dbus_guard;

/// What the user clicked on a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Extend the grant.
    Extend,
    /// End the grant.
    Deactivate,
    /// Activate the role again.
    ActivateAgain,
    /// Approve a request waiting for this user: opens the decision pop-up with Approve chosen (a
    /// reason is required, and a notification cannot take text).
    Approve,
    /// Deny a request waiting for this user: the decision pop-up with Deny chosen.
    Deny,
    /// Show a request waiting for this user in the decision pop-up.
    Details,
}

impl Action {
    /// The action's id in the notification.
    pub fn id(self) -> &'static str {
        match self {
            Action::Extend => "extend",
            Action::Deactivate => "deactivate",
            Action::ActivateAgain => "activate-again",
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::Details => "details",
        }
    }

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            Action::Extend => "Extend",
            Action::Deactivate => "Deactivate",
            Action::ActivateAgain => "Activate again",
            Action::Approve => "Approve…",
            Action::Deny => "Deny…",
            Action::Details => "Details",
        }
    }

    /// The action with `id`.
    pub fn from_id(id: &str) -> Option<Action> {
        [
            Action::Extend,
            Action::Deactivate,
            Action::ActivateAgain,
            Action::Approve,
            Action::Deny,
            Action::Details,
        ]
        .into_iter()
        .find(|a| a.id() == id)
    }
}

/// The actions offered on `event`'s notification.
pub fn actions_for(event: &WatchEvent) -> Vec<Action> {
    match event {
        WatchEvent::ExpiresSoon { .. } => vec![Action::Extend, Action::Deactivate],
        WatchEvent::Ended { .. } | WatchEvent::Revoked { .. } | WatchEvent::NowOff { .. } => {
            vec![Action::ActivateAgain]
        }
        WatchEvent::Effective { grant, .. } | WatchEvent::Appeared { grant }
            if grant.assignment_type == elevate_core::model::AssignmentType::Activated =>
        {
            vec![Action::Deactivate]
        }
        _ => Vec::new(),
    }
}

/// Shows `event` as a desktop notification and waits for one of its actions (a task per
/// notification, aborted when `watch` stops). `windowed`: the face has a window to open (Details).
pub fn show(
    event: &WatchEvent,
    clicked: mpsc::Sender<(Action, WatchEvent)>,
    tasks: &mut tokio::task::JoinSet<()>,
    windowed: bool,
) {
    while tasks.try_join_next().is_some() {}
    let event = event.clone();
    tasks.spawn(async move {
        let mut actions = actions_for(&event);
        // Deciding needs a reason, which a notification cannot take: a face with a window opens a
        // small pop-up on the request, with the decision chosen.
        if windowed && matches!(event, WatchEvent::ApprovalWaiting { .. }) {
            actions.extend([Action::Approve, Action::Deny, Action::Details]);
        }
        // On the XDG desktop, the guarded D-Bus path: actions only from the notification server,
        // only those offered, and the body escaped for servers that render markup.
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            let note = dbus_guard::Note {
                app: "Elevate".into(),
                summary: event.title(),
                body: event.body(),
                icon: "dialog-password".into(),
                critical: matches!(event, WatchEvent::ExpiresSoon { .. } | WatchEvent::Revoked { .. }),
                actions: actions.iter().map(|a| (a.id().to_owned(), a.label().to_owned())).collect(),
            };
            match dbus_guard::show_and_wait(&note).await {
                Ok(dbus_guard::Outcome::Action(id)) => {
                    if let Some(action) = Action::from_id(&id)
                        && let Err(e) = clicked.try_send((action, event.clone()))
                    {
                        tracing::warn!(target: "elevate::watch", error = %e, "a notification action was dropped");
                    }
                }
                Ok(dbus_guard::Outcome::Closed) => {}
                Err(e) => {
                    tracing::warn!(target: "elevate::watch", error = %e, "could not show a desktop notification");
                }
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
        let mut notification = notify_rust::Notification::new();
        notification
            .appname("Elevate")
            .summary(&event.title())
            .body(&event.body())
            .icon("dialog-password");
        if matches!(
            event,
            WatchEvent::ExpiresSoon { .. } | WatchEvent::Revoked { .. } | WatchEvent::NowOff { .. }
        ) {
            notification.urgency(notify_rust::Urgency::Critical);
        }
        for action in &actions {
            notification.action(action.id(), action.label());
        }
        match notification.show_async().await {
            Ok(handle) if !actions.is_empty() => {
                handle
                    .wait_for_action_async(|response| {
                        if let notify_rust::NotificationResponse::Action(id) = response
                            && let Some(action) = Action::from_id(id)
                            && let Err(e) = clicked.try_send((action, event.clone()))
                        {
                            tracing::warn!(target: "elevate::watch", error = %e, "a notification action was dropped");
                        }
                    })
                    .await;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(target: "elevate::watch", error = %e, "could not show a desktop notification");
            }
        }
        }
    });
}

/// The justification and duration this machine last used for `key`.
pub async fn previous(session: &Session, key: &RoleKey) -> (Option<String>, Option<Span>) {
    let Some(store) = session.store() else {
        return (None, None);
    };
    let query = HistoryQuery {
        limit: Some(200),
        source: None,
        account: Some(session.account().name.clone()),
    };
    let entries = store.history(&query).await.unwrap_or_default();
    entries
        .into_iter()
        .find(|e| &e.key == key && e.justification.is_some())
        .map(|e| (e.justification, e.duration))
        .unwrap_or((None, None))
}

/// Carries out `action` on `grant` with its previous answers.
pub async fn perform(
    session: &Session,
    action: Action,
    grant: &ActiveGrant,
) -> Result<ActionResult, Error> {
    let (justification, duration) = previous(session, &grant.key).await;
    let wish = ActivationWish {
        duration,
        justification,
        ..ActivationWish::default()
    };
    match action {
        Action::Deactivate => Ok(session.deactivate(grant).await),
        Action::Extend => Ok(session.extend(grant, &wish).await),
        Action::ActivateAgain => {
            let listing = session.roles(&[grant.source]).await;
            let eligibility = listing
                .items
                .into_iter()
                .find(|e| e.key == grant.key)
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "{} at {} is no longer among your eligible roles",
                        grant.role.name, grant.scope.name
                    ))
                })?;
            Ok(session.activate(&eligibility, &wish).await)
        }
        Action::Approve | Action::Deny | Action::Details => Err(Error::Invalid(
            "deciding on a request happens in the decision pop-up; there is nothing to do on the grant"
                .into(),
        )),
    }
}
