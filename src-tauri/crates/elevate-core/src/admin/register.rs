//! `elevate admin register-app`: Elevate's own public client in the administrator's tenant.
//!
//! Idempotent: the registration is found by its display name ([`APP_NAME`], `$filter`) and its
//! tag ([`APP_TAG`], checked on each result), and only what is missing is added: the
//! application (`POST /applications`: a public client with the loopback redirects, public client
//! flows on, `requiredResourceAccess` with exactly the permissions of [`crate::permissions`]), its
//! service principal (`POST /servicePrincipals`), and admin consent as one `AllPrincipals`
//! `oauth2PermissionGrant` per resource (Microsoft Graph, Azure Service Management). Permission
//! ids are read from the resources' service principals (`oauth2PermissionScopes`), never assumed.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};
use url::Url;

use crate::auth::TokenSource;
use crate::caller::Caller;
use crate::error::{Api, Error, Result};
use crate::http::{HttpClient, Method};
use crate::permissions::{self, ARM_APP_ID, GRAPH_APP_ID, SIGN_IN_PERMISSIONS};

/// The registration's display name.
pub const APP_NAME: &str = "Elevate";

/// The tag that marks Elevate's registration (with [`APP_NAME`]): stable, documented, so that
/// running `register-app` again finds it.
pub const APP_TAG: &str = "elevate-pim-client";

/// The public client's redirect URIs: the loopback addresses Elevate listens on (any port).
pub const REDIRECT_URIS: [&str; 2] = ["http://localhost", "http://127.0.0.1"];

/// The Graph permissions the administrator's own sign-in needs, least privileged for each call:
/// applications and service principals (`Application.ReadWrite.All`), delegated permission grants
/// (`DelegatedPermissionGrant.ReadWrite.All`).
pub const ADMIN_SCOPES: [&str; 2] = [
    "Application.ReadWrite.All",
    "DelegatedPermissionGrant.ReadWrite.All",
];

/// One thing `register-app` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "action")]
pub enum Done {
    /// Created the application.
    CreatedApplication,
    /// Completed the existing application (what was missing).
    UpdatedApplication {
        /// What was added.
        added: Vec<String>,
    },
    /// Created the service principal.
    CreatedServicePrincipal,
    /// Granted admin consent on a resource.
    Granted {
        /// The resource's name.
        resource: String,
        /// The permissions added.
        scopes: Vec<String>,
    },
}

/// The registration, and what this run did to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// The client (application) id to configure.
    pub client_id: String,
    /// The application object's id.
    pub application_id: String,
    /// The service principal's object id.
    pub service_principal_id: String,
    /// The registration existed before this run.
    pub existed: bool,
    /// What this run did (empty: nothing was missing).
    pub done: Vec<Done>,
    /// The config snippet to deploy.
    pub config: String,
}

/// The `config.toml` lines that make Elevate sign in with `client_id` (for ARM and Graph), through
/// `tenant` when it is known: the registration is single-tenant, and Microsoft documents that a
/// single-tenant app signs in through its tenant's endpoint, not `organizations`.
pub fn config_snippet(client_id: &str, tenant: Option<&str>) -> String {
    match tenant {
        Some(tenant) => format!("[sign_in]\nclient_id = \"{client_id}\"\ntenant = \"{tenant}\"\n"),
        None => format!("[sign_in]\nclient_id = \"{client_id}\"\n"),
    }
}

/// A resource's service principal: its object id and the ids of the permissions Elevate needs.
struct ResourcePrincipal {
    name: &'static str,
    id: String,
    /// `(permission name, permission id)`.
    wanted: Vec<(String, String)>,
}

struct Graph {
    caller: Caller,
    base: Url,
}

impl Graph {
    fn url(&self, path_and_query: &str) -> Result<Url> {
        let mut base = self.base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(&format!("v1.0/{path_and_query}"))
            .map_err(|e| Error::Invalid(format!("the Graph URL is unusable: {e}")))
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = self.url(path)?;
        let response = self
            .caller
            .call(method, &url, body, None)
            .await
            .map_err(explain)?;
        if response.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&response.body).map_err(|e| {
            crate::rest::malformed(
                url.host_str().unwrap_or("-"),
                &format!("unexpected JSON: {e}"),
            )
        })
    }

    /// Every item of a list (following `@odata.nextLink` on Graph's origin).
    async fn list(&self, path: &str) -> Result<Vec<Value>> {
        let first = self.url(path)?;
        let mut items = Vec::new();
        crate::rest::collect_pages(
            first,
            &self.base,
            "@odata.nextLink",
            |url| async move {
                self.caller
                    .call(Method::Get, &url, None, None)
                    .await
                    .map_err(explain)
            },
            |item| items.push(item),
        )
        .await?;
        Ok(items)
    }
}

