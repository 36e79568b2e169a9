//! The delegated permissions Elevate needs, in one place: `elevate doctor` checks tokens against
//! them, `elevate admin register-app` asks for exactly them, and the admin-consent URL names them.
//!
//! Each is the least-privileged permission Microsoft documents for the calls Elevate makes for that
//! source; a token that carries a higher permission covering it (`also_covered_by`) is fine too.

use url::Url;

use crate::error::Api;
use crate::model::Source;

/// Microsoft Graph's application id (its service principal in every tenant).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Windows Azure Service Management API's application id: ARM's delegated `user_impersonation`.
pub const ARM_APP_ID: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";

/// A delegated permission Elevate needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    /// The API that publishes it.
    pub api: Api,
    /// Its name (`value` in the resource's `oauth2PermissionScopes`), e.g. `User.Read`.
    pub name: &'static str,
    /// The sources that need it; empty: needed for signing in, whatever the source.
    pub sources: &'static [Source],
    /// What Elevate does with it.
    pub why: &'static str,
    /// Higher permissions that include it.
    pub also_covered_by: &'static [&'static str],
}

const GRAPH_SOURCES: &[Source] = &[Source::EntraRole, Source::Group];

/// Every delegated permission Elevate needs: ARM's `user_impersonation` and the Graph PIM
/// permissions for Entra roles and groups, plus `User.Read` for the sign-in.
pub const NEEDED: [Permission; 8] = [
    Permission {
        api: Api::Arm,
        name: "user_impersonation",
        sources: &[Source::AzureResource],
        why: "list, activate and deactivate Azure resource roles",
        also_covered_by: &[],
    },
    Permission {
        api: Api::Graph,
        name: "User.Read",
        sources: GRAPH_SOURCES,
        why: "sign in and read your own profile",
        also_covered_by: &["User.ReadWrite", "User.Read.All", "Directory.Read.All"],
    },
    Permission {
        api: Api::Graph,
        // ReadWrite, not Read: a user's own `selfExtend`/`selfRenew` eligibility request is a
        // create of `unifiedRoleEligibilityScheduleRequest`, which needs it (listing needs Read).
        name: "RoleEligibilitySchedule.ReadWrite.Directory",
        sources: &[Source::EntraRole],
        why: "list the Entra roles you are eligible for and ask an administrator to extend or renew them",
        also_covered_by: &["RoleManagement.ReadWrite.Directory"],
    },
    Permission {
        api: Api::Graph,
        name: "RoleAssignmentSchedule.ReadWrite.Directory",
        sources: &[Source::EntraRole],
        why: "activate, deactivate and list active Entra roles and their requests",
        also_covered_by: &["RoleManagement.ReadWrite.Directory"],
    },
    Permission {
        api: Api::Graph,
        name: "RoleManagementPolicy.Read.Directory",
        sources: &[Source::EntraRole],
        why: "read the activation rules of Entra roles",
        also_covered_by: &[
            "RoleManagementPolicy.ReadWrite.Directory",
            "RoleManagement.Read.Directory",
            "RoleManagement.Read.All",
            "RoleManagement.ReadWrite.Directory",
        ],
    },
    Permission {
        api: Api::Graph,
        name: "PrivilegedEligibilitySchedule.Read.AzureADGroup",
        sources: &[Source::Group],
        why: "list the groups you are eligible for",
        also_covered_by: &[
            "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
            "PrivilegedAccess.Read.AzureADGroup",
            "PrivilegedAccess.ReadWrite.AzureADGroup",
        ],
    },
    Permission {
        api: Api::Graph,
        name: "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
        sources: &[Source::Group],
        why: "activate, deactivate and list active group memberships and their requests",
        also_covered_by: &["PrivilegedAccess.ReadWrite.AzureADGroup"],
    },
    Permission {
        api: Api::Graph,
        name: "RoleManagementPolicy.Read.AzureADGroup",
        sources: &[Source::Group],
        why: "read the activation rules of groups",
        also_covered_by: &["RoleManagementPolicy.ReadWrite.AzureADGroup"],
    },
];

