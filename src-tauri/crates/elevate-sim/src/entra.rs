//! The Microsoft Graph side of the tenant: Entra directory roles, administrative units, groups
//! managed by PIM for Groups, their eligibility and assignment schedules, schedule requests and
//! policies, and the Graph half of the demo seed. Persisted with the rest of [`SimState`].
//!
//! A group's membership follows its PIM for Groups assignments: while a `member` assignment is
//! in force the principal is a member of the group in the directory, so Azure role assignments
//! held by the group apply to it (the ARM half sees it as `memberType: Group`).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::demo;
use crate::ids::{eq_ci, new_guid, stable_guid};
use crate::policy::{Approver, EndUserRules, RULE_JUSTIFICATION, RULE_MFA, RULE_TICKETING};
use crate::state::{ActiveAssignment, ExpirationType, SimState};
use crate::tenant::Group;

/// `directoryScopeId` of the whole directory.
pub(crate) const DIRECTORY_ROOT: &str = "/";

/// What a Graph schedule or request is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Target {
    /// An Entra role at a directory scope (`/` or `/administrativeUnits/{id}`).
    Directory {
        /// Role definition id.
        role_id: String,
        /// `directoryScopeId`.
        scope_id: String,
    },
    /// `member` or `owner` access to a group.
    Group {
        /// Group object id.
        group_id: String,
        /// `member` or `owner` (lower case).
        access_id: String,
    },
}

impl Target {
    /// Whether both name the same role at the same scope, or the same access to the same group.
    pub(crate) fn same(&self, other: &Target) -> bool {
        match (self, other) {
            (
                Target::Directory {
                    role_id: a,
                    scope_id: b,
                },
                Target::Directory {
                    role_id: c,
                    scope_id: d,
                },
            ) => eq_ci(a, c) && eq_ci(b.trim_end_matches('/'), d.trim_end_matches('/')),
            (
                Target::Group {
                    group_id: a,
                    access_id: b,
                },
                Target::Group {
                    group_id: c,
                    access_id: d,
                },
            ) => eq_ci(a, c) && eq_ci(b, d),
            _ => false,
        }
    }

    /// Whether this is PIM for Groups.
    pub(crate) fn is_group(&self) -> bool {
        matches!(self, Target::Group { .. })
    }
}

/// An Entra role definition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DirectoryRole {
    /// Id (for built-in roles, the template id).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: String,
}

/// An administrative unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AdminUnit {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Description.
    pub description: String,
}

/// A group managed by PIM for Groups (its name and effective members live in the directory).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PimGroup {
    /// Object id.
    pub id: String,
    /// Members that are not there through PIM.
    pub standing_members: Vec<String>,
}

/// A policy set for one Entra role (tenant-wide) or one access of one group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GraphPolicy {
    /// GUID part of the policy id.
    pub guid: String,
    /// The role (scope `/`) or group access it governs.
    pub target: Target,
    /// The end-user rules.
    pub rules: EndUserRules,
    /// When it was last changed.
    pub last_modified: DateTime<Utc>,
}

/// An eligibility or assignment schedule with its one instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Schedule {
    /// Instance id.
    pub id: String,
    /// Schedule id.
    pub schedule_id: String,
    /// Role and scope, or group and access.
    pub target: Target,
    /// Principal.
    pub principal_id: String,
    /// `Direct` or `Group`.
    pub member_type: String,
    /// `Activated` or `Assigned` (empty for eligibilities).
    pub assignment_type: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End (none = permanent).
    pub end: Option<DateTime<Utc>>,
    /// `roleAssignmentOriginId` (Entra role assignments).
    pub origin_id: Option<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
}

impl Schedule {
    /// Whether it is in force at `now`.
    pub(crate) fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.start <= now && self.is_live(now)
    }

    /// Whether it has not ended at `now`.
    pub(crate) fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.end.is_none_or(|end| end > now)
    }

    /// Whether this is a PIM activation.
    pub(crate) fn is_activated(&self) -> bool {
        eq_ci(&self.assignment_type, "Activated")
    }
}

/// `action` of a schedule request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Action {
    /// An administrator assigns.
    AdminAssign,
    /// An administrator updates.
    AdminUpdate,
    /// An administrator removes.
    AdminRemove,
    /// An administrator extends.
    AdminExtend,
    /// An administrator renews.
    AdminRenew,
    /// The principal activates an eligibility.
    SelfActivate,
    /// The principal ends an activation.
    SelfDeactivate,
    /// The principal asks an administrator to extend a time-bound assignment ending soon.
    SelfExtend,
    /// The principal asks an administrator to renew an expired assignment.
    SelfRenew,
}

