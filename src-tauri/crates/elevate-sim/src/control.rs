//! The control API under `/_sim/` (JSON in and out, no authentication): clock, tokens, faults,
//! request log, approval decisions, admin revocation, eligibilities, policies, settings and
//! reset. See `CONTROL_API.md`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::arm::{DecisionError, Render, decide};
use crate::clock::{format_time, parse_time};
use crate::demo;
use crate::duration::parse_duration;
use crate::entra;
use crate::faults::FaultSpec;
use crate::ids::{eq_ci, new_guid, role_guid_from_id};
use crate::policy::{self, Approver, Policy, RULE_JUSTIFICATION, RULE_MFA, RULE_TICKETING};
use crate::scope::Scope;
use crate::shared::Shared;
use crate::state::{AcrsChallengeStyle, SimState};
use crate::tenant::{self, ResourceGroup};
use crate::token::TokenRequest;

/// Most synthetic eligibilities one bulk call may add.
const MAX_BULK: usize = 100_000;
/// Largest page size accepted.
const MAX_PAGE_SIZE: usize = 1000;
/// Longest permission propagation delay accepted (one simulated day).
const MAX_PROPAGATION_SECONDS: u64 = 86_400;

/// An error of the control API, sent as `{"error":{"code","message"}}`.
struct ControlError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ControlError {
    fn bad(message: impl Into<String>) -> ControlError {
        ControlError {
            status: StatusCode::BAD_REQUEST,
            code: "BadRequest",
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> ControlError {
        ControlError {
            status: StatusCode::NOT_FOUND,
            code: "NotFound",
            message: message.into(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": { "code": self.code, "message": self.message } })),
        )
            .into_response()
    }
}

type ControlResult = Result<Response, ControlError>;

fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ControlError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| ControlError {
        status: StatusCode::BAD_REQUEST,
        code: "InvalidRequestContent",
        message: e.to_string(),
    })
}

fn ok(value: Value) -> ControlResult {
    Ok(Json(value).into_response())
}

/// The control API's routes (nested under `/_sim`).
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/info", get(info))
        .route("/token", post(token))
        .route("/clock", post(clock))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/log", get(get_log).delete(clear_log))
        .route(
            "/throttling",
            get(get_throttling)
                .post(set_throttling)
                .delete(end_throttling),
        )
        .route("/requests", get(list_requests))
        .route("/requests/{name}/approve", post(approve))
        .route("/requests/{name}/deny", post(deny))
        .route("/revoke", post(revoke))
        .route("/approval-requests", post(approval_requests))
        .route("/eligibilities", post(add_eligibility))
        .route("/assignments", post(add_assignment))
        .route("/bulk-eligibilities", post(bulk_eligibilities))
        .route("/fleet", post(add_fleet))
        .route("/policies", post(set_policy))
        .route("/settings", get(get_settings).post(set_settings))
        .route("/reset", post(reset))
        .route(
            "/sign-in-session",
            post(set_sign_in_session).delete(end_sign_in_session),
        )
        .route("/consent", get(get_consent).post(set_consent))
        .fallback(unknown)
}

/// The control endpoints that change the tenant as someone else would (an administrator, another
/// user) or move its clock: each successful call is counted for [`Shared::tenant_changes`]. Faults,
/// the log, tokens, settings and the sign-in session are the test's own instruments, not changes.
const TENANT_CHANGES: &[&str] = &[
    "/clock",
    "/requests/",
    "/revoke",
    "/approval-requests",
    "/eligibilities",
    "/assignments",
    "/bulk-eligibilities",
    "/fleet",
    "/policies",
    "/reset",
];

/// Middleware: counts the successful calls of [`TENANT_CHANGES`].
pub(crate) async fn note_tenant_change(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path().to_owned();
    let changes = request.method() == axum::http::Method::POST
        && TENANT_CHANGES
            .iter()
            .any(|p| path.starts_with(p) || path.starts_with(&format!("/_sim{p}")));
    let response = next.run(request).await;
    if changes && response.status().is_success() {
        shared.tenant_changed();
    }
    response
}

async fn unknown() -> ControlError {
    ControlError::not_found("No such control endpoint; see CONTROL_API.md.")
}

/// `{url, tenant_id, demo_user_oid, demo_user_upn, now, clock_scale}`
pub(crate) fn info_json(shared: &Shared) -> Value {
    let state = shared.state();
    let user = state.directory.user(&state.directory.default_user);
    json!({
        "url": shared.url,
        "tenant_id": state.directory.tenant_id,
        "demo_user_oid": state.directory.default_user,
        "demo_user_upn": user.map(|u| u.upn.clone()),
        "now": format_time(&state.now()),
        "clock_scale": state.clock.scale(),
    })
}

async fn info(State(shared): State<Arc<Shared>>) -> ControlResult {
    ok(info_json(&shared))
}

async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let request: TokenRequest = parse_body(&body)?;
    let access_token = shared
        .mint(&request)
        .map_err(|e| ControlError::bad(e.to_string()))?;
    ok(
        json!({ "access_token": access_token, "token_type": "Bearer", "expires_in": request.lifetime_secs }),
    )
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ClockChange {
    advance: Option<String>,
    set: Option<String>,
    scale: Option<f64>,
}

