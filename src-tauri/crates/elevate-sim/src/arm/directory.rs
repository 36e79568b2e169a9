//! Directory lookups clients make for display names (`roleDefinitions`, `subscriptions`,
//! `resourceGroups`, `managementGroups`), `eligibleChildResources`, and checking that a scope
//! exists.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;

use super::ArmCtx;
use super::filter::{self, Clause};
use super::paging::list_reply;
use super::reply::{ArmReply, ArmResult, not_found, unsupported_filter};
use crate::clock::format_time;
use crate::ids::{eq_ci, parse_guid};
use crate::scope::{Below, Hierarchy, Scope, role_definition_id};
use crate::state::SimState;
use crate::tenant::{Directory, RoleDefinition};

/// The scope with the directory's casing, or 404 when it does not exist.
pub(crate) fn resolve_scope(directory: &Directory, scope: Scope) -> ArmResult<Scope> {
    let scope = scope.canonicalize(directory);
    let subscription_missing = |id: &str| {
        not_found(
            "SubscriptionNotFound",
            &format!("The subscription '{id}' could not be found."),
        )
    };
    match &scope {
        Scope::Root => {}
        Scope::ManagementGroup(name) => {
            if directory.management_group(name).is_none() {
                return Err(not_found(
                    "ManagementGroupNotFound",
                    &format!("The management group '{name}' could not be found."),
                ));
            }
        }
        Scope::Subscription(id) => {
            if directory.subscription(id).is_none() {
                return Err(subscription_missing(id));
            }
        }
        Scope::ResourceGroup { subscription, name }
        | Scope::Resource {
            subscription,
            group: name,
            ..
        } => {
            if directory.subscription(subscription).is_none() {
                return Err(subscription_missing(subscription));
            }
            if directory.resource_group(subscription, name).is_none() {
                return Err(not_found(
                    "ResourceGroupNotFound",
                    &format!("Resource group '{name}' could not be found."),
                ));
            }
        }
    }
    Ok(scope)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Permission<'a> {
    actions: &'a [String],
    not_actions: &'a [String],
    data_actions: &'a [String],
    not_data_actions: [&'static str; 0],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleDefinitionProps<'a> {
    role_name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    description: &'a str,
    assignable_scopes: &'a [String],
    permissions: Vec<Permission<'a>>,
    created_on: String,
    updated_on: String,
    created_by: Option<String>,
    updated_by: Option<String>,
}

#[derive(Serialize)]
struct RoleDefinitionWire<'a> {
    properties: RoleDefinitionProps<'a>,
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
}

fn role_wire<'a>(
    state: &SimState,
    scope: &Scope,
    role: &'a RoleDefinition,
) -> RoleDefinitionWire<'a> {
    let created = format_time(&(state.now() - chrono::Duration::days(400)));
    RoleDefinitionWire {
        properties: RoleDefinitionProps {
            role_name: &role.role_name,
            kind: if role.built_in {
                "BuiltInRole"
            } else {
                "CustomRole"
            },
            description: &role.description,
            assignable_scopes: &role.assignable_scopes,
            permissions: vec![Permission {
                actions: &role.actions,
                not_actions: &role.not_actions,
                data_actions: &role.data_actions,
                not_data_actions: [],
            }],
            created_on: created.clone(),
            updated_on: created,
            created_by: None,
            updated_by: None,
        },
        id: role_definition_id(scope, &role.guid),
        kind: "Microsoft.Authorization/roleDefinitions",
        name: &role.guid,
    }
}

/// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}`
pub(crate) fn get_role(ctx: &ArmCtx<'_>, scope: &Scope, name: &str) -> ArmReply {
    let state = ctx.shared.state();
    match parse_guid(name).and_then(|g| state.directory.role(&g)) {
        Some(role) => ArmReply::json(StatusCode::OK, &role_wire(&state, scope, role)),
        None => not_found(
            "RoleDefinitionDoesNotExist",
            &format!("The specified role definition with ID '{name}' does not exist."),
        ),
    }
}

/// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=roleName eq '...']`
pub(crate) fn list_roles(ctx: &ArmCtx<'_>, scope: &Scope) -> ArmReply {
    let mut role_name = None;
    let mut kind = None;
    if let Some(text) = ctx.query.filter() {
        let clauses = match filter::parse(text) {
            Ok(c) => c,
            Err(reason) => return unsupported_filter(text, &reason),
        };
        for clause in clauses {
            match clause {
                Clause::Eq { property, value } if property == "rolename" => role_name = Some(value),
                Clause::Eq { property, value } if property == "type" => kind = Some(value),
                Clause::AtScope => {}
                _ => {
                    return unsupported_filter(
                        text,
                        "only roleName eq, type eq and atScope() are supported",
                    );
                }
            }
        }
    }
    let state = ctx.shared.state();
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let roles: Vec<&RoleDefinition> = state
        .directory
        .role_definitions
        .iter()
        .filter(|r| role_name.as_deref().is_none_or(|n| eq_ci(n, &r.role_name)))
        .filter(|r| {
            kind.as_deref().is_none_or(|k| {
                eq_ci(
                    k,
                    if r.built_in {
                        "BuiltInRole"
                    } else {
                        "CustomRole"
                    },
                )
            })
        })
        .collect();
    let (range, next) = list.window(roles.len());
    let items: Vec<_> = roles
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|r| role_wire(&state, scope, r))
        .collect();
    list_reply(items, next)
}

fn subscription_json(directory: &Directory, id: &str) -> Option<serde_json::Value> {
    let sub = directory.subscription(id)?;
    Some(json!({
        "id": format!("/subscriptions/{}", sub.id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub.id,
        "tenantId": directory.tenant_of_subscription(sub),
        "displayName": sub.display_name,
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off"
        }
    }))
}

/// `GET /subscriptions[/{id}]`
pub(crate) fn subscriptions(ctx: &ArmCtx<'_>, id: Option<&str>) -> ArmReply {
    let state = ctx.shared.state();
    let directory = &state.directory;
    if let Some(id) = id {
        return match subscription_json(directory, id) {
            Some(body) => ArmReply::json(StatusCode::OK, &body),
            None => not_found(
                "SubscriptionNotFound",
                &format!("The subscription '{id}' could not be found."),
            ),
        };
    }
    // "Gets all subscriptions for a tenant": the token's tenant's.
    let tenant = caller_tenant(ctx, directory);
    let all: Vec<_> = directory
        .subscriptions
        .iter()
        .filter(|s| eq_ci(directory.tenant_of_subscription(s), &tenant))
        .filter_map(|s| subscription_json(directory, &s.id))
        .collect();
    ArmReply::json(
        StatusCode::OK,
        &json!({ "value": all, "count": { "type": "Total", "value": all.len() } }),
    )
}

/// `GET /subscriptions/{id}/resourceGroups[/{name}]`
pub(crate) fn resource_groups(
    ctx: &ArmCtx<'_>,
    subscription: &str,
    name: Option<&str>,
) -> ArmReply {
    let state = ctx.shared.state();
    let directory = &state.directory;
    if directory.subscription(subscription).is_none() {
        return not_found(
            "SubscriptionNotFound",
            &format!("The subscription '{subscription}' could not be found."),
        );
    }
    let wire = |g: &crate::tenant::ResourceGroup| {
        json!({
            "id": format!("/subscriptions/{}/resourceGroups/{}", g.subscription_id, g.name),
            "name": g.name,
            "type": "Microsoft.Resources/resourceGroups",
            "location": g.location,
            "properties": { "provisioningState": "Succeeded" }
        })
    };
    if let Some(name) = name {
        return match directory.resource_group(subscription, name) {
            Some(g) => ArmReply::json(StatusCode::OK, &wire(g)),
            None => not_found(
                "ResourceGroupNotFound",
                &format!("Resource group '{name}' could not be found."),
            ),
        };
    }
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let groups: Vec<_> = directory
        .resource_groups
        .iter()
        .filter(|g| eq_ci(&g.subscription_id, subscription))
        .collect();
    let (range, next) = list.window(groups.len());
    list_reply(
        groups
            .get(range)
            .unwrap_or(&[])
            .iter()
            .map(|g| wire(g))
            .collect(),
        next,
    )
}

