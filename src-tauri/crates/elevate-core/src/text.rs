//! Handling text that comes from Azure: it is untrusted.

/// Replaces control characters (terminal escape sequences, NUL, bidi overrides) with U+FFFD, keeping
/// newlines and tabs, so that a message from a server cannot rewrite a terminal or hide text.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            if (c.is_control() && c != '\n' && c != '\t') || bidi {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_escapes_keeps_text() {
        assert_eq!(
            super::sanitize("ok\u{1b}[2Jx\n\u{202E}y"),
            "ok\u{FFFD}[2Jx\n\u{FFFD}y"
        );
        assert_eq!(
            super::sanitize("Contoso <b>Prod</b>"),
            "Contoso <b>Prod</b>"
        );
    }
}
