//! The favourites and sets an organisation's managed configuration gives everyone, put into the
//! user's store when a session opens. Roles are named `ROLE@SCOPE` and found among the roles last
//! read (the cache, no call to Azure); one the user is not eligible for is left out (logged).
//! A favourite the user already has is left as the user made it unless the organisation locks
//! favourites; a set of the same name is replaced.

use elevate_core::managed::{ManagedKey, ManagedPolicy};
use elevate_core::model::{Eligibility, RoleKey};
use elevate_core::selector::select_one;
use elevate_core::session::Session;
use elevate_core::store::{Favourite, RoleSet};

/// Puts `policy`'s favourites and sets into `session`'s store.
pub(crate) async fn apply(session: &Session, policy: &ManagedPolicy) {
    let values = &policy.values;
    if values.favourites.is_empty() && values.sets.is_empty() {
        return;
    }
    let roles = match session.cached_roles().await {
        Ok(roles) => roles,
        Err(e) => {
            tracing::warn!(target: "elevate::managed", error = %e, "managed favourites wait for a roles list");
            return;
        }
    };
    let store = session.store();
    let key_of = |selector: &str| -> Option<RoleKey> {
        match select_one::<Eligibility>(&roles, selector) {
            Ok(role) => Some(role.key.clone()),
            Err(e) => {
                tracing::info!(target: "elevate::managed", selector, error = %e, "managed role not among the roles read");
                None
            }
        }
    };
    let have: Vec<RoleKey> = store
        .favourites()
        .await
        .map(|f| f.into_iter().map(|f| f.key).collect())
        .unwrap_or_default();
    let replace = policy.locked_by(ManagedKey::Favourites).is_some();
    for favourite in &values.favourites {
        let Some(key) = key_of(&favourite.role) else {
            continue;
        };
        if have.contains(&key) && !replace {
            continue;
        }
        let saved = Favourite {
            key,
            label: None,
            justification: favourite.justification.clone(),
            ticket: None,
            duration: favourite.duration,
            created: chrono::Utc::now(),
        };
        if let Err(e) = store.upsert_favourite(&saved).await {
            tracing::warn!(target: "elevate::managed", error = %e, "could not save a managed favourite");
        }
    }
    for set in &values.sets {
        let keys: Vec<RoleKey> = set.roles.iter().filter_map(|r| key_of(r)).collect();
        if keys.is_empty() {
            continue;
        }
        let saved = RoleSet {
            name: set.name.clone(),
            keys,
            justification: set.justification.clone(),
            duration: set.duration,
        };
        if let Err(e) = store.upsert_set(&saved).await {
            tracing::warn!(target: "elevate::managed", error = %e, "could not save a managed set");
        }
    }
}
