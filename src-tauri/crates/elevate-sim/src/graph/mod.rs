//! The Microsoft Graph front end: every request under `/v1.0/` or `/beta/` lands here. It applies
//! faults, authenticates (Graph audience), routes to the handlers, adds Graph's response headers
//! and `innerError`, and records the request in the same log as ARM.
//!
//! Graph's wire format is written here independently of the ARM half: lower-camel-case enum
//! values in responses (`afterDuration`, `selfActivate`), `@odata.context`, `@odata.nextLink`,
//! 201 bodies for new requests and 204 for `cancel`.

mod applications;
mod approvals;
mod eligibility_requests;
mod objects;
mod odata;
mod permissions;
mod policies;
mod render;
mod requests;
mod routes;
mod schedules;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use self::routes::{Family, Route};
use crate::arm::ConnectionReset;
use crate::arm::auth::header_safe;
use crate::arm::query::Query;
use crate::arm::reply::{ArmReply as Reply, ReplyBody};
use crate::clock::format_time;
use crate::faults::{Fault, FaultKind};
use crate::ids::{eq_ci, new_guid};
use crate::log::LogEntry;
use crate::shared::Shared;
use crate::token::{self, Caller};

/// Largest request body read.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Audiences accepted on Graph requests.
const GRAPH_AUDIENCES: [&str; 3] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
];

/// Whether `path` is a Graph path (`/v1.0/...` or `/beta/...`).
pub(crate) fn is_graph_path(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    eq_ci(first, "v1.0") || eq_ci(first, "beta")
}

/// What the handlers get to see of a request.
pub(crate) struct GraphCtx<'a> {
    /// Shared state.
    pub shared: &'a Shared,
    /// The authenticated caller.
    pub caller: Caller,
    /// `v1.0` or `beta`, as sent.
    pub version: &'a str,
    /// Path as sent.
    pub path: &'a str,
    /// Query parameters.
    pub query: &'a Query,
    /// Request body.
    pub body: &'a [u8],
}

impl GraphCtx<'_> {
    /// `{url}/{version}/$metadata#{what}`.
    pub(crate) fn context(&self, what: &str) -> String {
        format!("{}/{}/$metadata#{what}", self.shared.url, self.version)
    }
}

/// A Graph error answer; `innerError` is added when the response is finished.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply::error(status, code, message)
}

/// 400 with `code`.
pub(crate) fn bad_request(code: &str, message: &str) -> Reply {
    error(StatusCode::BAD_REQUEST, code, message)
}

/// 403 `Authorization_RequestDenied`, Graph's answer when the caller lacks the rights.
pub(crate) fn denied() -> Reply {
    error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// 404 for a directory object that does not exist.
pub(crate) fn object_not_found(id: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

/// The axum handler for Graph requests.
pub(crate) async fn entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method;
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let request_id = new_guid();
    let client_request_id = parts
        .headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_string)
        .unwrap_or_else(|| request_id.clone());

    let reply = if let crate::throttle::Admission::Throttled {
        retry_after_secs, ..
    } = shared.admit(&parts.headers)
    {
        // Graph's documented throttling answer: 429, `TooManyRequests`, `Retry-After`.
        error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests are being made to this resource. Retry after the time the Retry-After header gives.",
        )
        .with_header("retry-after", retry_after_secs.to_string())
    } else {
        crate::front::with_faults(&shared, method.as_str(), &path, fault_reply, || async {
            match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
                Ok(bytes) => {
                    process(
                        &shared,
                        &method,
                        &path,
                        raw_query.as_deref(),
                        &parts.headers,
                        &bytes,
                    )
                    .await
                }
                Err(_) => bad_request("BadRequest", "The request body could not be read."),
            }
        })
        .await
    };
    finish(
        &shared,
        reply,
        &method,
        &path,
        raw_query,
        &request_id,
        &client_request_id,
    )
}

