//! The user's activity from Azure: the requests Azure holds for the user, made with any tool
//! (the portal, the Azure CLI, Elevate on another machine), merged with this machine's history.
//! One request is one row: a request sent from here and listed by Azure is "this machine", with
//! Azure's current status; one Azure lists that this machine never sent is "elsewhere"; one this
//! machine recorded that Azure no longer lists (or that never reached Azure) stays as recorded.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Session, SourceFailure};
use crate::error::Result;
use crate::model::{RequestKind, RequestRecord, RequestStatus, Source, Span, Ticket};
use crate::store::{HistoryEntry, HistoryQuery};

/// Where a request was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// From this machine (in its history).
    ThisMachine,
    /// With another tool or on another machine (only Azure knows it).
    Elsewhere,
}

impl Origin {
    /// The stable name used in JSON and CSV.
    pub const fn as_str(self) -> &'static str {
        match self {
            Origin::ThisMachine => "this-machine",
            Origin::Elsewhere => "elsewhere",
        }
    }

    /// For people.
    pub const fn label(self) -> &'static str {
        match self {
            Origin::ThisMachine => "this machine",
            Origin::Elsewhere => "elsewhere",
        }
    }
}

/// One request in the merged activity.
#[derive(Clone, Debug, Serialize)]
pub struct ActivityRow {
    /// When it was made (this machine's record, else Azure's `createdOn`/`createdDateTime`).
    pub at: DateTime<Utc>,
    /// Where it was made.
    pub origin: Origin,
    /// Which source.
    pub source: Source,
    /// What it asked for.
    pub kind: RequestKind,
    /// The role's name.
    pub role: String,
    /// The scope's id.
    pub scope_id: String,
    /// The scope's name.
    pub scope_name: String,
    /// Its outcome: Azure's current one where Azure lists it, else the one recorded here.
    pub status: RequestStatus,
    /// Azure's status value, unchanged.
    pub azure_status: Option<String>,
    /// The justification sent.
    pub justification: Option<String>,
    /// The ticket sent.
    pub ticket: Option<Ticket>,
    /// The duration asked for.
    pub duration: Option<Span>,
    /// Azure's id of the request.
    pub azure_request_id: Option<String>,
    /// The error this machine recorded, if it failed here.
    pub error: Option<String>,
    /// Who approved or denied it, where Azure's request record says.
    pub decided_by: Option<String>,
    /// Their reason, where Azure's request record says.
    pub decision_reason: Option<String>,
    /// Whether Azure lists it now.
    pub listed_by_azure: bool,
}

/// The merged activity, newest first, and the sources Azure could not list (their requests made
/// elsewhere are missing; this machine's are still there).
#[derive(Clone, Debug, Serialize)]
pub struct Activity {
    /// One row per request.
    pub rows: Vec<ActivityRow>,
    /// Sources that could not be listed.
    pub failures: Vec<SourceFailure>,
}

impl Session {
    /// The user's requests across every tool: Azure's own list of them (`asRequestor()` for Azure
    /// resource roles, `filterByCurrentUser(on='principal')` for Entra roles and groups; the same
    /// listing as `requests`) merged with this machine's history, newest first, at most `limit`.
    pub async fn activity(&self, limit: u32) -> Result<Activity> {
        let local = self
            .store
            .history(&HistoryQuery {
                limit: Some(limit),
                source: None,
                account: Some(self.account.name.clone()),
            })
            .await?;
        let mut azure = self.requests(&[]).await;
        // Who decided and why: read for the newest decided requests only (one approval read each).
        azure.items.sort_by_key(|r| std::cmp::Reverse(r.created));
        let decided = azure.items.iter_mut().filter(|r| {
            r.approval_id.is_some()
                && matches!(r.status, RequestStatus::Done | RequestStatus::Denied)
        });
        for record in decided.take(DECISIONS_READ) {
            record.decision = self.decision(record).await;
        }
        Ok(merge(local, azure.items, azure.failures, limit))
    }
}

/// How many decided requests have their approval read for who decided and why.
const DECISIONS_READ: usize = 10;

/// The decision recorded on `record` (read from its approval stages by `Session::decision`): who
/// and why.
fn decision(record: &RequestRecord) -> (Option<String>, Option<String>) {
    match &record.decision {
        Some(d) => (d.by.clone(), d.reason.clone()),
        None => (None, None),
    }
}

/// How one request is known on both sides: its source and its name (the last segment of its id,
/// a GUID), case-insensitively.
fn identity(source: Source, id: &str) -> (Source, String) {
    let name = id.trim_end_matches('/').rsplit('/').next().unwrap_or(id);
    (source, name.to_ascii_lowercase())
}

/// Merges `local` (this machine's history) with `azure` (the requests Azure lists), newest first,
/// at most `limit` rows.
pub fn merge(
    local: Vec<HistoryEntry>,
    azure: Vec<RequestRecord>,
    failures: Vec<SourceFailure>,
    limit: u32,
) -> Activity {
    let mut by_id: HashMap<(Source, String), RequestRecord> = azure
        .into_iter()
        .map(|r| (identity(r.source, &r.id), r))
        .collect();
    let mut rows: Vec<ActivityRow> = Vec::new();
    for entry in local {
        let listed = entry
            .azure_request_id
            .as_deref()
            .filter(|id| !id.trim().is_empty())
            .and_then(|id| by_id.remove(&identity(entry.source, id)));
        let (decided_by, decision_reason) = listed.as_ref().map(decision).unwrap_or_default();
        rows.push(ActivityRow {
            at: entry.at,
            origin: Origin::ThisMachine,
            source: entry.source,
            kind: entry.kind,
            role: entry.role_name,
            scope_id: entry.scope_id,
            scope_name: entry.scope_name,
            status: listed.as_ref().map_or(entry.status, |r| r.status),
            azure_status: listed
                .as_ref()
                .map(|r| r.azure_status.clone())
                .or(entry.azure_status),
            justification: entry.justification,
            ticket: entry.ticket,
            duration: entry.duration,
            azure_request_id: entry.azure_request_id,
            error: entry.error,
            decided_by,
            decision_reason,
            listed_by_azure: listed.is_some(),
        });
    }
    for record in by_id.into_values() {
        let (decided_by, decision_reason) = decision(&record);
        let Some(at) = record.created.or(record.start) else {
            // Azure dates every request; one without a date cannot be placed among the others.
            tracing::debug!(target: "elevate::session", id = %record.id, "an undated request was left out of the activity");
            continue;
        };
        rows.push(ActivityRow {
            at,
            origin: Origin::Elsewhere,
            source: record.source,
            kind: record.kind,
            role: record.role.name,
            scope_id: record.scope.id,
            scope_name: record.scope.name,
            status: record.status,
            azure_status: Some(record.azure_status),
            justification: record.justification,
            ticket: record.ticket,
            duration: record.duration,
            azure_request_id: Some(record.id),
            error: None,
            decided_by,
            decision_reason,
            listed_by_azure: true,
        });
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.at));
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Activity { rows, failures }
}
