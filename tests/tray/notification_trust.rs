//! Only the user acts, and text stays text: `elevate --demo watch` on a private D-Bus session (a
//! real `dbus-daemon`) with the recording notification server (the one stand-in: no notification
//! daemon runs headless).
//!
//! - Another program on the bus forges `ActionInvoked` (and `NotificationClosed`, and the bus
//!   daemon's `NameOwnerChanged`) for Elevate's notification: nothing is done. The genuine server
//!   invoking an action the notification did not offer, or another notification's action, does
//!   nothing either. The genuine server's click on an offered action still works.
//! - A server that advertises `body-markup` gets a requester's `<a href>` and `<b>` escaped, so it
//!   shows them as text; the CLI's approvals table keeps the request on one line despite its
//!   newlines.
//!
//! Each test records what it tried for the security summary (`elevate_e2e::tally`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use elevate_e2e::notifications::{
    Fake, serve, serve_fake, wait_for_notification, wait_for_notification_with,
};
use elevate_e2e::{Bus, Home, tally};
use serde_json::{Value, json};

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
const GRACE: &str = "6ace0000-1906-4b1d-8c2e-0000000c0b01";

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
    within: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(value) if wanted(&value) => return Some(value),
            Ok(_) => {}
            Err(_) => {
                eprintln!("no {what} within {within:?}");
                return None;
            }
        }
    }
}

/// `elevate --demo --json watch` on `bus`, its stdout lines and the embedded simulator's URL.
fn watch(home: &Home, bus: &Bus) -> (Child, std::sync::mpsc::Receiver<Value>, String) {
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
    let started = next_matching(&out, "start line", Duration::from_secs(30), |v| {
        v["event"] == "watching"
    })
    .unwrap_or_else(|| panic!("watch did not start"));
    let sim = started["simulator"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}"))
        .to_owned();
    (child, out, sim)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let stopped = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            assert!(status.success(), "watch stops cleanly: {status:?}");
            return;
        }
        if stopped.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            panic!("watch did not stop within 15 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn post(sim: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{sim}/_sim/{path}"))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

