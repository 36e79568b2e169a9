//! How a simulator is started.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// Configuration of one simulator instance.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Address to listen on, e.g. `127.0.0.1:0` for any free port.
    pub listen: SocketAddr,
    /// When set, the whole state (tenant, requests, instances, clock offset, signing key) is kept
    /// in this JSON file: loaded at start if present (else the demo tenant is seeded), and
    /// rewritten atomically (temporary file + rename) after every mutation and at shutdown.
    pub state_file: Option<PathBuf>,
    /// Most items in one page of a list; further pages are reached through `nextLink`.
    pub page_size: usize,
    /// Accept any well-formed JWT (three base64url parts whose payload is JSON with an `oid`)
    /// without checking its signature, so that third-party Azure clients can be pointed at the
    /// simulator. Expiry and audience are still checked when the token carries them.
    pub accept_any_token: bool,
    /// The base URL clients reach the simulator at when that is not the listening address, e.g.
    /// `https://azure.elevate.test` behind a TLS-terminating proxy (no trailing slash). Links it
    /// writes (nextLink, `@odata.context`, the device-code page) use it, and ARM accepts it as a token audience.
    pub public_url: Option<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            state_file: None,
            page_size: 50,
            accept_any_token: false,
            public_url: None,
        }
    }
}
