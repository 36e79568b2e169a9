//! `POST /{tenant}/oauth2/v2.0/token`: redeems an authorization code (PKCE checked), a refresh
//! token (rotated: the one redeemed stops working) or an approved device code for an access token
//! for the one resource named by `scope`, with an id token and a new refresh token.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::reply::{form_for_tenant, json_reply, oauth_error};
use super::{random, resource_of};
use crate::shared::Shared;
use crate::token::TokenRequest;

/// Access token lifetime (Entra's default is 60–90 minutes).
const ACCESS_TOKEN_SECS: u64 = 3600;

/// What a refresh token says (signed with the simulator's key). `family` names the sign-in it
/// descends from; the state remembers each family's one live `jti`.
#[derive(Serialize, Deserialize)]
struct RefreshClaims {
    family: String,
    jti: String,
    oid: String,
    client_id: String,
    /// When the sign-in this token descends from happened, and how: refreshed tokens keep them.
    #[serde(default)]
    auth_time: Option<i64>,
    #[serde(default)]
    amr: Option<Vec<String>>,
}

/// Who signed in, when and how: what the id token (and the access token's `amr`) say.
struct SignIn {
    oid: String,
    auth_time: Option<i64>,
    amr: Vec<String>,
}

pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    form: Result<axum::Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let form = match form_for_tenant(&shared, &tenant, form) {
        Ok(form) => form,
        Err(answer) => return *answer,
    };
    let param = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let Some(client_id) = param("client_id") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let scope = param("scope").unwrap_or_default().to_string();
    if let Some(refusal) = super::refuse_several_resources(&scope) {
        return refusal;
    }
    match param("grant_type") {
        Some("authorization_code") => {
            authorization_code(&shared, &tenant, client_id, &scope, &form).await
        }
        Some("refresh_token") => {
            refresh(&shared, &tenant, client_id, &scope, param("refresh_token")).await
        }
        Some("urn:ietf:params:oauth:grant-type:device_code") => {
            device_code(&shared, &tenant, client_id, &scope, param("device_code")).await
        }
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        ),
    }
}

async fn authorization_code(
    shared: &Shared,
    tenant: &str,
    client_id: &str,
    scope: &str,
    form: &HashMap<String, String>,
) -> Response {
    let get = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let issued = shared.codes().codes.remove(get("code"));
    let Some(issued) = issued.filter(|c| c.expires > Utc::now()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired or was already redeemed. Send a new interactive authorization request.",
        );
    };
    if issued.client_id != client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70000,
            "The code was issued to another client.",
        );
    }
    if issued.redirect_uri != get("redirect_uri") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            500112,
            "The reply address does not match the reply address used in the authorization request.",
        );
    }
    let verifier = get("code_verifier");
    if verifier.is_empty()
        || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != issued.challenge
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
    }
    let scope = if scope.is_empty() {
        issued.scope.clone()
    } else {
        scope.to_string()
    };
    // Without a scope the code's own is used; if that named several resources, it is refused too.
    if let Some(refusal) = super::refuse_several_resources(&scope) {
        return refusal;
    }
    let sign_in = SignIn {
        oid: issued.oid,
        auth_time: Some(issued.auth_time),
        amr: issued.amr,
    };
    issue(
        shared,
        tenant,
        client_id,
        &scope,
        None,
        issued.acrs,
        sign_in,
    )
    .await
}

async fn refresh(
    shared: &Shared,
    tenant: &str,
    client_id: &str,
    scope: &str,
    refresh_token: Option<&str>,
) -> Response {
    let Some(claims) = refresh_token.and_then(|t| read_refresh(&shared.signing_key, t)) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            9002313,
            "Invalid request. The refresh token is malformed or not valid.",
        );
    };
    if claims.client_id != client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            700025,
            "The refresh token was issued to another client.",
        );
    }
    let live = shared.state().refresh_families.get(&claims.family).cloned();
    if live.as_deref() != Some(claims.jti.as_str()) {
        // A redeemed (rotated) or revoked refresh token: refuse it.
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            70008,
            "The refresh token has already been used or was revoked. The user must sign in again.",
        );
    }
    let sign_in = SignIn {
        oid: claims.oid.clone(),
        auth_time: claims.auth_time,
        amr: claims
            .amr
            .unwrap_or_else(|| vec!["pwd".to_string(), "mfa".to_string()]),
    };
    issue(
        shared,
        tenant,
        client_id,
        scope,
        Some(claims.family),
        Vec::new(),
        sign_in,
    )
    .await
}

async fn device_code(
    shared: &Shared,
    tenant: &str,
    client_id: &str,
    scope: &str,
    device_code: Option<&str>,
) -> Response {
    let now = Utc::now();
    let outcome = {
        let mut book = shared.codes();
        book.sweep(now);
        match device_code.and_then(|c| book.device_codes.get_mut(c)) {
            None => Err((
                "expired_token",
                70020,
                "The device code has expired or is unknown.",
            )),
            Some(issued) if issued.client_id != client_id => Err((
                "invalid_grant",
                70000,
                "The device code was issued to another client.",
            )),
            Some(issued) if issued.polls == 0 => {
                issued.polls += 1;
                Err((
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ))
            }
            Some(issued) => Ok(issued.scope.clone()),
        }
    };
    match outcome {
        Ok(granted) => {
            if let Some(code) = device_code {
                shared.codes().device_codes.remove(code);
            }
            let scope = if scope.is_empty() {
                granted
            } else {
                scope.to_string()
            };
            // The user signed in on the verification page just now.
            let default_user = shared.state().directory.default_user.clone();
            let (amr, user) = {
                let book = shared.codes();
                (book.amr_now(), book.signing_in_user.clone())
            };
            let sign_in = SignIn {
                oid: user.unwrap_or(default_user),
                auth_time: Some(now.timestamp()),
                amr,
            };
            issue(shared, tenant, client_id, &scope, None, Vec::new(), sign_in).await
        }
        Err((error, aadsts, text)) => oauth_error(StatusCode::BAD_REQUEST, error, aadsts, text),
    }
}

