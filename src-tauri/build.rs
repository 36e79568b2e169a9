//! Tauri's build step, with a permission for each of Elevate's own commands (`allow-<command>`),
//! so that a window may call only the commands its capability in `capabilities/` grants: without
//! this manifest Tauri lets every window call every app command.

const COMMANDS: &[&str] = &[
    "snapshot",
    "refresh",
    "policy",
    "activate",
    "deactivate",
    "extend",
    "cancel",
    "decide",
    "close_window",
    "history",
    "set_favourite",
    "settings",
    "save_settings",
    "set_start_at_login",
    "set_update_checks",
    "save_set",
    "remove_set",
    "sign_out",
    "accounts",
    "sign_out_account",
    "request_extension",
    "check_access",
    "open_consent_link",
    "check_activation",
    "activity",
    "request_approvers",
    "contact_approvers",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
