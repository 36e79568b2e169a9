//! `roleAssignmentScheduleRequests`: activation, deactivation, extension and renewal, with the
//! policy checks PIM applies, plus GET, list, `cancel`, `validate` and approval decisions.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};

use super::ArmCtx;
use super::body::{RequestBody, ScheduleBody, parse_schedule_request};
use super::paging::list_reply;
use super::reply::{
    ArmReply, ArmResult, authorization_failed, bad_request, invalid_content, not_found,
};
use super::select::{ScopeWindow, Selection};
use super::wire::Render;
use crate::checks::{check_acrs, check_rules, policy_failed};
use crate::duration::parse_duration;
use crate::ids::{authz_id, eq_ci, new_guid, parse_guid, role_guid_from_id};
use crate::log::Effect;
use crate::policy::{self, APPROVAL_TIMEOUT_DAYS};
use crate::scope::Scope;
use crate::state::{
    ActiveAssignment, EXTEND_WINDOW_DAYS, Eligibility, ExpirationType, RequestType,
    RequestedSchedule, STATUS_PENDING_ADMIN_DECISION, STATUS_PENDING_APPROVAL, STATUS_PROVISIONED,
    ScheduleRequest, SimState,
};
use crate::token::Caller;

const WRITE_ACTION: &str = "Microsoft.Authorization/roleAssignmentScheduleRequests/write";
const READ_ACTION: &str = "Microsoft.Authorization/roleAssignmentScheduleRequests/read";
const CANCEL_ACTION: &str = "Microsoft.Authorization/roleAssignmentScheduleRequests/cancel/action";

const REQUEST_FILTERS: &[&str] = &[
    "astarget",
    "atscope",
    "asrequestor",
    "asapprover",
    "assignedto",
    "principalid",
    "roledefinitionid",
    "requestorid",
    "status",
];

/// Whether a submission is carried out or only checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Create,
    Validate,
}

/// The caller and where to point claims challenges.
pub(super) struct Env<'a> {
    pub(super) caller: &'a Caller,
    pub(super) url: &'a str,
    pub(super) now: DateTime<Utc>,
}

/// The outcome of a submission.
pub(super) struct Submitted {
    pub(super) request: ScheduleRequest,
    pub(super) effect: Option<Effect>,
}

/// Start, end and length of what a request asks for.
struct Grant {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    duration: Option<Duration>,
}

/// `PUT {scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}`
pub(crate) async fn put(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let body = match parse_schedule_request(ctx.body) {
        Ok(body) => body,
        Err(reply) => return reply.with_request_name(name),
    };
    let caller = ctx.caller.clone();
    let url = ctx.shared.url.clone();
    let reply = ctx
        .shared
        .mutate(|state| {
            let env = Env {
                caller: &caller,
                url: &url,
                now: state.now(),
            };
            match submit(state, &env, scope, name, &body, Mode::Create) {
                Ok(submitted) => {
                    let wire = Render::new(state).request(&submitted.request);
                    let created = submitted.effect == Some(Effect::Created);
                    (
                        ArmReply::json(StatusCode::CREATED, &wire).with_effect(submitted.effect),
                        created,
                    )
                }
                Err(reply) => (reply, false),
            }
        })
        .await;
    reply.with_request_name(name)
}

/// `POST .../roleAssignmentScheduleRequests/{name}/validate`: every check of a PUT, nothing
/// created. A request that would need approval reports `PendingEvaluation`.
pub(crate) fn validate(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let body = match parse_schedule_request(ctx.body) {
        Ok(body) => body,
        Err(reply) => return reply.with_request_name(name),
    };
    let mut state = ctx.shared.state();
    let env = Env {
        caller: &ctx.caller,
        url: &ctx.shared.url,
        now: state.now(),
    };
    let reply = match submit(&mut state, &env, scope, name, &body, Mode::Validate) {
        Ok(submitted) => ArmReply::json(
            StatusCode::OK,
            &Render::new(&state).request(&submitted.request),
        ),
        Err(reply) => reply,
    };
    reply.with_request_name(name)
}

