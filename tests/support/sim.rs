//! `elevate sim` as a separate process (Azure, or a whole tenant with its sign-in), and a scripted
//! system browser for Elevate's browser sign-in.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::Home;

/// A running `elevate sim --json --listen 127.0.0.1:0`; killed when dropped.
pub struct SimServer {
    child: Child,
    /// Where it listens.
    pub url: String,
    /// The line it printed first (`url`, `demo_user_oid`, `tenant_id`).
    pub hello: serde_json::Value,
}

impl SimServer {
    /// Starts it with its state in `home` and `extra` arguments (e.g. `--accept-any-token`).
    pub fn start(home: &Home, extra: &[&str]) -> SimServer {
        let mut child = home
            .command()
            .args(["sim", "--json", "--listen", "127.0.0.1:0"])
            .args(extra)
            .arg("--state")
            .arg(home.path().join("sim-state.json"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{e}"));
        let hello: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let url = hello["url"]
            .as_str()
            .unwrap_or_else(|| panic!("no url: {hello}"))
            .to_owned();
        SimServer { child, url, hello }
    }

    /// A text field of the first line.
    pub fn field(&self, name: &str) -> String {
        self.hello[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name}: {}", self.hello))
            .to_owned()
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A $BROWSER that follows the authorization URL's redirects with curl and a cookie jar, as a
/// browser would with a user who approves at once; it touches `opened` (when given) first.
pub fn scripted_browser(dir: &Path, opened: Option<&Path>) -> PathBuf {
    let script = dir.join("browser.sh");
    let touch = opened.map_or_else(String::new, |p| format!("touch '{}'\n", p.display()));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n# Plays the browser: follow the redirects down to Elevate's loopback listener.\n\
             {touch}jar=$(mktemp)\ncurl -s -L --max-redirs 20 -c \"$jar\" -b \"$jar\" -o /dev/null \"$1\"\nrm -f \"$jar\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    script
}
