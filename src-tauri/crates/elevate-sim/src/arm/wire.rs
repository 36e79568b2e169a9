//! The JSON shapes ARM sends, after the spec's definitions (camelCase property names).

use serde::Serialize;

use crate::clock::format_time;
use crate::ids::authz_id;
use crate::scope::{Scope, role_definition_id};
use crate::state::{ActiveAssignment, Eligibility, ScheduleRequest, SimState};
use crate::tenant::Directory;

/// `expandedProperties.scope` and the like.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScopeRef {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `expandedProperties.roleDefinition`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoleRef {
    pub id: String,
    pub display_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `expandedProperties.principal`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PrincipalRef {
    pub id: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `ExpandedProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Expanded {
    pub scope: ScopeRef,
    pub role_definition: RoleRef,
    pub principal: PrincipalRef,
}

/// An ARM resource envelope.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Resource<P> {
    pub properties: P,
    pub name: String,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// `RoleEligibilityScheduleInstanceProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EligibilityProps {
    pub scope: String,
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: String,
    pub role_eligibility_schedule_id: String,
    pub status: &'static str,
    pub start_date_time: String,
    pub end_date_time: Option<String>,
    pub member_type: String,
    pub condition: Option<String>,
    pub condition_version: Option<String>,
    pub created_on: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expanded_properties: Option<Expanded>,
}

/// `RoleAssignmentScheduleInstanceProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssignmentProps {
    pub scope: String,
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: String,
    pub role_assignment_schedule_id: String,
    pub origin_role_assignment_id: String,
    pub status: &'static str,
    pub start_date_time: String,
    pub end_date_time: Option<String>,
    pub linked_role_eligibility_schedule_id: Option<String>,
    pub linked_role_eligibility_schedule_instance_id: Option<String>,
    pub assignment_type: String,
    pub member_type: String,
    pub condition: Option<String>,
    pub condition_version: Option<String>,
    pub created_on: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expanded_properties: Option<Expanded>,
}

/// `scheduleInfo.expiration`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Expiration {
    #[serde(rename = "type")]
    pub kind: Option<&'static str>,
    pub end_date_time: Option<String>,
    pub duration: Option<String>,
}

/// `scheduleInfo`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScheduleInfo {
    pub start_date_time: String,
    pub expiration: Expiration,
}

/// `ticketInfo`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TicketInfo {
    pub ticket_number: Option<String>,
    pub ticket_system: Option<String>,
}

/// `RoleAssignmentScheduleRequestProperties`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestProps {
    pub target_role_assignment_schedule_id: Option<String>,
    pub target_role_assignment_schedule_instance_id: Option<String>,
    pub scope: String,
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: String,
    pub request_type: &'static str,
    pub status: String,
    pub approval_id: Option<String>,
    pub schedule_info: ScheduleInfo,
    pub linked_role_eligibility_schedule_id: Option<String>,
    pub justification: Option<String>,
    pub ticket_info: TicketInfo,
    pub condition: Option<String>,
    pub condition_version: Option<String>,
    pub created_on: String,
    pub requestor_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expanded_properties: Option<Expanded>,
}

/// Resource type of eligibility instances.
pub(crate) const TYPE_ELIGIBILITY_INSTANCE: &str =
    "Microsoft.Authorization/roleEligibilityScheduleInstances";
/// Resource type of assignment instances.
pub(crate) const TYPE_ASSIGNMENT_INSTANCE: &str =
    "Microsoft.Authorization/roleAssignmentScheduleInstances";
/// Resource type of schedule requests.
pub(crate) const TYPE_REQUEST: &str = "Microsoft.Authorization/roleAssignmentScheduleRequests";

/// Turns state records into wire objects.
pub(crate) struct Render<'a> {
    directory: &'a Directory,
    omit_expanded: bool,
}

/// Parses a stored (canonical) scope.
pub(crate) fn stored_scope(text: &str) -> Scope {
    Scope::parse(text).unwrap_or(Scope::Root)
}

