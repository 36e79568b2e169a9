//! Approvals: PIM for Groups (v1.0 `identityGovernance/privilegedAccess/group/assignmentApprovals/{id}`
//! with `stages`) and Entra roles (beta `roleManagement/directory/roleAssignmentApprovals/{id}` with
//! `steps`). An approval's id is the request's `approvalId` (the request id); each has one stage.
//! The first decision wins: a later one gets 409.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::routes::Family;
use super::{GraphCtx, bad_request, denied, error, family_of};
use crate::arm::reply::ArmReply as Reply;
use crate::clock::format_time;
use crate::entra::{self, Request};
use crate::ids::{eq_ci, stable_guid};
use crate::state::SimState;

/// The id of a request's one approval stage.
pub(crate) fn stage_id(request_id: &str) -> String {
    stable_guid(&format!(
        "elevate-sim/approval-stage/{}",
        request_id.to_ascii_lowercase()
    ))
}

fn stages_member(family: Family) -> &'static str {
    match family {
        Family::Groups => "stages",
        Family::Directory => "steps",
    }
}

fn find<'a>(state: &'a SimState, family: Family, approval_id: &str) -> Option<&'a Request> {
    state.entra.requests.iter().find(|r| {
        family_of(&r.target) == family
            && r.approval_id
                .as_deref()
                .is_some_and(|a| eq_ci(a, approval_id))
    })
}

fn is_approver(state: &SimState, request: &Request, caller: &str) -> bool {
    !eq_ci(&request.principal_id, caller)
        && state
            .entra
            .policy_for(&state.directory.tenant_id, &request.target)
            .rules
            .is_approver(caller, &state.directory)
}

fn not_found(id: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("The approval '{id}' was not found."),
    )
}

fn render(
    state: &SimState,
    request: &Request,
    caller: &str,
    context: String,
    family: Family,
) -> Value {
    let (status, result) = match request.status.as_str() {
        s if eq_ci(s, entra::STATUS_PENDING_APPROVAL) => ("InProgress", "NotReviewed"),
        s if eq_ci(s, "Denied") => ("Completed", "Deny"),
        s if eq_ci(s, "TimedOut") => ("Expired", "NotReviewed"),
        s if eq_ci(s, "Canceled") => ("Completed", "NotReviewed"),
        _ => ("Completed", "Approve"),
    };
    let reviewer = request.decided_by.as_deref().map(|id| {
        let name = state.directory.user(id).map(|u| u.display_name.clone());
        // An `identity` (Graph's approvalStage and unifiedApprovalStage: `reviewedBy` is `identity`).
        json!({ "id": id, "displayName": name })
    });
    let stage = json!({
        "id": stage_id(&request.id),
        "assignedToMe": is_approver(state, request, caller),
        "displayName": null,
        "justification": request.decision_justification,
        "reviewResult": result,
        "reviewedBy": reviewer,
        "reviewedDateTime": request.decided_by.as_ref().and(request.completed.as_ref()).map(format_time),
        "status": status,
    });
    let mut value = json!({ "@odata.context": context, "id": request.approval_id });
    value[stages_member(family)] = json!([stage]);
    value
}

/// `GET …/assignmentApprovals/{id}` or `GET /beta/…/roleAssignmentApprovals/{id}`.
pub(crate) fn get(ctx: &GraphCtx<'_>, family: Family, approval_id: &str) -> Reply {
    let state = ctx.shared.state();
    let Some(request) = find(&state, family, approval_id) else {
        return not_found(approval_id);
    };
    let caller = ctx.caller.oid.as_str();
    // Microsoft documents this read as the approver's ("This API request is made by an
    // approver"), not the requester's: the stricter reading refuses everyone else, the requester
    // too (403), so a client must do without who decided.
    if !is_approver(&state, request, caller) {
        return denied();
    }
    let context = ctx.context(match family {
        Family::Groups => "identityGovernance/privilegedAccess/group/assignmentApprovals/$entity",
        Family::Directory => "roleManagement/directory/roleAssignmentApprovals/$entity",
    });
    Reply::json(
        StatusCode::OK,
        &render(&state, request, caller, context, family),
    )
}

/// `PATCH …/{id}/stages/{stageId}` (or `steps`): `{"reviewResult": "Approve"|"Deny", "justification"}`.
pub(crate) async fn decide(
    ctx: &GraphCtx<'_>,
    family: Family,
    approval_id: &str,
    stage: &str,
) -> Reply {
    let body: Value = match serde_json::from_slice(ctx.body) {
        Ok(Value::Object(map)) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        ),
        _ => return bad_request("BadRequest", "Unable to read JSON request payload."),
    };
    let approve = match body.get("reviewresult").and_then(Value::as_str) {
        Some(r) if eq_ci(r, "Approve") => true,
        Some(r) if eq_ci(r, "Deny") => false,
        other => {
            return bad_request(
                "BadRequest",
                &format!(
                    "The value '{}' is not valid for the property 'reviewResult'.",
                    other.unwrap_or("")
                ),
            );
        }
    };
    let justification = body
        .get("justification")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|j| !j.is_empty())
        .map(str::to_string);
    if justification.is_none() {
        return bad_request(
            "BadRequest",
            "A justification is required to approve or deny this request.",
        );
    }
    let caller = ctx.caller.oid.clone();
    ctx.shared
        .mutate(|state| {
            let Some(request) = find(state, family, approval_id).cloned() else { return (not_found(approval_id), false) };
            if !eq_ci(&stage_id(&request.id), stage) {
                return (error(StatusCode::NOT_FOUND, "ResourceNotFound", &format!("The approval stage '{stage}' was not found.")), false);
            }
            if !is_approver(state, &request, &caller) {
                return (denied(), false);
            }
            if !request.is_pending() {
                return (
                    error(StatusCode::CONFLICT, "Conflict", "The request has already been reviewed in this approval stage or is no longer pending."),
                    false,
                );
            }
            match entra::decide(state, &request.id, approve, justification.clone()) {
                Ok(_) => {
                    if let Some(stored) = state.entra.requests.iter_mut().find(|r| eq_ci(&r.id, &request.id)) {
                        stored.decided_by = Some(caller.clone());
                    }
                    (Reply::empty(StatusCode::NO_CONTENT).with_request_name(&request.id), true)
                }
                Err(_) => (error(StatusCode::CONFLICT, "Conflict", "The request is no longer pending."), false),
            }
        })
        .await
}
