//! The settings page's commands: the settings file (cloud, default duration, notification times,
//! justification presets), start at login, favourites and sets, and signing out. Saved settings
//! apply at once: the session is opened again with them. What the page shows and how its forms are
//! read is `elevate_app::ui`'s.

use elevate_app::ui::settings::{
    AppState, read_settings, save_settings_file, save_update_checks, settings_view,
};
use elevate_app::ui::{self, Answer, SetForm, SettingsForm, SettingsView};
use elevate_core::config::{ConfigFile, Paths};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_autostart::AutoLaunchManager;

use crate::shell::{self, Shell};

/// Whether the app starts at login, as the OS has it (none when that cannot be read).
fn start_at_login<R: Runtime>(app: &AppHandle<R>) -> Option<bool> {
    let manager = app.try_state::<AutoLaunchManager>()?;
    match manager.is_enabled() {
        Ok(on) => Some(on),
        Err(e) => {
            tracing::warn!(target: "elevate::tray", error = %e, "could not read the start-at-login setting");
            None
        }
    }
}

/// Turns the login item on or off; answers what the OS now has.
fn switch_start_at_login<R: Runtime>(app: &AppHandle<R>, on: bool) -> Answer<bool> {
    let manager = app
        .try_state::<AutoLaunchManager>()
        .ok_or_else(|| ui::invalid("starting at login is not available here"))?;
    let changed = if on {
        manager.enable()
    } else {
        manager.disable()
    };
    changed.map_err(|e| ui::invalid(format!("the login items could not be changed: {e}")))?;
    tracing::info!(target: "elevate::tray", on, "start at login");
    manager
        .is_enabled()
        .map_err(|e| ui::invalid(format!("the login items could not be read: {e}")))
}

/// The settings page for `file`, with the running app's state.
async fn view<R: Runtime>(
    app: &AppHandle<R>,
    shell: &Shell,
    paths: &Paths,
    file: ConfigFile,
) -> Answer<SettingsView> {
    let account = shell.account().await;
    let state = AppState {
        snapshot: &shell.snapshot(),
        account: account.as_ref(),
        demo: shell.demo(),
        can_sign_out: shell.can_sign_out(),
        start_at_login: start_at_login(app),
    };
    settings_view(file, &paths.config_file(), state)
}

fn paths() -> Answer<Paths> {
    Paths::from_env().map_err(|e| ui::invalid(e.to_string()))
}

/// The settings as they are.
#[tauri::command]
#[specta::specta]
pub async fn settings<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> Answer<SettingsView> {
    let paths = paths()?;
    view(&app, &shell, &paths, read_settings(&paths.config_file())?).await
}

/// Saves the settings page's form into the settings file and opens the session again with it.
#[tauri::command]
#[specta::specta]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: SettingsForm,
) -> Answer<SettingsView> {
    let paths = paths()?;
    let (saved, changed) = save_settings_file(&paths.config_file(), &form.change()?)?;
    // Open the session again so everything (cloud, durations, the watcher's warnings) follows.
    if changed && shell.account().await.is_some() {
        shell.stop().await;
        tauri::async_runtime::spawn(shell::run(app.clone()));
    }
    view(&app, &shell, &paths, saved).await
}

/// Turns starting at login on or off (off by default); answers what the OS now has.
#[tauri::command]
#[specta::specta]
pub fn set_start_at_login<R: Runtime>(app: AppHandle<R>, on: bool) -> Answer<bool> {
    switch_start_at_login(&app, on)
}

/// Turns the update check on or off (`[updates] enabled`); on checks at once. Answers the setting.
#[tauri::command]
#[specta::specta]
pub fn set_update_checks<R: Runtime>(app: AppHandle<R>, on: bool) -> Answer<bool> {
    let enabled = save_update_checks(&paths()?.config_file(), on)?;
    if let Some(updates) = app.try_state::<crate::updates::Updates>() {
        updates.check_now();
    }
    Ok(enabled)
}

/// Saves a set of roles to activate together (one click in the tray menu).
#[tauri::command]
#[specta::specta]
pub async fn save_set<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: SetForm,
) -> Answer<()> {
    ui::calls::save_set(shell.session().await?.as_ref(), form).await?;
    shell::reload_and_render(&app, true).await;
    Ok(())
}

/// Removes a saved set.
#[tauri::command]
#[specta::specta]
pub async fn remove_set<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    name: String,
) -> Answer<()> {
    ui::calls::remove_set(shell.session().await?.as_ref(), &name).await?;
    shell::reload_and_render(&app, true).await;
    Ok(())
}

/// Signs out (Elevate's own sign-in: its tokens and their key are deleted).
#[tauri::command]
#[specta::specta]
pub async fn sign_out<R: Runtime>(app: AppHandle<R>, shell: State<'_, Shell>) -> Answer<()> {
    if shell.sign_out().await? {
        // Another account is current now: its session starts.
        tauri::async_runtime::spawn(shell::run(app.clone()));
    }
    shell::render(&app);
    Ok(())
}

/// Elevate's own signed-in accounts, the current one first (none in demo mode).
#[tauri::command]
#[specta::specta]
pub fn accounts(shell: State<'_, Shell>) -> Vec<ui::AccountView> {
    ui::accounts_view(&shell.accounts())
}

/// Signs out one account (by key); the one in use stops its session, and the next current one's
/// starts.
#[tauri::command]
#[specta::specta]
pub async fn sign_out_account<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    key: String,
) -> Answer<Vec<ui::AccountView>> {
    if shell.sign_out_account(Some(&key)).await? {
        tauri::async_runtime::spawn(shell::run(app.clone()));
    }
    shell::render(&app);
    Ok(ui::accounts_view(&shell.accounts()))
}
