//! Desktop notifications for watcher events (shown through the platform seam in [`crate::notifier`]:
//! XDG notification actions on Linux, toast buttons on Windows), and carrying out their actions:
//! Extend and Deactivate before a grant ends, Activate again after it ended or was revoked, each with
//! the grant's previous justification and duration.

use elevate_core::Error;
use elevate_core::model::{ActiveGrant, Expiring, MoreTime, RequestRecord, RoleKey, Span};
use elevate_core::session::{ActionResult, ActivationWish, Session};
use elevate_core::store::HistoryQuery;
use elevate_core::watch::WatchEvent;
use tokio::sync::mpsc;

use crate::notifier;

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
    /// Ask an administrator to extend an eligibility or assignment ending soon.
    RequestExtension,
    /// Ask an administrator to renew an eligibility or assignment that has ended.
    RequestRenewal,
    /// The notification itself was clicked (never a button): the window opens at the grant or
    /// request it is about.
    Open,
    /// Ask again after a denial: the window's form on the role, with the denied request's answers
    /// (duration, justification, ticket) filled in; nothing is sent until the user submits.
    RequestAgain,
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
            Action::RequestExtension => "request-extension",
            Action::RequestRenewal => "request-renewal",
            Action::Open => "open",
            Action::RequestAgain => "request-again",
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
            Action::RequestExtension => "Request extension",
            Action::RequestRenewal => "Request renewal",
            Action::Open => "Open",
            Action::RequestAgain => "Request again",
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
            Action::RequestExtension,
            Action::RequestRenewal,
            Action::RequestAgain,
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
        // PIM for Groups has no such request: the notice names who administers the group.
        WatchEvent::HoldingEnds { target, .. } if target.refused().is_none() => {
            vec![Action::RequestExtension]
        }
        WatchEvent::HoldingEnded { target, .. } if target.refused().is_none() => {
            vec![Action::RequestRenewal]
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
        // Asking again is done in the window's form, pre-filled with the denied answers.
        if windowed && matches!(event, WatchEvent::Denied { .. }) {
            actions.push(Action::RequestAgain);
        }
        let notice = notifier::Notice {
            summary: event.title(),
            body: event.body(),
            icon: notifier::Icon::Role,
            urgent: matches!(
                event,
                WatchEvent::ExpiresSoon { .. } | WatchEvent::Revoked { .. } | WatchEvent::NowOff { .. }
            ),
            buttons: actions
                .iter()
                .map(|a| (a.id().to_owned(), a.label().to_owned()))
                .collect(),
            opens: windowed,
        };
        let chosen = match notifier::show(&notice).await {
            Ok(Some(answer)) => chosen(&answer, &actions, windowed),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(target: "elevate::watch", error = %e, "could not show a desktop notification");
                None
            }
        };
        if let Some(action) = chosen
            && let Err(e) = clicked.try_send((action, event.clone()))
        {
            tracing::warn!(target: "elevate::watch", error = %e, "a notification action was dropped");
        }
    });
}

/// The action an answer stands for: a button only if it was offered; a click on the notification
/// itself opens the window (a face without one ignores it).
fn chosen(answer: &notifier::Answer, offered: &[Action], windowed: bool) -> Option<Action> {
    match &answer.choice {
        notifier::Choice::Button(id) => {
            let action = Action::from_id(id).filter(|a| offered.contains(a));
            if action.is_none() {
                tracing::warn!(target: "elevate::watch", from = ?answer.from, "a notification answered with a button it does not have");
            }
            action
        }
        notifier::Choice::Opened => windowed.then_some(Action::Open),
    }
}

/// Where the window opens when `event`'s notification itself is clicked: the role's form after a
/// grant ended or was revoked (to activate it again), the active grants for a grant's news, the
/// requests for a request's news, the approvals for a request waiting for the user.
pub fn window_route(event: &WatchEvent) -> String {
    match event {
        WatchEvent::Ended { grant } | WatchEvent::Revoked { grant, .. } => {
            format!("activate/{}", grant.key)
        }
        WatchEvent::ApprovalWaiting { .. } => "approvals".to_owned(),
        _ if event.grant().is_some() => "active".to_owned(),
        _ => "requests".to_owned(),
    }
}

/// The window's form on a denied request's role, with its answers as the route's query
/// (`activate/<key>?minutes=…&justification=…&ticketSystem=…&ticketNumber=…`, form-encoded): the
/// form fills them in, and the user sends it.
pub fn again_route(request: &RequestRecord) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(duration) = request.duration {
        query.append_pair("minutes", &duration.whole_minutes().to_string());
    }
    if let Some(justification) = request
        .justification
        .as_deref()
        .filter(|j| !j.trim().is_empty())
    {
        query.append_pair("justification", justification);
    }
    if let Some(ticket) = &request.ticket {
        query.append_pair("ticketSystem", &ticket.system);
        query.append_pair("ticketNumber", &ticket.number);
    }
    let query = query.finish();
    if query.is_empty() {
        format!("activate/{}", request.key)
    } else {
        format!("activate/{}?{query}", request.key)
    }
}

