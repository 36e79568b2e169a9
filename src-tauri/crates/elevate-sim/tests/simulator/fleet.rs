//! Many users for the fleet benchmark (`POST /_sim/fleet`): each sees their own eligibilities and
//! activated grants in all three sources, approvers see the demo tenant's requests waiting for
//! approval and the others do not; and the request log read in parts (`GET /_sim/log?after=N`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use elevate_sim::{TokenRequest, demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const GRAPH: &str = "https://graph.microsoft.com";
const ENTRA_ACTIVE: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')";
const GROUP_ACTIVE: &str = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/filterByCurrentUser(on='principal')";
const ENTRA_APPROVALS: &str = "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=status eq 'PendingApproval'";

async fn list(h: &Harness, path: &str, token: &str) -> Vec<Value> {
    let reply = h.send(Method::GET, path, Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    reply.json["value"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn fleet_users_have_their_own_grants_and_approvers_see_the_waiting_requests() {
    let h = Harness::start().await;
    let added = h
        .control(
            Method::POST,
            "fleet",
            json!({ "count": 4, "approvers_every": 2, "hours": 2 }),
        )
        .await;
    let users = added["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 4, "{added}");
    let approvers: Vec<bool> = users
        .iter()
        .map(|u| u["approver"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(approvers, [false, true, false, true]);
    let ids: Vec<String> = users
        .iter()
        .map(|u| u["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        ids.iter().collect::<std::collections::HashSet<_>>().len(),
        4,
        "distinct ids"
    );
    assert_eq!(
        users[0]["user_principal_name"],
        "fleet-00001@contoso.example"
    );

    for (id, approver) in ids.iter().zip(&approvers) {
        let arm = h.token_with(TokenRequest {
            oid: Some(id.clone()),
            ..TokenRequest::default()
        });
        let graph = h.token_with(TokenRequest {
            oid: Some(id.clone()),
            audience: GRAPH.into(),
            ..TokenRequest::default()
        });
        // Azure: Reader at Contoso Development activated, and Contributor at Contoso Production
        // through the PIM-Prod-Operators membership; two eligibilities.
        let active = list(
            &h,
            &list_path("", "roleAssignmentScheduleInstances", "asTarget()"),
            &arm,
        )
        .await;
        let activated: Vec<&Value> = active
            .iter()
            .filter(|a| a["properties"]["assignmentType"] == "Activated")
            .collect();
        assert_eq!(activated.len(), 1, "{active:?}");
        assert!(
            activated[0]["properties"]["principalId"]
                .as_str()
                .is_some_and(|p| p.eq_ignore_ascii_case(id))
        );
        assert!(
            active
                .iter()
                .any(|a| a["properties"]["memberType"] == "Group"
                    && a["properties"]["roleDefinitionId"]
                        .as_str()
                        .is_some_and(|r| r.ends_with(demo::ROLE_CONTRIBUTOR))),
            "the group's role: {active:?}"
        );
        let eligible = list(
            &h,
            &list_path("", "roleEligibilityScheduleInstances", "asTarget()"),
            &arm,
        )
        .await;
        for role in [demo::ROLE_READER, demo::ROLE_CONTRIBUTOR] {
            assert!(
                eligible.iter().any(|e| e["properties"]["principalId"]
                    .as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case(id))
                    && e["properties"]["roleDefinitionId"]
                        .as_str()
                        .is_some_and(|r| r.ends_with(role))),
                "{role}: {eligible:?}"
            );
        }
        // Entra role and group: one activation each.
        let entra = list(&h, ENTRA_ACTIVE, &graph).await;
        assert!(
            entra
                .iter()
                .any(|a| a["roleDefinitionId"] == demo::ENTRA_GLOBAL_READER
                    && a["assignmentType"] == "Activated"),
            "{entra:?}"
        );
        let groups = list(&h, GROUP_ACTIVE, &graph).await;
        assert!(
            groups
                .iter()
                .any(|a| a["groupId"] == demo::PIM_GROUP_PROD_OPERATORS
                    && a["assignmentType"] == "Activated"),
            "{groups:?}"
        );
        // Approvals: Grace Hopper's waiting requests, only for approvers.
        let waiting = list(&h, ENTRA_APPROVALS, &graph).await;
        let arm_waiting = list(
            &h,
            &list_path("", "roleAssignmentScheduleRequests", "asApprover()"),
            &arm,
        )
        .await;
        if *approver {
            assert_eq!(waiting.len(), 1, "{waiting:?}");
            assert!(
                arm_waiting
                    .iter()
                    .any(|r| r["properties"]["status"] == "PendingApproval"),
                "{arm_waiting:?}"
            );
        } else {
            assert!(waiting.is_empty(), "{waiting:?}");
            assert!(
                arm_waiting
                    .iter()
                    .all(|r| r["properties"]["status"] != "PendingApproval"),
                "{arm_waiting:?}"
            );
        }
    }

    // Numbers continue across calls; bad input is refused.
    let more = h
        .control(Method::POST, "fleet", json!({ "count": 1 }))
        .await;
    assert_eq!(
        more["users"][0]["user_principal_name"],
        "fleet-00005@contoso.example"
    );
    assert_eq!(more["users"][0]["approver"], false);
    for bad in [
        json!({ "count": 0 }),
        json!({ "count": 1, "hours": 9 }),
        json!({ "count": 1, "extra": 1 }),
    ] {
        let reply = h.send(Method::POST, "/_sim/fleet", None, Some(&bad)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn the_log_is_read_after_a_sequence_number() {
    let h = Harness::start().await;
    for _ in 0..3 {
        assert_eq!(
            h.get(&list_path(
                "",
                "roleEligibilityScheduleInstances",
                "asTarget()"
            ))
            .await
            .status,
            StatusCode::OK
        );
    }
    let all = h.control(Method::GET, "log", json!(null)).await;
    let seqs: Vec<u64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs.len(), 3, "{all}");
    let later = h
        .send(
            Method::GET,
            &format!("/_sim/log?after={}", seqs[0]),
            None,
            None,
        )
        .await;
    let later: Vec<u64> = later
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(later, seqs[1..]);
    let none = h
        .send(
            Method::GET,
            &format!("/_sim/log?after={}", seqs[2]),
            None,
            None,
        )
        .await;
    assert_eq!(none.json, json!([]));
    let bad = h.send(Method::GET, "/_sim/log?after=x", None, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
