//! Elevate's own sign-in as a [`TokenSource`]: authorization code + PKCE in the browser (or a device
//! code), one refresh token per account redeemed silently for ARM and Graph tokens and saved again
//! after every use, interactive sign-in only when the refresh token no longer works, and step-up
//! sign-ins for claims challenges.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use super::account::{AccountInfo, SignInStatus};
use super::browser::BrowserLauncher;
use super::credential_store::TokenStore;
use super::error::SignInError;
use super::loopback::LoopbackListener;
use super::pkce::{Pkce, random_state};
use super::prompt::{SignInNotice, SignInPrompt};
use super::protocol::{self, Grant, Tokens};
use super::settings::{OIDC_SCOPES, ORGANIZATIONS, SignInSettings, check_tenant};
use super::token_cache::{CacheData, ClientSignIn, KnownTenant, StoredAccount};
use super::{
    AccessToken, Audience, FreshSignIn, SignInProof, TokenFuture, TokenSource, decode_claims,
    device_code,
};
use crate::error::{Error, Result};

/// Access tokens are renewed this long before they expire.
const RENEW_MARGIN: TimeDelta = TimeDelta::minutes(5);

/// How to sign in interactively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInMethod {
    /// Authorization code + PKCE in the browser, answer on a loopback port.
    Browser,
    /// Device code: open a URL anywhere and type a code.
    DeviceCode,
}

/// How the token source behaves.
#[derive(Clone, Debug)]
pub struct SignInOptions {
    /// How long to wait for the browser's answer.
    pub browser_timeout: Duration,
    /// Sign in interactively when nobody is signed in yet (demo mode; memory-only sessions),
    /// instead of failing with "run `elevate login`".
    pub sign_in_when_signed_out: bool,
    /// May open the browser when the refresh token stopped working or Azure asks for claims.
    pub interactive: bool,
    /// A device code can be shown to the user (a terminal, or the tray's window): an account that
    /// signed in with a device code gets its second client's first sign-in with one too; without,
    /// that sign-in fails saying what to run.
    pub can_show_device_code: bool,
}

impl Default for SignInOptions {
    fn default() -> Self {
        SignInOptions {
            browser_timeout: Duration::from_secs(300),
            sign_in_when_signed_out: false,
            interactive: true,
            can_show_device_code: true,
        }
    }
}

/// A step-up token: kept apart from the account's normal token, because a silent refresh cannot
/// be relied on to satisfy the claims again.
struct StepUp {
    audience: Audience,
    claims: String,
    token: AccessToken,
}

/// A sign-in made for decisions: kept apart from the account's, in memory only, used for nothing
/// else. Its refresh token only fetches a token for the other API while the sign-in itself is
/// recent enough; the proof stays the sign-in's, so a refresh never makes it fresher.
struct DecisionSignIn {
    account: String,
    proof: SignInProof,
    refresh_token: Option<crate::secret::Secret>,
    tokens: Vec<(Audience, AccessToken)>,
}

struct State {
    data: CacheData,
    step_ups: Vec<StepUp>,
    decision: Option<DecisionSignIn>,
    /// The accounts that were in the saved cache when this process last read or wrote it: one of
    /// them missing from the file later was signed out by another process (or its key deleted).
    persisted: Vec<String>,
    /// The saved file's size and time when this process last read or wrote it.
    fingerprint: Option<(u64, std::time::SystemTime)>,
    /// This process signed in with a device code: a second client's sign-in uses one too.
    device: bool,
    /// The account this process uses instead of the saved current one (`--account`), by key.
    selected: Option<String>,
    /// This process changed the current account and has not written it yet: reading the file
    /// again must not undo that.
    current_changed: bool,
}

/// Extra `/authorize` parameters of a sign-in.
#[derive(Default)]
struct Ask<'a> {
    claims: Option<&'a serde_json::Value>,
    login_hint: Option<&'a str>,
    /// `prompt=login` and `max_age`: the user must enter their credentials again.
    reauthenticate: Option<u64>,
}

/// Elevate's own sign-in.
pub struct SignedInTokenSource {
    settings: SignInSettings,
    http: reqwest::Client,
    browser: Arc<dyn BrowserLauncher>,
    prompt: Arc<dyn SignInPrompt>,
    store: Arc<TokenStore>,
    options: SignInOptions,
    state: tokio::sync::Mutex<State>,
}

impl SignedInTokenSource {
    /// Loads the saved sign-in from `store`.
    pub async fn new(
        settings: SignInSettings,
        store: Arc<TokenStore>,
        browser: Arc<dyn BrowserLauncher>,
        prompt: Arc<dyn SignInPrompt>,
        options: SignInOptions,
    ) -> Result<Self> {
        let loading = Arc::clone(&store);
        let (data, fingerprint) =
            tokio::task::spawn_blocking(move || (loading.load(), loading.fingerprint()))
                .await
                .unwrap_or_default();
        let persisted = data.accounts.iter().map(|a| a.key.clone()).collect();
        if let Some(reason) = store.memory_only_reason() {
            prompt.notify(SignInNotice::MemoryOnly { reason });
        }
        Ok(SignedInTokenSource {
            settings,
            http: protocol::http_client()?,
            browser,
            prompt,
            store,
            options,
            state: tokio::sync::Mutex::new(State {
                data,
                step_ups: Vec::new(),
                decision: None,
                persisted,
                fingerprint,
                device: false,
                selected: None,
                current_changed: false,
            }),
        })
    }

    /// Signs in interactively (through `tenant`, else `organizations`), adds the account (or
    /// replaces it) and makes it current.
    pub async fn sign_in(&self, method: SignInMethod, tenant: Option<&str>) -> Result<AccountInfo> {
        let tenant = tenant.unwrap_or(ORGANIZATIONS);
        check_tenant(tenant).map_err(Error::SignIn)?;
        let mut state = self.state.lock().await;
        let tokens = match method {
            SignInMethod::Browser => {
                self.browser_flow(tenant, Audience::Arm, Ask::default())
                    .await?
            }
            SignInMethod::DeviceCode => {
                state.device = true;
                self.device_flow(tenant, Audience::Arm).await?
            }
        };
        let key = self.remember(&mut state, tokens, Audience::Arm, true, true)?;
        if let Some(account) = state.data.account_mut(&key) {
            account.device_code = method == SignInMethod::DeviceCode;
        }
        // This process goes on with the account it signed in (it is the saved current one too).
        state.selected = Some(key.clone());
        self.save(&mut state).await;
        let account = state
            .data
            .accounts
            .iter()
            .find(|a| a.key == key)
            .map(|a| AccountInfo::of(a, true))
            .ok_or(Error::SignIn(SignInError::NotSignedIn))?;
        Ok(account)
    }