/// `GET /providers/Microsoft.Management/managementGroups[/{name}]`
pub(crate) fn management_groups(ctx: &ArmCtx<'_>, name: Option<&str>) -> ArmReply {
    let state = ctx.shared.state();
    let directory = &state.directory;
    let wire =
        |m: &crate::tenant::ManagementGroup| {
            let parent = m.parent.as_deref().and_then(|p| directory.management_group(p)).map(|p| {
            json!({
                "id": format!("/providers/Microsoft.Management/managementGroups/{}", p.name),
                "name": p.name,
                "displayName": p.display_name
            })
        });
            json!({
                "id": format!("/providers/Microsoft.Management/managementGroups/{}", m.name),
                "type": "Microsoft.Management/managementGroups",
                "name": m.name,
                "properties": {
                    "tenantId": directory.tenant_id,
                    "displayName": m.display_name,
                    "details": { "parent": parent }
                }
            })
        };
    match name {
        Some(name) => match directory.management_group(name) {
            Some(m) => ArmReply::json(StatusCode::OK, &wire(m)),
            None => not_found(
                "NotFound",
                &format!("The management group '{name}' could not be found."),
            ),
        },
        None => {
            // The management groups are the simulator's own tenant's: none for another's token.
            let own = eq_ci(&caller_tenant(ctx, directory), &directory.tenant_id);
            let all: Vec<_> = directory
                .management_groups
                .iter()
                .filter(|_| own)
                .map(wire)
                .collect();
            list_reply(all, None)
        }
    }
}

#[derive(Serialize)]
struct ChildResource {
    name: String,
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// `GET {scope}/providers/Microsoft.Authorization/eligibleChildResources`: scopes below `scope`
/// where the caller has an eligibility at, above or below them.
pub(crate) fn eligible_children(ctx: &ArmCtx<'_>, scope: &Scope) -> ArmReply {
    let mut wanted_type = None;
    if let Some(text) = ctx.query.filter() {
        match filter::parse(text) {
            Ok(clauses) => {
                for clause in clauses {
                    match clause {
                        Clause::Eq { property, value } if property == "resourcetype" => {
                            wanted_type = Some(value)
                        }
                        _ => {
                            return unsupported_filter(
                                text,
                                "only resourceType eq '{type}' is supported",
                            );
                        }
                    }
                }
            }
            Err(reason) => return unsupported_filter(text, &reason),
        }
    }
    let state = ctx.shared.state();
    let list = match ctx.list_request(state.settings.page_size) {
        Ok(l) => l,
        Err(reply) => return reply,
    };
    let directory = &state.directory;
    let now = state.now();
    let principals = directory.principal_and_groups(&ctx.caller.oid);
    let hierarchy = Hierarchy::new(directory);
    let below = Below::new(scope, &hierarchy);
    let at_or_above = scope.ancestor_keys(directory);
    let eligible: HashSet<String> = state
        .eligibilities
        .iter()
        .filter(|e| e.is_current(now) && principals.iter().any(|p| eq_ci(p, &e.principal_id)))
        .map(|e| e.scope.to_ascii_lowercase())
        .collect();
    // A child qualifies when an eligibility lies at or above it, or somewhere below it.
    let everything = eligible.iter().any(|key| at_or_above.contains(key));
    let mut on_path = HashSet::new();
    let mut under: Vec<Below> = Vec::new();
    if !everything {
        for key in eligible.iter().filter(|key| below.contains(key)) {
            for ancestor in hierarchy.ancestor_keys_of(key) {
                if at_or_above.contains(&ancestor) {
                    break;
                }
                on_path.insert(ancestor);
            }
            if let Some(eligible_scope) = Scope::parse(key).filter(|s| {
                matches!(
                    s,
                    Scope::ManagementGroup(_)
                        | Scope::Subscription(_)
                        | Scope::ResourceGroup { .. }
                )
            }) {
                under.push(Below::new(&eligible_scope, &hierarchy));
            }
        }
    }
    let mut candidates: Vec<Scope> = Vec::new();
    candidates.extend(
        directory
            .management_groups
            .iter()
            .map(|m| Scope::ManagementGroup(m.name.clone())),
    );
    candidates.extend(
        directory
            .subscriptions
            .iter()
            .map(|s| Scope::Subscription(s.id.clone())),
    );
    candidates.extend(
        directory
            .resource_groups
            .iter()
            .map(|g| Scope::ResourceGroup {
                subscription: g.subscription_id.clone(),
                name: g.name.clone(),
            }),
    );
    let children: Vec<ChildResource> = candidates
        .into_iter()
        .filter(|c| {
            wanted_type
                .as_deref()
                .is_none_or(|t| eq_ci(t, c.type_label()))
        })
        .filter(|c| {
            let key = c.key();
            below.contains(&key)
                && (everything || on_path.contains(&key) || under.iter().any(|u| u.contains(&key)))
        })
        .map(|c| ChildResource {
            name: match &c {
                Scope::ResourceGroup { name, .. } => name.clone(),
                other => other.display_name(directory),
            },
            id: c.canonical(),
            kind: c.type_label(),
        })
        .collect();
    let (range, next) = list.window(children.len());
    let page: Vec<ChildResource> = children
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .collect();
    list_reply(page, next)
}

/// The directory the caller's token was issued in (the simulator's own tenant for a token without
/// `tid`, accepted unsigned).
fn caller_tenant(ctx: &ArmCtx<'_>, directory: &Directory) -> String {
    ctx.caller
        .tid
        .clone()
        .unwrap_or_else(|| directory.tenant_id.clone())
}

/// ARM's refusal of a token from another directory than the one `scope` belongs to (a
/// subscription's trusted tenant; management groups are the simulator's own tenant's):
/// 401 `InvalidAuthenticationTokenTenant`, naming the authority to get a token from. `None` when
/// the token fits (or the scope is the tenant root, where each caller sees their own).
pub(crate) fn wrong_tenant(ctx: &ArmCtx<'_>, scope: &Scope) -> Option<ArmReply> {
    let state = ctx.shared.state();
    let directory = &state.directory;
    let tenant = caller_tenant(ctx, directory);
    let owner = match scope {
        Scope::Root => return None,
        Scope::ManagementGroup(_) => directory.tenant_id.clone(),
        Scope::Subscription(id)
        | Scope::ResourceGroup {
            subscription: id, ..
        }
        | Scope::Resource {
            subscription: id, ..
        } => directory
            .subscription(id)
            .map(|s| directory.tenant_of_subscription(s).to_string())?,
    };
    if eq_ci(&owner, &tenant) {
        return None;
    }
    let message = format!(
        "The access token is from the wrong issuer 'https://sts.windows.net/{tenant}/'. It must match the tenant 'https://sts.windows.net/{owner}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{owner}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later."
    );
    Some(
        ArmReply::error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationTokenTenant", &message).with_header(
            "www-authenticate",
            format!(
                "Bearer authorization_uri=\"{}/{owner}/oauth2/authorize\", error=\"invalid_token\", error_description=\"{}\"",
                ctx.shared.url,
                super::auth::header_safe(&message)
            ),
        ),
    )
}

