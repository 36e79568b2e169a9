//! `roleEligibilityScheduleRequests`: a user's requests to extend (`SelfExtend`) a time-bound
//! eligibility within 14 days of its end, or renew (`SelfRenew`) one that ended within the last 14
//! days, decided by an administrator (`PendingAdminDecision`; the control API decides). Every
//! other `requestType` is an administrator's (`Admin*`: 403) or not one an eligibility takes
//! (`SelfActivate`/`SelfDeactivate`: 400). GET of one request by name.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};

use super::ArmCtx;
use super::body::parse_schedule_request;
use super::reply::{ArmReply, authorization_failed, bad_request, not_found};
use super::requests::{Env, Mode, more_time_request};
use super::wire::Render;
use crate::checks::policy_failed;
use crate::ids::{eq_ci, new_guid, parse_guid, role_guid_from_id};
use crate::log::Effect;
use crate::scope::Scope;
use crate::state::{EXTEND_WINDOW_DAYS, Eligibility, RequestType, ScheduleRequest, SimState};

const WRITE_ACTION: &str = "Microsoft.Authorization/roleEligibilityScheduleRequests/write";
const READ_ACTION: &str = "Microsoft.Authorization/roleEligibilityScheduleRequests/read";

/// `PUT {scope}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/{name}`
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
            match submit(state, &env, scope, name, &body) {
                Ok((request, effect)) => {
                    let wire = eligibility_request(&Render::new(state), &request);
                    let created = effect == Some(Effect::Created);
                    (
                        ArmReply::json(StatusCode::CREATED, &wire).with_effect(effect),
                        created,
                    )
                }
                Err(reply) => (reply, false),
            }
        })
        .await;
    reply.with_request_name(name)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/{name}`
pub(crate) fn get(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let state = ctx.shared.state();
    let found = state.requests.iter().find(|r| {
        r.eligibility
            && eq_ci(&r.name, name)
            && (*scope == Scope::Root || eq_ci(&r.scope, &scope.canonical()))
    });
    let reply = match found {
        None => not_found(
            "RoleEligibilityScheduleRequestNotFound",
            &format!(
                "The role eligibility schedule request '{name}' could not be found at scope '{}'.",
                scope.canonical()
            ),
        ),
        Some(r)
            if !eq_ci(&r.requestor_id, &ctx.caller.oid)
                && !eq_ci(&r.principal_id, &ctx.caller.oid) =>
        {
            authorization_failed(&ctx.caller.oid, READ_ACTION, &r.id())
        }
        Some(r) => ArmReply::json(
            StatusCode::OK,
            &eligibility_request(&Render::new(&state), r),
        ),
    };
    reply.with_request_name(name)
}

fn submit(
    state: &mut SimState,
    env: &Env<'_>,
    scope: &Scope,
    name: &str,
    body: &super::body::RequestBody,
) -> Result<(ScheduleRequest, Option<Effect>), ArmReply> {
    if parse_guid(name).is_none() {
        return Err(bad_request(
            "InvalidRoleEligibilityScheduleRequestName",
            &format!(
                "The role eligibility schedule request name '{name}' is not valid. The name must be a GUID."
            ),
        ));
    }
    let scope_text = scope.canonical();
    match body.request_type {
        RequestType::SelfExtend | RequestType::SelfRenew => {}
        RequestType::SelfActivate | RequestType::SelfDeactivate => {
            return Err(bad_request(
                "InvalidRequestType",
                "An eligibility is not activated or deactivated: a user may only ask to extend (SelfExtend) or renew (SelfRenew) their own eligibility.",
            ));
        }
        _ => {
            return Err(authorization_failed(
                &env.caller.oid,
                WRITE_ACTION,
                &scope_text,
            ));
        }
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
    let oid = env.caller.oid.clone();
    if !eq_ci(&body.principal_id, &oid) {
        return Err(authorization_failed(&oid, WRITE_ACTION, &scope_text));
    }
    if let Some(existing) = state.requests.iter().find(|r| eq_ci(&r.name, name)) {
        let same = existing.eligibility
            && eq_ci(&existing.principal_id, &oid)
            && eq_ci(&existing.role_guid, &role)
            && eq_ci(&existing.scope, &scope_text)
            && existing.request_type == body.request_type;
        return if same {
            Ok((existing.clone(), Some(Effect::Replayed)))
        } else {
            Err(bad_request(
                "RoleEligibilityScheduleRequestExists",
                &format!(
                    "A role eligibility schedule request with name '{name}' already exists with different properties. Use a new GUID for every request."
                ),
            ))
        };
    }
    let now = env.now;
    let mine = |e: &&Eligibility| {
        eq_ci(&e.principal_id, &oid) && eq_ci(&e.role_guid, &role) && eq_ci(&e.scope, &scope_text)
    };
    let current = state
        .eligibilities
        .iter()
        .find(|e| mine(e) && e.is_current(now))
        .cloned();
    let target = if body.request_type == RequestType::SelfRenew {
        if current.is_some() {
            return Err(bad_request(
                "RoleEligibilityScheduleExists",
                "The role eligibility schedule exists: only an expired eligibility can be renewed (ask to extend it instead).",
            ));
        }
        state.ended_eligibilities.iter().find(|e| mine(e)).cloned().ok_or_else(|| {
            bad_request(
                "RoleEligibilityScheduleDoesNotExist",
                "The role eligibility schedule does not exist: there is no eligibility of this role at this scope that ended within the last 14 days to renew.",
            )
        })?
    } else {
        let current = current.filter(|e| e.end.is_some()).ok_or_else(|| {
            bad_request(
                "RoleEligibilityScheduleDoesNotExist",
                "The role eligibility schedule does not exist: there is no time-bound eligibility of yours for this role at exactly this scope to extend.",
            )
        })?;
        if current
            .end
            .is_some_and(|end| end - now > Duration::days(EXTEND_WINDOW_DAYS))
        {
            return Err(policy_failed(&["ExpirationRule"]));
        }
        current
    };
    let target = (
        target.schedule_id(),
        target.instance_id(),
        target.member_type.clone(),
    );
    let submitted = more_time_request(
        state,
        env,
        scope,
        name,
        &role,
        body,
        Mode::Create,
        target,
        true,
    )?;
    Ok((submitted.request, submitted.effect))
}

/// Carries out an approved request for more time that `decided` is (an eligibility's extension
/// or renewal, or an assignment's renewal): the eligibility's end moves to `end`, or the ended
/// eligibility or assignment is in force again from `now` to `end`. `false` when its target is
/// gone.
pub(crate) fn grant_more_time(
    state: &mut SimState,
    decided: &ScheduleRequest,
    now: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> bool {
    let target = decided.target_instance_id.clone().unwrap_or_default();
    if !decided.eligibility {
        let Some(index) = state
            .ended_assignments
            .iter()
            .position(|a| eq_ci(&a.instance_id(), &target))
        else {
            return false;
        };
        let mut renewed = state.ended_assignments.remove(index);
        renewed.start = now;
        renewed.end = end;
        state.assignments.push(renewed);
        return true;
    }
    if decided.request_type == RequestType::SelfExtend {
        return match state
            .eligibilities
            .iter_mut()
            .find(|e| eq_ci(&e.instance_id(), &target) && e.is_current(now))
        {
            Some(e) => {
                e.end = end;
                true
            }
            None => false,
        };
    }
    let Some(index) = state
        .ended_eligibilities
        .iter()
        .position(|e| eq_ci(&e.instance_id(), &target))
    else {
        return false;
    };
    let mut renewed = state.ended_eligibilities.remove(index);
    renewed.start = now;
    renewed.end = end;
    renewed.instance_name = new_guid();
    state.eligibilities.push(renewed);
    true
}

/// A `RoleEligibilityScheduleRequest` in ARM's wire form: the assignment request's shape with the
/// eligibility's names for its type, id and targets.
pub(crate) fn eligibility_request(render: &Render<'_>, r: &ScheduleRequest) -> serde_json::Value {
    let mut wire = serde_json::to_value(render.request(r)).unwrap_or_default();
    wire["id"] = serde_json::json!(r.id());
    wire["type"] = serde_json::json!("Microsoft.Authorization/roleEligibilityScheduleRequests");
    if let Some(props) = wire.get_mut("properties").and_then(|p| p.as_object_mut()) {
        let schedule = props.remove("targetRoleAssignmentScheduleId");
        let instance = props.remove("targetRoleAssignmentScheduleInstanceId");
        props.remove("linkedRoleEligibilityScheduleId");
        props.insert(
            "targetRoleEligibilityScheduleId".into(),
            schedule.unwrap_or_default(),
        );
        props.insert(
            "targetRoleEligibilityScheduleInstanceId".into(),
            instance.unwrap_or_default(),
        );
    }
    wire
}
