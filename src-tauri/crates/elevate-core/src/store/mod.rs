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

use crate::private_fs;

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
            private_fs::create_private_dir(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        // The database and its WAL and shared-memory files are created 0600 before SQLite opens
        // them (empty, which SQLite takes as a new database, no WAL and a fresh index), so that
        // none of them is ever 0644; files an older version left are narrowed.
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = PathBuf::from(name);
            private_fs::create_private_file(&file).map_err(|source| StoreError::Io {
                path: file.clone(),
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
        Ok(Store {
            pool,
            path: path.to_owned(),
        })
    }

    /// A database in memory, for a session with no data folder: the same schema and behaviour,
    /// gone when the last handle is dropped. One connection that never expires (each SQLite
    /// in-memory connection is its own database).
    pub async fn in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|e| StoreError::from_sqlx(&path, e))?
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::from_sqlx(&path, e))?;
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(StoreError::from_migrate(&path, e));
        }
        Ok(Store { pool, path })
    }

    /// Where the database is (`:memory:` for [`Store::in_memory`]).
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
