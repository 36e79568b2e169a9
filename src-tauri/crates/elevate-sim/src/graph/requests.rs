//! Schedule requests of Entra roles (`roleAssignmentScheduleRequests`) and PIM for Groups
//! (`assignmentScheduleRequests`): `selfActivate`, `selfDeactivate`, `selfExtend`, `selfRenew`
//! with the policy checks PIM applies, GET, `filterByCurrentUser` and `cancel`.
//!
//! Graph names a new request itself (a new GUID per POST), so a POST that is sent again after a
//! lost answer is a second POST; it is refused as `RoleAssignmentExists` (the first one was
//! granted) or `RoleAssignmentRequestExists` (it is pending), never carried out twice.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::odata::{Expand, Filter, list_reply, page};
use super::render::Render;
use super::routes::Family;
use super::{GraphCtx, bad_request, denied, error, family_of};
use crate::arm::reply::ArmReply as Reply;
use crate::checks::{Supplied, check_acrs, check_rules, policy_failed};
use crate::clock::parse_time;
use crate::duration::parse_duration;
use crate::entra::{
    self, Action, Request, STATUS_GRANTED, STATUS_PENDING_APPROVAL, STATUS_PROVISIONED, Target,
};
use crate::ids::{eq_ci, new_guid};
use crate::log::Effect;
use crate::policy::APPROVAL_TIMEOUT_DAYS;
use crate::state::{EXTEND_WINDOW_DAYS, ExpirationType, STATUS_PENDING_ADMIN_DECISION, SimState};
use crate::token::Caller;

/// A request body, read with member names matched case-insensitively.
#[derive(Debug, Clone)]
pub(super) struct Body {
    pub(super) action: Action,
    pub(super) principal_id: String,
    pub(super) target: Target,
    pub(super) justification: Option<String>,
    pub(super) ticket_number: Option<String>,
    pub(super) ticket_system: Option<String>,
    pub(super) start: Option<DateTime<Utc>>,
    pub(super) expiration_type: Option<ExpirationType>,
    pub(super) duration: Option<String>,
    pub(super) end: Option<DateTime<Utc>>,
    pub(super) validation_only: bool,
}

impl Body {
    fn supplied(&self) -> Supplied<'_> {
        Supplied {
            justification: &self.justification,
            ticket_number: &self.ticket_number,
            ticket_system: &self.ticket_system,
        }
    }
}

fn lowercase_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), lowercase_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

fn required(value: &Value, key: &str, name: &str) -> Result<String, Reply> {
    text(value, key)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| bad_request("BadRequest", &format!("The property '{name}' is required.")))
}

