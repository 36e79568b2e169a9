//! The error every command answers with: a stable code and a sentence.

use elevate_core::Error;
use serde::Serialize;
use specta::Type;

/// An error the window shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
pub struct UiError {
    /// A stable code (`invalid`, `auth`, `already-decided`…: [`Error::code`]).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}

impl From<Error> for UiError {
    fn from(error: Error) -> Self {
        UiError {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A form or request the window should not have sent (code `invalid`).
pub fn invalid(message: impl Into<String>) -> UiError {
    UiError {
        code: "invalid".into(),
        message: message.into(),
    }
}

/// What a command answers.
pub type Answer<T> = Result<T, UiError>;