async fn clock(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let change: ClockChange = parse_body(&body)?;
    let set = change
        .set
        .as_deref()
        .map(|t| {
            parse_time(t).ok_or_else(|| ControlError::bad(format!("'{t}' is not an RFC 3339 time")))
        })
        .transpose()?;
    let advance = change
        .advance
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(ControlError::bad)?;
    let outcome = shared
        .mutate(|state| {
            let applied = (|| {
                if let Some(scale) = change.scale {
                    state.clock.set_scale(scale)?;
                }
                if let Some(to) = set {
                    state.clock.set(to);
                }
                if let Some(by) = advance {
                    state.clock.advance(by)?;
                }
                Ok::<(), String>(())
            })();
            (applied, true)
        })
        .await;
    outcome.map_err(ControlError::bad)?;
    shared.housekeep().await;
    ok(info_json(&shared))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct SignInSessionChange {
    signed_in_at: Option<String>,
    mfa: Option<bool>,
    /// Whose session (UPN or object id); also who signs in later without a `login_hint`.
    user: Option<String>,
}

fn sign_in_session_json(shared: &Shared) -> Value {
    let book = shared.codes();
    json!({
        "signed_in_at": book.browser_session.as_ref().map(|s| format_time(&s.signed_in_at)),
        "amr": book.browser_session.as_ref().map(|s| s.amr.clone()),
        "user": book.browser_session.as_ref().map(|s| s.user.clone()),
        "mfa": !book.without_mfa,
    })
}

/// The demo user's browser session at the identity provider: signed in at `signed_in_at` (wall
/// time; default now), with MFA or not (`mfa` also applies to later sign-ins).
async fn set_sign_in_session(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let change: SignInSessionChange = parse_body(&body)?;
    let at = change
        .signed_in_at
        .as_deref()
        .map(|t| {
            parse_time(t).ok_or_else(|| ControlError::bad(format!("'{t}' is not an RFC 3339 time")))
        })
        .transpose()?
        .unwrap_or_else(chrono::Utc::now);
    let (user, default_user) = {
        let state = shared.state();
        let user = match change.user.as_deref() {
            None => None,
            Some(named) => Some(
                state
                    .directory
                    .users
                    .iter()
                    .find(|u| {
                        u.upn.eq_ignore_ascii_case(named.trim())
                            || u.id.eq_ignore_ascii_case(named.trim())
                    })
                    .map(|u| u.id.clone())
                    .ok_or_else(|| {
                        ControlError::bad(format!("no user '{named}' in the directory"))
                    })?,
            ),
        };
        (user, state.directory.default_user.clone())
    };
    {
        let mut book = shared.codes();
        if let Some(mfa) = change.mfa {
            book.without_mfa = !mfa;
        }
        if let Some(user) = &user {
            book.signing_in_user = Some(user.clone());
        }
        let amr = book.amr_now();
        let user = user
            .or_else(|| book.signing_in_user.clone())
            .unwrap_or(default_user);
        book.browser_session = Some(crate::oauth::BrowserSession {
            signed_in_at: at,
            amr,
            user,
        });
    }
    ok(sign_in_session_json(&shared))
}

async fn end_sign_in_session(State(shared): State<Arc<Shared>>) -> ControlResult {
    shared.codes().browser_session = None;
    ok(sign_in_session_json(&shared))
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> ControlResult {
    ok(json!(shared.faults().list()))
}

async fn add_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let spec: FaultSpec = parse_body(&body)?;
    let fault = shared.faults().add(spec).map_err(ControlError::bad)?;
    ok(json!(fault))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> ControlResult {
    shared.faults().clear();
    ok(json!({ "cleared": true }))
}

fn throttling_json(shared: &Shared) -> Value {
    let throttle = shared.throttle();
    let settings = throttle.settings();
    json!({
        "tenant": settings.tenant,
        "per_principal": settings.per_principal,
        "throttled": throttle.throttled(),
    })
}

async fn get_throttling(State(shared): State<Arc<Shared>>) -> ControlResult {
    ok(throttling_json(&shared))
}

async fn set_throttling(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let settings: crate::throttle::ThrottleSettings = parse_body(&body)?;
    settings.check().map_err(ControlError::bad)?;
    shared.throttle().set(settings);
    ok(throttling_json(&shared))
}

async fn end_throttling(State(shared): State<Arc<Shared>>) -> ControlResult {
    shared
        .throttle()
        .set(crate::throttle::ThrottleSettings::default());
    ok(throttling_json(&shared))
}

async fn get_log(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> ControlResult {
    let mut after = 0;
    for pair in query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("after", n)) => {
                after = n.parse().map_err(|_| {
                    ControlError::bad(format!("after '{n}' is not a sequence number"))
                })?
            }
            _ => {
                return Err(ControlError::bad(format!(
                    "unknown query parameter '{pair}' (only after=N)"
                )));
            }
        }
    }
    ok(json!(shared.log().entries_after(after)))
}

