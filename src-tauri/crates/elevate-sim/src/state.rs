//! The simulator's whole state: directory, policies, eligibilities, active assignments,
//! schedule requests, settings, clock and signing key. Everything here is persisted.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::clock::SimClock;
use crate::entra::{self, EntraState};
use crate::ids::{authz_id, eq_ci};
use crate::policy::{EndUserRules, Policy};
use crate::tenant::{self, Directory};

/// Version of the state file layout.
pub(crate) const STATE_FORMAT: u32 = 1;

/// `requestType` of a role assignment schedule request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum RequestType {
    /// Administrator assigns.
    AdminAssign,
    /// Administrator removes.
    AdminRemove,
    /// Administrator updates.
    AdminUpdate,
    /// Administrator extends.
    AdminExtend,
    /// Administrator renews.
    AdminRenew,
    /// The principal activates an eligibility.
    SelfActivate,
    /// The principal ends an activation.
    SelfDeactivate,
    /// The principal extends an activation.
    SelfExtend,
    /// The principal renews an expired activation.
    SelfRenew,
}

impl RequestType {
    const ALL: [RequestType; 9] = [
        RequestType::AdminAssign,
        RequestType::AdminRemove,
        RequestType::AdminUpdate,
        RequestType::AdminExtend,
        RequestType::AdminRenew,
        RequestType::SelfActivate,
        RequestType::SelfDeactivate,
        RequestType::SelfExtend,
        RequestType::SelfRenew,
    ];

    /// The spec's spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RequestType::AdminAssign => "AdminAssign",
            RequestType::AdminRemove => "AdminRemove",
            RequestType::AdminUpdate => "AdminUpdate",
            RequestType::AdminExtend => "AdminExtend",
            RequestType::AdminRenew => "AdminRenew",
            RequestType::SelfActivate => "SelfActivate",
            RequestType::SelfDeactivate => "SelfDeactivate",
            RequestType::SelfExtend => "SelfExtend",
            RequestType::SelfRenew => "SelfRenew",
        }
    }

    /// Parses case-insensitively.
    pub(crate) fn parse(text: &str) -> Option<RequestType> {
        RequestType::ALL
            .into_iter()
            .find(|t| eq_ci(t.as_str(), text.trim()))
    }

    /// Whether the request grants access (activation or renewal).
    pub(crate) fn is_grant(self) -> bool {
        matches!(self, RequestType::SelfActivate | RequestType::SelfRenew)
    }
}

/// `scheduleInfo.expiration.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ExpirationType {
    /// Ends after `duration`.
    AfterDuration,
    /// Ends at `endDateTime`.
    AfterDateTime,
    /// Does not end.
    NoExpiration,
}

impl ExpirationType {
    /// The spec's spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ExpirationType::AfterDuration => "AfterDuration",
            ExpirationType::AfterDateTime => "AfterDateTime",
            ExpirationType::NoExpiration => "NoExpiration",
        }
    }

    /// Parses case-insensitively.
    pub(crate) fn parse(text: &str) -> Option<ExpirationType> {
        [
            ExpirationType::AfterDuration,
            ExpirationType::AfterDateTime,
            ExpirationType::NoExpiration,
        ]
        .into_iter()
        .find(|t| eq_ci(t.as_str(), text.trim()))
    }
}

/// An eligible role assignment (a role eligibility schedule with its one instance).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Eligibility {
    /// Name (GUID) of the role eligibility schedule.
    pub schedule_name: String,
    /// Name (GUID) of the role eligibility schedule instance.
    pub instance_name: String,
    /// User or group the eligibility belongs to.
    pub principal_id: String,
    /// Role definition GUID.
    pub role_guid: String,
    /// Canonical scope.
    pub scope: String,
    /// `Direct`, `Group` or `Inherited`.
    pub member_type: String,
    /// Start of the eligibility.
    pub start: DateTime<Utc>,
    /// End of the eligibility (none = permanent).
    pub end: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_on: DateTime<Utc>,
}

impl Eligibility {
    /// Full id of the role eligibility schedule.
    pub(crate) fn schedule_id(&self) -> String {
        authz_id(&self.scope, "roleEligibilitySchedules", &self.schedule_name)
    }

    /// Full id of the role eligibility schedule instance.
    pub(crate) fn instance_id(&self) -> String {
        authz_id(
            &self.scope,
            "roleEligibilityScheduleInstances",
            &self.instance_name,
        )
    }

    /// Whether the eligibility is in force at `now`.
    pub(crate) fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.start <= now && self.end.is_none_or(|end| end > now)
    }
}

