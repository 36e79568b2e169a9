//! Property tests of the HTTP pipeline (`http.rs`) and the error parsers (`azure_error.rs`) against
//! hostile answers: a real loopback server started here answers each attempt with an arbitrary
//! status, arbitrary headers (`Retry-After` and `x-ms-retry-after-ms` included, huge, negative,
//! dates, garbage), an arbitrary body, or a dropped or truncated connection. Whatever comes, the
//! pipeline must not panic, and must end in a typed error or a response within the configured bounds
//! (attempts and total wait). Each run records what it tried for the security summary.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use elevate_core::Error;
use elevate_core::auth::AccessToken;
use elevate_core::azure_error;
use elevate_core::error::Api;
use elevate_core::http::{HttpClient, Method, Response, RetryPolicy};
use elevate_core::secret::Secret;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted answer of the loopback server.
#[derive(Clone, Debug)]
enum Answer {
    /// A status line, headers and a body (Content-Length is added, unless `short` cuts the body).
    Http {
        status: u16,
        headers: Vec<(String, Vec<u8>)>,
        body: Vec<u8>,
        short: bool,
    },
    /// The connection is closed without an answer.
    Drop,
}

/// A loopback HTTP/1.1 server answering from a queue (200 `{}` once it is empty) and counting
/// requests.
struct Server {
    url: url::Url,
    queue: Arc<Mutex<VecDeque<Answer>>>,
    hits: Arc<AtomicU64>,
}

impl Server {
    async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let queue: Arc<Mutex<VecDeque<Answer>>> = Arc::default();
        let hits = Arc::new(AtomicU64::new(0));
        let (q, h) = (Arc::clone(&queue), Arc::clone(&hits));
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (q, h) = (Arc::clone(&q), Arc::clone(&h));
                tokio::spawn(async move {
                    // Read the request head and its body (Content-Length).
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let head_end = loop {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + length {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    h.fetch_add(1, Ordering::SeqCst);
                    let answer = q
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .pop_front()
                        .unwrap_or(Answer::Http {
                            status: 200,
                            headers: Vec::new(),
                            body: b"{}".to_vec(),
                            short: false,
                        });
                    let Answer::Http {
                        status,
                        headers,
                        body,
                        short,
                    } = answer
                    else {
                        return;
                    };
                    let mut out = format!("HTTP/1.1 {status} X\r\n").into_bytes();
                    for (name, value) in headers {
                        out.extend_from_slice(name.as_bytes());
                        out.extend_from_slice(b": ");
                        out.extend_from_slice(&value);
                        out.extend_from_slice(b"\r\n");
                    }
                    let declared = if short { body.len() + 10 } else { body.len() };
                    out.extend_from_slice(
                        format!("content-length: {declared}\r\nconnection: close\r\n\r\n")
                            .as_bytes(),
                    );
                    out.extend_from_slice(&body);
                    let _ = stream.write_all(&out).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Server {
            url: url::Url::parse(&format!(
                "http://127.0.0.1:{port}/subscriptions?api-version=x"
            ))
            .unwrap_or_else(|e| panic!("{e}")),
            queue,
            hits,
        }
    }

    fn script(&self, answers: Vec<Answer>) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.clear();
        queue.extend(answers);
        self.hits.store(0, Ordering::SeqCst);
    }
}

fn token() -> AccessToken {
    AccessToken {
        token: Secret::new("test-token"),
        expires_on: Utc::now() + TimeDelta::hours(1),
    }
}

/// A tight budget, so that the properties run quickly: waits are milliseconds, and a long
/// `Retry-After` is out of budget at once.
fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        max_total_wait: Duration::from_millis(40),
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(8),
        attempt_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
    }
}

