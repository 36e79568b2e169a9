//! Bearer tokens: HS256 JWTs minted by the simulator, and their verification.
//!
//! Token times (`iat`, `nbf`, `exp`) follow wall time, not the simulated clock, so moving the
//! clock never invalidates a token a client holds.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono::{TimeZone, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::error::SimError;
use crate::tenant::Directory;

type HmacSha256 = Hmac<Sha256>;

/// base64url without padding on output, padding optional on input.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Longest token lifetime accepted (one year).
const MAX_LIFETIME_SECS: u64 = 365 * 24 * 3600;

/// Audiences ARM accepts (the simulator's own URL is accepted as well).
pub(crate) const ARM_AUDIENCES: [&str; 4] = [
    "https://management.azure.com",
    "https://management.azure.com/",
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
];

/// What to put in a token minted by the simulator (`POST /_sim/token` takes the same fields, all
/// optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenRequest {
    /// Object id of the subject; `None` means the demo user.
    pub oid: Option<String>,
    /// `aud` claim, e.g. `https://management.azure.com`.
    pub audience: String,
    /// `acrs` claim: authentication contexts satisfied (e.g. `["c1"]`).
    pub acrs: Vec<String>,
    /// `amr` claim: authentication methods (include `mfa` to satisfy MFA rules).
    pub amr: Vec<String>,
    /// Seconds until `exp`.
    pub lifetime_secs: u64,
    /// `auth_time` claim (seconds since the epoch): when the user last signed in interactively.
    /// Left out of the token when `None`.
    pub auth_time: Option<i64>,
    /// `scp` claim: the delegated permissions, space-separated; `None` gives every permission of the
    /// audience (as for a fully consented client).
    pub scopes: Option<String>,
    /// `appid`/`azp` claims: the client the token was issued to; left out when `None`.
    pub client_id: Option<String>,
}

impl Default for TokenRequest {
    fn default() -> Self {
        TokenRequest {
            oid: None,
            audience: "https://management.azure.com".to_string(),
            acrs: Vec::new(),
            amr: vec!["pwd".to_string(), "mfa".to_string()],
            lifetime_secs: 3600,
            auth_time: None,
            scopes: None,
            client_id: None,
        }
    }
}

#[derive(Debug, Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    oid: &'a str,
    tid: &'a str,
    upn: String,
    name: String,
    scp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    azp: Option<&'a str>,
    amr: &'a [String],
    acrs: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
}

