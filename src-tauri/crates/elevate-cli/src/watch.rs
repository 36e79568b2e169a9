//! `elevate watch`: runs the watcher, prints each event (a line, or a JSON object per line with
//! `--json`), and shows it as a desktop notification with actions (XDG notification actions on
//! Linux): Extend and Deactivate before a grant ends, Activate again after it ended or was revoked.
//! An action is carried out with the grant's previous justification and duration.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use elevate_core::Error;
use elevate_core::model::Span;
use elevate_core::watch::{WatchEvent, Watcher};
use serde_json::json;
use tokio::sync::mpsc;

use elevate_app::notifications;

use crate::commands::Context;
use crate::output;

fn print_event(event: &WatchEvent, json: bool) {
    if json {
        output::print_json_line(event);
    } else {
        let now = chrono::Local::now().format("%H:%M");
        // One event, one line: a requester's newlines must not forge further lines.
        println!(
            "{now}  {}: {}",
            output::table_cell(&event.title()),
            output::table_cell(&event.body())
        );
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
    let clock = ctx.opened.clock();
    let mut options = ctx.opened.watch_options();
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
                    notifications::show(&event, clicked_tx.clone(), &mut notices, false);
                }
            }
            Some((action, event)) = clicked.recv() => {
                if let Some(result) = notifications::perform_on_end(&ctx.session, action, &event).await {
                    if ctx.json {
                        output::print_json_line(&json!({"event": "action", "action": action.id(), "result": result}));
                    } else {
                        output::action_lines(std::slice::from_ref(&result), action.label());
                    }
                    watcher.poke();
                    continue;
                }
                let Some(grant) = event.grant() else { continue };
                match notifications::perform(&ctx.session, action, grant).await {
                    Ok(result) => {
                        if ctx.json {
                            output::print_json_line(&json!({"event": "action", "action": action.id(), "result": result}));
                        } else {
                            output::action_lines(std::slice::from_ref(&result), action.label());
                        }
                        // Extend deactivated the role and could not activate it again: say so, and
                        // offer Activate again.
                        if let Some(error) = result.error.as_ref().filter(|e| e.code == "role-now-off") {
                            let off = WatchEvent::NowOff { grant: grant.clone(), reason: error.message.clone() };
                            print_event(&off, ctx.json);
                            if notifications {
                                notifications::show(&off, clicked_tx.clone(), &mut notices, false);
                            }
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
