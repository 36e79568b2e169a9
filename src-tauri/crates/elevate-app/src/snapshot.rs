//! One consistent picture of the user's state: what they may activate (read from Azure when asked,
//! else from the local cache), what is active, what they asked for and what waits for their
//! decision (the watcher's [`LiveState`]: never read again here), and their favourites and sets.
//! The tray menu and the window are both drawn from it.

use chrono::{DateTime, Utc};
use elevate_core::model::{ActiveGrant, Eligibility, RequestRecord, RoleKey};
use elevate_core::session::{Account, Listing, Session, SourceFailure};
use elevate_core::store::{Favourite, RoleSet};
use elevate_core::watch::LiveState;

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
    /// Who may approve each of the user's requests that wait for approval: the request's id and
    /// the approvers' names in one line (empty when they could not be read), see
    /// [`Snapshot::waiting_for`].
    pub waiting_for: Vec<(String, String)>,
    /// What could not be read, by part (gathered into `problems`).
    pub(crate) roles_problems: Vec<String>,
    pub(crate) live_problems: Vec<String>,
    pub(crate) local_problems: Vec<String>,
}

impl Snapshot {
    /// What needs no call to Azure: the account, the roles from the local cache, favourites and
    /// sets. The grants, requests and approvals come from the watcher ([`Snapshot::take_live`]).
    pub async fn local(session: &Session, now: DateTime<Utc>) -> Snapshot {
        let mut snapshot = Snapshot {
            account: Some(session.account().clone()),
            read_at: Some(now),
            ..Snapshot::default()
        };
        match session.cached_roles().await {
            Ok(roles) => {
                snapshot.roles_from_cache = !roles.is_empty();
                snapshot.roles = roles;
            }
            Err(e) => snapshot
                .roles_problems
                .push(format!("the cached roles could not be read: {e}")),
        }
        snapshot.read_local(session).await;
        snapshot
    }

    /// Takes a fresh listing of the eligible roles (from [`Session::roles`], which also refreshes
    /// their cache). A source that failed keeps the roles known before and is named among the
    /// problems.
    pub fn take_roles(&mut self, listing: Listing<Eligibility>) {
        let failed: Vec<_> = listing.failures.iter().map(|f| f.source).collect();
        let mut roles = listing.items;
        roles.extend(self.roles.drain(..).filter(|r| failed.contains(&r.source)));
        self.roles_problems = problems_of(&listing.failures);
        self.roles = roles;
        self.roles_from_cache = false;
        self.gather_problems();
    }

    /// Favourites and sets, from the local store (no call to Azure).
    pub async fn read_local(&mut self, session: &Session) {
        let (favourites, sets) = tokio::join!(session.store().favourites(), session.store().sets());
        self.local_problems.clear();
        self.favourites = favourites.unwrap_or_else(|e| {
            self.local_problems
                .push(format!("favourites could not be read: {e}"));
            Vec::new()
        });
        self.sets = sets.unwrap_or_else(|e| {
            self.local_problems
                .push(format!("sets could not be read: {e}"));
            Vec::new()
        });
        self.gather_problems();
    }

    /// The grants among `active` whose role's policy, as last read, requires approval (from the
    /// local cache: no call to Azure).
    pub async fn approval_required(session: &Session, active: &[ActiveGrant]) -> Vec<RoleKey> {
        let mut keys = Vec::new();
        for grant in active {
            if session
                .cached_policy(&grant.key)
                .await
                .is_some_and(|p| p.approval_required)
            {
                keys.push(grant.key.clone());
            }
        }
        keys
    }

    /// Who may approve each request of `pending` that waits for approval ([`Session::approvers_for`]:
    /// the policy as read within the hour, names from Graph where allowed). A request already in
    /// `known` keeps what was found for it (approvers rarely change while a request waits, and a
    /// refused read is not tried again every minute).
    pub async fn waiting_for(
        session: &Session,
        pending: &[RequestRecord],
        known: &[(String, String)],
    ) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for request in pending
            .iter()
            .filter(|r| r.status == elevate_core::model::RequestStatus::PendingApproval)
        {
            if let Some(entry) = known.iter().find(|(id, _)| *id == request.id) {
                found.push(entry.clone());
                continue;
            }
            let names = match session.approvers_for(request).await {
                Ok(approvers) => crate::contact::names(&approvers),
                Err(e) => {
                    tracing::debug!(target: "elevate::snapshot", error = %e, "who may approve could not be read");
                    String::new()
                }
            };
            found.push((request.id.clone(), names));
        }
        found
    }

    /// The approvers' names of the user's request `id`, when known.
    pub fn approvers_of(&self, id: &str) -> Option<&str> {
        self.waiting_for
            .iter()
            .find(|(r, names)| r == id && !names.is_empty())
            .map(|(_, names)| names.as_str())
    }

    /// Takes the grants, requests and approvals the watcher read last, with which of those grants'
    /// policies require approval ([`Snapshot::approval_required`]).
    pub fn take_live(&mut self, live: &LiveState, approval_required: Vec<RoleKey>) {
        self.active = live.active.clone();
        self.pending = live.pending.clone();
        if let Some(approvals) = &live.approvals {
            self.approvals = approvals.clone();
        }
        self.live_problems = problems_of(&live.failures);
        if live.read_at.is_some() {
            self.read_at = live.read_at;
        }
        self.approval_required = approval_required;
        self.gather_problems();
    }

    fn gather_problems(&mut self) {
        self.problems = self
            .roles_problems
            .iter()
            .chain(&self.live_problems)
            .chain(&self.local_problems)
            .cloned()
            .collect();
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

fn problems_of(failures: &[SourceFailure]) -> Vec<String> {
    failures
        .iter()
        .map(|SourceFailure { source, error }| format!("{}: {}", source.label(), error.message))
        .collect()
}