/// The answer a fault gives instead of the real one, in Graph's words.
fn fault_reply(fault: &Fault) -> Reply {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut reply = match fault.kind {
        FaultKind::Reset => Reply::reset(),
        FaultKind::Malformed => Reply::raw(
            StatusCode::from_u16(fault.status).unwrap_or(StatusCode::OK),
            br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#Collection(unifiedRoleEligibilityScheduleInstance)","value":[{"id":"#.to_vec(),
        ),
        FaultKind::Throttle => error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests are being made to this resource. Retry after the time the Retry-After header gives.",
        ),
        FaultKind::Status | FaultKind::Latency => {
            let (code, message) = match status.as_u16() {
                500 => ("generalException", "An unexpected error occurred."),
                502 => ("BadGateway", "The service is temporarily unreachable."),
                503 => ("serviceNotAvailable", "The service is temporarily unavailable. Please try again later."),
                504 => ("GatewayTimeout", "The service did not answer in time."),
                429 => ("TooManyRequests", "Too many requests are being made to this resource."),
                409 => ("Conflict", "The request conflicts with the current state of the resource."),
                _ => ("SimulatedFault", "The simulator injected this failure."),
            };
            error(status, code, message)
        }
    };
    let retry = fault
        .retry_after_secs
        .or((fault.kind == FaultKind::Throttle).then_some(1));
    if let Some(secs) = retry {
        reply = reply.with_header("retry-after", secs.to_string());
    }
    reply.fault = Some(fault.kind);
    reply
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Reply> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""));
    let audiences: Vec<String> = GRAPH_AUDIENCES.iter().map(|a| (*a).to_string()).collect();
    token::verify(value, &shared.signing_key, shared.accept_any_token, &audiences).map_err(|rejection| {
        let message = match rejection {
            token::Rejection::Missing => "Access token is empty.".to_string(),
            token::Rejection::Audience(_) => "Access token validation failure. Invalid audience.".to_string(),
            token::Rejection::Expired { .. } => "Lifetime validation failed, the token is expired.".to_string(),
            _ => "Access token validation failure.".to_string(),
        };
        error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", &message).with_header(
            "www-authenticate",
            format!(
                "Bearer realm=\"\", authorization_uri=\"{}/{}/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\", error_description=\"{}\"",
                shared.url,
                header_safe(&shared.state().directory.tenant_id),
                header_safe(&message)
            ),
        )
    })
}

async fn process(
    shared: &Shared,
    method: &Method,
    path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    shared.housekeep().await;
    let caller = match authenticate(shared, headers) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    let query = Query::parse(raw_query);
    let (version, route) = match routes::parse(path) {
        Ok(parsed) => parsed,
        Err(reply) => return reply,
    };
    if !caller.has_scope(permissions::required(method, &route, &query)) {
        return denied();
    }
    let ctx = GraphCtx {
        shared,
        caller,
        version: &version,
        path,
        query: &query,
        body,
    };
    dispatch(&ctx, method, route).await
}

fn method_not_allowed() -> Reply {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "The requested resource does not support this HTTP method.",
    )
}

async fn dispatch(ctx: &GraphCtx<'_>, method: &Method, route: Route) -> Reply {
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    match route {
        Route::EligibilityInstances(family) if get => schedules::list(ctx, family, true),
        Route::AssignmentInstances(family) if get => schedules::list(ctx, family, false),
        Route::EligibilityRequests if post => eligibility_requests::create(ctx).await,
        Route::EligibilityRequest(id) if get => eligibility_requests::get(ctx, &id),
        Route::Requests(family) if post => requests::create(ctx, family).await,
        Route::Requests(_) if get => denied(),
        Route::RequestsByCurrentUser(family, on) if get => requests::list_mine(ctx, family, &on),
        Route::Request(family, id) if get => requests::get(ctx, family, &id),
        Route::Cancel(family, id) if post => requests::cancel(ctx, family, &id).await,
        Route::RoleDefinitions(id) if get => objects::role_definitions(ctx, id.as_deref()),
        Route::AdministrativeUnit(id) if get => objects::administrative_unit(ctx, &id),
        Route::Group(id) if get => objects::group(ctx, &id),
        Route::GroupOwners(id) if get => objects::group_owners(ctx, &id),
        Route::Me if get => objects::me(ctx),
        Route::User(id) if get => objects::user(ctx, &id),
        Route::PolicyAssignments if get => policies::list_assignments(ctx),
        Route::Approval(family, id) if get => approvals::get(ctx, family, &id),
        Route::ApprovalStage(family, id, stage) if *method == Method::PATCH => {
            approvals::decide(ctx, family, &id, &stage).await
        }
        Route::Apps(which) => applications::collection(ctx, method, which).await,
        Route::AppObject(which, key) => applications::object(ctx, method, which, &key).await,
        _ => method_not_allowed(),
    }
}

