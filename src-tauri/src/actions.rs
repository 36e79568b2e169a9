//! What the tray menu's items and the notifications' buttons do.

use elevate_app::notifications::{self, Action};
use elevate_app::notifier;
use elevate_app::tray_menu::MenuAction;
use elevate_core::Error;
use elevate_core::model::{RoleKey, Span};
use elevate_core::session::{ActionResult, ActivationWish, Outcome};
use elevate_core::watch::WatchEvent;
use tauri::{AppHandle, Manager, Runtime};

use crate::shell::{self, Shell};
use crate::window;

/// A menu item was clicked (on the UI thread: the work runs on the async runtime).
pub fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(action) = MenuAction::parse(id) else {
        tracing::debug!(target: "elevate::tray", id, "a menu item without an action");
        return;
    };
    tracing::info!(target: "elevate::tray", action = %action, "menu");
    let app = app.clone();
    tauri::async_runtime::spawn(async move { run(&app, action).await });
}

async fn run<R: Runtime>(app: &AppHandle<R>, action: MenuAction) {
    let shell = app.state::<Shell>();
    let result = match action {
        MenuAction::Quit => {
            shell.stop().await;
            app.exit(0);
            return;
        }
        MenuAction::Open => {
            window::open(app, None);
            return;
        }
        MenuAction::Approvals => {
            window::open(app, Some("approvals"));
            return;
        }
        MenuAction::SignIn => {
            shell.set_error(None);
            tauri::async_runtime::spawn(shell::run_signing_in(app.clone()));
            return;
        }
        MenuAction::SignOut => {
            match shell.sign_out().await {
                // Another account is current now: its session starts.
                Ok(true) => {
                    tauri::async_runtime::spawn(shell::run(app.clone()));
                }
                Ok(false) => {}
                Err(e) => notify_error(&e.to_string()),
            }
            shell::render(app);
            return;
        }
        MenuAction::SwitchAccount(key) => {
            tracing::info!(target: "elevate::tray", "switching to another account");
            shell.set_error(None);
            match shell.switch_account(&key).await {
                Ok(()) => {
                    tauri::async_runtime::spawn(shell::run(app.clone()));
                }
                Err(e) => {
                    tracing::warn!(target: "elevate::tray", error = %e, "could not switch accounts");
                    notify_error(&e.to_string());
                }
            }
            shell::render(app);
            return;
        }
        MenuAction::AddAccount => {
            shell.set_error(None);
            let app = app.clone();
            // The browser may take minutes: the menu stays usable meanwhile.
            tauri::async_runtime::spawn(async move {
                let shell = app.state::<shell::Shell>();
                match shell.add_account().await {
                    Ok(()) => shell::run(app.clone()).await,
                    Err(e) => notify_error(&e.to_string()),
                }
            });
            return;
        }
        MenuAction::Update => {
            crate::updates::take(app).await;
            return;
        }
        MenuAction::MailApprovers(id) => {
            crate::approvers::mail_from_menu(&shell, &id).await;
            return;
        }
        MenuAction::Refresh => {
            shell.set_error(None);
            shell::reload_and_render(app, false).await;
            return;
        }
        MenuAction::Favourite(key) => activate_favourite(&shell, &key).await,
        MenuAction::ActivateSet(name) => activate_set(&shell, &name).await,
        MenuAction::Activate(key) => match activate_from_menu(&shell, &key).await {
            Ok(Some(results)) => Ok(results),
            Ok(None) => {
                // The policy needs answers only the form can take.
                window::open(app, Some(&format!("activate/{key}")));
                return;
            }
            Err(e) => Err(e),
        },
        MenuAction::Deactivate(key) => shell
            .act_on_grant(&key, Action::Deactivate)
            .await
            .map(|r| vec![r]),
        MenuAction::Extend(key) => shell
            .act_on_grant(&key, Action::Extend)
            .await
            .map(|r| vec![r]),
        MenuAction::RequestExtension(key) => request_extension(&shell, &key).await,
        MenuAction::Cancel(id) => shell.cancel(&id).await.map(|()| Vec::new()),
    };
    finish(app, result).await;
}

