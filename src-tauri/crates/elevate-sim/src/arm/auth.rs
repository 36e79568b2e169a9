//! Bearer authentication of ARM requests.

use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};

use super::reply::{ArmReply, ArmResult};
use crate::shared::Shared;
use crate::token::{self, Caller};

/// Keeps the printable ASCII of `text`, turning `"` into `'`, so it fits a quoted header field.
pub(crate) fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c == '"' { '\'' } else { c })
        .filter(|c| c.is_ascii() && !c.is_ascii_control())
        .collect()
}

/// The caller behind the request's bearer token, or the 401 to send.
pub(crate) fn authenticate(shared: &Shared, headers: &HeaderMap) -> ArmResult<Caller> {
    let value = headers.get(AUTHORIZATION).map(|v| v.to_str().unwrap_or(""));
    let audiences = shared.audiences();
    token::verify(value, &shared.signing_key, shared.accept_any_token, &audiences).map_err(|rejection| {
        let message = rejection.message(&audiences);
        let tenant = shared.state().directory.tenant_id.clone();
        ArmReply::error(StatusCode::UNAUTHORIZED, rejection.code(), &message).with_header(
            "www-authenticate",
            format!(
                "Bearer authorization_uri=\"{}/{}/oauth2/authorize\", error=\"invalid_token\", error_description=\"{}\"",
                shared.url,
                tenant,
                header_safe(&message)
            ),
        )
    })
}
