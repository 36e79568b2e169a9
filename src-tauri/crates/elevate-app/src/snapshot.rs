//! One consistent picture of the user's state, read from the session: what they may activate, what is
//! active, what they asked for, what waits for their decision, and their favourites and sets. The tray
//! menu and the window are both drawn from it.

use chrono::{DateTime, Utc};
use elevate_core::model::{ActiveGrant, Eligibility, RequestRecord, RoleKey};
use elevate_core::session::{Account, Session, SourceFailure};
use elevate_core::store::{Favourite, RoleSet};

/// The user's state at one moment.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Who is signed in (none: signed out).
    pub account: Option<Account>,
    /// Everything the user may activate.
    pub roles: Vec<Eligibility>,
    /// Active grants.
    pub active: Vec<ActiveGrant>,
    /// The user's own requests that still wait (approval, or a later start).
    pub pending: Vec<RequestRecord>,
    /// Requests from others waiting for this user's decision.
    pub approvals: Vec<RequestRecord>,
    /// One-click activations.
    pub favourites: Vec<Favourite>,
    /// Roles activated together.
    pub sets: Vec<RoleSet>,
    /// Sources or parts that could not be read, said in words.
    pub problems: Vec<String>,
    /// When it was read (the session's clock).
    pub read_at: Option<DateTime<Utc>>,
    /// Whether the roles came from the local cache rather than from Azure.
    pub roles_from_cache: bool,
    /// Active grants whose role's policy (as last read) requires approval: Extend would leave
    /// them off while a new request waits, so it is not offered.
    pub approval_required: Vec<RoleKey>,
}

impl Snapshot {
    /// Reads everything from Azure (roles from the cache when `cached_roles`, for an instant start).
    pub async fn read(session: &Session, cached_roles: bool, now: DateTime<Utc>) -> Snapshot {
        let mut problems = Vec::new();
        let (roles, roles_from_cache) = if cached_roles {
            match session.cached_roles().await {
                Ok(roles) if !roles.is_empty() => (roles, true),
                _ => (listing(session.roles(&[]).await, &mut problems), false),
            }
        } else {
            (listing(session.roles(&[]).await, &mut problems), false)
        };
        let (active, requests, approvals) = tokio::join!(
            session.active(&[]),
            session.requests(&[]),
            session.approvals()
        );
        let active = listing(active, &mut problems);
        let mut approval_required = Vec::new();
        for grant in &active {
            if session
                .cached_policy(&grant.key)
                .await
                .is_some_and(|p| p.approval_required)
            {
                approval_required.push(grant.key.clone());
            }
        }
        let pending = listing(requests, &mut problems)
            .into_iter()
            .filter(|r| r.status.is_pending())
            .collect();
        let approvals = listing(approvals, &mut problems);
        let (favourites, sets) = match session.store() {
            Some(store) => {
                let favourites = store.favourites().await.unwrap_or_else(|e| {
                    problems.push(format!("favourites could not be read: {e}"));
                    Vec::new()
                });
                let sets = store.sets().await.unwrap_or_else(|e| {
                    problems.push(format!("sets could not be read: {e}"));
                    Vec::new()
                });
                (favourites, sets)
            }
            None => (Vec::new(), Vec::new()),
        };
        Snapshot {
            account: Some(session.account().clone()),
            roles,
            active,
            pending,
            approvals,
            favourites,
            sets,
            problems,
            read_at: Some(now),
            roles_from_cache,
            approval_required,
        }
    }

    /// The eligibility with `key`.
    pub fn role(&self, key: &RoleKey) -> Option<&Eligibility> {
        self.roles.iter().find(|r| &r.key == key)
    }

    /// Why Extend is not possible for `grant` at `now`, if it is not (see
    /// [`elevate_core::session::extend_blocked`]).
    pub fn extend_blocked(&self, grant: &ActiveGrant, now: DateTime<Utc>) -> Option<String> {
        elevate_core::session::extend_blocked(
            grant,
            self.approval_required.contains(&grant.key),
            now,
        )
    }

    /// The active grant of `key`.
    pub fn grant(&self, key: &RoleKey) -> Option<&ActiveGrant> {
        self.active.iter().find(|g| &g.key == key)
    }

    /// "Role @ Scope" for `key`, from whatever knows it.
    pub fn label_of(&self, key: &RoleKey) -> String {
        if let Some(role) = self.role(key) {
            return format!("{} @ {}", role.role.name, role.scope.name);
        }
        if let Some(grant) = self.grant(key) {
            return format!("{} @ {}", grant.role.name, grant.scope.name);
        }
        key.to_string()
    }
}

fn listing<T>(listing: elevate_core::session::Listing<T>, problems: &mut Vec<String>) -> Vec<T> {
    for SourceFailure { source, error } in listing.failures {
        problems.push(format!("{}: {}", source.label(), error.message));
    }
    listing.items
}
