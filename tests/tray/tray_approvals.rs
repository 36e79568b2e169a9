//! An approver decides from the desktop: the real `elevate-tray --demo --window` under tauri-driver +
//! WebKitWebDriver on a private Xvfb and D-Bus session, with a recording notification server (the one
//! stand-in). The demo tenant starts with three of Grace Hopper's requests waiting for Ada, one per
//! source. Each pops up as a notification with Approve… / Deny… / Details; invoking one (the
//! ActionInvoked signal) opens the small always-on-top pop-up on that request with nothing chosen
//! and nothing that sends focused; for a second after it opens or moves, a verdict, a reason and
//! Ctrl+Enter do nothing. Checked in the simulator: the ARM request approved with the reason, the
//! Entra request denied (and not by the early submit), and a request another approver decided
//! first shown as such.

use std::time::{Duration, Instant};

use elevate_e2e::notifications::{
    Fake, Shown, serve, wait_for_notification, wait_for_notification_with,
};
use elevate_e2e::webdriver::WindowedApp;
use elevate_e2e::{Bus, Display, Home};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use zbus::object_server::InterfaceRef;

const GRACE: &str = "6ace0000-1906-4b1d-8c2e-0000000c0b01";

/// Clicks `action` on `popup` until the decision pop-up shows `title` (the app subscribes to the
/// notification's actions just after showing it, so the first signal may come too early).
async fn click_until_popup(
    app: &WindowedApp,
    iface: &InterfaceRef<Fake>,
    popup: &Shown,
    action: &str,
    title: &str,
) {
    let started = Instant::now();
    loop {
        Fake::action_invoked(iface.signal_emitter(), popup.id, action)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tokio::time::sleep(Duration::from_millis(700)).await;
        if switch_to_popup(&app.client).await
            && let Ok(element) = app.client.find(Locator::Css("#title")).await
            && element.text().await.unwrap_or_default().contains(title)
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "no pop-up on {title}; log:\n{}",
            app.log_text()
        );
    }
}

/// Makes the decision pop-up the WebDriver's current window; false while there is none.
async fn switch_to_popup(client: &Client) -> bool {
    let Ok(handles) = client.windows().await else {
        return false;
    };
    for handle in handles {
        if client.switch_to_window(handle).await.is_ok()
            && client.find(Locator::Css("#decision")).await.is_ok()
        {
            return true;
        }
    }
    false
}

