//! The IPC surface in one place: every command the windows may call and every event they hear, as
//! tauri-specta knows them. The app's invoke handler comes from here, and so does
//! `ui/src/bindings.ts` (commands with their argument names and result types, events, and every type
//! they carry), so the window and the shell cannot drift apart unnoticed. The `bindings_are_current`
//! test checks the committed file; `ELEVATE_WRITE_BINDINGS=1 cargo test -p elevate-tray bindings`
//! rewrites it.

use std::path::Path;

use specta_typescript::Typescript;
use tauri::Runtime;
use tauri_specta::{Builder, ErrorHandlingMode, collect_commands, collect_events};

use crate::{access, approvers, commands, events, settings};

/// The commands and events, for the runtime `R`. Generic commands are named with `tauri::Wry` for
/// their types only; the handler serves them on `R`.
pub fn surface<R: Runtime>() -> Builder<R> {
    Builder::<R>::new()
        // A command's error is thrown, as `invoke` does (the window catches a `UiError`).
        .error_handling(ErrorHandlingMode::Throw)
        // One TypeScript type per Rust type: the forms are only read and the views only written,
        // so there is nothing for separate read and write shapes to tell apart.
        .disable_serde_phases()
        .commands(collect_commands![
            commands::snapshot,
            commands::refresh::<tauri::Wry>,
            commands::policy,
            commands::activate::<tauri::Wry>,
            commands::request_extension::<tauri::Wry>,
            commands::deactivate::<tauri::Wry>,
            commands::extend::<tauri::Wry>,
            commands::cancel::<tauri::Wry>,
            commands::decide::<tauri::Wry>,
            commands::close_window::<tauri::Wry>,
            commands::history,
            commands::set_favourite::<tauri::Wry>,
            settings::settings::<tauri::Wry>,
            settings::save_settings::<tauri::Wry>,
            settings::set_start_at_login::<tauri::Wry>,
            settings::set_update_checks::<tauri::Wry>,
            settings::save_set::<tauri::Wry>,
            settings::remove_set::<tauri::Wry>,
            settings::sign_out::<tauri::Wry>,
            access::check_access::<tauri::Wry>,
            access::open_consent_link,
            settings::accounts,
            settings::sign_out_account::<tauri::Wry>,
            commands::check_activation,
            commands::activity,
            approvers::request_approvers,
            approvers::contact_approvers,
        ])
        .events(collect_events![
            events::SnapshotChanged,
            events::Navigate,
            events::AccessFinding
        ])
}

/// Writes the TypeScript for the windows to `path`.
pub fn write_bindings(path: &Path) -> Result<(), specta_typescript::Error> {
    surface::<tauri::Wry>().export(
        Typescript::default().header(
            "// Generated from src-tauri/src/ipc.rs by `cargo test -p elevate-tray bindings` \
             (set ELEVATE_WRITE_BINDINGS=1 to rewrite). Do not edit.",
        ),
        path,
    )
}

#[cfg(test)]
mod tests {
    /// The committed TypeScript matches the commands, events and types (ELEVATE_WRITE_BINDINGS=1
    /// rewrites it).
    #[test]
    fn bindings_are_current() {
        let committed_path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let fresh_path = dir.path().join("bindings.ts");
        super::write_bindings(&fresh_path).unwrap_or_else(|e| panic!("{e}"));
        let fresh = std::fs::read_to_string(&fresh_path).unwrap_or_else(|e| panic!("{e}"));
        if std::env::var_os("ELEVATE_WRITE_BINDINGS").is_some() {
            std::fs::write(&committed_path, &fresh).unwrap_or_else(|e| panic!("{e}"));
        }
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/bindings.ts is out of date: run ELEVATE_WRITE_BINDINGS=1 cargo test -p elevate-tray bindings"
        );
    }
}
