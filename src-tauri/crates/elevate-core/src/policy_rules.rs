//! Reading a PIM policy's rules (the same rule ids and fields in ARM and Graph) into a [`Policy`].

use serde_json::Value;

use crate::model::{Approver, ApproverKind, Policy, Span};
use crate::text::sanitize;

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
        policy.approvers = approvers_of(setting);
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

/// The primary approvers of every stage of an approval rule's `setting`. ARM writes each as a
/// `UserSet` (`id`, `description`, `userType` `User`|`Group`, `isBackup`); Graph as a subject set
/// (`#microsoft.graph.singleUser` with `userId`, `#microsoft.graph.groupMembers` with `groupId`,
/// both with `description`, `isBackup`). Other subject sets (the requestor's manager, sponsors,
/// connected organisations) name nobody in particular and are left out; so is an entry without an
/// id. The same user or group named twice in a stage is kept once.
fn approvers_of(setting: &Value) -> Vec<Approver> {
    let mut approvers: Vec<Approver> = Vec::new();
    let stages = setting["approvalstages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (stage, entry) in stages.iter().enumerate() {
        let listed = entry["primaryapprovers"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for approver in listed {
            let Some(found) = approver_of(approver, u32::try_from(stage).unwrap_or(u32::MAX))
            else {
                continue;
            };
            if !approvers
                .iter()
                .any(|a| a.stage == found.stage && a.id.eq_ignore_ascii_case(&found.id))
            {
                approvers.push(found);
            }
        }
    }
    approvers
}

fn approver_of(value: &Value, stage: u32) -> Option<Approver> {
    let text = |key: &str| value[key].as_str().map(str::trim).filter(|v| !v.is_empty());
    let odata = text("@odata.type").map(|t| {
        t.trim_start_matches("#microsoft.graph.")
            .to_ascii_lowercase()
    });
    let (kind, id) = match odata.as_deref() {
        Some("singleuser") => (ApproverKind::User, text("userid")?),
        Some("groupmembers") => (ApproverKind::Group, text("groupid")?),
        Some(_) => return None,
        None => {
            let kind = match text("usertype") {
                Some(t) if t.eq_ignore_ascii_case("group") => ApproverKind::Group,
                Some(t) if t.eq_ignore_ascii_case("user") => ApproverKind::User,
                _ => return None,
            };
            (kind, text("id")?)
        }
    };
    // An object id is a GUID; anything else is not looked up or linked to.
    let id = uuid::Uuid::parse_str(id).ok()?.to_string();
    Some(Approver {
        id,
        kind,
        stage,
        backup: value["isbackup"].as_bool().unwrap_or(false),
        description: text("description").map(sanitize),
        name: None,
        upn: None,
        mail: None,
    })
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
    fn reads_primary_approvers_as_arm_and_graph_write_them() {
        let arm = lowercase_keys(serde_json::json!([
            {"id":"Approval_EndUser_Assignment","ruleType":"RoleManagementPolicyApprovalRule","target":{"caller":"EndUser","level":"Assignment"},
             "setting":{"isApprovalRequired":true,"approvalStages":[
                {"primaryApprovers":[
                    {"id":"2385B0F3-5FA9-43CF-8CA4-B01DC97298CD","description":"amansw_new_group","isBackup":false,"userType":"Group"},
                    {"id":"0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a01","description":"Grace \u{1b}[31mHopper","isBackup":true,"userType":"User"},
                    {"id":"not-a-guid","description":"x","userType":"User"},
                    {"id":"0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a02","description":"no type"}
                ]},
                {"primaryApprovers":[{"id":"0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a03","description":"Second stage","userType":"user"}]}
             ]}}
        ]));
        let policy = policy_from_rules(arm.as_array().map(Vec::as_slice).unwrap_or_default());
        let seen: Vec<_> = policy
            .approvers
            .iter()
            .map(|a| {
                (
                    a.id.as_str(),
                    a.kind,
                    a.stage,
                    a.backup,
                    a.description.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    "2385b0f3-5fa9-43cf-8ca4-b01dc97298cd",
                    ApproverKind::Group,
                    0,
                    false,
                    Some("amansw_new_group")
                ),
                (
                    "0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a01",
                    ApproverKind::User,
                    0,
                    true,
                    Some("Grace \u{FFFD}[31mHopper")
                ),
                (
                    "0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a03",
                    ApproverKind::User,
                    1,
                    false,
                    Some("Second stage")
                ),
            ]
        );
        let graph = lowercase_keys(serde_json::json!([
            {"@odata.type":"#microsoft.graph.unifiedRoleManagementPolicyApprovalRule","id":"Approval_EndUser_Assignment","target":{"caller":"EndUser","level":"Assignment"},
             "setting":{"isApprovalRequired":true,"approvalStages":[{"primaryApprovers":[
                {"@odata.type":"#microsoft.graph.singleUser","userId":"0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a01","description":"Grace","isBackup":false},
                {"@odata.type":"#microsoft.graph.groupMembers","groupId":"2385b0f3-5fa9-43cf-8ca4-b01dc97298cd","description":"Approvers"},
                {"@odata.type":"#microsoft.graph.requestorManager","managerLevel":1},
                {"@odata.type":"#microsoft.graph.singleUser","userId":"0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a01","description":"twice"}
             ]}]}}
        ]));
        let policy = policy_from_rules(graph.as_array().map(Vec::as_slice).unwrap_or_default());
        let seen: Vec<_> = policy
            .approvers
            .iter()
            .map(|a| (a.id.as_str(), a.kind, a.display_name()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    "0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a01",
                    ApproverKind::User,
                    "Grace"
                ),
                (
                    "2385b0f3-5fa9-43cf-8ca4-b01dc97298cd",
                    ApproverKind::Group,
                    "Approvers"
                ),
            ]
        );
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
