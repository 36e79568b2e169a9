//! The one HTTP pipeline every Azure call goes through: bearer token, request ids, bounded retries.
//! Its client comes from [`crate::net::client_builder`] (OS trust store, proxies, loopback direct).
//!
//! Retries: 429 waits for `Retry-After` (and a random part more: [`after_retry_after`]); 408, 500, 502, 503, 504, connection failures, time-outs and
//! unreadable success bodies back off exponentially with jitter. All of it stays within one
//! [`RetryPolicy`] budget (attempts and total waiting), after which a typed error says what happened.
//! Callers make retried writes safe themselves (ARM: the same request GUID on every attempt).
//!
//! Background reads (the watcher's polls, run inside [`in_background`]) try less: at most
//! [`BACKGROUND_ATTEMPTS`] attempts within [`BACKGROUND_WAIT`]. The watcher reads the list again on
//! its own pace, after its own back-off and any `Retry-After`; five attempts per poll made a fleet
//! send 3.5 times its healthy rate through an outage (`bench/fleet.md`). What the user asked for
//! keeps the whole policy.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

use crate::auth::AccessToken;
use crate::error::{Api, Error, Result};

/// Attempts, in all, of a request made in the background ([`in_background`]): one retry, for a
/// blip (a reset connection, one 503), not for an outage.
pub const BACKGROUND_ATTEMPTS: u32 = 2;

/// The most a request made in the background waits between attempts, in all: a longer
/// `Retry-After` ends the request, and the caller comes back after it on its own pace.
pub const BACKGROUND_WAIT: Duration = Duration::from_secs(5);

tokio::task_local! {
    static BACKGROUND: ();
}

/// Runs `work` as background work: its requests try at most [`BACKGROUND_ATTEMPTS`] times within
/// [`BACKGROUND_WAIT`] (work the user did not just ask for, which its caller repeats anyway).
pub async fn in_background<F: std::future::Future>(work: F) -> F::Output {
    BACKGROUND.scope((), work).await
}

/// Whether the running task is inside [`in_background`].
fn is_background() -> bool {
    BACKGROUND.try_with(|()| ()).is_ok()
}

/// How hard to try before giving up.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The most time spent waiting between attempts, in all.
    pub max_total_wait: Duration,
    /// The first back-off delay; it doubles each time.
    pub base_delay: Duration,
    /// The longest single back-off delay.
    pub max_delay: Duration,
    /// Time-out for one attempt, from sending to the end of the body.
    pub attempt_timeout: Duration,
    /// Time-out for opening a connection.
    pub connect_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_total_wait: Duration::from_secs(60),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A response that is not a retryable failure: a success, or an error status for the caller to read.
#[derive(Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Azure's id for this request (`x-ms-request-id`, or Graph's `request-id`).
    pub fn request_id(&self) -> Option<String> {
        ["x-ms-request-id", "request-id"].iter().find_map(|name| {
            self.headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
    }
}

/// The HTTP methods Elevate uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// PATCH
    Patch,
}

/// One shared HTTP client (connection pool) with its retry policy.
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: RetryPolicy,
}

enum Attempt {
    Done(Response),
    Fail(Error),
    Retry {
        reason: RetryReason,
        after: Option<Duration>,
    },
}

enum RetryReason {
    Transport(String),
    Throttled,
    Status(u16),
    Unreadable(String),
}

