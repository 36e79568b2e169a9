//! The update feed: Tauri's updater format (`version`, `notes`, `pub_date`, `platforms` with a `url`
//! and a minisign `signature` each), which `tauri-plugin-updater` reads as it is, plus three fields
//! of Elevate's own that the plugin ignores: `app`, `channel` and `release_page`. The feed itself is
//! signed too (`<feed>.sig`), so those fields cannot be changed on the way.

use std::collections::BTreeMap;

use serde::Deserialize;
use url::Url;

use super::UpdateError;

/// What the feed names itself for; a feed for anything else is refused.
pub const APP_ID: &str = "elevate";

/// A feed as published.
#[derive(Clone, Debug, Deserialize)]
pub struct Feed {
    /// The offered version (semantic versioning, `v` prefix allowed).
    pub version: String,
    /// Release notes (untrusted text wherever shown).
    #[serde(default)]
    pub notes: Option<String>,
    /// When it was published (RFC 3339).
    #[serde(default)]
    pub pub_date: Option<String>,
    /// Per platform (`linux-x86_64`, `windows-x86_64`, `darwin-aarch64`, …): the file and its signature.
    #[serde(default)]
    pub platforms: BTreeMap<String, PlatformFile>,
    /// Which application this feed is for.
    #[serde(default)]
    pub app: Option<String>,
    /// Which channel (`stable`, `beta`, …).
    #[serde(default)]
    pub channel: Option<String>,
    /// Where people read about the release and download it by hand.
    #[serde(default)]
    pub release_page: Option<String>,
}

/// One platform's file.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct PlatformFile {
    /// Where to download it.
    pub url: String,
    /// Its minisign signature (base64 of the `.sig` text, as the Tauri CLI writes it).
    pub signature: String,
}

impl Feed {
    /// Reads a feed's bytes (already verified).
    pub fn parse(bytes: &[u8]) -> Result<Self, UpdateError> {
        serde_json::from_slice(bytes).map_err(|e| UpdateError::Malformed(e.to_string()))
    }

    /// The offered version, checked.
    pub fn semver(&self) -> Result<semver::Version, UpdateError> {
        parse_version(&self.version)
    }

    /// The release page, if it is an `https:` URL.
    pub fn release_page(&self) -> Option<Url> {
        let page = Url::parse(self.release_page.as_deref()?).ok()?;
        (page.scheme() == "https").then_some(page)
    }
}

/// Reads `1.2.3` or `v1.2.3`.
pub fn parse_version(text: &str) -> Result<semver::Version, UpdateError> {
    let text = text.trim();
    semver::Version::parse(text.strip_prefix('v').unwrap_or(text))
        .map_err(|e| UpdateError::Malformed(format!("version {text:?}: {e}")))
}

/// This machine's key in `platforms`, as Tauri names them (`{os}-{arch}`).
pub fn platform_key() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86" => "i686",
        "arm" => "armv7",
        other => other,
    };
    format!("{os}-{arch}")
}