impl Action {
    const ALL: [Action; 9] = [
        Action::AdminAssign,
        Action::AdminUpdate,
        Action::AdminRemove,
        Action::AdminExtend,
        Action::AdminRenew,
        Action::SelfActivate,
        Action::SelfDeactivate,
        Action::SelfExtend,
        Action::SelfRenew,
    ];

    /// Graph's spelling (lower camel case).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::AdminAssign => "adminAssign",
            Action::AdminUpdate => "adminUpdate",
            Action::AdminRemove => "adminRemove",
            Action::AdminExtend => "adminExtend",
            Action::AdminRenew => "adminRenew",
            Action::SelfActivate => "selfActivate",
            Action::SelfDeactivate => "selfDeactivate",
            Action::SelfExtend => "selfExtend",
            Action::SelfRenew => "selfRenew",
        }
    }

    /// Parses case-insensitively.
    pub(crate) fn parse(text: &str) -> Option<Action> {
        Action::ALL
            .into_iter()
            .find(|a| eq_ci(a.as_str(), text.trim()))
    }

    /// Whether the request grants access.
    pub(crate) fn is_grant(self) -> bool {
        matches!(self, Action::SelfActivate | Action::SelfRenew)
    }

    /// Whether `privilegedAccessGroupAssignmentScheduleRequest` has this action. Its documented
    /// enum is `adminAssign, adminUpdate, adminRemove, selfActivate, selfDeactivate, adminExtend,
    /// adminRenew`: no `selfExtend`, no `selfRenew`.
    pub(crate) fn is_group_action(self) -> bool {
        !matches!(self, Action::SelfExtend | Action::SelfRenew)
    }
}

/// A schedule request (`unifiedRoleAssignmentScheduleRequest` or
/// `privilegedAccessGroupAssignmentScheduleRequest`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Request {
    /// Id (a GUID chosen by the service).
    pub id: String,
    /// What it is about.
    pub target: Target,
    /// Action.
    pub action: Action,
    /// Status.
    pub status: String,
    /// Principal it is for.
    pub principal_id: String,
    /// Who created it.
    pub requestor_id: String,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// When it was completed (granted, denied, canceled...).
    pub completed: Option<DateTime<Utc>>,
    /// `approvalId` when it needs an approval.
    pub approval_id: Option<String>,
    /// Justification.
    pub justification: Option<String>,
    /// Ticket number.
    pub ticket_number: Option<String>,
    /// Ticket system.
    pub ticket_system: Option<String>,
    /// `scheduleInfo.startDateTime` as effective.
    pub start: Option<DateTime<Utc>>,
    /// `scheduleInfo.expiration.type`.
    pub expiration_type: Option<ExpirationType>,
    /// `scheduleInfo.expiration.duration` as sent.
    pub duration: Option<String>,
    /// `scheduleInfo.expiration.endDateTime` as sent.
    pub end: Option<DateTime<Utc>>,
    /// `targetScheduleId`.
    pub target_schedule_id: Option<String>,
    /// Length of the grant in seconds (none = no end).
    pub grant_seconds: Option<i64>,
    /// Member type of the resulting assignment.
    pub member_type: String,
    /// When a pending approval times out.
    pub approval_deadline: Option<DateTime<Utc>>,
    /// Justification given by the approver.
    pub decision_justification: Option<String>,
    /// Who decided (an approver's object id; none when decided through the control API).
    #[serde(default)]
    pub decided_by: Option<String>,
    /// A `unifiedRoleEligibilityScheduleRequest` (a user's request to extend or renew an
    /// eligibility) rather than an assignment request.
    #[serde(default)]
    pub eligibility: bool,
}

impl Request {
    /// Whether it awaits an approver's decision.
    pub(crate) fn is_pending(&self) -> bool {
        eq_ci(&self.status, STATUS_PENDING_APPROVAL)
    }

    /// Whether it awaits a decision: an approver's, or an administrator's (a user's request to
    /// extend an assignment).
    pub(crate) fn awaits_decision(&self) -> bool {
        self.is_pending() || eq_ci(&self.status, crate::state::STATUS_PENDING_ADMIN_DECISION)
    }
}