impl HttpClient {
    /// A client with `policy`.
    pub fn new(policy: RetryPolicy) -> Result<Self> {
        let client = crate::net::client_builder()
            .map_err(|reason| Error::Network {
                host: "-".into(),
                reason,
            })?
            .user_agent(concat!("Elevate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.attempt_timeout)
            // Never follow a redirect with the bearer token attached.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Network {
                host: "-".into(),
                reason: format!("cannot start the HTTP client: {e}"),
            })?;
        Ok(HttpClient { client, policy })
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Sends a request, retrying what is worth retrying. A 2xx body that should be JSON and is not
    /// counts as a failure to retry (`expect_json`).
    pub async fn send(
        &self,
        api: Api,
        method: Method,
        url: &Url,
        token: &AccessToken,
        body: Option<&serde_json::Value>,
        expect_json: bool,
    ) -> Result<Response> {
        let host = url.host_str().unwrap_or("-").to_owned();
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 0;
        let (max_attempts, max_total_wait) = if is_background() {
            (
                self.policy.max_attempts.min(BACKGROUND_ATTEMPTS),
                self.policy.max_total_wait.min(BACKGROUND_WAIT),
            )
        } else {
            (self.policy.max_attempts, self.policy.max_total_wait)
        };
        loop {
            attempt += 1;
            let outcome = self
                .attempt(method, url, token, body, expect_json, &client_request_id)
                .await;
            let (reason, after) = match outcome {
                Attempt::Done(response) => return Ok(response),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry { reason, after } => (reason, after),
            };
            let delay = after.map_or_else(|| self.backoff(attempt), after_retry_after);
            // `Retry-After` is Azure's (or a proxy's) number: up to u64::MAX seconds, which must
            // not overflow the sum (a panic here once killed the watcher).
            let out_of_budget = attempt >= max_attempts
                || waited
                    .checked_add(delay)
                    .is_none_or(|total| total > max_total_wait);
            tracing::debug!(
                target: "elevate::http", api = ?api, %host, attempt, delay_ms = delay.as_millis() as u64,
                give_up = out_of_budget, reason = reason.describe(), "request failed"
            );
            if out_of_budget {
                return Err(reason.into_error(host, after));
            }
            tokio::time::sleep(delay).await;
            waited = waited.saturating_add(delay);
        }
    }

    async fn attempt(
        &self,
        method: Method,
        url: &Url,
        token: &AccessToken,
        body: Option<&serde_json::Value>,
        expect_json: bool,
        client_request_id: &str,
    ) -> Attempt {
        let mut request = match method {
            Method::Get => self.client.get(url.clone()),
            Method::Put => self.client.put(url.clone()),
            Method::Post => self.client.post(url.clone()),
            Method::Patch => self.client.patch(url.clone()),
        };
        let mut auth = match HeaderValue::from_str(&format!("Bearer {}", token.token.expose())) {
            Ok(value) => value,
            Err(_) => {
                return Attempt::Fail(Error::Auth(
                    "the access token is not usable (bad characters); sign in again".into(),
                ));
            }
        };
        auth.set_sensitive(true);
        request = request
            .header(reqwest::header::AUTHORIZATION, auth)
            .header("x-ms-client-request-id", client_request_id)
            .header(reqwest::header::ACCEPT, "application/json");
        request = match body {
            Some(json) => request.json(json),
            // ARM's POST actions (cancel) take no body but want a length.
            None if matches!(method, Method::Post | Method::Put | Method::Patch) => {
                request.header(reqwest::header::CONTENT_LENGTH, "0")
            }
            None => request,
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                // A refused certificate will not change by retrying: say so at once.
                if let Some(problem) = crate::net::certificate_problem(&e) {
                    return Attempt::Fail(Error::Certificate {
                        host: url.host_str().unwrap_or("-").to_owned(),
                        problem,
                    });
                }
                return Attempt::Retry {
                    reason: RetryReason::Transport(describe_transport(&e)),
                    after: None,
                };
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let retry_after = parse_retry_after(&headers);
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                return Attempt::Retry {
                    reason: RetryReason::Transport(describe_transport(&e)),
                    after: None,
                };
            }
        };
        match status {
            429 => Attempt::Retry {
                reason: RetryReason::Throttled,
                after: Some(retry_after.unwrap_or(Duration::from_secs(5))),
            },
            408 | 500 | 502 | 503 | 504 => Attempt::Retry {
                reason: RetryReason::Status(status),
                after: retry_after,
            },
            200..=299 if expect_json && !body.is_empty() => {
                match serde_json::from_slice::<serde_json::Value>(&body) {
                    Ok(_) => Attempt::Done(Response {
                        status,
                        headers,
                        body,
                    }),
                    Err(e) => Attempt::Retry {
                        reason: RetryReason::Unreadable(format!("invalid JSON: {e}")),
                        after: None,
                    },
                }
            }
            _ => Attempt::Done(Response {
                status,
                headers,
                body,
            }),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .policy
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.policy.max_delay);
        // Up to 25 % more at random, so that many clients do not retry in step (a random draw:
        // the clock's nanoseconds, used before, are alike for requests failed together).
        capped.saturating_add(capped.mul_f64(rand::random::<f64>() / 4.0))
    }
}

