//! `applications`, `servicePrincipals` and `oauth2PermissionGrants` (Graph v1.0), as far as an
//! administrator registering a public client and granting it admin consent uses them: create, get
//! (by object id, or by `appId` with the `(appId='…')` key), list with `$filter` on `appId` /
//! `displayName` (applications, service principals) or `clientId` / `resourceId` / `consentType`
//! (grants), update (`PATCH`), with the documented property names.
//!
//! Writing needs, besides the delegated permission ([`super::permissions`]), an active Entra role
//! that may manage applications: Global Administrator, Application Administrator or Cloud
//! Application Administrator (and for grants also Privileged Role Administrator). Anyone else is
//! refused with 403 `Authorization_RequestDenied`.

use axum::http::{Method, StatusCode};
use chrono::Utc;
use serde_json::{Map, Value, json};

use super::odata::{Filter, list_reply, page};
use super::{GraphCtx, bad_request, denied, object_not_found};
use crate::apps::{Application, Grant, RequiredAccess, ServicePrincipal};
use crate::arm::reply::ArmReply as Reply;
use crate::clock::format_time;
use crate::consent::Resource;
use crate::entra::Target;
use crate::ids::{eq_ci, new_guid, parse_guid};

/// Global Administrator.
pub(crate) const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Application Administrator.
pub(crate) const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
/// Cloud Application Administrator.
pub(crate) const CLOUD_APPLICATION_ADMINISTRATOR: &str = "158c047a-c907-4556-b7ef-446551a6b5f7";
/// Privileged Role Administrator.
pub(crate) const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";

const APP_ROLES: [&str; 3] = [
    GLOBAL_ADMINISTRATOR,
    APPLICATION_ADMINISTRATOR,
    CLOUD_APPLICATION_ADMINISTRATOR,
];
const GRANT_ROLES: [&str; 4] = [
    GLOBAL_ADMINISTRATOR,
    APPLICATION_ADMINISTRATOR,
    CLOUD_APPLICATION_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
];

/// Which collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    /// `/applications`.
    Applications,
    /// `/servicePrincipals`.
    ServicePrincipals,
    /// `/oauth2PermissionGrants`.
    Grants,
}

/// One object's key: its object id, or `appId` with the `(appId='…')` form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// `/{collection}/{id}`.
    Id(String),
    /// `/{collection}(appId='{appId}')`.
    AppId(String),
}

/// `collection(appId='x')` → `x`, if `segment` has that form for `name`.
pub(crate) fn app_id_key(segment: &str, name: &str) -> Option<Result<String, Reply>> {
    let lower = segment.to_ascii_lowercase();
    let rest = lower.strip_prefix(&format!("{}(", name.to_ascii_lowercase()))?;
    let inner = rest.strip_suffix(')')?;
    let start = segment.len() - rest.len();
    let original = &segment[start..segment.len() - 1];
    let Some((key, value)) = inner.split_once('=') else {
        return Some(Err(bad_request(
            "BadRequest",
            &format!("The key '{original}' is not valid."),
        )));
    };
    let value_original = original
        .split_once('=')
        .map(|(_, v)| v.trim())
        .unwrap_or_default();
    if key.trim() != "appid"
        || value_original.len() < 2
        || !value_original.starts_with('\'')
        || !value_original.ends_with('\'')
    {
        return Some(Err(bad_request(
            "BadRequest",
            &format!("The key '{original}' is not valid; use appId='…'."),
        )));
    }
    let _ = value;
    Some(Ok(value_original.trim_matches('\'').to_string()))
}

fn caller_holds(ctx: &GraphCtx<'_>, roles: &[&str]) -> bool {
    let state = ctx.shared.state();
    let now = state.now();
    state.entra.assignments.iter().any(|a| {
        eq_ci(&a.principal_id, &ctx.caller.oid)
            && a.is_current(now)
            && matches!(&a.target, Target::Directory { role_id, scope_id } if scope_id == "/" && roles.iter().any(|r| eq_ci(r, role_id)))
    })
}

