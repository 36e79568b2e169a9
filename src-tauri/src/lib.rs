//! Elevate's tray app: a thin Tauri 2 shell over elevate-core and elevate-app.
//!
//! - [`shell`]: the running state (session, watcher, last snapshot) and its lifecycle;
//! - [`tray`]: the tray icon and menu, drawn from `elevate_app::tray_menu`;
//! - [`actions`]: what menu items and notification buttons do;
//! - [`window`]: the window, created on demand and destroyed when closed;
//! - [`sign_in_prompt`]: sign-in notices as desktop notifications;
//! - [`commands`], [`settings`] and [`view`]: what the windows may call, and the data they receive.

pub mod actions;
pub mod commands;
pub mod settings;
pub mod shell;
pub mod sign_in_prompt;
pub mod tray;
pub mod updates;
pub mod view;
pub mod window;

use std::process::ExitCode;

use tauri::{Manager, RunEvent};

use crate::shell::{Launch, Shell};

/// Reads the command line: `--demo` (or `ELEVATE_DEMO=1`) runs against the embedded simulator.
pub fn launch_from_args(args: impl IntoIterator<Item = String>) -> Result<Launch, String> {
    let mut launch = Launch {
        demo: std::env::var("ELEVATE_DEMO").is_ok_and(|v| v == "1" || v == "true"),
        window: false,
    };
    for arg in args {
        match arg.as_str() {
            "--demo" => launch.demo = true,
            "--window" => launch.window = true,
            "--help" | "-h" => {
                return Err("usage: elevate-tray [--demo] [--window]\n\n  --demo    run against the built-in simulator and its demo tenant\n  --window  open the window at start (otherwise the app starts in the tray)".into());
            }
            other => return Err(format!("unknown argument '{other}'; try --help")),
        }
    }
    Ok(launch)
}

/// `builder` with Elevate's commands (for the app, and for tests on the mock runtime).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::snapshot,
        commands::refresh,
        commands::policy,
        commands::activate,
        commands::deactivate,
        commands::extend,
        commands::cancel,
        commands::decide,
        commands::close_window,
        commands::history,
        commands::set_favourite,
        settings::settings,
        settings::save_settings,
        settings::set_start_at_login,
        settings::set_update_checks,
        settings::save_set,
        settings::remove_set,
        settings::sign_out,
    ])
}

/// Runs the tray app.
/// The app's context from tauri.conf.json; on Windows and macOS with an empty `plugins.updater`
/// section, which `tauri-plugin-updater` needs to start (its `pubkey` is required there; the real
/// key and feed are given at run time, see updates.rs).
fn context() -> tauri::Context<tauri::Wry> {
    #[allow(unused_mut)]
    let mut context = tauri::generate_context!();
    #[cfg(any(windows, target_os = "macos"))]
    context
        .config_mut()
        .plugins
        .0
        .entry("updater".to_owned())
        .or_insert_with(|| serde_json::json!({ "pubkey": "" }));
    context
}

pub fn main() -> ExitCode {
    let launch = match launch_from_args(std::env::args().skip(1)) {
        Ok(launch) => launch,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ELEVATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,elevate=info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let builder = with_commands(tauri::Builder::<tauri::Wry>::new());
    // Installing updates (Windows, macOS): the feed and key are given when the user asks to
    // install (updates.rs), not in tauri.conf.json.
    #[cfg(any(windows, target_os = "macos"))]
    let builder = builder.plugin(tauri_plugin_updater::Builder::new().build());
    let app = builder
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second start opens the window of the one already running.
            window::open(app, None);
        }))
        // Start at login: off until the settings page turns it on (a login item per platform).
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .manage(Shell::new(launch))
        .manage(updates::Updates::default())
        .setup(move |app| {
            tray::create(app.handle())?;
            if launch.window {
                window::open(app.handle(), None);
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(shell::run(handle));
            // The signed update feed: at start, then daily (see updates.rs).
            tauri::async_runtime::spawn(updates::run(app.handle().clone()));
            Ok(())
        })
        .build(context());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("Elevate could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|app, event| {
        if let RunEvent::ExitRequested { code, api, .. } = event {
            // Closing the window leaves the app in the tray; only Quit (an explicit exit code) ends it.
            if code.is_none() {
                api.prevent_exit();
            }
        } else if let RunEvent::Exit = event {
            let shell = app.state::<Shell>();
            tauri::async_runtime::block_on(shell.stop());
        }
    });
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, get_ipc_response};
    use tauri::webview::InvokeRequest;

    use super::*;

    fn call(
        webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
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

    /// The commands on Tauri's mock runtime, before any sign-in: the snapshot says it is loading,
    /// and actions answer with an error the window can show.
    #[test]
    fn commands_answer_before_sign_in_with_errors_the_window_can_show() {
        let app = with_commands(tauri::test::mock_builder())
            .manage(Shell::new(Launch {
                demo: true,
                window: false,
            }))
            .build(tauri::generate_context!())
            .unwrap_or_else(|e| panic!("{e}"));
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));

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
}
