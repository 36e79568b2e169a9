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

/// `watch --json` says who decided and why (the approval's reviewed stage) and who removed a grant
/// and why (an administrator's removal request), on stdout and in the notifications; the denied
/// notification offers no button without a window (Request again opens the window's form).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_and_removals_name_who_and_why() {
    let bus = Bus::start();
    let (_connection, shown) = serve(&bus.address).await;
    let home = Home::new();
    // Before watching (the demo's simulator lives in one process at a time).
    let out = home
        .run(&[
            "--demo",
            "--json",
            "activate",
            "Owner@Contoso Production",
            "--for",
            "1h",
            "--reason",
            "hotfix 4.2.1",
            "--ticket",
            "ServiceNow:INC42",
        ])
        .ok()
        .json();
    assert_eq!(out[0]["outcome"], "pending-approval", "{out:#}");
    let name = out[0]["request"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("{out:#}"))
        .to_owned();
    home.run(&[
        "--demo",
        "activate",
        "Contributor@Contoso Development",
        "--for",
        "1h",
        "--reason",
        "deploy",
    ])
    .ok();
    let mut child = home
        .command()
        .args(["--demo", "--json", "watch"])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let out = lines(&mut child);
    let started = next_matching(&out, "start line", |v| v["event"] == "watching");
    let sim = started["simulator"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}"))
        .to_owned();
    let http = reqwest::Client::new();
    let send = |method: reqwest::Method, url: String, token: Option<String>, body: Value| {
        let mut request = http.request(method, url).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            assert!(status.is_success(), "{status}: {text}");
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)
        }
    };
    let control = |path: &str, body: Value| {
        send(
            reqwest::Method::POST,
            format!("{sim}/_sim/{path}"),
            None,
            body,
        )
    };
    // Let the watcher see the request pending and the grant active first.
    tokio::time::sleep(Duration::from_secs(2)).await;
    control(
        &format!("requests/{name}/approve"),
        serde_json::json!({"justification": "CHG42 is <b>approved</b>"}),
    )
    .await;
    let approved = next_matching(&out, "the approval", |v| v["event"] == "approved");
    assert_eq!(
        approved["request"]["decision"]["by"], "Grace Hopper",
        "{approved}"
    );
    assert_eq!(
        approved["request"]["decision"]["reason"], "CHG42 is <b>approved</b>",
        "{approved}"
    );
    let notice = wait_for_notification(&shown, "Owner approved by Grace Hopper").await;
    assert!(
        notice.body.contains("CHG42 is <b>approved</b>"),
        "a server without body-markup gets the text as it is: {notice:?}"
    );

    // An administrator removes an active grant through PIM.
    control(
        "revoke",
        serde_json::json!({
            "role_definition_id": "b24988ac-6180-42a0-ab88-20f7382dd24c",
            "scope": "/subscriptions/7a2b3c4d-5e6f-4071-9b82-a3c4d5e6f708",
            "requestor_id": "grace@contoso.example",
            "justification": "Access review: not needed"
        }),
    )
    .await;
    let revoked = next_matching(&out, "the revoke", |v| v["event"] == "revoked");
    assert_eq!(revoked["removal"]["by"], "Grace Hopper", "{revoked}");
    assert_eq!(revoked["removal"]["reason"], "Access review: not needed");
    let notice = wait_for_notification(&shown, "Contributor was removed by Grace Hopper").await;
    assert!(
        notice.body.contains("Contributor on Contoso Development was removed by Grace Hopper: \"Access review: not needed\""),
        "{notice:?}"
    );

    // Denied, by the approver named, on a request made with another tool (straight to ARM).
    control("clock", serde_json::json!({"advance": "PT2H"})).await;
    let token = control("token", serde_json::json!({})).await["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token"))
        .to_owned();
    let scope = elevate_sim::demo::SCOPE_PRODUCTION;
    // A new name, as another tool chooses one (any GUID; this one from the clock).
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let guid = format!("00000000-0000-4000-8000-{:012x}", millis % (1 << 48));
    let request = format!(
        "{sim}{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{guid}?api-version=2020-10-01"
    );
    let created = send(
        reqwest::Method::PUT,
        request,
        Some(token),
        serde_json::json!({"properties": {
            "principalId": elevate_sim::demo::DEMO_USER_OID,
            "roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{}", elevate_sim::demo::ROLE_OWNER),
            "requestType": "SelfActivate",
            "justification": "hotfix 4.2.2",
            "ticketInfo": {"ticketNumber": "INC43", "ticketSystem": "ServiceNow"},
            "scheduleInfo": {"expiration": {"type": "AfterDuration", "duration": "PT1H"}}
        }}),
    )
    .await;
    assert_eq!(
        created["properties"]["status"], "PendingApproval",
        "{created}"
    );
    let name = created["name"].as_str().unwrap_or_default().to_owned();
    // Any change through the control API makes the demo's watcher read everything at once.
    control("clock", serde_json::json!({"advance": "PT1S"})).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    control(
        &format!("requests/{name}/deny"),
        serde_json::json!({"justification": "Use the staging slot", "reviewer": "grace@contoso.example"}),
    )
    .await;
    let denied = next_matching(&out, "the denial", |v| v["event"] == "denied");
    assert_eq!(
        denied["request"]["decision"]["by"], "Grace Hopper",
        "{denied}"
    );
    assert_eq!(
        denied["request"]["decision"]["reason"],
        "Use the staging slot"
    );
    assert_eq!(denied["request"]["justification"], "hotfix 4.2.2");
    let notice = wait_for_notification(&shown, "Owner denied by Grace Hopper").await;
    assert!(
        notice.body.contains("\"Use the staging slot\""),
        "{notice:?}"
    );
    assert!(
        notice.actions.is_empty(),
        "no window, no Request again: {notice:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
}
