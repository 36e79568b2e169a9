//! The validator against Microsoft's own examples (which must pass) and broken bodies (which must fail).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use elevate_spec::{ArmSpec, fixture_json, fixture_path};
use serde_json::{Value, json};

fn spec() -> ArmSpec {
    ArmSpec::load().unwrap_or_else(|e| panic!("{e}"))
}

/// Microsoft examples that genuinely violate their own schema: (example file suffix, status).
/// Empty: every example validates (with nulls allowed and `modelAsString` enums open, see the crate docs).
const KNOWN_EXCEPTIONS: &[(&str, u16)] = &[];

#[test]
fn every_example_response_validates_against_its_operation() {
    let spec = spec();
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in spec.examples() {
        for (status, body) in &example.responses {
            if KNOWN_EXCEPTIONS
                .iter()
                .any(|(file, s)| example.file.ends_with(file) && s == status)
            {
                continue;
            }
            checked += 1;
            if let Err(errors) = spec.validate_response(&example.operation_id, *status, body) {
                failures.push(format!(
                    "{} ({} {status}): {errors:#?}",
                    example.file, example.operation_id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 45 response entries in the 43 example files present (some list two statuses, e.g. 200 and 204).
    assert_eq!(checked, 45);
}

#[test]
fn every_example_request_body_validates_with_documented_and_with_closed_enums() {
    let spec = spec();
    let mut checked = 0;
    for example in spec.examples() {
        let Some(name) = spec.body_parameter(&example.operation_id) else {
            continue;
        };
        let body = &example.parameters[&name];
        assert!(
            !body.is_null(),
            "{}: no request body under {name:?}",
            example.file
        );
        spec.validate_request_body(&example.operation_id, body)
            .unwrap_or_else(|e| panic!("{}: {e:#?}", example.file));
        spec.validate_request_body_closed_enums(&example.operation_id, body)
            .unwrap_or_else(|e| panic!("{}: {e:#?}", example.file));
        checked += 1;
    }
    // Create, Validate × assignment/eligibility requests; policy patch ×2; policy assignment put;
    // approval step put/patch ×4.
    assert_eq!(checked, 11);
}

/// Counts `x-ms-examples` entries by walking each loaded spec file as plain JSON (whatever section they
/// are in), independently of how `ArmSpec` reads operations.
fn count_examples(value: &Value, dir: &Path, present: &mut usize, missing: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "x-ms-examples" {
                    for example in v.as_object().unwrap().values() {
                        let path = dir.join(example["$ref"].as_str().unwrap());
                        let path = std::fs::canonicalize(fixture_path(&path.to_string_lossy()));
                        match path {
                            Ok(_) => *present += 1,
                            Err(_) => missing.push(example["$ref"].as_str().unwrap().to_owned()),
                        }
                    }
                } else {
                    count_examples(v, dir, present, missing);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| count_examples(v, dir, present, missing)),
        _ => {}
    }
}

#[test]
fn examples_are_all_the_x_ms_examples_of_the_loaded_files() {
    let spec = spec();
    let (mut present, mut missing) = (0, Vec::new());
    for file in spec.files() {
        let doc = fixture_json(file).unwrap();
        count_examples(
            &doc,
            Path::new(file).parent().unwrap(),
            &mut present,
            &mut missing,
        );
    }
    let examples = spec.examples();
    assert_eq!(examples.len(), present);
    assert_eq!(spec.missing_examples().len(), missing.len());
    // 28 of 2020-10-01, 12 of the approvals preview, 3 of 2022-04-01 (whose 4 others were not copied).
    assert_eq!(present, 43);
    missing.sort();
    assert_eq!(
        missing,
        [
            "./examples/DeleteRoleDefinition.json",
            "./examples/GetRoleDefinitionAtScope.json",
            "./examples/GetRoleDefinitionByName.json",
            "./examples/PutRoleDefinition.json"
        ]
    );
    assert!(
        spec.missing_examples()
            .iter()
            .all(|f| f.contains("/stable/2022-04-01/examples/"))
    );

    // Every example file on disk next to a loaded spec is some operation's example.
    let mut on_disk = 0;
    for dir in [
        "stable/2020-10-01",
        "stable/2022-04-01",
        "preview/2021-01-01-preview",
    ] {
        let path = fixture_path(&format!(
            "arm/specification/authorization/resource-manager/Microsoft.Authorization/{dir}/examples"
        ));
        on_disk += std::fs::read_dir(path).unwrap().count();
    }
    assert_eq!(on_disk, present);

    let by_id = examples
        .iter()
        .find(|e| e.operation_id == "RoleDefinitions_GetById")
        .expect("x-ms-paths are read");
    assert_eq!(by_id.api_version.as_deref(), Some("2022-04-01"));
    assert!(examples.iter().all(|e| fixture_path(&e.file).is_file()));
    let create = examples
        .iter()
        .find(|e| e.operation_id == "RoleAssignmentScheduleRequests_Create")
        .unwrap();
    assert_eq!(create.api_version.as_deref(), Some("2020-10-01"));
    assert!(create.responses[&201]["properties"]["status"].is_string());
    let delete = examples
        .iter()
        .find(|e| e.operation_id == "RoleManagementPolicies_Delete")
        .unwrap();
    assert!(
        delete.responses.values().all(Value::is_null),
        "{:?}",
        delete.responses
    );
}

#[test]
fn operations_and_their_paths() {
    let spec = spec();
    let ids = spec.operation_ids();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    for id in [
        "RoleEligibilityScheduleInstances_ListForScope",
        "RoleAssignmentScheduleRequests_Cancel",
        "RoleManagementPolicies_Update",
        "EligibleChildResources_Get",
        "Permissions_ListForResourceGroup",
        "RoleAssignmentApprovalStep_Patch",
        "ScopeRoleAssignmentApprovalStep_Put",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
    }
    assert_eq!(
        spec.operation("RoleAssignmentScheduleRequests_Create"),
        Some((
            "PUT".to_owned(),
            "/{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{roleAssignmentScheduleRequestName}".to_owned()
        ))
    );
    assert_eq!(
        spec.operation("RoleAssignmentScheduleRequests_Cancel")
            .map(|(m, _)| m)
            .as_deref(),
        Some("POST")
    );
    assert_eq!(
        spec.operation("RoleManagementPolicies_Update")
            .map(|(m, _)| m)
            .as_deref(),
        Some("PATCH")
    );
    assert_eq!(
        spec.operation("RoleDefinitions_GetById"),
        Some(("GET".to_owned(), "/{roleId}".to_owned()))
    );
    assert_eq!(spec.operation("Nope_Nope"), None);
    assert_eq!(
        spec.body_parameter("RoleAssignmentScheduleRequests_Create")
            .as_deref(),
        Some("parameters")
    );
    assert_eq!(
        spec.body_parameter("RoleAssignmentScheduleRequests_Get"),
        None
    );
    assert!(
        spec.operation_file("RoleManagementPolicies_Get")
            .unwrap()
            .ends_with("stable/2020-10-01/RoleManagementPolicy.json")
    );
}

fn example(spec: &ArmSpec, operation: &str) -> elevate_spec::Example {
    spec.examples()
        .into_iter()
        .find(|e| e.operation_id == operation)
        .unwrap_or_else(|| panic!("no example of {operation}"))
}

fn create_request_and_response(spec: &ArmSpec) -> (Value, Value) {
    let e = example(spec, "RoleAssignmentScheduleRequests_Create");
    (
        e.parameters["parameters"].clone(),
        e.responses[&201].clone(),
    )
}

const CREATE: &str = "RoleAssignmentScheduleRequests_Create";

#[test]
fn a_request_response_with_a_wrong_type_fails() {
    let spec = spec();
    let (_, response) = create_request_and_response(&spec);
    spec.validate_response(CREATE, 201, &response).unwrap();

    let mut bad = response.clone();
    bad["properties"]["status"] = json!(7);
    let errors = spec.validate_response(CREATE, 201, &bad).unwrap_err();
    assert!(
        errors.iter().any(|e| e.starts_with("/properties/status:")),
        "{errors:#?}"
    );

    let mut bad = response.clone();
    bad["properties"]["expandedProperties"]["principal"] = json!("someone");
    assert!(
        spec.validate_response(CREATE, 201, &bad).is_err(),
        "an object where a string is"
    );

    let mut bad = response.clone();
    bad["properties"]["scheduleInfo"]["startDateTime"] = json!("yesterday");
    let errors = spec.validate_response(CREATE, 201, &bad).unwrap_err();
    assert!(
        errors.iter().any(|e| e.contains("date-time")),
        "{errors:#?}"
    );

    // Nulls are fine inside (Microsoft's own examples have them), not as the whole body.
    let mut nulls = response.clone();
    nulls["properties"]["justification"] = Value::Null;
    nulls["properties"]["expandedProperties"] = Value::Null;
    spec.validate_response(CREATE, 201, &nulls).unwrap();
    assert!(spec.validate_response(CREATE, 201, &Value::Null).is_err());
    assert!(spec.validate_response(CREATE, 201, &json!("text")).is_err());
    assert!(
        spec.validate_response(CREATE, 201, &json!({"properties": []}))
            .is_err(),
        "properties is an object"
    );
}

#[test]
fn statuses_must_be_documented_and_errors_fall_back_to_cloud_error() {
    let spec = spec();
    let (_, response) = create_request_and_response(&spec);
    // Create documents 201 only: a 200 is not what Azure sends.
    let errors = spec.validate_response(CREATE, 200, &response).unwrap_err();
    assert!(
        errors[0].contains("does not document status 200"),
        "{errors:?}"
    );
    // Error statuses use `default` (CloudError).
    spec.validate_response(
        CREATE,
        400,
        &json!({"error": {"code": "RoleAssignmentExists", "message": "exists"}}),
    )
    .unwrap();
    assert!(
        spec.validate_response(CREATE, 400, &json!({"error": {"code": 1}}))
            .is_err()
    );
    assert!(
        spec.validate_response(CREATE, 409, &json!({"error": {"message": ["x"]}}))
            .is_err()
    );
    assert!(
        spec.validate_response(CREATE, 500, &json!({"error": "boom"}))
            .is_err()
    );
    // The observed real error bodies are CloudErrors.
    for file in [
        "InvalidPolicy.400.json",
        "RoleAssignmentRequestPolicyValidationFailed.ExpirationRule.400.json",
        "RoleAssignmentRequestAcrsValidationFailed.wrapped.json",
    ] {
        let body = fixture_json(&format!("arm/observed-errors/{file}")).unwrap();
        spec.validate_definition("CloudError", &body)
            .unwrap_or_else(|e| panic!("{file}: {e:#?}"));
    }
    // A status documented without a body accepts no body only.
    spec.validate_response("RoleManagementPolicies_Delete", 204, &Value::Null)
        .unwrap();
    spec.validate_response("RoleManagementPolicies_Delete", 200, &Value::Null)
        .unwrap();
    assert!(
        spec.validate_response("RoleManagementPolicies_Delete", 204, &json!({"id": "x"}))
            .is_err()
    );
    assert!(
        spec.validate_response("Nope_Nope", 200, &json!({}))
            .is_err()
    );
}

#[test]
fn request_bodies_need_their_required_fields_and_types() {
    let spec = spec();
    let (request, _) = create_request_and_response(&spec);
    spec.validate_request_body(CREATE, &request).unwrap();

    let mut missing = request.clone();
    missing["properties"]
        .as_object_mut()
        .unwrap()
        .remove("roleDefinitionId");
    let errors = spec.validate_request_body(CREATE, &missing).unwrap_err();
    assert!(
        errors.iter().any(|e| e.contains("roleDefinitionId")),
        "{errors:#?}"
    );
    for field in ["principalId", "requestType"] {
        let mut missing = request.clone();
        missing["properties"].as_object_mut().unwrap().remove(field);
        assert!(
            spec.validate_request_body(CREATE, &missing).is_err(),
            "{field} is required"
        );
    }

    let mut wrong = request.clone();
    wrong["properties"]["scheduleInfo"]["expiration"]["type"] = json!(["AfterDuration"]);
    assert!(spec.validate_request_body(CREATE, &wrong).is_err());
    let mut wrong = request.clone();
    wrong["properties"]["ticketInfo"] = json!("INC1");
    assert!(spec.validate_request_body(CREATE, &wrong).is_err());
    assert!(spec.validate_request_body(CREATE, &Value::Null).is_err());
    assert!(
        spec.validate_request_body("RoleAssignmentScheduleRequests_Get", &request)
            .is_err(),
        "Get takes no body"
    );
}

#[test]
fn open_enums_accept_new_values_unless_closed_and_comparison_is_case_sensitive() {
    let spec = spec();
    let (request, _) = create_request_and_response(&spec);
    // `requestType` is `modelAsString: true`: Azure may add values, so the documented validation accepts them…
    let mut new_value = request.clone();
    new_value["properties"]["requestType"] = json!("SelfSomethingNew");
    spec.validate_request_body(CREATE, &new_value).unwrap();
    // …but what a client sends should be a documented value, in its documented case.
    assert!(
        spec.validate_request_body_closed_enums(CREATE, &new_value)
            .is_err()
    );
    let mut lower = request.clone();
    lower["properties"]["requestType"] = json!("adminassign");
    assert!(
        spec.validate_request_body_closed_enums(CREATE, &lower)
            .is_err()
    );
    let mut ok = request.clone();
    ok["properties"]["requestType"] = json!("SelfActivate");
    spec.validate_request_body_closed_enums(CREATE, &ok)
        .unwrap();

    // Enums without `modelAsString: true` are enforced everywhere, case-sensitively.
    spec.validate_definition("Sku", &json!({"name": "S1", "tier": "Standard"}))
        .unwrap();
    assert!(
        spec.validate_definition("Sku", &json!({"name": "S1", "tier": "Gold"}))
            .is_err()
    );
    assert!(
        spec.validate_definition("Sku", &json!({"name": "S1", "tier": "standard"}))
            .is_err()
    );
    assert!(
        spec.validate_definition("Sku", &json!({"tier": "Standard"}))
            .is_err(),
        "name is required"
    );
    assert!(
        spec.validate_definition("Sku", &json!({"name": "S1", "capacity": "2"}))
            .is_err(),
        "capacity is an integer"
    );
    assert!(
        spec.validate_definition("Sku", &json!({"name": "S1", "capacity": 3_000_000_000_u64}))
            .is_err(),
        "capacity is an int32"
    );
}

fn policy_with_rule(spec: &ArmSpec, rule_type: &str) -> (Value, usize) {
    let body = example(spec, "RoleManagementPolicies_Get").responses[&200].clone();
    spec.validate_response("RoleManagementPolicies_Get", 200, &body)
        .unwrap();
    let rules = body["properties"]["rules"].as_array().unwrap();
    let position = rules
        .iter()
        .position(|r| r["ruleType"] == rule_type)
        .unwrap_or_else(|| panic!("no {rule_type}"));
    (body, position)
}

#[test]
fn policy_rules_are_checked_against_the_subtype_their_rule_type_names() {
    let spec = spec();
    let get = "RoleManagementPolicies_Get";
    let (body, i) = policy_with_rule(&spec, "RoleManagementPolicyExpirationRule");
    for (field, value) in [
        ("maximumDuration", json!(8)),
        ("isExpirationRequired", json!("yes")),
    ] {
        let mut bad = body.clone();
        bad["properties"]["rules"][i][field] = value;
        let errors = spec.validate_response(get, 200, &bad).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("/properties/rules/{i}/{field}"))),
            "{errors:#?}"
        );
    }
    // The same fields on a rule of another type are that type's business (here: unknown, so allowed).
    let mut other = body.clone();
    other["properties"]["rules"][i]["ruleType"] = json!("RoleManagementPolicyEnablementRule");
    other["properties"]["rules"][i]["maximumDuration"] = json!(8);
    spec.validate_response(get, 200, &other).unwrap();
    // A rule type Azure adds later is checked against the base only; the base's fields still count.
    let mut future = body.clone();
    future["properties"]["rules"][i]["ruleType"] = json!("RoleManagementPolicyFutureRule");
    future["properties"]["rules"][i]["maximumDuration"] = json!(8);
    spec.validate_response(get, 200, &future).unwrap();
    future["properties"]["rules"][i]["target"] = json!("everyone");
    assert!(spec.validate_response(get, 200, &future).is_err());
    // ruleType is required, and a string.
    let mut untyped = body.clone();
    untyped["properties"]["rules"][i]
        .as_object_mut()
        .unwrap()
        .remove("ruleType");
    assert!(spec.validate_response(get, 200, &untyped).is_err());
    untyped["properties"]["rules"][i]["ruleType"] = json!(4);
    assert!(spec.validate_response(get, 200, &untyped).is_err());

    // Deeper subtype structure: approval stages, enablement lists, notification recipients.
    let (body, i) = policy_with_rule(&spec, "RoleManagementPolicyApprovalRule");
    let mut bad = body.clone();
    bad["properties"]["rules"][i]["setting"]["approvalStages"][0]["approvalStageTimeOutInDays"] =
        json!("1");
    assert!(spec.validate_response(get, 200, &bad).is_err());
    let mut bad = body.clone();
    bad["properties"]["rules"][i]["setting"]["approvalStages"] = json!({"stage": 1});
    assert!(spec.validate_response(get, 200, &bad).is_err());
    let (body, i) = policy_with_rule(&spec, "RoleManagementPolicyEnablementRule");
    let mut bad = body.clone();
    bad["properties"]["rules"][i]["enabledRules"] = json!("MultiFactorAuthentication");
    assert!(spec.validate_response(get, 200, &bad).is_err());
    let (body, i) = policy_with_rule(&spec, "RoleManagementPolicyNotificationRule");
    let mut bad = body.clone();
    bad["properties"]["rules"][i]["isDefaultRecipientsEnabled"] = json!("true");
    assert!(spec.validate_response(get, 200, &bad).is_err());

    // The same dispatch applies to a request body (PATCH of a policy).
    let patch = example(&spec, "RoleManagementPolicies_Update");
    let mut request = patch.parameters["parameters"].clone();
    spec.validate_request_body("RoleManagementPolicies_Update", &request)
        .unwrap();
    let rules = request["properties"]["rules"].as_array().unwrap();
    let i = rules
        .iter()
        .position(|r| r["ruleType"] == "RoleManagementPolicyExpirationRule")
        .unwrap();
    request["properties"]["rules"][i]["maximumDuration"] = json!(true);
    assert!(
        spec.validate_request_body("RoleManagementPolicies_Update", &request)
            .is_err()
    );

    // And to a subtype validated by name.
    spec.validate_definition(
        "RoleManagementPolicyExpirationRule",
        &json!({"ruleType": "RoleManagementPolicyExpirationRule", "maximumDuration": "PT8H"}),
    )
    .unwrap();
    assert!(
        spec.validate_definition(
            "RoleManagementPolicyExpirationRule",
            &json!({"ruleType": "RoleManagementPolicyExpirationRule", "maximumDuration": 8})
        )
        .is_err()
    );
    assert!(
        spec.validate_definition(
            "RoleManagementPolicyRule",
            &json!({"ruleType": "RoleManagementPolicyExpirationRule", "maximumDuration": 8})
        )
        .is_err()
    );
}

#[test]
fn named_definitions_cloud_error_and_qualified_names() {
    let spec = spec();
    assert!(
        spec.validate_definition("CloudError", &json!({"error": {"code": 1}}))
            .is_err()
    );
    assert!(
        spec.validate_definition("CloudError", &json!({"error": {"message": {"text": "x"}}}))
            .is_err()
    );
    assert!(
        spec.validate_definition("CloudError", &json!({"error": "RoleAssignmentExists"}))
            .is_err()
    );
    // The 2020-10-01 CloudErrorBody has only code and message; extra fields are not forbidden.
    spec.validate_definition(
        "CloudError",
        &json!({"error": {"code": "X", "details": "x"}}),
    )
    .unwrap();
    spec.validate_definition(
        "CloudError",
        &json!({"error": {"code": "X", "message": "m", "target": null}}),
    )
    .unwrap();
    let (_, response) = create_request_and_response(&spec);
    spec.validate_definition("RoleAssignmentScheduleRequest", &response)
        .unwrap();
    assert!(
        spec.validate_definition("NoSuchDefinition", &json!({}))
            .is_err()
    );

    // ExpandedProperties differs between files: the bare name is refused, a qualified one works.
    let errors = spec
        .validate_definition("ExpandedProperties", &json!({}))
        .unwrap_err();
    assert!(errors[0].contains("qualify"), "{errors:?}");
    spec.validate_definition(
        "RoleAssignmentScheduleRequest:ExpandedProperties",
        &json!({"principal": {"id": "p"}}),
    )
    .unwrap();
    assert!(
        spec.validate_definition(
            "RoleAssignmentScheduleRequest:ExpandedProperties",
            &json!({"principal": {"id": 1}})
        )
        .is_err()
    );
    // Identical definitions in several files are fine bare, or qualified with a folder.
    spec.validate_definition("Permission", &json!({"actions": ["*"]}))
        .unwrap();
    spec.validate_definition(
        "2022-04-01/common-types:Permission",
        &json!({"actions": ["*"]}),
    )
    .unwrap();
    assert!(
        spec.validate_definition(
            "2022-04-01/common-types:Permission",
            &json!({"actions": "*"})
        )
        .is_err()
    );
    spec.validate_definition("v2/types:ErrorResponse", &json!({"error": {"code": "X"}}))
        .unwrap();
    assert!(
        spec.validate_definition("NoSuchFile:Permission", &json!({}))
            .is_err()
    );
}

#[test]
fn fixtures_include_graph_examples_and_observed_errors_with_provenance() {
    let graph = fixture_json("graph/directory/selfActivate.response.201.json").unwrap();
    assert_eq!(graph["action"], "selfActivate");
    let acrs =
        fixture_json("arm/observed-errors/RoleAssignmentRequestAcrsValidationFailed.wrapped.json")
            .unwrap();
    assert!(acrs.to_string().contains("claims"));
    for file in ["README.md", "arm/PROVENANCE.md", "graph/PROVENANCE.md"] {
        assert!(fixture_path(file).is_file(), "{file}");
    }
    match fixture_json("graph/nope.json") {
        Err(elevate_spec::SpecError::Io { .. }) => {}
        other => panic!("{other:?}"),
    }
    match fixture_json("README.md") {
        Err(elevate_spec::SpecError::Json { .. }) => {}
        other => panic!("{other:?}"),
    }
}

fn leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            leaves(
                v,
                format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                out,
            )
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| leaves(v, format!("{pointer}/{i}"), out)),
        Value::Null => {}
        _ => out.push(pointer),
    }
}

