//! Where the token cache lives: a sealed file in the data folder (mode 0600, replaced atomically)
//! whose 32-byte key is the only thing kept in the OS credential store (Secret Service on Linux,
//! Credential Manager on Windows, the Keychain on macOS). A small key fits every store's size limit;
//! the file can grow with accounts.
//!
//! Without a usable credential store, nothing is written at all: the sign-in lives in memory until
//! the process ends. There is no plain-text fallback.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyring_core::{CredentialStore, Entry};
use sha2::{Digest as _, Sha256};

use super::error::SignInError;
use super::token_cache::{self, CacheData, CacheKey};

/// The service name of Elevate's entries in the credential store.
pub const SERVICE: &str = "elevate";

/// The file name of the sealed cache in the data folder.
pub const CACHE_FILE: &str = "tokens.bin";

/// The platform's credential store, or why there is none.
pub fn platform_store() -> Result<Arc<CredentialStore>, String> {
    platform_store_inner().map_err(|e| describe(&e))
}

#[cfg(target_os = "linux")]
fn platform_store_inner() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store_inner() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store_inner() -> keyring_core::Result<Arc<CredentialStore>> {
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn platform_store_inner() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "no credential store is supported on this platform".into(),
    ))
}

/// A keyring error in words, without any payload it may carry.
fn describe(e: &keyring_core::Error) -> String {
    use keyring_core::Error as K;
    match e {
        K::PlatformFailure(inner) => format!("the credential store failed: {inner}"),
        K::NoStorageAccess(inner) => {
            format!("the credential store cannot be used (locked or not running): {inner}")
        }
        K::NoEntry => "no key in the credential store".into(),
        K::BadEncoding(_) | K::BadDataFormat(..) | K::BadStoreFormat(_) => {
            "the key in the credential store is malformed".into()
        }
        K::TooLong(..) | K::Invalid(..) => "the credential store refused the key".into(),
        K::Ambiguous(_) => "the credential store holds several keys for Elevate".into(),
        K::NoDefaultStore => "no credential store is set up".into(),
        K::NotSupportedByStore(why) => why.clone(),
        _ => "the credential store failed".into(),
    }
}

enum Backing {
    Keyring(Arc<Entry>),
    Memory(String),
}

/// The persistent home of the token cache, or the notice that there is none.
pub struct TokenStore {
    file: PathBuf,
    backing: Mutex<Backing>,
}

impl TokenStore {
    /// The cache for `data_dir`, keyed in `store`. Probes the store once: when it cannot be read
    /// (not running, locked, refused), the result is memory-only, with the reason.
    /// Blocking (the store talks to the OS); call it off the async threads.
    pub fn open(data_dir: &Path, store: Result<Arc<CredentialStore>, String>) -> Self {
        let file = data_dir.join(CACHE_FILE);
        let backing = match store.and_then(|store| {
            let entry = Entry::new_in_store(&store, SERVICE, &key_name(data_dir))
                .map_err(|e| describe(&e))?;
            match entry.get_password() {
                Ok(_) | Err(keyring_core::Error::NoEntry) => Ok(entry),
                Err(e) => Err(describe(&e)),
            }
        }) {
            Ok(entry) => Backing::Keyring(Arc::new(entry)),
            Err(reason) => Backing::Memory(reason),
        };
        TokenStore {
            file,
            backing: Mutex::new(backing),
        }
    }

    /// A store that never writes (no credential store: `reason`).
    pub fn memory_only(data_dir: &Path, reason: impl Into<String>) -> Self {
        TokenStore {
            file: data_dir.join(CACHE_FILE),
            backing: Mutex::new(Backing::Memory(reason.into())),
        }
    }

    /// Why the sign-in is kept in memory only, when it is.
    pub fn memory_only_reason(&self) -> Option<String> {
        match &*self.lock() {
            Backing::Memory(reason) => Some(reason.clone()),
            Backing::Keyring(_) => None,
        }
    }

