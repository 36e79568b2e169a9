//! The ARM front end: every request that is not for the control API lands here. It applies
//! faults, authenticates, checks the api-version, routes to the resource handlers, adds ARM's
//! response headers and records the request in the log.

mod approvals;
pub(crate) mod auth;
mod body;
mod directory;
mod eligibility_requests;
mod filter;
mod instances;
mod paging;
mod permissions;
mod policies;
pub(crate) mod query;
pub(crate) mod reply;
mod requests;
mod routes;
mod select;
mod wire;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

pub(crate) use requests::{DecisionError, decide};
pub(crate) use wire::{Render, stored_scope};

use self::paging::ListRequest;
use self::query::Query;
use self::reply::{ArmReply, ArmResult, ReplyBody, bad_request, not_found};
use self::routes::{Collection, PathError, Target};
use crate::clock::format_time;
use crate::faults::{Fault, FaultKind};
use crate::ids::{eq_ci, new_guid};
use crate::log::LogEntry;
use crate::scope::Scope;
use crate::shared::Shared;
use crate::throttle::Admission;
use crate::token::Caller;

/// Largest request body read.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Marks a response whose connection must be dropped without answering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionReset;

/// What the resource handlers get to see of a request.
pub(crate) struct ArmCtx<'a> {
    /// Shared state.
    pub shared: &'a Shared,
    /// The authenticated caller.
    pub caller: Caller,
    /// Path as sent.
    pub path: &'a str,
    /// Query parameters.
    pub query: &'a Query,
    /// api-version as sent.
    pub api_version: &'a str,
    /// Request body.
    pub body: &'a [u8],
}

impl ArmCtx<'_> {
    /// Paging parameters of a list request.
    pub(crate) fn list_request(&self, page_size: usize) -> ArmResult<ListRequest<'_>> {
        Ok(ListRequest {
            url: &self.shared.url,
            path: self.path,
            api_version: self.api_version,
            filter: self.query.filter(),
            offset: paging::offset(self.query)?,
            page_size,
        })
    }
}

/// The axum fallback handler for ARM requests.
pub(crate) async fn entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method;
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().map(str::to_string);
    let request_id = new_guid();
    let correlation_id = ["x-ms-correlation-request-id", "x-ms-client-request-id"]
        .iter()
        .filter_map(|name| parts.headers.get(*name).and_then(|v| v.to_str().ok()))
        .map(str::trim)
        .find(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_string)
        .unwrap_or_else(new_guid);

    let admission = shared.admit(&parts.headers);
    let reply = if let Admission::Throttled {
        retry_after_secs, ..
    } = admission
    {
        throttled_reply(&method, retry_after_secs)
    } else {
        crate::front::with_faults(
            &shared,
            method.as_str(),
            &path,
            |fault| fault_reply(fault, &method),
            || async {
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
                    Err(_) => reply::invalid_content("The request body could not be read"),
                }
            },
        )
        .await
    };
    let budget_left = match admission {
        Admission::Unlimited => None,
        Admission::Admitted { remaining } => Some(remaining),
        Admission::Throttled { .. } => Some(0),
    };
    finish(
        &shared,
        reply,
        &method,
        &path,
        raw_query,
        &request_id,
        &correlation_id,
        budget_left,
    )
}

/// ARM's answer to a request over the simulator's request budget: 429 `TooManyRequests` with the
/// documented message and `Retry-After`.
fn throttled_reply(method: &Method, retry_after_secs: u64) -> ArmReply {
    let operation = if method == Method::GET || method == Method::HEAD {
        "Read"
    } else {
        "Write"
    };
    ArmReply::error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        &format!(
            "The request is being throttled as the limit has been reached for operation type - {operation}_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits"
        ),
    )
    .with_header("retry-after", retry_after_secs.to_string())
}

