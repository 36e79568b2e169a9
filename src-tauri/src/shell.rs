//! The running app's state: the session (once signed in), the watcher, the last snapshot, and what is
//! under way. Everything the tray and the window show is drawn from here.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use elevate_app::Opened;
use elevate_app::notifications::{self, Action};
use elevate_app::snapshot::Snapshot;
use elevate_core::Error;
use elevate_core::model::{ActiveGrant, Eligibility, RoleKey};
use elevate_core::session::{ActionResult, Session};
use elevate_core::watch::{Clock, LiveState, SystemClock, WatchEvent, Watcher};
use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::{RwLock, mpsc};

use elevate_app::ui::{SnapshotView, snapshot_view};
use tauri_specta::Event;

use crate::events::SnapshotChanged;
use crate::tray;

/// What the app was started with.
#[derive(Clone, Copy, Debug, Default)]
pub struct Launch {
    /// Run against the embedded simulator and its demo tenant.
    pub demo: bool,
    /// Open the window at start.
    pub window: bool,
}

/// The app's state, managed by Tauri.
pub struct Shell {
    launch: Launch,
    running: RwLock<Option<Running>>,
    view: Mutex<ViewState>,
}

struct Running {
    opened: Opened,
    watcher: Watcher,
}

/// Where the app is: one state, changed only through [`Shell::set_phase`] by the task that runs
/// the session ([`run`]) and by Refresh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Just launched: nothing opened yet.
    #[default]
    Launched,
    /// The session is being opened (the saved sign-in, the browser, the demo): a second start
    /// waits for nothing and does nothing.
    SigningIn,
    /// Nobody is signed in (or the sign-in failed: the error says why); the menu offers Sign in….
    SignedOut,
    /// Signed in, reading from Azure (the first roles, or a Refresh).
    Reading,
    /// Signed in and drawn from what was read; the watcher's polls keep it current.
    Ready,
}

impl Phase {
    /// Whether something is being read or opened (the window says "loading").
    pub fn busy(self) -> bool {
        matches!(self, Phase::Launched | Phase::SigningIn | Phase::Reading)
    }
}

#[derive(Default)]
struct ViewState {
    phase: Phase,
    snapshot: Snapshot,
    /// The last error to show, beside any phase.
    error: Option<String>,
    clock: Option<Arc<dyn Clock>>,
    can_sign_out: bool,
    /// Elevate's own signed-in accounts (none in demo mode or with the Azure CLI's sign-in).
    accounts: Vec<elevate_core::auth::AccountInfo>,
}

impl Shell {
    /// A shell that has not signed in yet.
    pub fn new(launch: Launch) -> Self {
        Shell {
            launch,
            running: RwLock::new(None),
            view: Mutex::new(ViewState::default()),
        }
    }

    /// Whether this is demo mode.
    pub fn demo(&self) -> bool {
        self.launch.demo
    }