/// The collection's handler.
pub(crate) async fn collection(ctx: &GraphCtx<'_>, method: &Method, which: Collection) -> Reply {
    match *method {
        Method::GET => list(ctx, which),
        Method::POST => create(ctx, which).await,
        _ => super::method_not_allowed(),
    }
}

/// One object's handler.
pub(crate) async fn object(
    ctx: &GraphCtx<'_>,
    method: &Method,
    which: Collection,
    key: &Key,
) -> Reply {
    match *method {
        Method::GET => get(ctx, which, key),
        Method::PATCH => update(ctx, which, key).await,
        _ => super::method_not_allowed(),
    }
}

fn render_application(app: &Application) -> Value {
    json!({
        "id": app.id,
        "appId": app.app_id,
        "displayName": app.display_name,
        "signInAudience": app.sign_in_audience,
        "isFallbackPublicClient": app.is_fallback_public_client,
        "publicClient": {"redirectUris": app.public_client_redirect_uris},
        "requiredResourceAccess": app.required_resource_access.iter().map(|r| json!({
            "resourceAppId": r.resource_app_id,
            "resourceAccess": r.access.iter().map(|(id, kind)| json!({"id": id, "type": kind})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "tags": app.tags,
        "notes": app.notes,
        "createdDateTime": format_time(&app.created),
    })
}

fn render_principal(sp: &ServicePrincipal) -> Value {
    json!({
        "id": sp.id,
        "appId": sp.app_id,
        "displayName": sp.display_name,
        "servicePrincipalType": "Application",
        "accountEnabled": true,
        "tags": sp.tags,
        "oauth2PermissionScopes": sp.scopes.iter().map(|s| json!({
            "id": s.id,
            "value": s.value,
            "type": s.kind,
            "isEnabled": true,
            "adminConsentDisplayName": s.value,
        })).collect::<Vec<_>>(),
    })
}

fn render_grant(grant: &Grant) -> Value {
    json!({
        "id": grant.id,
        "clientId": grant.client_id,
        "consentType": grant.consent_type,
        "principalId": grant.principal_id,
        "resourceId": grant.resource_id,
        "scope": grant.scope,
    })
}

fn context_name(which: Collection) -> &'static str {
    match which {
        Collection::Applications => "applications",
        Collection::ServicePrincipals => "servicePrincipals",
        Collection::Grants => "oauth2PermissionGrants",
    }
}

fn list(ctx: &GraphCtx<'_>, which: Collection) -> Reply {
    let allowed: &[&str] = match which {
        Collection::Applications | Collection::ServicePrincipals => &["appId", "displayName", "id"],
        Collection::Grants => &["clientId", "resourceId", "consentType", "principalId", "id"],
    };
    let filter = match Filter::parse(ctx, allowed) {
        Ok(f) => f,
        Err(reply) => return reply,
    };
    let state = ctx.shared.state();
    let apps = &state.apps;
    let items: Vec<Value> = match which {
        Collection::Applications => apps
            .applications
            .iter()
            .filter(|a| {
                filter.accepts("appId", &a.app_id)
                    && filter.accepts("displayName", &a.display_name)
                    && filter.accepts("id", &a.id)
            })
            .map(render_application)
            .collect(),
        Collection::ServicePrincipals => apps
            .principals()
            .filter(|s| {
                filter.accepts("appId", &s.app_id)
                    && filter.accepts("displayName", &s.display_name)
                    && filter.accepts("id", &s.id)
            })
            .map(render_principal)
            .collect(),
        Collection::Grants => apps
            .grants
            .iter()
            .filter(|g| {
                filter.accepts("clientId", &g.client_id)
                    && filter.accepts("resourceId", &g.resource_id)
                    && filter.accepts("consentType", &g.consent_type)
                    && filter.accepts("principalId", g.principal_id.as_deref().unwrap_or_default())
                    && filter.accepts("id", &g.id)
            })
            .map(render_grant)
            .collect(),
    };
    let (range, next) = match page(ctx, items.len(), state.settings.page_size) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let items = items.get(range).unwrap_or(&[]).to_vec();
    list_reply(ctx.context(context_name(which)), items, next)
}

fn get(ctx: &GraphCtx<'_>, which: Collection, key: &Key) -> Reply {
    let state = ctx.shared.state();
    let apps = &state.apps;
    let found = match (which, key) {
        (Collection::Applications, Key::Id(id)) => apps
            .applications
            .iter()
            .find(|a| eq_ci(&a.id, id))
            .map(render_application),
        (Collection::Applications, Key::AppId(app_id)) => {
            apps.application_by_app_id(app_id).map(render_application)
        }
        (Collection::ServicePrincipals, Key::Id(id)) => apps
            .principals()
            .find(|s| eq_ci(&s.id, id))
            .map(render_principal),
        (Collection::ServicePrincipals, Key::AppId(app_id)) => apps
            .service_principal_by_app_id(app_id)
            .map(render_principal),
        (Collection::Grants, Key::Id(id)) => {
            apps.grants.iter().find(|g| g.id == *id).map(render_grant)
        }
        (Collection::Grants, Key::AppId(_)) => None,
    };
    let shown = match key {
        Key::Id(id) | Key::AppId(id) => id.clone(),
    };
    match found {
        Some(mut value) => {
            if let Some(object) = value.as_object_mut() {
                let mut ordered = Map::new();
                ordered.insert(
                    "@odata.context".to_string(),
                    json!(ctx.context(&format!("{}/$entity", context_name(which)))),
                );
                ordered.extend(std::mem::take(object));
                *object = ordered;
            }
            Reply::json(StatusCode::OK, &value)
        }
        None => object_not_found(&shown),
    }
}

fn body(ctx: &GraphCtx<'_>) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(ctx.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

fn invalid(property: &str) -> Reply {
    bad_request(
        "Request_BadRequest",
        &format!("Invalid value specified for property '{property}' of resource."),
    )
}

fn strings(map: &Map<String, Value>, property: &str) -> Result<Option<Vec<String>>, Reply> {
    match map.get(property) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| invalid(property))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(invalid(property)),
    }
}

fn text(map: &Map<String, Value>, property: &str) -> Result<Option<String>, Reply> {
    match map.get(property) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(property)),
    }
}

