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
//! Poll budget: each list has its own pace ([`super::pace`]): active grants every `idle_poll`
//! (5 min: a revoke is noticed within five), own requests every `active_poll` (60 s) while one
//! waits and every `requests_poll` (1 h) otherwise, approvals every `approvals_poll` (60 s) in the
//! sources where this user approves and every `approvals_discovery` (30 min) elsewhere; every
//! interval jittered, a throttled or failing list backed off (never read more often than when it
//! works; `Retry-After` honoured, then spread at random). Idle with
//! activated grants that is about 50 calls an hour for a user who approves nothing and about 230 for
//! one who approves in all three sources (`bench/watch_budget.md`). After [`Watcher::poke`] (an
//! action was taken) everything is read at once, then grants and requests every `busy_poll` (10 s)
//! until a poll sees a grant or a request change (Azure may list a new grant a little late), at most
//! `busy_for` (2 min); [`Watcher::refresh`] reads everything once. Only while an activation awaits
//! effect, grants come every `busy_poll` and each such poll adds, per activation awaiting, one
//! permissions list at its scope (plus pages), and the first check of a role one read of its role
//! definition (kept for the session): at most `effect_timeout / busy_poll` polls (60 by default)
//! per activation.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::event::{EffectCheck, WatchEvent};
use super::live::LiveState;
use super::pace::{APPROVER_MEMORY, Intervals, Outcome, Pace, Plan, later};
use super::poller::{self, Keys, PollerLock, RefreshRequest, SharedLive};
use crate::clock::Clock;
use crate::model::{
    ActiveGrant, AssignmentType, RequestKind, RequestRecord, RequestStatus, Source,
};
use crate::session::{Listing, Session, SourceFailure};
use crate::store::{HistoryEntry, HistoryQuery};

/// Failed effect checks in a row after which an activation awaiting effect is reported effective
/// anyway (each check already went through the HTTP layer's retries).
const MAX_EFFECT_CHECK_FAILURES: u32 = 3;

/// How the watcher paces itself.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// Warn this long before a grant ends (default 15 and 5 minutes).
    pub warn_before: Vec<Duration>,
    /// How often the active grants are read (a revoke is noticed within it).
    pub idle_poll: Duration,
    /// How often the user's own requests are read while one of them waits; also the first wait
    /// after a failed read (it doubles up to `max_backoff`; a failing list is never read sooner
    /// than its own interval or `max_backoff`, whichever is shorter).
    pub active_poll: Duration,
    /// How often the user's own requests are read while none waits (to learn of requests made
    /// elsewhere).
    pub requests_poll: Duration,
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
    /// How often approvals are read in a source where this user approves (a request waited for
    /// their approval there), so that a new request is noticed within it.
    pub approvals_poll: Duration,
    /// How often approvals are read in the other sources (to learn that the user approves there).
    pub approvals_discovery: Duration,
    /// How long (the clock's time) an activation at a resource group or resource may wait for
    /// Azure to list its permissions before it is reported effective anyway.
    pub effect_timeout: Duration,
    /// The lock file in the data folder that makes the user's processes share one poller
    /// ([`super::poller`]); `None`: this watcher polls for itself.
    pub poller_lock: Option<PathBuf>,
    /// Changes made outside the APIs (the demo tenant's control API): each asks for one poll.
    pub outside_changes: Option<watch::Receiver<u64>>,
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
            requests_poll: Duration::from_secs(60 * 60),
            busy_poll: Duration::from_secs(10),
            busy_for: Duration::from_secs(120),
            max_sleep: Duration::from_secs(30),
            max_backoff: Duration::from_secs(10 * 60),
            own_action_window: Duration::from_secs(30 * 60),
            approvals: true,
            approvals_poll: Duration::from_secs(60),
            approvals_discovery: Duration::from_secs(30 * 60),
            effect_timeout: Duration::from_secs(10 * 60),
            poller_lock: None,
            outside_changes: None,
            ends_warn_before: vec![
                Duration::from_secs(14 * 86_400),
                Duration::from_secs(86_400),
            ],
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
    /// States taken from the user's poller in another process (while this one follows).
    pub followed: u64,
}

