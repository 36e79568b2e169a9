//! Signed updates: reading Elevate's update feed, checking its signatures before anything else, and
//! deciding what the user is offered. No Tauri here: the tray app shows the result ("Update to
//! X.Y.Z…") and installs through `tauri-plugin-updater` where it can; the CLI and the tests use the
//! same checks.
//!
//! The order of checks for one feed: fetch `<url>` and `<url>.sig`; verify the feed's signature with
//! the trusted key (nothing of the feed is read before); then the app, the channel, the version
//! (newer than this build, never older: a downgrade is refused), this platform's file and the form
//! of its signature. The file itself is verified with [`verify_file`] when it is downloaded.

mod feed;
mod signature;

use std::time::Duration;

use url::Url;

pub use feed::{APP_ID, Feed, PlatformFile, parse_version, platform_key};
pub use signature::{TrustedKey, signed_field};

/// The largest feed (or signature) read: feeds are small.
const MAX_FEED_BYTES: usize = 256 * 1024;

/// The channel when the settings name none.
pub const DEFAULT_CHANNEL: &str = "stable";

/// The key this build trusts, given when it is built (`ELEVATE_UPDATE_PUBLIC_KEY`, the public half
/// of the release signing key); builds without one check only when the settings name a key.
pub const BUILT_IN_PUBLIC_KEY: Option<&str> = option_env!("ELEVATE_UPDATE_PUBLIC_KEY");

/// The feed this build reads, given when it is built (`ELEVATE_UPDATE_URL`).
pub const BUILT_IN_FEED_URL: Option<&str> = option_env!("ELEVATE_UPDATE_URL");

/// Why a feed was not accepted. Each says what happened in words the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// No network, a timeout, a server error: try again later, quietly.
    #[error("could not reach the update feed ({0}); will try again later")]
    Unreachable(String),
    /// The signature does not match the trusted key (tampered feed, file or signature).
    #[error("the {0}'s signature does not match Elevate's signing key: refused")]
    BadSignature(String),
    /// The trusted key itself is unreadable.
    #[error("the update signing key in the settings is not a minisign public key")]
    BadKey,
    /// The feed is for another application.
    #[error("the update feed is for {0:?}, not Elevate: refused")]
    OtherApp(String),
    /// The feed is for another channel.
    #[error("the update feed is for the {found:?} channel, not {wanted:?}: refused")]
    OtherChannel {
        /// The feed's channel.
        found: String,
        /// The configured one.
        wanted: String,
    },
    /// The feed offers an older version than the one running.
    #[error("the update feed offers {offered}, older than this Elevate ({current}): refused")]
    Downgrade {
        /// What the feed offers.
        offered: String,
        /// What runs.
        current: String,
    },
    /// The signature is for another file or version than the feed names.
    #[error("the signature is for {signed:?}, not {named:?}: refused")]
    NotSignedFor {
        /// The file or version named in the signature's trusted comment ("" = none).
        signed: String,
        /// The file or version the feed names.
        named: String,
    },
    /// The feed has no file for this platform.
    #[error("the update feed has nothing for this platform ({0})")]
    NoPlatform(String),
    /// Unreadable JSON, version or URL.
    #[error("the update feed is unreadable: {0}")]
    Malformed(String),
    /// What the installer read from the feed is not what the verified feed offered.
    #[error("the update feed changed since it was checked ({0} differs): refused")]
    Changed(&'static str),
}

impl UpdateError {
    /// Whether the check should simply be tried again later, without telling anyone.
    pub fn is_transient(&self) -> bool {
        matches!(self, UpdateError::Unreachable(_))
    }
}

/// The `[updates]` settings, resolved.
#[derive(Clone, Debug)]
pub struct UpdateSettings {
    /// The feed; `None` = this build knows none and the settings name none.
    pub url: Option<Url>,
    /// The accepted channel.
    pub channel: String,
    /// The trusted key; `None` = this build has none and the settings name none.
    pub key: Option<TrustedKey>,
    /// Whether to check at all.
    pub enabled: bool,
}