pub(super) fn parse_body(bytes: &[u8], family: Family) -> Result<Body, Reply> {
    let raw: Value = serde_json::from_slice(bytes).map_err(|_| {
        bad_request("BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
    })?;
    let v = lowercase_keys(raw);
    if !v.is_object() {
        return Err(bad_request(
            "BadRequest",
            "The request body must be a JSON object.",
        ));
    }
    let action_text = required(&v, "action", "action")?;
    let action = Action::parse(&action_text)
        .filter(|a| family == Family::Directory || a.is_group_action())
        .ok_or_else(|| {
            bad_request(
                "BadRequest",
                &format!("The value '{action_text}' is not valid for the property 'action'."),
            )
        })?;
    let principal_id = required(&v, "principalid", "principalId")?;
    let target = match family {
        Family::Directory => {
            let role_id = required(&v, "roledefinitionid", "roleDefinitionId")?;
            let scope_id = text(&v, "directoryscopeid")
                .or_else(|| text(&v, "appscopeid"))
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    bad_request(
                        "BadRequest",
                        "Either directoryScopeId or appScopeId is required.",
                    )
                })?;
            Target::Directory { role_id, scope_id }
        }
        Family::Groups => {
            let group_id = required(&v, "groupid", "groupId")?;
            let access = required(&v, "accessid", "accessId")?;
            let access_id = ["member", "owner"]
                .into_iter()
                .find(|a| eq_ci(a, access.trim()))
                .ok_or_else(|| {
                    bad_request(
                        "BadRequest",
                        &format!("The value '{access}' is not valid for the property 'accessId'."),
                    )
                })?;
            Target::Group {
                group_id,
                access_id: access_id.to_string(),
            }
        }
    };
    let schedule = v.get("scheduleinfo").filter(|s| !s.is_null());
    let time = |value: Option<&Value>, name: &str| -> Result<Option<DateTime<Utc>>, Reply> {
        match value.and_then(Value::as_str) {
            None => Ok(None),
            Some(t) => parse_time(t).map(Some).ok_or_else(|| {
                bad_request(
                    "BadRequest",
                    &format!("The value '{t}' of '{name}' is not a valid date and time."),
                )
            }),
        }
    };
    let start = time(
        schedule.and_then(|s| s.get("startdatetime")),
        "startDateTime",
    )?;
    let expiration = schedule
        .and_then(|s| s.get("expiration"))
        .filter(|e| !e.is_null());
    let expiration_type = match expiration.and_then(|e| text(e, "type")) {
        None => None,
        Some(t) => Some(ExpirationType::parse(&t).ok_or_else(|| {
            bad_request(
                "BadRequest",
                &format!("The value '{t}' is not valid for the property 'type'."),
            )
        })?),
    };
    let duration = expiration.and_then(|e| text(e, "duration"));
    if let Some(d) = &duration {
        parse_duration(d).map_err(|e| {
            bad_request(
                "BadRequest",
                &format!("The duration '{d}' is not valid: {e}."),
            )
        })?;
    }
    let end = time(expiration.and_then(|e| e.get("enddatetime")), "endDateTime")?;
    let ticket = v.get("ticketinfo");
    Ok(Body {
        action,
        principal_id,
        target,
        justification: text(&v, "justification"),
        ticket_number: ticket.and_then(|t| text(t, "ticketnumber")),
        ticket_system: ticket.and_then(|t| text(t, "ticketsystem")),
        start,
        expiration_type,
        duration,
        end,
        validation_only: v
            .get("isvalidationonly")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

fn entity_context(ctx: &GraphCtx<'_>, family: Family) -> String {
    ctx.context(match family {
        Family::Directory => "roleManagement/directory/roleAssignmentScheduleRequests/$entity",
        Family::Groups => {
            "identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity"
        }
    })
}

pub(super) fn with_context(context: String, value: Value) -> Value {
    let mut ordered = serde_json::Map::new();
    ordered.insert("@odata.context".into(), json!(context));
    if let Value::Object(map) = value {
        ordered.extend(map);
    }
    Value::Object(ordered)
}

/// `POST …/roleAssignmentScheduleRequests` or `…/assignmentScheduleRequests`: 201 with the request.
pub(crate) async fn create(ctx: &GraphCtx<'_>, family: Family) -> Reply {
    let body = match parse_body(ctx.body, family) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let caller = ctx.caller.clone();
    let url = ctx.shared.url.clone();
    let context = entity_context(ctx, family);
    ctx.shared
        .mutate(|state| match submit(state, &caller, &url, &body) {
            Ok(request) => {
                let wire = with_context(
                    context,
                    Render::new(state, &Expand::default()).request(&request),
                );
                let mut wire = wire;
                if body.validation_only {
                    wire["isValidationOnly"] = json!(true);
                }
                let created = !body.validation_only;
                let reply = Reply::json(StatusCode::CREATED, &wire)
                    .with_effect(created.then_some(Effect::Created))
                    .with_request_name(&request.id);
                (reply, created)
            }
            Err(reply) => (reply, false),
        })
        .await
}

/// Effective start, and the length asked for (none = no end).
fn schedule(body: &Body, now: DateTime<Utc>) -> (DateTime<Utc>, Option<Duration>) {
    let start = body.start.filter(|s| *s > now).unwrap_or(now);
    let kind = body.expiration_type.unwrap_or(if body.duration.is_some() {
        ExpirationType::AfterDuration
    } else if body.end.is_some() {
        ExpirationType::AfterDateTime
    } else {
        ExpirationType::NoExpiration
    });
    let duration = match kind {
        ExpirationType::AfterDuration => body
            .duration
            .as_deref()
            .and_then(|d| parse_duration(d).ok()),
        ExpirationType::AfterDateTime => body.end.map(|end| end - start),
        ExpirationType::NoExpiration => None,
    };
    (start, duration)
}

pub(super) fn new_request(
    body: &Body,
    caller: &Caller,
    now: DateTime<Utc>,
    start: Option<DateTime<Utc>>,
    duration: Option<Duration>,
) -> Request {
    let id = new_guid();
    let target_schedule_id = match &body.target {
        Target::Directory { .. } => id.clone(),
        Target::Group {
            group_id,
            access_id,
        } => format!("{group_id}_{access_id}_{id}"),
    };
    Request {
        id,
        target: body.target.clone(),
        action: body.action,
        status: STATUS_PROVISIONED.to_string(),
        principal_id: body.principal_id.clone(),
        requestor_id: caller.oid.clone(),
        created: now,
        completed: Some(now),
        approval_id: None,
        justification: body.justification.clone(),
        ticket_number: body.ticket_number.clone(),
        ticket_system: body.ticket_system.clone(),
        start,
        expiration_type: body.expiration_type.or(if body.duration.is_some() {
            Some(ExpirationType::AfterDuration)
        } else if body.end.is_some() {
            Some(ExpirationType::AfterDateTime)
        } else {
            None
        }),
        duration: body.duration.clone(),
        end: body.end,
        target_schedule_id: Some(target_schedule_id),
        grant_seconds: duration.map(|d| d.num_seconds()),
        member_type: "Direct".to_string(),
        approval_deadline: None,
        decision_justification: None,
        decided_by: None,
        eligibility: false,
    }
}

fn mark_pending(request: &mut Request, now: DateTime<Utc>) {
    request.status = STATUS_PENDING_APPROVAL.to_string();
    request.approval_id = Some(request.id.clone());
    request.completed = None;
    request.approval_deadline = Some(now + Duration::days(APPROVAL_TIMEOUT_DAYS));
}

fn submit(state: &mut SimState, caller: &Caller, url: &str, body: &Body) -> Result<Request, Reply> {
    if !eq_ci(&body.principal_id, &caller.oid) {
        return Err(denied());
    }
    match body.action {
        Action::SelfActivate => activate(state, caller, url, body),
        Action::SelfDeactivate => deactivate(state, caller, body),
        Action::SelfExtend | Action::SelfRenew => extend_or_renew(state, caller, body),
        _ => Err(denied()),
    }
}

fn exists() -> Reply {
    bad_request(
        "RoleAssignmentExists",
        "The Role assignment already exists.",
    )
}

fn request_exists() -> Reply {
    bad_request(
        "RoleAssignmentRequestExists",
        "The Role assignment request already exists: a request for this role and scope is pending.",
    )
}

fn activate(
    state: &mut SimState,
    caller: &Caller,
    url: &str,
    body: &Body,
) -> Result<Request, Reply> {
    let now = state.now();
    let oid = caller.oid.as_str();
    let entra = &state.entra;
    if entra
        .assignments
        .iter()
        .any(|a| a.target.same(&body.target) && eq_ci(&a.principal_id, oid) && a.is_live(now))
    {
        return Err(exists());
    }
    if entra.requests.iter().any(|r| {
        r.is_pending()
            && r.action.is_grant()
            && r.target.same(&body.target)
            && eq_ci(&r.principal_id, oid)
    }) {
        return Err(request_exists());
    }
    let principals = state.directory.principal_and_groups(oid);
    let eligibility = entra
        .eligibilities
        .iter()
        .filter(|e| {
            e.is_current(now)
                && e.target.same(&body.target)
                && principals.iter().any(|p| eq_ci(p, &e.principal_id))
        })
        .min_by_key(|e| !eq_ci(&e.principal_id, oid))
        .cloned();
    let rules = entra
        .policy_for(&state.directory.tenant_id, &body.target)
        .rules;
    let (start, duration) = schedule(body, now);
    let mut failed = Vec::new();
    if eligibility.is_none() {
        failed.push("EligibilityRule");
    }
    check_rules(&rules, &body.supplied(), caller, duration, &mut failed);
    let Some(eligibility) = eligibility.filter(|_| failed.is_empty()) else {
        return Err(policy_failed(&failed));
    };
    check_acrs(state, caller, url, &rules)?;
    let mut request = new_request(body, caller, now, Some(body.start.unwrap_or(now)), duration);
    request.member_type = if eq_ci(&eligibility.principal_id, oid) {
        "Direct"
    } else {
        "Group"
    }
    .to_string();
    if body.validation_only {
        if rules.approval_required {
            request.status = "PendingEvaluation".to_string();
        }
        return Ok(request);
    }
    if rules.approval_required {
        mark_pending(&mut request, now);
    } else {
        if !request.target.is_group() {
            request.status = STATUS_GRANTED.to_string();
        }
        let end = duration.and_then(|d| start.checked_add_signed(d));
        let assignment = entra::activation(&request, start, end, now);
        state.entra.assignments.push(assignment);
    }
    state.entra.requests.push(request.clone());
    entra::sync_memberships(state);
    Ok(request)
}

fn current_activation(
    state: &SimState,
    oid: &str,
    target: &Target,
    now: DateTime<Utc>,
) -> Result<usize, Reply> {
    state
        .entra
        .assignments
        .iter()
        .position(|a| {
            a.is_activated()
                && a.target.same(target)
                && eq_ci(&a.principal_id, oid)
                && a.is_current(now)
        })
        .ok_or_else(|| {
            bad_request(
                "RoleAssignmentDoesNotExist",
                "The Role assignment does not exist.",
            )
        })
}

fn deactivate(state: &mut SimState, caller: &Caller, body: &Body) -> Result<Request, Reply> {
    let now = state.now();
    let index = current_activation(state, &caller.oid, &body.target, now)?;
    let Some(assignment) = state.entra.assignments.get(index).cloned() else {
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
    let mut request = new_request(body, caller, now, None, None);
    request.status = "Revoked".to_string();
    request.member_type = assignment.member_type.clone();
    request.target_schedule_id = Some(assignment.schedule_id.clone());
    if body.validation_only {
        return Ok(request);
    }
    state.entra.assignments.remove(index);
    state.entra.requests.push(request.clone());
    entra::sync_memberships(state);
    Ok(request)
}

/// `selfExtend` / `selfRenew` (Entra roles only): a user's request that an administrator extend
/// their time-bound assignment ending within [`EXTEND_WINDOW_DAYS`] days, or renew an expired one.
/// Never for an activation. It waits for an administrator (`PendingAdminDecision`; the control
/// API decides). The simulator keeps no assignment after its end, so a renewal is refused.
fn extend_or_renew(state: &mut SimState, caller: &Caller, body: &Body) -> Result<Request, Reply> {
    let now = state.now();
    let oid = caller.oid.as_str();
    let mine: Vec<&entra::Schedule> = state
        .entra
        .assignments
        .iter()
        .filter(|a| a.target.same(&body.target) && eq_ci(&a.principal_id, oid) && a.is_live(now))
        .collect();
    if body.action == Action::SelfRenew {
        return Err(if mine.is_empty() {
            bad_request(
                "RoleAssignmentDoesNotExist",
                "The Role assignment does not exist: there is no expired time-bound assignment of this role to renew.",
            )
        } else {
            exists()
        });
    }
    let Some(assignment) = mine
        .iter()
        .find(|a| !a.is_activated() && a.end.is_some())
        .map(|a| (*a).clone())
    else {
        return Err(bad_request(
            "RoleAssignmentDoesNotExist",
            "The Role assignment does not exist: there is no time-bound assignment of this role to extend (an activation cannot be extended).",
        ));
    };
    if assignment
        .end
        .is_some_and(|end| end - now > Duration::days(EXTEND_WINDOW_DAYS))
    {
        return Err(policy_failed(&["ExpirationRule"]));
    }
    if body
        .justification
        .as_deref()
        .is_none_or(|j| j.trim().is_empty())
    {
        return Err(policy_failed(&["JustificationRule"]));
    }
    if state.entra.requests.iter().any(|r| {
        r.awaits_decision()
            && matches!(r.action, Action::SelfExtend | Action::SelfRenew)
            && r.target.same(&body.target)
            && eq_ci(&r.principal_id, oid)
    }) {
        return Err(request_exists());
    }
    let no_start = Body {
        start: None,
        ..body.clone()
    };
    let (_, duration) = schedule(&no_start, now);
    let mut request = new_request(body, caller, now, Some(now), duration);
    request.member_type = assignment.member_type.clone();
    request.target_schedule_id = Some(assignment.schedule_id.clone());
    request.completed = None;
    if body.validation_only {
        request.status = "PendingEvaluation".to_string();
        return Ok(request);
    }
    request.status = STATUS_PENDING_ADMIN_DECISION.to_string();
    state.entra.requests.push(request.clone());
    Ok(request)
}

pub(super) fn may_read(state: &SimState, request: &Request, caller: &str) -> bool {
    eq_ci(&request.requestor_id, caller)
        || eq_ci(&request.principal_id, caller)
        || is_approver(state, request, caller)
}

fn is_approver(state: &SimState, request: &Request, caller: &str) -> bool {
    state
        .entra
        .policy_for(&state.directory.tenant_id, &request.target)
        .rules
        .is_approver(caller, &state.directory)
}

fn not_found(id: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The schedule request '{id}' was not found."),
    )
}

fn find(state: &SimState, family: Family, id: &str) -> Option<usize> {
    state
        .entra
        .requests
        .iter()
        .position(|r| !r.eligibility && eq_ci(&r.id, id) && family_of(&r.target) == family)
}

/// `GET …/{id}`.
pub(crate) fn get(ctx: &GraphCtx<'_>, family: Family, id: &str) -> Reply {
    let expand = match Expand::parse(ctx, expandable(family), entity(family)) {
        Ok(e) => e,
        Err(reply) => return reply,
    };
    let state = ctx.shared.state();
    let reply = match find(&state, family, id).and_then(|i| state.entra.requests.get(i)) {
        None => not_found(id),
        Some(request) if !may_read(&state, request, &ctx.caller.oid) => denied(),
        Some(request) => Reply::json(
            StatusCode::OK,
            &with_context(
                entity_context(ctx, family),
                Render::new(&state, &expand).request(request),
            ),
        ),
    };
    reply.with_request_name(id)
}

fn expandable(family: Family) -> &'static [&'static str] {
    match family {
        Family::Directory => &["roleDefinition", "directoryScope", "appScope", "principal"],
        Family::Groups => &["group", "principal"],
    }
}

fn entity(family: Family) -> &'static str {
    match family {
        Family::Directory => "unifiedRoleAssignmentScheduleRequest",
        Family::Groups => "privilegedAccessGroupAssignmentScheduleRequest",
    }
}

