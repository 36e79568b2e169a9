//! `roleEligibilityScheduleInstances` and `roleAssignmentScheduleInstances`: lists and single
//! instances. Only instances in force at the simulated time are shown.

use axum::http::StatusCode;

use super::ArmCtx;
use super::paging::list_reply;
use super::reply::{ArmReply, not_found};
use super::select::{ScopeWindow, Selection};
use super::wire::Render;
use crate::ids::eq_ci;
use crate::scope::Scope;

const ELIGIBILITY_FILTERS: &[&str] = &[
    "astarget",
    "atscope",
    "assignedto",
    "principalid",
    "roledefinitionid",
    "status",
    "roleeligibilityscheduleid",
];
const ASSIGNMENT_FILTERS: &[&str] = &[
    "astarget",
    "atscope",
    "assignedto",
    "principalid",
    "roledefinitionid",
    "status",
    "roleassignmentscheduleid",
];

fn scope_matches(item_scope: &str, scope: &Scope) -> bool {
    *scope == Scope::Root || eq_ci(item_scope, &scope.canonical())
}

/// `GET {scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances`
pub(crate) fn list_eligibility(ctx: &ArmCtx<'_>, scope: &Scope) -> ArmReply {
    let state = ctx.shared.state();
    let directory = &state.directory;
    let selection = match Selection::from_filter(
        ctx.query.filter(),
        &ctx.caller,
        directory,
        ELIGIBILITY_FILTERS,
    ) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let window = ScopeWindow::new(scope, directory, selection.at_or_above);
    let now = state.now();
    let matches: Vec<_> = state
        .eligibilities
        .iter()
        .filter(|e| {
            e.is_current(now)
                && selection.principal_ok(&e.principal_id)
                && selection.role_ok(&e.role_guid)
                && selection.status_ok("Provisioned")
                && selection.schedule_ok(|| e.schedule_id())
                && window.includes(&e.scope)
        })
        .collect();
    let (range, next) = list.window(matches.len());
    let render = Render::new(&state);
    let items: Vec<_> = matches
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|e| render.eligibility(e))
        .collect();
    list_reply(items, next)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/{name}`
pub(crate) fn get_eligibility(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let state = ctx.shared.state();
    let now = state.now();
    match state.eligibilities.iter().find(|e| {
        eq_ci(&e.instance_name, name) && scope_matches(&e.scope, scope) && e.is_current(now)
    }) {
        Some(e) => ArmReply::json(StatusCode::OK, &Render::new(&state).eligibility(e)),
        None => not_found(
            "RoleEligibilityScheduleInstanceNotFound",
            &format!("The role eligibility schedule instance '{name}' could not be found."),
        ),
    }
}

/// `GET {scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances`
pub(crate) fn list_assignments(ctx: &ArmCtx<'_>, scope: &Scope) -> ArmReply {
    let state = ctx.shared.state();
    let directory = &state.directory;
    let selection = match Selection::from_filter(
        ctx.query.filter(),
        &ctx.caller,
        directory,
        ASSIGNMENT_FILTERS,
    ) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let window = ScopeWindow::new(scope, directory, selection.at_or_above);
    let now = state.now();
    let matches: Vec<_> = state
        .assignments
        .iter()
        .filter(|a| {
            a.is_current(now)
                && selection.principal_ok(&a.principal_id)
                && selection.role_ok(&a.role_guid)
                && selection.status_ok("Provisioned")
                && selection.schedule_ok(|| a.schedule_id())
                && window.includes(&a.scope)
        })
        .collect();
    let (range, next) = list.window(matches.len());
    let render = Render::new(&state);
    let items: Vec<_> = matches
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|a| render.assignment(a))
        .collect();
    list_reply(items, next)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/{name}`
pub(crate) fn get_assignment(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let state = ctx.shared.state();
    let now = state.now();
    match state.assignments.iter().find(|a| {
        eq_ci(&a.instance_name, name) && scope_matches(&a.scope, scope) && a.is_current(now)
    }) {
        Some(a) => ArmReply::json(StatusCode::OK, &Render::new(&state).assignment(a)),
        None => not_found(
            "RoleAssignmentScheduleInstanceNotFound",
            &format!("The role assignment schedule instance '{name}' could not be found."),
        ),
    }
}
