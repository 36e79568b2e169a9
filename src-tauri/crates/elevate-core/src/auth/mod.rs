//! Access tokens: where they come from and what they say about the user.
//!
//! The clients never sign anyone in themselves; they ask a [`TokenSource`] for a token for an
//! [`Audience`], optionally with a claims challenge to satisfy. Sources today: the Azure CLI's sign-in
//! ([`AzureCliTokenSource`]) and, in demo mode, the simulator (implemented in the CLI, which embeds it).

mod azure_cli;
mod jwt;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

pub use azure_cli::AzureCliTokenSource;
pub use jwt::{TokenClaims, decode_claims};

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
}
