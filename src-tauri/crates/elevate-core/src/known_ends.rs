//! The end times Elevate knows of the user's time-bound eligibilities and assignments, kept in
//! the store so that one that has ended (and is no longer listed by Azure) can still be renewed,
//! and so that the watcher follows ends without listing anything more often.
//!
//! Each listing replaces what is known of the sources it covered; an item no longer listed is
//! kept only when it has ended (for [`RENEW_WINDOW`] after its end), not when it disappeared
//! before its end (removed by an administrator: nothing to renew).

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{Expiring, Holding, RENEW_WINDOW, Source};
use crate::store::{Store, StoreError};

/// The store setting that holds them.
const SETTING: &str = "known-ends";

/// Everything known, newest listing first as saved.
pub async fn load(store: &Store) -> Result<Vec<Expiring>, StoreError> {
    Ok(store
        .setting::<Vec<Expiring>>(SETTING)
        .await?
        .unwrap_or_default())
}

/// Records what a listing of `holding` from `listed` sources found (`fresh`, time-bound ones and
/// others alike; only time-bound ones the user could ask more time for are kept) at `now`, and
/// returns everything known afterwards.
pub async fn remember(
    store: &Store,
    holding: Holding,
    listed: &[Source],
    fresh: Vec<Expiring>,
    now: DateTime<Utc>,
) -> Result<Vec<Expiring>, StoreError> {
    let known = load(store).await?;
    let merged = merge(known.clone(), holding, listed, fresh, now);
    if merged != known {
        store.set_setting(SETTING, &merged).await?;
    }
    Ok(merged)
}

/// The pure part of [`remember`].
pub fn merge(
    known: Vec<Expiring>,
    holding: Holding,
    listed: &[Source],
    fresh: Vec<Expiring>,
    now: DateTime<Utc>,
) -> Vec<Expiring> {
    // Time-bound, held directly, not an activation; groups too (their notice names the owners).
    let keep = |e: &Expiring| e.end.is_some() && !e.activated && e.direct;
    let fresh: Vec<Expiring> = fresh.into_iter().filter(keep).collect();
    let mut merged: Vec<Expiring> = Vec::new();
    for old in known {
        if old.end.is_some_and(|end| now - end > RENEW_WINDOW) {
            continue;
        }
        let covered = old.holding == holding && listed.contains(&old.source);
        let relisted = fresh
            .iter()
            .any(|f| f.holding == old.holding && f.key == old.key);
        let ended_lately = old
            .end
            .is_some_and(|end| end <= now + TimeDelta::minutes(1) && now - end <= RENEW_WINDOW);
        if !covered || (!relisted && ended_lately) {
            merged.push(old);
        }
    }
    merged.extend(fresh);
    merged
}