    /// The sealed file's path.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Backing> {
        self.backing.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn to_memory(&self, reason: String) {
        *self.lock() = Backing::Memory(reason);
    }

    /// Reads the cache (empty when there is none or it cannot be opened). Blocking.
    pub fn load(&self) -> CacheData {
        self.reload().unwrap_or_default()
    }

    /// Reads the cache as it is now: empty when there is none, its key is gone or it cannot be
    /// opened (a sign-out, here or in another process); `None` when it could not be read for a
    /// reason that may pass (an I/O error, the credential store failing). Blocking.
    pub fn reload(&self) -> Option<CacheData> {
        let entry = match &*self.lock() {
            Backing::Keyring(entry) => Arc::clone(entry),
            Backing::Memory(_) => return Some(CacheData::default()),
        };
        let bytes = match std::fs::read(&self.file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(CacheData::default()),
            Err(e) => {
                tracing::warn!(file = %self.file.display(), "the saved sign-in could not be read: {e}");
                return None;
            }
        };
        let key = match entry.get_password() {
            Ok(text) => STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|b| CacheKey::from_bytes(&b)),
            Err(keyring_core::Error::NoEntry) => None,
            Err(e) => {
                self.to_memory(describe(&e));
                return None;
            }
        };
        let Some(key) = key else {
            tracing::warn!(
                "the saved sign-in's key is gone from the credential store; sign in again"
            );
            return Some(CacheData::default());
        };
        Some(token_cache::open(&key, &bytes).unwrap_or_else(|e| {
            tracing::warn!("the saved sign-in could not be opened ({e:?}); sign in again");
            CacheData::default()
        }))
    }

    /// The sealed file's size and modification time, or `None` without a file: a cheap way to see
    /// that another process wrote or deleted it. Blocking (one `stat`).
    pub fn fingerprint(&self) -> Option<(u64, std::time::SystemTime)> {
        let meta = std::fs::metadata(&self.file).ok()?;
        Some((meta.len(), meta.modified().ok()?))
    }

    /// Seals and writes `data`. When the credential store fails, switches to memory-only and returns
    /// the reason as an error (nothing is written). Blocking.
    pub fn save(&self, data: &CacheData) -> Result<(), SignInError> {
        let entry = match &*self.lock() {
            Backing::Keyring(entry) => Arc::clone(entry),
            Backing::Memory(_) => return Ok(()),
        };
        let key = match entry.get_password() {
            Ok(text) => STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|b| CacheKey::from_bytes(&b)),
            Err(keyring_core::Error::NoEntry) => None,
            Err(e) => return Err(self.fail(describe(&e))),
        };
        let key = match key {
            Some(key) => key,
            None => {
                let key = CacheKey::random();
                let mut text = STANDARD.encode(key.bytes());
                let stored = entry.set_password(&text);
                text.replace_range(.., &"\0".repeat(text.len()));
                if let Err(e) = stored {
                    return Err(self.fail(describe(&e)));
                }
                key
            }
        };
        let sealed =
            token_cache::seal(&key, data).map_err(|reason| self.cache_error("written", reason))?;
        write_private(&self.file, &sealed).map_err(|e| self.cache_error("written", e.to_string()))
    }

    /// Deletes the sealed file and the key. Blocking.
    pub fn clear(&self) -> Result<(), SignInError> {
        match std::fs::remove_file(&self.file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.cache_error("deleted", e.to_string())),
        }
        if let Backing::Keyring(entry) = &*self.lock() {
            match entry.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => {}
                Err(e) => {
                    return Err(SignInError::Setting(format!(
                        "the sign-in file was deleted, but its key could not be removed from the credential store ({})",
                        describe(&e)
                    )));
                }
            }
        }
        Ok(())
    }

    fn fail(&self, reason: String) -> SignInError {
        self.to_memory(reason.clone());
        SignInError::Setting(format!(
            "the OS credential store cannot be used ({reason}); the sign-in is kept in memory only"
        ))
    }

    fn cache_error(&self, action: &'static str, reason: String) -> SignInError {
        SignInError::Cache {
            path: self.file.display().to_string(),
            action,
            reason,
        }
    }
}

