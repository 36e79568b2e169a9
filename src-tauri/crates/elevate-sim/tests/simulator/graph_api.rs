//! The Graph half over real HTTP: shapes held against Microsoft's Graph documentation examples,
//! Microsoft's example request bodies accepted, Graph's error envelope, paging, policies, and a
//! PIM group whose membership carries an Azure role.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use elevate_sim::{SimConfig, TokenRequest, demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const DIR: &str = "/v1.0/roleManagement/directory";
const GROUPS: &str = "/v1.0/identityGovernance/privilegedAccess/group";
const MINE: &str = "filterByCurrentUser(on='principal')";

fn graph_token(h: &Harness, acrs: &[&str]) -> String {
    h.token_with(TokenRequest {
        audience: "https://graph.microsoft.com".into(),
        acrs: acrs.iter().map(|a| (*a).to_string()).collect(),
        amr: vec!["pwd".into(), "mfa".into()],
        ..TokenRequest::default()
    })
}

async fn gget(h: &Harness, path: &str) -> Reply {
    h.send(Method::GET, path, Some(&graph_token(h, &[])), None)
        .await
}

async fn gpost(h: &Harness, path: &str, body: &Value) -> Reply {
    h.send(Method::POST, path, Some(&graph_token(h, &[])), Some(body))
        .await
}

/// Every member of Microsoft's `example` is in `actual` with a compatible JSON type (null on
/// either side is accepted: the example shows one state of an optional member). Arrays are
/// compared item by item against the example's first item; policy rules by `id`.
fn same_members(example: &Value, actual: &Value, path: &str, problems: &mut Vec<String>) {
    match (example, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                // Annotations other than a type name are per response. (The group example carries
                // its context URL under `@odata.type`, a slip in Microsoft's page.)
                if key.starts_with("@odata.")
                    && !(key == "@odata.type" && value.as_str().is_some_and(|t| t.starts_with('#')))
                {
                    continue;
                }
                match a.get(key) {
                    None => problems.push(format!("{path}.{key} missing")),
                    Some(actual) => same_members(value, actual, &format!("{path}.{key}"), problems),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if path.ends_with(".rules") {
                for rule in e {
                    match a.iter().find(|r| r["id"] == rule["id"]) {
                        Some(found) => {
                            same_members(rule, found, &format!("{path}[{}]", rule["id"]), problems)
                        }
                        None => problems.push(format!("{path}: rule {} missing", rule["id"])),
                    }
                }
            } else if let Some(first) = e.first() {
                for (i, item) in a.iter().enumerate() {
                    same_members(first, item, &format!("{path}[{i}]"), problems);
                }
            }
        }
        (e, a) => {
            let kind = |v: &Value| std::mem::discriminant(v);
            if kind(e) != kind(a) {
                problems.push(format!("{path}: example has {e}, simulator sent {a}"));
            }
        }
    }
}

fn check(example_file: &str, actual: &Value, problems: &mut Vec<String>) {
    let example = elevate_spec::fixture_json(example_file).expect("fixture");
    same_members(&example, actual, example_file, problems);
}

fn ada_activation(mut example: Value) -> Value {
    example["principalId"] = json!(demo::DEMO_USER_OID);
    example["scheduleInfo"]["startDateTime"] = Value::Null;
    example
}

