//! `elevate config show` and `elevate config set KEY VALUE`: the settings in force, who sets each
//! (you, your organisation's default, your organisation's lock), and changing `config.toml` from the
//! command line. A setting the organisation locks is refused with the managing source named.

use std::process::ExitCode;

use elevate_core::Error;
use elevate_core::config::{Cloud, Config, ConfigError, Paths};
use elevate_core::managed::{ManagedKey, ManagedPolicy};
use elevate_core::model::Span;
use elevate_core::settings_file::{SettingsChange, save_settings};

use crate::args::ConfigAction;
use crate::output;

/// Runs `elevate config …`.
pub fn run(action: ConfigAction, json: bool) -> Result<ExitCode, Error> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    if let Some(problem) = &config.managed_problem {
        eprintln!("warning: {problem}");
    }
    match action {
        ConfigAction::Show => show(&paths, &config, json),
        ConfigAction::Set { key, value } => set(&paths, &config, &key, &value, json),
    }
}

/// Where a setting's value comes from.
fn origin(policy: Option<&ManagedPolicy>, key: ManagedKey, user_sets: bool) -> String {
    match policy {
        Some(p) if p.locked_by(key).is_some() => format!(
            "managed by your organisation ({})",
            p.locked_by(key).unwrap_or_default()
        ),
        _ if user_sets => "yours".to_owned(),
        Some(p) if p.sources.contains_key(&key) => format!(
            "your organisation's default ({})",
            p.sources.get(&key).map(String::as_str).unwrap_or_default()
        ),
        _ => "built in".to_owned(),
    }
}

fn show(paths: &Paths, config: &Config, json: bool) -> Result<ExitCode, Error> {
    let user = elevate_core::config::read_config_file(&paths.config_file())?;
    let policy = config.managed.as_ref();
    let minutes: Vec<u64> = config
        .warn_before
        .iter()
        .map(|d| d.as_secs() / 60)
        .collect();
    let rows: Vec<(ManagedKey, String, bool)> = vec![
        (
            ManagedKey::Cloud,
            config.file.cloud.as_str().to_owned(),
            elevate_core::config::config_file_names_cloud(&paths.config_file()),
        ),
        (
            ManagedKey::Tenant,
            config
                .tenant
                .clone()
                .unwrap_or_else(|| "(any work or school account)".into()),
            user.sign_in.tenant.is_some(),
        ),
        (
            ManagedKey::ClientId,
            config.client_id.clone(),
            user.sign_in.client_id.is_some(),
        ),
        (
            ManagedKey::Endpoints,
            config.endpoints.arm.to_string(),
            user.endpoints.arm.is_some(),
        ),
        (
            ManagedKey::DefaultDuration,
            config.default_duration.to_string(),
            user.activation.default_duration.is_some(),
        ),
        (
            ManagedKey::WarnBefore,
            minutes
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            user.notifications.warn_before_minutes.is_some(),
        ),
        (
            ManagedKey::JustificationPresets,
            config.justification_presets.join("; "),
            user.activation.justification_presets.is_some(),
        ),
        (
            ManagedKey::UpdateChecks,
            config.file.updates.enabled.unwrap_or(true).to_string(),
            user.updates.enabled.is_some(),
        ),
        (
            ManagedKey::UpdateChannel,
            config
                .file
                .updates
                .channel
                .clone()
                .unwrap_or_else(|| "stable".into()),
            user.updates.channel.is_some(),
        ),
    ];
    if json {
        let settings: Vec<serde_json::Value> = rows
            .iter()
            .map(|(key, value, user_sets)| {
                serde_json::json!({
                    "key": key.as_str(),
                    "value": value,
                    "locked": policy.and_then(|p| p.locked_by(*key)).is_some(),
                    "managed_by": policy.and_then(|p| p.locked_by(*key)),
                    "from": origin(policy, *key, *user_sets),
                })
            })
            .collect();
        output::print_json(&serde_json::json!({
            "config_file": paths.config_file(),
            "managed_problem": config.managed_problem.as_ref().map(ToString::to_string),
            "settings": settings,
        }));
    } else {
        println!("Settings file: {}", paths.config_file().display());
        for (key, value, user_sets) in &rows {
            println!(
                "  {:<36} {:<28} {}",
                key.as_str(),
                value,
                origin(policy, *key, *user_sets)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn set(
    paths: &Paths,
    config: &Config,
    key: &str,
    value: &str,
    json: bool,
) -> Result<ExitCode, Error> {
    let setting = |detail: &str| {
        Error::Config(ConfigError::Setting {
            name: key.to_owned(),
            detail: detail.to_owned(),
        })
    };
    let managed_key = ManagedKey::from_name(key).ok_or_else(|| {
        setting("not a setting `elevate config set` changes; see `elevate config set --help`")
    })?;
    let mut change = SettingsChange::default();
    match managed_key {
        ManagedKey::Cloud => {
            change.cloud = Some(
                Cloud::from_name(value.trim())
                    .ok_or_else(|| setting("use public, us-gov, china or custom"))?,
            );
        }
        ManagedKey::DefaultDuration => {
            change.default_duration = Some(
                value
                    .parse::<Span>()
                    .map_err(|e| setting(&format!("{e}; e.g. 90m, 2h")))?,
            );
        }
        ManagedKey::WarnBefore => {
            let minutes: Result<Vec<u32>, _> = value
                .split([',', ' '])
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.trim().parse::<u32>())
                .collect();
            change.warn_before_minutes =
                Some(minutes.map_err(|_| setting("whole minutes separated by commas, e.g. 15,5"))?);
        }
        ManagedKey::JustificationPresets => {
            change.justification_presets =
                Some(value.split(';').map(|p| p.trim().to_owned()).collect());
        }
        ManagedKey::UpdateChecks => {
            change.update_checks = Some(match value.trim() {
                "true" | "on" | "yes" => true,
                "false" | "off" | "no" => false,
                _ => return Err(setting("use true or false")),
            });
        }
        _ => {
            if let Some(refusal) = config.managed.as_ref().and_then(|m| m.refusal(managed_key)) {
                return Err(refusal.into());
            }
            return Err(setting("edit config.toml for this one"));
        }
    }
    // A locked setting is refused even when the value is the one in force: the user's file must
    // not grow a value the organisation owns.
    if let Some(refusal) = config.managed.as_ref().and_then(|m| m.refusal(managed_key)) {
        return Err(refusal.into());
    }
    save_settings(&paths.config_file(), &change)?;
    if json {
        output::print_json(&serde_json::json!({"key": managed_key.as_str(), "saved": true}));
    } else {
        println!(
            "Saved {} in {}.",
            managed_key.as_str(),
            paths.config_file().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
