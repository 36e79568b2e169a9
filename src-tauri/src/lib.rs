//! Elevate's tray app: a thin Tauri 2 shell over elevate-core and elevate-app.
//!
//! - [`shell`]: the running state (session, watcher, last snapshot) and its lifecycle;
//! - [`tray`]: the tray icon and menu, drawn from `elevate_app::tray_menu`;
//! - [`actions`]: what menu items and notification buttons do;
//! - [`window`]: the window, created on demand and destroyed when closed;
//! - [`sign_in_prompt`]: sign-in notices as desktop notifications;
//! - [`commands`] and [`settings`]: what the windows may call, thin over `elevate_app::ui`;
//! - [`events`] and [`ipc`]: what the windows hear, and the whole surface from which
//!   `ui/src/bindings.ts` is generated.

pub mod access;
pub mod actions;
pub mod approvers;
pub mod commands;
pub mod events;
pub mod ipc;
pub mod settings;
pub mod shell;
pub mod sign_in_prompt;
pub mod tray;
pub mod updates;
pub mod window;

use std::process::ExitCode;

use tauri::{AppHandle, Manager, RunEvent, Runtime};

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

/// Elevate's app on `builder`, for any runtime: the commands and events ([`ipc`]), the plugins, the
/// managed state, and the setup (tray, window, session, update check). The binary builds it on Wry;
/// a test builds the same on Tauri's mock runtime.
pub fn app_builder<R: Runtime>(builder: tauri::Builder<R>, launch: Launch) -> tauri::Builder<R> {
    let surface = ipc::surface::<R>();
    let builder = builder.invoke_handler(surface.invoke_handler());
    // Installing updates (Windows, macOS): the feed and key are given when the user asks to
    // install (updates.rs), not in tauri.conf.json.
    #[cfg(any(windows, target_os = "macos"))]
    let builder = builder.plugin(tauri_plugin_updater::Builder::new().build());
    builder
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
            // Before anything is sent: a typed event is sent only once mounted.
            surface.mount_events(app);
            tray::create(app.handle())?;
            if launch.window {
                window::open(app.handle(), None);
            }
            tauri::async_runtime::spawn(shell::run(app.handle().clone()));
            // The signed update feed: at start, then daily (see updates.rs).
            tauri::async_runtime::spawn(updates::run(app.handle().clone()));
            Ok(())
        })
}

/// What the running app does with the event loop's events: closing the window leaves the app in the
/// tray, only Quit (an explicit exit code) ends it; at the end the session stops.
pub fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: RunEvent) {
    if let RunEvent::ExitRequested { code, api, .. } = event {
        if code.is_none() {
            api.prevent_exit();
        }
    } else if let RunEvent::Exit = event {
        let shell = app.state::<Shell>();
        tauri::async_runtime::block_on(shell.stop());
    }
}

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

/// Runs the tray app.
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
    match app_builder(tauri::Builder::<tauri::Wry>::new(), launch).build(context()) {
        Ok(app) => app.run(on_run_event),
        Err(e) => {
            eprintln!("Elevate could not start: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests;
