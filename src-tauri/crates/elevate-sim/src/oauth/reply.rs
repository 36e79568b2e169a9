//! The identity platform's answers: JSON bodies and its error envelope
//! (`{"error","error_description","error_codes","timestamp","trace_id","correlation_id"}`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A JSON answer that must not be cached.
pub(crate) fn json_reply(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, axum::Json(body.clone())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// An OAuth error (HTTP 400 unless `status` says otherwise), with an AADSTS code in the description.
pub(crate) fn oauth_error(
    status: StatusCode,
    error: &str,
    aadsts: u32,
    description: &str,
) -> Response {
    let now = chrono::Utc::now();
    json_reply(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{aadsts}: {description} Trace ID: {} Correlation ID: {} Timestamp: {}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), now.format("%Y-%m-%d %H:%M:%SZ")),
            "error_codes": [aadsts],
            "timestamp": now.format("%Y-%m-%d %H:%M:%SZ").to_string(),
            "trace_id": uuid::Uuid::new_v4().to_string(),
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        }),
    )
}

/// Entra's refusal of a token for scopes without consent: `invalid_grant` with `suberror`
/// `consent_required` and `AADSTS65001`, naming the client and the permission when one is known.
pub(crate) fn consent_required(client_id: &str, permission: Option<&str>) -> Response {
    let now = chrono::Utc::now();
    let description = match permission {
        Some(p) => format!(
            "AADSTS65001: The user or administrator has not consented to use the application with ID '{client_id}'. Send an interactive authorization request for this user and resource. Missing consent for the permission '{p}'. Trace ID: {} Correlation ID: {} Timestamp: {}",
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            now.format("%Y-%m-%d %H:%M:%SZ")
        ),
        None => format!(
            "AADSTS65001: The user or administrator has not consented to use the application with ID '{client_id}'. Send an interactive authorization request for this user and resource. Trace ID: {} Correlation ID: {} Timestamp: {}",
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            now.format("%Y-%m-%d %H:%M:%SZ")
        ),
    };
    json_reply(
        StatusCode::BAD_REQUEST,
        &json!({
            "error": "invalid_grant",
            "error_description": description,
            "error_codes": [65001],
            "suberror": "consent_required",
            "timestamp": now.format("%Y-%m-%d %H:%M:%SZ").to_string(),
            "trace_id": uuid::Uuid::new_v4().to_string(),
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        }),
    )
}

/// Entra's refusal of a token in a directory where the user has no object (not a member, not a
/// guest): `invalid_grant` with `AADSTS50020` (Microsoft's error-code reference: "UserUnauthorized
/// ... does not exist in tenant ... The account needs to be added as an external user in the
/// tenant first.").
pub(crate) fn not_in_tenant(
    directory: &crate::tenant::Directory,
    home_oid: &str,
    tenant: &str,
    client_id: &str,
) -> Response {
    let account = directory
        .user(home_oid)
        .map_or(home_oid, |u| u.upn.as_str());
    let tenant_name = directory
        .other_tenant(tenant)
        .map_or(tenant, |t| t.display_name.as_str());
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        50020,
        &format!(
            "User account '{account}' from identity provider 'https://sts.windows.net/{}/' does not exist in tenant '{tenant_name}' and cannot access the application '{client_id}' in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.",
            directory.tenant_id
        ),
    )
}

/// A small HTML page.
pub(crate) fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A token-endpoint style request's form body, once the body is a form and the tenant is known; the
/// identity platform's error answer otherwise.
pub(crate) fn form_for_tenant(
    shared: &crate::shared::Shared,
    tenant: &str,
    form: Result<
        axum::Form<std::collections::HashMap<String, String>>,
        axum::extract::rejection::FormRejection,
    >,
) -> Result<std::collections::HashMap<String, String>, Box<Response>> {
    let Ok(axum::Form(form)) = form else {
        return Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must be application/x-www-form-urlencoded.",
        )));
    };
    if !super::authorize::known_tenant(shared, tenant) {
        return Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        )));
    }
    Ok(form)
}
