//! Fleet benchmark: N users, each a real grant watcher (the [`Watcher`] that `elevate watch` and the
//! tray run, with the same options, its own [`Session`], SQLite store, data folder and token),
//! against one throttling simulator over loopback HTTP, on the real clock (×1). Partway through,
//! the simulator answers every ARM and Graph request with 503 for a while (an outage), then
//! recovers; the benchmark reports the request rate (mean, peak and p99 of 1-second buckets), the
//! 429s and 5xx answers, how long after the outage the fleet's rate is back, and whether the
//! fleet comes back in a synchronized burst.
//!
//! Everything is counted from the simulator's request log (`GET /_sim/log?after=N`, read every
//! few seconds); each watcher's own view (the first poll without failures after the outage) comes
//! from its published [`LiveState`](elevate_core::watch::LiveState).
//!
//! Run: `scripts/bench-fleet.sh` (or `cargo bench -p elevate-core --bench fleet -- --help`).
//! Options (seconds): `--users 1000 --ramp 300 --steady 1800 --outage 600 --after 1200
//! --approvers-every 10 --tenant-budget 3500/10 --principal-budget 250/10 --out FILE --raw FILE`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use elevate_core::arm::ArmClient;
use elevate_core::auth::{AccessToken, Audience, TokenFuture, TokenSource};
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::secret::Secret;
use elevate_core::session::{Clients, Session, SessionOptions};
use elevate_core::store::Store;
use elevate_core::watch::{SystemClock, WatchOptions, Watcher};
use elevate_sim::{SimConfig, Simulator, TokenRequest};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What the run is asked to do.
#[derive(Clone, Debug)]
struct Plan {
    users: usize,
    /// Watchers start at random moments within this (people do not all start at once).
    ramp: u64,
    /// From the start until the outage.
    steady: u64,
    outage: u64,
    /// From the end of the outage until the end.
    after: u64,
    approvers_every: usize,
    tenant: (u32, u64),
    principal: (u32, u64),
    out: Option<PathBuf>,
    raw: Option<PathBuf>,
}

fn budget(text: &str) -> (u32, u64) {
    let parsed = text
        .split_once('/')
        .and_then(|(r, w)| Some((r.trim().parse().ok()?, w.trim().parse().ok()?)));
    parsed.unwrap_or_else(|| panic!("a budget is REQUESTS/SECONDS, not '{text}'"))
}

