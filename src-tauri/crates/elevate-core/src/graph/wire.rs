//! Graph's PIM resources as they come over the wire, read after [`crate::wire::lowercase_keys`] (member
//! names lower case). Only what Elevate reads is declared; everything is optional.

use serde::Deserialize;

use crate::wire::{Named, Principal, ScheduleInfo, TicketInfo};

/// A unifiedRoleEligibilityScheduleInstance or unifiedRoleAssignmentScheduleInstance.
#[derive(Debug, Deserialize)]
pub struct DirectoryInstance {
    pub id: Option<String>,
    pub principalid: Option<String>,
    pub roledefinitionid: Option<String>,
    pub directoryscopeid: Option<String>,
    pub appscopeid: Option<String>,
    pub startdatetime: Option<String>,
    pub enddatetime: Option<String>,
    pub membertype: Option<String>,
    pub assignmenttype: Option<String>,
    pub roleeligibilityscheduleid: Option<String>,
    pub roledefinition: Option<Named>,
    pub directoryscope: Option<Named>,
}

/// A privilegedAccessGroupEligibilityScheduleInstance or …AssignmentScheduleInstance.
#[derive(Debug, Deserialize)]
pub struct GroupInstance {
    pub id: Option<String>,
    pub accessid: Option<String>,
    pub groupid: Option<String>,
    pub principalid: Option<String>,
    pub startdatetime: Option<String>,
    pub enddatetime: Option<String>,
    pub membertype: Option<String>,
    pub assignmenttype: Option<String>,
    pub eligibilityscheduleid: Option<String>,
    pub group: Option<Named>,
}

/// A unifiedRoleAssignmentScheduleRequest or privilegedAccessGroupAssignmentScheduleRequest.
#[derive(Debug, Deserialize)]
pub struct Request {
    pub id: Option<String>,
    pub status: Option<String>,
    pub action: Option<String>,
    pub approvalid: Option<String>,
    pub createddatetime: Option<String>,
    pub justification: Option<String>,
    pub roledefinitionid: Option<String>,
    pub directoryscopeid: Option<String>,
    pub appscopeid: Option<String>,
    pub accessid: Option<String>,
    pub groupid: Option<String>,
    pub scheduleinfo: Option<ScheduleInfo>,
    pub ticketinfo: Option<TicketInfo>,
    pub principalid: Option<String>,
    pub principal: Option<Principal>,
}
