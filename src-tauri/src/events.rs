//! The events the shell sends the windows. Their names and payloads reach the UI generated (see
//! [`crate::ipc`]); the names are the ones the window has always listened to.

use elevate_app::ui::{FindingView, SnapshotView};
use serde::Serialize;
use specta::Type;
use tauri_specta::Event;

/// The app's state changed: the windows redraw from this snapshot.
#[derive(Clone, Debug, Serialize, Type, Event)]
#[tauri_specta(event_name = "snapshot")]
pub struct SnapshotChanged(pub SnapshotView);

/// The tray asks a window to show a page (`approvals`, `activate/<key>`, `decide/request/<id>`).
#[derive(Clone, Debug, Serialize, Type, Event)]
#[tauri_specta(event_name = "navigate")]
pub struct Navigate(pub String);

/// "Check access" made a finding (sent while it runs; the command answers them all at the end).
#[derive(Clone, Debug, Serialize, Type, Event)]
#[tauri_specta(event_name = "accessFinding")]
pub struct AccessFinding(pub FindingView);
