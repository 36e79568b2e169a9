//! Which watcher events have been shown already (`notified`), so that a restart repeats nothing.

use chrono::{DateTime, Utc};

use super::codec::time_text;
use super::{Store, StoreError};

impl Store {
    /// Records that the event `key` was shown at `at`; `false` when it had been shown before.
    pub async fn mark_notified(&self, key: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = sqlx::query("INSERT OR IGNORE INTO notified (event_key, at) VALUES (?, ?)")
            .bind(key)
            .bind(time_text(at))
            .execute(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(result.rows_affected() == 1)
    }

    /// Whether the event `key` has been shown (recorded by [`Store::mark_notified`]).
    pub async fn is_notified(&self, key: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM notified WHERE event_key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(found.is_some())
    }

    /// Forgets events recorded before `before` (their grants are long gone).
    pub async fn prune_notified(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM notified WHERE at < ?")
            .bind(time_text(before))
            .execute(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(result.rows_affected())
    }
}