/// An active role assignment: a PIM activation (`Activated`) or a standing one (`Assigned`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ActiveAssignment {
    /// Name (GUID) of the role assignment schedule.
    pub schedule_name: String,
    /// Name (GUID) of the role assignment schedule instance.
    pub instance_name: String,
    /// Principal that holds the role.
    pub principal_id: String,
    /// Role definition GUID.
    pub role_guid: String,
    /// Canonical scope.
    pub scope: String,
    /// `Activated` or `Assigned`.
    pub assignment_type: String,
    /// `Direct`, `Group` or `Inherited`.
    pub member_type: String,
    /// Start (may lie in the future for a scheduled activation).
    pub start: DateTime<Utc>,
    /// End (none = permanent).
    pub end: Option<DateTime<Utc>>,
    /// Eligibility schedule the activation came from.
    pub linked_eligibility_schedule_id: Option<String>,
    /// Eligibility schedule instance the activation came from.
    pub linked_eligibility_instance_id: Option<String>,
    /// Name (GUID) of the underlying role assignment.
    pub origin_role_assignment_name: String,
    /// Creation time.
    pub created_on: DateTime<Utc>,
}

impl ActiveAssignment {
    /// Full id of the role assignment schedule.
    pub(crate) fn schedule_id(&self) -> String {
        authz_id(&self.scope, "roleAssignmentSchedules", &self.schedule_name)
    }

    /// Full id of the role assignment schedule instance.
    pub(crate) fn instance_id(&self) -> String {
        authz_id(
            &self.scope,
            "roleAssignmentScheduleInstances",
            &self.instance_name,
        )
    }

    /// Full id of the underlying role assignment.
    pub(crate) fn origin_role_assignment_id(&self) -> String {
        authz_id(
            &self.scope,
            "roleAssignments",
            &self.origin_role_assignment_name,
        )
    }

    /// Whether the assignment is in force at `now`.
    pub(crate) fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.start <= now && self.is_live(now)
    }

    /// Whether the assignment has not ended at `now` (it may not have started yet).
    pub(crate) fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.end.is_none_or(|end| end > now)
    }

    /// Whether this is a PIM activation.
    pub(crate) fn is_activated(&self) -> bool {
        eq_ci(&self.assignment_type, "Activated")
    }

    /// Whether the assignment is in force at `now` and has had `propagation_seconds` since it
    /// started to show in the principal's permissions.
    pub(crate) fn is_applied(&self, now: DateTime<Utc>, propagation_seconds: u64) -> bool {
        let applied = i64::try_from(propagation_seconds)
            .ok()
            .and_then(chrono::Duration::try_seconds)
            .and_then(|delay| self.start.checked_add_signed(delay));
        self.is_current(now) && applied.is_some_and(|applied| applied <= now)
    }
}

/// `scheduleInfo` of a request as it will be echoed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RequestedSchedule {
    /// Effective start.
    pub start: DateTime<Utc>,
    /// Expiration type as sent (none when absent).
    pub expiration_type: Option<ExpirationType>,
    /// `endDateTime` as sent.
    pub end: Option<DateTime<Utc>>,
    /// `duration` as sent.
    pub duration: Option<String>,
}

/// A role assignment schedule request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ScheduleRequest {
    /// Name (GUID) chosen by the client.
    pub name: String,
    /// Canonical scope.
    pub scope: String,
    /// Principal the request is for.
    pub principal_id: String,
    /// Role definition GUID.
    pub role_guid: String,
    /// Request type.
    pub request_type: RequestType,
    /// Status (one of the spec's status values).
    pub status: String,
    /// `/providers/Microsoft.Authorization/roleAssignmentApprovals/{guid}` when approval is needed.
    pub approval_id: Option<String>,
    /// Resulting or affected role assignment schedule.
    pub target_schedule_id: Option<String>,
    /// Resulting or affected role assignment schedule instance.
    pub target_instance_id: Option<String>,
    /// Schedule as requested.
    pub schedule: RequestedSchedule,
    /// Linked eligibility schedule.
    pub linked_eligibility_schedule_id: Option<String>,
    /// Linked eligibility schedule instance (not on the wire; used when the request is approved).
    pub linked_eligibility_instance_id: Option<String>,
    /// Justification.
    pub justification: Option<String>,
    /// Ticket number.
    pub ticket_number: Option<String>,
    /// Ticket system.
    pub ticket_system: Option<String>,
    /// ABAC condition.
    pub condition: Option<String>,
    /// ABAC condition version.
    pub condition_version: Option<String>,
    /// Creation time.
    pub created_on: DateTime<Utc>,
    /// Object id of the caller that created the request.
    pub requestor_id: String,
    /// Length of the grant in seconds (none = no end).
    pub grant_seconds: Option<i64>,
    /// Member type of the resulting assignment.
    pub member_type: String,
    /// When a pending approval times out.
    pub approval_deadline: Option<DateTime<Utc>>,
    /// The approver who decided (none when decided through the control API).
    #[serde(default)]
    pub decided_by: Option<String>,
    /// When the approver decided.
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
    /// The approver's justification.
    #[serde(default)]
    pub decision_justification: Option<String>,
    /// A `roleEligibilityScheduleRequest` (a user's request to extend or renew an eligibility)
    /// rather than a `roleAssignmentScheduleRequest`.
    #[serde(default)]
    pub eligibility: bool,
}

