//! The tray app in a real WebKit web view driven over WebDriver: `tauri-driver` (which starts
//! `WebKitWebDriver`, which starts `elevate-tray --demo --window`) on a private X server and D-Bus
//! session.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::{Bus, Display, Home, workspace_bin};

/// A running `tauri-driver` with a WebDriver session on the app; both end when dropped.
pub struct WindowedApp {
    /// The WebDriver session.
    pub client: Client,
    log: PathBuf,
    driver: Child,
}

impl Drop for WindowedApp {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    for candidate in [
        home.join(".cargo/bin/tauri-driver"),
        home.join(".local/bin/tauri-driver"),
    ] {
        if candidate.exists() {
            return candidate;
        }
    }
    PathBuf::from("tauri-driver")
}

impl WindowedApp {
    /// Starts `elevate-tray --demo --window` under `tauri-driver` in `home`, on `display` and `bus`
    /// (the app's log, at `log_filter`, goes to the driver's log).
    pub async fn start(home: &Home, display: &Display, bus: &Bus, log_filter: &str) -> WindowedApp {
        let port = free_port();
        let native = free_port();
        let log = home.path().join("tauri-driver.log");
        let driver = Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("ELEVATE_HOME", home.path())
            // Login items, caches and the tray icon's file go into the test's home, not the machine's.
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", home.runtime_dir())
            .env("ELEVATE_LOG", log_filter)
            .env("DISPLAY", &display.name)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(&log)
                    .map(Stdio::from)
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .spawn()
            .unwrap_or_else(|e| {
                panic!("tauri-driver is needed for this test (cargo install tauri-driver): {e}")
            });
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "tauri-driver did not listen"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({
                "application": workspace_bin("elevate-tray"),
                "args": ["--demo", "--window"],
            }),
        );
        // WebDriver on loopback: plain HTTP. tauri-driver listens before WebKitWebDriver behind it is
        // ready, so the first attempts may be refused.
        let started = Instant::now();
        let client = loop {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&format!("http://127.0.0.1:{port}"))
                    .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if started.elapsed() > Duration::from_secs(30) => panic!(
                    "no WebDriver session: {e}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                ),
                Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
            }
        };
        WindowedApp {
            client,
            log,
            driver,
        }
    }

    /// What the driver and the app have logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log's path.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The embedded simulator's URL, from the app's log (waiting for the app to start it).
    pub async fn simulator_url(&self) -> String {
        let started = Instant::now();
        loop {
            let text = self.log_text();
            if let Some(url) = crate::simulator_url_in(&text) {
                return url;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the app did not say where its simulator listens:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits (up to 30 s) until `css` matches an element, in the current window; returns it.
    pub async fn find(&self, css: &str) -> Element {
        let started = Instant::now();
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => return element,
                Err(e) if started.elapsed() > Duration::from_secs(30) => panic!("{css}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// Clicks the element `css` matches (waiting for it).
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// The attribute `name` of the element `css` matches (waiting for it).
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css)
            .await
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Waits until `css` matches an element whose text satisfies `ok`; returns that text.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        wait_text(&self.client, css, ok).await
    }

    /// Saves a screenshot into `$ELEVATE_SCREENSHOTS` when set (how the README's screenshots are
    /// made).
    pub async fn screenshot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("ELEVATE_SCREENSHOTS") {
            let png = self
                .client
                .screenshot()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(PathBuf::from(dir).join(name), png).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Waits until `css` matches an element whose text satisfies `ok`; returns that text.
pub async fn wait_text(client: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(elements) = client.find_all(Locator::Css(css)).await {
            for element in elements {
                if let Ok(text) = element.text().await {
                    if ok(&text) {
                        return text;
                    }
                    last = text;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{css} never showed the expected text; last: {last:?}");
}