impl UpdateSettings {
    /// From `config.toml`'s `[updates]` and this build's defaults.
    pub fn from_file(file: &elevate_core::config::UpdatesFile) -> Result<Self, UpdateError> {
        let url = match file.url.as_deref().or(BUILT_IN_FEED_URL) {
            Some(url) => Some(
                elevate_core::config::parse_endpoint("update feed", url)
                    .map_err(|e| UpdateError::Malformed(e.to_string()))?,
            ),
            None => None,
        };
        let key = match file.public_key.as_deref().or(BUILT_IN_PUBLIC_KEY) {
            Some(key) => Some(TrustedKey::parse(key)?),
            None => None,
        };
        let channel = file
            .channel
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .unwrap_or(DEFAULT_CHANNEL)
            .to_owned();
        Ok(UpdateSettings {
            enabled: file.enabled.unwrap_or(true) && url.is_some() && key.is_some(),
            url,
            channel,
            key,
        })
    }
}

/// A newer version, from a verified feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    /// The new version.
    pub version: semver::Version,
    /// Its notes (untrusted text).
    pub notes: Option<String>,
    /// When it was published, as the feed says.
    pub pub_date: Option<String>,
    /// This platform's file.
    pub file: PlatformFile,
    /// Where to read about it (`https:` only).
    pub release_page: Option<Url>,
}

impl Update {
    /// The tray menu's label.
    pub fn menu_label(&self) -> String {
        format!("Update to {}…", self.version)
    }
}

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    /// Nothing newer.
    UpToDate,
    /// A newer version.
    Available(Box<Update>),
}

