//! Fault injection for ARM requests: throttling, error statuses, latency, dropped connections
//! and malformed bodies, each for a number of matching requests.

use serde::{Deserialize, Serialize};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FaultKind {
    /// 429 with `Retry-After` and ARM's throttling error.
    Throttle,
    /// A chosen HTTP status (default 503) with an ARM error body.
    Status,
    /// Delay, then answer normally.
    Latency,
    /// Close the connection without any HTTP response.
    Reset,
    /// 200 with a truncated JSON body.
    Malformed,
}

/// A fault as posted to `/_sim/faults`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FaultSpec {
    /// Only requests with this method (case-insensitive).
    pub method: Option<String>,
    /// Only requests whose path contains this text (case-insensitive).
    pub path_contains: Option<String>,
    /// What to do.
    pub kind: FaultKind,
    /// Status for `status` faults.
    pub status: Option<u16>,
    /// `Retry-After` seconds (throttle default 1; also sent with `status` faults when given).
    pub retry_after_secs: Option<u64>,
    /// Delay for `latency` faults.
    pub latency_ms: Option<u64>,
    /// How many matching requests it hits (default 1).
    pub count: Option<u32>,
    /// Carry the request out first, then replace (or delay) the response.
    pub after_effect: Option<bool>,
}

/// An armed fault.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Fault {
    /// Id within this simulator.
    pub id: u64,
    /// Method filter.
    pub method: Option<String>,
    /// Path filter.
    pub path_contains: Option<String>,
    /// What to do.
    pub kind: FaultKind,
    /// Status for `status` faults.
    pub status: u16,
    /// `Retry-After` seconds.
    pub retry_after_secs: Option<u64>,
    /// Delay for `latency` faults.
    pub latency_ms: u64,
    /// Matching requests left.
    pub remaining: u32,
    /// Whether the request is carried out first.
    pub after_effect: bool,
}

/// Most time a latency fault may add (one minute).
const MAX_LATENCY_MS: u64 = 60_000;

/// The armed faults, first match wins.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    next_id: u64,
    faults: Vec<Fault>,
}

impl FaultBook {
    /// Arms a fault.
    pub(crate) fn add(&mut self, spec: FaultSpec) -> Result<Fault, String> {
        let status = spec.status.unwrap_or(match spec.kind {
            FaultKind::Throttle => 429,
            FaultKind::Malformed => 200,
            _ => 503,
        });
        if !(200..=599).contains(&status) {
            return Err("status must be between 200 and 599".to_string());
        }
        let latency_ms = spec
            .latency_ms
            .unwrap_or(if spec.kind == FaultKind::Latency {
                1000
            } else {
                0
            });
        if latency_ms > MAX_LATENCY_MS {
            return Err(format!("latency_ms must be at most {MAX_LATENCY_MS}"));
        }
        let count = spec.count.unwrap_or(1);
        if count == 0 {
            return Err("count must be at least 1".to_string());
        }
        self.next_id += 1;
        let fault = Fault {
            id: self.next_id,
            method: spec.method.filter(|m| !m.trim().is_empty()),
            path_contains: spec.path_contains.filter(|p| !p.is_empty()),
            kind: spec.kind,
            status,
            retry_after_secs: spec
                .retry_after_secs
                .or((spec.kind == FaultKind::Throttle).then_some(1)),
            latency_ms,
            remaining: count,
            after_effect: spec.after_effect.unwrap_or(false),
        };
        self.faults.push(fault.clone());
        Ok(fault)
    }

    /// The first fault matching the request, used up by one.
    pub(crate) fn take_match(&mut self, method: &str, path: &str) -> Option<Fault> {
        let path = path.to_ascii_lowercase();
        let index = self.faults.iter().position(|f| {
            f.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && f.path_contains
                    .as_deref()
                    .is_none_or(|p| path.contains(&p.to_ascii_lowercase()))
        })?;
        let fault = self.faults.get_mut(index)?;
        fault.remaining = fault.remaining.saturating_sub(1);
        let hit = fault.clone();
        if hit.remaining == 0 {
            self.faults.remove(index);
        }
        Some(hit)
    }

    /// The armed faults.
    pub(crate) fn list(&self) -> Vec<Fault> {
        self.faults.clone()
    }

    /// Disarms everything.
    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: FaultKind) -> FaultSpec {
        FaultSpec {
            method: Some("put".into()),
            path_contains: Some("roleAssignmentScheduleRequests".into()),
            kind,
            status: None,
            retry_after_secs: None,
            latency_ms: None,
            count: Some(2),
            after_effect: None,
        }
    }

    #[test]
    fn matches_and_counts_down() {
        let mut book = FaultBook::default();
        assert!(book.add(spec(FaultKind::Throttle)).is_ok());
        assert!(
            book.take_match(
                "GET",
                "/providers/Microsoft.Authorization/roleassignmentschedulerequests/x"
            )
            .is_none()
        );
        let hit = book.take_match(
            "PUT",
            "/providers/Microsoft.Authorization/roleassignmentschedulerequests/x",
        );
        assert!(hit.is_some_and(|f| f.status == 429 && f.retry_after_secs == Some(1)));
        assert!(
            book.take_match("PUT", "/x/roleAssignmentScheduleRequests/y")
                .is_some()
        );
        assert!(
            book.take_match("PUT", "/x/roleAssignmentScheduleRequests/y")
                .is_none()
        );
        assert!(
            book.add(FaultSpec {
                count: Some(0),
                ..spec(FaultKind::Reset)
            })
            .is_err()
        );
    }
}