/// A running watcher. Dropping it stops the task; [`Watcher::shutdown`] also waits for it.
pub struct Watcher {
    cancel: CancellationToken,
    poke: Arc<Notify>,
    refresh: Arc<Notify>,
    owner: Arc<AtomicBool>,
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
        let refresh = Arc::new(Notify::new());
        let owner = Arc::new(AtomicBool::new(options.poller_lock.is_none()));
        let stats = Arc::new(std::sync::Mutex::new(WatchStats::default()));
        let (live_tx, live) = watch::channel(LiveState::default());
        let ends = super::ends::Ends::new(&options.ends_warn_before);
        let intervals = Intervals {
            grants: options.idle_poll,
            requests_pending: options.active_poll,
            requests: options.requests_poll,
            approvals: options.approvals_poll,
            approvals_discovery: options.approvals_discovery,
            busy: options.busy_poll,
            backoff_start: options.active_poll,
            max_backoff: options.max_backoff,
        };
        let pace = Pace::new(intervals, &session.sources());
        let sharing = options.poller_lock.clone().map(|path| Sharing {
            lock: PollerLock::new(path),
            keys: Keys::new(&session.account().name),
            owner: false,
            revision: None,
            request: None,
        });
        let mut engine = Engine {
            ends,
            pace,
            sharing,
            owner: Arc::clone(&owner),
            failures_grants: Vec::new(),
            failures_requests: Vec::new(),
            failures_approvals: HashMap::new(),
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
            busy_until: None,
            approver: HashSet::new(),
        };
        let task = tokio::spawn({
            let cancel = cancel.clone();
            let poke = Arc::clone(&poke);
            let refresh = Arc::clone(&refresh);
            async move { engine.run(cancel, poke, refresh).await }
        });
        Watcher {
            cancel,
            poke,
            refresh,
            owner,
            live,
            stats,
            task: Some(task),
        }
    }

    /// Says something was just done (activated, deactivated, ...): poll now and often for a while.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    /// Asks for one poll of everything now, without the busy pace that follows an action (someone
    /// wants fresh lists: another process of this user, or the demo tenant changed).
    pub fn refresh(&self) {
        self.refresh.notify_one();
    }

    /// Follows what the watcher reads: a new [`LiveState`] after each poll.
    pub fn subscribe(&self) -> watch::Receiver<LiveState> {
        self.live.clone()
    }

    /// What the watcher read last.
    pub fn live(&self) -> LiveState {
        self.live.borrow().clone()
    }

    /// Whether this watcher polls Azure (it is its user's poller, or does not share one); `false`
    /// while another process of the user polls and this one follows.
    pub fn is_poller(&self) -> bool {
        self.owner.load(Ordering::Relaxed)
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
    /// When each list is due.
    pace: Pace,
    /// Sharing one poller with the user's other processes, when asked to.
    sharing: Option<Sharing>,
    /// Whether this watcher polls (seen by [`Watcher::is_poller`]).
    owner: Arc<AtomicBool>,
    /// Why the last read of each list failed, by source (published with the lists).
    failures_grants: Vec<SourceFailure>,
    failures_requests: Vec<SourceFailure>,
    failures_approvals: HashMap<Source, SourceFailure>,
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
    busy_until: Option<Instant>,
    /// Sources in which a request waited for this user's approval (within [`APPROVER_MEMORY`], also
    /// in earlier runs): their approvals are read every `approvals_poll`.
    approver: HashSet<Source>,
    /// The ends of eligibilities and assignments, and requests for more time.
    ends: super::ends::Ends,
}

/// One poller per user ([`super::poller`]): whether this watcher polls or follows.
struct Sharing {
    lock: PollerLock,
    keys: Keys,
    /// Holds the lock: polls Azure and shares what it read.
    owner: bool,
    /// The shared state's revision last taken (followers).
    revision: Option<u64>,
    /// The last request for a poll seen (owner).
    request: Option<RefreshRequest>,
}

/// Waits for the next outside change; never returns when there is no source of them.
async fn outside_change(changes: &mut Option<watch::Receiver<u64>>) {
    let closed = match changes.as_mut() {
        Some(rx) => rx.changed().await.is_err(),
        None => return std::future::pending().await,
    };
    if closed {
        *changes = None;
        std::future::pending::<()>().await;
    }
}

/// The store's setting that remembers where the user approves: `(source, last seen)` pairs.
fn approver_setting(account: &str) -> String {
    format!("watch.approver:{}", account.to_ascii_lowercase())
}

/// Per list: `None` when read, `Some(retry_after)` when a source failed (the longest
/// `Retry-After` Azure gave).
fn outcome_of(failures: &[SourceFailure]) -> Option<Option<Duration>> {
    if failures.is_empty() {
        return None;
    }
    Some(
        failures
            .iter()
            .filter_map(|f| f.error.retry_after_secs)
            .max()
            .map(Duration::from_secs),
    )
}

