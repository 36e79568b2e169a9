//! The tray app end to end through its tray menu, as a desktop panel sees it: the real
//! `elevate-tray --demo` on a private X server (Xvfb) and a private D-Bus session, its menu read and
//! clicked over `com.canonical.dbusmenu` (GetLayout / Event), the way StatusNotifier hosts do.
//! Nothing is mocked: the app embeds the real simulator, and the result is checked afterwards with the
//! `elevate` CLI against the same demo tenant. Signed out, against a tenant (the simulator run as
//! `elevate sim`), the menu offers "Sign in…", which signs in through the system browser (a
//! scripted `$BROWSER` following the redirects, as a user who approves at once).

use std::time::{Duration, Instant};

use elevate_e2e::dbusmenu::{click, wait_for_icon, wait_for_menu};
use elevate_e2e::sim::{SimServer, scripted_browser};
use elevate_e2e::{Bus, Display, Home, TrayApp};
use std::collections::HashMap;

/// The number in the "Active (n)" heading (0 without one).
fn active_count(labels: &[String]) -> usize {
    labels
        .iter()
        .find_map(|l| l.strip_prefix("Active (")?.strip_suffix(')')?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_favourite_activates_in_one_click_and_the_menu_shows_it_with_its_time_left() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    let mut app = TrayApp::start(&home, &display, &bus, "info");
    let pid = app.child.id();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // The demo tenant's items are there: account, favourites, a set, approvals, every source.
    let favourite = "★ Contributor @ Contoso Development";
    // (The roles are read at start; the approvals come with the watcher's first poll.)
    let menu = wait_for_menu(&conn, pid, "the demo tenant's roles and approvals", |m| {
        m.find(favourite).is_some()
            && m.find("Entra roles").is_some()
            && m.labels().iter().any(|l| l.starts_with("Approvals ("))
    })
    .await;
    let labels = menu.labels();
    for expected in [
        "Favourites",
        "★ Global Reader @ Directory",
        "Set: Morning checks (2 roles)",
        "Activate…",
        "Azure resources",
        "Entra roles",
        "Groups",
        "Owner @ Contoso Production",
        "Member @ PIM-Prod-Operators",
        "Open Elevate",
        "Quit",
    ] {
        assert!(
            labels.iter().any(|l| l == expected),
            "{expected:?} missing from {labels:#?}"
        );
    }
    assert!(
        labels.iter().any(|l| l.starts_with("Approvals (")),
        "the approvals waiting for Ada are missing: {labels:#?}"
    );
    // A role name with markup in it is shown as the text it is.
    assert!(
        labels
            .iter()
            .any(|l| l == "Ops <img src=x onerror=alert(1)> Auditor @ Contoso Sandbox"),
        "{labels:#?}"
    );
    assert!(
        !labels
            .iter()
            .any(|l| l.starts_with("Contributor @ Contoso Development — ")),
        "the favourite is not active yet: {labels:#?}"
    );
    let active_before = active_count(&labels);
    let header = menu
        .find("Favourites")
        .unwrap_or_else(|| panic!("no Favourites heading"));
    assert!(!header.enabled, "headings cannot be clicked");

    // One click on the favourite activates it…
    let id = menu
        .find(favourite)
        .unwrap_or_else(|| panic!("no favourite"))
        .id;
    click(&conn, pid, id).await;
    // …and the menu then shows it among the active grants with its time left.
    let menu = wait_for_menu(&conn, pid, "the favourite active", |m| {
        m.labels().iter().any(|l| {
            l.starts_with("Contributor @ Contoso Development — ") && l.ends_with("min left")
        })
    })
    .await;
    let labels = menu.labels();
    assert_eq!(active_count(&labels), active_before + 1, "{labels:#?}");
    assert!(
        labels
            .iter()
            .any(|l| l == "★ Contributor @ Contoso Development (active)"),
        "{labels:#?}"
    );
    let grant = menu
        .all()
        .into_iter()
        .find(|i| i.label.starts_with("Contributor @ Contoso Development — "))
        .cloned()
        .unwrap_or_else(|| panic!("no active grant item"));
    let child_labels: Vec<_> = grant.children.iter().map(|c| c.label.as_str()).collect();
    // Just activated: Azure refuses to deactivate for five minutes, and Extend deactivates first, so
    // it is shown greyed with its reason.
    assert_eq!(
        child_labels.first(),
        Some(&"Deactivate"),
        "{child_labels:?}"
    );
    let extend = grant
        .children
        .get(1)
        .unwrap_or_else(|| panic!("no Extend entry: {child_labels:?}"));
    assert!(
        extend.label.starts_with("Extend: can be extended in ") && !extend.enabled,
        "{extend:?}"
    );

    // Quit from the menu: the app saves the demo tenant and exits cleanly.
    let quit = menu.find("Quit").unwrap_or_else(|| panic!("no Quit")).id;
    click(&conn, pid, quit).await;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = app.child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the app did not quit; log:\n{}",
            app.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "exit status {status}");

    // The simulator (the same demo tenant, read by the CLI) has the grant, activated with the
    // favourite's saved justification.
    let active = home.run(&["--demo", "--json", "active"]).ok().json();
    let grants = active["items"]
        .as_array()
        .or_else(|| active.as_array())
        .cloned()
        .unwrap_or_default();
    assert!(
        grants.iter().any(|g| {
            g.to_string().contains("Contributor") && g.to_string().contains("Contoso Development")
        }),
        "the simulator has no Contributor grant: {active:#}"
    );
    let history = home.run(&["--demo", "--json", "history"]).ok().json();
    assert!(
        history.to_string().contains("Routine maintenance (demo)"),
        "the favourite's justification was not sent: {history:#}"
    );
    drop(display);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_the_menu_offers_sign_in_which_signs_in_through_the_browser() {
    let display = Display::start();
    let bus = Bus::start();
    let home = Home::new();
    // `elevate sim` as a separate process: a tenant the app signs in to like a real one.
    let tenant = SimServer::start(&home, &[]);
    let url = &tenant.url;
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "cloud = \"custom\"\n[endpoints]\narm = \"{url}\"\ngraph = \"{url}\"\nauthority = \"{url}\"\n\
             arm_scope = \"https://management.core.windows.net//.default\"\n\
             graph_scope = \"https://graph.microsoft.com/.default\"\n[sign_in]\nclient_id = \"elevate-demo\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let opened = home.path().join("browser-opened");
    let browser = scripted_browser(&home.path(), Some(&opened));

    let app = TrayApp::start_with(
        &home,
        &display,
        &bus,
        "warn,elevate::tray=info",
        &[],
        &[("BROWSER", browser.as_path())],
    );
    let pid = app.child.id();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // Signed out: said plainly, with "Sign in…", and no browser opened unasked.
    let menu = wait_for_menu(&conn, pid, "Sign in…", |m| m.find("Sign in…").is_some()).await;
    let labels = menu.labels();
    assert!(labels.iter().any(|l| l == "Not signed in"), "{labels:#?}");
    wait_for_icon(&conn, pid, "signed-out").await;
    assert!(
        !labels.iter().any(|l| l.contains("elevate login")),
        "the tray must not send its user to the command line: {labels:#?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!opened.exists(), "the browser was opened unasked");

    // "Sign in…": the browser flow, then the tenant's roles in the menu.
    let id = menu
        .find("Sign in…")
        .map(|i| i.id)
        .unwrap_or_else(|| panic!("no Sign in…"));
    click(&conn, pid, id).await;
    let menu = wait_for_menu(&conn, pid, "the account and roles", |m| {
        m.find("Entra roles").is_some()
            && m.all()
                .iter()
                .any(|i| i.label.contains("ada@contoso.example"))
    })
    .await;
    assert!(opened.exists(), "signed in without the browser?");
    assert!(menu.find("Sign out").is_some(), "{:#?}", menu.labels());
    drop(app);
    drop(display);
}

/// Serves `files` (path → body) over HTTP/1.1 on loopback; returns the base URL.
async fn serve_files(files: HashMap<String, Vec<u8>>) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let files = std::sync::Arc::new(files);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let files = files.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let path = text.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = match files.get(path) {
                    Some(body) => ("200 OK", body.clone()),
                    None => ("404 Not Found", Vec::new()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });
    base
}

/// A minisign signature as `tauri signer sign --app-version` writes it (base64 of the `.sig` text).
fn tauri_signature(pair: &minisign::KeyPair, bytes: &[u8], file: &str, version: &str) -> String {
    use base64::Engine as _;
    let comment = format!("timestamp:1764670000\tfile:{file}\tversion:{version}");
    let signature = minisign::sign(
        Some(&pair.pk),
        &pair.sk,
        std::io::Cursor::new(bytes),
        Some(&comment),
        Some("signature from tauri secret key"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    base64::engine::general_purpose::STANDARD.encode(signature.into_string())
}

/// The tray reads a signed feed on loopback at start: a newer version becomes "Update to 0.2.0…",
/// which opens the release page (Linux, not installed from the apt repository); a tampered feed is
/// refused and said so, with no update offered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_feed_on_loopback_offers_the_update_and_a_tampered_one_is_refused() {
    use base64::Engine as _;
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap_or_else(|e| panic!("{e}"));
    let public_key = base64::engine::general_purpose::STANDARD.encode(
        pair.pk
            .to_box()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_string(),
    );
    let release_page = "https://127.0.0.1:9/releases/v99.0.0";
    let feed = serde_json::json!({
        "version": "99.0.0",
        "notes": "A test release",
        "app": "elevate",
        "channel": "stable",
        "release_page": release_page,
        "platforms": {
            "linux-x86_64": {
                "url": "https://127.0.0.1:9/elevate_99.0.0_amd64.deb",
                "signature": tauri_signature(&pair, b"deb", "elevate_99.0.0_amd64.deb", "99.0.0"),
            },
        },
    })
    .to_string()
    .into_bytes();
    let signature = tauri_signature(&pair, &feed, "latest.json", "99.0.0").into_bytes();
    let mut tampered = feed.clone();
    tampered.extend_from_slice(b"\n");
    let base = serve_files(HashMap::from([
        ("/good/latest.json".to_owned(), feed),
        ("/good/latest.json.sig".to_owned(), signature.clone()),
        ("/bad/latest.json".to_owned(), tampered),
        ("/bad/latest.json.sig".to_owned(), signature),
    ]))
    .await;

    for (channel_dir, good) in [("good", true), ("bad", false)] {
        let display = Display::start();
        let bus = Bus::start();
        let home = Home::new();
        std::fs::write(
            home.path().join("config.toml"),
            format!(
                "[updates]\nurl = \"{base}/{channel_dir}/latest.json\"\npublic_key = \"{public_key}\"\n"
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let opened = home.path().join("browser-opened");
        let browser = scripted_browser(&home.path(), Some(&opened));
        let app = TrayApp::start_with(
            &home,
            &display,
            &bus,
            "warn,elevate::updates=debug",
            &["--demo"],
            &[("BROWSER", browser.as_path())],
        );
        let pid = app.child.id();
        let conn = zbus::connection::Builder::address(bus.address.as_str())
            .build()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if good {
            let menu = wait_for_menu(&conn, pid, "Update to 99.0.0…", |m| {
                m.find("Update to 99.0.0…").is_some()
            })
            .await;
            let id = menu
                .find("Update to 99.0.0…")
                .map(|i| i.id)
                .unwrap_or_else(|| panic!("no update item"));
            click(&conn, pid, id).await;
            let started = Instant::now();
            while !opened.exists() && started.elapsed() < Duration::from_secs(20) {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            assert!(
                opened.exists(),
                "the release page was not opened: {}",
                app.log_text()
            );
        } else {
            let menu = wait_for_menu(&conn, pid, "the refusal", |m| {
                m.labels()
                    .iter()
                    .any(|l| l.contains("signature does not match"))
            })
            .await;
            assert!(
                !menu.labels().iter().any(|l| l.starts_with("Update to")),
                "{:#?}",
                menu.labels()
            );
            assert!(!opened.exists());
        }
        drop(app);
        drop(display);
    }
}
