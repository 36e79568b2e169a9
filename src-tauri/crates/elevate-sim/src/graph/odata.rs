//! OData query options as Graph reads them: `$expand` (top-level names, nested options kept as
//! text), a small `$filter` subset (`prop eq 'value'` joined by `and`), and paging with `$top`
//! and an opaque `$skiptoken` in an absolute `@odata.nextLink`.

use std::ops::Range;

use axum::http::StatusCode;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::{GraphCtx, bad_request};
use crate::arm::reply::ArmReply as Reply;
use crate::ids::eq_ci;
use crate::token::{b64url, b64url_decode};

/// Characters left as they are in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Largest `$top` Graph accepts on these collections.
const MAX_TOP: usize = 999;

/// Splits `text` at top-level commas (not inside parentheses).
fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut current) = (0usize, String::new());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `$expand`: the navigation properties asked for, each with its nested options.
#[derive(Debug, Default)]
pub(crate) struct Expand {
    items: Vec<(String, String)>,
}

impl Expand {
    /// Parses `$expand`; a property that `allowed` does not list is refused as Graph does.
    pub(crate) fn parse(
        ctx: &GraphCtx<'_>,
        allowed: &[&str],
        entity: &str,
    ) -> Result<Expand, Reply> {
        let Some(text) = ctx.query.get("$expand") else {
            return Ok(Expand::default());
        };
        let mut items = Vec::new();
        for part in split_top_level(text) {
            let (name, nested) = match part.split_once('(') {
                Some((name, rest)) => (
                    name.trim().to_string(),
                    rest.trim_end_matches(')').to_string(),
                ),
                None => (part.clone(), String::new()),
            };
            if !allowed.iter().any(|a| eq_ci(a, &name)) {
                return Err(bad_request(
                    "BadRequest",
                    &format!(
                        "Could not find a property named '{name}' on type 'microsoft.graph.{entity}'."
                    ),
                ));
            }
            items.push((name.to_ascii_lowercase(), nested));
        }
        Ok(Expand { items })
    }

    /// Whether `name` is expanded.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.items.iter().any(|(n, _)| eq_ci(n, name))
    }

    /// The nested options of `name` (e.g. `$expand=rules`), if it is expanded.
    pub(crate) fn nested(&self, name: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(n, _)| eq_ci(n, name))
            .map(|(_, nested)| nested.as_str())
    }
}

/// A `$filter` of `prop eq 'value'` clauses joined by `and`.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    clauses: Vec<(String, String)>,
}

impl Filter {
    /// Parses `$filter`; other operators, and properties `allowed` does not list, are refused.
    pub(crate) fn parse(ctx: &GraphCtx<'_>, allowed: &[&str]) -> Result<Filter, Reply> {
        let Some(text) = ctx.query.filter() else {
            return Ok(Filter::default());
        };
        let invalid = || {
            bad_request(
                "BadRequest",
                &format!(
                    "Invalid filter clause: the simulator supports only 'property eq 'value'' joined by 'and' ('{text}')."
                ),
            )
        };
        let mut clauses = Vec::new();
        let mut rest = text.trim();
        loop {
            let (property, after) = rest.split_once(char::is_whitespace).ok_or_else(invalid)?;
            let after = after.trim_start();
            let after = after
                .strip_prefix("eq ")
                .or_else(|| after.strip_prefix("EQ "))
                .ok_or_else(invalid)?
                .trim_start();
            let after = after.strip_prefix('\'').ok_or_else(invalid)?;
            let mut value = String::new();
            let mut chars = after.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                        value.push('\'');
                        chars.next();
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            let end = end.ok_or_else(invalid)?;
            if !allowed.iter().any(|a| eq_ci(a, property)) {
                return Err(bad_request(
                    "BadRequest",
                    &format!("Could not find a property named '{property}' that can be filtered."),
                ));
            }
            clauses.push((property.to_ascii_lowercase(), value));
            rest = after.get(end..).unwrap_or("").trim();
            if rest.is_empty() {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            if !lower.starts_with("and ") {
                return Err(invalid());
            }
            rest = rest.get(4..).unwrap_or("").trim_start();
        }
        Ok(Filter { clauses })
    }

    /// The value required for `property`, if the filter names it.
    pub(crate) fn value(&self, property: &str) -> Option<&str> {
        self.clauses
            .iter()
            .find(|(p, _)| eq_ci(p, property))
            .map(|(_, v)| v.as_str())
    }

    /// Whether `actual` passes the clause on `property` (case-insensitively; no clause passes all).
    pub(crate) fn accepts(&self, property: &str, actual: &str) -> bool {
        self.clauses
            .iter()
            .filter(|(p, _)| eq_ci(p, property))
            .all(|(_, v)| eq_ci(v, actual))
    }
}

/// One page of a list: the items' range and the next link.
/// `page_size` is the configured default; the caller holds the state lock, so it is passed in.
pub(crate) fn page(
    ctx: &GraphCtx<'_>,
    total: usize,
    page_size: usize,
) -> Result<(Range<usize>, Option<String>), Reply> {
    let offset = match ctx.query.get("$skiptoken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => b64url_decode(token)
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| {
                text.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .ok_or_else(|| bad_request("BadRequest", "The $skiptoken is not valid."))?,
    };
    let size = match ctx.query.get("$top") {
        None => page_size,
        Some(top) => match top.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_TOP).contains(&n) => n,
            _ => {
                return Err(bad_request(
                    "BadRequest",
                    &format!(
                        "Invalid page size specified: '{top}'. Must be between 1 and {MAX_TOP} inclusive."
                    ),
                ));
            }
        },
    };
    let start = offset.min(total);
    let end = start.saturating_add(size.max(1)).min(total);
    let next = (end < total).then(|| next_link(ctx, end));
    Ok((start..end, next))
}

fn next_link(ctx: &GraphCtx<'_>, offset: usize) -> String {
    let mut link = format!("{}{}?", ctx.shared.url, ctx.path);
    for (name, value) in ctx.query.pairs() {
        if !eq_ci(name, "$skiptoken") {
            link.push_str(&format!(
                "{name}={}&",
                utf8_percent_encode(value, QUERY_VALUE)
            ));
        }
    }
    link.push_str(&format!(
        "$skiptoken={}",
        b64url(format!("offset:{offset}").as_bytes())
    ));
    link
}

/// `{"@odata.context", "value", "@odata.nextLink"}`.
pub(crate) fn list_reply(context: String, items: Vec<Value>, next: Option<String>) -> Reply {
    let mut body = json!({ "@odata.context": context, "value": items });
    if let Some(next) = next {
        body["@odata.nextLink"] = json!(next);
    }
    Reply::json(StatusCode::OK, &body)
}
