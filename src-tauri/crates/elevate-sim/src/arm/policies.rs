//! `roleManagementPolicies` and `roleManagementPolicyAssignments`. Every role definition has a
//! policy at every scope: the explicit one nearest at or above the scope, else the tenant
//! default. Lists return one entry per role definition (optionally narrowed with
//! `$filter=roleDefinitionId eq '{id}'`).

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

use super::ArmCtx;
use super::filter::{self, Clause};
use super::paging::list_reply;
use super::reply::{ArmReply, ArmResult, not_found, unsupported_filter};
use super::wire::{Render, Resource, RoleRef, ScopeRef, stored_scope};
use crate::clock::format_time;
use crate::ids::{authz_id, eq_ci, role_guid_from_id};
use crate::policy::{self, EffectivePolicy};
use crate::scope::{Scope, role_definition_id};
use crate::state::SimState;

const TYPE_POLICY: &str = "Microsoft.Authorization/roleManagementPolicies";
const TYPE_POLICY_ASSIGNMENT: &str = "Microsoft.Authorization/roleManagementPolicyAssignments";

/// `Principal` (who last changed the policy).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct LastModifiedBy {
    id: Option<String>,
    display_name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    email: Option<String>,
}

impl LastModifiedBy {
    fn admin() -> LastModifiedBy {
        LastModifiedBy {
            id: None,
            display_name: Some("Admin".to_string()),
            kind: None,
            email: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct PolicyProperties {
    scope: ScopeRef,
}

/// `RoleManagementPolicyProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyProps {
    scope: String,
    display_name: Option<String>,
    description: Option<String>,
    is_organization_default: bool,
    last_modified_by: LastModifiedBy,
    last_modified_date_time: Option<String>,
    rules: Vec<Value>,
    effective_rules: Vec<Value>,
    policy_properties: PolicyProperties,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyRef {
    id: String,
    last_modified_by: LastModifiedBy,
    last_modified_date_time: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentExpanded {
    scope: ScopeRef,
    role_definition: RoleRef,
    policy: PolicyRef,
}

/// `RoleManagementPolicyAssignmentProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyAssignmentProps {
    scope: String,
    role_definition_id: String,
    policy_id: String,
    effective_rules: Vec<Value>,
    policy_assignment_properties: AssignmentExpanded,
}

fn policy_id(p: &EffectivePolicy) -> String {
    authz_id(&p.scope, "roleManagementPolicies", &p.name)
}

fn policy_wire(state: &SimState, p: &EffectivePolicy) -> Resource<PolicyProps> {
    let render = Render::new(state);
    let rules = policy::rules_json(&p.rules);
    Resource {
        properties: PolicyProps {
            scope: p.scope.clone(),
            display_name: None,
            description: None,
            is_organization_default: p.is_default,
            last_modified_by: LastModifiedBy::admin(),
            last_modified_date_time: p.last_modified.as_ref().map(format_time),
            effective_rules: rules.clone(),
            rules,
            policy_properties: PolicyProperties {
                scope: render.scope_ref(&stored_scope(&p.scope)),
            },
        },
        name: p.name.clone(),
        id: policy_id(p),
        kind: TYPE_POLICY,
    }
}

fn assignment_wire(
    state: &SimState,
    at: &Scope,
    p: &EffectivePolicy,
) -> Resource<PolicyAssignmentProps> {
    let render = Render::new(state);
    let name = format!("{}_{}", p.name, p.role_guid);
    Resource {
        properties: PolicyAssignmentProps {
            scope: at.canonical(),
            role_definition_id: role_definition_id(at, &p.role_guid),
            policy_id: policy_id(p),
            effective_rules: policy::rules_json(&p.rules),
            policy_assignment_properties: AssignmentExpanded {
                scope: render.scope_ref(at),
                role_definition: render.role_ref(at, &p.role_guid),
                policy: PolicyRef {
                    id: policy_id(p),
                    last_modified_by: LastModifiedBy::admin(),
                    last_modified_date_time: p.last_modified.as_ref().map(format_time),
                },
            },
        },
        id: authz_id(&at.canonical(), "roleManagementPolicyAssignments", &name),
        name,
        kind: TYPE_POLICY_ASSIGNMENT,
    }
}

/// Role GUID from an optional `$filter=roleDefinitionId eq '...'`.
fn role_filter(ctx: &ArmCtx<'_>) -> ArmResult<Option<String>> {
    let Some(text) = ctx.query.filter() else {
        return Ok(None);
    };
    let clauses = filter::parse(text).map_err(|reason| unsupported_filter(text, &reason))?;
    let mut role = None;
    for clause in clauses {
        match clause {
            Clause::Eq { property, value } if property == "roledefinitionid" => {
                role = Some(role_guid_from_id(&value).ok_or_else(|| {
                    unsupported_filter(text, &format!("'{value}' is not a role definition id"))
                })?);
            }
            _ => {
                return Err(unsupported_filter(
                    text,
                    "only roleDefinitionId eq '{id}' is supported",
                ));
            }
        }
    }
    Ok(role)
}

fn effective_per_role(state: &SimState, scope: &Scope, role: Option<&str>) -> Vec<EffectivePolicy> {
    state
        .directory
        .role_definitions
        .iter()
        .filter(|r| role.is_none_or(|g| eq_ci(g, &r.guid)))
        .map(|r| policy::effective(state, &r.guid, scope))
        .collect()
}

/// `GET {scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments`
pub(crate) fn list_assignments(ctx: &ArmCtx<'_>, scope: &Scope) -> ArmReply {
    let role = match role_filter(ctx) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let state = ctx.shared.state();
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let policies = effective_per_role(&state, scope, role.as_deref());
    let (range, next) = list.window(policies.len());
    let items: Vec<_> = policies
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|p| assignment_wire(&state, scope, p))
        .collect();
    list_reply(items, next)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{policy}_{role}`
pub(crate) fn get_assignment(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let state = ctx.shared.state();
    let found = name.rsplit_once('_').and_then(|(policy_name, role)| {
        let role = role_guid_from_id(role)?;
        state.directory.role(&role)?;
        let effective = policy::effective(&state, &role, scope);
        eq_ci(&effective.name, policy_name).then_some(effective)
    });
    match found {
        Some(p) => ArmReply::json(StatusCode::OK, &assignment_wire(&state, scope, &p)),
        None => not_found(
            "RoleManagementPolicyAssignmentNotFound",
            &format!(
                "The role management policy assignment '{name}' could not be found at scope '{}'.",
                scope.canonical()
            ),
        ),
    }
}

/// `GET {scope}/providers/Microsoft.Authorization/roleManagementPolicies`
pub(crate) fn list_policies(ctx: &ArmCtx<'_>, scope: &Scope) -> ArmReply {
    let role = match role_filter(ctx) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let state = ctx.shared.state();
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let mut policies = effective_per_role(&state, scope, role.as_deref());
    let mut seen = std::collections::HashSet::new();
    policies.retain(|p| seen.insert(p.name.to_ascii_lowercase()));
    let (range, next) = list.window(policies.len());
    let items: Vec<_> = policies
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|p| policy_wire(&state, p))
        .collect();
    list_reply(items, next)
}

/// `GET {scope}/providers/Microsoft.Authorization/roleManagementPolicies/{name}`: found when the
/// policy is set at or above the scope (any policy at provider level).
pub(crate) fn get_policy(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let state = ctx.shared.state();
    let found = policy::by_name(&state, name).filter(|p| {
        *scope == Scope::Root || stored_scope(&p.scope).contains(scope, &state.directory)
    });
    match found {
        Some(p) => ArmReply::json(StatusCode::OK, &policy_wire(&state, &p)),
        None => not_found(
            "RoleManagementPolicyNotFound",
            &format!(
                "The role management policy '{name}' could not be found at scope '{}'.",
                scope.canonical()
            ),
        ),
    }
}
