//! The window's side of the app, without Tauri: the data it receives ([`view`], [`settings`]), the
//! forms it sends and what they become ([`forms`]), what its commands do with the session ([`calls`]),
//! and the error they answer with ([`error`]). The tray app's commands are thin wrappers over these;
//! the types derive `specta::Type`, from which the TypeScript in `ui/src/bindings.ts` is generated.

pub mod access;
pub mod accounts;
pub mod approvers;
pub mod calls;
pub mod checks;
pub mod error;
pub mod forms;
pub mod settings;
pub mod view;

pub use access::{AccessView, FindingLevel, FindingView};
pub use accounts::{AccountView, accounts_view};
pub use approvers::{ApproverKindView, ApproverView, ContactChannel, WaitingView};
pub use checks::{
    ActivityListView, ActivityView, CheckVerdict, CheckView, FormField, RequestOrigin,
};
pub use error::{Answer, UiError, invalid};
pub use forms::{ActivationForm, FavouriteChange, FavouriteForm, SetForm, SettingsForm};
pub use settings::{AppState, CloudName, FavouriteView, SetView, SettingsView};
pub use view::{
    ActionOutcome, ActionView, GrantView, HistoryView, PolicyView, RequestKind, RequestView,
    RoleSource, RoleView, SnapshotView, snapshot_view,
};
