//! Feeds signed here with throw-away keys, checked directly and served on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

struct Signer {
    pair: minisign::KeyPair,
}

impl Signer {
    fn new() -> Self {
        Signer {
            pair: minisign::KeyPair::generate_unencrypted_keypair().unwrap(),
        }
    }

    /// The key as the Tauri CLI prints it: base64 of the `.pub` file's text.
    fn tauri_public_key(&self) -> String {
        STANDARD.encode(self.pair.pk.to_box().unwrap().into_string())
    }

    fn key(&self) -> TrustedKey {
        TrustedKey::parse(&self.tauri_public_key()).unwrap()
    }

    /// A signature as `tauri signer sign --app-version` writes it: base64 of the `.sig` text,
    /// `file:` and `version:` in the trusted comment.
    fn sign_version(&self, bytes: &[u8], file: &str, version: &str) -> String {
        let comment = format!("timestamp:1764670000\tfile:{file}\tversion:{version}");
        let sig = minisign::sign(
            Some(&self.pair.pk),
            &self.pair.sk,
            Cursor::new(bytes),
            Some(&comment),
            Some("signature from tauri secret key"),
        )
        .unwrap();
        STANDARD.encode(sig.into_string())
    }

    /// A feed's signature (its version read from it).
    fn sign(&self, feed: &[u8], file: &str) -> String {
        let version = serde_json::from_slice::<serde_json::Value>(feed)
            .ok()
            .and_then(|v| v["version"].as_str().map(str::to_owned))
            .unwrap_or_default();
        self.sign_version(feed, file, &version)
    }
}

const PLATFORM: &str = "linux-x86_64";
const FILE_URL: &str = "https://example.invalid/releases/v0.2.0/elevate_0.2.0_amd64.deb";

fn feed_json(signer: &Signer, version: &str, app: &str, channel: &str) -> Vec<u8> {
    serde_json::json!({
        "version": version,
        "notes": "Fixes <b>things</b>",
        "pub_date": "2026-12-01T10:00:00Z",
        "app": app,
        "channel": channel,
        "release_page": "https://example.invalid/releases/v0.2.0",
        "platforms": {
            PLATFORM: { "url": FILE_URL, "signature": signer.sign_version(b"the package", "elevate_0.2.0_amd64.deb", "0.2.0") },
        },
    })
    .to_string()
    .into_bytes()
}

fn v(text: &str) -> semver::Version {
    parse_version(text).unwrap()
}

#[test]
fn a_newer_signed_feed_offers_the_update() {
    let signer = Signer::new();
    let feed = feed_json(&signer, "0.2.0", "elevate", "stable");
    let sig = signer.sign(&feed, "latest.json");
    let checked = check_feed(&feed, &sig, &signer.key(), "stable", &v("0.1.0"), PLATFORM).unwrap();
    let Checked::Available(update) = checked else {
        panic!("expected an update, got {checked:?}");
    };
    assert_eq!(update.menu_label(), "Update to 0.2.0…");
    assert_eq!(update.file.url, FILE_URL);
    assert_eq!(
        update.release_page.as_ref().unwrap().as_str(),
        "https://example.invalid/releases/v0.2.0"
    );
    assert!(linux_notice(&update, true).contains("system's updates"));
    assert!(linux_notice(&update, false).contains("release page"));
    // The same version is no update.
    let feed = feed_json(&signer, "v0.1.0", "Elevate", "Stable");
    let sig = signer.sign(&feed, "latest.json");
    assert_eq!(
        check_feed(&feed, &sig, &signer.key(), "stable", &v("0.1.0"), PLATFORM).unwrap(),
        Checked::UpToDate
    );
}

