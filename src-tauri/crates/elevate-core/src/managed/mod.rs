//! Managed configuration: a machine-wide policy an organisation sets through device management,
//! read before the user's `config.toml`.
//!
//! Where it comes from (one module per platform): on Linux and the BSDs the file
//! `/etc/elevate/managed.toml` (`ELEVATE_MANAGED_CONFIG` names another file, for tests and
//! packaging); on Windows the values under `HKLM\SOFTWARE\Policies\Elevate`, then
//! `HKCU\SOFTWARE\Policies\Elevate` (the machine's policy wins a key both set); on macOS the managed
//! preferences of the app's identifier (`/Library/Managed Preferences/dev.elevate.tray.plist`).
//! Every source says the same thing in the same words: the keys of `config.toml` (dotted names, or
//! nested tables), `[[favourites]]`, `[[sets]]` and `locked`, the keys the user may not change.
//!
//! Precedence, per key: a locked managed value, then the user's, then the managed value as a
//! default, then Elevate's built-in. A locked key with no managed value locks the built-in.
//! A policy that cannot be read is reported ([`ManagedError`]) and ignored as a whole: Elevate then
//! runs on the user's settings alone, never half a policy.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::config::{
    ActivationDefaults, Cloud, ConfigError, ConfigFile, EndpointOverrides, NotificationsFile,
};
use crate::model::Span;
use crate::settings_file::SettingsChange;

#[cfg(all(unix, not(target_os = "macos")))]
mod linux;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(windows)]
mod windows;

/// The environment variable that names the managed file instead of `/etc/elevate/managed.toml`
/// (Linux and the BSDs; also honoured on Windows and macOS, where it replaces the registry or the
/// managed preferences, so that tests can run anywhere).
pub const ENV_MANAGED_CONFIG: &str = "ELEVATE_MANAGED_CONFIG";

/// The managed file on Linux and the BSDs.
pub const LINUX_MANAGED_FILE: &str = "/etc/elevate/managed.toml";

/// The registry keys read on Windows, machine first.
pub const WINDOWS_POLICY_KEYS: [&str; 2] = [
    "HKLM\\SOFTWARE\\Policies\\Elevate",
    "HKCU\\SOFTWARE\\Policies\\Elevate",
];

/// The managed preferences file on macOS (the tray app's bundle identifier).
pub const MACOS_MANAGED_FILE: &str = "/Library/Managed Preferences/dev.elevate.tray.plist";

/// A setting an organisation can set and lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ManagedKey {
    /// `cloud`.
    Cloud,
    /// The whole `[endpoints]` table.
    Endpoints,
    /// `sign_in.tenant`: the tenant `elevate login` and the tray sign in through.
    Tenant,
    /// `sign_in.client_id`.
    ClientId,
    /// `activation.default_duration`.
    DefaultDuration,
    /// `activation.justification_presets`.
    JustificationPresets,
    /// `notifications.warn_before_minutes`.
    WarnBefore,
    /// `updates.channel`.
    UpdateChannel,
    /// `updates.enabled`.
    UpdateChecks,
    /// The favourites (`[[favourites]]`).
    Favourites,
    /// The sets (`[[sets]]`).
    Sets,
}

impl ManagedKey {
    /// Every key.
    pub const ALL: [ManagedKey; 11] = [
        ManagedKey::Cloud,
        ManagedKey::Endpoints,
        ManagedKey::Tenant,
        ManagedKey::ClientId,
        ManagedKey::DefaultDuration,
        ManagedKey::JustificationPresets,
        ManagedKey::WarnBefore,
        ManagedKey::UpdateChannel,
        ManagedKey::UpdateChecks,
        ManagedKey::Favourites,
        ManagedKey::Sets,
    ];

