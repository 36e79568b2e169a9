//! Encoding model values into columns and back.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;

/// UTC time as sortable text: `2026-01-31T09:00:00.000000Z`.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Reads [`time_text`] back (or any RFC 3339).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A unit-like enum's serde name (`"azure-resource"`), as a column value.
pub fn enum_text<T: Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::Encode {
            what: "an enum".into(),
            detail: format!("not a name: {other}"),
        }),
        Err(e) => Err(StoreError::Encode {
            what: "an enum".into(),
            detail: e.to_string(),
        }),
    }
}

/// Reads [`enum_text`] back.
pub fn parse_enum<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// A value as JSON text.
pub fn json_text<T: Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Encode {
        what: what.to_owned(),
        detail: e.to_string(),
    })
}
