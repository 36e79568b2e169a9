//! Fault injection (throttling, error statuses, dropped connections, malformed bodies, latency,
//! faults after the effect) and persistence of the state across restarts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use elevate_sim::{SimConfig, SimError, Simulator, TokenRequest, demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn eligible_path() -> String {
    list_path("", "roleEligibilityScheduleInstances", "asTarget()")
}

async fn raw_get(h: &Harness, path: &str) -> Result<reqwest::Response, reqwest::Error> {
    h.client
        .get(format!("{}{}", h.sim.url(), path))
        .bearer_auth(&h.token)
        .send()
        .await
}

#[tokio::test]
async fn throttling_and_error_statuses() {
    let h = Harness::start().await;
    h.control(
        Method::POST,
        "faults",
        json!({ "kind": "throttle", "path_contains": "roleEligibilityScheduleInstances", "retry_after_secs": 7 }),
    )
    .await;
    let throttled = h.get(&eligible_path()).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.header("retry-after"), Some("7"));
    assert_eq!(throttled.code(), "TooManyRequests");
    assert!(throttled.header("x-ms-request-id").is_some());
    assert_eq!(
        h.get(&eligible_path()).await.status,
        StatusCode::OK,
        "count defaults to 1"
    );

    h.control(
        Method::POST,
        "faults",
        json!({ "kind": "status", "status": 503, "count": 2, "method": "GET" }),
    )
    .await;
    let listed = h.control(Method::GET, "faults", json!(null)).await;
    assert_eq!(listed[0]["remaining"], 2);
    for _ in 0..2 {
        let unavailable = h.get(&eligible_path()).await;
        assert_eq!(
            (unavailable.status, unavailable.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
        );
    }
    assert_eq!(h.get(&eligible_path()).await.status, StatusCode::OK);

    // A fault for PUT leaves GET alone, and faults never hit the control API.
    h.control(
        Method::POST,
        "faults",
        json!({ "kind": "status", "status": 500, "method": "PUT" }),
    )
    .await;
    assert_eq!(h.get(&eligible_path()).await.status, StatusCode::OK);
    h.control(Method::POST, "faults", json!({ "kind": "throttle" }))
        .await;
    h.control(Method::GET, "info", json!(null)).await;
    h.control(Method::DELETE, "faults", json!(null)).await;
    assert_eq!(h.get(&eligible_path()).await.status, StatusCode::OK);

    let log = h.control(Method::GET, "log", json!(null)).await;
    let faults: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["fault"].as_str())
        .collect();
    assert_eq!(faults, vec!["throttle", "status", "status"]);

    let invalid = h
        .send(
            Method::POST,
            "/_sim/faults",
            None,
            Some(&json!({ "kind": "explode" })),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reset_drops_the_connection_and_malformed_breaks_the_body() {
    let h = Harness::start().await;
    h.control(
        Method::POST,
        "faults",
        json!({ "kind": "reset", "path_contains": "roleEligibilityScheduleInstances" }),
    )
    .await;
    let dropped = raw_get(&h, &eligible_path()).await;
    let error = dropped.expect_err("the connection is closed without a response");
    assert!(!error.is_status());
    assert_eq!(
        raw_get(&h, &eligible_path()).await.unwrap().status(),
        StatusCode::OK
    );
    let log = h.control(Method::GET, "log", json!(null)).await;
    assert_eq!(log[0]["fault"], "reset");
    assert_eq!(log[0]["status"], 0);

    h.control(Method::POST, "faults", json!({ "kind": "malformed" }))
        .await;
    let malformed = raw_get(&h, &eligible_path()).await.unwrap();
    assert_eq!(malformed.status(), StatusCode::OK);
    let text = malformed.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert!(!text.is_empty());
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let h = Harness::start().await;
    h.control(
        Method::POST,
        "faults",
        json!({ "kind": "latency", "latency_ms": 300 }),
    )
    .await;
    let started = Instant::now();
    assert_eq!(h.get(&eligible_path()).await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_after_the_effect_make_retries_replay() {
    let h = Harness::start().await;
    let dev = demo::SCOPE_DEVELOPMENT;
    let body = activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", Some("retry me"));
    let name = uuid::Uuid::new_v4().to_string();
    h.control(
        Method::POST,
        "faults",
        json!({ "kind": "status", "status": 503, "method": "PUT", "path_contains": "roleAssignmentScheduleRequests", "after_effect": true }),
    )
    .await;
    let failed = h.put(&request_path(dev, &name), &body).await;
    assert_eq!(failed.status, StatusCode::SERVICE_UNAVAILABLE);
    let retried = h.put(&request_path(dev, &name), &body).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.text);
    assert_eq!(retried.json["properties"]["status"], "Provisioned");
    assert_eq!(
        active(&h)
            .await
            .iter()
            .filter(|(_, _, kind)| kind == "Activated")
            .count(),
        1
    );

    // The same with the connection dropped after the effect.
    let mg = demo::SCOPE_MANAGEMENT_GROUP;
    let name = uuid::Uuid::new_v4().to_string();
    h.control(
        Method::POST,
        "faults",
        json!({ "kind": "reset", "method": "PUT", "after_effect": true }),
    )
    .await;
    let url = format!("{}{}", h.sim.url(), request_path(mg, &name));
    let reader = activate(mg, demo::ROLE_READER, "PT1H", None);
    let dropped = h
        .client
        .put(&url)
        .bearer_auth(&h.token)
        .json(&reader)
        .send()
        .await;
    assert!(dropped.is_err());
    let retried = h.put(&request_path(mg, &name), &reader).await;
    assert_eq!(retried.status, StatusCode::CREATED);
    assert_eq!(
        active(&h)
            .await
            .iter()
            .filter(|(_, _, kind)| kind == "Activated")
            .count(),
        2
    );

    let log = h.control(Method::GET, "log", json!(null)).await;
    let puts: Vec<(u64, Option<&str>, Option<&str>)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "PUT")
        .map(|e| {
            (
                e["status"].as_u64().unwrap(),
                e["effect"].as_str(),
                e["fault"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        puts,
        vec![
            (503, Some("created"), Some("status")),
            (201, Some("replayed"), None),
            (0, Some("created"), Some("reset")),
            (201, Some("replayed"), None),
        ]
    );
    h.control(Method::DELETE, "log", json!(null)).await;
    assert_eq!(h.control(Method::GET, "log", json!(null)).await, json!([]));
}

#[tokio::test]
async fn state_survives_a_restart_from_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim-state.json");
    let config = SimConfig {
        state_file: Some(file.clone()),
        ..SimConfig::default()
    };

    let h = Harness::with(config.clone()).await;
    assert!(file.exists(), "a fresh state is written at start");
    let dev = demo::SCOPE_DEVELOPMENT;
    let (name, reply) = h
        .request(
            dev,
            &activate(dev, demo::ROLE_CONTRIBUTOR, "PT4H", Some("persist")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    h.advance("PT1H").await;
    let token = h.token.clone();
    let Harness { sim, .. } = h;
    sim.shutdown().await;

    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(saved["signing_key"].is_string());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");

    let sim = Simulator::start(config).await.unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let again = Harness { sim, client, token };
    let got = again.get(&request_path(dev, &name)).await;
    assert_eq!(
        got.status,
        StatusCode::OK,
        "the old token is still valid: {}",
        got.text
    );
    assert_eq!(got.json["properties"]["status"], "Provisioned");
    assert!(active(&again).await.contains(&(
        demo::ROLE_CONTRIBUTOR.to_string(),
        dev.to_string(),
        "Activated".to_string()
    )));
    let info = again.control(Method::GET, "info", json!(null)).await;
    let now = chrono::DateTime::parse_from_rfc3339(info["now"].as_str().unwrap()).unwrap();
    assert!(
        (now.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() >= 59,
        "clock offset kept"
    );
    again.sim.shutdown().await;
}

#[tokio::test]
async fn a_broken_state_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    std::fs::write(&file, b"{ not json").unwrap();
    let result = Simulator::start(SimConfig {
        state_file: Some(file),
        ..SimConfig::default()
    })
    .await;
    assert!(matches!(result, Err(SimError::StateParse { .. })));
    let zero = Simulator::start(SimConfig {
        page_size: 0,
        ..SimConfig::default()
    })
    .await;
    assert!(matches!(zero, Err(SimError::Config(_))));
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight() {
    let h = Harness::start().await;
    h.control(
        Method::POST,
        "faults",
        json!({ "kind": "latency", "latency_ms": 400 }),
    )
    .await;
    let url = format!("{}{}", h.sim.url(), eligible_path());
    let client = h.client.clone();
    let token = h.sim.issue_token(&TokenRequest::default()).unwrap();
    let in_flight = tokio::spawn(async move {
        client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .map(|r| r.status())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let Harness { sim, .. } = h;
    sim.shutdown().await;
    assert_eq!(in_flight.await.unwrap().unwrap(), StatusCode::OK);
}
