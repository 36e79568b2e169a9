//! The ARM client against the simulator over real HTTP: listing and paging, activation and its
//! outcomes, retries that never duplicate a request, typed errors, claims challenges.

use crate::common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{fixture, fixture_with, quick_retries};
use elevate_core::Error;
use elevate_core::arm::Submission;
use elevate_core::http::RetryPolicy;
use elevate_core::model::{
    ActivationRequest, AssignmentType, Eligibility, MemberType, RequestStatus, Span, Ticket,
};
use serde_json::json;
use uuid::Uuid;

fn pick<'a>(items: &'a [Eligibility], role: &str, scope_name: &str) -> &'a Eligibility {
    items
        .iter()
        .find(|e| e.role.name == role && e.scope.name == scope_name)
        .unwrap_or_else(|| {
            panic!(
                "{role} @ {scope_name} not in {:?}",
                items
                    .iter()
                    .map(|e| (&e.role.name, &e.scope.name))
                    .collect::<Vec<_>>()
            )
        })
}

fn wish(hours: u64, reason: Option<&str>) -> ActivationRequest {
    ActivationRequest {
        duration: Span::from_hours(hours),
        justification: reason.map(str::to_owned),
        ticket: None,
        start: None,
        narrower_scope: None,
    }
}

fn created(s: Submission) -> elevate_core::model::RequestRecord {
    match s {
        Submission::Created(r) => r,
        other => panic!("expected a created request, got {other:?}"),
    }
}

#[tokio::test]
async fn lists_every_eligibility_across_pages_without_duplicates() {
    let one_page = fixture().await;
    let all = one_page
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(all.len() >= 7, "{all:?}");

    let paged = fixture_with(2, quick_retries()).await;
    let items = paged
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let keys: HashSet<_> = items.iter().map(|e| e.key.clone()).collect();
    assert_eq!(items.len(), all.len(), "same items whatever the page size");
    assert_eq!(keys.len(), items.len(), "no duplicates");
    let gets = paged
        .log()
        .await
        .iter()
        .filter(|l| {
            l["path"]
                .as_str()
                .is_some_and(|p| p.contains("roleEligibilityScheduleInstances"))
        })
        .count();
    assert_eq!(gets, all.len().div_ceil(2), "one GET per page of two");

    let owner = pick(&items, "Owner", "Contoso Production");
    assert_eq!(owner.principal_id, paged.oid());
    assert!(owner.schedule_id.is_some());
    let group = items
        .iter()
        .find(|e| e.member_type == MemberType::Group)
        .unwrap_or_else(|| panic!("no group eligibility"));
    assert_ne!(group.principal_id, paged.oid(), "held by the group");
}

#[tokio::test]
async fn names_are_looked_up_when_expanded_properties_are_missing() {
    let f = fixture().await;
    let expected = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    f.post("settings", json!({"omit_expanded_properties": true}))
        .await;
    let fresh = fixture().await;
    fresh
        .post("settings", json!({"omit_expanded_properties": true}))
        .await;
    let items = fresh
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let names = |v: &[Eligibility]| {
        let mut n: Vec<(String, String)> = v
            .iter()
            .map(|e| (e.role.name.clone(), e.scope.name.clone()))
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&items), names(&expected));
    let lookups = fresh
        .log()
        .await
        .iter()
        .filter(|l| {
            l["path"]
                .as_str()
                .is_some_and(|p| p.to_ascii_lowercase().contains("roledefinitions/"))
        })
        .count();
    assert!(lookups > 0, "role names came from roleDefinitions");
}