    /// Its name in `locked` (and in `config.toml`, dotted).
    pub const fn as_str(self) -> &'static str {
        match self {
            ManagedKey::Cloud => "cloud",
            ManagedKey::Endpoints => "endpoints",
            ManagedKey::Tenant => "sign_in.tenant",
            ManagedKey::ClientId => "sign_in.client_id",
            ManagedKey::DefaultDuration => "activation.default_duration",
            ManagedKey::JustificationPresets => "activation.justification_presets",
            ManagedKey::WarnBefore => "notifications.warn_before_minutes",
            ManagedKey::UpdateChannel => "updates.channel",
            ManagedKey::UpdateChecks => "updates.enabled",
            ManagedKey::Favourites => "favourites",
            ManagedKey::Sets => "sets",
        }
    }

    /// The key named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<ManagedKey> {
        let name = name.trim();
        ManagedKey::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for ManagedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A managed policy that cannot be used. Elevate then runs on the user's settings alone.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the managed configuration {source_name} is not usable: {detail}. Elevate uses your own settings only; ask your administrator to fix it"
)]
pub struct ManagedError {
    /// The file or registry key.
    pub source_name: String,
    /// What is wrong.
    pub detail: String,
}

/// A favourite an organisation gives everyone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedFavourite {
    /// The role, as `ROLE@SCOPE` (as `elevate activate` takes it).
    pub role: String,
    /// The justification sent with it.
    pub justification: Option<String>,
    /// The duration asked for.
    pub duration: Option<Span>,
}

/// A set an organisation gives everyone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedSet {
    /// Its name in the tray menu.
    pub name: String,
    /// Its roles, each `ROLE@SCOPE`.
    pub roles: Vec<String>,
    /// The justification sent with each.
    pub justification: Option<String>,
    /// The duration asked for.
    pub duration: Option<Span>,
}

/// The `[sign_in]` table of a policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedSignIn {
    /// The tenant to sign in through (a GUID or a domain).
    pub tenant: Option<String>,
    /// The organisation's own public client.
    pub client_id: Option<String>,
}

/// The `[updates]` table of a policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedUpdates {
    /// Whether to check for updates.
    pub enabled: Option<bool>,
    /// Which channel's feed to accept.
    pub channel: Option<String>,
}

/// One source's policy as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedFile {
    /// The keys the user may not change (`"*"`: every key).
    #[serde(default)]
    pub locked: Vec<String>,
    /// Which cloud.
    pub cloud: Option<Cloud>,
    /// Endpoints.
    #[serde(default)]
    pub endpoints: EndpointOverrides,
    /// Tenant and client id.
    #[serde(default)]
    pub sign_in: ManagedSignIn,
    /// Activation defaults.
    #[serde(default)]
    pub activation: ActivationDefaults,
    /// Warnings.
    #[serde(default)]
    pub notifications: NotificationsFile,
    /// Update checks.
    #[serde(default)]
    pub updates: ManagedUpdates,
    /// Favourites given to everyone.
    #[serde(default)]
    pub favourites: Vec<ManagedFavourite>,
    /// Sets given to everyone.
    #[serde(default)]
    pub sets: Vec<ManagedSet>,
}

impl ManagedFile {
    /// Whether this file gives a value for `key`.
    fn sets(&self, key: ManagedKey) -> bool {
        let e = &self.endpoints;
        match key {
            ManagedKey::Cloud => self.cloud.is_some(),
            ManagedKey::Endpoints => {
                e.arm.is_some()
                    || e.graph.is_some()
                    || e.authority.is_some()
                    || e.arm_scope.is_some()
                    || e.graph_scope.is_some()
            }
            ManagedKey::Tenant => self.sign_in.tenant.is_some(),
            ManagedKey::ClientId => self.sign_in.client_id.is_some(),
            ManagedKey::DefaultDuration => self.activation.default_duration.is_some(),
            ManagedKey::JustificationPresets => self.activation.justification_presets.is_some(),
            ManagedKey::WarnBefore => self.notifications.warn_before_minutes.is_some(),
            ManagedKey::UpdateChannel => self.updates.channel.is_some(),
            ManagedKey::UpdateChecks => self.updates.enabled.is_some(),
            ManagedKey::Favourites => !self.favourites.is_empty(),
            ManagedKey::Sets => !self.sets.is_empty(),
        }
    }

