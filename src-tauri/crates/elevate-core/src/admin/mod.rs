//! What an administrator does once for an organisation: `elevate admin register-app`.
//!
//! `register` creates (or finds, and completes) Elevate's own app registration in the tenant
//! through Microsoft Graph, with exactly the delegated permissions of [`crate::permissions`] and
//! admin consent for them.

mod register;

pub use register::{
    ADMIN_SCOPES, APP_NAME, APP_TAG, Done, REDIRECT_URIS, Registration, config_snippet,
    register_app,
};