#[tokio::test]
async fn activation_creates_a_grant_with_the_asked_duration() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dev = pick(&items, "Contributor", "Contoso Development");
    let record = created(
        f.client
            .activate(
                dev,
                &wish(2, Some("deploy")),
                &f.oid(),
                Uuid::new_v4(),
                None,
            )
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(record.status, RequestStatus::Done);
    assert_eq!(record.key, dev.key);
    assert_eq!(record.duration, Some(Span::from_hours(2)));
    let active = f.client.active().await.unwrap_or_else(|e| panic!("{e}"));
    let grant = active
        .iter()
        .find(|g| g.key == dev.key)
        .unwrap_or_else(|| panic!("not active: {active:?}"));
    assert_eq!(grant.assignment_type, AssignmentType::Activated);
    let (start, end) = (
        grant.start.unwrap_or_default(),
        grant.end.unwrap_or_default(),
    );
    assert_eq!((end - start).num_minutes(), 120);
    assert!(
        active
            .iter()
            .any(|g| g.assignment_type == AssignmentType::Assigned),
        "the standing assignment is listed too"
    );

    let again = f
        .client
        .activate(
            dev,
            &wish(2, Some("deploy")),
            &f.oid(),
            Uuid::new_v4(),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, Submission::AlreadyActive);
    let mine = f
        .client
        .my_requests()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(mine.iter().any(|r| r.name == record.name));
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_never_creates_a_second_request() {
    for kind in [
        json!({"kind": "status", "status": 503}),
        json!({"kind": "reset"}),
    ] {
        let f = fixture().await;
        let items = f
            .client
            .eligibilities()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let dev = pick(&items, "Contributor", "Contoso Development");
        let mut fault = json!({"method": "PUT", "path_contains": "roleAssignmentScheduleRequests", "count": 1, "after_effect": true});
        if let Some(o) = fault.as_object_mut() {
            o.extend(kind.as_object().cloned().unwrap_or_default())
        }
        f.fault(fault).await;
        f.clear_log().await;
        let name = Uuid::new_v4();
        let record = created(
            f.client
                .activate(dev, &wish(1, Some("x")), &f.oid(), name, None)
                .await
                .unwrap_or_else(|e| panic!("{kind}: {e}")),
        );
        assert_eq!(record.name.to_ascii_lowercase(), name.to_string());
        let puts: Vec<_> = f
            .log()
            .await
            .into_iter()
            .filter(|l| l["method"] == "PUT")
            .collect();
        assert_eq!(
            puts.len(),
            2,
            "{kind}: first attempt lost, one retry: {puts:#?}"
        );
        let effects: Vec<_> = puts
            .iter()
            .map(|l| l["effect"].as_str().unwrap_or("-").to_owned())
            .collect();
        assert_eq!(effects, vec!["created", "replayed"], "{kind}");
        let grants = f.client.active().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            grants.iter().filter(|g| g.key == dev.key).count(),
            1,
            "{kind}: one grant"
        );
    }
}

#[tokio::test]
async fn throttling_honours_retry_after() {
    let f = fixture().await;
    f.fault(json!({"method": "GET", "path_contains": "roleEligibilityScheduleInstances", "kind": "throttle", "retry_after_secs": 1, "count": 1})).await;
    let started = Instant::now();
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!items.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited as asked"
    );
    let statuses: Vec<u64> = f
        .log()
        .await
        .iter()
        .filter_map(|l| l["status"].as_u64())
        .collect();
    assert_eq!(&statuses[..2], &[429, 200]);
}

#[tokio::test]
async fn throttling_longer_than_the_budget_is_a_typed_error_at_once() {
    let policy = RetryPolicy {
        max_total_wait: Duration::from_secs(2),
        ..quick_retries()
    };
    let f = fixture_with(50, policy).await;
    f.fault(json!({"kind": "throttle", "retry_after_secs": 30, "count": 5}))
        .await;
    let started = Instant::now();
    match f.client.eligibilities().await {
        Err(Error::Throttled {
            retry_after_secs, ..
        }) => assert_eq!(retry_after_secs, Some(30)),
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "did not sit out a wait it could not afford"
    );
}