/// Graph's OpenID Connect permissions that every sign-in needs (an id token, a refresh token).
pub const SIGN_IN_PERMISSIONS: [&str; 3] = ["openid", "profile", "offline_access"];

/// The API that serves `source`.
pub const fn api_of(source: Source) -> Api {
    match source {
        Source::AzureResource => Api::Arm,
        Source::EntraRole | Source::Group => Api::Graph,
    }
}

/// What `source` needs.
pub fn needed_for(source: Source) -> impl Iterator<Item = &'static Permission> {
    NEEDED.iter().filter(move |p| p.sources.contains(&source))
}

/// What `api` publishes of Elevate's needs.
pub fn needed_of(api: Api) -> impl Iterator<Item = &'static Permission> {
    NEEDED.iter().filter(move |p| p.api == api)
}

impl Permission {
    /// Whether a token whose `scp` holds `scopes` carries this permission (or a higher one).
    pub fn carried_by(&self, scopes: &[String]) -> bool {
        scopes.iter().any(|s| {
            s.eq_ignore_ascii_case(self.name)
                || self
                    .also_covered_by
                    .iter()
                    .any(|c| s.eq_ignore_ascii_case(c))
        })
    }

    /// The permission as a full scope under `resource_scope`'s resource (the configured
    /// `…/.default` scope of its API): `https://graph.microsoft.com/User.Read`.
    pub fn scope_under(&self, resource_scope: &str) -> String {
        let resource = resource_scope
            .strip_suffix(".default")
            .unwrap_or(resource_scope);
        let resource = if resource.ends_with('/') {
            resource.to_owned()
        } else {
            format!("{resource}/")
        };
        format!("{resource}{}", self.name)
    }
}

/// The redirect URI the admin-consent page returns to: the loopback one every client Elevate uses
/// has registered (the well-known public clients, and what `register-app` registers).
pub const CONSENT_REDIRECT_URI: &str = "http://localhost";

/// The v2.0 admin-consent URL (`{authority}/{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri`)
/// with which an administrator of `tenant` grants `client_id` the `scopes` (full scope URIs) for
/// the whole organisation.
pub fn admin_consent_url(
    authority: &Url,
    tenant: &str,
    client_id: &str,
    scopes: &[String],
) -> Option<String> {
    crate::auth::check_tenant(tenant).ok()?;
    let mut base = authority.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    let mut url = base.join(&format!("{tenant}/v2.0/adminconsent")).ok()?;
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("scope", &scopes.join(" "))
        .append_pair("redirect_uri", CONSENT_REDIRECT_URI);
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_the_consent_url() {
        let graph = &NEEDED[1];
        assert_eq!(
            graph.scope_under("https://graph.microsoft.com/.default"),
            "https://graph.microsoft.com/User.Read"
        );
        assert_eq!(
            NEEDED[0].scope_under("https://management.core.windows.net//.default"),
            "https://management.core.windows.net//user_impersonation"
        );
        assert!(graph.carried_by(&["Directory.Read.All".into()]));
        assert!(!graph.carried_by(&["Group.Read.All".into()]));
        let authority =
            Url::parse("https://login.microsoftonline.com").unwrap_or_else(|e| panic!("{e}"));
        let url = admin_consent_url(
            &authority,
            "contoso.onmicrosoft.com",
            "c1",
            &["https://graph.microsoft.com/User.Read".into()],
        );
        assert_eq!(
            url.as_deref(),
            Some(
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=c1&scope=https%3A%2F%2Fgraph.microsoft.com%2FUser.Read&redirect_uri=http%3A%2F%2Flocalhost"
            )
        );
        assert!(admin_consent_url(&authority, "../x", "c1", &[]).is_none());
        assert_eq!(needed_for(Source::EntraRole).count(), 4);
        assert_eq!(needed_of(Api::Graph).count(), 7);
    }
}