async fn clear_log(State(shared): State<Arc<Shared>>) -> ControlResult {
    shared.log().clear();
    ok(json!({ "cleared": true }))
}

async fn list_requests(State(shared): State<Arc<Shared>>) -> ControlResult {
    let state = shared.state();
    let render = Render::new(&state);
    let mut all: Vec<Value> = state
        .requests
        .iter()
        .map(|r| crate::arm::request_wire(&render, r))
        .collect();
    all.extend(
        state
            .entra
            .requests
            .iter()
            .map(|r| crate::graph::render_request(&state, r)),
    );
    ok(json!(all))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Decision {
    justification: Option<String>,
    /// Who decided (object id or UPN of a directory user); by default the first user among the
    /// policy's primary approvers other than the requester.
    reviewer: Option<String>,
}

/// A directory user named by object id or UPN (case-insensitively).
fn user_named(state: &SimState, named: &str) -> Option<String> {
    let named = named.trim();
    state
        .directory
        .users
        .iter()
        .find(|u| eq_ci(&u.upn, named) || eq_ci(&u.id, named))
        .map(|u| u.id.clone())
}

/// The approver a control-API decision stands for: the one named, else the first user among
/// `approvers` who is not the requester.
fn reviewer_of(
    state: &SimState,
    named: Option<&str>,
    approvers: &[Approver],
    requester: &str,
) -> Result<Option<String>, ControlError> {
    if let Some(named) = named {
        return user_named(state, named)
            .map(Some)
            .ok_or_else(|| ControlError::bad(format!("'{named}' is not a user of the directory")));
    }
    Ok(approvers
        .iter()
        .filter(|a| eq_ci(&a.user_type, "User") && !eq_ci(&a.id, requester))
        .find(|a| state.directory.user(&a.id).is_some())
        .map(|a| a.id.clone()))
}

async fn decide_request(shared: &Shared, name: &str, body: &[u8], approve: bool) -> ControlResult {
    let decision: Decision = parse_body(body)?;
    let justification = decision
        .justification
        .as_deref()
        .map(str::trim)
        .filter(|j| !j.is_empty())
        .map(str::to_string);
    let outcome = shared
        .mutate(|state| {
            // Who decides: asked before anything changes, so that an unknown reviewer changes nothing.
            let arm = state
                .requests
                .iter()
                .find(|r| eq_ci(&r.name, name))
                .cloned();
            let graph = state
                .entra
                .requests
                .iter()
                .find(|r| eq_ci(&r.id, name))
                .cloned();
            let reviewer = match (&arm, &graph) {
                (Some(r), _) => {
                    let approvers =
                        policy::effective(state, &r.role_guid, &crate::arm::stored_scope(&r.scope))
                            .rules
                            .approvers;
                    reviewer_of(
                        state,
                        decision.reviewer.as_deref(),
                        &approvers,
                        &r.principal_id,
                    )
                }
                (None, Some(r)) => {
                    let approvers = state
                        .entra
                        .policy_for(&state.directory.tenant_id, &r.target)
                        .rules
                        .approvers;
                    reviewer_of(
                        state,
                        decision.reviewer.as_deref(),
                        &approvers,
                        &r.principal_id,
                    )
                }
                (None, None) => Ok(None),
            };
            let reviewer = match reviewer {
                Ok(reviewer) => reviewer,
                Err(e) => return (Err(Err(e)), false),
            };
            let (result, changed) =
                decide_as(state, name, approve, justification.clone(), reviewer);
            (result.map_err(Ok), changed)
        })
        .await;
    match outcome {
        Ok(value) => ok(value),
        Err(Err(e)) => Err(e),
        Err(Ok(DecisionError::NotFound)) => Err(ControlError::not_found(format!(
            "No schedule request named '{name}'."
        ))),
        Err(Ok(DecisionError::NotPending(status))) => Err(ControlError {
            status: StatusCode::CONFLICT,
            code: "RequestNotPending",
            message: format!("The request is not awaiting approval (status '{status}')."),
        }),
    }
}

/// Decides `name` (ARM, else Graph) as `reviewer` with `justification`, recorded in its approval
/// stage as an approver's decision is.
fn decide_as(
    state: &mut SimState,
    name: &str,
    approve: bool,
    justification: Option<String>,
    reviewer: Option<String>,
) -> (Result<Value, DecisionError>, bool) {
    match decide(state, name, approve) {
        Ok(request) => {
            let now = state.now();
            if let Some(stored) = state
                .requests
                .iter_mut()
                .find(|r| eq_ci(&r.name, &request.name))
            {
                stored.decided_by = reviewer;
                stored.decided_at = Some(now);
                stored.decision_justification = justification;
            }
            let request = state
                .requests
                .iter()
                .find(|r| eq_ci(&r.name, &request.name))
                .cloned()
                .unwrap_or(request);
            (
                Ok(crate::arm::request_wire(&Render::new(state), &request)),
                true,
            )
        }
        Err(DecisionError::NotFound) => match entra::decide(state, name, approve, justification) {
            Ok(request) => {
                if let Some(stored) = state
                    .entra
                    .requests
                    .iter_mut()
                    .find(|r| eq_ci(&r.id, &request.id))
                {
                    stored.decided_by = reviewer;
                }
                (Ok(crate::graph::render_request(state, &request)), true)
            }
            Err(entra::DecisionError::NotFound) => (Err(DecisionError::NotFound), false),
            Err(entra::DecisionError::NotPending(status)) => {
                (Err(DecisionError::NotPending(status)), false)
            }
        },
        Err(e) => (Err(e), false),
    }
}

async fn approve(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    body: Bytes,
) -> ControlResult {
    decide_request(&shared, &name, &body, true).await
}

async fn deny(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    body: Bytes,
) -> ControlResult {
    decide_request(&shared, &name, &body, false).await
}

fn role_of(state: &SimState, id: &str) -> Result<String, ControlError> {
    role_guid_from_id(id)
        .filter(|guid| state.directory.role(guid).is_some())
        .ok_or_else(|| ControlError::bad(format!("unknown role definition '{id}'")))
}

/// Parses a scope and checks it exists; unknown resource groups are created when `create_groups`.
fn known_scope(
    state: &mut SimState,
    text: &str,
    create_groups: bool,
) -> Result<Scope, ControlError> {
    let scope = Scope::parse(text)
        .ok_or_else(|| ControlError::bad(format!("'{text}' is not an ARM scope")))?
        .canonicalize(&state.directory);
    match &scope {
        Scope::Root => {}
        Scope::ManagementGroup(name) if state.directory.management_group(name).is_none() => {
            return Err(ControlError::bad(format!(
                "unknown management group '{name}'"
            )));
        }
        Scope::ManagementGroup(_) => {}
        Scope::Subscription(id) if state.directory.subscription(id).is_none() => {
            return Err(ControlError::bad(format!("unknown subscription '{id}'")));
        }
        Scope::Subscription(_) => {}
        Scope::ResourceGroup { subscription, name }
        | Scope::Resource {
            subscription,
            group: name,
            ..
        } => {
            if state.directory.subscription(subscription).is_none() {
                return Err(ControlError::bad(format!(
                    "unknown subscription '{subscription}'"
                )));
            }
            if state.directory.resource_group(subscription, name).is_none() {
                if !create_groups {
                    return Err(ControlError::bad(format!(
                        "unknown resource group '{name}'"
                    )));
                }
                state.directory.resource_groups.push(ResourceGroup {
                    subscription_id: subscription.clone(),
                    name: name.clone(),
                    location: "westeurope".to_string(),
                });
            }
        }
    }
    Ok(scope)
}

#[derive(Deserialize)]
struct Revoke {
    principal_id: Option<String>,
    /// Azure role: role definition (GUID or id) and ARM scope.
    role_definition_id: Option<String>,
    scope: Option<String>,
    /// Entra role: role definition id and directory scope (`/` by default).
    directory_role_id: Option<String>,
    directory_scope_id: Option<String>,
    /// PIM for Groups: group and access (`member` by default).
    group_id: Option<String>,
    access_id: Option<String>,
    /// An administrator (object id or UPN of a directory user) who removes it through PIM: the
    /// removal is then filed as their `AdminRemove` (`adminRemove`) request, with `justification`.
    requestor_id: Option<String>,
    justification: Option<String>,
}

/// Files an administrator's completed removal request for `principal`'s assignment of `target`,
/// as PIM records one: ARM's `AdminRemove` or Graph's `adminRemove`, status `Revoked`.
fn file_graph_removal(
    state: &mut SimState,
    principal: &str,
    target: &entra::Target,
    requestor: &str,
    justification: Option<String>,
) {
    let now = state.now();
    state.entra.requests.push(entra::Request {
        id: new_guid(),
        target: target.clone(),
        action: entra::Action::AdminRemove,
        status: "Revoked".to_string(),
        principal_id: principal.to_string(),
        requestor_id: requestor.to_string(),
        created: now,
        completed: Some(now),
        approval_id: None,
        justification,
        ticket_number: None,
        ticket_system: None,
        start: Some(now),
        expiration_type: None,
        duration: None,
        end: None,
        target_schedule_id: None,
        grant_seconds: None,
        member_type: "Direct".to_string(),
        approval_deadline: None,
        decision_justification: None,
        decided_by: None,
        eligibility: false,
    });
}

fn file_arm_removal(
    state: &mut SimState,
    principal: &str,
    role_guid: &str,
    scope: &str,
    requestor: &str,
    justification: Option<String>,
) {
    use crate::state::{RequestType, RequestedSchedule, ScheduleRequest};
    let now = state.now();
    state.requests.push(ScheduleRequest {
        scope: scope.to_string(),
        principal_id: principal.to_string(),
        role_guid: role_guid.to_string(),
        request_type: RequestType::AdminRemove,
        status: "Revoked".to_string(),
        approval_id: None,
        target_schedule_id: None,
        target_instance_id: None,
        schedule: RequestedSchedule {
            start: now,
            expiration_type: None,
            end: None,
            duration: None,
        },
        linked_eligibility_schedule_id: None,
        linked_eligibility_instance_id: None,
        justification,
        ticket_number: None,
        ticket_system: None,
        condition: None,
        condition_version: None,
        created_on: now,
        requestor_id: requestor.to_string(),
        grant_seconds: None,
        member_type: "Direct".to_string(),
        approval_deadline: None,
        decided_by: None,
        decided_at: None,
        decision_justification: None,
        eligibility: false,
        name: new_guid(),
    });
}

fn revoke_graph(
    state: &mut SimState,
    principal: &str,
    target: &entra::Target,
) -> Result<usize, ControlError> {
    let before = state.entra.assignments.len();
    state
        .entra
        .assignments
        .retain(|a| !(a.target.same(target) && eq_ci(&a.principal_id, principal)));
    let removed = before - state.entra.assignments.len();
    if removed == 0 {
        return Err(ControlError::not_found("No matching active assignment."));
    }
    entra::sync_memberships(state);
    Ok(removed)
}

async fn revoke(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let revoke: Revoke = parse_body(&body)?;
    let outcome = shared
        .mutate(|state| {
            let result = (|| {
                let principal = revoke
                    .principal_id
                    .clone()
                    .unwrap_or_else(|| state.directory.default_user.clone());
                let requestor = match revoke.requestor_id.as_deref() {
                    Some(named) => Some(user_named(state, named).ok_or_else(|| {
                        ControlError::bad(format!("'{named}' is not a user of the directory"))
                    })?),
                    None => None,
                };
                let justification = revoke.justification.clone();
                let graph_target = if let Some(role) = &revoke.directory_role_id {
                    let scope_id = revoke
                        .directory_scope_id
                        .clone()
                        .unwrap_or_else(|| entra::DIRECTORY_ROOT.to_string());
                    Some(entra::Target::Directory {
                        role_id: role.clone(),
                        scope_id,
                    })
                } else {
                    revoke.group_id.as_ref().map(|group| {
                        let access_id = revoke
                            .access_id
                            .clone()
                            .unwrap_or_else(|| "member".to_string())
                            .to_ascii_lowercase();
                        entra::Target::Group {
                            group_id: group.clone(),
                            access_id,
                        }
                    })
                };
                if let Some(target) = graph_target {
                    let removed = revoke_graph(state, &principal, &target)?;
                    if let Some(requestor) = &requestor {
                        file_graph_removal(state, &principal, &target, requestor, justification);
                    }
                    return Ok(removed);
                }
                let (Some(role), Some(scope)) = (&revoke.role_definition_id, &revoke.scope) else {
                    return Err(ControlError::bad(
                        "give role_definition_id and scope, directory_role_id, or group_id",
                    ));
                };
                let role = role_of(state, role)?;
                let scope = known_scope(state, scope, false)?.canonical();
                let before = state.assignments.len();
                state.assignments.retain(|a| {
                    !(eq_ci(&a.principal_id, &principal)
                        && eq_ci(&a.role_guid, &role)
                        && eq_ci(&a.scope, &scope))
                });
                let removed = before - state.assignments.len();
                if removed == 0 {
                    return Err(ControlError::not_found("No matching active assignment."));
                }
                if let Some(requestor) = &requestor {
                    file_arm_removal(state, &principal, &role, &scope, requestor, justification);
                }
                Ok(removed)
            })();
            let changed = result.is_ok();
            (result, changed)
        })
        .await?;
    ok(json!({ "removed": outcome }))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ApprovalRequests {
    /// Who asks (a user of the directory); Grace Hopper's three requests when absent.
    principal_id: Option<String>,
    /// The requester's justification on every request added (a test's hostile text, say).
    justification: Option<String>,
}

async fn approval_requests(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let wanted: ApprovalRequests = parse_body(&body)?;
    if let Some(principal) = &wanted.principal_id
        && shared.state().directory.user(principal).is_none()
    {
        return Err(ControlError::not_found(format!(
            "no user '{principal}' in the directory"
        )));
    }
    let added = shared
        .mutate(|state| {
            let justification = wanted.justification.as_deref();
            let added = match &wanted.principal_id {
                Some(principal) => usize::from(crate::tenant::add_owner_request_from(
                    state,
                    principal,
                    justification,
                )),
                None => entra::add_requests_for_approval(state, justification),
            };
            (added, added > 0)
        })
        .await;
    ok(json!({ "added": added }))
}

#[derive(Deserialize)]
struct AddEligibility {
    principal_id: Option<String>,
    role_definition_id: String,
    scope: String,
    member_type: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

async fn add_eligibility(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let add: AddEligibility = parse_body(&body)?;
    let time = |t: &Option<String>| {
        t.as_deref()
            .map(|t| {
                parse_time(t)
                    .ok_or_else(|| ControlError::bad(format!("'{t}' is not an RFC 3339 time")))
            })
            .transpose()
    };
    let (start, end) = (time(&add.start)?, time(&add.end)?);
    shared
        .mutate(|state| {
            let result = (|| {
                let role = role_of(state, &add.role_definition_id)?;
                let scope = known_scope(state, &add.scope, true)?;
                let principal = add
                    .principal_id
                    .clone()
                    .unwrap_or_else(|| state.directory.default_user.clone());
                let is_group = state.directory.group(&principal).is_some();
                let member_type = match add.member_type.as_deref() {
                    None => if is_group { "Group" } else { "Direct" }.to_string(),
                    Some(m) => ["Direct", "Group", "Inherited"]
                        .into_iter()
                        .find(|known| eq_ci(known, m))
                        .ok_or_else(|| {
                            ControlError::bad(format!(
                                "member_type '{m}' is not Direct, Group or Inherited"
                            ))
                        })?
                        .to_string(),
                };
                let start = start.unwrap_or_else(|| state.now());
                let eligibility = tenant::eligibility(
                    &format!("elevate-sim/eligibility/{}", new_guid()),
                    &principal,
                    &role,
                    &scope.canonical(),
                    &member_type,
                    start,
                    end,
                );
                let wire = json!(Render::new(state).eligibility(&eligibility));
                state.eligibilities.push(eligibility);
                Ok(wire)
            })();
            let changed = result.is_ok();
            (result, changed)
        })
        .await
        .and_then(ok)
}

#[derive(Deserialize)]
struct AddAssignment {
    principal_id: Option<String>,
    /// An Azure role (GUID or full id) at `scope`, or…
    role_definition_id: Option<String>,
    scope: Option<String>,
    /// …an Entra role at `directory_scope_id` (`/` by default).
    directory_role_id: Option<String>,
    directory_scope_id: Option<String>,
    /// The end (RFC 3339); required: a user may ask to extend only a time-bound assignment.
    end: String,
}

/// `POST /_sim/assignments`: a time-bound (`Assigned`) assignment, as an administrator makes it.
async fn add_assignment(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let add: AddAssignment = parse_body(&body)?;
    let end = parse_time(&add.end)
        .ok_or_else(|| ControlError::bad(format!("'{}' is not an RFC 3339 time", add.end)))?;
    shared
        .mutate(|state| {
            let result = (|| {
                let principal = add.principal_id.clone().unwrap_or_else(|| state.directory.default_user.clone());
                let now = state.now();
                let label = new_guid();
                match (&add.role_definition_id, &add.scope, &add.directory_role_id) {
                    (Some(role), Some(scope), None) => {
                        let role = role_of(state, role)?;
                        let scope = known_scope(state, scope, true)?;
                        let assignment = crate::state::ActiveAssignment {
                            schedule_name: new_guid(),
                            instance_name: new_guid(),
                            principal_id: principal,
                            role_guid: role,
                            scope: scope.canonical(),
                            assignment_type: "Assigned".to_string(),
                            member_type: "Direct".to_string(),
                            start: now,
                            end: Some(end),
                            linked_eligibility_schedule_id: None,
                            linked_eligibility_instance_id: None,
                            origin_role_assignment_name: label,
                            created_on: now,
                        };
                        let wire = json!(Render::new(state).assignment(&assignment));
                        state.assignments.push(assignment);
                        Ok(wire)
                    }
                    (None, None, Some(role)) => {
                        let assignment = entra::Schedule {
                            id: new_guid(),
                            schedule_id: new_guid(),
                            target: entra::Target::Directory {
                                role_id: role.clone(),
                                scope_id: add.directory_scope_id.clone().unwrap_or_else(|| "/".to_string()),
                            },
                            principal_id: principal,
                            member_type: "Direct".to_string(),
                            assignment_type: "Assigned".to_string(),
                            start: now,
                            end: Some(end),
                            origin_id: Some(label),
                            created: now,
                        };
                        let wire = json!({"id": assignment.id, "roleDefinitionId": role, "endDateTime": format_time(&end)});
                        state.entra.assignments.push(assignment);
                        Ok(wire)
                    }
                    _ => Err(ControlError::bad("give role_definition_id and scope (Azure role) or directory_role_id (Entra role)")),
                }
            })();
            let changed = result.is_ok();
            (result, changed)
        })
        .await
        .and_then(ok)
}

#[derive(Deserialize)]
struct Bulk {
    count: usize,
    /// `azure-resource` (default), `entra-role` or `group`.
    source: Option<String>,
}

async fn bulk_eligibilities(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let bulk: Bulk = parse_body(&body)?;
    if bulk.count == 0 || bulk.count > MAX_BULK {
        return Err(ControlError::bad(format!(
            "count must be between 1 and {MAX_BULK}"
        )));
    }
    match bulk.source.as_deref().map(str::trim) {
        None | Some("azure-resource") => {}
        Some(source @ ("entra-role" | "group")) => {
            let directory_roles = source == "entra-role";
            let total = shared
                .mutate(|state| {
                    let principal = state.directory.default_user.clone();
                    (
                        entra::add_bulk(state, &principal, bulk.count, directory_roles),
                        true,
                    )
                })
                .await;
            return ok(json!({ "added": bulk.count, "total_graph_eligibilities": total }));
        }
        Some(other) => {
            return Err(ControlError::bad(format!(
                "source '{other}' is not azure-resource, entra-role or group"
            )));
        }
    }
    let total = shared
        .mutate(|state| {
            let now = state.now();
            let principal = state.directory.default_user.clone();
            let subscription = demo::BULK_SUBSCRIPTION.to_string();
            let first = state.bulk_created as usize + 1;
            let existing: std::collections::HashSet<String> = state
                .directory
                .resource_groups
                .iter()
                .filter(|g| eq_ci(&g.subscription_id, &subscription))
                .map(|g| g.name.to_ascii_lowercase())
                .collect();
            for n in first..first + bulk.count {
                let name = format!("rg-bulk-{n:05}");
                if !existing.contains(&name) {
                    state.directory.resource_groups.push(ResourceGroup {
                        subscription_id: subscription.clone(),
                        name: name.clone(),
                        location: "westeurope".to_string(),
                    });
                }
                let scope = Scope::ResourceGroup {
                    subscription: subscription.clone(),
                    name,
                }
                .canonical();
                state.eligibilities.push(tenant::eligibility(
                    &format!("elevate-sim/bulk/{}/{n}", state.directory.tenant_id),
                    &principal,
                    demo::ROLE_READER,
                    &scope,
                    "Direct",
                    now,
                    None,
                ));
            }
            state.bulk_created = u32::try_from(first - 1 + bulk.count).unwrap_or(u32::MAX);
            (state.eligibilities.len(), true)
        })
        .await;
    ok(json!({ "added": bulk.count, "total_eligibilities": total }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fleet {
    count: usize,
    #[serde(default)]
    approvers_every: usize,
    hours: Option<i64>,
}

async fn add_fleet(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let fleet: Fleet = parse_body(&body)?;
    if fleet.count == 0 || fleet.count > crate::fleet::MAX_FLEET {
        return Err(ControlError::bad(format!(
            "count must be between 1 and {}",
            crate::fleet::MAX_FLEET
        )));
    }
    let hours = fleet.hours.unwrap_or(4);
    if !(1..=crate::fleet::MAX_HOURS).contains(&hours) {
        return Err(ControlError::bad(format!(
            "hours must be between 1 and {}",
            crate::fleet::MAX_HOURS
        )));
    }
    let users = shared
        .mutate(|state| {
            (
                crate::fleet::add(state, fleet.count, fleet.approvers_every, hours),
                true,
            )
        })
        .await;
    let users: Vec<Value> = users
        .into_iter()
        .map(|u| json!({ "id": u.id, "user_principal_name": u.upn, "approver": u.approver }))
        .collect();
    ok(json!({ "added": users.len(), "users": users }))
}

#[derive(Deserialize)]
struct SetPolicy {
    scope: String,
    role_definition_id: String,
    maximum_duration: Option<String>,
    expiration_required: Option<bool>,
    require_justification: Option<bool>,
    require_ticket: Option<bool>,
    require_mfa: Option<bool>,
    approval_required: Option<bool>,
    approval_required_for_extension: Option<bool>,
    approvers: Option<Vec<String>>,
    auth_context: Option<String>,
}

fn toggle(rules: &mut Vec<String>, rule: &str, on: Option<bool>) {
    match on {
        Some(true) if !rules.iter().any(|r| eq_ci(r, rule)) => rules.push(rule.to_string()),
        Some(false) => rules.retain(|r| !eq_ci(r, rule)),
        _ => {}
    }
}

async fn set_policy(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let set: SetPolicy = parse_body(&body)?;
    if let Some(d) = &set.maximum_duration {
        parse_duration(d).map_err(ControlError::bad)?;
    }
    shared
        .mutate(|state| {
            let result = (|| {
                let role = role_of(state, &set.role_definition_id)?;
                let scope = known_scope(state, &set.scope, false)?;
                let mut rules = policy::effective(state, &role, &scope).rules;
                if let Some(d) = &set.maximum_duration {
                    rules.maximum_duration = d.clone();
                }
                if let Some(required) = set.expiration_required {
                    rules.expiration_required = required;
                }
                toggle(&mut rules.enabled_rules, RULE_JUSTIFICATION, set.require_justification);
                toggle(&mut rules.enabled_rules, RULE_TICKETING, set.require_ticket);
                toggle(&mut rules.enabled_rules, RULE_MFA, set.require_mfa);
                if let Some(required) = set.approval_required {
                    rules.approval_required = required;
                }
                if let Some(required) = set.approval_required_for_extension {
                    rules.approval_required_for_extension = required;
                }
                if let Some(ids) = &set.approvers {
                    rules.approvers = ids
                        .iter()
                        .map(|id| {
                            let info = state.directory.principal_info(id);
                            Approver {
                                id: id.clone(),
                                description: info.display_name.unwrap_or_else(|| id.clone()),
                                user_type: if info.kind == "Group" { "Group" } else { "User" }.to_string(),
                            }
                        })
                        .collect();
                }
                if let Some(claim) = &set.auth_context {
                    rules.auth_context = Some(claim.trim().to_string()).filter(|c| !c.is_empty());
                }
                let now = state.now();
                let scope_text = scope.canonical();
                let existing = state
                    .policies
                    .iter_mut()
                    .find(|p| eq_ci(&p.scope, &scope_text) && eq_ci(&p.role_guid, &role));
                let name = match existing {
                    Some(policy) => {
                        policy.rules = rules.clone();
                        policy.last_modified = now;
                        policy.name.clone()
                    }
                    None => {
                        let name = new_guid();
                        state.policies.push(Policy {
                            name: name.clone(),
                            scope: scope_text.clone(),
                            role_guid: role.clone(),
                            last_modified: now,
                            rules: rules.clone(),
                        });
                        name
                    }
                };
                Ok(json!({ "name": name, "scope": scope_text, "role_definition_id": role, "rules": rules }))
            })();
            let changed = result.is_ok();
            (result, changed)
        })
        .await
        .and_then(ok)
}

async fn get_settings(State(shared): State<Arc<Shared>>) -> ControlResult {
    ok(json!(shared.state().settings))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct SettingsChange {
    page_size: Option<usize>,
    omit_expanded_properties: Option<bool>,
    min_active_minutes_before_deactivate: Option<i64>,
    acrs_challenge_style: Option<AcrsChallengeStyle>,
    permission_propagation_seconds: Option<u64>,
}

async fn set_settings(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let change: SettingsChange = parse_body(&body)?;
    if change
        .page_size
        .is_some_and(|p| p == 0 || p > MAX_PAGE_SIZE)
    {
        return Err(ControlError::bad(format!(
            "page_size must be between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    if change
        .min_active_minutes_before_deactivate
        .is_some_and(|m| !(0..=1440).contains(&m))
    {
        return Err(ControlError::bad(
            "min_active_minutes_before_deactivate must be between 0 and 1440",
        ));
    }
    if change
        .permission_propagation_seconds
        .is_some_and(|s| s > MAX_PROPAGATION_SECONDS)
    {
        return Err(ControlError::bad(format!(
            "permission_propagation_seconds must be between 0 and {MAX_PROPAGATION_SECONDS}"
        )));
    }
    let settings = shared
        .mutate(|state| {
            let settings = &mut state.settings;
            if let Some(p) = change.page_size {
                settings.page_size = p;
            }
            if let Some(o) = change.omit_expanded_properties {
                settings.omit_expanded_properties = o;
            }
            if let Some(m) = change.min_active_minutes_before_deactivate {
                settings.min_active_minutes_before_deactivate = m;
            }
            if let Some(s) = change.acrs_challenge_style {
                settings.acrs_challenge_style = s;
            }
            if let Some(s) = change.permission_propagation_seconds {
                settings.permission_propagation_seconds = s;
            }
            (settings.clone(), true)
        })
        .await;
    ok(json!(settings))
}

async fn reset(State(shared): State<Arc<Shared>>) -> ControlResult {
    let page_size = shared.configured_page_size;
    shared
        .mutate(|state| {
            let generation = state.generation;
            let fresh = SimState::demo(Some(state.signing_key.clone()), page_size);
            *state = fresh;
            state.generation = generation;
            ((), true)
        })
        .await;
    shared.faults().clear();
    ok(info_json(&shared))
}

/// `POST /_sim/consent`: which delegated permissions a client that is not registered in the
/// tenant lacks consent for.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentChange {
    client_id: String,
    #[serde(default)]
    missing: Vec<String>,
}

async fn set_consent(State(shared): State<Arc<Shared>>, body: Bytes) -> ControlResult {
    let change: ConsentChange = parse_body(&body)?;
    let client_id = change.client_id.trim().to_string();
    if client_id.is_empty() {
        return Err(ControlError::bad("client_id must not be empty"));
    }
    let known = |p: &String| {
        p == "*"
            || crate::consent::GRAPH_PERMISSIONS
                .iter()
                .chain(crate::consent::ARM_PERMISSIONS.iter())
                .any(|k| eq_ci(k, p))
    };
    if let Some(unknown) = change.missing.iter().find(|p| !known(p)) {
        return Err(ControlError::bad(format!(
            "'{unknown}' is not a delegated permission the simulator knows"
        )));
    }
    let registered = shared
        .state()
        .apps
        .application_by_app_id(&client_id)
        .is_some();
    if registered {
        return Err(ControlError::bad(
            "this client is registered in the tenant: its consent is its oauth2PermissionGrants",
        ));
    }
    let all = shared
        .mutate(|state| {
            let list = &mut state.apps.missing_consent;
            list.retain(|m| !eq_ci(&m.client_id, &client_id));
            if !change.missing.is_empty() {
                list.push(crate::consent::MissingConsent {
                    client_id: client_id.clone(),
                    permissions: change.missing.clone(),
                });
            }
            (list.clone(), true)
        })
        .await;
    ok(json!(all))
}

async fn get_consent(State(shared): State<Arc<Shared>>) -> ControlResult {
    let all = shared.state().apps.missing_consent.clone();
    ok(json!(all))
}
