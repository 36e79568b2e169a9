//! What the watcher reports: grants about to end, ended, revoked, effective or made elsewhere, and
//! requests decided. Each event has a key that says whether it was shown before.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{ActiveGrant, RequestRecord};

/// Something the user should hear about.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum WatchEvent {
    /// An activated grant ends soon.
    ExpiresSoon {
        /// The grant.
        grant: ActiveGrant,
        /// Whole minutes left when the event was raised.
        minutes_left: i64,
        /// The warning offset (minutes before the end) this event stands for.
        offset_minutes: i64,
    },
    /// An activated grant reached its end.
    Ended {
        /// The grant.
        grant: ActiveGrant,
    },
    /// A grant disappeared before its end, and not through this machine.
    Revoked {
        /// The grant as last seen.
        grant: ActiveGrant,
    },
    /// A grant this machine asked for really works: it is listed as active and, for an Azure
    /// resource role at a resource group or a resource, Azure lists its permissions for the user
    /// there (or could not confirm that within the watcher's `effect_timeout`; see the watcher).
    Effective {
        /// The grant.
        grant: ActiveGrant,
    },
    /// A grant appeared that this machine did not ask for (portal, CLI on another machine, admin).
    Appeared {
        /// The grant.
        grant: ActiveGrant,
    },
    /// A pending request was approved.
    Approved {
        /// The request as it is now.
        request: RequestRecord,
    },
    /// A pending request was denied.
    Denied {
        /// The request as it is now.
        request: RequestRecord,
    },
    /// A pending request was canceled (not through this machine) or timed out.
    Canceled {
        /// The request as it is now.
        request: RequestRecord,
    },
    /// A pending request failed.
    Failed {
        /// The request as it is now.
        request: RequestRecord,
    },
    /// Someone's request waits for this user's approval.
    ApprovalWaiting {
        /// The request.
        request: RequestRecord,
    },
}

fn stamp(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| t.timestamp().to_string())
}

impl WatchEvent {
    /// Identifies the event: the same key is never shown twice. A grant that is extended gets a new
    /// end, and so new warnings.
    pub fn key(&self) -> String {
        match self {
            WatchEvent::ExpiresSoon {
                grant,
                offset_minutes,
                ..
            } => {
                format!(
                    "warn:{}:{}:{}:{offset_minutes}",
                    grant.key.as_str(),
                    grant.id,
                    stamp(grant.end)
                )
            }
            WatchEvent::Ended { grant } | WatchEvent::Revoked { grant } => {
                format!(
                    "gone:{}:{}:{}",
                    grant.key.as_str(),
                    grant.id,
                    stamp(grant.end)
                )
            }
            WatchEvent::Effective { grant } | WatchEvent::Appeared { grant } => {
                format!(
                    "new:{}:{}:{}",
                    grant.key.as_str(),
                    grant.id,
                    stamp(grant.start)
                )
            }
            WatchEvent::Approved { request }
            | WatchEvent::Denied { request }
            | WatchEvent::Canceled { request }
            | WatchEvent::Failed { request } => format!("decided:{}", request.id),
            WatchEvent::ApprovalWaiting { request } => format!("approval:{}", request.id),
        }
    }

    /// A short title, e.g. for a notification's summary.
    pub fn title(&self) -> String {
        match self {
            WatchEvent::ExpiresSoon {
                grant,
                minutes_left,
                ..
            } => {
                format!("{} ends in {} min", grant.role.name, minutes_left)
            }
            WatchEvent::Ended { grant } => format!("{} has ended", grant.role.name),
            WatchEvent::Revoked { grant } => format!("{} was revoked", grant.role.name),
            WatchEvent::Effective { grant } => format!("{} is active", grant.role.name),
            WatchEvent::Appeared { grant } => {
                format!("{} was activated elsewhere", grant.role.name)
            }
            WatchEvent::Approved { request } => format!("{} approved", request.role.name),
            WatchEvent::Denied { request } => format!("{} denied", request.role.name),
            WatchEvent::Canceled { request } => format!("{} request canceled", request.role.name),
            WatchEvent::Failed { request } => format!("{} request failed", request.role.name),
            WatchEvent::ApprovalWaiting { request } => format!(
                "{} asks for {}",
                request.principal_name.as_deref().unwrap_or("Someone"),
                request.role.name
            ),
        }
    }

    /// One line of detail: where, and what to do.
    pub fn body(&self) -> String {
        match self {
            WatchEvent::ExpiresSoon { grant, .. } => format!(
                "at {} ({}). Extend it or activate it again if you still need it.",
                grant.scope.name,
                grant.source.label()
            ),
            WatchEvent::Ended { grant } => format!(
                "at {}. Activate it again when you need it.",
                grant.scope.name
            ),
            WatchEvent::Revoked { grant } => format!(
                "at {}: removed before its end by an administrator or another tool.",
                grant.scope.name
            ),
            WatchEvent::Effective { grant } | WatchEvent::Appeared { grant } => format!(
                "at {}{}.",
                grant.scope.name,
                grant
                    .end
                    .map(|e| format!(
                        ", until {}",
                        e.with_timezone(&chrono::Local).format("%H:%M")
                    ))
                    .unwrap_or_default()
            ),
            WatchEvent::Approved { request } => {
                format!("at {}: the grant follows.", request.scope.name)
            }
            WatchEvent::Denied { request } => {
                format!("at {}: an approver said no.", request.scope.name)
            }
            WatchEvent::Canceled { request } => {
                format!("at {} ({}).", request.scope.name, request.azure_status)
            }
            WatchEvent::Failed { request } => format!(
                "at {}: Azure reported {}.",
                request.scope.name, request.azure_status
            ),
            WatchEvent::ApprovalWaiting { request } => format!(
                "at {}{}: {}",
                request.scope.name,
                request
                    .duration
                    .map(|d| format!(" for {d}"))
                    .unwrap_or_default(),
                request
                    .justification
                    .as_deref()
                    .unwrap_or("no justification given")
            ),
        }
    }

    /// The grant the event is about, if any (for actions such as Extend or Deactivate).
    pub fn grant(&self) -> Option<&ActiveGrant> {
        match self {
            WatchEvent::ExpiresSoon { grant, .. }
            | WatchEvent::Ended { grant }
            | WatchEvent::Revoked { grant }
            | WatchEvent::Effective { grant }
            | WatchEvent::Appeared { grant } => Some(grant),
            _ => None,
        }
    }
}
