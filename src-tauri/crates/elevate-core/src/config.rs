//! Where Elevate keeps its files, which Azure cloud it talks to, and the user's settings file.
//!
//! Resolution order for every endpoint: environment variable, then the config file, then the cloud's
//! default. `ELEVATE_HOME` moves the config file and all data into one folder.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::model::Span;

/// The configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file is not valid TOML or has wrong values.
    #[error(
        "the config file {path} is not valid: {detail}. Fix it, or delete it to use the defaults"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("could not access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An endpoint is not a usable URL.
    #[error("{name} '{value}' is not usable: {detail}")]
    Endpoint {
        /// Which setting.
        name: String,
        /// The value given.
        value: String,
        /// Why it is refused.
        detail: String,
    },
    /// A setting has a value Elevate cannot use.
    #[error("the setting {name} is not usable: {detail}")]
    Setting {
        /// Which setting.
        name: String,
        /// Why it is refused, and what would do.
        detail: String,
    },
    /// The setting is locked by the organisation's managed configuration.
    #[error(
        "{key} is managed by your organisation ({source_name}) and cannot be changed here; ask your administrator"
    )]
    Managed {
        /// The setting, as named in `config.toml` (`activation.default_duration`).
        key: String,
        /// Who manages it: the managed file or the registry key.
        source_name: String,
    },
    /// No folder for Elevate's files could be found.
    #[error("cannot find a home folder for Elevate's files; set ELEVATE_HOME")]
    NoHome,
}

/// A national or public Azure cloud, or custom endpoints (tests, the simulator).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Azure public cloud.
    #[default]
    Public,
    /// Azure US Government.
    UsGov,
    /// Azure operated by 21Vianet (China).
    China,
    /// Endpoints set one by one.
    Custom,
}

impl Cloud {
    /// Every cloud.
    pub const ALL: [Cloud; 4] = [Cloud::Public, Cloud::UsGov, Cloud::China, Cloud::Custom];

    /// Its name in `config.toml` (`public`, `us-gov`, `china`, `custom`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::UsGov => "us-gov",
            Cloud::China => "china",
            Cloud::Custom => "custom",
        }
    }

    /// The cloud named `name` (as in `config.toml`).
    pub fn from_name(name: &str) -> Option<Cloud> {
        Cloud::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// The base URLs of the services Elevate calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    /// Azure Resource Manager, e.g. `https://management.azure.com`.
    pub arm: Url,
    /// Microsoft Graph, e.g. `https://graph.microsoft.com` (the client adds `/v1.0`).
    pub graph: Url,
    /// The sign-in authority host, e.g. `https://login.microsoftonline.com`.
    pub authority: Url,
    /// The OAuth scope for ARM tokens.
    pub arm_scope: String,
    /// The OAuth scope for Graph tokens.
    pub graph_scope: String,
}

impl Endpoints {
    /// The default endpoints of `cloud` (custom starts from the public cloud's).
    pub fn for_cloud(cloud: Cloud) -> Self {
        let (arm, graph, authority, arm_scope) = match cloud {
            Cloud::Public | Cloud::Custom => (
                "https://management.azure.com",
                "https://graph.microsoft.com",
                "https://login.microsoftonline.com",
                "https://management.core.windows.net//.default",
            ),
            Cloud::UsGov => (
                "https://management.usgovcloudapi.net",
                "https://graph.microsoft.us",
                "https://login.microsoftonline.us",
                "https://management.core.usgovcloudapi.net//.default",
            ),
            Cloud::China => (
                "https://management.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
                "https://login.chinacloudapi.cn",
                "https://management.core.chinacloudapi.cn//.default",
            ),
        };
        let parse = |s: &str| Url::parse(s).unwrap_or_else(|_| unreachable_url());
        Endpoints {
            arm: parse(arm),
            graph: parse(graph),
            authority: parse(authority),
            arm_scope: arm_scope.to_owned(),
            graph_scope: format!("{}/.default", graph.trim_end_matches('/')),
        }
    }

    /// Endpoints that all point at one local server (the simulator), with the public cloud's
    /// scopes: the simulator stands in for Azure, so its tokens name Azure's resources.
    pub fn all_at(base: &Url) -> Self {
        let public = Endpoints::for_cloud(Cloud::Public);
        Endpoints {
            arm: base.clone(),
            graph: base.clone(),
            authority: base.clone(),
            arm_scope: public.arm_scope,
            graph_scope: public.graph_scope,
        }
    }
}

