//! Requests for more time on eligibilities and assignments (`SelfExtend`/`SelfRenew` on
//! `roleEligibilityScheduleRequests` and `roleAssignmentScheduleRequests`) against the simulator:
//! what Azure takes waits for an administrator, what it refuses comes back typed, and an
//! administrator's approval through the control API moves the end or renews.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{Fixture, fixture};
use elevate_core::auth::TokenSource;
use elevate_core::model::{Eligibility, Expiring, Holding, MoreTime, Span};
use elevate_core::session::{Clients, Outcome, Session, SessionOptions};
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
        .unwrap_or_else(|| panic!("{role} at {scope}"))
}

async fn sim_requests(f: &Fixture) -> Vec<Value> {
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

fn code(result: &elevate_core::session::ActionResult) -> String {
    result
        .error
        .as_ref()
        .map(|e| e.code.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_eligibility_ending_within_14_days_is_extended_on_request_once_an_administrator_approves()
 {
    let f = fixture().await;
    let s = session(&f).await;
    let ending = eligibility(&s, "Contoso Incident Responder", "Contoso Production").await;
    let before = ending.end.unwrap_or_else(|| panic!("time-bound"));
    let target = Expiring::from(&ending);
    assert_eq!(target.offer(chrono::Utc::now()), Some(MoreTime::Extend));
    let asked = s
        .request_extension(
            &target,
            MoreTime::Extend,
            Span::from_hours(24 * 90),
            "project continues",
        )
        .await;
    assert_eq!(asked.outcome, Outcome::PendingApproval, "{asked:?}");
    let request = asked.request.clone().unwrap_or_else(|| panic!("a request"));
    assert_eq!(request.azure_status, "PendingAdminDecision");
    assert!(
        request.id.contains("roleEligibilityScheduleRequests"),
        "{}",
        request.id
    );
    // Followed like any other request: read again by its id, still pending.
    let again = s.request(&request).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.azure_status, "PendingAdminDecision");

    // Azure's side: one SelfExtend eligibility request, nothing else changed yet.
    let on_azure = sim_requests(&f).await;
    let filed: Vec<&Value> = on_azure
        .iter()
        .filter(|r| {
            r["type"].as_str().is_some_and(|t| {
                t.eq_ignore_ascii_case("Microsoft.Authorization/roleEligibilityScheduleRequests")
            })
        })
        .collect();
    assert_eq!(filed.len(), 1, "{on_azure:#?}");
    assert_eq!(filed[0]["properties"]["requestType"], "SelfExtend");
    assert_eq!(
        eligibility(&s, "Contoso Incident Responder", "Contoso Production")
            .await
            .end,
        Some(before)
    );

    // A second one while it waits is refused by Azure.
    let twice = s
        .request_extension(&target, MoreTime::Extend, Span::from_hours(24), "again")
        .await;
    assert_eq!(twice.outcome, Outcome::AlreadyPending, "{twice:?}");

    f.post(&format!("requests/{}/approve", request.name), json!({}))
        .await;
    let decided = s.request(&request).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decided.azure_status, "Provisioned");
    let after = eligibility(&s, "Contoso Incident Responder", "Contoso Production").await;
    let end = after.end.unwrap_or_else(|| panic!("time-bound"));
    assert!((end - chrono::Utc::now()).num_days() >= 89, "{after:?}");
}

#[tokio::test]
async fn a_denied_extension_leaves_the_eligibility_as_it_was() {
    let f = fixture().await;
    let s = session(&f).await;
    let ending = eligibility(&s, "Contoso Incident Responder", "Contoso Production").await;
    let asked = s
        .request_extension(
            &Expiring::from(&ending),
            MoreTime::Extend,
            Span::from_hours(24 * 30),
            "need it",
        )
        .await;
    let request = asked.request.unwrap_or_else(|| panic!("{:?}", asked.error));
    f.post(&format!("requests/{}/deny", request.name), json!({}))
        .await;
    let decided = s.request(&request).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decided.azure_status, "Denied");
    assert_eq!(
        eligibility(&s, "Contoso Incident Responder", "Contoso Production")
            .await
            .end,
        ending.end
    );
}

