use std::path::{Path, PathBuf};

/// The local database failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not a usable SQLite database.
    #[error("the local database at {} is damaged ({detail}); move it aside and Elevate will start a new one (history and favourites are in it)", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The database was written by a newer Elevate.
    #[error("the local database at {} was written by a newer version of Elevate; update Elevate", path.display())]
    TooNew {
        /// The file.
        path: PathBuf,
    },
    /// The folder or file could not be created or opened.
    #[error("cannot open {}: {source}", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Another program holds the database for too long.
    #[error("the local database at {} is busy (another Elevate is writing); try again", path.display())]
    Busy {
        /// The file.
        path: PathBuf,
    },
    /// Any other database failure.
    #[error("the local database at {} failed: {detail}", path.display())]
    Database {
        /// The file.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// A value could not be encoded for storage.
    #[error("cannot store {what}: {detail}")]
    Encode {
        /// What was being stored.
        what: String,
        /// Why.
        detail: String,
    },
}

impl StoreError {
    pub(crate) fn from_sqlx(path: &Path, e: sqlx::Error) -> Self {
        let path = path.to_owned();
        if let sqlx::Error::Database(db) = &e {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            // SQLITE_NOTADB (26), SQLITE_CORRUPT (11).
            if code == "26" || code == "11" {
                return StoreError::Damaged {
                    path,
                    detail: db.message().to_owned(),
                };
            }
            // SQLITE_BUSY (5), SQLITE_LOCKED (6).
            if code == "5" || code == "6" {
                return StoreError::Busy { path };
            }
        }
        if let sqlx::Error::Io(source) = e {
            return StoreError::Io { path, source };
        }
        StoreError::Database {
            path,
            detail: e.to_string(),
        }
    }

    pub(crate) fn from_migrate(path: &Path, e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(inner) => StoreError::from_sqlx(path, inner),
            sqlx::migrate::MigrateError::VersionMissing(_) => StoreError::TooNew {
                path: path.to_owned(),
            },
            other => StoreError::Damaged {
                path: path.to_owned(),
                detail: other.to_string(),
            },
        }
    }
}