// The literals above are constants known to parse; this keeps the constructor free of `unwrap`.
fn unreachable_url() -> Url {
    Url::from_directory_path("/").unwrap_or_else(|()| panic!("the root path is a valid URL"))
}

/// The settings file (`config.toml`), as written by people.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Which cloud; defaults to public.
    #[serde(default)]
    pub cloud: Cloud,
    /// Endpoint overrides.
    #[serde(default)]
    pub endpoints: EndpointOverrides,
    /// Activation defaults.
    #[serde(default)]
    pub activation: ActivationDefaults,
    /// Elevate's own sign-in.
    #[serde(default)]
    pub sign_in: SignInFile,
    /// Desktop notifications.
    #[serde(default)]
    pub notifications: NotificationsFile,
    /// Deciding on others' requests.
    #[serde(default)]
    pub approvals: ApprovalsFile,
    /// Checking for new versions of Elevate (read by `elevate_app::updates`).
    #[serde(default)]
    pub updates: UpdatesFile,
}

/// The `[updates]` table: where the signed update feed is and whether to read it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatesFile {
    /// Whether to check (at start and daily); default true when the build knows a feed.
    pub enabled: Option<bool>,
    /// The feed's URL (HTTPS, or HTTP on loopback); default the build's own.
    pub url: Option<String>,
    /// Which channel's feed to accept; default `stable`.
    pub channel: Option<String>,
    /// The minisign public key the feed and the files are signed with (the base64 text the Tauri
    /// CLI prints, or the key line of a `.pub` file); default the build's own.
    pub public_key: Option<String>,
}

/// The `[approvals]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsFile {
    /// How recent the interactive sign-in behind an approval or denial must be, in minutes;
    /// default 10; 0 signs in again for every decision.
    pub fresh_sign_in_minutes: Option<u32>,
    /// Whether that sign-in must have used MFA (`amr` containing `mfa`); default true.
    pub require_mfa: Option<bool>,
}

/// How recent the sign-in behind a decision must be when the settings say nothing.
pub const DEFAULT_FRESH_SIGN_IN_MINUTES: u32 = 10;

/// The `[notifications]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationsFile {
    /// Minutes before a grant ends at which to warn; default `[15, 5]`; `[]` warns only at the end.
    pub warn_before_minutes: Option<Vec<u32>>,
    /// Days before a time-bound eligibility or assignment ends at which to announce it (with
    /// Request extension); default `[14, 1]`; `[]` announces only its end (Request renewal).
    pub ends_warn_before_days: Option<Vec<u32>>,
}

/// Notices before an eligibility or assignment ends when the settings say nothing: 14 and 1 days.
pub const DEFAULT_ENDS_WARN_BEFORE_DAYS: [u32; 2] = [14, 1];

/// Warnings before a grant ends when the settings say nothing: 15 and 5 minutes.
pub const DEFAULT_WARN_BEFORE_MINUTES: [u32; 2] = [15, 5];

/// At most this many warnings per grant.
pub const MAX_WARNINGS: usize = 6;

/// The `[sign_in]` table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInFile {
    /// The tenant to sign in through (a GUID or a domain) when `elevate login` is given none;
    /// default: any work or school account's own.
    pub tenant: Option<String>,
    /// An organisation's own public client, used for ARM and Graph; default: the well-known
    /// [`AZURE_CLI_CLIENT_ID`] for ARM and [`GRAPH_CLI_CLIENT_ID`] for Graph.
    pub client_id: Option<String>,
}

/// The Azure CLI's well-known public client id: Elevate's default client for ARM. It needs no app
/// registration and ARM is pre-authorized for it. Trade-offs: sign-in logs name "Microsoft Azure CLI",
/// Conditional Access sees (and can target) the Azure CLI rather than Elevate, and Microsoft may
/// change it. Its registered redirect is `http://localhost` (any port).
pub const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// Microsoft Graph Command Line Tools' well-known public client id: Elevate's default client for
/// Microsoft Graph (Entra roles, PIM for Groups). It needs no app registration and allows dynamic
/// consent, so an admin can consent to the PIM permissions for it. Trade-offs: sign-in logs name
/// "Microsoft Graph Command Line Tools", Conditional Access sees that app, and its consent (granted
/// once per tenant) covers every script that uses it. Its registered redirect is `http://localhost`.
pub const GRAPH_CLI_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Endpoint overrides in the config file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointOverrides {
    /// ARM base URL.
    pub arm: Option<String>,
    /// Graph base URL.
    pub graph: Option<String>,
    /// Sign-in authority host.
    pub authority: Option<String>,
    /// OAuth scope for ARM tokens.
    pub arm_scope: Option<String>,
    /// OAuth scope for Graph tokens.
    pub graph_scope: Option<String>,
}

