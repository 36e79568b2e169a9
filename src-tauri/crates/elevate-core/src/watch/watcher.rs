//! The grant watcher: one owned, cancellable task per session that knows the user's active grants and
//! pending requests, raises warnings at fixed offsets before each grant ends, and notices what
//! changed between polls (revoked, approved, denied, effective, made elsewhere).
//!
//! Deadlines are armed, not polled for: the task sleeps until the next warning or end (in the
//! clock's time, converted to wall time), or the next poll, whichever is first, and never longer
//! than `max_sleep`, so a suspend/resume or a clock change is noticed within that. A warning whose
//! moment passed while nothing ran is shown once, late, while the grant is still active; when two
//! warnings are due at once only the nearer one is shown. Every event is shown at most once, also
//! across restarts (keys in the store's `notified` table).
//!
//! "Effective" means Azure applies the grant, where Microsoft documents a way to ask. An activation
//! this user asked for is effective once it is listed as active, except an Azure resource role at
//! a resource group or a resource: that one waits ("awaiting effect") until everything its role
//! allows is among the user's permissions there (`Microsoft.Authorization/permissions`, see
//! [`crate::arm::permissions`]), since Azure may take minutes to apply a new role assignment. It is
//! reported anyway, with a warning, when that is still not so after `effect_timeout` (10 min of
//! the watcher's clock) or after [`MAX_EFFECT_CHECK_FAILURES`] failed checks in a row; it is
//! dropped silently when the grant goes first (ended or revoked are reported as usual). Microsoft
//! documents no permissions list at subscription or management-group scope: there the listing is
//! all there is. An activation still awaiting effect when the watcher stopped is taken up again
//! at the next start, unless its event was shown.
//!
//! Poll budget (each poll lists active grants and requests: two calls per source, plus pages):
//! idle every `idle_poll` (default 5 min: 12 polls an hour, 72 calls with three sources); with
//! grants that end or requests pending, every `active_poll` (60 s); after [`Watcher::poke`] (an
//! action was taken) one poll at once, then every `busy_poll` (10 s) until a poll sees a grant or a
//! request change (Azure may list a new grant a little late), at most `busy_for` (2 min). Failures back off by doubling
//! up to `max_backoff` (10 min); the HTTP layer itself honours `Retry-After`. With `approvals` on,
//! each poll also lists the requests waiting for this user's approval (two more calls), and once
//! the user has been seen to be an approver, polls come at least every `approvals_poll` (60 s), so
//! a new request is noticed within a minute. Only while an activation awaits effect, polls come
//! every `busy_poll` and each adds, per activation awaiting, one permissions list at its scope
//! (plus pages), and the first check of a role one read of its role definition (kept for the
//! session): at most `effect_timeout / busy_poll` polls (60 by default) per activation.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use super::event::{EffectCheck, WatchEvent};
use super::live::LiveState;
use crate::model::{
    ActiveGrant, AssignmentType, RequestKind, RequestRecord, RequestStatus, Source,
};
use crate::session::{Session, SourceFailure};
use crate::store::{HistoryEntry, HistoryQuery};

/// Failed effect checks in a row after which an activation awaiting effect is reported effective
/// anyway (each check already went through the HTTP layer's retries).
const MAX_EFFECT_CHECK_FAILURES: u32 = 3;

/// How the watcher paces itself.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// Warn this long before a grant ends (default 15 and 5 minutes).
    pub warn_before: Vec<Duration>,
    /// Poll interval with nothing to watch.
    pub idle_poll: Duration,
    /// Poll interval with grants that end or requests pending.
    pub active_poll: Duration,
    /// Poll interval right after an action.
    pub busy_poll: Duration,
    /// How long "right after an action" lasts.
    pub busy_for: Duration,
    /// Longest single sleep (re-arms deadlines after suspend or clock changes).
    pub max_sleep: Duration,
    /// Longest wait after repeated failures.
    pub max_backoff: Duration,
    /// An activation, deactivation or cancel recorded on this machine this recently (wall time) is
    /// this machine's own doing.
    pub own_action_window: Duration,
    /// Also look for requests that wait for this user's approval (Entra roles and groups).
    pub approvals: bool,
    /// Longest poll interval once this user has been seen to be an approver, so that a new request
    /// is noticed within it.
    pub approvals_poll: Duration,
    /// How long (the clock's time) an activation at a resource group or resource may wait for
    /// Azure to list its permissions before it is reported effective anyway.
    pub effect_timeout: Duration,
    /// Announce the end of a time-bound eligibility or assignment this long before it (whole
    /// days; default 14 and 1 days); see `super::ends`.
    pub ends_warn_before: Vec<Duration>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            warn_before: vec![Duration::from_secs(15 * 60), Duration::from_secs(5 * 60)],
            idle_poll: Duration::from_secs(5 * 60),
            active_poll: Duration::from_secs(60),
            busy_poll: Duration::from_secs(10),
            busy_for: Duration::from_secs(120),
            max_sleep: Duration::from_secs(30),
            max_backoff: Duration::from_secs(10 * 60),
            own_action_window: Duration::from_secs(30 * 60),
            approvals: true,
            approvals_poll: Duration::from_secs(60),
            effect_timeout: Duration::from_secs(10 * 60),
            ends_warn_before: vec![Duration::from_secs(14 * 86_400), Duration::from_secs(86_400)],
        }
    }
}

