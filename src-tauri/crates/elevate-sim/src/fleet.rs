//! Many users at once, for the fleet benchmark (`POST /_sim/fleet`): each a directory user with a
//! few eligibilities and activated grants in all three sources, some of them approvers of the demo
//! tenant's requests that wait for approval.
//!
//! A fleet user `n` (from 1) is `Fleet User 00001` (`fleet-00001@{domain}`), object id
//! `stable_guid("elevate-sim/fleet/{tenant}/user/{n}")`, eligible for Reader and Contributor at
//! Contoso Development, Global Reader (Entra, `/`) and `member` of PIM-Prod-Operators, with Reader
//! at Contoso Development, Global Reader and the PIM-Prod-Operators membership activated from now
//! for `hours` (so the membership also gives Contributor at Contoso Production, which the group
//! holds). Every `approvers_every`-th user is a member of the group `Fleet-Approvers`, which is
//! added as an approver to the policies of the three requests the demo tenant keeps waiting for
//! approval (Owner at Contoso Production, User Administrator, owner of PIM-Security-Admins): those
//! users see Grace Hopper's requests when they list what waits for their approval.

use chrono::Duration;

use crate::demo;
use crate::entra::{self, PimGroup, Schedule, Target};
use crate::ids::{eq_ci, stable_guid};
use crate::policy::Approver;
use crate::state::{ActiveAssignment, SimState};
use crate::tenant::{self, Group, User};

/// The most users one call adds.
pub(crate) const MAX_FLEET: usize = 100_000;

/// The longest activation a fleet user gets (the roles' policies allow 8 hours).
pub(crate) const MAX_HOURS: i64 = 8;

/// The object id of fleet user `n` in `tenant`.
pub(crate) fn user_id(tenant: &str, n: usize) -> String {
    stable_guid(&format!("elevate-sim/fleet/{tenant}/user/{n}"))
}

/// The object id of the group `Fleet-Approvers` in `tenant`.
pub(crate) fn approvers_group(tenant: &str) -> String {
    stable_guid(&format!("elevate-sim/fleet/{tenant}/approvers"))
}

/// One user added: object id, user name, approver or not.
pub(crate) struct Added {
    pub id: String,
    pub upn: String,
    pub approver: bool,
}

