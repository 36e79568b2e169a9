//! Support for the end-to-end tests: run the real `elevate` binary in a private `ELEVATE_HOME`.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The built `elevate` binary: `$ELEVATE_BIN`, or `elevate` next to the test executable's `deps` folder
/// (where cargo puts the workspace's binaries).
pub fn elevate_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("ELEVATE_BIN") {
        return PathBuf::from(bin);
    }
    let exe =
        std::env::current_exe().unwrap_or_else(|e| panic!("cannot find the test executable: {e}"));
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap_or_else(|| panic!("unexpected test path {}", exe.display()));
    let bin = dir.join(format!("elevate{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        bin.display()
    );
    bin
}

/// A private home for one test: config, data and the demo tenant.
pub struct Home {
    dir: tempfile::TempDir,
}

/// What a run printed.
pub struct Run {
    /// Exit code (None if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON, or a panic showing both streams.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics with both streams unless the exit code was 0.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "elevate failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

impl Home {
    /// A new, empty home.
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
        }
    }

    /// The folder.
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// A private `XDG_RUNTIME_DIR` in the home (0700), for the tray app: tray-icon writes the icon it
    /// shows there under a fixed name, so two apps sharing `/tmp/tray-icon` would replace and delete
    /// each other's icons.
    pub fn runtime_dir(&self) -> PathBuf {
        let dir = self.dir.path().join("run");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        dir
    }

    /// A command for `elevate` with this home and a clean environment for Elevate's variables.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(elevate_bin());
        cmd.env("ELEVATE_HOME", self.dir.path())
            .env_remove("ELEVATE_ARM_URL")
            .env_remove("ELEVATE_GRAPH_URL")
            .env_remove("ELEVATE_AUTHORITY_URL")
            .env_remove("ELEVATE_CLIENT_ID")
            .env_remove("ELEVATE_LOG")
            // The machine's /etc/elevate/managed.toml must not reach the tests: each home has its
            // own managed file (absent unless a test writes it).
            .env(
                "ELEVATE_MANAGED_CONFIG",
                self.dir.path().join("managed.toml"),
            );
        cmd
    }

    /// Runs `elevate ARGS…`.
    pub fn run(&self, args: &[&str]) -> Run {
        let output: Output = self
            .command()
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run elevate: {e}"));
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Default for Home {
    fn default() -> Self {
        Self::new()
    }
}

pub mod dbusmenu;
pub mod notifications;
pub mod op;
pub mod sim;
pub mod webdriver;

/// A private D-Bus session bus (a real `dbus-daemon`) that goes away with the test.
pub struct Bus {
    daemon: std::process::Child,
    /// The bus address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Bus {
    /// Starts the daemon and waits for its socket.
    pub fn start() -> Bus {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let address = format!("unix:path={}", dir.path().join("bus").display());
        let daemon = Command::new("dbus-daemon")
            .args([
                "--session",
                "--nofork",
                "--nopidfile",
                &format!("--address={address}"),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("dbus-daemon is needed for this test (apt install dbus): {e}")
            });
        wait_for_path(&dir.path().join("bus"), "dbus-daemon");
        Bus {
            daemon,
            address,
            _dir: dir,
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A private X server (Xvfb) on a free display, for the tray app.
pub struct Display {
    server: std::process::Child,
    /// The value for `DISPLAY`.
    pub name: String,
}

impl Display {
    /// Starts Xvfb on a display it picks itself (`-displayfd`), so tests running at once never share
    /// one, and waits until it is ready.
    pub fn start() -> Display {
        use std::io::BufRead as _;
        let mut server = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("Xvfb is needed for this test (apt install xvfb): {e}"));
        let stdout = server
            .stdout
            .take()
            .unwrap_or_else(|| panic!("Xvfb's output is not readable"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let number = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .ok()
            .and_then(|line| line.trim().parse::<u32>().ok())
            .unwrap_or_else(|| panic!("Xvfb did not say which display it took"));
        Display {
            server,
            name: format!(":{number}"),
        }
    }
}

impl Display {
    /// Whether a window titled `title` is shown (mapped and viewable) on this display, as `xwininfo`
    /// lists the root window's children.
    pub fn has_window(&self, title: &str) -> bool {
        let tree = Command::new("xwininfo")
            .args(["-root", "-children", "-display", &self.name])
            .output()
            .unwrap_or_else(|e| {
                panic!("xwininfo is needed for this test (apt install x11-utils): {e}")
            });
        let quoted = format!("\"{title}\"");
        String::from_utf8_lossy(&tree.stdout)
            .lines()
            .filter(|line| line.contains(&quoted))
            .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
            .any(|id| {
                Command::new("xwininfo")
                    .args(["-id", &id, "-display", &self.name])
                    .output()
                    .is_ok_and(|info| {
                        String::from_utf8_lossy(&info.stdout).contains("Map State: IsViewable")
                    })
            })
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn wait_for_path(path: &std::path::Path, what: &str) {
    let started = std::time::Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "{what} did not start ({} never appeared)",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A binary of the workspace next to `elevate` (e.g. `elevate-tray`).
pub fn workspace_bin(name: &str) -> PathBuf {
    let elevate = elevate_bin();
    let bin = elevate.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        bin.display()
    );
    bin
}

/// The real `elevate-tray --demo` on a private display and bus, its log in the home folder; killed when
/// dropped.
pub struct TrayApp {
    /// The process.
    pub child: std::process::Child,
    /// Its standard error (the log).
    pub log: PathBuf,
}

impl TrayApp {
    /// Starts the tray app in demo mode with `ELEVATE_LOG` set to `log_filter`.
    pub fn start(home: &Home, display: &Display, bus: &Bus, log_filter: &str) -> TrayApp {
        Self::start_with(home, display, bus, log_filter, &["--demo"], &[])
    }

    /// Starts the tray app with `args` and extra environment variables.
    pub fn start_with(
        home: &Home,
        display: &Display,
        bus: &Bus,
        log_filter: &str,
        args: &[&str],
        env: &[(&str, &std::path::Path)],
    ) -> TrayApp {
        let log = home.path().join("tray.log");
        let stderr = std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}"));
        let child = Command::new(workspace_bin("elevate-tray"))
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .env("ELEVATE_HOME", home.path())
            .env("XDG_RUNTIME_DIR", home.runtime_dir())
            .env("DISPLAY", &display.name)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("ELEVATE_LOG", log_filter)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::from(stderr))
            .spawn()
            .unwrap_or_else(|e| panic!("could not start elevate-tray: {e}"));
        TrayApp { child, log }
    }

    /// What it has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The embedded simulator's URL, from the app's log (`log_filter` must let `elevate_sim`'s info
    /// through), waiting up to 30 s for the app to start it.
    pub async fn simulator_url(&self) -> String {
        let started = std::time::Instant::now();
        loop {
            let text = self.log_text();
            if let Some(url) = simulator_url_in(&text) {
                return url;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "the app did not say where its simulator listens:\n{text}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

/// Where the simulator says it listens ("elevate-sim listening … http://127.0.0.1:PORT") in a log.
pub fn simulator_url_in(log: &str) -> Option<String> {
    let prefix = "http://127.0.0.1:";
    log.lines()
        .filter(|l| l.contains("elevate-sim listening"))
        .find_map(|line| {
            let rest = &line[line.find(prefix)?..];
            let end = rest
                .char_indices()
                .skip(prefix.len())
                .find(|(_, c)| !c.is_ascii_digit())
                .map_or(rest.len(), |(i, _)| i);
            Some(rest[..end].to_owned())
        })
}

impl Drop for TrayApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Records, for the security test summary (`scripts/security-summary.sh`, run by `scripts/test.sh`),
/// how many hostile inputs of each kind `test` tried and how many got through (acted, rendered or
/// panicked): one line `kind<TAB>tried<TAB>got_through` per kind, in
/// `{target}/security-summary/{test}.tsv` (the target folder is found from the test executable).
pub fn tally(test: &str, counts: &[(&str, u64, u64, &str)]) {
    let Some(dir) = std::env::current_exe().ok().and_then(|exe| {
        // {target}/{profile}/deps/{test executable}
        exe.parent()?
            .parent()?
            .parent()
            .map(|t| t.join("security-summary"))
    }) else {
        return;
    };
    let text: String = counts
        .iter()
        .map(|(kind, tried, through, verb)| format!("{kind}\t{tried}\t{through}\t{verb}\n"))
        .collect();
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{test}.tsv")), text);
    }
}
