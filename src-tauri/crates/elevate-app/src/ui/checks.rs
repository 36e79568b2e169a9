//! Check before sending and the activity from Azure, for the window: the request form's check
//! (`Session::check`: the policy, then Azure's validation, nothing created) with the refusal tied
//! to the field it concerns, and the History tab's "Include requests from elsewhere"
//! (`Session::activity`: this machine's history merged with the requests Azure lists).

use elevate_core::model::Eligibility;
use elevate_core::session::{Activity, Check, Concern, Origin, Session, Verdict};
use serde::Serialize;
use specta::Type;

use super::error::Answer;
use super::forms::ActivationForm;
use super::view::RequestKind;

/// What would become of an activation (the engine's `Verdict`, by its stable name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum CheckVerdict {
    /// Azure would grant it.
    WouldBeGranted,
    /// Azure would accept it and wait for an approver.
    WouldWaitForApproval,
    /// Already active: nothing would be requested.
    AlreadyActive,
    /// A request already waits: nothing new would be requested.
    AlreadyPending,
    /// It would be refused.
    Refused,
    /// It could not be checked.
    Unknown,
}

impl From<Verdict> for CheckVerdict {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::WouldBeGranted => CheckVerdict::WouldBeGranted,
            Verdict::WouldWaitForApproval => CheckVerdict::WouldWaitForApproval,
            Verdict::AlreadyActive => CheckVerdict::AlreadyActive,
            Verdict::AlreadyPending => CheckVerdict::AlreadyPending,
            Verdict::Refused => CheckVerdict::Refused,
            Verdict::Unknown => CheckVerdict::Unknown,
        }
    }
}

/// The form field a refusal concerns (the engine's `Concern`, by its stable name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum FormField {
    /// The duration.
    Duration,
    /// The justification.
    Justification,
    /// The ticket.
    Ticket,
    /// The scope.
    Scope,
    /// The sign-in (not a field: the form says it beside the submit button).
    SignIn,
}

impl From<Concern> for FormField {
    fn from(concern: Concern) -> Self {
        match concern {
            Concern::Duration => FormField::Duration,
            Concern::Justification => FormField::Justification,
            Concern::Ticket => FormField::Ticket,
            Concern::Scope => FormField::Scope,
            Concern::SignIn => FormField::SignIn,
        }
    }
}

/// The answer to the form's check.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    /// What would happen.
    pub verdict: CheckVerdict,
    /// One sentence: what would happen, or exactly what would be refused.
    pub message: String,
    /// What Elevate would adjust, and what Azure would ask on the way.
    pub notes: Vec<String>,
    /// The fields a refusal concerns.
    pub fields: Vec<FormField>,
    /// Whether Azure itself answered (not when the role's policy refused first).
    pub checked_by_azure: bool,
}

impl From<&Check> for CheckView {
    fn from(check: &Check) -> Self {
        let message = match (check.verdict, &check.error) {
            (_, Some(error)) => error.message.clone(),
            (Verdict::WouldBeGranted, None) => "Azure would grant it.".to_owned(),
            (Verdict::WouldWaitForApproval, None) => {
                "Azure would accept it; it would then wait for an approver.".to_owned()
            }
            (Verdict::AlreadyActive, None) => {
                "It is already active: nothing would be requested.".to_owned()
            }
            (Verdict::AlreadyPending, None) => {
                "A request for it already waits: nothing new would be requested.".to_owned()
            }
            (Verdict::Refused | Verdict::Unknown, None) => "It could not be checked.".to_owned(),
        };
        CheckView {
            verdict: check.verdict.into(),
            message,
            notes: check.notes.clone(),
            fields: check.concerns.iter().map(|c| FormField::from(*c)).collect(),
            checked_by_azure: check.checked_by_azure,
        }
    }
}

/// Checks the form's activation of `role` (nothing is created).
pub async fn check(
    session: &Session,
    role: &Eligibility,
    form: ActivationForm,
) -> Answer<CheckView> {
    let wish = form.wish()?;
    Ok(CheckView::from(&session.check(role, &wish).await))
}

/// Where a request was made (the engine's `Origin`, by its stable name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum RequestOrigin {
    /// From this machine.
    ThisMachine,
    /// With another tool or on another machine.
    Elsewhere,
}

impl From<Origin> for RequestOrigin {
    fn from(origin: Origin) -> Self {
        match origin {
            Origin::ThisMachine => RequestOrigin::ThisMachine,
            Origin::Elsewhere => RequestOrigin::Elsewhere,
        }
    }
}

/// A request in the merged activity.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityView {
    /// When (ISO 8601).
    pub at: String,
    /// Where it was made.
    pub origin: RequestOrigin,
    /// What was asked.
    pub kind: RequestKind,
    /// Role name.
    pub role: String,
    /// Scope name.
    pub scope: String,
    /// Outcome.
    pub status: String,
    /// Why.
    pub justification: Option<String>,
    /// Who approved or denied it, where Azure says.
    pub decided_by: Option<String>,
    /// Their reason, where Azure says.
    pub decision_reason: Option<String>,
}

/// The merged activity and the sources Azure could not list.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityListView {
    /// Newest first.
    pub rows: Vec<ActivityView>,
    /// What could not be listed, in words.
    pub problems: Vec<String>,
}

impl From<&Activity> for ActivityListView {
    fn from(activity: &Activity) -> Self {
        ActivityListView {
            rows: activity
                .rows
                .iter()
                .map(|r| ActivityView {
                    at: r.at.to_rfc3339(),
                    origin: r.origin.into(),
                    kind: r.kind.into(),
                    role: r.role.clone(),
                    scope: r.scope_name.clone(),
                    status: r.status.to_string(),
                    justification: r.justification.clone(),
                    decided_by: r.decided_by.clone(),
                    decision_reason: r.decision_reason.clone(),
                })
                .collect(),
            problems: activity
                .failures
                .iter()
                .map(|f| format!("{}: {}", f.source.label(), f.error.message))
                .collect(),
        }
    }
}

/// The user's requests from this machine and elsewhere, newest first (at most `limit`, 100 when
/// not given).
pub async fn activity(session: &Session, limit: Option<u32>) -> Answer<ActivityListView> {
    let activity = session
        .activity(limit.unwrap_or(100).min(1000))
        .await
        .map_err(super::UiError::from)?;
    Ok(ActivityListView::from(&activity))
}
