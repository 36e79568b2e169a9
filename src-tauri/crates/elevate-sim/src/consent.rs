//! Delegated permissions and consent: which scopes a token for a client and a resource carries.
//!
//! Two kinds of client. Clients that are not registered in the simulated tenant (the well-known
//! Microsoft public clients, the demo's client, test clients) are treated as consented tenant-wide
//! for every delegated permission the simulator knows, except those the control API marked as
//! lacking consent (`POST /_sim/consent`). An application registered in the tenant through Graph
//! (`POST /applications`) has consent only through `oauth2PermissionGrants` given to its service
//! principal for the resource's service principal (`AllPrincipals`, or `Principal` for the user).
//! A token request whose scopes are not all consented is refused as Entra refuses it, with
//! `AADSTS65001` (`invalid_grant`, `suberror: consent_required`).

use serde::{Deserialize, Serialize};

use crate::ids::eq_ci;
use crate::state::SimState;

/// Microsoft Graph's application id.
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Windows Azure Service Management API's application id (ARM's delegated `user_impersonation`).
pub(crate) const ARM_APP_ID: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";

/// The delegated permissions Microsoft Graph publishes in the simulated tenant (a subset of the
/// real list: sign-in, directory reads, and what PIM for Entra roles and groups needs).
pub(crate) const GRAPH_PERMISSIONS: [&str; 26] = [
    "User.Read",
    "User.ReadBasic.All",
    "Directory.Read.All",
    "Group.Read.All",
    "AdministrativeUnit.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleAssignmentSchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagementPolicy.Read.Directory",
    "RoleManagementPolicy.Read.AzureADGroup",
    "PrivilegedAccess.Read.AzureADGroup",
    "PrivilegedAccess.ReadWrite.AzureADGroup",
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
    "PrivilegedAssignmentSchedule.Read.AzureADGroup",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
    "Application.Read.All",
    "Application.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "openid",
    "profile",
    "offline_access",
];

/// OpenID Connect's permissions: published by Graph, never put in an access token's `scp`.
pub(crate) fn is_oidc(permission: &str) -> bool {
    ["openid", "profile", "offline_access", "email"]
        .iter()
        .any(|o| eq_ci(o, permission))
}

/// ARM's one delegated permission.
pub(crate) const ARM_PERMISSIONS: [&str; 1] = ["user_impersonation"];

/// Permissions the control API took consent away from, per client (not registered in the tenant).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MissingConsent {
    /// The client's application id.
    pub client_id: String,
    /// Graph permission names, or `user_impersonation` for ARM.
    pub permissions: Vec<String>,
}

/// Which resource a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    /// Microsoft Graph.
    Graph,
    /// Azure Resource Manager.
    Arm,
    /// Anything else (no delegated permissions known).
    Other,
}

impl Resource {
    /// The resource a token audience (resource URI or app id) names.
    pub(crate) fn of(resource: &str) -> Resource {
        let r = resource.trim_end_matches('/');
        if eq_ci(r, "https://graph.microsoft.com") || eq_ci(r, GRAPH_APP_ID) {
            Resource::Graph
        } else if crate::token::ARM_AUDIENCES
            .iter()
            .any(|a| eq_ci(a.trim_end_matches('/'), r))
            || eq_ci(r, ARM_APP_ID)
        {
            Resource::Arm
        } else {
            Resource::Other
        }
    }

    /// The application id of the resource's service principal.
    pub(crate) fn app_id(self) -> Option<&'static str> {
        match self {
            Resource::Graph => Some(GRAPH_APP_ID),
            Resource::Arm => Some(ARM_APP_ID),
            Resource::Other => None,
        }
    }

    /// Every delegated permission the resource publishes.
    pub(crate) fn permissions(self) -> &'static [&'static str] {
        match self {
            Resource::Graph => &GRAPH_PERMISSIONS,
            Resource::Arm => &ARM_PERMISSIONS,
            Resource::Other => &[],
        }
    }
}

