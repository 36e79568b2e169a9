//! Identifier helpers: GUIDs and ARM resource ids.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A new random GUID in the lower-case hyphenated form Azure uses.
pub(crate) fn new_guid() -> String {
    Uuid::new_v4().to_string()
}

/// A GUID derived from `label`: the same label always gives the same GUID.
pub(crate) fn stable_guid(label: &str) -> String {
    let digest = Sha256::digest(label.as_bytes());
    let mut bytes = [0u8; 16];
    for (to, from) in bytes.iter_mut().zip(digest.iter()) {
        *to = *from;
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The GUID in `text` in canonical (lower-case, hyphenated) form, if `text` is a GUID.
pub(crate) fn parse_guid(text: &str) -> Option<String> {
    Uuid::try_parse(text.trim()).ok().map(|u| u.to_string())
}

/// The last non-empty `/`-separated segment of a resource id (the whole text if it has none).
pub(crate) fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

/// The role definition GUID in a role definition id (full resource id or bare GUID).
pub(crate) fn role_guid_from_id(id: &str) -> Option<String> {
    parse_guid(last_segment(id))
}

/// Case-insensitive equality, the way ARM compares ids and names.
pub(crate) fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `{scope}/providers/Microsoft.Authorization/{collection}/{name}`; the root scope `/` gives a
/// provider-level id.
pub(crate) fn authz_id(scope: &str, collection: &str, name: &str) -> String {
    let prefix = scope.trim_end_matches('/');
    format!("{prefix}/providers/Microsoft.Authorization/{collection}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_guid_is_stable_and_valid() {
        let a = stable_guid("x");
        assert_eq!(a, stable_guid("x"));
        assert_ne!(a, stable_guid("y"));
        assert!(parse_guid(&a).is_some());
    }

    #[test]
    fn role_guid_from_full_id() {
        let id = "/subscriptions/1/providers/Microsoft.Authorization/roleDefinitions/B24988AC-6180-42A0-AB88-20F7382DD24C";
        assert_eq!(
            role_guid_from_id(id).as_deref(),
            Some("b24988ac-6180-42a0-ab88-20f7382dd24c")
        );
        assert_eq!(role_guid_from_id("nope"), None);
        assert_eq!(
            authz_id("/", "roleDefinitions", "x"),
            "/providers/Microsoft.Authorization/roleDefinitions/x"
        );
    }
}
