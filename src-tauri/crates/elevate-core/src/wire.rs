//! Helpers for reading Azure's JSON leniently: member names in any case, dates in Azure's forms.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::model::{Span, Ticket};
use crate::text::sanitize;

/// `ticketInfo`, as both ARM and Graph send it (member names lower-cased).
#[derive(Debug, Default, Deserialize)]
pub struct TicketInfo {
    pub ticketnumber: Option<String>,
    pub ticketsystem: Option<String>,
}

impl TicketInfo {
    /// The ticket, if it has a number (Azure sends `{"ticketNumber": null, …}` for none).
    pub fn into_ticket(self) -> Option<Ticket> {
        match self.ticketnumber.filter(|n| !n.is_empty()) {
            Some(number) => Some(Ticket {
                system: sanitize(&self.ticketsystem.unwrap_or_default()),
                number: sanitize(&number),
            }),
            None => None,
        }
    }
}

/// `scheduleInfo.expiration`.
#[derive(Debug, Default, Deserialize)]
pub struct Expiration {
    pub duration: Option<String>,
}

/// `scheduleInfo`, as both ARM and Graph send it.
#[derive(Debug, Default, Deserialize)]
pub struct ScheduleInfo {
    pub startdatetime: Option<String>,
    pub expiration: Option<Expiration>,
}

impl ScheduleInfo {
    /// The requested start and duration.
    pub fn start_and_duration(self) -> (Option<DateTime<Utc>>, Option<Span>) {
        let duration = self
            .expiration
            .and_then(|e| e.duration)
            .and_then(|d| Span::parse_iso8601(&d).ok());
        (parse_time(self.startdatetime.as_deref()), duration)
    }
}

/// Who a request is from: ARM's `expandedProperties.principal` (`id`, `displayName`, `email`,
/// `type`) or Graph's expanded `principal` (a user: `displayName`, `userPrincipalName`, `mail`,
/// `userType`; or a group or service principal, told by `@odata.type`).
#[derive(Debug, Default, Deserialize)]
pub struct Principal {
    pub displayname: Option<String>,
    pub userprincipalname: Option<String>,
    pub mail: Option<String>,
    pub email: Option<String>,
    pub usertype: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
}

/// What Elevate shows of a requester, read from a [`Principal`] (all of it untrusted text,
/// sanitized).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RequesterFields {
    pub name: Option<String>,
    pub upn: Option<String>,
    pub email: Option<String>,
    pub guest: bool,
    pub kind: Option<String>,
}

impl Principal {
    /// The fields shown; a guest is Graph's `userType` `Guest` or a `#EXT#` UPN or e-mail (how
    /// Entra names the accounts of invited users).
    pub fn fields(&self) -> RequesterFields {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(crate::text::sanitize)
                .filter(|s| !s.trim().is_empty())
        };
        let upn = clean(&self.userprincipalname);
        let email = clean(&self.mail).or_else(|| clean(&self.email));
        let ext = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|s| s.to_ascii_uppercase().contains("#EXT#"))
        };
        let guest = self
            .usertype
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("guest"))
            || ext(&upn)
            || ext(&email);
        let kind = clean(&self.kind).or_else(|| {
            self.odata_type.as_deref().and_then(|t| {
                match t
                    .trim_start_matches("#microsoft.graph.")
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "user" => Some("User".to_owned()),
                    "group" => Some("Group".to_owned()),
                    "serviceprincipal" => Some("ServicePrincipal".to_owned()),
                    _ => None,
                }
            })
        });
        RequesterFields {
            name: clean(&self.displayname),
            upn,
            email,
            guest,
            kind,
        }
    }
}

/// An object with a display name (ARM's `expandedProperties` members, Graph's expanded relations).
#[derive(Debug, Default, Deserialize)]
pub struct Named {
    pub displayname: Option<String>,
}

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
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(lowercase_keys).collect())
        }
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
        let v = lowercase_keys(
            serde_json::json!({"Properties":{"PrincipalId":"x","Items":[{"DisplayName":"y"}]}}),
        );
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
