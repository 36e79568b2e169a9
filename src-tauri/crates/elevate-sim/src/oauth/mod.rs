//! The Microsoft identity platform's v2.0 endpoints, as far as a public desktop client uses them:
//! `/{tenant}/oauth2/v2.0/authorize` (authorization code with PKCE S256, loopback redirect URIs),
//! `/{tenant}/oauth2/v2.0/token` (`authorization_code`, `refresh_token` with rotation,
//! `urn:ietf:params:oauth:grant-type:device_code`) and `/{tenant}/oauth2/v2.0/devicecode`.
//!
//! There is one user to sign in, the demo user, and they approve every request at once: the
//! authorize endpoint redirects straight back with a code, and a device code is approved after
//! the first poll. Written from Entra's documentation, independently of Elevate's client.

mod authorize;
mod device;
mod grants;
mod reply;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};

use crate::shared::Shared;

/// How long an authorization code or device code stays redeemable.
const CODE_LIFETIME_SECS: i64 = 600;

/// The routes, to be merged into the simulator's router.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(grants::token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device::devicecode))
        .route("/devicelogin", get(device::verification_page))
}

/// An issued authorization code, waiting for its redemption.
#[derive(Debug, Clone)]
pub(crate) struct IssuedCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub scope: String,
    pub acrs: Vec<String>,
    /// When the user signed in (`auth_time`) and how (`amr`).
    pub auth_time: i64,
    pub amr: Vec<String>,
    /// Who signed in (object id).
    pub oid: String,
    pub expires: DateTime<Utc>,
}

/// An issued device code.
#[derive(Debug, Clone)]
pub(crate) struct IssuedDeviceCode {
    pub client_id: String,
    pub scope: String,
    pub user_code: String,
    pub polls: u32,
    pub expires: DateTime<Utc>,
}

/// Codes in flight (not persisted: they live a few minutes).
#[derive(Debug, Default)]
pub(crate) struct CodeBook {
    pub codes: HashMap<String, IssuedCode>,
    pub device_codes: HashMap<String, IssuedDeviceCode>,
    /// The demo user's browser session at the identity provider (Entra keeps it in a cookie; the
    /// simulator has one user and keeps it here, so that scripted browsers without a cookie jar
    /// between sign-ins still get single sign-on).
    pub browser_session: Option<BrowserSession>,
    /// The demo user signs in without MFA (`amr` `["pwd"]`) when set.
    pub without_mfa: bool,
    /// Who signs in when nobody names a user (`login_hint`): set through the control API, the
    /// directory's demo user when `None`. Device codes are entered by this user too.
    pub signing_in_user: Option<String>,
}

/// When the demo user last entered their credentials in the browser, and how.
#[derive(Debug, Clone)]
pub(crate) struct BrowserSession {
    pub signed_in_at: DateTime<Utc>,
    pub amr: Vec<String>,
    /// Whose session it is (object id).
    pub user: String,
}

impl CodeBook {
    /// The authentication methods of a sign-in now.
    pub(crate) fn amr_now(&self) -> Vec<String> {
        if self.without_mfa {
            vec!["pwd".to_string()]
        } else {
            vec!["pwd".to_string(), "mfa".to_string()]
        }
    }
}

impl CodeBook {
    /// Drops what has expired.
    pub(crate) fn sweep(&mut self, now: DateTime<Utc>) {
        self.codes.retain(|_, c| c.expires > now);
        self.device_codes.retain(|_, c| c.expires > now);
    }
}

/// The resource a scope list asks for: the first scope that is a URI, without its last segment
/// (`https://graph.microsoft.com/.default` → `https://graph.microsoft.com`,
/// `https://management.core.windows.net//.default` → `https://management.core.windows.net/`).
pub(crate) fn resource_of(scope: &str) -> Option<String> {
    scope
        .split_whitespace()
        .find(|s| s.contains("://"))
        .and_then(|s| s.rsplit_once('/'))
        .map(|(resource, _)| resource.to_string())
}

/// The scopes that name no resource: OpenID Connect's own.
const OIDC_ONLY: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// The distinct resources a scope list names, lowercased: each URI scope's resource (as
/// [`resource_of`] derives it), and Microsoft Graph for a bare permission name (`User.Read`), which
/// Entra reads as Graph's.
pub(crate) fn resources_in(scope: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for s in scope.split_whitespace() {
        if OIDC_ONLY.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            continue;
        }
        let resource = if s.contains("://") {
            match s.rsplit_once('/') {
                Some((resource, _)) => resource.to_ascii_lowercase(),
                None => continue,
            }
        } else {
            "https://graph.microsoft.com".to_string()
        };
        if !found.contains(&resource) {
            found.push(resource);
        }
    }
    found
}

/// Entra's refusal of a token or device-code request whose scopes name more than one resource
/// (`AADSTS28000`): one resource per token; consent for several may be asked only at `/authorize`.
pub(crate) fn refuse_several_resources(scope: &str) -> Option<axum::response::Response> {
    (resources_in(scope).len() > 1).then(|| {
        reply::oauth_error(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_request",
            28000,
            &format!(
                "Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {} is not valid.",
                scope.chars().filter(|c| !c.is_control()).take(2000).collect::<String>()
            ),
        )
    })
}

/// The `acrs` values a `claims` request asks for in access tokens.
pub(crate) fn acrs_of(claims: Option<&str>) -> Vec<String> {
    let Some(value) = claims.and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok()) else {
        return Vec::new();
    };
    let acrs = &value["access_token"]["acrs"];
    let mut out: Vec<String> = acrs["value"]
        .as_str()
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(values) = acrs["values"].as_array() {
        out.extend(values.iter().filter_map(|v| v.as_str().map(str::to_string)));
    }
    out
}

/// A random opaque value (base64url of `bytes` random bytes).
pub(crate) fn random(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    crate::token::b64url(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_and_claims() {
        assert_eq!(
            resource_of("openid https://graph.microsoft.com/.default offline_access").as_deref(),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(
            resource_of("https://management.core.windows.net//.default").as_deref(),
            Some("https://management.core.windows.net/")
        );
        assert_eq!(resource_of("openid profile"), None);
        assert_eq!(
            acrs_of(Some(
                r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#
            )),
            vec!["c1"]
        );
        assert!(acrs_of(Some("not json")).is_empty());
    }

    #[test]
    fn several_resources_are_counted_case_insensitively() {
        assert_eq!(
            resources_in("https://management.azure.com/.default openid profile offline_access"),
            vec!["https://management.azure.com"]
        );
        assert_eq!(
            resources_in("https://GRAPH.microsoft.com/.default User.Read openid").len(),
            1,
            "a bare permission is Graph's"
        );
        assert_eq!(
            resources_in(
                "https://management.azure.com/.default https://graph.microsoft.com/RoleAssignmentSchedule.ReadWrite.Directory offline_access"
            )
            .len(),
            2
        );
        assert!(
            refuse_several_resources("https://management.azure.com/.default User.Read").is_some()
        );
        assert!(refuse_several_resources("https://management.azure.com/.default openid").is_none());
    }
}