    fn view(&self) -> MutexGuard<'_, ViewState> {
        // A panic while holding this lock leaves plain data behind; keep going with it.
        self.view
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The session's time (the simulator's in demo mode).
    pub fn now(&self) -> DateTime<Utc> {
        match &self.view().clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        }
    }

    /// How fast the session's clock runs (1 in real time).
    pub fn clock_rate(&self) -> f64 {
        self.view().clock.as_ref().map_or(1.0, |c| c.rate())
    }

    /// The last snapshot.
    pub fn snapshot(&self) -> Snapshot {
        self.view().snapshot.clone()
    }

    /// The last snapshot with what is under way, for the window.
    pub fn snapshot_view(&self) -> SnapshotView {
        let now = self.now();
        let state = self.view();
        snapshot_view(
            &state.snapshot,
            self.launch.demo,
            now,
            state.phase.busy(),
            state.error.clone(),
        )
    }

    /// The last error, if any.
    pub fn error(&self) -> Option<String> {
        self.view().error.clone()
    }

    /// Where the app is.
    pub fn phase(&self) -> Phase {
        self.view().phase
    }

    /// Moves the app to `phase`.
    fn set_phase(&self, phase: Phase) {
        let mut state = self.view();
        tracing::debug!(target: "elevate::tray", from = ?state.phase, to = ?phase, "phase");
        state.phase = phase;
    }

    /// Records an error to show (or clears it).
    pub fn set_error(&self, error: Option<String>) {
        self.view().error = error;
    }

    /// The session, when signed in.
    pub async fn session(&self) -> Result<Arc<Session>, Error> {
        match &*self.running.read().await {
            Some(running) => Ok(Arc::clone(&running.opened.session)),
            None => Err(Error::Invalid(
                "Elevate is not signed in yet; wait for the sign-in to finish or choose Refresh in the tray menu".into(),
            )),
        }
    }

    /// "Check access": the doctor with the running session's settings (the saved ones before a
    /// session is open), over a sign-in that never opens a browser; `progress` hears each finding.
    /// Answers the report and the authority its admin-consent links may go to.
    pub async fn check_access(
        &self,
        progress: &(dyn Fn(&elevate_core::doctor::Finding, &url::Url) + Send + Sync),
    ) -> Result<(elevate_core::doctor::Report, url::Url), Error> {
        let running = self.running.read().await;
        if let Some(running) = &*running {
            let opened = &running.opened;
            let authority = match &opened.demo {
                Some(demo) => elevate_app::sign_in::demo_endpoints(demo)?.authority,
                None => opened.config.endpoints.authority.clone(),
            };
            let report = elevate_app::check::check_access(
                &opened.paths,
                &opened.config,
                opened.demo.as_ref(),
                // The tray's account is the saved current one (its switch saves the choice).
                None,
                &|f| progress(f, &authority),
            )
            .await?;
            return Ok((report, authority));
        }
        drop(running);
        if self.launch.demo {
            return Err(Error::Invalid(
                "the demo tenant is still starting; check again in a moment".into(),
            ));
        }
        let paths = elevate_core::config::Paths::from_env()?;
        let config = elevate_core::config::Config::load(&paths)?;
        let authority = config.endpoints.authority.clone();
        let report = elevate_app::check::check_access(&paths, &config, None, None, &|f| {
            progress(f, &authority)
        })
        .await?;
        Ok((report, authority))
    }

    /// The authority admin-consent links may go to (the configured one; the simulator's in demo).
    pub async fn authority(&self) -> Result<url::Url, Error> {
        if let Some(running) = &*self.running.read().await {
            return match &running.opened.demo {
                Some(demo) => Ok(elevate_app::sign_in::demo_endpoints(demo)?.authority),
                None => Ok(running.opened.config.endpoints.authority.clone()),
            };
        }
        let paths = elevate_core::config::Paths::from_env()?;
        Ok(elevate_core::config::Config::load(&paths)?
            .endpoints
            .authority)
    }

    /// The eligibility `key` in the last snapshot.
    pub fn role(&self, key: &RoleKey) -> Result<Eligibility, Error> {
        self.view().snapshot.role(key).cloned().ok_or_else(|| {
            Error::Invalid("that role is no longer among your eligible roles; refresh".into())
        })
    }

    /// The active grant of `key` in the last snapshot.
    pub fn grant(&self, key: &RoleKey) -> Result<ActiveGrant, Error> {
        self.view()
            .snapshot
            .grant(key)
            .cloned()
            .ok_or_else(|| Error::Invalid("that role is no longer active; refresh".into()))
    }

    /// Extends, deactivates or activates again the grant of `key` with its previous answers.
    pub async fn act_on_grant(&self, key: &RoleKey, action: Action) -> Result<ActionResult, Error> {
        let session = self.session().await?;
        let grant = self.grant(key)?;
        notifications::perform(&session, action, &grant).await
    }

    /// Cancels the user's pending request `id`.
    pub async fn cancel(&self, id: &str) -> Result<(), Error> {
        let session = self.session().await?;
        let request = self
            .view()
            .snapshot
            .pending
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| Error::Invalid("that request is no longer pending; refresh".into()))?;
        session.cancel(&request).await?;
        self.poke().await;
        Ok(())
    }

    /// The duration asked for when the user gives none (from the settings).
    pub async fn default_duration(&self) -> elevate_core::model::Span {
        match &*self.running.read().await {
            Some(running) => running.opened.config.default_duration,
            None => elevate_core::session::SessionOptions::default().default_duration,
        }
    }

    /// Justifications the settings offer in the request form.
    pub async fn justification_presets(&self) -> Vec<String> {
        match &*self.running.read().await {
            Some(running) => running.opened.config.justification_presets.clone(),
            None => Vec::new(),
        }
    }

    /// The account and tenant signed in, when signed in.
    pub async fn account(&self) -> Option<(String, Option<String>)> {
        self.running.read().await.as_ref().map(|running| {
            let account = running.opened.session.account();
            (account.name.clone(), account.tenant_id.clone())
        })
    }

    /// Whether the session can be signed out of (Elevate's own sign-in; not demo mode).
    pub fn can_sign_out(&self) -> bool {
        self.view().can_sign_out
    }

    /// Whether the app is signing in (nothing to show yet).
    pub fn signing_in(&self) -> bool {
        matches!(self.phase(), Phase::Launched | Phase::SigningIn)
    }

    /// Signs out the current account (its tokens; with the last one, the key too) and stops the
    /// session. Returns whether other accounts remain (then [`run`] opens the next current one).
    pub async fn sign_out(&self) -> Result<bool, Error> {
        self.sign_out_account(None).await
    }

    /// Signs out the account with `key` (the current one when `None`); when it was the one in use
    /// the session stops. Returns whether accounts remain.
    pub async fn sign_out_account(&self, key: Option<&str>) -> Result<bool, Error> {
        let sign_in = self.own_sign_in().await;
        let mut remain = false;
        let mut stop = true;
        if let Some(sign_in) = sign_in {
            let current = sign_in.current_key().await;
            sign_in.sign_out_account(key).await?;
            let accounts = sign_in.status().await.accounts;
            // The one in use is gone (itself, or its home account with its guest tenants).
            stop = current.is_some_and(|c| !accounts.iter().any(|a| a.key == c));
            remain = !accounts.is_empty();
            self.view().accounts = accounts;
        }
        if stop {
            self.stop().await;
            *self.view() = ViewState {
                phase: Phase::SignedOut,
                ..ViewState::default()
            };
        }
        Ok(remain && stop)
    }

    /// Elevate's own sign-in of the running session (not demo mode's).
    async fn own_sign_in(&self) -> Option<Arc<elevate_core::auth::SignedInTokenSource>> {
        match &*self.running.read().await {
            Some(running) if running.opened.demo.is_none() => running.opened.sign_in.clone(),
            _ => None,
        }
    }

    /// The signed-in accounts, the one in use marked.
    pub fn accounts(&self) -> Vec<elevate_core::auth::AccountInfo> {
        self.view().accounts.clone()
    }

    /// Makes the account with `key` the current one (saved) and stops the session: its watcher
    /// task ends; [`run`] then opens the new account's session and watcher.
    pub async fn switch_account(&self, key: &str) -> Result<(), Error> {
        let sign_in = self
            .own_sign_in()
            .await
            .ok_or_else(|| Error::Invalid("no accounts to switch between".into()))?;
        sign_in.use_account(key).await?;
        tracing::info!(target: "elevate::tray", "the current account is saved; stopping its session");
        self.stop().await;
        tracing::info!(target: "elevate::tray", "the session stopped");
        *self.view() = ViewState::default();
        Ok(())
    }

    /// Signs in one more account in the browser; it becomes the current one and the session stops
    /// ([`run`] opens it). Signed out, it is the plain sign-in.
    pub async fn add_account(&self) -> Result<(), Error> {
        let Some(sign_in) = self.own_sign_in().await else {
            return Ok(());
        };
        sign_in
            .sign_in(elevate_core::auth::SignInMethod::Browser, None)
            .await?;
        self.stop().await;
        *self.view() = ViewState::default();
        Ok(())
    }

    /// Asks the watcher to poll now (after an action): the one read that confirms it.
    pub async fn poke(&self) {
        if let Some(running) = &*self.running.read().await {
            running.watcher.poke();
        }
    }

    /// Signs in (demo: starts the simulator) and starts the watcher. Events go to `events`.
    /// `sign_in_when_signed_out`: nobody signed in opens the browser (the menu's "Sign in…"); at
    /// start-up it does not, and the menu offers to. The session is opened without holding the lock,
    /// so Quit and the window's commands answer while the browser waits.
    async fn start(
        &self,
        events: mpsc::Sender<WatchEvent>,
        sign_in_when_signed_out: bool,
    ) -> Result<(), Error> {
        if self.running.read().await.is_some() {
            return Ok(());
        }
        {
            let mut state = self.view();
            if state.phase == Phase::SigningIn {
                return Ok(());
            }
            state.phase = Phase::SigningIn;
        }
        let opened = elevate_app::open_with(
            self.launch.demo,
            Arc::new(crate::sign_in_prompt::NotificationPrompt),
            sign_in_when_signed_out,
        )
        .await;
        let opened = match opened {
            Ok(opened) => opened,
            Err(e) => {
                self.set_phase(Phase::SignedOut);
                return Err(e);
            }
        };
        for warning in &opened.warnings {
            tracing::warn!(target: "elevate::tray", "{warning}");
        }
        // Each account's other tenants for the Account submenu; a list that cannot be read only
        // leaves them out (logged).
        if let Some(sign_in) = opened.sign_in.as_ref().filter(|_| opened.demo.is_none()) {
            for failure in
                elevate_app::tenants::refresh(sign_in, &opened.config.endpoints.arm).await
            {
                tracing::warn!(target: "elevate::tray", "{failure}");
            }
        }
        let mut running = self.running.write().await;
        if running.is_some() {
            drop(running);
            opened.close().await;
            return Ok(());
        }
        let clock = opened.clock();
        let watcher = Watcher::spawn(
            Arc::clone(&opened.session),
            Arc::clone(&clock),
            opened.watch_options(),
            events,
        );
        {
            let mut state = self.view();
            state.clock = Some(clock);
            state.can_sign_out = opened.sign_in.is_some() && opened.demo.is_none();
            state.phase = Phase::Reading;
        }
        let accounts = match &opened.sign_in {
            Some(sign_in) if opened.demo.is_none() => sign_in.status().await.accounts,
            _ => Vec::new(),
        };
        self.view().accounts = accounts;
        *running = Some(Running { opened, watcher });
        Ok(())
    }

    /// Draws the first picture without calling Azure: the roles from the local cache, favourites
    /// and sets, and whatever the watcher has read so far.
    async fn load_local(&self) -> Result<(), Error> {
        let session = self.session().await?;
        let mut snapshot = Snapshot::local(&session, self.now()).await;
        if let Some(live) = self.live().await {
            let required = Snapshot::approval_required(&session, &live.active).await;
            snapshot.take_live(&live, required);
        }
        self.view().snapshot = snapshot;
        Ok(())
    }

    /// Reads favourites and sets again (after they changed); no call to Azure.
    async fn reload_local(&self) -> Result<(), Error> {
        let session = self.session().await?;
        let mut snapshot = self.snapshot();
        snapshot.read_local(&session).await;
        let mut state = self.view();
        state.snapshot.favourites = snapshot.favourites;
        state.snapshot.sets = snapshot.sets;
        Ok(())
    }

    /// Reads the eligible roles from Azure (replacing their cache).
    async fn read_roles(&self) -> Result<(), Error> {
        let session = self.session().await?;
        let listing = session.roles(&[]).await;
        self.view().snapshot.take_roles(listing);
        Ok(())
    }

    /// Reads everything again, as the user asked (Refresh): the roles, favourites and sets here,
    /// the grants, requests and approvals by one poll of the watcher, waited for.
    pub async fn refresh(&self) -> Result<(), Error> {
        self.session().await?;
        self.set_phase(Phase::Reading);
        let polled = self.poll_now();
        let (roles, ()) = tokio::join!(self.read_roles(), polled);
        let local = self.reload_local().await;
        self.set_phase(Phase::Ready);
        roles.and(local)
    }

    /// What the watcher read last, if it runs.
    async fn live(&self) -> Option<LiveState> {
        self.running.read().await.as_ref().map(|r| r.watcher.live())
    }

    /// Follows the watcher's published state, if it runs.
    async fn subscribe(&self) -> Option<tokio::sync::watch::Receiver<LiveState>> {
        self.running
            .read()
            .await
            .as_ref()
            .map(|r| r.watcher.subscribe())
    }

    /// Asks the watcher to poll now and waits (at most 30 s) until it has published the result.
    async fn poll_now(&self) {
        let Some(mut live) = self.subscribe().await else {
            return;
        };
        live.mark_unchanged();
        self.poke().await;
        let waited = tokio::time::timeout(std::time::Duration::from_secs(30), live.changed()).await;
        if waited.is_err() {
            tracing::debug!(target: "elevate::tray", "the watcher did not answer within 30 s");
        }
    }

    /// Takes what the watcher published.
    async fn take_live(&self, live: &LiveState) -> Result<(), Error> {
        let session = self.session().await?;
        let required = Snapshot::approval_required(&session, &live.active).await;
        let known = self.view().snapshot.waiting_for.clone();
        let waiting = Snapshot::waiting_for(&session, &live.pending, &known).await;
        let mut view = self.view();
        view.snapshot.take_live(live, required);
        view.snapshot.waiting_for = waiting;
        Ok(())
    }

    /// Stops the watcher, closes the store and the demo simulator.
    pub async fn stop(&self) {
        if let Some(Running { opened, watcher }) = self.running.write().await.take() {
            watcher.shutdown().await;
            opened.close().await;
        }
    }
}

