//! What `whoami` and the tray show about the signed-in accounts: names, tenants and token expiry,
//! never a token.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::token_cache::{AudienceName, CacheData, StoredAccount};

/// One signed-in account.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AccountInfo {
    /// Elevate's key for the account, `{object id}.{tenant id}`: its data folder's name.
    pub key: String,
    /// The sign-in name.
    pub username: String,
    /// The display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user's object id.
    pub object_id: String,
    /// The tenant.
    pub tenant_id: String,
    /// Whether Elevate uses this account now.
    pub current: bool,
    /// The client id the sign-in went through.
    pub client_id: String,
    /// The authority.
    pub authority: String,
    /// When the last ARM access token expires (a new one is fetched silently before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arm_token_expires: Option<DateTime<Utc>>,
    /// When the last Graph access token expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub graph_token_expires: Option<DateTime<Utc>>,
}

impl AccountInfo {
    pub(crate) fn of(account: &StoredAccount, current: bool) -> Self {
        let expiry = |name: AudienceName| {
            account
                .access_tokens
                .iter()
                .find(|t| t.audience == name)
                .map(|t| t.expires_on)
        };
        AccountInfo {
            key: account.key.clone(),
            username: account.username.clone(),
            name: account.name.clone(),
            object_id: account.object_id.clone(),
            tenant_id: account.tenant_id.clone(),
            current,
            client_id: account.client_id.clone(),
            authority: account.authority.clone(),
            arm_token_expires: expiry(AudienceName::Arm),
            graph_token_expires: expiry(AudienceName::Graph),
        }
    }

    /// Every account, `current` marking the one with key `current`.
    pub(crate) fn all(data: &CacheData, current: Option<&str>) -> Vec<Self> {
        data.accounts
            .iter()
            .map(|a| AccountInfo::of(a, current == Some(a.key.as_str())))
            .collect()
    }
}

/// The state of Elevate's own sign-in.
#[derive(Clone, Debug, Serialize)]
pub struct SignInStatus {
    /// The signed-in accounts (the current one marked).
    pub accounts: Vec<AccountInfo>,
    /// `keyring` (OS credential store + sealed file) or `memory` (nothing written).
    pub storage: &'static str,
    /// Why the sign-in is kept in memory only, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_only_reason: Option<String>,
}