    /// Copies `key`'s value from `other` into `self`.
    fn take(&mut self, other: &ManagedFile, key: ManagedKey) {
        match key {
            ManagedKey::Cloud => self.cloud = other.cloud,
            ManagedKey::Endpoints => self.endpoints = other.endpoints.clone(),
            ManagedKey::Tenant => self.sign_in.tenant.clone_from(&other.sign_in.tenant),
            ManagedKey::ClientId => self.sign_in.client_id.clone_from(&other.sign_in.client_id),
            ManagedKey::DefaultDuration => {
                self.activation.default_duration = other.activation.default_duration;
            }
            ManagedKey::JustificationPresets => self
                .activation
                .justification_presets
                .clone_from(&other.activation.justification_presets),
            ManagedKey::WarnBefore => self
                .notifications
                .warn_before_minutes
                .clone_from(&other.notifications.warn_before_minutes),
            ManagedKey::UpdateChannel => self.updates.channel.clone_from(&other.updates.channel),
            ManagedKey::UpdateChecks => self.updates.enabled = other.updates.enabled,
            ManagedKey::Favourites => self.favourites.clone_from(&other.favourites),
            ManagedKey::Sets => self.sets.clone_from(&other.sets),
        }
    }
}

/// The policy in force: the managed values, and for each locked key the source that locks it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// The values (all sources merged, the first source winning a key).
    pub values: ManagedFile,
    /// The locked keys and who locks each (a file path or a registry key).
    pub locked: BTreeMap<ManagedKey, String>,
    /// Where each value came from.
    pub sources: BTreeMap<ManagedKey, String>,
}

impl ManagedPolicy {
    /// The policy of one source, checked.
    pub fn from_file(file: ManagedFile, source_name: &str) -> Result<Self, ManagedError> {
        let bad = |detail: String| ManagedError {
            source_name: source_name.to_owned(),
            detail,
        };
        let mut locked = BTreeMap::new();
        for name in &file.locked {
            if name.trim() == "*" {
                for key in ManagedKey::ALL {
                    locked.insert(key, source_name.to_owned());
                }
                continue;
            }
            let key = ManagedKey::from_name(name).ok_or_else(|| {
                bad(format!(
                    "locked names '{name}', which is not a setting Elevate knows (known: {})",
                    ManagedKey::ALL.map(ManagedKey::as_str).join(", ")
                ))
            })?;
            locked.insert(key, source_name.to_owned());
        }
        let sources = ManagedKey::ALL
            .into_iter()
            .filter(|k| file.sets(*k))
            .map(|k| (k, source_name.to_owned()))
            .collect();
        for favourite in &file.favourites {
            if favourite.role.trim().is_empty() {
                return Err(bad("a favourite has no role".into()));
            }
        }
        for set in &file.sets {
            if set.name.trim().is_empty() || set.roles.is_empty() {
                return Err(bad("a set needs a name and at least one role".into()));
            }
        }
        Ok(ManagedPolicy {
            values: file,
            locked,
            sources,
        })
    }

    /// `self` with the keys it does not set taken from `lower` (a weaker source: the user's policy
    /// key under the machine's); a key locked by either stays locked.
    pub fn over(mut self, lower: ManagedPolicy) -> Self {
        for key in ManagedKey::ALL {
            if !self.sources.contains_key(&key)
                && let Some(source) = lower.sources.get(&key)
            {
                self.values.take(&lower.values, key);
                self.sources.insert(key, source.clone());
            }
            if let Some(source) = lower.locked.get(&key) {
                self.locked.entry(key).or_insert_with(|| source.clone());
            }
        }
        self
    }