/// Draws the tray and tells the window, from the current state.
pub fn render<R: Runtime>(app: &AppHandle<R>) {
    let shell = app.state::<Shell>();
    tray::render(app, &shell, shell.can_sign_out());
    if let Err(e) = SnapshotChanged(shell.snapshot_view()).emit(app) {
        tracing::debug!(target: "elevate::tray", error = %e, "could not tell the window");
    }
}

/// Redraws after a change: with `local_only`, favourites and sets read again (no call to Azure;
/// the watcher brings what Azure changed); else everything read again, as Refresh does. Errors
/// are shown, not returned.
pub async fn reload_and_render<R: Runtime>(app: &AppHandle<R>, local_only: bool) {
    let shell = app.state::<Shell>();
    let reloaded = if local_only {
        shell.reload_local().await
    } else {
        shell.refresh().await
    };
    if let Err(e) = reloaded {
        shell.set_error(Some(e.to_string()));
    }
    render(app);
}

/// Opens the session with the saved sign-in (signed out: the menu offers "Sign in…"), draws the
/// first menu (from the cache, then fresh), and follows the watcher's events for as long as the
/// session runs.
pub async fn run<R: Runtime>(app: AppHandle<R>) {
    run_with(app, false).await;
}

/// Like [`run`], signing in in the browser when nobody is signed in (the menu's "Sign in…").
pub async fn run_signing_in<R: Runtime>(app: AppHandle<R>) {
    run_with(app, true).await;
}

