//! Eligibility schedule requests (ARM `roleEligibilityScheduleRequests`, Graph
//! `roleManagement/directory/roleEligibilityScheduleRequests`) and renewals of ended
//! assignments: only `SelfExtend`/`SelfRenew` of the caller's own time-bound eligibility, within
//! 14 days before its end or after it, waiting for an administrator; refused as Azure refuses
//! otherwise. And `GET /groups/{id}/owners`, who administers a group.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use elevate_sim::{TokenRequest, demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn eligibility_path(scope: &str, name: &str) -> String {
    format!(
        "{scope}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/{name}?api-version=2020-10-01"
    )
}

async fn ask(h: &Harness, scope: &str, body: &Value) -> (String, Reply) {
    let name = uuid::Uuid::new_v4().to_string();
    (
        name.clone(),
        h.put(&eligibility_path(scope, &name), body).await,
    )
}

async fn eligible(h: &Harness, scope: &str) -> Vec<Value> {
    h.collect(&list_path(
        scope,
        "roleEligibilityScheduleInstances",
        "asTarget()",
    ))
    .await
}

fn end_of(
    items: &[Value],
    role: &str,
    scope: &str,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    items
        .iter()
        .find(|i| {
            i["properties"]["roleDefinitionId"]
                .as_str()
                .is_some_and(|r| r.ends_with(role))
                && i["properties"]["scope"]
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(scope))
        })
        .and_then(|i| i["properties"]["endDateTime"].as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
}

