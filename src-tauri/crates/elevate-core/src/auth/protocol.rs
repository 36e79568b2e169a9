//! The token endpoint (RFC 6749 §4.1.3, §6, RFC 8628 §3.4) as Entra speaks it: one form POST per
//! grant, the resource named by its scope, and the `claims` of a step-up passed along.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use url::Url;

use super::error::{SignInError, clean};
use crate::secret::Secret;

/// What is exchanged for tokens.
pub(crate) enum Grant<'a> {
    /// An authorization code from the browser, with the PKCE verifier and the same redirect URI.
    Code {
        code: &'a Secret,
        verifier: &'a Secret,
        redirect_uri: &'a str,
    },
    /// A refresh token.
    Refresh { refresh_token: &'a Secret },
    /// A device code being polled.
    DeviceCode { device_code: &'a Secret },
}

/// A successful token response.
pub(crate) struct Tokens {
    pub access_token: Secret,
    pub expires_on: DateTime<Utc>,
    pub refresh_token: Option<Secret>,
    pub id_token: Option<Secret>,
}

#[derive(Deserialize)]
struct TokenWire {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
}

/// An OAuth error answer (`{"error", "error_description"}`).
#[derive(Deserialize)]
pub(crate) struct OAuthErrorWire {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    /// Entra's numeric AADSTS codes.
    #[serde(default)]
    pub error_codes: Vec<u64>,
}

/// Entra's `AADSTS50020`: the user has no object in the tenant the token was asked in (neither a
/// member nor a guest).
const NOT_IN_TENANT: u64 = 50020;

/// An HTTP client for the identity provider: no redirects, bounded time.
pub(crate) fn http_client() -> Result<reqwest::Client, SignInError> {
    crate::net::client_builder()
        .map_err(SignInError::Setting)?
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| SignInError::Setting(format!("cannot set up HTTPS: {e}")))
}

/// POSTs a form to an identity provider endpoint and returns the JSON body, or the OAuth error as a
/// [`SignInError::Rejected`].
pub(crate) async fn post_form(
    http: &reqwest::Client,
    url: &Url,
    form: &[(&str, &str)],
) -> Result<serde_json::Value, SignInError> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let response = http
        .post(url.clone())
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| transport_error(&host, &e))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(&host, &e))?;
    if !status.is_success() {
        if let Ok(err) = serde_json::from_slice::<OAuthErrorWire>(&body) {
            let description = err.error_description.as_deref().unwrap_or_default();
            if err.error_codes.contains(&NOT_IN_TENANT)
                || description.starts_with(&format!("AADSTS{NOT_IN_TENANT}:"))
            {
                return Err(SignInError::NotInTenant {
                    tenant: tenant_of(url),
                    description: clean(description),
                });
            }
            return Err(rejected(err.error, err.error_description.as_deref()));
        }
        return Err(SignInError::Malformed(format!(
            "HTTP {status} without an OAuth error"
        )));
    }
    serde_json::from_slice(&body)
        .map_err(|_| SignInError::Malformed(format!("HTTP {status}, the body is not JSON")))
}

/// The tenant segment of an identity-provider URL (`/{tenant}/oauth2/v2.0/token`).
fn tenant_of(url: &Url) -> String {
    let segments: Vec<&str> = url
        .path_segments()
        .map(Iterator::collect)
        .unwrap_or_default();
    let at = segments.iter().position(|s| *s == "oauth2").unwrap_or(0);
    segments
        .get(at.wrapping_sub(1))
        .map(|t| crate::text::sanitize(t))
        .unwrap_or_default()
}

/// A rejection with the right hint for its error code.
pub(crate) fn rejected(error: String, description: Option<&str>) -> SignInError {
    let hint = match error.as_str() {
        "invalid_grant" | "interaction_required" | "login_required" | "consent_required" => {
            "sign in again with `elevate login`"
        }
        "invalid_client" | "unauthorized_client" => {
            "check the client id (ELEVATE_CLIENT_ID or [sign_in] client_id) and that the app allows public client flows"
        }
        "invalid_scope" => {
            "the app registration may lack consent for this API; ask an admin to consent"
        }
        _ => "try `elevate login` again",
    };
    SignInError::Rejected {
        error: clean(&error),
        description: clean(description.unwrap_or_default()),
        hint,
    }
}

/// A failed call to `host`: a refused certificate says so, anything else is a network failure.
fn transport_error(host: &str, e: &reqwest::Error) -> SignInError {
    match crate::net::certificate_problem(e) {
        Some(problem) => SignInError::Certificate {
            host: host.to_owned(),
            problem,
        },
        None => SignInError::Network {
            host: host.to_owned(),
            reason: transport_reason(e),
        },
    }
}

fn transport_reason(e: &reqwest::Error) -> String {
    // Never the URL (it has no secret, but the error's Display would repeat it anyway).
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "the connection broke".to_owned()
    }
}

/// Redeems `grant` at `token_url` for a token for `scope`, satisfying `claims` when given.
pub(crate) async fn redeem(
    http: &reqwest::Client,
    token_url: &Url,
    client_id: &str,
    grant: Grant<'_>,
    scope: &str,
    claims: Option<&serde_json::Value>,
) -> Result<Tokens, SignInError> {
    let scope = format!("{scope} {}", super::settings::OIDC_SCOPES);
    let claims_text = claims.map(serde_json::Value::to_string);
    let mut form: Vec<(&str, &str)> = vec![("client_id", client_id), ("scope", &scope)];
    match &grant {
        Grant::Code {
            code,
            verifier,
            redirect_uri,
        } => form.extend([
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("code_verifier", verifier.expose()),
            ("redirect_uri", redirect_uri),
        ]),
        Grant::Refresh { refresh_token } => form.extend([
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ]),
        Grant::DeviceCode { device_code } => form.extend([
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device_code.expose()),
        ]),
    }
    if let Some(claims) = &claims_text {
        form.push(("claims", claims));
    }
    let body = post_form(http, token_url, &form).await?;
    let wire: TokenWire = serde_json::from_value(body)
        .map_err(|_| SignInError::Malformed("the token answer has no access_token".into()))?;
    let lifetime = wire
        .expires_in
        .as_ref()
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .unwrap_or(3600)
        .clamp(0, 24 * 3600);
    Ok(Tokens {
        access_token: Secret::new(wire.access_token),
        expires_on: Utc::now() + TimeDelta::seconds(lifetime),
        refresh_token: wire
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        id_token: wire.id_token.filter(|t| !t.is_empty()).map(Secret::new),
    })
}
