//! `elevate login`, `whoami`, `logout` end to end, as separate processes: the test identity provider
//! (`tests/op/`, a real OIDC provider) for sign-in, `elevate sim --accept-any-token` as Azure, a
//! scripted browser ($BROWSER: curl following the redirects with a cookie jar), and the real OS
//! credential store: gnome-keyring's Secret Service on a private `dbus-daemon`. Also the device code
//! flow, the claims step-up on the command line, and the store missing (memory only, nothing
//! written). Afterwards the home folder, the database and every output are searched for the tokens.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use elevate_e2e::op::{ARM_SCOPE, CLIENT_ID, GRAPH_SCOPE, TestOp, first_form};
use elevate_e2e::sim::{SimServer, scripted_browser};
use elevate_e2e::{Home, Run};

/// A private session bus with gnome-keyring's Secret Service on it, its login keyring unlocked.
pub(crate) struct Keyring {
    bus: Child,
    daemon: Option<Child>,
    address: String,
    dir: tempfile::TempDir,
}

impl Keyring {
    pub(crate) fn start(with_secret_service: bool) -> Keyring {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for sub in ["data", "run"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap_or_else(|e| panic!("{e}"));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(
                dir.path().join("run"),
                std::fs::Permissions::from_mode(0o700),
            );
        }
        let address = format!("unix:path={}", dir.path().join("bus").display());
        let bus = Command::new("dbus-daemon")
            .args([
                "--session",
                "--nofork",
                "--nopidfile",
                &format!("--address={address}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("dbus-daemon is needed (apt install dbus): {e}"));
        wait_for(
            || dir.path().join("bus").exists(),
            "dbus-daemon did not start",
        );
        let mut keyring = Keyring {
            bus,
            daemon: None,
            address,
            dir,
        };
        if with_secret_service {
            let mut command = Command::new("gnome-keyring-daemon");
            let mut daemon = keyring
                .env(&mut command)
                .args(["--foreground", "--unlock", "--components=secrets"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("gnome-keyring is needed (apt install gnome-keyring): {e}")
                });
            if let Some(mut stdin) = daemon.stdin.take() {
                let _ = stdin.write_all(b"test-keyring-password");
            }
            keyring.daemon = Some(daemon);
            wait_for(
                || keyring.secrets_owned(),
                "gnome-keyring did not take org.freedesktop.secrets",
            );
        }
        keyring
    }

    pub(crate) fn env<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
    }

    fn secrets_owned(&self) -> bool {
        let out = self
            .env(&mut Command::new("dbus-send"))
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
    }

    /// The base64 cache key Elevate keeps for `home` (looked up with secret-tool), if any.
    fn stored_key(&self) -> Option<String> {
        let out = self
            .env(&mut Command::new("secret-tool"))
            .args(["search", "--all", "service", "elevate"])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix("secret = "))
            .map(str::to_owned)
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        if let Some(daemon) = &mut self.daemon {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

fn wait_for(ok: impl Fn() -> bool, what: &str) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes the home's config.toml: Azure at the simulator, sign-in at the test provider.
fn configure(home: &Home, sim_url: &str, op: &TestOp) {
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "cloud = \"custom\"\n[endpoints]\narm = \"{sim_url}\"\ngraph = \"{sim_url}\"\nauthority = \"{}\"\narm_scope = \"{ARM_SCOPE}\"\ngraph_scope = \"{GRAPH_SCOPE}\"\n[sign_in]\nclient_id = \"{CLIENT_ID}\"\n",
            op.issuer
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

pub(crate) fn run(
    home: &Home,
    keyring: &Keyring,
    browser: &Path,
    args: &[&str],
    transcript: &mut String,
) -> Run {
    let mut command = home.command();
    keyring
        .env(&mut command)
        .env("BROWSER", browser)
        .env("ELEVATE_LOG", "debug");
    let output = command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run elevate: {e}"));
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    transcript.push_str(&run.stdout);
    transcript.push_str(&run.stderr);
    run
}

/// Every file under `dir`, as lossy text.
fn all_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    out
}

/// The tokens the sealed cache holds (decrypted with the key from the keyring).
fn cached_tokens(home: &Home, keyring: &Keyring) -> Vec<String> {
    let key = keyring
        .stored_key()
        .unwrap_or_else(|| panic!("no key in the keyring"));
    let key = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, key.trim())
        .unwrap_or_default();
    let key = elevate_core::auth::CacheKey::from_bytes(&key)
        .unwrap_or_else(|| panic!("the key is not 32 bytes"));
    let sealed = std::fs::read(home.path().join(elevate_core::auth::CACHE_FILE))
        .unwrap_or_else(|e| panic!("{e}"));
    let data = elevate_core::auth::open_sealed(&key, &sealed).unwrap_or_else(|e| panic!("{e:?}"));
    let mut tokens = Vec::new();
    for account in &data.accounts {
        tokens.push(account.refresh_token.expose().to_owned());
        tokens.extend(
            account
                .access_tokens
                .iter()
                .map(|t| t.token.expose().to_owned()),
        );
    }
    tokens
}

fn assert_no_token_anywhere(home: &Home, transcript: &str, tokens: &[String]) {
    assert!(!tokens.is_empty());
    for token in tokens {
        // The tail of a token is enough to find it, and cannot be a common string.
        let needle = &token[token.len().saturating_sub(24)..];
        for (path, text) in all_files(&home.path()) {
            assert!(!text.contains(needle), "a token is in {}", path.display());
        }
        assert!(
            !transcript.contains(needle),
            "a token was printed or logged"
        );
    }
    assert!(
        !transcript.contains("eyJ"),
        "something that looks like a JWT was printed or logged"
    );
}

#[test]
fn login_in_the_browser_survives_restarts_through_the_keyring_and_steps_up_for_claims() {
    let home = Home::new();
    let sim = SimServer::start(&home, &["--accept-any-token"]);
    let op = TestOp::start(&[
        ("OP_USER_OID", &sim.field("demo_user_oid")),
        ("OP_TENANT_ID", &sim.field("tenant_id")),
        ("OP_USERNAME", "ada@contoso.example"),
    ]);
    configure(&home, &sim.url, &op);
    let keyring = Keyring::start(true);
    let browser = scripted_browser(&home.path(), None);
    let mut transcript = String::new();

    let before = run(&home, &keyring, &browser, &["roles"], &mut transcript);
    assert_eq!(before.code, Some(1));
    assert!(
        before.stderr.contains("run `elevate login`"),
        "{}",
        before.stderr
    );

    let login = run(
        &home,
        &keyring,
        &browser,
        &["login", "--json"],
        &mut transcript,
    )
    .ok();
    let answer = login.json();
    assert_eq!(
        answer["account"]["username"], "ada@contoso.example",
        "{answer}"
    );
    assert_eq!(answer["storage"], "keyring", "{}", login.stderr);
    assert!(
        login.stderr.contains("Opening the browser"),
        "{}",
        login.stderr
    );
    assert!(home.path().join("tokens.bin").exists());
    assert!(
        keyring.stored_key().is_some(),
        "the key is in the Secret Service"
    );

    // New processes: the sign-in comes back from the keyring and the sealed file, no browser.
    let no_browser = home.path().join("no-browser");
    let whoami = run(
        &home,
        &keyring,
        &no_browser,
        &["whoami", "--json"],
        &mut transcript,
    )
    .ok();
    let who = whoami.json();
    assert_eq!(
        who["accounts"][0]["tenant_id"],
        sim.field("tenant_id").as_str(),
        "{who}"
    );
    assert!(who["accounts"][0]["arm_token_expires"].is_string(), "{who}");
    assert!(!whoami.stderr.contains("Opening the browser"));
    let roles = run(
        &home,
        &keyring,
        &no_browser,
        &["roles", "--json"],
        &mut transcript,
    )
    .ok();
    assert!(
        roles
            .json()
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["role"] == "Key Vault Secrets Officer")),
        "{}",
        roles.stdout
    );

    // The role behind authentication context c1: Azure refuses, Elevate says why, signs in again
    // with the claims (in the browser) and retries once.
    let activate = run(
        &home,
        &keyring,
        &browser,
        &[
            "activate",
            "Key Vault Secrets Officer",
            "--reason",
            "rotate keys",
            "--json",
        ],
        &mut transcript,
    );
    assert_eq!(
        activate.code,
        Some(0),
        "{}\n{}",
        activate.stdout,
        activate.stderr
    );
    assert!(
        activate
            .stderr
            .contains("asks for a stronger sign-in (authentication context c1)"),
        "{}",
        activate.stderr
    );
    let result = activate.json();
    assert!(
        ["done", "pending-approval", "pending-other"]
            .contains(&result[0]["outcome"].as_str().unwrap_or("")),
        "{result}"
    );

    let tokens = cached_tokens(&home, &keyring);
    assert_no_token_anywhere(&home, &transcript, &tokens);

    let logout = run(&home, &keyring, &no_browser, &["logout"], &mut transcript).ok();
    assert!(
        logout.stdout.contains("Signed out ada@contoso.example")
            && logout.stdout.contains("No account is signed in now"),
        "{}",
        logout.stdout
    );
    assert!(!home.path().join("tokens.bin").exists());
    assert!(keyring.stored_key().is_none(), "logout deletes the key too");
    let after = run(&home, &keyring, &no_browser, &["whoami"], &mut transcript);
    assert_eq!(after.code, Some(1));
    assert!(after.stderr.contains("not signed in"), "{}", after.stderr);
}

#[test]
fn device_code_login_without_a_credential_store_keeps_nothing() {
    let home = Home::new();
    let op = TestOp::start(&[]);
    configure(&home, "http://127.0.0.1:9", &op);
    let keyring = Keyring::start(false);
    let mut command = home.command();
    keyring.env(&mut command).env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/elevate-test-bus",
    );
    let mut child = command
        .args(["login", "--device-code", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let mut page = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while page.is_none() && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&line);
            seen.push('\n');
            // "… (or open http://…/device?user_code=…)"
            page = line
                .split("(or open ")
                .nth(1)
                .map(|rest| rest.trim_end_matches(')').to_owned());
        }
    }
    let page = page.unwrap_or_else(|| panic!("no device code shown:\n{seen}"));
    // The user, on another device, enters the code.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut at = url::Url::parse(&page).unwrap_or_else(|e| panic!("{e}"));
        let mut html = client
            .get(at.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_default();
        for _ in 0..4 {
            let Some((action, inputs)) = first_form(&html) else {
                break;
            };
            at = at.join(&action).unwrap_or_else(|e| panic!("{e}"));
            let response = client
                .post(at.clone())
                .form(&inputs)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            at = response.url().clone();
            html = response.text().await.unwrap_or_default();
        }
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "elevate login --device-code did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
        seen.push_str(&line);
        seen.push('\n');
    }
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut out, &mut stdout);
    }
    assert!(status.success(), "{stdout}\n{seen}");
    let answer: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(
        answer["account"]["username"], "tester@contoso.test",
        "{answer}"
    );
    assert_eq!(answer["storage"], "memory", "{answer}");
    assert!(
        seen.contains("no OS credential store is available"),
        "{seen}"
    );
    assert!(seen.contains("kept in memory only"), "{seen}");
    // Nothing was written: no sealed file, no other file with a token-like text.
    assert!(
        !home.path().join("tokens.bin").exists(),
        "never a plain-text (or any) fallback file"
    );
    for (path, text) in all_files(&home.path()) {
        assert!(
            !text.contains("eyJ"),
            "{} holds something like a token",
            path.display()
        );
    }
    assert!(!stdout.contains("eyJ") && !seen.contains("eyJ"));
}

