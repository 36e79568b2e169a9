//! `roleAssignmentApprovals` (api-version 2021-01-01-preview): the approver's side of Azure resource
//! role requests. `GET …/roleAssignmentApprovals?$filter=asApprover()`, `GET …/{approvalId}`,
//! `GET …/{approvalId}/stages[/{stageId}]`, `PATCH`/`PUT …/stages/{stageId}` with
//! `{"properties":{"reviewResult","justification"}}`. Each approval has one stage; the first
//! decision wins and a later one gets 409.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::ArmCtx;
use super::reply::{ArmReply, authorization_failed, bad_request, not_found};
use crate::clock::format_time;
use crate::ids::{eq_ci, last_segment, stable_guid};
use crate::policy;
use crate::state::{STATUS_PENDING_APPROVAL, ScheduleRequest, SimState};

/// The api-version of the approvals API (preview only).
pub(crate) const APPROVAL_VERSIONS: &[&str] = &["2021-01-01-preview"];

const PREFIX: &str = "/providers/Microsoft.Authorization/roleAssignmentApprovals";
const STAGE_TYPE: &str = "Microsoft.Authorization/roleAssignmentApprovals/stages";

/// What an approvals path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApprovalPath {
    /// The list.
    List,
    /// One approval.
    Approval(String),
    /// Its stages.
    Stages(String),
    /// One stage.
    Stage(String, String),
}

/// Recognises `[{scope}]/providers/Microsoft.Authorization/roleAssignmentApprovals…` (case-insensitive).
pub(crate) fn parse(path: &str) -> Option<ApprovalPath> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let at = segments
        .iter()
        .position(|s| eq_ci(s, "roleAssignmentApprovals"))?;
    if at < 2
        || !eq_ci(segments.get(at - 2)?, "providers")
        || !eq_ci(segments.get(at - 1)?, "Microsoft.Authorization")
    {
        return None;
    }
    let rest = segments.get(at + 1..).unwrap_or(&[]);
    Some(match rest {
        [] => ApprovalPath::List,
        [id] => ApprovalPath::Approval((*id).to_string()),
        [id, s] if eq_ci(s, "stages") => ApprovalPath::Stages((*id).to_string()),
        [id, s, stage] if eq_ci(s, "stages") => {
            ApprovalPath::Stage((*id).to_string(), (*stage).to_string())
        }
        _ => return None,
    })
}

/// The id of an approval's one stage.
pub(crate) fn stage_id(approval: &str) -> String {
    stable_guid(&format!(
        "elevate-sim/arm-approval-stage/{}",
        approval.to_ascii_lowercase()
    ))
}

fn approval_name(request: &ScheduleRequest) -> Option<&str> {
    request.approval_id.as_deref().map(last_segment)
}

fn find<'a>(state: &'a SimState, approval: &str) -> Option<&'a ScheduleRequest> {
    state
        .requests
        .iter()
        .find(|r| approval_name(r).is_some_and(|a| eq_ci(a, approval)))
}

fn is_approver(state: &SimState, request: &ScheduleRequest, caller: &str) -> bool {
    !eq_ci(&request.principal_id, caller)
        && policy::effective(
            state,
            &request.role_guid,
            &super::wire::stored_scope(&request.scope),
        )
        .rules
        .is_approver(caller, &state.directory)
}

fn approval_not_found(id: &str) -> ArmReply {
    not_found(
        "RoleAssignmentApprovalNotFound",
        &format!("The role assignment approval '{id}' could not be found."),
    )
}

fn stage_json(state: &SimState, request: &ScheduleRequest, caller: &str) -> Value {
    let approval = approval_name(request).unwrap_or_default().to_string();
    let stage = stage_id(&approval);
    let (status, result) = match request.status.as_str() {
        s if s == STATUS_PENDING_APPROVAL => ("InProgress", "NotReviewed"),
        "Denied" => ("Completed", "Deny"),
        "TimedOut" => ("Expired", "NotReviewed"),
        "Canceled" => ("Completed", "NotReviewed"),
        _ => ("Completed", "Approve"),
    };
    let reviewer = request.decided_by.as_deref().map(|id| {
        let user = state.directory.user(id);
        json!({
            "principalType": "user",
            "principalId": id,
            "principalName": user.map(|u| u.display_name.clone()),
            "userPrincipalName": user.map(|u| u.upn.clone()),
        })
    });
    json!({
        "id": format!("{PREFIX}/{approval}/stages/{stage}"),
        "type": STAGE_TYPE,
        "name": stage,
        "properties": {
            "displayName": "Approval stage 1",
            "status": status,
            "assignedToMe": is_approver(state, request, caller),
            "reviewedBy": reviewer,
            "reviewedDateTime": request.decided_at.as_ref().map(format_time),
            "reviewResult": result,
            "justification": request.decision_justification.clone().unwrap_or_default(),
        }
    })
}

fn approval_json(state: &SimState, request: &ScheduleRequest, caller: &str) -> Value {
    let approval = approval_name(request).unwrap_or_default().to_string();
    json!({
        "id": format!("{PREFIX}/{approval}"),
        "type": STAGE_TYPE,
        "name": approval,
        "properties": { "stages": [stage_json(state, request, caller)] }
    })
}

