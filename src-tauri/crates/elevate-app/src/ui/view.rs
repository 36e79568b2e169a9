//! What the window receives: plain data drawn from a [`Snapshot`] and the engine's answers. Every string
//! here that came from Azure is untrusted text; the UI renders it as text only.

use chrono::{DateTime, Utc};
use elevate_core::model::{
    ActiveGrant, AssignmentType, Eligibility, Expiring, MemberType, MoreTime, Policy,
    RequestRecord, Source, Span,
};
use elevate_core::session::{ActionResult, MIN_ACTIVE_BEFORE_DEACTIVATE, Outcome};
use elevate_core::store::HistoryEntry;
use serde::Serialize;
use specta::Type;

use crate::snapshot::Snapshot;

/// Everything the window shows, at one moment.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotView {
    /// The signed-in user (empty when signed out).
    pub account: Option<String>,
    /// Whether this is the demo tenant.
    pub demo: bool,
    /// The session's time (the simulator's in demo mode), ISO 8601.
    pub now: String,
    /// Eligible roles.
    pub roles: Vec<RoleView>,
    /// Active grants.
    pub active: Vec<GrantView>,
    /// The user's own pending requests.
    pub pending: Vec<RequestView>,
    /// Requests waiting for the user's decision.
    pub approvals: Vec<RequestView>,
    /// What could not be read.
    pub problems: Vec<String>,
    /// Whether a refresh is under way.
    pub loading: bool,
    /// The last error, in words.
    pub error: Option<String>,
}

/// Where a role comes from (the engine's `Source`, by its stable name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum RoleSource {
    /// Azure RBAC roles (ARM).
    AzureResource,
    /// Microsoft Entra directory roles.
    EntraRole,
    /// PIM-managed groups.
    Group,
}

impl From<Source> for RoleSource {
    fn from(source: Source) -> Self {
        match source {
            Source::AzureResource => RoleSource::AzureResource,
            Source::EntraRole => RoleSource::EntraRole,
            Source::Group => RoleSource::Group,
        }
    }
}

/// What a request asks (the engine's `RequestKind`, by its stable name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    /// Start a just-in-time grant.
    Activate,
    /// End one early.
    Deactivate,
    /// Lengthen one.
    Extend,
    /// Start again one that has expired.
    Renew,
    /// Made by an administrator or another tool.
    Other,
}

impl From<elevate_core::model::RequestKind> for RequestKind {
    fn from(kind: elevate_core::model::RequestKind) -> Self {
        use elevate_core::model::RequestKind as Kind;
        match kind {
            Kind::Activate => RequestKind::Activate,
            Kind::Deactivate => RequestKind::Deactivate,
            Kind::Extend => RequestKind::Extend,
            Kind::Renew => RequestKind::Renew,
            Kind::Other => RequestKind::Other,
        }
    }
}

/// How an action ended (the engine's `Outcome`, by its stable name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum ActionOutcome {
    /// Done.
    Done,
    /// Waiting for an approver.
    PendingApproval,
    /// Accepted, still in progress at Azure.
    PendingOther,
    /// It was already active.
    AlreadyActive,
    /// A request for it was already pending.
    AlreadyPending,
    /// Refused by an approver.
    Denied,
    /// Canceled.
    Canceled,
    /// Azure could not do it.
    Failed,
    /// It could not be requested.
    Error,
}

impl From<Outcome> for ActionOutcome {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Done => ActionOutcome::Done,
            Outcome::PendingApproval => ActionOutcome::PendingApproval,
            Outcome::PendingOther => ActionOutcome::PendingOther,
            Outcome::AlreadyActive => ActionOutcome::AlreadyActive,
            Outcome::AlreadyPending => ActionOutcome::AlreadyPending,
            Outcome::Denied => ActionOutcome::Denied,
            Outcome::Canceled => ActionOutcome::Canceled,
            Outcome::Failed => ActionOutcome::Failed,
            Outcome::Error => ActionOutcome::Error,
        }
    }
}

