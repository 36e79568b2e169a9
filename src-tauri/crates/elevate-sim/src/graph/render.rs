//! Graph's JSON shapes of instances, requests and directory objects, in the member order and
//! spelling of Microsoft's documentation examples.

use serde_json::{Value, json};

use super::odata::Expand;
use crate::clock::format_time;
use crate::entra::{AdminUnit, DIRECTORY_ROOT, DirectoryRole, Request, Schedule, Target};
use crate::state::SimState;
use crate::tenant::Group;

fn time(t: &chrono::DateTime<chrono::Utc>) -> Value {
    json!(format_time(t))
}

fn opt_time(t: Option<&chrono::DateTime<chrono::Utc>>) -> Value {
    t.map_or(Value::Null, time)
}

/// Graph spells enum members in lower camel case: `AfterDuration` → `afterDuration`.
pub(crate) fn lower_camel(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A role definition.
pub(crate) fn role_definition(role: &DirectoryRole) -> Value {
    json!({
        "id": role.id,
        "description": role.description,
        "displayName": role.display_name,
        "isBuiltIn": true,
        "isEnabled": true,
        "resourceScopes": ["/"],
        "templateId": role.id,
        "version": "1",
        "rolePermissions": []
    })
}

/// An administrative unit.
pub(crate) fn admin_unit(unit: &AdminUnit) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.administrativeUnit",
        "id": unit.id,
        "displayName": unit.display_name,
        "description": unit.description,
        "visibility": null,
        "membershipType": null
    })
}

/// A group.
pub(crate) fn group(group: &Group) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.group",
        "id": group.id,
        "displayName": group.display_name,
        "description": null,
        "groupTypes": [],
        "mail": group.mail,
        "mailEnabled": group.mail.is_some(),
        "securityEnabled": true,
        "isAssignableToRole": null
    })
}

/// What the handlers render with: the state and the `$expand` asked for.
pub(crate) struct Render<'a> {
    state: &'a SimState,
    expand: &'a Expand,
}