    /// The signed-in account that `wanted` names: its user name, or its tenant's id or domain (the
    /// part of the user name after `@`), case-insensitively. A user name wins over a tenant.
    pub async fn find_account(&self, wanted: &str) -> Result<AccountInfo> {
        let mut state = self.state.lock().await;
        self.reconcile(&mut state).await;
        let key = self.resolve_and_join(&mut state, wanted).await?;
        Self::info_of(&state, &key)
    }

    /// Uses the account `wanted` names in this process only (`--account`); the saved current account
    /// stays.
    pub async fn select(&self, wanted: &str) -> Result<AccountInfo> {
        let mut state = self.state.lock().await;
        self.reconcile(&mut state).await;
        let key = self.resolve_and_join(&mut state, wanted).await?;
        if state.selected.as_deref() != Some(key.as_str()) {
            state.step_ups.clear();
            state.decision = None;
        }
        state.selected = Some(key.clone());
        Self::info_of(&state, &key)
    }

    /// Makes the account `wanted` names the current one, for this process and (saved) for the next.
    pub async fn use_account(&self, wanted: &str) -> Result<AccountInfo> {
        let mut state = self.state.lock().await;
        self.reconcile(&mut state).await;
        let key = self.resolve_and_join(&mut state, wanted).await?;
        if Self::effective_key(&state) != Some(key.as_str()) {
            state.step_ups.clear();
            state.decision = None;
        }
        state.selected = Some(key.clone());
        state.data.current = Some(key.clone());
        state.current_changed = true;
        self.save(&mut state).await;
        Self::info_of(&state, &key)
    }

    /// The key (`{oid}.{tid}`) of the account this process uses, if any: what its data folder is
    /// named after.
    pub async fn current_key(&self) -> Option<String> {
        let state = self.state.lock().await;
        self.usable(&state).map(|a| a.key.clone())
    }

    /// Signs out one account (`wanted`, else the one this process uses): forgets its refresh
    /// tokens; when it was the saved current one, the first other account becomes current. The
    /// last account's sign-out deletes the sealed file and its key. Returns who was signed out.
    pub async fn sign_out_account(&self, wanted: Option<&str>) -> Result<AccountInfo> {
        let mut state = self.state.lock().await;
        self.reconcile(&mut state).await;
        let key = match wanted {
            Some(wanted) => match Self::resolve(&state.data, wanted)? {
                Resolved::Account(key) => key,
                // A tenant never used has nothing to sign out.
                Resolved::Tenant { .. } => {
                    return Err(Error::SignIn(SignInError::UnknownAccount {
                        wanted: crate::text::sanitize(wanted),
                        accounts: Self::listed(&state.data.accounts.iter().collect::<Vec<_>>()),
                    }));
                }
            },
            // The person behind the account in use (in a guest tenant: their home account).
            None => Self::effective_key(&state)
                .and_then(|k| state.data.accounts.iter().find(|a| a.key == k))
                .map(|a| a.home.clone().unwrap_or_else(|| a.key.clone()))
                .ok_or(Error::SignIn(SignInError::NotSignedIn))?,
        };
        let info = Self::info_of(&state, &key)?;
        // A home account takes its guest tenants' accounts with it (they use its refresh token).
        let removed: Vec<String> = state
            .data
            .accounts
            .iter()
            .filter(|a| a.key == key || a.home.as_deref() == Some(key.as_str()))
            .map(|a| a.key.clone())
            .collect();
        state.data.accounts.retain(|a| !removed.contains(&a.key));
        if state
            .data
            .current
            .as_ref()
            .is_some_and(|c| removed.contains(c))
        {
            state.data.current = state
                .data
                .accounts
                .iter()
                .find(|a| a.home.is_none())
                .or(state.data.accounts.first())
                .map(|a| a.key.clone());
        }
        if state.selected.as_ref().is_some_and(|s| removed.contains(s)) {
            state.selected = None;
            state.step_ups.clear();
        }
        if state
            .decision
            .as_ref()
            .is_some_and(|d| removed.contains(&d.account))
        {
            state.decision = None;
        }
        if state.data.accounts.is_empty() {
            state.data = CacheData::default();
            state.persisted.clear();
            let store = Arc::clone(&self.store);
            tokio::task::spawn_blocking(move || store.clear())
                .await
                .map_err(|e| Error::Invalid(format!("sign-out was interrupted: {e}")))?
                .map_err(Error::SignIn)?;
            return Ok(info);
        }
        // Written as it is now (not through `save`, whose reconciling would take the account back
        // from the file).
        let store = Arc::clone(&self.store);
        let data = state.data.clone();
        let written =
            tokio::task::spawn_blocking(move || store.save(&data).map(|()| store.fingerprint()))
                .await
                .map_err(|e| Error::Invalid(format!("sign-out was interrupted: {e}")))?;
        match written {
            Ok(fingerprint) => {
                state.persisted = state.data.accounts.iter().map(|a| a.key.clone()).collect();
                state.fingerprint = fingerprint;
            }
            Err(e) if self.store.memory_only_reason().is_some() => {
                tracing::debug!("sign-out kept in memory: {e}");
            }
            Err(e) => return Err(Error::SignIn(e)),
        }
        Ok(info)
    }

    /// The key of the account this process uses: the selected one, else the saved current one.
    fn effective_key(state: &State) -> Option<&str> {
        state.selected.as_deref().or(state.data.current.as_deref())
    }

    fn info_of(state: &State, key: &str) -> Result<AccountInfo> {
        // As listed (a guest tenant's name, a home account's tenants).
        AccountInfo::all(&state.data, Self::effective_key(state))
            .into_iter()
            .find(|a| a.key == key)
            .ok_or(Error::SignIn(SignInError::NotSignedIn))
    }