/// Application properties the simulator keeps; others a client sends are refused (stricter than
/// Graph, which has many more).
const APPLICATION_PROPERTIES: [&str; 7] = [
    "displayName",
    "signInAudience",
    "isFallbackPublicClient",
    "publicClient",
    "requiredResourceAccess",
    "tags",
    "notes",
];

fn redirect_uris(map: &Map<String, Value>) -> Result<Option<Vec<String>>, Reply> {
    match map.get("publicClient") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(client)) => {
            let uris = strings(client, "redirectUris")?.unwrap_or_default();
            for uri in &uris {
                let ok = url::Url::parse(uri).is_ok_and(|u| {
                    matches!(u.scheme(), "http" | "https" | "ms-appx-web")
                        || u.scheme().contains('.')
                });
                if !ok {
                    return Err(invalid("publicClient.redirectUris"));
                }
            }
            Ok(Some(uris))
        }
        Some(_) => Err(invalid("publicClient")),
    }
}

fn required_access(map: &Map<String, Value>) -> Result<Option<Vec<RequiredAccess>>, Reply> {
    let Some(value) = map.get("requiredResourceAccess").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(items) = value.as_array() else {
        return Err(invalid("requiredResourceAccess"));
    };
    let mut out = Vec::new();
    for item in items {
        let resource = item
            .get("resourceAppId")
            .and_then(Value::as_str)
            .and_then(parse_guid)
            .ok_or_else(|| invalid("requiredResourceAccess.resourceAppId"))?;
        let access = item
            .get("resourceAccess")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("requiredResourceAccess.resourceAccess"))?;
        let mut pairs = Vec::new();
        for a in access {
            let id = a
                .get("id")
                .and_then(Value::as_str)
                .and_then(parse_guid)
                .ok_or_else(|| invalid("resourceAccess.id"))?;
            let kind = a
                .get("type")
                .and_then(Value::as_str)
                .filter(|k| matches!(*k, "Scope" | "Role"))
                .ok_or_else(|| invalid("resourceAccess.type"))?;
            pairs.push((id, kind.to_string()));
        }
        out.push(RequiredAccess {
            resource_app_id: resource,
            access: pairs,
        });
    }
    Ok(Some(out))
}