#[tokio::test]
async fn responses_have_the_members_of_microsofts_examples_and_accept_its_request_bodies() {
    let h = Harness::start().await;
    let mut problems = Vec::new();

    let eligible = gget(
        &h,
        &format!("{DIR}/roleEligibilityScheduleInstances/{MINE}"),
    )
    .await;
    assert_eq!(eligible.status, StatusCode::OK, "{}", eligible.text);
    check(
        "graph/directory/roleEligibilityScheduleInstances.filterByCurrentUser.response.200.json",
        &eligible.json,
        &mut problems,
    );

    // Microsoft's example bodies, as documented (PascalCase `AfterDuration` and all), for Ada.
    let mut directory = ada_activation(
        elevate_spec::fixture_json("graph/directory/selfActivate.request.json").unwrap(),
    );
    directory["roleDefinitionId"] = json!(demo::ENTRA_GLOBAL_READER);
    directory["scheduleInfo"]["expiration"]["duration"] = json!("PT2H");
    let created = gpost(
        &h,
        &format!("{DIR}/roleAssignmentScheduleRequests"),
        &directory,
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.json["scheduleInfo"]["expiration"]["type"], "afterDuration",
        "Graph answers in lower camel case"
    );
    check(
        "graph/directory/selfActivate.response.201.json",
        &created.json,
        &mut problems,
    );

    let mut group = ada_activation(
        elevate_spec::fixture_json("graph/groups/selfActivate.member.request.json").unwrap(),
    );
    group["groupId"] = json!(demo::PIM_GROUP_PROD_OPERATORS);
    let created = gpost(&h, &format!("{GROUPS}/assignmentScheduleRequests"), &group).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.json["targetScheduleId"].as_str().unwrap(),
        format!(
            "{}_member_{}",
            demo::PIM_GROUP_PROD_OPERATORS,
            created.json["id"].as_str().unwrap()
        )
    );
    check(
        "graph/groups/selfActivate.member.response.201.json",
        &created.json,
        &mut problems,
    );

    let filter = format!(
        "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{}'",
        demo::ENTRA_USER_ADMINISTRATOR
    );
    let url = format!(
        "/v1.0/policies/roleManagementPolicyAssignments?$filter={}&$expand=policy($expand=rules)",
        urlencode(&filter)
    );
    let policies = gget(&h, &url).await;
    assert_eq!(policies.status, StatusCode::OK, "{}", policies.text);
    assert_eq!(
        policies.json["value"].as_array().map(Vec::len),
        Some(1),
        "{}",
        policies.text
    );
    check(
        "graph/policies/roleManagementPolicyAssignments.directoryRole.expandPolicyRules.response.200.json",
        &policies.json,
        &mut problems,
    );

    let filter = format!(
        "scopeId eq '{}' and scopeType eq 'Group'",
        demo::PIM_GROUP_SECURITY_ADMINS
    );
    let groups = gget(
        &h,
        &format!(
            "/v1.0/policies/roleManagementPolicyAssignments?$filter={}",
            urlencode(&filter)
        ),
    )
    .await;
    assert_eq!(
        groups.json["value"].as_array().map(Vec::len),
        Some(2),
        "member and owner: {}",
        groups.text
    );
    check(
        "graph/policies/roleManagementPolicyAssignments.group.response.200.json",
        &groups.json,
        &mut problems,
    );

    assert!(problems.is_empty(), "{problems:#?}");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn errors_come_in_graphs_envelope_with_its_headers() {
    let h = Harness::start().await;
    // An ARM token is for the wrong audience.
    let wrong = h
        .send(
            Method::GET,
            &format!("{DIR}/roleEligibilityScheduleInstances/{MINE}"),
            Some(&h.token),
            None,
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.code()),
        (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken")
    );
    let inner = &wrong.json["error"]["innerError"];
    assert_eq!(
        inner["request-id"].as_str(),
        wrong.header("request-id"),
        "{}",
        wrong.text
    );
    assert!(inner["date"].is_string());
    assert!(
        wrong
            .header("www-authenticate")
            .is_some_and(|w| w.starts_with("Bearer "))
    );

    let unknown = gget(&h, "/v1.0/roleManagement/directory/nothingHere").await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::BAD_REQUEST, "BadRequest")
    );
    let no_filter = gget(&h, "/v1.0/policies/roleManagementPolicyAssignments").await;
    assert_eq!(
        no_filter.status,
        StatusCode::BAD_REQUEST,
        "the $filter is required: {}",
        no_filter.text
    );
    let bad_expand = gget(
        &h,
        &format!("{DIR}/roleEligibilityScheduleInstances/{MINE}?$expand=nonsense"),
    )
    .await;
    assert_eq!(bad_expand.status, StatusCode::BAD_REQUEST);
    let bad_body = h
        .client
        .post(format!(
            "{}{DIR}/roleAssignmentScheduleRequests",
            h.sim.url()
        ))
        .bearer_auth(graph_token(&h, &[]))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_body.status(), StatusCode::BAD_REQUEST);

    let someone_else = json!({"action": "selfActivate", "principalId": demo::SECOND_USER_OID, "roleDefinitionId": demo::ENTRA_GLOBAL_READER, "directoryScopeId": "/",
        "justification": "x", "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "PT1H"}}});
    let denied = gpost(
        &h,
        &format!("{DIR}/roleAssignmentScheduleRequests"),
        &someone_else,
    )
    .await;
    assert_eq!(
        (denied.status, denied.code()),
        (StatusCode::FORBIDDEN, "Authorization_RequestDenied")
    );

    let ok = gget(
        &h,
        &format!("{DIR}/roleEligibilityScheduleInstances/{MINE}"),
    )
    .await;
    assert!(
        ok.header("content-type")
            .is_some_and(|c| c.starts_with("application/json;odata.metadata=minimal"))
    );
    assert!(ok.header("request-id").is_some() && ok.header("client-request-id").is_some());
    assert!(ok.json["@odata.context"].as_str().is_some_and(|c| {
        c.ends_with("$metadata#Collection(unifiedRoleEligibilityScheduleInstance)")
    }));
}

#[tokio::test]
async fn lists_page_with_odata_next_link_and_keep_expand() {
    let h = Harness::with(SimConfig {
        page_size: 2,
        ..SimConfig::default()
    })
    .await;
    let mut next = Some(format!(
        "{DIR}/roleEligibilityScheduleInstances/{MINE}?$expand=roleDefinition,directoryScope"
    ));
    let (mut items, mut pages) = (Vec::new(), 0);
    while let Some(link) = next {
        pages += 1;
        let reply = gget(&h, &link).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        items.extend(reply.json["value"].as_array().cloned().unwrap_or_default());
        next = reply.json["@odata.nextLink"].as_str().map(str::to_string);
        assert!(
            next.as_deref()
                .is_none_or(|n| n.starts_with("http://127.0.0.1") && n.contains("expand")),
            "{next:?}"
        );
    }
    assert_eq!((items.len(), pages), (4, 2));
    let names: Vec<&str> = items
        .iter()
        .filter_map(|i| i["roleDefinition"]["displayName"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Global Reader",
            "User Administrator",
            "Security Administrator",
            "Exchange Administrator"
        ]
    );
    let exchange = &items[3];
    assert_eq!(exchange["directoryScopeId"], demo::SCOPE_ADMIN_UNIT_EMEA);
    assert_eq!(
        exchange["directoryScope"]["displayName"],
        demo::ADMIN_UNIT_EMEA_NAME
    );

    let top = gget(
        &h,
        &format!("{GROUPS}/eligibilityScheduleInstances/{MINE}?$top=3&$expand=group"),
    )
    .await;
    assert_eq!(top.json["value"].as_array().map(Vec::len), Some(3));
    assert!(top.json["@odata.nextLink"].is_null());
    assert_eq!(
        top.json["value"][0]["group"]["displayName"],
        demo::PIM_GROUP_PROD_OPERATORS_NAME
    );
    let filtered = gget(
        &h,
        &format!(
            "{GROUPS}/eligibilityScheduleInstances/{MINE}?$filter={}",
            urlencode("accessId eq 'owner'")
        ),
    )
    .await;
    assert_eq!(
        filtered.json["value"].as_array().map(Vec::len),
        Some(1),
        "{}",
        filtered.text
    );
}

async fn dir_post(h: &Harness, body: Value) -> Reply {
    gpost(h, &format!("{DIR}/roleAssignmentScheduleRequests"), &body).await
}

async fn arm_group_grants(h: &Harness) -> usize {
    h.collect(&list_path(
        "",
        "roleAssignmentScheduleInstances",
        "asTarget()",
    ))
    .await
    .into_iter()
    .filter(|a| {
        a["properties"]["principalId"] == demo::PIM_GROUP_PROD_OPERATORS
            && a["properties"]["scope"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(demo::SCOPE_PRODUCTION))
    })
    .count()
}

fn activation(role: &str, scope: &str, duration: &str) -> Value {
    json!({"action": "SelfActivate", "principalId": demo::DEMO_USER_OID, "roleDefinitionId": role, "directoryScopeId": scope,
        "justification": "test", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": duration}}})
}

#[tokio::test]
async fn policies_are_enforced_and_approvals_decided_through_the_control_api() {
    let h = Harness::start().await;
    let too_long = dir_post(&h, activation(demo::ENTRA_GLOBAL_READER, "/", "PT9H")).await;
    assert_eq!(
        too_long.code(),
        "RoleAssignmentRequestPolicyValidationFailed"
    );
    assert!(too_long.message().contains("ExpirationRule"));
    let no_ticket = dir_post(
        &h,
        activation(
            demo::ENTRA_EXCHANGE_ADMINISTRATOR,
            demo::SCOPE_ADMIN_UNIT_EMEA,
            "PT1H",
        ),
    )
    .await;
    assert!(
        no_ticket.message().contains("TicketingRule"),
        "{}",
        no_ticket.text
    );
    let not_eligible = dir_post(
        &h,
        activation(demo::ENTRA_EXCHANGE_ADMINISTRATOR, "/", "PT1H"),
    )
    .await;
    assert!(
        not_eligible.message().contains("EligibilityRule"),
        "eligible only in the AU: {}",
        not_eligible.text
    );

    let acrs = dir_post(
        &h,
        activation(demo::ENTRA_SECURITY_ADMINISTRATOR, "/", "PT1H"),
    )
    .await;
    assert_eq!(acrs.code(), "RoleAssignmentRequestAcrsValidationFailed");
    assert!(
        acrs.message().starts_with("&claims=%7B%22access_token%22"),
        "{}",
        acrs.text
    );
    let with_context = h
        .send(
            Method::POST,
            &format!("{DIR}/roleAssignmentScheduleRequests"),
            Some(&graph_token(&h, &["c1"])),
            Some(&activation(demo::ENTRA_SECURITY_ADMINISTRATOR, "/", "PT1H")),
        )
        .await;
    assert_eq!(
        with_context.status,
        StatusCode::CREATED,
        "{}",
        with_context.text
    );

    let pending = dir_post(&h, activation(demo::ENTRA_USER_ADMINISTRATOR, "/", "PT1H")).await;
    assert_eq!(
        pending.json["status"], "PendingApproval",
        "{}",
        pending.text
    );
    let id = pending.json["id"].as_str().unwrap().to_string();
    assert_eq!(pending.json["approvalId"].as_str(), Some(id.as_str()));
    let again = dir_post(&h, activation(demo::ENTRA_USER_ADMINISTRATOR, "/", "PT1H")).await;
    assert_eq!(again.code(), "RoleAssignmentRequestExists");

    // Grace, the approver, sees it; Ada does not.
    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        audience: "https://graph.microsoft.com".into(),
        ..TokenRequest::default()
    });
    let approver_view = h
        .send(
            Method::GET,
            &format!("{DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')"),
            Some(&grace),
            None,
        )
        .await;
    assert_eq!(
        approver_view.json["value"].as_array().map(Vec::len),
        Some(1),
        "{}",
        approver_view.text
    );
    let ada_view = gget(
        &h,
        &format!("{DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')"),
    )
    .await;
    let principals: Vec<&str> = ada_view.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["principalId"].as_str())
        .collect();
    assert_eq!(
        principals,
        [demo::SECOND_USER_OID],
        "Ada approves Grace's request, never her own"
    );

    let decided = h
        .control(
            Method::POST,
            &format!("requests/{id}/approve"),
            json!({"justification": "fine"}),
        )
        .await;
    assert_eq!(decided["status"], "Provisioned");
    let conflict = h
        .send(
            Method::POST,
            &format!("/_sim/requests/{id}/deny"),
            None,
            Some(&json!({})),
        )
        .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    let active = gget(&h, &format!("{DIR}/roleAssignmentScheduleInstances/{MINE}")).await;
    let roles: Vec<&str> = active.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["roleDefinitionId"].as_str())
        .collect();
    assert!(
        roles.contains(&demo::ENTRA_USER_ADMINISTRATOR)
            && roles.contains(&demo::ENTRA_DIRECTORY_READERS),
        "{roles:?}"
    );

    // Cancel answers 204, and only while pending.
    let owner = json!({"action": "selfActivate", "principalId": demo::DEMO_USER_OID, "groupId": demo::PIM_GROUP_SECURITY_ADMINS, "accessId": "Owner",
        "justification": "review", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT1H"}}});
    let pending = gpost(&h, &format!("{GROUPS}/assignmentScheduleRequests"), &owner).await;
    assert_eq!(
        pending.json["status"], "PendingApproval",
        "{}",
        pending.text
    );
    let cancel = format!(
        "{GROUPS}/assignmentScheduleRequests/{}/cancel",
        pending.json["id"].as_str().unwrap()
    );
    assert_eq!(
        gpost(&h, &cancel, &json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        gpost(&h, &cancel, &json!({})).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn an_active_group_membership_carries_the_groups_azure_role_until_it_ends() {
    let h = Harness::start().await;
    assert_eq!(arm_group_grants(&h).await, 0, "not a member yet");
    let member = json!({"action": "selfActivate", "principalId": demo::DEMO_USER_OID, "groupId": demo::PIM_GROUP_PROD_OPERATORS, "accessId": "member",
        "justification": "deploy", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT1H"}}});
    let created = gpost(&h, &format!("{GROUPS}/assignmentScheduleRequests"), &member).await;
    assert_eq!(created.json["status"], "Provisioned", "{}", created.text);
    assert_eq!(
        arm_group_grants(&h).await,
        1,
        "the group's Contributor role applies to Ada"
    );
    let groups = gget(&h, &format!("{GROUPS}/assignmentScheduleInstances/{MINE}")).await;
    assert_eq!(
        groups.json["value"][0]["assignmentType"], "Activated",
        "{}",
        groups.text
    );
    h.advance("PT61M").await;
    assert_eq!(
        arm_group_grants(&h).await,
        0,
        "gone when the membership ended"
    );
    assert_eq!(
        gget(&h, &format!("{GROUPS}/assignmentScheduleInstances/{MINE}"))
            .await
            .json["value"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[tokio::test]
async fn the_graph_half_survives_a_restart_from_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim.json");
    let config = || SimConfig {
        state_file: Some(file.clone()),
        ..SimConfig::default()
    };
    let h = Harness::with(config()).await;
    let created = gpost(
        &h,
        &format!("{DIR}/roleAssignmentScheduleRequests"),
        &activation(demo::ENTRA_GLOBAL_READER, "/", "PT1H"),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    h.sim.shutdown().await;
    let h = Harness::with(config()).await;
    let active = gget(&h, &format!("{DIR}/roleAssignmentScheduleInstances/{MINE}")).await;
    let roles: Vec<&str> = active.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["roleDefinitionId"].as_str())
        .collect();
    assert!(roles.contains(&demo::ENTRA_GLOBAL_READER), "{roles:?}");
}

#[tokio::test]
async fn an_administrator_revoke_ends_entra_and_group_grants() {
    let h = Harness::start().await;
    let member = json!({"action": "selfActivate", "principalId": demo::DEMO_USER_OID, "groupId": demo::PIM_GROUP_PROD_OPERATORS, "accessId": "member",
        "justification": "deploy", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT1H"}}});
    assert_eq!(
        gpost(&h, &format!("{GROUPS}/assignmentScheduleRequests"), &member)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        dir_post(&h, activation(demo::ENTRA_GLOBAL_READER, "/", "PT1H"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(arm_group_grants(&h).await, 1);

    let removed = h
        .control(
            Method::POST,
            "revoke",
            json!({"group_id": demo::PIM_GROUP_PROD_OPERATORS}),
        )
        .await;
    assert_eq!(removed["removed"], 1);
    assert_eq!(
        arm_group_grants(&h).await,
        0,
        "the group's Azure role went with the membership"
    );
    h.control(
        Method::POST,
        "revoke",
        json!({"directory_role_id": demo::ENTRA_GLOBAL_READER}),
    )
    .await;
    let active = gget(&h, &format!("{DIR}/roleAssignmentScheduleInstances/{MINE}")).await;
    let roles: Vec<&str> = active.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["roleDefinitionId"].as_str())
        .collect();
    assert_eq!(roles, [demo::ENTRA_DIRECTORY_READERS]);
    let again = h
        .send(
            Method::POST,
            "/_sim/revoke",
            None,
            Some(&json!({"directory_role_id": demo::ENTRA_GLOBAL_READER})),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_approver_decides_through_the_approval_stage_and_the_first_decision_wins() {
    let h = Harness::start().await;
    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        audience: "https://graph.microsoft.com".into(),
        ..TokenRequest::default()
    });
    let waiting = gget(&h, &format!("{GROUPS}/assignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=status%20eq%20'PendingApproval'&$expand=principal")).await;
    let request = waiting.json["value"]
        .as_array()
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_else(|| panic!("{}", waiting.text));
    assert_eq!(request["principal"]["displayName"], demo::SECOND_USER_NAME);
    let approval = request["approvalId"].as_str().unwrap().to_string();

    let url = format!("{GROUPS}/assignmentApprovals/{approval}");
    let read = gget(&h, &url).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    let stage = &read.json["stages"][0];
    assert_eq!(
        (stage["assignedToMe"].as_bool(), stage["status"].as_str()),
        (Some(true), Some("InProgress"))
    );
    let stage_url = format!("{url}/stages/{}", stage["id"].as_str().unwrap());

    let no_reason = h
        .send(
            Method::PATCH,
            &stage_url,
            Some(&graph_token(&h, &[])),
            Some(&json!({"reviewResult": "Approve"})),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let by_requester = h
        .send(
            Method::PATCH,
            &stage_url,
            Some(&grace),
            Some(&json!({"reviewResult": "Approve", "justification": "me"})),
        )
        .await;
    assert_eq!(
        by_requester.status,
        StatusCode::FORBIDDEN,
        "no self-approval"
    );
    let deny = h
        .send(
            Method::PATCH,
            &stage_url,
            Some(&graph_token(&h, &[])),
            Some(&json!({"reviewResult": "Deny", "justification": "not this week"})),
        )
        .await;
    assert_eq!(deny.status, StatusCode::NO_CONTENT, "{}", deny.text);
    let late = h
        .send(
            Method::PATCH,
            &stage_url,
            Some(&graph_token(&h, &[])),
            Some(&json!({"reviewResult": "Approve", "justification": "changed my mind"})),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);

    let after = gget(&h, &url).await;
    assert_eq!(after.json["stages"][0]["reviewResult"], "Deny");
    assert_eq!(after.json["stages"][0]["justification"], "not this week");
    assert_eq!(
        after.json["stages"][0]["reviewedBy"]["id"],
        demo::DEMO_USER_OID
    );
    let graces = h
        .send(
            Method::GET,
            &format!(
                "{GROUPS}/assignmentScheduleRequests/{}",
                request["id"].as_str().unwrap()
            ),
            Some(&grace),
            None,
        )
        .await;
    assert_eq!(graces.json["status"], "Denied");

    // Entra roles: beta `roleAssignmentApprovals` with `steps`; approval grants the role to Grace.
    let waiting = gget(
        &h,
        &format!("{DIR}/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')"),
    )
    .await;
    let approval = waiting.json["value"][0]["approvalId"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("/beta/roleManagement/directory/roleAssignmentApprovals/{approval}");
    let read = gget(&h, &url).await;
    let step = read.json["steps"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", read.text))
        .to_string();
    let ok = h
        .send(
            Method::PATCH,
            &format!("{url}/steps/{step}"),
            Some(&graph_token(&h, &[])),
            Some(&json!({"reviewResult": "Approve", "justification": "planned"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
    let active = h
        .send(
            Method::GET,
            &format!("{DIR}/roleAssignmentScheduleInstances/{MINE}"),
            Some(&grace),
            None,
        )
        .await;
    assert!(
        active.text.contains(demo::ENTRA_USER_ADMINISTRATOR),
        "{}",
        active.text
    );
}

#[tokio::test]
async fn self_extend_and_self_renew_are_refused_as_graph_refuses_them() {
    let h = Harness::start().await;
    // Groups: the actions are not in privilegedAccessGroupAssignmentScheduleRequest's enum.
    for action in ["selfExtend", "SelfRenew"] {
        let member = json!({"action": action, "principalId": demo::DEMO_USER_OID, "groupId": demo::PIM_GROUP_PROD_OPERATORS, "accessId": "member",
            "justification": "more", "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT1H"}}});
        let refused = gpost(&h, &format!("{GROUPS}/assignmentScheduleRequests"), &member).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::BAD_REQUEST, "BadRequest"),
            "{}",
            refused.text
        );
        assert!(
            refused
                .message()
                .contains("is not valid for the property 'action'"),
            "{}",
            refused.text
        );
    }
    // Entra roles: not for an activation.
    let on = dir_post(&h, activation(demo::ENTRA_GLOBAL_READER, "/", "PT1H")).await;
    assert_eq!(on.status, StatusCode::CREATED, "{}", on.text);
    let mut extend = activation(demo::ENTRA_GLOBAL_READER, "/", "PT2H");
    extend["action"] = json!("selfExtend");
    let refused = dir_post(&h, extend).await;
    assert_eq!(
        refused.code(),
        "RoleAssignmentDoesNotExist",
        "{}",
        refused.text
    );
    // Activating what is active, and deactivating in the first five minutes.
    let again = dir_post(&h, activation(demo::ENTRA_GLOBAL_READER, "/", "PT1H")).await;
    assert_eq!(again.code(), "RoleAssignmentExists", "{}", again.text);
    let off = json!({"action": "selfDeactivate", "principalId": demo::DEMO_USER_OID, "roleDefinitionId": demo::ENTRA_GLOBAL_READER, "directoryScopeId": "/"});
    let early = dir_post(&h, off).await;
    assert_eq!(early.code(), "ActiveDurationTooShort", "{}", early.text);

    // A time-bound assignment ending within 14 days: the request waits for an administrator.
    let info = h.control(Method::GET, "info", json!(null)).await;
    let now = chrono::DateTime::parse_from_rfc3339(info["now"].as_str().unwrap()).unwrap();
    let end = (now + chrono::Duration::days(7)).to_rfc3339();
    h.control(
        Method::POST,
        "assignments",
        json!({"directory_role_id": demo::ENTRA_EXCHANGE_ADMINISTRATOR, "end": end}),
    )
    .await;
    let mut ask = activation(demo::ENTRA_EXCHANGE_ADMINISTRATOR, "/", "P180D");
    ask["action"] = json!("selfExtend");
    let asked = dir_post(&h, ask.clone()).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    assert_eq!(
        asked.json["status"], "PendingAdminDecision",
        "{}",
        asked.text
    );
    assert_eq!(
        dir_post(&h, ask).await.code(),
        "RoleAssignmentRequestExists"
    );
    let id = asked.json["id"].as_str().unwrap().to_string();
    let decided = h
        .control(Method::POST, &format!("requests/{id}/approve"), json!({}))
        .await;
    assert_eq!(decided["status"], "Provisioned", "{decided}");
}

async fn stored_requests(h: &Harness) -> usize {
    h.control(Method::GET, "requests", Value::Null)
        .await
        .as_array()
        .map_or(0, Vec::len)
}

/// `isValidationOnly: true` runs the POST's checks and stores nothing, for Entra roles and for PIM
/// for Groups alike (`privilegedAccessScheduleRequest` documents the property): the same refusals,
/// `PendingEvaluation` where approval would be needed, no request, grant or group membership after.
#[tokio::test]
async fn validation_only_checks_like_the_post_and_stores_nothing() {
    let h = Harness::start().await;
    let before = stored_requests(&h).await;
    let mut reader = activation(demo::ENTRA_GLOBAL_READER, "/", "PT1H");
    reader["isValidationOnly"] = json!(true);
    let ok = dir_post(&h, reader).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    assert_eq!(ok.json["isValidationOnly"], true);
    assert_eq!(ok.json["status"], "Provisioned");
    let id = ok.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        gget(&h, &format!("{DIR}/roleAssignmentScheduleRequests/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let active = gget(&h, &format!("{DIR}/roleAssignmentScheduleInstances/{MINE}")).await;
    assert!(
        !active.json["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["roleDefinitionId"] == demo::ENTRA_GLOBAL_READER),
        "{}",
        active.text
    );

    let mut no_ticket = activation(
        demo::ENTRA_EXCHANGE_ADMINISTRATOR,
        demo::SCOPE_ADMIN_UNIT_EMEA,
        "PT1H",
    );
    no_ticket["isValidationOnly"] = json!(true);
    let refused = dir_post(&h, no_ticket).await;
    assert_eq!(
        refused.code(),
        "RoleAssignmentRequestPolicyValidationFailed"
    );
    assert!(
        refused.message().contains("TicketingRule"),
        "{}",
        refused.text
    );

    let mut approval = activation(demo::ENTRA_USER_ADMINISTRATOR, "/", "PT1H");
    approval["isValidationOnly"] = json!(true);
    let evaluated = dir_post(&h, approval).await;
    assert_eq!(
        evaluated.json["status"], "PendingEvaluation",
        "{}",
        evaluated.text
    );
    assert!(evaluated.json["approvalId"].is_null(), "{}", evaluated.text);

    let member = json!({"action": "selfActivate", "principalId": demo::DEMO_USER_OID, "groupId": demo::PIM_GROUP_PROD_OPERATORS, "accessId": "member",
        "justification": "deploy", "isValidationOnly": true, "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "PT1H"}}});
    let group = gpost(&h, &format!("{GROUPS}/assignmentScheduleRequests"), &member).await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.text);
    assert_eq!(group.json["isValidationOnly"], true);
    assert_eq!(
        arm_group_grants(&h).await,
        0,
        "no group membership, so not the group's Azure role either"
    );
    assert_eq!(
        gget(&h, &format!("{GROUPS}/assignmentScheduleInstances/{MINE}"))
            .await
            .json["value"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert_eq!(stored_requests(&h).await, before, "nothing stored");
}

/// Approvers as Elevate names them: the demo's Owner at Contoso Production is approved by two
/// users and a mail-enabled group, in ARM's `UserSet` shape; users and groups are read through
/// `/users/{id}` and `/groups/{id}` with the permissions Graph documents, else 403.
#[tokio::test]
async fn approvers_are_users_and_a_mail_enabled_group_readable_with_the_right_permission() {
    let h = Harness::start().await;
    let arm = h
        .get(&format!(
            "{}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?api-version=2020-10-01",
            demo::SCOPE_PRODUCTION
        ))
        .await;
    assert_eq!(arm.status, StatusCode::OK, "{}", arm.text);
    let owner = arm.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["properties"]["roleDefinitionId"]
                .as_str()
                .is_some_and(|r| r.ends_with(demo::ROLE_OWNER))
        })
        .unwrap();
    let rules = owner["properties"]["effectiveRules"].as_array().unwrap();
    let approval = rules
        .iter()
        .find(|r| r["id"] == "Approval_EndUser_Assignment")
        .unwrap();
    let approvers = &approval["setting"]["approvalStages"][0]["primaryApprovers"];
    assert_eq!(
        approvers[2],
        json!({"id": demo::APPROVERS_GROUP_ID, "description": demo::APPROVERS_GROUP_NAME, "isBackup": false, "userType": "Group"})
    );

    let group = gget(
        &h,
        &format!(
            "/v1.0/groups/{}?$select=id,displayName,mail,mailEnabled",
            demo::APPROVERS_GROUP_ID
        ),
    )
    .await;
    assert_eq!(group.status, StatusCode::OK, "{}", group.text);
    assert_eq!(group.json["mail"], demo::APPROVERS_GROUP_MAIL);
    assert_eq!(group.json["mailEnabled"], true);
    let plain = gget(&h, &format!("/v1.0/groups/{}", demo::GROUP_ID)).await;
    assert_eq!(
        (
            plain.json["mail"].clone(),
            plain.json["mailEnabled"].clone()
        ),
        (Value::Null, json!(false)),
        "{}",
        plain.text
    );
    let user = gget(
        &h,
        &format!(
            "/v1.0/users/{}?$select=displayName,mail,userPrincipalName",
            demo::SECOND_USER_OID
        ),
    )
    .await;
    assert_eq!(
        user.json["userPrincipalName"],
        demo::SECOND_USER_UPN,
        "{}",
        user.text
    );
    // As Graph: `$select` returns the selected properties only; `userType` is not a default one.
    assert!(
        user.json.get("id").is_none() && user.json.get("userType").is_none(),
        "{}",
        user.text
    );
    let default = gget(&h, &format!("/v1.0/users/{}", demo::SECOND_USER_OID)).await;
    assert_eq!(
        default.json["id"],
        demo::SECOND_USER_OID,
        "{}",
        default.text
    );
    assert!(
        default.json.get("userType").is_none(),
        "not a default property: {}",
        default.text
    );
    let typed = gget(
        &h,
        &format!("/v1.0/users/{}?$select=id,userType", demo::SECOND_USER_OID),
    )
    .await;
    assert_eq!(typed.json["userType"], "Member", "{}", typed.text);
    assert!(typed.json.get("displayName").is_none(), "{}", typed.text);

    // A token with only the PIM permissions may not read users or groups.
    let pim_only = h.token_with(TokenRequest {
        audience: "https://graph.microsoft.com".into(),
        scopes: Some("User.Read RoleManagementPolicy.Read.Directory RoleAssignmentSchedule.ReadWrite.Directory".into()),
        ..TokenRequest::default()
    });
    for path in [
        format!("/v1.0/users/{}", demo::SECOND_USER_OID),
        format!("/v1.0/groups/{}", demo::APPROVERS_GROUP_ID),
    ] {
        let refused = h.send(Method::GET, &path, Some(&pim_only), None).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            refused.text
        );
        assert_eq!(
            refused.code(),
            "Authorization_RequestDenied",
            "{path}: {}",
            refused.text
        );
    }
}

#[tokio::test]
async fn only_approvers_read_a_graph_approval_and_an_admin_removal_is_among_the_users_requests() {
    let h = Harness::start().await;
    // Ada asks for User Administrator, which needs Grace's (or another approver's) approval.
    let asked = dir_post(&h, activation(demo::ENTRA_USER_ADMINISTRATOR, "/", "PT1H")).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    let approval = asked.json["approvalId"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", asked.text))
        .to_string();
    let id = asked.json["id"].as_str().unwrap().to_string();
    h.control(
        Method::POST,
        &format!("requests/{id}/deny"),
        json!({ "justification": "not now" }),
    )
    .await;
    let url = format!("/beta/roleManagement/directory/roleAssignmentApprovals/{approval}");
    // Microsoft documents the read as the approver's: the requester is refused.
    let requester = gget(&h, &url).await;
    assert_eq!(
        requester.status,
        StatusCode::FORBIDDEN,
        "{}",
        requester.text
    );
    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        audience: "https://graph.microsoft.com".into(),
        ..TokenRequest::default()
    });
    let approver = h.send(Method::GET, &url, Some(&grace), None).await;
    assert_eq!(approver.status, StatusCode::OK, "{}", approver.text);
    let step = &approver.json["steps"][0];
    assert_eq!(
        (
            step["reviewResult"].as_str(),
            step["justification"].as_str()
        ),
        (Some("Deny"), Some("not now"))
    );
    assert_eq!(step["reviewedBy"]["id"], demo::SECOND_USER_OID);
    assert_eq!(step["reviewedBy"]["displayName"], demo::SECOND_USER_NAME);

    // An administrator removes an active Entra role through PIM: adminRemove, createdBy names them.
    let on = dir_post(&h, activation(demo::ENTRA_GLOBAL_READER, "/", "PT1H")).await;
    assert_eq!(on.status, StatusCode::CREATED, "{}", on.text);
    h.control(
        Method::POST,
        "revoke",
        json!({ "directory_role_id": demo::ENTRA_GLOBAL_READER, "requestor_id": demo::SECOND_USER_UPN, "justification": "drill over" }),
    )
    .await;
    let removals = gget(
        &h,
        &format!("{DIR}/roleAssignmentScheduleRequests/{MINE}?$filter=action%20eq%20'adminRemove'"),
    )
    .await;
    assert_eq!(removals.status, StatusCode::OK, "{}", removals.text);
    let list = removals.json["value"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(list.len(), 1, "{}", removals.text);
    assert_eq!(list[0]["action"], "adminRemove");
    assert_eq!(list[0]["roleDefinitionId"], demo::ENTRA_GLOBAL_READER);
    assert_eq!(list[0]["justification"], "drill over");
    assert_eq!(list[0]["createdBy"]["user"]["id"], demo::SECOND_USER_OID);
    assert_eq!(
        list[0]["createdBy"]["user"]["displayName"],
        demo::SECOND_USER_NAME
    );
    assert_eq!(list[0]["status"], "Revoked");
}
