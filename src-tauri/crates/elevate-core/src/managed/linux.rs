//! Linux and the BSDs: `/etc/elevate/managed.toml`.

use std::path::Path;

use super::{Found, LINUX_MANAGED_FILE, read_toml_file};

/// The policy in the managed file, if there is one.
pub(super) fn read() -> Found {
    read_toml_file(Path::new(LINUX_MANAGED_FILE))
}