/// Mints a token for `request`, signed with `key`.
pub(crate) fn mint(
    key: &[u8],
    directory: &Directory,
    request: &TokenRequest,
) -> Result<String, SimError> {
    let oid = request
        .oid
        .as_deref()
        .unwrap_or(&directory.default_user)
        .trim();
    if oid.is_empty() {
        return Err(SimError::TokenRequest("oid must not be empty".to_string()));
    }
    if request.lifetime_secs > MAX_LIFETIME_SECS {
        return Err(SimError::TokenRequest(format!(
            "lifetime_secs must be at most {MAX_LIFETIME_SECS}"
        )));
    }
    let (upn, name) = match directory.user(oid) {
        Some(user) => (user.upn.clone(), user.display_name.clone()),
        None => (
            format!("{oid}@{}", crate::demo::TENANT_DOMAIN),
            oid.to_string(),
        ),
    };
    // A guest object's tokens are the other directory's: its `tid` and issuer.
    let tenant = directory
        .user(oid)
        .map_or(directory.tenant_id.as_str(), |u| {
            directory.tenant_of_user(u)
        });
    let now = Utc::now().timestamp();
    let lifetime = i64::try_from(request.lifetime_secs).unwrap_or(0);
    let claims = Claims {
        aud: &request.audience,
        iss: format!("https://sts.windows.net/{tenant}/"),
        iat: now,
        nbf: now,
        exp: now + lifetime,
        oid,
        tid: tenant,
        upn,
        name,
        scp: request
            .scopes
            .clone()
            .unwrap_or_else(|| crate::consent::default_scp(&request.audience)),
        appid: request.client_id.as_deref(),
        azp: request.client_id.as_deref(),
        amr: &request.amr,
        acrs: &request.acrs,
        auth_time: request.auth_time,
    };
    let header = B64URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = serde_json::to_vec(&claims).map_err(|e| SimError::TokenRequest(e.to_string()))?;
    let signing_input = format!("{header}.{}", B64URL.encode(payload));
    let signature = sign(key, signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", B64URL.encode(signature)))
}

fn sign(key: &[u8], input: &[u8]) -> Result<Vec<u8>, SimError> {
    let mut mac =
        HmacSha256::new_from_slice(key).map_err(|e| SimError::TokenRequest(e.to_string()))?;
    mac.update(input);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// Object id (`oid`).
    pub oid: String,
    /// Authentication methods (`amr`).
    pub amr: Vec<String>,
    /// Authentication contexts (`acrs`).
    pub acrs: Vec<String>,
    /// Delegated permissions (`scp`); `None` when the token has no `scp` claim (only tokens
    /// accepted unsigned, with `accept_any_token`).
    pub scopes: Option<Vec<String>>,
    /// The directory the token was issued in (`tid`); `None` when the token has none (only
    /// tokens accepted unsigned).
    pub tid: Option<String>,
}

impl Caller {
    /// Whether the token shows multi-factor authentication.
    pub(crate) fn has_mfa(&self) -> bool {
        self.amr.iter().any(|m| m.eq_ignore_ascii_case("mfa"))
    }

    /// Whether the token carries authentication context `claim`.
    pub(crate) fn has_acrs(&self, claim: &str) -> bool {
        self.acrs.iter().any(|a| a.eq_ignore_ascii_case(claim))
    }

    /// Whether the token carries one of `any` among its delegated permissions (a token without
    /// `scp`, accepted unsigned, is not checked).
    pub(crate) fn has_scope(&self, any: &[&str]) -> bool {
        self.scopes.as_ref().is_none_or(|scopes| {
            scopes
                .iter()
                .any(|s| any.iter().any(|a| a.eq_ignore_ascii_case(s)))
        })
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// No `Authorization` header.
    Missing,
    /// Header present but not `Bearer <token>`.
    NotBearer,
    /// Not a token this simulator accepts.
    Invalid,
    /// `exp` has passed.
    Expired {
        /// `exp` claim.
        exp: i64,
        /// Current time.
        now: i64,
    },
    /// `nbf` lies in the future.
    NotYetValid,
    /// `aud` is not an ARM audience.
    Audience(String),
}

impl Rejection {
    /// ARM error code for the rejection.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Rejection::Expired { .. } => "ExpiredAuthenticationToken",
            Rejection::Audience(_) => "InvalidAuthenticationTokenAudience",
            _ => "InvalidAuthenticationToken",
        }
    }

    /// ARM error message for the rejection.
    pub(crate) fn message(&self, audiences: &[String]) -> String {
        match self {
            Rejection::Missing => "Authentication failed. The 'Authorization' header is missing.".to_string(),
            Rejection::NotBearer => {
                "Authentication failed. The 'Authorization' header is provided in an invalid format.".to_string()
            }
            Rejection::Invalid => "The access token is invalid.".to_string(),
            Rejection::NotYetValid => "The access token is not yet valid.".to_string(),
            Rejection::Expired { exp, now } => format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                display_unix(*exp),
                display_unix(*now)
            ),
            Rejection::Audience(aud) => format!(
                "The access token has been obtained for wrong audience or resource '{aud}'. It should exactly match with one of the allowed audiences '{}'.",
                audiences.join("','")
            ),
        }
    }
}

fn display_unix(secs: i64) -> String {
    Utc.timestamp_opt(secs, 0)
        .single()
        .map(|t| t.format("%-m/%-d/%Y %-I:%M:%S %p").to_string())
        .unwrap_or_else(|| secs.to_string())
}

