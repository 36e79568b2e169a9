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
use super::token_cache::{CacheData, ClientSignIn, StoredAccount};
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
        let key = Self::resolve(&state.data, wanted)?;
        let effective = Self::effective_key(&state).map(str::to_owned);
        state
            .data
            .accounts
            .iter()
            .find(|a| a.key == key)
            .map(|a| AccountInfo::of(a, effective.as_deref() == Some(a.key.as_str())))
            .ok_or(Error::SignIn(SignInError::NotSignedIn))
    }

    /// Uses the account `wanted` names in this process only (`--account`); the saved current account
    /// stays.
    pub async fn select(&self, wanted: &str) -> Result<AccountInfo> {
        let mut state = self.state.lock().await;
        self.reconcile(&mut state).await;
        let key = Self::resolve(&state.data, wanted)?;
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
        let key = Self::resolve(&state.data, wanted)?;
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
            Some(wanted) => Self::resolve(&state.data, wanted)?,
            None => Self::effective_key(&state)
                .map(str::to_owned)
                .ok_or(Error::SignIn(SignInError::NotSignedIn))?,
        };
        let info = Self::info_of(&state, &key)?;
        state.data.accounts.retain(|a| a.key != key);
        if state.data.current.as_deref() == Some(key.as_str()) {
            state.data.current = state.data.accounts.first().map(|a| a.key.clone());
        }
        if state.selected.as_deref() == Some(key.as_str()) {
            state.selected = None;
            state.step_ups.clear();
        }
        if state.decision.as_ref().is_some_and(|d| d.account == key) {
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
        let effective = Self::effective_key(state);
        state
            .data
            .accounts
            .iter()
            .find(|a| a.key == key)
            .map(|a| AccountInfo::of(a, effective == Some(a.key.as_str())))
            .ok_or(Error::SignIn(SignInError::NotSignedIn))
    }

    /// The key of the account `wanted` names (see [`Self::find_account`]).
    fn resolve(data: &CacheData, wanted: &str) -> Result<String> {
        let wanted = wanted.trim();
        // The tray and the window name an account by its key.
        if let Some(account) = data.accounts.iter().find(|a| a.key == wanted) {
            return Ok(account.key.clone());
        }
        let listed = |accounts: &[&StoredAccount]| {
            if accounts.is_empty() {
                "none".to_owned()
            } else {
                accounts
                    .iter()
                    .map(|a| format!("{} ({})", a.username, a.tenant_id))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let by_name: Vec<&StoredAccount> = data
            .accounts
            .iter()
            .filter(|a| a.username.eq_ignore_ascii_case(wanted))
            .collect();
        let matches = if by_name.is_empty() {
            data.accounts
                .iter()
                .filter(|a| {
                    a.tenant_id.eq_ignore_ascii_case(wanted)
                        || a.username
                            .rsplit_once('@')
                            .is_some_and(|(_, domain)| domain.eq_ignore_ascii_case(wanted))
                })
                .collect()
        } else {
            by_name
        };
        match matches.as_slice() {
            [one] => Ok(one.key.clone()),
            [] => Err(Error::SignIn(SignInError::UnknownAccount {
                wanted: crate::text::sanitize(wanted),
                accounts: listed(&data.accounts.iter().collect::<Vec<_>>()),
            })),
            several => Err(Error::SignIn(SignInError::AmbiguousAccount {
                wanted: crate::text::sanitize(wanted),
                accounts: listed(several),
            })),
        }
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
        let key = Self::effective_key(state)?;
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
        let mut state = self.state.lock().await;
        // Another process may have signed the account out: a changed file is read again.
        if self.file_changed(&state).await {
            self.reconcile(&mut state).await;
        }
        let Some(account) = self.usable(&state).cloned() else {
            let memory_only = self.store.memory_only_reason().is_some();
            if !(self.options.sign_in_when_signed_out || memory_only) || !self.options.interactive {
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
        let Some(account) = self.usable(&state).cloned() else {
            return Err(Error::SignIn(SignInError::NotSignedIn));
        };
        if self.refresh_token_for(&account, audience).is_none() {
            return self.second_client(&mut state, &account, audience).await;
        }
        let refreshed = self.refresh(&account, audience).await;
        let (tokens, interactive) = match refreshed {
            Ok(tokens) => (tokens, false),
            Err(e) if e.needs_interaction() && self.options.interactive => {
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
        match state.data.account_mut(&current_key) {
            Some(account) if same_account => {
                if let Some(rt) = tokens.refresh_token {
                    self.keep_refresh_token(account, audience, rt);
                }
                if proof.is_some() {
                    account.signed_in = proof;
                }
            }
            _ => {
                self.remember(&mut state, tokens, audience, true, false)?;
            }
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

    async fn refresh(
        &self,
        account: &StoredAccount,
        audience: Audience,
    ) -> std::result::Result<Tokens, SignInError> {
        let url = self.settings.token_url(&account.tenant_id)?;
        let refresh_token = self
            .refresh_token_for(account, audience)
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
