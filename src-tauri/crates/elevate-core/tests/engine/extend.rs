//! Extend of an activation against the simulator over real HTTP: Azure cannot lengthen an
//! activation, so Elevate deactivates and activates again, keeping the justification and the ticket;
//! it refuses, with nothing changed, in the first five minutes and when the role needs approval;
//! and when the new activation fails after the deactivation it says the role is now off.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{Fixture, fixture};
use elevate_core::auth::TokenSource;
use elevate_core::model::{ActiveGrant, Eligibility, Expiring, MoreTime, Source, Span, Ticket};
use elevate_core::session::{ActivationWish, Clients, Outcome, Session, SessionOptions};
use elevate_sim::demo;
use serde_json::{Value, json};

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

async fn eligibility(s: &Session, role: &str, scope: &str) -> Eligibility {
    let roles = s.roles(&[]).await;
    roles
        .items
        .into_iter()
        .find(|e| e.role.name == role && e.scope.name == scope)
        .unwrap_or_else(|| panic!("{role} at {scope} is not eligible"))
}

async fn grant(s: &Session, role: &str, scope: &str) -> Option<ActiveGrant> {
    s.active(&[])
        .await
        .items
        .into_iter()
        .find(|g| g.role.name == role && g.scope.name == scope)
}

fn wish(hours: u64, why: Option<&str>, ticket: Option<Ticket>) -> ActivationWish {
    ActivationWish {
        duration: Some(Span::from_hours(hours)),
        justification: why.map(str::to_owned),
        ticket,
        ..ActivationWish::default()
    }
}

/// The request types (ARM) or actions (Graph) of the schedule requests the simulator holds, in order.
async fn sent_kinds(f: &Fixture) -> Vec<String> {
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
    all.as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            r["properties"]["requestType"]
                .as_str()
                .or_else(|| r["action"].as_str())
                .unwrap_or_default()
                .to_ascii_lowercase()
        })
        .collect()
}