/// Status of a request waiting for an approver.
pub(crate) const STATUS_PENDING_APPROVAL: &str = "PendingApproval";
/// Status of a granted activation, before provisioning is reported done.
pub(crate) const STATUS_GRANTED: &str = "Granted";
/// Status of a request whose result is in force.
pub(crate) const STATUS_PROVISIONED: &str = "Provisioned";

/// Everything Graph knows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct EntraState {
    /// Whether the demo seed has been applied (older state files have no Graph half).
    pub seeded: bool,
    /// Entra role definitions.
    pub roles: Vec<DirectoryRole>,
    /// Administrative units.
    pub admin_units: Vec<AdminUnit>,
    /// Groups under PIM for Groups.
    pub pim_groups: Vec<PimGroup>,
    /// Explicit policies.
    pub policies: Vec<GraphPolicy>,
    /// Eligibility schedules.
    pub eligibilities: Vec<Schedule>,
    /// Assignment schedules.
    pub assignments: Vec<Schedule>,
    /// Time-bound Entra role eligibilities that ended within the renewal window (kept for
    /// `selfRenew`, never listed).
    #[serde(default)]
    pub ended_eligibilities: Vec<Schedule>,
    /// Time-bound Entra role `Assigned` assignments that ended within the renewal window.
    #[serde(default)]
    pub ended_assignments: Vec<Schedule>,
    /// Schedule requests, oldest first.
    pub requests: Vec<Request>,
    /// Synthetic Entra role eligibilities added so far (one administrative unit each).
    #[serde(default)]
    pub bulk_directory: u32,
    /// Synthetic group eligibilities added so far (one PIM group each).
    #[serde(default)]
    pub bulk_groups: u32,
}

/// The rules of an Entra role or group access without an explicit policy: MFA and
/// justification, at most 8 hours.
pub(crate) fn default_rules() -> EndUserRules {
    EndUserRules::simple("PT8H", &[RULE_MFA, RULE_JUSTIFICATION])
}

/// The policy that governs a target.
#[derive(Debug, Clone)]
pub(crate) struct EffectiveGraphPolicy {
    /// GUID part of the policy id.
    pub guid: String,
    /// The rules.
    pub rules: EndUserRules,
    /// When it was last changed (none for defaults).
    pub last_modified: Option<DateTime<Utc>>,
}

impl EntraState {
    /// The role definition with id `id`.
    pub(crate) fn role(&self, id: &str) -> Option<&DirectoryRole> {
        self.roles.iter().find(|r| eq_ci(&r.id, id))
    }

    /// The administrative unit with id `id`.
    pub(crate) fn admin_unit(&self, id: &str) -> Option<&AdminUnit> {
        self.admin_units.iter().find(|a| eq_ci(&a.id, id))
    }

    /// Whether `id` is a group under PIM for Groups.
    pub(crate) fn is_pim_group(&self, id: &str) -> bool {
        self.pim_groups.iter().any(|g| eq_ci(&g.id, id))
    }

    /// The policy for `target`: Entra role policies are tenant-wide (scope `/`), whatever the
    /// scope of the eligibility.
    pub(crate) fn policy_for(&self, tenant_id: &str, target: &Target) -> EffectiveGraphPolicy {
        let key = match target {
            Target::Directory { role_id, .. } => Target::Directory {
                role_id: role_id.clone(),
                scope_id: DIRECTORY_ROOT.to_string(),
            },
            group => group.clone(),
        };
        match self.policies.iter().find(|p| p.target.same(&key)) {
            Some(p) => EffectiveGraphPolicy {
                guid: p.guid.clone(),
                rules: p.rules.clone(),
                last_modified: Some(p.last_modified),
            },
            None => EffectiveGraphPolicy {
                guid: stable_guid(
                    &format!("elevate-sim/graph-default-policy/{tenant_id}/{key:?}")
                        .to_ascii_lowercase(),
                ),
                rules: default_rules(),
                last_modified: None,
            },
        }
    }