/// A role the user may activate.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RoleView {
    /// Stable key (source, scope, role).
    pub key: String,
    /// Where it comes from.
    pub source: RoleSource,
    /// "Azure resource role", "Entra role", "Group".
    pub source_label: String,
    /// Role name.
    pub role: String,
    /// Scope name.
    pub scope: String,
    /// Scope id.
    pub scope_id: String,
    /// "subscription", "resource group", "directory"…
    pub scope_kind: String,
    /// Eligible through a group rather than directly.
    pub via_group: bool,
    /// When the eligibility ends (ISO 8601); none: permanent.
    pub eligible_until: Option<String>,
    /// It ends within 14 days and Azure takes the user's own extension request for it (an
    /// administrator decides): the window offers "Request extension".
    pub can_request_extension: bool,
    /// Whether it is active now.
    pub active: bool,
    /// Whether it is a favourite.
    pub favourite: bool,
}

/// An active grant.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    /// Stable key.
    pub key: String,
    /// Where it comes from.
    pub source: RoleSource,
    /// Role name.
    pub role: String,
    /// Scope name.
    pub scope: String,
    /// Activated (just in time) rather than a standing assignment.
    pub activated: bool,
    /// Start (ISO 8601).
    pub start: Option<String>,
    /// End (ISO 8601); none: permanent.
    pub end: Option<String>,
    /// Why Extend is not offered whatever the time (a standing assignment, a policy that requires
    /// approval); none: see `extend_from`.
    pub extend_blocked: Option<String>,
    /// When Extend becomes possible (ISO 8601): Azure refuses to deactivate an activation in its
    /// first five minutes, and Extend deactivates first.
    pub extend_from: Option<String>,
}

/// A request (the user's own, or one waiting for their decision).
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    /// Azure's request id.
    pub id: String,
    /// Stable key of the role.
    pub key: String,
    /// Where the role comes from.
    pub source: RoleSource,
    /// Role name.
    pub role: String,
    /// Scope name.
    pub scope: String,
    /// Status in words.
    pub status: String,
    /// Who asked (for approvals): their display name.
    pub requester: Option<String>,
    /// Their user principal name (else e-mail address, else object id).
    pub requester_account: Option<String>,
    /// They are a guest (Graph's userType, or a `#EXT#` account).
    pub requester_guest: bool,
    /// The scope from the top (management group, subscription, resource group, resource).
    pub scope_path: Vec<String>,
    /// What the request asks.
    pub kind: RequestKind,
    /// Why.
    pub justification: Option<String>,
    /// Ticket as "system number".
    pub ticket: Option<String>,
    /// Requested duration in minutes.
    pub duration_minutes: Option<i32>,
    /// Requested start (ISO 8601).
    pub start: Option<String>,
    /// When it was made (ISO 8601).
    pub created: Option<String>,
    /// For a request waiting for approval: when it usually times out (ISO 8601).
    pub decide_by: Option<String>,
}

/// What a role's policy asks before activation.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    /// Longest activation in minutes; none: not limited.
    pub max_minutes: Option<i32>,
    /// Default duration in minutes (clamped to the maximum).
    pub default_minutes: i32,
    /// A justification is required.
    pub justification_required: bool,
    /// Ticket details are required.
    pub ticket_required: bool,
    /// Multi-factor authentication is required.
    pub mfa_required: bool,
    /// An approver must agree.
    pub approval_required: bool,
    /// A Conditional Access authentication context is required (its id).
    pub authentication_context: Option<String>,
    /// Reasons used before for this role, newest first.
    pub recent_reasons: Vec<String>,
    /// Justifications from the settings, offered before the recent ones.
    pub presets: Vec<String>,
    /// Whether the policy could not be read (then Azure checks on submit).
    pub unknown: bool,
    /// Who will decide, when approval is required (the approval rule's primary approvers).
    pub approvers: Vec<super::approvers::ApproverView>,
}

/// How an action went, in words the UI shows.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActionView {
    /// How it ended.
    pub outcome: ActionOutcome,
    /// One sentence.
    pub message: String,
    /// Adjustments made on the way.
    pub notes: Vec<String>,
}