async fn run_with<R: Runtime>(app: AppHandle<R>, sign_in_when_signed_out: bool) {
    let shell = app.state::<Shell>();
    let (events_tx, mut events) = mpsc::channel::<WatchEvent>(64);
    render(&app);
    if let Err(e) = shell.start(events_tx, sign_in_when_signed_out).await {
        if matches!(
            e,
            Error::SignIn(elevate_core::auth::SignInError::NotSignedIn)
        ) {
            // Not an error: nobody signed in yet, and the menu says so and offers to.
            tracing::info!(target: "elevate::tray", "not signed in");
        } else {
            tracing::error!(target: "elevate::tray", error = %e, "sign-in failed");
            shell.set_error(Some(e.to_string()));
        }
        render(&app);
        return;
    }
    // The first picture from the cache, then the roles from Azure; grants, requests and
    // approvals arrive from the watcher's first poll.
    if let Err(e) = shell.load_local().await {
        shell.set_error(Some(e.to_string()));
    }
    render(&app);
    let Some(mut live) = shell.subscribe().await else {
        return;
    };
    if let Err(e) = shell.read_roles().await {
        shell.set_error(Some(e.to_string()));
    }
    shell.set_phase(Phase::Ready);
    render(&app);

    let ticker = tokio::spawn(tick(app.clone()));
    let (clicked_tx, mut clicked) = mpsc::channel(16);
    let mut notices = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            changed = live.changed() => {
                if changed.is_err() {
                    break;
                }
                let state = live.borrow_and_update().clone();
                if let Err(e) = shell.take_live(&state).await {
                    shell.set_error(Some(e.to_string()));
                }
                render(&app);
            }
            event = events.recv() => {
                let Some(event) = event else { break };
                tracing::info!(target: "elevate::tray", event = %event.title(), "watch event");
                // The watcher published the state this event speaks of before sending it.
                elevate_app::notifications::show(&event, clicked_tx.clone(), &mut notices, true);
            }
            Some((action, event)) = clicked.recv() => {
                crate::actions::on_notification(&app, action, &event).await;
            }
        }
    }
    ticker.abort();
    notices.abort_all();
}

/// Redraws each minute of the session's clock (time left), faster when the demo clock runs fast.
async fn tick<R: Runtime>(app: AppHandle<R>) {
    loop {
        let rate = app.state::<Shell>().clock_rate().max(1.0);
        let wait = std::time::Duration::from_secs_f64((60.0 / rate).clamp(1.0, 60.0));
        tokio::time::sleep(wait).await;
        render(&app);
    }
}
