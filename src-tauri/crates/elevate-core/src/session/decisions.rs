//! Why it was decided: who decided the user's request (its approval's reviewed stage) and who
//! removed a grant (an administrator's removal request), with names from Graph where Azure gives
//! only an object id. Each is one read, made when the watcher sees the decision or the revoke, not
//! per poll; a refusal (403) or a failure is no answer, never an error.

use super::{REQUESTER_REUSE, Session};
use crate::model::{ActiveGrant, Decision, RequestRecord};
use crate::wire::RequesterFields;

impl Session {
    /// Who decided `request` and why, where Azure lets the requester read its approval; `None`
    /// when it has no approval, Azure refuses (403) or the read fails.
    pub async fn decision(&self, request: &RequestRecord) -> Option<Decision> {
        let client = self.client(request.source).ok()?;
        match client.decision(request).await {
            Ok(Some(mut decision)) => {
                self.name_person(&mut decision).await;
                Some(decision)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(target: "elevate::session", error = %e, "could not read who decided the request");
                None
            }
        }
    }

    /// Who removed `grant` before its end and why, when Azure records an administrator's removal
    /// request for it; `None` otherwise (removed by another tool, or the read failed).
    pub async fn removal(&self, grant: &ActiveGrant) -> Option<Decision> {
        let client = self.client(grant.source).ok()?;
        match client.removal(grant).await {
            Ok(Some(mut removal)) => {
                self.name_person(&mut removal).await;
                Some(removal)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(target: "elevate::session", error = %e, "could not read who removed the grant");
                None
            }
        }
    }

    /// Gives a decision whose maker Azure named only by object id a name from Graph (display
    /// name, else UPN), where the user may read users; else the id stays.
    async fn name_person(&self, decision: &mut Decision) {
        if decision.by.is_some() {
            return;
        }
        let Some(id) = decision.by_id.clone() else {
            return;
        };
        decision.by = match self.person(&id).await {
            Some(fields) => fields.name.or(fields.upn).or(Some(id)),
            None => Some(id),
        };
    }

    /// A user as Graph has them, through the session's requester cache.
    async fn person(&self, id: &str) -> Option<RequesterFields> {
        let graph = self.graph.as_ref()?;
        let now = self.clock.now();
        let key = id.to_ascii_lowercase();
        let known = self.requesters.lock().ok().and_then(|cache| {
            cache
                .get(&key)
                .filter(|(_, at)| now.signed_duration_since(*at) < REQUESTER_REUSE)
                .map(|(fields, _)| fields.clone())
        });
        if let Some(fields) = known {
            return fields;
        }
        let found = match graph.user(id).await {
            Ok(fields) => Some(fields),
            Err(e) => {
                tracing::debug!(target: "elevate::session", error = %e, "could not read a user from Graph");
                None
            }
        };
        if let Ok(mut cache) = self.requesters.lock() {
            cache.insert(key, (found.clone(), now));
        }
        found
    }
}
