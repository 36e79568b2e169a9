//! Errors the engine reports, typed so that the CLI and the tray can say what happened and what to do.

use serde::Serialize;

use crate::config::ConfigError;
use crate::store::StoreError;

/// Which Azure API a call went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Api {
    /// Azure Resource Manager (Azure resource roles).
    Arm,
    /// Microsoft Graph (Entra roles, PIM for Groups).
    Graph,
}

impl Api {
    /// A name for people.
    pub const fn label(self) -> &'static str {
        match self {
            Api::Arm => "Azure Resource Manager",
            Api::Graph => "Microsoft Graph",
        }
    }
}

/// An error Azure returned in its envelope (`{"error":{"code","message"}}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AzureError {
    /// The API that answered.
    pub api: Api,
    /// HTTP status.
    pub status: u16,
    /// Azure's error code, e.g. `RoleAssignmentDoesNotExist`.
    pub code: String,
    /// Azure's message, as sent.
    pub message: String,
    /// Azure's `x-ms-request-id` (or Graph's `request-id`), for support cases.
    pub request_id: Option<String>,
}

/// Azure asked for a stronger sign-in before it will do this (Conditional Access authentication
/// context, or another claims challenge).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimsChallenge {
    /// The API that asked.
    pub api: Api,
    /// The decoded claims request, e.g. `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`.
    pub claims: serde_json::Value,
    /// Azure's error code, when the challenge came as an error (`RoleAssignmentRequestAcrsValidationFailed`).
    pub code: Option<String>,
}

impl ClaimsChallenge {
    /// The authentication context ids (`acrs` values) the claims ask for.
    pub fn acrs(&self) -> Vec<String> {
        acrs_of_claims(&self.claims)
    }
}

/// The authentication context ids (`acrs` values) a claims request asks for:
/// `{"access_token":{"acrs":{"essential":true,"value":"c1"}}}` or `…"values":["c1","c2"]…`.
pub fn acrs_of_claims(claims: &serde_json::Value) -> Vec<String> {
    let acrs = &claims["access_token"]["acrs"];
    let mut out = Vec::new();
    if let Some(v) = acrs["value"].as_str() {
        out.extend(
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
        );
    }
    if let Some(values) = acrs["values"].as_array() {
        out.extend(values.iter().filter_map(|v| v.as_str().map(str::to_owned)));
    }
    out
}

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Azure answered with an error.
    #[error("{} refused the request: {} ({}, HTTP {})", .0.api.label(), .0.message, .0.code, .0.status)]
    Azure(AzureError),

    /// The role's PIM policy refused the request; `rules` names what failed (`ExpirationRule`,
    /// `JustificationRule`, `TicketingRule`, `MfaRule`, …).
    #[error("the role's policy refused the request: {}", describe_rules(.rules))]
    PolicyRulesFailed {
        /// The rules Azure named.
        rules: Vec<String>,
        /// Azure's message, as sent.
        message: String,
    },

    /// The role's policy asks for something the request lacks; checked before anything is sent.
    #[error("{target} requires {}", needed.describe())]
    PolicyNeeds {
        /// "Role at Scope".
        target: String,
        /// What is missing.
        needed: Needed,
    },

    /// Azure wants a stronger sign-in for this role.
    #[error("this role requires a stronger sign-in (Conditional Access authentication context {}): sign in again to satisfy it, then retry", describe_acrs(.0))]
    ClaimsChallenge(ClaimsChallenge),

    /// The network failed (DNS, refused, reset, time-out) and retrying did not help.
    #[error("could not reach {host}: {reason}. Check the network connection and try again")]
    Network {
        /// The host called.
        host: String,
        /// What failed.
        reason: String,
    },

    /// The server's TLS certificate was refused (not retried: it will not change by itself).
    #[error(
        "could not connect securely to {host}: its certificate was refused because {problem}. {}",
        crate::net::CERTIFICATE_ADVICE
    )]
    Certificate {
        /// The host called.
        host: String,
        /// Why the certificate was refused.
        problem: crate::net::CertificateProblem,
    },

    /// Azure kept answering 429 longer than Elevate is willing to wait.
    #[error("{host} is throttling requests (HTTP 429){}; try again later", retry_hint(*.retry_after_secs))]
    Throttled {
        /// The host called.
        host: String,
        /// The last `Retry-After` Azure gave, in seconds.
        retry_after_secs: Option<u64>,
    },

    /// Azure kept answering 5xx.
    #[error("{host} is unavailable right now (HTTP {status}); try again in a few minutes")]
    Unavailable {
        /// The host called.
        host: String,
        /// The last status.
        status: u16,
    },

    /// Azure answered something that is not what its API documents.
    #[error(
        "{host} sent a response Elevate could not read ({detail}); try again, and report it if it persists"
    )]
    MalformedResponse {
        /// The host called.
        host: String,
        /// What was wrong with it.
        detail: String,
    },

    /// The request was approved or denied by someone else (or withdrawn) before this decision.
    #[error(
        "this request was already decided by another approver (or is no longer pending); nothing was changed"
    )]
    AlreadyDecided,

    /// A change was sent, its answer was lost (network, 5xx, an unreadable body, throttling after
    /// an attempt that may have arrived) and Azure could not be asked afterwards whether it was
    /// done: it may have been. Said instead of "failed", so nobody repeats it blindly.
    #[error(
        "{action} may have been done: Azure's answer was lost ({cause}) and checking failed too. Check before trying again (elevate active / elevate requests)"
    )]
    MaybeDone {
        /// What was asked, e.g. "deactivating Reader at Contoso".
        action: String,
        /// Why the answer was lost.
        cause: Box<Error>,
    },

    /// No usable sign-in.
    #[error("{0}")]
    Auth(String),

    /// Elevate's own sign-in failed or is needed.
    #[error(transparent)]
    SignIn(#[from] crate::auth::SignInError),

    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),

    /// A selector matched nothing.
    #[error(
        "no eligible role matches '{selector}'; run `elevate roles` to see what you can activate"
    )]
    NoMatch {
        /// What the user typed.
        selector: String,
    },

    /// A selector matched several roles.
    #[error("'{selector}' matches {} roles; name one of them more precisely:\n  {}", .candidates.len(), .candidates.join("\n  "))]
    Ambiguous {
        /// What the user typed.
        selector: String,
        /// The candidates, one line each.
        candidates: Vec<String>,
    },

    /// The request cannot be made as asked (e.g. a justification the policy requires is missing).
    #[error("{0}")]
    Invalid(String),

    /// The operation was cancelled (shutdown or the user).
    #[error("cancelled")]
    Cancelled,

    /// A request for more time (extension or renewal) that Azure does not take for this: a group,
    /// an activation, a permanent one, or outside its window. Nothing was sent.
    #[error("{reason}")]
    MoreTimeRefused {
        /// Why, in a sentence that names the role and scope.
        reason: String,
    },

    /// Extending an activation deactivated it, and activating it again failed: the role is off.
    #[error(
        "{role} at {scope} is now OFF: it was deactivated to be extended, and activating it again failed: {cause}. Activate it again"
    )]
    RoleNowOff {
        /// The role's name.
        role: String,
        /// The scope's name.
        scope: String,
        /// Why the activation failed.
        cause: String,
    },
}

