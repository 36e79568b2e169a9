//! Every response body of a representative flow, held against Microsoft's OpenAPI spec by
//! operationId (through the `elevate-spec` validator).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use elevate_sim::{TokenRequest, demo};
use reqwest::{Method, StatusCode};
use serde_json::json;

struct Checker {
    spec: elevate_spec::ArmSpec,
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    fn check(&mut self, operation: &str, reply: &Reply) {
        self.checked += 1;
        if let Err(problems) =
            self.spec
                .validate_response(operation, reply.status.as_u16(), &reply.json)
        {
            self.failures.push(format!(
                "{operation} {}: {problems:?}\n{}",
                reply.status, reply.text
            ));
        }
    }
}

#[tokio::test]
async fn every_response_of_a_typical_flow_matches_the_spec() {
    let h = Harness::start().await;
    let mut c = Checker {
        spec: elevate_spec::ArmSpec::load().expect("spec loads"),
        failures: Vec::new(),
        checked: 0,
    };
    let prod = demo::SCOPE_PRODUCTION;
    let dev = demo::SCOPE_DEVELOPMENT;

    // Lists and single instances.
    c.check(
        "RoleEligibilityScheduleInstances_ListForScope",
        &h.get(&list_path(
            "",
            "roleEligibilityScheduleInstances",
            "asTarget()",
        ))
        .await,
    );
    let at_prod = h
        .get(&list_path(
            prod,
            "roleEligibilityScheduleInstances",
            "asTarget()",
        ))
        .await;
    c.check("RoleEligibilityScheduleInstances_ListForScope", &at_prod);
    let instance_id = at_prod.json["value"][0]["id"].as_str().unwrap().to_string();
    c.check(
        "RoleEligibilityScheduleInstances_Get",
        &h.get(&format!("{instance_id}?{API}")).await,
    );

    // Activation, approval, cancel, validate, deactivation.
    let activation = activate(dev, demo::ROLE_CONTRIBUTOR, "PT1H", Some("spec check"));
    assert!(
        c.spec
            .validate_request_body("RoleAssignmentScheduleRequests_Create", &activation)
            .is_ok()
    );
    let (name, created) = h.request(dev, &activation).await;
    c.check("RoleAssignmentScheduleRequests_Create", &created);
    c.check(
        "RoleAssignmentScheduleRequests_Get",
        &h.get(&request_path(dev, &name)).await,
    );
    let active = h
        .get(&list_path(
            "",
            "roleAssignmentScheduleInstances",
            "asTarget()",
        ))
        .await;
    c.check("RoleAssignmentScheduleInstances_ListForScope", &active);
    let active_id = active.json["value"][0]["id"].as_str().unwrap().to_string();
    c.check(
        "RoleAssignmentScheduleInstances_Get",
        &h.get(&format!("{active_id}?{API}")).await,
    );

    let owner = body(
        "SelfActivate",
        prod,
        demo::ROLE_OWNER,
        Some("PT1H"),
        Some("x"),
        Some(("INC1", "ServiceNow")),
    );
    let (pending, reply) = h.request(prod, &owner).await;
    c.check("RoleAssignmentScheduleRequests_Create", &reply);
    let validate = format!(
        "{prod}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{}/validate?{API}",
        uuid::Uuid::new_v4()
    );
    c.check(
        "RoleAssignmentScheduleRequests_Validate",
        &h.post(&validate, &owner).await,
    );
    c.check(
        "RoleAssignmentScheduleRequests_ListForScope",
        &h.get(&list_path(
            "",
            "roleAssignmentScheduleRequests",
            "asRequestor()",
        ))
        .await,
    );
    let cancel = format!(
        "{prod}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{pending}/cancel?{API}"
    );
    assert_eq!(h.post(&cancel, &json!({})).await.status, StatusCode::OK);
    h.advance("PT6M").await;
    let (_, deactivated) = h
        .request(
            dev,
            &body(
                "SelfDeactivate",
                dev,
                demo::ROLE_CONTRIBUTOR,
                None,
                Some("done"),
                None,
            ),
        )
        .await;
    c.check("RoleAssignmentScheduleRequests_Create", &deactivated);

    // Policies and child resources.
    let assignments = h
        .get(&format!(
            "{prod}/providers/Microsoft.Authorization/roleManagementPolicyAssignments?{API}"
        ))
        .await;
    c.check("RoleManagementPolicyAssignments_ListForScope", &assignments);
    let first = &assignments.json["value"][0];
    let assignment_name = first["name"].as_str().unwrap().to_string();
    let policy_id = first["properties"]["policyId"]
        .as_str()
        .unwrap()
        .to_string();
    c.check(
        "RoleManagementPolicyAssignments_Get",
        &h.get(&format!("{prod}/providers/Microsoft.Authorization/roleManagementPolicyAssignments/{assignment_name}?{API}")).await,
    );
    c.check(
        "RoleManagementPolicies_Get",
        &h.get(&format!("{policy_id}?{API}")).await,
    );
    c.check(
        "RoleManagementPolicies_ListForScope",
        &h.get(&format!(
            "{prod}/providers/Microsoft.Authorization/roleManagementPolicies?{API}"
        ))
        .await,
    );
    c.check(
        "EligibleChildResources_Get",
        &h.get(&format!("{prod}/providers/Microsoft.Authorization/eligibleChildResources?{API}&$filter=resourceType eq 'resourcegroup'")).await,
    );

    c.check(
        "RoleDefinitions_Get",
        &h.get(&format!(
            "/providers/Microsoft.Authorization/roleDefinitions/{}?api-version=2022-04-01",
            demo::ROLE_MARKUP_AUDITOR
        ))
        .await,
    );
    c.check(
        "RoleDefinitions_Get",
        &h.get(&format!(
            "{prod}/providers/Microsoft.Authorization/roleDefinitions/{}?api-version=2022-04-01",
            demo::ROLE_OWNER
        ))
        .await,
    );

    // The caller's permissions at a resource group and a resource (2022-04-01).
    h.control(
        Method::POST,
        "settings",
        json!({ "permission_propagation_seconds": 0 }),
    )
    .await;
    let rg = demo::SCOPE_RG_DEV_SHARED;
    let (_, narrow) = h
        .request(
            rg,
            &activate(rg, demo::ROLE_CONTRIBUTOR, "PT1H", Some("spec check")),
        )
        .await;
    assert_eq!(narrow.status, StatusCode::CREATED, "{}", narrow.text);
    let at_rg = h
        .get(&format!(
            "{rg}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01"
        ))
        .await;
    assert_eq!(
        at_rg.json["value"].as_array().map(Vec::len),
        Some(1),
        "{}",
        at_rg.text
    );
    c.check("Permissions_ListForResourceGroup", &at_rg);
    c.check(
        "Permissions_ListForResource",
        &h.get(&format!("{rg}/providers/Microsoft.Web/sites/app/providers/Microsoft.Authorization/permissions?api-version=2022-04-01")).await,
    );
    c.check(
        "Permissions_ListForResourceGroup",
        &h.get(&format!("{dev}/resourceGroups/rg-nowhere/providers/Microsoft.Authorization/permissions?api-version=2022-04-01")).await,
    );

    // Errors are CloudError bodies.
    let (_, policy_error) = h
        .request(dev, &activate(dev, demo::ROLE_CONTRIBUTOR, "PT9H", None))
        .await;
    c.check("RoleAssignmentScheduleRequests_Create", &policy_error);
    let (_, acrs) = h
        .request(
            demo::SCOPE_RG_DATA_PROD,
            &activate(
                demo::SCOPE_RG_DATA_PROD,
                demo::ROLE_KEY_VAULT_SECRETS_OFFICER,
                "PT1H",
                Some("x"),
            ),
        )
        .await;
    c.check("RoleAssignmentScheduleRequests_Create", &acrs);
    c.check(
        "RoleAssignmentScheduleRequests_Cancel",
        &h.post(&cancel, &json!({})).await,
    );
    c.check(
        "RoleAssignmentScheduleRequests_Get",
        &h.get(&request_path(dev, &uuid::Uuid::new_v4().to_string()))
            .await,
    );
    let expired = h
        .sim
        .issue_token(&TokenRequest {
            lifetime_secs: 0,
            ..TokenRequest::default()
        })
        .unwrap();
    c.check(
        "RoleEligibilityScheduleInstances_ListForScope",
        &h.send(
            Method::GET,
            &list_path("", "roleEligibilityScheduleInstances", "asTarget()"),
            Some(&expired),
            None,
        )
        .await,
    );
    c.check(
        "RoleEligibilityScheduleInstances_ListForScope",
        &h.get(&list_path(
            "",
            "roleEligibilityScheduleInstances",
            "bogus()",
        ))
        .await,
    );
    c.check(
        "RoleEligibilityScheduleInstances_ListForScope",
        &h.get("/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=1999-01-01").await,
    );
    assert!(
        c.spec
            .validate_definition("CloudError", &policy_error.json)
            .is_ok()
    );

    assert!(
        c.failures.is_empty(),
        "{} of {} responses do not match the spec:\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n\n")
    );
}
