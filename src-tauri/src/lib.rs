//! Elevate's tray app: a thin Tauri 2 shell over elevate-core and elevate-app.
//!
//! - [`shell`]: the running state (session, watcher, last snapshot) and its lifecycle;
//! - [`tray`]: the tray icon and menu, drawn from `elevate_app::tray_menu`;
//! - [`actions`]: what menu items and notification buttons do;
//! - [`window`]: the window, created on demand and destroyed when closed;
//! - [`commands`] and [`view`]: what the window may call, and the data it receives.

pub mod actions;
pub mod commands;
pub mod shell;
pub mod tray;
pub mod view;
pub mod window;

use std::process::ExitCode;

use tauri::{Manager, RunEvent};

use crate::shell::{Launch, Shell};

/// Reads the command line: `--demo` (or `ELEVATE_DEMO=1`) runs against the embedded simulator.
pub fn launch_from_args(args: impl IntoIterator<Item = String>) -> Result<Launch, String> {
    let mut launch = Launch {
        demo: std::env::var("ELEVATE_DEMO").is_ok_and(|v| v == "1" || v == "true"),
    };
    for arg in args {
        match arg.as_str() {
            "--demo" => launch.demo = true,
            "--help" | "-h" => {
                return Err("usage: elevate-tray [--demo]\n\n  --demo  run against the built-in simulator and its demo tenant".into());
            }
            other => return Err(format!("unknown argument '{other}'; try --help")),
        }
    }
    Ok(launch)
}

/// The builder with Elevate's commands, for the app and for tests on the mock runtime.
pub fn builder<R: tauri::Runtime>() -> tauri::Builder<R> {
    tauri::Builder::<R>::new().invoke_handler(tauri::generate_handler![
        commands::snapshot,
        commands::refresh,
        commands::policy,
        commands::activate,
        commands::deactivate,
        commands::extend,
        commands::cancel,
        commands::decide,
        commands::history,
        commands::set_favourite,
    ])
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

    let app = builder::<tauri::Wry>()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second start opens the window of the one already running.
            window::open(app, None);
        }))
        .manage(Shell::new(launch))
        .setup(|app| {
            tray::create(app.handle())?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(shell::run(handle));
            Ok(())
        })
        .build(tauri::generate_context!());
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
