//! What the watcher reports: grants about to end, ended, revoked, effective or made elsewhere, and
//! requests decided. Each event has a key that says whether it was shown before.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{ActiveGrant, Decision, Expiring, RequestRecord, Source};

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
        /// Who removed it and why, when Azure records an administrator's removal request (read
        /// once, when the revoke is seen).
        #[serde(skip_serializing_if = "Option::is_none")]
        removal: Option<Decision>,
    },
    /// A grant this machine asked for really works: it is listed as active and, for an Azure
    /// resource role at a resource group or a resource, Azure lists its permissions for the user
    /// there (or could not confirm that within the watcher's `effect_timeout`; see the watcher).
    Effective {
        /// The grant.
        grant: ActiveGrant,
        /// What is known about its taking effect.
        check: EffectCheck,
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
    /// A time-bound eligibility or active assignment ends within one of the configured offsets
    /// (14 days and 1 day by default): Request extension, or for a group, who administers it.
    HoldingEnds {
        /// What ends.
        target: Expiring,
        /// Whole days left (rounded up).
        days_left: i64,
        /// The offset (days before the end) this notice stands for.
        offset_days: i64,
        /// For a group: its owners' display names (untrusted text).
        owners: Vec<String>,
    },
    /// A time-bound eligibility or active assignment has ended (within the renewal window):
    /// Request renewal, or for a group, who administers it.
    HoldingEnded {
        /// What ended.
        target: Expiring,
        /// For a group: its owners' display names (untrusted text).
        owners: Vec<String>,
    },
    /// Extending the grant deactivated it and activating it again failed: the role is off.
    NowOff {
        /// The grant as it was before.
        grant: ActiveGrant,
        /// What happened, in full (the engine's `role-now-off` error message).
        reason: String,
    },
}

/// What is known about whether a new activation works: Microsoft documents a check only for Azure
/// resource roles at a resource group or a resource (the caller's permissions there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EffectCheck {
    /// Azure lists the role's permissions for the user at its scope.
    Confirmed,
    /// A check exists, but Azure did not confirm within the watcher's limit (or the check failed).
    NotConfirmed,
    /// No documented check (subscription, management group, Entra role, group): it is listed as
    /// active, which is all Azure says.
    NoCheck,
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
            WatchEvent::Ended { grant } | WatchEvent::Revoked { grant, .. } => {
                format!(
                    "gone:{}:{}:{}",
                    grant.key.as_str(),
                    grant.id,
                    stamp(grant.end)
                )
            }
            WatchEvent::Effective { grant, .. } | WatchEvent::Appeared { grant } => {
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
            WatchEvent::NowOff { grant, .. } => {
                format!("off:{}:{}", grant.key.as_str(), grant.id)
            }
            WatchEvent::HoldingEnds {
                target,
                offset_days,
                ..
            } => format!(
                "ends:{}:{}:{}:{offset_days}",
                target.holding.as_str(),
                target.key.as_str(),
                stamp(target.end)
            ),
            WatchEvent::HoldingEnded { target, .. } => format!(
                "ended:{}:{}:{}",
                target.holding.as_str(),
                target.key.as_str(),
                stamp(target.end)
            ),
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
            WatchEvent::Revoked {
                grant,
                removal: Some(removal),
            } if removal.by.is_some() => format!(
                "{} was removed{}",
                grant.role.name,
                Decision {
                    reason: None,
                    ..removal.clone()
                }
                .text()
            ),
            WatchEvent::Revoked { grant, .. } => format!("{} was revoked", grant.role.name),
            WatchEvent::Effective {
                grant,
                check: EffectCheck::Confirmed,
            } => format!("{} is effective", grant.role.name),
            WatchEvent::Effective { grant, .. } => {
                format!("{} is active in Azure", grant.role.name)
            }
            WatchEvent::NowOff { grant, .. } => format!("{} is now off", grant.role.name),
            WatchEvent::Appeared { grant } => {
                format!("{} was activated elsewhere", grant.role.name)
            }
            WatchEvent::Approved { request } => {
                format!("{} approved{}", request.role.name, decided_by(request))
            }
            WatchEvent::Denied { request } => {
                format!("{} denied{}", request.role.name, decided_by(request))
            }
            WatchEvent::Canceled { request } => format!("{} request canceled", request.role.name),
            WatchEvent::Failed { request } => format!("{} request failed", request.role.name),
            WatchEvent::ApprovalWaiting { request } => format!(
                "{} asks for {}",
                request.principal_name.as_deref().unwrap_or("Someone"),
                request.role.name
            ),
            WatchEvent::HoldingEnds {
                target, days_left, ..
            } => format!(
                "Your {} {} ends in {}",
                target.role.name,
                target.holding.as_str(),
                super::ends::days(*days_left)
            ),
            WatchEvent::HoldingEnded { target, .. } => format!(
                "Your {} {} has ended",
                target.role.name,
                target.holding.as_str()
            ),
        }
    }

    /// One line of detail: where, and what to do.
    pub fn body(&self) -> String {
        match self {
            WatchEvent::HoldingEnds { target, owners, .. } => more_time_body(
                target,
                owners,
                "Request extension: an administrator decides.",
            ),
            WatchEvent::HoldingEnded { target, owners } => {
                more_time_body(target, owners, "Request renewal: an administrator decides.")
            }
            WatchEvent::ExpiresSoon { grant, .. } => format!(
                "at {} ({}). Extend it or activate it again if you still need it.",
                grant.scope.name,
                grant.source.label()
            ),
            WatchEvent::Ended { grant } => format!(
                "at {}. Activate it again when you need it.",
                grant.scope.name
            ),
            WatchEvent::Revoked {
                grant,
                removal: Some(removal),
            } if removal.is_known() => format!(
                "{} on {} was removed{}.",
                grant.role.name,
                grant.scope.name,
                removal.text()
            ),
            WatchEvent::Revoked { grant, .. } => format!(
                "at {}: removed before its end by an administrator or another tool.",
                grant.scope.name
            ),
            WatchEvent::Effective { grant, check } => {
                let known = match check {
                    EffectCheck::Confirmed => {
                        ": Azure lists its permissions for you there".to_owned()
                    }
                    EffectCheck::NotConfirmed => format!(
                        ": Azure has not confirmed its permissions there yet. {}",
                        new_token_hint(grant)
                    ),
                    EffectCheck::NoCheck => format!(". {}", new_token_hint(grant)),
                };
                format!("at {}{}{known}", grant.scope.name, until(grant))
            }
            WatchEvent::Appeared { grant } => {
                format!("at {}{}.", grant.scope.name, until(grant))
            }
            WatchEvent::NowOff { reason, .. } => reason.clone(),
            WatchEvent::Approved { request } => match decided(request) {
                Some(why) => format!(
                    "at {}: approved{why}. The grant follows.",
                    request.scope.name
                ),
                None => format!("at {}: the grant follows.", request.scope.name),
            },
            WatchEvent::Denied { request } => match decided(request) {
                Some(why) => format!("at {}: denied{why}.", request.scope.name),
                None => format!("at {}: an approver said no.", request.scope.name),
            },
            WatchEvent::Canceled { request } => {
                format!("at {} ({}).", request.scope.name, request.azure_status)
            }
            WatchEvent::Failed { request } => format!(
                "at {}: Azure reported {}.",
                request.scope.name, request.azure_status
            ),
            WatchEvent::ApprovalWaiting { request } => format!(
                "{} ({}) at {}{}: {}",
                request.requester_text(),
                request.source.label(),
                request.scope_path_text(),
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
            | WatchEvent::Revoked { grant, .. }
            | WatchEvent::Effective { grant, .. }
            | WatchEvent::Appeared { grant }
            | WatchEvent::NowOff { grant, .. } => Some(grant),
            _ => None,
        }
    }
}