#[tokio::test]
async fn what_azure_does_not_take_is_refused_with_a_typed_error() {
    let f = fixture().await;
    let s = session(&f).await;
    let now = chrono::Utc::now();
    // Outside the window: a year away. Refused before anything is sent.
    let far = eligibility(&s, "Contributor", "Contoso Development").await;
    let early = s
        .request_extension(
            &Expiring::from(&far),
            MoreTime::Extend,
            Span::from_hours(24),
            "x",
        )
        .await;
    assert_eq!(code(&early), "more-time-refused", "{early:?}");
    // A renewal before the end.
    let ending = eligibility(&s, "Contoso Incident Responder", "Contoso Production").await;
    let renew_early = s
        .request_extension(
            &Expiring::from(&ending),
            MoreTime::Renew,
            Span::from_hours(24),
            "x",
        )
        .await;
    assert_eq!(code(&renew_early), "more-time-refused", "{renew_early:?}");
    // A group's eligibility: PIM for Groups has no such request.
    let member = eligibility(&s, "Member", "PIM-Prod-Operators").await;
    let mut group = Expiring::from(&member);
    group.end = Some(now + chrono::TimeDelta::days(3));
    let no = s
        .request_extension(&group, MoreTime::Extend, Span::from_hours(24), "x")
        .await;
    assert_eq!(code(&no), "more-time-refused");
    assert!(
        no.error
            .as_ref()
            .is_some_and(|e| e.message.contains("PIM for Groups"))
    );
    // An activation.
    let reader = eligibility(&s, "Contoso Incident Responder", "Contoso Production").await;
    let mut activation = Expiring::from(&reader);
    activation.holding = Holding::Assignment;
    activation.activated = true;
    let act = s
        .request_extension(&activation, MoreTime::Extend, Span::from_hours(24), "x")
        .await;
    assert_eq!(code(&act), "more-time-refused");
    let sent: Vec<Value> = sim_requests(&f).await;
    assert!(
        !sent.iter().any(|r| r["properties"]["requestType"]
            .as_str()
            .is_some_and(|t| t.starts_with("Self") && t != "SelfActivate")),
        "nothing refused by Elevate reached Azure: {sent:#?}"
    );

    // What the client cannot know, Azure refuses: an Expiring that claims a near end for an
    // eligibility that ends in a year (the simulator's ExpirationRule), and a renewal of something
    // that never ended.
    let mut lying = Expiring::from(&far);
    lying.end = Some(now + chrono::TimeDelta::days(3));
    let azure_early = s
        .request_extension(&lying, MoreTime::Extend, Span::from_hours(24), "x")
        .await;
    assert_eq!(code(&azure_early), "more-time-refused", "{azure_early:?}");
    let mut never_ended = Expiring::from(&far);
    never_ended.end = Some(now - chrono::TimeDelta::days(3));
    let azure_renew = s
        .request_extension(&never_ended, MoreTime::Renew, Span::from_hours(24), "x")
        .await;
    assert_eq!(azure_renew.outcome, Outcome::Error);
    assert!(
        azure_renew
            .error
            .as_ref()
            .and_then(|e| e.azure_code.clone())
            .is_some_and(|c| c == "RoleEligibilityScheduleExists"),
        "{azure_renew:?}"
    );
}

#[tokio::test]
async fn an_eligibility_that_ended_lately_is_renewed_once_an_administrator_approves() {
    let f = fixture().await;
    let s = session(&f).await;
    // The demo tenant's User Access Administrator at Contoso Development ended three days ago;
    // Elevate would know it from an earlier listing (here it is described as that listing had it).
    let reader = eligibility(&s, "Contributor", "Contoso Development").await;
    let mut ended = Expiring::from(&reader);
    ended.role = elevate_core::model::RoleRef {
        id: format!(
            "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}",
            demo::SUBSCRIPTION_DEVELOPMENT,
            demo::ROLE_USER_ACCESS_ADMINISTRATOR
        ),
        name: "User Access Administrator".into(),
    };
    ended.end = Some(chrono::Utc::now() - chrono::TimeDelta::days(3));
    assert_eq!(ended.offer(chrono::Utc::now()), Some(MoreTime::Renew));
    let asked = s
        .request_extension(
            &ended,
            MoreTime::Renew,
            Span::from_hours(24 * 60),
            "still on the team",
        )
        .await;
    assert_eq!(asked.outcome, Outcome::PendingApproval, "{asked:?}");
    let request = asked.request.unwrap_or_else(|| panic!("a request"));
    let on_azure = sim_requests(&f).await;
    assert!(on_azure.iter().any(|r| {
        r["properties"]["requestType"] == "SelfRenew"
            && r["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("roleEligibilityScheduleRequests"))
    }));
    assert!(s.roles(&[]).await.items.iter().all(
        |e| e.role.name != "User Access Administrator" || e.scope.name != "Contoso Development"
    ));
    f.post(&format!("requests/{}/approve", request.name), json!({}))
        .await;
    let renewed = eligibility(&s, "User Access Administrator", "Contoso Development").await;
    assert!(
        renewed
            .end
            .is_some_and(|e| (e - chrono::Utc::now()).num_days() >= 59),
        "{renewed:?}"
    );
}

/// Every Graph `action` of a request for more time is in the documented enum of the resource it
/// is sent to (assignment and eligibility requests); groups are never sent one.
#[tokio::test]
async fn graph_requests_for_more_time_use_actions_of_their_resources_enums() {
    let f = fixture().await;
    let s = session(&f).await;
    let enums = elevate_spec::fixture_json("graph/actions.json").unwrap_or_else(|e| panic!("{e}"));
    let reader = eligibility(&s, "Global Reader", "Directory").await;
    for (holding, resource) in [
        (Holding::Assignment, "unifiedRoleAssignmentScheduleRequest"),
        (
            Holding::Eligibility,
            "unifiedRoleEligibilityScheduleRequest",
        ),
    ] {
        for ask in [MoreTime::Extend, MoreTime::Renew] {
            let target = Expiring {
                holding,
                ..Expiring::from(&reader)
            };
            let body = elevate_core::graph::more_time_body(
                &target,
                ask,
                Span::from_hours(24),
                "why",
                "oid",
            );
            let action = body["action"].as_str().unwrap_or_default().to_owned();
            assert!(
                enums[resource]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(action.as_str()))),
                "{resource}: {action}"
            );
        }
    }
}
