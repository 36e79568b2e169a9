//! One poller per user: the processes of one user and account (the tray, `elevate watch`, a second
//! tray after a crash) share one set of polls.
//!
//! The first watcher to take an OS file lock in the data folder (`flock` on Unix, `LockFileEx` on
//! Windows, through `std::fs::File::try_lock`) is the owner: it polls Azure and writes what it read
//! to the store after each poll ([`SharedLive`], a setting of the store). The others follow: once a
//! second they read the store's revision of it, and take the state when it changed. A follower asks
//! the owner for a poll by writing a request row ([`RefreshRequest`]): a random stamp and whether it
//! follows an action here (then the owner keeps the busy pace of an action). That is all a follower
//! can ask; the owner reads nothing else from it. The OS releases the lock when its holder exits or
//! dies, and followers try to take it once a second, so a crashed owner is replaced within about a
//! second (the new owner then reads everything at once).
//!
//! Every process raises its events from the lists it has (read or followed); the store's `notified`
//! table lets only the first one show an event, so each notification is shown once per user.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ErrorReport;
use crate::model::{ActiveGrant, RequestRecord, Source};
use crate::session::SourceFailure;
use crate::store::Store;

/// How often a follower looks at the store (and tries the lock), and the owner for requests.
pub(super) const TICK: Duration = Duration::from_secs(1);

/// The lock a watcher holds to be its user's poller.
pub(super) struct PollerLock {
    path: PathBuf,
    file: Option<File>,
    held: bool,
}

impl PollerLock {
    /// The lock at `path` (created when missing; not taken yet).
    pub fn new(path: PathBuf) -> PollerLock {
        PollerLock {
            path,
            file: None,
            held: false,
        }
    }

    /// Takes the lock if nobody holds it; `true` while this watcher holds it.
    pub fn try_take(&mut self) -> bool {
        if self.held {
            return true;
        }
        if self.file.is_none() {
            match open(&self.path) {
                Ok(file) => self.file = Some(file),
                Err(e) => {
                    tracing::warn!(target: "elevate::watch", path = %self.path.display(), error = %e, "cannot open the poller lock; polling without it");
                    // Without a lock file this process polls for itself, as before sharing.
                    self.held = true;
                    return true;
                }
            }
        }
        let Some(file) = &self.file else {
            return false;
        };
        match file.try_lock() {
            Ok(()) => {
                self.held = true;
                true
            }
            Err(TryLockError::WouldBlock) => false,
            Err(TryLockError::Error(e)) => {
                tracing::warn!(target: "elevate::watch", path = %self.path.display(), error = %e, "cannot lock the poller lock; polling without it");
                self.held = true;
                true
            }
        }
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// What the owner read last, as followers find it in the store.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct SharedLive {
    pub active: Vec<ActiveGrant>,
    pub pending: Vec<RequestRecord>,
    pub approvals: Option<Vec<RequestRecord>>,
    /// Sources that could not be listed: (source, error code, message).
    pub failures: Vec<(Source, String, String)>,
    pub read_at: Option<DateTime<Utc>>,
}

impl SharedLive {
    /// The failures as the watcher publishes them.
    pub fn failures(&self) -> Vec<SourceFailure> {
        self.failures
            .iter()
            .map(|(source, code, message)| SourceFailure {
                source: *source,
                error: ErrorReport {
                    code: known_code(code),
                    message: message.clone(),
                    azure_code: None,
                    needs: Vec::new(),
                    retry_after_secs: None,
                },
            })
            .collect()
    }
}

/// The error codes a listing can fail with (anything else reads as "unavailable").
fn known_code(code: &str) -> &'static str {
    [
        "network",
        "certificate",
        "throttled",
        "unavailable",
        "malformed-response",
        "auth",
        "not-signed-in",
        "sign-in",
        "config",
        "azure",
        "store",
    ]
    .into_iter()
    .find(|known| *known == code)
    .unwrap_or("unavailable")
}

/// A follower's request for a poll: a fresh random stamp each time, and whether it follows an
/// action taken in the follower (the owner then polls at the busy pace for a while).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct RefreshRequest {
    pub stamp: u64,
    pub action: bool,
}

/// The store keys of one account's shared state.
pub(super) struct Keys {
    live: String,
    revision: String,
    refresh: String,
}

impl Keys {
    pub fn new(account: &str) -> Keys {
        let account = account.to_ascii_lowercase();
        Keys {
            live: format!("watch.live:{account}"),
            revision: format!("watch.live-revision:{account}"),
            refresh: format!("watch.refresh:{account}"),
        }
    }

    /// The owner publishes what it read.
    pub async fn write_live(&self, store: &Store, live: &SharedLive) {
        let revision: u64 = rand::random();
        let written = match store.set_setting(&self.live, live).await {
            Ok(()) => store.set_setting(&self.revision, &revision).await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::debug!(target: "elevate::watch", error = %e, "could not share what the watcher read");
        }
    }

    /// The revision of the shared state (changes with every poll of the owner).
    pub async fn revision(&self, store: &Store) -> Option<u64> {
        store.setting(&self.revision).await.ok().flatten()
    }

    /// The shared state.
    pub async fn read_live(&self, store: &Store) -> Option<SharedLive> {
        store.setting(&self.live).await.ok().flatten()
    }

    /// A follower asks the owner for a poll.
    pub async fn request_refresh(&self, store: &Store, action: bool) {
        let request = RefreshRequest {
            stamp: rand::random(),
            action,
        };
        if let Err(e) = store.set_setting(&self.refresh, &request).await {
            tracing::debug!(target: "elevate::watch", error = %e, "could not ask the poller for a poll");
        }
    }

    /// The latest request for a poll.
    pub async fn refresh_request(&self, store: &Store) -> Option<RefreshRequest> {
        store.setting(&self.refresh).await.ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_has_one_holder_and_is_free_again_when_dropped() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("poller.lock");
        let mut first = PollerLock::new(path.clone());
        let mut second = PollerLock::new(path.clone());
        assert!(first.try_take());
        assert!(!second.try_take());
        drop(first);
        assert!(second.try_take());
    }
}
