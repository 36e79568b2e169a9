//! Favourites (one-click activations with saved answers) and saved sets of roles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::codec::{json_text, parse_time, time_text};
use super::{Store, StoreError};
use crate::model::{RoleKey, Span, Ticket};

/// A role to activate in one click, with the answers its policy needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Favourite {
    /// The role + scope.
    pub key: RoleKey,
    /// A label to show instead of "Role @ Scope".
    pub label: Option<String>,
    /// The justification to send.
    pub justification: Option<String>,
    /// The ticket to send.
    pub ticket: Option<Ticket>,
    /// The duration to ask for.
    pub duration: Option<Span>,
    /// When it was saved.
    pub created: DateTime<Utc>,
}

/// Several roles activated together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSet {
    /// Its name, unique regardless of case.
    pub name: String,
    /// The roles.
    pub keys: Vec<RoleKey>,
    /// The justification to send for all of them.
    pub justification: Option<String>,
    /// The duration to ask for.
    pub duration: Option<Span>,
}

impl Store {
    /// Saves a favourite, replacing one for the same role.
    pub async fn upsert_favourite(&self, favourite: &Favourite) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT OR REPLACE INTO favourites (role_key, label, justification, ticket_system, ticket_number, duration_secs, created) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(favourite.key.as_str())
        .bind(&favourite.label)
        .bind(&favourite.justification)
        .bind(favourite.ticket.as_ref().map(|t| t.system.clone()))
        .bind(favourite.ticket.as_ref().map(|t| t.number.clone()))
        .bind(favourite.duration.map(|d| i64::try_from(d.as_seconds()).unwrap_or(i64::MAX)))
        .bind(time_text(favourite.created))
        .execute(self.pool())
        .await
        .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Removes the favourite for `key`; whether there was one.
    pub async fn remove_favourite(&self, key: &RoleKey) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM favourites WHERE role_key = ?")
            .bind(key.as_str())
            .execute(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(result.rows_affected() > 0)
    }

    /// Every favourite, oldest first (the order they were added).
    pub async fn favourites(&self) -> Result<Vec<Favourite>, StoreError> {
        let rows = sqlx::query("SELECT * FROM favourites ORDER BY created, role_key")
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let optional = |name: &str| row.try_get::<Option<String>, _>(name).ok().flatten();
                Some(Favourite {
                    key: RoleKey::from_raw(row.try_get::<String, _>("role_key").ok()?),
                    label: optional("label"),
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
                    created: parse_time(&row.try_get::<String, _>("created").ok()?)?,
                })
            })
            .collect())
    }

    /// Saves a set, replacing one with the same name in any case.
    pub async fn upsert_set(&self, set: &RoleSet) -> Result<(), StoreError> {
        let name = set.name.trim();
        if name.is_empty() {
            return Err(StoreError::Encode {
                what: "a set".into(),
                detail: "its name is empty".into(),
            });
        }
        let mut tx = self.pool().begin().await.map_err(|e| self.fail(e))?;
        sqlx::query("DELETE FROM role_sets WHERE name = ?")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.fail(e))?;
        sqlx::query("INSERT INTO role_sets (name, body) VALUES (?, ?)")
            .bind(name)
            .bind(json_text(
                "a set",
                &RoleSet {
                    name: name.to_owned(),
                    ..set.clone()
                },
            )?)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.fail(e))?;
        tx.commit().await.map_err(|e| self.fail(e))
    }

    /// Removes the set called `name` (any case); whether there was one.
    pub async fn remove_set(&self, name: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM role_sets WHERE name = ?")
            .bind(name.trim())
            .execute(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(result.rows_affected() > 0)
    }

    /// Every set, by name.
    pub async fn sets(&self) -> Result<Vec<RoleSet>, StoreError> {
        let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM role_sets ORDER BY name")
            .fetch_all(self.pool())
            .await
            .map_err(|e| self.fail(e))?;
        Ok(bodies
            .iter()
            .filter_map(|b| match serde_json::from_str(b) {
                Ok(set) => Some(set),
                Err(_) => {
                    tracing::warn!(target: "elevate::store", "skipped a saved set this version cannot read");
                    None
                }
            })
            .collect())
    }
}
