//! The token cache: the signed-in accounts with their refresh tokens and last access tokens, and
//! how it is sealed (ChaCha20-Poly1305 with a random nonce) before it touches a disk.
//!
//! Secrets stay in [`Secret`] in memory; the only place they become plain text is the serialized
//! cache, which exists just long enough to be encrypted (and is wiped after).

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use super::Audience;
use crate::secret::Secret;

/// The first bytes of a sealed cache file; also its associated data.
const MAGIC: &[u8] = b"elevate-token-cache-v1\n";
const NONCE_LEN: usize = 12;

/// A 32-byte data-encryption key (kept in the OS credential store, never in a file).
#[derive(Clone, PartialEq, Eq)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// A fresh random key.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        CacheKey(key)
    }

    /// From exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(CacheKey)
    }

    /// The bytes, for the credential store.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(<redacted>)")
    }
}

impl Drop for CacheKey {
    fn drop(&mut self) {
        self.0 = [0; 32];
        std::hint::black_box(&self.0);
    }
}

/// Everything Elevate remembers about sign-ins.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CacheData {
    /// The key of the current account.
    pub current: Option<String>,
    /// All signed-in accounts.
    pub accounts: Vec<StoredAccount>,
}

/// One signed-in account: a user in a tenant, through one client id and authority.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredAccount {
    /// `{oid}.{tid}`.
    pub key: String,
    /// The sign-in name (UPN or preferred_username).
    pub username: String,
    /// The display name.
    pub name: Option<String>,
    /// The user's object id.
    pub object_id: String,
    /// The user's tenant (`tid`); refreshes go to this tenant's token endpoint.
    pub tenant_id: String,
    /// The client id the refresh token was issued to.
    pub client_id: String,
    /// The authority host it was issued by.
    pub authority: String,
    /// The refresh token (replaced after every use).
    #[serde(with = "secret_text")]
    pub refresh_token: Secret,
    /// The last access token for each API.
    #[serde(default)]
    pub access_tokens: Vec<StoredAccessToken>,
    /// When and how the user last signed in interactively (from that sign-in's id token; never
    /// from a refresh): what decides whether a decision needs a new sign-in.
    #[serde(default)]
    pub signed_in: Option<super::SignInProof>,
    /// With two clients (the well-known defaults), the Graph client's sign-in: its own refresh token,
    /// since a refresh token is bound to one user and one client.
    #[serde(default)]
    pub graph_client: Option<ClientSignIn>,
    /// The account was signed in with a device code (no browser where it signed in): a second
    /// client's first sign-in uses a device code too, even in a later process.
    #[serde(default)]
    pub device_code: bool,
    /// For the same person in another tenant (a guest tenant, from ARM's tenant list): the key of
    /// the account whose refresh tokens it redeems at this tenant's token endpoint (a refresh
    /// token is bound to user and client, not to a tenant). Its own `refresh_token` is unused
    /// (empty); rotated tokens are saved on that account.
    #[serde(default)]
    pub home: Option<String>,
    /// For a home account: the tenants ARM's tenant list last gave for it (its own included).
    #[serde(default)]
    pub tenants: Vec<KnownTenant>,
}

/// A tenant of an account, as ARM's `GET /tenants` describes it. The names are Azure's text:
/// untrusted, shown only sanitized or escaped.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct KnownTenant {
    /// The tenant id.
    pub tenant_id: String,
    /// Its display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Its default domain.
    #[serde(default)]
    pub default_domain: Option<String>,
    /// All its domains.
    #[serde(default)]
    pub domains: Vec<String>,
}

impl KnownTenant {
    /// Whether `wanted` names this tenant: its id, a domain or its display name
    /// (case-insensitive).
    pub fn is_named(&self, wanted: &str) -> bool {
        let wanted = wanted.trim();
        !wanted.is_empty()
            && (self.tenant_id.eq_ignore_ascii_case(wanted)
                || self
                    .display_name
                    .as_deref()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(wanted))
                || self
                    .default_domain
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case(wanted))
                || self.domains.iter().any(|d| d.eq_ignore_ascii_case(wanted)))
    }
}

/// A second client's refresh token for the same account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientSignIn {
    /// The client id it was issued to.
    pub client_id: String,
    /// The refresh token (replaced after every use).
    #[serde(with = "secret_text")]
    pub refresh_token: Secret,
}

