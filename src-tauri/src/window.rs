//! The window: created when asked for and destroyed when closed, so no web view (and no WebKit
//! process) lives while the app sits in the tray.

use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

/// The window's label (the capability in `capabilities/default.json` names it).
pub const MAIN: &str = "main";

/// Shows the window (creating it if needed), on `route` (e.g. `approvals`, `activate/<key>`).
pub fn open<R: Runtime>(app: &AppHandle<R>, route: Option<&str>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        if let Some(route) = route
            && let Err(e) = window.emit("navigate", route)
        {
            tracing::debug!(target: "elevate::tray", error = %e, "could not navigate the window");
        }
        let _shown = window.unminimize().and_then(|()| window.show());
        if let Err(e) = window.set_focus() {
            tracing::debug!(target: "elevate::tray", error = %e, "could not focus the window");
        }
        return;
    }
    let path = match route {
        Some(route) => format!("index.html#/{}", encode_route(route)),
        None => "index.html".to_owned(),
    };
    let built = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App(path.into()))
        .title("Elevate")
        .inner_size(880.0, 620.0)
        .min_inner_size(560.0, 420.0)
        .focused(true)
        .build();
    if let Err(e) = built {
        tracing::error!(target: "elevate::tray", error = %e, "could not open the window");
    }
}

/// Keeps a role key (which holds `/` and `:`) intact in the URL fragment.
fn encode_route(route: &str) -> String {
    route
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' | '/' | ':' => c.to_string(),
            other => {
                let mut buf = [0u8; 4];
                other
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

/// Shows the window on `route`, kept above other windows (a request waits for a decision).
pub fn open_on_top<R: Runtime>(app: &AppHandle<R>, route: &str) {
    open(app, Some(route));
    if let Some(window) = app.get_webview_window(MAIN)
        && let Err(e) = window.set_always_on_top(true)
    {
        tracing::debug!(target: "elevate::tray", error = %e, "could not keep the window on top");
    }
    tracing::info!(target: "elevate::tray", route, "window opened on top");
}
