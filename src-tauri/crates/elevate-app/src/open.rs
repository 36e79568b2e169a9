//! Opening a session: settings, store, sign-in, clients.

use std::sync::Arc;
use std::time::Duration;

use elevate_core::Error;
use elevate_core::arm::ArmClient;
use elevate_core::auth::{SignInMethod, SignInPrompt, SignedInTokenSource, TokenSource};
use elevate_core::config::{Config, Endpoints, Paths};
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::model::{RoleKey, Span};
use elevate_core::session::{Clients, Session, SessionOptions};
use elevate_core::store::{Favourite, RoleSet, Store};
use elevate_core::watch::{Clock, SystemClock, WatchOptions};

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
    /// The folder of the store, when it is on disk (the user's processes share one poller there).
    pub store_folder: Option<std::path::PathBuf>,
}

/// Opens the store, starts the demo simulator when asked, and signs in, printing sign-in notices
/// (browser, device code, step-up, no credential store) on stderr.
pub async fn open(demo: bool) -> Result<Opened, Error> {
    open_with(demo, Arc::new(StderrPrompt), false).await
}

/// Like [`open`], with the face's own way of showing sign-in notices. `sign_in_when_signed_out`:
/// nobody signed in yet starts the interactive sign-in (the tray's "Sign in…") instead of failing
/// with [`elevate_core::auth::SignInError::NotSignedIn`].
pub async fn open_with(
    demo: bool,
    prompt: Arc<dyn SignInPrompt>,
    sign_in_when_signed_out: bool,
) -> Result<Opened, Error> {
    open_account(demo, prompt, sign_in_when_signed_out, None).await
}

/// Like [`open_with`], for the signed-in account `account` names (`--account`: its user name, or
/// its tenant's id or domain) instead of the current one. The session's store is that account's
/// own database (`account_data`).
pub async fn open_account(
    demo: bool,
    prompt: Arc<dyn SignInPrompt>,
    sign_in_when_signed_out: bool,
    account: Option<&str>,
) -> Result<Opened, Error> {
    if account.is_some() && demo {
        return Err(Error::Invalid(
            "--account chooses among the accounts signed in to a real tenant; demo mode has one"
                .into(),
        ));
    }
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    let mut warnings = Vec::new();
    if let Some(problem) = &config.managed_problem {
        warnings.push(problem.to_string());
    }
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
            Some(paths.demo_dir().join("elevate.db")),
        )
    } else {
        let (tokens, db): (Arc<dyn TokenSource>, _) = match sign_in::chosen(&paths) {
            SignInChoice::AzureCli => {
                if account.is_some() {
                    return Err(Error::Invalid(
                        "--account chooses among Elevate's own sign-ins; Elevate now uses the Azure CLI's (`az account set` chooses there, `elevate login` switches back)".into(),
                    ));
                }
                (sign_in::azure_cli(&config, None)?, Some(paths.database()))
            }
            SignInChoice::Elevate => {
                let source =
                    sign_in::elevate(&paths, &config, prompt, sign_in_when_signed_out).await?;
                let db = account_store(
                    &source,
                    &paths,
                    account,
                    sign_in_when_signed_out,
                    &config.endpoints.arm,
                )
                .await?;
                own_sign_in = Some(Arc::clone(&source));
                (source as Arc<dyn TokenSource>, db)
            }
        };
        (config.endpoints.clone(), tokens, None, db)
    };
    let mut store_folder = None;
    let opened_store = match &db {
        Some(db) => Store::open(db).await.map(|store| {
            store_folder = db.parent().map(std::path::Path::to_path_buf);
            Some(store)
        }),
        // Nobody signed in: nothing of anyone's to read or record.
        None => Ok(None),
    };
    let store = match opened_store {
        Ok(store) => store,
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
        fresh_sign_in: config.fresh_sign_in,
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
    if demo.is_some() {
        seed_demo_favourites(&session, &paths).await;
    }
    if let Some(policy) = &config.managed {
        crate::managed_roles::apply(&session, policy).await;
    }
    Ok(Opened {
        session: Arc::new(session),
        demo,
        sign_in: own_sign_in,
        config,
        paths,
        warnings,
        store_folder,
    })
}

/// Chooses the account (`account`, else the current one; signing in first when nobody is and the
/// face may, or when the sign-in lives in memory only) and returns its database.
async fn account_store(
    source: &Arc<SignedInTokenSource>,
    paths: &Paths,
    account: Option<&str>,
    sign_in_when_signed_out: bool,
    arm: &url::Url,
) -> Result<Option<std::path::PathBuf>, Error> {
    if let Some(wanted) = account {
        crate::tenants::select(source, wanted, arm).await?;
    } else if source.current_key().await.is_none() {
        let memory_only = source.status().await.memory_only_reason.is_some();
        if sign_in_when_signed_out || memory_only {
            source.sign_in(SignInMethod::Browser, None).await?;
        }
    }
    match source.current_key().await {
        Some(key) => {
            // The session stays with this account (and its database) even if another process
            // switches the saved current account meanwhile.
            source.select(&key).await?;
            crate::account_data::database_for(paths, &key).map(Some)
        }
        None => Ok(None),
    }
}

