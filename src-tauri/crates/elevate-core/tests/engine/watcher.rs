//! The watcher against the simulator over real HTTP, following the simulator's controllable clock:
//! warnings at their offsets, the end, revoke, approve, deny, effective, made elsewhere, a late
//! warning after a jump, a clock going back, and a restart that repeats nothing. An activation at
//! a resource group is effective only once the simulator's permissions show it (after its
//! propagation delay), or after the limit, or after failed checks; at a subscription at once.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{Fixture, fixture};
use elevate_core::auth::TokenSource;
use elevate_core::model::{Eligibility, Span};
use elevate_core::session::{ActivationWish, Clients, Session, SessionOptions};
use elevate_core::store::Store;
use elevate_core::watch::{Clock, EffectCheck, WatchEvent, WatchOptions, Watcher};
use elevate_sim::Simulator;
use serde_json::json;
use tokio::sync::mpsc;

/// The simulator's clock, read in process.
struct SimClock(Arc<Simulator>);

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
    fn rate(&self) -> f64 {
        self.0.clock_scale()
    }
}

fn quick(approvals: bool) -> WatchOptions {
    WatchOptions {
        idle_poll: Duration::from_millis(150),
        active_poll: Duration::from_millis(100),
        busy_poll: Duration::from_millis(50),
        max_sleep: Duration::from_millis(50),
        approvals_poll: Duration::from_millis(100),
        requests_poll: Duration::from_millis(150),
        approvals_discovery: Duration::from_millis(150),
        approvals,
        ..WatchOptions::default()
    }
}

struct Watch {
    f: Fixture,
    session: Arc<Session>,
    store_dir: tempfile::TempDir,
    watcher: Option<Watcher>,
    events: mpsc::Receiver<WatchEvent>,
    approvals: bool,
}

async fn session(f: &Fixture, store: Store) -> Arc<Session> {
    Arc::new(
        Session::connect(
            Clients {
                arm: Some(f.client_clone()),
                graph: Some(f.graph_clone()),
            },
            Arc::clone(&f.tokens) as Arc<dyn TokenSource>,
            Some(store),
            SessionOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}")),
    )
}

impl Watch {
    async fn start() -> Watch {
        Watch::start_with(false).await
    }

