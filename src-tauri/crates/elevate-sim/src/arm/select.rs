//! Which items a list returns: `$filter` conditions and the scope window (at, above or below the
//! requested scope; only at or above with `atScope()`).

use super::filter::{self, Clause};
use super::reply::{ArmResult, unsupported_filter};
use crate::ids::{eq_ci, last_segment, role_guid_from_id};
use crate::scope::{Below, Hierarchy, Scope};
use crate::tenant::Directory;
use crate::token::Caller;

/// Conditions from a `$filter`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// The item's principal must be in every one of these sets.
    principal_sets: Vec<Vec<String>>,
    /// Only items at or above the scope.
    pub at_or_above: bool,
    role: Option<String>,
    status: Option<String>,
    schedule_id: Option<String>,
    /// Only requests made by this principal.
    pub requestor: Option<String>,
    /// Only pending requests this principal may approve.
    pub approver: Option<String>,
}

impl Selection {
    /// Builds the selection; `allowed` lists the lower-case function and property names the
    /// operation supports (`astarget`, `principalid`, ...).
    pub(crate) fn from_filter(
        text: Option<&str>,
        caller: &Caller,
        directory: &Directory,
        allowed: &[&str],
    ) -> ArmResult<Selection> {
        let mut selection = Selection::default();
        let Some(text) = text else {
            return Ok(selection);
        };
        let clauses = filter::parse(text).map_err(|reason| unsupported_filter(text, &reason))?;
        for clause in clauses {
            let name = match &clause {
                Clause::AsTarget => "astarget".to_string(),
                Clause::AtScope => "atscope".to_string(),
                Clause::AsRequestor => "asrequestor".to_string(),
                Clause::AsApprover => "asapprover".to_string(),
                Clause::AssignedTo(_) => "assignedto".to_string(),
                Clause::Eq { property, .. } => property.clone(),
            };
            if !allowed.contains(&name.as_str()) {
                return Err(unsupported_filter(
                    text,
                    &format!("'{name}' cannot be used with this operation"),
                ));
            }
            match clause {
                Clause::AsTarget => selection
                    .principal_sets
                    .push(directory.principal_and_groups(&caller.oid)),
                Clause::AssignedTo(id) => selection
                    .principal_sets
                    .push(directory.principal_and_groups(&id)),
                Clause::AtScope => selection.at_or_above = true,
                Clause::AsRequestor => selection.requestor = Some(caller.oid.clone()),
                Clause::AsApprover => selection.approver = Some(caller.oid.clone()),
                Clause::Eq { property, value } => match property.as_str() {
                    "principalid" => selection.principal_sets.push(vec![value]),
                    "roledefinitionid" => {
                        selection.role = Some(role_guid_from_id(&value).ok_or_else(|| {
                            unsupported_filter(
                                text,
                                &format!("'{value}' is not a role definition id"),
                            )
                        })?)
                    }
                    "status" => selection.status = Some(value),
                    "requestorid" => selection.requestor = Some(value),
                    _ => selection.schedule_id = Some(value),
                },
            }
        }
        Ok(selection)
    }

    /// Whether the item's principal passes.
    pub(crate) fn principal_ok(&self, principal: &str) -> bool {
        self.principal_sets
            .iter()
            .all(|set| set.iter().any(|p| eq_ci(p, principal)))
    }

    /// Whether the item's role passes.
    pub(crate) fn role_ok(&self, role_guid: &str) -> bool {
        self.role.as_deref().is_none_or(|r| eq_ci(r, role_guid))
    }

    /// Whether the item's status passes.
    pub(crate) fn status_ok(&self, status: &str) -> bool {
        self.status.as_deref().is_none_or(|s| eq_ci(s, status))
    }

    /// Whether the item's schedule passes; `schedule_id` gives its full id (only asked for when
    /// the filter names a schedule).
    pub(crate) fn schedule_ok(&self, schedule_id: impl FnOnce() -> String) -> bool {
        self.schedule_id.as_deref().is_none_or(|s| {
            let id = schedule_id();
            eq_ci(s, &id) || eq_ci(last_segment(s), last_segment(&id))
        })
    }

    /// Whether the request's requestor passes.
    pub(crate) fn requestor_ok(&self, requestor: &str) -> bool {
        self.requestor
            .as_deref()
            .is_none_or(|r| eq_ci(r, requestor))
    }
}

/// The scopes a list covers.
pub(crate) struct ScopeWindow {
    ancestors: Vec<String>,
    below: Option<Below>,
}

impl ScopeWindow {
    /// The window around `scope`: at, above and below it (only at and above with `atScope()`).
    pub(crate) fn new(scope: &Scope, directory: &Directory, at_or_above: bool) -> ScopeWindow {
        ScopeWindow {
            ancestors: scope.ancestor_keys(directory),
            below: (!at_or_above).then(|| Below::new(scope, &Hierarchy::new(directory))),
        }
    }

    /// Whether an item at `item_scope` (canonical text) is in the window.
    pub(crate) fn includes(&self, item_scope: &str) -> bool {
        if matches!(self.below, Some(Below::All)) {
            return true;
        }
        let key = item_scope.to_ascii_lowercase();
        self.ancestors.contains(&key) || self.below.as_ref().is_some_and(|b| b.contains(&key))
    }
}
