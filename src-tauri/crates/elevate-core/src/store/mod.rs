//! The local database: SQLite through sqlx, shared by the CLI and the tray app.
//!
//! It holds the history of every request made from this machine, a cache of eligibilities and policies
//! for an instant start, favourites, saved sets and settings. Never a secret.
//!
//! Durability: WAL journal with `synchronous=FULL`, so a committed write survives a crash or `kill -9`
//! (tested). Concurrency: the tray app and the CLI open the same file; `busy_timeout` lets one wait
//! for the other's write instead of failing.

mod cache;
mod codec;
mod error;
mod favourites;
mod history;
mod notified;
mod settings;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use cache::CachedEligibility;
pub use error::StoreError;
pub use favourites::{Favourite, RoleSet};
pub use history::{HistoryEntry, HistoryQuery, NewHistoryEntry};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the database; cheap to clone (it is a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| StoreError::from_sqlx(path, e))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::from_sqlx(path, e))?;
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(StoreError::from_migrate(path, e));
        }
        restrict_file(path);
        Ok(Store {
            pool,
            path: path.to_owned(),
        })
    }

    /// Where the database is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Runs SQLite's own consistency check; `Ok(())` when it reports `ok`.
    pub async fn check_integrity(&self) -> Result<(), StoreError> {
        let result: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| StoreError::from_sqlx(&self.path, e))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Damaged {
                path: self.path.clone(),
                detail: result,
            })
        }
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) fn fail(&self, e: sqlx::Error) -> StoreError {
        StoreError::from_sqlx(&self.path, e)
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    // Windows: the folder is under the user's profile (`%LOCALAPPDATA%`), whose inherited ACL grants
    // the user, SYSTEM and Administrators only; what is created in it inherits that.
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// The database holds no secret, but history is personal: keep it to the user (best effort).
fn restrict_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            tracing::debug!(target: "elevate::store", error = %e, "could not restrict the database's permissions");
        }
    }
    // Windows: the file inherits its folder's ACL (the user's profile: the user, SYSTEM, Administrators).
    #[cfg(not(unix))]
    let _ = path;
}