/// The justification and duration this machine last used for `key`.
pub async fn previous(session: &Session, key: &RoleKey) -> (Option<String>, Option<Span>) {
    let store = session.store();
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

/// How long an extension or renewal asked for from a notification lasts (a notification cannot
/// take a length; `elevate request-extension --for` can).
pub const MORE_TIME_FROM_NOTICE: Span = Span::from_hours(90 * 24);

/// Carries out Request extension / Request renewal on an end notice (`None` for any other
/// action or event): the request for more time, with the justification last used for the role on
/// this machine, else a plain one, for [`MORE_TIME_FROM_NOTICE`].
pub async fn perform_on_end(
    session: &Session,
    action: Action,
    event: &WatchEvent,
) -> Option<ActionResult> {
    let (target, ask) = match (action, event) {
        (Action::RequestExtension, WatchEvent::HoldingEnds { target, .. }) => {
            (target, MoreTime::Extend)
        }
        (Action::RequestRenewal, WatchEvent::HoldingEnded { target, .. }) => {
            (target, MoreTime::Renew)
        }
        _ => return None,
    };
    Some(request_more_time(session, target, ask, MORE_TIME_FROM_NOTICE).await)
}

/// Asks an administrator for `length` more on `target` (an end notice's button, the window's
/// Request extension, the tray menu's), with the justification last used for the role on this
/// machine, else a plain one (none of those can take text).
pub async fn request_more_time(
    session: &Session,
    target: &Expiring,
    ask: MoreTime,
    length: Span,
) -> ActionResult {
    let (justification, _) = previous(session, &target.key).await;
    let justification = justification.unwrap_or_else(|| match ask {
        MoreTime::Extend => "Extension requested with Elevate".to_owned(),
        MoreTime::Renew => "Renewal requested with Elevate".to_owned(),
    });
    session
        .request_extension(target, ask, length, &justification)
        .await
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
        Action::Approve
        | Action::Deny
        | Action::Details
        | Action::Open
        | Action::RequestAgain
        | Action::RequestExtension
        | Action::RequestRenewal => Err(Error::Invalid(
            "deciding on a request happens in the decision pop-up; there is nothing to do on the grant"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifier::{Answer, Choice, Origin};

    fn answer(choice: Choice) -> Answer {
        Answer {
            choice,
            from: Origin::NotificationServer,
        }
    }

    #[test]
    fn only_an_offered_button_is_an_action() {
        let offered = [Action::Extend, Action::Deactivate];
        let extend = answer(Choice::Button("extend".into()));
        assert_eq!(chosen(&extend, &offered, false), Some(Action::Extend));
        // A real action id, but not on this notification.
        let again = answer(Choice::Button("activate-again".into()));
        assert_eq!(chosen(&again, &offered, true), None);
        let unknown = answer(Choice::Button("rm -rf".into()));
        assert_eq!(chosen(&unknown, &offered, true), None);
        // "open" is never a button.
        let open = answer(Choice::Button("open".into()));
        assert_eq!(chosen(&open, &[Action::Deactivate], true), None);
    }

    fn grant() -> ActiveGrant {
        use elevate_core::model::{
            AssignmentType, MemberType, RoleRef, ScopeKind, ScopeRef, Source,
        };
        let scope = "/subscriptions/7a2b3c4d-5e6f-4071-9b82-a3c4d5e6f708";
        let role = "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c";
        ActiveGrant {
            id: "instance".into(),
            key: RoleKey::new(Source::AzureResource, scope, role),
            source: Source::AzureResource,
            role: RoleRef {
                id: role.into(),
                name: "Contributor".into(),
            },
            scope: ScopeRef {
                id: scope.into(),
                name: "Contoso Development".into(),
                kind: ScopeKind::Subscription,
            },
            principal_id: "user".into(),
            member_type: MemberType::Direct,
            assignment_type: AssignmentType::Activated,
            start: None,
            end: None,
        }
    }

    #[test]
    fn a_click_on_a_notification_opens_the_window_on_what_it_is_about() {
        let grant = grant();
        // Ended or revoked: the role's form, to activate it again.
        let ended = WatchEvent::Ended {
            grant: grant.clone(),
        };
        assert_eq!(window_route(&ended), format!("activate/{}", grant.key));
        let revoked = WatchEvent::Revoked {
            grant: grant.clone(),
            removal: None,
        };
        assert_eq!(window_route(&revoked), format!("activate/{}", grant.key));
        // News of a grant that still holds: the active grants.
        let appeared = WatchEvent::Appeared { grant };
        assert_eq!(window_route(&appeared), "active");
    }

    #[test]
    fn a_click_on_the_notification_opens_the_window_where_there_is_one() {
        let opened = answer(Choice::Opened);
        assert_eq!(chosen(&opened, &[], true), Some(Action::Open));
        assert_eq!(chosen(&opened, &[Action::Extend], false), None);
    }
}
