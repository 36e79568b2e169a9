//! The ARM client held against Microsoft's specs: it reads every example response Microsoft publishes
//! for the operations it uses, and what it sends validates against the operations' request schemas.

use elevate_core::arm::convert::{
    eligibility_from_json, grant_from_json, policy_from_json, request_from_json,
};
use elevate_core::arm::{activation_body, deactivation_body, extension_request_body};
use elevate_core::model::{
    ActivationRequest, ActiveGrant, AssignmentType, Eligibility, MemberType, RequestStatus,
    RoleKey, RoleRef, ScopeKind, ScopeRef, Source, Span, Ticket,
};
use elevate_spec::ArmSpec;
use serde_json::Value;

fn spec() -> ArmSpec {
    ArmSpec::load().unwrap_or_else(|e| panic!("spec: {e}"))
}

fn examples_of(spec: &ArmSpec, operation: &str) -> Vec<(String, Value)> {
    spec.examples()
        .into_iter()
        // All from the 2020-10-01 spec files (the Validate example itself says api-version 2022-04-01).
        .filter(|e| e.operation_id == operation)
        .flat_map(|e| {
            let file = e.file.clone();
            e.responses
                .into_iter()
                .filter(|(s, _)| (200..300).contains(s))
                .map(move |(_, body)| (file.clone(), body))
        })
        .collect()
}

fn items(body: &Value) -> Vec<Value> {
    match body.get("value").and_then(Value::as_array) {
        Some(list) => list.clone(),
        None => vec![body.clone()],
    }
}

#[test]
fn reads_every_example_of_the_operations_it_uses() {
    let spec = spec();
    let mut read = 0;
    for op in [
        "RoleEligibilityScheduleInstances_ListForScope",
        "RoleEligibilityScheduleInstances_Get",
    ] {
        let examples = examples_of(&spec, op);
        assert!(!examples.is_empty(), "no examples for {op}");
        for (file, body) in examples {
            for item in items(&body) {
                let e = eligibility_from_json(item).unwrap_or_else(|err| panic!("{file}: {err}"));
                assert!(!e.role.id.is_empty() && !e.scope.id.is_empty(), "{file}");
                assert!(
                    !e.role.name.is_empty(),
                    "{file}: the example's expandedProperties name the role"
                );
                read += 1;
            }
        }
    }
    for op in [
        "RoleAssignmentScheduleInstances_ListForScope",
        "RoleAssignmentScheduleInstances_Get",
    ] {
        for (file, body) in examples_of(&spec, op) {
            for item in items(&body) {
                let g = grant_from_json(item).unwrap_or_else(|err| panic!("{file}: {err}"));
                assert!(g.start.is_some(), "{file}");
                read += 1;
            }
        }
    }
    for op in [
        "RoleAssignmentScheduleRequests_Create",
        "RoleAssignmentScheduleRequests_Get",
        "RoleAssignmentScheduleRequests_ListForScope",
        "RoleAssignmentScheduleRequests_Validate",
    ] {
        for (file, body) in examples_of(&spec, op) {
            for item in items(&body) {
                let r = request_from_json(item).unwrap_or_else(|err| panic!("{file}: {err}"));
                assert_ne!(r.azure_status, "", "{file}");
                read += 1;
            }
        }
    }
    assert_eq!(read, 8, "one item per example of these operations");
}