/// The answer a fault gives instead of the real one.
fn fault_reply(fault: &Fault, method: &Method) -> ArmReply {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut reply = match fault.kind {
        FaultKind::Reset => ArmReply::reset(),
        FaultKind::Malformed => ArmReply::raw(
            StatusCode::from_u16(fault.status).unwrap_or(StatusCode::OK),
            br#"{"value":[{"properties":{"scope":"/subscriptions/"#.to_vec(),
        ),
        FaultKind::Throttle => {
            let operation = if method == Method::GET || method == Method::HEAD {
                "Read"
            } else {
                "Write"
            };
            ArmReply::error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                &format!(
                    "The request is being throttled as the limit has been reached for operation type - {operation}_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits"
                ),
            )
        }
        FaultKind::Status | FaultKind::Latency => {
            let (code, message) = match status.as_u16() {
                500 => (
                    "InternalServerError",
                    "An internal server error occurred. Please try again later.",
                ),
                502 => (
                    "BadGateway",
                    "The gateway received an invalid response from 'Microsoft.Authorization'.",
                ),
                503 => (
                    "ServiceUnavailable",
                    "The service is currently unavailable. Please try again later.",
                ),
                504 => (
                    "GatewayTimeout",
                    "The gateway did not receive a response from 'Microsoft.Authorization' within the specified time period.",
                ),
                429 => (
                    "TooManyRequests",
                    "The request is being throttled. Please try again later.",
                ),
                409 => (
                    "Conflict",
                    "The request conflicts with the current state of the resource.",
                ),
                _ => ("SimulatedFault", "The simulator injected this failure."),
            };
            ArmReply::error(status, code, message)
        }
    };
    if let Some(secs) = fault.retry_after_secs {
        reply = reply.with_header("retry-after", secs.to_string());
    }
    reply.fault = Some(fault.kind);
    reply
}

async fn process(
    shared: &Shared,
    method: &Method,
    path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> ArmReply {
    shared.housekeep().await;
    let caller = match auth::authenticate(shared, headers) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    let query = Query::parse(raw_query);
    let Some(api_version) = query
        .get("api-version")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
    else {
        return bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    };
    if let Some(approval_path) = approvals::parse(path) {
        if !approvals::APPROVAL_VERSIONS
            .iter()
            .any(|v| eq_ci(v, &api_version))
        {
            return bad_request(
                "InvalidApiVersionParameter",
                &format!(
                    "The api-version '{api_version}' is invalid. The supported versions are '{}'.",
                    approvals::APPROVAL_VERSIONS.join(",")
                ),
            );
        }
        let ctx = ArmCtx {
            shared,
            caller,
            path,
            query: &query,
            api_version: &api_version,
            body,
        };
        return approvals::handle(&ctx, method, approval_path).await;
    }
    let target = match routes::parse(path) {
        Ok(target) => target,
        Err(PathError::NotFound) => {
            return not_found(
                "NotFound",
                &format!("No HTTP resource was found that matches the request URI '{path}'."),
            );
        }
        Err(PathError::UnknownType(kind)) => {
            return not_found(
                "InvalidResourceType",
                &format!(
                    "The resource type '{kind}' could not be found in the namespace 'Microsoft.Authorization' for api version '{api_version}'."
                ),
            );
        }
    };
    let supported = target.api_versions();
    if !supported.iter().any(|v| eq_ci(v, &api_version)) {
        return bad_request(
            "InvalidApiVersionParameter",
            &format!(
                "The api-version '{api_version}' is invalid. The supported versions are '{}'.",
                supported.join(",")
            ),
        );
    }
    let ctx = ArmCtx {
        shared,
        caller,
        path,
        query: &query,
        api_version: &api_version,
        body,
    };
    dispatch(&ctx, method, target).await
}

fn method_not_allowed(method: &Method) -> ArmReply {
    ArmReply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        &format!("The requested resource does not support http method '{method}'."),
    )
}

