//! ARM paths: which resource a request addresses. Segments are matched case-insensitively.

use percent_encoding::percent_decode_str;

use crate::ids::eq_ci;
use crate::scope::Scope;

/// api-versions of the PIM resources (2022-04-01-preview only for schedule requests).
const PIM_VERSIONS: &[&str] = &[
    "2020-10-01",
    "2020-10-01-preview",
    "2024-02-01-preview",
    "2024-09-01-preview",
];
const PIM_REQUEST_VERSIONS: &[&str] = &[
    "2020-10-01",
    "2020-10-01-preview",
    "2022-04-01-preview",
    "2024-02-01-preview",
    "2024-09-01-preview",
];
const ROLE_DEFINITION_VERSIONS: &[&str] = &[
    "2015-07-01",
    "2018-01-01-preview",
    "2022-04-01",
    "2022-05-01-preview",
];
/// api-versions of `permissions` (published with role definitions).
const PERMISSION_VERSIONS: &[&str] = ROLE_DEFINITION_VERSIONS;
const SUBSCRIPTION_VERSIONS: &[&str] = &[
    "2016-06-01",
    "2019-06-01",
    "2020-01-01",
    "2021-01-01",
    "2022-12-01",
];
const RESOURCE_GROUP_VERSIONS: &[&str] = &[
    "2019-10-01",
    "2020-06-01",
    "2021-04-01",
    "2022-09-01",
    "2024-03-01",
];
const MANAGEMENT_GROUP_VERSIONS: &[&str] = &["2020-05-01", "2021-04-01", "2023-04-01"];

/// A `Microsoft.Authorization` resource collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    /// `roleEligibilityScheduleInstances`
    EligibilityInstances,
    /// `roleAssignmentScheduleInstances`
    AssignmentInstances,
    /// `roleAssignmentScheduleRequests`
    AssignmentRequests,
    /// `roleEligibilityScheduleRequests` (a user's extension and renewal requests)
    EligibilityRequests,
    /// `roleManagementPolicyAssignments`
    PolicyAssignments,
    /// `roleManagementPolicies`
    Policies,
    /// `eligibleChildResources`
    EligibleChildResources,
    /// `roleDefinitions`
    RoleDefinitions,
    /// `permissions` (the caller's, at a resource group or resource)
    Permissions,
}

impl Collection {
    fn from_segment(segment: &str) -> Option<Collection> {
        [
            (
                "roleEligibilityScheduleInstances",
                Collection::EligibilityInstances,
            ),
            (
                "roleAssignmentScheduleInstances",
                Collection::AssignmentInstances,
            ),
            (
                "roleAssignmentScheduleRequests",
                Collection::AssignmentRequests,
            ),
            (
                "roleEligibilityScheduleRequests",
                Collection::EligibilityRequests,
            ),
            (
                "roleManagementPolicyAssignments",
                Collection::PolicyAssignments,
            ),
            ("roleManagementPolicies", Collection::Policies),
            ("eligibleChildResources", Collection::EligibleChildResources),
            ("roleDefinitions", Collection::RoleDefinitions),
            ("permissions", Collection::Permissions),
        ]
        .into_iter()
        .find(|(name, _)| eq_ci(name, segment))
        .map(|(_, c)| c)
    }
}

/// The resource a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `{scope}/providers/Microsoft.Authorization/{collection}[/{name}[/{action}]]`
    Authz {
        /// Scope (not yet checked against the directory).
        scope: Scope,
        /// Collection.
        collection: Collection,
        /// Resource name.
        name: Option<String>,
        /// Action (`cancel`, `validate`).
        action: Option<String>,
    },
    /// `/subscriptions[/{id}]`
    Subscriptions {
        /// Subscription id.
        id: Option<String>,
    },
    /// `/subscriptions/{id}/resourceGroups[/{name}]`
    ResourceGroups {
        /// Subscription id.
        subscription: String,
        /// Resource group name.
        name: Option<String>,
    },
    /// `/providers/Microsoft.Management/managementGroups[/{name}]`
    ManagementGroups {
        /// Management group name.
        name: Option<String>,
    },
    /// `/tenants`: the caller's tenants ("Tenants - List").
    Tenants,
}

impl Target {
    /// api-versions the target accepts.
    pub(crate) fn api_versions(&self) -> &'static [&'static str] {
        match self {
            Target::Authz {
                collection: Collection::RoleDefinitions,
                ..
            } => ROLE_DEFINITION_VERSIONS,
            Target::Authz {
                collection: Collection::Permissions,
                ..
            } => PERMISSION_VERSIONS,
            Target::Authz {
                collection: Collection::AssignmentRequests | Collection::EligibilityRequests,
                ..
            } => PIM_REQUEST_VERSIONS,
            Target::Authz { .. } => PIM_VERSIONS,
            Target::Subscriptions { .. } | Target::Tenants => SUBSCRIPTION_VERSIONS,
            Target::ResourceGroups { .. } => RESOURCE_GROUP_VERSIONS,
            Target::ManagementGroups { .. } => MANAGEMENT_GROUP_VERSIONS,
        }
    }
}