    /// Whether nothing is set or locked.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty() && self.locked.is_empty()
    }

    /// Who locks `key`, if it is locked.
    pub fn locked_by(&self, key: ManagedKey) -> Option<&str> {
        self.locked.get(&key).map(String::as_str)
    }

    /// The error for a change of the locked `key`.
    pub fn refusal(&self, key: ManagedKey) -> Option<ConfigError> {
        self.locked_by(key).map(|source| ConfigError::Managed {
            key: key.as_str().to_owned(),
            source_name: source.to_owned(),
        })
    }

    /// The user's file with the policy applied: locked keys take the managed value (or the
    /// built-in when the policy gives none), the others the user's, else the managed default.
    /// `user_sets_cloud`: whether the user's file names a cloud (the file's type cannot tell a
    /// written `public` from the default).
    pub fn apply(&self, mut user: ConfigFile, user_sets_cloud: bool) -> ConfigFile {
        let m = &self.values;
        let locked = |k| self.locked.contains_key(&k);
        // `pick(user, managed, key)`: the value the precedence gives.
        fn pick<T: Clone>(user: &Option<T>, managed: &Option<T>, locked: bool) -> Option<T> {
            if locked {
                managed.clone()
            } else {
                user.clone().or_else(|| managed.clone())
            }
        }
        if locked(ManagedKey::Cloud) {
            user.cloud = m.cloud.unwrap_or_default();
        } else if !user_sets_cloud && let Some(cloud) = m.cloud {
            user.cloud = cloud;
        }
        let e = &mut user.endpoints;
        let me = &m.endpoints;
        let lock_e = locked(ManagedKey::Endpoints);
        e.arm = pick(&e.arm, &me.arm, lock_e);
        e.graph = pick(&e.graph, &me.graph, lock_e);
        e.authority = pick(&e.authority, &me.authority, lock_e);
        e.arm_scope = pick(&e.arm_scope, &me.arm_scope, lock_e);
        e.graph_scope = pick(&e.graph_scope, &me.graph_scope, lock_e);
        user.sign_in.tenant = pick(
            &user.sign_in.tenant,
            &m.sign_in.tenant,
            locked(ManagedKey::Tenant),
        );
        user.sign_in.client_id = pick(
            &user.sign_in.client_id,
            &m.sign_in.client_id,
            locked(ManagedKey::ClientId),
        );
        user.activation.default_duration = pick(
            &user.activation.default_duration,
            &m.activation.default_duration,
            locked(ManagedKey::DefaultDuration),
        );
        user.activation.justification_presets = pick(
            &user.activation.justification_presets,
            &m.activation.justification_presets,
            locked(ManagedKey::JustificationPresets),
        );
        user.notifications.warn_before_minutes = pick(
            &user.notifications.warn_before_minutes,
            &m.notifications.warn_before_minutes,
            locked(ManagedKey::WarnBefore),
        );
        user.updates.channel = pick(
            &user.updates.channel,
            &m.updates.channel,
            locked(ManagedKey::UpdateChannel),
        );
        user.updates.enabled = pick(
            &user.updates.enabled,
            &m.updates.enabled,
            locked(ManagedKey::UpdateChecks),
        );
        user
    }

    /// `change` without the locked settings it leaves as they are in `effective` (the window sends
    /// every field of its form, the disabled ones too); an error naming the managing source for a
    /// locked setting it would change.
    pub fn screen(
        &self,
        change: &SettingsChange,
        effective: &crate::config::Config,
    ) -> Result<SettingsChange, ConfigError> {
        let mut out = change.clone();
        if let Some(cloud) = change.cloud
            && let Some(refusal) = self.refusal(ManagedKey::Cloud)
        {
            if cloud != effective.file.cloud {
                return Err(refusal);
            }
            out.cloud = None;
        }
        if let Some(duration) = change.default_duration
            && let Some(refusal) = self.refusal(ManagedKey::DefaultDuration)
        {
            if duration != effective.default_duration {
                return Err(refusal);
            }
            out.default_duration = None;
        }
        if let Some(minutes) = &change.warn_before_minutes
            && let Some(refusal) = self.refusal(ManagedKey::WarnBefore)
        {
            let mut asked: Vec<u64> = minutes.iter().map(|m| u64::from(*m) * 60).collect();
            asked.sort_unstable_by(|a, b| b.cmp(a));
            asked.dedup();
            let now: Vec<u64> = effective.warn_before.iter().map(|d| d.as_secs()).collect();
            if asked != now {
                return Err(refusal);
            }
            out.warn_before_minutes = None;
        }
        if let Some(presets) = &change.justification_presets
            && let Some(refusal) = self.refusal(ManagedKey::JustificationPresets)
        {
            let asked: Vec<&str> = presets
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect();
            let now: Vec<&str> = effective
                .justification_presets
                .iter()
                .map(String::as_str)
                .collect();
            if asked != now {
                return Err(refusal);
            }
            out.justification_presets = None;
        }
        if let Some(on) = change.update_checks
            && let Some(refusal) = self.refusal(ManagedKey::UpdateChecks)
        {
            if Some(on) != effective.file.updates.enabled.or(Some(true)) {
                return Err(refusal);
            }
            out.update_checks = None;
        }
        Ok(out)
    }
}

