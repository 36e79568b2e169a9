//! A disposable cache of eligibilities and policies, for an instant start.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::codec::{enum_text, json_text, parse_time, time_text};
use super::{Store, StoreError};
use crate::model::{Eligibility, Policy, RoleKey, Source};

/// Rows per INSERT statement (5 parameters each, far below SQLite's limit of 32,766).
const ROWS_PER_INSERT: usize = 200;

/// An eligibility as last fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedEligibility {
    /// The eligibility.
    pub eligibility: Eligibility,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
}

impl Store {
    /// Replaces `account`'s cached eligibilities from `source` with `items`, in one transaction.
    pub async fn save_eligibilities(
        &self,
        account: &str,
        source: Source,
        items: &[Eligibility],
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let source = enum_text(&source)?;
        let at = time_text(fetched_at);
        let mut tx = self.pool().begin().await.map_err(|e| self.fail(e))?;
        sqlx::query("DELETE FROM eligibility_cache WHERE account = ? AND source = ?")
            .bind(account)
            .bind(&source)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.fail(e))?;
        // Many rows per statement: each statement is a round trip to SQLite's worker thread.
        for chunk in items.chunks(ROWS_PER_INSERT) {
            let placeholders = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT OR REPLACE INTO eligibility_cache (account, source, role_key, body, fetched_at) VALUES {placeholders}"
            );
            let mut query = sqlx::query(&sql);
            for item in chunk {
                query = query
                    .bind(account)
                    .bind(&source)
                    .bind(item.key.as_str())
                    .bind(json_text("an eligibility", item)?)
                    .bind(&at);
            }
            query.execute(&mut *tx).await.map_err(|e| self.fail(e))?;
        }
        tx.commit().await.map_err(|e| self.fail(e))
    }

    /// `account`'s cached eligibilities from every source. Rows this version cannot read are skipped.
    pub async fn cached_eligibilities(
        &self,
        account: &str,
    ) -> Result<Vec<CachedEligibility>, StoreError> {
        let rows = sqlx::query("SELECT body, fetched_at FROM eligibility_cache WHERE account = ? ORDER BY source, role_key")
            .bind(account)
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let body: String = row.try_get("body").ok()?;
                let fetched: String = row.try_get("fetched_at").ok()?;
                match (serde_json::from_str(&body), parse_time(&fetched)) {
                    (Ok(eligibility), Some(fetched_at)) => Some(CachedEligibility { eligibility, fetched_at }),
                    _ => {
                        tracing::warn!(target: "elevate::store", "skipped a cached eligibility this version cannot read");
                        None
                    }
                }
            })
            .collect())
    }

    /// Caches the policy of `key` for `account`.
    pub async fn save_policy(
        &self,
        account: &str,
        key: &RoleKey,
        policy: &Policy,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT OR REPLACE INTO policy_cache (account, role_key, body, fetched_at) VALUES (?, ?, ?, ?)")
            .bind(account)
            .bind(key.as_str())
            .bind(json_text("a policy", policy)?)
            .bind(time_text(fetched_at))
            .execute(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// The cached policy of `key` for `account`, with when it was fetched.
    pub async fn cached_policy(
        &self,
        account: &str,
        key: &RoleKey,
    ) -> Result<Option<(Policy, DateTime<Utc>)>, StoreError> {
        let row = sqlx::query(
            "SELECT body, fetched_at FROM policy_cache WHERE account = ? AND role_key = ?",
        )
        .bind(account)
        .bind(key.as_str())
        .fetch_optional(self.pool())
        .await
        .map_err(|e| self.fail(e))?;
        let Some(row) = row else { return Ok(None) };
        let body: String = row.try_get("body").map_err(|e| self.fail(e))?;
        let fetched: String = row.try_get("fetched_at").map_err(|e| self.fail(e))?;
        match (serde_json::from_str(&body), parse_time(&fetched)) {
            (Ok(policy), Some(at)) => Ok(Some((policy, at))),
            _ => {
                tracing::warn!(target: "elevate::store", "ignored a cached policy this version cannot read");
                Ok(None)
            }
        }
    }
}
