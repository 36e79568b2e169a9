//! The commands the windows may call, thin: each takes what it needs from the running [`Shell`],
//! hands the work to `elevate_app::ui` (forms, views, what is done with the session) and redraws.
//! Each answers plain data or a [`UiError`] that says what happened and what to do.

use elevate_app::notifications::Action;
use elevate_app::ui::{
    self, ActionView, ActivationForm, Answer, FavouriteForm, HistoryView, PolicyView, RequestView,
    SnapshotView,
};
use elevate_core::model::{MoreTime, RoleKey};
use tauri::{AppHandle, Runtime, State};

use crate::shell::{self, Shell};

/// The current state (instant: no call to Azure).
#[tauri::command]
#[specta::specta]
pub fn snapshot(shell: State<'_, Shell>) -> SnapshotView {
    tracing::info!(target: "elevate::tray", "the window asked for the state");
    shell.snapshot_view()
}

/// Reads everything again from Azure.
#[tauri::command]
#[specta::specta]
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
#[specta::specta]
pub async fn policy(shell: State<'_, Shell>, key: String) -> Answer<PolicyView> {
    let session = shell.session().await?;
    let role = shell.role(&RoleKey::from_raw(key))?;
    let presets = shell.justification_presets().await;
    Ok(ui::calls::policy(&session, &role, shell.default_duration().await, presets).await)
}

/// Activates a role with the form's answers.
#[tauri::command]
#[specta::specta]
pub async fn activate<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: ActivationForm,
) -> Answer<ActionView> {
    let session = shell.session().await?;
    let role = shell.role(&form.role_key())?;
    let result = session.activate(&role, &form.wish()?).await;
    after_action(&app, &shell).await;
    Ok(ActionView::from(&result))
}

/// Asks an administrator to extend an eligibility that ends within 14 days (Azure's `SelfExtend`
/// / `selfExtend`), for 90 days with the justification last used for it: an administrator decides,
/// and the watcher follows the request.
#[tauri::command]
#[specta::specta]
pub async fn request_extension<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    key: String,
) -> Answer<ActionView> {
    let session = shell.session().await?;
    let role = shell.role(&RoleKey::from_raw(key))?;
    let target = elevate_core::model::Expiring::from(&role);
    let result = elevate_app::notifications::request_more_time(
        &session,
        &target,
        MoreTime::Extend,
        elevate_app::notifications::MORE_TIME_FROM_NOTICE,
    )
    .await;
    after_action(&app, &shell).await;
    Ok(ActionView::from(&result))
}

/// Ends an active grant.
#[tauri::command]
#[specta::specta]
pub async fn deactivate<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    key: String,
) -> Answer<ActionView> {
    on_grant(&app, &shell, key, Action::Deactivate).await
}

/// Extends an active grant with its previous answers.
#[tauri::command]
#[specta::specta]
pub async fn extend<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    key: String,
) -> Answer<ActionView> {
    on_grant(&app, &shell, key, Action::Extend).await
}

async fn on_grant<R: Runtime>(
    app: &AppHandle<R>,
    shell: &Shell,
    key: String,
    action: Action,
) -> Answer<ActionView> {
    let result = shell.act_on_grant(&RoleKey::from_raw(key), action).await?;
    after_action(app, shell).await;
    Ok(ActionView::from(&result))
}

/// After an action: the watcher looks again soon, and the state is read and drawn now.
async fn after_action<R: Runtime>(app: &AppHandle<R>, shell: &Shell) {
    shell.poke().await;
    shell::reload_and_render(app, true).await;
}

/// Cancels one of the user's pending requests.
#[tauri::command]
#[specta::specta]
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
#[specta::specta]
pub async fn decide<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    id: String,
    approve: bool,
    reason: String,
) -> Answer<RequestView> {
    let request = ui::calls::approval(&shell.snapshot(), &id, &reason)?;
    let session = shell.session().await?;
    let decided = session.decide(&request, approve, &reason).await;
    shell.poke().await;
    shell::reload_and_render(&app, true).await;
    decided?;
    Ok(RequestView::from(&request))
}

/// Closes the window that asks (the decision pop-up's Close and Escape). Its web view is destroyed.
#[tauri::command]
#[specta::specta]
pub fn close_window<R: Runtime>(window: tauri::WebviewWindow<R>) -> Answer<()> {
    window
        .destroy()
        .map_err(|e| ui::invalid(format!("the window could not be closed: {e}")))
}

/// Local history, newest first.
#[tauri::command]
#[specta::specta]
pub async fn history(shell: State<'_, Shell>, limit: Option<u32>) -> Answer<Vec<HistoryView>> {
    ui::calls::history(shell.session().await?.as_ref(), limit).await
}

/// Makes a role a favourite with the form's answers, or stops it being one.
#[tauri::command]
#[specta::specta]
pub async fn set_favourite<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: FavouriteForm,
) -> Answer<()> {
    ui::calls::set_favourite(shell.session().await?.as_ref(), form, chrono::Utc::now()).await?;
    shell::reload_and_render(&app, true).await;
    Ok(())
}

/// Checks the form's activation before it is sent: the role's policy, then Azure's validation
/// (ARM's `validate`, Graph's `isValidationOnly`). Nothing is created and nothing is redrawn.
#[tauri::command]
#[specta::specta]
pub async fn check_activation(
    shell: State<'_, Shell>,
    form: ActivationForm,
) -> Answer<ui::CheckView> {
    let session = shell.session().await?;
    let role = shell.role(&form.role_key())?;
    ui::checks::check(&session, &role, form).await
}

/// This machine's history merged with the requests Azure lists for the user (made elsewhere
/// too), newest first.
#[tauri::command]
#[specta::specta]
pub async fn activity(shell: State<'_, Shell>, limit: Option<u32>) -> Answer<ui::ActivityListView> {
    ui::checks::activity(shell.session().await?.as_ref(), limit).await
}
