//! The Graph client (Entra roles, PIM for Groups) and the merged session against the simulator over
//! real HTTP.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;

use common::{fixture, fixture_with, quick_retries};
use elevate_core::Error;
use elevate_core::arm::Submission;
use elevate_core::auth::TokenSource;
use elevate_core::model::{
    ActivationRequest, AssignmentType, Eligibility, MemberType, RequestStatus, ScopeKind, Source,
    Span, Ticket,
};
use elevate_core::session::{Clients, Session, SessionOptions};
use serde_json::json;

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
async fn lists_entra_roles_and_groups_with_names_across_pages() {
    let f = fixture_with(2, quick_retries()).await;
    let roles = f
        .graph
        .directory_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let keys: HashSet<_> = roles.iter().map(|e| e.key.clone()).collect();
    assert_eq!(keys.len(), roles.len(), "no duplicates across pages");
    assert!(roles.len() >= 4, "{roles:?}");
    let reader = pick(&roles, "Global Reader", "Directory");
    assert_eq!(
        (reader.source, reader.scope.kind),
        (Source::EntraRole, ScopeKind::Directory)
    );
    let exchange = pick(&roles, "Exchange Administrator", "EMEA Users");
    assert_eq!(exchange.scope.kind, ScopeKind::AdministrativeUnit);
    assert!(
        exchange
            .scope
            .id
            .to_ascii_lowercase()
            .starts_with("/administrativeunits/")
    );

    let groups = f
        .graph
        .group_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    pick(&groups, "Member", "PIM-Prod-Operators");
    pick(&groups, "Owner", "PIM-Security-Admins");
    pick(&groups, "Member", "PIM-Security-Admins");
    assert!(
        groups
            .iter()
            .all(|g| g.source == Source::Group && g.scope.kind == ScopeKind::Group)
    );

    let active = f
        .graph
        .directory_active()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        active
            .iter()
            .any(|g| g.role.name == "Directory Readers"
                && g.assignment_type == AssignmentType::Assigned),
        "{active:?}"
    );
    let pages = f
        .log()
        .await
        .iter()
        .filter(|l| {
            l["path"]
                .as_str()
                .is_some_and(|p| p.contains("roleEligibilityScheduleInstances"))
        })
        .count();
    assert!(pages >= 2, "followed @odata.nextLink");
}