impl Engine {
    async fn run(&mut self, cancel: CancellationToken, poke: Arc<Notify>, refresh: Arc<Notify>) {
        if let Err(e) = self
            .session
            .store()
            .prune_notified(Utc::now() - TimeDelta::days(30))
            .await
        {
            tracing::debug!(target: "elevate::watch", error = %e, "could not prune old events");
        }
        self.recall_approver().await;
        let mut changes = self.options.outside_changes.take();
        loop {
            self.count(|s| s.wakeups += 1);
            self.share().await;
            let mut plan = if self.polls() {
                self.pace.due(self.options.approvals)
            } else {
                Plan::default()
            };
            // While an own request waits, grants are read with the requests: an approval is then
            // told before the grant it made.
            if plan.grants && !self.pending.is_empty() {
                plan.requests = true;
            }
            if !plan.is_empty() {
                // A poll is background work: few HTTP attempts, the pace retries (`http.rs`).
                let outcome = crate::http::in_background(self.poll(&plan)).await;
                self.count(|s| s.polls += 1);
                let pending = !self.pending.is_empty();
                let busy = self.busy();
                self.pace.done(
                    &plan,
                    &outcome,
                    pending,
                    &self.approver,
                    busy,
                    self.clock.rate(),
                );
            }
            let mut due = self.deadlines().await;
            // Ends are followed by the watcher that polls (it lists and reads for them); a
            // follower shows what the poller's notices recorded.
            if self.polls() {
                let now = self.clock.now();
                due.extend(crate::http::in_background(self.ends.due(&self.session, now)).await);
            }
            if !self.emit(due).await {
                return;
            }
            let mut sleep = self
                .pace
                .next(self.options.approvals)
                .saturating_duration_since(Instant::now())
                .min(self.next_deadline())
                .min(self.options.max_sleep);
            if self.sharing.is_some() {
                sleep = sleep.min(poller::TICK);
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = poke.notified() => self.asked(true).await,
                () = refresh.notified() => self.asked(false).await,
                () = outside_change(&mut changes) => self.asked(false).await,
                () = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// Whether this watcher polls Azure (it holds the poller lock, or does not share).
    fn polls(&self) -> bool {
        self.sharing.as_ref().is_none_or(|s| s.owner)
    }

    /// A poll was asked for (`action`: after an action here, then the busy pace follows). A
    /// follower passes the request on to the owner.
    async fn asked(&mut self, action: bool) {
        if let Some(sharing) = self.sharing.as_ref().filter(|s| !s.owner) {
            sharing
                .keys
                .request_refresh(self.session.store(), action)
                .await;
            return;
        }
        if action {
            self.busy_until = Some(later(self.options.busy_for));
        }
        self.ends.follow_soon();
        self.pace.all_now();
    }

    /// One poller per user: a follower takes the lock when it is free, else takes the owner's
    /// latest state; the owner looks for requests to poll.
    async fn share(&mut self) {
        let store = self.session.store().clone();
        let Some(sharing) = self.sharing.as_mut() else {
            return;
        };
        if !sharing.owner && sharing.lock.try_take() {
            sharing.owner = true;
            self.owner.store(true, Ordering::Relaxed);
            sharing.request = sharing.keys.refresh_request(&store).await;
            tracing::info!(target: "elevate::watch", "this process polls for the user now");
            self.pace.all_now();
            return;
        }
        if sharing.owner {
            let request = sharing.keys.refresh_request(&store).await;
            if request.is_some() && request != sharing.request {
                sharing.request = request;
                if request.is_some_and(|r| r.action) {
                    self.busy_until = Some(later(self.options.busy_for));
                }
                self.pace.all_now();
            }
            return;
        }
        let revision = sharing.keys.revision(&store).await;
        if revision.is_none() || revision == sharing.revision {
            return;
        }
        sharing.revision = revision;
        let Some(live) = sharing.keys.read_live(&store).await else {
            return;
        };
        self.count(|s| s.followed += 1);
        self.failures_grants = live.failures();
        self.failures_requests.clear();
        self.failures_approvals.clear();
        let plan = Plan {
            grants: true,
            requests: true,
            approvals: if live.approvals.is_some() {
                self.session.sources()
            } else {
                Vec::new()
            },
        };
        let approvals = live.approvals.map(listing);
        self.absorb(
            &plan,
            Some(listing(live.active)),
            Some(listing(live.pending)),
            approvals,
        )
        .await;
    }

    /// The owner shares what it published with the user's other processes.
    async fn share_live(&self) {
        let Some(sharing) = self.sharing.as_ref().filter(|s| s.owner) else {
            return;
        };
        let live = self.live.borrow().clone();
        let shared = SharedLive {
            active: live.active,
            pending: live.pending,
            approvals: live.approvals,
            failures: live
                .failures
                .iter()
                .map(|f| (f.source, f.error.code.to_owned(), f.error.message.clone()))
                .collect(),
            read_at: live.read_at,
        };
        sharing.keys.write_live(self.session.store(), &shared).await;
    }

    /// Whether the pace after an action holds (or an activation awaits effect).
    fn busy(&self) -> bool {
        self.busy_until.is_some_and(|until| Instant::now() < until) || !self.awaiting.is_empty()
    }

    /// Reads from the store where the user approved recently.
    async fn recall_approver(&mut self) {
        let key = approver_setting(&self.session.account().name);
        let seen: Vec<(Source, DateTime<Utc>)> = match self.session.store().setting(&key).await {
            Ok(seen) => seen.unwrap_or_default(),
            Err(e) => {
                tracing::debug!(target: "elevate::watch", error = %e, "could not read where the user approves");
                Vec::new()
            }
        };
        let since = Utc::now() - APPROVER_MEMORY;
        self.approver.extend(
            seen.into_iter()
                .filter(|(_, at)| *at >= since)
                .map(|(s, _)| s),
        );
    }

    /// Notes that a request waited for the user's approval in `source` (kept in the store).
    async fn remember_approver(&mut self, source: Source) {
        if !self.approver.insert(source) {
            return;
        }
        self.pace.approvals_within(source, self.clock.rate());
        let key = approver_setting(&self.session.account().name);
        let store = self.session.store();
        let mut seen: Vec<(Source, DateTime<Utc>)> =
            store.setting(&key).await.ok().flatten().unwrap_or_default();
        seen.retain(|(s, _)| *s != source);
        seen.push((source, Utc::now()));
        if let Err(e) = store.set_setting(&key, &seen).await {
            tracing::debug!(target: "elevate::watch", error = %e, "could not record where the user approves");
        }
    }

    fn count(&self, change: impl FnOnce(&mut WatchStats)) {
        if let Ok(mut stats) = self.stats.lock() {
            change(&mut stats);
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

    /// Reads the lists `plan` names and turns the differences into events; says which lists
    /// failed (for the back-off). A list not read keeps what was last known of it.
    async fn poll(&mut self, plan: &Plan) -> Outcome {
        let session = Arc::clone(&self.session);
        let (active, requests, approvals) = futures::join!(
            async {
                if plan.grants {
                    Some(session.active(&[]).await)
                } else {
                    None
                }
            },
            async {
                if plan.requests {
                    Some(session.requests(&[]).await)
                } else {
                    None
                }
            },
            async {
                if plan.approvals.is_empty() {
                    None
                } else {
                    Some(session.approvals_from(&plan.approvals).await)
                }
            },
        );
        let mut outcome = Outcome::default();
        if let Some(active) = &active {
            outcome.grants = outcome_of(&active.failures);
            self.failures_grants.clone_from(&active.failures);
        }
        if let Some(requests) = &requests {
            outcome.requests = outcome_of(&requests.failures);
            self.failures_requests.clone_from(&requests.failures);
        }
        if let Some(approvals) = &approvals {
            for source in &plan.approvals {
                let failed: Vec<SourceFailure> = approvals
                    .failures
                    .iter()
                    .filter(|f| f.source == *source)
                    .cloned()
                    .collect();
                outcome.approvals.insert(*source, outcome_of(&failed));
                match failed.into_iter().next() {
                    Some(f) => self.failures_approvals.insert(*source, f),
                    None => self.failures_approvals.remove(source),
                };
            }
        }
        for failure in self
            .failures_grants
            .iter()
            .chain(self.failures_requests.iter())
        {
            tracing::debug!(target: "elevate::watch", source = failure.source.label(), error = %failure.error.message, "a source could not be listed");
        }
        self.absorb(plan, active, requests, approvals).await;
        outcome
    }

    /// Turns lists read (or followed) into events and the published state. A list not read keeps
    /// what was last known of it.
    async fn absorb(
        &mut self,
        plan: &Plan,
        active: Option<Listing<ActiveGrant>>,
        requests: Option<Listing<RequestRecord>>,
        approvals: Option<Listing<RequestRecord>>,
    ) {
        let configured = self.session.sources();
        let grants_unlisted: HashSet<Source> = unlisted_of(active.as_ref(), &configured);
        let requests_unlisted: HashSet<Source> = unlisted_of(requests.as_ref(), &configured);
        let active = active.unwrap_or_else(|| listing(Vec::new()));
        let requests = requests.unwrap_or_else(|| listing(Vec::new()));
        let listed: Vec<Source> = configured
            .into_iter()
            .filter(|s| !grants_unlisted.contains(s))
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
            if fresh.contains_key(id) || grants_unlisted.contains(&old.source) {
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
                events.push(WatchEvent::Revoked {
                    grant: old.clone(),
                    removal: None,
                });
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
            // Azure may drop `approvalId` once the request is decided: the pending record's
            // says where to read who decided (in `emit`, once the event is news).
            let decided = || {
                let mut request = request.clone();
                if request.approval_id.is_none() {
                    request.approval_id = self
                        .pending
                        .get(&request.id)
                        .and_then(|p| p.approval_id.clone());
                }
                request
            };
            let event = match request.status {
                RequestStatus::Done => Some(WatchEvent::Approved { request: decided() }),
                RequestStatus::Denied => Some(WatchEvent::Denied { request: decided() }),
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
                .any(|(id, g)| !grants_unlisted.contains(&g.source) && !fresh.contains_key(id));
        let requests_changed = requests.items.iter().any(|r| {
            !requests_unlisted.contains(&r.source)
                && is_pending(r.status) != self.pending.contains_key(&r.id)
        });
        if grants_changed || requests_changed {
            self.busy_until = None;
        }
        // What failed keeps its last known state; what was listed replaces it.
        self.grants
            .retain(|_, g| grants_unlisted.contains(&g.source));
        self.grants.extend(fresh);
        self.pending
            .retain(|_, r| requests_unlisted.contains(&r.source));
        self.pending.extend(
            requests
                .items
                .into_iter()
                .filter(|r| is_pending(r.status) && !requests_unlisted.contains(&r.source))
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
        if plan.grants && self.polls() {
            events.extend(self.check_effects(now).await);
        }
        if let Some(approvals) = approvals {
            let waiting: HashSet<Source> = approvals
                .items
                .iter()
                .filter(|r| is_pending(r.status))
                .map(|r| r.source)
                .collect();
            for source in waiting {
                self.remember_approver(source).await;
            }
            // What was not read this time (not due, or failed) keeps what was last known.
            let unlisted: HashSet<Source> = approvals
                .failures
                .iter()
                .map(|f| f.source)
                .chain(
                    Source::ALL
                        .into_iter()
                        .filter(|s| !plan.approvals.contains(s)),
                )
                .collect();
            self.approvals.retain(|r| unlisted.contains(&r.source));
            self.approvals.extend(
                approvals
                    .items
                    .iter()
                    .filter(|r| is_pending(r.status))
                    .cloned(),
            );
            self.approvals.sort_by_key(|r| r.created);
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
        let failures: Vec<SourceFailure> = self
            .failures_grants
            .iter()
            .chain(self.failures_requests.iter())
            .chain(self.failures_approvals.values())
            .cloned()
            .collect();
        self.publish(failures);
        self.share_live().await;
        // Approvals first, then what they made effective.
        events
            .sort_by_key(|e| !matches!(e, WatchEvent::Approved { .. } | WatchEvent::Denied { .. }));
        self.emit(events).await;
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

    /// Says who decided a request or removed a grant, and why, where Azure tells the user: one
    /// read per decision or revoke, made once the event is news (never per poll).
    async fn explain(&self, event: WatchEvent) -> WatchEvent {
        match event {
            WatchEvent::Approved { mut request } if request.decision.is_none() => {
                request.decision = self.session.decision(&request).await;
                WatchEvent::Approved { request }
            }
            WatchEvent::Denied { mut request } if request.decision.is_none() => {
                request.decision = self.session.decision(&request).await;
                WatchEvent::Denied { request }
            }
            WatchEvent::Revoked {
                grant,
                removal: None,
            } => {
                let removal = self.session.removal(&grant).await;
                WatchEvent::Revoked { grant, removal }
            }
            other => other,
        }
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
            let event = self.explain(event).await;
            if self.events.send(event).await.is_err() {
                return false;
            }
        }
        true
    }
}

/// The sources a listing did not read: those that failed, or all of them when it was not asked.
fn unlisted_of<T>(listing: Option<&Listing<T>>, configured: &[Source]) -> HashSet<Source> {
    match listing {
        Some(l) => l.failures.iter().map(|f| f.source).collect(),
        None => configured.iter().copied().collect(),
    }
}

/// A listing of `items` with no failure.
fn listing<T>(items: Vec<T>) -> Listing<T> {
    Listing {
        items,
        failures: Vec::new(),
    }
}