/// Answers an approvals request.
pub(crate) async fn handle(ctx: &ArmCtx<'_>, method: &Method, path: ApprovalPath) -> ArmReply {
    let caller = ctx.caller.oid.clone();
    let is_get = *method == Method::GET;
    match path {
        ApprovalPath::List if is_get => {
            if let Some(filter) = ctx.query.filter()
                && !eq_ci(filter.trim(), "asApprover()")
            {
                return bad_request(
                    "BadRequest",
                    &format!("The filter '{filter}' is not supported: use asApprover()."),
                );
            }
            let state = ctx.shared.state();
            let items: Vec<Value> = state
                .requests
                .iter()
                .filter(|r| {
                    r.is_pending() && r.approval_id.is_some() && is_approver(&state, r, &caller)
                })
                .map(|r| approval_json(&state, r, &caller))
                .collect();
            ArmReply::json(StatusCode::OK, &json!({ "value": items }))
        }
        ApprovalPath::Approval(id) if is_get => {
            let state = ctx.shared.state();
            match find(&state, &id) {
                None => approval_not_found(&id),
                Some(r) if !is_approver(&state, r, &caller) && !eq_ci(&r.principal_id, &caller) => {
                    authorization_failed(
                        &caller,
                        "Microsoft.Authorization/roleAssignmentApprovals/read",
                        &format!("{PREFIX}/{id}"),
                    )
                }
                Some(r) => ArmReply::json(StatusCode::OK, &approval_json(&state, r, &caller)),
            }
        }
        ApprovalPath::Stages(id) if is_get => {
            let state = ctx.shared.state();
            match find(&state, &id) {
                None => approval_not_found(&id),
                Some(r) => ArmReply::json(
                    StatusCode::OK,
                    &json!({ "value": [stage_json(&state, r, &caller)] }),
                ),
            }
        }
        ApprovalPath::Stage(id, stage) if is_get => {
            let state = ctx.shared.state();
            match find(&state, &id) {
                Some(r) if eq_ci(&stage_id(&id), &stage) => {
                    ArmReply::json(StatusCode::OK, &stage_json(&state, r, &caller))
                }
                Some(_) => not_found(
                    "RoleAssignmentApprovalStepNotFound",
                    &format!("The approval stage '{stage}' could not be found."),
                ),
                None => approval_not_found(&id),
            }
        }
        ApprovalPath::Stage(id, stage) if *method == Method::PATCH || *method == Method::PUT => {
            decide(ctx, &id, &stage).await
        }
        _ => ArmReply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!("The requested resource does not support http method '{method}'."),
        ),
    }
}

async fn decide(ctx: &ArmCtx<'_>, id: &str, stage: &str) -> ArmReply {
    let body: Value = serde_json::from_slice(ctx.body).unwrap_or(Value::Null);
    let properties = body
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| eq_ci(k, "properties"))
                .map(|(_, v)| v.clone())
        })
        .unwrap_or(Value::Null);
    let field = |name: &str| {
        properties.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| eq_ci(k, name))
                .and_then(|(_, v)| v.as_str().map(str::to_string))
        })
    };
    let approve = match field("reviewResult").as_deref() {
        Some(r) if eq_ci(r, "Approve") => true,
        Some(r) if eq_ci(r, "Deny") => false,
        _ => {
            return bad_request(
                "InvalidRequestContent",
                "The request content was invalid: properties.reviewResult must be 'Approve' or 'Deny'.",
            );
        }
    };
    let Some(justification) = field("justification")
        .map(|j| j.trim().to_string())
        .filter(|j| !j.is_empty())
    else {
        return bad_request(
            "JustificationRequired",
            "A justification is required to review this request.",
        );
    };
    let caller = ctx.caller.oid.clone();
    ctx.shared
        .mutate(|state| {
            let Some(request) = find(state, id).cloned() else { return (approval_not_found(id), false) };
            if !eq_ci(&stage_id(id), stage) {
                return (not_found("RoleAssignmentApprovalStepNotFound", &format!("The approval stage '{stage}' could not be found.")), false);
            }
            if !is_approver(state, &request, &caller) {
                return (
                    authorization_failed(&caller, "Microsoft.Authorization/roleAssignmentApprovals/stages/write", &format!("{PREFIX}/{id}")),
                    false,
                );
            }
            if !request.is_pending() {
                return (
                    ArmReply::error(StatusCode::CONFLICT, "Conflict", "The approval stage has already been reviewed or the request is no longer pending."),
                    false,
                );
            }
            match super::decide(state, &request.name, approve) {
                Ok(_) => {
                    let now = state.now();
                    if let Some(stored) = state.requests.iter_mut().find(|r| eq_ci(&r.name, &request.name)) {
                        stored.decided_by = Some(caller.clone());
                        stored.decided_at = Some(now);
                        stored.decision_justification = Some(justification.clone());
                    }
                    let reply = match find(state, id) {
                        Some(r) => ArmReply::json(StatusCode::OK, &stage_json(state, r, &caller)),
                        None => approval_not_found(id),
                    };
                    (reply.with_request_name(&request.name), true)
                }
                Err(_) => (ArmReply::error(StatusCode::CONFLICT, "Conflict", "The request is no longer pending."), false),
            }
        })
        .await
}
