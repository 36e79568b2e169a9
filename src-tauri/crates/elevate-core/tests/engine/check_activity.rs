//! Checking before sending (`Session::check`: the policy, then ARM's `validate` or Graph's
//! `isValidationOnly`) and the activity from Azure (`Session::activity`: this machine's history
//! merged with the requests Azure lists), against the simulator over real HTTP. A check never
//! creates anything: the simulator's requests, the grants and the history are the same after it.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{Fixture, SimTokens, fixture};
use elevate_core::Error;
use elevate_core::arm::ArmClient;
use elevate_core::auth::{Audience, TokenSource};
use elevate_core::graph::GraphClient;
use elevate_core::http::HttpClient;
use elevate_core::model::{
    ActivationRequest, Eligibility, RequestKind, RequestStatus, Source, Span, Ticket,
};
use elevate_core::session::{
    ActivationWish, Clients, Concern, Origin, Outcome, Session, SessionOptions, Verdict,
};
use elevate_core::store::HistoryQuery;
use serde_json::{Value, json};

/// A session whose clients and sign-in use `tokens`.
async fn session_with(f: &Fixture, tokens: Arc<dyn TokenSource>) -> Session {
    let base = url::Url::parse(&f.sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let http = HttpClient::new(common::quick_retries()).unwrap_or_else(|e| panic!("{e}"));
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
        None,
        SessionOptions {
            poll_interval: Duration::from_millis(100),
            ..SessionOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn session(f: &Fixture) -> Session {
    session_with(f, Arc::clone(&f.tokens) as Arc<dyn TokenSource>).await
}

async fn role(s: &Session, source: Source, role: &str, scope: Option<&str>) -> Eligibility {
    s.roles(&[source])
        .await
        .items
        .into_iter()
        .find(|e| e.role.name == role && scope.is_none_or(|scope| e.scope.name == scope))
        .unwrap_or_else(|| panic!("{role} at {scope:?} is not eligible"))
}

fn wish(reason: Option<&str>, ticket: Option<(&str, &str)>) -> ActivationWish {
    ActivationWish {
        duration: Some(Span::from_hours(1)),
        justification: reason.map(str::to_owned),
        ticket: ticket.map(|(system, number)| Ticket {
            system: system.into(),
            number: number.into(),
        }),
        ..ActivationWish::default()
    }
}

/// Everything a check could have changed: the simulator's requests (ARM and Graph), the grants,
/// and this machine's history.
async fn world(f: &Fixture, s: &Session) -> (usize, usize, usize) {
    let url = format!("{}/_sim/requests", f.sim.url());
    let requests: Value = f
        .control
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let active = s.active(&[]).await;
    assert!(active.failures.is_empty(), "{:?}", active.failures);
    let history = s
        .store()
        .history(&HistoryQuery::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (
        requests.as_array().map_or(0, Vec::len),
        active.items.len(),
        history.len(),
    )
}

/// The methods and paths of the simulator's log since it was cleared.
async fn calls(f: &Fixture) -> Vec<(String, String)> {
    f.log()
        .await
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["path"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn arm_check_says_granted_or_approval_and_creates_nothing() {
    let f = fixture().await;
    let s = session(&f).await;
    let reader = role(
        &s,
        Source::AzureResource,
        "Reader",
        Some("Contoso Platform"),
    )
    .await;
    let owner = role(
        &s,
        Source::AzureResource,
        "Owner",
        Some("Contoso Production"),
    )
    .await;
    let before = world(&f, &s).await;
    f.clear_log().await;

    let granted = s.check(&reader, &wish(None, None)).await;
    assert_eq!(granted.verdict, Verdict::WouldBeGranted, "{granted:?}");
    assert!(
        granted.checked_by_azure && granted.error.is_none(),
        "{granted:?}"
    );
    let validated: Vec<_> = calls(&f)
        .await
        .into_iter()
        .filter(|(_, path)| path.to_ascii_lowercase().ends_with("/validate"))
        .collect();
    assert_eq!(validated.len(), 1, "one validate call: {validated:?}");
    // The call is Microsoft's documented operation: its method, and its path template with a new
    // GUID as the name.
    let spec = elevate_spec::ArmSpec::load().unwrap_or_else(|e| panic!("{e}"));
    let (method, template) = spec
        .operation("RoleAssignmentScheduleRequests_Validate")
        .unwrap_or_else(|| panic!("no validate operation"));
    assert_eq!(validated[0].0, method);
    let after_scope = template
        .split_once("{scope}")
        .map(|(_, t)| t)
        .unwrap_or_default();
    let (before_name, after_name) = after_scope
        .split_once("{roleAssignmentScheduleRequestName}")
        .unwrap_or_else(|| panic!("{template}"));
    let path = &validated[0].1;
    let at = path
        .find(before_name)
        .unwrap_or_else(|| panic!("{path} does not follow {template}"));
    let rest = &path[at + before_name.len()..];
    let name = rest
        .strip_suffix(after_name)
        .unwrap_or_else(|| panic!("{path}"));
    assert!(uuid::Uuid::parse_str(name).is_ok(), "{path}");
    assert!(
        path[..at].eq_ignore_ascii_case(reader.scope.id.trim_end_matches('/')),
        "at the eligible scope: {path}"
    );

    let approval = s
        .check(&owner, &wish(Some("deploy"), Some(("ServiceNow", "CHG1"))))
        .await;
    assert_eq!(
        approval.verdict,
        Verdict::WouldWaitForApproval,
        "{approval:?}"
    );
    assert_eq!(approval.azure_status.as_deref(), Some("PendingEvaluation"));
    assert!(
        !f.log().await.iter().any(|e| e["method"] == "PUT"),
        "a check never PUTs"
    );
    assert_eq!(world(&f, &s).await, before, "nothing created");
}

#[tokio::test]
async fn arm_check_refuses_with_the_exact_rule_and_says_what_it_concerns() {
    let f = fixture().await;
    // A sign-in without multi-factor authentication: the Owner role's policy asks for it, which
    // only Azure knows to check (the token's `amr`).
    let weak = Arc::new(SimTokens {
        sim: Arc::clone(&f.sim),
        amr: vec!["pwd".into()],
    });
    let s = session_with(&f, weak as Arc<dyn TokenSource>).await;
    let owner = role(
        &s,
        Source::AzureResource,
        "Owner",
        Some("Contoso Production"),
    )
    .await;
    let before = world(&f, &s).await;

    let refused = s
        .check(&owner, &wish(Some("deploy"), Some(("ServiceNow", "CHG1"))))
        .await;
    assert_eq!(refused.verdict, Verdict::Refused, "{refused:?}");
    assert!(refused.checked_by_azure, "Azure refused it");
    let error = refused
        .error
        .clone()
        .unwrap_or_else(|| panic!("{refused:?}"));
    assert_eq!(error.code, "policy");
    assert_eq!(
        error.azure_code.as_deref(),
        Some("RoleAssignmentRequestPolicyValidationFailed")
    );
    assert!(error.message.contains("multi-factor"), "{}", error.message);
    assert_eq!(refused.concerns, vec![Concern::SignIn]);

    // What Elevate knows of the policy is checked first, without asking Azure.
    f.clear_log().await;
    let no_ticket = s.check(&owner, &wish(Some("deploy"), None)).await;
    assert_eq!(no_ticket.verdict, Verdict::Refused);
    assert!(!no_ticket.checked_by_azure);
    assert_eq!(no_ticket.concerns, vec![Concern::Ticket]);
    assert!(
        !calls(&f).await.iter().any(|(m, _)| m != "GET"),
        "refused before anything was sent"
    );

    // The client's own answer is the typed error an activation gets: the rule by name.
    let request = ActivationRequest {
        duration: Span::from_hours(1),
        justification: Some("deploy".into()),
        ticket: None,
        start: None,
        narrower_scope: None,
    };
    match f
        .client
        .validate(&owner, &request, &f.oid(), uuid::Uuid::new_v4(), None)
        .await
    {
        Err(Error::PolicyRulesFailed { rules, .. }) => {
            assert_eq!(rules, vec!["TicketingRule".to_owned()]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(world(&f, &s).await, before, "nothing created");
}

#[tokio::test]
async fn a_check_of_what_is_active_or_pending_says_so() {
    let f = fixture().await;
    let s = session(&f).await;
    let reader = role(
        &s,
        Source::AzureResource,
        "Reader",
        Some("Contoso Platform"),
    )
    .await;
    let done = s.activate(&reader, &wish(None, None)).await;
    assert_eq!(done.outcome, Outcome::Done, "{done:?}");
    let again = s.check(&reader, &wish(None, None)).await;
    assert_eq!(again.verdict, Verdict::AlreadyActive, "{again:?}");

    let admin = role(&s, Source::EntraRole, "User Administrator", None).await;
    let pending = s.activate(&admin, &wish(Some("onboarding"), None)).await;
    assert_eq!(pending.outcome, Outcome::PendingApproval, "{pending:?}");
    let before = world(&f, &s).await;
    let again = s.check(&admin, &wish(Some("onboarding"), None)).await;
    assert_eq!(again.verdict, Verdict::AlreadyPending, "{again:?}");
    assert_eq!(world(&f, &s).await, before, "nothing created");
}

#[tokio::test]
async fn graph_check_covers_entra_roles_and_groups_and_creates_nothing() {
    let f = fixture().await;
    let s = session(&f).await;
    let reader = role(&s, Source::EntraRole, "Global Reader", None).await;
    let admin = role(&s, Source::EntraRole, "User Administrator", None).await;
    let exchange = role(&s, Source::EntraRole, "Exchange Administrator", None).await;
    let groups = s.roles(&[Source::Group]).await.items;
    let group = |access: &str, name: &str| {
        groups
            .iter()
            .find(|e| e.role.name == access && e.scope.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("{access} of {name}"))
    };
    let member = group("Member", "PIM-Security-Admins");
    let owner = group("Owner", "PIM-Security-Admins");
    let before = world(&f, &s).await;
    f.clear_log().await;

    let granted = s.check(&reader, &wish(Some("audit"), None)).await;
    assert_eq!(granted.verdict, Verdict::WouldBeGranted, "{granted:?}");
    assert!(granted.checked_by_azure);
    let approval = s.check(&admin, &wish(Some("onboarding"), None)).await;
    assert_eq!(
        approval.verdict,
        Verdict::WouldWaitForApproval,
        "{approval:?}"
    );
    let member_check = s.check(&member, &wish(None, None)).await;
    assert_eq!(
        member_check.verdict,
        Verdict::WouldBeGranted,
        "{member_check:?}"
    );
    assert!(
        member_check.checked_by_azure,
        "groups are checked by Azure too"
    );
    let owner_check = s.check(&owner, &wish(Some("rotation"), None)).await;
    assert_eq!(
        owner_check.verdict,
        Verdict::WouldWaitForApproval,
        "{owner_check:?}"
    );

    // Every check was a POST carrying `isValidationOnly: true`, to the collection an activation
    // posts to.
    let posts: Vec<_> = calls(&f)
        .await
        .into_iter()
        .filter(|(m, _)| m == "POST")
        .collect();
    assert_eq!(posts.len(), 4, "{posts:?}");
    assert!(
        posts.iter().all(|(_, p)| p
            .ends_with("/roleManagement/directory/roleAssignmentScheduleRequests")
            || p.ends_with(
                "/identityGovernance/privilegedAccess/group/assignmentScheduleRequests"
            )),
        "{posts:?}"
    );

    // Azure's refusal, by rule, from the client.
    let request = ActivationRequest {
        duration: Span::from_hours(1),
        justification: Some("mailboxes".into()),
        ticket: None,
        start: None,
        narrower_scope: None,
    };
    match f.graph.validate(&exchange, &request, &f.oid(), None).await {
        Err(Error::PolicyRulesFailed { rules, .. }) => {
            assert_eq!(rules, vec!["TicketingRule".to_owned()]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(world(&f, &s).await, before, "nothing created");
}

#[tokio::test]
async fn an_authentication_context_is_a_note_not_a_refusal_and_no_sign_in_happens() {
    let f = fixture().await;
    let s = session(&f).await;
    let vault = role(&s, Source::AzureResource, "Key Vault Secrets Officer", None).await;
    let check = s.check(&vault, &wish(Some("rotate"), None)).await;
    assert_eq!(check.verdict, Verdict::WouldBeGranted, "{check:?}");
    assert!(
        check.notes.iter().any(|n| n.contains("c1")),
        "{:?}",
        check.notes
    );
}

/// A request made with another tool: the plain ARM API with the user's token.
async fn put_elsewhere(f: &Fixture, scope: &str, role_guid: &str, reason: &str) -> String {
    let token = f
        .tokens
        .token(Audience::Arm, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let name = uuid::Uuid::new_v4().to_string();
    let url = format!(
        "{}{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?api-version=2020-10-01",
        f.sim.url()
    );
    let body = json!({ "properties": {
        "principalId": f.oid(),
        "roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"),
        "requestType": "SelfActivate",
        "justification": reason,
        "scheduleInfo": { "expiration": { "type": "AfterDuration", "duration": "PT1H" } },
    }});
    let response = f
        .control
        .put(&url)
        .bearer_auth(token.token.expose())
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.status(),
        201,
        "{}",
        response.text().await.unwrap_or_default()
    );
    name
}

#[tokio::test]
async fn activity_merges_this_machine_with_requests_made_elsewhere() {
    let f = fixture().await;
    let s = session(&f).await;
    let reader = role(
        &s,
        Source::AzureResource,
        "Reader",
        Some("Contoso Platform"),
    )
    .await;
    let here = s.activate(&reader, &wish(None, None)).await;
    assert_eq!(here.outcome, Outcome::Done, "{here:?}");
    let here_id = here.request.map(|r| r.id).unwrap_or_default();
    f.advance("PT1M").await;
    let elsewhere = put_elsewhere(
        &f,
        elevate_sim::demo::SCOPE_DEVELOPMENT,
        elevate_sim::demo::ROLE_CONTRIBUTOR,
        "=cmd|' /C calc'!A0",
    )
    .await;

    let activity = s.activity(100).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(activity.failures.is_empty(), "{:?}", activity.failures);
    let mine: Vec<_> = activity
        .rows
        .iter()
        .filter(|r| {
            r.azure_request_id
                .as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(&here_id))
        })
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "one row for the request made here: {:?}",
        activity.rows
    );
    assert_eq!(mine[0].origin, Origin::ThisMachine);
    assert!(mine[0].listed_by_azure);
    assert_eq!(mine[0].status, RequestStatus::Done);
    let other: Vec<_> = activity
        .rows
        .iter()
        .filter(|r| {
            r.azure_request_id
                .as_deref()
                .is_some_and(|id| id.to_ascii_lowercase().ends_with(&elsewhere))
        })
        .collect();
    assert_eq!(other.len(), 1, "{:?}", activity.rows);
    assert_eq!(other[0].origin, Origin::Elsewhere);
    assert_eq!(other[0].kind, RequestKind::Activate);
    assert_eq!(other[0].role, "Contributor");
    assert_eq!(other[0].scope_name, "Contoso Development");
    assert_eq!(
        other[0].justification.as_deref(),
        Some("=cmd|' /C calc'!A0")
    );
    // Newest first: the request made elsewhere a minute later leads.
    assert!(
        activity.rows.windows(2).all(|w| w[0].at >= w[1].at),
        "{:?}",
        activity.rows
    );
    assert_eq!(activity.rows[0].origin, Origin::Elsewhere);
    // A limit holds.
    assert_eq!(s.activity(1).await.map(|a| a.rows.len()).ok(), Some(1));
}
