//! From ARM's wire shapes to Elevate's model.

use super::permissions::Permission;
use super::wire::{Expanded, Instance, PermissionEntry, Request, RoleDefinition};
use crate::model::{
    ActiveGrant, AssignmentType, Eligibility, MemberType, RequestKind, RequestRecord,
    RequestStatus, RoleKey, RoleRef, ScopeKind, ScopeRef, Source,
};
use crate::text::sanitize;
use crate::wire::parse_time;

/// Reads an eligibility schedule instance as ARM sends it (any member-name casing).
pub fn eligibility_from_json(value: serde_json::Value) -> Result<Eligibility, Incomplete> {
    eligibility(from_json(value)?)
}

/// Reads an assignment schedule instance as ARM sends it.
pub fn grant_from_json(value: serde_json::Value) -> Result<ActiveGrant, Incomplete> {
    grant(from_json(value)?)
}

/// Reads a role assignment schedule request as ARM sends it.
pub fn request_from_json(value: serde_json::Value) -> Result<RequestRecord, Incomplete> {
    request(from_json(value)?)
}

/// Reads the end-user policy from a role management policy (its `effectiveRules`, else `rules`) or a
/// policy assignment (its `effectiveRules`), as ARM sends them.
pub fn policy_from_json(value: serde_json::Value) -> crate::model::Policy {
    let value = crate::wire::lowercase_keys(value);
    let properties = &value["properties"];
    let rules = ["effectiverules", "rules"]
        .iter()
        .filter_map(|k| properties[*k].as_array())
        .find(|r| !r.is_empty())
        .cloned()
        .unwrap_or_default();
    crate::policy_rules::policy_from_rules(&rules)
}

/// Reads one entry of `Microsoft.Authorization/permissions` (a missing array is an empty one).
pub fn permission_from_json(value: serde_json::Value) -> Result<Permission, Incomplete> {
    Ok(permission(from_json(value)?))
}

/// Reads the permissions of a role definition as ARM sends it (`properties.permissions`).
pub fn role_permissions_from_json(value: serde_json::Value) -> Result<Vec<Permission>, Incomplete> {
    let definition: RoleDefinition = from_json(value)?;
    let entries = definition
        .properties
        .and_then(|p| p.permissions)
        .ok_or(Incomplete("properties.permissions"))?;
    Ok(entries.into_iter().map(permission).collect())
}

pub(crate) fn permission(entry: PermissionEntry) -> Permission {
    Permission {
        actions: entry.actions.unwrap_or_default(),
        not_actions: entry.notactions.unwrap_or_default(),
        data_actions: entry.dataactions.unwrap_or_default(),
        not_data_actions: entry.notdataactions.unwrap_or_default(),
    }
}

fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, Incomplete> {
    serde_json::from_value(crate::wire::lowercase_keys(value))
        .map_err(|_| Incomplete("the documented shape"))
}