#[test]
fn demo_mode_signs_in_at_the_simulator_through_the_same_code() {
    let home = Home::new();
    let who = home.run(&["--demo", "whoami", "--json"]).ok();
    let answer = who.json();
    assert_eq!(
        answer["accounts"][0]["username"], "ada@contoso.example",
        "{answer}"
    );
    assert_eq!(
        answer["accounts"][0]["client_id"], "elevate-demo",
        "{answer}"
    );
    assert_eq!(answer["storage"], "memory", "{answer}");
    let device = home
        .run(&["--demo", "login", "--device-code", "--json"])
        .ok();
    assert_eq!(device.json()["account"]["username"], "ada@contoso.example");
    assert!(device.stderr.contains("/devicelogin"), "{}", device.stderr);
    assert!(
        !home.path().join("demo").join("tokens.bin").exists(),
        "demo mode saves no sign-in"
    );
}

/// mitmproxy (pinned, installed by scripts/setup.sh) as a TLS-inspecting corporate proxy on
/// loopback, with its own private CA made for this test; `tests/proxy/forward.py` sends what it
/// reads for `azure.elevate.test` on to the simulator.
struct InspectingProxy {
    child: Child,
    port: u16,
    ca: PathBuf,
    flows: PathBuf,
    _dir: tempfile::TempDir,
}