/// Counters, for the benchmark and for diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchStats {
    /// Polls made.
    pub polls: u64,
    /// Times the task woke up.
    pub wakeups: u64,
    /// Events raised.
    pub events: u64,
    /// Checks whether Azure applies an activation awaiting effect (each one permissions list).
    pub effect_checks: u64,
}

/// A running watcher. Dropping it stops the task; [`Watcher::shutdown`] also waits for it.
pub struct Watcher {
    cancel: CancellationToken,
    poke: Arc<Notify>,
    live: watch::Receiver<LiveState>,
    stats: Arc<std::sync::Mutex<WatchStats>>,
    task: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Starts watching `session`, sending events to `events` (the watcher stops when it is closed).
    pub fn spawn(
        session: Arc<Session>,
        clock: Arc<dyn Clock>,
        options: WatchOptions,
        events: mpsc::Sender<WatchEvent>,
    ) -> Watcher {
        let cancel = CancellationToken::new();
        let poke = Arc::new(Notify::new());
        let stats = Arc::new(std::sync::Mutex::new(WatchStats::default()));
        let (live_tx, live) = watch::channel(LiveState::default());
        let ends = super::ends::Ends::new(&options.ends_warn_before);
        let mut engine = Engine {
            ends,
            live: live_tx,
            approvals: Vec::new(),
            session,
            clock,
            options,
            events,
            stats: Arc::clone(&stats),
            grants: HashMap::new(),
            pending: HashMap::new(),
            awaiting: HashMap::new(),
            seen_sources: HashSet::new(),
            shown: HashSet::new(),
            failures: 0,
            busy_until: None,
            approver: false,
        };
        let task = tokio::spawn({
            let cancel = cancel.clone();
            let poke = Arc::clone(&poke);
            async move { engine.run(cancel, poke).await }
        });
        Watcher {
            cancel,
            poke,
            live,
            stats,
            task: Some(task),
        }
    }

    /// Says something was just done (activated, deactivated, ...): poll now and often for a while.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    /// Follows what the watcher reads: a new [`LiveState`] after each poll.
    pub fn subscribe(&self) -> watch::Receiver<LiveState> {
        self.live.clone()
    }

    /// What the watcher read last.
    pub fn live(&self) -> LiveState {
        self.live.borrow().clone()
    }

