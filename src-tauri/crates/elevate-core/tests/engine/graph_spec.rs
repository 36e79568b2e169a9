//! The Graph client held against Microsoft's Graph documentation examples: it reads the documented
//! responses, and what it sends has the documented shape.

use std::collections::BTreeSet;

use elevate_core::graph::convert::{directory_eligibility, policy_from_assignment, request};
use elevate_core::graph::{directory_activation_body, group_activation_body};
use elevate_core::model::{
    ActivationRequest, Eligibility, MemberType, RequestKind, RequestStatus, RoleKey, RoleRef,
    ScopeKind, ScopeRef, Source, Span, Ticket,
};
use elevate_spec::fixture_json;
use serde_json::Value;

fn fixture(path: &str) -> Value {
    fixture_json(&format!("graph/{path}")).unwrap_or_else(|e| panic!("{e}"))
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn reads_the_documented_eligibility_list() {
    let page =
        fixture("directory/roleEligibilityScheduleInstances.filterByCurrentUser.response.200.json");
    let items: Vec<Eligibility> = page["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| directory_eligibility(v.clone()).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(items.len(), 1);
    let e = &items[0];
    assert_eq!(e.source, Source::EntraRole);
    assert_eq!(e.role.id, "8424c6f0-a189-499e-bbd0-26c1753c96d4");
    assert_eq!(
        (e.scope.id.as_str(), e.scope.kind, e.scope.name.as_str()),
        ("/", ScopeKind::Directory, "Directory")
    );
    assert_eq!(e.member_type, MemberType::Direct);
    assert!(e.end.is_some() && e.schedule_id.is_some());
}

#[test]
fn reads_the_documented_activation_responses() {
    let r = request(fixture("directory/selfActivate.response.201.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (r.source, r.kind, r.status),
        (
            Source::EntraRole,
            RequestKind::Activate,
            RequestStatus::Done
        )
    );
    assert_eq!(r.azure_status, "Granted");
    assert_eq!(r.duration, Some(Span::from_hours(5)));
    assert_eq!(
        r.ticket.as_ref().map(|t| t.number.as_str()),
        Some("CONTOSO:Normal-67890")
    );
    assert!(
        r.id.ends_with("/roleAssignmentScheduleRequests/911bab8a-6912-4de2-9dc0-2648ede7dd6d"),
        "{}",
        r.id
    );

    let g = request(fixture("groups/selfActivate.member.response.201.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (g.source, g.status, g.role.name.as_str()),
        (Source::Group, RequestStatus::Done, "Member")
    );
    assert_eq!(g.scope.id, "2b5ed229-4072-478d-9504-a047ebd4b07d");
    assert_eq!(g.duration, Some(Span::from_hours(2)));
    assert_eq!(g.ticket, None, "null ticket fields are no ticket");

    let admin = request(fixture("directory/adminAssign.response.201.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(admin.kind, RequestKind::Other);
}

#[test]
fn reads_the_documented_policy_rules() {
    let page = fixture(
        "policies/roleManagementPolicyAssignments.directoryRole.expandPolicyRules.response.200.json",
    );
    let policy = policy_from_assignment(page["value"][0].clone());
    assert_eq!(policy.max_duration, Some(Span::from_hours(8)));
    assert!(policy.mfa_required && policy.justification_required);
    assert!(!policy.ticket_required && !policy.approval_required);
    assert_eq!(policy.authentication_context, None);
    // Without $expand the policy is absent: nothing is required, nothing invented.
    let groups = fixture("policies/roleManagementPolicyAssignments.group.response.200.json");
    assert_eq!(
        policy_from_assignment(groups["value"][0].clone()),
        elevate_core::model::Policy::default()
    );
}

fn wish(ticket: bool) -> ActivationRequest {
    ActivationRequest {
        duration: Span::from_hours(5),
        justification: Some("need it".into()),
        ticket: ticket.then(|| Ticket {
            system: "MS Project".into(),
            number: "CONTOSO:Normal-67890".into(),
        }),
        start: None,
        narrower_scope: None,
    }
}

#[test]
fn sends_the_documented_request_shapes() {
    let role = Eligibility {
        key: RoleKey::new(
            Source::EntraRole,
            "/",
            "8424c6f0-a189-499e-bbd0-26c1753c96d4",
        ),
        source: Source::EntraRole,
        role: RoleRef {
            id: "8424c6f0-a189-499e-bbd0-26c1753c96d4".into(),
            name: "Attribute Administrator".into(),
        },
        scope: ScopeRef {
            id: "/".into(),
            name: "Directory".into(),
            kind: ScopeKind::Directory,
        },
        principal_id: "p".into(),
        member_type: MemberType::Direct,
        start: None,
        end: None,
        schedule_id: None,
    };
    let ours =
        directory_activation_body(&role, &wish(true), "071cc716-8147-4397-a5ba-b2105951cc0b")
            .unwrap_or_else(|e| panic!("{e}"));
    let documented = fixture("directory/selfActivate.request.json");
    assert_eq!(keys(&ours), keys(&documented));
    assert_eq!(
        keys(&ours["scheduleInfo"]),
        keys(&documented["scheduleInfo"])
    );
    assert_eq!(
        keys(&ours["scheduleInfo"]["expiration"]),
        keys(&documented["scheduleInfo"]["expiration"])
    );
    assert_eq!(keys(&ours["ticketInfo"]), keys(&documented["ticketInfo"]));
    assert_eq!(
        ours["scheduleInfo"]["expiration"]["duration"],
        documented["scheduleInfo"]["expiration"]["duration"]
    );
    assert_eq!(ours["action"], documented["action"]);

    let group = Eligibility {
        key: RoleKey::new(
            Source::Group,
            "2b5ed229-4072-478d-9504-a047ebd4b07d",
            "member",
        ),
        source: Source::Group,
        role: RoleRef {
            id: "member".into(),
            name: "Member".into(),
        },
        scope: ScopeRef {
            id: "2b5ed229-4072-478d-9504-a047ebd4b07d".into(),
            name: "G".into(),
            kind: ScopeKind::Group,
        },
        ..role
    };
    let ours = group_activation_body(
        &group,
        &ActivationRequest {
            duration: Span::from_hours(2),
            ..wish(false)
        },
        "3cce9d87-3986-4f19-8335-7ed075408ca2",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let documented = fixture("groups/selfActivate.member.request.json");
    assert_eq!(keys(&ours), keys(&documented));
    assert_eq!(
        (&ours["accessId"], &ours["groupId"]),
        (&documented["accessId"], &documented["groupId"])
    );

    let narrower = ActivationRequest {
        narrower_scope: Some("/administrativeUnits/x".into()),
        ..wish(false)
    };
    assert!(
        group_activation_body(&group, &narrower, "p").is_err(),
        "narrower scopes are ARM's only"
    );
}
