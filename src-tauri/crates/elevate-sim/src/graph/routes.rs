//! Graph paths the simulator serves. Segments are matched case-insensitively after
//! percent-decoding, as Graph does.

use percent_encoding::percent_decode_str;

use super::applications::{Collection, Key, app_id_key};
use super::bad_request;
use crate::arm::reply::ArmReply as Reply;
use crate::ids::eq_ci;

/// Entra roles (`roleManagement/directory`) or PIM for Groups (`identityGovernance/privilegedAccess/group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// Entra directory roles.
    Directory,
    /// PIM for Groups.
    Groups,
}

/// A Graph resource the simulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `POST /roleManagement/directory/roleEligibilityScheduleRequests` (a user's `selfExtend`
    /// / `selfRenew` of an Entra role eligibility).
    EligibilityRequests,
    /// `GET /roleManagement/directory/roleEligibilityScheduleRequests/{id}`.
    EligibilityRequest(String),
    /// `GET /groups/{id}/owners`.
    GroupOwners(String),
    /// `…/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')` or the group twin.
    EligibilityInstances(Family),
    /// `…/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')` or the group twin.
    AssignmentInstances(Family),
    /// `…/roleAssignmentScheduleRequests` or `…/assignmentScheduleRequests`.
    Requests(Family),
    /// `…/Requests/filterByCurrentUser(on='…')`, with the value of `on`.
    RequestsByCurrentUser(Family, String),
    /// One request.
    Request(Family, String),
    /// `…/Requests/{id}/cancel`.
    Cancel(Family, String),
    /// `/roleManagement/directory/roleDefinitions[/{id}]`.
    RoleDefinitions(Option<String>),
    /// `/directory/administrativeUnits/{id}`.
    AdministrativeUnit(String),
    /// `/groups/{id}`.
    Group(String),
    /// `/me`.
    Me,
    /// `/users/{id}`.
    User(String),
    /// `/policies/roleManagementPolicyAssignments`.
    PolicyAssignments,
    /// `…/group/assignmentApprovals/{id}` or `…/directory/roleAssignmentApprovals/{id}`.
    Approval(Family, String),
    /// `…/{id}/stages/{stageId}` (groups) or `…/{id}/steps/{stepId}` (Entra roles).
    ApprovalStage(Family, String, String),
    /// `/applications`, `/servicePrincipals`, `/oauth2PermissionGrants`.
    Apps(Collection),
    /// One of their objects, by id or `(appId='…')`.
    AppObject(Collection, Key),
}

/// `name(appId='…')` as a route, when `segment` has that form.
fn app_id_route(segment: &str, name: &str, which: Collection) -> Option<Result<Route, Reply>> {
    app_id_key(segment, name).map(|key| key.map(|k| Route::AppObject(which, Key::AppId(k))))
}

fn unknown_segment(segment: &str) -> Reply {
    bad_request(
        "BadRequest",
        &format!("Resource not found for the segment '{segment}'."),
    )
}

/// The value of `on` in `filterByCurrentUser(on='…')`, if `segment` is that function.
fn current_user_function(segment: &str) -> Option<Result<String, Reply>> {
    let lower = segment.to_ascii_lowercase();
    let args = lower
        .strip_prefix("filterbycurrentuser(")?
        .strip_suffix(')')?;
    let Some((name, value)) = args.split_once('=') else {
        return Some(Err(bad_request(
            "BadRequest",
            "The function filterByCurrentUser needs the parameter 'on'.",
        )));
    };
    let value = value.trim();
    if !eq_ci(name.trim(), "on")
        || value.len() < 2
        || !value.starts_with('\'')
        || !value.ends_with('\'')
    {
        return Some(Err(bad_request(
            "BadRequest",
            &format!("The function parameters '{args}' are not valid."),
        )));
    }
    Some(Ok(value.trim_matches('\'').to_string()))
}

fn instances(family: Family, eligibility: bool, rest: &[String]) -> Result<Route, Reply> {
    match rest {
        [f] => match current_user_function(f) {
            Some(Ok(on)) if eq_ci(&on, "principal") => Ok(if eligibility {
                Route::EligibilityInstances(family)
            } else {
                Route::AssignmentInstances(family)
            }),
            Some(Ok(on)) => Err(bad_request(
                "BadRequest",
                &format!("The value '{on}' is not valid for the parameter 'on'."),
            )),
            Some(Err(reply)) => Err(reply),
            None => Err(super::denied()),
        },
        [] => Err(super::denied()),
        [segment, ..] => Err(unknown_segment(segment)),
    }
}

fn requests(family: Family, rest: &[String]) -> Result<Route, Reply> {
    match rest {
        [] => Ok(Route::Requests(family)),
        [f] => match current_user_function(f) {
            Some(Ok(on)) => Ok(Route::RequestsByCurrentUser(family, on)),
            Some(Err(reply)) => Err(reply),
            None => Ok(Route::Request(family, f.clone())),
        },
        [id, action] if eq_ci(action, "cancel") => Ok(Route::Cancel(family, id.clone())),
        [_, segment, ..] => Err(unknown_segment(segment)),
    }
}

