//! A wrapper that keeps secrets out of logs, errors and output.

use std::fmt;

/// A secret string (an access token, a refresh token, an authorization code).
///
/// It has no `Display` and no `Serialize`, and its `Debug` prints `<redacted>`, so it cannot reach a log
/// line, an error message, JSON output or the database by accident. Code that must send it (the
/// `Authorization` header) calls [`Secret::expose`] at that one place.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret's text, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the bytes before the allocation is freed.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        for b in bytes.iter_mut() {
            // SAFETY-free volatile-ish write: keep it simple and portable.
            *b = 0;
        }
        std::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::new("eyJhbGciOi.very.secret");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
        assert_eq!(s.expose(), "eyJhbGciOi.very.secret");
    }
}
