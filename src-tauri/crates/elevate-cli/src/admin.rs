//! `elevate admin register-app`: signs the administrator in to Microsoft Graph (in the browser,
//! with only the permissions registering needs; nothing saved), then creates or completes
//! Elevate's own app registration and prints the client id and the config snippet to deploy.

use std::process::ExitCode;
use std::sync::Arc;

use elevate_app::Demo;
use elevate_app::sign_in::{self, StderrPrompt};
use elevate_core::Error;
use elevate_core::admin::{ADMIN_SCOPES, Done, register_app};
use elevate_core::auth::{
    ApiOrigins, Audience, BrowserLauncher, HeadlessBrowser, SignInNotice, SignInOptions,
    SignInPrompt, SignInSettings, SignedInTokenSource, SystemBrowser, TokenSource, TokenStore,
};
use elevate_core::config::{Config, Endpoints, GRAPH_CLI_CLIENT_ID, Paths};
use elevate_core::http::{HttpClient, RetryPolicy};

use crate::output;

/// Stderr notices, without the one about nothing being saved (that is the point here).
struct AdminPrompt;

impl SignInPrompt for AdminPrompt {
    fn notify(&self, notice: SignInNotice) {
        if !matches!(notice, SignInNotice::MemoryOnly { .. }) {
            StderrPrompt.notify(notice);
        }
    }
}

/// `elevate admin register-app [--client-id ID]`.
pub async fn register(
    demo: bool,
    json: bool,
    client_id: Option<String>,
) -> Result<ExitCode, Error> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    let sim = if demo {
        Some(Demo::start(&paths.demo_dir()).await?)
    } else {
        None
    };
    let result = run(&paths, &config, sim.as_ref(), client_id, json).await;
    if let Some(sim) = sim {
        sim.stop().await;
    }
    result
}

async fn run(
    paths: &Paths,
    config: &Config,
    sim: Option<&Demo>,
    client_id: Option<String>,
    json: bool,
) -> Result<ExitCode, Error> {
    let (endpoints, browser): (Endpoints, Arc<dyn BrowserLauncher>) = match sim {
        Some(sim) => (
            sign_in::demo_endpoints(sim)?,
            Arc::new(HeadlessBrowser::new()?),
        ),
        None => (config.endpoints.clone(), Arc::new(SystemBrowser)),
    };
    let resource = endpoints
        .graph_scope
        .strip_suffix(".default")
        .unwrap_or(&endpoints.graph_scope)
        .to_owned();
    let scope = ADMIN_SCOPES
        .iter()
        .map(|p| format!("{resource}{p}"))
        .collect::<Vec<_>>()
        .join(" ");
    let client = client_id.unwrap_or_else(|| GRAPH_CLI_CLIENT_ID.to_owned());
    // Only Graph is asked for (the ARM scope is never used here); one client, so the first
    // sign-in is Graph's own.
    let settings = SignInSettings {
        client_id: client.clone(),
        graph_client_id: client,
        authority: endpoints.authority.clone(),
        arm_scope: scope.clone(),
        graph_scope: scope,
        apis: ApiOrigins::of(&endpoints.arm, &endpoints.graph),
    };
    let store = Arc::new(TokenStore::memory_only(
        &paths.data_dir,
        "the administrator's sign-in is not kept",
    ));
    let tokens = Arc::new(
        SignedInTokenSource::new(
            settings,
            store,
            browser,
            Arc::new(AdminPrompt),
            SignInOptions {
                sign_in_when_signed_out: true,
                ..SignInOptions::default()
            },
        )
        .await?,
    );
    // Sign in first, so that the browser's part is done before anything is said about Graph.
    let token = tokens.token(Audience::Graph, None).await?;
    // The admin's tenant, for the snippet; only a GUID is printed (the claim is Azure's text).
    let tenant = elevate_core::auth::decode_claims(&token.token)
        .ok()
        .and_then(|claims| claims.tid)
        .filter(|tid| tid.len() == 36 && tid.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
    let progress = move |done: &Done| {
        if !json {
            println!("{}", describe(done));
        }
    };
    let mut registration = register_app(
        HttpClient::new(RetryPolicy::default())?,
        endpoints.graph.clone(),
        tokens as Arc<dyn TokenSource>,
        &progress,
    )
    .await?;
    registration.config =
        elevate_core::admin::config_snippet(&registration.client_id, tenant.as_deref());
    if json {
        output::print_json(&registration);
        return Ok(ExitCode::SUCCESS);
    }
    let client_id = output::table_cell(&registration.client_id);
    if registration.existed && registration.done.is_empty() {
        println!("Elevate's registration exists and is complete: nothing to do.");
    } else if registration.existed {
        println!("Elevate's registration existed; what was missing was added.");
    }
    println!("Client id: {client_id}");
    println!(
        "Deploy this in Elevate's config.toml on every machine (or set ELEVATE_CLIENT_ID={client_id}):\n"
    );
    // Built again from the (one-line) client id, so Graph's text cannot add lines to it.
    print!(
        "{}",
        elevate_core::admin::config_snippet(&client_id, tenant.as_deref())
    );
    Ok(ExitCode::SUCCESS)
}

fn describe(done: &Done) -> String {
    match done {
        Done::CreatedApplication => "created the app registration \"Elevate\" (public client, loopback redirects, public client flows on)".to_owned(),
        Done::UpdatedApplication { added } => format!("completed the app registration: added {}", output::table_cell(&added.join(", "))),
        Done::CreatedServicePrincipal => "created its service principal (enterprise application)".to_owned(),
        Done::Granted { resource, scopes } => format!("granted admin consent for {resource}: {}", output::table_cell(&scopes.join(" "))),
    }
}
