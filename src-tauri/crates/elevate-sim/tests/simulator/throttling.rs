//! A tenant that throttles like Azure (`/_sim/throttling`): a per-principal and a tenant-wide
//! request budget; ARM answers 429 `TooManyRequests` with `Retry-After` and its remaining-budget
//! header on every answer, Graph answers 429 `TooManyRequests` with `Retry-After`; a throttled
//! request is not carried out; off by default.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use elevate_sim::{TokenRequest, demo};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn eligible_path() -> String {
    list_path("", "roleEligibilityScheduleInstances", "asTarget()")
}

const GRAPH_ELIGIBLE: &str = "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')";

#[tokio::test]
async fn off_by_default_then_a_principal_budget_throttles_arm_and_graph() {
    let h = Harness::start().await;
    // Off: many requests, all answered, each with a remaining-budget header.
    for _ in 0..30 {
        let reply = h.get(&eligible_path()).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply
                .header("x-ms-ratelimit-remaining-tenant-reads")
                .is_some()
        );
    }
    let off = h.control(Method::GET, "throttling", json!(null)).await;
    assert!(
        off["tenant"].is_null() && off["per_principal"].is_null(),
        "{off}"
    );

    h.control(
        Method::POST,
        "throttling",
        json!({ "per_principal": { "requests": 3, "window_secs": 30 } }),
    )
    .await;
    let mut left = Vec::new();
    for _ in 0..3 {
        let reply = h.get(&eligible_path()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        left.push(
            reply
                .header("x-ms-ratelimit-remaining-tenant-reads")
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(left, ["2", "1", "0"], "the header counts the budget down");
    let refused = h.get(&eligible_path()).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.code(), "TooManyRequests");
    let retry: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=30).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        refused.header("x-ms-ratelimit-remaining-tenant-reads"),
        Some("0")
    );

    // A write over the budget is not carried out: no request is created.
    let scope = demo::SCOPE_DEVELOPMENT;
    let before = h
        .control(Method::GET, "requests", json!(null))
        .await
        .as_array()
        .map(Vec::len);
    let (_, put) = h
        .request(
            scope,
            &activate(scope, demo::ROLE_CONTRIBUTOR, "PT1H", Some("throttled")),
        )
        .await;
    assert_eq!(put.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(put.header("retry-after").is_some());
    assert!(
        put.header("x-ms-ratelimit-remaining-subscription-writes")
            .is_some(),
        "{:?}",
        put.headers
    );
    let after = h
        .control(Method::GET, "requests", json!(null))
        .await
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after);

    // Graph: the same principal's budget; Graph's words.
    let graph = h.token_with(TokenRequest {
        audience: "https://graph.microsoft.com".into(),
        ..TokenRequest::default()
    });
    let reply = h
        .send(Method::GET, GRAPH_ELIGIBLE, Some(&graph), None)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text
    );
    assert_eq!(reply.code(), "TooManyRequests");
    assert!(reply.header("retry-after").is_some());

    // Another principal has a budget of their own.
    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        ..TokenRequest::default()
    });
    let reply = h
        .send(Method::GET, &eligible_path(), Some(&grace), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let state = h.control(Method::GET, "throttling", json!(null)).await;
    assert_eq!(state["throttled"], 3, "{state}");
    // DELETE turns it off.
    h.control(Method::DELETE, "throttling", json!(null)).await;
    assert_eq!(h.get(&eligible_path()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_tenant_budget_is_shared_and_its_window_ends() {
    let h = Harness::start().await;
    h.control(
        Method::POST,
        "throttling",
        json!({ "tenant": { "requests": 2, "window_secs": 1 } }),
    )
    .await;
    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        ..TokenRequest::default()
    });
    assert_eq!(h.get(&eligible_path()).await.status, StatusCode::OK);
    assert_eq!(
        h.send(Method::GET, &eligible_path(), Some(&grace), None)
            .await
            .status,
        StatusCode::OK
    );
    let refused = h.get(&eligible_path()).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the tenant's budget is everyone's"
    );
    assert_eq!(refused.header("retry-after"), Some("1"));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        h.get(&eligible_path()).await.status,
        StatusCode::OK,
        "a new window"
    );

    // Budgets Elevate cannot honour are refused.
    for bad in [
        json!({ "tenant": { "requests": 0, "window_secs": 1 } }),
        json!({ "tenant": { "requests": 1, "window_secs": 0 } }),
        json!({ "tenants": {} }),
    ] {
        let reply = h
            .send(Method::POST, "/_sim/throttling", None, Some(&bad))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}
