//! State shared by the ARM front end and the control API of one running simulator.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::error::SimError;
use crate::faults::FaultBook;
use crate::log::RequestLog;
use crate::oauth::CodeBook;
use crate::persist::{Persister, Snapshot};
use crate::state::SimState;
use crate::token::{self, ARM_AUDIENCES, TokenRequest};

/// Everything the request handlers share.
pub(crate) struct Shared {
    /// Base URL, e.g. `http://127.0.0.1:4711` (no trailing slash).
    pub url: String,
    /// Accept unsigned tokens (see `SimConfig::accept_any_token`).
    pub accept_any_token: bool,
    /// HS256 key (decoded from the state).
    pub signing_key: Vec<u8>,
    /// Page size from the configuration (restored by `/_sim/reset`).
    pub configured_page_size: usize,
    state: Mutex<SimState>,
    faults: Mutex<FaultBook>,
    log: Mutex<RequestLog>,
    rate_limits: Mutex<HashMap<String, u32>>,
    codes: Mutex<CodeBook>,
    throttle: Mutex<crate::throttle::Throttle>,
    persister: Option<Persister>,
    /// Counts the control API's changes to the tenant (see [`Shared::tenant_changed`]).
    changes: tokio::sync::watch::Sender<u64>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock cannot leave these structures half-updated in a way that
    // matters more than refusing all further requests would.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// Shared state around `state`.
    pub(crate) fn new(
        url: String,
        accept_any_token: bool,
        signing_key: Vec<u8>,
        configured_page_size: usize,
        state: SimState,
        persister: Option<Persister>,
    ) -> Shared {
        Shared {
            url,
            accept_any_token,
            signing_key,
            configured_page_size,
            state: Mutex::new(state),
            faults: Mutex::new(FaultBook::default()),
            log: Mutex::new(RequestLog::default()),
            rate_limits: Mutex::new(HashMap::new()),
            codes: Mutex::new(CodeBook::default()),
            throttle: Mutex::new(crate::throttle::Throttle::default()),
            persister,
            changes: tokio::sync::watch::channel(0).0,
        }
    }

    /// Notes that the control API changed the tenant (what an administrator or another user would
    /// do in Azure), for an embedding process that wants to know at once.
    pub(crate) fn tenant_changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Follows [`Shared::tenant_changed`].
    pub(crate) fn tenant_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Locks the state. Never hold the guard across an `.await`.
    pub(crate) fn state(&self) -> MutexGuard<'_, SimState> {
        lock(&self.state)
    }

    /// Locks the request budgets.
    pub(crate) fn throttle(&self) -> MutexGuard<'_, crate::throttle::Throttle> {
        lock(&self.throttle)
    }

    /// Counts a request against the budgets (see [`crate::throttle`]).
    pub(crate) fn admit(&self, headers: &axum::http::HeaderMap) -> crate::throttle::Admission {
        let principal = crate::throttle::principal_of(headers);
        self.throttle()
            .admit(principal.as_deref(), std::time::Instant::now())
    }

    /// Locks the faults.
    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultBook> {
        lock(&self.faults)
    }

    /// Locks the authorization and device codes in flight.
    pub(crate) fn codes(&self) -> MutexGuard<'_, CodeBook> {
        lock(&self.codes)
    }

    /// Locks the request log.
    pub(crate) fn log(&self) -> MutexGuard<'_, RequestLog> {
        lock(&self.log)
    }

    /// A snapshot of `state` for the state file, when there is one.
    pub(crate) fn snapshot(&self, state: &SimState) -> Option<Snapshot> {
        self.persister.as_ref()?;
        match Persister::snapshot(state) {
            Ok(snapshot) => Some(snapshot),
            Err(e) => {
                tracing::warn!(error = %e, "could not snapshot the simulator state");
                None
            }
        }
    }

    /// Writes a snapshot taken with [`Shared::snapshot`].
    pub(crate) async fn persist(&self, snapshot: Option<Snapshot>) {
        if let (Some(persister), Some(snapshot)) = (&self.persister, snapshot)
            && let Err(e) = persister.write(snapshot).await
        {
            tracing::warn!(error = %e, "could not persist the simulator state");
        }
    }

    /// Writes the current state now.
    pub(crate) async fn persist_now(&self) -> Result<(), SimError> {
        let Some(persister) = &self.persister else {
            return Ok(());
        };
        let snapshot = {
            let state = self.state();
            Persister::snapshot(&state)?
        };
        persister.write(snapshot).await
    }

    /// Runs `change` on the state; when it reports a change the state's generation is bumped and
    /// the state file rewritten before this returns.
    pub(crate) async fn mutate<R>(&self, change: impl FnOnce(&mut SimState) -> (R, bool)) -> R {
        let (result, snapshot) = {
            let mut state = self.state();
            let (result, changed) = change(&mut state);
            let snapshot = if changed {
                state.touch();
                self.snapshot(&state)
            } else {
                None
            };
            (result, snapshot)
        };
        self.persist(snapshot).await;
        result
    }

    /// Applies the simulated clock: ended activations and eligibilities disappear.
    pub(crate) async fn housekeep(&self) {
        self.mutate(|state| ((), state.housekeep())).await;
    }

    /// Audiences accepted on ARM requests.
    pub(crate) fn audiences(&self) -> Vec<String> {
        let mut list: Vec<String> = ARM_AUDIENCES.iter().map(|a| (*a).to_string()).collect();
        list.push(self.url.clone());
        list.push(format!("{}/", self.url));
        list
    }

    /// Mints a token.
    pub(crate) fn mint(&self, request: &TokenRequest) -> Result<String, SimError> {
        let state = self.state();
        token::mint(&self.signing_key, &state.directory, request)
    }

    /// Next value of a decreasing rate-limit budget (refilled when it runs out).
    pub(crate) fn rate_limit_remaining(&self, bucket: &str, full: u32) -> u32 {
        let mut limits = lock(&self.rate_limits);
        let left = limits.entry(bucket.to_string()).or_insert(full);
        *left = if *left == 0 { full } else { *left - 1 };
        *left
    }
}
