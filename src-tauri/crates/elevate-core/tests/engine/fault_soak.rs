//! The fault soak: randomized, seeded fault schedules (429, 5xx, connection resets, latency,
//! truncated JSON, and faults after the effect — the simulator carries the request out and then
//! fails the reply) on activate, deactivate, extend, cancel, approve and deny, through the real
//! `Session` against the simulator over HTTP. After each operation Azure's side is read through the
//! simulator's control API (`/_sim/requests`, with no fault armed) and the outcome is classified:
//!
//! - **lost**: reported done, not done in Azure;
//! - **doubled**: two requests took effect for one operation;
//! - **wrongly reported**: reported failed, done in Azure. An error that says the operation *may*
//!   have been done (code `maybe-done`, see `Error::MaybeDone`) is honest, not wrong, and counted
//!   apart; it must not be said of an operation that was certainly not done either (that is
//!   `needless doubt`, also counted);
//! - **recovery**: how long an operation that met faults took, the slowest reported.
//!
//! `ELEVATE_SOAK_SCHEDULES` (default 50) sets how many schedules run; `ELEVATE_SOAK_SEED` the first
//! seed; `ELEVATE_SOAK_REPORT` a file the figures are written to (`scripts/soak.sh`).
//! Lost, doubled and wrongly reported must all be 0.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Fixture, fixture};
use elevate_core::auth::TokenSource;
use elevate_core::model::{ActiveGrant, Eligibility, RequestRecord, Source, Span, Ticket};
use elevate_core::session::{ActivationWish, Clients, Outcome, Session, SessionOptions};
use futures::StreamExt;
use serde_json::{Value, json};

/// splitmix64: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Op {
    Activate,
    Deactivate,
    Extend,
    Cancel,
    Approve,
    Deny,
}

const OPS: [Op; 6] = [
    Op::Activate,
    Op::Deactivate,
    Op::Extend,
    Op::Cancel,
    Op::Approve,
    Op::Deny,
];
const SOURCES: [Source; 3] = [Source::AzureResource, Source::EntraRole, Source::Group];

/// What one schedule found.
#[derive(Debug, Default, Clone)]
struct Finding {
    label: String,
    faults: Vec<Value>,
    reported: String,
    lost: bool,
    doubled: bool,
    wrong: bool,
    maybe: bool,
    needless_doubt: bool,
    faulted: bool,
    elapsed: Duration,
}

