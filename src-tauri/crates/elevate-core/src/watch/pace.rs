//! When the watcher reads which list: the polling budget.
//!
//! Each list has its own due time, so a poll reads only what is due:
//! - the active grants of every source (one provider-level `asTarget()` list for Azure resources, one
//!   `filterByCurrentUser` list each for Entra roles and groups) every `grants_poll` (5 min), so a
//!   revoke is noticed within five minutes; warnings and ends need no poll (timers on known ends);
//! - the user's own requests every `active_poll` (60 s) while one of them waits, else every
//!   `requests_poll` (1 h): what is active is already in the grants list, so the requests list only
//!   adds requests made elsewhere that still wait;
//! - the requests waiting for the user's approval, per source: every `approvals_poll` (60 s) in a
//!   source where a request waited for this user's approval within [`APPROVER_MEMORY`] (kept in the
//!   store, so a restart does not forget), else every `approvals_discovery` (30 min);
//! - after a poke (an action here) or a refresh request: everything at once; after a poke, grants
//!   and requests every `busy_poll` until a poll sees the change (at most `busy_for`).
//!
//! Every interval is jittered down by up to [`JITTER`] (never later than promised), and counted in
//! the clock's time: a demo clock sped up ×60 polls sixty times as often. A poll in which a list
//! failed with 429 or 5xx backs that list off: doubling from `active_poll` up to `max_backoff`, never
//! sooner than the list's own interval or `max_backoff`, whichever is shorter (so an outage does
//! not make a fleet poll more often: before this, the fleet benchmark saw 5.8 times the steady rate
//! during an outage, as lists read every 30 or 60 minutes were retried every minute; and a list
//! read hourly that fails is read again, and its failure shown, for at most 10 minutes), and never
//! sooner than the `Retry-After` Azure gave
//! (then up to half of it later, at random: [`crate::http::after_retry_after`]).
//!
//! A fleet fails together (an outage starts for everyone at once) and would come back together,
//! then stay in step: the fleet benchmark saw the grants lists of 700 of 1,000 watchers come due
//! within the same half-minute after an outage and swing with their 5-minute period for as long as
//! it ran. So a back-off is drawn anywhere in the upper half of its span (not only 8 % short of
//! it), and the first read after a list recovers is followed by one drawn anywhere within the
//! list's interval: its phase is drawn anew, and the fleet spreads out again at the cost of at most
//! one extra read per list and outage. Neither makes a list later than its interval promises.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::TimeDelta;
use tokio::time::Instant;

use crate::model::Source;

/// Intervals are shortened at random by up to this fraction, so that a fleet of watchers started
/// together (a reboot, a network outage) spreads out instead of polling in step.
pub(super) const JITTER: f64 = 0.08;

/// How long a source in which a request waited for this user's approval counts as one where the
/// user approves.
pub(super) const APPROVER_MEMORY: TimeDelta = TimeDelta::days(30);

/// What a poll reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Plan {
    pub grants: bool,
    pub requests: bool,
    /// Sources whose approvals are read.
    pub approvals: Vec<Source>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        !self.grants && !self.requests && self.approvals.is_empty()
    }
}

/// The intervals the pace uses (wall time at clock rate 1).
#[derive(Clone, Debug)]
pub(super) struct Intervals {
    pub grants: Duration,
    pub requests_pending: Duration,
    pub requests: Duration,
    pub approvals: Duration,
    pub approvals_discovery: Duration,
    pub busy: Duration,
    pub backoff_start: Duration,
    pub max_backoff: Duration,
}

/// Due times of each list.
pub(super) struct Pace {
    intervals: Intervals,
    grants: Instant,
    requests: Instant,
    approvals: HashMap<Source, Instant>,
    /// Failed polls of a list in a row (by list), for the back-off; a list that reads again after
    /// a failure gets a phase drawn anew.
    failures: HashMap<&'static str, u32>,
}

impl Pace {
    /// Everything due now (the first poll reads all).
    pub fn new(intervals: Intervals, sources: &[Source]) -> Pace {
        let now = Instant::now();
        Pace {
            intervals,
            grants: now,
            requests: now,
            approvals: sources.iter().map(|s| (*s, now)).collect(),
            failures: HashMap::new(),
        }
    }

    /// Everything due now (an action was taken, or someone asked for a refresh).
    pub fn all_now(&mut self) {
        let now = Instant::now();
        self.grants = now;
        self.requests = now;
        for due in self.approvals.values_mut() {
            *due = now;
        }
    }

