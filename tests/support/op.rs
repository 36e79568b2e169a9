//! The test identity provider (`tests/op/op.mjs`, panva's oidc-provider on Node) started on a free
//! loopback port, and a browser stand-in that fills in its forms.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The client id registered in the test provider.
pub const CLIENT_ID: &str = "elevate-test";
/// ARM's scope as the test provider understands it.
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";
/// Graph's scope as the test provider understands it.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// A running test provider; stopped when dropped.
pub struct TestOp {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub issuer: String,
}

fn op_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("op")
}

/// Runs `npm ci` in `tests/op` once when `node_modules` is missing (a lock folder keeps parallel
/// test processes from running it twice).
fn ensure_installed() {
    let dir = op_dir();
    if dir.join("node_modules/oidc-provider").exists() {
        return;
    }
    let lock = dir.join(".npm-ci.lock");
    let started = Instant::now();
    while std::fs::create_dir(&lock).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "another npm ci did not finish"
        );
        std::thread::sleep(Duration::from_millis(200));
        if dir.join("node_modules/oidc-provider").exists() {
            return;
        }
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status();
    let _ = std::fs::remove_dir(&lock);
    match status {
        Ok(s) if s.success() => {}
        other => panic!("npm ci in tests/op failed ({other:?}); node and npm are needed"),
    }
}

/// A free loopback port (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// A plain HTTP GET on loopback: (status, body).
pub fn http_get(url: &str) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

impl TestOp {
    /// Starts the provider; `env` sets the headless user (`OP_USER_OID`, `OP_TENANT_ID`, `OP_USERNAME`).
    pub fn start(env: &[(&str, &str)]) -> TestOp {
        ensure_installed();
        let port = free_port();
        let mut command = Command::new("node");
        command
            .arg(op_dir().join("op.mjs"))
            .arg(port.to_string())
            .current_dir(op_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("node is needed for the sign-in tests: {e}"));
        let op = TestOp {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
        };
        let discovery = format!("{}/.well-known/openid-configuration", op.issuer);
        let started = Instant::now();
        loop {
            if let Some((200, body)) = http_get(&discovery)
                && body.contains("\"issuer\"")
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the test provider did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        op
    }
}

impl Drop for TestOp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first HTML form of a page: its `action` and its inputs' names and values.
pub fn first_form(html: &str) -> Option<(String, Vec<(String, String)>)> {
    let start = html.find("<form")?;
    let end = html[start..]
        .find("</form>")
        .map_or(html.len(), |e| start + e);
    let form = &html[start..end];
    let head_end = form.find('>')?;
    let action = attribute(&form[..head_end], "action").unwrap_or_default();
    let mut inputs = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..tag_end];
        if let Some(name) = attribute(tag, "name") {
            inputs.push((name, attribute(tag, "value").unwrap_or_default()));
        }
        rest = &rest[tag_end..];
    }
    Some((action, inputs))
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let mut search = tag;
    loop {
        let at = search.find(&key)?;
        let before = search[..at].chars().last();
        if before.is_none_or(char::is_whitespace) {
            let value = &search[at + key.len()..];
            let value = &value[..value.find('"')?];
            return Some(
                value
                    .replace("&amp;", "&")
                    .replace("&quot;", "\"")
                    .replace("&#x2F;", "/"),
            );
        }
        search = &search[at + key.len()..];
    }
}
