use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{MemberType, RoleKey, RoleRef, ScopeRef, Source};

/// How an active grant came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssignmentType {
    /// Just-in-time, from a PIM activation: it ends, and can be extended or deactivated.
    Activated,
    /// A standing assignment.
    Assigned,
}

impl AssignmentType {
    /// Maps Azure's `assignmentType` case-insensitively; Azure omits it for standing assignments.
    pub fn from_azure(value: Option<&str>) -> Self {
        match value.map(str::to_ascii_lowercase).as_deref() {
            Some("activated") => AssignmentType::Activated,
            _ => AssignmentType::Assigned,
        }
    }
}

/// A role the user holds right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveGrant {
    /// Azure's id of the schedule instance.
    pub id: String,
    /// The same key as the eligibility it came from.
    pub key: RoleKey,
    /// Which API this comes from.
    pub source: Source,
    /// The role.
    pub role: RoleRef,
    /// Where it applies.
    pub scope: ScopeRef,
    /// The principal holding it: the user, or a group the user is in.
    pub principal_id: String,
    /// Direct, through a group, or inherited.
    pub member_type: MemberType,
    /// Activated (just-in-time) or Assigned (standing).
    pub assignment_type: AssignmentType,
    /// When it started.
    pub start: Option<DateTime<Utc>>,
    /// When it ends; `None` is permanent.
    pub end: Option<DateTime<Utc>>,
}

impl ActiveGrant {
    /// Time left at `now`, or `None` for a permanent grant. Zero once it has ended.
    pub fn remaining(&self, now: DateTime<Utc>) -> Option<chrono::TimeDelta> {
        self.end
            .map(|end| (end - now).max(chrono::TimeDelta::zero()))
    }
}
