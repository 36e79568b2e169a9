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
    /// For the same person in a guest tenant: the key of their home account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    /// The tenant's display name, when ARM's tenant list gave one (Azure's text: untrusted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_name: Option<String>,
    /// For a home account: its other tenants (guest tenants from ARM's tenant list), each to
    /// switch to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<TenantChoice>,
}

/// Another tenant of a signed-in account (a guest tenant), to switch to.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TenantChoice {
    /// What `select`/`use_account` take for it (the tenant's own account key once it was used).
    pub key: String,
    /// The tenant id.
    pub tenant_id: String,
    /// Its display name (Azure's text: untrusted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Its default domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_domain: Option<String>,
    /// Whether Elevate uses it now.
    pub current: bool,
}

impl TenantChoice {
    /// A name for people: the display name, else the default domain, else the id.
    pub fn label(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.default_domain.as_deref())
            .unwrap_or(&self.tenant_id)
    }
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
            home: account.home.clone(),
            tenant_name: None,
            tenants: Vec::new(),
        }
    }

    /// Every account, `current` marking the one with key `current`; a home account carries its
    /// other tenants (known from ARM's tenant list, or used already), a guest tenant's account its
    /// tenant's name.
    pub(crate) fn all(data: &CacheData, current: Option<&str>) -> Vec<Self> {
        data.accounts
            .iter()
            .map(|a| {
                let mut info = AccountInfo::of(a, current == Some(a.key.as_str()));
                let home = a
                    .home
                    .as_deref()
                    .and_then(|h| data.accounts.iter().find(|x| x.key == h))
                    .unwrap_or(a);
                info.tenant_name = home
                    .tenants
                    .iter()
                    .find(|t| t.tenant_id.eq_ignore_ascii_case(&a.tenant_id))
                    .and_then(|t| t.display_name.clone());
                if a.home.is_none() {
                    info.tenants = tenant_choices(data, a, current);
                }
                info
            })
            .collect()
    }
}

/// The other tenants of home account `home`: those ARM listed, then guest accounts of it that the
/// list no longer has.
fn tenant_choices(
    data: &CacheData,
    home: &StoredAccount,
    current: Option<&str>,
) -> Vec<TenantChoice> {
    let guest_in = |tenant: &str| {
        data.accounts.iter().find(|g| {
            g.home.as_deref() == Some(home.key.as_str()) && g.tenant_id.eq_ignore_ascii_case(tenant)
        })
    };
    let mut out: Vec<TenantChoice> = home
        .tenants
        .iter()
        .filter(|t| !t.tenant_id.eq_ignore_ascii_case(&home.tenant_id))
        .map(|t| {
            let key = guest_in(&t.tenant_id).map_or_else(
                || super::signed_in::tenant_target(&home.key, &t.tenant_id),
                |g| g.key.clone(),
            );
            TenantChoice {
                current: current == Some(key.as_str()),
                key,
                tenant_id: t.tenant_id.clone(),
                display_name: t.display_name.clone(),
                default_domain: t.default_domain.clone(),
            }
        })
        .collect();
    for guest in data
        .accounts
        .iter()
        .filter(|g| g.home.as_deref() == Some(home.key.as_str()))
    {
        if !out.iter().any(|t| t.key == guest.key) {
            out.push(TenantChoice {
                key: guest.key.clone(),
                tenant_id: guest.tenant_id.clone(),
                display_name: None,
                default_domain: None,
                current: current == Some(guest.key.as_str()),
            });
        }
    }
    out
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