/// Records the kinds and counts tried, for `scripts/security-summary.sh`.
fn tally(test: &str, counts: &[(&str, u64, u64, &str)]) {
    let Some(dir) = std::env::current_exe().ok().and_then(|exe| {
        exe.parent()?
            .parent()?
            .parent()
            .map(|t| t.join("security-summary"))
    }) else {
        return;
    };
    let text: String = counts
        .iter()
        .map(|(kind, tried, through, verb)| format!("{kind}\t{tried}\t{through}\t{verb}\n"))
        .collect();
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{test}.tsv")), text);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

// ---- strategies

/// What an attacker or a broken proxy may put in `Retry-After` or `x-ms-retry-after-ms`.
fn wait_header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string().into_bytes()),
        Just(b"18446744073709551615".to_vec()),
        Just(b"18446744073709551616".to_vec()),
        Just(b"99999999999999999999999999".to_vec()),
        Just(b"0".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"1.5".to_vec()),
        Just(b" 0 ".to_vec()),
        Just(b"Fri, 31 Dec 9999 23:59:59 GMT".to_vec()),
        Just(b"Thu, 01 Jan 1970 00:00:00 GMT".to_vec()),
        Just(b"Mon, 99 Foo 2026 99:99:99 GMT".to_vec()),
        (0u64..3).prop_map(|n| n.to_string().into_bytes()),
        proptest::collection::vec(0x20u8..0x7f, 0..40),
        proptest::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff], 0..40),
    ]
}

fn header() -> impl Strategy<Value = (String, Vec<u8>)> {
    let name = prop_oneof![
        Just("retry-after".to_owned()),
        Just("Retry-After".to_owned()),
        Just("x-ms-retry-after-ms".to_owned()),
        Just("www-authenticate".to_owned()),
        Just("content-type".to_owned()),
        Just("x-ms-request-id".to_owned()),
        Just("request-id".to_owned()),
        Just("location".to_owned()),
        "x-[a-z]{1,12}",
    ];
    (name, prop_oneof![wait_header_value(), www_authenticate()])
}

fn www_authenticate() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(
            b"Bearer error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnt9fQ==\""
                .to_vec()
        ),
        Just(b"Bearer error=\"insufficient_claims\", claims=\"%%%not-base64\"".to_vec()),
        Just(b"Bearer error=\"insufficient_claims\", claims=\"".to_vec()),
        Just(b"Bearer error=insufficient_claims claims=".to_vec()),
        "Bearer [ -~]{0,60}".prop_map(String::into_bytes),
    ]
}

/// Bodies: JSON that looks like Azure's error envelopes with odd members, plain garbage, and
/// arbitrary bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let text = "[ -~]{0,40}";
    prop_oneof![
        Just(Vec::new()),
        Just(b"{}".to_vec()),
        Just(b"{\"value\":[]}".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..200),
        (text, text).prop_map(|(c, m)| {
            serde_json::json!({"error": {"code": c, "message": m}})
                .to_string()
                .into_bytes()
        }),
        (text, text).prop_map(|(c, m)| {
            serde_json::json!({"error": {"code": "UnknownError", "message": format!("{{\"errorCode\":\"{c}\",\"message\":\"{m}\"}}")}})
                .to_string()
                .into_bytes()
        }),
        text.prop_map(|m| {
            serde_json::json!({"error": {"code": "RoleAssignmentRequestAcrsValidationFailed", "message": format!("claims={m}")}})
                .to_string()
                .into_bytes()
        }),
        text.prop_map(|m| {
            serde_json::json!({"error": {"code": "RoleAssignmentRequestPolicyValidationFailed", "message": format!("The following policy rules failed: [{m}]")}})
                .to_string()
                .into_bytes()
        }),
        Just(b"{\"error\":{\"code\":5,\"message\":null}}".to_vec()),
        Just(b"{\"error\":\"just a string\"}".to_vec()),
        Just(b"[1,2,3".to_vec()),
        Just("{\"error\":{\"code\":\"\u{1b}[2J\",\"message\":\"\u{202E}x\"}}".as_bytes().to_vec()),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    let status = prop_oneof![
        Just(200u16),
        Just(201),
        Just(204),
        Just(400),
        Just(401),
        Just(403),
        Just(404),
        Just(408),
        Just(409),
        Just(429),
        Just(500),
        Just(502),
        Just(503),
        Just(504),
        200u16..=999,
    ];
    prop_oneof![
        8 => (status, proptest::collection::vec(header(), 0..5), body(), proptest::bool::weighted(0.1))
            .prop_map(|(status, headers, body, short)| Answer::Http { status, headers, body, short }),
        1 => Just(Answer::Drop),
    ]
}

