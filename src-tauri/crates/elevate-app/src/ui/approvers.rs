//! Who may approve: the approvers of a request that waits (the window's Requests tab) and of a
//! role before it is requested (the activation form), and the links to reach them. The window is
//! told only names and which ways exist; it asks the shell to open "the e-mail to this request's
//! approvers", and the shell builds that link itself ([`crate::contact`]) from what Azure said,
//! so no link the window could make up is ever opened.

use elevate_core::model::{Approver, ApproverKind, RequestRecord, RequestStatus};
use elevate_core::session::Session;
use serde::{Deserialize, Serialize};
use specta::Type;
use url::Url;

use super::error::{Answer, invalid};
use crate::contact::{self, Summary};
use crate::snapshot::Snapshot;

/// A user, or every member of a group (the engine's `ApproverKind`, by its stable name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum ApproverKindView {
    /// One person.
    User,
    /// The members of a group.
    Group,
}

/// One approver as the window shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ApproverView {
    /// The user's or group's object id (what the window names when it asks to contact them).
    pub id: String,
    /// A user or a group.
    pub kind: ApproverKindView,
    /// The name to show (untrusted text).
    pub name: String,
    /// The approval stage, from 1.
    pub stage: u32,
    /// A backup approver.
    pub backup: bool,
    /// Their e-mail address, when known (untrusted text).
    pub mail: Option<String>,
    /// An e-mail can be written to them.
    pub can_mail: bool,
    /// A Teams chat can be started with them (users with a known sign-in name).
    pub can_chat: bool,
}

/// Who may approve one of the user's requests that waits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WaitingView {
    /// The request.
    pub request_id: String,
    /// Its approvers (empty: the policy names nobody the user can see).
    pub approvers: Vec<ApproverView>,
    /// One e-mail can go to all approvers with an address.
    pub can_mail_all: bool,
    /// One Teams chat can be started with all user approvers.
    pub can_chat_all: bool,
}

/// How to reach approvers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum ContactChannel {
    /// An e-mail (a `mailto:` link).
    Mail,
    /// A Teams chat (Teams' deep link).
    Teams,
}

/// The window's view of `approvers` (none of them linked to a request: for the form).
pub fn approver_views(approvers: &[Approver]) -> Vec<ApproverView> {
    let summary = Summary {
        subject: String::new(),
        body: String::new(),
    };
    approvers
        .iter()
        .map(|a| {
            let links = contact::contact(a, &summary);
            ApproverView {
                id: a.id.clone(),
                kind: match a.kind {
                    ApproverKind::User => ApproverKindView::User,
                    ApproverKind::Group => ApproverKindView::Group,
                },
                name: elevate_core::text::sanitize(a.display_name()),
                stage: a.stage.saturating_add(1),
                backup: a.backup,
                mail: a.mail.clone(),
                can_mail: links.mail.is_some(),
                can_chat: links.teams.is_some(),
            }
        })
        .collect()
}

fn pending<'a>(snapshot: &'a Snapshot, id: &str) -> Answer<&'a RequestRecord> {
    snapshot
        .pending
        .iter()
        .find(|r| r.id == id && r.status == RequestStatus::PendingApproval)
        .ok_or_else(|| invalid("that request no longer waits for approval; refresh"))
}

/// Who may approve the user's request `id` (from `snapshot`), named where Graph allows.
pub async fn waiting(session: &Session, snapshot: &Snapshot, id: &str) -> Answer<WaitingView> {
    let request = pending(snapshot, id)?;
    let approvers = session
        .approvers_for(request)
        .await
        .map_err(|e| invalid(format!("who may approve could not be read: {e}")))?;
    let summary = Summary::of(request, &session.account().name);
    let all = contact::contact_all(&approvers, &summary);
    Ok(WaitingView {
        request_id: request.id.clone(),
        approvers: approver_views(&approvers),
        can_mail_all: all.mail.is_some(),
        can_chat_all: all.teams.is_some(),
    })
}

/// The link to reach the approvers of the user's request `id` (all of them, or the one whose id
/// is `approver`) by `channel`, built here from Azure's answers and the request's summary.
pub async fn contact_link(
    session: &Session,
    snapshot: &Snapshot,
    id: &str,
    approver: Option<&str>,
    channel: ContactChannel,
) -> Answer<Url> {
    let request = pending(snapshot, id)?;
    let approvers = session
        .approvers_for(request)
        .await
        .map_err(|e| invalid(format!("who may approve could not be read: {e}")))?;
    let chosen: Vec<Approver> = match approver {
        Some(wanted) => approvers
            .into_iter()
            .filter(|a| a.id.eq_ignore_ascii_case(wanted))
            .take(1)
            .collect(),
        None => approvers,
    };
    if chosen.is_empty() {
        return Err(invalid(
            "that approver is not among this request's approvers",
        ));
    }
    let summary = Summary::of(request, &session.account().name);
    let links = contact::contact_all(&chosen, &summary);
    let link = match channel {
        ContactChannel::Mail => links.mail,
        ContactChannel::Teams => links.teams,
    };
    link.ok_or_else(|| {
        invalid(match channel {
            ContactChannel::Mail => "no e-mail address is known for them",
            ContactChannel::Teams => "no Teams sign-in name is known for them",
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_say_which_ways_exist() {
        let user = Approver {
            id: "0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a01".into(),
            kind: ApproverKind::User,
            stage: 0,
            backup: false,
            description: Some("Grace".into()),
            name: None,
            upn: Some("grace@contoso.com".into()),
            mail: None,
        };
        let group = Approver {
            id: "0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a02".into(),
            kind: ApproverKind::Group,
            stage: 1,
            backup: true,
            description: Some("Ops <b>".into()),
            name: None,
            upn: None,
            mail: Some("ops@contoso.com".into()),
        };
        let views = approver_views(&[user, group]);
        assert_eq!(
            views
                .iter()
                .map(|v| (v.kind, v.name.as_str(), v.stage, v.can_mail, v.can_chat))
                .collect::<Vec<_>>(),
            vec![
                (ApproverKindView::User, "Grace", 1, false, true),
                (ApproverKindView::Group, "Ops <b>", 2, true, false),
            ]
        );
    }
}