impl<'a> Render<'a> {
    /// A renderer over `state` with `expand`.
    pub(crate) fn new(state: &'a SimState, expand: &'a Expand) -> Render<'a> {
        Render { state, expand }
    }

    fn principal(&self, id: &str) -> Value {
        let info = self.state.directory.principal_info(id);
        if info.kind == "Group" {
            json!({ "@odata.type": "#microsoft.graph.group", "id": id, "displayName": info.display_name })
        } else {
            let user = self.state.directory.user(id);
            json!({
                "@odata.type": "#microsoft.graph.user",
                "id": id,
                "displayName": info.display_name,
                "userPrincipalName": user.map(|u| u.upn.clone()),
                "mail": user.map(|u| u.mail().to_string()),
                "userType": user.map(|u| u.user_type().to_string()),
            })
        }
    }

    fn expand_target(&self, value: &mut Value, target: &Target, principal: &str) {
        match target {
            Target::Directory { role_id, scope_id } => {
                if self.expand.has("roleDefinition") {
                    value["roleDefinition"] = self
                        .state
                        .entra
                        .role(role_id)
                        .map_or(Value::Null, role_definition);
                }
                if self.expand.has("directoryScope") {
                    let unit = scope_id
                        .strip_prefix("/administrativeUnits/")
                        .or_else(|| scope_id.strip_prefix("/administrativeunits/"))
                        .and_then(|id| self.state.entra.admin_unit(id));
                    value["directoryScope"] = unit.map_or(Value::Null, admin_unit);
                }
                if self.expand.has("appScope") {
                    value["appScope"] = Value::Null;
                }
            }
            Target::Group { group_id, .. } => {
                if self.expand.has("group") {
                    value["group"] = self
                        .state
                        .directory
                        .group(group_id)
                        .map_or(Value::Null, group);
                }
            }
        }
        if self.expand.has("principal") {
            value["principal"] = self.principal(principal);
        }
    }

    /// An eligibility or assignment schedule instance.
    pub(crate) fn instance(&self, s: &Schedule, eligibility: bool) -> Value {
        let mut value = match &s.target {
            Target::Directory { role_id, scope_id } => {
                let mut v = json!({
                    "@odata.type": if eligibility {
                        "#microsoft.graph.unifiedRoleEligibilityScheduleInstance"
                    } else {
                        "#microsoft.graph.unifiedRoleAssignmentScheduleInstance"
                    },
                    "id": s.id,
                    "principalId": s.principal_id,
                    "roleDefinitionId": role_id,
                    "directoryScopeId": scope_id,
                    "appScopeId": null,
                    "startDateTime": time(&s.start),
                    "endDateTime": opt_time(s.end.as_ref()),
                    "memberType": s.member_type,
                });
                if eligibility {
                    v["roleEligibilityScheduleId"] = json!(s.schedule_id);
                } else {
                    v["assignmentType"] = json!(s.assignment_type);
                    v["roleAssignmentOriginId"] = json!(s.origin_id);
                    v["roleAssignmentScheduleId"] = json!(s.schedule_id);
                }
                v
            }
            Target::Group {
                group_id,
                access_id,
            } => {
                let mut v = json!({
                    "id": s.id,
                    "accessId": access_id,
                    "principalId": s.principal_id,
                    "groupId": group_id,
                    "startDateTime": time(&s.start),
                    "endDateTime": opt_time(s.end.as_ref()),
                    "memberType": s.member_type,
                });
                if eligibility {
                    v["eligibilityScheduleId"] = json!(s.schedule_id);
                } else {
                    v["assignmentType"] = json!(s.assignment_type);
                    v["assignmentScheduleId"] = json!(s.schedule_id);
                }
                v
            }
        };
        self.expand_target(&mut value, &s.target, &s.principal_id);
        value
    }

    /// A schedule request.
    pub(crate) fn request(&self, r: &Request) -> Value {
        let user_name = self
            .state
            .directory
            .user(&r.requestor_id)
            .map(|u| u.display_name.clone());
        let expiration = match r.expiration_type {
            None => Value::Null,
            Some(kind) => json!({
                "type": lower_camel(kind.as_str()),
                "endDateTime": opt_time(r.end.as_ref()),
                "duration": r.duration,
            }),
        };
        let schedule = if r.start.is_none() && r.expiration_type.is_none() {
            Value::Null
        } else {
            json!({ "startDateTime": opt_time(r.start.as_ref()), "recurrence": null, "expiration": expiration })
        };
        let mut value = json!({
            "id": r.id,
            "status": r.status,
            "createdDateTime": time(&r.created),
            "completedDateTime": opt_time(r.completed.as_ref()),
            "approvalId": r.approval_id,
            "customData": null,
            "action": r.action.as_str(),
            "principalId": r.principal_id,
        });
        match &r.target {
            Target::Directory { role_id, scope_id } => {
                value["roleDefinitionId"] = json!(role_id);
                value["directoryScopeId"] = json!(scope_id);
                value["appScopeId"] = Value::Null;
            }
            Target::Group {
                group_id,
                access_id,
            } => {
                value["accessId"] = json!(access_id);
                value["groupId"] = json!(group_id);
            }
        }
        value["isValidationOnly"] = json!(false);
        value["targetScheduleId"] = json!(r.target_schedule_id);
        value["justification"] = json!(r.justification);
        value["createdBy"] = json!({ "application": null, "device": null, "user": { "displayName": user_name, "id": r.requestor_id } });
        value["scheduleInfo"] = schedule;
        value["ticketInfo"] =
            json!({ "ticketNumber": r.ticket_number, "ticketSystem": r.ticket_system });
        self.expand_target(&mut value, &r.target, &r.principal_id);
        value
    }
}

/// Whether a directory scope id is the whole directory.
pub(crate) fn is_root(scope_id: &str) -> bool {
    scope_id.trim() == DIRECTORY_ROOT
}
