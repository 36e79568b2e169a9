//! Elevate's engine: just-in-time elevation in Azure Privileged Identity Management, without Tauri.
//!
//! The crate is the whole product minus its faces (the tray app and the `elevate` CLI):
//!
//! - [`model`]: Elevate's vocabulary for eligibilities, grants, requests and policies, shared by all
//!   three PIM sources.
//! - [`store`]: the local SQLite database (history, cache, favourites, sets, settings).
//!
//! Architecture invariants: no Tauri, no global state, one async runtime (tokio) supplied by the caller,
//! and no secret in any `Debug`, `Display`, log line, error message or database row.

pub mod admin;
pub mod arm;
pub mod auth;
pub mod azure_error;
mod caller;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod error;
pub mod graph;
pub mod http;
pub mod known_ends;
pub mod managed;
pub mod model;
pub mod net;
pub mod permissions;
pub mod pim;
pub mod policy_rules;
pub mod private_fs;
pub mod rest;
pub mod secret;
pub mod selector;
pub mod session;
pub mod settings_file;
pub mod store;
pub mod text;
pub mod watch;
pub mod wire;

pub use error::{Error, Needed, Result};
