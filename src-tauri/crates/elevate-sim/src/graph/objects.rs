//! Directory objects Elevate reads for display names: role definitions, administrative units,
//! groups, and the signed-in user (`/me`).

use axum::http::StatusCode;
use serde_json::json;

use super::odata::{list_reply, page};
use super::render;
use super::{GraphCtx, object_not_found};
use crate::arm::reply::ArmReply as Reply;

fn with_context(mut value: serde_json::Value, context: String) -> Reply {
    if let Some(object) = value.as_object_mut() {
        object.remove("@odata.type");
        let mut ordered = serde_json::Map::new();
        ordered.insert("@odata.context".to_string(), json!(context));
        ordered.extend(std::mem::take(object));
        *object = ordered;
    }
    Reply::json(StatusCode::OK, &value)
}

/// `GET /roleManagement/directory/roleDefinitions[/{id}]`.
pub(crate) fn role_definitions(ctx: &GraphCtx<'_>, id: Option<&str>) -> Reply {
    let state = ctx.shared.state();
    match id {
        Some(id) => match state.entra.role(id) {
            Some(role) => with_context(
                render::role_definition(role),
                ctx.context("roleManagement/directory/roleDefinitions/$entity"),
            ),
            None => object_not_found(id),
        },
        None => {
            let all = &state.entra.roles;
            let (range, next) = match page(ctx, all.len(), state.settings.page_size) {
                Ok(p) => p,
                Err(reply) => return reply,
            };
            let items = all
                .get(range)
                .unwrap_or(&[])
                .iter()
                .map(render::role_definition)
                .collect();
            list_reply(
                ctx.context("roleManagement/directory/roleDefinitions"),
                items,
                next,
            )
        }
    }
}

/// `GET /directory/administrativeUnits/{id}`.
pub(crate) fn administrative_unit(ctx: &GraphCtx<'_>, id: &str) -> Reply {
    let state = ctx.shared.state();
    match state.entra.admin_unit(id) {
        Some(unit) => with_context(
            render::admin_unit(unit),
            ctx.context("directory/administrativeUnits/$entity"),
        ),
        None => object_not_found(id),
    }
}

/// `GET /groups/{id}`.
pub(crate) fn group(ctx: &GraphCtx<'_>, id: &str) -> Reply {
    let state = ctx.shared.state();
    match state.directory.group(id) {
        Some(group) => with_context(
            selected(ctx, render::group(group)),
            ctx.context("groups/$entity"),
        ),
        None => object_not_found(id),
    }
}

/// `GET /groups/{id}/owners`: the group's owners as `directoryObject`s (users, with `@odata.type`
/// `#microsoft.graph.user`, `id`, `displayName`, `userPrincipalName`, `mail`); one page.
pub(crate) fn group_owners(ctx: &GraphCtx<'_>, id: &str) -> Reply {
    let state = ctx.shared.state();
    let Some(group) = state.directory.group(id) else {
        return object_not_found(id);
    };
    let owners: Vec<serde_json::Value> = group
        .owners
        .iter()
        .filter_map(|o| state.directory.user(o))
        .map(|u| {
            json!({
                "@odata.type": "#microsoft.graph.user",
                "id": u.id,
                "displayName": u.display_name,
                "userPrincipalName": u.upn,
                "mail": u.mail(),
            })
        })
        .collect();
    Reply::json(
        StatusCode::OK,
        &json!({ "@odata.context": ctx.context("directoryObjects"), "value": owners }),
    )
}

/// `GET /users/{id}`: a user's profile. Without `$select`, Graph's default set as far as the
/// simulator keeps it (`id`, `displayName`, `userPrincipalName`, `mail`; `userType` is not among
/// Graph's defaults); with `$select`, only the selected properties the simulator keeps
/// (`userType` included).
pub(crate) fn user(ctx: &GraphCtx<'_>, id: &str) -> Reply {
    let state = ctx.shared.state();
    match state.directory.user(id) {
        Some(user) => {
            let mut profile = json!({
                "id": user.id,
                "displayName": user.display_name,
                "userPrincipalName": user.upn,
                "mail": user.mail(),
            });
            if select_list(ctx).is_some()
                && let Some(object) = profile.as_object_mut()
            {
                object.insert("userType".to_string(), json!(user.user_type()));
            }
            with_context(selected(ctx, profile), ctx.context("users/$entity"))
        }
        None => object_not_found(id),
    }
}

/// The properties `$select` names (comma-separated), when it is present and not blank.
fn select_list(ctx: &GraphCtx<'_>) -> Option<Vec<String>> {
    let raw = ctx.query.get("$select").filter(|s| !s.trim().is_empty())?;
    Some(
        raw.split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
    )
}

/// `value` with only the properties `$select` names (case-insensitively), as Graph answers a
/// `$select`; `value` as it is without one.
fn selected(ctx: &GraphCtx<'_>, mut value: serde_json::Value) -> serde_json::Value {
    if let (Some(wanted), Some(object)) = (select_list(ctx), value.as_object_mut()) {
        object.retain(|key, _| {
            key.starts_with('@') || wanted.iter().any(|w| w.eq_ignore_ascii_case(key))
        });
    }
    value
}

/// `GET /me`.
pub(crate) fn me(ctx: &GraphCtx<'_>) -> Reply {
    let state = ctx.shared.state();
    match state.directory.user(&ctx.caller.oid) {
        Some(user) => Reply::json(
            StatusCode::OK,
            &json!({
                "@odata.context": ctx.context("users/$entity"),
                "id": user.id,
                "displayName": user.display_name,
                "userPrincipalName": user.upn,
                "mail": user.upn,
            }),
        ),
        None => object_not_found(&ctx.caller.oid),
    }
}
