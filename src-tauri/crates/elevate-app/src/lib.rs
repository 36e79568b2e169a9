//! What the `elevate` CLI and the tray app share above elevate-core: reading the settings, opening the
//! store, choosing the sign-in and putting them together into a [`Session`]; and demo mode, which embeds
//! the simulator ([`Demo`]). Neither front end wires a session by itself, so what one does the other
//! sees (one data folder, one store).

pub mod account_data;
pub mod check;
pub mod contact;
mod demo;
mod managed_roles;
pub mod notifications;
pub mod notifier;
mod open;
pub mod sign_in;
pub mod snapshot;
pub mod tenants;
pub mod tray_menu;
pub mod ui;
pub mod updates;

pub use demo::Demo;
pub use open::{Opened, open, open_account, open_with};

pub use elevate_core::session::Session;
