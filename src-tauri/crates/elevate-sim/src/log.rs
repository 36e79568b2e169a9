//! The log of ARM requests the simulator answered (`GET /_sim/log`). Tokens are never recorded.

use std::collections::VecDeque;

use serde::Serialize;

use crate::faults::FaultKind;

/// Entries kept; older ones are dropped.
const MAX_ENTRIES: usize = 20_000;

/// What a schedule-request PUT did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Effect {
    /// A new request was created.
    Created,
    /// The request already existed with the same content and was returned as it is.
    Replayed,
}

/// One answered request.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LogEntry {
    /// Sequence number, from 1, never reused.
    pub seq: u64,
    /// Simulated time the request was answered.
    pub time: String,
    /// HTTP method.
    pub method: String,
    /// Path as sent.
    pub path: String,
    /// Query string as sent.
    pub query: Option<String>,
    /// Status sent (0 when the connection was dropped).
    pub status: u16,
    /// `x-ms-request-id` sent.
    pub request_id: String,
    /// Fault applied, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultKind>,
    /// Effect of a schedule-request PUT.
    pub effect: Option<Effect>,
    /// Name of the schedule request addressed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_name: Option<String>,
}

/// The request log.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    last_seq: u64,
    entries: VecDeque<LogEntry>,
}

impl RequestLog {
    /// Appends an entry, assigning its sequence number.
    pub(crate) fn push(&mut self, mut entry: LogEntry) {
        self.last_seq += 1;
        entry.seq = self.last_seq;
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// The entries numbered after `seq`, oldest first.
    pub(crate) fn entries_after(&self, seq: u64) -> Vec<LogEntry> {
        let skip = self.entries.partition_point(|e| e.seq <= seq);
        self.entries.iter().skip(skip).cloned().collect()
    }

    /// Forgets every entry (sequence numbers continue).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
