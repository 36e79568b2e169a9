//! The validator against Microsoft's own examples (which must pass) and broken bodies (which must fail).

use elevate_spec::{ArmSpec, fixture_json};
use serde_json::{Value, json};

fn spec() -> ArmSpec {
    ArmSpec::load().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_example_response_validates_against_its_operation() {
    let spec = spec();
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in spec.examples() {
        for (status, body) in &example.responses {
            if body.is_null() {
                continue;
            }
            checked += 1;
            if let Err(errors) = spec.validate_response(&example.operation_id, *status, body) {
                failures.push(format!("{} ({} {status}): {errors:#?}", example.file, example.operation_id));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked >= 30, "checked only {checked} example bodies");
}

#[test]
fn examples_are_all_the_x_ms_examples_present_in_the_fixtures() {
    let spec = spec();
    let mut expected = 0;
    let mut pim_missing = Vec::new();
    for file in spec.files() {
        let doc = fixture_json(file).unwrap_or_else(|e| panic!("{e}"));
        let dir = std::path::Path::new(file).parent().map(std::path::Path::to_owned).unwrap_or_default();
        for methods in doc["paths"].as_object().into_iter().flatten().map(|(_, m)| m) {
            for op in methods.as_object().into_iter().flatten().map(|(_, o)| o) {
                for (_, example) in op["x-ms-examples"].as_object().into_iter().flatten() {
                    let path = dir.join(example["$ref"].as_str().unwrap_or_default());
                    if elevate_spec::fixture_path(&path.to_string_lossy()).exists() {
                        expected += 1;
                    } else if file.contains("2020-10-01") {
                        pim_missing.push(path);
                    }
                }
            }
        }
    }
    assert!(pim_missing.is_empty(), "every 2020-10-01 example is in the fixtures: {pim_missing:?}");
    assert_eq!(spec.examples().len(), expected);
    assert!(spec.operation_ids().contains(&"RoleAssignmentScheduleRequests_Create".to_owned()));
    assert_eq!(
        spec.operation("RoleAssignmentScheduleRequests_Cancel").map(|(m, _)| m),
        Some("POST".to_owned())
    );
}

fn create_example_body(spec: &ArmSpec) -> (Value, Value) {
    let example = spec
        .examples()
        .into_iter()
        .find(|e| e.operation_id == "RoleAssignmentScheduleRequests_Create")
        .unwrap_or_else(|| panic!("no create example"));
    let request = example.parameters["parameters"].clone();
    let response = example.responses.get(&201).cloned().unwrap_or(Value::Null);
    (request, response)
}

#[test]
fn wrong_types_and_missing_required_fields_fail() {
    let spec = spec();
    let (request, response) = create_example_body(&spec);
    spec.validate_request_body("RoleAssignmentScheduleRequests_Create", &request).unwrap_or_else(|e| panic!("{e:#?}"));
    spec.validate_response("RoleAssignmentScheduleRequests_Create", 201, &response).unwrap_or_else(|e| panic!("{e:#?}"));

    let mut bad = response.clone();
    bad["properties"]["status"] = json!(7);
    assert!(spec.validate_response("RoleAssignmentScheduleRequests_Create", 201, &bad).is_err(), "status must be a string");

    let mut missing = request.clone();
    missing["properties"].as_object_mut().map(|p| p.remove("roleDefinitionId"));
    let errors = spec.validate_request_body("RoleAssignmentScheduleRequests_Create", &missing).err().unwrap_or_default();
    assert!(errors.iter().any(|e| e.contains("roleDefinitionId")), "{errors:#?}");

    // Every enum in these specs is `modelAsString: true` (open): a new value is allowed, a wrong type is not.
    let mut new_value = request.clone();
    new_value["properties"]["requestType"] = json!("SelfSomethingNew");
    spec.validate_request_body("RoleAssignmentScheduleRequests_Create", &new_value).unwrap_or_else(|e| panic!("{e:#?}"));
    let mut wrong_type = request;
    wrong_type["properties"]["scheduleInfo"]["expiration"]["type"] = json!(["AfterDuration"]);
    assert!(spec.validate_request_body("RoleAssignmentScheduleRequests_Create", &wrong_type).is_err());

    assert!(spec.validate_definition("CloudError", &json!({"error": {"code": 1}})).is_err());
    spec.validate_definition("CloudError", &json!({"error": {"code": "RoleAssignmentExists", "message": "exists"}})).unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(spec.validate_response("RoleAssignmentScheduleRequests_Create", 400, &json!({"error": {"message": ["x"]}})).is_err());
}

#[test]
fn policy_rules_are_checked_by_their_rule_type() {
    let spec = spec();
    let example = spec
        .examples()
        .into_iter()
        .find(|e| e.operation_id == "RoleManagementPolicies_Get")
        .unwrap_or_else(|| panic!("no policy example"));
    let body = example.responses.get(&200).cloned().unwrap_or(Value::Null);
    spec.validate_response("RoleManagementPolicies_Get", 200, &body).unwrap_or_else(|e| panic!("{e:#?}"));
    let rules = body["properties"]["rules"].as_array().cloned().unwrap_or_default();
    let position = rules.iter().position(|r| r["ruleType"] == "RoleManagementPolicyExpirationRule").unwrap_or_else(|| panic!("no expiration rule"));
    let mut bad = body.clone();
    bad["properties"]["rules"][position]["isExpirationRequired"] = json!("yes");
    assert!(spec.validate_response("RoleManagementPolicies_Get", 200, &bad).is_err(), "the subtype's fields are checked");
    let mut bad_duration = body;
    bad_duration["properties"]["rules"][position]["maximumDuration"] = json!(8);
    assert!(spec.validate_response("RoleManagementPolicies_Get", 200, &bad_duration).is_err(), "maximumDuration is a string");
}

#[test]
fn fixtures_include_graph_examples_and_observed_errors() {
    let graph = fixture_json("graph/directory/selfActivate.response.201.json").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(graph["action"], "selfActivate");
    let acrs = fixture_json("arm/observed-errors/RoleAssignmentRequestAcrsValidationFailed.wrapped.json").unwrap_or_else(|e| panic!("{e}"));
    assert!(acrs.to_string().contains("claims"));
}
