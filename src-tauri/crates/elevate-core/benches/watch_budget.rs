//! Benchmark: what the grant watcher costs while nothing happens, with no grants and with five
//! activated grants: API calls per hour, polls per hour, wake-ups per minute.
//!
//! One simulated hour is run sixty times faster: the simulator's clock runs at ×60, the watcher
//! follows that clock, and every interval of the default `WatchOptions` is divided by 60. The
//! counts are those of the default options over one hour of their own time. Calls are counted
//! in the simulator's request log (every HTTP request the watcher made, all three sources).
//!
//! Run: `scripts/bench.sh` (or `cargo bench -p elevate-core --bench watch_budget -- --out FILE`).

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use elevate_core::arm::ArmClient;
use elevate_core::auth::TokenSource;
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::model::Span;
use elevate_core::session::{ActivationWish, Clients, Session, SessionOptions};
use elevate_core::store::Store;
use elevate_core::watch::{WatchOptions, Watcher};
use elevate_sim::{SimConfig, Simulator};
use support::{SimClock, sim_tokens};
use tokio::sync::mpsc;

const SPEED: f64 = 60.0;

fn scaled(options: WatchOptions) -> WatchOptions {
    let s = |d: Duration| d.div_f64(SPEED);
    WatchOptions {
        idle_poll: s(options.idle_poll),
        active_poll: s(options.active_poll),
        busy_poll: s(options.busy_poll),
        busy_for: s(options.busy_for),
        max_sleep: s(options.max_sleep),
        max_backoff: s(options.max_backoff),
        approvals_poll: s(options.approvals_poll),
        effect_timeout: s(options.effect_timeout),
        ..options
    }
}

async fn post(sim: &Simulator, path: &str, body: serde_json::Value) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(format!("{}/_sim/{path}", sim.url()))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    response.json().await.unwrap_or(serde_json::Value::Null)
}

async fn log_len(sim: &Simulator) -> usize {
    let value: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/_sim/log", sim.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(serde_json::Value::Null);
    value.as_array().map_or(0, Vec::len)
}

/// Runs the watcher for one (scaled) hour; returns (calls, polls, wake-ups).
async fn one_hour(grants: usize, approvals: bool) -> (usize, u64, u64) {
    let sim = Arc::new(
        Simulator::start(SimConfig::default())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let tokens: Arc<dyn TokenSource> = sim_tokens(&sim);
    let base = url::Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let http = HttpClient::new(RetryPolicy::default()).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("bench.db"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let session = Arc::new(
        Session::connect(
            Clients {
                arm: Some(ArmClient::new(
                    http.clone(),
                    base.clone(),
                    Arc::clone(&tokens),
                )),
                graph: Some(GraphClient::new(http, base, Arc::clone(&tokens))),
            },
            tokens,
            Some(store),
            SessionOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let roles = session.roles(&[]).await.items;
    let wanted = [
        ("Contributor", "Contoso Development"),
        ("Reader", "Contoso Platform"),
        ("Global Reader", "Directory"),
        ("Member", "PIM-Prod-Operators"),
        ("Member", "PIM-Security-Admins"),
    ];
    for (role, scope) in wanted.iter().take(grants) {
        let eligibility = roles
            .iter()
            .find(|e| e.role.name == *role && e.scope.name == *scope)
            .unwrap_or_else(|| panic!("{role} @ {scope}"));
        let wish = ActivationWish {
            duration: Some(Span::from_hours(4)),
            justification: Some("benchmark".into()),
            ..ActivationWish::default()
        };
        let result = session.activate(eligibility, &wish).await;
        assert!(result.error.is_none(), "{result:?}");
    }
    post(&sim, "clock", serde_json::json!({"scale": SPEED})).await;
    let (tx, mut rx) = mpsc::channel(64);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let before = log_len(&sim).await;
    let watcher = Watcher::spawn(
        Arc::clone(&session),
        Arc::new(SimClock(Arc::clone(&sim))),
        scaled(WatchOptions {
            approvals,
            ..WatchOptions::default()
        }),
        tx,
    );
    tokio::time::sleep(Duration::from_secs_f64(3600.0 / SPEED)).await;
    let stats = watcher.stats();
    watcher.shutdown().await;
    drain.abort();
    let calls = log_len(&sim).await - before;
    (calls, stats.polls, stats.wakeups)
}

fn main() {
    let out = std::env::args().skip_while(|a| a != "--out").nth(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut lines = vec![
        "The watcher over one hour with nothing happening (default `WatchOptions`, run at ×60: the simulator's clock and every interval scaled), all three sources configured. Each poll lists active grants and own requests (two calls per source); with approvals on it also lists the requests waiting for the user's approval (two more), and because the demo user is an approver with requests waiting, polls then come at least every minute so that a new request is noticed within one. Calls are HTTP requests the simulator received.".to_owned(),
        String::new(),
        "| approvals | activated grants | API calls per hour | polls per hour | wake-ups per minute |".to_owned(),
        "|---|---:|---:|---:|---:|".to_owned(),
    ];
    for (approvals, grants) in [(false, 0), (false, 5), (true, 0), (true, 5)] {
        let (calls, polls, wakeups) = runtime.block_on(one_hour(grants, approvals));
        lines.push(format!(
            "| {} | {grants} | {calls} | {polls} | {:.1} |",
            if approvals { "on" } else { "off" },
            wakeups as f64 / 60.0
        ));
    }
    lines.push(String::new());
    lines.push(format!(
        "Machine: {} cores; release profile (cargo bench).",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    ));
    let text = lines.join("\n");
    println!("{text}");
    if let Some(path) = out
        && let Err(e) = std::fs::write(&path, format!("{text}\n"))
    {
        eprintln!("cannot write {path}: {e}");
    }
}