fn log(home: &Home) -> String {
    std::fs::read_to_string(home.path().join("watch.log")).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_unoffered_actions_do_nothing_and_the_servers_click_still_works() {
    let bus = Bus::start();
    let (server, shown) = serve(&bus.address).await;
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
    let (child, out, sim) = watch(&home, &bus);
    post(&sim, "clock", json!({"advance": "PT45M5S"})).await;
    let warning = wait_for_notification(&shown, "Contributor ends in 15 min").await;
    assert_eq!(
        warning.actions,
        ["extend", "Extend", "deactivate", "Deactivate"]
    );

    // Another program on the same bus: it may emit any signal, but the bus daemon stamps it with
    // its own unique name.
    let forger = zbus::connection::Builder::address(bus.address.as_str())
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let owner = server
        .unique_name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let mut forged = 0u64;
    for round in 0..5u32 {
        for action in ["deactivate", "extend", "activate-again", "approve"] {
            forger
                .emit_signal(
                    None::<()>,
                    PATH,
                    NAME,
                    "ActionInvoked",
                    &(warning.id, action),
                )
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            forged += 1;
        }
        // A forged close must not end the wait for the real click either, nor a forged change of
        // the name's owner (only the bus daemon announces those).
        forger
            .emit_signal(
                None::<()>,
                PATH,
                NAME,
                "NotificationClosed",
                &(warning.id, 2u32),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        forger
            .emit_signal(
                None::<()>,
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "NameOwnerChanged",
                &(NAME, owner.as_str(), format!(":1.{}", 900 + round)),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        forged += 2;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The genuine server, but an action this notification did not offer, or another notification's.
    let iface = server
        .object_server()
        .interface::<_, Fake>(PATH)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut unoffered = 0u64;
    for (id, action) in [
        (warning.id, "activate-again"),
        (warning.id, "approve"),
        (warning.id, "details"),
        (warning.id, ""),
        (warning.id + 1000, "deactivate"),
        (0, "extend"),
    ] {
        Fake::action_invoked(iface.signal_emitter(), id, action)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        unoffered += 1;
    }
    let acted = next_matching(&out, "action line", Duration::from_secs(4), |v| {
        v["event"] == "action"
    });
    tally(
        "notification_trust_forged",
        &[
            (
                "forged D-Bus signals",
                forged,
                u64::from(acted.is_some()),
                "acted",
            ),
            (
                "unoffered or foreign action ids from the server",
                unoffered,
                u64::from(acted.is_some()),
                "acted",
            ),
        ],
    );
    assert!(
        acted.is_none(),
        "a forged or unoffered action was carried out: {acted:?}\n{}",
        log(&home)
    );
    let ignored = log(&home)
        .matches("a notification action was ignored")
        .count();
    assert!(
        ignored >= 26,
        "each forged and foreign action is logged as ignored ({ignored}):\n{}",
        log(&home)
    );

    // The genuine server's click on an offered action: done, once, at the first signal (the client
    // listens before it shows the notification).
    Fake::action_invoked(iface.signal_emitter(), warning.id, "deactivate")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let action = next_matching(&out, "action line", Duration::from_secs(20), |v| {
        v["event"] == "action"
    })
    .unwrap_or_else(|| panic!("the server's click did nothing:\n{}", log(&home)));
    assert_eq!(action["action"], "deactivate", "{action}");
    assert_eq!(action["result"]["outcome"], "done", "{action}");
    stop(child);
}

/// A justification with a link, bold text, newlines and a terminal escape.
const HOSTILE: &str = "Hotfix <a href=\"https://evil.example/pwn\">see ticket</a>\n<b>URGENT</b> & approve\r\nREQ-999  Mallory  Owner  Root\u{1b}[2J";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requester_markup_is_text_for_a_markup_server_and_one_row_in_a_table() {
    let bus = Bus::start();
    let (_server, shown) = serve_fake(
        &bus.address,
        Fake {
            markup: true,
            ..Fake::default()
        },
    )
    .await;
    let home = Home::new();
    let (child, _out, sim) = watch(&home, &bus);
    // The demo tenant starts with Grace's Owner request waiting for Ada; it is decided, and Grace
    // asks again with a hostile justification.
    // (The group's "owner" request has the same title, and notices are shown concurrently: pick
    // the Azure one by its body.)
    let first = wait_for_notification_with(
        &shown,
        "Grace Hopper asks for Owner",
        "Hotfix for the checkout service",
    )
    .await;
    assert!(
        first.body.contains("Hotfix for the checkout service"),
        "{first:?}"
    );
    let requests: Value = reqwest::get(format!("{sim}/_sim/requests"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pending = requests
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| {
            r["properties"]["principalId"].as_str() == Some(GRACE)
                && r["properties"]["status"] == "PendingApproval"
                && r["properties"]["roleDefinitionId"]
                    .as_str()
                    .is_some_and(|d| d.ends_with("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"))
        })
        .unwrap_or_else(|| panic!("no pending Owner request of Grace's: {requests}"));
    let name = pending["name"].as_str().unwrap_or_default();
    post(&sim, &format!("requests/{name}/deny"), json!({})).await;
    let added = post(
        &sim,
        "approval-requests",
        json!({ "justification": HOSTILE }),
    )
    .await;
    assert_eq!(added["added"], 1, "{added}");

    let hostile =
        wait_for_notification_with(&shown, "Grace Hopper asks for Owner", "evil.example").await;
    let body = &hostile.body;
    assert!(
        body.contains(
            "Hotfix &lt;a href=&quot;https://evil.example/pwn&quot;&gt;see ticket&lt;/a&gt;"
        ),
        "{body}"
    );
    assert!(
        body.contains("&lt;b&gt;URGENT&lt;/b&gt; &amp; approve"),
        "{body}"
    );
    let tags = ["<a", "</a>", "<b>", "</b>"];
    let rendered = tags.iter().filter(|t| body.contains(**t)).count();
    tally(
        "notification_trust_markup",
        &[(
            "markup payloads to a body-markup server",
            tags.len() as u64,
            rendered as u64,
            "rendered as markup",
        )],
    );
    assert_eq!(rendered, 0, "markup reached the server: {body}");
    assert!(!body.contains('\u{1b}'), "{body:?}");
    // Elevate's own texts are escaped the same way: no raw `&` reaches a markup server.
    let raw_ampersands = shown
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|n| {
            n.body.match_indices('&').any(|(i, _)| {
                !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| n.body[i..].starts_with(e))
            })
        })
        .count();
    assert_eq!(raw_ampersands, 0);
    stop(child);

    // The same request in the CLI's table: one row.
    let run = home.run(&["--demo", "approvals"]).ok();
    let rows: Vec<&str> = run.stdout.lines().collect();
    let hostile_rows: Vec<&&str> = rows.iter().filter(|l| l.contains("evil.example")).collect();
    assert_eq!(hostile_rows.len(), 1, "{}", run.stdout);
    let forged_rows = rows
        .iter()
        .filter(|l| {
            l.starts_with("REQ-999")
                || l.starts_with("<b>")
                || l.trim_start().starts_with("REQ-999")
        })
        .count();
    tally(
        "notification_trust_table",
        &[(
            "row-forging justifications in CLI tables",
            1,
            u64::from(forged_rows > 0 || hostile_rows.len() != 1),
            "forged a row",
        )],
    );
    assert_eq!(forged_rows, 0, "{}", run.stdout);
    assert!(!run.stdout.contains(['\r', '\u{1b}']), "{:?}", run.stdout);
    // Header + Grace's three requests.
    assert_eq!(rows.len(), 4, "{}", run.stdout);
}

/// The notification server is replaced (another program takes `org.freedesktop.Notifications`):
/// the old notification's buttons are dead, whether the new owner or the old server invokes them,
/// and the next notification, shown by the new owner, takes its click.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_owner_of_the_notification_name_cannot_press_old_buttons() {
    let bus = Bus::start();
    let (first, first_shown) = serve(&bus.address).await;
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
    let (child, out, sim) = watch(&home, &bus);
    post(&sim, "clock", json!({"advance": "PT45M5S"})).await;
    let warning = wait_for_notification(&first_shown, "Contributor ends in 15 min").await;

    // The first server gives up the name and a second one takes it.
    first
        .release_name(NAME)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (second, second_shown) = serve(&bus.address).await;
    let old = first
        .object_server()
        .interface::<_, Fake>(PATH)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let new = second
        .object_server()
        .interface::<_, Fake>(PATH)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    for iface in [&new, &old] {
        for action in ["deactivate", "extend"] {
            Fake::action_invoked(iface.signal_emitter(), warning.id, action)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let acted = next_matching(&out, "action line", Duration::from_secs(4), |v| {
        v["event"] == "action"
    });
    tally(
        "notification_trust_owner_change",
        &[(
            "actions on a notification whose server is gone",
            4,
            u64::from(acted.is_some()),
            "acted",
        )],
    );
    assert!(
        acted.is_none(),
        "an action on a dead notification was carried out: {acted:?}\n{}",
        log(&home)
    );

    // The grant ends; the new server shows that, and its click is taken.
    post(&sim, "clock", json!({"advance": "PT15M"})).await;
    let ended = wait_for_notification(&second_shown, "Contributor has ended").await;
    assert_eq!(ended.actions, ["activate-again", "Activate again"]);
    Fake::action_invoked(new.signal_emitter(), ended.id, "activate-again")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let action = next_matching(&out, "action line", Duration::from_secs(20), |v| {
        v["event"] == "action"
    })
    .unwrap_or_else(|| panic!("the new server's click did nothing:\n{}", log(&home)));
    assert_eq!(action["action"], "activate-again", "{action}");
    assert_eq!(action["result"]["outcome"], "done", "{action}");
    stop(child);
}