    /// Drops what has ended, times out pending approvals and reports granted activations as
    /// provisioned. Returns whether anything changed.
    pub(crate) fn housekeep(&mut self, now: DateTime<Utc>) -> bool {
        let before = (self.assignments.len(), self.eligibilities.len());
        let renewable = |s: &Schedule| {
            !s.target.is_group()
                && s.end
                    .is_some_and(|end| now - end <= Duration::days(crate::state::RENEW_WINDOW_DAYS))
        };
        let (ended, live): (Vec<_>, Vec<_>) = std::mem::take(&mut self.assignments)
            .into_iter()
            .partition(|a| !a.is_live(now));
        self.assignments = live;
        self.ended_assignments
            .extend(ended.into_iter().filter(|a| !a.is_activated()));
        let (ended, live): (Vec<_>, Vec<_>) = std::mem::take(&mut self.eligibilities)
            .into_iter()
            .partition(|e| !e.is_live(now));
        self.eligibilities = live;
        self.ended_eligibilities.extend(ended);
        let kept = (self.ended_assignments.len(), self.ended_eligibilities.len());
        self.ended_assignments.retain(renewable);
        self.ended_eligibilities.retain(renewable);
        let mut changed = before != (self.assignments.len(), self.eligibilities.len())
            || kept != (self.ended_assignments.len(), self.ended_eligibilities.len());
        for request in &mut self.requests {
            if request.is_pending() && request.approval_deadline.is_some_and(|d| d <= now) {
                request.status = "TimedOut".to_string();
                request.completed = Some(now);
                changed = true;
            } else if eq_ci(&request.status, STATUS_GRANTED)
                && request.start.is_none_or(|s| s <= now)
            {
                request.status = STATUS_PROVISIONED.to_string();
                changed = true;
            }
        }
        changed
    }
}

/// Makes the members of every PIM group what its standing members and current `member`
/// assignments say. Returns whether anything changed. Runs on every request: linear in the number
/// of groups and assignments.
pub(crate) fn sync_memberships(state: &mut SimState) -> bool {
    let now = state.now();
    let mut active: HashMap<String, Vec<String>> = HashMap::new();
    for a in &state.entra.assignments {
        if let Target::Group {
            group_id,
            access_id,
        } = &a.target
            && eq_ci(access_id, "member")
            && a.is_current(now)
        {
            active
                .entry(group_id.to_ascii_lowercase())
                .or_default()
                .push(a.principal_id.clone());
        }
    }
    let index: HashMap<String, usize> = state
        .directory
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.to_ascii_lowercase(), i))
        .collect();
    let mut changed = false;
    for pim in &state.entra.pim_groups {
        let key = pim.id.to_ascii_lowercase();
        let Some(group) = index
            .get(&key)
            .and_then(|i| state.directory.groups.get_mut(*i))
        else {
            continue;
        };
        let extra = active.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        if pim.standing_members.is_empty() && extra.is_empty() {
            if !group.members.is_empty() {
                group.members.clear();
                changed = true;
            }
            continue;
        }
        let mut members: Vec<String> = pim.standing_members.clone();
        for principal in extra {
            if !members.iter().any(|m| eq_ci(m, principal)) {
                members.push(principal.clone());
            }
        }
        members.sort();
        let mut current = group.members.clone();
        current.sort();
        if current != members {
            group.members = members;
            changed = true;
        }
    }
    changed
}

/// A new instance id in the shape Graph uses for Entra role instances (base64url and a suffix).
pub(crate) fn new_instance_id(suffix: &str) -> String {
    let guid = new_guid().replace('-', "");
    format!(
        "{guid}{}-1{suffix}",
        &stable_guid(&guid).replace('-', "")[..11]
    )
}

/// Why an approval decision could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecisionError {
    /// No request with that id.
    NotFound,
    /// The request is not awaiting approval (its status).
    NotPending(String),
}

