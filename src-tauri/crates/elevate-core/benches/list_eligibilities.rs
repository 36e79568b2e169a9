//! Benchmark: list and merge eligibilities from all three sources: 5,000 Azure resource roles (ARM),
//! 1,000 Entra roles and 1,000 PIM for Groups memberships (Graph), from paged responses.
//!
//! The simulator runs in this process on its own runtime and threads; the client runs on a
//! current-thread runtime on the main thread, and a counting allocator measures the heap of that thread
//! only (peak live bytes and allocations), so the simulator's own work is not counted.
//!
//! The counting allocator is the only unsafe code in the project (a `GlobalAlloc` must be).
//!
//! Run: `scripts/bench.sh` (or `cargo bench -p elevate-core --bench list_eligibilities`). Prints a
//! Markdown table; `--out FILE` also writes it there.

#![allow(unsafe_code)]

#[path = "support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use elevate_core::arm::ArmClient;
use elevate_core::auth::TokenSource;
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::session::{Clients, Session, SessionOptions};
use elevate_core::store::Store;
use elevate_sim::{SimConfig, Simulator};
use support::sim_tokens;

thread_local! {
    static TRACK: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: delegates to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as i64);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as i64));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as i64 - layout.size() as i64);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn note(delta: i64) {
    let _ = TRACK.try_with(|t| {
        if t.get() {
            LIVE.with(|l| {
                let now = l.get() + delta;
                l.set(now);
                PEAK.with(|p| p.set(p.get().max(now)));
            });
            if delta > 0 {
                COUNT.with(|c| c.set(c.get() + 1));
            }
        }
    });
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn track<T>(f: impl FnOnce() -> T) -> (T, i64, u64) {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    COUNT.with(|c| c.set(0));
    TRACK.with(|t| t.set(true));
    let out = f();
    TRACK.with(|t| t.set(false));
    (out, PEAK.with(Cell::get), COUNT.with(Cell::get))
}

const ELIGIBILITIES: usize = 5_000;
const ENTRA_ROLES: usize = 1_000;
const GROUPS: usize = 1_000;
const RUNS: usize = 7;

fn main() {
    let out = std::env::args().skip_while(|a| a != "--out").nth(1);
    let sim_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut lines = vec![
        format!("Listing and merging {ELIGIBILITIES} Azure resource role, {ENTRA_ROLES} Entra role and {GROUPS} group eligibilities (+ the demo tenant's) from the simulator over loopback HTTP, median of {RUNS} runs. The session lists the three sources concurrently, sorts, and caches everything to SQLite; peak heap and allocations are the session's, on the client thread."),
        String::new(),
        "| page size | pages (ARM + Graph) | ARM list (client) | Entra list (client) | groups list (client) | roles (session, all three) | peak heap | allocations |".to_owned(),
        "|---:|---:|---:|---:|---:|---:|---:|---:|".to_owned(),
    ];
    for page_size in [100, 1000] {
        let sim = sim_rt.block_on(async {
            let sim = Simulator::start(SimConfig {
                page_size,
                ..SimConfig::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            let url = format!("{}/_sim/bulk-eligibilities", sim.url());
            for (count, source) in [
                (ELIGIBILITIES, "azure-resource"),
                (ENTRA_ROLES, "entra-role"),
                (GROUPS, "group"),
            ] {
                let status = reqwest::Client::new()
                    .post(&url)
                    .json(&serde_json::json!({"count": count, "source": source}))
                    .send()
                    .await
                    .map(|r| r.status());
                assert!(
                    status.as_ref().is_ok_and(|s| s.is_success()),
                    "bulk add failed: {status:?}"
                );
            }
            Arc::new(sim)
        });
        let client_rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let base = url::Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}"));
        let tokens: Arc<dyn TokenSource> = sim_tokens(&sim);
        let client = ArmClient::new(
            HttpClient::new(RetryPolicy::default()).unwrap_or_else(|e| panic!("{e}")),
            base.clone(),
            Arc::clone(&tokens),
        );

        let graph = || {
            GraphClient::new(
                HttpClient::new(RetryPolicy::default()).unwrap_or_else(|e| panic!("{e}")),
                base.clone(),
                Arc::clone(&tokens),
            )
        };
        let graph_client = graph();

        let mut list_times = Vec::new();
        let mut count = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let items = client_rt.block_on(client.eligibilities());
            list_times.push(started.elapsed());
            count = items.unwrap_or_else(|e| panic!("{e}")).len();
        }
        assert!(count >= ELIGIBILITIES, "listed {count}");
        let mut entra_times = Vec::new();
        let mut entra_count = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let items = client_rt.block_on(graph_client.directory_eligibilities());
            entra_times.push(started.elapsed());
            entra_count = items.unwrap_or_else(|e| panic!("{e}")).len();
        }
        assert!(entra_count >= ENTRA_ROLES, "listed {entra_count}");
        let mut group_times = Vec::new();
        let mut group_count = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let items = client_rt.block_on(graph_client.group_eligibilities());
            group_times.push(started.elapsed());
            group_count = items.unwrap_or_else(|e| panic!("{e}")).len();
        }
        assert!(group_count >= GROUPS, "listed {group_count}");

        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = client_rt
            .block_on(Store::open(&dir.path().join("bench.db")))
            .unwrap_or_else(|e| panic!("{e}"));
        let arm = ArmClient::new(
            HttpClient::new(RetryPolicy::default()).unwrap_or_else(|e| panic!("{e}")),
            base.clone(),
            Arc::clone(&tokens),
        );
        let session = client_rt
            .block_on(Session::connect(
                Clients {
                    arm: Some(arm),
                    graph: Some(graph()),
                },
                tokens,
                Some(store),
                SessionOptions::default(),
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut session_times = Vec::new();
        let (mut peak, mut allocs, mut merged) = (0, 0, 0);
        for run in 0..RUNS {
            let started = Instant::now();
            let (listing, p, a) = track(|| client_rt.block_on(session.roles(&[])));
            session_times.push(started.elapsed());
            assert!(listing.failures.is_empty(), "{:?}", listing.failures);
            merged = listing.items.len();
            if run == RUNS - 1 {
                (peak, allocs) = (p, a);
            }
        }
        assert_eq!(merged, count + entra_count + group_count);
        lines.push(format!(
            "| {page_size} | {} + {} | {} | {} | {} | {} | {:.1} MiB | {allocs} |",
            count.div_ceil(page_size),
            entra_count.div_ceil(page_size) + group_count.div_ceil(page_size),
            ms(median(&mut list_times)),
            ms(median(&mut entra_times)),
            ms(median(&mut group_times)),
            ms(median(&mut session_times)),
            peak as f64 / (1024.0 * 1024.0)
        ));
    }
    lines.push(String::new());
    lines.push(format!(
        "Machine: {} cores; {}.",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        rustc_and_os()
    ));
    let text = lines.join("\n");
    println!("{text}");
    if let Some(path) = out
        && let Err(e) = std::fs::write(&path, format!("{text}\n"))
    {
        eprintln!("cannot write {path}: {e}");
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn rustc_and_os() -> String {
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("PRETTY_NAME=")).map(|l| {
                l.trim_start_matches("PRETTY_NAME=")
                    .trim_matches('"')
                    .to_owned()
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    format!("{os}, release profile (cargo bench)")
}
