//! `elevate sim`: the simulator as a standalone server, as third-party clients and scripts use it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use elevate_e2e::Home;

/// A minimal HTTP/1.1 GET over a plain socket (the e2e crate has no HTTP client on purpose).
fn get(url: &str, path: &str) -> (u16, String) {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("connect {host}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("{e}"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn sim_prints_where_it_listens_and_serves_arm_and_control() {
    let home = Home::new();
    let state = home.path().join("state.json");
    let mut child = home
        .command()
        .args(["sim", "--json", "--listen", "127.0.0.1:0", "--state"])
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        hello["demo_user_oid"]
            .as_str()
            .is_some_and(|s| s.len() == 36),
        "{hello}"
    );

    let (status, body) = get(&url, "/_sim/info");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(hello["demo_user_oid"].as_str().unwrap_or("?")),
        "{body}"
    );

    // ARM without a token: 401 with ARM's error envelope.
    let (status, body) = get(
        &url,
        "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01&$filter=asTarget()",
    );
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"InvalidAuthenticationToken\""), "{body}");

    // SIGTERM (kill) stops it; the state file was written.
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(&pid)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the simulator did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(state.exists(), "state file written");
}
