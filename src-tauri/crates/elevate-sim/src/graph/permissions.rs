//! The delegated permissions each Graph call needs, from the "Permissions" table of each call's
//! page on Microsoft Learn (least privileged first, then the higher ones that also do). A token
//! without any of them is refused with 403 before anything else is looked at.

use axum::http::Method;

use super::applications::Collection;
use super::routes::{Family, Route};
use crate::arm::query::Query;

const DIRECTORY_ELIGIBILITY: &[&str] = &[
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
];
const DIRECTORY_ASSIGNMENT_READ: &[&str] = &[
    "RoleAssignmentSchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
];
const DIRECTORY_ELIGIBILITY_WRITE: &[&str] = &[
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const DIRECTORY_ASSIGNMENT_WRITE: &[&str] = &[
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagement.ReadWrite.Directory",
];
const GROUP_ELIGIBILITY: &[&str] = &[
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
    "PrivilegedAccess.Read.AzureADGroup",
    "PrivilegedAccess.ReadWrite.AzureADGroup",
];
const GROUP_ASSIGNMENT_READ: &[&str] = &[
    "PrivilegedAssignmentSchedule.Read.AzureADGroup",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
    "PrivilegedAccess.Read.AzureADGroup",
    "PrivilegedAccess.ReadWrite.AzureADGroup",
];
const GROUP_ASSIGNMENT_WRITE: &[&str] = &[
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
    "PrivilegedAccess.ReadWrite.AzureADGroup",
];
const DIRECTORY_POLICY_READ: &[&str] = &[
    "RoleManagementPolicy.Read.Directory",
    "RoleManagementPolicy.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
];
const GROUP_POLICY_READ: &[&str] = &[
    "RoleManagementPolicy.Read.AzureADGroup",
    "RoleManagementPolicy.ReadWrite.AzureADGroup",
];
const ROLE_DEFINITIONS: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
];
const ADMIN_UNIT: &[&str] = &["AdministrativeUnit.Read.All", "Directory.Read.All"];
const GROUP_READ: &[&str] = &[
    "GroupMember.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
];
const ME: &[&str] = &["User.Read", "User.ReadBasic.All", "Directory.Read.All"];
const USER: &[&str] = &["User.ReadBasic.All", "User.Read.All", "Directory.Read.All"];
/// Reading applications and service principals.
const APPLICATION_READ: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
];
/// Creating and updating applications and service principals.
const APPLICATION_WRITE: &[&str] = &["Application.ReadWrite.All"];
/// Reading delegated permission grants.
const GRANT_READ: &[&str] = &[
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.Read.All",
];
/// Creating and updating delegated permission grants.
const GRANT_WRITE: &[&str] = &["DelegatedPermissionGrant.ReadWrite.All"];

/// The permissions one of which `route` needs.
pub(crate) fn required(method: &Method, route: &Route, query: &Query) -> &'static [&'static str] {
    let write = *method != Method::GET;
    match route {
        Route::EligibilityInstances(Family::Directory) => DIRECTORY_ELIGIBILITY,
        Route::EligibilityInstances(Family::Groups) => GROUP_ELIGIBILITY,
        Route::AssignmentInstances(Family::Directory) => DIRECTORY_ASSIGNMENT_READ,
        Route::AssignmentInstances(Family::Groups) => GROUP_ASSIGNMENT_READ,
        Route::Requests(Family::Directory)
        | Route::Cancel(Family::Directory, _)
        | Route::ApprovalStage(Family::Directory, ..) => DIRECTORY_ASSIGNMENT_WRITE,
        Route::Requests(Family::Groups)
        | Route::Cancel(Family::Groups, _)
        | Route::ApprovalStage(Family::Groups, ..) => GROUP_ASSIGNMENT_WRITE,
        Route::RequestsByCurrentUser(Family::Directory, _)
        | Route::Request(Family::Directory, _)
        | Route::Approval(Family::Directory, _) => {
            if write {
                DIRECTORY_ASSIGNMENT_WRITE
            } else {
                DIRECTORY_ASSIGNMENT_READ
            }
        }
        Route::RequestsByCurrentUser(Family::Groups, _)
        | Route::Request(Family::Groups, _)
        | Route::Approval(Family::Groups, _) => {
            if write {
                GROUP_ASSIGNMENT_WRITE
            } else {
                GROUP_ASSIGNMENT_READ
            }
        }
        Route::EligibilityRequests | Route::EligibilityRequest(_) => {
            if write {
                DIRECTORY_ELIGIBILITY_WRITE
            } else {
                DIRECTORY_ELIGIBILITY
            }
        }
        Route::GroupOwners(_) => GROUP_READ,
        Route::RoleDefinitions(_) => ROLE_DEFINITIONS,
        Route::AdministrativeUnit(_) => ADMIN_UNIT,
        Route::Group(_) => GROUP_READ,
        Route::Me => ME,
        Route::User(_) => USER,
        // Which policies: the required `$filter` names `scopeType` `DirectoryRole` or `Group`.
        Route::PolicyAssignments => {
            let filter = query
                .filter()
                .unwrap_or_default()
                .to_ascii_lowercase()
                .replace(' ', "");
            if filter.contains("scopetypeeq'group'") {
                GROUP_POLICY_READ
            } else {
                DIRECTORY_POLICY_READ
            }
        }
        Route::Apps(Collection::Grants) | Route::AppObject(Collection::Grants, _) => {
            if write {
                GRANT_WRITE
            } else {
                GRANT_READ
            }
        }
        Route::Apps(_) | Route::AppObject(..) => {
            if write {
                APPLICATION_WRITE
            } else {
                APPLICATION_READ
            }
        }
    }
}
