//! Helpers for reading Azure's JSON leniently: member names in any case, dates in Azure's forms.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Returns `value` with every object member name lower-cased, recursively, so that typed structs can be
/// read regardless of the casing a service (or a version of it) uses. On a clash the first member wins.
pub fn lowercase_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                let key = k.to_ascii_lowercase();
                if !out.contains_key(&key) {
                    out.insert(key, lowercase_keys(v));
                }
            }
            serde_json::Value::Object(out)
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

/// Parses Azure's timestamps: RFC 3339, or without a zone (taken as UTC). Anything else is `None`.
pub fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    let text = text?.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    tracing::warn!(target: "elevate::wire", value = %crate::text::sanitize(text), "unreadable timestamp ignored");
    None
}

/// Formats a timestamp the way Azure writes them.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Equal ignoring ASCII case.
pub fn eq_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lowercased_deeply() {
        let v = lowercase_keys(serde_json::json!({"Properties":{"PrincipalId":"x","Items":[{"DisplayName":"y"}]}}));
        assert_eq!(v["properties"]["principalid"], "x");
        assert_eq!(v["properties"]["items"][0]["displayname"], "y");
    }

    #[test]
    fn times_in_azure_forms() {
        assert!(parse_time(Some("2020-09-10T00:32:36.86Z")).is_some());
        assert!(parse_time(Some("2020-09-10T00:32:36.8633333")).is_some());
        assert!(parse_time(Some("2020-09-10T00:32:36+02:00")).is_some());
        assert!(parse_time(Some("yesterday")).is_none());
        assert!(parse_time(None).is_none());
    }
}
