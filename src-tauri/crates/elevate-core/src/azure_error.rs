//! Turning Azure's error answers (ARM's and Graph's envelopes, claims challenges) into typed errors.

use base64::Engine as _;
use percent_encoding::percent_decode_str;

use crate::error::{Api, AzureError, ClaimsChallenge, Error};
use crate::http::Response;
use crate::text::sanitize;

/// ARM's code for a policy refusal whose message lists the failed rules.
pub const POLICY_VALIDATION_FAILED: &str = "RoleAssignmentRequestPolicyValidationFailed";
/// ARM's (and Graph's) code for a missing authentication context.
pub const ACRS_VALIDATION_FAILED: &str = "RoleAssignmentRequestAcrsValidationFailed";

/// Reads an error response into the most specific [`Error`].
pub fn from_response(api: Api, response: &Response) -> Error {
    if let Some(challenge) = challenge_from_www_authenticate(api, response) {
        return Error::ClaimsChallenge(challenge);
    }
    let (code, message) = envelope(&response.body).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(&response.body);
        let text: String = text.trim().chars().take(300).collect();
        (
            format!("HTTP{}", response.status),
            if text.is_empty() {
                status_text(response.status)
            } else {
                text
            },
        )
    });
    // A claims challenge can hide in the message, URL-encoded after `claims=`.
    if (code.eq_ignore_ascii_case(ACRS_VALIDATION_FAILED) || message.contains("claims="))
        && let Some(claims) = claims_from_text(&message)
    {
        return Error::ClaimsChallenge(ClaimsChallenge {
            api,
            claims,
            code: Some(code),
        });
    }
    if code.eq_ignore_ascii_case(POLICY_VALIDATION_FAILED) {
        let rules = failed_rules(&message);
        if !rules.is_empty() {
            return Error::PolicyRulesFailed {
                rules,
                message: sanitize(&message),
            };
        }
    }
    Error::Azure(AzureError {
        api,
        status: response.status,
        code: sanitize(&code),
        message: sanitize(&message),
        request_id: response.request_id(),
    })
}

/// `{"error":{"code","message"}}`, unwrapping the observed form where `message` is itself a JSON
/// document `{"errorCode","message"}` under an `UnknownError` code.
pub fn envelope(body: &[u8]) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let error = get_ci(&value, "error")?;
    let code = get_ci(error, "code")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    let message = get_ci(error, "message")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    if code.is_empty() && message.is_empty() {
        return None;
    }
    if let Ok(inner) = serde_json::from_str::<serde_json::Value>(&message) {
        let inner_code = get_ci(&inner, "errorCode")
            .or_else(|| get_ci(&inner, "code"))
            .and_then(|v| v.as_str());
        let inner_message = get_ci(&inner, "message").and_then(|v| v.as_str());
        if let (Some(c), Some(m)) = (inner_code, inner_message) {
            return Some((c.to_owned(), m.to_owned()));
        }
    }
    Some((code, message))
}

/// A JSON object member, matched case-insensitively.
pub fn get_ci<'a>(value: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    let object = value.as_object()?;
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Finds `claims=…` in a text and decodes it: URL-encoding, or base64, or plain JSON.
pub fn claims_from_text(text: &str) -> Option<serde_json::Value> {
    let start = text.find("claims=")? + "claims=".len();
    let rest = &text[start..];
    let rest = rest.strip_prefix('"').unwrap_or(rest);
    let end = rest.find(['&', '"', ' ', ',']).unwrap_or(rest.len());
    // URL-encoded JSON may contain `%2C%20` (", ") — those are inside the encoded run, so `end` holds.
    decode_claims(&rest[..end])
}

fn decode_claims(raw: &str) -> Option<serde_json::Value> {
    let decoded = percent_decode_str(raw).decode_utf8().ok()?;
    if let Ok(v @ serde_json::Value::Object(_)) =
        serde_json::from_str::<serde_json::Value>(&decoded)
    {
        return Some(v);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(decoded.trim())
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(decoded.trim().trim_end_matches('='))
        })
        .ok()?;
    match serde_json::from_slice::<serde_json::Value>(&bytes).ok()? {
        v @ serde_json::Value::Object(_) => Some(v),
        _ => None,
    }
}

/// `WWW-Authenticate: Bearer …, error="insufficient_claims", claims="<base64>"`.
fn challenge_from_www_authenticate(api: Api, response: &Response) -> Option<ClaimsChallenge> {
    if response.status != 401 && response.status != 403 {
        return None;
    }
    for value in response.headers.get_all(reqwest::header::WWW_AUTHENTICATE) {
        let text = value.to_str().ok()?;
        if !text.to_ascii_lowercase().contains("insufficient_claims") {
            continue;
        }
        let params = parse_auth_params(text);
        let claims = params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("claims"))
            .and_then(|(_, v)| decode_claims(v))?;
        return Some(ClaimsChallenge {
            api,
            claims,
            code: Some("insufficient_claims".into()),
        });
    }
    None
}

