//! ARM's PIM resources as they come over the wire, read after [`crate::wire::lowercase_keys`], so every
//! member name here is lower case. Only what Elevate uses is declared; everything is optional, because a
//! missing field must not lose the whole list.

use serde::Deserialize;

use crate::wire::{Named, Principal, ScheduleInfo, TicketInfo};

#[derive(Debug, Default, Deserialize)]
pub struct Expanded {
    pub scope: Option<Named>,
    pub roledefinition: Option<Named>,
    pub principal: Option<Principal>,
}

/// A roleEligibilityScheduleInstance or roleAssignmentScheduleInstance.
#[derive(Debug, Deserialize)]
pub struct Instance {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: InstanceProperties,
}

#[derive(Debug, Deserialize)]
pub struct InstanceProperties {
    pub scope: Option<String>,
    pub roledefinitionid: Option<String>,
    pub principalid: Option<String>,
    pub startdatetime: Option<String>,
    pub enddatetime: Option<String>,
    pub membertype: Option<String>,
    pub assignmenttype: Option<String>,
    pub roleeligibilityscheduleid: Option<String>,
    pub expandedproperties: Option<Expanded>,
}

/// A roleAssignmentScheduleRequest.
#[derive(Debug, Deserialize)]
pub struct Request {
    pub id: Option<String>,
    pub name: Option<String>,
    pub properties: RequestProperties,
}

#[derive(Debug, Deserialize)]
pub struct RequestProperties {
    pub scope: Option<String>,
    pub principalid: Option<String>,
    pub roledefinitionid: Option<String>,
    pub requesttype: Option<String>,
    pub status: Option<String>,
    pub approvalid: Option<String>,
    pub createdon: Option<String>,
    pub justification: Option<String>,
    pub ticketinfo: Option<TicketInfo>,
    pub scheduleinfo: Option<ScheduleInfo>,
    pub expandedproperties: Option<Expanded>,
}

/// A roleManagementPolicyAssignment.
#[derive(Debug, Deserialize)]
pub struct PolicyAssignment {
    pub properties: PolicyAssignmentProperties,
}

#[derive(Debug, Deserialize)]
pub struct PolicyAssignmentProperties {
    pub roledefinitionid: Option<String>,
    pub policyid: Option<String>,
    pub effectiverules: Option<Vec<serde_json::Value>>,
}

/// A roleManagementPolicy.
#[derive(Debug, Deserialize)]
pub struct PolicyResource {
    pub properties: PolicyProperties,
}

#[derive(Debug, Deserialize)]
pub struct PolicyProperties {
    pub rules: Option<Vec<serde_json::Value>>,
    pub effectiverules: Option<Vec<serde_json::Value>>,
}

/// One entry of `Microsoft.Authorization/permissions` or of a role definition's `permissions`
/// (api-version 2022-04-01). Microsoft's examples leave arrays out (`GetResourcePermissions.json`
/// has no `dataActions`): a missing array is an empty one.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PermissionEntry {
    pub actions: Option<Vec<String>>,
    pub notactions: Option<Vec<String>>,
    pub dataactions: Option<Vec<String>>,
    pub notdataactions: Option<Vec<String>>,
}

/// A role definition (only its permissions).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleDefinition {
    pub properties: Option<RoleDefinitionProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleDefinitionProperties {
    pub permissions: Option<Vec<PermissionEntry>>,
}
