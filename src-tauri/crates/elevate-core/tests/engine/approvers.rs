//! Who may approve: the approval rule's primary approvers read from ARM's and Graph's policies,
//! named through Graph's `/users/{id}` and `/groups/{id}`, each read once within the hour, and the
//! rule's own description when Graph refuses (a token without the permission to read users).

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use elevate_core::auth::{AccessToken, Audience, TokenFuture, TokenSource};
use elevate_core::graph::GraphClient;
use elevate_core::http::HttpClient;
use elevate_core::model::{
    ApproverKind, Eligibility, MemberType, RequestRecord, RequestStatus, RoleKey, RoleRef,
    ScopeKind, ScopeRef, Source, Ticket,
};
use elevate_core::secret::Secret;
use elevate_core::session::{ActivationWish, Clients, Outcome, Session, SessionOptions};
use elevate_sim::TokenRequest;
use serde_json::Value;

use crate::common::{Fixture, SimTokens, fixture, quick_retries};

const GRACE: &str = "6ace0000-1906-4b1d-8c2e-0000000c0b01";
const ADA: &str = "0a1da1e5-1815-4c2b-9d3e-ada000001815";
const APPROVERS_GROUP: &str = "5e0b0e7a-0f5e-4a1b-9c3d-00000a990e55";
const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

/// The simulator's tokens, Graph's with only the PIM permissions (no `User.ReadBasic.All`, no
/// group reads): what a tenant that consented to nothing more gives.
struct PimOnlyTokens(Arc<SimTokens>);

const PIM_ONLY: &str = "User.Read RoleEligibilitySchedule.ReadWrite.Directory RoleAssignmentSchedule.ReadWrite.Directory \
     RoleManagementPolicy.Read.Directory PrivilegedEligibilitySchedule.Read.AzureADGroup \
     PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup RoleManagementPolicy.Read.AzureADGroup";

impl TokenSource for PimOnlyTokens {
    fn token<'a>(&'a self, audience: Audience, claims: Option<&'a Value>) -> TokenFuture<'a> {
        if audience == Audience::Arm {
            return self.0.token(audience, claims);
        }
        Box::pin(async move {
            let token = self
                .0
                .sim
                .issue_token(&TokenRequest {
                    audience: "https://graph.microsoft.com".to_owned(),
                    scopes: Some(PIM_ONLY.to_owned()),
                    ..TokenRequest::default()
                })
                .map_err(|e| elevate_core::Error::Auth(e.to_string()))?;
            Ok(AccessToken {
                token: Secret::new(token),
                expires_on: Utc::now() + TimeDelta::hours(1),
            })
        })
    }

    fn describe(&self) -> String {
        "simulator, PIM permissions only".into()
    }
}