/// An access token kept for reuse until shortly before it expires, for one API at one origin with
/// one scope: it is used for nothing else.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredAccessToken {
    /// Which API.
    pub audience: AudienceName,
    /// The origin of the endpoint it is sent to (empty in caches from before, which matches no
    /// real endpoint's origin).
    #[serde(default)]
    pub origin: String,
    /// The scope it was asked for.
    #[serde(default)]
    pub scope: String,
    /// The token.
    #[serde(with = "secret_text")]
    pub token: Secret,
    /// When it expires.
    pub expires_on: DateTime<Utc>,
}

/// [`Audience`] in the cache's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudienceName {
    /// ARM.
    Arm,
    /// Graph.
    Graph,
}

impl From<Audience> for AudienceName {
    fn from(a: Audience) -> Self {
        match a {
            Audience::Arm => AudienceName::Arm,
            Audience::Graph => AudienceName::Graph,
        }
    }
}

impl CacheData {
    /// The current account.
    pub fn current(&self) -> Option<&StoredAccount> {
        let key = self.current.as_deref()?;
        self.accounts.iter().find(|a| a.key == key)
    }

    /// The account with `key`, to change.
    pub fn account_mut(&mut self, key: &str) -> Option<&mut StoredAccount> {
        self.accounts.iter_mut().find(|a| a.key == key)
    }

    /// Adds or replaces `account` and makes it current.
    pub fn upsert(&mut self, account: StoredAccount) {
        self.current = Some(account.key.clone());
        match self.accounts.iter_mut().find(|a| a.key == account.key) {
            Some(existing) => *existing = account,
            None => self.accounts.push(account),
        }
    }
}

impl StoredAccount {
    /// The stored access token for `audience` at `origin` with `scope`, if it is still good for
    /// `margin`.
    pub fn access_token(
        &self,
        audience: Audience,
        origin: &str,
        scope: &str,
        margin: chrono::TimeDelta,
    ) -> Option<&StoredAccessToken> {
        let name = AudienceName::from(audience);
        self.access_tokens.iter().find(|t| {
            t.audience == name
                && t.origin == origin
                && t.scope == scope
                && t.expires_on - Utc::now() > margin
        })
    }

    /// Keeps `token` as the access token for `audience` at `origin` (replacing any other for that
    /// API, wherever it went).
    pub fn set_access_token(
        &mut self,
        audience: Audience,
        origin: &str,
        scope: &str,
        token: Secret,
        expires_on: DateTime<Utc>,
    ) {
        let name = AudienceName::from(audience);
        self.access_tokens.retain(|t| t.audience != name);
        self.access_tokens.push(StoredAccessToken {
            audience: name,
            origin: origin.to_owned(),
            scope: scope.to_owned(),
            token,
            expires_on,
        });
    }
}

/// Why a sealed cache could not be opened.
#[derive(Debug, PartialEq, Eq)]
pub enum OpenError {
    /// Not a cache file (wrong header, too short).
    NotACache,
    /// The key does not fit (another key, or the file was changed).
    WrongKeyOrTampered,
    /// Decrypted, but not a cache of this version.
    Unreadable,
}

/// Serializes and encrypts `data`.
pub fn seal(key: &CacheKey, data: &CacheData) -> Result<Vec<u8>, String> {
    let mut plain = serde_json::to_vec(data).map_err(|e| e.to_string())?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key.bytes()));
    let sealed = cipher.encrypt(
        Nonce::from_slice(&nonce),
        Payload {
            msg: &plain,
            aad: MAGIC,
        },
    );
    wipe(&mut plain);
    let sealed = sealed.map_err(|_| "encryption failed".to_owned())?;
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts and parses a sealed cache.
pub fn open(key: &CacheKey, bytes: &[u8]) -> Result<CacheData, OpenError> {
    let rest = bytes.strip_prefix(MAGIC).ok_or(OpenError::NotACache)?;
    if rest.len() < NONCE_LEN + 16 {
        return Err(OpenError::NotACache);
    }
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key.bytes()));
    let mut plain = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: MAGIC,
            },
        )
        .map_err(|_| OpenError::WrongKeyOrTampered)?;
    let data = serde_json::from_slice(&plain).map_err(|_| OpenError::Unreadable);
    wipe(&mut plain);
    data
}

fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

/// (De)serializes a [`Secret`] as its text: used only inside the sealed cache.
mod secret_text {
    use serde::{Deserialize as _, Deserializer, Serializer};

    use crate::secret::Secret;

    pub fn serialize<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CacheData {
        let mut data = CacheData::default();
        data.upsert(StoredAccount {
            key: "o.t".into(),
            username: "ada@contoso.test".into(),
            name: None,
            object_id: "o".into(),
            tenant_id: "t".into(),
            client_id: "c".into(),
            authority: "https://login.example".into(),
            refresh_token: Secret::new("RT-very-secret"),
            access_tokens: Vec::new(),
            signed_in: None,
            graph_client: None,
            device_code: false,
            home: None,
            tenants: Vec::new(),
        });
        data
    }

    #[test]
    fn sealed_round_trip_hides_the_tokens() {
        let key = CacheKey::random();
        let sealed = seal(&key, &sample()).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&sealed);
        assert!(
            !text.contains("RT-very-secret") && !text.contains("ada@"),
            "{text}"
        );
        let back = open(&key, &sealed).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            back.current().map(|a| a.refresh_token.expose()),
            Some("RT-very-secret")
        );
        assert_ne!(
            seal(&key, &sample()).ok(),
            Some(sealed.clone()),
            "fresh nonce every time"
        );
    }

    #[test]
    fn accounts_live_side_by_side_and_the_last_signed_in_is_current() {
        let mut data = sample();
        let mut other = data.accounts[0].clone();
        other.key = "o2.t2".into();
        other.username = "ada@fabrikam.test".into();
        data.upsert(other.clone());
        assert_eq!(data.accounts.len(), 2);
        assert_eq!(
            data.current().map(|a| a.username.as_str()),
            Some("ada@fabrikam.test")
        );
        other.refresh_token = Secret::new("RT-new");
        data.upsert(other);
        assert_eq!(
            data.accounts.len(),
            2,
            "signing in again replaces, never duplicates"
        );
        assert_eq!(
            data.current().map(|a| a.refresh_token.expose()),
            Some("RT-new")
        );
    }

    #[test]
    fn a_kept_token_serves_only_its_api_origin_and_scope() {
        let mut data = sample();
        let account = &mut data.accounts[0];
        let later = Utc::now() + chrono::TimeDelta::hours(1);
        let margin = chrono::TimeDelta::minutes(5);
        account.set_access_token(
            Audience::Graph,
            "https://graph.microsoft.com",
            "https://graph.microsoft.com/.default",
            Secret::new("AT"),
            later,
        );
        let find = |origin: &str, scope: &str| {
            account
                .access_token(Audience::Graph, origin, scope, margin)
                .is_some()
        };
        assert!(find(
            "https://graph.microsoft.com",
            "https://graph.microsoft.com/.default"
        ));
        assert!(
            !find(
                "http://127.0.0.1:8080",
                "https://graph.microsoft.com/.default"
            ),
            "another origin"
        );
        assert!(
            !find("https://graph.microsoft.com", "https://other/.default"),
            "another scope"
        );
        assert!(
            account
                .access_token(
                    Audience::Arm,
                    "https://graph.microsoft.com",
                    "https://graph.microsoft.com/.default",
                    margin
                )
                .is_none()
        );
        // A cache written before origins were kept: its tokens are not used.
        account.access_tokens[0].origin.clear();
        assert!(
            account
                .access_token(
                    Audience::Graph,
                    "https://graph.microsoft.com",
                    "https://graph.microsoft.com/.default",
                    margin
                )
                .is_none()
        );
    }

    #[test]
    fn wrong_key_or_tampering_is_detected() {
        let key = CacheKey::random();
        let mut sealed = seal(&key, &sample()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            open(&CacheKey::random(), &sealed).err(),
            Some(OpenError::WrongKeyOrTampered)
        );
        if let Some(last) = sealed.last_mut() {
            *last ^= 1;
        }
        assert_eq!(
            open(&key, &sealed).err(),
            Some(OpenError::WrongKeyOrTampered)
        );
        assert_eq!(open(&key, b"plain text").err(), Some(OpenError::NotACache));
        assert_eq!(format!("{key:?}"), "CacheKey(<redacted>)");
    }
}