fn parse_auth_params(header: &str) -> Vec<(String, String)> {
    let rest = header.trim();
    let rest = rest
        .strip_prefix("Bearer")
        .or_else(|| rest.strip_prefix("bearer"))
        .unwrap_or(rest);
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let key: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_owned();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut escaped = false;
            for c in chars.by_ref() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => break,
                    _ => {
                        value.push(c);
                        escaped = false;
                    }
                }
            }
        } else {
            value = chars
                .by_ref()
                .take_while(|c| *c != ',')
                .collect::<String>()
                .trim()
                .to_owned();
        }
        out.push((key, value));
    }
    out
}

/// The rule names in `The following policy rules failed: ["ExpirationRule","JustificationRule"]`.
pub fn failed_rules(message: &str) -> Vec<String> {
    let Some(open) = message.find('[') else {
        return Vec::new();
    };
    let Some(close) = message[open..].find(']') else {
        return Vec::new();
    };
    let list = &message[open..=open + close];
    match serde_json::from_str::<Vec<String>>(list) {
        Ok(rules) => rules,
        Err(_) => list
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn status_text(status: u16) -> String {
    match status {
        401 => "not signed in, or the sign-in has expired".into(),
        403 => "not allowed".into(),
        404 => "not found".into(),
        _ => format!("HTTP {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn plain_envelope_becomes_azure_error() {
        let e = from_response(
            Api::Arm,
            &response(
                400,
                r#"{"error":{"code":"RoleAssignmentDoesNotExist","message":"gone"}}"#,
            ),
        );
        match e {
            Error::Azure(a) => assert_eq!(
                (a.code.as_str(), a.message.as_str(), a.status),
                ("RoleAssignmentDoesNotExist", "gone", 400)
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn policy_rules_are_listed() {
        let body = r#"{"error":{"code":"RoleAssignmentRequestPolicyValidationFailed","message":"The following policy rules failed: [\"ExpirationRule\",\"TicketingRule\"]"}}"#;
        match from_response(Api::Arm, &response(400, body)) {
            Error::PolicyRulesFailed { rules, .. } => {
                assert_eq!(rules, vec!["ExpirationRule", "TicketingRule"])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn acrs_claims_in_message_are_decoded() {
        let body = r#"{"error":{"code":"RoleAssignmentRequestAcrsValidationFailed","message":"The Role assignment request ... &claims=%7B%22access_token%22%3A%7B%22acrs%22%3A%7B%22essential%22%3Atrue%2C%20%22value%22%3A%22c1%22%7D%7D%7D"}}"#;
        match from_response(Api::Arm, &response(400, body)) {
            Error::ClaimsChallenge(c) => {
                assert_eq!(c.acrs(), vec!["c1"]);
                assert_eq!(
                    c.claims["access_token"]["acrs"]["essential"],
                    serde_json::json!(true)
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn www_authenticate_insufficient_claims_is_decoded() {
        let claims = r#"{"access_token":{"acrs":{"essential":true,"value":"c2"}}}"#;
        let b64 = base64::engine::general_purpose::STANDARD.encode(claims);
        let mut r = response(401, "");
        let header = format!(
            r#"Bearer realm="", authorization_uri="https://login.example/common/oauth2/authorize", error="insufficient_claims", claims="{b64}""#
        );
        r.headers.insert(
            "www-authenticate",
            HeaderValue::from_str(&header).unwrap_or_else(|e| panic!("{e}")),
        );
        match from_response(Api::Graph, &r) {
            Error::ClaimsChallenge(c) => {
                assert_eq!((c.acrs(), c.api), (vec!["c2".to_owned()], Api::Graph))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_json_bodies_and_control_characters_are_safe() {
        match from_response(
            Api::Arm,
            &response(502, "<html>Bad \u{1b}[31mGateway</html>"),
        ) {
            Error::Azure(a) => {
                assert_eq!(a.code, "HTTP502");
                assert!(
                    !a.message.contains('\u{1b}'),
                    "escape sequences must not reach a terminal"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(from_response(Api::Arm, &response(401, "")), Error::Azure(a) if a.message.contains("signed in"))
        );
    }

    #[test]
    fn rule_lists_parse_leniently() {
        assert_eq!(
            failed_rules(r#"failed: ["EligibilityRule","ExpirationRule"]"#),
            vec!["EligibilityRule", "ExpirationRule"]
        );
        assert_eq!(
            failed_rules("failed: [MfaRule, JustificationRule]"),
            vec!["MfaRule", "JustificationRule"]
        );
        assert!(failed_rules("no list").is_empty());
    }
}