fn is_typed_failure(e: &Error) -> bool {
    matches!(
        e,
        Error::Throttled { .. }
            | Error::Unavailable { .. }
            | Error::Network { .. }
            | Error::MalformedResponse { .. }
    )
}

// ---- the properties

#[test]
fn the_pipeline_never_panics_and_stays_within_its_bounds() {
    let rt = runtime();
    let server = rt.block_on(Server::start());
    let hostile_headers = AtomicU64::new(0);
    let answers_served = AtomicU64::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 160,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        1u32..=4,
        proptest::collection::vec(answer(), 1..5),
        any::<bool>(),
        prop_oneof![Just(Method::Get), Just(Method::Put), Just(Method::Post)],
    );
    let result = runner.run(&strategy, |(max_attempts, answers, expect_json, method)| {
        hostile_headers.fetch_add(
            answers
                .iter()
                .map(|a| match a {
                    Answer::Http { headers, .. } => headers.len() as u64,
                    Answer::Drop => 0,
                })
                .sum(),
            Ordering::Relaxed,
        );
        server.script(answers.clone());
        let policy = policy(max_attempts);
        let client = HttpClient::new(policy.clone()).unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        let body = serde_json::json!({"properties": {}});
        let outcome = rt.block_on(client.send(
            Api::Arm,
            method,
            &server.url,
            &token(),
            (method != Method::Get).then_some(&body),
            expect_json,
        ));
        let elapsed = started.elapsed();
        let attempts = server.hits.load(Ordering::SeqCst);
        answers_served.fetch_add(attempts, Ordering::Relaxed);
        prop_assert!(
            attempts <= u64::from(max_attempts),
            "{attempts} attempts, at most {max_attempts} allowed"
        );
        // The waits stay within the budget; the rest is loopback round trips.
        prop_assert!(
            elapsed < policy.max_total_wait + Duration::from_secs(3),
            "took {elapsed:?}"
        );
        match outcome {
            Ok(response) => {
                prop_assert!(
                    !matches!(response.status, 408 | 429 | 500 | 502 | 503 | 504),
                    "a retryable status {} came back as an answer",
                    response.status
                );
                if expect_json && response.is_success() && !response.body.is_empty() {
                    prop_assert!(
                        serde_json::from_slice::<serde_json::Value>(&response.body).is_ok(),
                        "an unreadable success body came back as an answer"
                    );
                }
                if !response.is_success() {
                    // Whatever the body and headers, the error parser gives a typed error.
                    let error = azure_error::from_response(Api::Arm, &response);
                    prop_assert!(!error.to_string().is_empty());
                    prop_assert!(!error.code().is_empty());
                }
            }
            Err(e) => prop_assert!(is_typed_failure(&e), "untyped failure: {e:?}"),
        }
        Ok(())
    });
    // A failing case (a panic, an untyped error, a bound overstepped) is counted before failing.
    let failed = u64::from(result.is_err());
    tally(
        "http_properties_pipeline",
        &[
            (
                "malformed or hostile HTTP answers",
                answers_served.load(Ordering::Relaxed),
                failed,
                "panicked or overstepped the retry bounds",
            ),
            (
                "hostile response headers",
                hostile_headers.load(Ordering::Relaxed),
                failed,
                "panicked or overstepped the retry bounds",
            ),
        ],
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Background work (the watcher's polls) tries at most twice and does not sit out a long
/// `Retry-After`: its caller reads again on its own pace. The same answers to a request made for
/// the user are tried the whole policy through.
#[test]
fn background_requests_try_twice_and_leave_a_long_retry_after_to_their_caller() {
    let rt = runtime();
    let server = rt.block_on(Server::start());
    let unavailable = || Answer::Http {
        status: 503,
        headers: Vec::new(),
        body: Vec::new(),
        short: false,
    };
    let client = HttpClient::new(RetryPolicy {
        max_total_wait: Duration::from_secs(5),
        ..policy(5)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let token = token();
    let send = || client.send(Api::Arm, Method::Get, &server.url, &token, None, true);

    server.script(vec![unavailable(); 6]);
    let outcome = rt.block_on(send());
    assert!(outcome.is_err(), "{outcome:?}");
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        5,
        "for the user: the whole policy"
    );

    server.script(vec![unavailable(); 6]);
    let outcome = rt.block_on(elevate_core::http::in_background(send()));
    assert!(outcome.is_err(), "{outcome:?}");
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        2,
        "in the background: two attempts"
    );

    // A blip is still absorbed in the background.
    server.script(vec![unavailable()]);
    let outcome = rt.block_on(elevate_core::http::in_background(send()));
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);

    // Throttled for 30 s: no wait in the background; the error carries Azure's time.
    server.script(vec![Answer::Http {
        status: 429,
        headers: vec![("retry-after".into(), b"30".to_vec())],
        body: Vec::new(),
        short: false,
    }]);
    let started = Instant::now();
    let outcome = rt.block_on(elevate_core::http::in_background(send()));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    match outcome {
        Err(Error::Throttled {
            retry_after_secs, ..
        }) => {
            assert_eq!(retry_after_secs, Some(30));
        }
        other => panic!("expected a throttling error, got {other:?}"),
    }
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
}

/// The overflow found in review: a `Retry-After` of u64::MAX seconds after a first retry was added
/// to the time already waited and panicked (which killed the watcher). It is a throttling error now.
#[test]
fn a_huge_retry_after_after_a_retry_is_a_typed_error() {
    let rt = runtime();
    let server = rt.block_on(Server::start());
    for (name, value) in [
        ("retry-after", "18446744073709551615"),
        ("x-ms-retry-after-ms", "18446744073709551615"),
    ] {
        server.script(vec![
            // A first retry after a second's wait, so that a whole second is already counted
            // (less would be absorbed by Duration's nanoseconds).
            Answer::Http {
                status: 503,
                headers: vec![("retry-after".into(), b"1".to_vec())],
                body: Vec::new(),
                short: false,
            },
            Answer::Http {
                status: 429,
                headers: vec![(name.into(), value.as_bytes().to_vec())],
                body: Vec::new(),
                short: false,
            },
        ]);
        let client = HttpClient::new(RetryPolicy {
            max_total_wait: Duration::from_secs(5),
            ..policy(5)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let outcome =
            rt.block_on(client.send(Api::Graph, Method::Get, &server.url, &token(), None, true));
        assert!(
            matches!(outcome, Err(Error::Throttled { .. })),
            "{name}: {outcome:?}"
        );
        assert_eq!(server.hits.load(Ordering::SeqCst), 2, "{name}");
    }
}

#[test]
fn the_error_parsers_never_panic() {
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    });
    let tried = AtomicU64::new(0);
    let strategy = (
        200u16..=999,
        proptest::collection::vec(header(), 0..6),
        body(),
        "\\PC{0,120}",
    );
    let result = runner.run(&strategy, |(status, headers, body, text)| {
        tried.fetch_add(1, Ordering::Relaxed);
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_bytes(&value),
            ) {
                map.append(name, value);
            }
        }
        let _ = elevate_core::http::parse_retry_after(&map);
        let response = Response {
            status,
            headers: map,
            body: body.clone(),
        };
        for api in [Api::Arm, Api::Graph] {
            let error = azure_error::from_response(api, &response);
            prop_assert!(!error.code().is_empty());
            let shown = error.to_string();
            prop_assert!(
                !shown.contains('\u{1b}'),
                "a terminal escape reached the error text: {shown:?}"
            );
        }
        let _ = azure_error::envelope(&body);
        let _ = azure_error::claims_from_text(&text);
        let _ = azure_error::failed_rules(&text);
        Ok(())
    });
    tally(
        "http_properties_parsers",
        &[(
            "malformed error answers parsed",
            tried.load(Ordering::Relaxed),
            u64::from(result.is_err()),
            "panicked or leaked a terminal escape",
        )],
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