/// Defaults for activation requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivationDefaults {
    /// Duration when none is given (clamped to each role's maximum); default 1h.
    pub default_duration: Option<Span>,
    /// Justifications offered in the request form, before the recent ones.
    pub justification_presets: Option<Vec<String>>,
}

/// Where Elevate's files live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// The folder of `config.toml`.
    pub config_dir: PathBuf,
    /// The folder of the database and other data.
    pub data_dir: PathBuf,
}

impl Paths {
    /// From `ELEVATE_HOME` if set (config and data together), else the platform's config and data folders:
    /// `~/.config/elevate` and `~/.local/share/elevate` on Linux; `%APPDATA%\elevate` (roams with the
    /// user) and `%LOCALAPPDATA%\elevate` (this machine's history, cache and sealed tokens, whose key is
    /// in this machine's Credential Manager) on Windows; `~/Library/Application Support/elevate` for
    /// both on macOS.
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Some(home) = std::env::var_os("ELEVATE_HOME").filter(|v| !v.is_empty()) {
            return Ok(Paths::in_folder(PathBuf::from(home)));
        }
        let config = dirs::config_dir().ok_or(ConfigError::NoHome)?;
        let data = dirs::data_local_dir().ok_or(ConfigError::NoHome)?;
        Ok(Paths {
            config_dir: config.join("elevate"),
            data_dir: data.join("elevate"),
        })
    }

    /// Config and data together in `folder`.
    pub fn in_folder(folder: PathBuf) -> Self {
        Paths {
            config_dir: folder.clone(),
            data_dir: folder,
        }
    }

    /// `config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The database of a real tenant's session.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("elevate.db")
    }

    /// The folder of demo mode (its own database and the simulator's state).
    pub fn demo_dir(&self) -> PathBuf {
        self.data_dir.join("demo")
    }
}

/// The resolved configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file as read (defaults when absent).
    pub file: ConfigFile,
    /// The endpoints after environment and file overrides.
    pub endpoints: Endpoints,
    /// Default activation duration.
    pub default_duration: Span,
    /// The public client id Elevate signs in as for ARM (and for Graph with an own registration).
    pub client_id: String,
    /// The public client id Elevate signs in as for Graph: the same as `client_id` with an
    /// organisation's own registration, Microsoft Graph Command Line Tools' by default.
    pub graph_client_id: String,
    /// When to warn before a grant ends, longest first.
    pub warn_before: Vec<std::time::Duration>,
    /// When to announce the end of a time-bound eligibility or assignment, longest first.
    pub ends_warn_before: Vec<std::time::Duration>,
    /// Justifications offered in the request form.
    pub justification_presets: Vec<String>,
    /// The sign-in an approval or denial needs.
    pub fresh_sign_in: crate::auth::FreshSignIn,
    /// The tenant to sign in through when none is given (`[sign_in] tenant`).
    pub tenant: Option<String>,
    /// The organisation's managed configuration in force (already applied to `file`).
    pub managed: Option<crate::managed::ManagedPolicy>,
    /// Why the managed configuration was ignored, when it was: these settings are the user's alone.
    pub managed_problem: Option<crate::managed::ManagedError>,
}

/// The environment variables that override endpoints.
pub const ENV_ARM_URL: &str = "ELEVATE_ARM_URL";
/// See [`ENV_ARM_URL`].
pub const ENV_GRAPH_URL: &str = "ELEVATE_GRAPH_URL";
/// See [`ENV_ARM_URL`].
pub const ENV_AUTHORITY_URL: &str = "ELEVATE_AUTHORITY_URL";
/// The environment variable that overrides the client id.
pub const ENV_CLIENT_ID: &str = "ELEVATE_CLIENT_ID";

impl Config {
    /// Reads the machine's managed configuration ([`crate::managed::read`]) and `paths`' config
    /// file (absent = defaults), applies the policy and then the environment. A managed
    /// configuration that cannot be read or used is ignored as a whole, and said in
    /// `managed_problem`: the user's settings apply alone.
    pub fn load(paths: &Paths) -> Result<Self, ConfigError> {
        Self::load_with(paths, crate::managed::read())
    }