fn plan() -> Plan {
    let mut plan = Plan {
        users: 1000,
        ramp: 300,
        steady: 1800,
        outage: 600,
        after: 1200,
        approvers_every: 10,
        tenant: (3500, 10),
        principal: (250, 10),
        out: None,
        raw: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = || {
            args.get(i + 1)
                .cloned()
                .unwrap_or_else(|| panic!("{} needs a value", args[i]))
        };
        let number =
            |v: String| -> u64 { v.parse().unwrap_or_else(|_| panic!("not a number: {v}")) };
        match args[i].as_str() {
            "--users" => plan.users = number(value()) as usize,
            "--ramp" => plan.ramp = number(value()),
            "--steady" => plan.steady = number(value()),
            "--outage" => plan.outage = number(value()),
            "--after" => plan.after = number(value()),
            "--approvers-every" => plan.approvers_every = number(value()) as usize,
            "--tenant-budget" => plan.tenant = budget(&value()),
            "--principal-budget" => plan.principal = budget(&value()),
            "--out" => plan.out = Some(PathBuf::from(value())),
            "--raw" => plan.raw = Some(PathBuf::from(value())),
            // `cargo bench` passes this to every bench target.
            "--bench" => {
                i += 1;
                continue;
            }
            "--help" | "-h" => {
                println!(
                    "fleet [--users N] [--ramp S] [--steady S] [--outage S] [--after S] [--approvers-every K] [--tenant-budget R/S] [--principal-budget R/S] [--out FILE.md] [--raw FILE.json]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    assert!(plan.users > 0, "--users must be at least 1");
    assert!(
        plan.ramp < plan.steady,
        "--ramp must be shorter than --steady"
    );
    plan
}

/// Tokens the simulator mints for one fleet user (their own `oid`, so their own budget).
struct UserTokens {
    sim: Arc<Simulator>,
    oid: String,
}

impl TokenSource for UserTokens {
    fn token<'a>(&'a self, audience: Audience, _claims: Option<&'a Value>) -> TokenFuture<'a> {
        Box::pin(async move {
            let request = TokenRequest {
                oid: Some(self.oid.clone()),
                audience: match audience {
                    Audience::Arm => "https://management.azure.com".to_owned(),
                    Audience::Graph => "https://graph.microsoft.com".to_owned(),
                },
                ..TokenRequest::default()
            };
            let token = self
                .sim
                .issue_token(&request)
                .map_err(|e| elevate_core::Error::Auth(e.to_string()))?;
            Ok(AccessToken {
                token: Secret::new(token),
                expires_on: Utc::now() + TimeDelta::hours(1),
            })
        })
    }

    fn describe(&self) -> String {
        "simulator (fleet user)".into()
    }
}

/// One answered request, from the simulator's log.
#[derive(Clone, Debug)]
struct Call {
    /// Seconds since the run started.
    at: f64,
    status: u16,
    kind: String,
}

/// What each watcher saw.
#[derive(Default)]
struct Seen {
    /// Seconds after the outage ended until each watcher's first poll without failures.
    recovered: Vec<f64>,
    /// The same, for the watchers that saw the outage.
    recovered_noticed: Vec<f64>,
    /// Watchers that saw a failure during the outage.
    noticed_outage: u64,
    /// Per watcher at the end of the steady phase: active grants, approvals waiting.
    grants: Vec<usize>,
    approvals: Vec<usize>,
    started: u64,
    failed_to_start: Vec<String>,
}

/// Times of the run, as instants.
struct Marks {
    start: Instant,
    outage_start: OnceLock<Instant>,
    outage_end: OnceLock<Instant>,
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn threads() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Threads:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) this process used so far.
fn cpu_secs() -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / ticks)
        })
        .unwrap_or(0.0)
}