/// Adds users `first..first + count` (numbers continue across calls); every `approvers_every`-th
/// one (0: none) approves. Their grants last `hours` from now.
pub(crate) fn add(
    state: &mut SimState,
    count: usize,
    approvers_every: usize,
    hours: i64,
) -> Vec<Added> {
    let now = state.now();
    let end = Some(now + Duration::hours(hours));
    let tenant = state.directory.tenant_id.clone();
    let domain = demo::DEMO_USER_UPN
        .rsplit('@')
        .next()
        .unwrap_or("contoso.example")
        .to_string();
    let group_id = approvers_group(&tenant);
    if state.directory.group(&group_id).is_none() {
        state.directory.groups.push(Group {
            id: group_id.clone(),
            display_name: "Fleet-Approvers".to_string(),
            members: Vec::new(),
            owners: Vec::new(),
            mail: None,
        });
    }
    if !state.entra.is_pim_group(demo::PIM_GROUP_PROD_OPERATORS) {
        state.entra.pim_groups.push(PimGroup {
            id: demo::PIM_GROUP_PROD_OPERATORS.to_string(),
            standing_members: Vec::new(),
        });
    }
    let first = state.fleet_created as usize + 1;
    let mut added = Vec::with_capacity(count);
    let mut approver_ids = Vec::new();
    for n in first..first + count {
        let id = user_id(&tenant, n);
        let upn = format!("fleet-{n:05}@{domain}");
        if state.directory.user(&id).is_none() {
            state.directory.users.push(User {
                id: id.clone(),
                display_name: format!("Fleet User {n:05}"),
                upn: upn.clone(),
                mail: None,
                user_type: None,
                tenant_id: None,
                guest_of: None,
            });
        }
        let label = |what: &str| format!("elevate-sim/fleet/{tenant}/{n}/{what}");
        // Azure resources: two eligibilities, one of them activated.
        let reader = tenant::eligibility(
            &label("reader"),
            &id,
            demo::ROLE_READER,
            demo::SCOPE_DEVELOPMENT,
            "Direct",
            now,
            None,
        );
        let contributor = tenant::eligibility(
            &label("contributor"),
            &id,
            demo::ROLE_CONTRIBUTOR,
            demo::SCOPE_DEVELOPMENT,
            "Direct",
            now,
            None,
        );
        state.assignments.push(ActiveAssignment {
            schedule_name: stable_guid(&label("reader-active/schedule")),
            instance_name: stable_guid(&label("reader-active/instance")),
            principal_id: id.clone(),
            role_guid: demo::ROLE_READER.to_string(),
            scope: demo::SCOPE_DEVELOPMENT.to_string(),
            assignment_type: "Activated".to_string(),
            member_type: "Direct".to_string(),
            start: now,
            end,
            linked_eligibility_schedule_id: Some(reader.schedule_id()),
            linked_eligibility_instance_id: Some(reader.instance_id()),
            origin_role_assignment_name: stable_guid(&label("reader-active/assignment")),
            created_on: now,
        });
        state.eligibilities.push(reader);
        state.eligibilities.push(contributor);
        // Entra role and group: eligible and activated.
        let targets = [
            (
                "global-reader",
                Target::Directory {
                    role_id: demo::ENTRA_GLOBAL_READER.to_string(),
                    scope_id: entra::DIRECTORY_ROOT.to_string(),
                },
            ),
            (
                "prod-operators",
                Target::Group {
                    group_id: demo::PIM_GROUP_PROD_OPERATORS.to_string(),
                    access_id: "member".to_string(),
                },
            ),
        ];
        for (what, target) in targets {
            let schedule_id = stable_guid(&label(&format!("{what}/eligibility")));
            let eligibility_id = match &target {
                Target::Directory { .. } => format!("{}-1-e", schedule_id.replace('-', "")),
                Target::Group {
                    group_id,
                    access_id,
                } => format!("{group_id}_{access_id}_{schedule_id}"),
            };
            let active_schedule = stable_guid(&label(&format!("{what}/assignment")));
            let active_id = match &target {
                Target::Directory { .. } => entra::new_instance_id(""),
                Target::Group {
                    group_id,
                    access_id,
                } => format!("{group_id}_{access_id}_{active_schedule}"),
            };
            state.entra.eligibilities.push(Schedule {
                id: eligibility_id,
                schedule_id,
                target: target.clone(),
                principal_id: id.clone(),
                member_type: "Direct".to_string(),
                assignment_type: String::new(),
                start: now,
                end: None,
                origin_id: None,
                created: now,
            });
            state.entra.assignments.push(Schedule {
                id: active_id,
                schedule_id: active_schedule,
                origin_id: matches!(target, Target::Directory { .. })
                    .then(|| stable_guid(&label(&format!("{what}/origin")))),
                target,
                principal_id: id.clone(),
                member_type: "Direct".to_string(),
                assignment_type: "Activated".to_string(),
                start: now,
                end,
                created: now,
            });
        }
        let approver = approvers_every > 0 && n % approvers_every == 0;
        if approver {
            approver_ids.push(id.clone());
        }
        added.push(Added { id, upn, approver });
    }
    if let Some(group) = state
        .directory
        .groups
        .iter_mut()
        .find(|g| eq_ci(&g.id, &group_id))
    {
        group.members.extend(approver_ids);
    }
    state.fleet_created = u32::try_from(first - 1 + count).unwrap_or(u32::MAX);
    if added.iter().any(|a| a.approver) {
        make_approvers(state, &group_id);
    }
    entra::sync_memberships(state);
    added
}

/// Adds the group as an approver of the three roles whose requests wait in the demo tenant.
fn make_approvers(state: &mut SimState, group_id: &str) {
    let approver = Approver {
        id: group_id.to_string(),
        description: "Fleet-Approvers".to_string(),
        user_type: "Group".to_string(),
    };
    let add = |approvers: &mut Vec<Approver>| {
        if !approvers.iter().any(|a| eq_ci(&a.id, group_id)) {
            approvers.push(approver.clone());
        }
    };
    // The demo tenant sets these policies explicitly (a reset brings them back).
    if let Some(explicit) = state
        .policies
        .iter_mut()
        .find(|p| eq_ci(&p.role_guid, demo::ROLE_OWNER) && eq_ci(&p.scope, demo::SCOPE_PRODUCTION))
    {
        add(&mut explicit.rules.approvers);
    }
    let targets = [
        Target::Directory {
            role_id: demo::ENTRA_USER_ADMINISTRATOR.to_string(),
            scope_id: entra::DIRECTORY_ROOT.to_string(),
        },
        Target::Group {
            group_id: demo::PIM_GROUP_SECURITY_ADMINS.to_string(),
            access_id: "owner".to_string(),
        },
    ];
    for target in targets {
        if let Some(explicit) = state
            .entra
            .policies
            .iter_mut()
            .find(|p| p.target.same(&target))
        {
            add(&mut explicit.rules.approvers);
        }
    }
}