    /// `user (tenant)` of each account, for messages.
    fn listed(accounts: &[&StoredAccount]) -> String {
        if accounts.is_empty() {
            return "none".to_owned();
        }
        accounts
            .iter()
            .map(|a| format!("{} ({})", a.username, a.tenant_id))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What `wanted` names (see [`Self::find_account`]): an account by its key, user name, tenant
    /// id or domain; or another tenant of an account (from ARM's tenant list) by its id, a domain
    /// or its display name (case-insensitive), which is that tenant's account once it was used.
    /// `{home key}/{tenant id}` names a tenant of an account exactly (what the tray passes).
    fn resolve(data: &CacheData, wanted: &str) -> Result<Resolved> {
        let wanted = wanted.trim();
        // The tray and the window name an account by its key.
        if let Some(account) = data.accounts.iter().find(|a| a.key == wanted) {
            return Ok(Resolved::Account(account.key.clone()));
        }
        let guest_in = |home: &str, tenant: &str| {
            data.accounts
                .iter()
                .find(|g| {
                    g.home.as_deref() == Some(home) && g.tenant_id.eq_ignore_ascii_case(tenant)
                })
                .map(|g| g.key.clone())
        };
        let homes: Vec<&StoredAccount> =
            data.accounts.iter().filter(|a| a.home.is_none()).collect();
        if let Some((home, tenant)) = wanted.rsplit_once('/')
            && let Some(account) = homes.iter().find(|a| a.key == home)
        {
            if let Some(key) = guest_in(home, tenant) {
                return Ok(Resolved::Account(key));
            }
            if let Some(known) = account
                .tenants
                .iter()
                .find(|t| t.tenant_id.eq_ignore_ascii_case(tenant))
            {
                return Ok(Resolved::Tenant {
                    home: home.to_owned(),
                    tenant: known.clone(),
                });
            }
        }
        // A user name names the person's home account (their guest tenants' accounts share it).
        let by_name: Vec<&StoredAccount> = homes
            .iter()
            .copied()
            .filter(|a| a.username.eq_ignore_ascii_case(wanted))
            .collect();
        if let [one] = by_name.as_slice() {
            return Ok(Resolved::Account(one.key.clone()));
        }
        let mut found: Vec<(Resolved, &StoredAccount)> = Vec::new();
        if by_name.is_empty() {
            for account in &homes {
                let own = account.tenant_id.eq_ignore_ascii_case(wanted)
                    || account
                        .username
                        .rsplit_once('@')
                        .is_some_and(|(_, domain)| domain.eq_ignore_ascii_case(wanted))
                    || account.tenants.iter().any(|t| {
                        t.tenant_id.eq_ignore_ascii_case(&account.tenant_id) && t.is_named(wanted)
                    });
                if own {
                    found.push((Resolved::Account(account.key.clone()), account));
                    continue;
                }
                let mut named: Vec<String> = Vec::new();
                for tenant in account.tenants.iter().filter(|t| t.is_named(wanted)) {
                    named.push(tenant.tenant_id.to_ascii_lowercase());
                    let target = match guest_in(&account.key, &tenant.tenant_id) {
                        Some(key) => Resolved::Account(key),
                        None => Resolved::Tenant {
                            home: account.key.clone(),
                            tenant: tenant.clone(),
                        },
                    };
                    found.push((target, account));
                }
                // A guest tenant's account whose tenant the list no longer has, by tenant id.
                for guest in data
                    .accounts
                    .iter()
                    .filter(|g| g.home.as_deref() == Some(account.key.as_str()))
                {
                    if guest.tenant_id.eq_ignore_ascii_case(wanted)
                        && !named.contains(&guest.tenant_id.to_ascii_lowercase())
                    {
                        found.push((Resolved::Account(guest.key.clone()), account));
                    }
                }
            }
        } else {
            found = by_name
                .iter()
                .map(|a| (Resolved::Account(a.key.clone()), *a))
                .collect();
        }
        match found.as_slice() {
            [(one, _)] => Ok(one.clone()),
            [] => Err(Error::SignIn(SignInError::UnknownAccount {
                wanted: crate::text::sanitize(wanted),
                accounts: Self::listed(&homes),
            })),
            several => Err(Error::SignIn(SignInError::AmbiguousAccount {
                wanted: crate::text::sanitize(wanted),
                accounts: Self::listed(&several.iter().map(|(_, a)| *a).collect::<Vec<_>>()),
            })),
        }
    }

    /// The key of the account `wanted` names; a tenant of an account not used before is signed
    /// into first (without a browser: see [`Self::join_tenant`]).
    async fn resolve_and_join(&self, state: &mut State, wanted: &str) -> Result<String> {
        match Self::resolve(&state.data, wanted)? {
            Resolved::Account(key) => Ok(key),
            Resolved::Tenant { home, tenant } => self.join_tenant(state, &home, &tenant).await,
        }
    }

    /// Signs the person of home account `home` into another of their tenants, without a browser:
    /// a refresh token is bound to the user and the client, not to a tenant, so theirs is redeemed
    /// at that tenant's token endpoint (for ARM). The tokens carry the tenant's `tid` and the
    /// person's object there (a guest has an object of its own); that pair becomes an account of
    /// its own (key, data folder) that keeps using the home account's refresh token. A tenant
    /// where the person is no member or guest is refused (`SignInError::NotInTenant`).
    async fn join_tenant(
        &self,
        state: &mut State,
        home: &str,
        tenant: &KnownTenant,
    ) -> Result<String> {
        check_tenant(&tenant.tenant_id).map_err(Error::SignIn)?;
        let home_account = state
            .data
            .accounts
            .iter()
            .find(|a| a.key == home)
            .cloned()
            .ok_or(Error::SignIn(SignInError::NotSignedIn))?;
        let url = self.settings.token_url(&tenant.tenant_id)?;
        let tokens = protocol::redeem(
            &self.http,
            &url,
            self.settings.client_for(Audience::Arm),
            Grant::Refresh {
                refresh_token: &home_account.refresh_token,
            },
            self.settings.scope(Audience::Arm),
            None,
        )
        .await
        .map_err(Error::SignIn)?;
        let claims = decode_claims(tokens.id_token.as_ref().unwrap_or(&tokens.access_token))?;
        let object_id = claims.require_oid()?.to_owned();
        let tenant_id = claims.tid.clone().unwrap_or_default();
        if !tenant_id.eq_ignore_ascii_case(&tenant.tenant_id) {
            return Err(Error::SignIn(SignInError::Malformed(format!(
                "a token for tenant {} came back for tenant {}",
                crate::text::sanitize(&tenant.tenant_id),
                crate::text::sanitize(&tenant_id)
            ))));
        }
        let key = format!("{object_id}.{tenant_id}");
        if let Some(refresh_token) = tokens.refresh_token.clone()
            && let Some(owner) = state.data.account_mut(home)
        {
            owner.refresh_token = refresh_token;
        }
        let mut guest = StoredAccount {
            key: key.clone(),
            username: home_account.username.clone(),
            name: home_account.name.clone(),
            object_id,
            tenant_id,
            client_id: home_account.client_id.clone(),
            authority: home_account.authority.clone(),
            refresh_token: crate::secret::Secret::new(String::new()),
            access_tokens: Vec::new(),
            signed_in: home_account.signed_in,
            graph_client: None,
            device_code: home_account.device_code,
            home: Some(home.to_owned()),
            tenants: Vec::new(),
        };
        guest.set_access_token(
            Audience::Arm,
            self.settings.apis.of_audience(Audience::Arm),
            self.settings.scope(Audience::Arm),
            tokens.access_token,
            tokens.expires_on,
        );
        tracing::info!(tenant = %guest.tenant_id, "signed into another tenant of the account with its refresh token");
        state.persisted.retain(|k| *k != key);
        let previous = state.data.current.clone();
        state.data.upsert(guest);
        state.data.current = previous;
        self.save(state).await;
        Ok(key)
    }

    /// Keeps `tenants` (ARM's tenant list, read with a token of account `key` or of one of its
    /// guest tenants) as its home account's list, saved.
    pub async fn set_tenants(&self, key: &str, tenants: Vec<KnownTenant>) -> Result<()> {
        let mut state = self.state.lock().await;
        self.reconcile(&mut state).await;
        let home = state
            .data
            .accounts
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.home.clone().unwrap_or_else(|| a.key.clone()))
            .ok_or(Error::SignIn(SignInError::NotSignedIn))?;
        match state.data.account_mut(&home) {
            Some(account) if account.tenants != tenants => account.tenants = tenants,
            _ => return Ok(()),
        }
        self.save(&mut state).await;
        Ok(())
    }

