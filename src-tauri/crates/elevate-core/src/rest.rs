//! What the ARM and Graph clients share: paged lists, JSON reading, the outcome of a submitted request,
//! and the rule that a bearer token only ever goes to the configured origin.

use std::collections::HashSet;
use std::future::Future;

use serde::de::DeserializeOwned;
use url::Url;

use crate::azure_error::get_ci;
use crate::error::{Error, Result};
use crate::http::Response;
use crate::model::RequestRecord;
use crate::wire::lowercase_keys;

/// The most pages one list may have; a loop of next links stops here.
const MAX_PAGES: usize = 10_000;

/// What came of submitting a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // short-lived, returned once per request
pub enum Submission {
    /// Azure created the request (done, or pending approval).
    Created(RequestRecord),
    /// The role was already active (`RoleAssignmentExists`): nothing to do.
    AlreadyActive,
    /// A request for the same role and scope is already pending (`RoleAssignmentRequestExists`).
    AlreadyPending {
        /// Azure's message.
        message: String,
    },
}

/// What Azure answered when asked only to check an activation (ARM's `validate`, Graph's
/// `isValidationOnly`): it would accept it, and whether an approver would then have to agree.
/// Nothing was created. A refusal is the error an activation would get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validation {
    /// Whether the request would wait for an approver: Azure's status said so (`PendingApproval`
    /// and its kin, or `PendingEvaluation`, which ARM's `validate` answers for a role that needs
    /// approval).
    pub would_need_approval: bool,
    /// Azure's status value, unchanged.
    pub azure_status: String,
}

impl Validation {
    /// The validation Azure's answer `record` stands for.
    pub fn of(record: &RequestRecord) -> Self {
        let status = record.azure_status.as_str();
        Validation {
            would_need_approval: record.status == crate::model::RequestStatus::PendingApproval
                || status.eq_ignore_ascii_case("PendingEvaluation"),
            azure_status: record.azure_status.clone(),
        }
    }
}

/// Maps Azure's "already" answers to a [`Submission`], leaving every other error as it is.
pub fn already(result: Result<RequestRecord>) -> Result<Submission> {
    match result {
        Ok(record) => Ok(Submission::Created(record)),
        Err(Error::Azure(e)) if e.code.eq_ignore_ascii_case("RoleAssignmentExists") => {
            Ok(Submission::AlreadyActive)
        }
        Err(Error::Azure(e))
            if e.code.eq_ignore_ascii_case("RoleAssignmentRequestExists")
                || e.code.eq_ignore_ascii_case("PendingRoleAssignmentRequest") =>
        {
            Ok(Submission::AlreadyPending { message: e.message })
        }
        Err(e) => Err(e),
    }
}

/// Reads every item of a paged list, `{"value":[…], <next_key>: "…"}`, handing items to `on_item` one page
/// at a time (so that a long list is never held twice), and following the next link while it stays on
/// `origin`'s scheme, host and port. Member names are matched case-insensitively.
pub async fn collect_pages<F, Fut>(
    first: Url,
    origin: &Url,
    next_key: &str,
    mut fetch: F,
    mut on_item: impl FnMut(serde_json::Value),
) -> Result<()>
where
    F: FnMut(Url) -> Fut,
    Fut: Future<Output = Result<Response>>,
{
    let host = origin.host_str().unwrap_or("-").to_owned();
    let mut next = Some(first);
    let mut seen = HashSet::new();
    while let Some(url) = next.take() {
        if !seen.insert(url.as_str().to_owned()) || seen.len() > MAX_PAGES {
            return Err(malformed(
                &host,
                "the list's next link goes round in a loop",
            ));
        }
        let response = fetch(url).await?;
        let mut page: serde_json::Value = serde_json::from_slice(&response.body)
            .map_err(|e| malformed(&host, &format!("unexpected JSON: {e}")))?;
        if let Some(link) = get_ci(&page, next_key)
            .and_then(|v| v.as_str())
            .filter(|l| !l.trim().is_empty())
        {
            next = Some(same_origin(origin, link)?);
        }
        let values = page.as_object_mut().and_then(|o| {
            let key = o
                .keys()
                .find(|k| k.eq_ignore_ascii_case("value"))
                .cloned()?;
            o.remove(&key)
        });
        match values {
            Some(serde_json::Value::Array(values)) => values.into_iter().for_each(&mut on_item),
            Some(serde_json::Value::Null) | None => {}
            Some(_) => return Err(malformed(&host, "the list's value is not an array")),
        }
    }
    Ok(())
}

/// Every item of a paged list, converted as it arrives; items that lack what Elevate needs are skipped
/// (and logged), but a list in which no item at all could be read is an error, not an empty list.
pub async fn collect_converted<T, E, F, Fut>(
    first: Url,
    origin: &Url,
    next_key: &str,
    fetch: F,
    what: &str,
    convert: impl Fn(serde_json::Value) -> std::result::Result<T, E>,
) -> Result<Vec<T>>
where
    E: std::fmt::Display,
    F: FnMut(Url) -> Fut,
    Fut: Future<Output = Result<Response>>,
{
    let mut out = Vec::new();
    let mut total = 0usize;
    collect_pages(first, origin, next_key, fetch, |item| {
        total += 1;
        match convert(item) {
            Ok(v) => out.push(v),
            Err(e) => tracing::warn!(target: "elevate::rest", what, reason = %e, "skipped an item Azure sent"),
        }
    })
    .await?;
    if total > 0 && out.is_empty() {
        return Err(malformed(
            origin.host_str().unwrap_or("-"),
            &format!("none of the {total} {what} items could be read"),
        ));
    }
    if out.len() < total {
        tracing::warn!(target: "elevate::rest", what, skipped = total - out.len(), total, "some items were skipped");
    }
    Ok(out)
}

