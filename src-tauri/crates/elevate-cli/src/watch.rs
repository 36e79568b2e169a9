//! `elevate watch`: runs the watcher, prints each event (a line, or a JSON object per line with
//! `--json`), and shows it as a desktop notification with actions (XDG notification actions on
//! Linux): Extend and Deactivate before a grant ends, Activate again after it ended or was revoked.
//! An action is carried out with the grant's previous justification and duration.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use elevate_core::Error;
use elevate_core::model::{ActiveGrant, RoleKey, Span};
use elevate_core::session::{ActionResult, ActivationWish, Session};
use elevate_core::store::HistoryQuery;
use elevate_core::watch::{Clock, SystemClock, WatchEvent, WatchOptions, Watcher};
use serde_json::json;
use tokio::sync::mpsc;

use crate::commands::Context;
use crate::output;

/// What the user clicked on a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Extend,
    Deactivate,
    ActivateAgain,
}

impl Action {
    fn id(self) -> &'static str {
        match self {
            Action::Extend => "extend",
            Action::Deactivate => "deactivate",
            Action::ActivateAgain => "activate-again",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Action::Extend => "Extend",
            Action::Deactivate => "Deactivate",
            Action::ActivateAgain => "Activate again",
        }
    }

    fn from_id(id: &str) -> Option<Action> {
        [Action::Extend, Action::Deactivate, Action::ActivateAgain]
            .into_iter()
            .find(|a| a.id() == id)
    }
}

fn actions_for(event: &WatchEvent) -> Vec<Action> {
    match event {
        WatchEvent::ExpiresSoon { .. } => vec![Action::Extend, Action::Deactivate],
        WatchEvent::Ended { .. } | WatchEvent::Revoked { .. } => vec![Action::ActivateAgain],
        WatchEvent::Effective { grant } | WatchEvent::Appeared { grant }
            if grant.assignment_type == elevate_core::model::AssignmentType::Activated =>
        {
            vec![Action::Deactivate]
        }
        _ => Vec::new(),
    }
}

/// Shows `event` as a desktop notification and waits for one of its actions (a task per
/// notification, aborted when `watch` stops).
fn notify(
    event: &WatchEvent,
    clicked: mpsc::Sender<(Action, WatchEvent)>,
    tasks: &mut tokio::task::JoinSet<()>,
) {
    while tasks.try_join_next().is_some() {}
    let event = event.clone();
    tasks.spawn(async move {
        let actions = actions_for(&event);
        let mut notification = notify_rust::Notification::new();
        notification
            .appname("Elevate")
            .summary(&event.title())
            .body(&event.body())
            .icon("dialog-password");
        if matches!(event, WatchEvent::ExpiresSoon { .. } | WatchEvent::Revoked { .. }) {
            notification.urgency(notify_rust::Urgency::Critical);
        }
        for action in &actions {
            notification.action(action.id(), action.label());
        }
        match notification.show_async().await {
            Ok(handle) if !actions.is_empty() => {
                handle
                    .wait_for_action_async(|response| {
                        if let notify_rust::NotificationResponse::Action(id) = response
                            && let Some(action) = Action::from_id(id)
                            && let Err(e) = clicked.try_send((action, event.clone()))
                        {
                            tracing::warn!(target: "elevate::watch", error = %e, "a notification action was dropped");
                        }
                    })
                    .await;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(target: "elevate::watch", error = %e, "could not show a desktop notification");
            }
        }
    });
}

fn print_event(event: &WatchEvent, json: bool) {
    if json {
        output::print_json_line(event);
    } else {
        let now = chrono::Local::now().format("%H:%M");
        println!("{now}  {}: {}", event.title(), event.body());
    }
}

/// The justification and duration this machine last used for `key`.
async fn previous(session: &Session, key: &RoleKey) -> (Option<String>, Option<Span>) {
    let Some(store) = session.store() else {
        return (None, None);
    };
    let query = HistoryQuery {
        limit: Some(200),
        source: None,
        account: Some(session.account().name.clone()),
    };
    let entries = store.history(&query).await.unwrap_or_default();
    entries
        .into_iter()
        .find(|e| &e.key == key && e.justification.is_some())
        .map(|e| (e.justification, e.duration))
        .unwrap_or((None, None))
}

