//! What can go wrong while signing in or keeping the sign-in, each with what to do next.
//!
//! No variant carries a token, a code or a verifier: only the identity provider's error code and its
//! (sanitized) description, which never contain secrets.

/// A sign-in or token-cache failure.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Nobody is signed in (or the saved sign-in belongs to another client id or authority).
    #[error(
        "not signed in; run `elevate login` (or `elevate login --az-cli` to use the Azure CLI's sign-in)"
    )]
    NotSignedIn,

    /// The identity provider refused a token request.
    #[error("the sign-in service refused the request: {error}{}; {hint}", describe(.description))]
    Rejected {
        /// The OAuth error code (`invalid_grant`, `invalid_request`, …).
        error: String,
        /// The provider's description (sanitized, shortened).
        description: String,
        /// What to do next.
        hint: &'static str,
    },

    /// The browser came back with an error instead of a code.
    #[error("the sign-in was not completed in the browser: {error}{}; run `elevate login` to try again", describe(.description))]
    Denied {
        /// The OAuth error code (`access_denied`, …).
        error: String,
        /// The provider's description (sanitized, shortened).
        description: String,
    },

    /// The answer that reached the loopback listener belongs to another sign-in attempt.
    #[error(
        "the browser returned an answer for a different sign-in attempt (state mismatch), so it was refused; run `elevate login` again and finish it in the tab it opens"
    )]
    StateMismatch,

    /// No answer from the browser in time.
    #[error(
        "no answer from the browser within {0} seconds; run `elevate login` again and finish in the browser, or use `elevate login --device-code`"
    )]
    TimedOut(u64),

    /// The system browser could not be started.
    #[error(
        "could not open a web browser ({0}); set $BROWSER, or use `elevate login --device-code`"
    )]
    Browser(String),

    /// The loopback listener could not be set up.
    #[error(
        "could not listen on 127.0.0.1 for the sign-in answer ({0}); check that loopback networking works, or use `elevate login --device-code`"
    )]
    Listener(String),

    /// The device code expired before the user finished.
    #[error(
        "the device code expired before the sign-in was finished; run `elevate login --device-code` again"
    )]
    DeviceCodeExpired,

    /// The identity provider could not be reached.
    #[error(
        "could not reach the sign-in service {host}: {reason}. Check the network and the authority setting (ELEVATE_AUTHORITY_URL)"
    )]
    Network {
        /// The authority's host.
        host: String,
        /// What failed.
        reason: String,
    },

    /// The identity provider refused a token in a tenant where the account has no user (neither a
    /// member nor a guest): Entra's `AADSTS50020`. Signing in again does not help.
    #[error(
        "the account is not a member or guest of tenant {tenant}, so it cannot sign in there{}; choose another tenant (`elevate accounts` lists each account's tenants) or ask that tenant's administrator to invite the account",
        describe(.description)
    )]
    NotInTenant {
        /// The tenant asked for.
        tenant: String,
        /// The provider's description (sanitized, shortened).
        description: String,
    },

    /// The identity provider's TLS certificate was refused.
    #[error(
        "could not connect securely to the sign-in service {host}: its certificate was refused because {problem}. {}",
        crate::net::CERTIFICATE_ADVICE
    )]
    Certificate {
        /// The authority's host.
        host: String,
        /// Why the certificate was refused.
        problem: crate::net::CertificateProblem,
    },

    /// The identity provider answered something that is not OAuth.
    #[error(
        "the sign-in service sent an answer Elevate could not read ({0}); check the authority setting (ELEVATE_AUTHORITY_URL)"
    )]
    Malformed(String),

    /// The tenant or another setting is not usable.
    #[error("{0}")]
    Setting(String),

    /// A decision needs a recent interactive sign-in, and this sign-in cannot give one (the Azure
    /// CLI's, or a face that may not open the browser).
    #[error(
        "approving or denying needs a recent interactive sign-in, which {0} cannot prove; sign in with `elevate login` (Elevate's own sign-in) and decide from a terminal or the tray"
    )]
    FreshSignInUnavailable(String),

    /// The sign-in made for a decision is not recent enough or lacks MFA.
    #[error("the sign-in for this decision is not good enough: {0}")]
    FreshSignInRefused(String),

    /// No signed-in account matches what `--account` (or a switch) named.
    #[error(
        "no signed-in account matches '{wanted}' (signed in: {accounts}); name one by its user name or tenant, or add it with `elevate login`"
    )]
    UnknownAccount {
        /// What was asked for (sanitized).
        wanted: String,
        /// The signed-in accounts, `user (tenant)`, or `none`.
        accounts: String,
    },

    /// Several signed-in accounts match what was named.
    #[error(
        "'{wanted}' matches several signed-in accounts ({accounts}); name one by its user name"
    )]
    AmbiguousAccount {
        /// What was asked for (sanitized).
        wanted: String,
        /// The accounts it matches, `user (tenant)`.
        accounts: String,
    },

    /// The account signed in with a device code and Microsoft Graph's client needs its first
    /// sign-in, but this process can show neither a code nor a browser.
    #[error(
        "Microsoft Graph needs a one-time sign-in for {account} with a device code, and this process has no terminal or display to show it; run `elevate roles --account {account}` in a terminal once"
    )]
    SecondSignInNeedsTerminal {
        /// The account's user name.
        account: String,
    },

    /// The saved sign-in could not be read or written.
    #[error(
        "the saved sign-in in {path} could not be {action} ({reason}); run `elevate logout` and `elevate login` to start afresh"
    )]
    Cache {
        /// The file.
        path: String,
        /// `read` or `written`.
        action: &'static str,
        /// Why (never the content).
        reason: String,
    },
}

impl SignInError {
    /// Whether signing in interactively again can fix this (the refresh token was revoked, expired or
    /// does not satisfy a new policy).
    pub fn needs_interaction(&self) -> bool {
        match self {
            SignInError::Rejected { error, .. } => matches!(
                error.as_str(),
                "invalid_grant" | "interaction_required" | "login_required" | "consent_required"
            ),
            SignInError::NotSignedIn => true,
            _ => false,
        }
    }
}

fn describe(description: &str) -> String {
    if description.is_empty() {
        String::new()
    } else {
        format!(" ({description})")
    }
}

/// Keeps an identity provider's text short and free of control characters.
pub(crate) fn clean(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or_default();
    let mut out = crate::text::sanitize(first_line);
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}
