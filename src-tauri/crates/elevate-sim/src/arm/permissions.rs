//! `GET {scope}/providers/Microsoft.Authorization/permissions` at a resource group
//! (`Permissions_ListForResourceGroup`) or a resource (`Permissions_ListForResource`): what the
//! caller may do there. One entry per role assignment of the caller (or of a group the caller is
//! in) at the scope or above it, counting only assignments that have been in force for the
//! tenant's `permission_propagation_seconds` (Azure takes a while to apply a new assignment).

use serde::Serialize;

use super::ArmCtx;
use super::paging::list_reply;
use super::reply::{ArmReply, not_found};
use crate::ids::eq_ci;
use crate::scope::Scope;

/// One entry of the answer, as the spec's `Permission` definition spells it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PermissionWire {
    actions: Vec<String>,
    not_actions: Vec<String>,
    data_actions: Vec<String>,
    not_data_actions: Vec<String>,
}

/// `GET {scope}/providers/Microsoft.Authorization/permissions` (resource group or resource only;
/// Microsoft documents no such list at other scopes).
pub(crate) fn list(ctx: &ArmCtx<'_>, scope: &Scope) -> ArmReply {
    if !matches!(scope, Scope::ResourceGroup { .. } | Scope::Resource { .. }) {
        return not_found(
            "NotFound",
            &format!(
                "No HTTP resource was found that matches the request URI '{}'.",
                ctx.path
            ),
        );
    }
    let state = ctx.shared.state();
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let directory = &state.directory;
    let now = state.now();
    let delay = state.settings.permission_propagation_seconds;
    let principals = directory.principal_and_groups(&ctx.caller.oid);
    let at_or_above = scope.ancestor_keys(directory);
    let entries: Vec<PermissionWire> = state
        .assignments
        .iter()
        .filter(|a| {
            a.is_applied(now, delay) && principals.iter().any(|p| eq_ci(p, &a.principal_id))
        })
        .filter(|a| Scope::parse(&a.scope).is_some_and(|s| at_or_above.contains(&s.key())))
        .filter_map(|a| directory.role(&a.role_guid))
        .map(|role| PermissionWire {
            actions: role.actions.clone(),
            not_actions: role.not_actions.clone(),
            data_actions: role.data_actions.clone(),
            not_data_actions: Vec::new(),
        })
        .collect();
    let (range, next) = list.window(entries.len());
    let page: Vec<PermissionWire> = entries
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .collect();
    list_reply(page, next)
}
