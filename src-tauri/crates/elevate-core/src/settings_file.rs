//! Changing `config.toml` from the app's settings page: only the keys that changed are written, the
//! rest of the file — comments, order, settings Elevate does not show — stays as the person wrote it.
//! The result is checked as a whole before it replaces the file (atomically), so a bad value never
//! leaves a file Elevate cannot start with.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, value};

use crate::config::{Cloud, Config, ConfigError, ConfigFile};
use crate::model::Span;

/// What the settings page changes; `None` leaves a setting as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsChange {
    /// Which Azure cloud.
    pub cloud: Option<Cloud>,
    /// The duration asked for when none is given.
    pub default_duration: Option<Span>,
    /// Minutes before a grant ends at which to warn (`[]`: only at the end).
    pub warn_before_minutes: Option<Vec<u32>>,
    /// Justifications offered in the request form (`[]` removes them).
    pub justification_presets: Option<Vec<String>>,
    /// Whether the tray app checks for updates (`[updates] enabled`).
    pub update_checks: Option<bool>,
}

/// Applies `change` to the config file at `path` (created when absent) and returns the new settings.
pub fn save_settings(path: &Path, change: &SettingsChange) -> Result<ConfigFile, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let parse_error = |detail: String| ConfigError::Parse {
        path: path.to_owned(),
        detail,
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| parse_error(e.message().to_owned()))?;

    if let Some(cloud) = change.cloud {
        doc["cloud"] = value(cloud.as_str());
    }
    if let Some(duration) = change.default_duration {
        table(&mut doc, "activation", path)?["default_duration"] = value(human(duration));
    }
    if let Some(presets) = &change.justification_presets {
        let presets: toml_edit::Array = presets
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        let activation = table(&mut doc, "activation", path)?;
        if presets.is_empty() {
            activation.remove("justification_presets");
        } else {
            activation["justification_presets"] = value(presets);
        }
    }
    if let Some(minutes) = &change.warn_before_minutes {
        let minutes: toml_edit::Array = minutes.iter().map(|m| i64::from(*m)).collect();
        table(&mut doc, "notifications", path)?["warn_before_minutes"] = value(minutes);
    }
    if let Some(on) = change.update_checks {
        table(&mut doc, "updates", path)?["enabled"] = value(on);
    }

    let new_text = doc.to_string();
    let file: ConfigFile =
        toml::from_str(&new_text).map_err(|e| parse_error(e.message().to_owned()))?;
    // Every value must resolve (the environment is not consulted: it is not part of the file).
    Config::resolve(file.clone(), |_| None)?;
    write_atomically(path, &new_text)?;
    Ok(file)
}

/// The table `name`, made when absent; an error when the file has something else under that name.
fn table<'a>(
    doc: &'a mut DocumentMut,
    name: &str,
    path: &Path,
) -> Result<&'a mut Table, ConfigError> {
    let item = doc.entry(name).or_insert_with(|| Item::Table(Table::new()));
    item.as_table_mut().ok_or_else(|| ConfigError::Parse {
        path: path.to_owned(),
        detail: format!("'{name}' must be a table ([{name}])"),
    })
}

