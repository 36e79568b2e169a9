//! The ARM PIM surface over real HTTP: authentication, api-versions, listings, paging, the
//! schedule-request state machine, policy checks, claims challenges and ARM conventions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use elevate_sim::{SimConfig, TokenRequest, demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ELIGIBLE: &str = "roleEligibilityScheduleInstances";
const ACTIVE: &str = "roleAssignmentScheduleInstances";

fn role_guid_of(item: &Value) -> String {
    item["properties"]["roleDefinitionId"]
        .as_str()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn missing_garbage_expired_and_wrong_audience_tokens_are_refused() {
    let h = Harness::start().await;
    let path = list_path("", ELIGIBLE, "asTarget()");

    let none = h.send(Method::GET, &path, None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.code(), "InvalidAuthenticationToken");
    let challenge = none.header("www-authenticate").unwrap();
    assert!(challenge.starts_with(&format!(
        "Bearer authorization_uri=\"{}/{}/oauth2/authorize\", error=\"invalid_token\", error_description=\"",
        h.sim.url(),
        demo::TENANT_ID
    )));

    let garbage = h.send(Method::GET, &path, Some("not-a-jwt"), None).await;
    assert_eq!(
        (garbage.status, garbage.code()),
        (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken")
    );

    let forged = h
        .send(
            Method::GET,
            &path,
            Some("eyJhbGciOiJIUzI1NiJ9.eyJvaWQiOiJ4In0.c2lnbmF0dXJl"),
            None,
        )
        .await;
    assert_eq!(
        (forged.status, forged.code()),
        (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken")
    );

    let expired = h.token_with(TokenRequest {
        lifetime_secs: 0,
        ..TokenRequest::default()
    });
    let reply = h.send(Method::GET, &path, Some(&expired), None).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::UNAUTHORIZED, "ExpiredAuthenticationToken")
    );
    assert!(reply.header("www-authenticate").is_some());

    let graph = h.token_with(TokenRequest {
        audience: "https://graph.microsoft.com".into(),
        ..TokenRequest::default()
    });
    let reply = h.send(Method::GET, &path, Some(&graph), None).await;
    assert_eq!(
        (reply.status, reply.code()),
        (
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationTokenAudience"
        )
    );

    for audience in [
        "https://management.core.windows.net/",
        "https://management.azure.com/",
        &h.sim.url(),
    ] {
        let token = h.token_with(TokenRequest {
            audience: audience.to_string(),
            ..TokenRequest::default()
        });
        let reply = h.send(Method::GET, &path, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "audience {audience}");
    }
}

#[tokio::test]
async fn api_version_and_unknown_paths() {
    let h = Harness::start().await;
    let missing = h.get("/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?$filter=asTarget()").await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::BAD_REQUEST, "MissingApiVersionParameter")
    );

    let wrong = h.get("/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2019-01-01").await;
    assert_eq!(
        (wrong.status, wrong.code()),
        (StatusCode::BAD_REQUEST, "InvalidApiVersionParameter")
    );
    assert!(
        wrong
            .message()
            .starts_with("The api-version '2019-01-01' is invalid. The supported versions are '")
    );
    assert!(wrong.message().contains("2020-10-01"));

    let preview_elig = h.get("/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2022-04-01-preview").await;
    assert_eq!(preview_elig.code(), "InvalidApiVersionParameter");
    let preview_requests = h.get("/providers/Microsoft.Authorization/roleAssignmentScheduleRequests?api-version=2022-04-01-preview&$filter=asRequestor()").await;
    assert_eq!(preview_requests.status, StatusCode::OK);

    let unknown_type = h
        .get("/providers/Microsoft.Authorization/roleFrobnications?api-version=2020-10-01")
        .await;
    assert_eq!(
        (unknown_type.status, unknown_type.code()),
        (StatusCode::NOT_FOUND, "InvalidResourceType")
    );
    let unknown_path = h.get("/nothing/here?api-version=2020-10-01").await;
    assert_eq!(unknown_path.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown_path.code(), "NotFound");

    let unknown_sub = h
        .get(&list_path(
            "/subscriptions/00000000-0000-0000-0000-000000000000",
            ELIGIBLE,
            "asTarget()",
        ))
        .await;
    assert_eq!(
        (unknown_sub.status, unknown_sub.code()),
        (StatusCode::NOT_FOUND, "SubscriptionNotFound")
    );

    let bad_filter = h
        .get(&list_path("", ELIGIBLE, "startswith(name,'x')"))
        .await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn provider_level_as_target_lists_demo_eligibilities_with_expanded_properties() {
    let h = Harness::start().await;
    let reply = h.get(&list_path("", ELIGIBLE, "asTarget()")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json.get("nextLink").is_none());
    let items = reply.json["value"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    for item in items {
        assert_eq!(
            item["type"],
            "Microsoft.Authorization/roleEligibilityScheduleInstances"
        );
        assert!(
            item["id"]
                .as_str()
                .unwrap()
                .contains("/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/")
        );
        let p = &item["properties"];
        assert_eq!(p["status"], "Provisioned");
        assert!(
            p["roleEligibilityScheduleId"]
                .as_str()
                .unwrap()
                .contains("/roleEligibilitySchedules/")
        );
        let e = &p["expandedProperties"];
        assert_eq!(e["scope"]["id"], p["scope"]);
        assert!(e["scope"]["displayName"].is_string());
        assert!(e["roleDefinition"]["displayName"].is_string());
        assert_eq!(e["principal"]["id"], p["principalId"]);
    }
    let by_role = |role: &str| items.iter().find(|i| role_guid_of(i) == role).unwrap();
    let group = items
        .iter()
        .find(|i| i["properties"]["principalId"] == demo::GROUP_ID)
        .unwrap();
    assert_eq!(group["properties"]["principalType"], "Group");
    assert_eq!(group["properties"]["memberType"], "Group");
    assert_eq!(group["properties"]["scope"], demo::SCOPE_RG_WEB_PROD);
    assert_eq!(
        group["properties"]["expandedProperties"]["principal"]["displayName"],
        demo::GROUP_NAME
    );
    let markup = by_role(demo::ROLE_MARKUP_AUDITOR);
    assert_eq!(
        markup["properties"]["expandedProperties"]["roleDefinition"]["displayName"],
        demo::ROLE_MARKUP_AUDITOR_NAME
    );
    assert_eq!(
        markup["properties"]["expandedProperties"]["roleDefinition"]["type"],
        "CustomRole"
    );
    let reader = by_role(demo::ROLE_READER);
    assert_eq!(reader["properties"]["scope"], demo::SCOPE_MANAGEMENT_GROUP);
    assert!(reader["properties"]["endDateTime"].is_null());
    assert_eq!(
        reader["properties"]["expandedProperties"]["scope"]["type"],
        "managementgroup"
    );
    assert_eq!(
        reader["properties"]["expandedProperties"]["scope"]["displayName"],
        demo::MANAGEMENT_GROUP_NAME
    );
    let owner = by_role(demo::ROLE_OWNER);
    assert_eq!(
        owner["properties"]["roleDefinitionId"],
        format!(
            "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
            demo::SCOPE_PRODUCTION,
            demo::ROLE_OWNER
        )
    );
    assert_eq!(
        owner["properties"]["expandedProperties"]["principal"]["email"],
        demo::DEMO_USER_UPN
    );
    assert!(
        owner["properties"]["startDateTime"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let assigned = h.collect(&list_path("", ACTIVE, "asTarget()")).await;
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0]["properties"]["assignmentType"], "Assigned");
    assert!(assigned[0]["properties"]["endDateTime"].is_null());
    assert_eq!(
        assigned[0]["type"],
        "Microsoft.Authorization/roleAssignmentScheduleInstances"
    );

    // Grace is eligible only for Owner at Contoso Production.
    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        ..TokenRequest::default()
    });
    let reply = h
        .send(
            Method::GET,
            &list_path("", ELIGIBLE, "asTarget()"),
            Some(&grace),
            None,
        )
        .await;
    let graces: Vec<String> = reply.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(role_guid_of)
        .collect();
    assert_eq!(graces, [demo::ROLE_OWNER.to_string()]);
}

