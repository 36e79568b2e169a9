//! `elevate admin register-app`'s engine against the simulator's Graph over real HTTP: refused for
//! a user without an application administrator role (nothing made); made by an administrator;
//! a second run finds it and makes nothing; consent taken away is granted again; and Elevate's
//! own sign-in with the new client id gets tokens that the doctor finds complete.

use std::sync::{Arc, Mutex};

use elevate_core::admin::{APP_TAG, Done, register_app};
use elevate_core::auth::{
    ApiOrigins, HeadlessBrowser, QuietPrompt, SignInMethod, SignInOptions, SignInSettings,
    SignedInTokenSource, TokenSource, TokenStore,
};
use elevate_core::config::Endpoints;
use elevate_core::doctor::{Doctor, Level, Setup};
use elevate_core::error::Error;
use elevate_core::http::HttpClient;
use serde_json::{Value, json};

use crate::common::{Fixture, fixture, quick_retries};

const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";

async fn register(f: &Fixture) -> (Result<elevate_core::admin::Registration, Error>, Vec<Done>) {
    let seen = Mutex::new(Vec::new());
    let base = url::Url::parse(&f.sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let result = register_app(
        HttpClient::new(quick_retries()).unwrap_or_else(|e| panic!("{e}")),
        base,
        Arc::clone(&f.tokens) as Arc<dyn TokenSource>,
        &|d: &Done| {
            seen.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(d.clone())
        },
    )
    .await;
    (result, seen.into_inner().unwrap_or_else(|p| p.into_inner()))
}

async fn graph_get(f: &Fixture, path: &str) -> Value {
    let token = f
        .tokens
        .token(elevate_core::auth::Audience::Graph, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    f.control
        .get(format!("{}/v1.0/{path}", f.sim.url()))
        .bearer_auth(token.token.expose())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn make_admin(f: &Fixture) {
    let end = (chrono::Utc::now() + chrono::TimeDelta::hours(8)).to_rfc3339();
    f.post(
        "assignments",
        json!({"directory_role_id": APPLICATION_ADMINISTRATOR, "end": end}),
    )
    .await;
}

#[tokio::test]
async fn a_user_without_an_administrator_role_is_refused_and_nothing_is_made() {
    let f = fixture().await;
    let (result, done) = register(&f).await;
    let error = result
        .err()
        .unwrap_or_else(|| panic!("registered without a role"));
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("Application Administrator") && text.contains("Authorization_RequestDenied"),
        "{text}"
    );
    assert!(done.is_empty());
    assert_eq!(graph_get(&f, "applications").await["value"], json!([]));
}

#[tokio::test]
async fn an_administrator_registers_once_and_the_client_id_works() {
    let f = fixture().await;
    make_admin(&f).await;
    let (first, done) = register(&f).await;
    let first = first.unwrap_or_else(|e| panic!("{e}"));
    assert!(!first.existed);
    assert_eq!(first.done, done, "each step is reported as it is done");
    assert_eq!(done.len(), 4, "{done:?}");
    assert_eq!(done[0], Done::CreatedApplication);
    assert_eq!(done[1], Done::CreatedServicePrincipal);
    assert!(
        matches!(&done[2], Done::Granted { resource, scopes } if resource == "Microsoft Graph" && scopes.len() == 10)
    );
    assert!(matches!(&done[3], Done::Granted { scopes, .. } if scopes == &["user_impersonation"]));
    assert_eq!(
        first.config,
        format!("[sign_in]\nclient_id = \"{}\"\n", first.client_id),
        "the engine does not know the tenant; the CLI adds it"
    );

    // What Graph holds: a public client with loopback redirects and exactly Elevate's permissions.
    let app = graph_get(&f, &format!("applications(appId='{}')", first.client_id)).await;
    assert_eq!(app["isFallbackPublicClient"], true);
    assert_eq!(
        app["publicClient"]["redirectUris"],
        json!(["http://localhost", "http://127.0.0.1"])
    );
    assert_eq!(app["tags"], json!([APP_TAG]));
    let counts: Vec<usize> = app["requiredResourceAccess"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|e| e["resourceAccess"].as_array().map_or(0, Vec::len))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(counts, vec![10, 1]);

    // Again: found, nothing made.
    let (second, done) = register(&f).await;
    let second = second.unwrap_or_else(|e| panic!("{e}"));
    assert!(second.existed && done.is_empty() && second.done.is_empty());
    assert_eq!(second.client_id, first.client_id);
    assert_eq!(
        graph_get(&f, "applications").await["value"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Consent narrowed behind its back: only what is missing is granted again.
    let grants = graph_get(
        &f,
        &format!(
            "oauth2PermissionGrants?$filter=clientId eq '{}'",
            second.service_principal_id
        ),
    )
    .await;
    let graph_grant = grants["value"]
        .as_array()
        .and_then(|g| {
            g.iter()
                .find(|g| g["scope"].as_str().is_some_and(|s| s.contains("User.Read")))
        })
        .cloned()
        .unwrap_or_else(|| panic!("no Graph grant: {grants}"));
    let token = f
        .tokens
        .token(elevate_core::auth::Audience::Graph, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let narrowed = f
        .control
        .patch(format!(
            "{}/v1.0/oauth2PermissionGrants/{}",
            f.sim.url(),
            graph_grant["id"].as_str().unwrap_or_default()
        ))
        .bearer_auth(token.token.expose())
        .json(&json!({"scope": "openid profile offline_access User.Read"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(narrowed.status(), 204);
    let (third, done) = register(&f).await;
    assert!(third.is_ok_and(|r| r.existed));
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(
        matches!(&done[0], Done::Granted { scopes, .. } if scopes.len() == 6 && !scopes.contains(&"User.Read".to_owned()))
    );

    // Elevate's own sign-in with the new client id, then the doctor: everything there.
    let url = url::Url::parse(&f.sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let settings = SignInSettings {
        client_id: first.client_id.clone(),
        graph_client_id: first.client_id.clone(),
        authority: url.clone(),
        arm_scope: "https://management.core.windows.net//.default".into(),
        graph_scope: "https://graph.microsoft.com/.default".into(),
        apis: ApiOrigins::of(&url, &url),
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let keyring: Arc<keyring_core::CredentialStore> =
        keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
    let source = SignedInTokenSource::new(
        settings,
        Arc::new(TokenStore::open(dir.path(), Ok(keyring))),
        Arc::new(HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}"))),
        Arc::new(QuietPrompt),
        SignInOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    source
        .sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let setup = Setup {
        authority: url.clone(),
        arm_client_id: first.client_id.clone(),
        graph_client_id: first.client_id.clone(),
        endpoints: Endpoints::all_at(&url),
    };
    let report = Doctor::new(
        setup,
        Arc::new(source),
        HttpClient::new(quick_retries()).unwrap_or_else(|e| panic!("{e}")),
    )
    .run(&|_| {})
    .await;
    assert!(
        report.findings.iter().all(|f| f.level == Level::Ok),
        "{report:#?}"
    );
}
