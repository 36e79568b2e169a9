//! `elevate --demo watch` end to end: a private D-Bus session (a real `dbus-daemon`), a fake
//! `org.freedesktop.Notifications` server on it that records every notification, and the
//! embedded simulator's clock moved from outside. The fake server is the one mock here: no
//! notification daemon can run headless in CI, and recording exactly what was sent is the point.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use elevate_e2e::notifications::{Fake, serve, wait_for_notification};
use elevate_e2e::{Bus, Home};
use serde_json::Value;

/// Reads `elevate watch --json` lines on a thread.
fn lines(child: &mut Child) -> std::sync::mpsc::Receiver<Value> {
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str::<Value>(&line)
                && tx.send(value).is_err()
            {
                break;
            }
        }
    });
    rx
}

fn next_matching(
    rx: &std::sync::mpsc::Receiver<Value>,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(value) if wanted(&value) => return value,
            Ok(_) => {}
            Err(e) => panic!("no {what}: {e}"),
        }
    }
}

/// Clicks `action` on notification `id` and returns the `action` line `watch` printed for it. The
/// client subscribes to ActionInvoked after its Notify call returns; a person clicks later than a
/// test does, so the click is repeated until it lands (only the first one can: the client stops
/// listening once it has its action).
async fn click(
    iface: &zbus::object_server::InterfaceRef<Fake>,
    id: u32,
    action: &str,
    out: &std::sync::mpsc::Receiver<Value>,
) -> Value {
    for _ in 0..40 {
        Fake::action_invoked(iface.signal_emitter(), id, action)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if let Ok(line) = out.recv_timeout(Duration::from_millis(500))
            && line["event"] == "action"
        {
            return line;
        }
    }
    Value::Null
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_and_revokes_arrive_as_notifications_and_their_actions_work() {
    let bus = Bus::start();
    let (connection, shown) = serve(&bus.address).await;

    let home = Home::new();
    home.run(&[
        "--demo",
        "activate",
        "Contributor@Contoso Development",
        "--for",
        "1h",
        "--reason",
        "deploy 4.2",
    ])
    .ok();
    home.run(&[
        "--demo",
        "activate",
        "Global Reader",
        "--for",
        "1h",
        "--reason",
        "audit",
    ])
    .ok();
    let mut child = home
        .command()
        .args(["--demo", "--json", "watch"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("ELEVATE_LOG", "elevate=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(home.path().join("watch.log")).unwrap_or_else(|e| panic!("{e}")),
        ))
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let out = lines(&mut child);
    let started = next_matching(&out, "start line", |v| v["event"] == "watching");
    let sim = started["simulator"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}"))
        .to_owned();
    let control = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let request = control.post(format!("{sim}/_sim/{path}")).json(&body);
        async move {
            let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
            assert!(
                response.status().is_success(),
                "{}",
                response.text().await.unwrap_or_default()
            );
        }
    };

    post("clock", serde_json::json!({"advance": "PT45M5S"})).await;
    let warning = wait_for_notification(&shown, "Contributor ends in 15 min").await;
    assert_eq!(warning.app, "Elevate");
    assert!(warning.body.contains("Contoso Development"), "{warning:?}");
    assert_eq!(
        warning.actions,
        ["extend", "Extend", "deactivate", "Deactivate"]
    );
    next_matching(&out, "the warning on stdout", |v| {
        v["event"] == "expires-soon"
    });

    // Click "Extend": the grant is extended by its previous duration, with its previous reason.
    let iface = connection
        .object_server()
        .interface::<_, Fake>("/org/freedesktop/Notifications")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let action = click(&iface, warning.id, "extend", &out).await;
    assert_eq!(
        action["action"],
        "extend",
        "{}",
        std::fs::read_to_string(home.path().join("watch.log")).unwrap_or_default()
    );
    assert_eq!(action["result"]["outcome"], "done", "{action}");
    assert_eq!(
        action["result"]["request"]["justification"], "deploy 4.2",
        "{action}"
    );
    // Azure cannot lengthen an activation: Elevate deactivated it and activated it again.
    assert!(
        action["result"]["notes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n
                .as_str()
                .is_some_and(|n| n.contains("deactivated and activated again")))),
        "{action}"
    );
    // The new activation, at a subscription, has no documented check: said as "active in Azure".
    let listed = wait_for_notification(&shown, "Contributor is active in Azure").await;
    assert!(listed.body.contains("up to an hour"), "{listed:?}");

    // Click "Deactivate" on the other warning: it ends now, and is not reported as revoked.
    let reader = wait_for_notification(&shown, "Global Reader ends in 15 min").await;
    assert_eq!(
        reader.actions,
        ["extend", "Extend", "deactivate", "Deactivate"]
    );
    let action = click(&iface, reader.id, "deactivate", &out).await;
    assert_eq!(action["action"], "deactivate", "{action}");
    assert_eq!(action["result"]["outcome"], "done", "{action}");

    // An administrator removes it: said as revoked, with "Activate again".
    post(
        "revoke",
        serde_json::json!({
            "role_definition_id": "b24988ac-6180-42a0-ab88-20f7382dd24c",
            "scope": "/subscriptions/7a2b3c4d-5e6f-4071-9b82-a3c4d5e6f708"
        }),
    )
    .await;
    let revoked = wait_for_notification(&shown, "Contributor was revoked").await;
    assert_eq!(revoked.actions, ["activate-again", "Activate again"]);

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break status;
        }
        if stopped.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            panic!("watch did not stop within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "watch stops cleanly on SIGTERM: {status:?}"
    );
    // Each event was shown once.
    let summaries: Vec<String> = shown
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|n| n.summary.clone())
        .collect();
    let warnings = summaries
        .iter()
        .filter(|s| s.as_str() == "Contributor ends in 15 min")
        .count();
    assert_eq!(warnings, 1, "{summaries:?}");
    assert!(
        !summaries.iter().any(|s| s == "Global Reader was revoked"),
        "a deactivation made from here is not a revoke: {summaries:?}"
    );
    assert!(
        !summaries.iter().any(|s| s.contains("effective")),
        "nothing here has a documented check, so nothing is called effective: {summaries:?}"
    );
}