async fn dispatch(ctx: &ArmCtx<'_>, method: &Method, target: Target) -> ArmReply {
    let is_get = *method == Method::GET;
    match target {
        Target::Tenants if is_get => directory::tenants(ctx),
        Target::Subscriptions { id: Some(id) } if is_get => {
            match directory::wrong_tenant(ctx, &Scope::Subscription(id.to_ascii_lowercase())) {
                Some(refusal) => refusal,
                None => directory::subscriptions(ctx, Some(&id)),
            }
        }
        Target::Subscriptions { id } if is_get => directory::subscriptions(ctx, id.as_deref()),
        Target::ResourceGroups { subscription, name } if is_get => {
            match directory::wrong_tenant(ctx, &Scope::Subscription(subscription.clone())) {
                Some(refusal) => refusal,
                None => directory::resource_groups(ctx, &subscription, name.as_deref()),
            }
        }
        Target::ManagementGroups { name } if is_get => {
            directory::management_groups(ctx, name.as_deref())
        }
        Target::Subscriptions { .. }
        | Target::ResourceGroups { .. }
        | Target::ManagementGroups { .. }
        | Target::Tenants => method_not_allowed(method),
        Target::Authz {
            scope,
            collection,
            name,
            action,
        } => {
            let scope = {
                let state = ctx.shared.state();
                directory::resolve_scope(&state.directory, scope)
            };
            match scope {
                Ok(scope) => match directory::wrong_tenant(ctx, &scope) {
                    Some(refusal) => refusal,
                    None => {
                        authz(
                            ctx,
                            method,
                            &scope,
                            collection,
                            name.as_deref(),
                            action.as_deref(),
                        )
                        .await
                    }
                },
                Err(reply) => reply,
            }
        }
    }
}

async fn authz(
    ctx: &ArmCtx<'_>,
    method: &Method,
    scope: &Scope,
    collection: Collection,
    name: Option<&str>,
    action: Option<&str>,
) -> ArmReply {
    use Collection as C;
    let is_get = *method == Method::GET;
    match (collection, name, action) {
        (C::AssignmentRequests, Some(name), Some(action)) if eq_ci(action, "cancel") => {
            if *method == Method::POST {
                requests::cancel(ctx, scope, name).await
            } else {
                method_not_allowed(method)
            }
        }
        (C::AssignmentRequests, Some(name), Some(action)) if eq_ci(action, "validate") => {
            if *method == Method::POST {
                requests::validate(ctx, scope, name)
            } else {
                method_not_allowed(method)
            }
        }
        (_, _, Some(_)) => not_found(
            "NotFound",
            &format!(
                "No HTTP resource was found that matches the request URI '{}'.",
                ctx.path
            ),
        ),
        (C::AssignmentRequests, Some(name), None) if *method == Method::PUT => {
            requests::put(ctx, scope, name).await
        }
        (C::EligibilityRequests, Some(name), None) if *method == Method::PUT => {
            eligibility_requests::put(ctx, scope, name).await
        }
        (C::EligibilityRequests, _, _) if !is_get => method_not_allowed(method),
        (C::EligibilityRequests, Some(name), None) => eligibility_requests::get(ctx, scope, name),
        (C::EligibilityRequests, None, None) => not_found(
            "NotFound",
            &format!(
                "No HTTP resource was found that matches the request URI '{}'.",
                ctx.path
            ),
        ),
        (_, _, _) if !is_get => method_not_allowed(method),
        (C::EligibilityInstances, None, None) => instances::list_eligibility(ctx, scope),
        (C::EligibilityInstances, Some(name), None) => instances::get_eligibility(ctx, scope, name),
        (C::AssignmentInstances, None, None) => instances::list_assignments(ctx, scope),
        (C::AssignmentInstances, Some(name), None) => instances::get_assignment(ctx, scope, name),
        (C::AssignmentRequests, None, None) => requests::list(ctx, scope),
        (C::AssignmentRequests, Some(name), None) => requests::get(ctx, scope, name),
        (C::PolicyAssignments, None, None) => policies::list_assignments(ctx, scope),
        (C::PolicyAssignments, Some(name), None) => policies::get_assignment(ctx, scope, name),
        (C::Policies, None, None) => policies::list_policies(ctx, scope),
        (C::Policies, Some(name), None) => policies::get_policy(ctx, scope, name),
        (C::EligibleChildResources, None, None) => directory::eligible_children(ctx, scope),
        (C::EligibleChildResources, Some(_), None) => not_found(
            "NotFound",
            &format!(
                "No HTTP resource was found that matches the request URI '{}'.",
                ctx.path
            ),
        ),
        (C::RoleDefinitions, None, None) => directory::list_roles(ctx, scope),
        (C::RoleDefinitions, Some(name), None) => directory::get_role(ctx, scope, name),
        (C::Permissions, None, None) => permissions::list(ctx, scope),
        (C::Permissions, Some(_), None) => not_found(
            "NotFound",
            &format!(
                "No HTTP resource was found that matches the request URI '{}'.",
                ctx.path
            ),
        ),
    }
}