#[tokio::test]
async fn arm_eligibility_extension_and_renewal_follow_the_14_day_windows_and_wait_for_an_administrator()
 {
    let h = Harness::start().await;
    let dev = demo::SCOPE_DEVELOPMENT;
    let info = h.control(Method::GET, "info", json!(null)).await;
    let now = chrono::DateTime::parse_from_rfc3339(info["now"].as_str().unwrap()).unwrap();

    // Contributor at Contoso Development ends in most of a year: outside the window.
    let (_, early) = ask(
        &h,
        dev,
        &body(
            "SelfExtend",
            dev,
            demo::ROLE_CONTRIBUTOR,
            Some("P90D"),
            Some("project"),
            None,
        ),
    )
    .await;
    assert_eq!(
        (early.status, early.message()),
        (
            StatusCode::BAD_REQUEST,
            r#"The following policy rules failed: ["ExpirationRule"]"#
        ),
        "{}",
        early.text
    );
    // Not an eligibility's request types.
    let (_, activate) = ask(
        &h,
        dev,
        &body(
            "SelfActivate",
            dev,
            demo::ROLE_CONTRIBUTOR,
            Some("PT1H"),
            Some("x"),
            None,
        ),
    )
    .await;
    assert_eq!(activate.code(), "InvalidRequestType", "{}", activate.text);
    let (_, admin) = ask(
        &h,
        dev,
        &body(
            "AdminExtend",
            dev,
            demo::ROLE_CONTRIBUTOR,
            Some("P90D"),
            Some("x"),
            None,
        ),
    )
    .await;
    assert_eq!(
        (admin.status, admin.code()),
        (StatusCode::FORBIDDEN, "AuthorizationFailed"),
        "{}",
        admin.text
    );
    // Renewal before the end.
    let (_, renew_early) = ask(
        &h,
        dev,
        &body(
            "SelfRenew",
            dev,
            demo::ROLE_CONTRIBUTOR,
            Some("P90D"),
            Some("x"),
            None,
        ),
    )
    .await;
    assert_eq!(
        renew_early.code(),
        "RoleEligibilityScheduleExists",
        "{}",
        renew_early.text
    );
    // Nothing to extend (no eligibility there) and a group's eligibility (not the caller's).
    let (_, nothing) = ask(
        &h,
        demo::SCOPE_SANDBOX,
        &body(
            "SelfExtend",
            demo::SCOPE_SANDBOX,
            demo::ROLE_OWNER,
            Some("P9D"),
            Some("x"),
            None,
        ),
    )
    .await;
    assert_eq!(
        nothing.code(),
        "RoleEligibilityScheduleDoesNotExist",
        "{}",
        nothing.text
    );

    // Contoso Incident Responder at Contoso Production ends in 10 days: a justification, then pending.
    let prod = demo::SCOPE_PRODUCTION;
    let (_, bare) = ask(
        &h,
        prod,
        &body(
            "SelfExtend",
            prod,
            demo::ROLE_INCIDENT_RESPONDER,
            Some("P90D"),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(
        bare.message(),
        r#"The following policy rules failed: ["JustificationRule"]"#,
        "{}",
        bare.text
    );
    let before = end_of(
        &eligible(&h, prod).await,
        demo::ROLE_INCIDENT_RESPONDER,
        prod,
    )
    .unwrap();
    let (name, asked) = ask(
        &h,
        prod,
        &body(
            "SelfExtend",
            prod,
            demo::ROLE_INCIDENT_RESPONDER,
            Some("P90D"),
            Some("project"),
            None,
        ),
    )
    .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    assert_eq!(
        asked.json["type"],
        "Microsoft.Authorization/roleEligibilityScheduleRequests"
    );
    assert_eq!(asked.json["properties"]["status"], "PendingAdminDecision");
    assert!(
        asked.json["properties"]["targetRoleEligibilityScheduleId"]
            .as_str()
            .is_some_and(|t| t.contains("roleEligibilitySchedules")),
        "{}",
        asked.text
    );
    let (_, again) = ask(
        &h,
        prod,
        &body(
            "SelfExtend",
            prod,
            demo::ROLE_INCIDENT_RESPONDER,
            Some("P90D"),
            Some("project"),
            None,
        ),
    )
    .await;
    assert_eq!(again.code(), "RoleAssignmentRequestExists");
    // It is not a role assignment schedule request.
    let as_assignment = h.get(&request_path(prod, &name)).await;
    assert_eq!(as_assignment.status, StatusCode::NOT_FOUND);
    let read = h.get(&eligibility_path(prod, &name)).await;
    assert_eq!(
        read.json["properties"]["status"], "PendingAdminDecision",
        "{}",
        read.text
    );
    assert_eq!(
        end_of(
            &eligible(&h, prod).await,
            demo::ROLE_INCIDENT_RESPONDER,
            prod
        ),
        Some(before)
    );
    let approved = h
        .control(Method::POST, &format!("requests/{name}/approve"), json!({}))
        .await;
    assert_eq!(
        approved["properties"]["status"], "Provisioned",
        "{approved}"
    );
    let end = end_of(
        &eligible(&h, prod).await,
        demo::ROLE_INCIDENT_RESPONDER,
        prod,
    )
    .unwrap();
    assert!((end - now).num_days() >= 89, "{end}");

    // User Access Administrator at Contoso Development ended three days ago: renewable, not
    // extendable; a denial leaves it ended.
    let uaa = demo::ROLE_USER_ACCESS_ADMINISTRATOR;
    assert!(end_of(&eligible(&h, dev).await, uaa, dev).is_none());
    let (_, late) = ask(
        &h,
        dev,
        &body("SelfExtend", dev, uaa, Some("P30D"), Some("x"), None),
    )
    .await;
    assert_eq!(
        late.code(),
        "RoleEligibilityScheduleDoesNotExist",
        "{}",
        late.text
    );
    let (denied_name, renew) = ask(
        &h,
        dev,
        &body(
            "SelfRenew",
            dev,
            uaa,
            Some("P30D"),
            Some("still needed"),
            None,
        ),
    )
    .await;
    assert_eq!(
        renew.json["properties"]["status"], "PendingAdminDecision",
        "{}",
        renew.text
    );
    h.control(
        Method::POST,
        &format!("requests/{denied_name}/deny"),
        json!({}),
    )
    .await;
    assert!(end_of(&eligible(&h, dev).await, uaa, dev).is_none());
    let (renew_name, _) = ask(
        &h,
        dev,
        &body(
            "SelfRenew",
            dev,
            uaa,
            Some("P30D"),
            Some("still needed"),
            None,
        ),
    )
    .await;
    h.control(
        Method::POST,
        &format!("requests/{renew_name}/approve"),
        json!({}),
    )
    .await;
    assert!(end_of(&eligible(&h, dev).await, uaa, dev).is_some_and(|e| (e - now).num_days() >= 29));

    // Past the 14 days after its end, nothing is kept to renew.
    h.control(Method::POST, "eligibilities", json!({"role_definition_id": demo::ROLE_OWNER, "scope": demo::SCOPE_SANDBOX, "end": (now + chrono::Duration::hours(1)).to_rfc3339()})).await;
    h.advance("PT2H").await;
    let (_, fresh) = ask(
        &h,
        demo::SCOPE_SANDBOX,
        &body(
            "SelfRenew",
            demo::SCOPE_SANDBOX,
            demo::ROLE_OWNER,
            Some("P1D"),
            Some("x"),
            None,
        ),
    )
    .await;
    assert_eq!(
        fresh.json["properties"]["status"], "PendingAdminDecision",
        "{}",
        fresh.text
    );
    h.advance("P15D").await;
    let (_, stale) = ask(
        &h,
        demo::SCOPE_SANDBOX,
        &body(
            "SelfRenew",
            demo::SCOPE_SANDBOX,
            demo::ROLE_OWNER,
            Some("P1D"),
            Some("x"),
            None,
        ),
    )
    .await;
    assert_eq!(
        stale.code(),
        "RoleEligibilityScheduleDoesNotExist",
        "{}",
        stale.text
    );
}

#[tokio::test]
async fn an_ended_assignment_is_renewed_on_request() {
    let h = Harness::start().await;
    let sandbox = demo::SCOPE_SANDBOX;
    let uaa = demo::ROLE_USER_ACCESS_ADMINISTRATOR;
    let info = h.control(Method::GET, "info", json!(null)).await;
    let now = chrono::DateTime::parse_from_rfc3339(info["now"].as_str().unwrap()).unwrap();
    h.control(Method::POST, "assignments", json!({"role_definition_id": uaa, "scope": sandbox, "end": (now + chrono::Duration::hours(1)).to_rfc3339()})).await;
    let (_, too_soon) = h
        .request(
            sandbox,
            &body("SelfRenew", sandbox, uaa, Some("P30D"), Some("x"), None),
        )
        .await;
    assert_eq!(too_soon.code(), "RoleAssignmentExists", "{}", too_soon.text);
    h.advance("PT2H").await;
    assert!(
        !active(&h)
            .await
            .iter()
            .any(|(role, _, _)| role.ends_with(uaa))
    );
    let (name, renew) = h
        .request(
            sandbox,
            &body(
                "SelfRenew",
                sandbox,
                uaa,
                Some("P30D"),
                Some("still needed"),
                None,
            ),
        )
        .await;
    assert_eq!(
        renew.json["properties"]["status"], "PendingAdminDecision",
        "{}",
        renew.text
    );
    h.control(Method::POST, &format!("requests/{name}/approve"), json!({}))
        .await;
    assert!(
        active(&h)
            .await
            .iter()
            .any(|(role, _, _)| role.ends_with(uaa)),
        "{:?}",
        active(&h).await
    );
}

#[tokio::test]
async fn graph_eligibility_requests_and_group_owners() {
    let h = Harness::start().await;
    let token = h.token_with(TokenRequest {
        audience: "https://graph.microsoft.com".into(),
        amr: vec!["pwd".into(), "mfa".into()],
        ..TokenRequest::default()
    });
    let post = |body: Value| {
        let h = &h;
        let token = token.clone();
        async move {
            h.send(
                Method::POST,
                "/v1.0/roleManagement/directory/roleEligibilityScheduleRequests",
                Some(&token),
                Some(&body),
            )
            .await
        }
    };
    let req = |action: &str| {
        json!({"action": action, "principalId": demo::DEMO_USER_OID, "roleDefinitionId": demo::ENTRA_GLOBAL_READER, "directoryScopeId": "/",
            "justification": "project", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P90D"}}})
    };
    // Global Reader's eligibility is permanent or far from its end: no extension; it has not ended.
    let extend = post(req("selfExtend")).await;
    assert_eq!(extend.status, StatusCode::BAD_REQUEST, "{}", extend.text);
    let renew = post(req("selfRenew")).await;
    assert_eq!(
        renew.code(),
        "RoleEligibilityScheduleExists",
        "{}",
        renew.text
    );
    let activate = post(req("selfActivate")).await;
    assert_eq!(activate.code(), "BadRequest", "{}", activate.text);
    let admin = post(req("adminExtend")).await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN, "{}", admin.text);

    let owners = h
        .send(
            Method::GET,
            &format!("/v1.0/groups/{}/owners", demo::PIM_GROUP_PROD_OPERATORS),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(owners.status, StatusCode::OK, "{}", owners.text);
    let names: Vec<&str> = owners.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["displayName"].as_str())
        .collect();
    assert_eq!(names, vec![demo::SECOND_USER_NAME]);
}