#[test]
fn the_installer_installs_only_the_release_the_verified_feed_offered() {
    let signer = Signer::new();
    let feed = feed_json(&signer, "0.2.0", "elevate", "stable");
    let sig = signer.sign(&feed, "latest.json");
    let Checked::Available(update) =
        check_feed(&feed, &sig, &signer.key(), "stable", &v("0.1.0"), PLATFORM).unwrap()
    else {
        panic!("expected an update");
    };
    let url = Url::parse(FILE_URL).unwrap();
    let file_sig = update.file.signature.clone();
    same_release(&update, "0.2.0", &url, &format!("{file_sig}\n")).unwrap();
    assert_eq!(
        same_release(&update, "0.3.0", &url, &file_sig).unwrap_err(),
        UpdateError::Changed("version")
    );
    let elsewhere = Url::parse("https://example.invalid/releases/v0.2.0/other.deb").unwrap();
    assert_eq!(
        same_release(&update, "0.2.0", &elsewhere, &file_sig).unwrap_err(),
        UpdateError::Changed("file URL")
    );
    let other_sig = signer.sign_version(b"other bytes", "elevate_0.2.0_amd64.deb", "0.2.0");
    assert_eq!(
        same_release(&update, "0.2.0", &url, &other_sig).unwrap_err(),
        UpdateError::Changed("file signature")
    );
    let notice = install_failed_notice(&update, "the download failed");
    assert!(notice.contains("0.2.0") && notice.contains("the download failed"));
    assert!(notice.contains("opening the release page"), "{notice}");
}

#[test]
fn tampered_feeds_and_other_keys_are_refused_before_reading() {
    let signer = Signer::new();
    let other = Signer::new();
    let feed = feed_json(&signer, "0.2.0", "elevate", "stable");
    let sig = signer.sign(&feed, "latest.json");
    let refused = |feed: &[u8], sig: &str, key: &TrustedKey| {
        check_feed(feed, sig, key, "stable", &v("0.1.0"), PLATFORM).unwrap_err()
    };
    // One byte changed in the feed.
    let mut tampered = feed.clone();
    let at = tampered.iter().position(|&b| b == b'2').unwrap();
    tampered[at] = b'9';
    let expected = UpdateError::BadSignature("update feed".into());
    assert_eq!(refused(&tampered, &sig, &signer.key()), expected);
    // Signed with another key, or checked against another key.
    assert_eq!(
        refused(&feed, &other.sign(&feed, "latest.json"), &signer.key()),
        expected
    );
    assert_eq!(refused(&feed, &sig, &other.key()), expected);
    // A signature whose bytes were changed, and garbage, and nothing.
    let mut sig_text = String::from_utf8(STANDARD.decode(&sig).unwrap()).unwrap();
    let line: Vec<&str> = sig_text.lines().collect();
    let mut bad_line = line[1].as_bytes().to_vec();
    bad_line[20] = if bad_line[20] == b'A' { b'B' } else { b'A' };
    sig_text = sig_text.replace(line[1], std::str::from_utf8(&bad_line).unwrap());
    assert_eq!(refused(&feed, &sig_text, &signer.key()), expected);
    assert_eq!(refused(&feed, "not a signature", &signer.key()), expected);
    assert_eq!(refused(&feed, "", &signer.key()), expected);
    // Even unreadable JSON is reported as a bad signature when unsigned: the signature comes first.
    assert_eq!(refused(b"{", &sig, &signer.key()), expected);
    let message = expected.to_string();
    assert!(
        message.contains("does not match") && message.contains("refused"),
        "{message}"
    );
}

