//! The history of requests made from this machine.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::codec::{enum_text, parse_enum, parse_time, time_text};
use super::{Store, StoreError};
use crate::model::{RequestKind, RequestStatus, RoleKey, Source, Span, Ticket};

/// A request to record (everything but the local id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHistoryEntry {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Which account made it.
    pub account: String,
    /// Which source.
    pub source: Source,
    /// Role + scope key.
    pub key: RoleKey,
    /// Role name at the time.
    pub role_name: String,
    /// Scope id it was made at.
    pub scope_id: String,
    /// Scope name at the time.
    pub scope_name: String,
    /// What it asked for.
    pub kind: RequestKind,
    /// The justification given.
    pub justification: Option<String>,
    /// The ticket given.
    pub ticket: Option<Ticket>,
    /// The duration asked for.
    pub duration: Option<Span>,
    /// Its outcome so far.
    pub status: RequestStatus,
    /// Azure's status value.
    pub azure_status: Option<String>,
    /// Azure's id of the request.
    pub azure_request_id: Option<String>,
    /// A user-facing error message, if it failed.
    pub error: Option<String>,
}

/// A recorded request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Local id.
    pub id: i64,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Which account made it.
    pub account: String,
    /// Which source.
    pub source: Source,
    /// Role + scope key.
    pub key: RoleKey,
    /// Role name at the time.
    pub role_name: String,
    /// Scope id it was made at.
    pub scope_id: String,
    /// Scope name at the time.
    pub scope_name: String,
    /// What it asked for.
    pub kind: RequestKind,
    /// The justification given.
    pub justification: Option<String>,
    /// The ticket given.
    pub ticket: Option<Ticket>,
    /// The duration asked for.
    pub duration: Option<Span>,
    /// Its last known outcome.
    pub status: RequestStatus,
    /// Azure's status value.
    pub azure_status: Option<String>,
    /// Azure's id of the request.
    pub azure_request_id: Option<String>,
    /// A user-facing error message, if it failed.
    pub error: Option<String>,
}

/// Which history to read.
#[derive(Clone, Debug, Default)]
pub struct HistoryQuery {
    /// At most this many, newest first.
    pub limit: Option<u32>,
    /// Only this source.
    pub source: Option<Source>,
    /// Only this account.
    pub account: Option<String>,
}

impl Store {
    /// Records a request; returns its local id.
    pub async fn record_request(&self, entry: &NewHistoryEntry) -> Result<i64, StoreError> {
        let result = sqlx::query(
            "INSERT INTO history (at, account, source, role_key, role_name, scope_id, scope_name, kind, justification, \
             ticket_system, ticket_number, duration_secs, status, azure_status, azure_request_id, error) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(time_text(entry.at))
        .bind(&entry.account)
        .bind(enum_text(&entry.source)?)
        .bind(entry.key.as_str())
        .bind(&entry.role_name)
        .bind(&entry.scope_id)
        .bind(&entry.scope_name)
        .bind(enum_text(&entry.kind)?)
        .bind(&entry.justification)
        .bind(entry.ticket.as_ref().map(|t| t.system.clone()))
        .bind(entry.ticket.as_ref().map(|t| t.number.clone()))
        .bind(entry.duration.map(|d| i64::try_from(d.as_seconds()).unwrap_or(i64::MAX)))
        .bind(enum_text(&entry.status)?)
        .bind(&entry.azure_status)
        .bind(&entry.azure_request_id)
        .bind(&entry.error)
        .execute(self.pool())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(result.last_insert_rowid())
    }

    /// Records how a request ended (or where it stands).
    pub async fn update_request_outcome(
        &self,
        id: i64,
        status: RequestStatus,
        azure_status: Option<&str>,
        azure_request_id: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE history SET status = ?, azure_status = COALESCE(?, azure_status), \
             azure_request_id = COALESCE(?, azure_request_id), error = ? WHERE id = ?",
        )
        .bind(enum_text(&status)?)
        .bind(azure_status)
        .bind(azure_request_id)
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Updates the status of the request Azure knows as `azure_request_id` (case-insensitively);
    /// returns how many entries changed.
    pub async fn update_status_by_azure_id(
        &self,
        azure_request_id: &str,
        status: RequestStatus,
        azure_status: Option<&str>,
    ) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "UPDATE history SET status = ?, azure_status = COALESCE(?, azure_status) \
             WHERE azure_request_id = ? COLLATE NOCASE",
        )
        .bind(enum_text(&status)?)
        .bind(azure_status)
        .bind(azure_request_id)
        .execute(self.pool())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(result.rows_affected())
    }

    /// Recorded requests, newest first.
    pub async fn history(&self, query: &HistoryQuery) -> Result<Vec<HistoryEntry>, StoreError> {
        let source = match &query.source {
            Some(s) => Some(enum_text(s)?),
            None => None,
        };
        let rows = sqlx::query(
            "SELECT * FROM history WHERE (?1 IS NULL OR source = ?1) AND (?2 IS NULL OR account = ?2) \
             ORDER BY at DESC, id DESC LIMIT ?3",
        )
        .bind(source)
        .bind(&query.account)
        .bind(query.limit.map(i64::from).unwrap_or(-1))
        .fetch_all(self.pool())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(rows.iter().filter_map(read_entry).collect())
    }

    /// Distinct justifications, most recent first (for "recent reasons").
    pub async fn recent_justifications(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT justification FROM history WHERE justification IS NOT NULL AND justification <> '' \
             GROUP BY justification ORDER BY MAX(at) DESC, MAX(id) DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(|e| self.fail(e))
    }
}

fn read_entry(row: &SqliteRow) -> Option<HistoryEntry> {
    let text = |name: &str| row.try_get::<String, _>(name).ok();
    let optional = |name: &str| row.try_get::<Option<String>, _>(name).ok().flatten();
    let entry = (|| {
        Some(HistoryEntry {
            id: row.try_get("id").ok()?,
            at: parse_time(&text("at")?)?,
            account: text("account")?,
            source: parse_enum(&text("source")?)?,
            key: RoleKey::from_raw(text("role_key")?),
            role_name: text("role_name")?,
            scope_id: text("scope_id")?,
            scope_name: text("scope_name")?,
            kind: parse_enum(&text("kind")?)?,
            justification: optional("justification"),
            ticket: match (optional("ticket_system"), optional("ticket_number")) {
                (Some(system), Some(number)) => Some(Ticket { system, number }),
                _ => None,
            },
            duration: row
                .try_get::<Option<i64>, _>("duration_secs")
                .ok()
                .flatten()
                .and_then(|s| u64::try_from(s).ok())
                .map(Span::from_seconds),
            status: parse_enum(&text("status")?)?,
            azure_status: optional("azure_status"),
            azure_request_id: optional("azure_request_id"),
            error: optional("error"),
        })
    })();
    if entry.is_none() {
        tracing::warn!(target: "elevate::store", "skipped a history row this version cannot read");
    }
    entry
}
