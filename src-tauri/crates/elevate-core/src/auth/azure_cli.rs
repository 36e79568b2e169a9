//! Tokens from the Azure CLI's own sign-in (`az login`), through `azure_identity`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use azure_core::credentials::TokenCredential;
use azure_identity::{AzureCliCredential, AzureCliCredentialOptions};
use chrono::{DateTime, TimeDelta, Utc};

use super::{AccessToken, Audience, TokenFuture, TokenSource};
use crate::error::Error;
use crate::secret::Secret;

/// Hands out tokens from `az account get-access-token`, cached until five minutes before they expire
/// (the credential itself runs the CLI on every call).
pub struct AzureCliTokenSource {
    credential: Arc<AzureCliCredential>,
    arm_scope: String,
    graph_scope: String,
    cache: Mutex<HashMap<Audience, AccessToken>>,
}

impl AzureCliTokenSource {
    /// A source for the given OAuth scopes, optionally in one tenant.
    pub fn new(
        arm_scope: String,
        graph_scope: String,
        tenant_id: Option<String>,
    ) -> crate::error::Result<Self> {
        let options = AzureCliCredentialOptions {
            tenant_id,
            ..Default::default()
        };
        let credential = AzureCliCredential::new(Some(options))
            .map_err(|e| Error::Auth(format!("cannot use the Azure CLI sign-in: {e}")))?;
        Ok(AzureCliTokenSource {
            credential,
            arm_scope,
            graph_scope,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cached(&self, audience: Audience) -> Option<AccessToken> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(&audience)
            .filter(|t| t.expires_on - Utc::now() > TimeDelta::minutes(5))
            .cloned()
    }
}

impl TokenSource for AzureCliTokenSource {
    fn token<'a>(
        &'a self,
        audience: Audience,
        claims: Option<&'a serde_json::Value>,
    ) -> TokenFuture<'a> {
        Box::pin(async move {
            if let Some(claims) = claims {
                // The Azure CLI takes a claims challenge only at sign-in, so say exactly what to run.
                let encoded = base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    claims.to_string(),
                );
                return Err(Error::Auth(format!(
                    "this role needs a stronger sign-in; run: az login --claims-challenge {encoded} --scope {}",
                    self.arm_scope
                )));
            }
            if let Some(token) = self.cached(audience) {
                return Ok(token);
            }
            let scope = match audience {
                Audience::Arm => self.arm_scope.as_str(),
                Audience::Graph => self.graph_scope.as_str(),
            };
            let token = self
                .credential
                .get_token(&[scope], None)
                .await
                .map_err(|e| {
                    Error::Auth(format!(
                        "the Azure CLI could not give a token ({e}); run `az login` and try again"
                    ))
                })?;
            let expires_on = DateTime::<Utc>::from_timestamp(token.expires_on.unix_timestamp(), 0)
                .unwrap_or_else(|| Utc::now() + TimeDelta::minutes(5));
            let token = AccessToken {
                token: Secret::new(token.token.secret()),
                expires_on,
            };
            if let Ok(mut cache) = self.cache.lock() {
                cache.insert(audience, token.clone());
            }
            Ok(token)
        })
    }

    fn describe(&self) -> String {
        "Azure CLI sign-in".to_owned()
    }
}