/// ` by NAME: "REASON"` of a decided request, when the approval said who or why.
fn decided(request: &RequestRecord) -> Option<String> {
    request
        .decision
        .as_ref()
        .filter(|d| d.is_known())
        .map(Decision::text)
}

/// ` by NAME` of a decided request, when the approval said who; empty otherwise.
fn decided_by(request: &RequestRecord) -> String {
    request
        .decision
        .as_ref()
        .map(|d| {
            Decision {
                reason: None,
                ..d.clone()
            }
            .text()
        })
        .unwrap_or_default()
}

fn until(grant: &ActiveGrant) -> String {
    grant
        .end
        .map(|e| {
            format!(
                ", until {}",
                e.with_timezone(&chrono::Local).format("%H:%M")
            )
        })
        .unwrap_or_default()
}

/// What is known when Azure offers no check, and the fix where one exists: tokens issued before
/// the activation do not carry it (Entra roles and group memberships travel in the token; ARM
/// caches the caller's assignments per token).
fn new_token_hint(grant: &ActiveGrant) -> String {
    let fix = match grant.source {
        crate::model::Source::AzureResource => {
            "for the Azure CLI run `az login` again; for kubectl with kubelogin, `kubelogin remove-tokens`"
        }
        crate::model::Source::EntraRole | crate::model::Source::Group => {
            "sign in to those tools again (for the Azure CLI: `az login`)"
        }
    };
    format!(
        "Active in Azure; tools already signed in may need a new token, which can take up to an hour: {fix}."
    )
}

/// The body of an end's notice: where, and what can be done about it.
fn more_time_body(target: &Expiring, owners: &[String], offer: &str) -> String {
    let until = target
        .end
        .map(|e| format!(" (until {})", e.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    if target.source == Source::Group {
        let who = if owners.is_empty() {
            "its owners".to_owned()
        } else {
            owners
                .iter()
                .map(|o| crate::text::sanitize(o))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return format!(
            "{}{until}. PIM for Groups has no self-service extension or renewal; the group is administered by {who}.",
            target.describe()
        );
    }
    format!("{}{until}. {offer}", target.describe())
}