    /// The keys of the home accounts (not the guest tenants' accounts), the one in use (or the
    /// home of the one in use) first.
    pub async fn home_keys(&self) -> Vec<String> {
        let state = self.state.lock().await;
        let effective = Self::effective_key(&state)
            .and_then(|k| state.data.accounts.iter().find(|a| a.key == k));
        let first = effective.map(|a| a.home.clone().unwrap_or_else(|| a.key.clone()));
        let mut keys: Vec<String> = state
            .data
            .accounts
            .iter()
            .filter(|a| a.home.is_none())
            .map(|a| a.key.clone())
            .collect();
        if let Some(first) = first {
            keys.sort_by_key(|k| *k != first);
        }
        keys
    }

    /// Forgets every account: deletes the sealed file and its key.
    pub async fn sign_out(&self) -> Result<usize> {
        let mut state = self.state.lock().await;
        let count = state.data.accounts.len();
        state.data = CacheData::default();
        state.step_ups.clear();
        state.decision = None;
        state.persisted.clear();
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || store.clear())
            .await
            .map_err(|e| Error::Invalid(format!("sign-out was interrupted: {e}")))?
            .map_err(Error::SignIn)?;
        Ok(count)
    }

    /// The accounts and where they are kept.
    pub async fn status(&self) -> SignInStatus {
        let state = self.state.lock().await;
        let reason = self.store.memory_only_reason();
        SignInStatus {
            accounts: AccountInfo::all(&state.data, Self::effective_key(&state)),
            storage: if reason.is_some() {
                "memory"
            } else {
                "keyring"
            },
            memory_only_reason: reason,
        }
    }

    /// The account this process uses (selected, else the saved current one), if it fits the
    /// configured client id and authority.
    fn usable<'s>(&self, state: &'s State) -> Option<&'s StoredAccount> {
        self.usable_as(state, None)
    }

    /// [`Self::usable`] for account `key` when given (whichever is in use).
    fn usable_as<'s>(&self, state: &'s State, key: Option<&str>) -> Option<&'s StoredAccount> {
        let key = key.or(Self::effective_key(state))?;
        state
            .data
            .accounts
            .iter()
            .find(|a| a.key == key)
            .filter(|a| {
                a.client_id == self.settings.client_id
                    && a.authority == self.settings.authority.as_str()
            })
    }

    async fn token_for(&self, audience: Audience) -> Result<AccessToken> {
        self.token_for_key(None, audience).await
    }

    /// A token for `audience` for account `key` (the one in use when `None`).
    async fn token_for_key(&self, key: Option<&str>, audience: Audience) -> Result<AccessToken> {
        let mut state = self.state.lock().await;
        // Another process may have signed the account out: a changed file is read again.
        if self.file_changed(&state).await {
            self.reconcile(&mut state).await;
        }
        let Some(account) = self.usable_as(&state, key).cloned() else {
            let memory_only = self.store.memory_only_reason().is_some();
            if key.is_some()
                || !(self.options.sign_in_when_signed_out || memory_only)
                || !self.options.interactive
            {
                return Err(Error::SignIn(SignInError::NotSignedIn));
            }
            // With two clients, an account starts with ARM's; Graph's sign-in follows below.
            let first = if self.settings.two_clients() {
                Audience::Arm
            } else {
                audience
            };
            let tokens = self
                .browser_flow(ORGANIZATIONS, first, Ask::default())
                .await?;
            let token = AccessToken {
                token: tokens.access_token.clone(),
                expires_on: tokens.expires_on,
            };
            self.remember(&mut state, tokens, first, true, true)?;
            self.save(&mut state).await;
            if first == audience {
                return Ok(token);
            }
            let Some(account) = self.usable(&state).cloned() else {
                return Err(Error::SignIn(SignInError::NotSignedIn));
            };
            return self.second_client(&mut state, &account, audience).await;
        };
        let origin = self.settings.apis.of_audience(audience);
        if let Some(t) = account.access_token(
            audience,
            origin,
            self.settings.scope(audience),
            RENEW_MARGIN,
        ) {
            return Ok(AccessToken {
                token: t.token.clone(),
                expires_on: t.expires_on,
            });
        }
        // Before a renewal, the saved cache is read again even if the file looks unchanged (its
        // key may be gone): an account signed out elsewhere is not brought back.
        self.reconcile(&mut state).await;
        let Some(account) = self.usable_as(&state, key).cloned() else {
            return Err(Error::SignIn(SignInError::NotSignedIn));
        };
        // A guest tenant's account redeems its home account's refresh tokens.
        let holder = Self::holder(&state, &account);
        // Another account than the one in use (reading its tenant list) never opens a browser.
        let may_interact = self.options.interactive && key.is_none();
        if self.refresh_token_for(&holder, audience).is_none() {
            if !may_interact {
                return Err(Error::SignIn(SignInError::NotSignedIn));
            }
            return self.second_client(&mut state, &account, audience).await;
        }
        let refreshed = self.refresh(&account, &holder, audience).await;
        let (tokens, interactive) = match refreshed {
            Ok(tokens) => (tokens, false),
            Err(e) if e.needs_interaction() && may_interact => {
                self.prompt.notify(SignInNotice::SigningInAgain {
                    reason: "the saved sign-in has expired or was revoked".into(),
                });
                let ask = Ask {
                    login_hint: Some(&account.username),
                    ..Ask::default()
                };
                let tokens = self.browser_flow(&account.tenant_id, audience, ask).await?;
                (tokens, true)
            }
            Err(e) => return Err(Error::SignIn(e)),
        };
        let token = AccessToken {
            token: tokens.access_token.clone(),
            expires_on: tokens.expires_on,
        };
        self.remember(&mut state, tokens, audience, interactive, false)?;
        self.save(&mut state).await;
        Ok(token)
    }

    async fn step_up(&self, audience: Audience, claims: &serde_json::Value) -> Result<AccessToken> {
        let wanted = claims.to_string();
        let mut state = self.state.lock().await;
        if let Some(s) = state.step_ups.iter().find(|s| {
            s.audience == audience
                && s.claims == wanted
                && s.token.expires_on - chrono::Utc::now() > TimeDelta::minutes(1)
        }) {
            return Ok(s.token.clone());
        }
        if !self.options.interactive {
            return Err(Error::SignIn(SignInError::NotSignedIn));
        }
        self.prompt.notify(SignInNotice::StepUp {
            audience,
            acrs: crate::error::acrs_of_claims(claims),
        });
        let current = self.usable(&state).cloned();
        let tenant = current
            .as_ref()
            .map_or(ORGANIZATIONS, |a| a.tenant_id.as_str())
            .to_owned();
        let hint = current.as_ref().map(|a| a.username.clone());
        let ask = Ask {
            claims: Some(claims),
            login_hint: hint.as_deref(),
            ..Ask::default()
        };
        let tokens = self.browser_flow(&tenant, audience, ask).await?;
        let proof = tokens
            .id_token
            .as_ref()
            .and_then(|t| decode_claims(t).ok())
            .and_then(|c| SignInProof::of(&c, false));
        let token = AccessToken {
            token: tokens.access_token.clone(),
            expires_on: tokens.expires_on,
        };
        // The new refresh token replaces the old one; the account's normal access token stays.
        // A step-up that signed in someone else (or nobody was signed in) is that account's sign-in.
        let same_account = current
            .as_ref()
            .is_some_and(|a| account_key(&tokens).as_deref() == Some(a.key.as_str()));
        let current_key = current.as_ref().map(|a| a.key.clone()).unwrap_or_default();
        // A guest tenant's account keeps its refresh tokens on its home account.
        let owner_key = current
            .as_ref()
            .and_then(|a| a.home.clone())
            .unwrap_or_else(|| current_key.clone());
        if same_account && state.data.account_mut(&current_key).is_some() {
            if let Some(rt) = tokens.refresh_token
                && let Some(owner) = state.data.account_mut(&owner_key)
            {
                self.keep_refresh_token(owner, audience, rt);
            }
            if proof.is_some()
                && let Some(account) = state.data.account_mut(&current_key)
            {
                account.signed_in = proof;
            }
        } else {
            self.remember(&mut state, tokens, audience, true, false)?;
        }
        state
            .step_ups
            .retain(|s| !(s.audience == audience && s.claims == wanted));
        state.step_ups.push(StepUp {
            audience,
            claims: wanted,
            token: token.clone(),
        });
        self.save(&mut state).await;
        Ok(token)
    }

    /// A token for a decision (see [`TokenSource::decision_token`]): the account's own when its
    /// last interactive sign-in is recent enough, else one kept from an earlier sign-in for
    /// decisions, else a new sign-in in the browser with `prompt=login` and `max_age`.
    async fn for_decision(&self, audience: Audience, rule: FreshSignIn) -> Result<AccessToken> {
        let now = chrono::Utc::now();
        let account = {
            let state = self.state.lock().await;
            self.usable(&state).cloned()
        };
        let Some(account) = account else {
            return Err(Error::SignIn(SignInError::NotSignedIn));
        };
        if rule.accepts(account.signed_in.as_ref(), now) {
            return self.token_for(audience).await;
        }
        let mut state = self.state.lock().await;
        let still_good =
            |d: &DecisionSignIn| d.account == account.key && rule.accepts(Some(&d.proof), now);
        if !state.decision.as_ref().is_some_and(still_good) {
            state.decision = None;
        }
        if let Some(decision) = state.decision.as_mut() {
            let margin = TimeDelta::minutes(1);
            if let Some((_, token)) = decision
                .tokens
                .iter()
                .find(|(a, t)| *a == audience && t.expires_on - now > margin)
            {
                return Ok(token.clone());
            }
            // The same sign-in, another API: its refresh token, once; the proof is unchanged.
            // (With two clients the other API's client needs its own sign-in.)
            let one_client = !self.settings.two_clients();
            if let Some(refresh_token) = decision.refresh_token.take().filter(|_| one_client) {
                let url = self.settings.token_url(&account.tenant_id)?;
                let redeemed = protocol::redeem(
                    &self.http,
                    &url,
                    self.settings.client_for(audience),
                    Grant::Refresh {
                        refresh_token: &refresh_token,
                    },
                    self.settings.scope(audience),
                    None,
                )
                .await;
                if let Ok(tokens) = redeemed {
                    let token = AccessToken {
                        token: tokens.access_token,
                        expires_on: tokens.expires_on,
                    };
                    decision.refresh_token = tokens.refresh_token;
                    decision.tokens.retain(|(a, _)| *a != audience);
                    decision.tokens.push((audience, token.clone()));
                    return Ok(token);
                }
            }
        }
        if !self.options.interactive {
            return Err(Error::SignIn(SignInError::FreshSignInUnavailable(
                "a sign-in that may not open the browser".into(),
            )));
        }
        self.prompt.notify(SignInNotice::SigningInAgain {
            reason: rule.reason(),
        });
        let ask = Ask {
            login_hint: Some(&account.username),
            reauthenticate: Some(rule.max_age_secs()),
            ..Ask::default()
        };
        let started = chrono::Utc::now();
        let tokens = self.browser_flow(&account.tenant_id, audience, ask).await?;
        let claims = tokens
            .id_token
            .as_ref()
            .ok_or_else(|| {
                SignInError::FreshSignInRefused(
                    "the sign-in service sent no id token to prove when you signed in".into(),
                )
            })
            .and_then(|t| {
                decode_claims(t).map_err(|_| {
                    SignInError::FreshSignInRefused("its id token could not be read".into())
                })
            })?;
        if account_key(&tokens).as_deref() != Some(account.key.as_str()) {
            return Err(Error::SignIn(SignInError::FreshSignInRefused(format!(
                "you signed in as {} instead of {}; decisions are made by the signed-in account",
                claims
                    .account()
                    .map_or_else(|| "someone else".to_owned(), crate::text::sanitize),
                account.username
            ))));
        }
        // The sign-in was forced with prompt=login just now, so `iat` stands in for a missing
        // `auth_time` (an optional claim in Entra).
        let proof = SignInProof::of(&claims, true).ok_or_else(|| {
            SignInError::FreshSignInRefused(
                "its id token says nothing about when you signed in".into(),
            )
        })?;
        rule.check_new(&proof, started)
            .map_err(|why| Error::SignIn(SignInError::FreshSignInRefused(why)))?;
        let token = AccessToken {
            token: tokens.access_token,
            expires_on: tokens.expires_on,
        };
        // With a zero max_age nothing is kept: the next decision signs in again.
        state.decision = (!rule.max_age.is_zero()).then(|| DecisionSignIn {
            account: account.key.clone(),
            proof,
            refresh_token: tokens.refresh_token,
            tokens: vec![(audience, token.clone())],
        });
        Ok(token)
    }

    /// The refresh token that serves `audience`: the account's, or with two clients Graph's own
    /// (none before the second client's first sign-in).
    fn refresh_token_for<'a>(
        &self,
        account: &'a StoredAccount,
        audience: Audience,
    ) -> Option<&'a crate::secret::Secret> {
        if self.settings.two_clients() && audience == Audience::Graph {
            account
                .graph_client
                .as_ref()
                .filter(|g| g.client_id == self.settings.graph_client_id)
                .map(|g| &g.refresh_token)
        } else {
            Some(&account.refresh_token)
        }
    }

    /// The account whose refresh tokens `account` uses: its home account for a guest tenant's
    /// account, else itself.
    fn holder(state: &State, account: &StoredAccount) -> StoredAccount {
        account
            .home
            .as_deref()
            .and_then(|h| state.data.accounts.iter().find(|a| a.key == h))
            .unwrap_or(account)
            .clone()
    }

    /// Keeps `refresh_token` where `audience`'s refresh token lives.
    fn keep_refresh_token(
        &self,
        account: &mut StoredAccount,
        audience: Audience,
        refresh_token: crate::secret::Secret,
    ) {
        if self.settings.two_clients() && audience == Audience::Graph {
            account.graph_client = Some(ClientSignIn {
                client_id: self.settings.graph_client_id.clone(),
                refresh_token,
            });
        } else {
            account.refresh_token = refresh_token;
        }
    }

    /// The second client's first sign-in for `account` (Graph, with the well-known clients): in the
    /// browser (the session there usually makes it one click), or with a second device code after a
    /// device-code sign-in. The user is told why.
    async fn second_client(
        &self,
        state: &mut State,
        account: &StoredAccount,
        audience: Audience,
    ) -> Result<AccessToken> {
        if !self.options.interactive {
            return Err(Error::SignIn(SignInError::NotSignedIn));
        }
        // How the account signed in, in this process or (remembered with it) in an earlier one.
        let device = state.device || account.device_code;
        let client = self.settings.client_for(audience);
        let name = if client.eq_ignore_ascii_case(crate::config::GRAPH_CLI_CLIENT_ID) {
            "Microsoft Graph Command Line Tools".to_owned()
        } else {
            format!("the app {client}")
        };
        self.prompt.notify(SignInNotice::SigningInAgain {
            reason: format!(
                "Microsoft Graph (Entra roles and groups) is signed in through a second app, {name}: one more sign-in{}",
                if device {
                    ", with a second code"
                } else {
                    ", usually one click in the browser"
                }
            ),
        });
        let headless = || {
            Error::SignIn(SignInError::SecondSignInNeedsTerminal {
                account: account.username.clone(),
            })
        };
        let tokens = if device {
            if !self.options.can_show_device_code {
                return Err(headless());
            }
            self.device_flow(&account.tenant_id, audience).await?
        } else {
            let ask = Ask {
                login_hint: Some(&account.username),
                ..Ask::default()
            };
            match self.browser_flow(&account.tenant_id, audience, ask).await {
                Ok(tokens) => tokens,
                // No browser here: a device code where one can be shown.
                Err(SignInError::Browser(why)) if self.options.can_show_device_code => {
                    tracing::info!("no browser for the second sign-in ({why}): a device code");
                    self.device_flow(&account.tenant_id, audience).await?
                }
                Err(SignInError::Browser(_)) => return Err(headless()),
                Err(e) => return Err(Error::SignIn(e)),
            }
        };
        if account_key(&tokens).as_deref() != Some(account.key.as_str()) {
            return Err(Error::SignIn(SignInError::Setting(format!(
                "the sign-in for Microsoft Graph was made by another account than {}; sign in to both as the same user",
                account.username
            ))));
        }
        let token = AccessToken {
            token: tokens.access_token.clone(),
            expires_on: tokens.expires_on,
        };
        self.remember(state, tokens, audience, false, false)?;
        self.save(state).await;
        Ok(token)
    }

    /// Redeems `holder`'s refresh token (the account's own, or for a guest tenant's account its
    /// home account's) at `account`'s tenant.
    async fn refresh(
        &self,
        account: &StoredAccount,
        holder: &StoredAccount,
        audience: Audience,
    ) -> std::result::Result<Tokens, SignInError> {
        let url = self.settings.token_url(&account.tenant_id)?;
        let refresh_token = self
            .refresh_token_for(holder, audience)
            .ok_or(SignInError::NotSignedIn)?;
        protocol::redeem(
            &self.http,
            &url,
            self.settings.client_for(audience),
            Grant::Refresh { refresh_token },
            self.settings.scope(audience),
            None,
        )
        .await
    }

    /// Authorization code + PKCE through the browser and the loopback listener.
    async fn browser_flow(
        &self,
        tenant: &str,
        audience: Audience,
        ask: Ask<'_>,
    ) -> std::result::Result<Tokens, SignInError> {
        let Ask {
            claims,
            login_hint,
            reauthenticate,
        } = ask;
        let client_id = self.settings.client_for(audience);
        // The well-known clients register `http://localhost` (any port); an own registration, the
        // loopback address.
        let listener = if SignInSettings::well_known(client_id) {
            LoopbackListener::bind_localhost().await?
        } else {
            LoopbackListener::bind().await?
        };
        let redirect_uri = listener.redirect_uri().to_owned();
        let pkce = Pkce::new();
        let state = random_state();
        let claims_text = claims.map(serde_json::Value::to_string);
        // The first sign-in asks consent for both APIs (one client for both); a step-up, or a sign-in
        // to one of two clients, asks only for its own API.
        let scope = match claims {
            None if !self.settings.two_clients() => format!(
                "{} {} {OIDC_SCOPES}",
                self.settings.arm_scope, self.settings.graph_scope
            ),
            _ => format!("{} {OIDC_SCOPES}", self.settings.scope(audience)),
        };
        let mut url = self.settings.authorize_url(tenant)?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", client_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("response_mode", "query")
                .append_pair("scope", &scope)
                .append_pair("state", &state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(claims) = &claims_text {
                query.append_pair("claims", claims);
            }
            if let Some(hint) = login_hint {
                query.append_pair("login_hint", hint);
            }
            if let Some(max_age) = reauthenticate {
                query
                    .append_pair("prompt", "login")
                    .append_pair("max_age", &max_age.to_string());
            }
        }
        self.prompt.notify(SignInNotice::OpeningBrowser {
            url: url.to_string(),
        });
        self.browser.open(&url).await?;
        let code = listener
            .wait_for_code(&state, self.options.browser_timeout)
            .await?;
        let token_url = self.settings.token_url(tenant)?;
        protocol::redeem(
            &self.http,
            &token_url,
            client_id,
            Grant::Code {
                code: &code,
                verifier: &pkce.verifier,
                redirect_uri: &redirect_uri,
            },
            self.settings.scope(audience),
            claims,
        )
        .await
    }

    /// The device authorization grant, for ARM's scope alone: Entra refuses a device code (and any
    /// token request) naming several resources (AADSTS28000); the Graph token comes later from the
    /// refresh token.
    async fn device_flow(
        &self,
        tenant: &str,
        audience: Audience,
    ) -> std::result::Result<Tokens, SignInError> {
        let client_id = self.settings.client_for(audience);
        let scope = self.settings.scope(audience);
        let started = device_code::start(
            &self.http,
            &self.settings.device_code_url(tenant)?,
            client_id,
            scope,
        )
        .await?;
        self.prompt
            .notify(SignInNotice::DeviceCode(started.prompt.clone()));
        started
            .poll(
                &self.http,
                &self.settings.token_url(tenant)?,
                client_id,
                scope,
            )
            .await
    }

    /// Adds the account that `tokens` belong to (from its id token) with its refresh token and the
    /// access token for `audience`; returns the account's key.
    /// `interactive`: the tokens come from a sign-in in the browser or with a device code, so their
    /// id token says when the user last signed in; after a refresh the earlier proof is kept.
    fn remember(
        &self,
        state: &mut State,
        tokens: Tokens,
        audience: Audience,
        interactive: bool,
        make_current: bool,
    ) -> Result<String> {
        let from = tokens.id_token.as_ref().unwrap_or(&tokens.access_token);
        let claims = decode_claims(from)?;
        let proof = if interactive && tokens.id_token.is_some() {
            SignInProof::of(&claims, false)
        } else {
            None
        };
        let object_id = claims.require_oid()?.to_owned();
        let tenant_id = claims.tid.clone().ok_or_else(|| {
            Error::SignIn(SignInError::Malformed(
                "the id token has no tenant id (tid)".into(),
            ))
        })?;
        let refresh_token = tokens.refresh_token.clone().ok_or_else(|| {
            Error::SignIn(SignInError::Malformed(
                "no refresh token was issued (offline_access); check the app registration".into(),
            ))
        })?;
        let key = format!("{object_id}.{tenant_id}");
        // A guest tenant's account: the refresh token is its home account's, the access token its own.
        if let Some(home) = state
            .data
            .accounts
            .iter()
            .find(|a| a.key == key)
            .and_then(|a| a.home.clone())
        {
            if let Some(owner) = state.data.account_mut(&home) {
                self.keep_refresh_token(owner, audience, refresh_token);
            }
            let origin = self.settings.apis.of_audience(audience).to_owned();
            let scope = self.settings.scope(audience).to_owned();
            if let Some(guest) = state.data.account_mut(&key) {
                guest.set_access_token(
                    audience,
                    &origin,
                    &scope,
                    tokens.access_token,
                    tokens.expires_on,
                );
                if interactive && proof.is_some() {
                    guest.signed_in = proof;
                }
            }
            if interactive {
                state.persisted.retain(|k| *k != key);
            }
            if make_current {
                state.data.current = Some(key.clone());
                state.current_changed = true;
            }
            return Ok(key);
        }
        let before = state.data.accounts.iter().find(|a| a.key == key);
        let signed_in = if interactive {
            proof
        } else {
            before.and_then(|a| a.signed_in)
        };
        // With two clients, Graph's refresh token is kept beside the account's (ARM's), which must
        // exist already: the account is ARM's sign-in.
        let second = self.settings.two_clients() && audience == Audience::Graph;
        let (refresh_token, graph_client) = if second {
            let before = before.ok_or(Error::SignIn(SignInError::NotSignedIn))?;
            (
                before.refresh_token.clone(),
                Some(ClientSignIn {
                    client_id: self.settings.graph_client_id.clone(),
                    refresh_token,
                }),
            )
        } else {
            (refresh_token, before.and_then(|a| a.graph_client.clone()))
        };
        let mut account = StoredAccount {
            key: key.clone(),
            username: claims
                .account()
                .map_or_else(|| object_id.clone(), str::to_owned),
            name: claims.name.clone(),
            object_id,
            tenant_id: tenant_id.clone(),
            client_id: self.settings.client_id.clone(),
            authority: self.settings.authority.to_string(),
            refresh_token,
            access_tokens: state
                .data
                .accounts
                .iter()
                .find(|a| a.key == key)
                .map(|a| a.access_tokens.clone())
                .unwrap_or_default(),
            signed_in,
            graph_client,
            device_code: before.is_some_and(|a| a.device_code),
            home: None,
            tenants: before.map(|a| a.tenants.clone()).unwrap_or_default(),
        };
        account.set_access_token(
            audience,
            self.settings.apis.of_audience(audience),
            self.settings.scope(audience),
            tokens.access_token,
            tokens.expires_on,
        );
        if interactive {
            // A new sign-in here stands even if another process signed this account out before.
            state.persisted.retain(|k| *k != key);
        }
        let previous = state.data.current.clone();
        let fresh = make_current && previous.as_deref() != Some(key.as_str());
        let username = account.username.clone();
        state.data.upsert(account);
        if make_current {
            state.current_changed = true;
        }
        // Only a sign-in makes an account current; a refresh or a second client's sign-in of an
        // account chosen with `--account` leaves the saved choice alone.
        if !make_current
            && let Some(previous) =
                previous.filter(|p| state.data.accounts.iter().any(|a| a.key == *p))
        {
            state.data.current = Some(previous);
        }
        if fresh {
            self.prompt.notify(SignInNotice::SignedIn {
                username,
                tenant_id,
            });
        }
        Ok(key)
    }

    /// Whether the saved file was written or deleted since this process last read or wrote it.
    async fn file_changed(&self, state: &State) -> bool {
        if self.store.memory_only_reason().is_some() {
            return false;
        }
        let store = Arc::clone(&self.store);
        let now = tokio::task::spawn_blocking(move || store.fingerprint())
            .await
            .unwrap_or(None);
        now != state.fingerprint
    }

    /// Reads the saved cache again and takes in what other processes did: an account this process
    /// had saved (or loaded) that is no longer there was signed out, or its key deleted, so it is
    /// dropped here too and never written back; accounts signed in elsewhere are kept.
    async fn reconcile(&self, state: &mut State) {
        if self.store.memory_only_reason().is_some() {
            return;
        }
        let store = Arc::clone(&self.store);
        let read = tokio::task::spawn_blocking(move || (store.reload(), store.fingerprint())).await;
        let Ok((Some(disk), fingerprint)) = read else {
            return;
        };
        let on_disk = |key: &str| disk.accounts.iter().any(|a| a.key == key);
        let gone: Vec<String> = state
            .persisted
            .iter()
            .filter(|k| !on_disk(k))
            .cloned()
            .collect();
        if !gone.is_empty() {
            tracing::info!(
                count = gone.len(),
                "signed out in another process: no longer using that sign-in"
            );
            state.data.accounts.retain(|a| !gone.contains(&a.key));
            if state
                .data
                .current
                .as_ref()
                .is_some_and(|c| gone.contains(c))
            {
                state.data.current = None;
                state.step_ups.clear();
                state.decision = None;
            }
        }
        for account in &disk.accounts {
            if !state.data.accounts.iter().any(|a| a.key == account.key) {
                state.data.accounts.push(account.clone());
            }
        }
        // A guest tenant's account goes with its home account.
        let keys: Vec<String> = state.data.accounts.iter().map(|a| a.key.clone()).collect();
        state
            .data
            .accounts
            .retain(|a| a.home.as_ref().is_none_or(|h| keys.contains(h)));
        // The saved choice of the current account is the file's (another process may have
        // switched); what this process uses stays pinned by `selected`.
        if let Some(current) = disk.current.clone().filter(|c| on_disk(c))
            && !state.current_changed
        {
            state.data.current = Some(current);
        }
        state.persisted = disk.accounts.iter().map(|a| a.key.clone()).collect();
        state.fingerprint = fingerprint;
    }

    /// Writes the cache (after taking in sign-outs from other processes, so that none is undone);
    /// when the credential store fails, says so once and goes on in memory.
    async fn save(&self, state: &mut State) {
        self.reconcile(state).await;
        if state.data.accounts.is_empty() {
            // Everything was signed out elsewhere: nothing to write (and no key to create).
            return;
        }
        let store = Arc::clone(&self.store);
        let data = state.data.clone();
        let result =
            tokio::task::spawn_blocking(move || store.save(&data).map(|()| store.fingerprint()))
                .await;
        match result {
            Ok(Ok(fingerprint)) => {
                state.persisted = state.data.accounts.iter().map(|a| a.key.clone()).collect();
                state.fingerprint = fingerprint;
                state.current_changed = false;
            }
            Ok(Err(e)) => match self.store.memory_only_reason() {
                Some(reason) => self.prompt.notify(SignInNotice::MemoryOnly { reason }),
                None => tracing::warn!("{e}"),
            },
            Err(e) => tracing::warn!("saving the sign-in was interrupted: {e}"),
        }
    }
}