impl InspectingProxy {
    fn mitmdump() -> PathBuf {
        if let Some(path) = std::env::var_os("ELEVATE_MITMDUMP") {
            return PathBuf::from(path);
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(|| panic!("no HOME"));
        let path = cache.join("elevate/mitmproxy-11.0.2/bin/mitmdump");
        assert!(
            path.exists(),
            "{} is missing: run scripts/setup.sh (it installs mitmproxy in a venv)",
            path.display()
        );
        path
    }

    fn start(forward_to: &str) -> InspectingProxy {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let flows = dir.path().join("flows.log");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let addon = Path::new(env!("CARGO_MANIFEST_DIR")).join("proxy/forward.py");
        let child = Command::new(Self::mitmdump())
            .args(["--quiet", "--listen-host", "127.0.0.1", "--listen-port"])
            .arg(port.to_string())
            .arg("--set")
            .arg(format!("confdir={}", dir.path().display()))
            // Connect upstream only once the request is read: the addon decides where.
            .args(["--set", "connection_strategy=lazy", "-s"])
            .arg(addon)
            .env(
                "ELEVATE_TEST_FORWARD",
                format!("azure.elevate.test={forward_to}"),
            )
            .env("ELEVATE_TEST_FLOWS", &flows)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start mitmdump: {e}"));
        let ca = dir.path().join("mitmproxy-ca-cert.pem");
        let proxy = InspectingProxy {
            child,
            port,
            ca,
            flows,
            _dir: dir,
        };
        wait_for(
            || proxy.ca.exists() && std::net::TcpStream::connect(("127.0.0.1", proxy.port)).is_ok(),
            "mitmdump did not start",
        );
        proxy
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn flows(&self) -> String {
        std::fs::read_to_string(&self.flows).unwrap_or_default()
    }
}

impl Drop for InspectingProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn behind_a_tls_inspecting_proxy_works_with_its_ca_trusted_and_says_why_not_without() {
    let home = Home::new();
    // Azure (and its sign-in) as the client sees it: https://azure.elevate.test, reached only
    // through the proxy, which forwards to the simulator on loopback.
    let sim = SimServer::start(&home, &["--public-url", "https://azure.elevate.test"]);
    let proxy = InspectingProxy::start(sim.field("listen").trim_start_matches("http://"));
    let site = "https://azure.elevate.test";
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "cloud = \"custom\"\n[endpoints]\narm = \"{site}\"\ngraph = \"{site}\"\nauthority = \"{site}\"\n\
             arm_scope = \"https://management.core.windows.net//.default\"\n\
             graph_scope = \"https://graph.microsoft.com/.default\"\n[sign_in]\nclient_id = \"elevate-demo\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let keyring = Keyring::start(true);
    // The browser goes through the same proxy and trusts its CA; the loopback redirect goes direct.
    let browser = home.path().join("proxied-browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\njar=$(mktemp)\ncurl -s -L --max-redirs 20 --proxy '{}' --noproxy 127.0.0.1,localhost \
             --cacert '{}' -c \"$jar\" -b \"$jar\" -o /dev/null \"$1\"\nrm -f \"$jar\"\n",
            proxy.url(),
            proxy.ca.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // The trust store the client uses, as the OS store on Linux would be: SSL_CERT_FILE.
    let run_with = |trust: &Path, args: &[&str]| -> Run {
        let mut command = home.command();
        keyring
            .env(&mut command)
            .env("BROWSER", &browser)
            .env("HTTPS_PROXY", proxy.url())
            .env_remove("https_proxy")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .env("SSL_CERT_FILE", trust)
            .env_remove("SSL_CERT_DIR");
        let output = command
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run elevate: {e}"));
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    };

    // Not trusted (a store without the proxy's CA: another private CA only): refused, said why.
    let other_ca = home.path().join("other-ca.pem");
    let other = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=Not the proxy"])
        .arg("-keyout")
        .arg(home.path().join("other-ca.key"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .unwrap_or_else(|e| panic!("openssl: {e}"));
    assert!(
        other.status.success(),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    let refused = run_with(&other_ca, &["login", "--device-code"]);
    assert_eq!(
        refused.code,
        Some(1),
        "{}\n{}",
        refused.stdout,
        refused.stderr
    );
    for said in [
        "azure.elevate.test",
        "certificate was refused because its issuer is not trusted",
        "TLS",
        "trust store",
        "update-ca-certificates",
        "Keychain",
    ] {
        assert!(
            refused.stderr.contains(said),
            "no {said:?} in: {}",
            refused.stderr
        );
    }
    assert!(
        proxy.flows().contains("CONNECT azure.elevate.test:443"),
        "the client went through the proxy: {}",
        proxy.flows()
    );
    assert!(
        !proxy.flows().contains("https POST"),
        "no request passed an untrusted handshake: {}",
        proxy.flows()
    );

    // Trusted: sign-in, list and activate all go through the proxy's TLS inspection.
    let login = run_with(&proxy.ca, &["login", "--json"]);
    assert_eq!(login.code, Some(0), "{}\n{}", login.stdout, login.stderr);
    let roles = run_with(&proxy.ca, &["--json", "roles"]);
    assert_eq!(roles.code, Some(0), "{}", roles.stderr);
    let roles: serde_json::Value =
        serde_json::from_str(&roles.stdout).unwrap_or_else(|e| panic!("{e}: {}", roles.stdout));
    assert!(
        roles
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["role"] == "Contributor")),
        "{roles:#}"
    );
    let activated = run_with(
        &proxy.ca,
        &[
            "--json",
            "activate",
            "contributor@contoso development",
            "--for",
            "1h",
            "--reason",
            "behind the corporate proxy",
        ],
    );
    assert_eq!(
        activated.code,
        Some(0),
        "{}\n{}",
        activated.stdout,
        activated.stderr
    );
    let activated: serde_json::Value = serde_json::from_str(&activated.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", activated.stdout));
    assert_eq!(activated[0]["outcome"], "done", "{activated:#}");
    let flows = proxy.flows();
    for seen in [
        "https GET /organizations/oauth2/v2.0/authorize",
        "/oauth2/v2.0/token",
        "https GET /providers/Microsoft.Authorization/roleEligibilityScheduleInstances",
        "https GET /v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
        "/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/",
    ] {
        assert!(
            flows.contains(seen),
            "no {seen:?} through the proxy:\n{flows}"
        );
    }
    assert!(
        flows
            .lines()
            .any(|l| l.starts_with("https PUT /subscriptions/")
                && l.contains("/roleAssignmentScheduleRequests/")),
        "the activation went through the proxy:\n{flows}"
    );
    assert!(!flows.contains("REFUSED"), "{flows}");
}

#[test]
fn loopback_endpoints_never_go_through_a_proxy() {
    // Every proxy variable points at a port where nothing listens: the demo's simulator (on
    // loopback) is reached all the same, directly. The trust store is empty too (no CA at all):
    // plain http on loopback does not need one.
    let home = Home::new();
    let empty = home.path().join("no-ca.pem");
    std::fs::write(&empty, "").unwrap_or_else(|e| panic!("{e}"));
    let mut command = home.command();
    command
        .env("SSL_CERT_FILE", &empty)
        .env_remove("SSL_CERT_DIR");
    for name in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        command.env(name, "http://127.0.0.1:9");
    }
    let output = command
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .args(["--demo", "--json", "roles"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let roles: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(roles.as_array().is_some_and(|r| !r.is_empty()), "{roles}");
}