/// Checks the `Authorization` header value.
pub(crate) fn verify(
    header: Option<&str>,
    key: &[u8],
    accept_any: bool,
    audiences: &[String],
) -> Result<Caller, Rejection> {
    let header = header.ok_or(Rejection::Missing)?.trim();
    let token = match header.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => return Err(Rejection::NotBearer),
    };
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejection::Invalid);
    };
    let header_json: Value = decode_json(head).ok_or(Rejection::Invalid)?;
    let claims: Value = decode_json(body).ok_or(Rejection::Invalid)?;
    if !accept_any {
        if header_json.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(Rejection::Invalid);
        }
        let signature = B64URL.decode(signature).map_err(|_| Rejection::Invalid)?;
        let mut mac = HmacSha256::new_from_slice(key).map_err(|_| Rejection::Invalid)?;
        mac.update(format!("{head}.{body}").as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| Rejection::Invalid)?;
    }
    let oid = claims
        .get("oid")
        .and_then(Value::as_str)
        .filter(|o| !o.trim().is_empty())
        .ok_or(Rejection::Invalid)?;
    let now = Utc::now().timestamp();
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp <= now => return Err(Rejection::Expired { exp, now }),
        None if !accept_any => return Err(Rejection::Invalid),
        _ => {}
    }
    if claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_some_and(|nbf| nbf > now + 300)
    {
        return Err(Rejection::NotYetValid);
    }
    match claims.get("aud") {
        Some(aud) => {
            let given = string_list(aud);
            if !given
                .iter()
                .any(|a| audiences.iter().any(|ok| ok.eq_ignore_ascii_case(a)))
            {
                return Err(Rejection::Audience(given.join(",")));
            }
        }
        None if !accept_any => return Err(Rejection::Invalid),
        None => {}
    }
    Ok(Caller {
        oid: oid.trim().to_string(),
        amr: claims.get("amr").map(string_list).unwrap_or_default(),
        acrs: claims.get("acrs").map(string_list).unwrap_or_default(),
        scopes: claims
            .get("scp")
            .and_then(Value::as_str)
            .map(|s| s.split_whitespace().map(str::to_string).collect()),
        tid: claims
            .get("tid")
            .and_then(Value::as_str)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
    })
}

fn decode_json(part: &str) -> Option<Value> {
    let bytes = B64URL.decode(part).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.is_object().then_some(value)
}

fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Encodes bytes as base64url without padding.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

/// Decodes base64url (padding optional).
pub(crate) fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    B64URL.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::demo_seed;

    fn audiences() -> Vec<String> {
        ARM_AUDIENCES.iter().map(|a| (*a).to_string()).collect()
    }

    #[test]
    fn round_trip_and_rejections() {
        let dir = demo_seed(Utc::now()).directory;
        let key = b"0123456789abcdef0123456789abcdef";
        let token = mint(key, &dir, &TokenRequest::default()).unwrap_or_default();
        let caller = verify(Some(&format!("Bearer {token}")), key, false, &audiences());
        assert!(
            caller
                .as_ref()
                .is_ok_and(|c| c.oid == crate::demo::DEMO_USER_OID && c.has_mfa())
        );
        assert_eq!(
            verify(
                Some(&format!("Bearer {token}")),
                b"other-key",
                false,
                &audiences()
            )
            .err(),
            Some(Rejection::Invalid)
        );
        assert!(
            verify(
                Some(&format!("Bearer {token}")),
                b"other-key",
                true,
                &audiences()
            )
            .is_ok()
        );
        assert_eq!(
            verify(None, key, false, &audiences()).err(),
            Some(Rejection::Missing)
        );
        assert_eq!(
            verify(Some("Basic abc"), key, false, &audiences()).err(),
            Some(Rejection::NotBearer)
        );
        assert_eq!(
            verify(Some("Bearer x.y"), key, true, &audiences()).err(),
            Some(Rejection::Invalid)
        );
        let expired = mint(
            key,
            &dir,
            &TokenRequest {
                lifetime_secs: 0,
                ..TokenRequest::default()
            },
        )
        .unwrap_or_default();
        assert!(matches!(
            verify(Some(&format!("Bearer {expired}")), key, false, &audiences()),
            Err(Rejection::Expired { .. })
        ));
        let graph = mint(
            key,
            &dir,
            &TokenRequest {
                audience: "https://graph.microsoft.com".into(),
                ..TokenRequest::default()
            },
        )
        .unwrap_or_default();
        assert!(matches!(
            verify(Some(&format!("Bearer {graph}")), key, false, &audiences()),
            Err(Rejection::Audience(_))
        ));
    }
}