/// A line of local history.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    /// When (ISO 8601).
    pub at: String,
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
}

fn iso(time: Option<DateTime<Utc>>) -> Option<String> {
    time.map(|t| t.to_rfc3339())
}

/// `span` in whole minutes, as the window counts them.
pub fn minutes(span: Span) -> i32 {
    i32::try_from(span.to_time_delta().num_minutes()).unwrap_or(i32::MAX)
}

impl RoleView {
    /// The view of `role` within `snapshot`.
    pub fn of(role: &Eligibility, snapshot: &Snapshot, now: DateTime<Utc>) -> Self {
        RoleView {
            key: role.key.to_string(),
            source: role.source.into(),
            source_label: role.source.label().to_owned(),
            role: role.role.name.clone(),
            scope: role.scope.name.clone(),
            scope_id: role.scope.id.clone(),
            scope_kind: role.scope.kind.label().to_owned(),
            via_group: matches!(role.member_type, MemberType::Group),
            eligible_until: iso(role.end),
            can_request_extension: Expiring::from(role).offer(now) == Some(MoreTime::Extend),
            active: snapshot.grant(&role.key).is_some(),
            favourite: snapshot.favourites.iter().any(|f| f.key == role.key),
        }
    }
}

impl GrantView {
    /// `grant` as the window shows it, with what the snapshot knows of its policy.
    pub fn of(grant: &ActiveGrant, snapshot: &Snapshot) -> Self {
        // Blocked whatever the time: asked at the start, when the five minutes are not yet over.
        let extend_blocked = grant
            .start
            .and_then(|start| snapshot.extend_blocked(grant, start + MIN_ACTIVE_BEFORE_DEACTIVATE));
        GrantView {
            key: grant.key.to_string(),
            source: grant.source.into(),
            role: grant.role.name.clone(),
            scope: grant.scope.name.clone(),
            activated: grant.assignment_type == AssignmentType::Activated,
            start: iso(grant.start),
            end: iso(grant.end),
            extend_blocked,
            extend_from: iso(grant.start.map(|s| s + MIN_ACTIVE_BEFORE_DEACTIVATE)),
        }
    }
}

impl From<&RequestRecord> for RequestView {
    fn from(request: &RequestRecord) -> Self {
        RequestView {
            id: request.id.clone(),
            key: request.key.to_string(),
            source: request.source.into(),
            role: request.role.name.clone(),
            scope: request.scope.name.clone(),
            status: request.status.to_string(),
            requester: request
                .principal_name
                .clone()
                .or_else(|| request.principal_id.clone()),
            requester_account: request
                .principal_upn
                .clone()
                .or_else(|| request.principal_email.clone())
                .or_else(|| request.principal_id.clone()),
            requester_guest: request.principal_guest,
            scope_path: if request.scope_path.is_empty() {
                vec![request.scope.name.clone()]
            } else {
                request.scope_path.clone()
            },
            kind: request.kind.into(),
            justification: request.justification.clone(),
            ticket: request
                .ticket
                .as_ref()
                .map(|t| format!("{} {}", t.system, t.number).trim().to_owned()),
            duration_minutes: request.duration.map(minutes),
            start: iso(request.start),
            created: iso(request.created),
            decide_by: if request.status.is_pending() {
                iso(request.usual_decision_deadline())
            } else {
                None
            },
        }
    }
}

impl PolicyView {
    /// The view of `policy` (none: it could not be read), starting from `default_minutes`.
    pub fn of(policy: Option<&Policy>, default_minutes: i32, recent: Vec<String>) -> Self {
        let max_minutes = policy.and_then(|p| p.max_duration).map(minutes);
        PolicyView {
            max_minutes,
            default_minutes: max_minutes.map_or(default_minutes, |m| m.min(default_minutes)),
            justification_required: policy.is_some_and(|p| p.justification_required),
            ticket_required: policy.is_some_and(|p| p.ticket_required),
            mfa_required: policy.is_some_and(|p| p.mfa_required),
            approval_required: policy.is_some_and(|p| p.approval_required),
            authentication_context: policy.and_then(|p| p.authentication_context.clone()),
            recent_reasons: recent,
            presets: Vec::new(),
            unknown: policy.is_none(),
            approvers: policy
                .filter(|p| p.approval_required)
                .map(|p| super::approvers::approver_views(&p.approvers))
                .unwrap_or_default(),
        }
    }
}

