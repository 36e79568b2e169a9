//! The checks PIM applies to an activation or extension, whichever API it arrives through: the
//! end-user policy rules (expiration, justification, ticket, MFA) and the authentication context,
//! answered with the same error codes by the ARM and the Graph front ends.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::json;

use crate::arm::auth::header_safe;
use crate::arm::reply::{ArmReply, bad_request};
use crate::policy::{EndUserRules, RULE_JUSTIFICATION, RULE_MFA, RULE_TICKETING};
use crate::state::{AcrsChallengeStyle, SimState};
use crate::token::Caller;

/// Characters left as they are when percent-encoding the claims challenge (as observed:
/// `%7B%22access_token%22%3A...`).
const CLAIMS_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'-')
    .remove(b'.')
    .remove(b'~');

/// What a request supplies that the rules look at.
pub(crate) struct Supplied<'a> {
    /// Justification.
    pub justification: &'a Option<String>,
    /// Ticket number.
    pub ticket_number: &'a Option<String>,
    /// Ticket system.
    pub ticket_system: &'a Option<String>,
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// Adds the names of the failed end-user rules to `failed`.
pub(crate) fn check_rules(
    rules: &EndUserRules,
    supplied: &Supplied<'_>,
    caller: &Caller,
    duration: Option<Duration>,
    failed: &mut Vec<&'static str>,
) {
    match duration {
        None if rules.expiration_required => failed.push("ExpirationRule"),
        Some(d) if d <= Duration::zero() || rules.max_duration().is_some_and(|max| d > max) => {
            failed.push("ExpirationRule")
        }
        _ => {}
    }
    if rules.requires(RULE_JUSTIFICATION) && blank(supplied.justification) {
        failed.push("JustificationRule");
    }
    if rules.requires(RULE_TICKETING)
        && (blank(supplied.ticket_number) || blank(supplied.ticket_system))
    {
        failed.push("TicketingRule");
    }
    if rules.requires(RULE_MFA) && !caller.has_mfa() {
        failed.push("MfaRule");
    }
}

/// 400 `RoleAssignmentRequestPolicyValidationFailed` naming the failed rules.
pub(crate) fn policy_failed(failed: &[&str]) -> ArmReply {
    let list: Vec<String> = failed.iter().map(|f| format!("\"{f}\"")).collect();
    bad_request(
        "RoleAssignmentRequestPolicyValidationFailed",
        &format!("The following policy rules failed: [{}]", list.join(",")),
    )
}

/// The claims challenge for a missing authentication context, in the configured style.
pub(crate) fn check_acrs(
    state: &SimState,
    caller: &Caller,
    url: &str,
    rules: &EndUserRules,
) -> Result<(), ArmReply> {
    let Some(claim) = rules.auth_context.as_deref() else {
        return Ok(());
    };
    if caller.has_acrs(claim) {
        return Ok(());
    }
    let claims =
        format!(r#"{{"access_token":{{"acrs":{{"essential":true, "value":"{claim}"}}}}}}"#);
    let fragment = format!("&claims={}", utf8_percent_encode(&claims, CLAIMS_ENCODE));
    let code = "RoleAssignmentRequestAcrsValidationFailed";
    Err(match state.settings.acrs_challenge_style {
        AcrsChallengeStyle::Message => bad_request(code, &fragment),
        AcrsChallengeStyle::Wrapped => {
            bad_request("UnknownError", &json!({ "errorCode": code, "message": fragment }).to_string())
        }
        AcrsChallengeStyle::WwwAuthenticate => ArmReply::error(
            StatusCode::UNAUTHORIZED,
            code,
            &format!(
                "The role management policy requires authentication context '{claim}'. Acquire a token that satisfies the claims challenge in the WWW-Authenticate header and send the request again."
            ),
        )
        .with_header(
            "www-authenticate",
            format!(
                "Bearer realm=\"\", authorization_uri=\"{url}/{}/oauth2/authorize\", error=\"insufficient_claims\", claims=\"{}\"",
                header_safe(&state.directory.tenant_id),
                STANDARD.encode(claims)
            ),
        ),
    })
}