/// The credential store entry's user name: one key per data folder, so that separate homes
/// (`ELEVATE_HOME`, demo mode) never share or delete each other's key.
pub fn key_name(data_dir: &Path) -> String {
    let digest = Sha256::digest(data_dir.to_string_lossy().as_bytes());
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("token-cache-key-{short}")
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename), readable
/// only by the user.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    crate::private_fs::create_private_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(CACHE_FILE),
        super::pkce::random_text(6)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // Windows: no mode; the file inherits the ACL of the data folder under the user's profile
    // (`%LOCALAPPDATA%`: the user, SYSTEM and Administrators), and its content is sealed anyway.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token_cache::StoredAccount;
    use crate::secret::Secret;

    fn account(rt: &str) -> CacheData {
        let mut data = CacheData::default();
        data.upsert(StoredAccount {
            key: "o.t".into(),
            username: "ada@contoso.test".into(),
            name: None,
            object_id: "o".into(),
            tenant_id: "t".into(),
            client_id: "c".into(),
            authority: "a".into(),
            refresh_token: Secret::new(rt),
            access_tokens: Vec::new(),
            signed_in: None,
            graph_client: None,
            device_code: false,
            home: None,
            tenants: Vec::new(),
        });
        data
    }

    fn mock() -> Result<Arc<CredentialStore>, String> {
        let store: Arc<CredentialStore> =
            keyring_core::mock::Store::new().map_err(|e| e.to_string())?;
        Ok(store)
    }

    #[test]
    fn saves_sealed_reads_back_and_logout_removes_both() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = mock();
        let tokens = TokenStore::open(dir.path(), store.clone());
        assert_eq!(tokens.memory_only_reason(), None);
        tokens
            .save(&account("RT-1-secret"))
            .unwrap_or_else(|e| panic!("{e}"));
        let bytes = std::fs::read(tokens.file()).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&bytes).contains("RT-1-secret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(tokens.file()).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
        let back = tokens.load();
        assert_eq!(
            back.current().map(|a| a.refresh_token.expose()),
            Some("RT-1-secret")
        );
        // Rotation: the next save replaces the file, leaving no temporary files behind.
        tokens
            .save(&account("RT-2-secret"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            tokens.load().current().map(|a| a.refresh_token.expose()),
            Some("RT-2-secret")
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), 1, "{names:?}");
        tokens.clear().unwrap_or_else(|e| panic!("{e}"));
        assert!(!tokens.file().exists());
        assert!(tokens.load().accounts.is_empty());
    }

    #[test]
    fn a_failing_store_means_memory_only_and_nothing_written() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let tokens = TokenStore::open(dir.path(), Err("no Secret Service on the bus".into()));
        assert!(
            tokens
                .memory_only_reason()
                .is_some_and(|r| r.contains("Secret Service"))
        );
        tokens
            .save(&account("RT-secret"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!tokens.file().exists(), "never a plain-text fallback");

        // A store that refuses writes at save time: switch to memory, write nothing.
        let store = mock().unwrap_or_else(|e| panic!("{e}"));
        let entry = Entry::new_in_store(&store, SERVICE, &key_name(dir.path()))
            .unwrap_or_else(|e| panic!("{e}"));
        let tokens = TokenStore::open(dir.path(), Ok(Arc::clone(&store)));
        let mock_cred: &keyring_core::mock::Cred = entry
            .as_any()
            .downcast_ref()
            .unwrap_or_else(|| panic!("a mock credential"));
        mock_cred.set_error(keyring_core::Error::NoStorageAccess(Box::new(
            std::io::Error::other("locked"),
        )));
        let err = tokens
            .save(&account("RT-secret"))
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("memory only")));
        assert!(tokens.memory_only_reason().is_some());
        assert!(!tokens.file().exists());
    }
}