#[tokio::test]
async fn extend_deactivates_and_activates_again_with_the_same_justification_and_ticket() {
    let f = fixture().await;
    let s = session(&f).await;
    let role = eligibility(&s, demo::ROLE_INCIDENT_RESPONDER_NAME, "Contoso Production").await;
    let ticket = Ticket {
        system: "ServiceNow".into(),
        number: "INC0042".into(),
    };
    let first = s
        .activate(&role, &wish(1, Some("outage 42"), Some(ticket.clone())))
        .await;
    assert_eq!(first.outcome, Outcome::Done, "{first:?}");
    f.advance("PT20M").await;
    let before = grant(&s, demo::ROLE_INCIDENT_RESPONDER_NAME, "Contoso Production")
        .await
        .unwrap_or_else(|| panic!("active"));

    // No justification or ticket given: the previous activation's are used (the policy needs a ticket).
    let extended = s.extend(&before, &wish(3, None, None)).await;
    assert_eq!(extended.outcome, Outcome::Done, "{extended:?}");
    let request = extended
        .request
        .clone()
        .unwrap_or_else(|| panic!("{extended:?}"));
    assert_eq!(request.justification.as_deref(), Some("outage 42"));
    assert_eq!(request.ticket.as_ref(), Some(&ticket));

    let after = grant(&s, demo::ROLE_INCIDENT_RESPONDER_NAME, "Contoso Production")
        .await
        .unwrap_or_else(|| panic!("active again"));
    assert_ne!(after.id, before.id, "a new activation");
    let left = after
        .end
        .zip(after.start)
        .map(|(end, start)| (end - start).num_minutes());
    assert_eq!(left, Some(180), "{after:?}");
    let kinds = sent_kinds(&f).await;
    assert!(!kinds.iter().any(|k| k == "selfextend"), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| *k == "selfdeactivate").count(),
        1,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn extend_of_a_group_membership_never_sends_self_extend() {
    let f = fixture().await;
    let s = session(&f).await;
    let role = eligibility(&s, "Member", "PIM-Prod-Operators").await;
    assert_eq!(role.source, Source::Group);
    let first = s.activate(&role, &wish(1, Some("deploy"), None)).await;
    assert_eq!(first.outcome, Outcome::Done, "{first:?}");
    f.advance("PT6M").await;
    let before = grant(&s, "Member", "PIM-Prod-Operators")
        .await
        .unwrap_or_else(|| panic!("active"));
    let extended = s.extend(&before, &wish(2, None, None)).await;
    assert_eq!(extended.outcome, Outcome::Done, "{extended:?}");
    assert_eq!(
        extended
            .request
            .as_ref()
            .and_then(|r| r.justification.as_deref()),
        Some("deploy")
    );
    let kinds = sent_kinds(&f).await;
    assert!(
        kinds.iter().all(|k| k == "selfactivate"
            || k == "selfdeactivate"
            || k == "adminassign"
            || k.is_empty()),
        "{kinds:?}"
    );
    assert!(grant(&s, "Member", "PIM-Prod-Operators").await.is_some());
}

#[tokio::test]
async fn extend_in_the_first_five_minutes_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let s = session(&f).await;
    let role = eligibility(&s, "Contributor", "Contoso Development").await;
    let first = s.activate(&role, &wish(1, Some("tests"), None)).await;
    assert_eq!(first.outcome, Outcome::Done, "{first:?}");
    f.advance("PT2M").await;
    let before = grant(&s, "Contributor", "Contoso Development")
        .await
        .unwrap_or_else(|| panic!("active"));
    let refused = s.extend(&before, &wish(2, None, None)).await;
    assert_eq!(refused.outcome, Outcome::Error, "{refused:?}");
    let error = refused.error.unwrap_or_else(|| panic!("an error"));
    assert!(
        error.message.contains("first five minutes"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("nothing was changed"),
        "{}",
        error.message
    );
    let after = grant(&s, "Contributor", "Contoso Development")
        .await
        .unwrap_or_else(|| panic!("still active"));
    assert_eq!(after.id, before.id);
    assert_eq!(after.end, before.end);
    // Elevate's own rule, for the faces to disable Extend, agrees with Azure's refusal.
    let now = before.start.unwrap_or_default() + chrono::TimeDelta::minutes(2);
    let reason = elevate_core::session::extend_blocked(&before, false, now);
    assert!(reason.is_some_and(|r| r.contains("in 3 min")));
    let later = before.start.unwrap_or_default() + chrono::TimeDelta::minutes(5);
    assert_eq!(
        elevate_core::session::extend_blocked(&before, false, later),
        None
    );
}

#[tokio::test]
async fn extend_of_a_role_that_needs_approval_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let s = session(&f).await;
    let role = eligibility(&s, "User Administrator", "Directory").await;
    let pending = s.activate(&role, &wish(1, Some("users"), None)).await;
    assert_eq!(pending.outcome, Outcome::PendingApproval, "{pending:?}");
    let id = pending
        .request
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    f.post(&format!("requests/{id}/approve"), json!({})).await;
    f.advance("PT10M").await;
    let before = grant(&s, "User Administrator", "Directory")
        .await
        .unwrap_or_else(|| panic!("active after approval"));
    let refused = s.extend(&before, &wish(2, None, None)).await;
    assert_eq!(refused.outcome, Outcome::Error, "{refused:?}");
    let message = refused.error.map(|e| e.message).unwrap_or_default();
    assert!(message.contains("requires approval"), "{message}");
    let after = grant(&s, "User Administrator", "Directory")
        .await
        .unwrap_or_else(|| panic!("still active"));
    assert_eq!(after.id, before.id);
}

