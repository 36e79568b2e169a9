//! A tenant that throttles like Azure: a tenant-wide request budget and one per principal, each
//! so many requests per window, enforced on ARM and Graph requests when set through
//! `/_sim/throttling` (off by default).
//!
//! Microsoft documents token buckets refilled continuously (ARM: "the limits are scoped to the
//! security principal … and the subscription ID or tenant ID"; Graph: per app and tenant). Here a
//! budget is a fixed window that starts with the first request after the last one ended: stricter
//! than a bucket (a burst at a window's end waits for the whole next window) and exact to test.
//! A throttled request is not carried out and does not use the budget; its answer says how long
//! until the window that refused it ends (`Retry-After`, whole seconds, at least 1). Windows run
//! on the wall clock, not the simulated one: Azure's throttling does not follow PIM's clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// A budget: at most `requests` per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Budget {
    /// Requests allowed per window (at least 1).
    pub requests: u32,
    /// The window's length in seconds (1..=3600).
    pub window_secs: u64,
}

/// The throttling settings, as posted to `/_sim/throttling`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ThrottleSettings {
    /// Every request of the tenant counts against it.
    pub tenant: Option<Budget>,
    /// Each principal's requests count against their own.
    pub per_principal: Option<Budget>,
}

impl ThrottleSettings {
    /// Checks the budgets.
    pub(crate) fn check(&self) -> Result<(), String> {
        for budget in [self.tenant, self.per_principal].into_iter().flatten() {
            if budget.requests == 0 {
                return Err("requests must be at least 1".into());
            }
            if !(1..=3600).contains(&budget.window_secs) {
                return Err("window_secs must be between 1 and 3600".into());
            }
        }
        Ok(())
    }
}

/// One budget's current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    used: u32,
}

/// What a request is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Throttling is off.
    Unlimited,
    /// Carried out; this many requests are left in the tightest window that applies.
    Admitted {
        /// Requests left.
        remaining: u32,
    },
    /// Refused: retry after this many seconds.
    Throttled {
        /// Whole seconds until the refusing window ends.
        retry_after_secs: u64,
        /// Which budget refused: `tenant` or `principal`.
        budget: &'static str,
    },
}

/// The budgets and their windows.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    settings: ThrottleSettings,
    windows: HashMap<String, Window>,
    throttled: u64,
}

impl Throttle {
    /// Replaces the settings; every window starts afresh.
    pub(crate) fn set(&mut self, settings: ThrottleSettings) {
        self.settings = settings;
        self.windows.clear();
        self.throttled = 0;
    }

    /// The settings.
    pub(crate) fn settings(&self) -> ThrottleSettings {
        self.settings
    }

    /// How many requests were refused since the settings were last set.
    pub(crate) fn throttled(&self) -> u64 {
        self.throttled
    }

    /// Counts a request of `principal` (none when the token names nobody) at `now`.
    pub(crate) fn admit(&mut self, principal: Option<&str>, now: Instant) -> Admission {
        let mut budgets: Vec<(String, Budget, &'static str)> = Vec::new();
        if let Some(budget) = self.settings.tenant {
            budgets.push(("tenant".into(), budget, "tenant"));
        }
        if let (Some(budget), Some(principal)) = (self.settings.per_principal, principal) {
            budgets.push((
                format!("principal/{}", principal.to_ascii_lowercase()),
                budget,
                "principal",
            ));
        }
        if budgets.is_empty() {
            return Admission::Unlimited;
        }
        // First look: every window that applies must have room; none is used up by a refusal.
        let mut remaining = u32::MAX;
        for (key, budget, name) in &budgets {
            let length = Duration::from_secs(budget.window_secs);
            let window = self.windows.entry(key.clone()).or_insert(Window {
                started: now,
                used: 0,
            });
            if now.duration_since(window.started) >= length {
                *window = Window {
                    started: now,
                    used: 0,
                };
            }
            if window.used >= budget.requests {
                let left = length.saturating_sub(now.duration_since(window.started));
                self.throttled += 1;
                return Admission::Throttled {
                    retry_after_secs: left.as_secs_f64().ceil().max(1.0) as u64,
                    budget: name,
                };
            }
            remaining = remaining.min(budget.requests - window.used - 1);
        }
        for (key, _, _) in &budgets {
            if let Some(window) = self.windows.get_mut(key) {
                window.used += 1;
            }
        }
        Admission::Admitted { remaining }
    }
}

/// The `oid` of the bearer token in `authorization`, read without checking it (the budget is
/// counted before authentication, as Azure's front door does; a forged token only spends the
/// budget of the principal it names).
pub(crate) fn principal_of(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    let payload = token.split('.').nth(1)?;
    let bytes = crate::token::b64url_decode(payload)?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("oid")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tighter_budget_refuses_and_a_refusal_costs_nothing() {
        let mut t = Throttle::default();
        let start = Instant::now();
        assert_eq!(t.admit(Some("a"), start), Admission::Unlimited);
        t.set(ThrottleSettings {
            tenant: Some(Budget {
                requests: 3,
                window_secs: 10,
            }),
            per_principal: Some(Budget {
                requests: 2,
                window_secs: 10,
            }),
        });
        assert_eq!(
            t.admit(Some("a"), start),
            Admission::Admitted { remaining: 1 }
        );
        assert_eq!(
            t.admit(Some("A"), start),
            Admission::Admitted { remaining: 0 }
        );
        let refused = t.admit(Some("a"), start + Duration::from_millis(2500));
        assert_eq!(
            refused,
            Admission::Throttled {
                retry_after_secs: 8,
                budget: "principal"
            }
        );
        assert_eq!(
            t.admit(Some("b"), start),
            Admission::Admitted { remaining: 0 }
        );
        assert!(matches!(
            t.admit(Some("c"), start),
            Admission::Throttled {
                budget: "tenant",
                ..
            }
        ));
        assert_eq!(t.throttled(), 2);
        // The next window has the whole budget again.
        assert_eq!(
            t.admit(Some("a"), start + Duration::from_secs(10)),
            Admission::Admitted { remaining: 1 }
        );
    }
}