#[test]
fn other_apps_channels_and_downgrades_are_refused() {
    let signer = Signer::new();
    let check = |version: &str, app: &str, channel: &str| {
        let feed = feed_json(&signer, version, app, channel);
        let sig = signer.sign(&feed, "latest.json");
        check_feed(&feed, &sig, &signer.key(), "stable", &v("0.3.0"), PLATFORM)
    };
    assert_eq!(
        check("0.4.0", "other-tool", "stable").unwrap_err(),
        UpdateError::OtherApp("other-tool".into())
    );
    assert!(matches!(
        check("0.4.0", "elevate", "beta").unwrap_err(),
        UpdateError::OtherChannel { .. }
    ));
    let downgrade = check("0.2.9", "elevate", "stable").unwrap_err();
    assert_eq!(
        downgrade,
        UpdateError::Downgrade {
            offered: "0.2.9".into(),
            current: "0.3.0".into()
        }
    );
    assert!(downgrade.to_string().contains("older than this Elevate"));
    assert!(matches!(
        check("next", "elevate", "stable").unwrap_err(),
        UpdateError::Malformed(_)
    ));
    // Nothing for this platform.
    let feed = feed_json(&signer, "0.4.0", "elevate", "stable");
    let sig = signer.sign(&feed, "latest.json");
    assert_eq!(
        check_feed(
            &feed,
            &sig,
            &signer.key(),
            "stable",
            &v("0.3.0"),
            "windows-x86_64"
        )
        .unwrap_err(),
        UpdateError::NoPlatform("windows-x86_64".into())
    );
}

#[test]
fn files_are_verified_against_their_signature_name_and_version() {
    let signer = Signer::new();
    let update = |signature: String| Update {
        version: v("0.2.0"),
        notes: None,
        pub_date: None,
        release_page: None,
        file: PlatformFile {
            url: FILE_URL.into(),
            signature,
        },
    };
    let good = update(signer.sign_version(b"the package", "elevate_0.2.0_amd64.deb", "0.2.0"));
    verify_file(b"the package", &good, &signer.key()).unwrap();
    assert_eq!(
        verify_file(b"the packagf", &good, &signer.key()).unwrap_err(),
        UpdateError::BadSignature("update file".into())
    );
    assert_eq!(
        verify_file(b"the package", &good, &Signer::new().key()).unwrap_err(),
        UpdateError::BadSignature("update file".into())
    );
    let renamed =
        update(signer.sign_version(b"the package", "other-tool_0.2.0_amd64.deb", "0.2.0"));
    assert!(matches!(
        verify_file(b"the package", &renamed, &signer.key()).unwrap_err(),
        UpdateError::NotSignedFor { .. }
    ));
    let old = update(signer.sign_version(b"the package", "elevate_0.2.0_amd64.deb", "0.1.0"));
    assert!(matches!(
        verify_file(b"the package", &old, &signer.key()).unwrap_err(),
        UpdateError::NotSignedFor { .. }
    ));
}

#[test]
fn a_feed_signed_for_another_version_is_refused() {
    let signer = Signer::new();
    let feed = feed_json(&signer, "0.9.0", "elevate", "stable");
    let sig = signer.sign_version(&feed, "latest.json", "0.1.5");
    assert!(matches!(
        check_feed(&feed, &sig, &signer.key(), "stable", &v("0.1.0"), PLATFORM).unwrap_err(),
        UpdateError::NotSignedFor { .. }
    ));
}