#[tokio::test]
async fn a_failed_activation_after_the_deactivation_says_the_role_is_now_off() {
    let f = fixture().await;
    let s = Arc::new(session(&f).await);
    let role = eligibility(&s, "Contributor", "Contoso Development").await;
    let first = s.activate(&role, &wish(1, Some("tests"), None)).await;
    assert_eq!(first.outcome, Outcome::Done, "{first:?}");
    f.advance("PT10M").await;
    let before = grant(&s, "Contributor", "Contoso Development")
        .await
        .unwrap_or_else(|| panic!("active"));
    f.clear_log().await;
    // Slow listings give the test time to change the policy between the two steps: from now on
    // the role needs a ticket, which the previous activation did not have.
    f.fault(json!({"method": "GET", "path_contains": "roleAssignmentScheduleInstances", "kind": "latency", "latency_ms": 1500, "count": 20}))
        .await;
    let extending = {
        let s = Arc::clone(&s);
        let before = before.clone();
        tokio::spawn(async move { s.extend(&before, &wish(2, None, None)).await })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let log = f.log().await;
        if log
            .iter()
            .any(|e| e["method"] == "PUT" && e["status"] == 201)
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no deactivation: {log:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f.post(
        "policies",
        json!({"scope": demo::SCOPE_DEVELOPMENT, "role_definition_id": demo::ROLE_CONTRIBUTOR, "require_ticket": true}),
    )
    .await;
    let result = extending.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(result.outcome, Outcome::Error, "{result:?}");
    let error = result.error.unwrap_or_else(|| panic!("an error"));
    assert_eq!(error.code, "role-now-off", "{error:?}");
    assert!(error.message.contains("is now OFF"), "{}", error.message);
    assert!(
        error.message.contains("Activate it again"),
        "{}",
        error.message
    );
    assert!(
        grant(&s, "Contributor", "Contoso Development")
            .await
            .is_none()
    );
}

#[tokio::test]
async fn an_assignment_ending_within_14_days_can_be_extended_on_request_an_administrator_decides() {
    let f = fixture().await;
    let s = session(&f).await;
    let info = f.post("clock", json!({})).await;
    let now = chrono::DateTime::parse_from_rfc3339(info["now"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"))
        .with_timezone(&chrono::Utc);
    let in_days = |d: i64| (now + chrono::TimeDelta::days(d)).to_rfc3339();
    f.post("assignments", json!({"role_definition_id": demo::ROLE_USER_ACCESS_ADMINISTRATOR, "scope": demo::SCOPE_SANDBOX, "end": in_days(10)}))
        .await;
    f.post("assignments", json!({"role_definition_id": demo::ROLE_USER_ACCESS_ADMINISTRATOR, "scope": demo::SCOPE_DEVELOPMENT, "end": in_days(30)}))
        .await;
    f.post(
        "assignments",
        json!({"directory_role_id": demo::ENTRA_EXCHANGE_ADMINISTRATOR, "end": in_days(7)}),
    )
    .await;
    let active = s.active(&[]).await.items;
    let find = |role: &str, scope: &str| {
        active
            .iter()
            .find(|g| g.role.name == role && g.scope.name == scope)
            .cloned()
            .unwrap_or_else(|| panic!("{role} at {scope} in {active:#?}"))
    };
    let soon = find("User Access Administrator", "Contoso Sandbox");
    let later = find("User Access Administrator", "Contoso Development");
    let entra = find("Exchange Administrator", "Directory");
    let standing = find("Reader", "Contoso Sandbox");
    use elevate_core::session::offers_extension_request as offers;
    assert!(offers(&soon, now) && offers(&entra, now));
    assert!(!offers(&later, now), "30 days from its end: not yet");
    assert!(!offers(&standing, now), "permanent");

    for grant in [&soon, &entra] {
        let asked = s
            .request_extension(
                &Expiring::from(grant),
                MoreTime::Extend,
                Span::from_hours(90 * 24),
                "project continues",
            )
            .await;
        assert_eq!(asked.outcome, Outcome::PendingApproval, "{asked:?}");
        let request = asked.request.unwrap_or_else(|| panic!("a request"));
        assert_eq!(request.azure_status, "PendingAdminDecision");
        f.post(&format!("requests/{}/approve", request.name), json!({}))
            .await;
    }
    let after = s.active(&[]).await.items;
    for (role, scope) in [
        ("User Access Administrator", "Contoso Sandbox"),
        ("Exchange Administrator", "Directory"),
    ] {
        let g = after
            .iter()
            .find(|g| g.role.name == role && g.scope.name == scope)
            .unwrap_or_else(|| panic!("{role}"));
        assert!(g.end.is_some_and(|e| (e - now).num_days() >= 89), "{g:?}");
    }
    // Outside the window Azure refuses it; an activation or a group is never asked for.
    let refused = s
        .request_extension(
            &Expiring::from(&later),
            MoreTime::Extend,
            Span::from_hours(24),
            "x",
        )
        .await;
    assert!(
        refused
            .error
            .as_ref()
            .is_some_and(|e| e.message.contains("within 14 days")),
        "{refused:?}"
    );
    let member = eligibility(&s, "Member", "PIM-Prod-Operators").await;
    s.activate(&member, &wish(1, Some("deploy"), None)).await;
    let group = grant(&s, "Member", "PIM-Prod-Operators")
        .await
        .unwrap_or_else(|| panic!("active"));
    let no = s
        .request_extension(
            &Expiring::from(&group),
            MoreTime::Extend,
            Span::from_hours(1),
            "x",
        )
        .await;
    assert!(
        no.error
            .is_some_and(|e| e.message.contains("PIM for Groups"))
    );
    let kinds = sent_kinds(&f).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "selfextend").count(),
        2,
        "{kinds:?}"
    );
}

/// Every Graph `action` Elevate sends, through every path that sends one (activate, deactivate,
/// extend, request an extension), is one Microsoft documents for that resource: the group resource's
/// enum has no `selfExtend` or `selfRenew`.
#[tokio::test]
async fn every_graph_action_elevate_sends_is_in_the_documented_enum_of_its_resource() {
    let f = fixture().await;
    let s = session(&f).await;
    let enums = elevate_spec::fixture_json("graph/actions.json").unwrap_or_else(|e| panic!("{e}"));
    let allowed = |resource: &str| -> Vec<String> {
        enums[resource]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let directory = allowed("unifiedRoleAssignmentScheduleRequest");
    let groups = allowed("privilegedAccessGroupAssignmentScheduleRequest");
    assert!(
        directory.iter().any(|a| a == "selfExtend") && !groups.iter().any(|a| a == "selfExtend")
    );

    for (role, scope, why) in [
        ("Global Reader", "Directory", "read"),
        ("Member", "PIM-Prod-Operators", "deploy"),
    ] {
        let e = eligibility(&s, role, scope).await;
        assert_eq!(
            s.activate(&e, &wish(1, Some(why), None)).await.outcome,
            Outcome::Done
        );
    }
    f.advance("PT6M").await;
    for (role, scope) in [
        ("Global Reader", "Directory"),
        ("Member", "PIM-Prod-Operators"),
    ] {
        let g = grant(&s, role, scope)
            .await
            .unwrap_or_else(|| panic!("{role}"));
        assert_eq!(
            s.extend(&g, &wish(2, None, None)).await.outcome,
            Outcome::Done
        );
    }
    f.advance("PT6M").await;
    for (role, scope) in [
        ("Global Reader", "Directory"),
        ("Member", "PIM-Prod-Operators"),
    ] {
        let g = grant(&s, role, scope)
            .await
            .unwrap_or_else(|| panic!("{role}"));
        assert_eq!(s.deactivate(&g).await.outcome, Outcome::Done);
    }
    let info = f.post("clock", json!({})).await;
    let end = chrono::DateTime::parse_from_rfc3339(info["now"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"))
        + chrono::TimeDelta::days(5);
    f.post(
        "assignments",
        json!({"directory_role_id": demo::ENTRA_EXCHANGE_ADMINISTRATOR, "end": end.to_rfc3339()}),
    )
    .await;
    let assigned = grant(&s, "Exchange Administrator", "Directory")
        .await
        .unwrap_or_else(|| panic!("assigned"));
    let asked = s
        .request_extension(
            &Expiring::from(&assigned),
            MoreTime::Extend,
            Span::from_hours(24 * 30),
            "project",
        )
        .await;
    assert_eq!(asked.outcome, Outcome::PendingApproval, "{asked:?}");

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
    let mine: Vec<&Value> = all
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["action"].is_string() && r["principalId"] == demo::DEMO_USER_OID)
                .collect()
        })
        .unwrap_or_default();
    assert!(mine.len() >= 7, "{mine:#?}");
    for request in mine {
        let action = request["action"].as_str().unwrap_or_default();
        let enum_ = if request.get("groupId").is_some_and(|g| !g.is_null()) {
            &groups
        } else {
            &directory
        };
        assert!(
            enum_.iter().any(|a| a == action),
            "{action} is not documented for {request}"
        );
    }
}