/// The rate-limit header for a request: subscription budget under `/subscriptions/{id}`, tenant
/// budget otherwise.
/// `budget_left`: what the simulator's request budget leaves, when throttling is on.
fn rate_limit_header(
    shared: &Shared,
    method: &Method,
    path: &str,
    budget_left: Option<u32>,
) -> (String, u32) {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let subscription = match segments.as_slice() {
        [s, id, ..] if eq_ci(s, "subscriptions") => Some(id.to_ascii_lowercase()),
        [p, ns, s, id, ..]
            if eq_ci(p, "providers")
                && eq_ci(ns, "Microsoft.Subscription")
                && eq_ci(s, "subscriptions") =>
        {
            Some(id.to_ascii_lowercase())
        }
        _ => None,
    };
    let (operation, full) = match *method {
        Method::GET | Method::HEAD => ("reads", 12_000),
        Method::DELETE => ("deletes", 15_000),
        _ => ("writes", 1_200),
    };
    let (kind, bucket) = match subscription {
        Some(id) => ("subscription", format!("{id}/{operation}")),
        None => ("tenant", format!("tenant/{operation}")),
    };
    let left = match budget_left {
        Some(left) => left,
        None => shared.rate_limit_remaining(&bucket, full),
    };
    (format!("x-ms-ratelimit-remaining-{kind}-{operation}"), left)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    shared: &Shared,
    reply: ArmReply,
    method: &Method,
    path: &str,
    query: Option<String>,
    request_id: &str,
    correlation_id: &str,
    budget_left: Option<u32>,
) -> Response {
    let (limit_name, limit_left) = rate_limit_header(shared, method, path, budget_left);
    let status = reply.status;
    let time = format_time(&shared.state().now());
    tracing::debug!(%method, path, status = status.as_u16(), reset = reply.reset, "ARM request");
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
    let routing = format!(
        "WESTEUROPE:{}:{request_id}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    let mut headers: Vec<(String, String)> = vec![
        ("cache-control".into(), "no-cache".into()),
        ("pragma".into(), "no-cache".into()),
        (
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        ),
        ("x-content-type-options".into(), "nosniff".into()),
        ("x-ms-request-id".into(), request_id.to_string()),
        (
            "x-ms-correlation-request-id".into(),
            correlation_id.to_string(),
        ),
        ("x-ms-routing-request-id".into(), routing),
        (limit_name, limit_left.to_string()),
    ];
    headers.extend(
        reply
            .headers
            .iter()
            .map(|(n, v)| ((*n).to_string(), v.clone())),
    );
    let body = match reply.body {
        ReplyBody::Json(bytes) | ReplyBody::Raw(bytes) => Body::from(bytes),
        ReplyBody::Empty => Body::empty(),
    };
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

/// A schedule request in its ARM wire form: a `roleAssignmentScheduleRequest` or a
/// `roleEligibilityScheduleRequest`.
pub(crate) fn request_wire(
    render: &wire::Render<'_>,
    r: &crate::state::ScheduleRequest,
) -> serde_json::Value {
    if r.eligibility {
        eligibility_requests::eligibility_request(render, r)
    } else {
        serde_json::to_value(render.request(r)).unwrap_or_default()
    }
}
