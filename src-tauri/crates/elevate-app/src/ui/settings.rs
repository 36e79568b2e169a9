//! The settings page: what it shows (the settings file, the account, favourites and sets) and saving
//! its form into the settings file.

use std::path::Path;

use elevate_core::config::{Cloud, Config, ConfigFile, config_file_names_cloud, read_config_file};
use elevate_core::managed::{self, ManagedKey, ManagedPolicy};
use elevate_core::model::RoleKey;
use elevate_core::settings_file::{SettingsChange, save_settings};
use serde::Serialize;
use specta::Type;

use super::error::{Answer, invalid};
use super::view::minutes;
use crate::snapshot::Snapshot;

/// The settings page.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The signed-in user (none while signed out).
    pub account: Option<String>,
    /// Their tenant.
    pub tenant: Option<String>,
    /// Demo mode.
    pub demo: bool,
    /// Whether Sign out means something (Elevate's own sign-in).
    pub can_sign_out: bool,
    /// Which Azure cloud.
    pub cloud: CloudName,
    /// The duration asked for when none is given, in minutes.
    pub default_minutes: i32,
    /// Minutes before a grant ends at which a notification warns.
    pub warn_before_minutes: Vec<u32>,
    /// Justifications offered in the request form.
    pub justification_presets: Vec<String>,
    /// Whether Elevate starts when the user signs in to the computer; none when unknown.
    pub start_at_login: Option<bool>,
    /// Whether the tray app checks the signed update feed (`[updates] enabled`).
    pub update_checks: bool,
    /// The settings file.
    pub config_file: String,
    /// Elevate's version (the workspace's), for the About line.
    pub version: String,
    /// Favourites.
    pub favourites: Vec<FavouriteView>,
    /// Saved sets.
    pub sets: Vec<SetView>,
    /// The settings the organisation manages (locked): shown, not changeable.
    pub managed: Vec<ManagedView>,
    /// Why the organisation's managed configuration was ignored, when it was.
    pub managed_problem: Option<String>,
}

/// A setting the organisation locks.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ManagedView {
    /// The setting as named in config.toml: `cloud`, `activation.default_duration`,
    /// `notifications.warn_before_minutes`, `activation.justification_presets`, `updates.enabled`…
    pub key: String,
    /// Who manages it: the managed file or the registry key.
    pub source: String,
}

/// An Azure cloud, by its name in `config.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum CloudName {
    /// Azure's public cloud.
    Public,
    /// Azure Government.
    UsGov,
    /// Azure operated by 21Vianet.
    China,
    /// Endpoints given in the settings file.
    Custom,
}

impl From<Cloud> for CloudName {
    fn from(cloud: Cloud) -> Self {
        match cloud {
            Cloud::Public => CloudName::Public,
            Cloud::UsGov => CloudName::UsGov,
            Cloud::China => CloudName::China,
            Cloud::Custom => CloudName::Custom,
        }
    }
}

/// A favourite, on the settings page.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FavouriteView {
    /// Role key.
    pub key: String,
    /// "Role @ scope" (or the key when the role is no longer listed).
    pub name: String,
    /// Saved justification.
    pub justification: Option<String>,
    /// Saved duration in minutes.
    pub minutes: Option<i32>,
}

/// A saved set of roles activated together.
#[derive(Clone, Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SetView {
    /// The set's name.
    pub name: String,
    /// Its roles as "Role @ scope".
    pub roles: Vec<String>,
    /// Its role keys.
    pub keys: Vec<String>,
    /// Justification sent for each.
    pub justification: Option<String>,
    /// Duration in minutes.
    pub minutes: Option<i32>,
}