/// Graph's refusals, said for an administrator.
fn explain(error: Error) -> Error {
    match error {
        Error::Azure(e) if e.status == 403 => Error::Auth(format!(
            "Microsoft Graph refused ({}: {}): registering Elevate needs an active Entra role that may manage applications and grant consent (Global Administrator, Application Administrator or Cloud Application Administrator; activate an eligible one first, e.g. with `elevate activate`) and the sign-in's consent to {}",
            crate::text::sanitize(&e.code),
            crate::text::sanitize(&e.message),
            ADMIN_SCOPES.join(" and ")
        )),
        other => other,
    }
}

/// OData string literal: quotes doubled.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn text(value: &Value, name: &str) -> String {
    value
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Creates or completes Elevate's registration in the signed-in administrator's tenant, with
/// `tokens` (Graph, with [`ADMIN_SCOPES`]); `progress` hears each step as it is done.
pub async fn register_app(
    http: HttpClient,
    graph_base: Url,
    tokens: Arc<dyn TokenSource>,
    progress: &(dyn Fn(&Done) + Send + Sync),
) -> Result<Registration> {
    let graph = Graph {
        caller: Caller::new(http, Api::Graph, tokens),
        base: graph_base,
    };
    let graph_sp = resource(&graph, GRAPH_APP_ID, "Microsoft Graph", Api::Graph).await?;
    let arm_sp = resource(&graph, ARM_APP_ID, "Azure Service Management", Api::Arm).await?;
    let required = json!([
        {
            "resourceAppId": GRAPH_APP_ID,
            "resourceAccess": graph_sp.wanted.iter().map(|(_, id)| json!({"id": id, "type": "Scope"})).collect::<Vec<_>>(),
        },
        {
            "resourceAppId": ARM_APP_ID,
            "resourceAccess": arm_sp.wanted.iter().map(|(_, id)| json!({"id": id, "type": "Scope"})).collect::<Vec<_>>(),
        },
    ]);
    let mut done = Vec::new();
    let mut record = |d: Done| {
        progress(&d);
        done.push(d);
    };

    let found = graph
        .list(&format!(
            "applications?$filter={}",
            urlencoding_value(&format!("displayName eq {}", literal(APP_NAME)))
        ))
        .await?
        .into_iter()
        .filter(|a| {
            a.get("tags")
                .and_then(Value::as_array)
                .is_some_and(|t| t.iter().any(|t| t.as_str() == Some(APP_TAG)))
        })
        .min_by_key(|a| text(a, "createdDateTime"));
    let existed = found.is_some();
    let app = match found {
        Some(app) => {
            let (patch, added) = completion(&app, &graph_sp, &arm_sp);
            if !added.is_empty() {
                graph
                    .call(
                        Method::Patch,
                        &format!("applications/{}", text(&app, "id")),
                        Some(&patch),
                    )
                    .await?;
                record(Done::UpdatedApplication { added });
            }
            app
        }
        None => {
            let body = json!({
                "displayName": APP_NAME,
                "signInAudience": "AzureADMyOrg",
                "isFallbackPublicClient": true,
                "publicClient": {"redirectUris": REDIRECT_URIS},
                "requiredResourceAccess": required,
                "tags": [APP_TAG],
                "notes": "Elevate: just-in-time activation of Azure PIM roles (public client). Created by `elevate admin register-app`; found again by its name and tag.",
            });
            let app = graph
                .call(Method::Post, "applications", Some(&body))
                .await?;
            record(Done::CreatedApplication);
            app
        }
    };
    let client_id = text(&app, "appId");
    if client_id.is_empty() {
        return Err(crate::rest::malformed(
            "graph",
            "the application has no appId",
        ));
    }

    let existing_sp = graph
        .list(&format!(
            "servicePrincipals?$filter={}",
            urlencoding_value(&format!("appId eq {}", literal(&client_id)))
        ))
        .await?
        .into_iter()
        .next();
    let sp = match existing_sp {
        Some(sp) => sp,
        None => {
            let sp = graph
                .call(
                    Method::Post,
                    "servicePrincipals",
                    Some(&json!({"appId": client_id, "tags": [APP_TAG]})),
                )
                .await?;
            record(Done::CreatedServicePrincipal);
            sp
        }
    };
    let sp_id = text(&sp, "id");
    for resource in [&graph_sp, &arm_sp] {
        if let Some(d) = grant(&graph, &sp_id, resource).await? {
            record(d);
        }
    }
    Ok(Registration {
        config: config_snippet(&client_id, None),
        client_id,
        application_id: text(&app, "id"),
        service_principal_id: sp_id,
        existed,
        done,
    })
}