impl Opened {
    /// The clock grants are measured against: the simulator's in demo mode (it can run fast or jump).
    pub fn clock(&self) -> Arc<dyn Clock> {
        match &self.demo {
            Some(demo) => demo.clock(),
            None => Arc::new(SystemClock),
        }
    }

    /// How the watcher paces itself for this session.
    pub fn watch_options(&self) -> WatchOptions {
        let mut options = WatchOptions {
            warn_before: self.config.warn_before.clone(),
            poller_lock: self.poller_lock(),
            ends_warn_before: self.config.ends_warn_before.clone(),
            ..WatchOptions::default()
        };
        if let Some(demo) = &self.demo {
            // The demo clock can be moved or sped up at any moment: look at it every second (no
            // call: deadlines are timers). Polls keep the same budget as against Azure, in the
            // clock's time (sped up ×60, they come sixty times as often); what the demo tenant's
            // control API changes (a revoke, a decision, a new request) asks for a poll at once,
            // and the confirming polls after an action come every second.
            options.max_sleep = Duration::from_secs(1);
            options.busy_poll = Duration::from_secs(1);
            options.outside_changes = Some(demo.changes());
        }
        options
    }

    /// The lock that makes this user's processes share one poller: in the store's folder, named
    /// for the account (`None` when the store is not on disk: nothing to share through).
    fn poller_lock(&self) -> Option<std::path::PathBuf> {
        let folder = self.store_folder.as_ref()?;
        let name: String = self
            .session
            .account()
            .name
            .to_ascii_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(120)
            .collect();
        Some(folder.join(format!("watcher-{name}.lock")))
    }

    /// Closes the store and stops the demo simulator (saving its state).
    pub async fn close(self) {
        let Opened {
            session,
            demo,
            sign_in,
            ..
        } = self;
        drop(sign_in);
        session.store().clone().close().await;
        // The session holds the demo sign-in, which holds the simulator: let go of it first.
        drop(session);
        if let Some(demo) = demo {
            demo.stop().await;
        }
    }
}

/// The demo tenant starts with two favourites and a set, once (removing them later sticks).
async fn seed_demo_favourites(session: &Session, paths: &Paths) {
    let marker = paths.demo_dir().join("favourites-seeded");
    let store = session.store();
    if marker.exists() {
        return;
    }
    let roles = session.roles(&[]).await.items;
    let find = |role: &str, scope: &str| {
        roles
            .iter()
            .find(|r| {
                r.role.name.eq_ignore_ascii_case(role) && r.scope.name.eq_ignore_ascii_case(scope)
            })
            .map(|r| r.key.clone())
    };
    let reason = Some("Routine maintenance (demo)".to_owned());
    let mut favourites = Vec::new();
    if let Some(key) = find("Contributor", "Contoso Development") {
        favourites.push(Favourite {
            key,
            label: None,
            justification: reason.clone(),
            ticket: None,
            duration: Some(Span::from_hours(1)),
            created: chrono::Utc::now(),
        });
    }
    if let Some(key) = find("Global Reader", "Directory") {
        favourites.push(Favourite {
            key,
            label: None,
            justification: reason.clone(),
            ticket: None,
            duration: Some(Span::from_minutes(30)),
            created: chrono::Utc::now() + chrono::TimeDelta::seconds(1),
        });
    }
    for favourite in &favourites {
        if let Err(e) = store.upsert_favourite(favourite).await {
            tracing::warn!(target: "elevate::demo", error = %e, "could not save a demo favourite");
        }
    }
    let keys: Vec<RoleKey> = [
        find("Global Reader", "Directory"),
        find("Reader", "Contoso Platform"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if keys.len() == 2 {
        let set = RoleSet {
            name: "Morning checks".to_owned(),
            keys,
            justification: Some("Daily health checks (demo)".to_owned()),
            duration: Some(Span::from_hours(1)),
        };
        if let Err(e) = store.upsert_set(&set).await {
            tracing::warn!(target: "elevate::demo", error = %e, "could not save the demo set");
        }
    }
    if let Err(e) = std::fs::write(&marker, b"") {
        tracing::warn!(target: "elevate::demo", error = %e, "could not record that the demo favourites were made");
    }
}
