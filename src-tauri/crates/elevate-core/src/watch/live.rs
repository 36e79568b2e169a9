//! [`LiveState`]: what the watcher last read from Azure, published to every face after each
//! poll, so that none of them reads the same lists again.

use chrono::{DateTime, Utc};

use crate::model::{ActiveGrant, RequestRecord};
use crate::session::SourceFailure;

/// The user's grants and requests as the watcher last read them. A source that could not be
/// listed keeps what was last known of it and is named in `failures`.
#[derive(Clone, Debug, Default)]
pub struct LiveState {
    /// Active grants (activated and assigned), soonest end first.
    pub active: Vec<ActiveGrant>,
    /// The user's own requests that still wait (approval, or a later start), newest first.
    pub pending: Vec<RequestRecord>,
    /// Requests waiting for the user's decision, oldest first; `None` when the watcher does not
    /// look for them.
    pub approvals: Option<Vec<RequestRecord>>,
    /// Sources that could not be listed in the last poll.
    pub failures: Vec<SourceFailure>,
    /// When the last poll ran (the watcher's clock); `None` before the first.
    pub read_at: Option<DateTime<Utc>>,
    /// Counts the polls published, so a face can wait for the next one.
    pub revision: u64,
}