/// What the settings page shows beside the settings file: the running app's state.
#[derive(Clone, Copy, Debug)]
pub struct AppState<'a> {
    /// The last snapshot (favourites and sets, and the roles that name them).
    pub snapshot: &'a Snapshot,
    /// The account and tenant signed in.
    pub account: Option<&'a (String, Option<String>)>,
    /// Demo mode.
    pub demo: bool,
    /// Whether Sign out means something.
    pub can_sign_out: bool,
    /// Whether the app starts at login, as the OS has it.
    pub start_at_login: Option<bool>,
}

/// Reads the settings file at `path`.
pub fn read_settings(path: &Path) -> Answer<ConfigFile> {
    read_config_file(path).map_err(|e| invalid(e.to_string()))
}

/// The machine's managed configuration: the policy, or why it is ignored.
fn policy() -> (Option<ManagedPolicy>, Option<String>) {
    match managed::read() {
        Ok(policy) => (policy.filter(|p| !p.is_empty()), None),
        Err(problem) => (None, Some(problem.to_string())),
    }
}

/// An error (code `managed`, naming who manages it) when the organisation locks `key`; a
/// policy that cannot be read locks nothing.
pub fn refuse_if_locked(key: ManagedKey) -> Answer<()> {
    match policy().0.and_then(|p| p.refusal(key)) {
        Some(refusal) => Err(elevate_core::Error::Config(refusal).into()),
        None => Ok(()),
    }
}

/// `change` without the locked settings it leaves as they are; an error (code `managed`, naming
/// who manages it) for one it would change.
fn screen(path: &Path, change: &SettingsChange) -> Answer<SettingsChange> {
    let (Some(policy), _) = policy() else {
        return Ok(change.clone());
    };
    let user = read_config_file(path).map_err(|e| invalid(e.to_string()))?;
    let effective = Config::resolve(policy.apply(user, config_file_names_cloud(path)), |_| None)
        .map_err(|e| invalid(e.to_string()))?;
    policy
        .screen(change, &effective)
        .map_err(|e| elevate_core::Error::Config(e).into())
}

/// Applies `change` to the settings file at `path`; answers the saved file and whether it changed.
/// Settings the organisation locks are refused (left out when unchanged).
pub fn save_settings_file(path: &Path, change: &SettingsChange) -> Answer<(ConfigFile, bool)> {
    let change = &screen(path, change)?;
    let before = read_config_file(path).ok();
    let saved = save_settings(path, change).map_err(|e| invalid(e.to_string()))?;
    tracing::info!(target: "elevate::tray", "settings saved");
    let changed = before.as_ref() != Some(&saved);
    Ok((saved, changed))
}

/// Turns the update check on or off in the settings file at `path`; answers the setting.
pub fn save_update_checks(path: &Path, on: bool) -> Answer<bool> {
    let change = SettingsChange {
        update_checks: Some(on),
        ..SettingsChange::default()
    };
    let change = screen(path, &change)?;
    if change.update_checks.is_none() {
        return Ok(on);
    }
    let saved = save_settings(path, &change).map_err(|e| invalid(e.to_string()))?;
    tracing::info!(target: "elevate::tray", on, "update checks");
    Ok(saved.updates.enabled.unwrap_or(true))
}

