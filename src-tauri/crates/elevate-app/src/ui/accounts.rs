//! The settings page's list of Elevate's own signed-in accounts, each with its own sign-out.

use elevate_core::auth::AccountInfo;
use serde::Serialize;
use specta::Type;

/// One signed-in account. The names come from the identity provider: shown as text.
#[derive(Clone, Debug, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    /// Elevate's key for it, what `signOutAccount` takes.
    pub key: String,
    /// The user name.
    pub username: String,
    /// The display name, when known.
    pub name: Option<String>,
    /// The tenant id.
    pub tenant: String,
    /// The tenant's display name from ARM's tenant list, when known (Azure's text: shown as text).
    pub tenant_name: Option<String>,
    /// It is the account's guest tenant (another directory of the same person, using the home
    /// account's sign-in).
    pub guest: bool,
    /// Whether it is the one in use.
    pub current: bool,
}

/// The accounts as the window shows them, the current one first.
pub fn accounts_view(accounts: &[AccountInfo]) -> Vec<AccountView> {
    let mut views: Vec<AccountView> = accounts
        .iter()
        .map(|a| AccountView {
            key: a.key.clone(),
            username: a.username.clone(),
            name: a.name.clone(),
            tenant: a.tenant_id.clone(),
            tenant_name: a.tenant_name.clone(),
            guest: a.home.is_some(),
            current: a.current,
        })
        .collect();
    views.sort_by_key(|v| !v.current);
    views
}
