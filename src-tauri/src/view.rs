//! What the window receives and sends: plain data for the TypeScript UI. The TypeScript declarations
//! in `ui/src/bindings.ts` are generated from these types (see the `bindings_are_current` test) and
//! committed, so the UI and the shell cannot drift apart unnoticed.
//!
//! Every string here that came from Azure is untrusted text; the UI renders it as text only.

use chrono::{DateTime, Utc};
use elevate_app::snapshot::Snapshot;
use elevate_core::model::{
    ActiveGrant, AssignmentType, Eligibility, Policy, RequestRecord, Source,
};
use elevate_core::session::ActionResult;
use elevate_core::store::HistoryEntry;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Everything the window shows, at one moment.
#[derive(Clone, Debug, Serialize, TS)]
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

/// A role the user may activate.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RoleView {
    /// Stable key (source, scope, role).
    pub key: String,
    /// `azure-resource`, `entra-role` or `group`.
    pub source: String,
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
    /// Whether it is active now.
    pub active: bool,
    /// Whether it is a favourite.
    pub favourite: bool,
}

/// An active grant.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    /// Stable key.
    pub key: String,
    /// Source id.
    pub source: String,
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
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    /// Azure's request id.
    pub id: String,
    /// Stable key of the role.
    pub key: String,
    /// Source id.
    pub source: String,
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
    /// What the request asks: activate, extend, renew, deactivate, other.
    pub kind: String,
    /// Why.
    pub justification: Option<String>,
    /// Ticket as "system number".
    pub ticket: Option<String>,
    /// Requested duration in minutes.
    #[ts(type = "number | null")]
    pub duration_minutes: Option<i64>,
    /// Requested start (ISO 8601).
    pub start: Option<String>,
    /// When it was made (ISO 8601).
    pub created: Option<String>,
    /// For a request waiting for approval: when it usually times out (ISO 8601).
    pub decide_by: Option<String>,
}

/// What a role's policy asks before activation.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    /// Longest activation in minutes; none: not limited.
    #[ts(type = "number | null")]
    pub max_minutes: Option<i64>,
    /// Default duration in minutes (clamped to the maximum).
    #[ts(type = "number")]
    pub default_minutes: i64,
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
}

/// The activation form.
#[derive(Clone, Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActivationForm {
    /// Role key.
    pub key: String,
    /// Duration in minutes.
    #[ts(type = "number | null")]
    pub minutes: Option<i64>,
    /// Why.
    pub justification: Option<String>,
    /// Ticket system.
    pub ticket_system: Option<String>,
    /// Ticket number.
    pub ticket_number: Option<String>,
    /// Start later (ISO 8601).
    pub start: Option<String>,
    /// Activate at a scope below the eligible one (Azure resource roles; a full scope id).
    pub narrower_scope: Option<String>,
}

/// A favourite to save (or remove, with `favourite: false`).
#[derive(Clone, Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FavouriteForm {
    /// Role key.
    pub key: String,
    /// Make it a favourite (true) or not (false).
    pub favourite: bool,
    /// The justification to send.
    pub justification: Option<String>,
    /// Duration in minutes.
    #[ts(type = "number | null")]
    pub minutes: Option<i64>,
    /// Ticket system.
    pub ticket_system: Option<String>,
    /// Ticket number.
    pub ticket_number: Option<String>,
}

/// The settings page.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The signed-in user (none while signed out).
    pub account: Option<String>,
    /// Their tenant.
    pub tenant: Option<String>,
    /// Demo mode.
    pub demo: bool,
    /// Whether Sign out means something (Elevate's own sign-in).
    pub can_sign_out: bool,
    /// `public`, `us-gov`, `china` or `custom`.
    pub cloud: String,
    /// The duration asked for when none is given, in minutes.
    #[ts(type = "number")]
    pub default_minutes: i64,
    /// Minutes before a grant ends at which a notification warns.
    pub warn_before_minutes: Vec<u32>,
    /// Justifications offered in the request form.
    pub justification_presets: Vec<String>,
    /// Whether Elevate starts when the user signs in to the computer; none when unknown.
    pub start_at_login: Option<bool>,
    /// Whether the tray app checks the signed update feed (`[updates] enabled`).
    pub update_checks: bool,
    /// The settings file.
    pub config_file: String,
    /// Elevate's version (the workspace's), for the About line.
    pub version: String,
    /// Favourites.
    pub favourites: Vec<FavouriteView>,
    /// Saved sets.
    pub sets: Vec<SetView>,
}

/// A favourite, on the settings page.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FavouriteView {
    /// Role key.
    pub key: String,
    /// "Role @ scope" (or the key when the role is no longer listed).
    pub name: String,
    /// Saved justification.
    pub justification: Option<String>,
    /// Saved duration in minutes.
    #[ts(type = "number | null")]
    pub minutes: Option<i64>,
}

/// A saved set of roles activated together.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetView {
    /// The set's name.
    pub name: String,
    /// Its roles as "Role @ scope".
    pub roles: Vec<String>,
    /// Its role keys.
    pub keys: Vec<String>,
    /// Justification sent for each.
    pub justification: Option<String>,
    /// Duration in minutes.
    #[ts(type = "number | null")]
    pub minutes: Option<i64>,
}

/// The settings page's form.
#[derive(Clone, Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsForm {
    /// `public`, `us-gov`, `china` or `custom`.
    pub cloud: String,
    /// Default duration in minutes.
    #[ts(type = "number")]
    pub default_minutes: i64,
    /// Warnings before a grant ends, in minutes.
    pub warn_before_minutes: Vec<u32>,
    /// Justifications offered in the request form.
    pub justification_presets: Vec<String>,
}