/// The API version and the resource of `path`, or the answer for a path Graph would not serve.
pub(crate) fn parse(path: &str) -> Result<(String, Route), Reply> {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let Some((version, rest)) = segments.split_first() else {
        return Err(unknown_segment(""));
    };
    let lower: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let words: Vec<&str> = lower.iter().map(String::as_str).collect();
    let route = match words.as_slice() {
        [
            "rolemanagement",
            "directory",
            "roleeligibilityscheduleinstances",
            ..,
        ] => instances(Family::Directory, true, &rest[3..])?,
        [
            "rolemanagement",
            "directory",
            "roleassignmentscheduleinstances",
            ..,
        ] => instances(Family::Directory, false, &rest[3..])?,
        [
            "rolemanagement",
            "directory",
            "roleassignmentschedulerequests",
            ..,
        ] => requests(Family::Directory, &rest[3..])?,
        [
            "rolemanagement",
            "directory",
            "roleeligibilityschedulerequests",
        ] => Route::EligibilityRequests,
        [
            "rolemanagement",
            "directory",
            "roleeligibilityschedulerequests",
            _,
        ] => Route::EligibilityRequest(rest[3].clone()),
        ["rolemanagement", "directory", "roledefinitions"] => Route::RoleDefinitions(None),
        ["rolemanagement", "directory", "roledefinitions", _] => {
            Route::RoleDefinitions(rest.get(3).cloned())
        }
        [
            "identitygovernance",
            "privilegedaccess",
            "group",
            "eligibilityscheduleinstances",
            ..,
        ] => instances(Family::Groups, true, &rest[4..])?,
        [
            "identitygovernance",
            "privilegedaccess",
            "group",
            "assignmentscheduleinstances",
            ..,
        ] => instances(Family::Groups, false, &rest[4..])?,
        [
            "identitygovernance",
            "privilegedaccess",
            "group",
            "assignmentschedulerequests",
            ..,
        ] => requests(Family::Groups, &rest[4..])?,
        ["rolemanagement", "directory", "roleassignmentapprovals", _] => {
            Route::Approval(Family::Directory, rest[3].clone())
        }
        [
            "rolemanagement",
            "directory",
            "roleassignmentapprovals",
            _,
            "steps" | "stages",
            _,
        ] => Route::ApprovalStage(Family::Directory, rest[3].clone(), rest[5].clone()),
        [
            "identitygovernance",
            "privilegedaccess",
            "group",
            "assignmentapprovals",
            _,
        ] => Route::Approval(Family::Groups, rest[4].clone()),
        [
            "identitygovernance",
            "privilegedaccess",
            "group",
            "assignmentapprovals",
            _,
            "stages" | "steps",
            _,
        ] => Route::ApprovalStage(Family::Groups, rest[4].clone(), rest[6].clone()),
        ["directory", "administrativeunits", _] => Route::AdministrativeUnit(rest[2].clone()),
        ["groups", _] => Route::Group(rest[1].clone()),
        ["groups", _, "owners"] => Route::GroupOwners(rest[1].clone()),
        ["me"] => Route::Me,
        ["users", _] => Route::User(rest[1].clone()),
        ["policies", "rolemanagementpolicyassignments"] => Route::PolicyAssignments,
        ["applications"] => Route::Apps(Collection::Applications),
        ["applications", _] => Route::AppObject(Collection::Applications, Key::Id(rest[1].clone())),
        ["serviceprincipals"] => Route::Apps(Collection::ServicePrincipals),
        ["serviceprincipals", _] => {
            Route::AppObject(Collection::ServicePrincipals, Key::Id(rest[1].clone()))
        }
        ["oauth2permissiongrants"] => Route::Apps(Collection::Grants),
        ["oauth2permissiongrants", _] => {
            Route::AppObject(Collection::Grants, Key::Id(rest[1].clone()))
        }
        [_] if words[0].starts_with("applications(") => {
            app_id_route(&rest[0], "applications", Collection::Applications)
                .unwrap_or_else(|| Err(unknown_segment(&rest[0])))?
        }
        [_] if words[0].starts_with("serviceprincipals(") => {
            app_id_route(&rest[0], "servicePrincipals", Collection::ServicePrincipals)
                .unwrap_or_else(|| Err(unknown_segment(&rest[0])))?
        }
        _ => {
            return Err(unknown_segment(
                rest.last().map(String::as_str).unwrap_or(""),
            ));
        }
    };
    Ok((version.clone(), route))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_functions() {
        let parse = |p: &str| parse(p).map(|(_, r)| r).ok();
        assert_eq!(
            parse(
                "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')"
            ),
            Some(Route::EligibilityInstances(Family::Directory))
        );
        assert_eq!(
            parse(
                "/V1.0/ROLEMANAGEMENT/directory/roleassignmentscheduleinstances/filterByCurrentUser(on=%27principal%27)"
            ),
            Some(Route::AssignmentInstances(Family::Directory))
        );
        assert_eq!(
            parse(
                "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/filterByCurrentUser(on='approver')"
            ),
            Some(Route::RequestsByCurrentUser(
                Family::Groups,
                "approver".into()
            ))
        );
        assert_eq!(
            parse("/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/abc/cancel"),
            Some(Route::Cancel(Family::Directory, "abc".into()))
        );
        assert_eq!(
            parse("/v1.0/policies/roleManagementPolicyAssignments"),
            Some(Route::PolicyAssignments)
        );
        assert!(parse("/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='x')").is_none());
        assert!(parse("/v1.0/nothing/here").is_none());
        assert_eq!(
            parse("/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')"),
            Some(Route::AppObject(
                Collection::ServicePrincipals,
                Key::AppId("00000003-0000-0000-c000-000000000000".into())
            ))
        );
        assert_eq!(
            parse("/v1.0/oauth2PermissionGrants"),
            Some(Route::Apps(Collection::Grants))
        );
        assert!(parse("/v1.0/applications(id='x')").is_none());
        assert!(parse("/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(x)").is_none());
    }
}