    /// Like [`Config::load`] with the managed configuration already read.
    pub fn load_with(paths: &Paths, managed: crate::managed::Found) -> Result<Self, ConfigError> {
        let path = paths.config_file();
        let file = read_config_file(&path)?;
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let policy = match managed {
            Ok(policy) => policy.filter(|p| !p.is_empty()),
            Err(problem) => {
                tracing::info!(target: "elevate::config", %problem, "managed configuration ignored");
                let mut config = Self::resolve(file, env)?;
                config.managed_problem = Some(problem);
                return Ok(config);
            }
        };
        let Some(policy) = policy else {
            return Self::resolve(file, env);
        };
        let applied = policy.apply(file.clone(), config_file_names_cloud(&path));
        match Self::resolve(applied, env) {
            Ok(mut config) => {
                config.managed = Some(policy);
                Ok(config)
            }
            Err(e) => {
                // A managed value Elevate cannot use (or one that makes the user's unusable):
                // the user's settings alone, and why.
                let source_name = policy
                    .sources
                    .values()
                    .chain(policy.locked.values())
                    .next()
                    .cloned()
                    .unwrap_or_default();
                let problem = crate::managed::ManagedError {
                    source_name,
                    detail: e.to_string(),
                };
                tracing::info!(target: "elevate::config", %problem, "managed configuration ignored");
                let mut config = Self::resolve(file, env)?;
                config.managed_problem = Some(problem);
                Ok(config)
            }
        }
    }

    /// Applies overrides from `env` (a lookup function, so tests need not touch the process environment).
    pub fn resolve(
        file: ConfigFile,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut endpoints = Endpoints::for_cloud(file.cloud);
        let pick = |env_name: &str, from_file: &Option<String>| {
            env(env_name).or_else(|| from_file.clone())
        };
        if let Some(arm) = pick(ENV_ARM_URL, &file.endpoints.arm) {
            // The scope stays the cloud's: an endpoint at a proxy or the simulator still serves
            // the cloud's ARM, whose tokens name its resource, not the URL's.
            endpoints.arm = parse_endpoint("ARM endpoint", &arm)?;
        }
        if let Some(graph) = pick(ENV_GRAPH_URL, &file.endpoints.graph) {
            endpoints.graph = parse_endpoint("Graph endpoint", &graph)?;
        }
        if let Some(authority) = pick(ENV_AUTHORITY_URL, &file.endpoints.authority) {
            endpoints.authority = parse_endpoint("authority", &authority)?;
        }
        if let Some(scope) = &file.endpoints.arm_scope {
            endpoints.arm_scope = scope.clone();
        }
        if let Some(scope) = &file.endpoints.graph_scope {
            endpoints.graph_scope = scope.clone();
        }
        let own = pick(ENV_CLIENT_ID, &file.sign_in.client_id).map(|id| id.trim().to_owned());
        let graph_client_id = own
            .clone()
            .unwrap_or_else(|| GRAPH_CLI_CLIENT_ID.to_owned());
        let client_id = own.unwrap_or_else(|| AZURE_CLI_CLIENT_ID.to_owned());
        let id_ok = !client_id.is_empty()
            && client_id.len() <= 100
            && client_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !id_ok {
            return Err(ConfigError::Endpoint {
                name: "client id".into(),
                value: client_id,
                detail: "use the application (client) id of a public client, e.g. a GUID".into(),
            });
        }
        let default_duration = file
            .activation
            .default_duration
            .unwrap_or(Span::from_hours(1));
        if default_duration.as_seconds() < 60 {
            return Err(ConfigError::Setting {
                name: "activation.default_duration".into(),
                detail:
                    "it must be at least a minute, e.g. \"1h\" (each role's maximum still applies)"
                        .into(),
            });
        }
        let warn_before = warn_before(file.notifications.warn_before_minutes.as_deref())?;
        let ends_warn_before =
            ends_warn_before(file.notifications.ends_warn_before_days.as_deref())?;
        let justification_presets = file
            .activation
            .justification_presets
            .iter()
            .flatten()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        let minutes = file
            .approvals
            .fresh_sign_in_minutes
            .unwrap_or(DEFAULT_FRESH_SIGN_IN_MINUTES);
        if minutes > 1440 {
            return Err(ConfigError::Setting {
                name: "approvals.fresh_sign_in_minutes".into(),
                detail: format!(
                    "{minutes} minutes: at most 1440 (a day); 0 signs in again for every decision"
                ),
            });
        }
        let fresh_sign_in = crate::auth::FreshSignIn {
            max_age: std::time::Duration::from_secs(u64::from(minutes) * 60),
            require_mfa: file.approvals.require_mfa.unwrap_or(true),
        };
        let tenant = file
            .sign_in
            .tenant
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if let Some(tenant) = &tenant {
            crate::auth::check_tenant(tenant).map_err(|e| ConfigError::Setting {
                name: "sign_in.tenant".into(),
                detail: e.to_string(),
            })?;
        }
        Ok(Config {
            tenant,
            managed: None,
            managed_problem: None,
            file,
            endpoints,
            default_duration,
            client_id,
            graph_client_id,
            warn_before,
            ends_warn_before,
            justification_presets,
            fresh_sign_in,
        })
    }
}

