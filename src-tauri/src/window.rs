//! The window: created when asked for and destroyed when closed, so no web view (and no WebKit
//! process) lives while the app sits in the tray.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};
use tauri_specta::Event;

use crate::events::Navigate;

/// The window's label (its capability, `capabilities/main.json`, names it).
pub const MAIN: &str = "main";

/// The decision pop-up's label: one small window, kept on top, for a request waiting for the user
/// (its capability, `capabilities/decide.json`, grants only what it calls).
pub const DECIDE: &str = "decide";

/// Which notification button opened the decision pop-up. Only logged: the pop-up never
/// pre-selects a verdict (a notification action may come from anyone on the session bus, and a
/// pre-selected verdict with the reason focused would let keys typed elsewhere decide).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// "Approve…".
    Approve,
    /// "Deny…".
    Deny,
    /// "Details".
    Undecided,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Deny => "deny",
            Verdict::Undecided => "details",
        }
    }
}

/// Shows the window (creating it if needed), on `route` (e.g. `approvals`, `activate/<key>`).
pub fn open<R: Runtime>(app: &AppHandle<R>, route: Option<&str>) {
    if let Some(window) = app.get_webview_window(MAIN) {
        if let Some(route) = route
            // Encoded as in the URL, so that the window decodes both alike (a route's query holds
            // form-encoded answers).
            && let Err(e) = Navigate(encode_route(route)).emit(&window)
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

/// The route of the decision pop-up on `request_id` (the id last: Azure's ids hold `/`). It names
/// no verdict: whatever opened it, the user chooses in the pop-up.
pub fn decision_route(request_id: &str) -> String {
    format!("decide/request/{request_id}")
}

/// Opens the small always-on-top pop-up on one request waiting for the user's decision (or moves the
/// open one to it). Its web view is destroyed when it closes, like the main window's.
pub fn open_decision<R: Runtime>(app: &AppHandle<R>, request_id: &str, verdict: Verdict) {
    let route = decision_route(request_id);
    if let Some(window) = app.get_webview_window(DECIDE) {
        if let Err(e) = Navigate(route.clone()).emit(&window) {
            tracing::debug!(target: "elevate::tray", error = %e, "could not move the pop-up");
        }
        let _shown = window.unminimize().and_then(|()| window.show());
        if let Err(e) = window.set_focus() {
            tracing::debug!(target: "elevate::tray", error = %e, "could not focus the pop-up");
        }
    } else {
        let path = format!("index.html#/{}", encode_route(&route));
        let built = WebviewWindowBuilder::new(app, DECIDE, WebviewUrl::App(path.into()))
            .title("Elevate: a request waits for you")
            .inner_size(440.0, 560.0)
            .min_inner_size(360.0, 420.0)
            .always_on_top(true)
            .center()
            .focused(true)
            .build();
        if let Err(e) = built {
            tracing::error!(target: "elevate::tray", error = %e, "could not open the decision pop-up");
            return;
        }
    }
    tracing::info!(target: "elevate::tray", from = verdict.as_str(), "decision pop-up opened (no verdict chosen)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_route_keeps_the_azure_id_whole() {
        let id =
            "/subscriptions/1/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/a b";
        let route = decision_route(id);
        assert_eq!(
            encode_route(&route),
            "decide/request//subscriptions/1/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/a%20b"
        );
    }
}