async fn perform(
    session: &Session,
    action: Action,
    grant: &ActiveGrant,
) -> Result<ActionResult, Error> {
    let (justification, duration) = previous(session, &grant.key).await;
    let wish = ActivationWish {
        duration,
        justification,
        ..ActivationWish::default()
    };
    match action {
        Action::Deactivate => Ok(session.deactivate(grant).await),
        Action::Extend => Ok(session.extend(grant, &wish).await),
        Action::ActivateAgain => {
            let listing = session.roles(&[grant.source]).await;
            let eligibility = listing
                .items
                .into_iter()
                .find(|e| e.key == grant.key)
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "{} at {} is no longer among your eligible roles",
                        grant.role.name, grant.scope.name
                    ))
                })?;
            Ok(session.activate(&eligibility, &wish).await)
        }
    }
}

/// Runs until Ctrl-C (or SIGTERM).
pub async fn run(
    ctx: &Context,
    notifications: bool,
    warn: &[Span],
    speed: Option<f64>,
) -> Result<ExitCode, Error> {
    if let Some(factor) = speed {
        let demo = ctx
            .demo()
            .ok_or_else(|| Error::Invalid("--speed works only with --demo".into()))?;
        demo.control("clock", Some(json!({ "scale": factor })))
            .await?;
    }
    let clock: Arc<dyn Clock> = match ctx.demo() {
        Some(demo) => demo.clock(),
        None => Arc::new(SystemClock),
    };
    let mut options = WatchOptions::default();
    if ctx.demo().is_some() {
        // The demo clock can be moved or sped up at any moment: look at it every second, and poll
        // the embedded simulator often (it is in this process; the calls cost nothing).
        options.max_sleep = Duration::from_secs(1);
        options.busy_poll = Duration::from_secs(1);
        options.active_poll = Duration::from_secs(3);
        options.idle_poll = Duration::from_secs(10);
    }
    if !warn.is_empty() {
        options.warn_before = warn
            .iter()
            .map(|s| Duration::from_secs(s.as_seconds()))
            .collect();
    }
    let (events_tx, mut events) = mpsc::channel(64);
    let (clicked_tx, mut clicked) = mpsc::channel(16);
    let mut notices = tokio::task::JoinSet::new();
    let watcher = Watcher::spawn(Arc::clone(&ctx.session), clock, options, events_tx);
    if ctx.json {
        let mut started = json!({"event": "watching", "account": ctx.session.account().name});
        if let Some(demo) = ctx.demo() {
            started["simulator"] = json!(demo.url());
        }
        output::print_json_line(&started);
    } else {
        eprintln!(
            "Watching the grants and requests of {} (Ctrl-C to stop)…",
            ctx.session.account().name
        );
    }
    let terminate = async {
        #[cfg(unix)]
        {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    };
    tokio::pin!(terminate);
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            () = &mut terminate => break,
            event = events.recv() => {
                let Some(event) = event else { break };
                print_event(&event, ctx.json);
                if notifications {
                    notify(&event, clicked_tx.clone(), &mut notices);
                }
            }
            Some((action, event)) = clicked.recv() => {
                let Some(grant) = event.grant() else { continue };
                match perform(&ctx.session, action, grant).await {
                    Ok(result) => {
                        if ctx.json {
                            output::print_json_line(&json!({"event": "action", "action": action.id(), "result": result}));
                        } else {
                            output::action_lines(std::slice::from_ref(&result), action.label());
                        }
                    }
                    Err(e) => eprintln!("error: {}: {e}", action.label()),
                }
                watcher.poke();
            }
        }
    }
    notices.abort_all();
    watcher.shutdown().await;
    if speed.is_some()
        && let Some(demo) = ctx.demo()
        && let Err(e) = demo.control("clock", Some(json!({ "scale": 1.0 }))).await
    {
        eprintln!("warning: the demo clock still runs fast: {e}");
    }
    Ok(ExitCode::SUCCESS)
}
