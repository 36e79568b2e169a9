//! What the window's commands do with the session, without Tauri: the policy with the reasons used
//! before, history, favourites and sets in the store, and finding the request a decision is about.

use chrono::{DateTime, Utc};
use elevate_core::Error;
use elevate_core::model::{Eligibility, RequestRecord, RoleKey, Span};
use elevate_core::session::Session;
use elevate_core::store::{HistoryQuery, Store};

use super::error::{Answer, invalid};
use super::forms::{FavouriteChange, FavouriteForm, SetForm};
use super::view::{HistoryView, PolicyView, minutes};
use crate::snapshot::Snapshot;

/// How many reasons used before the form offers.
const RECENT_REASONS: usize = 5;

/// What `role`'s policy asks before activation, starting from `default` and offering the settings'
/// `presets` and the reasons used before. A policy that cannot be read leaves Azure to check.
pub async fn policy(
    session: &Session,
    role: &Eligibility,
    default: Span,
    presets: Vec<String>,
) -> PolicyView {
    let mut policy = session.policy(role).await.ok();
    if let Some(policy) = policy.as_mut().filter(|p| p.approval_required) {
        session.name_approvers(&mut policy.approvers).await;
    }
    let recent = recent_reasons(session.store(), &session.account().name, &role.key).await;
    let mut view = PolicyView::of(policy.as_ref(), minutes(default), recent);
    view.presets = presets;
    view
}

/// Justifications `account` gave before, this role's first, newest first, without repeats.
pub async fn recent_reasons(store: &Store, account: &str, key: &RoleKey) -> Vec<String> {
    let query = HistoryQuery {
        limit: Some(200),
        source: None,
        account: Some(account.to_owned()),
    };
    let entries = store.history(&query).await.unwrap_or_default();
    let (mine, others): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| &e.key == key);
    let mut reasons: Vec<String> = Vec::new();
    for reason in mine
        .into_iter()
        .chain(others)
        .filter_map(|e| e.justification)
    {
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
        if reasons.len() == RECENT_REASONS {
            break;
        }
    }
    reasons
}

/// The signed-in account's local history, newest first (at most `limit`, 100 when not given).
pub async fn history(session: &Session, limit: Option<u32>) -> Answer<Vec<HistoryView>> {
    let store = session.store();
    let query = HistoryQuery {
        limit: Some(limit.unwrap_or(100).min(1000)),
        source: None,
        account: Some(session.account().name.clone()),
    };
    let entries = store.history(&query).await.map_err(Error::from)?;
    Ok(entries.iter().map(HistoryView::from).collect())
}

/// Saves or removes a favourite as the form asks (saved at `now`).
pub async fn set_favourite(
    session: &Session,
    form: FavouriteForm,
    now: DateTime<Utc>,
) -> Answer<()> {
    super::settings::refuse_if_locked(elevate_core::managed::ManagedKey::Favourites)?;
    let store = session.store();
    match form.change(now) {
        FavouriteChange::Save(favourite) => store.upsert_favourite(&favourite).await,
        FavouriteChange::Remove(key) => store.remove_favourite(&key).await.map(|_| ()),
    }
    .map_err(|e| Error::from(e).into())
}

/// Saves the form's set (replacing one with that name).
pub async fn save_set(session: &Session, form: SetForm) -> Answer<()> {
    super::settings::refuse_if_locked(elevate_core::managed::ManagedKey::Sets)?;
    let set = form.role_set()?;
    session
        .store()
        .upsert_set(&set)
        .await
        .map_err(|e| invalid(e.to_string()))
}

/// Removes the set `name`.
pub async fn remove_set(session: &Session, name: &str) -> Answer<()> {
    super::settings::refuse_if_locked(elevate_core::managed::ManagedKey::Sets)?;
    session
        .store()
        .remove_set(name)
        .await
        .map(|_| ())
        .map_err(|e| invalid(e.to_string()))
}

/// The request `id` waiting for the user's decision in `snapshot`, once a reason is given.
pub fn approval(snapshot: &Snapshot, id: &str, reason: &str) -> Answer<RequestRecord> {
    if reason.trim().is_empty() {
        return Err(invalid("say why: a reason is required to approve or deny"));
    }
    snapshot
        .approvals
        .iter()
        .find(|r| r.id == id)
        .cloned()
        .ok_or_else(|| invalid("that request no longer waits for you; refresh"))
}

#[cfg(test)]
mod tests {
    use elevate_core::model::{RequestKind, RequestStatus, Source};
    use elevate_core::store::NewHistoryEntry;

    use super::*;

    async fn record(store: &Store, account: &str, key: &str, reason: Option<&str>, minute: i64) {
        let entry = NewHistoryEntry {
            at: DateTime::from_timestamp(1_700_000_000 + minute * 60, 0).unwrap_or_default(),
            account: account.into(),
            source: Source::EntraRole,
            key: RoleKey::from_raw(key),
            role_name: "Reader".into(),
            scope_id: "/".into(),
            scope_name: "Directory".into(),
            kind: RequestKind::Activate,
            justification: reason.map(str::to_owned),
            ticket: None,
            duration: None,
            status: RequestStatus::Done,
            azure_status: None,
            azure_request_id: None,
            error: None,
        };
        store
            .record_request(&entry)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Against a real store: this role's reasons come first, newest first, once each, only the
    /// account's own, at most five.
    #[tokio::test]
    async fn recent_reasons_put_this_roles_first() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&dir.path().join("elevate.db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        record(&store, "ada", "other", Some("patching"), 1).await;
        record(&store, "ada", "mine", Some("incident 7"), 2).await;
        record(&store, "ada", "other", Some("audit"), 3).await;
        record(&store, "ada", "mine", Some("incident 8"), 4).await;
        record(&store, "ada", "mine", Some("incident 8"), 5).await;
        record(&store, "ada", "mine", None, 6).await;
        record(&store, "bob", "mine", Some("not yours"), 7).await;
        for n in 0..4 {
            record(&store, "ada", "third", Some(&format!("old {n}")), -10 - n).await;
        }
        let reasons = recent_reasons(&store, "ada", &RoleKey::from_raw("mine")).await;
        assert_eq!(
            reasons,
            vec!["incident 8", "incident 7", "audit", "patching", "old 0"]
        );
        store.close().await;
    }

    #[test]
    fn a_decision_needs_a_reason_and_a_waiting_request() {
        let snapshot = Snapshot::default();
        let error = approval(&snapshot, "r1", "  ")
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert!(error.message.contains("reason"), "{error}");
        let error = approval(&snapshot, "r1", "fine")
            .err()
            .unwrap_or_else(|| panic!("found"));
        assert!(error.message.contains("no longer waits"), "{error}");
    }
}