#[test]
fn reads_the_permission_and_role_definition_examples() {
    use elevate_core::arm::Permission;
    use elevate_core::arm::convert::{permission_from_json, role_permissions_from_json};
    let spec = spec();
    let mut entries = Vec::new();
    for op in [
        "Permissions_ListForResourceGroup",
        "Permissions_ListForResource",
    ] {
        let examples = examples_of(&spec, op);
        assert!(!examples.is_empty(), "no examples for {op}");
        for (file, body) in examples {
            for item in items(&body) {
                entries.push(permission_from_json(item).unwrap_or_else(|e| panic!("{file}: {e}")));
            }
        }
    }
    // Both examples list one entry of empty arrays; GetResourcePermissions.json leaves the data
    // actions out.
    assert_eq!(entries, vec![Permission::default(), Permission::default()]);
    let examples = examples_of(&spec, "RoleDefinitions_GetById");
    assert!(
        !examples.is_empty(),
        "no example for RoleDefinitions_GetById"
    );
    for (file, body) in examples {
        let permissions =
            role_permissions_from_json(body).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            permissions,
            vec![Permission {
                actions: vec!["action".into()],
                data_actions: vec!["dataAction".into()],
                ..Permission::default()
            }],
            "{file}"
        );
    }
    assert!(role_permissions_from_json(serde_json::json!({"properties": {}})).is_err());
}

#[test]
fn the_create_example_maps_to_done_with_its_duration() {
    let spec = spec();
    let (file, body) = examples_of(&spec, "RoleAssignmentScheduleRequests_Create")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no example"));
    let r = request_from_json(body).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(r.azure_status, "Provisioned");
    assert_eq!(r.status, RequestStatus::Done);
    assert_eq!(r.duration, Some(Span::from_hours(8)));
    assert_eq!(r.scope.kind, ScopeKind::Subscription);
}

#[test]
fn reads_the_policy_examples() {
    let spec = spec();
    let examples = examples_of(&spec, "RoleManagementPolicies_Get");
    assert!(!examples.is_empty());
    for (file, body) in examples {
        let policy = policy_from_json(body);
        assert!(policy.max_duration.is_some(), "{file}: {policy:?}");
    }
    for (file, body) in examples_of(&spec, "RoleManagementPolicyAssignments_ListForScope") {
        for item in items(&body) {
            let _ = policy_from_json(item);
        }
        let _ = file;
    }
}

fn eligibility() -> Eligibility {
    Eligibility {
        key: RoleKey::new(Source::AzureResource, "/subscriptions/s1", "r1"),
        source: Source::AzureResource,
        role: RoleRef { id: "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c".into(), name: "Contributor".into() },
        scope: ScopeRef { id: "/subscriptions/s1".into(), name: "Sub".into(), kind: ScopeKind::Subscription },
        principal_id: "p".into(),
        member_type: MemberType::Direct,
        start: None,
        end: None,
        schedule_id: Some("/subscriptions/s1/providers/Microsoft.Authorization/roleEligibilitySchedules/x".into()),
    }
}

