//! The app on Tauri's mock runtime: its commands through the real IPC path (`get_ipc_response`, the
//! capabilities applied), and the whole app as the binary builds it.

use std::time::{Duration, Instant};

use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response};
use tauri::webview::InvokeRequest;
use tauri::{Listener, Manager, WebviewWindow, WebviewWindowBuilder};
use tauri_specta::Event;

use super::*;

fn call(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        // The app's own origin on Linux.
        url: "tauri://localhost"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|b| {
        b.deserialize::<serde_json::Value>()
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fn window(app: &tauri::App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    WebviewWindowBuilder::new(app, label, Default::default())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The commands on Tauri's mock runtime, before any sign-in: the snapshot says it is loading,
/// and actions answer with an error the window can show.
#[test]
fn commands_answer_before_sign_in_with_errors_the_window_can_show() {
    let app = tauri::test::mock_builder()
        .invoke_handler(ipc::surface().invoke_handler())
        .manage(Shell::new(Launch {
            demo: true,
            window: false,
        }))
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| panic!("{e}"));
    let webview = window(&app, window::MAIN);

    let snapshot =
        call(&webview, "snapshot", serde_json::json!({})).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snapshot["account"], serde_json::Value::Null);
    assert_eq!(snapshot["demo"], true);
    assert_eq!(snapshot["loading"], true);
    assert_eq!(snapshot["roles"], serde_json::json!([]));

    let error = call(
        &webview,
        "decide",
        serde_json::json!({"id": "r1", "approve": true, "reason": "  "}),
    )
    .err()
    .unwrap_or_else(|| panic!("an empty reason must be refused"));
    assert_eq!(error["code"], "invalid");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("reason"),
        "{error}"
    );

    let error = call(&webview, "policy", serde_json::json!({"key": "x"}))
        .err()
        .unwrap_or_else(|| panic!("no session yet"));
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not signed in"),
        "{error}"
    );
}

/// Set in the child process that [`the_app_boots_on_the_mock_runtime`] starts.
const BOOT_CHILD: &str = "ELEVATE_TEST_MOCK_BOOT";

/// [`app_builder`], the function the binary runs, boots on the mock runtime in demo mode: the state
/// is managed, the setup's session task signs in to the embedded simulator, the commands answer over
/// IPC with what it read, the typed `snapshot` event is sent (so the events were mounted), and the
/// decision pop-up is refused what its capability does not grant. It runs in a child process with its
/// own Elevate folder, the update check off and no session bus (nothing of the user's is touched,
/// and a running Elevate is not found by the single-instance check). There is no GTK here, so no
/// tray icon (see `tray::create`).
#[test]
fn the_app_boots_on_the_mock_runtime() {
    if std::env::var_os(BOOT_CHILD).is_some() {
        boot_and_check();
        return;
    }
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        home.path().join("config.toml"),
        "[updates]\nenabled = false\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "tests::the_app_boots_on_the_mock_runtime",
            "--nocapture",
        ])
        .env(BOOT_CHILD, "1")
        .env("ELEVATE_HOME", home.path())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", home.path().join("no-bus").display()),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the child failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

fn boot_and_check() {
    // The app's log goes with the child's output, which the parent shows when it fails.
    let _logging = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,elevate=info"))
        .with_writer(std::io::stderr)
        .try_init();
    let launch = Launch {
        demo: true,
        window: false,
    };
    let mut app = app_builder(tauri::test::mock_builder(), launch)
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| panic!("{e}"));
    // The setup runs when the event loop starts. The mock runtime's loop never returns while a window
    // is open and only the app's own exit ends it, so one iteration (which on the mock runtime is only
    // the setup) starts the app instead; commands and tasks run on Tauri's async runtime meanwhile.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    assert!(app.try_state::<Shell>().is_some(), "the shell is managed");
    assert!(app.try_state::<updates::Updates>().is_some());

    let (heard_tx, heard) = std::sync::mpsc::channel::<serde_json::Value>();
    app.listen_any(events::SnapshotChanged::NAME, move |event| {
        if let Ok(payload) = serde_json::from_str(event.payload()) {
            let _sent = heard_tx.send(payload);
        }
    });

    let main = window(&app, window::MAIN);
    // The setup's session task signs in to the embedded simulator and reads the demo tenant.
    let deadline = Instant::now() + Duration::from_secs(60);
    let snapshot = loop {
        let snapshot =
            call(&main, "snapshot", serde_json::json!({})).unwrap_or_else(|e| panic!("{e}"));
        if !snapshot["account"].is_null()
            && snapshot["loading"] == false
            && snapshot["roles"].as_array().is_some_and(|r| !r.is_empty())
        {
            break snapshot;
        }
        assert!(Instant::now() < deadline, "not signed in: {snapshot}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(snapshot["demo"], true);
    let role = &snapshot["roles"][0];
    assert!(
        ["azure-resource", "entra-role", "group"].contains(&role["source"].as_str().unwrap_or("")),
        "{role}"
    );

    let policy = call(&main, "policy", serde_json::json!({"key": role["key"]}))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        policy["defaultMinutes"].as_i64().is_some_and(|m| m > 0),
        "{policy}"
    );
    // The form of a role that needs approval names who will decide.
    let owner = snapshot["roles"]
        .as_array()
        .and_then(|r| {
            r.iter()
                .find(|x| x["role"] == "Owner" && x["scope"] == "Contoso Production")
        })
        .unwrap_or_else(|| panic!("Owner at Contoso Production in {snapshot}"));
    let owner_policy = call(&main, "policy", serde_json::json!({"key": owner["key"]}))
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = owner_policy["approvers"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["Grace Hopper", "Ada Lovelace", "PIM Approvers"],
        "{owner_policy}"
    );
    // No pending request has that id: nothing is opened.
    let refused = call(
        &main,
        "contact_approvers",
        serde_json::json!({"id": "mailto:evil@example.com", "approver": null, "channel": "mail"}),
    )
    .err()
    .unwrap_or_else(|| panic!("a link was opened for an unknown request"));
    assert_eq!(refused["code"], "invalid", "{refused}");
    let history =
        call(&main, "history", serde_json::json!({"limit": 5})).unwrap_or_else(|e| panic!("{e}"));
    assert!(history.is_array(), "{history}");

    // The event the window listens to, sent by the shell once signed in.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let payload = heard
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("no snapshot event with an account: {e}"));
        if !payload["account"].is_null() {
            assert_eq!(payload["account"], snapshot["account"]);
            break;
        }
    }

    // The pop-up's capability grants deciding, not activating.
    let decide = window(&app, window::DECIDE);
    let refused = call(
        &decide,
        "activate",
        serde_json::json!({"form": {"key": role["key"]}}),
    )
    .err()
    .unwrap_or_else(|| panic!("the pop-up activated a role"));
    assert!(refused.to_string().contains("not allowed"), "{refused}");
    assert!(call(&decide, "snapshot", serde_json::json!({})).is_ok());
    let refused = call(
        &decide,
        "contact_approvers",
        serde_json::json!({"id": "r1", "approver": null, "channel": "mail"}),
    )
    .err()
    .unwrap_or_else(|| panic!("the pop-up may not open links"));
    assert!(refused.to_string().contains("not allowed"), "{refused}");
}
