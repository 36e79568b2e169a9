//! Opening a session: settings, store, sign-in, clients.

use std::sync::Arc;

use elevate_core::Error;
use elevate_core::arm::ArmClient;
use elevate_core::auth::{SignInPrompt, SignedInTokenSource, TokenSource};
use elevate_core::config::{Config, Endpoints, Paths};
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::session::{Clients, Session, SessionOptions};
use elevate_core::store::Store;

use crate::demo::Demo;
use crate::sign_in::{self, SignInChoice, StderrPrompt};

/// A signed-in session and what it runs on.
pub struct Opened {
    /// The session (clients, sign-in, store).
    pub session: Arc<Session>,
    /// The embedded simulator in demo mode.
    pub demo: Option<Demo>,
    /// Elevate's own sign-in, when it is the one in use (not the Azure CLI's): for sign-in, sign-out
    /// and account status from the face, on the same token cache the session uses.
    pub sign_in: Option<Arc<SignedInTokenSource>>,
    /// The settings it was opened with.
    pub config: Config,
    /// Where Elevate keeps its files.
    pub paths: Paths,
    /// Things the user should know that did not stop the session (e.g. history is not recorded).
    pub warnings: Vec<String>,
}

/// Opens the store, starts the demo simulator when asked, and signs in, printing sign-in notices
/// (browser, device code, step-up, no credential store) on stderr.
pub async fn open(demo: bool) -> Result<Opened, Error> {
    open_with(demo, Arc::new(StderrPrompt)).await
}

/// Like [`open`], with the face's own way of showing sign-in notices.
pub async fn open_with(demo: bool, prompt: Arc<dyn SignInPrompt>) -> Result<Opened, Error> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    let mut warnings = Vec::new();
    let mut own_sign_in = None;
    let (endpoints, tokens, demo, db): (Endpoints, Arc<dyn TokenSource>, Option<Demo>, _) = if demo
    {
        let sim = Demo::start(&paths.demo_dir()).await?;
        let endpoints = sign_in::demo_endpoints(&sim)?;
        let source = sign_in::demo(&paths, &sim, prompt).await?;
        own_sign_in = Some(Arc::clone(&source));
        (
            endpoints,
            source as Arc<dyn TokenSource>,
            Some(sim),
            paths.demo_dir().join("elevate.db"),
        )
    } else {
        let tokens: Arc<dyn TokenSource> = match sign_in::chosen(&paths) {
            SignInChoice::AzureCli => sign_in::azure_cli(&config, None)?,
            SignInChoice::Elevate => {
                let source = sign_in::elevate(&paths, &config, prompt).await?;
                own_sign_in = Some(Arc::clone(&source));
                source
            }
        };
        (config.endpoints.clone(), tokens, None, paths.database())
    };
    let store = match Store::open(&db).await {
        Ok(store) => Some(store),
        Err(e) => {
            tracing::warn!("history will not be recorded: {e}");
            warnings.push(format!("history will not be recorded: {e}"));
            None
        }
    };
    let http = HttpClient::new(RetryPolicy::default())?;
    let clients = Clients {
        arm: Some(ArmClient::new(
            http.clone(),
            endpoints.arm.clone(),
            Arc::clone(&tokens),
        )),
        graph: Some(GraphClient::new(
            http,
            endpoints.graph.clone(),
            Arc::clone(&tokens),
        )),
    };
    let options = SessionOptions {
        default_duration: config.default_duration,
        ..SessionOptions::default()
    };
    let session = match Session::connect(clients, tokens, store, options).await {
        Ok(session) => session,
        Err(e) => {
            if let Some(demo) = demo {
                demo.stop().await;
            }
            return Err(e);
        }
    };
    Ok(Opened {
        session: Arc::new(session),
        demo,
        sign_in: own_sign_in,
        config,
        paths,
        warnings,
    })
}

impl Opened {
    /// Closes the store and stops the demo simulator (saving its state).
    pub async fn close(self) {
        let Opened {
            session,
            demo,
            sign_in,
            ..
        } = self;
        drop(sign_in);
        if let Some(store) = session.store() {
            store.clone().close().await;
        }
        // The session holds the demo sign-in, which holds the simulator: let go of it first.
        drop(session);
        if let Some(demo) = demo {
            demo.stop().await;
        }
    }
}