/// Asks an administrator to extend a time-bound assignment, for as long again as it has lasted
/// (at least a day), with the justification last used for it on this machine, else a plain one
/// (the menu cannot take text; `elevate request-extension --reason` can).
async fn request_extension(shell: &Shell, key: &RoleKey) -> Result<Vec<ActionResult>, Error> {
    let session = shell.session().await?;
    let grant = shell
        .snapshot()
        .grant(key)
        .cloned()
        .ok_or_else(|| Error::Invalid("that assignment is no longer listed; refresh".into()))?;
    let length = grant
        .start
        .zip(grant.end)
        .map(|(start, end)| (end - start).num_seconds().max(86_400))
        .unwrap_or(86_400);
    let duration = Span::from_seconds(u64::try_from(length).unwrap_or(86_400));
    let result = notifications::request_more_time(
        &session,
        &elevate_core::model::Expiring::from(&grant),
        elevate_core::model::MoreTime::Extend,
        duration,
    )
    .await;
    if result.outcome == Outcome::PendingApproval {
        desktop_notification(
            "Extension requested",
            &format!(
                "{} @ {}: an administrator decides.",
                result.role, result.scope_name
            ),
            notifier::Icon::Info,
        );
    }
    Ok(vec![result])
}

/// Reports the results, asks the watcher to look again now, and redraws (the watcher's poll
/// brings the new state).
async fn finish<R: Runtime>(app: &AppHandle<R>, result: Result<Vec<ActionResult>, Error>) {
    let shell = app.state::<Shell>();
    match result {
        Ok(results) => {
            for result in &results {
                let now_off = result.error.as_ref().filter(|e| e.code == "role-now-off");
                if let Some(error) = now_off {
                    offer_activate(app, result, &error.message);
                } else if let Some(message) = failure_message(result) {
                    notify_error(&message);
                }
            }
        }
        Err(e) => notify_error(&e.to_string()),
    }
    // One confirming read: the watcher polls now and publishes what Azure says.
    shell.poke().await;
    shell::render(app);
}

fn failure_message(result: &ActionResult) -> Option<String> {
    let what = format!("{} @ {}", result.role, result.scope_name);
    match result.outcome {
        Outcome::Error | Outcome::Failed => Some(format!(
            "{what}: {}",
            result
                .error
                .as_ref()
                .map_or("Azure could not do it", |e| e.message.as_str())
        )),
        Outcome::Denied => Some(format!("{what} was denied")),
        _ => None,
    }
}

/// Extend deactivated the role and could not activate it again: says so plainly, with
/// "Activate again" (the menu's Activate, with the previous answers or the form).
fn offer_activate<R: Runtime>(app: &AppHandle<R>, result: &ActionResult, message: &str) {
    tracing::warn!(target: "elevate::tray", "{message}");
    let app = app.clone();
    let key = result.key.clone();
    let notice = notifier::Notice {
        summary: format!("{} is now off", result.role),
        body: message.to_owned(),
        icon: notifier::Icon::Error,
        urgent: true,
        buttons: vec![(
            Action::ActivateAgain.id().to_owned(),
            Action::ActivateAgain.label().to_owned(),
        )],
        opens: false,
    };
    tauri::async_runtime::spawn(async move {
        match notifier::show(&notice).await {
            Ok(Some(notifier::Answer {
                choice: notifier::Choice::Button(id),
                ..
            })) if id == Action::ActivateAgain.id() => {
                run(&app, MenuAction::Activate(key)).await;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::debug!(target: "elevate::tray", error = %e, "could not show a notification");
            }
        }
    });
}

/// Tells the user about a failure that happened away from the window.
fn notify_error(message: &str) {
    tracing::warn!(target: "elevate::tray", "{message}");
    desktop_notification("Elevate could not do that", message, notifier::Icon::Error);
}