    /// What is due now; `approvals` says whether approvals are looked for at all.
    pub fn due(&self, approvals: bool) -> Plan {
        let now = Instant::now();
        Plan {
            grants: self.grants <= now,
            requests: self.requests <= now,
            approvals: if approvals {
                let mut due: Vec<Source> = self
                    .approvals
                    .iter()
                    .filter(|(_, at)| **at <= now)
                    .map(|(s, _)| *s)
                    .collect();
                due.sort();
                due
            } else {
                Vec::new()
            },
        }
    }

    /// The next due time of any list.
    pub fn next(&self, approvals: bool) -> Instant {
        let mut next = self.grants.min(self.requests);
        if approvals {
            for at in self.approvals.values() {
                next = next.min(*at);
            }
        }
        next
    }

    /// Schedules the lists `plan` read. `outcome` says, per list, whether it failed with a
    /// transient error and the `Retry-After` Azure gave; `pending` whether own requests wait;
    /// `approver` the sources where the user approves; `busy` whether the pace after an action
    /// (or an activation awaiting effect) holds; `rate` the clock's rate.
    #[allow(clippy::too_many_arguments)]
    pub fn done(
        &mut self,
        plan: &Plan,
        outcome: &Outcome,
        pending: bool,
        approver: &HashSet<Source>,
        busy: bool,
        rate: f64,
    ) {
        let i = self.intervals.clone();
        if plan.grants {
            let normal = if busy { i.busy } else { i.grants };
            self.grants = self.next_due("grants", outcome.grants, normal, rate);
        }
        if plan.requests {
            let normal = if busy {
                i.busy
            } else if pending {
                i.requests_pending
            } else {
                i.requests
            };
            self.requests = self.next_due("requests", outcome.requests, normal, rate);
        }
        for source in &plan.approvals {
            let normal = if approver.contains(source) {
                i.approvals
            } else {
                i.approvals_discovery
            };
            let failed = outcome.approvals.get(source).copied().flatten();
            let at = self.next_due(source.label(), failed, normal, rate);
            self.approvals.insert(*source, at);
        }
    }

    /// A source's approvals are wanted sooner (it was just seen to be one where the user
    /// approves).
    pub fn approvals_within(&mut self, source: Source, rate: f64) {
        let soon = later(jittered(scaled(self.intervals.approvals, rate)));
        let due = self.approvals.entry(source).or_insert(soon);
        *due = (*due).min(soon);
    }

    /// The next due time of a list: its normal interval, jittered; after a transient failure the
    /// back-off (doubling, capped) but never sooner than the normal interval or the cap (a failing
    /// list is not read more often than a healthy one: an outage must not raise a fleet's load),
    /// and not sooner than Azure's `Retry-After`; after the first read that works again, a phase
    /// drawn anew.
    fn next_due(
        &mut self,
        list: &'static str,
        failed: Option<Option<Duration>>,
        normal: Duration,
        rate: f64,
    ) -> Instant {
        // `normal` is given in the clock's time; a back-off is Azure's, in wall time.
        let normal = scaled(normal, rate);
        let Some(retry_after) = failed else {
            if self.failures.remove(list).is_some() {
                // Read again after failing: the fleet failed together, so come back at a phase of
                // one's own.
                return later(rephased(normal));
            }
            return later(jittered(normal));
        };
        let n = self.failures.entry(list).or_insert(0);
        *n = n.saturating_add(1);
        let backoff = self
            .intervals
            .backoff_start
            .saturating_mul(2u32.saturating_pow((*n - 1).min(16)))
            .min(self.intervals.max_backoff);
        // Spread out, but never sooner than Azure asked (and then a random part later, so that
        // watchers throttled together do not come back together).
        let asked = retry_after.map_or(Duration::ZERO, crate::http::after_retry_after);
        // A list read every 30 minutes or hourly that fails waits at most `max_backoff`: its
        // failure is not shown for half an hour.
        let floor = normal.min(self.intervals.max_backoff);
        later(backed_off(backoff, floor).max(asked))
    }
}

/// Per list: `None` when it was read (or not asked), `Some(retry_after)` when it failed with a
/// transient error (throttled, unavailable, network).
#[derive(Clone, Debug, Default)]
pub(super) struct Outcome {
    pub grants: Option<Option<Duration>>,
    pub requests: Option<Option<Duration>>,
    pub approvals: HashMap<Source, Option<Option<Duration>>>,
}

/// `d` at the clock's rate: a clock running faster than real time shortens it (a slower or stopped
/// one leaves it as it is).
pub(super) fn scaled(d: Duration, rate: f64) -> Duration {
    if rate.is_finite() && rate > 1.0 {
        d.div_f64(rate)
    } else {
        d
    }
}