impl ScheduleRequest {
    /// Full id of the request.
    pub(crate) fn id(&self) -> String {
        let collection = if self.eligibility {
            "roleEligibilityScheduleRequests"
        } else {
            "roleAssignmentScheduleRequests"
        };
        authz_id(&self.scope, collection, &self.name)
    }

    /// Whether the request awaits an approver's decision.
    pub(crate) fn is_pending(&self) -> bool {
        self.status == STATUS_PENDING_APPROVAL
    }

    /// Whether the request awaits a decision: an approver's, or an administrator's (a user's
    /// request to extend or renew an assignment).
    pub(crate) fn awaits_decision(&self) -> bool {
        self.is_pending() || self.status == STATUS_PENDING_ADMIN_DECISION
    }
}

/// Status of a request waiting for an approver.
pub(crate) const STATUS_PENDING_APPROVAL: &str = "PendingApproval";
/// Status of a user's request to extend or renew an assignment, waiting for an administrator.
pub(crate) const STATUS_PENDING_ADMIN_DECISION: &str = "PendingAdminDecision";
/// Days before its end within which a time-bound assignment may be extended by its principal
/// (Microsoft's "Extend or renew" documentation: 14 days).
pub(crate) const EXTEND_WINDOW_DAYS: i64 = 14;
/// Days after its end within which a time-bound assignment or eligibility may be renewed by its
/// principal. Microsoft's pages say an expired one can be renewed without giving a limit; the
/// simulator takes the stricter reading, the same 14 days as for an extension, and forgets what
/// ended longer ago.
pub(crate) const RENEW_WINDOW_DAYS: i64 = 14;
/// Status of a request whose result is in force.
pub(crate) const STATUS_PROVISIONED: &str = "Provisioned";

/// How a missing authentication context is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum AcrsChallengeStyle {
    /// 400 `RoleAssignmentRequestAcrsValidationFailed`, message `&claims=<percent-encoded JSON>`.
    #[serde(rename = "message")]
    Message,
    /// 401 with `WWW-Authenticate: Bearer ..., error="insufficient_claims", claims="<base64>"`.
    #[serde(rename = "www-authenticate")]
    WwwAuthenticate,
    /// 400 `UnknownError` whose message is a JSON document carrying the ACRS error (observed).
    #[serde(rename = "wrapped")]
    Wrapped,
}

/// Settings changeable through `POST /_sim/settings`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Settings {
    /// Most items per page.
    pub page_size: usize,
    /// Leave `expandedProperties` out of every item.
    pub omit_expanded_properties: bool,
    /// An activation cannot be ended this soon after it started.
    pub min_active_minutes_before_deactivate: i64,
    /// How a missing authentication context is reported.
    pub acrs_challenge_style: AcrsChallengeStyle,
    /// Simulated seconds between an assignment becoming active and its showing in the caller's
    /// `Microsoft.Authorization/permissions` (Azure takes a while to apply a role assignment).
    #[serde(default = "default_permission_propagation_seconds")]
    pub permission_propagation_seconds: u64,
}

/// Seconds of simulated time a new assignment takes to show in `permissions` in a fresh tenant.
pub(crate) const DEFAULT_PERMISSION_PROPAGATION_SECONDS: u64 = 5;

fn default_permission_propagation_seconds() -> u64 {
    DEFAULT_PERMISSION_PROPAGATION_SECONDS
}

impl Settings {
    fn new(page_size: usize) -> Settings {
        Settings {
            page_size,
            omit_expanded_properties: false,
            min_active_minutes_before_deactivate: 5,
            acrs_challenge_style: AcrsChallengeStyle::Message,
            permission_propagation_seconds: DEFAULT_PERMISSION_PROPAGATION_SECONDS,
        }
    }
}