/// Shows a desktop notification without actions (on the async runtime; a failure is only logged).
pub(crate) fn desktop_notification(summary: &str, body: &str, icon: notifier::Icon) {
    let notice = notifier::Notice {
        summary: summary.to_owned(),
        body: body.to_owned(),
        icon,
        urgent: false,
        buttons: Vec::new(),
        opens: false,
    };
    tauri::async_runtime::spawn(async move {
        if let Err(e) = notifier::show(&notice).await {
            tracing::debug!(target: "elevate::tray", error = %e, "could not show a notification");
        }
    });
}

async fn activate_favourite(shell: &Shell, key: &RoleKey) -> Result<Vec<ActionResult>, Error> {
    let session = shell.session().await?;
    let favourite = shell
        .snapshot()
        .favourites
        .into_iter()
        .find(|f| &f.key == key)
        .ok_or_else(|| Error::Invalid("that favourite no longer exists".into()))?;
    let eligibility = shell.role(key)?;
    let wish = ActivationWish {
        duration: favourite.duration,
        justification: favourite.justification,
        ticket: favourite.ticket,
        ..ActivationWish::default()
    };
    Ok(vec![session.activate(&eligibility, &wish).await])
}

async fn activate_set(shell: &Shell, name: &str) -> Result<Vec<ActionResult>, Error> {
    let session = shell.session().await?;
    let snapshot = shell.snapshot();
    let set = snapshot
        .sets
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::Invalid(format!("the set '{name}' no longer exists")))?;
    let roles: Vec<_> = set
        .keys
        .iter()
        .filter_map(|k| snapshot.role(k).cloned())
        .collect();
    let wish = ActivationWish {
        duration: set.duration,
        justification: set.justification.clone(),
        ..ActivationWish::default()
    };
    let wishes: Vec<_> = roles.into_iter().map(|r| (r, wish.clone())).collect();
    Ok(session.activate_many(&wishes).await)
}

/// Activates `key` straight away when its policy asks nothing; `None` when it needs the form.
async fn activate_from_menu(
    shell: &Shell,
    key: &RoleKey,
) -> Result<Option<Vec<ActionResult>>, Error> {
    let session = shell.session().await?;
    let eligibility = shell.role(key)?;
    match session.policy(&eligibility).await {
        Ok(policy) if policy.justification_required || policy.ticket_required => Ok(None),
        Ok(_) => Ok(Some(vec![
            session
                .activate(&eligibility, &ActivationWish::default())
                .await,
        ])),
        // The form shows what could not be read and lets Azure decide.
        Err(_) => Ok(None),
    }
}

/// A notification's button was clicked.
pub async fn on_notification<R: Runtime>(app: &AppHandle<R>, action: Action, event: &WatchEvent) {
    if let WatchEvent::ApprovalWaiting { request } = event {
        // A request waiting for a decision, which needs a reason: the pop-up on that request.
        let verdict = match action {
            Action::Approve => window::Verdict::Approve,
            Action::Deny => window::Verdict::Deny,
            _ => window::Verdict::Undecided,
        };
        window::open_decision(app, &request.id, verdict);
        return;
    }
    if action == Action::Open {
        // The notification itself was clicked: the window, on what it was about.
        window::open(app, Some(&notifications::window_route(event)));
        return;
    }
    if let (Action::RequestAgain, WatchEvent::Denied { request }) = (action, event) {
        // Denied: the form on the role with the denied answers filled in; the user sends it.
        window::open(app, Some(&notifications::again_route(request)));
        return;
    }
    if matches!(action, Action::RequestExtension | Action::RequestRenewal) {
        let result = match app.state::<Shell>().session().await {
            Ok(session) => notifications::perform_on_end(&session, action, event)
                .await
                .map(|r| vec![r])
                .ok_or_else(|| Error::Invalid("nothing to request on this notice".into())),
            Err(e) => Err(e),
        };
        finish(app, result).await;
        return;
    }
    let Some(grant) = event.grant() else {
        return;
    };
    let result = match app.state::<Shell>().session().await {
        Ok(session) => notifications::perform(&session, action, grant)
            .await
            .map(|r| vec![r]),
        Err(e) => Err(e),
    };
    finish(app, result).await;
}
