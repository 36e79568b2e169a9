//! Access tokens: where they come from and what they say about the user.
//!
//! The clients never sign anyone in themselves; they ask a [`TokenSource`] for a token for an
//! [`Audience`], optionally with a claims challenge to satisfy. Sources: Elevate's own sign-in
//! ([`SignedInTokenSource`]: authorization code + PKCE in the system browser or a device code, the
//! token cache sealed with a key from the OS credential store), and the Azure CLI's sign-in
//! ([`AzureCliTokenSource`]). Demo mode uses `SignedInTokenSource` against the simulator's own
//! authorize/token endpoints.
//!
//! Modules: `settings` (client id, authority, Entra's endpoint paths), `fresh` (the sign-in a
//! decision needs), `pkce`, `loopback` (the
//! one-shot redirect listener), `browser` (system browser or a headless one), `protocol` (the token
//! endpoint), `device_code`, `token_cache` (the sealed cache), `credential_store` (the key in the
//! OS store, the file, memory-only), `prompt` (what the user is told), `account` (what `whoami`
//! shows), `signed_in` (the token source), `error`.

mod account;
mod azure_cli;
mod browser;
mod credential_store;
mod device_code;
mod error;
mod fresh;
mod jwt;
mod loopback;
mod pkce;
mod prompt;
mod protocol;
mod settings;
mod signed_in;
mod token_cache;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

pub use account::{AccountInfo, SignInStatus, TenantChoice};
pub use azure_cli::AzureCliTokenSource;
pub use browser::{BrowserFuture, BrowserLauncher, HeadlessBrowser, SystemBrowser};
pub use credential_store::{CACHE_FILE, SERVICE, TokenStore, key_name, platform_store};
pub use device_code::DeviceCodePrompt;
pub use error::SignInError;
pub use fresh::{CLOCK_SKEW_SECS, FreshSignIn, SignInProof};
pub use jwt::{TokenClaims, decode_claims};
pub use loopback::LoopbackListener;
pub use pkce::{Pkce, challenge_of, random_state};
pub use prompt::{QuietPrompt, SignInNotice, SignInPrompt};
pub use settings::{ApiOrigins, ORGANIZATIONS, SignInSettings, check_tenant};
pub use signed_in::{AccountTokenSource, SignInMethod, SignInOptions, SignedInTokenSource};
pub use token_cache::{
    CacheData, CacheKey, ClientSignIn, KnownTenant, OpenError, StoredAccount, open as open_sealed,
    seal,
};

use crate::error::Result;
use crate::secret::Secret;

/// Which API a token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Azure Resource Manager.
    Arm,
    /// Microsoft Graph.
    Graph,
}

/// A bearer token and when it expires.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// The token; never printed.
    pub token: Secret,
    /// When it stops working.
    pub expires_on: DateTime<Utc>,
}

/// The boxed future a [`TokenSource`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken>> + Send + 'a>>;

/// Something that hands out access tokens for the signed-in user.
pub trait TokenSource: Send + Sync {
    /// A token for `audience`. With `claims` (a decoded claims-challenge JSON), the source must return a
    /// token that satisfies it, signing in again if needed, or fail with a clear error.
    fn token<'a>(
        &'a self,
        audience: Audience,
        claims: Option<&'a serde_json::Value>,
    ) -> TokenFuture<'a>;

    /// A short description of the sign-in for messages ("Azure CLI sign-in", "demo user").
    fn describe(&self) -> String;

    /// A token for `audience` to approve or deny a request with: backed by an interactive sign-in
    /// that `rule` accepts, signing in again (in the browser) first when the last one is too old.
    /// A token from such a sign-in is used for decisions only. Sources that cannot prove a recent
    /// sign-in refuse.
    fn decision_token<'a>(&'a self, audience: Audience, rule: FreshSignIn) -> TokenFuture<'a> {
        let _ = (audience, rule);
        Box::pin(async move {
            Err(crate::error::Error::SignIn(
                SignInError::FreshSignInUnavailable(self.describe()),
            ))
        })
    }
}