#[tokio::test]
async fn scoped_listing_covers_above_and_below_and_at_scope_only_above() {
    let h = Harness::start().await;
    let at_prod = h
        .collect(&list_path(demo::SCOPE_PRODUCTION, ELIGIBLE, "asTarget()"))
        .await;
    let mut roles: Vec<String> = at_prod.iter().map(role_guid_of).collect();
    roles.sort();
    let mut expected = vec![
        demo::ROLE_OWNER.to_string(),
        demo::ROLE_INCIDENT_RESPONDER.to_string(),
        demo::ROLE_READER.to_string(),
        demo::ROLE_KEY_VAULT_SECRETS_OFFICER.to_string(),
        demo::ROLE_CONTRIBUTOR.to_string(),
    ];
    expected.sort();
    assert_eq!(roles, expected);

    // Everyone's: Ada's four and Grace's Owner at Contoso Production.
    let at_scope = h
        .collect(&list_path(demo::SCOPE_RG_WEB_PROD, ELIGIBLE, "atScope()"))
        .await;
    assert_eq!(at_scope.len(), 5, "{at_scope:?}");
    assert!(
        at_scope
            .iter()
            .all(|i| role_guid_of(i) != demo::ROLE_KEY_VAULT_SECRETS_OFFICER)
    );

    let assigned_to = h
        .collect(&list_path(
            "",
            ELIGIBLE,
            &format!("assignedTo('{}')", demo::DEMO_USER_OID),
        ))
        .await;
    assert_eq!(assigned_to.len(), 7);
    let direct = h
        .collect(&list_path(
            "",
            ELIGIBLE,
            &format!("principalId eq '{}'", demo::DEMO_USER_OID),
        ))
        .await;
    assert_eq!(direct.len(), 6);
    let owner_only = h
        .collect(&list_path(
            "",
            ELIGIBLE,
            &format!(
                "asTarget() and roleDefinitionId eq '{}'",
                role_id("", demo::ROLE_OWNER)
            ),
        ))
        .await;
    assert_eq!(owner_only.len(), 1);
}