/// What was found: the policy (none when no source has one) or why it was ignored.
pub type Found = Result<Option<ManagedPolicy>, ManagedError>;

/// Reads the policy of this machine: `ELEVATE_MANAGED_CONFIG`'s file when set, else the platform's
/// sources. None when there is none.
pub fn read() -> Found {
    if let Some(path) = std::env::var_os(ENV_MANAGED_CONFIG).filter(|v| !v.is_empty()) {
        return read_toml_file(&PathBuf::from(path));
    }
    read_platform()
}

#[cfg(all(unix, not(target_os = "macos")))]
fn read_platform() -> Found {
    linux::read()
}

#[cfg(target_os = "macos")]
fn read_platform() -> Found {
    macos::read()
}

#[cfg(windows)]
fn read_platform() -> Found {
    windows::read()
}

#[cfg(not(any(unix, windows)))]
fn read_platform() -> Found {
    Ok(None)
}

/// Reads a managed TOML file; a missing file is no policy.
pub fn read_toml_file(path: &std::path::Path) -> Found {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ManagedError {
                source_name: name,
                detail: format!("it cannot be read: {e}"),
            });
        }
    };
    parse_toml(&text, &name).map(Some)
}

/// Parses a policy written as TOML (`managed.toml`).
pub fn parse_toml(text: &str, source_name: &str) -> Result<ManagedPolicy, ManagedError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ManagedError {
        source_name: source_name.to_owned(),
        detail: e.message().to_owned(),
    })?;
    from_table(table, source_name)
}

/// A policy from a table whose keys may be dotted (`activation.default_duration`), as registry
/// values and managed preferences are named, or nested, as in a TOML file.
pub fn from_table(table: toml::Table, source_name: &str) -> Result<ManagedPolicy, ManagedError> {
    let bad = |detail: String| ManagedError {
        source_name: source_name.to_owned(),
        detail,
    };
    let mut nested = toml::Table::new();
    for (name, value) in table {
        let parts: Vec<&str> = name.split('.').map(str::trim).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad(format!("'{name}' is not a setting's name")));
        }
        let mut at = &mut nested;
        for part in &parts[..parts.len() - 1] {
            let entry = at
                .entry((*part).to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            at = entry
                .as_table_mut()
                .ok_or_else(|| bad(format!("'{name}' is set twice, as a value and a table")))?;
        }
        let last = parts[parts.len() - 1].to_owned();
        match (at.get_mut(&last), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(more)) => existing.extend(more),
            (Some(_), _) => return Err(bad(format!("'{name}' is set twice"))),
            (None, value) => {
                at.insert(last, value);
            }
        }
    }
    let file: ManagedFile = toml::Value::Table(nested)
        .try_into()
        .map_err(|e: toml::de::Error| bad(e.message().to_owned()))?;
    ManagedPolicy::from_file(file, source_name)
}

