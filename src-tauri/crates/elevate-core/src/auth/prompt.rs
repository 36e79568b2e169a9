//! What the sign-in tells the person in front of the screen, and how a face shows it.

use super::Audience;
use super::device_code::DeviceCodePrompt;

/// Something the user should see during sign-in. None of it is secret: the authorization URL
/// carries only a PKCE challenge and a one-time `state`, the user code is useless without the
/// user's own sign-in.
#[derive(Clone, Debug)]
pub enum SignInNotice {
    /// The browser is being opened at `url` (show it, in case it does not open).
    OpeningBrowser {
        /// The authorization URL.
        url: String,
    },
    /// Open `verification_uri` anywhere and type `user_code`.
    DeviceCode(DeviceCodePrompt),
    /// Signing in interactively again, and why.
    SigningInAgain {
        /// Why, in words.
        reason: String,
    },
    /// Azure asked for a stronger sign-in for a request; signing in again with its claims.
    StepUp {
        /// Which API asked.
        audience: Audience,
        /// The authentication context ids asked for (`c1`, …).
        acrs: Vec<String>,
    },
    /// Signed in.
    SignedIn {
        /// The account name.
        username: String,
        /// The tenant.
        tenant_id: String,
    },
    /// The OS credential store cannot be used: the sign-in is kept in memory only.
    MemoryOnly {
        /// Why.
        reason: String,
    },
}

/// Shows [`SignInNotice`]s (the CLI prints them to stderr; the tray shows them in its window).
pub trait SignInPrompt: Send + Sync {
    /// Shows `notice`.
    fn notify(&self, notice: SignInNotice);

    /// Whether someone can see a device code shown here (a terminal, a window). Without, a sign-in
    /// that needs one fails saying what to run instead of waiting for nobody.
    fn shows_device_codes(&self) -> bool {
        true
    }
}

/// Shows nothing (logs at debug level).
#[derive(Clone, Copy, Debug, Default)]
pub struct QuietPrompt;

impl SignInPrompt for QuietPrompt {
    fn notify(&self, notice: SignInNotice) {
        tracing::debug!(?notice, "sign-in");
    }
}

impl SignInNotice {
    /// The notice in one or a few lines for a terminal.
    pub fn text(&self) -> String {
        match self {
            SignInNotice::OpeningBrowser { url } => {
                format!("Opening the browser to sign in. If it does not open, visit:\n  {url}")
            }
            SignInNotice::DeviceCode(p) => match &p.verification_uri_complete {
                Some(complete) => format!(
                    "To sign in, open {} and enter the code {} (or open {complete})",
                    p.verification_uri, p.user_code
                ),
                None => format!(
                    "To sign in, open {} and enter the code {}",
                    p.verification_uri, p.user_code
                ),
            },
            SignInNotice::SigningInAgain { reason } => {
                format!("Signing in again: {reason}.")
            }
            SignInNotice::StepUp { audience, acrs } => format!(
                "{} asks for a stronger sign-in (authentication context {}) for this role: signing in again in the browser, then retrying once.",
                match audience {
                    Audience::Arm => "Azure Resource Manager",
                    Audience::Graph => "Microsoft Graph",
                },
                if acrs.is_empty() {
                    "unspecified".to_owned()
                } else {
                    acrs.join(", ")
                }
            ),
            SignInNotice::SignedIn {
                username,
                tenant_id,
            } => format!("Signed in as {username} (tenant {tenant_id})."),
            SignInNotice::MemoryOnly { reason } => format!(
                "warning: no OS credential store is available ({reason}); the sign-in is kept in memory only, never written to disk, and will be asked for again next time. Start a Secret Service (e.g. gnome-keyring) to stay signed in."
            ),
        }
    }
}