async fn session_with(f: &Fixture, tokens: Arc<dyn TokenSource>) -> Session {
    let base = url::Url::parse(&f.sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let http = HttpClient::new(quick_retries()).unwrap_or_else(|e| panic!("{e}"));
    let arm = elevate_core::arm::ArmClient::new(http.clone(), base.clone(), Arc::clone(&tokens));
    let graph = GraphClient::new(http, base, Arc::clone(&tokens));
    Session::connect(
        Clients {
            arm: Some(arm),
            graph: Some(graph),
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

/// Asks for Owner at Contoso Production (approval required) and returns the pending request.
async fn owner_request(s: &Session) -> RequestRecord {
    let roles = s.roles(&[]).await;
    let owner = roles
        .items
        .iter()
        .find(|e| e.role.name == "Owner" && e.scope.name == "Contoso Production")
        .cloned()
        .unwrap_or_else(|| panic!("Owner at Contoso Production in {:?}", roles.items));
    let asked = s
        .activate(
            &owner,
            &ActivationWish {
                duration: None,
                justification: Some("Rotate the keys & \"deploy\"".into()),
                ticket: Some(Ticket {
                    system: "SN".into(),
                    number: "INC1".into(),
                }),
                start: None,
                narrower_scope: None,
            },
        )
        .await;
    assert_eq!(asked.outcome, Outcome::PendingApproval, "{asked:?}");
    let mine = s.requests(&[Source::AzureResource]).await;
    mine.items
        .into_iter()
        .find(|r| r.status == RequestStatus::PendingApproval && r.role.name == "Owner")
        .unwrap_or_else(|| panic!("the pending request"))
}

fn paths(log: &[Value], prefix: &str) -> Vec<(String, u64)> {
    log.iter()
        .filter(|e| {
            e["path"]
                .as_str()
                .is_some_and(|p| p.to_ascii_lowercase().starts_with(prefix))
        })
        .map(|e| {
            (
                e["path"].as_str().unwrap_or_default().to_owned(),
                e["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_arm_request_shows_its_approvers_named_with_their_addresses_read_once() {
    let f = fixture().await;
    let s = session_with(&f, Arc::clone(&f.tokens) as Arc<dyn TokenSource>).await;
    let request = owner_request(&s).await;
    f.clear_log().await;
    let approvers = s
        .approvers_for(&request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen: Vec<_> = approvers
        .iter()
        .map(|a| {
            (
                a.id.as_str(),
                a.kind,
                a.display_name(),
                a.upn.as_deref(),
                a.mail.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                GRACE,
                ApproverKind::User,
                "Grace Hopper",
                Some("grace@contoso.example"),
                Some("grace@contoso.example")
            ),
            (
                ADA,
                ApproverKind::User,
                "Ada Lovelace",
                Some("ada@contoso.example"),
                Some("ada@contoso.example")
            ),
            (
                APPROVERS_GROUP,
                ApproverKind::Group,
                "PIM Approvers",
                None,
                Some("pim-approvers@contoso.example")
            ),
        ]
    );
    assert_eq!(approvers[2].description.as_deref(), Some("PIM Approvers"));
    // The policy was read by the activation a moment ago: only the names were asked for.
    let log = f.log().await;
    assert!(
        paths(&log, "/providers").is_empty() && paths(&log, "/subscriptions").is_empty(),
        "{log:#?}"
    );
    assert_eq!(
        paths(&log, "/v1.0/"),
        vec![
            (format!("/v1.0/users/{GRACE}"), 200),
            (format!("/v1.0/users/{ADA}"), 200),
            (format!("/v1.0/groups/{APPROVERS_GROUP}"), 200),
        ]
    );
    // Within the hour nothing is read again.
    f.clear_log().await;
    let again = s
        .approvers_for(&request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, approvers);
    assert!(f.log().await.is_empty());
}

#[tokio::test]
async fn graph_policies_carry_single_users_and_group_members() {
    let f = fixture().await;
    let s = session_with(&f, Arc::clone(&f.tokens) as Arc<dyn TokenSource>).await;
    // The policy of User Administrator (Ada and Grace approve it), read as the client reads it.
    let role = Eligibility {
        key: RoleKey::new(Source::EntraRole, "/", USER_ADMINISTRATOR),
        source: Source::EntraRole,
        role: RoleRef {
            id: USER_ADMINISTRATOR.into(),
            name: "User Administrator".into(),
        },
        scope: ScopeRef {
            id: "/".into(),
            name: "Directory".into(),
            kind: ScopeKind::Directory,
        },
        principal_id: ADA.into(),
        member_type: MemberType::Direct,
        start: None,
        end: None,
        schedule_id: None,
    };
    let mut policy = s.policy(&role).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(policy.approval_required);
    let ids: Vec<_> = policy
        .approvers
        .iter()
        .map(|a| (a.id.as_str(), a.kind, a.description.as_deref()))
        .collect();
    assert_eq!(
        ids,
        vec![
            (GRACE, ApproverKind::User, Some("Grace Hopper")),
            (ADA, ApproverKind::User, Some("Ada Lovelace"))
        ]
    );
    s.name_approvers(&mut policy.approvers).await;
    assert_eq!(
        policy.approvers[0].upn.as_deref(),
        Some("grace@contoso.example")
    );
}

#[tokio::test]
async fn without_permission_to_read_users_the_rules_descriptions_stay_and_nothing_fails() {
    let f = fixture().await;
    let tokens: Arc<dyn TokenSource> = Arc::new(PimOnlyTokens(Arc::clone(&f.tokens)));
    let s = session_with(&f, tokens).await;
    let request = owner_request(&s).await;
    f.clear_log().await;
    let approvers = s
        .approvers_for(&request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen: Vec<_> = approvers
        .iter()
        .map(|a| (a.display_name(), a.upn.as_deref(), a.mail.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("Grace Hopper", None, None),
            ("Ada Lovelace", None, None),
            ("PIM Approvers", None, None)
        ]
    );
    // Graph refused each lookup (403), as it does without the permission; each was tried once.
    let refused = paths(&f.log().await, "/v1.0/");
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(
        refused.iter().all(|(_, status)| *status == 403),
        "{refused:?}"
    );
    f.clear_log().await;
    let again = s
        .approvers_for(&request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, approvers);
    assert!(
        paths(&f.log().await, "/v1.0/").is_empty(),
        "a refusal is remembered within the hour"
    );
    // The request listing itself is whole.
    let listing = s.requests(&[]).await;
    assert!(listing.failures.is_empty(), "{:?}", listing.failures);
}
