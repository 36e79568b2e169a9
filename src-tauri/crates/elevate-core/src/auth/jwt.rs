//! Reading (not verifying) the claims of an access token: the user's object id, tenant and name.
//!
//! Elevate needs the `oid` because PIM requests must name the caller as `principalId`. The token was
//! obtained from the identity provider over TLS and is only read here, never trusted for authorization.

use base64::Engine as _;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The claims of an access token that Elevate uses.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct TokenClaims {
    /// The user's object id.
    pub oid: Option<String>,
    /// The tenant id.
    pub tid: Option<String>,
    /// The user principal name.
    pub upn: Option<String>,
    /// Another name for the user, in v2 tokens.
    pub preferred_username: Option<String>,
    /// Another name for the user, in some v1 tokens.
    pub unique_name: Option<String>,
    /// The display name.
    pub name: Option<String>,
    /// Expiry (seconds since the epoch).
    pub exp: Option<i64>,
    /// When the user last signed in interactively (seconds since the epoch; id tokens).
    pub auth_time: Option<i64>,
    /// When the token was issued (seconds since the epoch).
    pub iat: Option<i64>,
    /// Authentication methods (`pwd`, `mfa`).
    #[serde(default)]
    pub amr: Vec<String>,
    /// Authentication context class references satisfied.
    #[serde(default)]
    pub acrs: Vec<String>,
    /// Delegated permissions, space-separated (access tokens).
    pub scp: Option<String>,
}

impl TokenClaims {
    /// The delegated permissions of an access token (`scp`); `None` when it has no `scp`.
    pub fn scopes(&self) -> Option<Vec<String>> {
        self.scp
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
    }

    /// The best account name available.
    pub fn account(&self) -> Option<&str> {
        self.upn
            .as_deref()
            .or(self.preferred_username.as_deref())
            .or(self.unique_name.as_deref())
    }

    /// Whether the sign-in used multi-factor authentication (`amr` holds `mfa`).
    pub fn used_mfa(&self) -> bool {
        self.amr.iter().any(|m| m.eq_ignore_ascii_case("mfa"))
    }

    /// The object id, or an error saying the token cannot be used for PIM.
    pub fn require_oid(&self) -> Result<&str> {
        self.oid
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::Auth("the access token has no user object id (oid); sign in as a user, not an application".into()))
    }
}

/// Decodes the payload of a JWT without verifying it.
pub fn decode_claims(token: &Secret) -> Result<TokenClaims> {
    let bad = |why: &str| {
        Error::Auth(format!(
            "the access token could not be read ({why}); sign in again"
        ))
    };
    let mut parts = token.expose().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not a JWT"));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| bad("payload is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| bad("payload is not JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> Secret {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        Secret::new(format!(
            "{}.{}.{}",
            enc("{\"alg\":\"none\"}"),
            enc(payload),
            enc("sig")
        ))
    }

    #[test]
    fn reads_oid_tenant_and_name() {
        let claims = decode_claims(&jwt(
            r#"{"oid":"abc","tid":"t1","upn":"ada@x","amr":["pwd","mfa"]}"#,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claims.require_oid().ok(), Some("abc"));
        assert_eq!(claims.account(), Some("ada@x"));
        assert_eq!(claims.amr, vec!["pwd", "mfa"]);
    }

    #[test]
    fn garbage_is_an_auth_error_that_does_not_echo_the_token() {
        for bad in ["", "abc", "a.b", "a.!!!.c", "a.b.c.d"] {
            let err = decode_claims(&Secret::new(bad))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("sign in again"), "{err}");
        }
        let err = decode_claims(&jwt("not json"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            !err.contains("not json"),
            "the token's content must not appear: {err}"
        );
        assert!(
            decode_claims(&jwt(r#"{"tid":"t"}"#))
                .map(|c| c.require_oid().is_err())
                .unwrap_or(false)
        );
    }
}
