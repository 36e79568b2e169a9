//! Role management policies: the end-user activation rules of a role at a scope, how the policy
//! that applies is chosen (the most specific one at or above the scope wins, else the tenant
//! default), and the rule list in the wire form of the spec example
//! `GetRoleManagementPolicyByName.json`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::duration::parse_duration;
use crate::ids::{eq_ci, stable_guid};
use crate::scope::Scope;
use crate::state::SimState;
use crate::tenant::Directory;

/// `enabledRules` value: the token must show multi-factor authentication.
pub(crate) const RULE_MFA: &str = "MultiFactorAuthentication";
/// `enabledRules` value: a justification is required.
pub(crate) const RULE_JUSTIFICATION: &str = "Justification";
/// `enabledRules` value: ticket number and ticket system are required.
pub(crate) const RULE_TICKETING: &str = "Ticketing";

/// Approval stages time out after this many days (`approvalStageTimeOutInDays`).
pub(crate) const APPROVAL_TIMEOUT_DAYS: i64 = 1;

/// What an end user must satisfy to activate a role (the `*_EndUser_Assignment` rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EndUserRules {
    /// `Expiration_EndUser_Assignment.maximumDuration` (ISO 8601).
    pub maximum_duration: String,
    /// `Expiration_EndUser_Assignment.isExpirationRequired`.
    pub expiration_required: bool,
    /// `Enablement_EndUser_Assignment.enabledRules`.
    pub enabled_rules: Vec<String>,
    /// `Approval_EndUser_Assignment.setting.isApprovalRequired`.
    pub approval_required: bool,
    /// `Approval_EndUser_Assignment.setting.isApprovalRequiredForExtension`.
    pub approval_required_for_extension: bool,
    /// Primary approvers of the single approval stage.
    pub approvers: Vec<Approver>,
    /// `AuthenticationContext_EndUser_Assignment.claimValue` when the rule is enabled.
    pub auth_context: Option<String>,
}

impl EndUserRules {
    /// Rules with only a maximum duration.
    pub(crate) fn simple(maximum_duration: &str, enabled_rules: &[&str]) -> EndUserRules {
        EndUserRules {
            maximum_duration: maximum_duration.to_string(),
            expiration_required: true,
            enabled_rules: enabled_rules.iter().map(|r| (*r).to_string()).collect(),
            approval_required: false,
            approval_required_for_extension: false,
            approvers: Vec::new(),
            auth_context: None,
        }
    }

    /// Whether `rule` is among the enabled rules.
    pub(crate) fn requires(&self, rule: &str) -> bool {
        self.enabled_rules.iter().any(|r| eq_ci(r, rule))
    }

    /// The maximum activation length, when it parses.
    pub(crate) fn max_duration(&self) -> Option<Duration> {
        parse_duration(&self.maximum_duration).ok()
    }

    /// Whether `principal` may approve requests under these rules (directly or via a group).
    pub(crate) fn is_approver(&self, principal: &str, directory: &Directory) -> bool {
        let groups = directory.groups_of(principal);
        self.approvers
            .iter()
            .any(|a| eq_ci(&a.id, principal) || groups.iter().any(|g| eq_ci(g, &a.id)))
    }
}

/// One primary approver (`UserSet`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Approver {
    /// Object id of the user or group.
    pub id: String,
    /// Display text.
    pub description: String,
    /// `User` or `Group`.
    pub user_type: String,
}

/// A policy set explicitly for one role at one scope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Policy {
    /// Policy name (GUID).
    pub name: String,
    /// Canonical scope the policy is set at.
    pub scope: String,
    /// Role definition GUID.
    pub role_guid: String,
    /// When the policy was last changed.
    pub last_modified: DateTime<Utc>,
    /// The end-user rules.
    pub rules: EndUserRules,
}

/// The policy that governs a role at some scope.
#[derive(Debug, Clone)]
pub(crate) struct EffectivePolicy {
    /// Policy name (GUID).
    pub name: String,
    /// Canonical scope the policy is set at.
    pub scope: String,
    /// Role definition GUID.
    pub role_guid: String,
    /// The end-user rules.
    pub rules: EndUserRules,
    /// Whether this is the tenant default rather than an explicit policy.
    pub is_default: bool,
    /// When the policy was last changed (unknown for defaults).
    pub last_modified: Option<DateTime<Utc>>,
}

/// Name of the tenant default policy for a role.
pub(crate) fn default_policy_name(tenant_id: &str, role_guid: &str) -> String {
    stable_guid(&format!(
        "elevate-sim/default-policy/{}/{}",
        tenant_id,
        role_guid.to_ascii_lowercase()
    ))
}

/// The scope tenant default policies live at: the tenant root management group.
pub(crate) fn default_policy_scope(directory: &Directory) -> Scope {
    Scope::ManagementGroup(directory.tenant_id.clone())
}

fn default_for(state: &SimState, role_guid: &str) -> EffectivePolicy {
    EffectivePolicy {
        name: default_policy_name(&state.directory.tenant_id, role_guid),
        scope: default_policy_scope(&state.directory).canonical(),
        role_guid: role_guid.to_ascii_lowercase(),
        rules: state.default_rules.clone(),
        is_default: true,
        last_modified: None,
    }
}

fn explicit(policy: &Policy) -> EffectivePolicy {
    EffectivePolicy {
        name: policy.name.clone(),
        scope: policy.scope.clone(),
        role_guid: policy.role_guid.clone(),
        rules: policy.rules.clone(),
        is_default: false,
        last_modified: Some(policy.last_modified),
    }
}

