//! Keeping the state in a JSON file: loading at start, atomic rewrites (temporary file +
//! rename) after mutations, ordered by the state's generation so an older snapshot never
//! overwrites a newer one.

use std::path::{Path, PathBuf};

use crate::error::SimError;
use crate::state::{STATE_FORMAT, SimState};

/// A serialized state ready to be written.
pub(crate) struct Snapshot {
    /// Generation of the state it was taken from.
    pub generation: u64,
    /// JSON bytes.
    pub bytes: Vec<u8>,
}

/// Writes snapshots to the state file.
pub(crate) struct Persister {
    path: PathBuf,
    last_written: tokio::sync::Mutex<Option<u64>>,
}

impl Persister {
    /// A persister for `path`.
    pub(crate) fn new(path: PathBuf) -> Persister {
        Persister {
            path,
            last_written: tokio::sync::Mutex::new(None),
        }
    }

    /// Takes a snapshot of `state`.
    pub(crate) fn snapshot(state: &SimState) -> Result<Snapshot, SimError> {
        let bytes = serde_json::to_vec_pretty(state).map_err(SimError::StateEncode)?;
        Ok(Snapshot {
            generation: state.generation,
            bytes,
        })
    }

    /// Writes `snapshot` unless a newer one was written already.
    pub(crate) async fn write(&self, snapshot: Snapshot) -> Result<(), SimError> {
        let mut last = self.last_written.lock().await;
        if last.is_some_and(|g| g > snapshot.generation) {
            return Ok(());
        }
        let temp = temp_path(&self.path);
        let write_error = |source| SimError::StateWrite {
            path: self.path.clone(),
            source,
        };
        tokio::fs::write(&temp, &snapshot.bytes)
            .await
            .map_err(write_error)?;
        tokio::fs::rename(&temp, &self.path)
            .await
            .map_err(write_error)?;
        *last = Some(snapshot.generation);
        Ok(())
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Loads the state in `path`; `None` when the file does not exist.
pub(crate) async fn load(path: &Path) -> Result<Option<SimState>, SimError> {
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SimError::StateRead {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let parse_error = |reason: String| SimError::StateParse {
        path: path.to_path_buf(),
        reason,
    };
    let state: SimState = serde_json::from_slice(&bytes).map_err(|e| parse_error(e.to_string()))?;
    if state.format != STATE_FORMAT {
        return Err(parse_error(format!(
            "unsupported format {} (expected {STATE_FORMAT})",
            state.format
        )));
    }
    Ok(Some(state))
}