/// Everything the simulator knows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SimState {
    /// Layout version.
    pub format: u32,
    /// Users, groups, scopes and role definitions.
    pub directory: Directory,
    /// Rules of the tenant default policy.
    pub default_rules: EndUserRules,
    /// Explicit policies.
    pub policies: Vec<Policy>,
    /// Eligibilities.
    pub eligibilities: Vec<Eligibility>,
    /// Active assignments.
    pub assignments: Vec<ActiveAssignment>,
    /// Time-bound eligibilities that ended within [`RENEW_WINDOW_DAYS`] (kept for `SelfRenew`,
    /// never listed).
    #[serde(default)]
    pub ended_eligibilities: Vec<Eligibility>,
    /// Time-bound `Assigned` assignments that ended within [`RENEW_WINDOW_DAYS`] (kept for
    /// `SelfRenew`, never listed).
    #[serde(default)]
    pub ended_assignments: Vec<ActiveAssignment>,
    /// Schedule requests, oldest first.
    pub requests: Vec<ScheduleRequest>,
    /// Settings.
    pub settings: Settings,
    /// The clock.
    pub clock: SimClock,
    /// HS256 key for tokens, base64.
    pub signing_key: String,
    /// Number of bulk eligibilities created so far.
    pub bulk_created: u32,
    /// Number of fleet users created so far (`/_sim/fleet`).
    #[serde(default)]
    pub fleet_created: u32,
    /// The Microsoft Graph half: Entra roles and PIM for Groups.
    #[serde(default)]
    pub entra: EntraState,
    /// Sign-in: each refresh-token family's one live token id (older ones are refused).
    #[serde(default)]
    pub refresh_families: std::collections::BTreeMap<String, String>,
    /// Applications, service principals and delegated permission grants.
    #[serde(default)]
    pub apps: crate::apps::AppDirectory,
    /// Bumped on every mutation; orders persisted snapshots.
    #[serde(skip)]
    pub generation: u64,
}

impl SimState {
    /// A fresh demo tenant. `signing_key` is kept when given, else a random key is made.
    pub(crate) fn demo(signing_key: Option<String>, page_size: usize) -> SimState {
        let clock = SimClock::real();
        let seed = tenant::demo_seed(clock.now());
        let mut state = SimState {
            format: STATE_FORMAT,
            directory: seed.directory,
            default_rules: seed.default_rules,
            policies: seed.policies,
            eligibilities: seed.eligibilities,
            assignments: seed.assignments,
            ended_eligibilities: seed.ended_eligibilities,
            ended_assignments: Vec::new(),
            requests: Vec::new(),
            settings: Settings::new(page_size),
            clock,
            signing_key: signing_key.unwrap_or_else(new_signing_key),
            bulk_created: 0,
            fleet_created: 0,
            entra: EntraState::default(),
            refresh_families: std::collections::BTreeMap::new(),
            apps: crate::apps::AppDirectory::default(),
            generation: 0,
        };
        entra::seed(&mut state);
        state
    }

    /// Simulated time now.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Marks the state as changed.
    pub(crate) fn touch(&mut self) {
        self.generation += 1;
    }

    /// Drops what has ended as of the simulated clock (activations, eligibilities) and times out
    /// pending approvals. Returns whether anything changed.
    pub(crate) fn housekeep(&mut self) -> bool {
        let now = self.now();
        let before = (self.assignments.len(), self.eligibilities.len());
        let renewable = |end: Option<DateTime<Utc>>| {
            end.is_some_and(|end| now - end <= chrono::Duration::days(RENEW_WINDOW_DAYS))
        };
        let (ended, live): (Vec<_>, Vec<_>) = std::mem::take(&mut self.assignments)
            .into_iter()
            .partition(|a| !a.is_live(now));
        self.assignments = live;
        self.ended_assignments
            .extend(ended.into_iter().filter(|a| !a.is_activated()));
        let (ended, live): (Vec<_>, Vec<_>) = std::mem::take(&mut self.eligibilities)
            .into_iter()
            .partition(|e| e.end.is_some_and(|end| end <= now));
        self.eligibilities = live;
        self.ended_eligibilities.extend(ended);
        let kept = (self.ended_assignments.len(), self.ended_eligibilities.len());
        self.ended_assignments.retain(|a| renewable(a.end));
        self.ended_eligibilities.retain(|e| renewable(e.end));
        let mut changed = before != (self.assignments.len(), self.eligibilities.len())
            || kept != (self.ended_assignments.len(), self.ended_eligibilities.len());
        changed |= self.entra.housekeep(now);
        changed |= entra::sync_memberships(self);
        for request in &mut self.requests {
            if request.is_pending() && request.approval_deadline.is_some_and(|d| d <= now) {
                request.status = "TimedOut".to_string();
                changed = true;
            }
        }
        if changed {
            self.touch();
        }
        changed
    }
}

fn new_signing_key() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    STANDARD.encode(key)
}
