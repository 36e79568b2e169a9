//! Each signed-in account's other tenants (the directories where the person is a guest), read from
//! ARM's tenant list and kept with the account, so that they can be chosen like accounts
//! (`--account`, `elevate accounts use`, the tray's Account submenu).

use std::sync::Arc;
use std::time::Duration;

use elevate_core::Error;
use elevate_core::arm::ArmClient;
use elevate_core::auth::{AccountInfo, AccountTokenSource, SignInError, SignedInTokenSource};
use elevate_core::http::{HttpClient, RetryPolicy};
use url::Url;

/// How long reading one account's tenant list may take.
const LIST_TIMEOUT: Duration = Duration::from_secs(20);

/// Reads the tenant list of every home account (with that account's own ARM token, never opening
/// a browser) and keeps it with the account. A list that cannot be read leaves the one kept before;
/// the failures come back as text (for a warning or a log line), the rest goes on.
pub async fn refresh(source: &Arc<SignedInTokenSource>, arm: &Url) -> Vec<String> {
    let http = match HttpClient::new(RetryPolicy::default()) {
        Ok(http) => http,
        Err(e) => return vec![format!("could not read the tenant lists: {e}")],
    };
    let mut failures = Vec::new();
    for key in source.home_keys().await {
        let tokens = Arc::new(AccountTokenSource::new(Arc::clone(source), key.clone()));
        let client = ArmClient::new(http.clone(), arm.clone(), tokens);
        let listed = tokio::time::timeout(LIST_TIMEOUT, client.tenants()).await;
        let result = match listed {
            Ok(Ok(tenants)) => source.set_tenants(&key, tenants).await,
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Invalid("no answer in time".into())),
        };
        if let Err(e) = result {
            tracing::warn!(target: "elevate::tenants", error = %e, "could not read an account's tenant list");
            failures.push(format!("could not read the tenants of an account: {e}"));
        }
    }
    failures
}

/// Chooses the account `wanted` names for this process (`--account`); when no account or known
/// tenant matches, reads the tenant lists again first (a guest tenant added since) and tries once
/// more.
pub async fn select(
    source: &Arc<SignedInTokenSource>,
    wanted: &str,
    arm: &Url,
) -> Result<AccountInfo, Error> {
    match source.select(wanted).await {
        Err(Error::SignIn(SignInError::UnknownAccount { .. })) => {
            refresh(source, arm).await;
            source.select(wanted).await
        }
        other => other,
    }
}

/// Like [`select`], making the choice the saved current account (`elevate accounts use`, the
/// tray's switch).
pub async fn use_account(
    source: &Arc<SignedInTokenSource>,
    wanted: &str,
    arm: &Url,
) -> Result<AccountInfo, Error> {
    match source.use_account(wanted).await {
        Err(Error::SignIn(SignInError::UnknownAccount { .. })) => {
            refresh(source, arm).await;
            source.use_account(wanted).await
        }
        other => other,
    }
}