/// Why an item could not be used.
#[derive(Debug, thiserror::Error)]
#[error("item without {0}")]
pub struct Incomplete(pub &'static str);

fn names(expanded: Option<&Expanded>) -> (Option<String>, Option<String>) {
    let role = expanded
        .and_then(|e| e.roledefinition.as_ref())
        .and_then(|n| n.displayname.clone());
    let scope = expanded
        .and_then(|e| e.scope.as_ref())
        .and_then(|n| n.displayname.clone());
    (role.map(|s| sanitize(&s)), scope.map(|s| sanitize(&s)))
}

/// A role and scope whose display names may still be missing (filled in by the client).
fn refs(scope: &str, role_id: &str, expanded: Option<&Expanded>) -> (RoleRef, ScopeRef) {
    let (role_name, scope_name) = names(expanded);
    let role = RoleRef {
        id: role_id.to_owned(),
        name: role_name.unwrap_or_default(),
    };
    let scope = ScopeRef {
        id: scope.to_owned(),
        name: scope_name.unwrap_or_default(),
        kind: ScopeKind::of_arm_scope(scope),
    };
    (role, scope)
}

/// An eligibility schedule instance.
pub(crate) fn eligibility(item: Instance) -> Result<Eligibility, Incomplete> {
    let p = item.properties;
    let scope = p.scope.ok_or(Incomplete("scope"))?;
    let role_id = p.roledefinitionid.ok_or(Incomplete("roleDefinitionId"))?;
    let (role, scope_ref) = refs(&scope, &role_id, p.expandedproperties.as_ref());
    Ok(Eligibility {
        key: RoleKey::new(Source::AzureResource, &scope, &role_id),
        source: Source::AzureResource,
        role,
        scope: scope_ref,
        principal_id: p.principalid.unwrap_or_default(),
        member_type: MemberType::from_azure(p.membertype.as_deref()),
        start: parse_time(p.startdatetime.as_deref()),
        end: parse_time(p.enddatetime.as_deref()),
        schedule_id: p.roleeligibilityscheduleid,
    })
}

/// An assignment schedule instance.
pub(crate) fn grant(item: Instance) -> Result<ActiveGrant, Incomplete> {
    let p = item.properties;
    let scope = p.scope.ok_or(Incomplete("scope"))?;
    let role_id = p.roledefinitionid.ok_or(Incomplete("roleDefinitionId"))?;
    let (role, scope_ref) = refs(&scope, &role_id, p.expandedproperties.as_ref());
    Ok(ActiveGrant {
        id: item.id.or(item.name).unwrap_or_default(),
        key: RoleKey::new(Source::AzureResource, &scope, &role_id),
        source: Source::AzureResource,
        role,
        scope: scope_ref,
        principal_id: p.principalid.unwrap_or_default(),
        member_type: MemberType::from_azure(p.membertype.as_deref()),
        assignment_type: AssignmentType::from_azure(p.assignmenttype.as_deref()),
        start: parse_time(p.startdatetime.as_deref()),
        end: parse_time(p.enddatetime.as_deref()),
    })
}

/// A role assignment schedule request.
pub(crate) fn request(item: Request) -> Result<RequestRecord, Incomplete> {
    let p = item.properties;
    let id = item.id.ok_or(Incomplete("id"))?;
    let name = item
        .name
        .unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default().to_owned());
    let scope = p.scope.unwrap_or_else(|| scope_of_resource_id(&id));
    let role_id = p.roledefinitionid.ok_or(Incomplete("roleDefinitionId"))?;
    let (role, scope_ref) = refs(&scope, &role_id, p.expandedproperties.as_ref());
    let requester = p
        .expandedproperties
        .as_ref()
        .and_then(|e| e.principal.as_ref())
        .map(crate::wire::Principal::fields)
        .unwrap_or_default();
    let kind = RequestKind::from_azure(p.requesttype.as_deref().unwrap_or(""));
    let azure_status = p.status.unwrap_or_default();
    let ticket = p.ticketinfo.and_then(|t| t.into_ticket());
    let (start, duration) = p.scheduleinfo.unwrap_or_default().start_and_duration();
    Ok(RequestRecord {
        id,
        name,
        source: Source::AzureResource,
        key: RoleKey::new(Source::AzureResource, &scope, &role_id),
        role,
        scope: scope_ref,
        kind,
        status: RequestStatus::from_azure(&azure_status, kind),
        azure_status,
        created: parse_time(p.createdon.as_deref()),
        justification: p.justification.map(|j| sanitize(&j)),
        ticket,
        duration,
        start,
        approval_id: p.approvalid.filter(|a| !a.is_empty()),
        principal_id: p.principalid,
        principal_name: requester.name,
        principal_upn: requester.upn,
        principal_email: requester.email,
        principal_guest: requester.guest,
        principal_type: requester.kind,
        scope_path: Vec::new(),
        decision: None,
    })
}

/// The scope part of `{scope}/providers/Microsoft.Authorization/{type}/{name}`.
pub fn scope_of_resource_id(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    match lower.rfind("/providers/microsoft.authorization/") {
        Some(at) => {
            let scope = &id[..at];
            if scope.is_empty() {
                "/".to_owned()
            } else {
                scope.to_owned()
            }
        }
        None => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_of_a_request_id() {
        assert_eq!(
            scope_of_resource_id(
                "/subscriptions/abc/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/x"
            ),
            "/subscriptions/abc"
        );
        assert_eq!(
            scope_of_resource_id(
                "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/x"
            ),
            "/"
        );
    }
}