impl<'a> Render<'a> {
    /// A renderer for `state`, honouring its settings.
    pub(crate) fn new(state: &'a SimState) -> Render<'a> {
        Render {
            directory: &state.directory,
            omit_expanded: state.settings.omit_expanded_properties,
        }
    }

    /// `expandedProperties.scope` of a scope.
    pub(crate) fn scope_ref(&self, scope: &Scope) -> ScopeRef {
        ScopeRef {
            id: scope.canonical(),
            display_name: scope.display_name(self.directory),
            kind: scope.type_label().to_string(),
        }
    }

    /// `expandedProperties.roleDefinition` of a role at a scope.
    pub(crate) fn role_ref(&self, scope: &Scope, role_guid: &str) -> RoleRef {
        let role = self.directory.role(role_guid);
        RoleRef {
            id: role_definition_id(scope, role_guid),
            display_name: role.map(|r| r.role_name.clone()),
            kind: match role {
                Some(r) if !r.built_in => "CustomRole",
                _ => "BuiltInRole",
            }
            .to_string(),
        }
    }

    fn expanded(&self, scope: &Scope, role_guid: &str, principal: &str) -> Option<Expanded> {
        if self.omit_expanded {
            return None;
        }
        let info = self.directory.principal_info(principal);
        Some(Expanded {
            scope: self.scope_ref(scope),
            role_definition: self.role_ref(scope, role_guid),
            principal: PrincipalRef {
                id: principal.to_string(),
                display_name: info.display_name,
                email: info.email,
                kind: info.kind.to_string(),
            },
        })
    }

    fn principal_type(&self, principal: &str) -> String {
        self.directory.principal_info(principal).kind.to_string()
    }

    /// A `RoleEligibilityScheduleInstance`.
    pub(crate) fn eligibility(&self, e: &Eligibility) -> Resource<EligibilityProps> {
        let scope = stored_scope(&e.scope);
        Resource {
            properties: EligibilityProps {
                scope: e.scope.clone(),
                role_definition_id: role_definition_id(&scope, &e.role_guid),
                principal_id: e.principal_id.clone(),
                principal_type: self.principal_type(&e.principal_id),
                role_eligibility_schedule_id: e.schedule_id(),
                status: "Provisioned",
                start_date_time: format_time(&e.start),
                end_date_time: e.end.as_ref().map(format_time),
                member_type: e.member_type.clone(),
                condition: None,
                condition_version: None,
                created_on: format_time(&e.created_on),
                expanded_properties: self.expanded(&scope, &e.role_guid, &e.principal_id),
            },
            name: e.instance_name.clone(),
            id: e.instance_id(),
            kind: TYPE_ELIGIBILITY_INSTANCE,
        }
    }

    /// A `RoleAssignmentScheduleInstance`.
    pub(crate) fn assignment(&self, a: &ActiveAssignment) -> Resource<AssignmentProps> {
        let scope = stored_scope(&a.scope);
        Resource {
            properties: AssignmentProps {
                scope: a.scope.clone(),
                role_definition_id: role_definition_id(&scope, &a.role_guid),
                principal_id: a.principal_id.clone(),
                principal_type: self.principal_type(&a.principal_id),
                role_assignment_schedule_id: a.schedule_id(),
                origin_role_assignment_id: a.origin_role_assignment_id(),
                status: "Provisioned",
                start_date_time: format_time(&a.start),
                end_date_time: a.end.as_ref().map(format_time),
                linked_role_eligibility_schedule_id: a.linked_eligibility_schedule_id.clone(),
                linked_role_eligibility_schedule_instance_id: a
                    .linked_eligibility_instance_id
                    .clone(),
                assignment_type: a.assignment_type.clone(),
                member_type: a.member_type.clone(),
                condition: None,
                condition_version: None,
                created_on: format_time(&a.created_on),
                expanded_properties: self.expanded(&scope, &a.role_guid, &a.principal_id),
            },
            name: a.instance_name.clone(),
            id: a.instance_id(),
            kind: TYPE_ASSIGNMENT_INSTANCE,
        }
    }

    /// A `RoleAssignmentScheduleRequest`.
    pub(crate) fn request(&self, r: &ScheduleRequest) -> Resource<RequestProps> {
        let scope = stored_scope(&r.scope);
        Resource {
            properties: RequestProps {
                target_role_assignment_schedule_id: r.target_schedule_id.clone(),
                target_role_assignment_schedule_instance_id: r.target_instance_id.clone(),
                scope: r.scope.clone(),
                role_definition_id: role_definition_id(&scope, &r.role_guid),
                principal_id: r.principal_id.clone(),
                principal_type: self.principal_type(&r.principal_id),
                request_type: r.request_type.as_str(),
                status: r.status.clone(),
                approval_id: r.approval_id.clone(),
                schedule_info: ScheduleInfo {
                    start_date_time: format_time(&r.schedule.start),
                    expiration: Expiration {
                        kind: Some(
                            r.schedule
                                .expiration_type
                                .map_or("NoExpiration", |t| t.as_str()),
                        ),
                        end_date_time: r.schedule.end.as_ref().map(format_time),
                        duration: r.schedule.duration.clone(),
                    },
                },
                linked_role_eligibility_schedule_id: r.linked_eligibility_schedule_id.clone(),
                justification: r.justification.clone(),
                ticket_info: TicketInfo {
                    ticket_number: r.ticket_number.clone(),
                    ticket_system: r.ticket_system.clone(),
                },
                condition: r.condition.clone(),
                condition_version: r.condition_version.clone(),
                created_on: format_time(&r.created_on),
                requestor_id: r.requestor_id.clone(),
                expanded_properties: self.expanded(&scope, &r.role_guid, &r.principal_id),
            },
            name: r.name.clone(),
            id: authz_id(&r.scope, "roleAssignmentScheduleRequests", &r.name),
            kind: TYPE_REQUEST,
        }
    }
}