/// Parses a next link, refusing any origin other than `origin`: the bearer token must never be sent
/// elsewhere.
pub fn same_origin(origin: &Url, link: &str) -> Result<Url> {
    let host = origin.host_str().unwrap_or("-");
    let url = Url::parse(link)
        .or_else(|_| origin.join(link))
        .map_err(|_| malformed(host, "a next link is not a URL"))?;
    if url.origin() != origin.origin() {
        return Err(malformed(
            host,
            &format!(
                "a next link points to {} instead of {host}; refusing to send the token there",
                url.host_str().unwrap_or("?")
            ),
        ));
    }
    Ok(url)
}

/// The body as JSON with lower-cased member names, read into `T`.
pub fn read_json<T: DeserializeOwned>(response: &Response, host: &str) -> Result<T> {
    serde_json::from_slice::<serde_json::Value>(&response.body)
        .map(lowercase_keys)
        .and_then(serde_json::from_value)
        .map_err(|e| malformed(host, &format!("unexpected JSON: {e}")))
}

/// A [`Error::MalformedResponse`] from `host`.
pub fn malformed(host: &str, detail: &str) -> Error {
    Error::MalformedResponse {
        host: host.to_owned(),
        detail: detail.to_owned(),
    }
}

/// Whether one of an approval's stages (member names lower-cased) was reviewed by `me` with the
/// verdict asked for (`approve`): a decision retried after its first attempt went through.
/// `fields` finds a stage's `reviewedby` and `reviewresult` (ARM nests them in `properties`); the
/// reviewer is ARM's `reviewedBy.principalId` or Graph's `reviewedBy.id` (an `identity`).
pub fn decided_by_me<'a>(
    stages: &'a [serde_json::Value],
    fields: impl Fn(&'a serde_json::Value) -> &'a serde_json::Value,
    me: &str,
    approve: bool,
) -> bool {
    let verdict = if approve { "Approve" } else { "Deny" };
    stages.iter().any(|s| {
        let f = fields(s);
        let by = &f["reviewedby"];
        let reviewer = by["principalid"].as_str().or(by["id"].as_str());
        reviewer.is_some_and(|r| r.eq_ignore_ascii_case(me))
            && f["reviewresult"]
                .as_str()
                .is_some_and(|r| r.eq_ignore_ascii_case(verdict))
    })
}

/// Of an approval's stages (member names lower-cased), the id of the one that is in progress and
/// assigned to the signed-in user. `fields` finds a stage's `assignedToMe` and `status` (ARM nests them
/// in `properties`), `id` its id. [`Error::AlreadyDecided`] when no stage is waiting but one is finished.
pub fn stage_to_review<'a>(
    stages: &'a [serde_json::Value],
    fields: impl Fn(&'a serde_json::Value) -> &'a serde_json::Value,
    id: impl Fn(&'a serde_json::Value) -> Option<&'a str>,
) -> Result<&'a str> {
    let in_progress = |s: &'a serde_json::Value| {
        fields(s)["status"]
            .as_str()
            .map(|t| t.eq_ignore_ascii_case("InProgress"))
    };
    let mine = stages.iter().find(|s| {
        fields(s)["assignedtome"].as_bool() == Some(true) && in_progress(s) == Some(true)
    });
    match mine.and_then(id) {
        Some(stage) if !stage.contains('/') && !stage.contains('?') => Ok(stage),
        Some(_) => Err(Error::Invalid(
            "the approval stage id is not a plain id".into(),
        )),
        None if stages.iter().any(|s| in_progress(s) == Some(false)) => Err(Error::AlreadyDecided),
        None => Err(Error::Invalid(
            "no approval stage is waiting for you on this request".into(),
        )),
    }
}

/// Who decided a request and why, from its approval's stages (member names lower-cased): the
/// latest stage reviewed `Approve` or `Deny`, its `reviewedBy` (ARM's `principalName`,
/// `userPrincipalName`, `principalId`; Graph's `identity` `displayName`, `id`), `justification`
/// and `reviewedDateTime`. `None` when no stage was reviewed. `fields` finds a stage's fields (ARM
/// nests them in `properties`).
pub fn decision_of<'a>(
    stages: &'a [serde_json::Value],
    fields: impl Fn(&'a serde_json::Value) -> &'a serde_json::Value,
) -> Option<crate::model::Decision> {
    let text = |v: &serde_json::Value| {
        v.as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    stages
        .iter()
        .map(&fields)
        .filter(|f| {
            f["reviewresult"].as_str().is_some_and(|r| {
                r.eq_ignore_ascii_case("Approve") || r.eq_ignore_ascii_case("Deny")
            })
        })
        .map(|f| {
            let by = &f["reviewedby"];
            crate::model::Decision {
                by: text(&by["principalname"])
                    .or_else(|| text(&by["displayname"]))
                    .or_else(|| text(&by["userprincipalname"])),
                by_id: text(&by["principalid"]).or_else(|| text(&by["id"])),
                reason: text(&f["justification"]),
                at: crate::wire::parse_time(f["revieweddatetime"].as_str()),
            }
        })
        .max_by_key(|d| d.at)
}