#[test]
fn what_the_client_sends_validates_against_the_request_schema() {
    let spec = spec();
    let full = ActivationRequest {
        duration: Span::from_minutes(90),
        justification: Some("deploy".into()),
        ticket: Some(Ticket {
            system: "ServiceNow".into(),
            number: "INC1".into(),
        }),
        start: Some(chrono::Utc::now()),
        narrower_scope: Some("/subscriptions/s1/resourceGroups/rg".into()),
    };
    let minimal = ActivationRequest {
        duration: Span::from_hours(1),
        justification: None,
        ticket: None,
        start: None,
        narrower_scope: None,
    };
    for request in [full, minimal] {
        let (_, body) =
            activation_body(&eligibility(), &request, "oid").unwrap_or_else(|e| panic!("{e}"));
        spec.validate_request_body("RoleAssignmentScheduleRequests_Create", &body)
            .unwrap_or_else(|e| panic!("{e:#?}\n{body:#}"));
        // What Elevate sends uses only documented enum values, exactly.
        spec.validate_request_body_closed_enums("RoleAssignmentScheduleRequests_Create", &body)
            .unwrap_or_else(|e| panic!("{e:#?}\n{body:#}"));
        assert_eq!(
            body["properties"]["scheduleInfo"]["expiration"]["type"],
            "AfterDuration"
        );
    }
    let grant = ActiveGrant {
        id: "i".into(),
        key: eligibility().key,
        source: Source::AzureResource,
        role: eligibility().role,
        scope: eligibility().scope,
        principal_id: "p".into(),
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Activated,
        start: None,
        end: None,
    };
    let assignment = ActiveGrant {
        assignment_type: AssignmentType::Assigned,
        ..grant.clone()
    };
    for body in [
        deactivation_body(&grant, "oid"),
        extension_request_body(
            &assignment,
            Span::from_hours(90 * 24),
            Some("project"),
            "oid",
        ),
    ] {
        spec.validate_request_body_closed_enums("RoleAssignmentScheduleRequests_Create", &body)
            .unwrap_or_else(|e| panic!("{e:#?}\n{body:#}"));
    }
    // The validator is not a rubber stamp.
    let (_, mut broken) = activation_body(
        &eligibility(),
        &ActivationRequest {
            duration: Span::from_hours(1),
            justification: None,
            ticket: None,
            start: None,
            narrower_scope: None,
        },
        "oid",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    broken["properties"]["requestType"] = Value::from(7);
    assert!(
        spec.validate_request_body("RoleAssignmentScheduleRequests_Create", &broken)
            .is_err()
    );
}

/// Every request for more time Elevate sends through ARM ({assignment, eligibility} × {extend,
/// renew}) validates against its resource's Create operation with closed enums: its
/// `requestType` is one the spec lists for that resource.
#[test]
fn requests_for_more_time_validate_against_both_schedule_request_resources() {
    use elevate_core::arm::more_time_body;
    use elevate_core::model::{Expiring, Holding, MoreTime};
    let spec = spec();
    let base = Expiring::from(&eligibility());
    for (holding, operation) in [
        (Holding::Assignment, "RoleAssignmentScheduleRequests_Create"),
        (
            Holding::Eligibility,
            "RoleEligibilityScheduleRequests_Create",
        ),
    ] {
        for ask in [MoreTime::Extend, MoreTime::Renew] {
            let target = Expiring {
                holding,
                ..base.clone()
            };
            let body = more_time_body(
                &target,
                ask,
                Span::from_hours(90 * 24),
                Some("project"),
                "oid",
            );
            assert_eq!(body["properties"]["requestType"], ask.arm_request_type());
            spec.validate_request_body_closed_enums(operation, &body)
                .unwrap_or_else(|e| panic!("{operation} {ask:?}: {e:#?}\n{body:#}"));
        }
    }
    let mut broken = more_time_body(&base, MoreTime::Extend, Span::from_hours(1), None, "oid");
    broken["properties"]["requestType"] = Value::from("SelfProlong");
    assert!(
        spec.validate_request_body_closed_enums("RoleEligibilityScheduleRequests_Create", &broken)
            .is_err()
    );
}

/// What `--check` and the form send to ARM: the activation's body, to `RoleAssignmentScheduleRequests_Validate`
/// (`POST /{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}/validate`,
/// documented in 2020-10-01), validates against that operation's request schema with closed enums.
#[test]
fn the_validate_call_is_the_documented_operation_with_the_activation_body() {
    let spec = spec();
    assert_eq!(
        spec.operation("RoleAssignmentScheduleRequests_Validate"),
        Some((
            "POST".to_owned(),
            "/{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{roleAssignmentScheduleRequestName}/validate".to_owned()
        ))
    );
    assert!(
        spec.operation_file("RoleAssignmentScheduleRequests_Validate")
            .is_some_and(|f| f.contains("/stable/2020-10-01/")),
        "validate is in the stable 2020-10-01 spec Elevate uses for every PIM call"
    );
    let request = ActivationRequest {
        duration: Span::from_minutes(90),
        justification: Some("deploy".into()),
        ticket: Some(Ticket {
            system: "ServiceNow".into(),
            number: "INC1".into(),
        }),
        start: None,
        narrower_scope: None,
    };
    let (_, body) =
        activation_body(&eligibility(), &request, "oid").unwrap_or_else(|e| panic!("{e}"));
    spec.validate_request_body_closed_enums("RoleAssignmentScheduleRequests_Validate", &body)
        .unwrap_or_else(|e| panic!("{e:#?}\n{body:#}"));
}