impl From<&ActionResult> for ActionView {
    fn from(result: &ActionResult) -> Self {
        let what = format!("{} @ {}", result.role, result.scope_name);
        let outcome = ActionOutcome::from(result.outcome);
        let message = match &result.error {
            Some(error) => format!("{what}: {}", error.message),
            None => match outcome {
                ActionOutcome::Done => format!("{what}: done"),
                ActionOutcome::PendingApproval => format!("{what}: waiting for an approver"),
                ActionOutcome::AlreadyActive => format!("{what} was already active"),
                ActionOutcome::AlreadyPending => format!("{what}: a request is already pending"),
                other => format!("{what}: {}", serde_json::json!(other)),
            },
        };
        ActionView {
            outcome,
            message,
            notes: result.notes.clone(),
        }
    }
}

impl From<&HistoryEntry> for HistoryView {
    fn from(entry: &HistoryEntry) -> Self {
        HistoryView {
            at: entry.at.to_rfc3339(),
            kind: entry.kind.into(),
            role: entry.role_name.clone(),
            scope: entry.scope_name.clone(),
            status: entry.status.to_string(),
            justification: entry.justification.clone(),
        }
    }
}

/// A snapshot for the window.
pub fn snapshot_view(
    snapshot: &Snapshot,
    demo: bool,
    now: DateTime<Utc>,
    loading: bool,
    error: Option<String>,
) -> SnapshotView {
    SnapshotView {
        account: snapshot.account.as_ref().map(|a| a.name.clone()),
        demo,
        now: now.to_rfc3339(),
        roles: snapshot
            .roles
            .iter()
            .map(|r| RoleView::of(r, snapshot, now))
            .collect(),
        active: snapshot
            .active
            .iter()
            .map(|g| GrantView::of(g, snapshot))
            .collect(),
        pending: snapshot.pending.iter().map(RequestView::from).collect(),
        approvals: snapshot.approvals.iter().map(RequestView::from).collect(),
        problems: snapshot.problems.clone(),
        loading,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(value: impl Serialize) -> String {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The window's enums carry the engine's stable names, so a value means the same in the window,
    /// the CLI's JSON and the store.
    #[test]
    fn enums_carry_the_engines_stable_names() {
        for source in Source::ALL {
            assert_eq!(name(RoleSource::from(source)), source.as_str());
        }
        use elevate_core::model::RequestKind as Kind;
        for kind in [
            Kind::Activate,
            Kind::Deactivate,
            Kind::Extend,
            Kind::Renew,
            Kind::Other,
        ] {
            assert_eq!(name(RequestKind::from(kind)), kind.as_str());
        }
        for outcome in [
            Outcome::Done,
            Outcome::PendingApproval,
            Outcome::PendingOther,
            Outcome::AlreadyActive,
            Outcome::AlreadyPending,
            Outcome::Denied,
            Outcome::Canceled,
            Outcome::Failed,
            Outcome::Error,
        ] {
            assert_eq!(name(ActionOutcome::from(outcome)), name(outcome));
        }
    }

    #[test]
    fn a_policy_maximum_caps_the_default_duration() {
        let policy = Policy {
            max_duration: Some(Span::from_minutes(30)),
            ..Policy::default()
        };
        let view = PolicyView::of(Some(&policy), 60, vec!["audit".into()]);
        assert_eq!(view.max_minutes, Some(30));
        assert_eq!(view.default_minutes, 30);
        assert!(!view.unknown);
        let unread = PolicyView::of(None, 60, Vec::new());
        assert_eq!((unread.max_minutes, unread.default_minutes), (None, 60));
        assert!(unread.unknown);
    }
}
