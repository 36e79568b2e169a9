//! Errors returned by the simulator's Rust API.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Something went wrong starting, running or driving the simulator from Rust.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening socket could not be opened.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The state file exists but could not be read.
    #[error("could not read state file {path}: {source}")]
    StateRead {
        /// The state file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The state file is not a simulator state this version understands.
    #[error("state file {path} is not a valid simulator state: {reason}")]
    StateParse {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The state could not be written to its file.
    #[error("could not write state file {path}: {source}")]
    StateWrite {
        /// The state file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The state could not be encoded as JSON.
    #[error("could not encode the simulator state: {0}")]
    StateEncode(#[source] serde_json::Error),
    /// A token could not be minted from the request given.
    #[error("invalid token request: {0}")]
    TokenRequest(String),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
}
