//! The tenant's applications, service principals and delegated permission grants (Graph's
//! `application`, `servicePrincipal` and `oAuth2PermissionGrant`), with the two resource service
//! principals every tenant has: Microsoft Graph and Windows Azure Service Management API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::consent::{ARM_APP_ID, GRAPH_APP_ID, GRAPH_PERMISSIONS, MissingConsent};
use crate::ids::{eq_ci, stable_guid};

/// A delegated permission a resource publishes (`permissionScope`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PermissionScope {
    pub id: String,
    pub value: String,
    /// `Admin` or `User`.
    pub kind: String,
}

/// One entry of `requiredResourceAccess`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RequiredAccess {
    pub resource_app_id: String,
    /// `(id, type)` pairs, type `Scope` or `Role`.
    pub access: Vec<(String, String)>,
}

/// An application object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Application {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub sign_in_audience: String,
    pub is_fallback_public_client: Option<bool>,
    pub public_client_redirect_uris: Vec<String>,
    pub required_resource_access: Vec<RequiredAccess>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub created: DateTime<Utc>,
}

/// A service principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub tags: Vec<String>,
    pub scopes: Vec<PermissionScope>,
}

/// An `oAuth2PermissionGrant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Grant {
    pub id: String,
    pub client_id: String,
    /// `AllPrincipals` or `Principal`.
    pub consent_type: String,
    pub principal_id: Option<String>,
    pub resource_id: String,
    pub scope: String,
}

/// All of it. The resource service principals (Microsoft Graph, Azure Service Management) are
/// built in rather than stored, so a saved state always sees the current list of permissions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AppDirectory {
    pub applications: Vec<Application>,
    /// Service principals created in the tenant (the resource ones are not kept here).
    pub service_principals: Vec<ServicePrincipal>,
    pub grants: Vec<Grant>,
    /// Consent taken away by the control API from clients not registered in the tenant.
    #[serde(default)]
    pub missing_consent: Vec<MissingConsent>,
}

/// The resource service principals every tenant has.
static RESOURCES: std::sync::LazyLock<[ServicePrincipal; 2]> = std::sync::LazyLock::new(|| {
    [
        resource_principal(GRAPH_APP_ID, "Microsoft Graph", &GRAPH_PERMISSIONS),
        resource_principal(
            ARM_APP_ID,
            "Windows Azure Service Management API",
            &["user_impersonation"],
        ),
    ]
});

/// Microsoft's published ids of the few permissions whose id is well known; the others are the
/// simulator's own, stable per name (clients read them from the service principal).
fn permission_id(app_id: &str, value: &str) -> String {
    match (app_id, value) {
        (GRAPH_APP_ID, "User.Read") => "e1fe6dd8-ba31-4d61-89e7-88639da4683d".to_string(),
        (GRAPH_APP_ID, "openid") => "37f7f235-527c-4136-accd-4a02d197296e".to_string(),
        (GRAPH_APP_ID, "profile") => "14dad69e-099b-42c9-810b-d002981feec1".to_string(),
        (GRAPH_APP_ID, "offline_access") => "7427e0e9-2fba-42fe-b0c0-848c9e6a8182".to_string(),
        (ARM_APP_ID, "user_impersonation") => "41094075-9dad-400e-a0bd-54e686782033".to_string(),
        _ => stable_guid(&format!(
            "elevate-sim/permission/{app_id}/{}",
            value.to_ascii_lowercase()
        )),
    }
}

fn resource_principal(app_id: &str, name: &str, permissions: &[&str]) -> ServicePrincipal {
    ServicePrincipal {
        id: stable_guid(&format!("elevate-sim/service-principal/{app_id}")),
        app_id: app_id.to_string(),
        display_name: name.to_string(),
        tags: Vec::new(),
        scopes: permissions
            .iter()
            .map(|p| PermissionScope {
                id: permission_id(app_id, p),
                value: (*p).to_string(),
                kind: if matches!(
                    *p,
                    "User.Read" | "openid" | "profile" | "offline_access" | "User.ReadBasic.All"
                ) {
                    "User"
                } else {
                    "Admin"
                }
                .to_string(),
            })
            .collect(),
    }
}

impl AppDirectory {
    /// The application whose `appId` is `app_id`.
    pub(crate) fn application_by_app_id(&self, app_id: &str) -> Option<&Application> {
        self.applications.iter().find(|a| eq_ci(&a.app_id, app_id))
    }

    /// Every service principal: the resources', then those created in the tenant.
    pub(crate) fn principals(&self) -> impl Iterator<Item = &ServicePrincipal> {
        RESOURCES.iter().chain(self.service_principals.iter())
    }

    /// The service principal whose `appId` is `app_id`.
    pub(crate) fn service_principal_by_app_id(&self, app_id: &str) -> Option<&ServicePrincipal> {
        self.principals().find(|s| eq_ci(&s.app_id, app_id))
    }
}
