//! macOS: the managed preferences of the app's identifier, which a configuration profile
//! (MDM) installs as `/Library/Managed Preferences/dev.elevate.tray.plist`. Each preference is a
//! setting: `activation.default_duration` as a string, `locked` as an array, or nested
//! dictionaries (`activation` → `default_duration`). Compiled on macOS only; not run in CI here.

use std::path::Path;

use super::{Found, MACOS_MANAGED_FILE, ManagedError, from_table};

/// The policy in the managed preferences, if there are any.
pub(super) fn read() -> Found {
    let path = Path::new(MACOS_MANAGED_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let bad = |detail: String| ManagedError {
        source_name: MACOS_MANAGED_FILE.to_owned(),
        detail,
    };
    let value = plist::Value::from_file(path).map_err(|e| bad(e.to_string()))?;
    let dict = value
        .into_dictionary()
        .ok_or_else(|| bad("it is not a dictionary of preferences".into()))?;
    let mut table = toml::Table::new();
    for (name, value) in dict {
        if let Some(value) = to_toml(value) {
            table.insert(name, value);
        }
    }
    from_table(table, MACOS_MANAGED_FILE).map(Some)
}

/// A preference as a TOML value (dates and data have no setting; they are left out).
fn to_toml(value: plist::Value) -> Option<toml::Value> {
    Some(match value {
        plist::Value::String(s) => super::value_from_text(&s),
        plist::Value::Boolean(b) => toml::Value::Boolean(b),
        plist::Value::Integer(i) => toml::Value::Integer(i.as_signed()?),
        plist::Value::Real(r) => toml::Value::Float(r),
        plist::Value::Array(items) => {
            toml::Value::Array(items.into_iter().filter_map(to_toml_item).collect())
        }
        plist::Value::Dictionary(dict) => toml::Value::Table(
            dict.into_iter()
                .filter_map(|(k, v)| to_toml(v).map(|v| (k, v)))
                .collect(),
        ),
        _ => return None,
    })
}

/// An array's item: strings stay strings (a preset "42" is text).
fn to_toml_item(value: plist::Value) -> Option<toml::Value> {
    match value {
        plist::Value::String(s) => Some(toml::Value::String(s)),
        other => to_toml(other),
    }
}