/// The token answer: an access token for the resource of `scope`, an id token, and a new refresh
/// token in `family` (a new family when `None`), which becomes the family's only live one.
/// The refresh token is the person's (bound to user and client, not to a tenant); the access and
/// id tokens are for the object that stands for them in `tenant`: their own in their home
/// tenant, their guest object in another directory (`AADSTS50020` when they have none there).
async fn issue(
    shared: &Shared,
    tenant: &str,
    client_id: &str,
    scope: &str,
    family: Option<String>,
    acrs: Vec<String>,
    sign_in: SignIn,
) -> Response {
    let Some(resource) = resource_of(scope) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            "The provided request must include a resource scope such as https://management.azure.com/.default.",
        );
    };
    let object = {
        let state = shared.state();
        let directory = &state.directory;
        let home = directory.home_object(&sign_in.oid).to_string();
        let named = !["organizations", "common"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tenant));
        let home_tenant = directory
            .user(&home)
            .map_or(directory.tenant_id.clone(), |u| {
                directory.tenant_of_user(u).to_string()
            });
        if named
            && !crate::ids::eq_ci(tenant, &home_tenant)
            && !crate::ids::eq_ci(tenant, crate::demo::TENANT_DOMAIN)
        {
            match directory.object_in_tenant(&home, tenant) {
                Some(object) => Ok((home, object)),
                None => Err(super::reply::not_in_tenant(
                    directory, &home, tenant, client_id,
                )),
            }
        } else {
            Ok((home.clone(), home))
        }
    };
    let (home, object) = match object {
        Ok(pair) => pair,
        Err(refusal) => return refusal,
    };
    let sign_in = SignIn {
        oid: object,
        ..sign_in
    };
    let kind = crate::consent::Resource::of(&resource);
    let requested = crate::consent::requested_of(scope, &resource);
    let granted = {
        let state = shared.state();
        let user = state.directory.default_user.clone();
        crate::consent::scopes_for(&state, client_id, &user, kind, &requested)
    };
    let granted = match granted {
        Ok(granted) => granted,
        Err(missing) => {
            return super::reply::consent_required(client_id, missing.permission.as_deref());
        }
    };
    let access = shared.mint(&TokenRequest {
        oid: Some(sign_in.oid.clone()),
        audience: resource,
        acrs,
        scopes: Some(granted.join(" ")),
        client_id: Some(client_id.to_string()),
        amr: sign_in.amr.clone(),
        lifetime_secs: ACCESS_TOKEN_SECS,
        ..TokenRequest::default()
    });
    let id = shared.mint(&TokenRequest {
        oid: Some(sign_in.oid.clone()),
        audience: client_id.to_string(),
        amr: sign_in.amr.clone(),
        lifetime_secs: ACCESS_TOKEN_SECS,
        auth_time: sign_in.auth_time,
        ..TokenRequest::default()
    });
    let (Ok(access), Ok(id)) = (access, id) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50000,
            "There was an error issuing a token.",
        );
    };
    let oid = home;
    let claims = RefreshClaims {
        family: family.unwrap_or_else(|| random(12)),
        jti: random(12),
        oid,
        client_id: client_id.to_string(),
        auth_time: sign_in.auth_time,
        amr: Some(sign_in.amr),
    };
    let Some(refresh) = write_refresh(&shared.signing_key, &claims) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50000,
            "There was an error issuing a token.",
        );
    };
    shared
        .mutate(|state| {
            state
                .refresh_families
                .insert(claims.family.clone(), claims.jti.clone());
            ((), true)
        })
        .await;
    json_reply(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "scope": scope.split_whitespace().filter(|s| !matches!(*s, "openid" | "profile" | "offline_access" | "email")).collect::<Vec<_>>().join(" "),
            "expires_in": ACCESS_TOKEN_SECS,
            "ext_expires_in": ACCESS_TOKEN_SECS,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": id,
        }),
    )
}

fn mac(key: &[u8], input: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(b"refresh-token:");
    mac.update(input);
    Some(mac)
}

fn write_refresh(key: &[u8], claims: &RefreshClaims) -> Option<String> {
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).ok()?);
    let signature = URL_SAFE_NO_PAD.encode(mac(key, body.as_bytes())?.finalize().into_bytes());
    Some(format!("1.{body}.{signature}"))
}

fn read_refresh(key: &[u8], token: &str) -> Option<RefreshClaims> {
    let mut parts = token.split('.');
    let (Some("1"), Some(body), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    mac(key, body.as_bytes())?
        .verify_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?)
        .ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()
}