/// `GET /tenants` ("Tenants - List"): the directories of the person behind the token, whichever
/// directory it was issued in: their home tenant and each one where they have a guest object.
/// Paged like every list (`nextLink` while more remain).
pub(crate) fn tenants(ctx: &ArmCtx<'_>) -> ArmReply {
    let page_size = ctx.shared.state().settings.page_size;
    let list = match ctx.list_request(page_size) {
        Ok(list) => list,
        Err(reply) => return reply,
    };
    let state = ctx.shared.state();
    let directory = &state.directory;
    let person = directory.home_object(&ctx.caller.oid).to_string();
    let wire = |id: &str, name: &str, domains: &[String], default_domain: &str, country: &str| {
        json!({
            "id": format!("/tenants/{id}"),
            "tenantId": id,
            "countryCode": country,
            "displayName": name,
            "domains": domains,
            "tenantCategory": "Home",
            "defaultDomain": default_domain,
            "tenantType": "AAD",
        })
    };
    let mut all = vec![wire(
        &directory.tenant_id,
        &directory.tenant_name,
        &[crate::demo::TENANT_DOMAIN.to_string()],
        crate::demo::TENANT_DOMAIN,
        "US",
    )];
    for other in &directory.other_tenants {
        if directory.object_in_tenant(&person, &other.id).is_some() {
            all.push(wire(
                &other.id,
                &other.display_name,
                &other.domains,
                &other.default_domain,
                &other.country_code,
            ));
        }
    }
    let (range, next) = list.window(all.len());
    let page = all.get(range).unwrap_or(&[]).to_vec();
    list_reply(page, next)
}