/// A registry or preferences value's text as a TOML value: arrays (`[30, 10]`), inline tables,
/// numbers and booleans as written, anything else as the text itself (`2h`, `us-gov`).
pub fn value_from_text(text: &str) -> toml::Value {
    let trimmed = text.trim();
    let parsed = format!("v = {trimmed}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"));
    match parsed {
        Some(v) if !matches!(v, toml::Value::String(_)) => v,
        _ => toml::Value::String(trimmed.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn policy(text: &str) -> ManagedPolicy {
        parse_toml(text, "/etc/elevate/managed.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn locked_beats_user_beats_managed_default_beats_built_in() {
        let p = policy(
            "locked = [\"activation.default_duration\"]\ncloud = \"us-gov\"\n[activation]\ndefault_duration = \"2h\"\njustification_presets = [\"Change\"]\n[notifications]\nwarn_before_minutes = [30]\n",
        );
        let user: ConfigFile = toml::from_str(
            "[activation]\ndefault_duration = \"4h\"\njustification_presets = [\"Mine\"]\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let file = p.apply(user, false);
        let config = Config::resolve(file, |_| None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.default_duration, Span::from_hours(2), "locked wins");
        assert_eq!(
            config.justification_presets,
            vec!["Mine".to_owned()],
            "user wins"
        );
        assert_eq!(config.warn_before.len(), 1, "managed default fills in");
        assert_eq!(config.file.cloud, Cloud::UsGov);
        assert_eq!(
            p.apply(ConfigFile::default(), true).cloud,
            Cloud::Public,
            "a cloud the user wrote beats an unlocked managed one"
        );
    }

    #[test]
    fn dotted_names_and_text_values_read_like_the_file() {
        let mut table = toml::Table::new();
        for (name, text) in [
            ("activation.default_duration", "90m"),
            ("cloud", "china"),
            ("notifications.warn_before_minutes", "[20, 5]"),
            (
                "locked",
                "[\"cloud\", \"Notifications.Warn_Before_Minutes\"]",
            ),
            ("updates.enabled", "false"),
        ] {
            table.insert(name.to_owned(), value_from_text(text));
        }
        let p = from_table(table, "HKLM\\SOFTWARE\\Policies\\Elevate")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.values.cloud, Some(Cloud::China));
        assert_eq!(
            p.values.activation.default_duration,
            Some(Span::from_minutes(90))
        );
        assert_eq!(
            p.values.notifications.warn_before_minutes,
            Some(vec![20, 5])
        );
        assert_eq!(p.values.updates.enabled, Some(false));
        assert_eq!(
            p.locked_by(ManagedKey::WarnBefore),
            Some("HKLM\\SOFTWARE\\Policies\\Elevate")
        );
        assert_eq!(p.locked_by(ManagedKey::DefaultDuration), None);
    }

    #[test]
    fn the_machine_wins_over_the_user_policy_and_locks_add_up() {
        let machine = policy("cloud = \"us-gov\"\nlocked = [\"cloud\"]\n");
        let user = parse_toml(
            "cloud = \"china\"\nlocked = [\"sets\"]\n[activation]\ndefault_duration = \"3h\"\n",
            "HKCU",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let both = machine.over(user);
        assert_eq!(both.values.cloud, Some(Cloud::UsGov));
        assert_eq!(
            both.values.activation.default_duration,
            Some(Span::from_hours(3))
        );
        assert_eq!(both.locked_by(ManagedKey::Sets), Some("HKCU"));
        assert_eq!(
            both.sources
                .get(&ManagedKey::DefaultDuration)
                .map(String::as_str),
            Some("HKCU")
        );
    }

    #[test]
    fn garbage_and_unknown_locks_are_clear_errors() {
        let e = parse_toml("cloud = [[[", "/etc/elevate/managed.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("/etc/elevate/managed.toml") && e.contains("your own settings"),
            "{e}"
        );
        let e = parse_toml("locked = [\"colour\"]", "x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("colour"), "{e}");
        assert!(parse_toml("clowd = \"public\"", "x").is_err());
    }

    #[test]
    fn the_form_may_send_a_locked_value_unchanged_but_not_change_it() {
        let p = policy(
            "locked = [\"activation.default_duration\"]\n[activation]\ndefault_duration = \"2h\"\n",
        );
        let effective = Config::resolve(p.apply(ConfigFile::default(), false), |_| None)
            .unwrap_or_else(|e| panic!("{e}"));
        let same = SettingsChange {
            default_duration: Some(Span::from_hours(2)),
            warn_before_minutes: Some(vec![10]),
            ..SettingsChange::default()
        };
        let screened = p
            .screen(&same, &effective)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(screened.default_duration, None);
        assert_eq!(screened.warn_before_minutes, Some(vec![10]));
        let other = SettingsChange {
            default_duration: Some(Span::from_hours(3)),
            ..SettingsChange::default()
        };
        let e = p
            .screen(&other, &effective)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("activation.default_duration") && e.contains("/etc/elevate/managed.toml"),
            "{e}"
        );
    }
}
