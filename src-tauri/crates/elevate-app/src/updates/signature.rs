//! Minisign signatures as the Tauri updater writes them: a public key is the base64 of a `.pub`
//! file's text (or the key line alone), a signature the base64 of a `.sig` file's text (or the text).
//! Checked here, without Tauri, so that the CLI, the tray app and the tests share one verifier.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use minisign_verify::{PublicKey, Signature};

use super::UpdateError;

/// A key that update feeds and files must be signed with (and its key line, to hand the same key
/// to `tauri-plugin-updater`).
#[derive(Clone)]
pub struct TrustedKey(PublicKey, String);

impl std::fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrustedKey")
    }
}

impl TrustedKey {
    /// Reads a key in the Tauri CLI's form (base64 of the `.pub` text), a `.pub` file's text, or
    /// its key line.
    pub fn parse(text: &str) -> Result<Self, UpdateError> {
        let text = text.trim();
        let unwrapped = STANDARD
            .decode(text)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|inner| inner.starts_with("untrusted comment:"));
        let file_text = unwrapped
            .as_deref()
            .or(text.starts_with("untrusted comment:").then_some(text));
        let line = match file_text {
            Some(file_text) => file_text.lines().nth(1).unwrap_or("").trim(),
            None => text,
        };
        let key = PublicKey::from_base64(line).map_err(|_| UpdateError::BadKey)?;
        Ok(TrustedKey(key, line.to_owned()))
    }

    /// The key in the form `tauri-plugin-updater` takes (the base64 of a `.pub` file's text).
    pub fn tauri_form(&self) -> String {
        STANDARD.encode(format!(
            "untrusted comment: minisign public key\n{}\n",
            self.1
        ))
    }

    /// Checks `signature` (either form) over `bytes`; returns its trusted comment.
    pub fn verify(&self, bytes: &[u8], signature: &str, what: &str) -> Result<String, UpdateError> {
        let bad = || UpdateError::BadSignature(what.to_owned());
        let signature = decode_signature(signature).ok_or_else(bad)?;
        // Only prehashed (Ed25519ph over BLAKE2b) signatures, as minisign and Tauri write them.
        self.0.verify(bytes, &signature, false).map_err(|_| bad())?;
        Ok(signature.trusted_comment().to_owned())
    }
}

fn decode_signature(text: &str) -> Option<Signature> {
    let text = text.trim();
    if text.starts_with("untrusted comment:") {
        return Signature::decode(text).ok();
    }
    let bytes = STANDARD.decode(text).ok()?;
    Signature::decode(std::str::from_utf8(&bytes).ok()?).ok()
}

/// A field of a trusted comment written by `tauri signer sign --app-version`
/// (`timestamp:…\tfile:NAME\tversion:X.Y.Z`): `signed_field(comment, "file")`.
pub fn signed_field<'a>(trusted_comment: &'a str, name: &str) -> Option<&'a str> {
    trusted_comment.split('\t').find_map(|field| {
        let (key, value) = field.trim().split_once(':')?;
        (key == name).then_some(value)
    })
}