#[tokio::test]
async fn reads_entra_and_group_policies() {
    let f = fixture().await;
    let roles = f
        .graph
        .directory_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let user_admin = f
        .graph
        .policy(pick(&roles, "User Administrator", "Directory"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        user_admin.approval_required && user_admin.justification_required,
        "{user_admin:?}"
    );
    assert_eq!(user_admin.max_duration, Some(Span::from_hours(4)));
    let security = f
        .graph
        .policy(pick(&roles, "Security Administrator", "Directory"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(security.authentication_context.as_deref(), Some("c1"));
    let exchange = f
        .graph
        .policy(pick(&roles, "Exchange Administrator", "EMEA Users"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(exchange.ticket_required, "{exchange:?}");
    let groups = f
        .graph
        .group_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let owner = f
        .graph
        .policy(pick(&groups, "Owner", "PIM-Security-Admins"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(owner.approval_required, "{owner:?}");
    let member = f
        .graph
        .policy(pick(&groups, "Member", "PIM-Security-Admins"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!member.approval_required, "{member:?}");
}

#[tokio::test]
async fn activates_and_deactivates_an_entra_role() {
    let f = fixture().await;
    let roles = f
        .graph
        .directory_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reader = pick(&roles, "Global Reader", "Directory");
    let record = created(
        f.graph
            .activate(reader, &wish(2, Some("audit")), &f.oid(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(
        (record.status, record.source),
        (RequestStatus::Done, Source::EntraRole)
    );
    assert_eq!(
        record.role.name, "Global Reader",
        "names are filled on requests too"
    );
    let active = f
        .graph
        .directory_active()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let grant = active
        .iter()
        .find(|g| g.key == reader.key)
        .unwrap_or_else(|| panic!("not active: {active:?}"));
    assert_eq!(grant.assignment_type, AssignmentType::Activated);
    assert_eq!(
        (grant.end.unwrap_or_default() - grant.start.unwrap_or_default()).num_minutes(),
        120
    );
    assert_eq!(
        f.graph
            .activate(reader, &wish(2, Some("audit")), &f.oid(), None)
            .await
            .ok(),
        Some(Submission::AlreadyActive)
    );

    match f.graph.deactivate(grant, &f.oid()).await {
        Err(Error::Azure(e)) => assert_eq!(e.code, "ActiveDurationTooShort"),
        other => panic!("{other:?}"),
    }
    f.advance("PT6M").await;
    let done = created(
        f.graph
            .deactivate(grant, &f.oid())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(done.status, RequestStatus::Done);
    assert!(
        !f.graph
            .directory_active()
            .await
            .unwrap_or_default()
            .iter()
            .any(|g| g.key == reader.key)
    );
}

#[tokio::test]
async fn entra_approval_cancel_and_claims_challenge() {
    let f = fixture().await;
    let roles = f
        .graph
        .directory_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let user_admin = pick(&roles, "User Administrator", "Directory");
    let pending = created(
        f.graph
            .activate(user_admin, &wish(1, Some("onboarding")), &f.oid(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(pending.status, RequestStatus::PendingApproval);
    assert!(pending.approval_id.is_some());
    assert!(matches!(
        f.graph
            .activate(user_admin, &wish(1, Some("again")), &f.oid(), None)
            .await,
        Ok(Submission::AlreadyPending { .. })
    ));
    let mine = f
        .graph
        .my_requests(Source::EntraRole)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        mine.iter()
            .any(|r| r.name == pending.name && r.status == RequestStatus::PendingApproval)
    );
    f.graph
        .cancel(&pending.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        f.graph.request(&pending.id).await.map(|r| r.status).ok(),
        Some(RequestStatus::Canceled)
    );
    assert!(
        f.graph.cancel(&pending.id).await.is_err(),
        "not pending any more"
    );

    let approved = created(
        f.graph
            .activate(user_admin, &wish(1, Some("onboarding")), &f.oid(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    f.post(
        &format!("requests/{}/approve", approved.name),
        json!({"justification": "ok"}),
    )
    .await;
    assert_eq!(
        f.graph.request(&approved.id).await.map(|r| r.status).ok(),
        Some(RequestStatus::Done)
    );

    let security = pick(&roles, "Security Administrator", "Directory");
    let challenge = match f
        .graph
        .activate(security, &wish(1, Some("incident")), &f.oid(), None)
        .await
    {
        Err(Error::ClaimsChallenge(c)) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(challenge.acrs(), vec!["c1".to_owned()]);
    let ok = created(
        f.graph
            .activate(
                security,
                &wish(1, Some("incident")),
                &f.oid(),
                Some(&challenge.claims),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(ok.status, RequestStatus::Done);

    let exchange = pick(&roles, "Exchange Administrator", "EMEA Users");
    match f
        .graph
        .activate(exchange, &wish(1, Some("mailbox")), &f.oid(), None)
        .await
    {
        Err(Error::PolicyRulesFailed { rules, .. }) => {
            assert!(rules.contains(&"TicketingRule".to_owned()), "{rules:?}")
        }
        other => panic!("{other:?}"),
    }
    let with_ticket = ActivationRequest {
        ticket: Some(Ticket {
            system: "SN".into(),
            number: "CHG1".into(),
        }),
        ..wish(1, Some("mailbox"))
    };
    assert_eq!(
        created(
            f.graph
                .activate(exchange, &with_ticket, &f.oid(), None)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        )
        .status,
        RequestStatus::Done
    );
}

#[tokio::test]
async fn group_membership_grants_its_azure_role_while_active() {
    let f = fixture().await;
    let groups = f
        .graph
        .group_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let operators = pick(&groups, "Member", "PIM-Prod-Operators");
    let inherited = |grants: &[elevate_core::model::ActiveGrant]| {
        grants.iter().any(|g| {
            g.role.name == "Contributor"
                && g.scope.name == "Contoso Production"
                && g.member_type == MemberType::Group
        })
    };
    assert!(
        !inherited(&f.client.active().await.unwrap_or_default()),
        "not before"
    );
    let record = created(
        f.graph
            .activate(operators, &wish(1, Some("deploy")), &f.oid(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(
        (record.status, record.source),
        (RequestStatus::Done, Source::Group)
    );
    let group_grants = f
        .graph
        .group_active()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let membership = group_grants
        .iter()
        .find(|g| g.key == operators.key)
        .unwrap_or_else(|| panic!("{group_grants:?}"));
    assert!(
        inherited(&f.client.active().await.unwrap_or_else(|e| panic!("{e}"))),
        "the group's Azure role is active for the user"
    );
    f.advance("PT6M").await;
    created(
        f.graph
            .deactivate(membership, &f.oid())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert!(
        !inherited(&f.client.active().await.unwrap_or_default()),
        "and gone with the membership"
    );
}

#[tokio::test]
async fn a_lost_answer_to_a_graph_post_is_not_duplicated() {
    let f = fixture().await;
    let roles = f
        .graph
        .directory_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reader = pick(&roles, "Global Reader", "Directory");
    f.fault(json!({"method": "POST", "path_contains": "roleAssignmentScheduleRequests", "kind": "status", "status": 503, "after_effect": true, "count": 1})).await;
    f.clear_log().await;
    let outcome = f
        .graph
        .activate(reader, &wish(1, Some("x")), &f.oid(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        outcome,
        Submission::AlreadyActive,
        "the retry found the first request's grant"
    );
    let created_count = f
        .log()
        .await
        .iter()
        .filter(|l| l["effect"] == "created")
        .count();
    assert_eq!(created_count, 1);
    let grants = f.graph.directory_active().await.unwrap_or_default();
    assert_eq!(grants.iter().filter(|g| g.key == reader.key).count(), 1);
}

#[tokio::test]
async fn the_session_merges_sources_and_reports_a_failed_one_beside_the_others() {
    let f = fixture().await;
    let session = Session::connect(
        Clients {
            arm: Some(f.client_clone()),
            graph: Some(f.graph_clone()),
        },
        Arc::clone(&f.tokens) as Arc<dyn TokenSource>,
        None,
        SessionOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let all = session.roles(&[]).await;
    assert!(all.failures.is_empty(), "{:?}", all.failures);
    let sources: HashSet<Source> = all.items.iter().map(|e| e.source).collect();
    assert_eq!(sources.len(), 3, "all three sources");
    let only_groups = session.roles(&[Source::Group]).await;
    assert!(
        only_groups.items.iter().all(|e| e.source == Source::Group)
            && !only_groups.items.is_empty()
    );

    f.fault(json!({"path_contains": "/v1.0/", "kind": "status", "status": 503, "count": 100}))
        .await;
    let partial = session.roles(&[]).await;
    assert!(
        partial
            .items
            .iter()
            .all(|e| e.source == Source::AzureResource)
            && !partial.items.is_empty()
    );
    let failed: HashSet<Source> = partial.failures.iter().map(|f| f.source).collect();
    assert_eq!(failed, HashSet::from([Source::EntraRole, Source::Group]));
    assert!(
        partial
            .failures
            .iter()
            .all(|f| f.error.code == "unavailable"),
        "{:?}",
        partial.failures
    );
}