fn check_application_body(map: &Map<String, Value>) -> Result<(), Reply> {
    if let Some(unknown) = map
        .keys()
        .find(|k| !APPLICATION_PROPERTIES.iter().any(|p| p == k))
    {
        return Err(bad_request(
            "Request_BadRequest",
            &format!(
                "Property '{unknown}' does not exist on type 'microsoft.graph.application' or is not supported by the simulator."
            ),
        ));
    }
    if let Some(audience) = text(map, "signInAudience")?
        && ![
            "AzureADMyOrg",
            "AzureADMultipleOrgs",
            "AzureADandPersonalMicrosoftAccount",
            "PersonalMicrosoftAccount",
        ]
        .contains(&audience.as_str())
    {
        return Err(invalid("signInAudience"));
    }
    if map
        .get("isFallbackPublicClient")
        .is_some_and(|v| !v.is_boolean() && !v.is_null())
    {
        return Err(invalid("isFallbackPublicClient"));
    }
    Ok(())
}

async fn create(ctx: &GraphCtx<'_>, which: Collection) -> Reply {
    let roles: &[&str] = if which == Collection::Grants {
        &GRANT_ROLES
    } else {
        &APP_ROLES
    };
    if !caller_holds(ctx, roles) {
        return denied();
    }
    let map = match body(ctx) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    let made = match which {
        Collection::Applications => new_application(&map),
        Collection::ServicePrincipals => new_principal(ctx, &map),
        Collection::Grants => new_grant(ctx, &map),
    };
    let made = match made {
        Ok(made) => made,
        Err(reply) => return reply,
    };
    let rendered = ctx
        .shared
        .mutate(|state| {
            let apps = &mut state.apps;
            let value = match made {
                Made::Application(app) => {
                    let value = render_application(&app);
                    apps.applications.push(app);
                    value
                }
                Made::Principal(sp) => {
                    if apps.service_principal_by_app_id(&sp.app_id).is_some() {
                        return (Err(()), false);
                    }
                    let value = render_principal(&sp);
                    apps.service_principals.push(sp);
                    value
                }
                Made::Grant(grant) => {
                    let value = render_grant(&grant);
                    apps.grants.push(grant);
                    value
                }
            };
            (Ok(value), true)
        })
        .await;
    match rendered {
        Ok(mut value) => {
            if let Some(object) = value.as_object_mut() {
                object.insert(
                    "@odata.context".to_string(),
                    json!(ctx.context(&format!("{}/$entity", context_name(which)))),
                );
            }
            Reply::json(StatusCode::CREATED, &value)
        }
        Err(()) => bad_request(
            "Request_MultipleObjectsWithSameKeyValue",
            "The service principal cannot be created, updated, or restored because the service principal name is already in use.",
        ),
    }
}

enum Made {
    Application(Application),
    Principal(ServicePrincipal),
    Grant(Grant),
}