/// The kind of a call: its path and query without ids (the fleet's lists name no user).
fn kind_of(entry: &Value) -> String {
    let path = entry["path"].as_str().unwrap_or("?");
    let query = entry["query"]
        .as_str()
        .map(|q| {
            q.split('&')
                .filter(|p| {
                    !p.starts_with("api-version")
                        && !p.starts_with("%24expand")
                        && !p.starts_with("$expand")
                })
                .collect::<Vec<_>>()
                .join("&")
        })
        .filter(|q| !q.is_empty())
        .map(|q| format!("?{}", percent_decode(&q)))
        .unwrap_or_default();
    format!("{} {path}{query}", entry["method"].as_str().unwrap_or("?"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(hex), 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the simulator's log every few seconds (the log keeps 20,000 entries).
async fn collect(
    control: reqwest::Client,
    url: String,
    start_wall: DateTime<Utc>,
    calls: Arc<Mutex<Vec<Call>>>,
    stop: CancellationToken,
) {
    let mut after = 0u64;
    loop {
        let stopping = stop.is_cancelled();
        let entries: Vec<Value> = match control
            .get(format!("{url}/_sim/log?after={after}"))
            .send()
            .await
        {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(e) => {
                eprintln!("reading the log failed: {e}");
                Vec::new()
            }
        };
        let mut batch = Vec::with_capacity(entries.len());
        for entry in &entries {
            let seq = entry["seq"].as_u64().unwrap_or(0);
            if seq > after + 1 && after > 0 {
                eprintln!(
                    "log entries {}..{} were lost (read too late)",
                    after + 1,
                    seq - 1
                );
            }
            after = after.max(seq);
            let Some(time) = entry["time"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            else {
                continue;
            };
            let at = (time.with_timezone(&Utc) - start_wall).num_milliseconds() as f64 / 1000.0;
            batch.push(Call {
                at,
                status: entry["status"].as_u64().unwrap_or(0) as u16,
                kind: kind_of(entry),
            });
        }
        if let Ok(mut all) = calls.lock() {
            all.extend(batch);
        }
        if stopping {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(3)) => {}
            () = stop.cancelled() => {}
        }
    }
}

/// Starts one user's watcher after `delay`, keeps it until `stop`, and notes what it saw.
#[allow(clippy::too_many_arguments)]
async fn run_user(
    sim: Arc<Simulator>,
    base: url::Url,
    folder: PathBuf,
    oid: String,
    delay: Duration,
    marks: Arc<Marks>,
    seen: Arc<Mutex<Seen>>,
    events: mpsc::Sender<elevate_core::watch::WatchEvent>,
    snapshot: CancellationToken,
    stop: CancellationToken,
) {
    tokio::select! {
        () = tokio::time::sleep(delay) => {}
        () = stop.cancelled() => return,
    }
    let watcher = match start_watcher(&sim, base, &folder, &oid, events).await {
        Ok(w) => w,
        Err(e) => {
            if let Ok(mut seen) = seen.lock() {
                seen.failed_to_start.push(format!("{oid}: {e}"));
            }
            return;
        }
    };
    if let Ok(mut seen) = seen.lock() {
        seen.started += 1;
    }
    let mut live = watcher.subscribe();
    let mut noticed = false;
    let mut recovered = false;
    let mut snapped = false;
    loop {
        tokio::select! {
            changed = live.changed() => {
                if changed.is_err() {
                    break;
                }
                let state = live.borrow_and_update().clone();
                let now = Instant::now();
                let in_outage = marks.outage_start.get().is_some_and(|s| now >= *s)
                    && marks.outage_end.get().is_none();
                if in_outage && !noticed && !state.failures.is_empty() {
                    noticed = true;
                    if let Ok(mut seen) = seen.lock() {
                        seen.noticed_outage += 1;
                    }
                }
                if let Some(end) = marks.outage_end.get()
                    && !recovered
                    && now >= *end
                    && state.failures.is_empty()
                {
                    recovered = true;
                    if let Ok(mut seen) = seen.lock() {
                        let after = (now - *end).as_secs_f64();
                        seen.recovered.push(after);
                        if noticed {
                            seen.recovered_noticed.push(after);
                        }
                    }
                }
            }
            () = snapshot.cancelled(), if !snapped => {
                snapped = true;
                let state = watcher.live();
                if let Ok(mut seen) = seen.lock() {
                    seen.grants.push(state.active.len());
                    seen.approvals.push(state.approvals.as_ref().map_or(0, Vec::len));
                }
            }
            () = stop.cancelled() => break,
        }
    }
    watcher.shutdown().await;
}

async fn start_watcher(
    sim: &Arc<Simulator>,
    base: url::Url,
    folder: &Path,
    oid: &str,
    events: mpsc::Sender<elevate_core::watch::WatchEvent>,
) -> elevate_core::Result<Watcher> {
    std::fs::create_dir_all(folder).map_err(|e| elevate_core::Error::Invalid(e.to_string()))?;
    let tokens: Arc<dyn TokenSource> = Arc::new(UserTokens {
        sim: Arc::clone(sim),
        oid: oid.to_owned(),
    });
    // As the app opens a session (elevate-app's open.rs): one HTTP client, default retries.
    let http = HttpClient::new(RetryPolicy::default())?;
    let clients = Clients {
        arm: Some(ArmClient::new(
            http.clone(),
            base.clone(),
            Arc::clone(&tokens),
        )),
        graph: Some(GraphClient::new(http, base, Arc::clone(&tokens))),
    };
    let store = Store::open(&folder.join("elevate.db")).await?;
    let session = Session::connect(clients, tokens, Some(store), SessionOptions::default()).await?;
    let name: String = session
        .account()
        .name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // As `elevate watch` and the tray run it against a tenant (`Opened::watch_options`).
    let options = WatchOptions {
        poller_lock: Some(folder.join(format!("watcher-{name}.lock"))),
        ..WatchOptions::default()
    };
    Ok(Watcher::spawn(
        Arc::new(session),
        Arc::new(SystemClock),
        options,
        events,
    ))
}

/// Calls per 1-second bucket from `from` to `to` (seconds since the start).
fn buckets(calls: &[Call], from: f64, to: f64, keep: impl Fn(&Call) -> bool) -> Vec<u64> {
    let n = (to - from).ceil().max(0.0) as usize;
    let mut b = vec![0u64; n];
    for c in calls.iter().filter(|c| keep(c)) {
        if c.at >= from && c.at < to {
            let i = (c.at - from) as usize;
            if let Some(slot) = b.get_mut(i) {
                *slot += 1;
            }
        }
    }
    b
}

fn mean(v: &[u64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<u64>() as f64 / v.len() as f64
    }
}

fn percentile(v: &[u64], p: f64) -> u64 {
    let mut s = v.to_vec();
    s.sort_unstable();
    if s.is_empty() {
        return 0;
    }
    let i = ((s.len() as f64 - 1.0) * p).round() as usize;
    s[i.min(s.len() - 1)]
}

fn percentile_f(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let i = ((s.len() as f64 - 1.0) * p).round() as usize;
    s[i.min(s.len() - 1)]
}

fn main() {
    let plan = plan();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let report = runtime.block_on(run(plan.clone()));
    println!("{report}");
    if let Some(out) = &plan.out {
        std::fs::write(out, &report).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
}

async fn run(plan: Plan) -> String {
    let sim = Arc::new(
        Simulator::start(SimConfig::default())
            .await
            .unwrap_or_else(|e| panic!("simulator: {e}")),
    );
    let url = sim.url();
    let base = url::Url::parse(&url).unwrap_or_else(|e| panic!("{e}"));
    let control = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let request = control.post(format!("{url}{path}")).json(&body);
        async move {
            let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
            let status = response.status();
            let body: Value = response.json().await.unwrap_or_default();
            assert!(status.is_success(), "control call failed: {status} {body}");
            body
        }
    };
    let fleet = post(
        "/_sim/fleet",
        json!({"count": plan.users, "approvers_every": plan.approvers_every, "hours": 8}),
    )
    .await;
    let users: Vec<(String, bool)> = fleet["users"]
        .as_array()
        .unwrap_or_else(|| panic!("no users in {fleet}"))
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap_or_default().to_owned(),
                u["approver"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let approvers = users.iter().filter(|u| u.1).count();
    let throttling = post(
        "/_sim/throttling",
        json!({
            "tenant": {"requests": plan.tenant.0, "window_secs": plan.tenant.1},
            "per_principal": {"requests": plan.principal.0, "window_secs": plan.principal.1},
        }),
    )
    .await;
    eprintln!(
        "fleet: {} users ({approvers} approvers), throttling {throttling}",
        users.len()
    );

    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let marks = Arc::new(Marks {
        start: Instant::now(),
        outage_start: OnceLock::new(),
        outage_end: OnceLock::new(),
    });
    let start_wall = Utc::now();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = CancellationToken::new();
    let snapshot = CancellationToken::new();
    let collector = tokio::spawn(collect(
        control.clone(),
        url.clone(),
        start_wall,
        Arc::clone(&calls),
        stop.clone(),
    ));
    let (events_tx, mut events_rx) = mpsc::channel(4096);
    let events = Arc::new(AtomicU64::new(0));
    let drain = tokio::spawn({
        let events = Arc::clone(&events);
        async move {
            while events_rx.recv().await.is_some() {
                events.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let mut tasks = Vec::with_capacity(users.len());
    for (n, (oid, _)) in users.iter().enumerate() {
        let delay = Duration::from_secs_f64(rand::random::<f64>() * plan.ramp as f64);
        tasks.push(tokio::spawn(run_user(
            Arc::clone(&sim),
            base.clone(),
            data.path().join(format!("user-{n:05}")),
            oid.clone(),
            delay,
            Arc::clone(&marks),
            Arc::clone(&seen),
            events_tx.clone(),
            snapshot.clone(),
            stop.clone(),
        )));
    }
    drop(events_tx);

    // Resources, sampled every 10 s.
    let resources = Arc::new(Mutex::new(Vec::<(f64, u64, u64, f64)>::new()));
    let sampler = tokio::spawn({
        let resources = Arc::clone(&resources);
        let stop = stop.clone();
        let start = marks.start;
        async move {
            loop {
                if let Ok(mut r) = resources.lock() {
                    r.push((
                        start.elapsed().as_secs_f64(),
                        rss_kib(),
                        threads(),
                        cpu_secs(),
                    ));
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(10)) => {}
                    () = stop.cancelled() => return,
                }
            }
        }
    });

    let at = |secs: u64| marks.start + Duration::from_secs(secs);
    tokio::time::sleep_until(at(plan.steady).into()).await;
    snapshot.cancel();
    post(
        "/_sim/faults",
        json!({"kind": "status", "status": 503, "count": u32::MAX}),
    )
    .await;
    let _ = marks.outage_start.set(Instant::now());
    eprintln!("outage from {:.0} s", marks.start.elapsed().as_secs_f64());
    tokio::time::sleep_until(at(plan.steady + plan.outage).into()).await;
    control
        .delete(format!("{url}/_sim/faults"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = marks.outage_end.set(Instant::now());
    eprintln!(
        "outage over at {:.0} s",
        marks.start.elapsed().as_secs_f64()
    );
    tokio::time::sleep_until(at(plan.steady + plan.outage + plan.after).into()).await;
    let cpu_end = cpu_secs();
    let wall = marks.start.elapsed().as_secs_f64();
    let throttled: Value = control
        .get(format!("{url}/_sim/throttling"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    stop.cancel();
    for task in tasks {
        let _ = task.await;
    }
    let _ = collector.await;
    let _ = sampler.await;
    let _ = drain.await;

    let calls = calls.lock().map(|c| c.clone()).unwrap_or_default();
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|e| e.into_inner()));
    let resources = resources.lock().map(|r| r.clone()).unwrap_or_default();
    let outage_start = marks
        .outage_start
        .get()
        .map_or(plan.steady as f64, |t| (*t - marks.start).as_secs_f64());
    let outage_end = marks
        .outage_end
        .get()
        .map_or((plan.steady + plan.outage) as f64, |t| {
            (*t - marks.start).as_secs_f64()
        });
    let report = Report {
        plan: &plan,
        calls: &calls,
        seen: &seen,
        resources: &resources,
        approvers,
        outage_start,
        outage_end,
        end: wall,
        cpu: cpu_end,
        throttled: throttled["throttled"].as_u64().unwrap_or(0),
        events: events.load(Ordering::Relaxed),
    };
    if let Some(raw) = &plan.raw {
        let per_second: Vec<Value> = report
            .series()
            .iter()
            .map(|(t, all, t429, t5xx)| json!([t, all, t429, t5xx]))
            .collect();
        let body = json!({"columns": ["second", "calls", "429", "5xx"], "seconds": per_second});
        std::fs::write(raw, body.to_string()).unwrap_or_else(|e| panic!("{}: {e}", raw.display()));
    }
    let text = report.render();
    drop(data);
    if let Ok(sim) = Arc::try_unwrap(sim) {
        sim.shutdown().await;
    }
    text
}

struct Report<'a> {
    plan: &'a Plan,
    calls: &'a [Call],
    seen: &'a Seen,
    resources: &'a [(f64, u64, u64, f64)],
    approvers: usize,
    outage_start: f64,
    outage_end: f64,
    end: f64,
    cpu: f64,
    throttled: u64,
    events: u64,
}

impl Report<'_> {
    /// Per second of the run: calls, 429s, 5xx.
    fn series(&self) -> Vec<(usize, u64, u64, u64)> {
        let all = buckets(self.calls, 0.0, self.end, |_| true);
        let t429 = buckets(self.calls, 0.0, self.end, |c| c.status == 429);
        let t5xx = buckets(self.calls, 0.0, self.end, |c| {
            c.status >= 500 || c.status == 0
        });
        (0..all.len())
            .map(|i| (i, all[i], t429[i], t5xx[i]))
            .collect()
    }

    fn phase_row(&self, name: &str, from: f64, to: f64) -> String {
        let b = buckets(self.calls, from, to, |_| true);
        let in_phase: Vec<&Call> = self
            .calls
            .iter()
            .filter(|c| c.at >= from && c.at < to)
            .collect();
        let t429 = in_phase.iter().filter(|c| c.status == 429).count();
        let t5xx = in_phase
            .iter()
            .filter(|c| c.status >= 500 || c.status == 0)
            .count();
        let ok = in_phase
            .iter()
            .filter(|c| (200..300).contains(&c.status))
            .count();
        let clock = |t: f64| format!("{}:{:02}", (t / 60.0) as u64, (t % 60.0) as u64);
        format!(
            "| {name} | {}–{} | {} | {ok} | {:.2} | {} | {} | {t429} | {t5xx} |",
            clock(from),
            clock(to),
            in_phase.len(),
            mean(&b),
            b.iter().max().copied().unwrap_or(0),
            percentile(&b, 0.99),
        )
    }

    fn render(&self) -> String {
        let p = self.plan;
        let mut out = Vec::new();
        // Five minutes after the last watcher started (each has polled everything once and
        // its grants a second time), or half-way through the rest of a shorter run.
        let steady_from = p.ramp as f64 + 300.0_f64.min((self.outage_start - p.ramp as f64) / 2.0);
        let steady = buckets(self.calls, steady_from, self.outage_start, |_| true);
        let steady_mean = mean(&steady);
        let users = p.users as f64;
        out.push(format!(
            "{} users ({} approvers: every {}th), each a real watcher (`WatchOptions` as `elevate watch` runs them against a tenant, own session, SQLite store, data folder, poller lock and token), started at random moments over the first {} s; one simulator over loopback HTTP, throttling per principal {} requests / {} s and tenant-wide {} / {} s; an outage (every ARM and Graph request answered 503) from {:.0} s to {:.0} s; {:.0} s in all, real clock.",
            p.users,
            self.approvers,
            p.approvers_every,
            p.ramp,
            p.principal.0,
            p.principal.1,
            p.tenant.0,
            p.tenant.1,
            self.outage_start,
            self.outage_end,
            self.end
        ));
        out.push(String::new());
        out.push("### Phases".into());
        out.push(String::new());
        out.push(
            "| phase | from–to (min:s) | calls | 2xx | mean / s | peak 1-s | p99 1-s | 429 | 5xx |"
                .into(),
        );
        out.push("|---|---|---:|---:|---:|---:|---:|---:|---:|".into());
        out.push(self.phase_row("ramp (watchers starting)", 0.0, p.ramp as f64));
        out.push(self.phase_row("steady (before the outage)", steady_from, self.outage_start));
        out.push(self.phase_row("outage", self.outage_start, self.outage_end));
        out.push(self.phase_row(
            "first 5 min after",
            self.outage_end,
            (self.outage_end + 300.0).min(self.end),
        ));
        out.push(self.phase_row("after the outage", self.outage_end, self.end));
        out.push(self.phase_row("whole run", 0.0, self.end));
        out.push(String::new());

        // Recovery: the trailing 60-s rate back at the steady mean.
        let after = buckets(self.calls, self.outage_end, self.end, |_| true);
        let mut back = None;
        for i in 60..=after.len() {
            let window: u64 = after[i - 60..i].iter().sum();
            if window as f64 / 60.0 >= steady_mean {
                back = Some(i);
                break;
            }
        }
        let first10 = &after[..after.len().min(600)];
        let peak_after = first10.iter().max().copied().unwrap_or(0);
        let steady_peak = steady.iter().max().copied().unwrap_or(0);
        let recovered = &self.seen.recovered;
        let noticed = &self.seen.recovered_noticed;
        out.push("### After the outage".into());
        out.push(String::new());
        out.push(format!(
            "- Steady mean before the outage: **{steady_mean:.2} calls/s** ({:.1} calls per user per hour); its peak 1-s bucket {steady_peak} ({:.1}× the mean).",
            steady_mean * 3600.0 / users,
            steady_peak as f64 / steady_mean.max(f64::MIN_POSITIVE)
        ));
        out.push(format!(
            "- Trailing 60-s rate back at that mean: {}.",
            back.map_or("not within the run".to_owned(), |s| format!(
                "**{s} s** after the outage ended"
            ))
        ));
        out.push(format!(
            "- Peak 1-s bucket in the first 10 minutes after: **{peak_after}** ({:.1}× the steady mean; a synchronized burst would be many times it).",
            peak_after as f64 / steady_mean.max(f64::MIN_POSITIVE)
        ));
        out.push(format!(
            "- Watchers that saw the outage (a poll with failures during it): {} of {}; their first poll without failures after it: {} watchers, median {:.0} s, p90 {:.0} s, last {:.0} s after the outage ended (all watchers' next clean poll: median {:.0} s, last {:.0} s).",
            self.seen.noticed_outage,
            self.seen.started,
            noticed.len(),
            percentile_f(noticed, 0.5),
            percentile_f(noticed, 0.9),
            percentile_f(noticed, 1.0),
            percentile_f(recovered, 0.5),
            percentile_f(recovered, 1.0),
        ));
        out.push(format!(
            "- Requests refused by the throttling budgets (simulator's count): {}.",
            self.throttled
        ));
        out.push(String::new());

        out.push("### Calls per minute".into());
        out.push(String::new());
        out.push("| minute | calls | per s | peak 1-s | 429 | 5xx |".into());
        out.push("|---:|---:|---:|---:|---:|---:|".into());
        let series = self.series();
        for (m, chunk) in series.chunks(60).enumerate() {
            let calls: u64 = chunk.iter().map(|c| c.1).sum();
            let peak = chunk.iter().map(|c| c.1).max().unwrap_or(0);
            let t429: u64 = chunk.iter().map(|c| c.2).sum();
            let t5xx: u64 = chunk.iter().map(|c| c.3).sum();
            let mark =
                if (m * 60) as f64 >= self.outage_start && ((m * 60) as f64) < self.outage_end {
                    " (outage)"
                } else {
                    ""
                };
            out.push(format!(
                "| {m}{mark} | {calls} | {:.2} | {peak} | {t429} | {t5xx} |",
                calls as f64 / chunk.len() as f64
            ));
        }
        out.push(String::new());

        out.push("### Steady calls by kind (per user per hour)".into());
        out.push(String::new());
        let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
        for c in self
            .calls
            .iter()
            .filter(|c| c.at >= steady_from && c.at < self.outage_start)
        {
            *kinds.entry(c.kind.as_str()).or_default() += 1;
        }
        let hours = (self.outage_start - steady_from) / 3600.0;
        let mut kinds: Vec<_> = kinds.into_iter().collect();
        kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
        out.push("| call | count | per user per hour |".into());
        out.push("|---|---:|---:|".into());
        for (kind, n) in kinds {
            out.push(format!(
                "| `{kind}` | {n} | {:.2} |",
                n as f64 / users / hours.max(f64::MIN_POSITIVE)
            ));
        }
        out.push(String::new());

        let grants = &self.seen.grants;
        let with_approvals = self.seen.approvals.iter().filter(|a| **a > 0).count();
        let peak_rss = self.resources.iter().map(|r| r.1).max().unwrap_or(0);
        let peak_threads = self.resources.iter().map(|r| r.2).max().unwrap_or(0);
        out.push("### The run".into());
        out.push(String::new());
        out.push(format!(
            "- Watchers started: {} of {}{}; at the outage each listed {}–{} active grants; {} saw requests waiting for their approval; events raised: {}.",
            self.seen.started,
            p.users,
            if self.seen.failed_to_start.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} failed to start, first: {})",
                    self.seen.failed_to_start.len(),
                    self.seen.failed_to_start[0]
                )
            },
            grants.iter().min().copied().unwrap_or(0),
            grants.iter().max().copied().unwrap_or(0),
            with_approvals,
            self.events,
        ));
        out.push(format!(
            "- The process (simulator and all watchers): peak RSS {:.0} MiB, peak {} threads, CPU {:.0} s in {:.0} s ({:.1} % of one core).",
            peak_rss as f64 / 1024.0,
            peak_threads,
            self.cpu,
            self.end,
            100.0 * self.cpu / self.end.max(1.0)
        ));
        out.join("\n")
    }
}
