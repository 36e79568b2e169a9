//! The ends of the user's time-bound eligibilities and active assignments, followed from the end
//! times Elevate already knows ([`crate::known_ends`]): no listing per minute. Eligibilities are
//! read again at most every [`RELIST_EVERY`] (and whenever a face lists roles, e.g. on Refresh);
//! active assignments come with the watcher's own polls. Each end is announced before it (at each
//! of the configured offsets, 14 days and 1 day by default) with **Request extension**, and after
//! it with **Request renewal**; PIM for Groups has no such request, so the notice says so and
//! names the group's owners (Graph `GET /groups/{id}/owners`). The requests the user files are
//! followed by their ids (read at most every [`FOLLOW_EVERY`]): approved or denied like any other.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

use super::WatchEvent;
use crate::model::{RENEW_WINDOW, RequestKind, RequestStatus, Source};
use crate::session::Session;
use crate::store::HistoryQuery;

/// How often eligibilities are listed again for their ends (they change rarely).
pub const RELIST_EVERY: Duration = Duration::from_secs(4 * 3600);

/// How often the known ends are looked at (the store only, no call to Azure).
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// How often a pending extension or renewal request is read again.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(15 * 60);

/// Follows ends and the requests for more time filed about them.
pub(super) struct Ends {
    /// Warn this long before an end (whole days, largest first).
    offsets_days: Vec<i64>,
    /// When eligibilities were last listed here.
    listed_at: Option<Instant>,
    /// When pending requests for more time were last read.
    followed_at: Option<Instant>,
    /// Owners' names per group id (read once per run).
    owners: HashMap<String, Vec<String>>,
    /// When the known ends were last looked at (at most once a minute).
    checked_at: Option<Instant>,
}

impl Ends {
    /// `offsets`: how long before an end to announce it.
    pub(super) fn new(offsets: &[Duration]) -> Ends {
        let mut offsets_days: Vec<i64> = offsets
            .iter()
            .map(|d| i64::try_from(d.as_secs() / 86_400).unwrap_or(i64::MAX))
            .filter(|d| *d > 0)
            .collect();
        offsets_days.sort_unstable_by(|a, b| b.cmp(a));
        offsets_days.dedup();
        Ends {
            offsets_days,
            listed_at: None,
            followed_at: None,
            owners: HashMap::new(),
            checked_at: None,
        }
    }

    /// The events due at `now`: ends coming or passed, and decisions on requests for more time.
    pub(super) async fn due(&mut self, session: &Session, now: DateTime<Utc>) -> Vec<WatchEvent> {
        if self.checked_at.is_some_and(|at| at.elapsed() < CHECK_EVERY) {
            return Vec::new();
        }
        self.checked_at = Some(Instant::now());
        if self.listed_at.is_none_or(|at| at.elapsed() >= RELIST_EVERY) {
            self.listed_at = Some(Instant::now());
            // Listing remembers the ends (Session::roles); the items themselves are not needed.
            let _ = session.roles(&[]).await;
        }
        let mut events = Vec::new();
        for target in session.known_ends().await {
            let Some(end) = target.end else { continue };
            let owners = if target.source == Source::Group {
                self.owners_of(session, &target.scope.id).await
            } else {
                Vec::new()
            };
            if now >= end {
                if now - end <= RENEW_WINDOW {
                    events.push(WatchEvent::HoldingEnded { target, owners });
                }
                continue;
            }
            let nearest = self
                .offsets_days
                .iter()
                .filter(|d| end - TimeDelta::days(**d) <= now)
                .min()
                .copied();
            if let Some(offset_days) = nearest {
                let days_left = (end - now).num_hours().saturating_add(23) / 24;
                events.push(WatchEvent::HoldingEnds {
                    target,
                    days_left,
                    offset_days,
                    owners,
                });
            }
        }
        if self
            .followed_at
            .is_none_or(|at| at.elapsed() >= FOLLOW_EVERY)
        {
            self.followed_at = Some(Instant::now());
            events.extend(follow(session).await);
        }
        events
    }

    /// Reads the follow-up of pending requests for more time now (after one was filed).
    pub(super) fn follow_soon(&mut self) {
        self.followed_at = None;
        self.checked_at = None;
    }

    async fn owners_of(&mut self, session: &Session, group_id: &str) -> Vec<String> {
        if let Some(names) = self.owners.get(group_id) {
            return names.clone();
        }
        let names = session.group_owners(group_id).await.unwrap_or_else(|e| {
            tracing::debug!(target: "elevate::watch", error = %e, "could not read a group's owners");
            Vec::new()
        });
        self.owners.insert(group_id.to_owned(), names.clone());
        names
    }
}

/// The decisions on this machine's pending extension and renewal requests, read by their ids.
async fn follow(session: &Session) -> Vec<WatchEvent> {
    let query = HistoryQuery {
        limit: Some(200),
        source: None,
        account: Some(session.account().name.clone()),
    };
    let entries = session.store().history(&query).await.unwrap_or_default();
    let mut events = Vec::new();
    for entry in entries.iter().filter(|e| {
        matches!(e.kind, RequestKind::Extend | RequestKind::Renew)
            && e.status.is_pending()
            && e.azure_request_id.as_deref().is_some_and(|id| {
                id.contains("EligibilityScheduleRequests")
                    || id.contains("roleAssignmentScheduleRequests")
            })
    }) {
        let Some(id) = entry.azure_request_id.as_deref() else {
            continue;
        };
        let request = match session.request_by_id(entry.source, id).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(target: "elevate::watch", error = %e, "could not read a request for more time");
                continue;
            }
        };
        if request.status.is_pending() {
            continue;
        }
        if let Err(e) = session
            .store()
            .update_status_by_azure_id(id, request.status, Some(&request.azure_status))
            .await
        {
            tracing::debug!(target: "elevate::watch", error = %e, "could not record a decision");
        }
        events.push(match request.status {
            RequestStatus::Done => WatchEvent::Approved { request },
            RequestStatus::Denied => WatchEvent::Denied { request },
            RequestStatus::Canceled => WatchEvent::Canceled { request },
            _ => WatchEvent::Failed { request },
        });
    }
    events
}

/// Whole days, for notices.
pub(super) fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_whole_days_largest_first() {
        let e = Ends::new(&[
            Duration::from_secs(86_400),
            Duration::from_secs(14 * 86_400),
            Duration::from_secs(60),
        ]);
        assert_eq!(e.offsets_days, vec![14, 1]);
        assert_eq!(days(1), "1 day");
        assert_eq!(days(14), "14 days");
    }
}
