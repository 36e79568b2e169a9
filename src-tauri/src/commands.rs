//! The commands the window may call. Each returns plain data from [`crate::view`] or a [`UiError`]
//! that says what happened and what to do.

use chrono::DateTime;
use elevate_core::Error;
use elevate_core::model::{RoleKey, Span, Ticket};
use elevate_core::session::ActivationWish;
use elevate_core::store::{Favourite, HistoryQuery};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use ts_rs::TS;

use crate::shell::{self, Shell};
use crate::view::{
    ActionView, ActivationForm, FavouriteForm, HistoryView, PolicyView, RequestView, SnapshotView,
};

/// An error the window shows.
#[derive(Debug, Serialize, TS)]
pub struct UiError {
    /// A stable code (`invalid`, `auth`, `already-decided`…).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}

impl From<Error> for UiError {
    fn from(error: Error) -> Self {
        UiError {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> UiError {
    UiError {
        code: "invalid".into(),
        message: message.into(),
    }
}

pub(crate) type Answer<T> = Result<T, UiError>;

/// The current state (instant: no call to Azure).
#[tauri::command]
pub fn snapshot(shell: State<'_, Shell>) -> SnapshotView {
    tracing::info!(target: "elevate::tray", "the window asked for the state");
    shell.snapshot_view()
}

/// Reads everything again from Azure.
#[tauri::command]
pub async fn refresh<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> Answer<SnapshotView> {
    shell.set_error(None);
    shell::reload_and_render(&app, false).await;
    Ok(shell.snapshot_view())
}

/// What `key`'s policy asks before activation, with reasons used before.
#[tauri::command]
pub async fn policy(shell: State<'_, Shell>, key: String) -> Answer<PolicyView> {
    let session = shell.session().await?;
    let key = RoleKey::from_raw(key);
    let role = shell.role(&key)?;
    let policy = session.policy(&role).await.ok();
    let recent = recent_reasons(&session, &key).await;
    let default = crate::actions::default_minutes(shell.default_duration().await);
    let mut view = PolicyView::of(policy.as_ref(), default, recent);
    view.presets = shell.justification_presets().await;
    Ok(view)
}

async fn recent_reasons(session: &elevate_core::session::Session, key: &RoleKey) -> Vec<String> {
    let store = session.store();
    let query = HistoryQuery {
        limit: Some(200),
        source: None,
        account: Some(session.account().name.clone()),
    };
    let mut reasons: Vec<String> = Vec::new();
    let entries = store.history(&query).await.unwrap_or_default();
    // This role's reasons first, then others'.
    let (mine, others): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| &e.key == key);
    for entry in mine.into_iter().chain(others) {
        if let Some(reason) = entry.justification
            && !reasons.iter().any(|r| r == &reason)
        {
            reasons.push(reason);
        }
        if reasons.len() == 5 {
            break;
        }
    }
    reasons
}

/// Activates a role with the form's answers.
#[tauri::command]
pub async fn activate<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: ActivationForm,
) -> Answer<ActionView> {
    let session = shell.session().await?;
    let key = RoleKey::from_raw(form.key.clone());
    let role = shell.role(&key)?;
    let ticket = match (form.ticket_system.as_deref(), form.ticket_number.as_deref()) {
        (_, Some(number)) if !number.trim().is_empty() => Some(Ticket {
            system: form
                .ticket_system
                .clone()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            number: number.trim().to_owned(),
        }),
        _ => None,
    };
    let minutes = form.minutes.filter(|m| *m > 0);
    let duration = match minutes {
        Some(m) => Some(
            u64::try_from(m)
                .ok()
                .and_then(|m| m.checked_mul(60))
                .map(Span::from_seconds)
                .ok_or_else(|| invalid("the duration is too long"))?,
        ),
        None => None,
    };
    let start = match form.start.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(text) => Some(
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| invalid("the start time is not a date and time"))?
                .to_utc(),
        ),
        None => None,
    };
    let wish = ActivationWish {
        duration,
        justification: form
            .justification
            .map(|j| j.trim().to_owned())
            .filter(|j| !j.is_empty()),
        ticket,
        start,
        narrower_scope: form
            .narrower_scope
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    };
    let result = session.activate(&role, &wish).await;
    shell.poke().await;
    shell::reload_and_render(&app, true).await;
    Ok(ActionView::from(&result))
}

