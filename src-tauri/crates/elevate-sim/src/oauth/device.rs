//! `POST /{tenant}/oauth2/v2.0/devicecode` and the verification page. The demo user "enters the
//! code" at once: the first poll is answered `authorization_pending`, the next with tokens.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{TimeDelta, Utc};
use serde_json::json;

use super::reply::{form_for_tenant, json_reply, oauth_error, page};
use super::{CODE_LIFETIME_SECS, IssuedDeviceCode, random};
use crate::shared::Shared;

pub(crate) async fn devicecode(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    form: Result<axum::Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let form = match form_for_tenant(&shared, &tenant, form) {
        Ok(form) => form,
        Err(answer) => return *answer,
    };
    let Some(client_id) = form.get("client_id").filter(|c| !c.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if let Some(refusal) =
        super::refuse_several_resources(form.get("scope").map_or("", String::as_str))
    {
        return refusal;
    }
    if !crate::consent::public_flows_allowed(&shared.state(), client_id) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    }
    let device_code = random(32);
    let user_code: String = random(8)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(9)
        .collect::<String>()
        .to_uppercase();
    let verification_uri = format!("{}/devicelogin", shared.url);
    let now = Utc::now();
    {
        let mut book = shared.codes();
        book.sweep(now);
        book.device_codes.insert(
            device_code.clone(),
            IssuedDeviceCode {
                client_id: client_id.clone(),
                scope: form.get("scope").cloned().unwrap_or_default(),
                user_code: user_code.clone(),
                polls: 0,
                expires: now + TimeDelta::seconds(CODE_LIFETIME_SECS),
            },
        );
    }
    json_reply(
        StatusCode::OK,
        &json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "expires_in": CODE_LIFETIME_SECS,
            "interval": 1,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
    )
}

/// `GET /devicelogin[?user_code=…]`: with a known code, approves it at once (the demo user signs in).
pub(crate) async fn verification_page(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let wanted = params
        .get("user_code")
        .map(|c| c.trim().to_uppercase())
        .unwrap_or_default();
    let approved = {
        let mut book = shared.codes();
        book.device_codes
            .values_mut()
            .find(|c| !wanted.is_empty() && c.user_code == wanted)
            .map(|c| c.polls = c.polls.max(1))
            .is_some()
    };
    let text = if approved {
        "Code accepted: the demo user is signed in. You can close this page."
    } else {
        "The simulator's demo user approves every device code by itself (after the first poll); nothing to do here."
    };
    page(StatusCode::OK, "Device sign-in", text)
}