impl RetryReason {
    fn describe(&self) -> String {
        match self {
            RetryReason::Transport(why) => why.clone(),
            RetryReason::Throttled => "HTTP 429".into(),
            RetryReason::Status(s) => format!("HTTP {s}"),
            RetryReason::Unreadable(why) => why.clone(),
        }
    }

    fn into_error(self, host: String, retry_after: Option<Duration>) -> Error {
        match self {
            RetryReason::Transport(reason) => Error::Network { host, reason },
            RetryReason::Throttled => Error::Throttled {
                host,
                retry_after_secs: retry_after.map(|d| d.as_secs()),
            },
            RetryReason::Status(status) => Error::Unavailable { host, status },
            RetryReason::Unreadable(detail) => Error::MalformedResponse { host, detail },
        }
    }
}

fn describe_transport(e: &reqwest::Error) -> String {
    // reqwest's own text names the URL; keep only the cause chain, which holds no secret.
    let mut reason = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "connection error".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    reason
}

/// How long to wait when Azure said `Retry-After: retry_after`: never sooner, and a random part of
/// it later (up to half of it, at least up to a second, at most a minute). Throttled together, a
/// fleet of clients is told to come back at the same moment (the end of the window that refused
/// them); waiting exactly that long brings them back in one burst, throttled again. The fleet
/// benchmark showed it (`bench/fleet.md`).
pub fn after_retry_after(retry_after: Duration) -> Duration {
    let spread = (retry_after / 2)
        .max(Duration::from_secs(1))
        .min(Duration::from_secs(60));
    retry_after.saturating_add(spread.mul_f64(rand::random::<f64>()))
}

/// Reads `Retry-After` (seconds or an HTTP date) or `x-ms-retry-after-ms`.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("x-ms-retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(Duration::from_millis(ms));
    }
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .num_seconds()
        .max(0);
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_after_is_honoured_and_spread_later() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let wait = after_retry_after(Duration::from_secs(10));
            assert!(wait >= Duration::from_secs(10), "{wait:?}");
            assert!(wait <= Duration::from_secs(15), "{wait:?}");
            seen.insert(wait.as_millis() / 100);
        }
        assert!(seen.len() > 20, "spread over the extra time: {seen:?}");
        let short = after_retry_after(Duration::ZERO);
        assert!(short <= Duration::from_secs(1), "{short:?}");
        let huge = after_retry_after(Duration::from_secs(u64::MAX));
        assert!(huge >= Duration::from_secs(u64::MAX));
    }

    #[test]
    fn retry_after_in_seconds_date_and_ms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&h), Some(Duration::ZERO));
        h.insert("x-ms-retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after(&HeaderMap::new()), None);
        let mut junk = HeaderMap::new();
        junk.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&junk), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let client = HttpClient::new(RetryPolicy::default()).unwrap_or_else(|e| panic!("{e}"));
        let first = client.backoff(1);
        let later = client.backoff(10);
        assert!(
            first >= Duration::from_millis(500) && first <= Duration::from_millis(625),
            "{first:?}"
        );
        assert!(
            later >= Duration::from_secs(10) && later <= Duration::from_millis(12_500),
            "{later:?}"
        );
    }
}