/// Ends an active grant.
#[tauri::command]
pub async fn deactivate<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    key: String,
) -> Answer<ActionView> {
    on_grant(
        &app,
        &shell,
        key,
        elevate_app::notifications::Action::Deactivate,
    )
    .await
}

/// Extends an active grant with its previous answers.
#[tauri::command]
pub async fn extend<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    key: String,
) -> Answer<ActionView> {
    on_grant(
        &app,
        &shell,
        key,
        elevate_app::notifications::Action::Extend,
    )
    .await
}

async fn on_grant<R: Runtime>(
    app: &AppHandle<R>,
    shell: &Shell,
    key: String,
    action: elevate_app::notifications::Action,
) -> Answer<ActionView> {
    let result = shell.act_on_grant(&RoleKey::from_raw(key), action).await?;
    shell.poke().await;
    shell::reload_and_render(app, true).await;
    Ok(ActionView::from(&result))
}

/// Cancels one of the user's pending requests.
#[tauri::command]
pub async fn cancel<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    id: String,
) -> Answer<()> {
    shell.cancel(&id).await?;
    shell::reload_and_render(&app, true).await;
    Ok(())
}

/// Approves or denies a request waiting for the user, with a reason. A request someone else decided
/// first answers with code `already-decided`.
#[tauri::command]
pub async fn decide<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    id: String,
    approve: bool,
    reason: String,
) -> Answer<RequestView> {
    if reason.trim().is_empty() {
        return Err(invalid("say why: a reason is required to approve or deny"));
    }
    let session = shell.session().await?;
    let request = shell
        .snapshot()
        .approvals
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| invalid("that request no longer waits for you; refresh"))?;
    let decided = session.decide(&request, approve, &reason).await;
    shell.poke().await;
    shell::reload_and_render(&app, true).await;
    decided?;
    Ok(RequestView::from(&request))
}

/// Closes the window that asks (the decision pop-up's Close and Escape). Its web view is destroyed.
#[tauri::command]
pub fn close_window<R: Runtime>(window: tauri::WebviewWindow<R>) -> Answer<()> {
    window
        .destroy()
        .map_err(|e| invalid(format!("the window could not be closed: {e}")))
}

/// Local history, newest first.
#[tauri::command]
pub async fn history(shell: State<'_, Shell>, limit: Option<u32>) -> Answer<Vec<HistoryView>> {
    let session = shell.session().await?;
    let store = session.store();
    let query = HistoryQuery {
        limit: Some(limit.unwrap_or(100).min(1000)),
        source: None,
        account: Some(session.account().name.clone()),
    };
    let entries = store.history(&query).await.map_err(Error::from)?;
    Ok(entries.iter().map(HistoryView::from).collect())
}

/// Makes a role a favourite with the form's answers, or stops it being one.
#[tauri::command]
pub async fn set_favourite<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: FavouriteForm,
) -> Answer<()> {
    let FavouriteForm {
        key,
        favourite,
        justification,
        minutes,
        ticket_system,
        ticket_number,
    } = form;
    let session = shell.session().await?;
    let store = session.store();
    let key = RoleKey::from_raw(key);
    if favourite {
        let duration = minutes
            .and_then(|m| u64::try_from(m).ok())
            .filter(|m| *m > 0)
            .map(|m| Span::from_seconds(m.saturating_mul(60)));
        store
            .upsert_favourite(&Favourite {
                key,
                label: None,
                justification: justification.filter(|j| !j.trim().is_empty()),
                ticket: ticket_number
                    .filter(|n| !n.trim().is_empty())
                    .map(|number| Ticket {
                        system: ticket_system.unwrap_or_default().trim().to_owned(),
                        number: number.trim().to_owned(),
                    }),
                duration,
                created: chrono::Utc::now(),
            })
            .await
            .map_err(Error::from)?;
    } else {
        store.remove_favourite(&key).await.map_err(Error::from)?;
    }
    shell::reload_and_render(&app, true).await;
    Ok(())
}
