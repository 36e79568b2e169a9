//! Requests for more time on something an administrator granted: extending a time-bound
//! assignment or eligibility before it ends, or renewing one after it ended. Microsoft documents
//! these as a user's *request* (`SelfExtend`/`SelfRenew` on ARM, `selfExtend`/`selfRenew` on
//! Graph) that an administrator decides; PIM for Groups has none.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{ActiveGrant, AssignmentType, Eligibility, RoleKey, RoleRef, ScopeRef, Source};

/// How long before its end a time-bound assignment or eligibility may be extended on request
/// (Microsoft's "Extend or renew" pages: within 14 days of its end).
pub const EXTEND_WINDOW: TimeDelta = TimeDelta::days(14);

/// How long after its end Elevate offers to renew an assignment or eligibility. Microsoft's pages
/// in the reference say an expired one can be renewed but give no limit; Elevate takes the
/// stricter reading, the same 14 days as for an extension (the simulator refuses later ones).
pub const RENEW_WINDOW: TimeDelta = TimeDelta::days(14);

/// What an administrator granted that a request for more time is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Holding {
    /// An active assignment an administrator made (not an activation).
    Assignment,
    /// An eligibility.
    Eligibility,
}

impl Holding {
    /// "assignment" or "eligibility", for messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Holding::Assignment => "assignment",
            Holding::Eligibility => "eligibility",
        }
    }
}

/// Which request for more time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MoreTime {
    /// Before the end: `SelfExtend` / `selfExtend`.
    Extend,
    /// After the end: `SelfRenew` / `selfRenew`.
    Renew,
}

impl MoreTime {
    /// ARM's `requestType`.
    pub const fn arm_request_type(self) -> &'static str {
        match self {
            MoreTime::Extend => "SelfExtend",
            MoreTime::Renew => "SelfRenew",
        }
    }

    /// Graph's `action`.
    pub const fn graph_action(self) -> &'static str {
        match self {
            MoreTime::Extend => "selfExtend",
            MoreTime::Renew => "selfRenew",
        }
    }

    /// "extension" or "renewal", for messages.
    pub const fn noun(self) -> &'static str {
        match self {
            MoreTime::Extend => "extension",
            MoreTime::Renew => "renewal",
        }
    }
}

/// A time-bound assignment or eligibility, as a request for more time needs it: what it is,
/// where, and when it ends (or ended).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiring {
    /// Assignment or eligibility.
    pub holding: Holding,
    /// The same key as the eligibility or grant.
    pub key: RoleKey,
    /// Which source.
    pub source: Source,
    /// The role.
    pub role: RoleRef,
    /// The scope.
    pub scope: ScopeRef,
    /// When it ends or ended; `None` is permanent.
    pub end: Option<DateTime<Utc>>,
    /// For an active grant: whether it is an activation (never the subject of such a request).
    pub activated: bool,
    /// Whether the user holds it directly (not through a group or by inheritance).
    pub direct: bool,
}

impl Expiring {
    /// "Role at Scope", for messages.
    pub fn describe(&self) -> String {
        format!("{} at {}", self.role.name, self.scope.name)
    }

    /// Why no request for more time can be made for this, whatever the time; `None` when one can.
    pub fn refused(&self) -> Option<String> {
        let where_ = self.describe();
        if self.source == Source::Group {
            return Some(format!(
                "{where_}: PIM for Groups has no self-service extension or renewal request; an owner of the group decides"
            ));
        }
        if self.activated {
            return Some(format!(
                "{where_} is an activation: extend it instead (Elevate deactivates and activates it again)"
            ));
        }
        if !self.direct {
            return Some(format!(
                "{where_}: held through a group or a parent scope; ask an administrator of that {}",
                self.holding.as_str()
            ));
        }
        if self.end.is_none() {
            return Some(format!(
                "{where_}: the {} is permanent, there is nothing to extend",
                self.holding.as_str()
            ));
        }
        None
    }

    /// Which request fits at `now`: an extension within [`EXTEND_WINDOW`] before the end, a
    /// renewal within [`RENEW_WINDOW`] after it; `None` outside both or when refused.
    pub fn offer(&self, now: DateTime<Utc>) -> Option<MoreTime> {
        if self.refused().is_some() {
            return None;
        }
        let end = self.end?;
        if end > now {
            (end - now <= EXTEND_WINDOW).then_some(MoreTime::Extend)
        } else {
            (now - end <= RENEW_WINDOW).then_some(MoreTime::Renew)
        }
    }

    /// Why `ask` cannot be made at `now`, or `None` when it can.
    pub fn refused_at(&self, ask: MoreTime, now: DateTime<Utc>) -> Option<String> {
        if let Some(reason) = self.refused() {
            return Some(reason);
        }
        let what = self.holding.as_str();
        let where_ = self.describe();
        match (ask, self.offer(now)) {
            (a, Some(b)) if a == b => None,
            (MoreTime::Extend, _) if self.end.is_some_and(|e| e <= now) => Some(format!(
                "{where_}: the {what} has ended; request a renewal instead"
            )),
            (MoreTime::Extend, _) => Some(format!(
                "{where_}: Azure takes an extension request only within 14 days of the {what}'s end"
            )),
            (MoreTime::Renew, _) if self.end.is_some_and(|e| e > now) => Some(format!(
                "{where_}: the {what} has not ended yet; a renewal is for after its end (request an extension instead)"
            )),
            (MoreTime::Renew, _) => Some(format!(
                "{where_}: the {what} ended more than 14 days ago; ask an administrator to assign it again"
            )),
        }
    }
}

impl From<&Eligibility> for Expiring {
    fn from(e: &Eligibility) -> Self {
        Expiring {
            holding: Holding::Eligibility,
            key: e.key.clone(),
            source: e.source,
            role: e.role.clone(),
            scope: e.scope.clone(),
            end: e.end,
            activated: false,
            direct: e.member_type == super::MemberType::Direct,
        }
    }
}

impl From<&ActiveGrant> for Expiring {
    fn from(g: &ActiveGrant) -> Self {
        Expiring {
            holding: Holding::Assignment,
            key: g.key.clone(),
            source: g.source,
            role: g.role.clone(),
            scope: g.scope.clone(),
            end: g.end,
            activated: g.assignment_type == AssignmentType::Activated,
            direct: g.member_type == super::MemberType::Direct,
        }
    }
}