/// Why a path addresses nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathError {
    /// Not a known path shape.
    NotFound,
    /// A `Microsoft.Authorization` resource type the simulator does not know.
    UnknownType(String),
}

/// Parses a request path.
pub(crate) fn parse(path: &str) -> Result<Target, PathError> {
    let decoded: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|d| d.into_owned())
                .map_err(|_| PathError::NotFound)
        })
        .collect::<Result<_, _>>()?;
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let provider_at = (0..segments.len().saturating_sub(1)).rev().find(|&i| {
        segments.get(i).is_some_and(|s| eq_ci(s, "providers"))
            && segments
                .get(i + 1)
                .is_some_and(|s| eq_ci(s, "Microsoft.Authorization"))
    });
    if let Some(at) = provider_at {
        let scope =
            Scope::from_segments(segments.get(..at).unwrap_or(&[])).ok_or(PathError::NotFound)?;
        let tail = segments.get(at + 2..).unwrap_or(&[]);
        let (kind, rest) = tail.split_first().ok_or(PathError::NotFound)?;
        let collection = Collection::from_segment(kind)
            .ok_or_else(|| PathError::UnknownType((*kind).to_string()))?;
        if rest.len() > 2 {
            return Err(PathError::NotFound);
        }
        return Ok(Target::Authz {
            scope,
            collection,
            name: rest.first().map(|s| (*s).to_string()),
            action: rest.get(1).map(|s| (*s).to_string()),
        });
    }
    match segments.as_slice() {
        [s] if eq_ci(s, "subscriptions") => Ok(Target::Subscriptions { id: None }),
        [t] if eq_ci(t, "tenants") => Ok(Target::Tenants),
        [s, id] if eq_ci(s, "subscriptions") => Ok(Target::Subscriptions {
            id: Some((*id).to_string()),
        }),
        [s, id, rg] if eq_ci(s, "subscriptions") && eq_ci(rg, "resourceGroups") => {
            Ok(Target::ResourceGroups {
                subscription: id.to_ascii_lowercase(),
                name: None,
            })
        }
        [s, id, rg, name] if eq_ci(s, "subscriptions") && eq_ci(rg, "resourceGroups") => {
            Ok(Target::ResourceGroups {
                subscription: id.to_ascii_lowercase(),
                name: Some((*name).to_string()),
            })
        }
        [p, ns, mg, rest @ ..]
            if eq_ci(p, "providers")
                && eq_ci(ns, "Microsoft.Management")
                && eq_ci(mg, "managementGroups") =>
        {
            match rest {
                [] => Ok(Target::ManagementGroups { name: None }),
                [name] => Ok(Target::ManagementGroups {
                    name: Some((*name).to_string()),
                }),
                _ => Err(PathError::NotFound),
            }
        }
        _ => Err(PathError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pim_paths() {
        let t =
            parse("/PROVIDERS/microsoft.authorization/ROLEASSIGNMENTSCHEDULEREQUESTS/abc/Cancel");
        assert_eq!(
            t,
            Ok(Target::Authz {
                scope: Scope::Root,
                collection: Collection::AssignmentRequests,
                name: Some("abc".into()),
                action: Some("Cancel".into())
            })
        );
        let t = parse(
            "/providers/Microsoft.Subscription/subscriptions/S1/resourceGroups/rg/providers/Microsoft.Authorization/roleEligibilityScheduleInstances",
        );
        assert!(matches!(
            t,
            Ok(Target::Authz {
                scope: Scope::ResourceGroup { .. },
                ..
            })
        ));
        let t = parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Authorization/roleAssignmentScheduleInstances",
        );
        assert!(matches!(
            t,
            Ok(Target::Authz {
                scope: Scope::Resource { .. },
                ..
            })
        ));
        assert_eq!(
            parse("/providers/Microsoft.Authorization/nope"),
            Err(PathError::UnknownType("nope".into()))
        );
        let t = parse(
            "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Web/sites/app/providers/Microsoft.Authorization/Permissions",
        );
        assert!(matches!(
            t,
            Ok(Target::Authz {
                scope: Scope::Resource { .. },
                collection: Collection::Permissions,
                name: None,
                ..
            })
        ));
        assert_eq!(parse("/nothing/here"), Err(PathError::NotFound));
        assert_eq!(
            parse("/subscriptions/ABC"),
            Ok(Target::Subscriptions {
                id: Some("ABC".into())
            })
        );
        assert_eq!(
            parse("/providers/Microsoft.Management/managementGroups/mg"),
            Ok(Target::ManagementGroups {
                name: Some("mg".into())
            })
        );
    }
}
