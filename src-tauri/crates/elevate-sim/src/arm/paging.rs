//! Paged lists: at most `page_size` items per answer, and an absolute `nextLink` carrying
//! api-version, the original `$filter` and an opaque `$skiptoken` (base64url, so it survives
//! being URL-encoded again by a client).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use std::ops::Range;

use super::query::Query;
use super::reply::{ArmReply, ArmResult, bad_request};
use crate::token::{b64url, b64url_decode};
use axum::http::StatusCode;

/// Characters left as they are in a query value (RFC 3986 unreserved).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Where a list request came from.
pub(crate) struct ListRequest<'a> {
    /// Simulator base URL.
    pub url: &'a str,
    /// Request path as sent.
    pub path: &'a str,
    /// api-version as sent.
    pub api_version: &'a str,
    /// `$filter` as sent.
    pub filter: Option<&'a str>,
    /// First item of this page.
    pub offset: usize,
    /// Items per page.
    pub page_size: usize,
}

impl ListRequest<'_> {
    /// The items of this page among `total`, and the link to the next page if there is one.
    pub(crate) fn window(&self, total: usize) -> (Range<usize>, Option<String>) {
        let start = self.offset.min(total);
        let end = start.saturating_add(self.page_size.max(1)).min(total);
        let next = (end < total).then(|| self.next_link(end));
        (start..end, next)
    }

    fn next_link(&self, offset: usize) -> String {
        let mut link = format!(
            "{}{}?api-version={}",
            self.url,
            self.path,
            utf8_percent_encode(self.api_version, QUERY_VALUE)
        );
        if let Some(filter) = self.filter {
            link.push_str(&format!(
                "&$filter={}",
                utf8_percent_encode(filter, QUERY_VALUE)
            ));
        }
        link.push_str(&format!("&$skiptoken={}", encode_skiptoken(offset)));
        link
    }
}

fn encode_skiptoken(offset: usize) -> String {
    b64url(format!("offset:{offset}").as_bytes())
}

/// The offset in `$skiptoken` (0 without one).
pub(crate) fn offset(query: &Query) -> ArmResult<usize> {
    let Some(token) = query.get("$skiptoken").filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    b64url_decode(token.trim())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| {
            bad_request(
                "BadRequest",
                &format!("The skip token '{token}' is invalid."),
            )
        })
}

#[derive(Serialize)]
struct ListResult<T> {
    value: Vec<T>,
    #[serde(rename = "nextLink", skip_serializing_if = "Option::is_none")]
    next_link: Option<String>,
}

/// `{"value": [...], "nextLink": "..."}` (no `nextLink` on the last page).
pub(crate) fn list_reply<T: Serialize>(value: Vec<T>, next_link: Option<String>) -> ArmReply {
    ArmReply::json(StatusCode::OK, &ListResult { value, next_link })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_links() {
        let request = ListRequest {
            url: "http://h",
            path: "/providers/Microsoft.Authorization/x",
            api_version: "2020-10-01",
            filter: Some("asTarget()"),
            offset: 0,
            page_size: 2,
        };
        let (range, next) = request.window(5);
        assert_eq!(range, 0..2);
        let next = next.unwrap_or_default();
        assert!(next.starts_with("http://h/providers/Microsoft.Authorization/x?api-version=2020-10-01&$filter=asTarget%28%29&$skiptoken="));
        let query = Query::parse(next.split_once('?').map(|(_, q)| q));
        assert_eq!(offset(&query).ok(), Some(2));
        assert_eq!(request.window(2).1, None);
        assert!(offset(&Query::parse(Some("$skiptoken=%%%"))).is_err());
    }
}