/// The scopes of a token minted without a client (the control API's `/_sim/token`): every
/// permission of the resource, as for a fully consented client.
pub(crate) fn default_scp(audience: &str) -> String {
    match Resource::of(audience) {
        Resource::Other => "user_impersonation".to_string(),
        resource => resource
            .permissions()
            .iter()
            .filter(|p| !is_oidc(p))
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Why a token cannot carry the scopes asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotConsented {
    /// The permission without consent (the first one found), or `None` when nothing at all is
    /// consented for the resource.
    pub permission: Option<String>,
}

/// The scopes a token for `client_id` and `resource` carries when `requested` (the scope
/// parameter's permission names for that resource, `.default` included) is asked for.
pub(crate) fn scopes_for(
    state: &SimState,
    client_id: &str,
    user_oid: &str,
    resource: Resource,
    requested: &[String],
) -> Result<Vec<String>, NotConsented> {
    if resource == Resource::Other {
        return Ok(vec!["user_impersonation".to_string()]);
    }
    let consented = consented(state, client_id, user_oid, resource);
    let explicit: Vec<&String> = requested.iter().filter(|s| !eq_ci(s, ".default")).collect();
    if let Some(missing) = explicit
        .iter()
        .find(|s| !consented.iter().any(|c| eq_ci(c, s)))
    {
        return Err(NotConsented {
            permission: Some((*missing).clone()),
        });
    }
    if consented.is_empty() {
        return Err(NotConsented { permission: None });
    }
    Ok(consented)
}

/// What `client_id` may use of `resource` for the user `user_oid`.
fn consented(state: &SimState, client_id: &str, user_oid: &str, resource: Resource) -> Vec<String> {
    let apps = &state.apps;
    match apps.application_by_app_id(client_id) {
        Some(_) => {
            let (Some(client_sp), Some(resource_sp)) = (
                apps.service_principal_by_app_id(client_id),
                resource
                    .app_id()
                    .and_then(|a| apps.service_principal_by_app_id(a)),
            ) else {
                return Vec::new();
            };
            let mut out: Vec<String> = Vec::new();
            for grant in apps.grants.iter().filter(|g| {
                eq_ci(&g.client_id, &client_sp.id)
                    && eq_ci(&g.resource_id, &resource_sp.id)
                    && (eq_ci(&g.consent_type, "AllPrincipals")
                        || g.principal_id
                            .as_deref()
                            .is_some_and(|p| eq_ci(p, user_oid)))
            }) {
                for scope in grant.scope.split_whitespace() {
                    if !is_oidc(scope)
                        && resource.permissions().iter().any(|p| eq_ci(p, scope))
                        && !out.iter().any(|o| eq_ci(o, scope))
                    {
                        out.push(scope.to_string());
                    }
                }
            }
            out
        }
        None => {
            let missing = apps
                .missing_consent
                .iter()
                .find(|m| eq_ci(&m.client_id, client_id));
            resource
                .permissions()
                .iter()
                .filter(|p| !is_oidc(p))
                .filter(|p| {
                    !missing.is_some_and(|m| m.permissions.iter().any(|x| x == "*" || eq_ci(x, p)))
                })
                .map(|p| (*p).to_string())
                .collect()
        }
    }
}

/// Whether `redirect` may receive codes for `client_id`: any loopback URI for a client not registered
/// in the tenant; for a registered application one of its public-client redirect URIs, the port
/// ignored for loopback ones (as Entra does for `http://localhost` and `http://127.0.0.1`).
pub(crate) fn redirect_registered(state: &SimState, client_id: &str, redirect: &url::Url) -> bool {
    let Some(app) = state.apps.application_by_app_id(client_id) else {
        return true;
    };
    app.public_client_redirect_uris
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .any(|registered| {
            registered.scheme() == redirect.scheme()
                && registered.host_str().map(str::to_ascii_lowercase)
                    == redirect.host_str().map(str::to_ascii_lowercase)
                && registered.path() == redirect.path()
        })
}

/// Whether `client_id` may use the device code flow: a registered application only with public
/// client flows allowed (`isFallbackPublicClient`).
pub(crate) fn public_flows_allowed(state: &SimState, client_id: &str) -> bool {
    state
        .apps
        .application_by_app_id(client_id)
        .is_none_or(|app| app.is_fallback_public_client == Some(true))
}

/// The permission names a scope parameter asks of `resource`: `https://graph.microsoft.com/X` and
/// bare `X` (Graph's) give `X`; OpenID Connect's scopes are left out.
pub(crate) fn requested_of(scope: &str, resource_uri: &str) -> Vec<String> {
    let prefix = format!("{}/", resource_uri.trim_end_matches('/'));
    scope
        .split_whitespace()
        .filter(|s| {
            !matches!(
                s.to_ascii_lowercase().as_str(),
                "openid" | "profile" | "offline_access" | "email"
            )
        })
        .filter_map(|s| {
            if s.len() > prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(&prefix) {
                Some(s[prefix.len()..].trim_start_matches('/').to_string())
            } else if !s.contains("://") {
                Some(s.to_string())
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_names() {
        assert_eq!(
            requested_of(
                "https://graph.microsoft.com/.default openid offline_access",
                "https://graph.microsoft.com"
            ),
            vec![".default"]
        );
        assert_eq!(
            requested_of(
                "https://management.core.windows.net//.default",
                "https://management.core.windows.net/"
            ),
            vec![".default"]
        );
        assert_eq!(
            requested_of(
                "User.Read https://graph.microsoft.com/RoleAssignmentSchedule.ReadWrite.Directory",
                "https://graph.microsoft.com"
            ),
            vec!["User.Read", "RoleAssignmentSchedule.ReadWrite.Directory"]
        );
        assert_eq!(
            Resource::of("https://management.core.windows.net/"),
            Resource::Arm
        );
        assert_eq!(Resource::of("https://graph.microsoft.com"), Resource::Graph);
    }
}