/// `$filter`'s value for a query string.
fn urlencoding_value(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A resource's service principal and the ids of the permissions Elevate needs from it.
async fn resource(
    graph: &Graph,
    app_id: &str,
    name: &'static str,
    api: Api,
) -> Result<ResourcePrincipal> {
    let sp = graph
        .call(
            Method::Get,
            &format!("servicePrincipals(appId='{app_id}')"),
            None,
        )
        .await?;
    let published = sp
        .get("oauth2PermissionScopes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut names: Vec<&str> = permissions::needed_of(api).map(|p| p.name).collect();
    if api == Api::Graph {
        names.extend(SIGN_IN_PERMISSIONS);
    }
    let mut wanted = Vec::new();
    for needed in names {
        let id = published
            .iter()
            .find(|s| {
                s.get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(needed))
            })
            .map(|s| text(s, "id"))
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{name} in this tenant publishes no delegated permission {needed}"
                ))
            })?;
        wanted.push((needed.to_owned(), id));
    }
    Ok(ResourcePrincipal {
        name,
        id: text(&sp, "id"),
        wanted,
    })
}

/// What an existing application lacks: the PATCH body and a description of each addition.
fn completion(
    app: &Value,
    graph_sp: &ResourcePrincipal,
    arm_sp: &ResourcePrincipal,
) -> (Value, Vec<String>) {
    let mut patch = serde_json::Map::new();
    let mut added = Vec::new();
    if app.get("isFallbackPublicClient").and_then(Value::as_bool) != Some(true) {
        patch.insert("isFallbackPublicClient".into(), json!(true));
        added.push("public client flows".to_owned());
    }
    let mut uris: Vec<String> = app
        .pointer("/publicClient/redirectUris")
        .and_then(Value::as_array)
        .map(|u| {
            u.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let before = uris.len();
    for uri in REDIRECT_URIS {
        if !uris.iter().any(|u| u.eq_ignore_ascii_case(uri)) {
            uris.push(uri.to_owned());
            added.push(format!("redirect URI {uri}"));
        }
    }
    if uris.len() != before {
        patch.insert("publicClient".into(), json!({"redirectUris": uris}));
    }
    let mut required: Vec<Value> = app
        .get("requiredResourceAccess")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut changed = false;
    for (resource_app, resource) in [(GRAPH_APP_ID, graph_sp), (ARM_APP_ID, arm_sp)] {
        let position = required.iter().position(|r| {
            r.get("resourceAppId")
                .and_then(Value::as_str)
                .is_some_and(|a| a.eq_ignore_ascii_case(resource_app))
        });
        let index = position.unwrap_or_else(|| {
            required.push(json!({"resourceAppId": resource_app, "resourceAccess": []}));
            required.len() - 1
        });
        let Some(entry) = required.get_mut(index) else {
            continue;
        };
        let mut access: Vec<Value> = entry
            .get("resourceAccess")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (name, id) in &resource.wanted {
            let present = access.iter().any(|a| {
                a.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|x| x.eq_ignore_ascii_case(id))
            });
            if !present {
                access.push(json!({"id": id, "type": "Scope"}));
                added.push(format!("permission {name}"));
                changed = true;
            }
        }
        entry["resourceAccess"] = json!(access);
    }
    if changed {
        patch.insert("requiredResourceAccess".into(), json!(required));
    }
    (Value::Object(patch), added)
}

/// Admin consent for `resource`: its `AllPrincipals` grant to `client_sp`, created or widened.
async fn grant(
    graph: &Graph,
    client_sp: &str,
    resource: &ResourcePrincipal,
) -> Result<Option<Done>> {
    let filter = format!(
        "clientId eq {} and resourceId eq {} and consentType eq 'AllPrincipals'",
        literal(client_sp),
        literal(&resource.id)
    );
    let existing = graph
        .list(&format!(
            "oauth2PermissionGrants?$filter={}",
            urlencoding_value(&filter)
        ))
        .await?
        .into_iter()
        .next();
    let names: Vec<String> = resource.wanted.iter().map(|(n, _)| n.clone()).collect();
    match existing {
        None => {
            let body = json!({
                "clientId": client_sp,
                "consentType": "AllPrincipals",
                "resourceId": resource.id,
                "scope": names.join(" "),
            });
            graph
                .call(Method::Post, "oauth2PermissionGrants", Some(&body))
                .await?;
            Ok(Some(Done::Granted {
                resource: resource.name.to_owned(),
                scopes: names,
            }))
        }
        Some(grant) => {
            let scope = text(&grant, "scope");
            let have: Vec<&str> = scope.split_whitespace().collect();
            let missing: Vec<String> = names
                .iter()
                .filter(|n| !have.iter().any(|h| h.eq_ignore_ascii_case(n)))
                .cloned()
                .collect();
            if missing.is_empty() {
                return Ok(None);
            }
            let mut all: Vec<String> = have.iter().map(|s| (*s).to_owned()).collect();
            all.extend(missing.iter().cloned());
            let id = text(&grant, "id");
            let path = format!(
                "oauth2PermissionGrants/{}",
                url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
            );
            graph
                .call(Method::Patch, &path, Some(&json!({"scope": all.join(" ")})))
                .await?;
            Ok(Some(Done::Granted {
                resource: resource.name.to_owned(),
                scopes: missing,
            }))
        }
    }
}