/// `GET …/filterByCurrentUser(on='principal'|'approver')`: the caller's own requests, or the
/// pending requests the caller may decide.
pub(crate) fn list_mine(ctx: &GraphCtx<'_>, family: Family, on: &str) -> Reply {
    match build_mine(ctx, family, on) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn build_mine(ctx: &GraphCtx<'_>, family: Family, on: &str) -> Result<Reply, Reply> {
    let approver = if eq_ci(on, "principal") {
        false
    } else if eq_ci(on, "approver") {
        true
    } else {
        return Err(bad_request(
            "BadRequest",
            &format!("The value '{on}' is not valid for the parameter 'on'."),
        ));
    };
    let expand = Expand::parse(ctx, expandable(family), entity(family))?;
    let filter = Filter::parse(
        ctx,
        &[
            "status",
            "action",
            "principalId",
            "roleDefinitionId",
            "directoryScopeId",
            "groupId",
            "accessId",
        ],
    )?;
    let state = ctx.shared.state();
    let caller = ctx.caller.oid.as_str();
    let matches: Vec<&Request> = state
        .entra
        .requests
        .iter()
        .filter(|r| {
            !r.eligibility
                && family_of(&r.target) == family
                && if approver {
                    r.is_pending()
                        && !eq_ci(&r.principal_id, caller)
                        && is_approver(&state, r, caller)
                } else {
                    eq_ci(&r.principal_id, caller)
                }
                && filter.accepts("status", &r.status)
                && filter.accepts("action", r.action.as_str())
                && filter.accepts("principalId", &r.principal_id)
                && match &r.target {
                    Target::Directory { role_id, scope_id } => {
                        filter.accepts("roleDefinitionId", role_id)
                            && filter.accepts("directoryScopeId", scope_id)
                    }
                    Target::Group {
                        group_id,
                        access_id,
                    } => {
                        filter.accepts("groupId", group_id) && filter.accepts("accessId", access_id)
                    }
                }
        })
        .collect();
    let (range, next) = page(ctx, matches.len(), state.settings.page_size)?;
    let render = Render::new(&state, &expand);
    let items = matches
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|r| render.request(r))
        .collect();
    Ok(list_reply(
        ctx.context(&format!("Collection({})", entity(family))),
        items,
        next,
    ))
}

/// `POST …/{id}/cancel`: 204 for a pending request of the caller's.
pub(crate) async fn cancel(ctx: &GraphCtx<'_>, family: Family, id: &str) -> Reply {
    let caller = ctx.caller.oid.clone();
    let reply = ctx
        .shared
        .mutate(|state| {
            let now = state.now();
            let Some(request) =
                find(state, family, id).and_then(|i| state.entra.requests.get_mut(i))
            else {
                return (not_found(id), false);
            };
            if !eq_ci(&request.requestor_id, &caller) && !eq_ci(&request.principal_id, &caller) {
                return (denied(), false);
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
            request.completed = Some(now);
            request.approval_deadline = None;
            (Reply::empty(StatusCode::NO_CONTENT), true)
        })
        .await;
    reply.with_request_name(id)
}
