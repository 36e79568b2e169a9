//! Each account's own database: `accounts/{key}/elevate.db` under the data folder, `key` being the
//! account's `{object id}.{tenant id}`. A separate file per account (rather than an account column
//! in one database) means no query can mix two accounts' history, favourites, sets or cache: the
//! session of one account never holds a handle on another's file.

use std::path::{Path, PathBuf};

use elevate_core::Error;
use elevate_core::config::Paths;

/// The folder under the data folder that holds one folder per account.
pub const ACCOUNTS_DIR: &str = "accounts";

/// The database files SQLite keeps for one database.
const DATABASE_FILES: [&str; 3] = ["elevate.db", "elevate.db-wal", "elevate.db-shm"];

/// The database of the account with `key`. The key comes from the identity provider's tokens, so
/// it is checked to be a plain file name (letters, digits, `-`, `.`, `_`; no leading dot) before
/// it names a folder.
pub fn database_for(paths: &Paths, key: &str) -> Result<PathBuf, Error> {
    let plain = !key.is_empty()
        && key.len() <= 200
        && !key.starts_with('.')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if !plain {
        return Err(Error::Invalid(format!(
            "the account key '{}' cannot name a folder",
            elevate_core::text::sanitize(key)
        )));
    }
    let accounts = paths.data_dir.join(ACCOUNTS_DIR);
    let folder = accounts.join(key);
    adopt_single_account_database(&paths.data_dir, &accounts, &folder);
    Ok(folder.join("elevate.db"))
}

/// Before several accounts, there was one database at the data folder's top level, the then one
/// account's. The first account to open its own database after the upgrade (the current one: only
/// one could be signed in and used) takes it over, once: when no account folder exists yet.
fn adopt_single_account_database(data_dir: &Path, accounts: &Path, folder: &Path) {
    let legacy = data_dir.join(DATABASE_FILES[0]);
    if accounts.exists() || !legacy.exists() {
        return;
    }
    if let Err(e) = elevate_core::private_fs::create_private_dir(folder) {
        tracing::warn!("cannot make the account's data folder: {e}");
        return;
    }
    for name in DATABASE_FILES {
        let from = data_dir.join(name);
        if from.exists()
            && let Err(e) = std::fs::rename(&from, folder.join(name))
        {
            tracing::warn!(
                "cannot move {} into the account's folder: {e}",
                from.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_not_a_plain_name_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let paths = Paths::in_folder(dir.path().to_owned());
        for bad in ["", "..", "../x", "a/b", ".hidden", "a\\b", "x\0y"] {
            assert!(database_for(&paths, bad).is_err(), "{bad:?}");
        }
        let good =
            database_for(&paths, "0a1da1e5-1815.4c2d8e1a-7b3f").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            good,
            dir.path()
                .join("accounts/0a1da1e5-1815.4c2d8e1a-7b3f/elevate.db")
        );
    }

    #[test]
    fn the_single_account_database_goes_to_the_first_account_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let paths = Paths::in_folder(dir.path().to_owned());
        std::fs::write(dir.path().join("elevate.db"), b"ada's").unwrap_or_else(|e| panic!("{e}"));
        let first = database_for(&paths, "ada.t").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&first).unwrap_or_default(), b"ada's");
        assert!(!dir.path().join("elevate.db").exists());
        let second = database_for(&paths, "grace.t").unwrap_or_else(|e| panic!("{e}"));
        assert!(!second.exists(), "the second account starts empty");
    }
}