#[test]
fn keys_are_read_in_each_form_and_garbage_is_a_clear_error() {
    let signer = Signer::new();
    let pub_text = signer.pair.pk.to_box().unwrap().into_string();
    let key_line = pub_text.lines().nth(1).unwrap();
    // Whichever form it came in, the key goes to tauri-plugin-updater as the base64 of a `.pub`
    // text with the same key line, which reads back as a key that verifies the same signatures.
    let signed = signer.sign_version(b"bytes", "f", "0.2.0");
    for form in [pub_text.as_str(), key_line, &signer.tauri_public_key()] {
        let tauri_form = TrustedKey::parse(form).unwrap().tauri_form();
        let decoded = String::from_utf8(STANDARD.decode(&tauri_form).unwrap()).unwrap();
        assert!(decoded.starts_with("untrusted comment:"), "{decoded}");
        assert_eq!(decoded.lines().nth(1), Some(key_line));
        let again = TrustedKey::parse(&tauri_form).unwrap();
        again.verify(b"bytes", &signed, "file").unwrap();
        again.verify(b"other", &signed, "file").unwrap_err();
    }
    assert_eq!(TrustedKey::parse("hello").unwrap_err(), UpdateError::BadKey);
    let file = elevate_core::config::UpdatesFile {
        url: Some("http://example.com/latest.json".into()),
        public_key: Some(signer.tauri_public_key()),
        ..Default::default()
    };
    // Clear text to another host is refused; loopback is fine; no URL or no key = no checks.
    assert!(matches!(
        UpdateSettings::from_file(&file).unwrap_err(),
        UpdateError::Malformed(_)
    ));
    let file = elevate_core::config::UpdatesFile {
        url: Some("http://127.0.0.1:9/latest.json".into()),
        ..file
    };
    let settings = UpdateSettings::from_file(&file).unwrap();
    assert!(settings.enabled);
    assert_eq!(settings.channel, "stable");
    let off = elevate_core::config::UpdatesFile {
        enabled: Some(false),
        ..file.clone()
    };
    assert!(!UpdateSettings::from_file(&off).unwrap().enabled);
    if BUILT_IN_PUBLIC_KEY.is_none() {
        let keyless = elevate_core::config::UpdatesFile {
            public_key: None,
            ..file
        };
        assert!(!UpdateSettings::from_file(&keyless).unwrap().enabled);
    }
}

/// A tiny HTTP/1.1 server on loopback that serves fixed bodies by path (404 otherwise).
async fn serve(files: HashMap<String, Vec<u8>>) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    serve_on(listener, files);
    Url::parse(&format!("http://{addr}/stable/latest.json")).unwrap()
}

