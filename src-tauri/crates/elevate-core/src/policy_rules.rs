//! Reading a PIM policy's rules (the same rule ids and fields in ARM and Graph) into a [`Policy`].

use serde_json::Value;

use crate::model::{Policy, Span};

/// Builds the end-user activation policy from rules whose member names are lower-cased
/// (see [`crate::wire::lowercase_keys`]). Unknown or malformed rules are ignored; a rule is found by its
/// id (`Expiration_EndUser_Assignment`, …) or, failing that, by its type and target.
pub fn policy_from_rules(rules: &[Value]) -> Policy {
    let find = |id: &str, kind: &str| -> Option<&Value> {
        rules
            .iter()
            .find(|r| r["id"].as_str().is_some_and(|v| v.eq_ignore_ascii_case(id)))
            .or_else(|| rules.iter().find(|r| is_end_user_assignment_rule(r, kind)))
    };
    let mut policy = Policy::default();
    if let Some(rule) = find("Expiration_EndUser_Assignment", "ExpirationRule") {
        policy.max_duration = rule["maximumduration"]
            .as_str()
            .and_then(|d| Span::parse_iso8601(d).ok());
    }
    if let Some(rule) = find("Enablement_EndUser_Assignment", "EnablementRule") {
        let enabled: Vec<String> = rule["enabledrules"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_ascii_lowercase))
                    .collect()
            })
            .unwrap_or_default();
        policy.justification_required = enabled.iter().any(|r| r == "justification");
        policy.ticket_required = enabled.iter().any(|r| r == "ticketing");
        policy.mfa_required = enabled.iter().any(|r| r == "multifactorauthentication");
    }
    if let Some(rule) = find("Approval_EndUser_Assignment", "ApprovalRule") {
        let setting = &rule["setting"];
        policy.approval_required = setting["isapprovalrequired"].as_bool().unwrap_or(false);
        policy.approval_required_for_extension = setting["isapprovalrequiredforextension"]
            .as_bool()
            .unwrap_or(false);
    }
    if let Some(rule) = find(
        "AuthenticationContext_EndUser_Assignment",
        "AuthenticationContextRule",
    ) && rule["isenabled"].as_bool().unwrap_or(false)
    {
        policy.authentication_context = rule["claimvalue"]
            .as_str()
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned);
    }
    policy
}

fn is_end_user_assignment_rule(rule: &Value, kind: &str) -> bool {
    // ARM: ruleType "RoleManagementPolicyExpirationRule"; Graph: @odata.type "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule".
    let type_matches = ["ruletype", "@odata.type"]
        .iter()
        .filter_map(|k| rule[*k].as_str())
        .any(|t| t.to_ascii_lowercase().ends_with(&kind.to_ascii_lowercase()));
    let target = &rule["target"];
    let eq = |key: &str, want: &str| {
        target[key]
            .as_str()
            .is_some_and(|v| v.eq_ignore_ascii_case(want))
    };
    type_matches && eq("caller", "EndUser") && eq("level", "Assignment")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::lowercase_keys;

    #[test]
    fn reads_end_user_rules() {
        let rules = lowercase_keys(serde_json::json!([
            {"id":"Expiration_EndUser_Assignment","ruleType":"RoleManagementPolicyExpirationRule","isExpirationRequired":true,"maximumDuration":"PT7H","target":{"caller":"EndUser","level":"Assignment"}},
            {"id":"Expiration_Admin_Assignment","ruleType":"RoleManagementPolicyExpirationRule","maximumDuration":"P90D","target":{"caller":"Admin","level":"Assignment"}},
            {"id":"Enablement_EndUser_Assignment","ruleType":"RoleManagementPolicyEnablementRule","enabledRules":["MultiFactorAuthentication","Justification","Ticketing"],"target":{"caller":"EndUser","level":"Assignment"}},
            {"id":"Approval_EndUser_Assignment","ruleType":"RoleManagementPolicyApprovalRule","setting":{"isApprovalRequired":true,"isApprovalRequiredForExtension":false},"target":{"caller":"EndUser","level":"Assignment"}},
            {"id":"AuthenticationContext_EndUser_Assignment","ruleType":"RoleManagementPolicyAuthenticationContextRule","isEnabled":true,"claimValue":"c1","target":{"caller":"EndUser","level":"Assignment"}}
        ]));
        let policy = policy_from_rules(rules.as_array().map(Vec::as_slice).unwrap_or_default());
        assert_eq!(policy.max_duration, Some(Span::from_hours(7)));
        assert!(
            policy.justification_required
                && policy.ticket_required
                && policy.mfa_required
                && policy.approval_required
        );
        assert!(!policy.approval_required_for_extension);
        assert_eq!(policy.authentication_context.as_deref(), Some("c1"));
    }

    #[test]
    fn finds_rules_by_type_when_ids_differ_and_ignores_garbage() {
        let rules = lowercase_keys(serde_json::json!([
            42, "x", {"id": 7},
            {"id":"custom","@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyExpirationRule","maximumDuration":"PT2H","target":{"caller":"EndUser","level":"Assignment"}},
            {"id":"AuthenticationContext_EndUser_Assignment","isEnabled":false,"claimValue":"c1"}
        ]));
        let policy = policy_from_rules(rules.as_array().map(Vec::as_slice).unwrap_or_default());
        assert_eq!(policy.max_duration, Some(Span::from_hours(2)));
        assert_eq!(policy.authentication_context, None);
    }
}