fn request_not_found(name: &str, scope: &Scope) -> ArmReply {
    not_found(
        "RoleAssignmentScheduleRequestNotFound",
        &format!(
            "The role assignment schedule request '{name}' could not be found at scope '{}'.",
            scope.canonical()
        ),
    )
}

fn find_request(state: &SimState, scope: &Scope, name: &str) -> Option<usize> {
    state.requests.iter().position(|r| {
        !r.eligibility
            && eq_ci(&r.name, name)
            && (*scope == Scope::Root || eq_ci(&r.scope, &scope.canonical()))
    })
}

fn may_read(state: &SimState, request: &ScheduleRequest, caller: &str) -> bool {
    if eq_ci(&request.requestor_id, caller) || eq_ci(&request.principal_id, caller) {
        return true;
    }
    let scope = super::wire::stored_scope(&request.scope);
    policy::effective(state, &request.role_guid, &scope)
        .rules
        .is_approver(caller, &state.directory)
}

/// `GET .../roleAssignmentScheduleRequests/{name}`
pub(crate) fn get(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let state = ctx.shared.state();
    let reply = match find_request(&state, scope, name).and_then(|i| state.requests.get(i)) {
        None => request_not_found(name, scope),
        Some(request) if !may_read(&state, request, &ctx.caller.oid) => {
            authorization_failed(&ctx.caller.oid, READ_ACTION, &request.id())
        }
        Some(request) => ArmReply::json(StatusCode::OK, &Render::new(&state).request(request)),
    };
    reply.with_request_name(name)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests`
pub(crate) fn list(ctx: &ArmCtx<'_>, scope: &Scope) -> ArmReply {
    let state = ctx.shared.state();
    let directory = &state.directory;
    let selection =
        match Selection::from_filter(ctx.query.filter(), &ctx.caller, directory, REQUEST_FILTERS) {
            Ok(s) => s,
            Err(reply) => return reply,
        };
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let window = ScopeWindow::new(scope, directory, selection.at_or_above);
    let matches: Vec<&ScheduleRequest> = state
        .requests
        .iter()
        .filter(|r| {
            !r.eligibility
                && selection.principal_ok(&r.principal_id)
                && selection.role_ok(&r.role_guid)
                && selection.status_ok(&r.status)
                && selection.requestor_ok(&r.requestor_id)
                && selection.approver.as_deref().is_none_or(|approver| {
                    r.is_pending()
                        && !eq_ci(&r.principal_id, approver)
                        && policy::effective(
                            &state,
                            &r.role_guid,
                            &super::wire::stored_scope(&r.scope),
                        )
                        .rules
                        .is_approver(approver, directory)
                })
                && window.includes(&r.scope)
        })
        .collect();
    let (range, next) = list.window(matches.len());
    let render = Render::new(&state);
    let items: Vec<_> = matches
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|r| render.request(r))
        .collect();
    list_reply(items, next)
}

/// `POST .../roleAssignmentScheduleRequests/{name}/cancel`: 200 without body for a pending
/// request; `RequestCannotBeCancelled` otherwise.
pub(crate) async fn cancel(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let caller = ctx.caller.oid.clone();
    let reply = ctx
        .shared
        .mutate(|state| {
            let Some(request) =
                find_request(state, scope, name).and_then(|i| state.requests.get_mut(i))
            else {
                return (request_not_found(name, scope), false);
            };
            if !eq_ci(&request.requestor_id, &caller) && !eq_ci(&request.principal_id, &caller) {
                return (
                    authorization_failed(&caller, CANCEL_ACTION, &request.id()),
                    false,
                );
            }
            if !request.awaits_decision() {
                return (
                    bad_request(
                        "RequestCannotBeCancelled",
                        "Request is not in cancellable state.",
                    ),
                    false,
                );
            }
            request.status = "Canceled".to_string();
            request.approval_deadline = None;
            (ArmReply::empty(StatusCode::OK), true)
        })
        .await;
    reply.with_request_name(name)
}

fn submit(
    state: &mut SimState,
    env: &Env<'_>,
    scope: &Scope,
    name: &str,
    body: &RequestBody,
    mode: Mode,
) -> ArmResult<Submitted> {
    if parse_guid(name).is_none() {
        return Err(bad_request(
            "InvalidRoleAssignmentScheduleRequestName",
            &format!(
                "The role assignment schedule request name '{name}' is not valid. The name must be a GUID."
            ),
        ));
    }
    let scope_text = scope.canonical();
    if !matches!(
        body.request_type,
        RequestType::SelfActivate
            | RequestType::SelfDeactivate
            | RequestType::SelfExtend
            | RequestType::SelfRenew
    ) {
        return Err(authorization_failed(
            &env.caller.oid,
            WRITE_ACTION,
            &scope_text,
        ));
    }
    let role = role_guid_from_id(&body.role_definition_id)
        .filter(|guid| state.directory.role(guid).is_some())
        .ok_or_else(|| {
            bad_request(
                "RoleDefinitionDoesNotExist",
                &format!(
                    "The specified role definition with ID '{}' does not exist.",
                    body.role_definition_id
                ),
            )
        })?;
    if !eq_ci(&body.principal_id, &env.caller.oid) {
        return Err(authorization_failed(
            &env.caller.oid,
            WRITE_ACTION,
            &scope_text,
        ));
    }
    if mode == Mode::Create
        && let Some(existing) = state.requests.iter().find(|r| eq_ci(&r.name, name))
    {
        let same = eq_ci(&existing.principal_id, &body.principal_id)
            && eq_ci(&existing.role_guid, &role)
            && eq_ci(&existing.scope, &scope_text)
            && existing.request_type == body.request_type;
        return if same {
            Ok(Submitted {
                request: existing.clone(),
                effect: Some(Effect::Replayed),
            })
        } else {
            Err(bad_request(
                "RoleAssignmentScheduleRequestExists",
                &format!(
                    "A role assignment schedule request with name '{name}' already exists with different properties. Use a new GUID for every request."
                ),
            ))
        };
    }
    match body.request_type {
        RequestType::SelfDeactivate => deactivate(state, env, scope, name, &role, body, mode),
        RequestType::SelfExtend | RequestType::SelfRenew => {
            extend_or_renew(state, env, scope, name, &role, body, mode)
        }
        _ => activate(state, env, scope, name, &role, body, mode),
    }
}

fn resolve_schedule(schedule: &ScheduleBody, now: DateTime<Utc>) -> ArmResult<Grant> {
    let start = schedule.start.unwrap_or(now);
    let parsed = schedule
        .duration
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|e| invalid_content(&e))?;
    let kind = schedule.expiration_type.unwrap_or(if parsed.is_some() {
        ExpirationType::AfterDuration
    } else if schedule.end.is_some() {
        ExpirationType::AfterDateTime
    } else {
        ExpirationType::NoExpiration
    });
    let duration = match kind {
        ExpirationType::AfterDuration => parsed,
        ExpirationType::AfterDateTime => schedule.end.map(|end| end - start),
        ExpirationType::NoExpiration => None,
    };
    let end = duration.and_then(|d| start.checked_add_signed(d));
    Ok(Grant {
        start,
        end,
        duration,
    })
}

/// The caller's current eligibility for `role` at `scope` or above (direct preferred, then the
/// one `linked` names).
fn find_eligibility(
    state: &SimState,
    caller: &str,
    role: &str,
    scope: &Scope,
    now: DateTime<Utc>,
    linked: Option<&str>,
) -> Option<Eligibility> {
    let principals = state.directory.principal_and_groups(caller);
    let ancestors = scope.ancestor_keys(&state.directory);
    let candidates: Vec<&Eligibility> = state
        .eligibilities
        .iter()
        .filter(|e| {
            e.is_current(now)
                && eq_ci(&e.role_guid, role)
                && principals.iter().any(|p| eq_ci(p, &e.principal_id))
                && ancestors.contains(&e.scope.to_ascii_lowercase())
        })
        .collect();
    let by_link = linked.and_then(|link| {
        candidates.iter().find(|e| {
            eq_ci(&e.schedule_id(), link) || eq_ci(&e.schedule_name, crate::ids::last_segment(link))
        })
    });
    by_link
        .or_else(|| candidates.iter().find(|e| eq_ci(&e.principal_id, caller)))
        .or_else(|| candidates.first())
        .map(|e| (*e).clone())
}

fn same_target(request: &ScheduleRequest, principal: &str, role: &str, scope: &str) -> bool {
    eq_ci(&request.principal_id, principal)
        && eq_ci(&request.role_guid, role)
        && eq_ci(&request.scope, scope)
}

fn new_request(
    env: &Env<'_>,
    scope: &Scope,
    name: &str,
    role: &str,
    body: &RequestBody,
    grant: &Grant,
) -> ScheduleRequest {
    ScheduleRequest {
        name: name.to_string(),
        scope: scope.canonical(),
        principal_id: env.caller.oid.clone(),
        role_guid: role.to_string(),
        request_type: body.request_type,
        status: STATUS_PROVISIONED.to_string(),
        approval_id: None,
        target_schedule_id: None,
        target_instance_id: None,
        schedule: RequestedSchedule {
            start: grant.start,
            expiration_type: body.schedule.expiration_type.or(
                if body.schedule.duration.is_some() {
                    Some(ExpirationType::AfterDuration)
                } else if body.schedule.end.is_some() {
                    Some(ExpirationType::AfterDateTime)
                } else {
                    None
                },
            ),
            end: body.schedule.end,
            duration: body.schedule.duration.clone(),
        },
        linked_eligibility_schedule_id: body.linked_eligibility.clone(),
        linked_eligibility_instance_id: None,
        justification: body.justification.clone(),
        ticket_number: body.ticket_number.clone(),
        ticket_system: body.ticket_system.clone(),
        condition: body.condition.clone(),
        condition_version: body.condition_version.clone(),
        created_on: env.now,
        requestor_id: env.caller.oid.clone(),
        grant_seconds: grant.duration.map(|d| d.num_seconds()),
        member_type: "Direct".to_string(),
        approval_deadline: None,
        decided_by: None,
        decided_at: None,
        decision_justification: None,
        eligibility: false,
    }
}

fn mark_pending(request: &mut ScheduleRequest, mode: Mode, now: DateTime<Utc>) {
    match mode {
        Mode::Create => {
            request.status = STATUS_PENDING_APPROVAL.to_string();
            request.approval_id = Some(format!(
                "/providers/Microsoft.Authorization/roleAssignmentApprovals/{}",
                new_guid()
            ));
            request.approval_deadline = Some(now + Duration::days(APPROVAL_TIMEOUT_DAYS));
        }
        Mode::Validate => request.status = "PendingEvaluation".to_string(),
    }
}

/// A new activation from `request`, starting at `start`.
fn activation(
    request: &ScheduleRequest,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ActiveAssignment {
    ActiveAssignment {
        schedule_name: request.name.clone(),
        instance_name: new_guid(),
        principal_id: request.principal_id.clone(),
        role_guid: request.role_guid.clone(),
        scope: request.scope.clone(),
        assignment_type: "Activated".to_string(),
        member_type: request.member_type.clone(),
        start,
        end,
        linked_eligibility_schedule_id: request.linked_eligibility_schedule_id.clone(),
        linked_eligibility_instance_id: request.linked_eligibility_instance_id.clone(),
        origin_role_assignment_name: new_guid(),
        created_on: now,
    }
}

fn activate(
    state: &mut SimState,
    env: &Env<'_>,
    scope: &Scope,
    name: &str,
    role: &str,
    body: &RequestBody,
    mode: Mode,
) -> ArmResult<Submitted> {
    let now = env.now;
    let oid = env.caller.oid.as_str();
    let scope_text = scope.canonical();
    if state.assignments.iter().any(|a| {
        eq_ci(&a.principal_id, oid)
            && eq_ci(&a.role_guid, role)
            && eq_ci(&a.scope, &scope_text)
            && a.is_live(now)
    }) {
        return Err(bad_request(
            "RoleAssignmentExists",
            "The Role assignment already exists.",
        ));
    }
    if state.requests.iter().any(|r| {
        r.is_pending() && r.request_type.is_grant() && same_target(r, oid, role, &scope_text)
    }) {
        return Err(bad_request(
            "RoleAssignmentRequestExists",
            "The role assignment request already exists: a request for this role and scope is already pending.",
        ));
    }
    let eligibility = find_eligibility(
        state,
        oid,
        role,
        scope,
        now,
        body.linked_eligibility.as_deref(),
    );
    let rules = policy::effective(state, role, scope).rules;
    let grant = resolve_schedule(&body.schedule, now)?;
    let mut failed = Vec::new();
    if eligibility.is_none() {
        failed.push("EligibilityRule");
    }
    check_rules(
        &rules,
        &body.supplied(),
        env.caller,
        grant.duration,
        &mut failed,
    );
    let Some(eligibility) = eligibility.filter(|_| failed.is_empty()) else {
        return Err(policy_failed(&failed));
    };
    check_acrs(state, env.caller, env.url, &rules)?;
    let mut request = new_request(env, scope, name, role, body, &grant);
    request.member_type = if eq_ci(&eligibility.principal_id, oid) {
        "Direct"
    } else {
        "Group"
    }
    .to_string();
    request.linked_eligibility_schedule_id = Some(eligibility.schedule_id());
    request.linked_eligibility_instance_id = Some(eligibility.instance_id());
    request.target_schedule_id = Some(authz_id(&scope_text, "roleAssignmentSchedules", name));
    if rules.approval_required {
        mark_pending(&mut request, mode, now);
    } else if mode == Mode::Create {
        let assignment = activation(&request, grant.start, grant.end, now);
        request.target_instance_id = Some(assignment.instance_id());
        state.assignments.push(assignment);
    }
    if mode == Mode::Create {
        state.requests.push(request.clone());
        return Ok(Submitted {
            request,
            effect: Some(Effect::Created),
        });
    }
    Ok(Submitted {
        request,
        effect: None,
    })
}

fn current_activation(
    state: &SimState,
    oid: &str,
    role: &str,
    scope: &str,
    now: DateTime<Utc>,
) -> ArmResult<usize> {
    state
        .assignments
        .iter()
        .position(|a| {
            a.is_activated()
                && eq_ci(&a.principal_id, oid)
                && eq_ci(&a.role_guid, role)
                && eq_ci(&a.scope, scope)
                && a.is_current(now)
        })
        .ok_or_else(|| {
            bad_request(
                "RoleAssignmentDoesNotExist",
                "The Role assignment does not exist.",
            )
        })
}

fn deactivate(
    state: &mut SimState,
    env: &Env<'_>,
    scope: &Scope,
    name: &str,
    role: &str,
    body: &RequestBody,
    mode: Mode,
) -> ArmResult<Submitted> {
    let now = env.now;
    let scope_text = scope.canonical();
    let index = current_activation(state, &env.caller.oid, role, &scope_text, now)?;
    let Some(assignment) = state.assignments.get(index).cloned() else {
        return Err(bad_request(
            "RoleAssignmentDoesNotExist",
            "The Role assignment does not exist.",
        ));
    };
    let minimum = state.settings.min_active_minutes_before_deactivate;
    if now - assignment.start < Duration::minutes(minimum) {
        // Wording (including the misspelling) as Microsoft's service reports it.
        return Err(bad_request(
            "ActiveDurationTooShort",
            &format!("The Active duration is too short. Miniumum Required is {minimum} minutes."),
        ));
    }
    let grant = Grant {
        start: now,
        end: None,
        duration: None,
    };
    let mut request = new_request(env, scope, name, role, body, &grant);
    request.status = "Revoked".to_string();
    request.member_type = assignment.member_type.clone();
    request.target_schedule_id = Some(assignment.schedule_id());
    request.target_instance_id = Some(assignment.instance_id());
    request.linked_eligibility_schedule_id = assignment.linked_eligibility_schedule_id.clone();
    if mode == Mode::Create {
        state.assignments.remove(index);
        state.requests.push(request.clone());
        return Ok(Submitted {
            request,
            effect: Some(Effect::Created),
        });
    }
    Ok(Submitted {
        request,
        effect: None,
    })
}

/// `SelfExtend` / `SelfRenew`: a user's request that an administrator extend their time-bound
/// assignment ending within [`EXTEND_WINDOW_DAYS`] days, or renew one that has ended. Never for an
/// activation (its principal deactivates and activates instead). The request waits for an
/// administrator (`PendingAdminDecision`; the control API decides). The simulator keeps no
/// assignment after its end, so a renewal finds nothing to renew and is refused.
fn extend_or_renew(
    state: &mut SimState,
    env: &Env<'_>,
    scope: &Scope,
    name: &str,
    role: &str,
    body: &RequestBody,
    mode: Mode,
) -> ArmResult<Submitted> {
    let now = env.now;
    let oid = env.caller.oid.as_str();
    let scope_text = scope.canonical();
    let renew = body.request_type == RequestType::SelfRenew;
    let mine: Vec<&ActiveAssignment> = state
        .assignments
        .iter()
        .filter(|a| {
            eq_ci(&a.principal_id, oid)
                && eq_ci(&a.role_guid, role)
                && eq_ci(&a.scope, &scope_text)
                && a.is_live(now)
        })
        .collect();
    if renew {
        if !mine.is_empty() {
            return Err(bad_request(
                "RoleAssignmentExists",
                "The Role assignment already exists: only an expired assignment can be renewed.",
            ));
        }
        let Some(ended) = state
            .ended_assignments
            .iter()
            .find(|a| {
                eq_ci(&a.principal_id, oid)
                    && eq_ci(&a.role_guid, role)
                    && eq_ci(&a.scope, &scope_text)
            })
            .cloned()
        else {
            return Err(bad_request(
                "RoleAssignmentDoesNotExist",
                "The Role assignment does not exist: there is no time-bound assignment of this role at this scope that ended within the last 14 days to renew.",
            ));
        };
        return more_time_request(
            state,
            env,
            scope,
            name,
            role,
            body,
            mode,
            (
                ended.schedule_id(),
                ended.instance_id(),
                ended.member_type.clone(),
            ),
            false,
        );
    }
    let Some(assignment) = mine
        .iter()
        .find(|a| !a.is_activated() && a.end.is_some())
        .map(|a| (*a).clone())
    else {
        return Err(bad_request(
            "RoleAssignmentDoesNotExist",
            "The Role assignment does not exist: there is no time-bound assignment of this role at this scope to extend (an activation cannot be extended).",
        ));
    };
    if assignment
        .end
        .is_some_and(|end| end - now > Duration::days(EXTEND_WINDOW_DAYS))
    {
        return Err(policy_failed(&["ExpirationRule"]));
    }
    more_time_request(
        state,
        env,
        scope,
        name,
        role,
        body,
        mode,
        (
            assignment.schedule_id(),
            assignment.instance_id(),
            assignment.member_type.clone(),
        ),
        false,
    )
}

/// The common end of a request for more time (assignment or eligibility, extend or renew) once
/// its target is found: a justification, no other such request waiting, then
/// `PendingAdminDecision`. `target` is the schedule id, instance id and member type.
#[allow(clippy::too_many_arguments)]
pub(super) fn more_time_request(
    state: &mut SimState,
    env: &Env<'_>,
    scope: &Scope,
    name: &str,
    role: &str,
    body: &RequestBody,
    mode: Mode,
    target: (String, String, String),
    eligibility: bool,
) -> ArmResult<Submitted> {
    let oid = env.caller.oid.as_str();
    let scope_text = scope.canonical();
    if body
        .justification
        .as_deref()
        .is_none_or(|j| j.trim().is_empty())
    {
        return Err(policy_failed(&["JustificationRule"]));
    }
    if state.requests.iter().any(|r| {
        r.eligibility == eligibility
            && r.awaits_decision()
            && matches!(
                r.request_type,
                RequestType::SelfExtend | RequestType::SelfRenew
            )
            && same_target(r, oid, role, &scope_text)
    }) {
        return Err(bad_request(
            "RoleAssignmentRequestExists",
            "The role assignment request already exists: a request for this role and scope is already pending.",
        ));
    }
    let schedule = ScheduleBody {
        start: None,
        ..body.schedule.clone()
    };
    let grant = resolve_schedule(&schedule, env.now)?;
    if grant.duration.is_none_or(|d| d <= Duration::zero()) {
        return Err(policy_failed(&["ExpirationRule"]));
    }
    let mut request = new_request(env, scope, name, role, body, &grant);
    let (schedule_id, instance_id, member_type) = target;
    request.member_type = member_type;
    request.target_schedule_id = Some(schedule_id);
    request.target_instance_id = Some(instance_id);
    request.eligibility = eligibility;
    match mode {
        Mode::Create => {
            request.status = STATUS_PENDING_ADMIN_DECISION.to_string();
            state.requests.push(request.clone());
            Ok(Submitted {
                request,
                effect: Some(Effect::Created),
            })
        }
        Mode::Validate => {
            request.status = "PendingEvaluation".to_string();
            Ok(Submitted {
                request,
                effect: None,
            })
        }
    }
}

/// Why an approval decision could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecisionError {
    /// No request with that name.
    NotFound,
    /// The request is not awaiting approval (its status).
    NotPending(String),
}

/// Approves or denies a pending request. Approval grants from now for the requested length.
pub(crate) fn decide(
    state: &mut SimState,
    name: &str,
    approve: bool,
) -> Result<ScheduleRequest, DecisionError> {
    let now = state.now();
    let index = state
        .requests
        .iter()
        .position(|r| eq_ci(&r.name, name))
        .ok_or(DecisionError::NotFound)?;
    let request = state
        .requests
        .get(index)
        .cloned()
        .ok_or(DecisionError::NotFound)?;
    if !request.awaits_decision() {
        return Err(DecisionError::NotPending(request.status));
    }
    let mut decided = request;
    decided.approval_deadline = None;
    if !approve {
        decided.status = "Denied".to_string();
    } else {
        let end = decided
            .grant_seconds
            .and_then(|s| now.checked_add_signed(Duration::seconds(s)));
        if decided.eligibility || decided.request_type == RequestType::SelfRenew {
            decided.status =
                if super::eligibility_requests::grant_more_time(state, &decided, now, end) {
                    STATUS_PROVISIONED.to_string()
                } else {
                    "Failed".to_string()
                };
        } else if decided.request_type == RequestType::SelfExtend {
            let target = decided.target_instance_id.clone().unwrap_or_default();
            match state
                .assignments
                .iter_mut()
                .find(|a| eq_ci(&a.instance_id(), &target) && a.is_current(now))
            {
                Some(assignment) => {
                    assignment.end = end;
                    decided.status = STATUS_PROVISIONED.to_string();
                }
                None => decided.status = "Failed".to_string(),
            }
        } else {
            let existing = state.assignments.iter().find(|a| {
                eq_ci(&a.principal_id, &decided.principal_id)
                    && eq_ci(&a.role_guid, &decided.role_guid)
                    && eq_ci(&a.scope, &decided.scope)
                    && a.is_live(now)
            });
            match existing {
                Some(assignment) => decided.target_instance_id = Some(assignment.instance_id()),
                None => {
                    let assignment = activation(&decided, now, end, now);
                    decided.target_instance_id = Some(assignment.instance_id());
                    state.assignments.push(assignment);
                }
            }
            decided.status = STATUS_PROVISIONED.to_string();
        }
    }
    if let Some(slot) = state.requests.get_mut(index) {
        *slot = decided.clone();
    }
    Ok(decided)
}