/// Adds `innerError` to an error body, as Graph does.
fn with_inner_error(
    bytes: &[u8],
    date: &str,
    request_id: &str,
    client_request_id: &str,
) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    let error = value.get_mut("error")?.as_object_mut()?;
    error.entry("innerError").or_insert(json!({
        "date": date,
        "request-id": request_id,
        "client-request-id": client_request_id
    }));
    serde_json::to_vec(&value).ok()
}

fn finish(
    shared: &Shared,
    reply: Reply,
    method: &Method,
    path: &str,
    query: Option<String>,
    request_id: &str,
    client_request_id: &str,
) -> Response {
    let status = reply.status;
    let time = format_time(&shared.state().now());
    tracing::debug!(%method, path, status = status.as_u16(), reset = reply.reset, "Graph request");
    shared.log().push(LogEntry {
        seq: 0,
        time,
        method: method.to_string(),
        path: path.to_string(),
        query,
        status: if reply.reset { 0 } else { status.as_u16() },
        request_id: request_id.to_string(),
        fault: reply.fault,
        effect: reply.effect,
        request_name: reply.request_name.clone(),
    });
    if reply.reset {
        let mut response = Response::new(Body::empty());
        response.extensions_mut().insert(ConnectionReset);
        return response;
    }
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let diagnostic = json!({"ServerInfo": {"DataCenter": "West Europe", "Slice": "E", "Ring": "5", "ScaleUnit": "000", "RoleInstance": "elevate-sim"}});
    let mut headers: Vec<(String, String)> = vec![
        ("cache-control".into(), "no-cache".into()),
        ("request-id".into(), request_id.to_string()),
        ("client-request-id".into(), client_request_id.to_string()),
        ("x-ms-ags-diagnostic".into(), diagnostic.to_string()),
        ("x-ms-resource-unit".into(), "1".into()),
    ];
    let body = match reply.body {
        ReplyBody::Json(bytes) => {
            headers.push(("odata-version".into(), "4.0".into()));
            headers.push((
                "content-type".into(),
                "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8".into(),
            ));
            let bytes = if status.is_client_error() || status.is_server_error() {
                with_inner_error(&bytes, &date, request_id, client_request_id).unwrap_or(bytes)
            } else {
                bytes
            };
            Body::from(bytes)
        }
        ReplyBody::Raw(bytes) => {
            headers.push((
                "content-type".into(),
                "application/json;odata.metadata=minimal;charset=utf-8".into(),
            ));
            Body::from(bytes)
        }
        ReplyBody::Empty => Body::empty(),
    };
    headers.extend(
        reply
            .headers
            .iter()
            .map(|(n, v)| ((*n).to_string(), v.clone())),
    );
    let mut response = Response::new(body);
    *response.status_mut() = status;
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(name),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// A Graph request as Graph renders it (for the control API).
pub(crate) fn render_request(
    state: &crate::state::SimState,
    request: &crate::entra::Request,
) -> Value {
    render::Render::new(state, &odata::Expand::default()).request(request)
}

/// Which family a target belongs to.
pub(crate) fn family_of(target: &crate::entra::Target) -> Family {
    if target.is_group() {
        Family::Groups
    } else {
        Family::Directory
    }
}