/// The pop-up opened with no verdict chosen and nothing that sends focused.
async fn nothing_is_chosen(app: &WindowedApp) {
    for id in ["#verdict-approve", "#verdict-deny"] {
        assert_eq!(
            app.attr(id, "aria-checked").await.as_deref(),
            Some("false"),
            "{id}"
        );
    }
    let focused = app
        .client
        .execute(
            "return document.activeElement ? document.activeElement.id : '';",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let focused = focused.as_str().unwrap_or_default();
    assert!(
        !["reason", "submit", "verdict-approve", "verdict-deny"].contains(&focused),
        "the pop-up focused {focused:?}"
    );
}

/// Waits until the pop-up takes submits (a second after it showed the request).
async fn wait_until_armed(app: &WindowedApp) {
    let started = Instant::now();
    while app.attr("form", "data-armed").await.as_deref() != Some("true") {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the pop-up never armed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// In the pop-up page: waits until it shows `title` (not armed yet), then at once chooses Deny,
/// types a reason and, a moment later (the page has re-rendered with both), submits by Ctrl+Enter
/// and by the form itself, if the page is still unarmed: `tried`, else `late`.
const EARLY_SUBMIT: &str = r#"
const title = arguments[0];
const done = arguments[arguments.length - 1];
const started = Date.now();
const tick = () => {
  const t = document.querySelector('#title');
  const f = document.querySelector('form');
  if (t && f && t.textContent.includes(title) && f.dataset.armed === 'false') {
    document.querySelector('#verdict-deny').click();
    const r = document.querySelector('#reason');
    r.value = 'typed for another window';
    r.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => {
      if (f.dataset.armed !== 'false') return done('late');
      r.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
      f.requestSubmit();
      done('tried');
    }, 60);
    return;
  }
  if (Date.now() - started > 25000) return done('timeout');
  setTimeout(tick, 5);
};
tick();
"#;

/// Moves the open pop-up to `title` with `action` on `popup` and, within its first second,
/// chooses Deny, types a reason and submits: nothing may be sent. Leaves Deny chosen and the
/// reason empty.
async fn early_submits_are_ignored(
    app: &WindowedApp,
    iface: &InterfaceRef<Fake>,
    popup: &Shown,
    action: &str,
    title: &str,
    sim: &str,
) {
    assert!(switch_to_popup(&app.client).await, "no pop-up open");
    let script = app.client.execute_async(EARLY_SUBMIT, vec![json!(title)]);
    tokio::pin!(script);
    // The app subscribes to the notification's actions just after showing it: say it again until
    // the pop-up moves.
    let answer = loop {
        tokio::select! {
            answer = &mut script => break answer.unwrap_or_else(|e| panic!("{e}")),
            () = async {
                let _sent = Fake::action_invoked(iface.signal_emitter(), popup.id, action).await;
                tokio::time::sleep(Duration::from_millis(700)).await;
            } => {}
        }
    };
    assert_eq!(answer, json!("tried"), "log:\n{}", app.log_text());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let outcome = match app.client.find(Locator::Css("#outcome")).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    assert!(outcome.is_empty(), "an early submit was taken: {outcome}");
    let requests = sim_requests(sim).await;
    assert!(
        !requests
            .iter()
            .any(|r| is_graces(r) && status(r) == "Denied"),
        "an early submit denied a request: {requests:?}"
    );
    app.client
        .execute(
            "const r = document.querySelector('#reason'); r.value = '';\
             r.dispatchEvent(new Event('input', { bubbles: true })); return true;",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Approves the request in the pop-up with `reason`, unless the pop-up says it no longer waits
/// (`#gone`) before or while this runs: the form may vanish between any two steps, so nothing
/// here insists on an element.
async fn approve_unless_gone(client: &Client, reason: &str) {
    let started = Instant::now();
    while client.find(Locator::Css("#gone")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the pop-up neither took the approval nor said the request was gone"
        );
        let armed = client
            .find(Locator::Css("form[data-armed='true']"))
            .await
            .is_ok();
        if let (true, Ok(verdict), Ok(field), Ok(submit)) = (
            armed,
            client.find(Locator::Css("#verdict-approve")).await,
            client.find(Locator::Css("#reason")).await,
            client.find(Locator::Css("#submit")).await,
        ) && verdict.click().await.is_ok()
            && field.send_keys(reason).await.is_ok()
            && submit.click().await.is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn fill_reason_and_send(client: &Client, reason: &str, with_keyboard: bool) {
    let field = client
        .find(Locator::Css("#reason"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let submit = client
        .find(Locator::Css("#submit"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !submit.is_enabled().await.unwrap_or(true),
        "the decision must wait for a reason"
    );
    field
        .send_keys(reason)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    if with_keyboard {
        // Ctrl+Enter in the reason sends the decision.
        field
            .send_keys("\u{E009}\u{E007}\u{E009}")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    } else {
        submit.click().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The simulator's requests (its control API: Azure's side, not the app's).
async fn sim_requests(sim: &str) -> Vec<Value> {
    let list: Value = reqwest::get(format!("{sim}/_sim/requests"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    list.as_array().cloned().unwrap_or_default()
}

fn is_graces(request: &Value) -> bool {
    request["properties"]["principalId"] == GRACE || request["principalId"] == GRACE
}

fn status(request: &Value) -> String {
    request["properties"]["status"]
        .as_str()
        .or_else(|| request["status"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_deny_and_a_conflict_from_the_approver_pop_up() {
    let display = Display::start();
    let bus = Bus::start();
    let (connection, shown) = serve(&bus.address).await;
    let home = Home::new();
    // Every decision needs its own sign-in: the demo's headless browser signs in again
    // (prompt=login, max_age=0) before each one, which the tray says in a sign-in notification.
    std::fs::write(
        home.path().join("config.toml"),
        "[approvals]\nfresh_sign_in_minutes = 0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let app = WindowedApp::start(&home, &display, &bus, "warn,elevate=info").await;
    let iface = connection
        .object_server()
        .interface::<_, Fake>("/org/freedesktop/Notifications")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sim = app.simulator_url().await;

    // The ARM request (Owner at Contoso Production; the group's "owner" request has the same title)
    // pops up with the three actions.
    let owner =
        wait_for_notification_with(&shown, "Grace Hopper asks for Owner", "Contoso Production")
            .await;
    assert_eq!(owner.app, "Elevate");
    for action in ["approve", "deny", "details"] {
        assert!(
            owner.actions.iter().any(|a| a == action),
            "no {action}: {:?}",
            owner.actions
        );
    }
    let pending = sim_requests(&sim).await;
    let arm = pending
        .iter()
        .find(|r| is_graces(r) && r["properties"]["status"] == "PendingApproval")
        .unwrap_or_else(|| panic!("no ARM request from Grace: {pending:?}"))
        .clone();
    let approval_id = arm["properties"]["approvalId"]
        .as_str()
        .unwrap_or_else(|| panic!("no approvalId: {arm}"))
        .to_owned();

    // Approve… opens the pop-up with nothing chosen; Approve is clicked, the reason typed and
    // Ctrl+Enter sends it.
    click_until_popup(
        &app,
        &iface,
        &owner,
        "approve",
        "Grace Hopper asks for Owner",
    )
    .await;
    let client = &app.client;
    app.wait_text("#scope", |t| t.contains("Contoso Production"))
        .await;
    app.wait_text("#justification", |t| !t.is_empty()).await;
    nothing_is_chosen(&app).await;
    app.click("#verdict-approve").await;
    assert_eq!(
        app.attr("#verdict-approve", "aria-checked")
            .await
            .as_deref(),
        Some("true")
    );
    wait_until_armed(&app).await;
    app.screenshot("popup-approve.png").await;
    let reason = "Change 4711 reviewed <b>ok</b>";
    fill_reason_and_send(client, reason, true).await;
    let outcome = app.wait_text("#outcome", |t| !t.ends_with("…")).await;
    assert!(outcome.starts_with("Approved"), "{outcome}");
    let signed_in_again = |shown: &[Shown]| {
        shown
            .iter()
            .filter(|n| {
                n.summary == "Elevate: sign-in"
                    && n.body
                        .contains("every approval or denial needs its own sign-in")
            })
            .count()
    };
    let count_after = |want: usize| {
        let shown = &shown;
        async move {
            let started = Instant::now();
            loop {
                let n = signed_in_again(&shown.lock().unwrap_or_else(|p| p.into_inner()));
                if n >= want || started.elapsed() > Duration::from_secs(10) {
                    return n;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(
        count_after(1).await,
        1,
        "the approval signed in again first; log:\n{}",
        app.log_text()
    );

    // Azure's side: the request left PendingApproval, and the approval stage holds Ada's reason.
    let name = arm["name"].as_str().unwrap_or_default().to_owned();
    let after = sim_requests(&sim).await;
    let decided = after
        .iter()
        .find(|r| r["name"] == name.as_str())
        .unwrap_or_else(|| panic!("the request is gone: {after:?}"));
    assert_ne!(status(decided), "PendingApproval", "{decided}");
    let token: Value = reqwest::Client::new()
        .post(format!("{sim}/_sim/token"))
        .json(&json!({}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let approval: Value = reqwest::Client::new()
        .get(format!("{sim}{approval_id}?api-version=2021-01-01-preview"))
        .bearer_auth(token["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stage = &approval["properties"]["stages"][0]["properties"];
    assert_eq!(stage["reviewResult"], "Approve", "{approval}");
    assert_eq!(stage["justification"], reason, "{approval}");

    // Deny… on the Entra request: the open pop-up moves to it with nothing chosen, and what is
    // chosen, typed and submitted within its first second is ignored.
    let admin = wait_for_notification(&shown, "Grace Hopper asks for User Administrator").await;
    early_submits_are_ignored(
        &app,
        &iface,
        &admin,
        "deny",
        "Grace Hopper asks for User Administrator",
        &sim,
    )
    .await;
    // Deny stays as the early script chose it; now, a second on, it counts.
    assert_eq!(
        app.attr("#verdict-deny", "aria-checked").await.as_deref(),
        Some("true")
    );
    wait_until_armed(&app).await;
    fill_reason_and_send(client, "Not during the change freeze", false).await;
    let outcome = app.wait_text("#outcome", |t| !t.ends_with("…")).await;
    assert!(outcome.starts_with("Denied"), "{outcome}");
    assert_eq!(
        count_after(2).await,
        2,
        "the denial signed in again too (and the early submit did not)"
    );
    let after = sim_requests(&sim).await;
    assert!(
        after.iter().any(|r| is_graces(r) && status(r) == "Denied"),
        "no denied Entra request: {after:?}"
    );

    // The group request: Details, then another approver decides first. Elevate says so; no error.
    let group = shown
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|n| {
            n.summary.starts_with("Grace Hopper asks for") && n.id != owner.id && n.id != admin.id
        })
        .cloned()
        .unwrap_or_else(|| panic!("no third pop-up"));
    click_until_popup(&app, &iface, &group, "details", &group.summary).await;
    nothing_is_chosen(&app).await;
    let waiting = sim_requests(&sim).await;
    let other = waiting
        .iter()
        .find(|r| is_graces(r) && status(r) == "PendingApproval")
        .unwrap_or_else(|| panic!("no group request waiting: {waiting:?}"));
    let id = other["id"].as_str().unwrap_or_default();
    let decided_elsewhere = reqwest::Client::new()
        .post(format!("{sim}/_sim/requests/{id}/approve"))
        .json(&json!({"justification": "Approved by a colleague"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        decided_elsewhere.status().is_success(),
        "{}",
        decided_elsewhere.status()
    );
    // The watcher may see it decided at any moment (the pop-up then says so, with no form);
    // until then the approval is sent and Azure answers with the conflict.
    approve_unless_gone(client, "Looks fine").await;
    // Either Azure's conflict answer, or the app's fresh snapshot no longer listing it: both said as
    // "someone else decided", neither as an error.
    let started = Instant::now();
    loop {
        let outcome = match client.find(Locator::Css("#outcome, #gone")).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if outcome.contains("omeone else decided") {
            break;
        }
        assert!(
            !outcome.starts_with("Approved") && !outcome.contains("could not"),
            "{outcome}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the conflict was not shown: {outcome:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The pop-up may call only what it needs (its own capability): reading the snapshot works;
    // settings, signing out and activating are refused by Tauri before they run.
    let answers = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const call = (c, a) => window.__TAURI_INTERNALS__.invoke(c, a || {})\
               .then(() => 'ok', (e) => 'refused: ' + String(e));\
             Promise.all([call('snapshot'), call('settings'), call('sign_out'),\
               call('activate', { form: {} })]).then(done);",
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let answers: Vec<String> = answers
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(answers.len(), 4, "{answers:?}");
    assert_eq!(answers[0], "ok", "{answers:?}");
    for refused in &answers[1..] {
        assert!(refused.contains("not allowed"), "{answers:?}");
    }

    // Escape closes the pop-up (its web view is destroyed), and the main window stays. The window
    // goes away while WebDriver is still answering the key press, so that answer may be an error.
    let focused = client
        .active_element()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _closing = focused.send_keys("\u{E00C}").await;
    let started = Instant::now();
    while client.windows().await.map(|w| w.len()).unwrap_or(0) != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the pop-up did not close"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    drop(display);
}
