//! `GET /policies/roleManagementPolicyAssignments`: which policy governs an Entra role or a
//! group's member/owner access, with `$expand=policy($expand=rules)`. The `$filter` on `scopeId`
//! and `scopeType` is required, as Microsoft documents.

use serde_json::{Value, json};

use super::odata::{Expand, Filter, list_reply, page};
use super::render::is_root;
use super::{GraphCtx, bad_request};
use crate::arm::reply::ArmReply as Reply;
use crate::clock::format_time;
use crate::entra::{DIRECTORY_ROOT, Target};
use crate::ids::eq_ci;
use crate::policy::{EndUserRules, rules_json};

/// The rule list in Graph's shape: `@odata.type` instead of `ruleType`, lower-case operations,
/// and approvers as `singleUser`/`groupMembers`.
pub(crate) fn graph_rules(rules: &EndUserRules) -> Vec<Value> {
    rules_json(rules)
        .into_iter()
        .map(|mut rule| {
            let Some(object) = rule.as_object_mut() else { return rule };
            let kind = object.remove("ruleType").and_then(|k| k.as_str().map(str::to_string)).unwrap_or_default();
            let kind = kind.strip_prefix("RoleManagementPolicy").unwrap_or(&kind).to_string();
            if let Some(target) = object.get_mut("target").and_then(Value::as_object_mut) {
                target.remove("targetObjects");
                target.insert("operations".into(), json!(["all"]));
                target.insert("inheritableSettings".into(), json!([]));
                target.insert("enforcedSettings".into(), json!([]));
            }
            if let Some(stages) = object.get_mut("setting").and_then(|s| s.get_mut("approvalStages")).and_then(Value::as_array_mut) {
                for stage in stages {
                    if let Some(approvers) = stage.get_mut("primaryApprovers").and_then(Value::as_array_mut) {
                        for approver in approvers.iter_mut() {
                            let id = approver["id"].clone();
                            let group = approver["userType"].as_str().is_some_and(|t| eq_ci(t, "Group"));
                            *approver = if group {
                                json!({"@odata.type": "#microsoft.graph.groupMembers", "isBackup": false, "groupId": id, "description": approver["description"]})
                            } else {
                                json!({"@odata.type": "#microsoft.graph.singleUser", "isBackup": false, "userId": id, "description": approver["description"]})
                            };
                        }
                    }
                    stage["escalationApprovers"] = json!([]);
                }
            }
            let mut ordered = serde_json::Map::new();
            ordered.insert("@odata.type".into(), json!(format!("#microsoft.graph.unifiedRoleManagementPolicy{kind}")));
            ordered.extend(std::mem::take(object));
            Value::Object(ordered)
        })
        .collect()
}

/// `GET /policies/roleManagementPolicyAssignments?$filter=scopeId eq '…' and scopeType eq '…'`.
pub(crate) fn list_assignments(ctx: &GraphCtx<'_>) -> Reply {
    match build(ctx) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn build(ctx: &GraphCtx<'_>) -> Result<Reply, Reply> {
    let expand = Expand::parse(ctx, &["policy"], "unifiedRoleManagementPolicyAssignment")?;
    let filter = Filter::parse(ctx, &["scopeId", "scopeType", "roleDefinitionId"])?;
    let (Some(scope_id), Some(scope_type)) = (filter.value("scopeId"), filter.value("scopeType"))
    else {
        return Err(bad_request(
            "BadRequest",
            "This request requires a $filter with scopeId and scopeType, e.g. scopeId eq '/' and scopeType eq 'DirectoryRole'.",
        ));
    };
    let state = ctx.shared.state();
    let tenant = state.directory.tenant_id.clone();
    let targets: Vec<Target> = if eq_ci(scope_type, "DirectoryRole") {
        if is_root(scope_id) {
            state
                .entra
                .roles
                .iter()
                .map(|r| Target::Directory {
                    role_id: r.id.clone(),
                    scope_id: DIRECTORY_ROOT.to_string(),
                })
                .collect()
        } else {
            Vec::new()
        }
    } else if eq_ci(scope_type, "Group") {
        if state.entra.is_pim_group(scope_id) {
            ["member", "owner"]
                .iter()
                .map(|a| Target::Group {
                    group_id: scope_id.to_ascii_lowercase(),
                    access_id: (*a).to_string(),
                })
                .collect()
        } else {
            Vec::new()
        }
    } else {
        return Err(bad_request(
            "BadRequest",
            &format!(
                "The scopeType '{scope_type}' is not supported; use 'DirectoryRole' or 'Group'."
            ),
        ));
    };
    let targets: Vec<Target> = targets
        .into_iter()
        .filter(|t| match t {
            Target::Directory { role_id, .. } => filter.accepts("roleDefinitionId", role_id),
            Target::Group { access_id, .. } => filter.accepts("roleDefinitionId", access_id),
        })
        .collect();
    let (range, next) = page(ctx, targets.len(), state.settings.page_size)?;
    let with_rules = expand
        .nested("policy")
        .is_some_and(|n| n.to_ascii_lowercase().contains("rules"));
    let items = targets
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|target| {
            let effective = state.entra.policy_for(&tenant, target);
            let (prefix, scope, scope_type, role) = match target {
                Target::Directory { role_id, .. } => (
                    format!("DirectoryRole_{tenant}_{}", effective.guid),
                    DIRECTORY_ROOT.to_string(),
                    "DirectoryRole",
                    role_id.clone(),
                ),
                Target::Group {
                    group_id,
                    access_id,
                } => (
                    format!("Group_{group_id}_{}", effective.guid),
                    group_id.clone(),
                    "Group",
                    access_id.clone(),
                ),
            };
            let mut value = json!({
                "id": format!("{prefix}_{role}"),
                "policyId": prefix,
                "scopeId": scope,
                "scopeType": scope_type,
                "roleDefinitionId": role,
            });
            if expand.has("policy") {
                let mut policy = json!({
                    "id": prefix,
                    "displayName": scope_type,
                    "description": scope_type,
                    "isOrganizationDefault": false,
                    "scopeId": scope,
                    "scopeType": scope_type,
                    "lastModifiedDateTime": effective.last_modified.as_ref().map(format_time),
                    "lastModifiedBy": { "displayName": null, "id": null },
                });
                if with_rules {
                    policy["rules"] = json!(graph_rules(&effective.rules));
                }
                value["policy"] = policy;
            }
            value
        })
        .collect();
    let context = if with_rules {
        "policies/roleManagementPolicyAssignments(policy(rules()))"
    } else {
        "policies/roleManagementPolicyAssignments"
    };
    Ok(list_reply(ctx.context(context), items, next))
}
