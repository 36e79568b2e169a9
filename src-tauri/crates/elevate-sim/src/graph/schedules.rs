//! `filterByCurrentUser(on='principal')` over eligibility and assignment schedule instances, for
//! Entra roles and PIM for Groups.

use super::GraphCtx;
use super::odata::{Expand, Filter, list_reply, page};
use super::render::Render;
use super::routes::Family;
use crate::arm::reply::ArmReply as Reply;
use crate::entra::{Schedule, Target};
use crate::ids::eq_ci;

/// The properties `$filter` may name on instances.
const DIRECTORY_FILTERS: &[&str] = &[
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "memberType",
    "assignmentType",
];
const GROUP_FILTERS: &[&str] = &[
    "principalId",
    "groupId",
    "accessId",
    "memberType",
    "assignmentType",
];

fn passes(filter: &Filter, s: &Schedule) -> bool {
    let common = filter.accepts("principalId", &s.principal_id)
        && filter.accepts("memberType", &s.member_type)
        && (s.assignment_type.is_empty() || filter.accepts("assignmentType", &s.assignment_type));
    common
        && match &s.target {
            Target::Directory { role_id, scope_id } => {
                filter.accepts("roleDefinitionId", role_id)
                    && filter.accepts("directoryScopeId", scope_id)
            }
            Target::Group {
                group_id,
                access_id,
            } => filter.accepts("groupId", group_id) && filter.accepts("accessId", access_id),
        }
}

/// The caller's current eligibilities (`eligibility`) or live assignments of `family`.
pub(crate) fn list(ctx: &GraphCtx<'_>, family: Family, eligibility: bool) -> Reply {
    match build(ctx, family, eligibility) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn build(ctx: &GraphCtx<'_>, family: Family, eligibility: bool) -> Result<Reply, Reply> {
    let (entity, allowed, filters): (&str, &[&str], &[&str]) = match (family, eligibility) {
        (Family::Directory, true) => (
            "unifiedRoleEligibilityScheduleInstance",
            &["roleDefinition", "directoryScope", "appScope", "principal"],
            DIRECTORY_FILTERS,
        ),
        (Family::Directory, false) => (
            "unifiedRoleAssignmentScheduleInstance",
            &["roleDefinition", "directoryScope", "appScope", "principal"],
            DIRECTORY_FILTERS,
        ),
        (Family::Groups, true) => (
            "privilegedAccessGroupEligibilityScheduleInstance",
            &["group", "principal"],
            GROUP_FILTERS,
        ),
        (Family::Groups, false) => (
            "privilegedAccessGroupAssignmentScheduleInstance",
            &["group", "principal"],
            GROUP_FILTERS,
        ),
    };
    let expand = Expand::parse(ctx, allowed, entity)?;
    let filter = Filter::parse(ctx, filters)?;
    let state = ctx.shared.state();
    let now = state.now();
    let source = if eligibility {
        &state.entra.eligibilities
    } else {
        &state.entra.assignments
    };
    let matches: Vec<&Schedule> = source
        .iter()
        .filter(|s| {
            super::family_of(&s.target) == family
                && eq_ci(&s.principal_id, &ctx.caller.oid)
                && if eligibility {
                    s.is_current(now)
                } else {
                    s.is_live(now)
                }
                && passes(&filter, s)
        })
        .collect();
    let (range, next) = page(ctx, matches.len(), state.settings.page_size)?;
    let render = Render::new(&state, &expand);
    let items = matches
        .get(range)
        .unwrap_or(&[])
        .iter()
        .map(|s| render.instance(s, eligibility))
        .collect();
    Ok(list_reply(
        ctx.context(&format!("Collection({entity})")),
        items,
        next,
    ))
}