/// A set to save.
#[derive(Clone, Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetForm {
    /// Its name (a set with that name is replaced).
    pub name: String,
    /// Role keys.
    pub keys: Vec<String>,
    /// Justification for each.
    pub justification: Option<String>,
    /// Duration in minutes.
    #[ts(type = "number | null")]
    pub minutes: Option<i64>,
}

/// How an action went, in words the UI shows.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActionView {
    /// `done`, `pending-approval`, `error`…
    pub outcome: String,
    /// One sentence.
    pub message: String,
    /// Adjustments made on the way.
    pub notes: Vec<String>,
}

/// A line of local history.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    /// When (ISO 8601).
    pub at: String,
    /// What was asked.
    pub kind: String,
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

impl RoleView {
    /// The view of `role` within `snapshot`.
    pub fn of(role: &Eligibility, snapshot: &Snapshot) -> Self {
        RoleView {
            key: role.key.to_string(),
            source: role.source.as_str().to_owned(),
            source_label: role.source.label().to_owned(),
            role: role.role.name.clone(),
            scope: role.scope.name.clone(),
            scope_id: role.scope.id.clone(),
            scope_kind: role.scope.kind.label().to_owned(),
            via_group: matches!(role.member_type, elevate_core::model::MemberType::Group),
            eligible_until: iso(role.end),
            active: snapshot.grant(&role.key).is_some(),
            favourite: snapshot.favourites.iter().any(|f| f.key == role.key),
        }
    }
}

impl GrantView {
    /// `grant` as the window shows it, with what the snapshot knows of its policy.
    pub fn of(grant: &ActiveGrant, snapshot: &Snapshot) -> Self {
        // Blocked whatever the time: asked at the start, when the five minutes are not yet over.
        let extend_blocked = grant.start.and_then(|start| {
            snapshot.extend_blocked(
                grant,
                start + elevate_core::session::MIN_ACTIVE_BEFORE_DEACTIVATE,
            )
        });
        GrantView {
            key: grant.key.to_string(),
            source: grant.source.as_str().to_owned(),
            role: grant.role.name.clone(),
            scope: grant.scope.name.clone(),
            activated: grant.assignment_type == AssignmentType::Activated,
            start: iso(grant.start),
            end: iso(grant.end),
            extend_blocked,
            extend_from: iso(grant
                .start
                .map(|s| s + elevate_core::session::MIN_ACTIVE_BEFORE_DEACTIVATE)),
        }
    }
}

impl From<&RequestRecord> for RequestView {
    fn from(request: &RequestRecord) -> Self {
        RequestView {
            id: request.id.clone(),
            key: request.key.to_string(),
            source: request.source.as_str().to_owned(),
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
            kind: request.kind.as_str().to_owned(),
            justification: request.justification.clone(),
            ticket: request
                .ticket
                .as_ref()
                .map(|t| format!("{} {}", t.system, t.number).trim().to_owned()),
            duration_minutes: request.duration.map(|d| d.to_time_delta().num_minutes()),
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
    /// The view of `policy`, with `default` as the starting duration.
    pub fn of(policy: Option<&Policy>, default_minutes: i64, recent: Vec<String>) -> Self {
        let max_minutes = policy
            .and_then(|p| p.max_duration)
            .map(|d| d.to_time_delta().num_minutes());
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
        }
    }
}

impl From<&ActionResult> for ActionView {
    fn from(result: &ActionResult) -> Self {
        let what = format!("{} @ {}", result.role, result.scope_name);
        let outcome = serde_json::to_value(result.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let message = match &result.error {
            Some(error) => format!("{what}: {}", error.message),
            None => match result.outcome {
                elevate_core::session::Outcome::Done => format!("{what}: done"),
                elevate_core::session::Outcome::PendingApproval => {
                    format!("{what}: waiting for an approver")
                }
                elevate_core::session::Outcome::AlreadyActive => {
                    format!("{what} was already active")
                }
                elevate_core::session::Outcome::AlreadyPending => {
                    format!("{what}: a request is already pending")
                }
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
            kind: entry.kind.as_str().to_owned(),
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
            .map(|r| RoleView::of(r, snapshot))
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

/// The sources' ids, for the UI's filter.
pub fn sources() -> Vec<(String, String)> {
    Source::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect()
}

/// Every declaration for `ui/src/bindings.ts`.
pub fn typescript_bindings() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/src/view.rs by `cargo test -p elevate-tray bindings` \
         (set ELEVATE_WRITE_BINDINGS=1 to rewrite). Do not edit.\n\n",
    );
    let cfg = ts_rs::Config::default();
    for decl in [
        SnapshotView::decl(&cfg),
        RoleView::decl(&cfg),
        GrantView::decl(&cfg),
        RequestView::decl(&cfg),
        PolicyView::decl(&cfg),
        ActivationForm::decl(&cfg),
        FavouriteForm::decl(&cfg),
        SettingsView::decl(&cfg),
        FavouriteView::decl(&cfg),
        SetView::decl(&cfg),
        SettingsForm::decl(&cfg),
        SetForm::decl(&cfg),
        ActionView::decl(&cfg),
        HistoryView::decl(&cfg),
        crate::commands::UiError::decl(&cfg),
    ] {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    /// The committed TypeScript declarations match the Rust types (ELEVATE_WRITE_BINDINGS=1 rewrites them).
    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let fresh = super::typescript_bindings();
        if std::env::var_os("ELEVATE_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap_or_else(|e| panic!("{e}"));
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/bindings.ts is out of date: run ELEVATE_WRITE_BINDINGS=1 cargo test -p elevate-tray bindings"
        );
    }
}
