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
use super::{BrowserSession, CODE_LIFETIME_SECS, IssuedCode, acrs_of, random};
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
        || state.directory.other_tenant(tenant).is_some()
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
    if !crate::consent::redirect_registered(&shared.state(), client_id, &redirect) {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.",
        );
    }
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
    // `prompt`: `login` makes the user enter their credentials again; `none` must not show
    // anything; `consent` and `select_account` show pages the demo user gets through at once.
    let prompt = param("prompt");
    if !matches!(
        prompt,
        None | Some("login" | "none" | "consent" | "select_account")
    ) {
        return fail(
            redirect,
            "invalid_request",
            "AADSTS90023: Invalid prompt value; it must be login, none, consent or select_account.",
        );
    }
    // `max_age`: the most seconds since the user last entered their credentials; older sessions
    // sign in again (OpenID Connect Core 3.1.2.1).
    let max_age = match param("max_age").map(str::parse::<u64>) {
        None => None,
        Some(Ok(secs)) => Some(secs),
        Some(Err(_)) => {
            return fail(
                redirect,
                "invalid_request",
                "AADSTS90019: max_age must be a non-negative number of seconds.",
            );
        }
    };
    // `login_hint`: a user of the directory named by their UPN signs in as that user (the sign-in
    // page is pre-filled); a session of another user is not reused for them.
    let hinted = param("login_hint").and_then(|hint| {
        let state = shared.state();
        state
            .directory
            .users
            .iter()
            .find(|u| u.upn.eq_ignore_ascii_case(hint.trim()))
            .map(|u| u.id.clone())
    });
    let default_user = shared.state().directory.default_user.clone();
    let code = random(32);
    let now = Utc::now();
    let signed_in = {
        let mut book = shared.codes();
        book.sweep(now);
        let user = hinted
            .or_else(|| book.browser_session.as_ref().map(|s| s.user.clone()))
            .or_else(|| book.signing_in_user.clone())
            .unwrap_or(default_user);
        let reusable = book.browser_session.clone().filter(|session| {
            session.user.eq_ignore_ascii_case(&user)
                && prompt != Some("login")
                && max_age.is_none_or(|max| {
                    (now - session.signed_in_at).num_seconds()
                        <= i64::try_from(max).unwrap_or(i64::MAX)
                })
        });
        match reusable {
            Some(session) => Some(session),
            None if prompt == Some("none") => None,
            None => {
                let session = BrowserSession {
                    signed_in_at: now,
                    amr: book.amr_now(),
                    user,
                };
                book.browser_session = Some(session.clone());
                Some(session)
            }
        }
    };
    let Some(session) = signed_in else {
        return fail(
            redirect,
            "login_required",
            "AADSTS50058: A silent sign-in request was sent but no user is signed in, or the sign-in is older than max_age.",
        );
    };
    let issued = IssuedCode {
        client_id: client_id.to_string(),
        redirect_uri: param("redirect_uri").unwrap_or_default().to_string(),
        challenge: challenge.to_string(),
        scope,
        acrs: acrs_of(param("claims")),
        auth_time: session.signed_in_at.timestamp(),
        amr: session.amr,
        oid: session.user,
        expires: now + TimeDelta::seconds(CODE_LIFETIME_SECS),
    };
    shared.codes().codes.insert(code.clone(), issued);
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