/// A new activation from an approved or immediately granted request.
pub(crate) fn activation(
    request: &Request,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Schedule {
    let (id, origin) = match &request.target {
        Target::Directory { .. } => (new_instance_id(""), Some(new_guid())),
        Target::Group { .. } => (
            request.target_schedule_id.clone().unwrap_or_else(new_guid),
            None,
        ),
    };
    Schedule {
        id,
        schedule_id: request
            .target_schedule_id
            .clone()
            .unwrap_or_else(|| request.id.clone()),
        target: request.target.clone(),
        principal_id: request.principal_id.clone(),
        member_type: request.member_type.clone(),
        assignment_type: "Activated".to_string(),
        start,
        end,
        origin_id: origin,
        created: now,
    }
}

/// Approves or denies a pending Graph request. Approval grants from now for the requested length.
pub(crate) fn decide(
    state: &mut SimState,
    id: &str,
    approve: bool,
    justification: Option<String>,
) -> Result<Request, DecisionError> {
    let now = state.now();
    let index = state
        .entra
        .requests
        .iter()
        .position(|r| eq_ci(&r.id, id))
        .ok_or(DecisionError::NotFound)?;
    let mut decided = state
        .entra
        .requests
        .get(index)
        .cloned()
        .ok_or(DecisionError::NotFound)?;
    if !decided.awaits_decision() {
        return Err(DecisionError::NotPending(decided.status));
    }
    decided.approval_deadline = None;
    decided.completed = Some(now);
    decided.decision_justification = justification;
    if !approve {
        decided.status = "Denied".to_string();
    } else {
        let end = decided
            .grant_seconds
            .and_then(|s| now.checked_add_signed(Duration::seconds(s)));
        if decided.eligibility || decided.action == Action::SelfRenew {
            let done = grant_more_time(&mut state.entra, &decided, now, end);
            decided.status = if done { STATUS_PROVISIONED } else { "Failed" }.to_string();
            if let Some(slot) = state.entra.requests.get_mut(index) {
                *slot = decided.clone();
            }
            sync_memberships(state);
            return Ok(decided);
        }
        // An extension is of a time-bound assignment, never of an activation.
        let extension = decided.action == Action::SelfExtend;
        let existing = state.entra.assignments.iter_mut().find(|a| {
            a.target.same(&decided.target)
                && eq_ci(&a.principal_id, &decided.principal_id)
                && a.is_live(now)
                && (!extension || !a.is_activated())
        });
        match (decided.action, existing) {
            (Action::SelfExtend, Some(assignment)) => {
                assignment.end = end;
                decided.status = STATUS_PROVISIONED.to_string();
            }
            (Action::SelfExtend, None) => decided.status = "Failed".to_string(),
            (_, Some(_)) => decided.status = STATUS_PROVISIONED.to_string(),
            (_, None) => {
                let start = decided.start.filter(|s| *s > now).unwrap_or(now);
                let assignment = activation(&decided, start, end.map(|e| e + (start - now)), now);
                state.entra.assignments.push(assignment);
                decided.status = STATUS_PROVISIONED.to_string();
            }
        }
    }
    if let Some(slot) = state.entra.requests.get_mut(index) {
        *slot = decided.clone();
    }
    sync_memberships(state);
    Ok(decided)
}

/// A pending `selfActivate` request of `principal` for `target`, as if made at `now`.
pub(crate) fn pending_request(
    target: Target,
    principal: &str,
    justification: &str,
    hours: i64,
    now: DateTime<Utc>,
) -> Request {
    let id = new_guid();
    let target_schedule_id = match &target {
        Target::Directory { .. } => id.clone(),
        Target::Group {
            group_id,
            access_id,
        } => format!("{group_id}_{access_id}_{id}"),
    };
    Request {
        approval_id: Some(id.clone()),
        target_schedule_id: Some(target_schedule_id),
        id,
        target,
        action: Action::SelfActivate,
        status: STATUS_PENDING_APPROVAL.to_string(),
        principal_id: principal.to_string(),
        requestor_id: principal.to_string(),
        created: now,
        completed: None,
        justification: Some(justification.to_string()),
        ticket_number: None,
        ticket_system: None,
        start: Some(now),
        expiration_type: Some(ExpirationType::AfterDuration),
        duration: Some(format!("PT{hours}H")),
        end: None,
        grant_seconds: Some(hours * 3600),
        member_type: "Direct".to_string(),
        approval_deadline: Some(now + Duration::days(crate::policy::APPROVAL_TIMEOUT_DAYS)),
        decision_justification: None,
        decided_by: None,
        eligibility: false,
    }
}

/// Grace Hopper's requests that wait for Ada's approval (Owner at Contoso Production, User
/// Administrator, owner of PIM-Security-Admins), unless she already has such requests pending.
/// Returns how many were added.
pub(crate) fn add_requests_for_approval(
    state: &mut SimState,
    justification: Option<&str>,
) -> usize {
    let now = state.now();
    let grace = demo::SECOND_USER_OID;
    let wanted = [
        (
            directory(demo::ENTRA_USER_ADMINISTRATOR, DIRECTORY_ROOT),
            "Onboard the new support engineers",
            2,
        ),
        (
            group(demo::PIM_GROUP_SECURITY_ADMINS, "owner"),
            "Review the security group's members",
            1,
        ),
    ];
    let mut added = 0;
    if crate::tenant::add_owner_request_for_approval(state, justification) {
        added += 1;
    }
    let wanted_text = justification;
    for (target, justification, hours) in wanted {
        let exists = state
            .entra
            .requests
            .iter()
            .any(|r| r.is_pending() && r.target.same(&target) && eq_ci(&r.principal_id, grace));
        if !exists {
            state.entra.requests.push(pending_request(
                target,
                grace,
                wanted_text.unwrap_or(justification),
                hours,
                now,
            ));
            added += 1;
        }
    }
    added
}

fn role(id: &str, name: &str, description: &str) -> DirectoryRole {
    DirectoryRole {
        id: id.to_string(),
        display_name: name.to_string(),
        description: description.to_string(),
    }
}

/// Adds `count` synthetic eligibilities for `principal`: Global Reader at a new administrative
/// unit each (`directory`), or `member` of a new PIM group each. Returns how many Graph
/// eligibilities there are now.
pub(crate) fn add_bulk(
    state: &mut SimState,
    principal: &str,
    count: usize,
    directory_roles: bool,
) -> usize {
    let now = state.now();
    let tenant = state.directory.tenant_id.clone();
    let first = if directory_roles {
        state.entra.bulk_directory
    } else {
        state.entra.bulk_groups
    } as usize
        + 1;
    for n in first..first + count {
        let id = stable_guid(&format!(
            "elevate-sim/bulk/{tenant}/{}/{n}",
            if directory_roles { "au" } else { "group" }
        ));
        let target = if directory_roles {
            state.entra.admin_units.push(AdminUnit {
                id: id.clone(),
                display_name: format!("AU-Bulk-{n:05}"),
                description: String::new(),
            });
            directory(
                demo::ENTRA_GLOBAL_READER,
                &format!("/administrativeUnits/{id}"),
            )
        } else {
            state.entra.pim_groups.push(PimGroup {
                id: id.clone(),
                standing_members: Vec::new(),
            });
            state.directory.groups.push(Group {
                id: id.clone(),
                display_name: format!("PIM-Bulk-{n:05}"),
                members: Vec::new(),
                owners: Vec::new(),
                mail: None,
            });
            group(&id, "member")
        };
        state.entra.eligibilities.push(eligibility(
            &format!("bulk/{tenant}/{id}"),
            target,
            principal,
            now,
            None,
        ));
    }
    let total = u32::try_from(first - 1 + count).unwrap_or(u32::MAX);
    if directory_roles {
        state.entra.bulk_directory = total;
    } else {
        state.entra.bulk_groups = total;
    }
    state.entra.eligibilities.len()
}

fn eligibility(
    label: &str,
    target: Target,
    principal: &str,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> Schedule {
    let schedule_id = stable_guid(&format!("elevate-sim/graph-eligibility/{label}/schedule"));
    let id = match &target {
        Target::Directory { .. } => {
            let compact = stable_guid(&format!("elevate-sim/graph-eligibility/{label}/instance"))
                .replace('-', "");
            format!("{compact}{}-1-e", &schedule_id.replace('-', "")[..11])
        }
        Target::Group {
            group_id,
            access_id,
        } => format!("{group_id}_{access_id}_{schedule_id}"),
    };
    Schedule {
        id,
        schedule_id,
        target,
        principal_id: principal.to_string(),
        member_type: "Direct".to_string(),
        assignment_type: String::new(),
        start,
        end,
        origin_id: None,
        created: start,
    }
}

fn directory(role_id: &str, scope_id: &str) -> Target {
    Target::Directory {
        role_id: role_id.to_string(),
        scope_id: scope_id.to_string(),
    }
}

fn group(group_id: &str, access: &str) -> Target {
    Target::Group {
        group_id: group_id.to_string(),
        access_id: access.to_string(),
    }
}

/// Adds the Graph half of the demo tenant (once): Entra roles, an administrative unit, two PIM
/// groups, Ada's eligibilities, a standing Directory Readers assignment, the policies, and the
/// Azure role the group PIM-Prod-Operators holds.
pub(crate) fn seed(state: &mut SimState) {
    if state.entra.seeded {
        return;
    }
    let now = state.now();
    let start = now - Duration::days(30);
    let end = Some(start + Duration::days(365));
    let ada = state.directory.default_user.clone();
    let grace = demo::SECOND_USER_OID;
    let approval = |maximum: &str, rules: &[&str]| EndUserRules {
        approval_required: true,
        approvers: vec![
            Approver {
                id: grace.to_string(),
                description: demo::SECOND_USER_NAME.to_string(),
                user_type: "User".to_string(),
            },
            Approver {
                id: ada.clone(),
                description: demo::DEMO_USER_NAME.to_string(),
                user_type: "User".to_string(),
            },
        ],
        ..EndUserRules::simple(maximum, rules)
    };
    let entra = &mut state.entra;
    entra.roles = vec![
        role(
            demo::ENTRA_GLOBAL_READER,
            "Global Reader",
            "Can read everything that a Global Administrator can, but not update anything.",
        ),
        role(
            demo::ENTRA_USER_ADMINISTRATOR,
            "User Administrator",
            "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
        ),
        role(
            demo::ENTRA_SECURITY_ADMINISTRATOR,
            "Security Administrator",
            "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
        ),
        role(
            demo::ENTRA_EXCHANGE_ADMINISTRATOR,
            "Exchange Administrator",
            "Can manage all aspects of the Exchange product.",
        ),
        role(
            demo::ENTRA_DIRECTORY_READERS,
            "Directory Readers",
            "Can read basic directory information. Commonly used to grant directory read access to applications and guests.",
        ),
    ];
    entra.admin_units = vec![AdminUnit {
        id: demo::ADMIN_UNIT_EMEA.to_string(),
        display_name: demo::ADMIN_UNIT_EMEA_NAME.to_string(),
        description: "Users in Europe, the Middle East and Africa".to_string(),
    }];
    entra.pim_groups = [
        demo::PIM_GROUP_PROD_OPERATORS,
        demo::PIM_GROUP_SECURITY_ADMINS,
    ]
    .iter()
    .map(|id| PimGroup {
        id: (*id).to_string(),
        standing_members: Vec::new(),
    })
    .collect();
    entra.eligibilities = vec![
        eligibility(
            "global-reader",
            directory(demo::ENTRA_GLOBAL_READER, DIRECTORY_ROOT),
            &ada,
            start,
            end,
        ),
        eligibility(
            "user-administrator",
            directory(demo::ENTRA_USER_ADMINISTRATOR, DIRECTORY_ROOT),
            &ada,
            start,
            end,
        ),
        eligibility(
            "security-administrator",
            directory(demo::ENTRA_SECURITY_ADMINISTRATOR, DIRECTORY_ROOT),
            &ada,
            start,
            end,
        ),
        eligibility(
            "exchange-administrator-emea",
            directory(
                demo::ENTRA_EXCHANGE_ADMINISTRATOR,
                demo::SCOPE_ADMIN_UNIT_EMEA,
            ),
            &ada,
            start,
            end,
        ),
        eligibility(
            "prod-operators-member",
            group(demo::PIM_GROUP_PROD_OPERATORS, "member"),
            &ada,
            start,
            end,
        ),
        eligibility(
            "security-admins-owner",
            group(demo::PIM_GROUP_SECURITY_ADMINS, "owner"),
            &ada,
            start,
            end,
        ),
        eligibility(
            "security-admins-member",
            group(demo::PIM_GROUP_SECURITY_ADMINS, "member"),
            &ada,
            start,
            None,
        ),
        eligibility(
            "grace-user-administrator",
            directory(demo::ENTRA_USER_ADMINISTRATOR, DIRECTORY_ROOT),
            grace,
            start,
            end,
        ),
        eligibility(
            "grace-security-admins-owner",
            group(demo::PIM_GROUP_SECURITY_ADMINS, "owner"),
            grace,
            start,
            end,
        ),
        // Ada's guest object in Fabrikam: a directory role in the other directory.
        eligibility(
            "fabrikam-global-reader",
            directory(demo::ENTRA_GLOBAL_READER, DIRECTORY_ROOT),
            demo::GUEST_TENANT_ADA_OID,
            start,
            end,
        ),
    ];
    let standing = now - Duration::days(90);
    entra.assignments = vec![Schedule {
        id: stable_guid("elevate-sim/graph-assignment/directory-readers/instance"),
        schedule_id: stable_guid("elevate-sim/graph-assignment/directory-readers/schedule"),
        target: directory(demo::ENTRA_DIRECTORY_READERS, DIRECTORY_ROOT),
        principal_id: ada.clone(),
        member_type: "Direct".to_string(),
        assignment_type: "Assigned".to_string(),
        start: standing,
        end: None,
        origin_id: Some(stable_guid(
            "elevate-sim/graph-assignment/directory-readers/origin",
        )),
        created: standing,
    }];
    let policy = |label: &str, target: Target, rules: EndUserRules| GraphPolicy {
        guid: stable_guid(&format!("elevate-sim/graph-policy/{label}")),
        target,
        rules,
        last_modified: now - Duration::days(60),
    };
    let security = EndUserRules {
        auth_context: Some(demo::AUTH_CONTEXT_ID.to_string()),
        ..EndUserRules::simple("PT2H", &[RULE_JUSTIFICATION])
    };
    entra.policies = vec![
        policy(
            "global-reader",
            directory(demo::ENTRA_GLOBAL_READER, DIRECTORY_ROOT),
            EndUserRules::simple("PT8H", &[RULE_JUSTIFICATION]),
        ),
        policy(
            "user-administrator",
            directory(demo::ENTRA_USER_ADMINISTRATOR, DIRECTORY_ROOT),
            approval("PT4H", &[RULE_JUSTIFICATION]),
        ),
        policy(
            "security-administrator",
            directory(demo::ENTRA_SECURITY_ADMINISTRATOR, DIRECTORY_ROOT),
            security,
        ),
        policy(
            "exchange-administrator",
            directory(demo::ENTRA_EXCHANGE_ADMINISTRATOR, DIRECTORY_ROOT),
            EndUserRules::simple("PT4H", &[RULE_JUSTIFICATION, RULE_TICKETING]),
        ),
        policy(
            "prod-operators-member",
            group(demo::PIM_GROUP_PROD_OPERATORS, "member"),
            EndUserRules::simple("PT4H", &[RULE_JUSTIFICATION]),
        ),
        policy(
            "security-admins-owner",
            group(demo::PIM_GROUP_SECURITY_ADMINS, "owner"),
            approval("PT2H", &[RULE_JUSTIFICATION]),
        ),
        policy(
            "security-admins-member",
            group(demo::PIM_GROUP_SECURITY_ADMINS, "member"),
            EndUserRules::simple("PT8H", &[]),
        ),
    ];
    entra.seeded = true;
    add_requests_for_approval(state, None);
    for (id, name) in [
        (
            demo::PIM_GROUP_PROD_OPERATORS,
            demo::PIM_GROUP_PROD_OPERATORS_NAME,
        ),
        (
            demo::PIM_GROUP_SECURITY_ADMINS,
            demo::PIM_GROUP_SECURITY_ADMINS_NAME,
        ),
    ] {
        if state.directory.group(id).is_none() {
            // Grace Hopper administers the demo's PIM groups.
            state.directory.groups.push(Group {
                id: id.to_string(),
                display_name: name.to_string(),
                members: Vec::new(),
                owners: vec![demo::SECOND_USER_OID.to_string()],
                mail: None,
            });
        }
    }
    let label = "elevate-sim/demo-assignment/prod-operators-contributor";
    if !state
        .assignments
        .iter()
        .any(|a| eq_ci(&a.principal_id, demo::PIM_GROUP_PROD_OPERATORS))
    {
        state.assignments.push(ActiveAssignment {
            schedule_name: stable_guid(&format!("{label}/schedule")),
            instance_name: stable_guid(&format!("{label}/instance")),
            principal_id: demo::PIM_GROUP_PROD_OPERATORS.to_string(),
            role_guid: demo::ROLE_CONTRIBUTOR.to_string(),
            scope: demo::SCOPE_PRODUCTION.to_string(),
            assignment_type: "Assigned".to_string(),
            member_type: "Group".to_string(),
            start: standing,
            end: None,
            linked_eligibility_schedule_id: None,
            linked_eligibility_instance_id: None,
            origin_role_assignment_name: stable_guid(&format!("{label}/assignment")),
            created_on: standing,
        });
    }
    sync_memberships(state);
}

/// Carries out an approved request for more time (an Entra role eligibility's extension or
/// renewal, or an assignment's renewal) that `decided` is. `false` when its target is gone.
fn grant_more_time(
    entra: &mut EntraState,
    decided: &Request,
    now: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> bool {
    let target = decided.target_schedule_id.clone().unwrap_or_default();
    let (live, ended) = if decided.eligibility {
        (&mut entra.eligibilities, &mut entra.ended_eligibilities)
    } else {
        (&mut entra.assignments, &mut entra.ended_assignments)
    };
    if decided.action == Action::SelfExtend {
        return match live
            .iter_mut()
            .find(|s| eq_ci(&s.schedule_id, &target) && s.is_current(now))
        {
            Some(s) => {
                s.end = end;
                true
            }
            None => false,
        };
    }
    let Some(index) = ended.iter().position(|s| eq_ci(&s.schedule_id, &target)) else {
        return false;
    };
    let mut renewed = ended.remove(index);
    renewed.start = now;
    renewed.end = end;
    live.push(renewed);
    true
}