impl Error {
    /// A stable machine-readable code for JSON output and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Azure(_) => "azure",
            Error::PolicyRulesFailed { .. } => "policy",
            Error::PolicyNeeds { .. } => "policy-needs",
            Error::ClaimsChallenge(_) => "claims-challenge",
            Error::Network { .. } => "network",
            Error::Certificate { .. } => "certificate",
            Error::Throttled { .. } => "throttled",
            Error::Unavailable { .. } => "unavailable",
            Error::MalformedResponse { .. } => "malformed-response",
            Error::Auth(_) => "auth",
            Error::SignIn(crate::auth::SignInError::NotSignedIn) => "not-signed-in",
            Error::SignIn(crate::auth::SignInError::NotInTenant { .. }) => "not-in-tenant",
            Error::SignIn(_) => "sign-in",
            Error::Config(ConfigError::Managed { .. }) => "managed",
            Error::Config(_) => "config",
            Error::Store(_) => "store",
            Error::NoMatch { .. } => "no-match",
            Error::Ambiguous { .. } => "ambiguous",
            Error::Invalid(_) => "invalid",
            Error::Cancelled => "cancelled",
            Error::RoleNowOff { .. } => "role-now-off",
            Error::MoreTimeRefused { .. } => "more-time-refused",
            Error::AlreadyDecided => "already-decided",
            Error::MaybeDone { .. } => "maybe-done",
        }
    }

    /// Azure's own error code, where there is one.
    pub fn azure_code(&self) -> Option<&str> {
        match self {
            Error::Azure(e) => Some(&e.code),
            Error::PolicyRulesFailed { .. } => Some("RoleAssignmentRequestPolicyValidationFailed"),
            Error::ClaimsChallenge(c) => c.code.as_deref(),
            _ => None,
        }
    }

    /// Whether a later retry may succeed without anything changing on the user's side.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Network { .. } | Error::Throttled { .. } | Error::Unavailable { .. }
        )
    }

    /// Whether a change answered with this error may nevertheless have been carried out: the
    /// answer was lost or unreadable, or a retry was refused after an attempt that may have arrived.
    pub fn answer_lost(&self) -> bool {
        matches!(
            self,
            Error::Network { .. }
                | Error::Unavailable { .. }
                | Error::MalformedResponse { .. }
                | Error::Throttled { .. }
        )
    }

    /// A serializable report of this error: `{code, message, azure_code?}`.
    pub fn report(&self) -> ErrorReport {
        ErrorReport {
            code: self.code(),
            message: self.to_string(),
            azure_code: self.azure_code().map(str::to_owned),
            needs: self.needs(),
            retry_after_secs: match self {
                Error::Throttled {
                    retry_after_secs, ..
                } => *retry_after_secs,
                _ => None,
            },
        }
    }

    /// What the request lacked, where the error says (checked by Elevate, or a rule Azure named):
    /// each face asks for it in its own way (a form field, a command-line option).
    pub fn needs(&self) -> Vec<Needed> {
        match self {
            Error::PolicyNeeds { needed, .. } => vec![*needed],
            Error::PolicyRulesFailed { rules, .. } => rules
                .iter()
                .filter_map(|rule| match rule.to_ascii_lowercase().as_str() {
                    "justificationrule" => Some(Needed::Justification),
                    "ticketingrule" => Some(Needed::Ticket),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Something a role's policy asks a request to carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Needed {
    /// A justification (a reason).
    Justification,
    /// A ticket (system and number).
    Ticket,
}

impl Needed {
    /// "a justification", "a ticket".
    pub fn describe(self) -> &'static str {
        match self {
            Needed::Justification => "a justification",
            Needed::Ticket => "a ticket",
        }
    }
}

/// What JSON output and the UI get for an error.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorReport {
    /// [`Error::code`].
    pub code: &'static str,
    /// The error's message.
    pub message: String,
    /// Azure's code, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_code: Option<String>,
    /// What the request lacked ([`Error::needs`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Needed>,
    /// How long Azure asked to wait (throttled), for whoever retries later; not shown.
    #[serde(skip)]
    pub retry_after_secs: Option<u64>,
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn describe_rules(rules: &[String]) -> String {
    let parts: Vec<String> = rules
        .iter()
        .map(|rule| match rule.to_ascii_lowercase().as_str() {
            "expirationrule" => "the duration is longer than the policy allows".to_owned(),
            "justificationrule" => "a justification is required".to_owned(),
            "ticketingrule" => "a ticket is required".to_owned(),
            "mfarule" => {
                "multi-factor authentication is required: sign in again with MFA".to_owned()
            }
            "eligibilityrule" => "you are not eligible for this role at this scope".to_owned(),
            _ => format!("rule {rule} failed"),
        })
        .collect();
    if parts.is_empty() {
        "no rule named".to_owned()
    } else {
        parts.join("; ")
    }
}

fn describe_acrs(challenge: &ClaimsChallenge) -> String {
    let acrs = challenge.acrs();
    if acrs.is_empty() {
        "unspecified".to_owned()
    } else {
        acrs.join(", ")
    }
}

fn retry_hint(retry_after: Option<u64>) -> String {
    match retry_after {
        Some(secs) => format!(", it asked to wait {secs}s"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_errors_say_what_is_missing() {
        let e = Error::PolicyRulesFailed {
            rules: vec!["JustificationRule".into(), "TicketingRule".into()],
            message: String::new(),
        };
        let text = e.to_string();
        assert!(
            text.contains("justification") && text.contains("ticket"),
            "{text}"
        );
        assert!(
            !text.contains("--"),
            "no command-line wording in the engine: {text}"
        );
        assert_eq!(e.code(), "policy");
        assert_eq!(e.needs(), vec![Needed::Justification, Needed::Ticket]);
        let report = serde_json::to_value(e.report()).map(|r| r["needs"].clone());
        assert_eq!(
            report.ok(),
            Some(serde_json::json!(["justification", "ticket"]))
        );
    }

    #[test]
    fn claims_challenge_names_the_context() {
        let c = ClaimsChallenge {
            api: Api::Arm,
            claims: serde_json::json!({"access_token":{"acrs":{"essential":true,"value":"c1"}}}),
            code: None,
        };
        assert_eq!(c.acrs(), vec!["c1".to_owned()]);
        assert!(Error::ClaimsChallenge(c).to_string().contains("c1"));
    }
}