async fn session(f: &Fixture) -> Session {
    Session::connect(
        Clients {
            arm: Some(f.client_clone()),
            graph: Some(f.graph_clone()),
        },
        Arc::clone(&f.tokens) as Arc<dyn TokenSource>,
        None,
        SessionOptions {
            poll_interval: Duration::from_millis(100),
            reactivate_wait: Duration::from_secs(10),
            ..SessionOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The role and scope each source is exercised with: no approval for activate/deactivate/extend,
/// approval for cancel.
fn plain_target(source: Source) -> (&'static str, &'static str) {
    match source {
        Source::AzureResource => ("Contributor", "Contoso Development"),
        Source::EntraRole => ("Global Reader", "Directory"),
        Source::Group => ("member", "PIM-Prod-Operators"),
    }
}

fn approval_target(source: Source) -> (&'static str, &'static str) {
    match source {
        Source::AzureResource => ("Owner", "Contoso Production"),
        Source::EntraRole => ("User Administrator", "Directory"),
        Source::Group => ("owner", "PIM-Security-Admins"),
    }
}

async fn eligibility(s: &Session, (role, scope): (&str, &str), source: Source) -> Eligibility {
    s.roles(&[source])
        .await
        .items
        .into_iter()
        .find(|e| {
            e.role.name.eq_ignore_ascii_case(role) && e.scope.name.eq_ignore_ascii_case(scope)
        })
        .unwrap_or_else(|| panic!("{role} at {scope} is not eligible"))
}

async fn grant(s: &Session, (role, scope): (&str, &str), source: Source) -> Option<ActiveGrant> {
    s.active(&[source]).await.items.into_iter().find(|g| {
        g.role.name.eq_ignore_ascii_case(role) && g.scope.name.eq_ignore_ascii_case(scope)
    })
}

fn wish(hours: u64) -> ActivationWish {
    ActivationWish {
        duration: Some(Span::from_hours(hours)),
        justification: Some("fault soak".into()),
        ticket: Some(Ticket {
            system: "Soak".into(),
            number: "1".into(),
        }),
        ..ActivationWish::default()
    }
}

/// Every schedule request the simulator holds (ARM's and Graph's), from its control API.
async fn requests(f: &Fixture) -> Vec<Value> {
    let url = format!("{}/_sim/requests", f.sim.url());
    let all: Value = f
        .control
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    all.as_array().cloned().unwrap_or_default()
}

fn field<'a>(r: &'a Value, name: &str) -> &'a str {
    r["properties"][name]
        .as_str()
        .or_else(|| r[name].as_str())
        .unwrap_or_default()
}

fn name_of(r: &Value) -> String {
    r["name"]
        .as_str()
        .or_else(|| r["id"].as_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The kind (`selfactivate`, `selfdeactivate`…) and status of request `r`.
fn kind_status(r: &Value) -> (String, String) {
    let kind = if field(r, "requestType").is_empty() {
        field(r, "action")
    } else {
        field(r, "requestType")
    };
    (kind.to_ascii_lowercase(), field(r, "status").to_owned())
}

/// Whether `r` is about `e`'s role at its scope (by the ids in its wire form).
fn about(r: &Value, e: &Eligibility) -> bool {
    let text = r.to_string().to_ascii_lowercase();
    let last = |id: &str| {
        id.rsplit('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let role = last(&e.role.id);
    let scope = last(&e.scope.id);
    (role.is_empty() || text.contains(&role)) && (scope.is_empty() || text.contains(&scope))
}

/// The requests made during an operation (not in `before`) about `e`.
fn new_about(before: &[Value], after: &[Value], e: &Eligibility) -> Vec<(String, String)> {
    let old: Vec<String> = before.iter().map(name_of).collect();
    after
        .iter()
        .filter(|r| !old.contains(&name_of(r)) && about(r, e))
        .map(kind_status)
        .collect()
}

fn took_effect(status: &str) -> bool {
    matches!(
        status,
        "Provisioned"
            | "Granted"
            | "Revoked"
            | "PendingApproval"
            | "PendingProvisioning"
            | "Accepted"
    )
}

/// A random fault for an operation whose writes go to `write` (method, path fragment).
fn random_fault(rng: &mut Rng, write: (&str, &str)) -> Value {
    let kind = *rng.pick(&["throttle", "status", "reset", "latency", "malformed"]);
    let target = rng.below(3);
    let (method, path): (Option<&str>, Option<&str>) = match target {
        0 => (Some(write.0), Some(write.1)),
        1 => (Some("GET"), None),
        _ => (None, None),
    };
    let after_effect = method != Some("GET") && rng.below(2) == 0;
    let mut fault = json!({
        "kind": kind,
        "count": 1 + rng.below(2),
        "after_effect": after_effect,
    });
    if let Some(m) = method {
        fault["method"] = json!(m);
    }
    if let Some(p) = path {
        fault["path_contains"] = json!(p);
    }
    match kind {
        "status" => fault["status"] = json!(*rng.pick(&[500, 502, 503, 504])),
        "latency" => fault["latency_ms"] = json!(20 + rng.below(280)),
        "throttle" => fault["retry_after_secs"] = json!(rng.below(2)),
        _ => {}
    }
    fault
}

fn write_path(op: Op, source: Source) -> (&'static str, &'static str) {
    match (op, source) {
        (Op::Cancel, _) => ("POST", "/cancel"),
        (Op::Approve | Op::Deny, Source::AzureResource) => ("PUT", "roleAssignmentApprovals"),
        (Op::Approve | Op::Deny, Source::EntraRole) => ("PATCH", "/steps/"),
        (Op::Approve | Op::Deny, Source::Group) => ("PATCH", "/stages/"),
        (_, Source::AzureResource) => ("PUT", "roleAssignmentScheduleRequests"),
        (_, _) => ("POST", "assignmentScheduleRequests"),
    }
}

async fn clear_faults(f: &Fixture) {
    let url = format!("{}/_sim/faults", f.sim.url());
    f.control
        .delete(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// The request `record` as the simulator holds it.
fn held<'a>(all: &'a [Value], record: &RequestRecord) -> Option<&'a Value> {
    let id = record.id.to_ascii_lowercase();
    let name = record.name.to_ascii_lowercase();
    all.iter().find(|r| {
        let n = name_of(r);
        !n.is_empty() && (n == name || id.ends_with(&n))
    })
}

/// Runs schedule `seed`.
async fn schedule(seed: u64) -> Finding {
    let mut rng = Rng(seed);
    let op = *rng.pick(&OPS);
    // Extend applies to Azure and Entra roles and groups alike (deactivate + activate).
    let source = *rng.pick(&SOURCES);
    let f = fixture().await;
    let s = session(&f).await;
    let mut finding = Finding {
        label: format!("{op:?} {source:?}"),
        ..Finding::default()
    };

    // The set-up, without faults.
    let plain = plain_target(source);
    let approval = approval_target(source);
    let mut pending: Option<RequestRecord> = None;
    let mut active: Option<ActiveGrant> = None;
    let eligible = match op {
        Op::Activate => eligibility(&s, plain, source).await,
        Op::Deactivate | Op::Extend => {
            let e = eligibility(&s, plain, source).await;
            let r = s.activate(&e, &wish(1)).await;
            assert_eq!(r.outcome, Outcome::Done, "set-up: {r:?}");
            f.advance("PT6M").await;
            active = Some(
                grant(&s, plain, source)
                    .await
                    .unwrap_or_else(|| panic!("set-up: not active")),
            );
            e
        }
        Op::Cancel => {
            let e = eligibility(&s, approval, source).await;
            let r = s.activate(&e, &wish(1)).await;
            assert_eq!(r.outcome, Outcome::PendingApproval, "set-up: {r:?}");
            pending = r.request;
            e
        }
        Op::Approve | Op::Deny => {
            f.post("approval-requests", json!({})).await;
            let waiting = s.approvals().await.items;
            pending = waiting.into_iter().find(|r| r.source == source);
            eligibility(&s, plain, source).await
        }
    };
    let n = 1 + rng.below(3);
    for _ in 0..n {
        let fault = random_fault(&mut rng, write_path(op, source));
        f.fault(fault.clone()).await;
        finding.faults.push(fault);
    }
    f.clear_log().await;
    let before = requests(&f).await;

    // The operation, under the faults.
    let started = Instant::now();
    let (ok, report, maybe): (bool, String, bool) = match op {
        Op::Activate | Op::Deactivate | Op::Extend => {
            let r = match op {
                Op::Activate => s.activate(&eligible, &wish(2)).await,
                Op::Deactivate => {
                    s.deactivate(active.as_ref().unwrap_or_else(|| panic!("set-up")))
                        .await
                }
                _ => {
                    s.extend(
                        active.as_ref().unwrap_or_else(|| panic!("set-up")),
                        &wish(3),
                    )
                    .await
                }
            };
            let maybe = r.error.as_ref().is_some_and(|e| e.code == "maybe-done");
            let ok = matches!(
                r.outcome,
                Outcome::Done | Outcome::AlreadyActive | Outcome::PendingOther
            );
            (
                ok,
                format!("{:?} {:?}", r.outcome, r.error.map(|e| e.message)),
                maybe,
            )
        }
        Op::Cancel | Op::Approve | Op::Deny => {
            let record = pending
                .as_ref()
                .unwrap_or_else(|| panic!("set-up: no request"));
            let result = match op {
                Op::Cancel => s.cancel(record).await,
                _ => s.decide(record, op == Op::Approve, "fault soak").await,
            };
            let maybe = matches!(&result, Err(e) if e.code() == "maybe-done");
            (result.is_ok(), format!("{result:?}"), maybe)
        }
    };
    finding.elapsed = started.elapsed();
    finding.reported = report;
    finding.maybe = maybe;
    let log: Vec<Value> = f.log().await;
    finding.faulted = log.iter().any(|e| !e["fault"].is_null());

    // Azure's side, with no fault armed.
    clear_faults(&f).await;
    let after = requests(&f).await;
    let made = new_about(&before, &after, &eligible);
    let effective = |kind: &str| {
        made.iter()
            .filter(|(k, st)| k == kind && took_effect(st))
            .count()
    };
    let done = match op {
        Op::Activate => {
            finding.doubled = effective("selfactivate") > 1;
            effective("selfactivate") == 1
        }
        Op::Deactivate => {
            finding.doubled = effective("selfdeactivate") > 1;
            effective("selfdeactivate") == 1
        }
        Op::Extend => {
            finding.doubled = effective("selfactivate") > 1 || effective("selfdeactivate") > 1;
            // Done: the role is active again with a new activation. An error is honest when
            // nothing changed, or when it says the role is now off and it is.
            let now_on = grant(&s, plain, source).await.is_some();
            let reactivated = effective("selfactivate") == 1;
            if !ok {
                let said_off = finding.reported.contains("RoleNowOff")
                    || finding.reported.contains("is now off");
                let deactivated = effective("selfdeactivate") == 1;
                // Wrong: the role was switched off and not back on, and the report does not say so;
                // or the report says it is off while it is on.
                let silent = !said_off && !maybe;
                finding.wrong = (silent && ((deactivated && !now_on) || (reactivated && now_on)))
                    || (said_off && now_on);
            }
            ok && reactivated && now_on
        }
        Op::Cancel | Op::Approve | Op::Deny => {
            let record = pending.as_ref().unwrap_or_else(|| panic!("set-up"));
            let status = held(&after, record)
                .map(|r| field(r, "status").to_owned())
                .unwrap_or_default();
            match op {
                Op::Cancel => status == "Canceled",
                Op::Approve => matches!(
                    status.as_str(),
                    "Provisioned" | "Granted" | "PendingProvisioning"
                ),
                _ => status == "Denied",
            }
        }
    };
    finding.lost = ok && !done;
    if op != Op::Extend {
        finding.wrong = !ok && done && !maybe;
    }
    finding.needless_doubt = maybe && !done;
    finding
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_soak() {
    let count: u64 = std::env::var("ELEVATE_SOAK_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let first: u64 = std::env::var("ELEVATE_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_202);
    let started = Instant::now();
    let findings: Vec<Finding> = futures::stream::iter(first..first + count)
        .map(|seed| async move {
            let mut finding = schedule(seed).await;
            finding.label = format!("seed {seed}: {}", finding.label);
            finding
        })
        .buffer_unordered(6)
        .collect()
        .await;
    let total = started.elapsed();
    let lost: Vec<&Finding> = findings.iter().filter(|f| f.lost).collect();
    let doubled: Vec<&Finding> = findings.iter().filter(|f| f.doubled).collect();
    let wrong: Vec<&Finding> = findings.iter().filter(|f| f.wrong).collect();
    let maybe = findings.iter().filter(|f| f.maybe).count();
    let doubt: Vec<&Finding> = findings.iter().filter(|f| f.needless_doubt).collect();
    let faulted: Vec<&Finding> = findings.iter().filter(|f| f.faulted).collect();
    let slowest = faulted.iter().max_by_key(|f| f.elapsed);
    let mut per_op = std::collections::BTreeMap::<String, (u64, u64)>::new();
    for f in &findings {
        let op = f
            .label
            .split(": ")
            .nth(1)
            .unwrap_or_default()
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_owned();
        let entry = per_op.entry(op).or_default();
        entry.0 += 1;
        if f.reported.starts_with("Done")
            || f.reported.starts_with("Ok")
            || f.reported.starts_with("AlreadyActive")
        {
            entry.1 += 1;
        }
    }
    let mut report = format!(
        "| figure | value |\n|---|---|\n| schedules | {count} (seeds {first}..{}) |\n| operations that met a fault | {} |\n| lost (reported done, not in Azure) | {} |\n| doubled (two requests took effect) | {} |\n| wrongly reported (reported failed, done in Azure) | {} |\n| reported \"may have been done\" | {maybe} |\n| of those, not done (needless doubt) | {} |\n| slowest operation that met a fault | {} ms ({}) |\n| wall time | {} s |\n\n| operation | schedules | reported done |\n|---|---|---|\n",
        first + count - 1,
        faulted.len(),
        lost.len(),
        doubled.len(),
        wrong.len(),
        doubt.len(),
        slowest.map(|f| f.elapsed.as_millis()).unwrap_or(0),
        slowest.map(|f| f.label.as_str()).unwrap_or("-"),
        total.as_secs(),
    );
    for (op, (n, done)) in &per_op {
        report.push_str(&format!("| {op} | {n} | {done} |\n"));
    }
    println!("{report}");
    if let Ok(path) = std::env::var("ELEVATE_SOAK_REPORT") {
        std::fs::write(&path, &report).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let show = |what: &str, list: &[&Finding]| {
        list.iter()
            .map(|f| format!("{what} {}: {} under {:?}", f.label, f.reported, f.faults))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        lost.is_empty() && doubled.is_empty() && wrong.is_empty(),
        "{}\n{}\n{}",
        show("LOST", &lost),
        show("DOUBLED", &doubled),
        show("WRONG", &wrong)
    );
    assert!(doubt.len() <= maybe);
}