/// The offsets of end notices for eligibilities and assignments, checked (1 to 14 days: Azure
/// takes an extension request only within 14 days of the end), without duplicates, longest first.
fn ends_warn_before(days: Option<&[u32]>) -> Result<Vec<std::time::Duration>, ConfigError> {
    let days = days.unwrap_or(&DEFAULT_ENDS_WARN_BEFORE_DAYS);
    if let Some(bad) = days.iter().find(|d| !(1..=14).contains(*d)) {
        return Err(ConfigError::Setting {
            name: "notifications.ends_warn_before_days".into(),
            detail: format!(
                "{bad} days: each notice must come 1 to 14 days before the end (Azure takes an extension request only within 14 days of it)"
            ),
        });
    }
    let mut sorted: Vec<u32> = days.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    Ok(sorted
        .into_iter()
        .map(|d| std::time::Duration::from_secs(u64::from(d) * 86_400))
        .collect())
}

/// The warning offsets from the settings, checked, without duplicates, longest first.
fn warn_before(minutes: Option<&[u32]>) -> Result<Vec<std::time::Duration>, ConfigError> {
    let minutes = minutes.unwrap_or(&DEFAULT_WARN_BEFORE_MINUTES);
    let refuse = |detail: String| ConfigError::Setting {
        name: "notifications.warn_before_minutes".into(),
        detail,
    };
    if let Some(bad) = minutes.iter().find(|m| !(1..=1440).contains(*m)) {
        return Err(refuse(format!(
            "{bad} minutes: each warning must come 1 to 1440 minutes before the end"
        )));
    }
    let mut sorted: Vec<u32> = minutes.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    if sorted.len() > MAX_WARNINGS {
        return Err(refuse(format!(
            "{} warnings; at most {MAX_WARNINGS} per grant",
            sorted.len()
        )));
    }
    Ok(sorted
        .into_iter()
        .map(|m| std::time::Duration::from_secs(u64::from(m) * 60))
        .collect())
}

/// Whether the config file at `path` names a cloud (its type cannot tell a written `public` from
/// the default).
pub fn config_file_names_cloud(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("cloud"))
}

/// Reads a config file; a missing file is the defaults.
pub fn read_config_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        detail: e.message().to_owned(),
    })
}

