//! The device authorization grant (RFC 8628), Elevate's fallback when no browser can be opened on
//! this machine: the user opens a URL elsewhere and types a short code.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::error::{SignInError, clean};
use super::protocol::{Grant, Tokens, post_form, redeem};
use crate::secret::Secret;

/// What to show the user while the device code is polled.
#[derive(Clone, Debug)]
pub struct DeviceCodePrompt {
    /// The page to open, e.g. `https://microsoft.com/devicelogin`.
    pub verification_uri: String,
    /// The page with the code filled in, when the provider offers one.
    pub verification_uri_complete: Option<String>,
    /// The code to type there (short-lived, single-use, useless without the user's own sign-in).
    pub user_code: String,
    /// The provider's own instruction, when it sends one.
    pub message: Option<String>,
}

/// A started device authorization.
pub(crate) struct DeviceAuthorization {
    pub prompt: DeviceCodePrompt,
    device_code: Secret,
    interval: Duration,
    expires_in: Duration,
}

#[derive(Deserialize)]
struct DeviceWire {
    device_code: String,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    message: Option<String>,
}

/// Asks `devicecode_url` for a device code for `scope`.
pub(crate) async fn start(
    http: &reqwest::Client,
    devicecode_url: &Url,
    client_id: &str,
    scope: &str,
) -> Result<DeviceAuthorization, SignInError> {
    let scope = format!("{scope} {}", super::settings::OIDC_SCOPES);
    let body = post_form(
        http,
        devicecode_url,
        &[("client_id", client_id), ("scope", &scope)],
    )
    .await?;
    let wire: DeviceWire = serde_json::from_value(body).map_err(|_| {
        SignInError::Malformed(
            "the device code answer lacks device_code, user_code or verification_uri".into(),
        )
    })?;
    Ok(DeviceAuthorization {
        prompt: DeviceCodePrompt {
            verification_uri: clean(&wire.verification_uri),
            verification_uri_complete: wire.verification_uri_complete.map(|u| clean(&u)),
            user_code: clean(&wire.user_code),
            message: wire.message.map(|m| clean(&m)),
        },
        device_code: Secret::new(wire.device_code),
        interval: Duration::from_secs(wire.interval.unwrap_or(5).clamp(1, 60)),
        expires_in: Duration::from_secs(wire.expires_in.unwrap_or(900).clamp(30, 3600)),
    })
}

impl DeviceAuthorization {
    /// Polls the token endpoint until the user finishes, declines, or the code expires.
    pub(crate) async fn poll(
        &self,
        http: &reqwest::Client,
        token_url: &Url,
        client_id: &str,
        scope: &str,
    ) -> Result<Tokens, SignInError> {
        let deadline = tokio::time::Instant::now() + self.expires_in;
        let mut interval = self.interval;
        loop {
            tokio::time::sleep(interval).await;
            if tokio::time::Instant::now() >= deadline {
                return Err(SignInError::DeviceCodeExpired);
            }
            let grant = Grant::DeviceCode {
                device_code: &self.device_code,
            };
            match redeem(http, token_url, client_id, grant, scope, None).await {
                Ok(tokens) => return Ok(tokens),
                Err(SignInError::Rejected { error, .. }) if error == "authorization_pending" => {}
                Err(SignInError::Rejected { error, .. }) if error == "slow_down" => {
                    interval += Duration::from_secs(5);
                }
                Err(SignInError::Rejected { error, .. })
                    if error == "expired_token" || error == "code_expired" =>
                {
                    return Err(SignInError::DeviceCodeExpired);
                }
                Err(e) => return Err(e),
            }
        }
    }
}
