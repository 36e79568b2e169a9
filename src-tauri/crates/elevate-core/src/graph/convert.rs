//! From Graph's wire shapes to Elevate's model.
//!
//! Entra roles: the scope is `directoryScopeId` (`/` for the whole directory, `/administrativeUnits/{id}`)
//! or, for application scopes, `appScopeId`. PIM for Groups: the "role" is the access (`member` or
//! `owner`) and the scope is the group.

use serde::de::DeserializeOwned;

use super::wire::{DirectoryInstance, GroupInstance, Request};
use crate::model::{
    ActiveGrant, AssignmentType, Eligibility, MemberType, RequestKind, RequestRecord,
    RequestStatus, RoleKey, RoleRef, ScopeKind, ScopeRef, Source,
};
use crate::text::sanitize;
use crate::wire::{lowercase_keys, parse_time};

/// The path under `/v1.0` of Entra role requests.
pub const DIRECTORY_REQUESTS: &str = "/roleManagement/directory/roleAssignmentScheduleRequests";
/// The path under `/v1.0` of PIM for Groups requests.
pub const GROUP_REQUESTS: &str =
    "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests";

/// Why an item could not be used.
#[derive(Debug, thiserror::Error)]
#[error("item without {0}")]
pub struct Incomplete(pub &'static str);

fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Incomplete> {
    serde_json::from_value(lowercase_keys(value)).map_err(|_| Incomplete("the documented shape"))
}

/// The display name of the whole directory as a scope.
pub const DIRECTORY_NAME: &str = "Directory";

/// A directory scope from `directoryScopeId`/`appScopeId`; the name is filled later when not expanded.
fn directory_scope(
    directory: Option<String>,
    app: Option<String>,
    expanded: Option<String>,
) -> ScopeRef {
    match (
        directory.filter(|d| !d.is_empty()),
        app.filter(|a| !a.is_empty()),
    ) {
        (Some(d), _) if d == "/" => ScopeRef {
            id: d,
            name: DIRECTORY_NAME.to_owned(),
            kind: ScopeKind::Directory,
        },
        (Some(d), _) => {
            let kind = if d.to_ascii_lowercase().starts_with("/administrativeunits/") {
                ScopeKind::AdministrativeUnit
            } else {
                ScopeKind::Other
            };
            ScopeRef {
                id: d,
                name: expanded.map(|n| sanitize(&n)).unwrap_or_default(),
                kind,
            }
        }
        (None, Some(a)) => ScopeRef {
            id: a,
            name: expanded.map(|n| sanitize(&n)).unwrap_or_default(),
            kind: ScopeKind::Application,
        },
        (None, None) => ScopeRef {
            id: "/".to_owned(),
            name: DIRECTORY_NAME.to_owned(),
            kind: ScopeKind::Directory,
        },
    }
}

/// `Member` or `Owner`, from Graph's `accessId`.
pub fn access_name(access: &str) -> String {
    match access.to_ascii_lowercase().as_str() {
        "member" => "Member".to_owned(),
        "owner" => "Owner".to_owned(),
        other => sanitize(other),
    }
}

/// An Entra role eligibility instance.
pub fn directory_eligibility(value: serde_json::Value) -> Result<Eligibility, Incomplete> {
    let i: DirectoryInstance = from_json(value)?;
    let role_id = i.roledefinitionid.ok_or(Incomplete("roleDefinitionId"))?;
    let scope = directory_scope(
        i.directoryscopeid,
        i.appscopeid,
        i.directoryscope.and_then(|n| n.displayname),
    );
    Ok(Eligibility {
        key: RoleKey::new(Source::EntraRole, &scope.id, &role_id),
        source: Source::EntraRole,
        role: RoleRef {
            name: i
                .roledefinition
                .and_then(|n| n.displayname)
                .map(|n| sanitize(&n))
                .unwrap_or_default(),
            id: role_id,
        },
        scope,
        principal_id: i.principalid.unwrap_or_default(),
        member_type: MemberType::from_azure(i.membertype.as_deref()),
        start: parse_time(i.startdatetime.as_deref()),
        end: parse_time(i.enddatetime.as_deref()),
        schedule_id: i.roleeligibilityscheduleid,
    })
}

/// An Entra role assignment instance.
pub fn directory_grant(value: serde_json::Value) -> Result<ActiveGrant, Incomplete> {
    let i: DirectoryInstance = from_json(value)?;
    let role_id = i.roledefinitionid.ok_or(Incomplete("roleDefinitionId"))?;
    let scope = directory_scope(
        i.directoryscopeid,
        i.appscopeid,
        i.directoryscope.and_then(|n| n.displayname),
    );
    Ok(ActiveGrant {
        id: i.id.unwrap_or_default(),
        key: RoleKey::new(Source::EntraRole, &scope.id, &role_id),
        source: Source::EntraRole,
        role: RoleRef {
            name: i
                .roledefinition
                .and_then(|n| n.displayname)
                .map(|n| sanitize(&n))
                .unwrap_or_default(),
            id: role_id,
        },
        scope,
        principal_id: i.principalid.unwrap_or_default(),
        member_type: MemberType::from_azure(i.membertype.as_deref()),
        assignment_type: AssignmentType::from_azure(i.assignmenttype.as_deref()),
        start: parse_time(i.startdatetime.as_deref()),
        end: parse_time(i.enddatetime.as_deref()),
    })
}

fn group_scope(group_id: &str, expanded: Option<String>) -> ScopeRef {
    ScopeRef {
        id: group_id.to_owned(),
        name: expanded.map(|n| sanitize(&n)).unwrap_or_default(),
        kind: ScopeKind::Group,
    }
}

/// A PIM for Groups eligibility instance.
pub fn group_eligibility(value: serde_json::Value) -> Result<Eligibility, Incomplete> {
    let i: GroupInstance = from_json(value)?;
    let group = i.groupid.ok_or(Incomplete("groupId"))?;
    let access = i
        .accessid
        .ok_or(Incomplete("accessId"))?
        .to_ascii_lowercase();
    Ok(Eligibility {
        key: RoleKey::new(Source::Group, &group, &access),
        source: Source::Group,
        role: RoleRef {
            name: access_name(&access),
            id: access,
        },
        scope: group_scope(&group, i.group.and_then(|g| g.displayname)),
        principal_id: i.principalid.unwrap_or_default(),
        member_type: MemberType::from_azure(i.membertype.as_deref()),
        start: parse_time(i.startdatetime.as_deref()),
        end: parse_time(i.enddatetime.as_deref()),
        schedule_id: i.eligibilityscheduleid,
    })
}

/// A PIM for Groups assignment instance.
pub fn group_grant(value: serde_json::Value) -> Result<ActiveGrant, Incomplete> {
    let i: GroupInstance = from_json(value)?;
    let group = i.groupid.ok_or(Incomplete("groupId"))?;
    let access = i
        .accessid
        .ok_or(Incomplete("accessId"))?
        .to_ascii_lowercase();
    Ok(ActiveGrant {
        id: i.id.unwrap_or_default(),
        key: RoleKey::new(Source::Group, &group, &access),
        source: Source::Group,
        role: RoleRef {
            name: access_name(&access),
            id: access,
        },
        scope: group_scope(&group, i.group.and_then(|g| g.displayname)),
        principal_id: i.principalid.unwrap_or_default(),
        member_type: MemberType::from_azure(i.membertype.as_deref()),
        assignment_type: AssignmentType::from_azure(i.assignmenttype.as_deref()),
        start: parse_time(i.startdatetime.as_deref()),
        end: parse_time(i.enddatetime.as_deref()),
    })
}

/// An Entra role or PIM for Groups request. Its `id` becomes the request's path under `/v1.0`, so that
/// one string finds it again whichever API it belongs to.
pub fn request(value: serde_json::Value) -> Result<RequestRecord, Incomplete> {
    let r: Request = from_json(value)?;
    let name = r.id.ok_or(Incomplete("id"))?;
    let kind = RequestKind::from_azure(r.action.as_deref().unwrap_or(""));
    let azure_status = r.status.unwrap_or_default();
    let (source, key, role, scope, id) = match (r.groupid, r.roledefinitionid) {
        (Some(group), _) => {
            let access = r
                .accessid
                .unwrap_or_else(|| "member".into())
                .to_ascii_lowercase();
            (
                Source::Group,
                RoleKey::new(Source::Group, &group, &access),
                RoleRef {
                    name: access_name(&access),
                    id: access,
                },
                group_scope(&group, None),
                format!("{GROUP_REQUESTS}/{name}"),
            )
        }
        (None, Some(role_id)) => {
            let scope = directory_scope(r.directoryscopeid, r.appscopeid, None);
            (
                Source::EntraRole,
                RoleKey::new(Source::EntraRole, &scope.id, &role_id),
                RoleRef {
                    id: role_id,
                    name: String::new(),
                },
                scope,
                format!("{DIRECTORY_REQUESTS}/{name}"),
            )
        }
        (None, None) => return Err(Incomplete("roleDefinitionId or groupId")),
    };
    let ticket = r.ticketinfo.and_then(|t| t.into_ticket());
    let (start, duration) = r.scheduleinfo.unwrap_or_default().start_and_duration();
    let requester = r
        .principal
        .as_ref()
        .map(crate::wire::Principal::fields)
        .unwrap_or_default();
    Ok(RequestRecord {
        id,
        name,
        source,
        key,
        role,
        scope,
        kind,
        status: RequestStatus::from_azure(&azure_status, kind),
        azure_status,
        created: parse_time(r.createddatetime.as_deref()),
        justification: r.justification.map(|j| sanitize(&j)),
        ticket,
        duration,
        start,
        approval_id: r.approvalid.filter(|a| !a.is_empty()),
        principal_id: r.principalid,
        principal_name: requester.name,
        principal_upn: requester.upn,
        principal_email: requester.email,
        principal_guest: requester.guest,
        principal_type: requester.kind,
        scope_path: Vec::new(),
        decision: None,
    })
}

/// Reads the end-user policy from a `roleManagementPolicyAssignment` with `$expand=policy($expand=rules)`.
pub fn policy_from_assignment(value: serde_json::Value) -> crate::model::Policy {
    let value = lowercase_keys(value);
    let rules = value["policy"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    crate::policy_rules::policy_from_rules(&rules)
}