/// Parses an endpoint URL. Plain `http` is allowed only to loopback addresses, so a token is never sent
/// in clear text over a network.
pub fn parse_endpoint(name: &str, value: &str) -> Result<Url, ConfigError> {
    let refuse = |detail: &str| ConfigError::Endpoint {
        name: name.to_owned(),
        value: value.to_owned(),
        detail: detail.to_owned(),
    };
    let url = Url::parse(value.trim()).map_err(|e| refuse(&e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(refuse(
                "plain http is only allowed to this machine (localhost); use https",
            ));
        }
        _ => return Err(refuse("use an https:// URL")),
    }
    if url.host_str().is_none() {
        return Err(refuse("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("it must not have a query or fragment"));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn cloud_names_are_the_ones_the_file_uses() {
        for cloud in Cloud::ALL {
            let file: ConfigFile = toml::from_str(&format!("cloud = \"{}\"\n", cloud.as_str()))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(file.cloud, cloud);
            assert_eq!(Cloud::from_name(cloud.as_str()), Some(cloud));
        }
        assert_eq!(Cloud::from_name("mars"), None);
    }

    #[test]
    fn clouds_have_their_own_endpoints() {
        let gov = Endpoints::for_cloud(Cloud::UsGov);
        assert_eq!(gov.arm.host_str(), Some("management.usgovcloudapi.net"));
        let cn = Endpoints::for_cloud(Cloud::China);
        assert_eq!(cn.authority.host_str(), Some("login.chinacloudapi.cn"));
    }

    #[test]
    fn environment_beats_file_beats_cloud() {
        let file: ConfigFile = toml::from_str(
            "cloud = \"us-gov\"\n[endpoints]\narm = \"https://arm.example.test\"\ngraph = \"https://graph.example.test\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let env = |name: &str| (name == ENV_ARM_URL).then(|| "http://127.0.0.1:4000".to_owned());
        let config = Config::resolve(file, env).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.endpoints.arm.as_str(), "http://127.0.0.1:4000/");
        assert_eq!(
            config.endpoints.graph.host_str(),
            Some("graph.example.test")
        );
        assert_eq!(
            config.endpoints.authority.host_str(),
            Some("login.microsoftonline.us")
        );
        // The scopes stay the cloud's, whatever the URLs: an endpoint at a proxy or the simulator
        // serves the cloud's resources.
        let us_gov = Endpoints::for_cloud(Cloud::UsGov);
        assert_eq!(config.endpoints.arm_scope, us_gov.arm_scope);
        assert_eq!(config.endpoints.graph_scope, us_gov.graph_scope);
        assert_eq!(
            config.endpoints.graph_scope,
            "https://graph.microsoft.us/.default"
        );
        // ...unless a scope is configured.
        let file: ConfigFile = toml::from_str(
            "[endpoints]\ngraph = \"http://127.0.0.1:4000\"\ngraph_scope = \"api://graph-proxy/.default\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let config = Config::resolve(file, no_env).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.endpoints.graph_scope, "api://graph-proxy/.default");
        assert_eq!(
            config.endpoints.arm_scope,
            "https://management.core.windows.net//.default"
        );
    }

    #[test]
    fn refuses_clear_text_to_other_hosts() {
        assert!(parse_endpoint("ARM", "http://management.azure.com").is_err());
        assert!(parse_endpoint("ARM", "http://localhost:9999").is_ok());
        assert!(parse_endpoint("ARM", "ftp://x").is_err());
        assert!(parse_endpoint("ARM", "not a url").is_err());
    }

    #[test]
    fn garbage_config_is_a_clear_error_and_missing_is_default() {
        let dir = std::env::temp_dir().join(format!("elevate-config-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("config.toml");
        assert_eq!(read_config_file(&path).ok(), Some(ConfigFile::default()));
        let _ = std::fs::write(&path, "cloud = [[[ not toml");
        let err = read_config_file(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("config.toml") && err.contains("delete it"),
            "{err}"
        );
        let _ = std::fs::write(&path, "clowd = \"public\"");
        assert!(
            read_config_file(&path).is_err(),
            "unknown keys are refused, not ignored"
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert!(Config::resolve(ConfigFile::default(), no_env).is_ok());
    }

    #[test]
    fn client_id_from_env_or_file_or_default() {
        // No placeholder: the well-known public clients, one for ARM and one for Graph.
        let default = Config::resolve(ConfigFile::default(), no_env)
            .map(|c| (c.client_id, c.graph_client_id))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            default,
            (
                AZURE_CLI_CLIENT_ID.to_owned(),
                GRAPH_CLI_CLIENT_ID.to_owned()
            )
        );
        let file: ConfigFile = toml::from_str(&format!(
            "[sign_in]\nclient_id = \"{AZURE_CLI_CLIENT_ID}\"\n[endpoints]\ngraph_scope = \"https://graph.microsoft.com/.default\"\n"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let config = Config::resolve(file.clone(), no_env).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.client_id, AZURE_CLI_CLIENT_ID);
        assert_eq!(
            config.graph_client_id, AZURE_CLI_CLIENT_ID,
            "an own registration replaces both"
        );
        let env = |name: &str| (name == ENV_CLIENT_ID).then(|| "elevate-test".to_owned());
        assert_eq!(
            Config::resolve(file, env)
                .map(|c| c.client_id)
                .ok()
                .as_deref(),
            Some("elevate-test")
        );
        let bad = |name: &str| (name == ENV_CLIENT_ID).then(|| "a/b?c".to_owned());
        assert!(Config::resolve(ConfigFile::default(), bad).is_err());
    }
}