fn new_application(map: &Map<String, Value>) -> Result<Made, Reply> {
    check_application_body(map)?;
    let Some(name) = text(map, "displayName")?.filter(|n| !n.trim().is_empty()) else {
        return Err(bad_request(
            "Request_BadRequest",
            "The property 'displayName' is required when creating the entity.",
        ));
    };
    Ok(Made::Application(Application {
        id: new_guid(),
        app_id: new_guid(),
        display_name: name,
        sign_in_audience: text(map, "signInAudience")?
            .unwrap_or_else(|| "AzureADMyOrg".to_string()),
        is_fallback_public_client: map.get("isFallbackPublicClient").and_then(Value::as_bool),
        public_client_redirect_uris: redirect_uris(map)?.unwrap_or_default(),
        required_resource_access: required_access(map)?.unwrap_or_default(),
        tags: strings(map, "tags")?.unwrap_or_default(),
        notes: text(map, "notes")?,
        created: Utc::now(),
    }))
}

fn new_principal(ctx: &GraphCtx<'_>, map: &Map<String, Value>) -> Result<Made, Reply> {
    if let Some(unknown) = map
        .keys()
        .find(|k| !["appId", "tags"].contains(&k.as_str()))
    {
        return Err(bad_request(
            "Request_BadRequest",
            &format!(
                "Property '{unknown}' does not exist on type 'microsoft.graph.servicePrincipal' or is not supported by the simulator."
            ),
        ));
    }
    let Some(app_id) = text(map, "appId")? else {
        return Err(bad_request(
            "Request_BadRequest",
            "The property 'appId' is required when creating the entity.",
        ));
    };
    let state = ctx.shared.state();
    let Some(app) = state.apps.application_by_app_id(&app_id) else {
        return Err(bad_request(
            "Request_BadRequest",
            &format!(
                "The appId '{app_id}' of the service principal does not reference a valid application object."
            ),
        ));
    };
    Ok(Made::Principal(ServicePrincipal {
        id: new_guid(),
        app_id: app.app_id.clone(),
        display_name: app.display_name.clone(),
        tags: strings(map, "tags")?.unwrap_or_default(),
        scopes: Vec::new(),
    }))
}

/// The scope of a grant: permission names the resource publishes, space-separated.
fn check_scope(
    state: &crate::state::SimState,
    resource_id: &str,
    scope: &str,
) -> Result<(), Reply> {
    let Some(resource) = state.apps.principals().find(|s| eq_ci(&s.id, resource_id)) else {
        return Err(invalid("resourceId"));
    };
    let published = Resource::of(&resource.app_id).permissions();
    if scope
        .split_whitespace()
        .any(|s| !published.iter().any(|p| eq_ci(p, s)))
    {
        return Err(invalid("scope"));
    }
    Ok(())
}

fn new_grant(ctx: &GraphCtx<'_>, map: &Map<String, Value>) -> Result<Made, Reply> {
    if let Some(unknown) = map.keys().find(|k| {
        ![
            "clientId",
            "consentType",
            "principalId",
            "resourceId",
            "scope",
        ]
        .contains(&k.as_str())
    }) {
        return Err(bad_request(
            "Request_BadRequest",
            &format!(
                "Property '{unknown}' does not exist on type 'microsoft.graph.oAuth2PermissionGrant'."
            ),
        ));
    }
    let client_id = text(map, "clientId")?.ok_or_else(|| invalid("clientId"))?;
    let resource_id = text(map, "resourceId")?.ok_or_else(|| invalid("resourceId"))?;
    let consent_type = text(map, "consentType")?.ok_or_else(|| invalid("consentType"))?;
    let principal_id = text(map, "principalId")?;
    let scope = text(map, "scope")?.unwrap_or_default();
    match (consent_type.as_str(), &principal_id) {
        ("AllPrincipals", None) | ("Principal", Some(_)) => {}
        _ => return Err(invalid("consentType")),
    }
    let state = ctx.shared.state();
    if !state.apps.principals().any(|s| eq_ci(&s.id, &client_id)) {
        return Err(invalid("clientId"));
    }
    check_scope(&state, &resource_id, &scope)?;
    let duplicate = state.apps.grants.iter().any(|g| {
        eq_ci(&g.client_id, &client_id)
            && eq_ci(&g.resource_id, &resource_id)
            && g.consent_type == consent_type
            && g.principal_id == principal_id
    });
    if duplicate {
        return Err(error_conflict());
    }
    Ok(Made::Grant(Grant {
        id: crate::oauth::random(32),
        client_id,
        consent_type,
        principal_id,
        resource_id,
        scope,
    }))
}

