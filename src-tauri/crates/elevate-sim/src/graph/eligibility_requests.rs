//! `roleManagement/directory/roleEligibilityScheduleRequests` (`unifiedRoleEligibilityScheduleRequest`):
//! a user's `selfExtend` of a time-bound Entra role eligibility within 14 days of its end, or
//! `selfRenew` of one that ended within the last 14 days, waiting for an administrator
//! (`PendingAdminDecision`; the control API decides). `admin*` actions: 403; `selfActivate` and
//! `selfDeactivate`: 400 (an eligibility is not activated). PIM for Groups has its own eligibility
//! requests without self-service actions, which the simulator does not serve.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use super::odata::Expand;
use super::render::Render;
use super::requests::{may_read, new_request, parse_body, with_context};
use super::routes::Family;
use super::{GraphCtx, bad_request, denied};
use crate::arm::reply::ArmReply as Reply;
use crate::checks::policy_failed;
use crate::entra::{Action, Schedule};
use crate::ids::eq_ci;
use crate::log::Effect;
use crate::state::{EXTEND_WINDOW_DAYS, STATUS_PENDING_ADMIN_DECISION};

const ENTITY: &str = "roleManagement/directory/roleEligibilityScheduleRequests/$entity";

/// `POST /roleManagement/directory/roleEligibilityScheduleRequests`
pub(crate) async fn create(ctx: &GraphCtx<'_>) -> Reply {
    let body = match parse_body(ctx.body, Family::Directory) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let caller = ctx.caller.clone();
    let context = ctx.context(ENTITY);
    ctx.shared
        .mutate(|state| {
            let now = state.now();
            let oid = caller.oid.clone();
            let refused = |reply: Reply| (reply, false);
            if !eq_ci(&body.principal_id, &oid) {
                return refused(denied());
            }
            match body.action {
                Action::SelfExtend | Action::SelfRenew => {}
                Action::SelfActivate | Action::SelfDeactivate => {
                    return refused(bad_request(
                        "BadRequest",
                        "An eligibility is not activated or deactivated: a user may only ask to extend (selfExtend) or renew (selfRenew) their own eligibility.",
                    ));
                }
                _ => return refused(denied()),
            }
            let mine = |e: &&Schedule| e.target.same(&body.target) && eq_ci(&e.principal_id, &oid);
            let current = state.entra.eligibilities.iter().find(|e| mine(e) && e.is_current(now)).cloned();
            let target = if body.action == Action::SelfRenew {
                if current.is_some() {
                    return refused(bad_request(
                        "RoleEligibilityScheduleExists",
                        "The role eligibility schedule exists: only an expired eligibility can be renewed (ask to extend it instead).",
                    ));
                }
                match state.entra.ended_eligibilities.iter().find(|e| mine(e)).cloned() {
                    Some(ended) => ended,
                    None => {
                        return refused(bad_request(
                            "RoleEligibilityScheduleDoesNotExist",
                            "The role eligibility schedule does not exist: there is no eligibility of this role at this scope that ended within the last 14 days to renew.",
                        ));
                    }
                }
            } else {
                match current.filter(|e| e.end.is_some()) {
                    Some(e) if e.end.is_some_and(|end| end - now > Duration::days(EXTEND_WINDOW_DAYS)) => {
                        return refused(policy_failed(&["ExpirationRule"]));
                    }
                    Some(e) => e,
                    None => {
                        return refused(bad_request(
                            "RoleEligibilityScheduleDoesNotExist",
                            "The role eligibility schedule does not exist: there is no time-bound eligibility of yours for this role at this scope to extend.",
                        ));
                    }
                }
            };
            if body.justification.as_deref().is_none_or(|j| j.trim().is_empty()) {
                return refused(policy_failed(&["JustificationRule"]));
            }
            if state.entra.requests.iter().any(|r| {
                r.eligibility && r.awaits_decision() && r.target.same(&body.target) && eq_ci(&r.principal_id, &oid)
            }) {
                return refused(bad_request(
                    "RoleAssignmentRequestExists",
                    "The role eligibility request already exists: a request for this role and scope is pending.",
                ));
            }
            let duration = body.duration.as_deref().and_then(|d| crate::duration::parse_duration(d).ok());
            if duration.is_none_or(|d| d <= Duration::zero()) {
                return refused(policy_failed(&["ExpirationRule"]));
            }
            let no_start = super::requests::Body { start: None, ..body.clone() };
            let mut request = new_request(&no_start, &caller, now, Some(now), duration);
            request.eligibility = true;
            request.member_type = target.member_type.clone();
            request.target_schedule_id = Some(target.schedule_id.clone());
            request.completed = None;
            request.status = STATUS_PENDING_ADMIN_DECISION.to_string();
            if body.validation_only {
                request.status = "PendingEvaluation".to_string();
            } else {
                state.entra.requests.push(request.clone());
            }
            let mut wire = with_context(context.clone(), Render::new(state, &Expand::default()).request(&request));
            wire["isValidationOnly"] = json!(body.validation_only);
            let created = !body.validation_only;
            let reply = Reply::json(StatusCode::CREATED, &wire)
                .with_effect(created.then_some(Effect::Created))
                .with_request_name(&request.id);
            (reply, created)
        })
        .await
}

/// `GET /roleManagement/directory/roleEligibilityScheduleRequests/{id}`
pub(crate) fn get(ctx: &GraphCtx<'_>, id: &str) -> Reply {
    let state = ctx.shared.state();
    let found = state
        .entra
        .requests
        .iter()
        .find(|r| r.eligibility && eq_ci(&r.id, id));
    let reply = match found {
        None => super::error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The schedule request '{id}' was not found."),
        ),
        Some(r) if !may_read(&state, r, &ctx.caller.oid) => denied(),
        Some(r) => Reply::json(
            StatusCode::OK,
            &with_context(
                ctx.context(ENTITY),
                Render::new(&state, &Expand::default()).request(r),
            ),
        ),
    };
    reply.with_request_name(id)
}