/// The policy for `role_guid` at `scope`: the explicit policy set at the nearest scope at or
/// above it, else the tenant default.
pub(crate) fn effective(state: &SimState, role_guid: &str, scope: &Scope) -> EffectivePolicy {
    let ancestors = scope.ancestor_keys(&state.directory);
    state
        .policies
        .iter()
        .filter(|p| eq_ci(&p.role_guid, role_guid))
        .filter_map(|p| {
            let key = p.scope.to_ascii_lowercase();
            ancestors
                .iter()
                .position(|a| *a == key)
                .map(|depth| (depth, p))
        })
        .min_by_key(|(depth, _)| *depth)
        .map(|(_, p)| explicit(p))
        .unwrap_or_else(|| default_for(state, role_guid))
}

/// The policy called `name` (explicit or a role's default), if any.
pub(crate) fn by_name(state: &SimState, name: &str) -> Option<EffectivePolicy> {
    if let Some(p) = state.policies.iter().find(|p| eq_ci(&p.name, name)) {
        return Some(explicit(p));
    }
    state
        .directory
        .role_definitions
        .iter()
        .find(|r| {
            eq_ci(
                &default_policy_name(&state.directory.tenant_id, &r.guid),
                name,
            )
        })
        .map(|r| default_for(state, &r.guid))
}

fn target(caller: &str, level: &str) -> Value {
    json!({
        "caller": caller,
        "operations": ["All"],
        "level": level,
        "targetObjects": null,
        "inheritableSettings": null,
        "enforcedSettings": null
    })
}

fn notification(recipient: &str, caller: &str, level: &str) -> Value {
    let caller_part = if caller == "EndUser" {
        "EndUser"
    } else {
        "Admin"
    };
    let level_part = if level == "Eligibility" {
        "Eligibility"
    } else {
        "Assignment"
    };
    json!({
        "notificationType": "Email",
        "recipientType": recipient,
        "isDefaultRecipientsEnabled": true,
        "notificationLevel": "All",
        "notificationRecipients": [],
        "id": format!("Notification_{recipient}_{caller_part}_{level_part}"),
        "ruleType": "RoleManagementPolicyNotificationRule",
        "target": target(caller, level)
    })
}

/// The full rule list of a policy, in the order and shape of the spec example.
pub(crate) fn rules_json(rules: &EndUserRules) -> Vec<Value> {
    let approvers: Vec<Value> = rules
        .approvers
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "description": a.description,
                "isBackup": false,
                "userType": a.user_type
            })
        })
        .collect();
    vec![
        json!({
            "enabledRules": [],
            "id": "Enablement_Admin_Eligibility",
            "ruleType": "RoleManagementPolicyEnablementRule",
            "target": target("Admin", "Eligibility")
        }),
        json!({
            "isExpirationRequired": true,
            "maximumDuration": "P365D",
            "id": "Expiration_Admin_Eligibility",
            "ruleType": "RoleManagementPolicyExpirationRule",
            "target": target("Admin", "Eligibility")
        }),
        notification("Admin", "Admin", "Eligibility"),
        notification("Requestor", "Admin", "Eligibility"),
        notification("Approver", "Admin", "Eligibility"),
        json!({
            "enabledRules": ["MultiFactorAuthentication", "Justification"],
            "id": "Enablement_Admin_Assignment",
            "ruleType": "RoleManagementPolicyEnablementRule",
            "target": target("Admin", "Assignment")
        }),
        json!({
            "isExpirationRequired": false,
            "maximumDuration": "P180D",
            "id": "Expiration_Admin_Assignment",
            "ruleType": "RoleManagementPolicyExpirationRule",
            "target": target("Admin", "Assignment")
        }),
        notification("Admin", "Admin", "Assignment"),
        notification("Requestor", "Admin", "Assignment"),
        notification("Approver", "Admin", "Assignment"),
        json!({
            "setting": {
                "isApprovalRequired": rules.approval_required,
                "isApprovalRequiredForExtension": rules.approval_required_for_extension,
                "isRequestorJustificationRequired": true,
                "approvalMode": "SingleStage",
                "approvalStages": [{
                    "approvalStageTimeOutInDays": APPROVAL_TIMEOUT_DAYS,
                    "isApproverJustificationRequired": true,
                    "escalationTimeInMinutes": 0,
                    "primaryApprovers": approvers,
                    "isEscalationEnabled": false,
                    "escalationApprovers": null
                }]
            },
            "id": "Approval_EndUser_Assignment",
            "ruleType": "RoleManagementPolicyApprovalRule",
            "target": target("EndUser", "Assignment")
        }),
        json!({
            "isEnabled": rules.auth_context.is_some(),
            "claimValue": rules.auth_context.clone().unwrap_or_default(),
            "id": "AuthenticationContext_EndUser_Assignment",
            "ruleType": "RoleManagementPolicyAuthenticationContextRule",
            "target": target("EndUser", "Assignment")
        }),
        json!({
            "enabledRules": rules.enabled_rules,
            "id": "Enablement_EndUser_Assignment",
            "ruleType": "RoleManagementPolicyEnablementRule",
            "target": target("EndUser", "Assignment")
        }),
        json!({
            "isExpirationRequired": rules.expiration_required,
            "maximumDuration": rules.maximum_duration,
            "id": "Expiration_EndUser_Assignment",
            "ruleType": "RoleManagementPolicyExpirationRule",
            "target": target("EndUser", "Assignment")
        }),
        notification("Admin", "EndUser", "Assignment"),
        notification("Requestor", "EndUser", "Assignment"),
        notification("Approver", "EndUser", "Assignment"),
    ]
}