fn error_conflict() -> Reply {
    super::error(
        StatusCode::CONFLICT,
        "Request_MultipleObjectsWithSameKeyValue",
        "Permission entry already exists.",
    )
}

async fn update(ctx: &GraphCtx<'_>, which: Collection, key: &Key) -> Reply {
    let roles: &[&str] = if which == Collection::Grants {
        &GRANT_ROLES
    } else {
        &APP_ROLES
    };
    if !caller_holds(ctx, roles) {
        return denied();
    }
    let map = match body(ctx) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    let change = match which {
        Collection::Applications => check_application_body(&map).and_then(|()| {
            Ok(AppChange {
                display_name: text(&map, "displayName")?,
                fallback: map.get("isFallbackPublicClient").and_then(Value::as_bool),
                redirect_uris: redirect_uris(&map)?,
                required: required_access(&map)?,
                tags: strings(&map, "tags")?,
                notes: text(&map, "notes")?,
                scope: None,
            })
        }),
        Collection::Grants => {
            if let Some(unknown) = map.keys().find(|k| k.as_str() != "scope") {
                Err(bad_request(
                    "Request_BadRequest",
                    &format!("Property '{unknown}' cannot be updated."),
                ))
            } else {
                text(&map, "scope").map(|scope| AppChange {
                    scope,
                    ..AppChange::default()
                })
            }
        }
        Collection::ServicePrincipals => Err(super::method_not_allowed()),
    };
    let change = match change {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    if let (Collection::Grants, Key::Id(id), Some(scope)) = (which, key, &change.scope) {
        let state = ctx.shared.state();
        let Some(grant) = state.apps.grants.iter().find(|g| g.id == *id) else {
            return object_not_found(id);
        };
        if let Err(reply) = check_scope(&state, &grant.resource_id.clone(), scope) {
            return reply;
        }
    }
    let found = ctx
        .shared
        .mutate(|state| {
            let apps = &mut state.apps;
            match (which, key) {
                (Collection::Applications, Key::Id(_) | Key::AppId(_)) => {
                    let Some(app) = apps.applications.iter_mut().find(|a| match key {
                        Key::Id(id) => eq_ci(&a.id, id),
                        Key::AppId(app_id) => eq_ci(&a.app_id, app_id),
                    }) else {
                        return (false, false);
                    };
                    if let Some(v) = change.display_name {
                        app.display_name = v;
                    }
                    if change.fallback.is_some() {
                        app.is_fallback_public_client = change.fallback;
                    }
                    if let Some(v) = change.redirect_uris {
                        app.public_client_redirect_uris = v;
                    }
                    if let Some(v) = change.required {
                        app.required_resource_access = v;
                    }
                    if let Some(v) = change.tags {
                        app.tags = v;
                    }
                    if change.notes.is_some() {
                        app.notes = change.notes;
                    }
                    (true, true)
                }
                (Collection::Grants, Key::Id(id)) => {
                    match apps.grants.iter_mut().find(|g| g.id == *id) {
                        Some(grant) => {
                            if let Some(scope) = change.scope {
                                grant.scope = scope;
                            }
                            (true, true)
                        }
                        None => (false, false),
                    }
                }
                _ => (false, false),
            }
        })
        .await;
    if found {
        Reply::empty(StatusCode::NO_CONTENT)
    } else {
        object_not_found(match key {
            Key::Id(id) | Key::AppId(id) => id,
        })
    }
}

#[derive(Default)]
struct AppChange {
    display_name: Option<String>,
    fallback: Option<bool>,
    redirect_uris: Option<Vec<String>>,
    required: Option<Vec<RequiredAccess>>,
    tags: Option<Vec<String>>,
    notes: Option<String>,
    scope: Option<String>,
}