#[tokio::test]
async fn paging_follows_next_link_without_duplicates() {
    let h = Harness::with(SimConfig {
        page_size: 2,
        ..SimConfig::default()
    })
    .await;
    let first = h.get(&list_path("", ELIGIBLE, "asTarget()")).await;
    assert_eq!(first.json["value"].as_array().unwrap().len(), 2);
    let next = first.json["nextLink"].as_str().unwrap().to_string();
    assert!(next.starts_with(&format!(
        "{}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?",
        h.sim.url()
    )));
    assert!(
        next.contains("api-version=2020-10-01")
            && next.contains("$skiptoken=")
            && next.contains("$filter=")
    );

    let items = h.collect(&list_path("", ELIGIBLE, "asTarget()")).await;
    let mut ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 7);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7);

    // A client that percent-encodes the link again still gets the next page.
    let reencoded = next
        .replace("$skiptoken=", "%24skiptoken=")
        .replace("$filter=", "%24filter=");
    let second = h.get(&reencoded).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.json["value"].as_array().unwrap().len(), 2);
    assert_ne!(second.json["value"][0]["id"], first.json["value"][0]["id"]);

    let bad = h
        .get(&format!(
            "{}&$skiptoken=%%%",
            list_path("", ELIGIBLE, "asTarget()")
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn activation_is_provisioned_and_the_instance_appears() {
    let h = Harness::start().await;
    let (name, reply) = h
        .request(
            demo::SCOPE_DEVELOPMENT,
            &activate(
                demo::SCOPE_DEVELOPMENT,
                demo::ROLE_CONTRIBUTOR,
                "PT1H",
                Some("deploy fix"),
            ),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let r = &reply.json;
    assert_eq!(r["name"], name.as_str());
    assert_eq!(
        r["type"],
        "Microsoft.Authorization/roleAssignmentScheduleRequests"
    );
    assert_eq!(
        r["id"],
        format!(
            "{}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}",
            demo::SCOPE_DEVELOPMENT
        )
    );
    let p = &r["properties"];
    assert_eq!(p["status"], "Provisioned");
    assert_eq!(p["requestType"], "SelfActivate");
    assert_eq!(p["requestorId"], demo::DEMO_USER_OID);
    assert_eq!(p["principalType"], "User");
    assert!(p["approvalId"].is_null());
    assert_eq!(p["justification"], "deploy fix");
    assert_eq!(p["scheduleInfo"]["expiration"]["duration"], "PT1H");
    assert_eq!(p["scheduleInfo"]["expiration"]["type"], "AfterDuration");
    assert!(p["createdOn"].is_string());
    assert!(
        p["targetRoleAssignmentScheduleId"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/roleAssignmentSchedules/{name}"))
    );
    assert!(
        p["targetRoleAssignmentScheduleInstanceId"]
            .as_str()
            .unwrap()
            .contains("/roleAssignmentScheduleInstances/")
    );
    assert!(
        p["linkedRoleEligibilityScheduleId"]
            .as_str()
            .unwrap()
            .contains("/roleEligibilitySchedules/")
    );
    assert_eq!(
        p["expandedProperties"]["roleDefinition"]["displayName"],
        "Contributor"
    );
    assert_eq!(
        p["expandedProperties"]["scope"]["displayName"],
        demo::SUBSCRIPTION_DEVELOPMENT_NAME
    );

    let instances = h.collect(&list_path("", ACTIVE, "asTarget()")).await;
    let activated: Vec<&Value> = instances
        .iter()
        .filter(|i| i["properties"]["assignmentType"] == "Activated")
        .collect();
    assert_eq!(activated.len(), 1);
    let a = &activated[0]["properties"];
    assert_eq!(a["scope"], demo::SCOPE_DEVELOPMENT);
    assert_eq!(a["status"], "Provisioned");
    assert_eq!(a["memberType"], "Direct");
    assert_eq!(
        a["linkedRoleEligibilityScheduleId"],
        p["linkedRoleEligibilityScheduleId"]
    );
    assert!(
        a["originRoleAssignmentId"]
            .as_str()
            .unwrap()
            .contains("/providers/Microsoft.Authorization/roleAssignments/")
    );
    let start = chrono::DateTime::parse_from_rfc3339(a["startDateTime"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(a["endDateTime"].as_str().unwrap()).unwrap();
    assert_eq!((end - start).num_seconds(), 3600);

    let got = h.get(&request_path(demo::SCOPE_DEVELOPMENT, &name)).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json["properties"]["status"], "Provisioned");
    let missing = h
        .get(&request_path(
            demo::SCOPE_DEVELOPMENT,
            &uuid::Uuid::new_v4().to_string(),
        ))
        .await;
    assert_eq!(
        (missing.status, missing.code()),
        (
            StatusCode::NOT_FOUND,
            "RoleAssignmentScheduleRequestNotFound"
        )
    );
}

#[tokio::test]
async fn activation_at_a_narrower_scope_and_through_a_group() {
    let h = Harness::start().await;
    let (_, narrow) = h
        .request(
            demo::SCOPE_RG_DEV_SHARED,
            &activate(
                demo::SCOPE_RG_DEV_SHARED,
                demo::ROLE_CONTRIBUTOR,
                "PT2H",
                Some("x"),
            ),
        )
        .await;
    assert_eq!(
        narrow.json["properties"]["status"], "Provisioned",
        "{}",
        narrow.text
    );
    assert_eq!(
        narrow.json["properties"]["scope"],
        demo::SCOPE_RG_DEV_SHARED
    );

    let (_, group) = h
        .request(
            demo::SCOPE_RG_WEB_PROD,
            &activate(
                demo::SCOPE_RG_WEB_PROD,
                demo::ROLE_CONTRIBUTOR,
                "PT4H",
                Some("x"),
            ),
        )
        .await;
    assert_eq!(
        group.json["properties"]["status"], "Provisioned",
        "{}",
        group.text
    );
    let instances = h
        .collect(&list_path(demo::SCOPE_RG_WEB_PROD, ACTIVE, "asTarget()"))
        .await;
    let via_group = instances
        .iter()
        .find(|i| i["properties"]["scope"] == demo::SCOPE_RG_WEB_PROD)
        .unwrap();
    assert_eq!(via_group["properties"]["memberType"], "Group");
    assert_eq!(via_group["properties"]["principalId"], demo::DEMO_USER_OID);

    // The group policy allows 4 hours at most.
    let (_, too_long) = h
        .request(
            demo::SCOPE_RG_WEB_PROD,
            &activate(demo::SCOPE_RG_WEB_PROD, demo::ROLE_OWNER, "PT1H", Some("x")),
        )
        .await;
    assert_eq!(
        too_long.code(),
        "RoleAssignmentRequestPolicyValidationFailed"
    );
}

fn owner_body(duration: &str) -> Value {
    body(
        "SelfActivate",
        demo::SCOPE_PRODUCTION,
        demo::ROLE_OWNER,
        Some(duration),
        Some("incident 42"),
        Some(("INC42", "ServiceNow")),
    )
}

#[tokio::test]
async fn approval_pending_then_approved_through_the_control_api() {
    let h = Harness::start().await;
    let (name, reply) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["properties"]["status"], "PendingApproval");
    let approval = reply.json["properties"]["approvalId"].as_str().unwrap();
    assert!(approval.starts_with("/providers/Microsoft.Authorization/roleAssignmentApprovals/"));
    assert!(
        active(&h)
            .await
            .iter()
            .all(|(role, _, _)| role != demo::ROLE_OWNER)
    );

    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        ..TokenRequest::default()
    });
    let to_approve = h
        .send(
            Method::GET,
            &list_path("", "roleAssignmentScheduleRequests", "asApprover()"),
            Some(&grace),
            None,
        )
        .await;
    assert_eq!(to_approve.json["value"].as_array().unwrap().len(), 1);
    assert_eq!(to_approve.json["value"][0]["name"], name.as_str());
    let mine = h
        .collect(&list_path(
            "",
            "roleAssignmentScheduleRequests",
            "asRequestor()",
        ))
        .await;
    assert_eq!(mine.len(), 1);
    // Ada approves Grace's waiting request, never her own.
    let for_ada = h
        .collect(&list_path(
            "",
            "roleAssignmentScheduleRequests",
            "asApprover()",
        ))
        .await;
    assert!(
        !for_ada.is_empty()
            && for_ada
                .iter()
                .all(|r| r["properties"]["principalId"] == demo::SECOND_USER_OID),
        "{for_ada:?}"
    );
    let grace_reads = h
        .send(
            Method::GET,
            &request_path(demo::SCOPE_PRODUCTION, &name),
            Some(&grace),
            None,
        )
        .await;
    assert_eq!(grace_reads.status, StatusCode::OK);

    let approved = h
        .control(
            Method::POST,
            &format!("requests/{name}/approve"),
            json!({ "justification": "ok" }),
        )
        .await;
    assert_eq!(approved["properties"]["status"], "Provisioned");
    let now_active = active(&h).await;
    assert!(now_active.contains(&(
        demo::ROLE_OWNER.to_string(),
        demo::SCOPE_PRODUCTION.to_string(),
        "Activated".to_string()
    )));
    let got = h.get(&request_path(demo::SCOPE_PRODUCTION, &name)).await;
    assert_eq!(got.json["properties"]["status"], "Provisioned");

    let again = h
        .send(
            Method::POST,
            &format!("/_sim/requests/{name}/approve"),
            None,
            Some(&json!({})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn denied_requests_grant_nothing_and_pending_ones_time_out() {
    let h = Harness::start().await;
    let (name, _) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    let denied = h
        .control(Method::POST, &format!("requests/{name}/deny"), json!({}))
        .await;
    assert_eq!(denied["properties"]["status"], "Denied");
    assert!(
        active(&h)
            .await
            .iter()
            .all(|(role, _, _)| role != demo::ROLE_OWNER)
    );

    let (name, _) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    h.advance("P2D").await;
    let got = h.get(&request_path(demo::SCOPE_PRODUCTION, &name)).await;
    assert_eq!(got.json["properties"]["status"], "TimedOut");
}

#[tokio::test]
async fn cancel_only_pending_requests() {
    let h = Harness::start().await;
    let (name, _) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    let cancel = format!(
        "{}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}/cancel?{API}",
        demo::SCOPE_PRODUCTION
    );
    let reply = h.post(&cancel, &json!({})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text.is_empty());
    let got = h.get(&request_path(demo::SCOPE_PRODUCTION, &name)).await;
    assert_eq!(got.json["properties"]["status"], "Canceled");
    let twice = h.post(&cancel, &json!({})).await;
    assert_eq!(
        (twice.status, twice.code()),
        (StatusCode::BAD_REQUEST, "RequestCannotBeCancelled")
    );

    // A new request is possible once the old one is cancelled.
    let (_, again) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    assert_eq!(again.json["properties"]["status"], "PendingApproval");
}

async fn expect_rules(h: &Harness, token: Option<&str>, scope: &str, body: &Value, rules: &str) {
    let name = uuid::Uuid::new_v4().to_string();
    let reply = h
        .send(
            Method::PUT,
            &request_path(scope, &name),
            Some(token.unwrap_or(&h.token)),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.code(), "RoleAssignmentRequestPolicyValidationFailed");
    assert_eq!(
        reply.message(),
        format!("The following policy rules failed: {rules}")
    );
}

#[tokio::test]
async fn policy_failures_name_every_failed_rule() {
    let h = Harness::start().await;
    let dev = demo::SCOPE_DEVELOPMENT;
    expect_rules(
        &h,
        None,
        dev,
        &activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", None),
        r#"["JustificationRule"]"#,
    )
    .await;
    expect_rules(
        &h,
        None,
        dev,
        &activate(dev, demo::ROLE_CONTRIBUTOR, "PT9H", Some("x")),
        r#"["ExpirationRule"]"#,
    )
    .await;
    expect_rules(
        &h,
        None,
        dev,
        &body(
            "SelfActivate",
            dev,
            demo::ROLE_CONTRIBUTOR,
            None,
            Some("x"),
            None,
        ),
        r#"["ExpirationRule"]"#,
    )
    .await;

    let prod = demo::SCOPE_PRODUCTION;
    let responder = |ticket| {
        body(
            "SelfActivate",
            prod,
            demo::ROLE_INCIDENT_RESPONDER,
            Some("PT1H"),
            None,
            ticket,
        )
    };
    expect_rules(&h, None, prod, &responder(None), r#"["TicketingRule"]"#).await;
    expect_rules(
        &h,
        None,
        prod,
        &responder(Some(("INC1", ""))),
        r#"["TicketingRule"]"#,
    )
    .await;
    let (_, ok) = h
        .request(prod, &responder(Some(("INC1", "ServiceNow"))))
        .await;
    assert_eq!(
        ok.json["properties"]["status"], "Provisioned",
        "{}",
        ok.text
    );

    expect_rules(
        &h,
        None,
        prod,
        &body(
            "SelfActivate",
            prod,
            demo::ROLE_OWNER,
            Some("PT3H"),
            None,
            None,
        ),
        r#"["ExpirationRule","JustificationRule","TicketingRule"]"#,
    )
    .await;
    let no_mfa = h.token_with(TokenRequest {
        amr: vec!["pwd".into()],
        ..TokenRequest::default()
    });
    expect_rules(
        &h,
        Some(&no_mfa),
        prod,
        &owner_body("PT1H"),
        r#"["MfaRule"]"#,
    )
    .await;
    expect_rules(
        &h,
        Some(&no_mfa),
        prod,
        &body(
            "SelfActivate",
            prod,
            demo::ROLE_OWNER,
            Some("PT1H"),
            Some("x"),
            None,
        ),
        r#"["TicketingRule","MfaRule"]"#,
    )
    .await;

    // Not eligible at all: the tenant default policy (justification, 8 h) applies as well.
    expect_rules(
        &h,
        None,
        prod,
        &activate(
            prod,
            demo::ROLE_USER_ACCESS_ADMINISTRATOR,
            "PT1H",
            Some("x"),
        ),
        r#"["EligibilityRule"]"#,
    )
    .await;
    expect_rules(
        &h,
        None,
        prod,
        &activate(prod, demo::ROLE_USER_ACCESS_ADMINISTRATOR, "PT1H", None),
        r#"["EligibilityRule","JustificationRule"]"#,
    )
    .await;
}

const C1_CHALLENGE: &str = "&claims=%7B%22access_token%22%3A%7B%22acrs%22%3A%7B%22essential%22%3Atrue%2C%20%22value%22%3A%22c1%22%7D%7D%7D";

fn kvso() -> Value {
    activate(
        demo::SCOPE_RG_DATA_PROD,
        demo::ROLE_KEY_VAULT_SECRETS_OFFICER,
        "PT1H",
        Some("rotate secret"),
    )
}

#[tokio::test]
async fn authentication_context_challenge_in_every_style() {
    let h = Harness::start().await;
    let rg = demo::SCOPE_RG_DATA_PROD;
    let (_, message) = h.request(rg, &kvso()).await;
    assert_eq!(
        (message.status, message.code()),
        (
            StatusCode::BAD_REQUEST,
            "RoleAssignmentRequestAcrsValidationFailed"
        )
    );
    assert_eq!(message.message(), C1_CHALLENGE);

    h.control(
        Method::POST,
        "settings",
        json!({ "acrs_challenge_style": "wrapped" }),
    )
    .await;
    let (_, wrapped) = h.request(rg, &kvso()).await;
    assert_eq!(
        (wrapped.status, wrapped.code()),
        (StatusCode::BAD_REQUEST, "UnknownError")
    );
    let inner: Value = serde_json::from_str(wrapped.message()).unwrap();
    assert_eq!(
        inner["errorCode"],
        "RoleAssignmentRequestAcrsValidationFailed"
    );
    assert_eq!(inner["message"], C1_CHALLENGE);

    h.control(
        Method::POST,
        "settings",
        json!({ "acrs_challenge_style": "www-authenticate" }),
    )
    .await;
    let (_, header) = h.request(rg, &kvso()).await;
    assert_eq!(header.status, StatusCode::UNAUTHORIZED);
    let challenge = header.header("www-authenticate").unwrap().to_string();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains("error=\"insufficient_claims\""),
        "{challenge}"
    );
    let claims = challenge
        .split("claims=\"")
        .nth(1)
        .unwrap()
        .trim_end_matches('"');
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(claims)
        .unwrap();
    let claims: Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(claims["access_token"]["acrs"]["value"], "c1");
    assert_eq!(claims["access_token"]["acrs"]["essential"], true);

    let with_c1 = h.token_with(TokenRequest {
        acrs: vec!["c1".into()],
        ..TokenRequest::default()
    });
    let name = uuid::Uuid::new_v4().to_string();
    let ok = h
        .send(
            Method::PUT,
            &request_path(rg, &name),
            Some(&with_c1),
            Some(&kvso()),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    assert_eq!(ok.json["properties"]["status"], "Provisioned");
}

#[tokio::test]
async fn already_active_and_already_pending_are_refused() {
    let h = Harness::start().await;
    let mg = demo::SCOPE_MANAGEMENT_GROUP;
    let (_, first) = h
        .request(mg, &activate(mg, demo::ROLE_READER, "PT1H", None))
        .await;
    assert_eq!(
        first.json["properties"]["status"], "Provisioned",
        "{}",
        first.text
    );
    let (_, second) = h
        .request(mg, &activate(mg, demo::ROLE_READER, "PT1H", None))
        .await;
    assert_eq!(
        (second.status, second.code()),
        (StatusCode::BAD_REQUEST, "RoleAssignmentExists")
    );
    assert_eq!(second.message(), "The Role assignment already exists.");

    let (_, pending) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    assert_eq!(pending.json["properties"]["status"], "PendingApproval");
    let (_, duplicate) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    assert_eq!(
        (duplicate.status, duplicate.code()),
        (StatusCode::BAD_REQUEST, "RoleAssignmentRequestExists")
    );
    assert!(duplicate.message().contains("pending"));
}

#[tokio::test]
async fn the_same_request_name_twice_is_replayed_not_repeated() {
    let h = Harness::start().await;
    let dev = demo::SCOPE_DEVELOPMENT;
    let name = uuid::Uuid::new_v4().to_string();
    let body = activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", Some("x"));
    let first = h.put(&request_path(dev, &name), &body).await;
    let second = h.put(&request_path(dev, &name), &body).await;
    assert_eq!(
        (first.status, second.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(first.json, second.json);
    let activated: Vec<_> = active(&h)
        .await
        .into_iter()
        .filter(|(_, _, kind)| kind == "Activated")
        .collect();
    assert_eq!(activated.len(), 1);
    let requests = h
        .collect(&list_path(
            "",
            "roleAssignmentScheduleRequests",
            "asRequestor()",
        ))
        .await;
    assert_eq!(requests.len(), 1);

    let log = h.control(Method::GET, "log", json!(null)).await;
    let puts: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "PUT")
        .collect();
    assert_eq!(puts.len(), 2);
    assert_eq!(
        (puts[0]["effect"].as_str(), puts[1]["effect"].as_str()),
        (Some("created"), Some("replayed"))
    );
    assert_eq!(puts[0]["request_name"], name.as_str());
    assert!(puts[1]["seq"].as_u64() > puts[0]["seq"].as_u64());

    let different = h
        .put(
            &request_path(dev, &name),
            &activate(dev, demo::ROLE_READER, "PT1H", Some("x")),
        )
        .await;
    assert_eq!(
        (different.status, different.code()),
        (
            StatusCode::BAD_REQUEST,
            "RoleAssignmentScheduleRequestExists"
        )
    );
}

#[tokio::test]
async fn deactivation_is_refused_for_five_minutes_then_revokes() {
    let h = Harness::start().await;
    let dev = demo::SCOPE_DEVELOPMENT;
    h.request(
        dev,
        &activate(dev, demo::ROLE_CONTRIBUTOR, "PT2H", Some("x")),
    )
    .await;
    let deactivate = body(
        "SelfDeactivate",
        dev,
        demo::ROLE_CONTRIBUTOR,
        None,
        Some("done"),
        None,
    );
    let (_, early) = h.request(dev, &deactivate).await;
    assert_eq!(
        (early.status, early.code()),
        (StatusCode::BAD_REQUEST, "ActiveDurationTooShort")
    );

    h.advance("PT6M").await;
    let (name, done) = h.request(dev, &deactivate).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!(done.json["properties"]["status"], "Revoked");
    assert_eq!(done.json["properties"]["requestType"], "SelfDeactivate");
    assert!(
        active(&h)
            .await
            .iter()
            .all(|(_, _, kind)| kind != "Activated")
    );
    let got = h.get(&request_path(dev, &name)).await;
    assert_eq!(got.json["properties"]["status"], "Revoked");

    let (_, nothing) = h.request(dev, &deactivate).await;
    assert_eq!(
        (nothing.status, nothing.code()),
        (StatusCode::BAD_REQUEST, "RoleAssignmentDoesNotExist")
    );
}

#[tokio::test]
async fn activations_expire_and_future_ones_start_with_the_clock() {
    let h = Harness::start().await;
    let mg = demo::SCOPE_MANAGEMENT_GROUP;
    h.request(mg, &activate(mg, demo::ROLE_READER, "PT1H", None))
        .await;
    assert_eq!(active(&h).await.len(), 2);
    h.advance("PT61M").await;
    assert_eq!(
        active(&h).await.len(),
        1,
        "only the standing assignment is left"
    );
    let (_, gone) = h
        .request(
            mg,
            &body("SelfDeactivate", mg, demo::ROLE_READER, None, None, None),
        )
        .await;
    assert_eq!(gone.code(), "RoleAssignmentDoesNotExist");

    let info = h.control(Method::GET, "info", json!(null)).await;
    let now = chrono::DateTime::parse_from_rfc3339(info["now"].as_str().unwrap()).unwrap();
    let start = (now + chrono::Duration::hours(2)).to_rfc3339();
    let mut future = activate(
        demo::SCOPE_DEVELOPMENT,
        demo::ROLE_CONTRIBUTOR,
        "PT1H",
        Some("later"),
    );
    future["properties"]["scheduleInfo"]["startDateTime"] = json!(start);
    let (_, scheduled) = h.request(demo::SCOPE_DEVELOPMENT, &future).await;
    assert_eq!(scheduled.status, StatusCode::CREATED, "{}", scheduled.text);
    assert_eq!(active(&h).await.len(), 1);
    h.advance("PT2H1M").await;
    assert_eq!(active(&h).await.len(), 2);
    h.advance("PT1H").await;
    assert_eq!(active(&h).await.len(), 1);
}

#[tokio::test]
async fn extension_requests_are_only_for_time_bound_assignments_ending_within_14_days() {
    let h = Harness::start().await;
    let dev = demo::SCOPE_DEVELOPMENT;
    let sandbox = demo::SCOPE_SANDBOX;
    let uaa = demo::ROLE_USER_ACCESS_ADMINISTRATOR;
    // An activation cannot be extended, nor renewed: its principal deactivates and activates.
    h.request(
        dev,
        &activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", Some("x")),
    )
    .await;
    let (_, on_activation) = h
        .request(
            dev,
            &body(
                "SelfExtend",
                dev,
                demo::ROLE_CONTRIBUTOR,
                Some("PT8H"),
                Some("more"),
                None,
            ),
        )
        .await;
    assert_eq!(
        (on_activation.status, on_activation.code()),
        (StatusCode::BAD_REQUEST, "RoleAssignmentDoesNotExist"),
        "{}",
        on_activation.text
    );
    let (_, renew_active) = h
        .request(
            dev,
            &body(
                "SelfRenew",
                dev,
                demo::ROLE_CONTRIBUTOR,
                Some("PT8H"),
                Some("more"),
                None,
            ),
        )
        .await;
    assert_eq!(
        renew_active.code(),
        "RoleAssignmentExists",
        "{}",
        renew_active.text
    );
    let (_, nothing) = h
        .request(
            sandbox,
            &body(
                "SelfExtend",
                sandbox,
                demo::ROLE_MARKUP_AUDITOR,
                Some("PT1H"),
                Some("more"),
                None,
            ),
        )
        .await;
    assert_eq!(nothing.code(), "RoleAssignmentDoesNotExist");
    let (_, renew_nothing) = h
        .request(
            sandbox,
            &body(
                "SelfRenew",
                sandbox,
                demo::ROLE_MARKUP_AUDITOR,
                Some("PT1H"),
                Some("more"),
                None,
            ),
        )
        .await;
    assert_eq!(renew_nothing.code(), "RoleAssignmentDoesNotExist");
    // The standing (permanent) Reader assignment has no end to extend.
    let (_, permanent) = h
        .request(
            sandbox,
            &body(
                "SelfExtend",
                sandbox,
                demo::ROLE_READER,
                Some("P30D"),
                Some("more"),
                None,
            ),
        )
        .await;
    assert_eq!(permanent.code(), "RoleAssignmentDoesNotExist");

    let info = h.control(Method::GET, "info", json!(null)).await;
    let now = chrono::DateTime::parse_from_rfc3339(info["now"].as_str().unwrap()).unwrap();
    let in_days = |d: i64| (now + chrono::Duration::days(d)).to_rfc3339();
    h.control(
        Method::POST,
        "assignments",
        json!({"role_definition_id": uaa, "scope": dev, "end": in_days(30)}),
    )
    .await;
    h.control(
        Method::POST,
        "assignments",
        json!({"role_definition_id": uaa, "scope": sandbox, "end": in_days(10)}),
    )
    .await;
    // Outside the 14-day window.
    let (_, early) = h
        .request(
            dev,
            &body("SelfExtend", dev, uaa, Some("P90D"), Some("project"), None),
        )
        .await;
    assert_eq!(
        early.message(),
        r#"The following policy rules failed: ["ExpirationRule"]"#,
        "{}",
        early.text
    );
    // Within it: a justification is needed, then the request waits for an administrator.
    let (_, bare) = h
        .request(
            sandbox,
            &body("SelfExtend", sandbox, uaa, Some("P90D"), None, None),
        )
        .await;
    assert_eq!(
        bare.message(),
        r#"The following policy rules failed: ["JustificationRule"]"#,
        "{}",
        bare.text
    );
    let (name, asked) = h
        .request(
            sandbox,
            &body(
                "SelfExtend",
                sandbox,
                uaa,
                Some("P90D"),
                Some("project"),
                None,
            ),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    assert_eq!(
        asked.json["properties"]["status"], "PendingAdminDecision",
        "{}",
        asked.text
    );
    let (_, again) = h
        .request(
            sandbox,
            &body(
                "SelfExtend",
                sandbox,
                uaa,
                Some("P90D"),
                Some("project"),
                None,
            ),
        )
        .await;
    assert_eq!(again.code(), "RoleAssignmentRequestExists");
    let approved = h
        .control(Method::POST, &format!("requests/{name}/approve"), json!({}))
        .await;
    assert_eq!(
        approved["properties"]["status"], "Provisioned",
        "{approved}"
    );
    let instances = h.collect(&list_path(sandbox, ACTIVE, "asTarget()")).await;
    let extended = instances
        .iter()
        .find(|i| {
            i["properties"]["roleDefinitionId"]
                .as_str()
                .is_some_and(|r| r.ends_with(uaa))
        })
        .unwrap_or_else(|| panic!("{instances:#?}"));
    let end = chrono::DateTime::parse_from_rfc3339(
        extended["properties"]["endDateTime"].as_str().unwrap(),
    )
    .unwrap();
    assert!((end - now).num_days() >= 89, "{extended}");
}

#[tokio::test]
async fn requests_for_someone_else_or_admin_types_are_forbidden() {
    let h = Harness::start().await;
    let dev = demo::SCOPE_DEVELOPMENT;
    let mut other = activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", Some("x"));
    other["properties"]["principalId"] = json!(demo::SECOND_USER_OID);
    let (_, reply) = h.request(dev, &other).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::FORBIDDEN, "AuthorizationFailed")
    );
    assert!(
        reply
            .message()
            .contains("Microsoft.Authorization/roleAssignmentScheduleRequests/write")
    );

    let (_, admin) = h
        .request(
            dev,
            &body(
                "AdminAssign",
                dev,
                demo::ROLE_CONTRIBUTOR,
                Some("PT1H"),
                Some("x"),
                None,
            ),
        )
        .await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN);

    let (_, malformed) = h.request(dev, &json!("{")).await;
    assert_eq!(malformed.code(), "InvalidRequestContent");
    let raw = h
        .client
        .put(format!(
            "{}{}",
            h.sim.url(),
            request_path(dev, &uuid::Uuid::new_v4().to_string())
        ))
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .body("{\"properties\": {")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let raw: Value = raw.json().await.unwrap();
    assert_eq!(raw["error"]["code"], "InvalidRequestContent");

    let not_guid = h
        .put(
            &request_path(dev, "not-a-guid"),
            &activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", Some("x")),
        )
        .await;
    assert_eq!(
        (not_guid.status, not_guid.code()),
        (
            StatusCode::BAD_REQUEST,
            "InvalidRoleAssignmentScheduleRequestName"
        )
    );
    let (_, no_role) = h
        .request(
            dev,
            &activate(
                dev,
                "11111111-2222-3333-4444-555555555555",
                "PT1H",
                Some("x"),
            ),
        )
        .await;
    assert_eq!(no_role.code(), "RoleDefinitionDoesNotExist");
    let (_, bad_type) = h
        .request(
            dev,
            &body(
                "Activate",
                dev,
                demo::ROLE_CONTRIBUTOR,
                Some("PT1H"),
                Some("x"),
                None,
            ),
        )
        .await;
    assert_eq!(bad_type.code(), "InvalidRequestContent");
}

#[tokio::test]
async fn paths_query_names_and_body_keys_are_case_insensitive() {
    let h = Harness::start().await;
    let name = uuid::Uuid::new_v4().to_string();
    let path = format!(
        "/providers/Microsoft.Subscription/subscriptions/{}/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTSCHEDULEREQUESTS/{name}?API-VERSION=2020-10-01",
        demo::SUBSCRIPTION_DEVELOPMENT.to_uppercase()
    );
    let body = json!({ "Properties": {
        "PrincipalId": demo::DEMO_USER_OID.to_uppercase(),
        "RoleDefinitionId": role_id(demo::SCOPE_DEVELOPMENT, &demo::ROLE_CONTRIBUTOR.to_uppercase()),
        "RequestType": "selfactivate",
        "Justification": "PascalCase client",
        "IsValidationOnly": false,
        "ScheduleInfo": { "StartDateTime": null, "Expiration": { "Type": "afterduration", "Duration": "PT30M" } }
    }});
    let reply = h.put(&path, &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["properties"]["scope"], demo::SCOPE_DEVELOPMENT);
    assert_eq!(reply.json["properties"]["status"], "Provisioned");
    assert_eq!(
        reply.json["properties"]["justification"],
        "PascalCase client"
    );

    let listed = h
        .get("/Providers/microsoft.authorization/RoleAssignmentScheduleInstances?Api-Version=2020-10-01&$FILTER=ASTARGET()")
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json["value"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn arm_response_headers_are_present() {
    let h = Harness::start().await;
    let correlation = uuid::Uuid::new_v4().to_string();
    let response = h
        .client
        .get(format!(
            "{}{}",
            h.sim.url(),
            list_path("", ELIGIBLE, "asTarget()")
        ))
        .bearer_auth(&h.token)
        .header("x-ms-correlation-request-id", &correlation)
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    let get = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert!(uuid::Uuid::parse_str(&get("x-ms-request-id")).is_ok());
    assert_eq!(get("x-ms-correlation-request-id"), correlation);
    assert!(get("x-ms-routing-request-id").contains(&get("x-ms-request-id")));
    assert_eq!(get("cache-control"), "no-cache");
    assert_eq!(get("content-type"), "application/json; charset=utf-8");
    let first: u32 = get("x-ms-ratelimit-remaining-tenant-reads")
        .parse()
        .unwrap();

    let again = h.get(&list_path("", ELIGIBLE, "asTarget()")).await;
    let second: u32 = again
        .header("x-ms-ratelimit-remaining-tenant-reads")
        .unwrap()
        .parse()
        .unwrap();
    assert!(second < first);
    assert!(uuid::Uuid::parse_str(again.header("x-ms-correlation-request-id").unwrap()).is_ok());

    let client_id = h
        .client
        .get(format!(
            "{}{}",
            h.sim.url(),
            list_path("", ELIGIBLE, "asTarget()")
        ))
        .bearer_auth(&h.token)
        .header("x-ms-client-request-id", "client-123")
        .send()
        .await
        .unwrap();
    assert_eq!(
        client_id.headers()["x-ms-correlation-request-id"],
        "client-123"
    );

    let sub = h
        .get(&list_path(demo::SCOPE_PRODUCTION, ELIGIBLE, "asTarget()"))
        .await;
    assert!(
        sub.header("x-ms-ratelimit-remaining-subscription-reads")
            .is_some()
    );
    let (_, put) = h
        .request(
            demo::SCOPE_DEVELOPMENT,
            &activate(
                demo::SCOPE_DEVELOPMENT,
                demo::ROLE_CONTRIBUTOR,
                "PT1H",
                Some("x"),
            ),
        )
        .await;
    assert!(
        put.header("x-ms-ratelimit-remaining-subscription-writes")
            .is_some()
    );

    let unauthorized = h
        .send(
            Method::GET,
            &list_path("", ELIGIBLE, "asTarget()"),
            None,
            None,
        )
        .await;
    assert!(unauthorized.header("x-ms-request-id").is_some());
    assert_eq!(
        unauthorized.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[tokio::test]
async fn validate_checks_everything_and_creates_nothing() {
    let h = Harness::start().await;
    let prod = demo::SCOPE_PRODUCTION;
    let name = uuid::Uuid::new_v4().to_string();
    let path = format!(
        "{prod}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}/validate?{API}"
    );
    let pending = h.post(&path, &owner_body("PT1H")).await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.text);
    assert_eq!(pending.json["properties"]["status"], "PendingEvaluation");
    assert_eq!(
        h.get(&request_path(prod, &name)).await.status,
        StatusCode::NOT_FOUND
    );

    let dev = demo::SCOPE_DEVELOPMENT;
    let path = format!(
        "{dev}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}/validate?{API}"
    );
    let fine = h
        .post(
            &path,
            &activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", Some("x")),
        )
        .await;
    assert_eq!(fine.json["properties"]["status"], "Provisioned");
    assert_eq!(active(&h).await.len(), 1);
    let failing = h
        .post(&path, &activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", None))
        .await;
    assert_eq!(
        failing.code(),
        "RoleAssignmentRequestPolicyValidationFailed"
    );
}

#[tokio::test]
async fn policies_and_policy_assignments() {
    let h = Harness::start().await;
    let prod = demo::SCOPE_PRODUCTION;
    let assignments = h
        .collect(&format!(
            "{prod}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}"
        ))
        .await;
    assert_eq!(assignments.len(), 7, "one per role definition");
    let owner = assignments
        .iter()
        .find(|a| role_guid_of(a) == demo::ROLE_OWNER)
        .unwrap();
    let p = &owner["properties"];
    let policy_id = p["policyId"].as_str().unwrap();
    let policy_name = policy_id.rsplit('/').next().unwrap();
    assert_eq!(owner["name"], format!("{policy_name}_{}", demo::ROLE_OWNER));
    assert_eq!(
        owner["type"],
        "Microsoft.Authorization/roleManagementPolicyAssignments"
    );
    assert_eq!(p["scope"], prod);
    assert_eq!(
        p["policyAssignmentProperties"]["roleDefinition"]["displayName"],
        "Owner"
    );
    assert_eq!(p["policyAssignmentProperties"]["policy"]["id"], policy_id);
    let rules = p["effectiveRules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(
        rule("Expiration_EndUser_Assignment")["maximumDuration"],
        "PT2H"
    );
    assert_eq!(
        rule("Expiration_EndUser_Assignment")["ruleType"],
        "RoleManagementPolicyExpirationRule"
    );
    assert_eq!(
        rule("Approval_EndUser_Assignment")["setting"]["isApprovalRequired"],
        true
    );
    assert_eq!(
        rule("Approval_EndUser_Assignment")["setting"]["approvalStages"][0]["primaryApprovers"][0]
            ["id"],
        demo::SECOND_USER_OID
    );
    assert_eq!(
        rule("Enablement_EndUser_Assignment")["enabledRules"],
        json!(["MultiFactorAuthentication", "Justification", "Ticketing"])
    );
    assert_eq!(
        rule("AuthenticationContext_EndUser_Assignment")["isEnabled"],
        false
    );
    assert_eq!(
        rule("Notification_Approver_EndUser_Assignment")["ruleType"],
        "RoleManagementPolicyNotificationRule"
    );
    assert_eq!(
        rule("Enablement_EndUser_Assignment")["target"]["operations"],
        json!(["All"])
    );
    assert_eq!(rules.len(), 17);

    let policy = h.get(&format!("{policy_id}?{API}")).await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.text);
    assert_eq!(
        policy.json["type"],
        "Microsoft.Authorization/roleManagementPolicies"
    );
    assert_eq!(policy.json["properties"]["scope"], prod);
    assert_eq!(
        policy.json["properties"]["policyProperties"]["scope"]["displayName"],
        demo::SUBSCRIPTION_PRODUCTION_NAME
    );
    assert_eq!(
        policy.json["properties"]["rules"].as_array().unwrap().len(),
        17
    );

    let kv = h
        .collect(&format!(
            "{}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}&$filter=roleDefinitionId eq '{}'",
            demo::SCOPE_RG_DATA_PROD,
            role_id(demo::SCOPE_RG_DATA_PROD, demo::ROLE_KEY_VAULT_SECRETS_OFFICER)
        ))
        .await;
    assert_eq!(kv.len(), 1);
    let kv_rules = kv[0]["properties"]["effectiveRules"].as_array().unwrap();
    let context = kv_rules
        .iter()
        .find(|r| r["id"] == "AuthenticationContext_EndUser_Assignment")
        .unwrap();
    assert_eq!(
        (
            context["isEnabled"].as_bool(),
            context["claimValue"].as_str()
        ),
        (Some(true), Some("c1"))
    );

    let uaa = assignments
        .iter()
        .find(|a| role_guid_of(a) == demo::ROLE_USER_ACCESS_ADMINISTRATOR)
        .unwrap();
    let uaa_rules = uaa["properties"]["effectiveRules"].as_array().unwrap();
    let expiration = uaa_rules
        .iter()
        .find(|r| r["id"] == "Expiration_EndUser_Assignment")
        .unwrap();
    assert_eq!(expiration["maximumDuration"], "PT8H");
    let default_policy = h
        .get(&format!(
            "{}?{API}",
            uaa["properties"]["policyId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(default_policy.status, StatusCode::OK);
    assert_eq!(
        default_policy.json["properties"]["isOrganizationDefault"],
        true
    );

    let policies = h
        .collect(&format!(
            "{prod}/providers/Microsoft.Authorization/roleManagementPolicies?{API}"
        ))
        .await;
    assert_eq!(policies.len(), 7);
    let by_assignment_name = h
        .get(&format!(
            "{prod}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{}?{API}",
            owner["name"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_assignment_name.status, StatusCode::OK);
    let missing = h
        .get(&format!(
            "{prod}/providers/Microsoft.Authorization/roleManagementPolicies/{}?{API}",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn eligible_child_resources_and_display_name_lookups() {
    let h = Harness::start().await;
    let children = h
        .collect(&format!(
            "{}/providers/Microsoft.Authorization/eligibleChildResources?{API}&$filter=resourceType+eq+'resourcegroup'",
            demo::SCOPE_PRODUCTION
        ))
        .await;
    let mut names: Vec<&str> = children
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec![demo::RG_DATA_PROD, demo::RG_WEB_PROD]);
    assert!(children.iter().all(|c| c["type"] == "resourcegroup"));
    assert_eq!(
        children
            .iter()
            .find(|c| c["name"] == demo::RG_WEB_PROD)
            .unwrap()["id"],
        demo::SCOPE_RG_WEB_PROD
    );
    let subs = h
        .collect(&format!(
            "{}/providers/Microsoft.Authorization/eligibleChildResources?{API}&$filter=resourceType eq 'subscription'",
            demo::SCOPE_MANAGEMENT_GROUP
        ))
        .await;
    assert_eq!(subs.len(), 3);

    let role = h
        .get(&format!(
            "/providers/Microsoft.Authorization/roleDefinitions/{}?api-version=2022-04-01",
            demo::ROLE_MARKUP_AUDITOR
        ))
        .await;
    assert_eq!(role.status, StatusCode::OK);
    assert_eq!(
        role.json["properties"]["roleName"],
        demo::ROLE_MARKUP_AUDITOR_NAME
    );
    assert_eq!(role.json["properties"]["type"], "CustomRole");
    let scoped = h
        .get(&format!(
            "{}/providers/Microsoft.Authorization/roleDefinitions/{}?api-version=2022-04-01",
            demo::SCOPE_PRODUCTION,
            demo::ROLE_OWNER
        ))
        .await;
    assert_eq!(scoped.json["properties"]["roleName"], "Owner");
    assert_eq!(
        scoped.json["id"],
        role_id(demo::SCOPE_PRODUCTION, demo::ROLE_OWNER)
    );
    assert_eq!(
        h.get(&format!(
            "/providers/Microsoft.Authorization/roleDefinitions/{}?api-version=2020-10-01",
            demo::ROLE_OWNER
        ))
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    let sub = h
        .get(&format!(
            "/subscriptions/{}?api-version=2022-12-01",
            demo::SUBSCRIPTION_SANDBOX
        ))
        .await;
    assert_eq!(sub.json["displayName"], demo::SUBSCRIPTION_SANDBOX_NAME);
    assert_eq!(sub.json["state"], "Enabled");
    assert_eq!(sub.json["tenantId"], demo::TENANT_ID);
    assert_eq!(sub.json["id"], demo::SCOPE_SANDBOX);
    let mg = h
        .get(&format!(
            "{}?api-version=2021-04-01",
            demo::SCOPE_MANAGEMENT_GROUP
        ))
        .await;
    assert_eq!(
        mg.json["properties"]["displayName"],
        demo::MANAGEMENT_GROUP_NAME
    );
    assert_eq!(mg.json["type"], "Microsoft.Management/managementGroups");
    assert_eq!(mg.json["name"], demo::MANAGEMENT_GROUP_ID);
}

#[tokio::test]
async fn control_api_eligibilities_bulk_revoke_settings_and_reset() {
    let h = Harness::start().await;
    let added = h
        .control(
            Method::POST,
            "eligibilities",
            json!({ "role_definition_id": demo::ROLE_USER_ACCESS_ADMINISTRATOR, "scope": demo::SCOPE_RG_DEV_SHARED }),
        )
        .await;
    assert_eq!(added["properties"]["scope"], demo::SCOPE_RG_DEV_SHARED);
    assert_eq!(
        h.collect(&list_path("", ELIGIBLE, "asTarget()"))
            .await
            .len(),
        8
    );

    let bulk = h
        .control(Method::POST, "bulk-eligibilities", json!({ "count": 120 }))
        .await;
    assert_eq!(bulk["added"], 120);
    let all = h.collect(&list_path("", ELIGIBLE, "asTarget()")).await;
    assert_eq!(all.len(), 128);
    assert!(all.iter().any(|i| {
        i["properties"]["scope"]
            .as_str()
            .unwrap()
            .ends_with("/resourceGroups/rg-bulk-00120")
    }));

    h.request(
        demo::SCOPE_DEVELOPMENT,
        &activate(
            demo::SCOPE_DEVELOPMENT,
            demo::ROLE_CONTRIBUTOR,
            "PT1H",
            Some("x"),
        ),
    )
    .await;
    let revoked = h
        .control(
            Method::POST,
            "revoke",
            json!({ "principal_id": demo::DEMO_USER_OID, "role_definition_id": role_id(demo::SCOPE_DEVELOPMENT, demo::ROLE_CONTRIBUTOR), "scope": demo::SCOPE_DEVELOPMENT }),
        )
        .await;
    assert_eq!(revoked["removed"], 1);
    assert_eq!(active(&h).await.len(), 1);

    h.control(
        Method::POST,
        "settings",
        json!({ "omit_expanded_properties": true, "page_size": 500 }),
    )
    .await;
    let bare = h.get(&list_path("", ELIGIBLE, "asTarget()")).await;
    assert_eq!(bare.json["value"].as_array().unwrap().len(), 128);
    assert!(
        bare.json["value"][0]["properties"]
            .get("expandedProperties")
            .is_none()
    );
    let bad = h
        .send(
            Method::POST,
            "/_sim/settings",
            None,
            Some(&json!({ "acrs_challenge_style": "carrier-pigeon" })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let policy = h
        .control(
            Method::POST,
            "policies",
            json!({ "scope": demo::SCOPE_SANDBOX, "role_definition_id": demo::ROLE_MARKUP_AUDITOR, "require_justification": true }),
        )
        .await;
    assert_eq!(policy["rules"]["enabled_rules"], json!(["Justification"]));
    let (_, needs_reason) = h
        .request(
            demo::SCOPE_SANDBOX,
            &activate(demo::SCOPE_SANDBOX, demo::ROLE_MARKUP_AUDITOR, "PT1H", None),
        )
        .await;
    assert_eq!(
        needs_reason.message(),
        r#"The following policy rules failed: ["JustificationRule"]"#
    );

    let info = h.control(Method::POST, "reset", json!({})).await;
    assert_eq!(info["tenant_id"], demo::TENANT_ID);
    assert_eq!(info["demo_user_upn"], demo::DEMO_USER_UPN);
    assert_eq!(
        h.collect(&list_path("", ELIGIBLE, "asTarget()"))
            .await
            .len(),
        7
    );
    let still_valid = h.get(&list_path("", ELIGIBLE, "asTarget()")).await;
    assert_eq!(still_valid.status, StatusCode::OK, "tokens survive a reset");

    let unknown = h.send(Method::GET, "/_sim/nothing", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let token = h
        .control(Method::POST, "token", json!({ "acrs": ["c1"] }))
        .await;
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
}

#[tokio::test]
async fn any_well_formed_token_is_accepted_when_configured() {
    use base64::Engine;
    let h = Harness::with(SimConfig {
        accept_any_token: true,
        ..SimConfig::default()
    })
    .await;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let header = b64(&json!({ "alg": "RS256", "typ": "JWT", "kid": "abc" }));
    let claims = b64(&json!({
        "aud": "https://management.core.windows.net/",
        "oid": demo::DEMO_USER_OID,
        "exp": chrono::Utc::now().timestamp() + 600,
        "amr": ["pwd", "mfa"],
    }));
    let foreign = format!("{header}.{claims}.c2lnbmF0dXJlLWZyb20tZW50cmE");
    let reply = h
        .send(
            Method::GET,
            &list_path("", ELIGIBLE, "asTarget()"),
            Some(&foreign),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["value"].as_array().unwrap().len(), 7);

    let no_oid = format!(
        "{header}.{}.c2ln",
        b64(&json!({ "aud": "https://management.azure.com" }))
    );
    let refused = h
        .send(
            Method::GET,
            &list_path("", ELIGIBLE, "asTarget()"),
            Some(&no_oid),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_approver_reviews_through_role_assignment_approvals_as_the_spec_describes() {
    let h = Harness::start().await;
    let spec = elevate_spec::ArmSpec::load().expect("spec loads");
    const APPROVALS: &str = "/providers/Microsoft.Authorization/roleAssignmentApprovals";
    const V: &str = "api-version=2021-01-01-preview";
    let list = h
        .get(&format!("{APPROVALS}?{V}&$filter=asApprover()"))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(
        spec.validate_response("RoleAssignmentApproval_List", 200, &list.json),
        Ok(())
    );
    let approval = list.json["value"][0].clone();
    let id = approval["name"].as_str().unwrap().to_string();
    let stage = &approval["properties"]["stages"][0];
    assert_eq!(
        (
            stage["properties"]["assignedToMe"].as_bool(),
            stage["properties"]["status"].as_str()
        ),
        (Some(true), Some("InProgress"))
    );
    let stage_url = format!("{}?{V}", stage["id"].as_str().unwrap());

    let one = h.get(&format!("{APPROVALS}/{id}?{V}")).await;
    assert_eq!(
        spec.validate_response("RoleAssignmentApproval_GetById", 200, &one.json),
        Ok(())
    );
    let wrong_version = h
        .get(&format!("{APPROVALS}/{id}?api-version=2020-10-01"))
        .await;
    assert_eq!(wrong_version.code(), "InvalidApiVersionParameter");

    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        ..TokenRequest::default()
    });
    let body =
        json!({"properties": {"reviewResult": "Approve", "justification": "hotfix is urgent"}});
    assert!(
        spec.validate_request_body("RoleAssignmentApprovalStep_Patch", &body)
            .is_ok()
    );
    let own = h
        .send(Method::PATCH, &stage_url, Some(&grace), Some(&body))
        .await;
    assert_eq!(
        own.status,
        StatusCode::FORBIDDEN,
        "no self-approval: {}",
        own.text
    );
    let no_reason = h
        .send(
            Method::PATCH,
            &stage_url,
            Some(&h.token),
            Some(&json!({"properties": {"reviewResult": "Approve"}})),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let approved = h
        .send(Method::PATCH, &stage_url, Some(&h.token), Some(&body))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(
        spec.validate_response("RoleAssignmentApprovalStep_Patch", 200, &approved.json),
        Ok(())
    );
    assert_eq!(approved.json["properties"]["reviewResult"], "Approve");
    assert_eq!(
        approved.json["properties"]["reviewedBy"]["principalId"],
        demo::DEMO_USER_OID
    );
    let late = h
        .send(
            Method::PATCH,
            &stage_url,
            Some(&h.token),
            Some(&json!({"properties": {"reviewResult": "Deny", "justification": "no"}})),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "the first decision wins");

    // Grace's Owner role is active now.
    let graces = h
        .send(
            Method::GET,
            &list_path("", ACTIVE, "asTarget()"),
            Some(&grace),
            None,
        )
        .await;
    assert!(
        graces.json["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| role_guid_of(a) == demo::ROLE_OWNER),
        "{}",
        graces.text
    );
    let empty = h
        .get(&format!("{APPROVALS}?{V}&$filter=asApprover()"))
        .await;
    assert_eq!(empty.json["value"].as_array().map(Vec::len), Some(0));
}

fn permissions_path(scope: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01")
}

/// `actions` of each permission entry, sorted.
fn permission_actions(entries: &[Value]) -> Vec<String> {
    let mut actions: Vec<String> = entries.iter().map(|e| e["actions"].to_string()).collect();
    actions.sort();
    actions
}

#[tokio::test]
async fn permissions_list_what_applies_at_and_above_a_group_once_propagated() {
    let h = Harness::with(SimConfig {
        page_size: 1,
        ..SimConfig::default()
    })
    .await;
    let settings = h.control(Method::GET, "settings", Value::Null).await;
    assert_eq!(
        settings["permission_propagation_seconds"], 5,
        "a few seconds by default"
    );
    h.control(
        Method::POST,
        "settings",
        json!({ "permission_propagation_seconds": 120 }),
    )
    .await;
    let too_long = h
        .send(
            Method::POST,
            "/_sim/settings",
            None,
            Some(&json!({ "permission_propagation_seconds": 86_401 })),
        )
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);

    let web = permissions_path(demo::SCOPE_RG_WEB_PROD);
    let nothing = h.get(&web).await;
    assert_eq!(nothing.status, StatusCode::OK, "{}", nothing.text);
    assert_eq!(nothing.json, json!({ "value": [] }));

    // Contributor at rg-web-prod (through the group) and Reader at the management group above it.
    let (_, contributor) = h
        .request(
            demo::SCOPE_RG_WEB_PROD,
            &activate(
                demo::SCOPE_RG_WEB_PROD,
                demo::ROLE_CONTRIBUTOR,
                "PT4H",
                Some("x"),
            ),
        )
        .await;
    assert_eq!(
        contributor.json["properties"]["status"], "Provisioned",
        "{}",
        contributor.text
    );
    let (_, reader) = h
        .request(
            demo::SCOPE_MANAGEMENT_GROUP,
            &activate(
                demo::SCOPE_MANAGEMENT_GROUP,
                demo::ROLE_READER,
                "PT1H",
                None,
            ),
        )
        .await;
    assert_eq!(
        reader.json["properties"]["status"], "Provisioned",
        "{}",
        reader.text
    );
    assert!(
        h.collect(&web).await.is_empty(),
        "listed as active, not yet applied"
    );
    h.advance("PT1M").await;
    assert!(h.collect(&web).await.is_empty());
    h.advance("PT1M1S").await;

    let first = h.get(&web).await;
    assert_eq!(
        first.json["value"].as_array().unwrap().len(),
        1,
        "one entry per page"
    );
    let next = first.json["nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!(
            "{}{}/providers/Microsoft.Authorization/permissions?",
            h.sim.url(),
            demo::SCOPE_RG_WEB_PROD
        )),
        "{next}"
    );
    assert!(next.contains("api-version=2022-04-01") && next.contains("$skiptoken="));
    let entries = h.collect(&web).await;
    assert_eq!(permission_actions(&entries), [r#"["*"]"#, r#"["*/read"]"#]);
    let contributor = entries
        .iter()
        .find(|e| e["actions"] == json!(["*"]))
        .unwrap();
    assert_eq!(
        contributor["notActions"],
        json!([
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action"
        ])
    );
    assert_eq!(contributor["dataActions"], json!([]));
    assert_eq!(contributor["notDataActions"], json!([]));

    // The same below the group, case-insensitively; only what lies above elsewhere.
    let site = permissions_path(&format!(
        "{}/providers/Microsoft.Web/sites/shop",
        demo::SCOPE_RG_WEB_PROD
    ));
    assert_eq!(
        permission_actions(&h.collect(&site).await),
        [r#"["*"]"#, r#"["*/read"]"#]
    );
    let shouting = format!(
        "{}/PROVIDERS/microsoft.authorization/PERMISSIONS?api-version=2022-04-01",
        demo::SCOPE_RG_WEB_PROD.to_uppercase()
    );
    assert_eq!(
        permission_actions(&h.collect(&shouting).await),
        [r#"["*"]"#, r#"["*/read"]"#]
    );
    assert_eq!(
        permission_actions(&h.collect(&permissions_path(demo::SCOPE_RG_DATA_PROD)).await),
        [r#"["*/read"]"#]
    );
    // Someone else's permissions are their own.
    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        ..TokenRequest::default()
    });
    let theirs = h.send(Method::GET, &web, Some(&grace), None).await;
    assert_eq!(theirs.json, json!({ "value": [] }), "{}", theirs.text);

    // Instant propagation.
    h.control(
        Method::POST,
        "settings",
        json!({ "permission_propagation_seconds": 0 }),
    )
    .await;
    h.request(
        demo::SCOPE_RG_DEV_SHARED,
        &activate(
            demo::SCOPE_RG_DEV_SHARED,
            demo::ROLE_CONTRIBUTOR,
            "PT2H",
            Some("x"),
        ),
    )
    .await;
    assert_eq!(
        permission_actions(
            &h.collect(&permissions_path(demo::SCOPE_RG_DEV_SHARED))
                .await
        ),
        [r#"["*"]"#, r#"["*/read"]"#]
    );

    // Only at a resource group or resource, as documented; ARM's errors otherwise.
    let unknown = h
        .get(&permissions_path(&format!(
            "/subscriptions/{}/resourceGroups/rg-nowhere",
            demo::SUBSCRIPTION_PRODUCTION
        )))
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "ResourceGroupNotFound")
    );
    for scope in [demo::SCOPE_PRODUCTION, demo::SCOPE_MANAGEMENT_GROUP, ""] {
        let reply = h.get(&permissions_path(scope)).await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::NOT_FOUND, "NotFound"),
            "{scope}"
        );
    }
    let named = h
        .get(&format!(
            "{}/providers/Microsoft.Authorization/permissions/x?api-version=2022-04-01",
            demo::SCOPE_RG_WEB_PROD
        ))
        .await;
    assert_eq!(named.status, StatusCode::NOT_FOUND);
    let old = h.get(&web.replace("2022-04-01", "2020-10-01")).await;
    assert_eq!(
        (old.status, old.code()),
        (StatusCode::BAD_REQUEST, "InvalidApiVersionParameter")
    );
    let post = h.post(&web, &json!({})).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    let anonymous = h.send(Method::GET, &web, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // Ended assignments grant nothing.
    h.advance("PT5H").await;
    assert!(h.collect(&web).await.is_empty());
}

#[tokio::test]
async fn a_decision_through_the_control_api_is_recorded_in_the_stage_and_an_admin_removal_is_listed_for_the_target()
 {
    let h = Harness::start().await;
    // Approved: by default the policy's first approver who is not the requester (Grace for Ada).
    let (name, reply) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let approval = reply.json["properties"]["approvalId"]
        .as_str()
        .unwrap()
        .to_string();
    let approval_url = format!("{approval}?api-version=2021-01-01-preview");
    h.control(
        Method::POST,
        &format!("requests/{name}/approve"),
        json!({ "justification": "CHG42 approved" }),
    )
    .await;
    // The requester reads their own approval (the spec lists approvals asCreatedBy()/asTarget()).
    let read = h.get(&approval_url).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let stage = &read.json["properties"]["stages"][0]["properties"];
    assert_eq!(stage["reviewResult"], "Approve");
    assert_eq!(stage["status"], "Completed");
    assert_eq!(stage["justification"], "CHG42 approved");
    assert_eq!(stage["reviewedBy"]["principalId"], demo::SECOND_USER_OID);
    assert_eq!(stage["reviewedBy"]["principalName"], demo::SECOND_USER_NAME);
    assert_eq!(
        stage["reviewedBy"]["userPrincipalName"],
        demo::SECOND_USER_UPN
    );
    assert!(stage["reviewedDateTime"].is_string(), "{stage}");
    // Someone who is neither approver nor requester may not read it.
    let stranger = h.token_with(TokenRequest {
        oid: Some(demo::GUEST_USER_OID.into()),
        ..TokenRequest::default()
    });
    let refused = h
        .send(Method::GET, &approval_url, Some(&stranger), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    // A reviewer named by UPN; an unknown one is refused and decides nothing.
    h.control(Method::POST, "clock", json!({ "advance": "PT2H" }))
        .await;
    let (name, _) = h.request(demo::SCOPE_PRODUCTION, &owner_body("PT1H")).await;
    let unknown = h
        .send(
            Method::POST,
            &format!("/_sim/requests/{name}/deny"),
            None,
            Some(&json!({ "reviewer": "nobody@contoso.example" })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    let denied = h
        .control(
            Method::POST,
            &format!("requests/{name}/deny"),
            json!({ "justification": "no ticket", "reviewer": demo::SECOND_USER_UPN }),
        )
        .await;
    assert_eq!(denied["properties"]["status"], "Denied");
    let approval = denied["properties"]["approvalId"]
        .as_str()
        .unwrap()
        .to_string();
    let stage = h
        .get(&format!("{approval}?api-version=2021-01-01-preview"))
        .await
        .json["properties"]["stages"][0]["properties"]
        .clone();
    assert_eq!(
        (
            stage["reviewResult"].as_str(),
            stage["justification"].as_str()
        ),
        (Some("Deny"), Some("no ticket"))
    );

    // An administrator's removal through PIM is an AdminRemove request made for the user.
    let (_, on) = h
        .request(
            demo::SCOPE_DEVELOPMENT,
            &activate(
                demo::SCOPE_DEVELOPMENT,
                demo::ROLE_CONTRIBUTOR,
                "PT1H",
                Some("work"),
            ),
        )
        .await;
    assert_eq!(on.status, StatusCode::CREATED, "{}", on.text);
    h.control(
        Method::POST,
        "revoke",
        json!({ "role_definition_id": demo::ROLE_CONTRIBUTOR, "scope": demo::SCOPE_DEVELOPMENT, "requestor_id": demo::SECOND_USER_OID, "justification": "access review" }),
    )
    .await;
    let for_me = h
        .collect(&list_path(
            demo::SCOPE_DEVELOPMENT,
            "roleAssignmentScheduleRequests",
            "asTarget()",
        ))
        .await;
    let removal = for_me
        .iter()
        .find(|r| r["properties"]["requestType"] == "AdminRemove")
        .unwrap_or_else(|| panic!("{for_me:?}"));
    assert_eq!(removal["properties"]["requestorId"], demo::SECOND_USER_OID);
    assert_eq!(removal["properties"]["principalId"], demo::DEMO_USER_OID);
    assert_eq!(removal["properties"]["justification"], "access review");
    assert_eq!(removal["properties"]["status"], "Revoked");
    assert!(
        removal["properties"]["roleDefinitionId"]
            .as_str()
            .unwrap()
            .ends_with(demo::ROLE_CONTRIBUTOR)
    );
    // Not the user's own request: asRequestor() does not list it.
    let mine = h
        .collect(&list_path(
            "",
            "roleAssignmentScheduleRequests",
            "asRequestor()",
        ))
        .await;
    assert!(
        mine.iter()
            .all(|r| r["properties"]["requestType"] != "AdminRemove"),
        "{mine:?}"
    );
}
