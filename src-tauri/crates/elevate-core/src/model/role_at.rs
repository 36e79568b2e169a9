//! [`RoleAtScope`]: the role at a scope that an action is about.

use serde::Serialize;

use super::{ActiveGrant, Eligibility, RoleKey, RoleRef, ScopeRef, Source};

/// A role at a scope from one source: what an activation, deactivation, extension or history row
/// is about, whether it came from an eligibility or from an active grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleAtScope {
    /// The case-normalised identity of role + scope + source.
    pub key: RoleKey,
    /// Which source.
    pub source: Source,
    /// The role.
    pub role: RoleRef,
    /// The scope.
    pub scope: ScopeRef,
}

impl RoleAtScope {
    /// "Role at Scope", for messages.
    pub fn describe(&self) -> String {
        format!("{} at {}", self.role.name, self.scope.name)
    }
}

impl From<&Eligibility> for RoleAtScope {
    fn from(e: &Eligibility) -> Self {
        RoleAtScope {
            key: e.key.clone(),
            source: e.source,
            role: e.role.clone(),
            scope: e.scope.clone(),
        }
    }
}

impl From<&ActiveGrant> for RoleAtScope {
    fn from(g: &ActiveGrant) -> Self {
        RoleAtScope {
            key: g.key.clone(),
            source: g.source,
            role: g.role.clone(),
            scope: g.scope.clone(),
        }
    }
}