    async fn start_with(approvals: bool) -> Watch {
        let f = fixture().await;
        let store_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&store_dir.path().join("elevate.db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let session = session(&f, store).await;
        let (watcher, events) = spawn(&f, &session, approvals);
        let mut w = Watch {
            f,
            session,
            store_dir,
            watcher: Some(watcher),
            events,
            approvals,
        };
        w.settle().await;
        w
    }

    /// Waits until the watcher has polled at least twice more (so it has seen the present).
    async fn settle(&mut self) {
        let Some(watcher) = &self.watcher else { return };
        let target = watcher.stats().polls + 2;
        for _ in 0..200 {
            if watcher.stats().polls >= target {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the watcher does not poll");
    }

    /// The next event about grants and requests (the ends of eligibilities, which the demo
    /// tenant has, are `more_time`'s subject and skipped here).
    async fn next(&mut self) -> WatchEvent {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.events.recv()).await {
                Ok(Some(event)) if is_end_notice(&event) => {}
                Ok(Some(event)) => return event,
                other => panic!("no event: {other:?}"),
            }
        }
    }

    /// Nothing more arrives for a while (ends of eligibilities aside).
    async fn quiet(&mut self) {
        let until = tokio::time::Instant::now() + Duration::from_millis(600);
        while let Ok(Some(event)) = tokio::time::timeout_at(until, self.events.recv()).await {
            if !is_end_notice(&event) {
                panic!("unexpected {event:?}");
            }
        }
    }

    async fn role(&self, role: &str, scope: &str) -> Eligibility {
        let listing = self.session.roles(&[]).await;
        listing
            .items
            .into_iter()
            .find(|e| e.role.name == role && e.scope.name == scope)
            .unwrap_or_else(|| panic!("{role} @ {scope} not eligible"))
    }

    async fn activate(&self, role: &str, scope: &str, hours: u64) {
        let eligibility = self.role(role, scope).await;
        let wish = ActivationWish {
            duration: Some(Span::from_hours(hours)),
            justification: Some("watch test".into()),
            ticket: Some(elevate_core::model::Ticket {
                system: "SN".into(),
                number: "CHG1".into(),
            }),
            ..ActivationWish::default()
        };
        let result = self.session.activate(&eligibility, &wish).await;
        assert!(result.error.is_none(), "{result:?}");
        if let Some(w) = &self.watcher {
            w.poke();
        }
    }

    async fn restart(&mut self) {
        if let Some(w) = self.watcher.take() {
            w.shutdown().await;
        }
        let store = Store::open(&self.store_dir.path().join("elevate.db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        self.session = session(&self.f, store).await;
        let (watcher, events) = spawn(&self.f, &self.session, self.approvals);
        self.watcher = Some(watcher);
        self.events = events;
        self.settle().await;
    }
}

fn spawn(
    f: &Fixture,
    session: &Arc<Session>,
    approvals: bool,
) -> (Watcher, mpsc::Receiver<WatchEvent>) {
    let (tx, rx) = mpsc::channel(64);
    let watcher = Watcher::spawn(
        Arc::clone(session),
        Arc::new(SimClock(Arc::clone(&f.sim))),
        quick(approvals),
        tx,
    );
    (watcher, rx)
}

fn is_end_notice(event: &WatchEvent) -> bool {
    matches!(
        event,
        WatchEvent::HoldingEnds { .. } | WatchEvent::HoldingEnded { .. }
    )
}

fn describe(event: &WatchEvent) -> String {
    let name = match event {
        WatchEvent::ExpiresSoon { offset_minutes, .. } => format!("expires-soon({offset_minutes})"),
        WatchEvent::Ended { .. } => "ended".into(),
        WatchEvent::Revoked { .. } => "revoked".into(),
        WatchEvent::Effective { .. } => "effective".into(),
        WatchEvent::Appeared { .. } => "appeared".into(),
        WatchEvent::Approved { .. } => "approved".into(),
        WatchEvent::Denied { .. } => "denied".into(),
        WatchEvent::Canceled { .. } => "canceled".into(),
        WatchEvent::Failed { .. } => "failed".into(),
        WatchEvent::ApprovalWaiting { .. } => "approval-waiting".into(),
        WatchEvent::NowOff { .. } => "now-off".into(),
        WatchEvent::HoldingEnds {
            offset_days,
            target,
            ..
        } => {
            format!("holding-ends({},{offset_days}d)", target.holding.as_str())
        }
        WatchEvent::HoldingEnded { target, .. } => {
            format!("holding-ended({})", target.holding.as_str())
        }
    };
    let role = match event {
        WatchEvent::Approved { request }
        | WatchEvent::Denied { request }
        | WatchEvent::Canceled { request }
        | WatchEvent::Failed { request }
        | WatchEvent::ApprovalWaiting { request } => request.role.name.clone(),
        other => other
            .grant()
            .map(|g| g.role.name.clone())
            .unwrap_or_default(),
    };
    format!("{name} {role}")
}

#[tokio::test]
async fn warns_at_each_offset_then_ends_and_a_restart_repeats_nothing() {
    let mut w = Watch::start().await;
    w.activate("Contributor", "Contoso Development", 1).await;
    let listed = w.next().await;
    assert_eq!(describe(&listed), "effective Contributor");
    // No check exists: it says what is known, and the fix, never "effective".
    assert!(
        matches!(
            listed,
            WatchEvent::Effective {
                check: EffectCheck::NoCheck,
                ..
            }
        ),
        "{listed:?}"
    );
    assert_eq!(listed.title(), "Contributor is active in Azure");
    let body = listed.body();
    assert!(
        body.contains("may need a new token, which can take up to an hour")
            && body.contains("az login"),
        "{body}"
    );
    assert!(!body.contains("effective") && !listed.title().contains("effective"));

    w.f.advance("PT45M5S").await;
    let warning = w.next().await;
    assert_eq!(describe(&warning), "expires-soon(15) Contributor");
    match &warning {
        WatchEvent::ExpiresSoon { minutes_left, .. } => {
            assert!((14..=15).contains(minutes_left), "{warning:?}")
        }
        other => panic!("{other:?}"),
    }
    w.quiet().await;

    w.restart().await;
    w.quiet().await;

    w.f.advance("PT10M").await;
    assert_eq!(describe(&w.next().await), "expires-soon(5) Contributor");
    // The clock goes back and forth again: nothing is shown twice.
    w.f.advance("-PT8M").await;
    w.f.advance("PT8M").await;
    w.quiet().await;

    w.f.advance("PT5M").await;
    assert_eq!(describe(&w.next().await), "ended Contributor");
    w.quiet().await;
}

#[tokio::test]
async fn a_warning_missed_during_a_jump_is_shown_once_late_and_only_the_nearest() {
    let mut w = Watch::start().await;
    w.activate("Global Reader", "Directory", 1).await;
    assert_eq!(describe(&w.next().await), "effective Global Reader");
    w.f.advance("PT57M").await;
    assert_eq!(describe(&w.next().await), "expires-soon(5) Global Reader");
    w.quiet().await;
}

#[tokio::test]
async fn revoked_approved_denied_and_made_elsewhere() {
    let mut w = Watch::start().await;

    w.activate("Member", "PIM-Prod-Operators", 1).await;
    let mut seen = vec![describe(&w.next().await)];
    // The group's Azure role appears with the membership (it was not asked for as such).
    seen.push(describe(&w.next().await));
    seen.sort();
    assert_eq!(seen, ["appeared Contributor", "effective Member"]);
    w.f.post(
        "revoke",
        json!({"group_id": elevate_sim::demo::PIM_GROUP_PROD_OPERATORS}),
    )
    .await;
    let mut gone = vec![describe(&w.next().await), describe(&w.next().await)];
    gone.sort();
    assert_eq!(gone, ["revoked Contributor", "revoked Member"]);

    w.activate("Owner", "Contoso Production", 1).await;
    w.settle().await;
    let pending = w.session.requests(&[]).await;
    let owner = pending
        .items
        .iter()
        .find(|r| r.role.name == "Owner")
        .unwrap_or_else(|| panic!("{pending:?}"));
    w.f.post(
        &format!("requests/{}/approve", owner.name),
        json!({"justification": "ok"}),
    )
    .await;
    assert_eq!(describe(&w.next().await), "approved Owner");
    assert_eq!(describe(&w.next().await), "effective Owner");

    w.activate("User Administrator", "Directory", 1).await;
    w.settle().await;
    let pending = w.session.requests(&[]).await;
    let admin = pending
        .items
        .iter()
        .find(|r| r.role.name == "User Administrator")
        .unwrap_or_else(|| panic!("{pending:?}"));
    w.f.post(
        &format!("requests/{}/deny", admin.name),
        json!({"justification": "not now"}),
    )
    .await;
    assert_eq!(describe(&w.next().await), "denied User Administrator");

    // Activated with the client directly, as another tool would: not this machine's doing.
    let reader = w.role("Reader", "Contoso Platform").await;
    let request = elevate_core::model::ActivationRequest {
        duration: Span::from_hours(1),
        justification: Some("elsewhere".into()),
        ticket: None,
        start: None,
        narrower_scope: None,
    };
    w.f.client
        .activate(&reader, &request, &w.f.oid(), uuid::Uuid::new_v4(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(describe(&w.next().await), "appeared Reader");
    w.quiet().await;
}

#[tokio::test]
async fn requests_waiting_for_my_approval_are_announced_once_and_decided_from_here() {
    let mut w = Watch::start_with(true).await;
    // The demo tenant starts with three of Grace Hopper's requests waiting for Ada: Owner at Contoso
    // Production (Azure), owner of PIM-Security-Admins (group), User Administrator (Entra).
    let mut first = vec![
        describe(&w.next().await),
        describe(&w.next().await),
        describe(&w.next().await),
    ];
    first.sort();
    assert_eq!(
        first,
        [
            "approval-waiting Owner",
            "approval-waiting Owner",
            "approval-waiting User Administrator"
        ]
    );
    w.quiet().await;
    w.restart().await;
    w.quiet().await;

    let waiting = w.session.approvals().await;
    assert!(waiting.failures.is_empty(), "{:?}", waiting.failures);
    let admin = waiting
        .items
        .iter()
        .find(|r| r.role.name == "User Administrator")
        .unwrap_or_else(|| panic!("{waiting:?}"));
    assert_eq!(admin.principal_name.as_deref(), Some("Grace Hopper"));
    assert!(
        w.session.decide(admin, true, " ").await.is_err(),
        "a reason is required"
    );
    w.session
        .decide(admin, true, "onboarding is planned")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    match w.session.decide(admin, false, "too late").await {
        Err(elevate_core::Error::AlreadyDecided) => {}
        other => panic!("a second decision is refused as already decided: {other:?}"),
    }
    // The Azure resource role request, through roleAssignmentApprovals.
    let azure = waiting
        .items
        .iter()
        .find(|r| r.source == elevate_core::model::Source::AzureResource)
        .unwrap_or_else(|| panic!("{waiting:?}"));
    assert_eq!(
        (azure.role.name.as_str(), azure.scope.name.as_str()),
        ("Owner", "Contoso Production")
    );
    assert_eq!(azure.principal_name.as_deref(), Some("Grace Hopper"));
    w.session
        .decide(azure, false, "use the incident process")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        w.session.decide(azure, true, "changed my mind").await,
        Err(elevate_core::Error::AlreadyDecided)
    ));

    // Grace asks again (Entra role and Azure role; the group request is still pending): both are
    // announced, once.
    w.f.post("approval-requests", json!({})).await;
    let mut again = vec![describe(&w.next().await), describe(&w.next().await)];
    again.sort();
    assert_eq!(
        again,
        [
            "approval-waiting Owner",
            "approval-waiting User Administrator"
        ]
    );
    w.quiet().await;
}

/// Calls the simulator received for the caller's permissions.
async fn permission_calls(f: &Fixture) -> usize {
    f.log()
        .await
        .iter()
        .filter(|l| {
            l["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/providers/Microsoft.Authorization/permissions"))
        })
        .count()
}

/// Azure applies new role assignments `seconds` (simulated) after they start.
async fn propagation(w: &Watch, seconds: u64) {
    w.f.post(
        "settings",
        json!({ "permission_propagation_seconds": seconds }),
    )
    .await;
}

#[tokio::test]
async fn an_activation_at_a_resource_group_is_effective_once_azure_applies_it() {
    let mut w = Watch::start().await;
    propagation(&w, 120).await;
    w.activate("Contributor", "rg-web-prod", 1).await;
    // Listed as active at once, but not in the permissions for two minutes: nothing yet.
    w.quiet().await;
    assert!(
        permission_calls(&w.f).await > 1,
        "the watcher asks on each poll"
    );
    w.f.advance("PT1M").await;
    w.quiet().await;
    w.f.advance("PT1M1S").await;
    let effective = w.next().await;
    assert_eq!(describe(&effective), "effective Contributor");
    assert_eq!(
        effective.grant().map(|g| g.scope.name.as_str()),
        Some("rg-web-prod")
    );
    // Checked: it may say "effective".
    assert!(
        matches!(
            effective,
            WatchEvent::Effective {
                check: EffectCheck::Confirmed,
                ..
            }
        ),
        "{effective:?}"
    );
    assert_eq!(effective.title(), "Contributor is effective");
    w.quiet().await;
    let checks = w.watcher.as_ref().map(|w| w.stats().effect_checks);
    assert!(checks.is_some_and(|c| c > 1), "{checks:?}");

    // Nothing awaits effect any more: no more permission calls, and a restart repeats nothing.
    w.f.clear_log().await;
    w.settle().await;
    w.settle().await;
    assert_eq!(permission_calls(&w.f).await, 0);
    w.restart().await;
    w.quiet().await;
    assert_eq!(permission_calls(&w.f).await, 0);
}

#[tokio::test]
async fn an_activation_at_a_subscription_is_effective_from_the_listing() {
    let mut w = Watch::start().await;
    propagation(&w, 120).await;
    w.f.clear_log().await;
    w.activate("Contributor", "Contoso Development", 1).await;
    assert_eq!(describe(&w.next().await), "effective Contributor");
    w.quiet().await;
    assert_eq!(
        permission_calls(&w.f).await,
        0,
        "no permissions list is documented at a subscription"
    );
    let checks = w.watcher.as_ref().map(|w| w.stats().effect_checks);
    assert_eq!(checks, Some(0), "nothing awaited effect");
}

#[tokio::test]
async fn an_activation_awaiting_effect_is_taken_up_again_after_a_restart() {
    let mut w = Watch::start().await;
    propagation(&w, 120).await;
    w.activate("Contributor", "rg-web-prod", 1).await;
    w.quiet().await;
    w.restart().await;
    w.quiet().await;
    w.f.advance("PT2M1S").await;
    assert_eq!(describe(&w.next().await), "effective Contributor");
    w.quiet().await;
}

#[tokio::test]
async fn an_activation_revoked_before_it_applies_is_never_reported_effective() {
    let mut w = Watch::start().await;
    propagation(&w, 120).await;
    w.activate("Contributor", "rg-web-prod", 1).await;
    w.quiet().await;
    w.f.post(
        "revoke",
        json!({
            "role_definition_id": elevate_sim::demo::ROLE_CONTRIBUTOR,
            "scope": elevate_sim::demo::SCOPE_RG_WEB_PROD,
        }),
    )
    .await;
    assert_eq!(describe(&w.next().await), "revoked Contributor");
    w.f.advance("PT2M1S").await;
    w.quiet().await;
    w.f.clear_log().await;
    w.settle().await;
    assert_eq!(permission_calls(&w.f).await, 0, "nothing awaits effect");
}

#[tokio::test]
async fn an_activation_azure_never_confirms_is_reported_once_after_the_limit() {
    let mut w = Watch::start().await;
    propagation(&w, 86_400).await;
    w.activate("Contributor", "rg-web-prod", 1).await;
    w.quiet().await;
    w.f.advance("PT9M").await;
    w.quiet().await;
    // `effect_timeout` is 10 minutes of the watcher's clock.
    w.f.advance("PT1M1S").await;
    let unconfirmed = w.next().await;
    assert_eq!(describe(&unconfirmed), "effective Contributor");
    // Not confirmed: said as such, never "effective".
    assert!(matches!(
        unconfirmed,
        WatchEvent::Effective {
            check: EffectCheck::NotConfirmed,
            ..
        }
    ));
    assert_eq!(unconfirmed.title(), "Contributor is active in Azure");
    assert!(
        unconfirmed.body().contains("has not confirmed"),
        "{}",
        unconfirmed.body()
    );
    w.quiet().await;
}

#[tokio::test]
async fn an_activation_whose_check_keeps_failing_is_reported_once() {
    let mut w = Watch::start().await;
    propagation(&w, 86_400).await;
    w.f.fault(json!({"method": "GET", "path_contains": "Authorization/permissions", "kind": "status", "status": 500, "count": 1000}))
        .await;
    w.activate("Contributor", "rg-web-prod", 1).await;
    assert_eq!(describe(&w.next().await), "effective Contributor");
    w.quiet().await;
    let failed =
        w.f.log()
            .await
            .iter()
            .filter(|l| {
                l["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("/Microsoft.Authorization/permissions"))
                    && l["status"] == 500
            })
            .count();
    assert_eq!(
        failed,
        3 * elevate_core::http::BACKGROUND_ATTEMPTS as usize,
        "three checks, each tried twice by the HTTP layer (a poll is background work)"
    );
}

/// The next end notice (or decision) about `role`, skipping everything else.
async fn next_about(w: &mut Watch, role: &str, want: fn(&WatchEvent) -> bool) -> WatchEvent {
    let until = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        match tokio::time::timeout_at(until, w.events.recv()).await {
            Ok(Some(event)) if want(&event) && describe(&event).ends_with(role) => return event,
            Ok(Some(event)) if want(&event) => match &event {
                WatchEvent::HoldingEnds { target, .. }
                | WatchEvent::HoldingEnded { target, .. }
                    if target.role.name == role =>
                {
                    return event;
                }
                _ => {}
            },
            Ok(Some(_)) => {}
            other => panic!("no event about {role}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_eligibility_ending_is_announced_14_days_and_1_day_before_and_its_extension_request_followed()
 {
    use elevate_core::model::{Expiring, MoreTime};
    let mut w = Watch::start().await;
    let role = "Contoso Incident Responder";
    let ends = |e: &WatchEvent| matches!(e, WatchEvent::HoldingEnds { .. });
    let first = next_about(&mut w, role, ends).await;
    let WatchEvent::HoldingEnds {
        target,
        days_left,
        offset_days,
        ..
    } = &first
    else {
        unreachable!()
    };
    assert_eq!((*offset_days, *days_left), (14, 10), "{first:?}");
    assert!(
        first.body().contains("Request extension"),
        "{}",
        first.body()
    );
    let target = target.clone();

    // Nine and a half days later (the simulator's clock): the 1-day notice, once.
    w.f.advance("P9DT12H").await;
    if let Some(watcher) = &w.watcher {
        watcher.poke();
    }
    let second = next_about(&mut w, role, ends).await;
    assert!(
        matches!(
            second,
            WatchEvent::HoldingEnds {
                offset_days: 1,
                days_left: 1,
                ..
            }
        ),
        "{second:?}"
    );

    // The request filed from the notice is followed like any other: approved.
    let asked = w
        .session
        .request_extension(
            &Expiring::from(&w.role(role, "Contoso Production").await),
            MoreTime::Extend,
            Span::from_hours(24 * 90),
            "on call",
        )
        .await;
    let request = asked.request.unwrap_or_else(|| panic!("{:?}", asked.error));
    assert_eq!(target.key, request.key);
    w.f.post(
        &format!("requests/{}/approve", request.name),
        serde_json::json!({}),
    )
    .await;
    if let Some(watcher) = &w.watcher {
        watcher.poke();
    }
    let decided = next_about(&mut w, role, |e| matches!(e, WatchEvent::Approved { .. })).await;
    assert!(
        matches!(&decided, WatchEvent::Approved { request: r } if r.name == request.name),
        "{decided:?}"
    );
    // Shown once: a restart does not repeat the notices or the decision.
    w.restart().await;
    let until = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(Some(event)) = tokio::time::timeout_at(until, w.events.recv()).await {
        let about = match &event {
            WatchEvent::HoldingEnds { target, .. } | WatchEvent::HoldingEnded { target, .. } => {
                target.role.name == role
            }
            other => describe(other).ends_with(role),
        };
        assert!(!about, "shown again: {event:?}");
    }
}

/// The request for `role` among the user's own, as Azure lists it now.
async fn own_request(w: &Watch, role: &str) -> elevate_core::model::RequestRecord {
    let listing = w.session.requests(&[]).await;
    listing
        .items
        .into_iter()
        .find(|r| r.role.name == role && r.status.is_pending())
        .unwrap_or_else(|| panic!("no pending request for {role}"))
}

/// Log entries whose path and query contain each of `parts`, as `(method, status)`.
async fn calls_to(f: &Fixture, parts: &[&str]) -> Vec<(String, u64)> {
    f.log()
        .await
        .iter()
        .filter(|e| {
            let path = e["path"].as_str().unwrap_or_default();
            let query = e["query"].as_str().unwrap_or_default();
            let line = format!("{path}?{query}");
            parts.iter().all(|p| line.contains(p))
        })
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_decision_names_the_approver_and_quotes_their_reason_where_azure_lets_the_requester_read_it()
 {
    use elevate_sim::demo;
    let mut w = Watch::start().await;

    // ARM: the requester may read their own approval (the approvals API lists by asCreatedBy()).
    w.activate("Owner", "Contoso Production", 1).await;
    w.settle().await;
    let owner = own_request(&w, "Owner").await;
    w.f.post(
        &format!("requests/{}/approve", owner.name),
        json!({"justification": "Change CHG42 is approved"}),
    )
    .await;
    let approved = w.next().await;
    let WatchEvent::Approved { request } = &approved else {
        panic!("{approved:?}")
    };
    let decision = request
        .decision
        .clone()
        .unwrap_or_else(|| panic!("{request:?}"));
    assert_eq!(decision.by.as_deref(), Some(demo::SECOND_USER_NAME));
    assert_eq!(decision.by_id.as_deref(), Some(demo::SECOND_USER_OID));
    assert_eq!(decision.reason.as_deref(), Some("Change CHG42 is approved"));
    assert!(decision.at.is_some());
    assert_eq!(approved.title(), "Owner approved by Grace Hopper");
    assert!(
        approved
            .body()
            .contains("approved by Grace Hopper: \"Change CHG42 is approved\""),
        "{}",
        approved.body()
    );
    // Read once, when the decision was seen: the approval, not per poll.
    assert_eq!(describe(&w.next().await), "effective Owner");
    w.settle().await;
    let reads = calls_to(&w.f, &["roleAssignmentApprovals"]).await;
    assert_eq!(reads, [("GET".to_owned(), 200)], "{reads:?}");

    // Graph: Microsoft documents reading an approval as the approver's, and the simulator refuses
    // the requester; the notification says denied, as before, and nothing fails.
    w.f.clear_log().await;
    w.activate("User Administrator", "Directory", 1).await;
    w.settle().await;
    let admin = own_request(&w, "User Administrator").await;
    w.f.post(
        &format!("requests/{}/deny", admin.name),
        json!({"justification": "not now", "reviewer": demo::SECOND_USER_UPN}),
    )
    .await;
    let denied = w.next().await;
    let WatchEvent::Denied { request } = &denied else {
        panic!("{denied:?}")
    };
    assert_eq!(request.decision, None);
    assert_eq!(denied.title(), "User Administrator denied");
    assert!(
        denied.body().contains("an approver said no"),
        "{}",
        denied.body()
    );
    let reads = calls_to(&w.f, &["roleAssignmentApprovals"]).await;
    assert_eq!(reads, [("GET".to_owned(), 403)], "{reads:?}");
    w.quiet().await;
}

#[tokio::test]
async fn a_denial_says_who_and_why_with_untrusted_text_on_one_line() {
    use elevate_sim::demo;
    let mut w = Watch::start().await;
    w.activate("Owner", "Contoso Production", 1).await;
    w.settle().await;
    let owner = own_request(&w, "Owner").await;
    w.f.post(
        &format!("requests/{}/deny", owner.name),
        json!({"justification": "No change ticket\n\u{1b}[2Jfor this", "reviewer": demo::SECOND_USER_OID}),
    )
    .await;
    let denied = w.next().await;
    let WatchEvent::Denied { request } = &denied else {
        panic!("{denied:?}")
    };
    let decision = request
        .decision
        .clone()
        .unwrap_or_else(|| panic!("{request:?}"));
    assert_eq!(decision.by.as_deref(), Some(demo::SECOND_USER_NAME));
    // Kept as Azure said it (JSON escapes it), shown on one line without control characters.
    assert_eq!(
        decision.reason.as_deref(),
        Some("No change ticket\n\u{1b}[2Jfor this")
    );
    assert_eq!(
        decision.text(),
        " by Grace Hopper: \"No change ticket \u{FFFD}[2Jfor this\""
    );
    assert!(
        !denied.body().contains('\u{1b}') && !denied.body().contains('\n'),
        "{}",
        denied.body()
    );
    // The answers to ask again with travel with the event.
    assert_eq!(request.justification.as_deref(), Some("watch test"));
    assert_eq!(request.duration, Some(Span::from_hours(1)));
}

#[tokio::test]
async fn a_revoke_names_who_removed_the_grant_and_why_when_azure_records_it() {
    use elevate_sim::demo;
    let mut w = Watch::start().await;

    // ARM: an administrator's AdminRemove request, its requestor named through Graph.
    w.activate("Contributor", "Contoso Development", 1).await;
    assert_eq!(describe(&w.next().await), "effective Contributor");
    w.f.clear_log().await;
    w.f.post(
        "revoke",
        json!({"role_definition_id": demo::ROLE_CONTRIBUTOR, "scope": demo::SCOPE_DEVELOPMENT,
               "requestor_id": demo::SECOND_USER_UPN, "justification": "Access review: not needed"}),
    )
    .await;
    let revoked = w.next().await;
    let WatchEvent::Revoked { removal, .. } = &revoked else {
        panic!("{revoked:?}")
    };
    let removal = removal.clone().unwrap_or_else(|| panic!("{revoked:?}"));
    assert_eq!(removal.by.as_deref(), Some(demo::SECOND_USER_NAME));
    assert_eq!(removal.reason.as_deref(), Some("Access review: not needed"));
    assert_eq!(revoked.title(), "Contributor was removed by Grace Hopper");
    assert_eq!(
        revoked.body(),
        "Contributor on Contoso Development was removed by Grace Hopper: \"Access review: not needed\"."
    );
    // One listing of the requests made for the user, when the revoke was seen.
    w.settle().await;
    let lists = calls_to(&w.f, &["roleAssignmentScheduleRequests", "asTarget"]).await;
    assert_eq!(lists, [("GET".to_owned(), 200)], "{lists:?}");

    // Graph: an Entra role removed by an administrator (createdBy names them).
    w.activate("Global Reader", "Directory", 1).await;
    assert_eq!(describe(&w.next().await), "effective Global Reader");
    w.f.post(
        "revoke",
        json!({"directory_role_id": demo::ENTRA_GLOBAL_READER, "requestor_id": demo::SECOND_USER_OID,
               "justification": "Break-glass drill over"}),
    )
    .await;
    let revoked = w.next().await;
    let WatchEvent::Revoked { removal, .. } = &revoked else {
        panic!("{revoked:?}")
    };
    let removal = removal.clone().unwrap_or_else(|| panic!("{revoked:?}"));
    assert_eq!(
        (removal.by.as_deref(), removal.reason.as_deref()),
        (Some(demo::SECOND_USER_NAME), Some("Break-glass drill over"))
    );

    // Removed without a PIM request (another tool): no one to name, as before.
    w.activate("Reader", "Contoso Platform", 1).await;
    let _effective = w.next().await;
    w.f.post(
        "revoke",
        json!({"role_definition_id": demo::ROLE_READER, "scope": demo::SCOPE_MANAGEMENT_GROUP}),
    )
    .await;
    let revoked = w.next().await;
    assert!(
        matches!(&revoked, WatchEvent::Revoked { removal: None, .. }),
        "{revoked:?}"
    );
    assert_eq!(revoked.title(), "Reader was revoked");
}