/// The settings page for the settings file `file` (read from `path`) and the app's `state`.
/// The organisation's managed configuration, when there is one, is applied to `file` first.
pub fn settings_view(file: ConfigFile, path: &Path, state: AppState<'_>) -> Answer<SettingsView> {
    let (policy, managed_problem) = policy();
    let file = match &policy {
        Some(policy) => policy.apply(file, config_file_names_cloud(path)),
        None => file,
    };
    let managed = policy
        .iter()
        .flat_map(|p| p.locked.iter())
        .map(|(key, source): (&ManagedKey, &String)| ManagedView {
            key: key.as_str().to_owned(),
            source: source.clone(),
        })
        .collect();
    let cloud = file.cloud;
    let update_checks = file.updates.enabled.unwrap_or(true);
    let config = Config::resolve(file, |_| None).map_err(|e| invalid(e.to_string()))?;
    let snapshot = state.snapshot;
    let name = |key: &RoleKey| {
        snapshot
            .role(key)
            .map(|r| format!("{} @ {}", r.role.name, r.scope.name))
            .unwrap_or_else(|| key.to_string())
    };
    Ok(SettingsView {
        account: state.account.map(|(a, _)| a.clone()),
        tenant: state.account.and_then(|(_, t)| t.clone()),
        demo: state.demo,
        can_sign_out: state.can_sign_out,
        cloud: cloud.into(),
        default_minutes: minutes(config.default_duration),
        warn_before_minutes: config
            .warn_before
            .iter()
            .map(|d| u32::try_from(d.as_secs() / 60).unwrap_or(u32::MAX))
            .collect(),
        justification_presets: config.justification_presets,
        start_at_login: state.start_at_login,
        update_checks,
        config_file: path.display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        favourites: snapshot
            .favourites
            .iter()
            .map(|f| FavouriteView {
                key: f.key.to_string(),
                name: name(&f.key),
                justification: f.justification.clone(),
                minutes: f.duration.map(minutes),
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
                minutes: s.duration.map(minutes),
            })
            .collect(),
        managed,
        managed_problem,
    })
}

#[cfg(test)]
mod tests {
    use elevate_core::model::Span;
    use elevate_core::store::RoleSet;

    use super::*;

    #[test]
    fn cloud_names_are_the_settings_files() {
        for cloud in Cloud::ALL {
            let name = serde_json::to_value(CloudName::from(cloud)).unwrap_or_default();
            assert_eq!(name, cloud.as_str());
        }
    }

    /// A real settings file is written, read back and shown, with a set whose role is not listed.
    #[test]
    fn the_settings_page_shows_what_was_saved() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("config.toml");
        let change = SettingsChange {
            cloud: Some(Cloud::China),
            default_duration: Some(Span::from_minutes(45)),
            warn_before_minutes: Some(vec![20, 5]),
            ..SettingsChange::default()
        };
        let (saved, changed) = save_settings_file(&path, &change).unwrap_or_else(|e| panic!("{e}"));
        assert!(changed);
        let (_, again) = save_settings_file(&path, &change).unwrap_or_else(|e| panic!("{e}"));
        assert!(!again, "the same change twice changes nothing");
        assert_eq!(read_settings(&path), Ok(saved.clone()));
        assert_eq!(save_update_checks(&path, false), Ok(false));
        assert_eq!(
            read_settings(&path).map(|f| (f.updates.enabled, f.cloud)),
            Ok((Some(false), Cloud::China)),
            "turning the update check off keeps the rest"
        );
        let saved = read_settings(&path).unwrap_or_else(|e| panic!("{e}"));

        let snapshot = Snapshot {
            sets: vec![RoleSet {
                name: "Morning".into(),
                keys: vec![RoleKey::from_raw("gone")],
                justification: None,
                duration: Some(Span::from_minutes(90)),
            }],
            ..Snapshot::default()
        };
        let account = (
            "ada@contoso.example".to_owned(),
            Some("tenant-1".to_owned()),
        );
        let view = settings_view(
            saved,
            &path,
            AppState {
                snapshot: &snapshot,
                account: Some(&account),
                demo: false,
                can_sign_out: true,
                start_at_login: Some(false),
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(view.cloud, CloudName::China);
        assert_eq!(view.default_minutes, 45);
        assert_eq!(view.warn_before_minutes, vec![20, 5]);
        assert_eq!(view.account.as_deref(), Some("ada@contoso.example"));
        assert_eq!(view.tenant.as_deref(), Some("tenant-1"));
        assert!(!view.update_checks);
        assert_eq!(view.sets[0].roles, vec!["gone".to_owned()]);
        assert_eq!(view.sets[0].minutes, Some(90));
        assert_eq!(view.config_file, path.display().to_string());
    }
}