/// `90m`, `2h`, `1h30m`: what people write in the file.
fn human(span: Span) -> String {
    let minutes = span.as_seconds() / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

fn write_atomically(path: &Path, text: &str) -> Result<(), ConfigError> {
    let io = |source| ConfigError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    // A unique temporary file created exclusively beside it, then renamed: never a fixed name that
    // another local user or program could have planted as a symlink.
    crate::private_fs::replace_file(path, text.as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::read_config_file;

    fn folder() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn only_the_changed_keys_are_written_and_comments_stay() {
        let dir = folder();
        let path = dir.path().join("config.toml");
        let original = "# my tenant is in the public cloud\ncloud = \"public\"\n\n[sign_in]\n# our own registration\nclient_id = \"11111111-2222-3333-4444-555555555555\"\n";
        std::fs::write(&path, original).unwrap_or_else(|e| panic!("{e}"));
        let change = SettingsChange {
            default_duration: Some(Span::from_minutes(90)),
            warn_before_minutes: Some(vec![5, 30, 5]),
            justification_presets: Some(vec!["  Incident ".into(), String::new()]),
            ..SettingsChange::default()
        };
        let saved = save_settings(&path, &change).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.starts_with(original), "{text}");
        assert!(text.contains("default_duration = \"1h30m\""), "{text}");
        assert_eq!(
            saved.activation.justification_presets,
            Some(vec!["Incident".to_owned()])
        );
        assert_eq!(read_config_file(&path).ok(), Some(saved.clone()));
        let config = Config::resolve(saved, |_| None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.default_duration, Span::from_minutes(90));
        assert_eq!(
            config.warn_before,
            vec![
                std::time::Duration::from_secs(30 * 60),
                std::time::Duration::from_secs(5 * 60)
            ]
        );
        assert_eq!(config.client_id, "11111111-2222-3333-4444-555555555555");
    }

    #[test]
    fn the_update_switch_writes_updates_enabled_and_keeps_the_rest() {
        let dir = folder();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[updates]\n# our mirror\nurl = \"https://updates.example/latest.json\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let off = SettingsChange {
            update_checks: Some(false),
            ..SettingsChange::default()
        };
        let file = save_settings(&path, &off).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.updates.enabled, Some(false));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            text.contains("# our mirror") && text.contains("enabled = false"),
            "{text}"
        );
        let file = read_config_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            file.updates.url.as_deref(),
            Some("https://updates.example/latest.json")
        );
    }

    #[test]
    fn a_value_elevate_cannot_use_leaves_the_file_alone() {
        let dir = folder();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "cloud = \"china\"\n").unwrap_or_else(|e| panic!("{e}"));
        let change = SettingsChange {
            warn_before_minutes: Some(vec![0]),
            ..SettingsChange::default()
        };
        let error = save_settings(&path, &change)
            .err()
            .unwrap_or_else(|| panic!("0 minutes must be refused"));
        assert!(error.to_string().contains("warn_before_minutes"), "{error}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text, "cloud = \"china\"\n");
    }

    #[test]
    fn a_missing_file_is_created_and_a_garbage_one_is_reported() {
        let dir = folder();
        let path = dir.path().join("nested").join("config.toml");
        let change = SettingsChange {
            cloud: Some(Cloud::UsGov),
            warn_before_minutes: Some(Vec::new()),
            ..SettingsChange::default()
        };
        let saved = save_settings(&path, &change).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(saved.cloud, Cloud::UsGov);
        let config = Config::resolve(saved, |_| None).unwrap_or_else(|e| panic!("{e}"));
        assert!(config.warn_before.is_empty());

        std::fs::write(&path, "activation = 3\n[[[").unwrap_or_else(|e| panic!("{e}"));
        let error = save_settings(&path, &change)
            .err()
            .unwrap_or_else(|| panic!("garbage must be reported"));
        assert!(error.to_string().contains("delete it"), "{error}");
    }

    #[test]
    fn a_key_that_is_not_a_table_is_reported() {
        let dir = folder();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "activation = 3\n").unwrap_or_else(|e| panic!("{e}"));
        let change = SettingsChange {
            default_duration: Some(Span::from_hours(2)),
            ..SettingsChange::default()
        };
        let error = save_settings(&path, &change)
            .err()
            .unwrap_or_else(|| panic!("must be refused"));
        assert!(error.to_string().contains("[activation]"), "{error}");
    }

    /// The old code wrote through a fixed `config.toml.saving`, following a symlink planted there
    /// by another local user or program.
    #[cfg(unix)]
    #[test]
    fn saving_never_writes_through_a_planted_symlink() {
        let dir = folder();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(&victim, dir.path().join("config.toml.saving"))
            .unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("config.toml");
        let change = SettingsChange {
            cloud: Some(Cloud::UsGov),
            ..SettingsChange::default()
        };
        save_settings(&path, &change).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap_or_default(),
            "precious"
        );
        let saved = read_config_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(saved.cloud, Cloud::UsGov);
    }
}