impl TokenSource for SignedInTokenSource {
    fn token<'a>(
        &'a self,
        audience: Audience,
        claims: Option<&'a serde_json::Value>,
    ) -> TokenFuture<'a> {
        Box::pin(async move {
            match claims {
                Some(claims) => self.step_up(audience, claims).await,
                None => self.token_for(audience).await,
            }
        })
    }

    fn describe(&self) -> String {
        "Elevate sign-in".to_owned()
    }

    fn decision_token<'a>(&'a self, audience: Audience, rule: FreshSignIn) -> TokenFuture<'a> {
        Box::pin(self.for_decision(audience, rule))
    }
}

/// `{oid}.{tid}` of the account `tokens` were issued to.
fn account_key(tokens: &Tokens) -> Option<String> {
    let from = tokens.id_token.as_ref().unwrap_or(&tokens.access_token);
    let claims = decode_claims(from).ok()?;
    Some(format!("{}.{}", claims.oid?, claims.tid?))
}

/// What a name given for an account resolves to.
#[derive(Clone)]
enum Resolved {
    /// A signed-in account, by key.
    Account(String),
    /// Another tenant of home account `home`, not used yet.
    Tenant { home: String, tenant: KnownTenant },
}

/// What names tenant `tenant_id` of home account `home_key` before it has an account of its own
/// (see [`SignedInTokenSource::select`]).
pub(crate) fn tenant_target(home_key: &str, tenant_id: &str) -> String {
    format!("{home_key}/{tenant_id}")
}

/// The tokens of one signed-in account, whichever is in use: what reads each account's tenant
/// list. It never opens a browser for a claims challenge or a decision.
pub struct AccountTokenSource {
    source: Arc<SignedInTokenSource>,
    key: String,
}

impl AccountTokenSource {
    /// The tokens of account `key` of `source`.
    pub fn new(source: Arc<SignedInTokenSource>, key: impl Into<String>) -> Self {
        AccountTokenSource {
            source,
            key: key.into(),
        }
    }
}

impl TokenSource for AccountTokenSource {
    fn token<'a>(
        &'a self,
        audience: Audience,
        claims: Option<&'a serde_json::Value>,
    ) -> TokenFuture<'a> {
        Box::pin(async move {
            if claims.is_some() {
                return Err(Error::SignIn(SignInError::NotSignedIn));
            }
            self.source.token_for_key(Some(&self.key), audience).await
        })
    }

    fn describe(&self) -> String {
        "Elevate sign-in".to_owned()
    }
}