/// Checks a feed's bytes and signature (`<feed>.sig`, as `tauri signer sign --app-version` writes
/// it) for the app running as `current` on `platform`. The signature is checked first; nothing in
/// the feed is read before. The signature must name the feed's version, so an old signed feed
/// cannot be passed off with a new number.
pub fn check_feed(
    feed: &[u8],
    feed_signature: &str,
    key: &TrustedKey,
    channel: &str,
    current: &semver::Version,
    platform: &str,
) -> Result<Checked, UpdateError> {
    let comment = key.verify(feed, feed_signature, "update feed")?;
    let feed = Feed::parse(feed)?;
    let offered = feed.semver()?;
    same_version(&comment, &feed.version)?;
    let app = feed.app.as_deref().unwrap_or("");
    if !app.eq_ignore_ascii_case(APP_ID) {
        return Err(UpdateError::OtherApp(app.to_owned()));
    }
    let found = feed.channel.as_deref().unwrap_or(DEFAULT_CHANNEL);
    if !found.eq_ignore_ascii_case(channel) {
        return Err(UpdateError::OtherChannel {
            found: found.to_owned(),
            wanted: channel.to_owned(),
        });
    }
    if offered < *current {
        return Err(UpdateError::Downgrade {
            offered: offered.to_string(),
            current: current.to_string(),
        });
    }
    if offered == *current {
        return Ok(Checked::UpToDate);
    }
    let file = feed
        .platforms
        .get(platform)
        .cloned()
        .ok_or_else(|| UpdateError::NoPlatform(platform.to_owned()))?;
    Url::parse(&file.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .ok_or_else(|| UpdateError::Malformed(format!("file URL {:?}", file.url)))?;
    Ok(Checked::Available(Box::new(Update {
        version: offered,
        notes: feed.notes.clone(),
        pub_date: feed.pub_date.clone(),
        release_page: feed.release_page(),
        file,
    })))
}

/// Checks a downloaded file of `update` against the feed's signature for it: the signature must
/// match the key and the bytes, and name the file the feed's URL names and the offered version.
pub fn verify_file(bytes: &[u8], update: &Update, key: &TrustedKey) -> Result<(), UpdateError> {
    let comment = key.verify(bytes, &update.file.signature, "update file")?;
    let named = Url::parse(&update.file.url)
        .ok()
        .and_then(|u| u.path_segments()?.next_back().map(str::to_owned))
        .unwrap_or_default();
    match signed_field(&comment, "file") {
        Some(signed) if signed == named => {}
        signed => {
            return Err(UpdateError::NotSignedFor {
                signed: signed.unwrap_or("").to_owned(),
                named,
            });
        }
    }
    same_version(&comment, &update.version.to_string())
}

/// The signature's `version:` is `version`.
fn same_version(comment: &str, version: &str) -> Result<(), UpdateError> {
    let signed = signed_field(comment, "version").unwrap_or("");
    let matches = match (parse_version(signed), parse_version(version)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if matches {
        Ok(())
    } else {
        Err(UpdateError::NotSignedFor {
            signed: format!("version {signed}"),
            named: format!("version {version}"),
        })
    }
}

/// This build's version.
pub fn current_version() -> semver::Version {
    parse_version(env!("CARGO_PKG_VERSION")).unwrap_or_else(|_| semver::Version::new(0, 0, 0))
}

/// Fetches the feed and its signature and checks them ([`check_feed`]).
pub async fn check(
    settings: &UpdateSettings,
    current: &semver::Version,
) -> Result<Checked, UpdateError> {
    let (Some(url), Some(key)) = (&settings.url, &settings.key) else {
        return Ok(Checked::UpToDate);
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("Elevate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| UpdateError::Unreachable(e.to_string()))?;
    let mut sig_url = url.clone();
    sig_url.set_path(&format!("{}.sig", url.path()));
    let feed = fetch(&client, url).await?;
    let signature = fetch(&client, &sig_url).await?;
    let signature = String::from_utf8(signature)
        .map_err(|_| UpdateError::BadSignature("update feed".into()))?;
    check_feed(
        &feed,
        &signature,
        key,
        &settings.channel,
        current,
        &platform_key(),
    )
}

async fn fetch(client: &reqwest::Client, url: &Url) -> Result<Vec<u8>, UpdateError> {
    let unreachable = |e: reqwest::Error| UpdateError::Unreachable(e.without_url().to_string());
    let mut response = client.get(url.clone()).send().await.map_err(unreachable)?;
    let status = response.status();
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(UpdateError::Unreachable(format!(
            "HTTP {}",
            status.as_u16()
        )));
    }
    if !status.is_success() {
        return Err(UpdateError::Malformed(format!(
            "HTTP {} for {}",
            status.as_u16(),
            url.path()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_FEED_BYTES {
            return Err(UpdateError::Malformed("larger than a feed can be".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A day: how often a working feed is read.
pub const CHECK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// When to check again after `outcome`, with `failures` transient failures in a row before it
/// (counting this one): a day after an answer (good or refused), else 1, 2, 4, … minutes, at most
/// six hours, so that no network means a quiet retry later.
pub fn next_check(outcome: &Result<Checked, UpdateError>, failures: u32) -> Duration {
    match outcome {
        Err(e) if e.is_transient() => {
            let minutes = 1u64 << failures.saturating_sub(1).min(9);
            Duration::from_secs(minutes * 60).min(Duration::from_secs(6 * 60 * 60))
        }
        _ => CHECK_EVERY,
    }
}

/// What a Linux user is told about an available update: the system's package manager brings it
/// when Elevate came from the signed apt repository, else the release page.
pub fn linux_notice(update: &Update, from_apt: bool) -> String {
    if from_apt {
        format!(
            "Elevate {} is available; your system's updates will bring it (it came from Elevate's apt repository).",
            update.version
        )
    } else {
        format!(
            "Elevate {} is available: download it from the release page.",
            update.version
        )
    }
}

/// Checks that the release `tauri-plugin-updater` read (its version, file URL and file signature)
/// is the one the verified feed offered in `update`. The plugin reads the feed again and does not
/// check the feed's own signature, only the file's; this holds it to the feed that was verified.
pub fn same_release(
    update: &Update,
    version: &str,
    url: &Url,
    signature: &str,
) -> Result<(), UpdateError> {
    if parse_version(version).ok().as_ref() != Some(&update.version) {
        return Err(UpdateError::Changed("version"));
    }
    if Url::parse(&update.file.url).ok().as_ref() != Some(url) {
        return Err(UpdateError::Changed("file URL"));
    }
    if signature.trim() != update.file.signature.trim() {
        return Err(UpdateError::Changed("file signature"));
    }
    Ok(())
}

/// What a Windows or macOS user is told when installing `update` failed: why, and that the release
/// page opens instead (or, with none, where to look).
pub fn install_failed_notice(update: &Update, reason: &str) -> String {
    let then = if update.release_page.is_some() {
        "opening the release page to download it instead."
    } else {
        "download it from Elevate's release page instead."
    };
    format!(
        "Elevate {} could not be installed ({reason}); {then}",
        update.version
    )
}

/// Whether this Elevate came from Elevate's apt repository: a source list of it is configured
/// (`scripts/apt-repo.sh` tells organisations to name it `elevate.sources` or `elevate.list`).
pub fn installed_from_apt() -> bool {
    ["elevate.sources", "elevate.list"].iter().any(|name| {
        std::path::Path::new("/etc/apt/sources.list.d")
            .join(name)
            .is_file()
    }) && std::path::Path::new("/var/lib/dpkg/info/elevate.list").is_file()
}

#[cfg(test)]
mod tests;