/// Every scalar of every example response is covered by a typed schema: replacing any one of them with
/// a value of the wrong type is caught. (A converter that lost a `$ref`, an `allOf` or a discriminator
/// subtype would let some through.)
#[test]
fn every_leaf_of_every_example_response_is_type_checked() {
    let spec = spec();
    let (mut total, mut missed) = (0, Vec::new());
    for example in spec.examples() {
        for (status, body) in &example.responses {
            let mut pointers = Vec::new();
            leaves(body, String::new(), &mut pointers);
            for pointer in pointers {
                let mut broken = body.clone();
                let leaf = broken.pointer_mut(&pointer).unwrap();
                *leaf = if leaf.is_string() {
                    json!([1])
                } else {
                    json!({"x": 1})
                };
                total += 1;
                if spec
                    .validate_response(&example.operation_id, *status, &broken)
                    .is_ok()
                {
                    missed.push(format!("{} {status} {pointer}", example.file));
                }
            }
        }
    }
    assert!(total > 2000, "{total}");
    assert!(
        missed.is_empty(),
        "{} of {total} wrong-typed leaves passed:\n{}",
        missed.len(),
        missed.join("\n")
    );
}

/// The requests for more time Elevate sends are in each resource's enum: ARM's two schedule
/// request resources list `SelfExtend` and `SelfRenew`; Graph's assignment and eligibility
/// requests list `selfExtend` and `selfRenew`; PIM for Groups' assignment requests list neither
/// (so Elevate never sends them there).
#[test]
fn self_extend_and_self_renew_are_in_the_enums_of_the_resources_elevate_sends_them_to() {
    let arm = spec();
    for file in [
        "arm/specification/authorization/resource-manager/Microsoft.Authorization/stable/2020-10-01/RoleAssignmentScheduleRequest.json",
        "arm/specification/authorization/resource-manager/Microsoft.Authorization/stable/2020-10-01/RoleEligibilityScheduleRequest.json",
    ] {
        let doc = elevate_spec::fixture_json(file).unwrap_or_else(|e| panic!("{e}"));
        let definition = if file.contains("Eligibility") {
            "RoleEligibilityScheduleRequestProperties"
        } else {
            "RoleAssignmentScheduleRequestProperties"
        };
        let values: Vec<&str> = doc["definitions"][definition]["properties"]["requestType"]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: no requestType enum"))
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(
            values.contains(&"SelfExtend") && values.contains(&"SelfRenew"),
            "{file}: {values:?}"
        );
    }
    assert!(
        arm.operation("RoleEligibilityScheduleRequests_Create")
            .is_some()
    );
    let graph = elevate_spec::fixture_json("graph/actions.json").unwrap_or_else(|e| panic!("{e}"));
    let of = |resource: &str| -> Vec<String> {
        graph[resource]
            .as_array()
            .unwrap_or_else(|| panic!("{resource}"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    for resource in [
        "unifiedRoleAssignmentScheduleRequest",
        "unifiedRoleEligibilityScheduleRequest",
    ] {
        let actions = of(resource);
        assert!(
            actions.iter().any(|a| a == "selfExtend") && actions.iter().any(|a| a == "selfRenew"),
            "{resource}"
        );
    }
    let groups = of("privilegedAccessGroupAssignmentScheduleRequest");
    assert!(
        !groups.iter().any(|a| a == "selfExtend" || a == "selfRenew"),
        "{groups:?}"
    );
}
