//! `GET /{tenant}/oauth2/v2.0/authorize`: checks the request, "signs in" the demo user at once and
//! redirects to the client's loopback `redirect_uri` with a code and the client's `state`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use url::Url;

use super::reply::page;
use super::{CODE_LIFETIME_SECS, IssuedCode, acrs_of, random};
use crate::shared::Shared;

/// Whether the simulator answers for `tenant`: `organizations`, `common`, its tenant id or domain.
pub(crate) fn known_tenant(shared: &Shared, tenant: &str) -> bool {
    let state = shared.state();
    [
        "organizations",
        "common",
        state.directory.tenant_id.as_str(),
        crate::demo::TENANT_DOMAIN,
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(tenant))
}

/// Loopback `http` redirect URIs only (any port): a native client's.
fn loopback_redirect(uri: &str) -> Option<Url> {
    let url = Url::parse(uri).ok()?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    (url.scheme() == "http" && loopback && url.fragment().is_none()).then_some(url)
}

pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    if !known_tenant(&shared, &tenant) {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            &format!("AADSTS90002: Tenant '{}' not found.", html_escape(&tenant)),
        );
    }
    let Some(client_id) = param("client_id") else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            "AADSTS900144: The request body must contain the following parameter: 'client_id'.",
        );
    };
    // Until the redirect URI is known to be good, errors are shown, never redirected.
    let Some(mut redirect) = param("redirect_uri").and_then(loopback_redirect) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application. Native clients use http://localhost or http://127.0.0.1 with any port.",
        );
    };
    let state = param("state").map(str::to_string);
    let fail = |mut redirect: Url, error: &str, description: &str| {
        {
            let mut query = redirect.query_pairs_mut();
            query
                .append_pair("error", error)
                .append_pair("error_description", description);
            if let Some(state) = &state {
                query.append_pair("state", state);
            }
        }
        found(&redirect)
    };
    if param("response_type") != Some("code") {
        return fail(
            redirect,
            "unsupported_response_type",
            "AADSTS700054: response_type must be 'code'.",
        );
    }
    let scope = param("scope").unwrap_or_default().to_string();
    if !scope
        .split_whitespace()
        .any(|s| s == "openid" || s.contains("://"))
    {
        return fail(
            redirect,
            "invalid_scope",
            "AADSTS70011: The provided value for the input parameter 'scope' is not valid.",
        );
    }
    let Some(challenge) = param("code_challenge") else {
        return fail(
            redirect,
            "invalid_request",
            "AADSTS9002325: Proof Key for Code Exchange is required: send code_challenge with code_challenge_method=S256.",
        );
    };
    if param("code_challenge_method") != Some("S256") {
        return fail(
            redirect,
            "invalid_request",
            "AADSTS501491: Invalid code_challenge_method; this tenant accepts only S256.",
        );
    }
    let code = random(32);
    let now = Utc::now();
    let issued = IssuedCode {
        client_id: client_id.to_string(),
        redirect_uri: param("redirect_uri").unwrap_or_default().to_string(),
        challenge: challenge.to_string(),
        scope,
        acrs: acrs_of(param("claims")),
        expires: now + TimeDelta::seconds(CODE_LIFETIME_SECS),
    };
    {
        let mut book = shared.codes();
        book.sweep(now);
        book.codes.insert(code.clone(), issued);
    }
    {
        let mut query = redirect.query_pairs_mut();
        query.append_pair("code", &code);
        if let Some(state) = &state {
            query.append_pair("state", state);
        }
        query.append_pair("session_state", &uuid::Uuid::new_v4().to_string());
    }
    found(&redirect)
}

fn found(location: &Url) -> Response {
    match HeaderValue::from_str(location.as_str()) {
        Ok(value) => (StatusCode::FOUND, [(header::LOCATION, value)]).into_response(),
        Err(_) => page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            "The redirect URI is not usable.",
        ),
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
