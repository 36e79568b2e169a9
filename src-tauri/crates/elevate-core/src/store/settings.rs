//! Settings: small JSON values by key.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::codec::json_text;
use super::{Store, StoreError};

impl Store {
    /// Saves a setting.
    pub async fn set_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        sqlx::query("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)")
            .bind(key)
            .bind(json_text(key, value)?)
            .execute(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Reads a setting; `None` when absent, or when the stored value no longer fits `T` (logged).
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(value.and_then(|v| match serde_json::from_str(&v) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                tracing::warn!(target: "elevate::store", key, error = %e, "ignored a setting this version cannot read");
                None
            }
        }))
    }
}