fn serve_on(listener: tokio::net::TcpListener, files: HashMap<String, Vec<u8>>) {
    let files = Arc::new(files);
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
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = match files.get(&path) {
                    Some(body) => ("200 OK", body.clone()),
                    None => ("404 Not Found", b"no".to_vec()),
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
}

#[tokio::test]
async fn feeds_on_loopback_are_fetched_and_checked() {
    let signer = Signer::new();
    let feed = serde_json::json!({
        "version": "0.2.0", "app": "elevate", "channel": "stable",
        "platforms": { platform_key(): { "url": FILE_URL, "signature": signer.sign_version(b"x", "elevate_0.2.0_amd64.deb", "0.2.0") } },
    })
    .to_string()
    .into_bytes();
    let sig = signer.sign(&feed, "latest.json").into_bytes();
    let mut tampered = feed.clone();
    tampered.extend_from_slice(b" ");
    let url = serve(HashMap::from([
        ("/stable/latest.json".to_owned(), feed.clone()),
        ("/stable/latest.json.sig".to_owned(), sig.clone()),
        ("/bad/latest.json".to_owned(), tampered),
        ("/bad/latest.json.sig".to_owned(), sig),
    ]))
    .await;
    let settings = |url: Url| UpdateSettings {
        url: Some(url),
        channel: "stable".into(),
        key: Some(signer.key()),
        enabled: true,
    };
    let found = check(&settings(url.clone()), &v("0.1.0")).await.unwrap();
    assert!(
        matches!(&found, Checked::Available(u) if u.version == v("0.2.0")),
        "{found:?}"
    );
    assert_eq!(
        check(
            &settings(url.join("/bad/latest.json").unwrap()),
            &v("0.1.0")
        )
        .await
        .unwrap_err(),
        UpdateError::BadSignature("update feed".into())
    );
    // A feed without its signature is refused, not trusted.
    assert!(matches!(
        check(
            &settings(url.join("/none/latest.json").unwrap()),
            &v("0.1.0")
        )
        .await
        .unwrap_err(),
        UpdateError::Malformed(_)
    ));
    // No server: a quiet retry, sooner at first, later each time, never more than six hours.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let gone = Url::parse(&format!("http://127.0.0.1:{closed}/latest.json")).unwrap();
    let outcome = check(&settings(gone), &v("0.1.0")).await;
    assert!(
        matches!(&outcome, Err(e) if e.is_transient()),
        "{outcome:?}"
    );
    assert_eq!(next_check(&outcome, 1), Duration::from_secs(60));
    assert_eq!(next_check(&outcome, 3), Duration::from_secs(240));
    assert_eq!(next_check(&outcome, 30), Duration::from_secs(6 * 60 * 60));
    assert_eq!(next_check(&Ok(Checked::UpToDate), 0), CHECK_EVERY);
}

/// `scripts/update-feed.sh` end to end: a throw-away key from the Tauri CLI (`signer generate`), a
/// feed and a file signed by the script, served on loopback, found and verified here; the file
/// changed, or the feed checked with another key, is refused.
#[tokio::test]
async fn the_feed_script_makes_feeds_this_verifier_accepts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let tauri_cli = root.join("scripts/tauri-cli");
    if !tauri_cli.join("node_modules/.bin/tauri").exists() {
        let npm = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&tauri_cli)
            .status()
            .expect("npm (scripts/setup.sh installs it)");
        assert!(npm.success(), "npm ci in scripts/tauri-cli failed");
    }
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("update.key");
    let generated = std::process::Command::new(tauri_cli.join("node_modules/.bin/tauri"))
        .args(["signer", "generate", "--ci", "-p", "", "-w"])
        .arg(&key_path)
        .output()
        .unwrap();
    assert!(generated.status.success(), "{generated:?}");
    let public_key = std::fs::read_to_string(dir.path().join("update.key.pub")).unwrap();
    let package = dir.path().join("elevate_0.2.0_amd64.deb");
    std::fs::write(&package, b"the real package's bytes").unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/stable", listener.local_addr().unwrap());
    let out = dir.path().join("feed");
    let made = std::process::Command::new("bash")
        .arg(root.join("scripts/update-feed.sh"))
        .arg(&out)
        .args(["0.2.0", &base])
        .arg(format!("{}={}", platform_key(), package.display()))
        .env("TAURI_SIGNING_PRIVATE_KEY_PATH", &key_path)
        .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "")
        .env("NOTES", "Signed by the script")
        .env("RELEASE_PAGE", "https://example.invalid/releases/v0.2.0")
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let mut files = HashMap::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        files.insert(
            format!("/stable/{name}"),
            std::fs::read(entry.path()).unwrap(),
        );
    }
    serve_on(listener, files);

    let settings = UpdateSettings::from_file(&elevate_core::config::UpdatesFile {
        url: Some(format!("{base}/latest.json")),
        public_key: Some(public_key.trim().to_owned()),
        ..Default::default()
    })
    .unwrap();
    assert!(settings.enabled);
    let Checked::Available(update) = check(&settings, &v("0.1.0")).await.unwrap() else {
        panic!("the script's feed offers no update");
    };
    assert_eq!(update.notes.as_deref(), Some("Signed by the script"));
    assert_eq!(update.menu_label(), "Update to 0.2.0…");
    let downloaded = reqwest::get(&update.file.url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    verify_file(&downloaded, &update, settings.key.as_ref().unwrap()).unwrap();
    let mut tampered = downloaded.to_vec();
    tampered[0] ^= 1;
    assert_eq!(
        verify_file(&tampered, &update, settings.key.as_ref().unwrap()).unwrap_err(),
        UpdateError::BadSignature("update file".into())
    );
    // The same feed is up to date for 0.2.0, a downgrade for 0.3.0, refused under another key.
    assert_eq!(
        check(&settings, &v("0.2.0")).await.unwrap(),
        Checked::UpToDate
    );
    assert!(matches!(
        check(&settings, &v("0.3.0")).await.unwrap_err(),
        UpdateError::Downgrade { .. }
    ));
    let other = UpdateSettings {
        key: Some(Signer::new().key()),
        ..settings
    };
    assert_eq!(
        check(&other, &v("0.1.0")).await.unwrap_err(),
        UpdateError::BadSignature("update feed".into())
    );
}
