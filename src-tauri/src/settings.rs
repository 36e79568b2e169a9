//! The settings page's commands: the settings file (cloud, default duration, notification times,
//! justification presets), start at login, favourites and sets, and signing out. Saved settings
//! apply at once: the session is opened again with them.

use elevate_core::config::{Cloud, Config, ConfigFile, Paths, read_config_file};
use elevate_core::model::{RoleKey, Span};
use elevate_core::settings_file::{SettingsChange, save_settings as save_file};
use elevate_core::store::RoleSet;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_autostart::AutoLaunchManager;

use crate::commands::{Answer, invalid};
use crate::shell::{self, Shell};
use crate::view::{FavouriteView, SetForm, SetView, SettingsForm, SettingsView};

fn minutes(span: Option<Span>) -> Option<i64> {
    span.map(|d| d.to_time_delta().num_minutes())
}

fn span_of(minutes: i64) -> Result<Span, crate::commands::UiError> {
    u64::try_from(minutes)
        .ok()
        .filter(|m| (1..=43_200).contains(m))
        .map(Span::from_minutes)
        .ok_or_else(|| invalid("the duration must be between 1 minute and 30 days"))
}

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

fn view<R: Runtime>(
    app: &AppHandle<R>,
    shell: &Shell,
    paths: &Paths,
    file: ConfigFile,
    account: Option<(String, Option<String>)>,
) -> Answer<SettingsView> {
    let cloud = file.cloud;
    let update_checks = file.updates.enabled.unwrap_or(true);
    let config = Config::resolve(file, |_| None).map_err(|e| invalid(e.to_string()))?;
    let snapshot = shell.snapshot();
    let name = |key: &RoleKey| {
        snapshot
            .role(key)
            .map(|r| format!("{} @ {}", r.role.name, r.scope.name))
            .unwrap_or_else(|| key.to_string())
    };
    let (account, tenant) = account.map_or((None, None), |(a, t)| (Some(a), t));
    Ok(SettingsView {
        account,
        tenant,
        demo: shell.demo(),
        can_sign_out: shell.can_sign_out(),
        cloud: cloud.as_str().to_owned(),
        default_minutes: config.default_duration.to_time_delta().num_minutes(),
        warn_before_minutes: config
            .warn_before
            .iter()
            .map(|d| u32::try_from(d.as_secs() / 60).unwrap_or(u32::MAX))
            .collect(),
        justification_presets: config.justification_presets,
        start_at_login: start_at_login(app),
        update_checks,
        config_file: paths.config_file().display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        favourites: snapshot
            .favourites
            .iter()
            .map(|f| FavouriteView {
                key: f.key.to_string(),
                name: name(&f.key),
                justification: f.justification.clone(),
                minutes: minutes(f.duration),
            })
            .collect(),
        sets: snapshot
            .sets
            .iter()
            .map(|s| SetView {
                name: s.name.clone(),
                roles: s.keys.iter().map(name).collect(),
                keys: s.keys.iter().map(ToString::to_string).collect(),
                justification: s.justification.clone(),
                minutes: minutes(s.duration),
            })
            .collect(),
    })
}

fn paths() -> Answer<Paths> {
    Paths::from_env().map_err(|e| invalid(e.to_string()))
}

/// The settings as they are.
#[tauri::command]
pub async fn settings<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> Answer<SettingsView> {
    let account = shell.account().await;
    let paths = paths()?;
    let file = read_config_file(&paths.config_file()).map_err(|e| invalid(e.to_string()))?;
    view(&app, &shell, &paths, file, account)
}

/// Saves the settings page's form into the settings file and opens the session again with it.
#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: SettingsForm,
) -> Answer<SettingsView> {
    let cloud = Cloud::from_name(&form.cloud)
        .ok_or_else(|| invalid(format!("'{}' is not a cloud Elevate knows", form.cloud)))?;
    let change = SettingsChange {
        cloud: Some(cloud),
        default_duration: Some(span_of(form.default_minutes)?),
        warn_before_minutes: Some(form.warn_before_minutes),
        justification_presets: Some(form.justification_presets),
        ..SettingsChange::default()
    };
    let paths = paths()?;
    let before = read_config_file(&paths.config_file()).ok();
    let saved = save_file(&paths.config_file(), &change).map_err(|e| invalid(e.to_string()))?;
    tracing::info!(target: "elevate::tray", "settings saved");
    if before.as_ref() != Some(&saved) && shell.account().await.is_some() {
        // Open the session again so everything (cloud, durations, the watcher's warnings) follows.
        shell.stop().await;
        tauri::async_runtime::spawn(shell::run(app.clone()));
    }
    let account = shell.account().await;
    view(&app, &shell, &paths, saved, account)
}

/// Turns starting at login on or off (off by default); answers what the OS now has.
#[tauri::command]
pub fn set_start_at_login<R: Runtime>(app: AppHandle<R>, on: bool) -> Answer<bool> {
    let manager = app
        .try_state::<AutoLaunchManager>()
        .ok_or_else(|| invalid("starting at login is not available here"))?;
    let changed = if on {
        manager.enable()
    } else {
        manager.disable()
    };
    changed.map_err(|e| invalid(format!("the login items could not be changed: {e}")))?;
    tracing::info!(target: "elevate::tray", on, "start at login");
    manager
        .is_enabled()
        .map_err(|e| invalid(format!("the login items could not be read: {e}")))
}

/// Turns the update check on or off (`[updates] enabled`); on checks at once. Answers the setting.
#[tauri::command]
pub fn set_update_checks<R: Runtime>(app: AppHandle<R>, on: bool) -> Answer<bool> {
    let paths = paths()?;
    let change = SettingsChange {
        update_checks: Some(on),
        ..SettingsChange::default()
    };
    let saved = save_file(&paths.config_file(), &change).map_err(|e| invalid(e.to_string()))?;
    tracing::info!(target: "elevate::tray", on, "update checks");
    if let Some(updates) = app.try_state::<crate::updates::Updates>() {
        updates.check_now();
    }
    Ok(saved.updates.enabled.unwrap_or(true))
}

/// Saves a set of roles to activate together (one click in the tray menu).
#[tauri::command]
pub async fn save_set<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: SetForm,
) -> Answer<()> {
    let name = form.name.trim();
    if name.is_empty() {
        return Err(invalid("give the set a name"));
    }
    if form.keys.is_empty() {
        return Err(invalid("choose at least one role for the set"));
    }
    let session = shell.session().await?;
    let store = session.store();
    let set = RoleSet {
        name: name.to_owned(),
        keys: form.keys.into_iter().map(RoleKey::from_raw).collect(),
        justification: form
            .justification
            .map(|j| j.trim().to_owned())
            .filter(|j| !j.is_empty()),
        duration: form.minutes.map(span_of).transpose()?,
    };
    store
        .upsert_set(&set)
        .await
        .map_err(|e| invalid(e.to_string()))?;
    shell::reload_and_render(&app, true).await;
    Ok(())
}

/// Removes a saved set.
#[tauri::command]
pub async fn remove_set<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    name: String,
) -> Answer<()> {
    let session = shell.session().await?;
    let store = session.store();
    store
        .remove_set(&name)
        .await
        .map_err(|e| invalid(e.to_string()))?;
    shell::reload_and_render(&app, true).await;
    Ok(())
}

/// Signs out (Elevate's own sign-in: its tokens and their key are deleted).
#[tauri::command]
pub async fn sign_out<R: Runtime>(app: AppHandle<R>, shell: State<'_, Shell>) -> Answer<()> {
    shell.sign_out().await?;
    shell::render(&app);
    Ok(())
}