    /// What the watcher has done so far.
    pub fn stats(&self) -> WatchStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    /// Stops the task and waits for it.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
        {
            tracing::warn!(target: "elevate::watch", error = %e, "the watcher ended abnormally");
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Identity of a grant between polls.
fn grant_id(grant: &ActiveGrant) -> String {
    format!("{}|{}", grant.key.as_str(), grant.id.to_ascii_lowercase())
}

/// Whether Azure can be asked if `grant` applies (an Azure resource role at a resource group or
/// resource); elsewhere being listed is all there is.
fn needs_effect_check(grant: &ActiveGrant) -> bool {
    grant.source == Source::AzureResource && crate::arm::can_list_permissions(&grant.scope.id)
}

/// An activation listed as active whose effect Azure has not confirmed yet.
struct Awaiting {
    /// When it was first seen (the clock's time).
    since: DateTime<Utc>,
    /// Failed checks in a row.
    failures: u32,
}

fn is_pending(status: RequestStatus) -> bool {
    matches!(
        status,
        RequestStatus::PendingApproval | RequestStatus::PendingOther
    )
}

struct Engine {
    /// Where each poll's result is published.
    live: watch::Sender<LiveState>,
    /// Requests waiting for the user's decision, as last listed.
    approvals: Vec<RequestRecord>,
    session: Arc<Session>,
    clock: Arc<dyn Clock>,
    options: WatchOptions,
    events: mpsc::Sender<WatchEvent>,
    stats: Arc<std::sync::Mutex<WatchStats>>,
    grants: HashMap<String, ActiveGrant>,
    pending: HashMap<String, RequestRecord>,
    /// Activations this user asked for, listed as active, waiting for Azure to apply them (by
    /// grant id).
    awaiting: HashMap<String, Awaiting>,
    /// Sources listed successfully at least once (before that, what exists is not news).
    seen_sources: HashSet<Source>,
    /// Event keys shown (also kept in the store when there is one).
    shown: HashSet<String>,
    failures: u32,
    busy_until: Option<Instant>,
    /// Whether any request ever waited for this user's approval (then approvals are looked for at
    /// least every `approvals_poll`).
    approver: bool,
    /// The ends of eligibilities and assignments, and requests for more time.
    ends: super::ends::Ends,
}

impl Engine {
    async fn run(&mut self, cancel: CancellationToken, poke: Arc<Notify>) {
        if let Err(e) = self
            .session
            .store()
            .prune_notified(Utc::now() - TimeDelta::days(30)).await
        {
            tracing::debug!(target: "elevate::watch", error = %e, "could not prune old events");
        }
        let mut next_poll = Instant::now();
        loop {
            self.count(|s| s.wakeups += 1);
            if Instant::now() >= next_poll {
                let polled = self.poll().await;
                self.count(|s| s.polls += 1);
                self.failures = if polled {
                    0
                } else {
                    self.failures.saturating_add(1)
                };
                next_poll = later(self.poll_interval());
            }
            let mut due = self.deadlines().await;
            due.extend(self.ends.due(&self.session, self.clock.now()).await);
            if !self.emit(due).await {
                return;
            }
            let sleep = next_poll
                .saturating_duration_since(Instant::now())
                .min(self.next_deadline())
                .min(self.options.max_sleep);
            tokio::select! {
                () = cancel.cancelled() => return,
                () = poke.notified() => {
                    self.ends.follow_soon();
                    self.busy_until = Some(later(self.options.busy_for));
                    next_poll = Instant::now();
                }
                () = tokio::time::sleep(sleep) => {}
            }
        }
    }

    fn count(&self, change: impl FnOnce(&mut WatchStats)) {
        if let Ok(mut stats) = self.stats.lock() {
            change(&mut stats);
        }
    }

    fn poll_interval(&self) -> Duration {
        let o = &self.options;
        if self.failures > 0 {
            let factor = 2u32.saturating_pow(self.failures.min(16));
            return o.active_poll.saturating_mul(factor).min(o.max_backoff);
        }
        if self.busy_until.is_some_and(|until| Instant::now() < until) || !self.awaiting.is_empty()
        {
            return o.busy_poll;
        }
        let watching = !self.pending.is_empty()
            || self
                .grants
                .values()
                .any(|g| g.assignment_type == AssignmentType::Activated && g.end.is_some());
        let interval = if watching { o.active_poll } else { o.idle_poll };
        if self.approver && o.approvals {
            interval.min(o.approvals_poll)
        } else {
            interval
        }
    }

    /// Wall time until the next warning or end that has not been shown.
    fn next_deadline(&self) -> Duration {
        let now = self.clock.now();
        let mut next = Duration::MAX;
        for grant in self.grants.values() {
            let Some(end) = grant
                .end
                .filter(|_| grant.assignment_type == AssignmentType::Activated)
            else {
                continue;
            };
            for moment in self
                .warning_moments(end)
                .into_iter()
                .chain(std::iter::once(end))
            {
                if moment > now {
                    next = next.min(self.clock.wall_until(moment));
                }
            }
        }
        next
    }

    fn warning_moments(&self, end: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        self.options
            .warn_before
            .iter()
            .filter_map(|d| TimeDelta::from_std(*d).ok())
            .filter_map(|d| end.checked_sub_signed(d))
            .collect()
    }

    /// Lists grants and requests and turns the differences into events. `false` when nothing
    /// could be listed.
    async fn poll(&mut self) -> bool {
        let approvals = async {
            if self.options.approvals {
                Some(self.session.approvals().await)
            } else {
                None
            }
        };
        let (active, requests, approvals) = futures::join!(
            self.session.active(&[]),
            self.session.requests(&[]),
            approvals
        );
        let failed: HashSet<Source> = active
            .failures
            .iter()
            .chain(requests.failures.iter())
            .map(|f| f.source)
            .collect();
        for failure in active.failures.iter().chain(requests.failures.iter()) {
            tracing::debug!(target: "elevate::watch", source = failure.source.label(), error = %failure.error.message, "a source could not be listed");
        }
        let configured = self.session.sources();
        if configured.iter().all(|s| failed.contains(s)) {
            let failures = active.failures.into_iter().chain(requests.failures).collect();
            self.publish(failures);
            return false;
        }
        let listed: Vec<Source> = configured
            .into_iter()
            .filter(|s| !failed.contains(s))
            .collect();
        let now = self.clock.now();
        let own = self.own_actions().await;
        let mut events = Vec::new();

        let fresh: HashMap<String, ActiveGrant> = active
            .items
            .into_iter()
            .map(|g| (grant_id(&g), g))
            .collect();
        for (id, old) in &self.grants {
            if fresh.contains_key(id) || failed.contains(&old.source) {
                continue;
            }
            let ended = old.end.is_some_and(|end| {
                now.checked_add_signed(TimeDelta::seconds(60))
                    .is_none_or(|soon| soon >= end)
            });
            if ended {
                events.push(WatchEvent::Ended { grant: old.clone() });
            } else if !own
                .iter()
                // The history is newest first: this machine's last action on the role says
                // whether it ended it. After an Extend (deactivate, then activate again) the last
                // one is the activation, so a later disappearance is news.
                .find(|h| {
                    h.key == old.key
                        && matches!(
                            h.kind,
                            RequestKind::Activate | RequestKind::Deactivate | RequestKind::Renew
                        )
                })
                .is_some_and(|h| h.kind == RequestKind::Deactivate)
            {
                events.push(WatchEvent::Revoked { grant: old.clone() });
            }
        }
        let mut newly_awaiting = Vec::new();
        let mut resumed = Vec::new();
        for (id, grant) in &fresh {
            if self.grants.contains_key(id) {
                continue;
            }
            let asked = self.pending.values().any(|r| r.key == grant.key)
                || own.iter().any(|h| {
                    h.key == grant.key
                        && matches!(h.kind, RequestKind::Activate | RequestKind::Renew)
                });
            let mine = grant.assignment_type == AssignmentType::Activated && asked;
            if !self.seen_sources.contains(&grant.source) {
                // Not news, unless it awaited effect when the watcher last stopped.
                if mine && needs_effect_check(grant) {
                    resumed.push((id.clone(), grant.clone()));
                }
                continue;
            }
            if mine && needs_effect_check(grant) {
                newly_awaiting.push(id.clone());
            } else if mine {
                events.push(WatchEvent::Effective {
                    grant: grant.clone(),
                    check: EffectCheck::NoCheck,
                });
            } else {
                events.push(WatchEvent::Appeared {
                    grant: grant.clone(),
                });
            }
        }
        for request in &requests.items {
            if !self.pending.contains_key(&request.id) || is_pending(request.status) {
                continue;
            }
            let own_cancel = own.iter().any(|h| {
                h.status == RequestStatus::Canceled
                    && h.azure_request_id.as_deref().is_some_and(|a| {
                        a.eq_ignore_ascii_case(&request.id) || a.eq_ignore_ascii_case(&request.name)
                    })
            });
            let event = match request.status {
                RequestStatus::Done => Some(WatchEvent::Approved {
                    request: request.clone(),
                }),
                RequestStatus::Denied => Some(WatchEvent::Denied {
                    request: request.clone(),
                }),
                RequestStatus::Canceled if !own_cancel => Some(WatchEvent::Canceled {
                    request: request.clone(),
                }),
                RequestStatus::Failed => Some(WatchEvent::Failed {
                    request: request.clone(),
                }),
                _ => None,
            };
            events.extend(event);
        }

        // A poll that sees a grant come or go, or a request start or end, confirms what a poke
        // announced: the busy pace ends (an activation awaiting effect keeps its own).
        let grants_changed = fresh.keys().any(|id| !self.grants.contains_key(id))
            || self
                .grants
                .iter()
                .any(|(id, g)| !failed.contains(&g.source) && !fresh.contains_key(id));
        let requests_changed = requests.items.iter().any(|r| {
            !failed.contains(&r.source) && is_pending(r.status) != self.pending.contains_key(&r.id)
        });
        if grants_changed || requests_changed {
            self.busy_until = None;
        }
        // What failed keeps its last known state; what was listed replaces it.
        self.grants.retain(|_, g| failed.contains(&g.source));
        self.grants.extend(fresh);
        self.pending.retain(|_, r| failed.contains(&r.source));
        self.pending.extend(
            requests
                .items
                .into_iter()
                .filter(|r| is_pending(r.status) && !failed.contains(&r.source))
                .map(|r| (r.id.clone(), r)),
        );
        self.seen_sources.extend(listed);
        for id in newly_awaiting {
            self.awaiting.entry(id).or_insert(Awaiting {
                since: now,
                failures: 0,
            });
        }
        for (id, grant) in resumed {
            let key = WatchEvent::Effective {
                grant,
                check: EffectCheck::NoCheck,
            }
            .key();
            if self.shown.contains(&key) {
                continue;
            }
            let shown = self.session.store().is_notified(&key).await.unwrap_or_else(|e| {
                tracing::debug!(target: "elevate::watch", error = %e, "could not read the events shown");
                true
            });
            if !shown {
                self.awaiting.entry(id).or_insert(Awaiting {
                    since: now,
                    failures: 0,
                });
            }
        }
        events.extend(self.check_effects(now).await);
        let mut failures: Vec<SourceFailure> =
            active.failures.into_iter().chain(requests.failures).collect();
        if let Some(approvals) = approvals {
            if !approvals.items.is_empty() {
                self.approver = true;
            }
            let unlisted: HashSet<Source> = approvals.failures.iter().map(|f| f.source).collect();
            self.approvals.retain(|r| unlisted.contains(&r.source));
            self.approvals.extend(
                approvals
                    .items
                    .iter()
                    .filter(|r| is_pending(r.status))
                    .cloned(),
            );
            self.approvals.sort_by_key(|r| r.created);
            failures.extend(approvals.failures);
            events.extend(
                approvals
                    .items
                    .into_iter()
                    .filter(|r| is_pending(r.status))
                    .map(|request| WatchEvent::ApprovalWaiting { request }),
            );
        }
        // Published before the events, so that whoever shows an event finds the state it
        // speaks of.
        self.publish(failures);
        // Approvals first, then what they made effective.
        events
            .sort_by_key(|e| !matches!(e, WatchEvent::Approved { .. } | WatchEvent::Denied { .. }));
        self.emit(events).await
    }

    /// Publishes the grants, requests and approvals now known.
    fn publish(&self, failures: Vec<SourceFailure>) {
        let mut active: Vec<ActiveGrant> = self.grants.values().cloned().collect();
        active.sort_by(|a, b| {
            a.end
                .cmp(&b.end)
                .then_with(|| a.role.name.cmp(&b.role.name))
        });
        let mut pending: Vec<RequestRecord> = self.pending.values().cloned().collect();
        pending.sort_by_key(|r| std::cmp::Reverse(r.created));
        let approvals = self.options.approvals.then(|| self.approvals.clone());
        let read_at = Some(self.clock.now());
        self.live.send_modify(|live| {
            *live = LiveState {
                active,
                pending,
                approvals,
                failures,
                read_at,
                revision: live.revision.wrapping_add(1),
            };
        });
    }

    /// Asks Azure whether each activation awaiting effect applies now; returns the ones to report
    /// (confirmed, or given up on). Activations whose grant is gone are dropped.
    async fn check_effects(&mut self, now: DateTime<Utc>) -> Vec<WatchEvent> {
        let grants = &self.grants;
        self.awaiting.retain(|id, _| grants.contains_key(id));
        let timeout = TimeDelta::from_std(self.options.effect_timeout).unwrap_or(TimeDelta::MAX);
        let mut events = Vec::new();
        let mut done = Vec::new();
        for (id, awaiting) in &mut self.awaiting {
            let Some(grant) = self.grants.get(id) else {
                continue;
            };
            if let Ok(mut stats) = self.stats.lock() {
                stats.effect_checks += 1;
            }
            let timed_out = now - awaiting.since >= timeout;
            let give_up = match self.session.grant_applies(grant).await {
                Ok(true) => None,
                Ok(false) if timed_out => Some(format!(
                    "Azure does not list its permissions after {} min",
                    timeout.num_minutes()
                )),
                Ok(false) => {
                    awaiting.failures = 0;
                    continue;
                }
                Err(e) => {
                    awaiting.failures = awaiting.failures.saturating_add(1);
                    tracing::debug!(target: "elevate::watch", role = grant.role.name, scope = grant.scope.id, error = %e, "could not check whether an activation applies");
                    if awaiting.failures >= MAX_EFFECT_CHECK_FAILURES || timed_out {
                        Some(format!("the check failed {} times: {e}", awaiting.failures))
                    } else {
                        continue;
                    }
                }
            };
            let check = match give_up {
                Some(reason) => {
                    tracing::warn!(target: "elevate::watch", role = grant.role.name, scope = grant.scope.id, reason, "reporting an activation as active without Azure's confirmation");
                    EffectCheck::NotConfirmed
                }
                None => EffectCheck::Confirmed,
            };
            done.push(id.clone());
            events.push(WatchEvent::Effective {
                grant: grant.clone(),
                check,
            });
        }
        for id in done {
            self.awaiting.remove(&id);
        }
        events
    }

    /// This machine's recent activations, deactivations and cancels (from the history).
    async fn own_actions(&self) -> Vec<HistoryEntry> {
        let store = self.session.store();
        let since = Utc::now()
            .checked_sub_signed(
                TimeDelta::from_std(self.options.own_action_window)
                    .unwrap_or(TimeDelta::minutes(30)),
            )
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let query = HistoryQuery {
            limit: Some(200),
            source: None,
            account: Some(self.session.account().name.clone()),
        };
        match store.history(&query).await {
            Ok(entries) => entries.into_iter().filter(|e| e.at >= since).collect(),
            Err(e) => {
                tracing::debug!(target: "elevate::watch", error = %e, "could not read the history");
                Vec::new()
            }
        }
    }

    /// Warnings and ends that are due by the clock.
    async fn deadlines(&mut self) -> Vec<WatchEvent> {
        let now = self.clock.now();
        let mut events = Vec::new();
        let mut ended = Vec::new();
        let mut passed_over = Vec::new();
        let mut offsets: Vec<Duration> = self.options.warn_before.clone();
        offsets.sort();
        for (id, grant) in &self.grants {
            let Some(end) = grant
                .end
                .filter(|_| grant.assignment_type == AssignmentType::Activated)
            else {
                continue;
            };
            if now >= end {
                events.push(WatchEvent::Ended {
                    grant: grant.clone(),
                });
                ended.push(id.clone());
                continue;
            }
            // The nearest warning that is due; the farther ones due with it are passed over.
            let due: Vec<i64> = offsets
                .iter()
                .filter(|d| {
                    TimeDelta::from_std(**d)
                        .ok()
                        .and_then(|d| end.checked_sub_signed(d))
                        .is_none_or(|warn_at| now >= warn_at)
                })
                .map(|d| i64::try_from(d.as_secs() / 60).unwrap_or(i64::MAX))
                .collect();
            if let Some((nearest, passed)) = due.split_first() {
                for offset in passed {
                    let skipped = WatchEvent::ExpiresSoon {
                        grant: grant.clone(),
                        minutes_left: 0,
                        offset_minutes: *offset,
                    };
                    if self.shown.insert(skipped.key()) {
                        passed_over.push(skipped.key());
                    }
                }
                let left = (end - now).num_seconds().max(0);
                events.push(WatchEvent::ExpiresSoon {
                    grant: grant.clone(),
                    minutes_left: (left + 59) / 60,
                    offset_minutes: *nearest,
                });
            }
        }
        for id in ended {
            self.grants.remove(&id);
        }
        // Remember passed-over warnings in the store too.
        for key in &passed_over {
            if let Err(e) = self.session.store().mark_notified(key, Utc::now()).await {
                tracing::debug!(target: "elevate::watch", error = %e, "could not record an event");
            }
        }
        events
    }

    /// Sends the events not shown before; `false` when nobody listens any more.
    async fn emit(&mut self, events: Vec<WatchEvent>) -> bool {
        for event in events {
            let key = event.key();
            if !self.shown.insert(key.clone()) {
                continue;
            }
            match self.session.store().mark_notified(&key, Utc::now()).await {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => {
                    tracing::debug!(target: "elevate::watch", error = %e, "could not record an event")
                }
            }
            self.count(|s| s.events += 1);
            if self.events.send(event).await.is_err() {
                return false;
            }
        }
        true
    }
}

/// `Instant::now()` plus `wait`, without overflow (a wait too long to add is "a century from now").
fn later(wait: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(wait)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}