/// `d` shortened at random by up to [`JITTER`].
pub(super) fn jittered(d: Duration) -> Duration {
    let cut = rand::random::<f64>() * JITTER;
    d.mul_f64(1.0 - cut)
}

/// A back-off of `backoff` for a list read every `normal`: drawn at random in the upper half of
/// the back-off, and never sooner than the list's own (jittered) interval.
pub(super) fn backed_off(backoff: Duration, normal: Duration) -> Duration {
    let floor = jittered(normal);
    let high = backoff.max(floor);
    let low = (backoff / 2).max(floor);
    low + (high - low).mul_f64(rand::random::<f64>())
}

/// The wait before the second read of a list that has just read again after failing: anywhere
/// within its interval (at least a second), so that lists that failed together part.
pub(super) fn rephased(normal: Duration) -> Duration {
    normal
        .mul_f64(rand::random::<f64>())
        .max(Duration::from_secs(1).min(normal))
}

/// `Instant::now()` plus `wait`, without overflow (a wait too long to add is "a century from now").
pub(super) fn later(wait: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(wait)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intervals() -> Intervals {
        Intervals {
            grants: Duration::from_secs(300),
            requests_pending: Duration::from_secs(60),
            requests: Duration::from_secs(3600),
            approvals: Duration::from_secs(60),
            approvals_discovery: Duration::from_secs(1800),
            busy: Duration::from_secs(10),
            backoff_start: Duration::from_secs(60),
            max_backoff: Duration::from_secs(600),
        }
    }

    #[test]
    fn jitter_only_shortens_and_stays_within_its_fraction() {
        for _ in 0..1000 {
            let d = jittered(Duration::from_secs(100));
            assert!(d <= Duration::from_secs(100), "{d:?}");
            assert!(
                d >= Duration::from_secs_f64(100.0 * (1.0 - JITTER)),
                "{d:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn lists_come_due_at_their_own_pace() {
        let sources = [Source::AzureResource, Source::EntraRole];
        let mut pace = Pace::new(intervals(), &sources);
        let all = pace.due(true);
        assert!(all.grants && all.requests && all.approvals.len() == 2);
        let approver: HashSet<Source> = [Source::EntraRole].into_iter().collect();
        pace.done(&all, &Outcome::default(), false, &approver, false, 1.0);
        assert!(pace.due(true).is_empty());
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(
            pace.due(true),
            Plan {
                grants: false,
                requests: false,
                approvals: vec![Source::EntraRole]
            }
        );
        tokio::time::advance(Duration::from_secs(240)).await;
        let plan = pace.due(true);
        assert!(plan.grants && !plan.requests, "{plan:?}");
        assert!(pace.due(false).approvals.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_list_waits_for_retry_after_and_backs_off() {
        let mut pace = Pace::new(intervals(), &[Source::EntraRole]);
        let plan = Plan {
            grants: true,
            requests: false,
            approvals: vec![],
        };
        let throttled = Outcome {
            grants: Some(Some(Duration::from_secs(900))),
            ..Outcome::default()
        };
        pace.done(&plan, &throttled, false, &HashSet::new(), false, 1.0);
        tokio::time::advance(Duration::from_secs(899)).await;
        assert!(!pace.due(false).grants);
        // Then up to a minute later (spread at random, never sooner).
        tokio::time::advance(Duration::from_secs(62)).await;
        assert!(pace.due(false).grants);
        // Without Retry-After: doubling from one minute, never sooner than the list's own
        // interval (5 min here), capped at ten, drawn in the upper half of the back-off.
        let failed = Outcome {
            grants: Some(None),
            ..Outcome::default()
        };
        for _ in 0..6 {
            pace.done(&plan, &failed, false, &HashSet::new(), false, 1.0);
        }
        tokio::time::advance(Duration::from_secs(299)).await;
        assert!(!pace.due(false).grants);
        tokio::time::advance(Duration::from_secs(302)).await;
        assert!(pace.due(false).grants);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_list_is_not_read_more_often_than_a_healthy_one() {
        let sources = [Source::EntraRole];
        let mut pace = Pace::new(intervals(), &sources);
        let plan = pace.due(true);
        let failed = Outcome {
            grants: Some(None),
            requests: Some(None),
            approvals: [(Source::EntraRole, Some(None))].into_iter().collect(),
        };
        pace.done(&plan, &failed, false, &HashSet::new(), false, 1.0);
        // The back-off would be one minute; grants wait their 5 minutes; own requests (hourly)
        // and approvals (not an approver here: every 30 minutes) wait the 10-minute cap, not
        // their whole interval.
        tokio::time::advance(Duration::from_secs(240)).await;
        assert!(pace.due(true).is_empty(), "{:?}", pace.due(true));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(
            pace.due(true),
            Plan {
                grants: true,
                requests: false,
                approvals: vec![]
            }
        );
        tokio::time::advance(Duration::from_secs(245)).await;
        assert!(!pace.due(true).requests && pace.due(true).approvals.is_empty());
        tokio::time::advance(Duration::from_secs(56)).await;
        assert_eq!(pace.due(true).approvals, vec![Source::EntraRole]);
        assert!(pace.due(true).requests);
        // An approver's approvals (every minute) back off from one minute, doubling.
        let approver: HashSet<Source> = [Source::EntraRole].into_iter().collect();
        let only = Plan {
            grants: false,
            requests: false,
            approvals: vec![Source::EntraRole],
        };
        pace.done(&only, &failed, false, &approver, false, 1.0);
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(
            pace.due(true).approvals.is_empty(),
            "second failure: one to two minutes"
        );
        tokio::time::advance(Duration::from_secs(62)).await;
        assert_eq!(pace.due(true).approvals, vec![Source::EntraRole]);
    }

    /// Seconds until the grants list is due.
    fn grants_wait(pace: &Pace) -> f64 {
        pace.grants
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
    }

    #[tokio::test(start_paused = true)]
    async fn a_list_that_reads_again_after_failing_draws_its_phase_anew() {
        let plan = Plan {
            grants: true,
            requests: false,
            approvals: vec![],
        };
        let failed = Outcome {
            grants: Some(None),
            ..Outcome::default()
        };
        let none = HashSet::new();
        let (mut healthy, mut recovered) = (Vec::new(), Vec::new());
        for _ in 0..300 {
            let mut pace = Pace::new(intervals(), &[]);
            pace.done(&plan, &Outcome::default(), false, &none, false, 1.0);
            healthy.push(grants_wait(&pace));
            pace.done(&plan, &failed, false, &none, false, 1.0);
            pace.done(&plan, &Outcome::default(), false, &none, false, 1.0);
            recovered.push(grants_wait(&pace));
            // Only the first read after the recovery: then the list's own pace again.
            pace.done(&plan, &Outcome::default(), false, &none, false, 1.0);
            let next = grants_wait(&pace);
            assert!((276.0..=300.0).contains(&next), "{next}");
        }
        let range = |v: &[f64]| {
            (
                v.iter().copied().fold(f64::MAX, f64::min),
                v.iter().copied().fold(0.0, f64::max),
            )
        };
        let (low, high) = range(&healthy);
        assert!(low >= 276.0 && high <= 300.0, "healthy: {low}..{high}");
        // Recovered together, 300 watchers spread over the whole five minutes (never later).
        let (low, high) = range(&recovered);
        assert!(
            (1.0..30.0).contains(&low) && high > 270.0 && high <= 300.0,
            "recovered: {low}..{high}"
        );
        let first_half = recovered.iter().filter(|w| **w < 150.0).count();
        assert!(
            (90..=210).contains(&first_half),
            "{first_half} of 300 in the first half"
        );
    }

    #[test]
    fn a_back_off_spreads_over_its_upper_half_and_never_beats_the_interval() {
        let five = Duration::from_secs(300);
        let mut draws = Vec::new();
        for _ in 0..1000 {
            let d = backed_off(Duration::from_secs(600), five).as_secs_f64();
            assert!((300.0..=600.0).contains(&d), "{d}");
            draws.push(d);
            let d = backed_off(Duration::from_secs(60), five).as_secs_f64();
            assert!(
                (276.0..=300.0).contains(&d),
                "shorter back-off than the interval: {d}"
            );
            let d = backed_off(Duration::from_secs(120), Duration::from_secs(60)).as_secs_f64();
            assert!((60.0..=120.0).contains(&d), "{d}");
        }
        let low = draws.iter().copied().fold(f64::MAX, f64::min);
        let high = draws.iter().copied().fold(0.0, f64::max);
        assert!(low < 330.0 && high > 570.0, "{low}..{high}");
    }

    #[test]
    fn a_faster_clock_shortens_intervals_and_a_slower_one_does_not_lengthen_them() {
        assert_eq!(
            scaled(Duration::from_secs(300), 60.0),
            Duration::from_secs(5)
        );
        assert_eq!(
            scaled(Duration::from_secs(300), 0.0),
            Duration::from_secs(300)
        );
    }
}
