use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Source;

/// A stable, case-normalised key for "this role at this scope from this source".
///
/// The key joins an eligibility with its active grant, with favourites and with history across runs, so it
/// is built from what Azure treats as identity (source, scope, role definition) and lower-cased, because
/// Azure returns the same ids in different casings.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleKey(String);

impl RoleKey {
    /// The key of `role_definition` at `scope` in `source`.
    ///
    /// For Azure resource roles only the role definition's GUID counts: the same built-in role is
    /// reported as `/providers/Microsoft.Authorization/roleDefinitions/{guid}` and as
    /// `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
    pub fn new(source: Source, scope: &str, role_definition: &str) -> Self {
        let scope = normalise_scope(scope);
        let role = role_definition.trim().trim_end_matches('/');
        let role = match source {
            Source::AzureResource => role.rsplit('/').next().unwrap_or(role),
            Source::EntraRole | Source::Group => role,
        };
        RoleKey(format!(
            "{}:{}:{}",
            source.as_str(),
            scope,
            role.to_ascii_lowercase()
        ))
    }

    /// Wraps a key read back from the store or from the user.
    pub fn from_raw(raw: impl Into<String>) -> Self {
        RoleKey(raw.into())
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lower-cases a scope, trims trailing slashes and gives it one leading slash. Also maps the spec examples'
/// alias `/providers/Microsoft.Subscription/subscriptions/{id}` to `/subscriptions/{id}`.
pub(crate) fn normalise_scope(scope: &str) -> String {
    let trimmed = scope.trim().trim_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    let lower = lower
        .strip_prefix("providers/microsoft.subscription/")
        .map(str::to_owned)
        .unwrap_or(lower);
    format!("/{lower}")
}

/// A role definition, by id and display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRef {
    /// Azure's id of the role definition, as Azure gave it.
    pub id: String,
    /// The role's display name ("Contributor", "User Administrator", "member").
    pub name: String,
}

/// What kind of thing a scope is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeKind {
    /// The whole directory (`/` in Entra).
    Directory,
    /// An Entra administrative unit.
    AdministrativeUnit,
    /// An Entra application scope.
    Application,
    /// A PIM-managed group.
    Group,
    /// An Azure management group.
    ManagementGroup,
    /// An Azure subscription.
    Subscription,
    /// An Azure resource group.
    ResourceGroup,
    /// A single Azure resource.
    Resource,
    /// Anything else Azure may send.
    Other,
}

impl ScopeKind {
    /// Classifies an ARM scope path.
    pub fn of_arm_scope(scope: &str) -> Self {
        let normal = normalise_scope(scope);
        let segments: Vec<&str> = normal.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            [""] => ScopeKind::Directory,
            ["providers", "microsoft.management", "managementgroups", _] => {
                ScopeKind::ManagementGroup
            }
            ["subscriptions", _] => ScopeKind::Subscription,
            ["subscriptions", _, "resourcegroups", _] => ScopeKind::ResourceGroup,
            ["subscriptions", _, "resourcegroups", _, "providers", ..] => ScopeKind::Resource,
            _ => ScopeKind::Other,
        }
    }

    /// A short label for people.
    pub const fn label(self) -> &'static str {
        match self {
            ScopeKind::Directory => "directory",
            ScopeKind::AdministrativeUnit => "administrative unit",
            ScopeKind::Application => "application",
            ScopeKind::Group => "group",
            ScopeKind::ManagementGroup => "management group",
            ScopeKind::Subscription => "subscription",
            ScopeKind::ResourceGroup => "resource group",
            ScopeKind::Resource => "resource",
            ScopeKind::Other => "scope",
        }
    }
}

/// A scope, by id, display name and kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeRef {
    /// Azure's id of the scope, as Azure gave it (`/subscriptions/…`, `/`, a group id).
    pub id: String,
    /// Its display name ("Contoso Production", "rg-web", "Directory").
    pub name: String,
    /// What it is.
    pub kind: ScopeKind,
}

/// How the user holds an eligibility or grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberType {
    /// Assigned to the user.
    Direct,
    /// Through membership of a group.
    Group,
    /// From a parent scope.
    Inherited,
    /// Azure sent a value this version does not know.
    Other,
}

impl MemberType {
    /// Maps Azure's `memberType`, case-insensitively.
    pub fn from_azure(value: Option<&str>) -> Self {
        match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("direct") => MemberType::Direct,
            Some("group") => MemberType::Group,
            Some("inherited") => MemberType::Inherited,
            Some(_) => MemberType::Other,
        }
    }
}

/// Something the user may activate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    /// Stable key of role + scope + source.
    pub key: RoleKey,
    /// Which API this comes from.
    pub source: Source,
    /// The role (for groups: `member` or `owner`).
    pub role: RoleRef,
    /// Where it applies.
    pub scope: ScopeRef,
    /// The principal the eligibility is assigned to: the user, or a group the user is in.
    pub principal_id: String,
    /// Direct, through a group, or inherited.
    pub member_type: MemberType,
    /// When the eligibility itself started, if Azure says.
    pub start: Option<DateTime<Utc>>,
    /// When the eligibility itself ends; `None` is permanent.
    pub end: Option<DateTime<Utc>>,
    /// Azure's id of the eligibility schedule, sent back as `linkedRoleEligibilityScheduleId`.
    pub schedule_id: Option<String>,
}
