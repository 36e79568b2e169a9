//! Azure's side of the tray tests: the embedded simulator's control API (its requests, clock and
//! faults), read and driven over HTTP as a test's own view, never through the app.

use serde_json::Value;

/// `GET {sim}/_sim/{path}`.
pub async fn get(sim: &str, path: &str) -> Value {
    reqwest::get(format!("{sim}/_sim/{path}"))
        .await
        .unwrap_or_else(|e| panic!("GET /_sim/{path}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET /_sim/{path}: {e}"))
}

/// `POST {sim}/_sim/{path}` with `body`; panics unless it succeeds.
pub async fn post(sim: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{sim}/_sim/{path}"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /_sim/{path}: {e}"));
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST /_sim/{path}: {status} {answer}");
    answer
}

/// Every schedule request the simulator holds (ARM's and Graph's, each in its wire form).
pub async fn requests(sim: &str) -> Vec<Value> {
    get(sim, "requests")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A request's field, from ARM's `properties` or Graph's top level.
pub fn field(request: &Value, name: &str) -> String {
    request["properties"][name]
        .as_str()
        .or_else(|| request[name].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Its status (`Provisioned`, `PendingApproval`, `Canceled`, …).
pub fn status(request: &Value) -> String {
    field(request, "status")
}

/// What it asks, lower-cased: ARM's `requestType` or Graph's `action` (`selfactivate`,
/// `selfdeactivate`, …).
pub fn kind(request: &Value) -> String {
    let kind = field(request, "requestType");
    if kind.is_empty() {
        field(request, "action").to_lowercase()
    } else {
        kind.to_lowercase()
    }
}

/// Whether it is about the role (or group) whose id ends with `id` and was made by the demo user.
pub fn is_adas_for(request: &Value, id: &str) -> bool {
    let principal = field(request, "principalId");
    let role = field(request, "roleDefinitionId");
    let group = field(request, "groupId");
    principal == elevate_sim::demo::DEMO_USER_OID
        && (role.to_lowercase().ends_with(id) || group == id)
}

/// The demo user's requests of `kind` for the role `id`.
pub async fn adas(sim: &str, id: &str, of_kind: &str) -> Vec<Value> {
    requests(sim)
        .await
        .into_iter()
        .filter(|r| is_adas_for(r, id) && kind(r) == of_kind)
        .collect()
}

/// Waits (up to 30 s) until the demo user has at least `count` requests of `kind` for role `id`
/// with status `Provisioned` (what an activation ends as); returns them.
pub async fn wait_for_provisioned(sim: &str, id: &str, of_kind: &str, count: usize) -> Vec<Value> {
    wait_for(sim, id, of_kind, "Provisioned", count).await
}

/// Waits (up to 30 s) until the demo user has at least `count` requests of `kind` for role `id`
/// with status `with_status` (`Revoked` is what a deactivation ends as); returns them.
pub async fn wait_for(
    sim: &str,
    id: &str,
    of_kind: &str,
    with_status: &str,
    count: usize,
) -> Vec<Value> {
    let started = std::time::Instant::now();
    loop {
        let found: Vec<Value> = adas(sim, id, of_kind)
            .await
            .into_iter()
            .filter(|r| status(r) == with_status)
            .collect();
        if found.len() >= count {
            return found;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the simulator has {} {with_status} {of_kind} request(s) for {id}, not {count}: {:#?}",
            found.len(),
            requests(sim).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

/// Moves the simulator's clock on by an ISO 8601 duration (`PT6M`).
pub async fn advance(sim: &str, by: &str) {
    post(sim, "clock", serde_json::json!({ "advance": by })).await;
}