#[tokio::test]
async fn server_errors_resets_and_malformed_json_are_retried_then_reported() {
    let f = fixture().await;
    for fault in [
        json!({"method": "GET", "kind": "status", "status": 500, "count": 1}),
        json!({"method": "GET", "kind": "reset", "count": 1}),
        json!({"method": "GET", "kind": "malformed", "count": 1}),
        json!({"method": "GET", "kind": "latency", "latency_ms": 300, "count": 1}),
    ] {
        f.fault(fault.clone()).await;
        let items = f
            .client
            .active()
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert!(!items.is_empty(), "{fault}");
    }
    f.fault(json!({"kind": "status", "status": 503, "count": 10}))
        .await;
    assert!(matches!(
        f.client.active().await,
        Err(Error::Unavailable { status: 503, .. })
    ));
    f.post("faults", json!({"kind": "malformed", "count": 10}))
        .await;
    // Clear the 503s first so that the malformed bodies are what the client sees.
    f.control
        .delete(format!("{}/_sim/faults", f.sim.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    f.fault(json!({"kind": "malformed", "count": 10})).await;
    match f.client.active().await {
        Err(e @ Error::MalformedResponse { .. }) => {
            assert!(e.to_string().contains("could not read"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    f.control
        .delete(format!("{}/_sim/faults", f.sim.url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    f.fault(json!({"kind": "reset", "count": 10})).await;
    assert!(matches!(
        f.client.active().await,
        Err(Error::Network { .. })
    ));
}

#[tokio::test]
async fn policy_rules_are_read_for_each_role() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let owner = pick(&items, "Owner", "Contoso Production");
    let p = f
        .client
        .policy(&owner.role.id, &owner.scope.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        p.approval_required && p.justification_required && p.ticket_required && p.mfa_required,
        "{p:?}"
    );
    assert_eq!(p.max_duration, Some(Span::from_hours(2)));
    let kv = pick(&items, "Key Vault Secrets Officer", "rg-data-prod");
    let p = f
        .client
        .policy(&kv.role.id, &kv.scope.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.authentication_context.as_deref(), Some("c1"));
    assert_eq!(p.max_duration, Some(Span::from_hours(1)));
    let reader = pick(&items, "Reader", "Contoso Platform");
    let p = f
        .client
        .policy(&reader.role.id, &reader.scope.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !p.approval_required && !p.justification_required && !p.ticket_required,
        "{p:?}"
    );
}

#[tokio::test]
async fn policy_refusals_name_the_failed_rules() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let responder = pick(&items, "Contoso Incident Responder", "Contoso Production");
    match f
        .client
        .activate(responder, &wish(8, None), &f.oid(), Uuid::new_v4(), None)
        .await
    {
        Err(Error::PolicyRulesFailed { rules, .. }) => {
            assert!(
                rules.contains(&"ExpirationRule".to_owned())
                    && rules.contains(&"TicketingRule".to_owned()),
                "{rules:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    let ok = ActivationRequest {
        ticket: Some(Ticket {
            system: "Jira".into(),
            number: "OPS-1".into(),
        }),
        ..wish(4, None)
    };
    assert_eq!(
        created(
            f.client
                .activate(responder, &ok, &f.oid(), Uuid::new_v4(), None)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        )
        .status,
        RequestStatus::Done
    );
}

#[tokio::test]
async fn mfa_rule_fails_without_mfa_in_the_token() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let owner = pick(&items, "Owner", "Contoso Production").clone();
    let tokens = std::sync::Arc::new(common::SimTokens {
        sim: std::sync::Arc::clone(&f.sim),
        amr: vec!["pwd".into()],
    });
    let http =
        elevate_core::http::HttpClient::new(quick_retries()).unwrap_or_else(|e| panic!("{e}"));
    let base = url::Url::parse(&f.sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let no_mfa = elevate_core::arm::ArmClient::new(http, base, tokens);
    let req = ActivationRequest {
        ticket: Some(Ticket {
            system: "SN".into(),
            number: "1".into(),
        }),
        ..wish(1, Some("fix"))
    };
    match no_mfa
        .activate(&owner, &req, &f.oid(), Uuid::new_v4(), None)
        .await
    {
        Err(Error::PolicyRulesFailed { rules, .. }) => {
            assert_eq!(rules, vec!["MfaRule".to_owned()])
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn approval_makes_the_request_pending_and_it_can_be_canceled() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let owner = pick(&items, "Owner", "Contoso Production");
    let req = ActivationRequest {
        ticket: Some(Ticket {
            system: "SN".into(),
            number: "INC1".into(),
        }),
        ..wish(1, Some("fix"))
    };
    let record = created(
        f.client
            .activate(owner, &req, &f.oid(), Uuid::new_v4(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(record.status, RequestStatus::PendingApproval);
    assert!(record.approval_id.is_some());
    let dup = f
        .client
        .activate(owner, &req, &f.oid(), Uuid::new_v4(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(dup, Submission::AlreadyPending { .. }), "{dup:?}");
    f.client
        .cancel(&record.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let after = f
        .client
        .request(&record.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.status, RequestStatus::Canceled);
    match f.client.cancel(&record.id).await {
        Err(Error::Azure(e)) => assert_eq!(e.status, 400),
        other => panic!("canceling twice: {other:?}"),
    }
}

#[tokio::test]
async fn approved_requests_become_active() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let owner = pick(&items, "Owner", "Contoso Production");
    let req = ActivationRequest {
        ticket: Some(Ticket {
            system: "SN".into(),
            number: "INC2".into(),
        }),
        ..wish(2, Some("fix"))
    };
    let record = created(
        f.client
            .activate(owner, &req, &f.oid(), Uuid::new_v4(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    f.post(
        &format!("requests/{}/approve", record.name),
        json!({"justification": "ok"}),
    )
    .await;
    assert_eq!(
        f.client.request(&record.id).await.map(|r| r.status).ok(),
        Some(RequestStatus::Done)
    );
    assert!(
        f.client
            .active()
            .await
            .unwrap_or_default()
            .iter()
            .any(|g| g.key == owner.key)
    );
}

#[tokio::test]
async fn claims_challenges_are_typed_and_satisfiable_in_both_forms() {
    for style in ["message", "www-authenticate"] {
        let f = fixture().await;
        f.post("settings", json!({"acrs_challenge_style": style}))
            .await;
        let items = f
            .client
            .eligibilities()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let kv = pick(&items, "Key Vault Secrets Officer", "rg-data-prod");
        let challenge = match f
            .client
            .activate(kv, &wish(1, Some("rotate")), &f.oid(), Uuid::new_v4(), None)
            .await
        {
            Err(Error::ClaimsChallenge(c)) => c,
            other => panic!("{style}: {other:?}"),
        };
        assert_eq!(challenge.acrs(), vec!["c1".to_owned()], "{style}");
        let record = created(
            f.client
                .activate(
                    kv,
                    &wish(1, Some("rotate")),
                    &f.oid(),
                    Uuid::new_v4(),
                    Some(&challenge.claims),
                )
                .await
                .unwrap_or_else(|e| panic!("{style}: {e}")),
        );
        assert_eq!(record.status, RequestStatus::Done, "{style}");
    }
}

#[tokio::test]
async fn deactivation_follows_azures_five_minute_rule() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reader = pick(&items, "Reader", "Contoso Platform");
    created(
        f.client
            .activate(reader, &wish(1, None), &f.oid(), Uuid::new_v4(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let grant = f
        .client
        .active()
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|g| g.key == reader.key)
        .unwrap_or_else(|| panic!("not active"));
    match f.client.deactivate(&grant, &f.oid(), Uuid::new_v4()).await {
        Err(Error::Azure(e)) => assert_eq!(e.code, "ActiveDurationTooShort"),
        other => panic!("{other:?}"),
    }
    f.advance("PT6M").await;
    let record = created(
        f.client
            .deactivate(&grant, &f.oid(), Uuid::new_v4())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(
        record.status,
        RequestStatus::Done,
        "Revoked is the success of a deactivation: {record:?}"
    );
    assert!(
        !f.client
            .active()
            .await
            .unwrap_or_default()
            .iter()
            .any(|g| g.key == reader.key)
    );
}

#[tokio::test]
async fn grants_expire_with_the_clock() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reader = pick(&items, "Reader", "Contoso Platform");
    created(
        f.client
            .activate(reader, &wish(1, None), &f.oid(), Uuid::new_v4(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    f.advance("PT61M").await;
    assert!(
        !f.client
            .active()
            .await
            .unwrap_or_default()
            .iter()
            .any(|g| g.key == reader.key)
    );
}

#[tokio::test]
async fn narrower_scope_must_be_inside_the_eligible_one() {
    let f = fixture().await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dev = pick(&items, "Contributor", "Contoso Development");
    let outside = ActivationRequest {
        narrower_scope: Some("/subscriptions/00000000-0000-0000-0000-000000000000".into()),
        ..wish(1, Some("x"))
    };
    assert!(matches!(
        f.client
            .activate(dev, &outside, &f.oid(), Uuid::new_v4(), None)
            .await,
        Err(Error::Invalid(_))
    ));
    let inside = ActivationRequest {
        narrower_scope: Some(format!("{}/resourceGroups/rg-dev-shared", dev.scope.id)),
        ..wish(1, Some("x"))
    };
    let record = created(
        f.client
            .activate(dev, &inside, &f.oid(), Uuid::new_v4(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert!(
        record
            .scope
            .id
            .to_ascii_lowercase()
            .ends_with("/resourcegroups/rg-dev-shared"),
        "{record:?}"
    );
}

#[tokio::test]
async fn a_bad_token_is_an_azure_authentication_error() {
    struct Garbage;
    impl elevate_core::auth::TokenSource for Garbage {
        fn token<'a>(
            &'a self,
            _: elevate_core::auth::Audience,
            _: Option<&'a serde_json::Value>,
        ) -> elevate_core::auth::TokenFuture<'a> {
            Box::pin(async {
                Ok(elevate_core::auth::AccessToken {
                    token: elevate_core::secret::Secret::new("not-a-jwt"),
                    expires_on: chrono::Utc::now() + chrono::TimeDelta::hours(1),
                })
            })
        }
        fn describe(&self) -> String {
            "garbage".into()
        }
    }
    let f = fixture().await;
    let http =
        elevate_core::http::HttpClient::new(quick_retries()).unwrap_or_else(|e| panic!("{e}"));
    let base = url::Url::parse(&f.sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let client = elevate_core::arm::ArmClient::new(http, base, std::sync::Arc::new(Garbage));
    match client.eligibilities().await {
        Err(Error::Azure(e)) => {
            assert_eq!(
                (e.status, e.code.as_str()),
                (401, "InvalidAuthenticationToken")
            );
            assert!(!e.message.contains("not-a-jwt"), "the token is not echoed");
        }
        other => panic!("{other:?}"),
    }
}

/// The log entries whose path contains `part` (case-insensitively), as (method, status).
async fn calls_to(f: &common::Fixture, part: &str) -> Vec<(String, u64)> {
    let part = part.to_ascii_lowercase();
    f.log()
        .await
        .iter()
        .filter(|l| {
            l["path"]
                .as_str()
                .is_some_and(|p| p.to_ascii_lowercase().contains(&part))
        })
        .map(|l| {
            (
                l["method"].as_str().unwrap_or_default().to_owned(),
                l["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn permissions_at_a_resource_group_are_read_across_pages_and_show_when_a_grant_applies() {
    let f = fixture_with(1, quick_retries()).await;
    f.post("settings", json!({"permission_propagation_seconds": 120}))
        .await;
    let items = f
        .client
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let web = pick(&items, "Contributor", "rg-web-prod");
    let platform = pick(&items, "Reader", "Contoso Platform");
    for eligibility in [web, platform] {
        created(
            f.client
                .activate(
                    eligibility,
                    &wish(1, Some("x")),
                    &f.oid(),
                    Uuid::new_v4(),
                    None,
                )
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    let active = f.client.active().await.unwrap_or_else(|e| panic!("{e}"));
    let grant_of = |key: &elevate_core::model::RoleKey| {
        active
            .iter()
            .find(|g| g.key == *key)
            .cloned()
            .unwrap_or_else(|| panic!("not active: {active:?}"))
    };
    let (web_grant, platform_grant) = (grant_of(&web.key), grant_of(&platform.key));
    let scope = web_grant.scope.id.clone();

    // Listed as active, but Azure does not apply it yet.
    assert!(
        f.client
            .permissions_at(&scope)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );
    assert!(
        !f.client
            .grant_applies(&web_grant)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );
    f.advance("PT2M1S").await;
    f.clear_log().await;
    // A throttled page is waited for and retried like any other call.
    f.fault(json!({"method": "GET", "path_contains": "Authorization/permissions", "kind": "throttle", "retry_after_secs": 1, "count": 1})).await;
    let permissions = f
        .client
        .permissions_at(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut actions: Vec<Vec<String>> = permissions.iter().map(|p| p.actions.clone()).collect();
    actions.sort();
    assert_eq!(actions, [vec!["*".to_owned()], vec!["*/read".to_owned()]]);
    let contributor = permissions
        .iter()
        .find(|p| p.actions == ["*"])
        .unwrap_or_else(|| panic!("{permissions:?}"));
    assert!(
        contributor
            .not_actions
            .iter()
            .any(|a| a == "Microsoft.Authorization/*/Write")
    );
    assert_eq!(
        calls_to(&f, "/providers/Microsoft.Authorization/permissions").await,
        [
            ("GET".to_owned(), 429),
            ("GET".to_owned(), 200),
            ("GET".to_owned(), 200)
        ],
        "the throttled first page again, then the second page"
    );
    assert!(
        f.client
            .grant_applies(&web_grant)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );

    // Microsoft documents no permissions list at a management group or a subscription: a grant
    // there applies once listed, and nothing is asked.
    f.clear_log().await;
    assert!(
        f.client
            .grant_applies(&platform_grant)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    );
    assert!(calls_to(&f, "permissions").await.is_empty());
    match f
        .client
        .permissions_at(elevate_sim::demo::SCOPE_PRODUCTION)
        .await
    {
        Err(Error::Invalid(_)) => {}
        other => panic!("{other:?}"),
    }
    match f
        .client
        .permissions_at(&format!(
            "{}/resourceGroups/rg-nowhere",
            elevate_sim::demo::SCOPE_PRODUCTION
        ))
        .await
    {
        Err(Error::Azure(e)) => {
            assert_eq!((e.status, e.code.as_str()), (404, "ResourceGroupNotFound"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn role_definition_permissions_are_read_once_per_role() {
    use elevate_sim::demo;
    let f = fixture().await;
    let contributor_id = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
        demo::SCOPE_PRODUCTION,
        demo::ROLE_CONTRIBUTOR
    );
    let contributor = f
        .client
        .role_permissions(&contributor_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(contributor.len(), 1, "{contributor:?}");
    assert_eq!(contributor[0].actions, ["*"]);
    assert!(
        contributor[0]
            .not_actions
            .iter()
            .any(|a| a == "Microsoft.Authorization/*/Delete")
    );
    assert!(contributor[0].data_actions.is_empty());
    let kvso = f
        .client
        .role_permissions(&format!(
            "/providers/Microsoft.Authorization/roleDefinitions/{}",
            demo::ROLE_KEY_VAULT_SECRETS_OFFICER
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        kvso[0].data_actions,
        ["Microsoft.KeyVault/vaults/secrets/*"]
    );
    // The same id in other casing comes from the cache.
    let again = f
        .client
        .role_permissions(&contributor_id.to_ascii_uppercase())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, contributor);
    let reads = calls_to(&f, "/roleDefinitions/").await;
    assert_eq!(reads.len(), 2, "one read per role: {reads:?}");
    assert!(
        f.log()
            .await
            .iter()
            .all(|l| l["query"].as_str() == Some("api-version=2022-04-01")),
        "read at 2022-04-01"
    );
    match f
        .client
        .role_permissions(&format!(
            "/providers/Microsoft.Authorization/roleDefinitions/{}",
            Uuid::new_v4()
        ))
        .await
    {
        Err(Error::Azure(e)) => {
            assert_eq!(
                (e.status, e.code.as_str()),
                (404, "RoleDefinitionDoesNotExist")
            )
        }
        other => panic!("{other:?}"),
    }
}
