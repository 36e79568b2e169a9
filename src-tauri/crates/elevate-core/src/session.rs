//! One signed-in account's view of PIM across sources: the engine the CLI and the tray call.
//!
//! A [`Session`] lists eligibilities and active grants from every source it has a client for (Azure
//! resource roles through ARM; Entra roles and PIM for Groups through Graph), fetching sources
//! concurrently and reporting a failed source beside the others' results; it activates,
//! deactivates and cancels, checks a role's policy before submitting, satisfies a claims challenge once
//! by asking the token source for a stronger token, and records every request in the local history.

mod decisions;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::{BoxFuture, join_all};
use serde::Serialize;

use crate::arm::{ArmClient, Submission};
use crate::auth::{Audience, FreshSignIn, TokenSource, decode_claims};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, ErrorReport, Needed, Result};
use crate::graph::GraphClient;
use crate::model::{
    ActivationRequest, ActiveGrant, Approver, ApproverKind, AssignmentType, Eligibility, Expiring,
    Holding, MoreTime, Policy, RequestKind, RequestRecord, RequestStatus, RoleAtScope, RoleKey,
    Source, Span, Ticket,
};
use crate::pim::PimClient;
use crate::store::{NewHistoryEntry, Store};
use crate::wire::RequesterFields;

mod activity;
mod check;

pub use activity::{Activity, ActivityRow, Origin};
pub use check::{Check, Concern, Verdict};

/// Who is signed in.
#[derive(Clone, Debug, Serialize)]
pub struct Account {
    /// The user's name (UPN), or the object id when the token has none.
    pub name: String,
    /// The user's object id: the `principalId` of every request.
    pub object_id: String,
    /// The tenant.
    pub tenant_id: Option<String>,
}

/// A source that could not be read, reported beside the results of the others.
#[derive(Clone, Debug, Serialize)]
pub struct SourceFailure {
    /// Which source.
    pub source: Source,
    /// What went wrong.
    pub error: ErrorReport,
}

/// Results from several sources.
#[derive(Clone, Debug, Serialize)]
pub struct Listing<T> {
    /// What the sources that answered returned.
    pub items: Vec<T>,
    /// The sources that failed.
    pub failures: Vec<SourceFailure>,
}

/// What the user wants from an activation; missing parts come from the policy and the defaults.
#[derive(Clone, Debug, Default)]
pub struct ActivationWish {
    /// Wanted duration; clamped to the role's maximum.
    pub duration: Option<Span>,
    /// Why.
    pub justification: Option<String>,
    /// Ticket.
    pub ticket: Option<Ticket>,
    /// Start later.
    pub start: Option<chrono::DateTime<Utc>>,
    /// Activate at a scope below the eligible one.
    pub narrower_scope: Option<String>,
}

/// How an action ended, in the few words a person (or a script) acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Done.
    Done,
    /// Waiting for an approver.
    PendingApproval,
    /// Accepted, still in progress at Azure.
    PendingOther,
    /// It was already active: nothing was requested.
    AlreadyActive,
    /// A request for it was already pending: nothing new was requested.
    AlreadyPending,
    /// Refused by an approver.
    Denied,
    /// Canceled.
    Canceled,
    /// Azure could not do it.
    Failed,
    /// It could not be requested (see `error`).
    Error,
}

impl From<RequestStatus> for Outcome {
    fn from(status: RequestStatus) -> Self {
        match status {
            RequestStatus::Done => Outcome::Done,
            RequestStatus::PendingApproval => Outcome::PendingApproval,
            RequestStatus::PendingOther => Outcome::PendingOther,
            RequestStatus::Denied => Outcome::Denied,
            RequestStatus::Canceled => Outcome::Canceled,
            RequestStatus::Failed => Outcome::Failed,
        }
    }
}

/// The result of one activation, deactivation or extension.
#[derive(Clone, Debug, Serialize)]
pub struct ActionResult {
    /// The role + scope key.
    pub key: RoleKey,
    /// Which source.
    pub source: Source,
    /// Role name.
    pub role: String,
    /// Scope id.
    pub scope: String,
    /// Scope name.
    pub scope_name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Azure's request, when one was created.
    pub request: Option<RequestRecord>,
    /// What Elevate adjusted or did on the way (duration shortened, stronger sign-in).
    pub notes: Vec<String>,
    /// The error, when `outcome` is `error`.
    pub error: Option<ErrorReport>,
}

/// Settings of a session.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// Duration when the user gives none (then clamped to the role's maximum).
    pub default_duration: Span,
    /// Interval between polls while waiting for a request.
    pub poll_interval: Duration,
    /// The sign-in an approval or denial needs.
    pub fresh_sign_in: FreshSignIn,
    /// Extend: how long to wait for Azure to stop listing the deactivated grant, and to keep
    /// retrying the new activation while Azure answers `RoleAssignmentExists`.
    pub reactivate_wait: Duration,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            default_duration: Span::from_hours(1),
            poll_interval: Duration::from_secs(2),
            fresh_sign_in: FreshSignIn::default(),
            reactivate_wait: Duration::from_secs(120),
        }
    }
}

/// The API clients a session uses; a missing one leaves its sources out.
pub struct Clients {
    /// Azure resource roles.
    pub arm: Option<ArmClient>,
    /// Entra roles and PIM for Groups.
    pub graph: Option<GraphClient>,
}

/// One signed-in account's engine.
pub struct Session {
    arm: Option<ArmClient>,
    graph: Option<GraphClient>,
    store: Store,
    account: Account,
    options: SessionOptions,
    clock: Arc<dyn Clock>,
    /// Requesters read from Graph (by lower-case object id), with when: a name changes rarely,
    /// and each approvals listing would read them again.
    requesters: std::sync::Mutex<HashMap<String, Requester>>,
}

/// A requester as Graph answered (nothing when it could not be read), and when.
type Requester = (Option<RequesterFields>, DateTime<Utc>);

impl Session {
    /// Signs in (gets a first token from `tokens`) and learns who the user is. Without a `store`
    /// the session keeps its history and caches in memory.
    pub async fn connect(
        clients: Clients,
        tokens: Arc<dyn TokenSource>,
        store: Option<Store>,
        options: SessionOptions,
    ) -> Result<Self> {
        let audience = if clients.arm.is_some() {
            Audience::Arm
        } else {
            Audience::Graph
        };
        let token = tokens.token(audience, None).await?;
        let claims = decode_claims(&token.token)?;
        let object_id = claims.require_oid()?.to_owned();
        let account = Account {
            name: claims
                .account()
                .map(str::to_owned)
                .unwrap_or_else(|| object_id.clone()),
            object_id,
            tenant_id: claims.tid.clone(),
        };
        let store = match store {
            Some(store) => store,
            None => Store::in_memory().await?,
        };
        Ok(Session {
            arm: clients.arm,
            graph: clients.graph,
            store,
            account,
            options,
            clock: Arc::new(SystemClock),
            requesters: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The same session reading the time from `clock` (the demo's simulated clock, a test's).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock this session reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Who is signed in.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The sources this session can reach (those it has a client for).
    pub fn sources(&self) -> Vec<Source> {
        self.clients()
            .flat_map(|c| c.sources().iter().copied())
            .collect()
    }

    /// The local store (in memory when the session was given none).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The clients this session has.
    fn clients(&self) -> impl Iterator<Item = &dyn PimClient> {
        let arm = self.arm.as_ref().map(|c| c as &dyn PimClient);
        let graph = self.graph.as_ref().map(|c| c as &dyn PimClient);
        arm.into_iter().chain(graph)
    }

    /// The client that serves `source`: the one place where a source meets its API.
    fn client(&self, source: Source) -> Result<&dyn PimClient> {
        self.clients()
            .find(|c| c.sources().contains(&source))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{} are not configured (no endpoint for their API)",
                    source.label()
                ))
            })
    }

    /// Everything the user may activate, from `sources` (all when empty), fetched concurrently.
    /// Fresh results replace the cache; a failed source is reported, not fatal.
    pub async fn roles(&self, sources: &[Source]) -> Listing<Eligibility> {
        let results = self
            .per_source(sources, |client, source| client.eligibilities(source))
            .await;
        for (source, result) in &results {
            if let Ok(items) = result
                && let Err(e) = self
                    .store
                    .save_eligibilities(&self.account.name, *source, items, self.clock.now())
                    .await
            {
                tracing::warn!(target: "elevate::session", error = %e, "could not cache eligibilities");
            }
        }
        self.remember_ends(Holding::Eligibility, &results).await;
        let mut listing = merge(results);
        sort_roles(&mut listing.items);
        listing
    }

    /// Keeps the end times of what a listing found ([`crate::known_ends`]), for the sources it
    /// listed.
    async fn remember_ends<T>(&self, holding: Holding, results: &[(Source, Result<Vec<T>>)])
    where
        for<'a> &'a T: Into<Expiring>,
    {
        let listed: Vec<Source> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(s, _)| *s)
            .collect();
        let fresh: Vec<Expiring> = results
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .flatten()
            .map(Into::into)
            .collect();
        if let Err(e) =
            crate::known_ends::remember(&self.store, holding, &listed, fresh, self.clock.now())
                .await
        {
            tracing::debug!(target: "elevate::session", error = %e, "could not keep end times");
        }
    }

    /// What Elevate knows of the user's time-bound assignments and eligibilities and their ends,
    /// including those that ended lately (no longer listed by Azure; see [`crate::known_ends`]).
    pub async fn known_ends(&self) -> Vec<Expiring> {
        crate::known_ends::load(&self.store)
            .await
            .unwrap_or_default()
    }

    /// The cached eligibilities from the last successful listing (for an instant start).
    pub async fn cached_roles(&self) -> Result<Vec<Eligibility>> {
        let mut items: Vec<Eligibility> = self
            .store
            .cached_eligibilities(&self.account.name)
            .await?
            .into_iter()
            .map(|c| c.eligibility)
            .collect();
        sort_roles(&mut items);
        Ok(items)
    }

    /// The user's active grants from `sources` (all when empty).
    pub async fn active(&self, sources: &[Source]) -> Listing<ActiveGrant> {
        let results = self
            .per_source(sources, |client, source| client.active(source))
            .await;
        self.remember_ends(Holding::Assignment, &results).await;
        let mut listing = merge(results);
        listing.items.sort_by(|a, b| {
            a.end
                .cmp(&b.end)
                .then_with(|| a.role.name.cmp(&b.role.name))
        });
        listing
    }

    /// The user's requests from `sources`, newest first.
    pub async fn requests(&self, sources: &[Source]) -> Listing<RequestRecord> {
        let results = self
            .per_source(sources, |client, source| client.my_requests(source))
            .await;
        let mut listing = merge(results);
        listing.items.sort_by_key(|r| std::cmp::Reverse(r.created));
        listing
    }

    /// Runs `fetch` for each wanted source (all when `sources` is empty) that has a client, all
    /// at once; a source without a client is left out.
    async fn per_source<'a, T>(
        &'a self,
        sources: &[Source],
        fetch: impl Fn(&'a dyn PimClient, Source) -> BoxFuture<'a, Result<Vec<T>>>,
    ) -> Vec<(Source, Result<Vec<T>>)> {
        let wanted = Source::ALL
            .into_iter()
            .filter(|s| wants(sources, *s))
            .filter_map(|s| self.client(s).ok().map(|c| (s, fetch(c, s))));
        join_all(wanted.map(|(source, f)| async move { (source, f.await) })).await
    }

    /// The activation policy of an eligibility: fresh from Azure, else from the cache.
    pub async fn policy(&self, eligibility: &Eligibility) -> Result<Policy> {
        let fresh = match self.client(eligibility.source) {
            Ok(client) => client.policy(eligibility).await,
            Err(e) => Err(e),
        };
        match fresh {
            Ok(policy) => {
                if let Err(e) = self
                    .store
                    .save_policy(
                        &self.account.name,
                        &eligibility.key,
                        &policy,
                        self.clock.now(),
                    )
                    .await
                {
                    tracing::warn!(target: "elevate::session", error = %e, "could not cache a policy");
                }
                Ok(policy)
            }
            Err(e) if e.is_transient() => match self
                .store
                .cached_policy(&self.account.name, &eligibility.key)
                .await
            {
                Ok(Some((policy, _))) => Ok(policy),
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// The policy of `eligibility` as read within [`POLICY_REUSE`] (a face that just read it to
    /// shape its form, or the activation before), else fresh from Azure. Azure checks the request
    /// against its current policy anyway; this only spares a second read of the same answer.
    async fn recent_policy(&self, eligibility: &Eligibility) -> Result<Policy> {
        if let Ok(Some((policy, read_at))) = self
            .store
            .cached_policy(&self.account.name, &eligibility.key)
            .await
        {
            let age = self.clock.now().signed_duration_since(read_at);
            if age >= chrono::TimeDelta::zero() && age <= POLICY_REUSE {
                return Ok(policy);
            }
        }
        self.policy(eligibility).await
    }

    /// The policy last read for `key` (from the local cache; no call to Azure), if any.
    pub async fn cached_policy(&self, key: &RoleKey) -> Option<Policy> {
        match self.store.cached_policy(&self.account.name, key).await {
            Ok(cached) => cached.map(|(policy, _)| policy),
            Err(e) => {
                tracing::debug!(target: "elevate::session", error = %e, "could not read a cached policy");
                None
            }
        }
    }

    /// Activates several eligibilities at once; each gets its own result.
    pub async fn activate_many(
        &self,
        items: &[(Eligibility, ActivationWish)],
    ) -> Vec<ActionResult> {
        join_all(items.iter().map(|(e, w)| self.activate(e, w))).await
    }

    /// Activates one eligibility: checks its policy, submits, satisfies a claims challenge once, records history.
    pub async fn activate(&self, eligibility: &Eligibility, wish: &ActivationWish) -> ActionResult {
        let target = RoleAtScope::from(eligibility);
        let mut notes = Vec::new();
        let request = match self.prepare(eligibility, wish, &mut notes).await {
            Ok(request) => request,
            Err(error) => return result_error(&target, notes, &error),
        };
        let history = self.record(&target, RequestKind::Activate, &request).await;
        let mut submission = self.submit_activation(eligibility, &request, None).await;
        if let Err(Error::ClaimsChallenge(challenge)) = &submission {
            notes.push(format!(
                "Azure asked for a stronger sign-in (authentication context {}); signed in again and retried",
                challenge.acrs().join(", ")
            ));
            let claims = challenge.claims.clone();
            // A new request (for ARM, a new GUID): the refused one is finished.
            submission = self
                .submit_activation(eligibility, &request, Some(&claims))
                .await;
        }
        let submission = match submission {
            Err(error) if error.answer_lost() => {
                self.activation_after_lost_answer(&target, error).await
            }
            other => other,
        };
        let result = finish(&target, submission, notes);
        self.update_history(history, &result).await;
        result
    }

    /// An activation whose answer was lost: Azure is asked whether it was done (the role listed as
    /// active, or a request for it pending). Found by the fault soak: retries can run out after an
    /// attempt went through, and "failed" was then reported for a role that was on.
    async fn activation_after_lost_answer(
        &self,
        target: &RoleAtScope,
        error: Error,
    ) -> Result<Submission> {
        let lost = |e: Error| Error::MaybeDone {
            action: format!("activating {}", target.describe()),
            cause: Box::new(e),
        };
        match self.listed(target).await {
            Some(true) => return Ok(Submission::AlreadyActive),
            Some(false) => {}
            None => return Err(lost(error)),
        }
        let mine = self.requests(&[target.source]).await;
        if !mine.failures.is_empty() {
            return Err(lost(error));
        }
        match mine.items.into_iter().find(|r| {
            r.key == target.key && r.kind == RequestKind::Activate && r.status.is_pending()
        }) {
            Some(record) => Ok(Submission::Created(record)),
            None => Err(error),
        }
    }

    async fn submit_activation(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        self.client(eligibility.source)?
            .activate(eligibility, request, &self.account.object_id, claims)
            .await
    }

    /// Deactivates several grants at once.
    pub async fn deactivate_many(&self, grants: &[ActiveGrant]) -> Vec<ActionResult> {
        join_all(grants.iter().map(|g| self.deactivate(g))).await
    }

    /// Deactivates one activated grant.
    pub async fn deactivate(&self, grant: &ActiveGrant) -> ActionResult {
        let target = RoleAtScope::from(grant);
        if grant.assignment_type == AssignmentType::Assigned {
            let error = Error::Invalid(format!(
                "{} is a standing assignment, not an activation; only activated roles can be deactivated",
                target.describe()
            ));
            return result_error(&target, Vec::new(), &error);
        }
        let request = ActivationRequest {
            duration: Span::from_seconds(0),
            justification: None,
            ticket: None,
            start: None,
            narrower_scope: None,
        };
        let history = self
            .record(&target, RequestKind::Deactivate, &request)
            .await;
        let submission = match self.client(grant.source) {
            Ok(client) => client.deactivate(grant, &self.account.object_id).await,
            Err(e) => Err(e),
        };
        let mut result = finish(&target, submission, Vec::new());
        // Graph names requests itself, so a deactivation retried after a lost answer is a second
        // request, refused with `RoleAssignmentDoesNotExist` because the first one went through
        // (found by the fault soak). Whatever the cause, the role is off when Azure no longer lists
        // it: then that is the outcome; otherwise the refusal stands.
        let nothing_to_deactivate = result
            .error
            .as_ref()
            .and_then(|e| e.azure_code.as_deref())
            .is_some_and(|c| c.eq_ignore_ascii_case("RoleAssignmentDoesNotExist"));
        let answer_lost = result
            .error
            .as_ref()
            .is_some_and(|e| e.code == "maybe-done" || lost_codes(e.code));
        if answer_lost {
            // The answer was lost: Azure's list says whether it was done (found by the fault soak).
            match self.listed(&target).await {
                Some(false) => {
                    result.outcome = Outcome::Done;
                    result.error = None;
                }
                Some(true) => {}
                None => {
                    if let Some(report) = result.error.as_mut() {
                        report.message = format!(
                            "deactivating {} may have been done: Azure's answer was lost ({}) and checking failed too. Check before trying again (elevate active)",
                            target.describe(),
                            report.message
                        );
                        report.code = "maybe-done";
                    }
                }
            }
        } else if nothing_to_deactivate && self.listed(&target).await == Some(false) {
            result.outcome = Outcome::Done;
            result.error = None;
            result
                .notes
                .push("Azure no longer lists it as active".to_owned());
        }
        self.update_history(history, &result).await;
        result
    }

    /// Whether Azure lists `target` as active now; none when the list could not be read.
    async fn listed(&self, target: &RoleAtScope) -> Option<bool> {
        let listing = self.active(&[target.source]).await;
        if !listing.failures.is_empty() {
            return None;
        }
        Some(listing.items.iter().any(|g| g.key == target.key))
    }

    /// Extends an activated grant to last `duration` from now (clamped to the role's maximum).
    ///
    /// Azure cannot lengthen an activation: `SelfExtend` is a request to extend an expiring
    /// assignment or eligibility, decided by an administrator. So Extend is: read the policy and
    /// check it (maximum, justification, ticket; refused when the policy requires approval, since
    /// the role would be off while the new request waits); get any stronger sign-in the policy
    /// asks for (authentication context, MFA) *before* anything changes; deactivate; wait until
    /// Azure no longer lists the grant; activate again with the same justification and ticket
    /// (the previous activation's, unless `wish` gives others) and the new duration, retrying
    /// `RoleAssignmentExists` with backoff. Azure refuses to deactivate in the first five minutes
    /// (`ActiveDurationTooShort`): then nothing changed and the result says so. When the new
    /// activation fails after the deactivation, the error is [`Error::RoleNowOff`].
    pub async fn extend(&self, grant: &ActiveGrant, wish: &ActivationWish) -> ActionResult {
        let target = RoleAtScope::from(grant);
        let fail = |notes: Vec<String>, error: &Error| result_error(&target, notes, error);
        let where_ = target.describe();
        if grant.assignment_type == AssignmentType::Assigned {
            let error = Error::Invalid(format!(
                "{where_} is a standing assignment; only activated roles can be extended"
            ));
            return fail(Vec::new(), &error);
        }
        let eligibility = grant_as_eligibility(grant);
        let mut notes = Vec::new();
        // 1. The policy, read before anything changes: a guess is not good enough here.
        let policy = match self.policy(&eligibility).await {
            Ok(policy) => policy,
            Err(e) => {
                let error = Error::Invalid(format!(
                    "{where_} was not extended: its policy could not be read ({e}); nothing was changed"
                ));
                return fail(notes, &error);
            }
        };
        if policy.approval_required {
            let error = Error::Invalid(format!(
                "{where_} cannot be extended: {}; nothing was changed",
                EXTEND_NEEDS_APPROVAL
            ));
            return fail(notes, &error);
        }
        let wish = self.with_previous_answers(grant, wish).await;
        let request = match prepare_with(
            &policy,
            &eligibility,
            &wish,
            self.options.default_duration,
            &mut notes,
        ) {
            Ok(request) => request,
            Err(error) => return fail(notes, &error),
        };
        // 2. A stronger sign-in, if the policy asks for one, before anything changes.
        let claims = match self.step_up(grant, &policy).await {
            Ok(claims) => claims,
            Err(error) => return fail(notes, &error),
        };
        // 3. Deactivate.
        let off = self.deactivate_for_extend(grant).await;
        if let Err(error) = off {
            return fail(notes, &error);
        }
        notes.push(
            "deactivated and activated again (Azure cannot lengthen an activation)".to_owned(),
        );
        // 4. Wait until Azure no longer lists it, then activate again.
        if !self.wait_until_unlisted(grant).await {
            notes.push(format!(
                "Azure still listed the old activation after {} s; activated again anyway",
                self.options.reactivate_wait.as_secs()
            ));
        }
        let history = self.record(&target, RequestKind::Activate, &request).await;
        let mut submission = self
            .activate_retrying(&eligibility, &request, claims.as_ref())
            .await;
        if let Err(Error::ClaimsChallenge(challenge)) = &submission {
            notes.push(format!(
                "Azure asked for a stronger sign-in (authentication context {}); signed in again and retried",
                challenge.acrs().join(", ")
            ));
            let claims = challenge.claims.clone();
            submission = self
                .activate_retrying(&eligibility, &request, Some(&claims))
                .await;
        }
        let mut result = finish(&target, submission, notes);
        // "It exists" after the old activation was gone, or a lost answer: the new activation may
        // have gone through (found by the fault soak). Azure's list says; only when it cannot be
        // read is the answer "may have been done".
        let maybe_on = result.outcome == Outcome::AlreadyActive
            || result.error.as_ref().is_some_and(|e| lost_codes(e.code));
        if maybe_on {
            match self.listed(&target).await {
                Some(true) => {
                    result.outcome = Outcome::Done;
                    result.error = None;
                    result
                        .notes
                        .push("Azure lists it as active again".to_owned());
                }
                Some(false) => {}
                None => {
                    let cause = result
                        .error
                        .as_ref()
                        .map(|e| e.message.clone())
                        .unwrap_or_else(|| {
                            "Azure answered that the role assignment exists".to_owned()
                        });
                    result.outcome = Outcome::Error;
                    result.error = Some(ErrorReport {
                        code: "maybe-done",
                        message: format!(
                            "{} was deactivated to be extended and may be active again: {cause}, and the active roles could not be read. Check before trying again (elevate active)",
                            target.describe()
                        ),
                        azure_code: None,
                        needs: Vec::new(),
                        retry_after_secs: None,
                    });
                    self.update_history(history, &result).await;
                    return result;
                }
            }
        }
        let cause = match (&result.outcome, &result.error, &result.request) {
            (Outcome::Error, Some(error), _) => Some(error.message.clone()),
            (Outcome::AlreadyActive, _, _) => Some(
                "Azure kept answering that the role assignment exists; list the active roles to see whether it is on"
                    .to_owned(),
            ),
            (Outcome::Failed | Outcome::Denied | Outcome::Canceled, _, Some(request)) => {
                Some(format!("Azure reported {}", request.azure_status))
            }
            _ => None,
        };
        if let Some(cause) = cause {
            let error = Error::RoleNowOff {
                role: grant.role.name.clone(),
                scope: grant.scope.name.clone(),
                cause,
            };
            result.outcome = Outcome::Error;
            result.error = Some(error.report());
        } else if result.outcome == Outcome::PendingApproval {
            result
                .notes
                .push("the role is off until an approver approves the new activation".to_owned());
        }
        self.update_history(history, &result).await;
        result
    }

    /// Asks an administrator for more time on `target`, a time-bound assignment or eligibility of
    /// an Azure resource role or an Entra role (PIM for Groups has no such request): `Extend`
    /// within [`EXTEND_WINDOW`] before its end (`SelfExtend`), `Renew` within [`RENEW_WINDOW`]
    /// after it (`SelfRenew`). The request then waits for an administrator's decision and is
    /// followed like any other. `duration` is the length asked for, from now. What Elevate knows
    /// cannot be asked (a group, an activation, a permanent one, outside the window) is refused
    /// before anything is sent, with [`Error::MoreTimeRefused`].
    pub async fn request_extension(
        &self,
        target: &Expiring,
        ask: MoreTime,
        duration: Span,
        justification: &str,
    ) -> ActionResult {
        let at = RoleAtScope {
            key: target.key.clone(),
            source: target.source,
            role: target.role.clone(),
            scope: target.scope.clone(),
        };
        let mut notes = Vec::new();
        let request = ActivationRequest {
            duration,
            justification: Some(justification.trim().to_owned()).filter(|j| !j.is_empty()),
            ticket: None,
            start: None,
            narrower_scope: None,
        };
        let refused = target.refused_at(ask, self.clock.now());
        let error = match (refused, &request.justification) {
            (Some(reason), _) => Error::MoreTimeRefused { reason },
            (None, None) => Error::PolicyNeeds {
                target: format!("the {} request for {}", ask.noun(), at.describe()),
                needed: Needed::Justification,
            },
            (None, Some(justification)) => {
                let kind = match ask {
                    MoreTime::Extend => RequestKind::Extend,
                    MoreTime::Renew => RequestKind::Renew,
                };
                let history = self.record(&at, kind, &request).await;
                let principal = &self.account.object_id;
                let submission = match self.client(target.source) {
                    Ok(client) => {
                        client
                            .request_extension(target, ask, duration, justification, principal)
                            .await
                    }
                    Err(e) => Err(e),
                };
                let submission = match submission {
                    Err(Error::PolicyRulesFailed { rules, .. })
                        if rules
                            .iter()
                            .any(|r| r.eq_ignore_ascii_case("ExpirationRule")) =>
                    {
                        Err(Error::MoreTimeRefused {
                            reason: format!(
                                "{}: Azure takes an extension request only within 14 days of the {}'s end, and for no longer than its policy allows (ExpirationRule)",
                                at.describe(),
                                target.holding.as_str()
                            ),
                        })
                    }
                    other => other,
                };
                notes.push(format!(
                    "an administrator decides on this {} request",
                    ask.noun()
                ));
                let result = finish(&at, submission, notes);
                self.update_history(history, &result).await;
                return result;
            }
        };
        result_error(&at, notes, &error)
    }

    /// `wish` with the previous activation's justification and ticket where it gives none: Azure's
    /// record of the request that made the grant, else this machine's history.
    async fn with_previous_answers(
        &self,
        grant: &ActiveGrant,
        wish: &ActivationWish,
    ) -> ActivationWish {
        let mut wish = wish.clone();
        if wish.justification.is_some() && wish.ticket.is_some() {
            return wish;
        }
        let listing = self.requests(&[grant.source]).await;
        let from_azure = listing.items.into_iter().find(|r| {
            r.kind == RequestKind::Activate
                && r.status == RequestStatus::Done
                && r.role.id.eq_ignore_ascii_case(&grant.role.id)
                && r.scope.id.eq_ignore_ascii_case(&grant.scope.id)
        });
        let (justification, ticket) = match from_azure {
            Some(r) => (r.justification, r.ticket),
            None => self.history_answers(&grant.key).await,
        };
        if wish.justification.is_none() {
            wish.justification = justification;
        }
        if wish.ticket.is_none() {
            wish.ticket = ticket;
        }
        wish
    }

    async fn history_answers(&self, key: &RoleKey) -> (Option<String>, Option<Ticket>) {
        let query = crate::store::HistoryQuery {
            limit: Some(200),
            source: None,
            account: Some(self.account.name.clone()),
        };
        self.store
            .history(&query)
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|e| {
                &e.key == key
                    && matches!(e.kind, RequestKind::Activate | RequestKind::Extend)
                    && e.justification.is_some()
            })
            .map(|e| (e.justification, e.ticket))
            .unwrap_or((None, None))
    }

    /// Gets the token the policy asks for before anything changes: one carrying its authentication
    /// context (returned, to be used for the activation), and, when it requires MFA, checks that the
    /// sign-in used it.
    async fn step_up(
        &self,
        grant: &ActiveGrant,
        policy: &Policy,
    ) -> Result<Option<serde_json::Value>> {
        let where_ = format!("{} at {}", grant.role.name, grant.scope.name);
        let claims = policy
            .authentication_context
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(
                |c| serde_json::json!({"access_token": {"acrs": {"essential": true, "value": c}}}),
            );
        if claims.is_none() && !policy.mfa_required {
            return Ok(None);
        }
        let token = self
            .client(grant.source)?
            .token(claims.as_ref())
            .await
            .map_err(|e| {
            Error::Invalid(format!(
                "{where_} was not extended: its policy asks for a stronger sign-in, which failed ({e}); nothing was changed"
            ))
        })?;
        if policy.mfa_required
            && let Ok(read) = decode_claims(&token.token)
            && !read.amr.iter().any(|m| m.eq_ignore_ascii_case("mfa"))
        {
            return Err(Error::Invalid(format!(
                "{where_} was not extended: its policy requires multi-factor authentication and this sign-in did not use it; sign in again with MFA, then extend. Nothing was changed"
            )));
        }
        Ok(claims)
    }

    /// The deactivation step of Extend, recorded in the history like any deactivation. An error
    /// means nothing changed.
    async fn deactivate_for_extend(&self, grant: &ActiveGrant) -> Result<()> {
        let where_ = format!("{} at {}", grant.role.name, grant.scope.name);
        let result = self.deactivate(grant).await;
        match (&result.outcome, &result.error) {
            (Outcome::Done | Outcome::PendingOther, _) => Ok(()),
            (_, Some(error))
                if error
                    .azure_code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case("ActiveDurationTooShort")) =>
            {
                Err(Error::Invalid(format!(
                    "{where_} cannot be extended yet: {EXTEND_TOO_EARLY}; nothing was changed"
                )))
            }
            // The answer was lost: whether it happened is in the listing.
            (_, Some(error))
                if matches!(
                    error.code,
                    "network" | "throttled" | "unavailable" | "malformed-response"
                ) && self.is_unlisted(grant).await == Some(true) =>
            {
                Ok(())
            }
            (_, Some(error)) => Err(Error::Invalid(format!(
                "{where_} was not extended: deactivating it failed ({}); nothing was changed",
                error.message
            ))),
            (outcome, None) => Err(Error::Invalid(format!(
                "{where_} was not extended: Azure answered the deactivation with {}; nothing was changed",
                result
                    .request
                    .as_ref()
                    .map_or_else(|| format!("{outcome:?}"), |r| r.azure_status.clone())
            ))),
        }
    }

    /// Whether Azure no longer lists `grant`'s activation (`None`: the listing failed).
    async fn is_unlisted(&self, grant: &ActiveGrant) -> Option<bool> {
        let listing = self.active(&[grant.source]).await;
        if !listing.failures.is_empty() {
            return None;
        }
        Some(!listing.items.iter().any(|g| {
            g.assignment_type == AssignmentType::Activated
                && g.role.id.eq_ignore_ascii_case(&grant.role.id)
                && g.scope.id.eq_ignore_ascii_case(&grant.scope.id)
        }))
    }

    /// Polls the active grants until `grant` is no longer listed, at most `reactivate_wait`.
    async fn wait_until_unlisted(&self, grant: &ActiveGrant) -> bool {
        let deadline = tokio::time::Instant::now() + self.options.reactivate_wait;
        loop {
            if self.is_unlisted(grant).await == Some(true) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }

    /// Activates, answering `RoleAssignmentExists` (the old activation not yet gone everywhere in
    /// Azure) by waiting and trying again: backoff from `poll_interval`, doubling, within
    /// `reactivate_wait` in all.
    async fn activate_retrying(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        let deadline = tokio::time::Instant::now() + self.options.reactivate_wait;
        let mut pause = self.options.poll_interval;
        loop {
            let submission = self.submit_activation(eligibility, request, claims).await;
            match submission {
                Ok(Submission::AlreadyActive) if tokio::time::Instant::now() + pause < deadline => {
                    tracing::debug!(target: "elevate::session", role = eligibility.role.name, "RoleAssignmentExists after deactivating; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(15));
                }
                other => return other,
            }
        }
    }

    /// Requests from others that wait for this user's decision, from all three sources, oldest first.
    pub async fn approvals(&self) -> Listing<RequestRecord> {
        self.approvals_from(&[]).await
    }

    /// [`Session::approvals`] from `sources` only (all when empty).
    pub async fn approvals_from(&self, sources: &[Source]) -> Listing<RequestRecord> {
        let results = self
            .per_source(sources, |client, source| client.approvals(source))
            .await;
        let mut listing = merge(results);
        self.complete_requesters(&mut listing.items).await;
        listing.items.sort_by_key(|r| r.created);
        listing
    }

    /// ARM names a requester and their e-mail only: Graph adds the UPN and whether they are a
    /// guest, where the user may read users. Failing that, ARM's fields stay (a `#EXT#` e-mail still
    /// marks a guest).
    async fn complete_requesters(&self, items: &mut [RequestRecord]) {
        let Some(graph) = &self.graph else {
            return;
        };
        let now = self.clock.now();
        for item in items
            .iter_mut()
            .filter(|r| r.source == Source::AzureResource)
        {
            let Some(id) = item.principal_id.clone() else {
                continue;
            };
            if item
                .principal_type
                .as_deref()
                .is_some_and(|t| !t.eq_ignore_ascii_case("user"))
            {
                continue;
            }
            let key = id.to_ascii_lowercase();
            let known = self.requesters.lock().ok().and_then(|cache| {
                cache
                    .get(&key)
                    .filter(|(_, at)| now.signed_duration_since(*at) < REQUESTER_REUSE)
                    .map(|(fields, _)| fields.clone())
            });
            let fields = match known {
                Some(fields) => fields,
                None => {
                    let found = match graph.user(&id).await {
                        Ok(fields) => Some(fields),
                        Err(e) => {
                            tracing::debug!(target: "elevate::session", error = %e, "could not read the requester from Graph");
                            None
                        }
                    };
                    if let Ok(mut cache) = self.requesters.lock() {
                        cache.insert(key, (found.clone(), now));
                    }
                    found
                }
            };
            if let Some(fields) = fields {
                item.principal_upn = fields.upn.clone().or(item.principal_upn.take());
                item.principal_email = item.principal_email.take().or(fields.email.clone());
                item.principal_name = item.principal_name.take().or(fields.name.clone());
                item.principal_guest |= fields.guest;
            }
        }
    }

    /// Who may approve `request`: the primary approvers of the policy of its role at its scope
    /// (read within [`APPROVERS_REUSE`], else fresh from Azure and cached), named through
    /// [`Session::name_approvers`]. Empty when the policy names nobody.
    pub async fn approvers_for(&self, request: &RequestRecord) -> Result<Vec<Approver>> {
        let cached = match self
            .store
            .cached_policy(&self.account.name, &request.key)
            .await
        {
            Ok(Some((policy, read_at))) => {
                let age = self.clock.now().signed_duration_since(read_at);
                (age >= chrono::TimeDelta::zero() && age <= APPROVERS_REUSE).then_some(policy)
            }
            _ => None,
        };
        let policy = match cached {
            Some(policy) => policy,
            None => {
                let role = Eligibility {
                    key: request.key.clone(),
                    source: request.source,
                    role: request.role.clone(),
                    scope: request.scope.clone(),
                    principal_id: self.account.object_id.clone(),
                    member_type: crate::model::MemberType::Direct,
                    start: None,
                    end: None,
                    schedule_id: None,
                };
                self.policy(&role).await?
            }
        };
        let mut approvers = policy.approvers;
        self.name_approvers(&mut approvers).await;
        Ok(approvers)
    }

    /// Completes approvers with their current name, sign-in name and e-mail from Graph
    /// (`/users/{id}`, `/groups/{id}`; a group's address only when it is mail-enabled), each read
    /// at most once an hour. Where Graph refuses (the user may not read users or groups: 403) or
    /// there is no Graph client, the rule's description stays the name and nothing fails.
    pub async fn name_approvers(&self, approvers: &mut [Approver]) {
        let Some(graph) = &self.graph else {
            return;
        };
        let now = self.clock.now();
        for approver in approvers.iter_mut() {
            let key = approver.id.to_ascii_lowercase();
            let known = self.requesters.lock().ok().and_then(|cache| {
                cache
                    .get(&key)
                    .filter(|(_, at)| now.signed_duration_since(*at) < REQUESTER_REUSE)
                    .map(|(fields, _)| fields.clone())
            });
            let fields = match known {
                Some(fields) => fields,
                None => {
                    let read = match approver.kind {
                        ApproverKind::User => graph.user(&approver.id).await,
                        ApproverKind::Group => graph.group_contact(&approver.id).await,
                    };
                    let found = match read {
                        Ok(fields) => Some(fields),
                        Err(e) => {
                            tracing::debug!(target: "elevate::session", error = %e, "could not read an approver from Graph");
                            None
                        }
                    };
                    if let Ok(mut cache) = self.requesters.lock() {
                        cache.insert(key, (found.clone(), now));
                    }
                    found
                }
            };
            if let Some(fields) = fields {
                approver.name = fields.name.or(approver.name.take());
                approver.upn = fields.upn.or(approver.upn.take());
                approver.mail = fields.email.or(approver.mail.take());
            }
        }
    }

    /// Approves or denies a request from [`Session::approvals`], with the approver's reason. The
    /// decision is sent with a token from a recent interactive sign-in (`fresh_sign_in` in the
    /// options): when the last one is too old, the token source signs in again first.
    pub async fn decide(&self, request: &RequestRecord, approve: bool, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Error::Invalid(
                "a reason is required to approve or deny a request".into(),
            ));
        }
        let client = self.client(request.source)?;
        let token = client.decision_token(self.options.fresh_sign_in).await?;
        let decided = client
            .decide(
                request,
                approve,
                reason.trim(),
                &token,
                &self.account.object_id,
            )
            .await;
        match decided {
            // The answer was lost (found by the fault soak): the request as Azure has it now says
            // whether the decision went through.
            Err(e) if e.answer_lost() => match client.request(&request.id).await {
                Ok(now) if now.status.is_pending() => Err(e),
                Ok(now)
                    if (approve
                        && matches!(
                            now.status,
                            RequestStatus::Done | RequestStatus::PendingOther
                        ))
                        || (!approve && now.status == RequestStatus::Denied) =>
                {
                    Ok(())
                }
                Ok(_) => Err(Error::AlreadyDecided),
                Err(_) => Err(Error::MaybeDone {
                    action: format!(
                        "{} the request for {} at {}",
                        if approve { "approving" } else { "denying" },
                        request.role.name,
                        request.scope.name
                    ),
                    cause: Box::new(e),
                }),
            },
            other => other,
        }
    }

    /// Cancels a pending request.
    pub async fn cancel(&self, request: &RequestRecord) -> Result<()> {
        if !request.status.is_pending() {
            return Err(Error::Invalid(format!(
                "the request for {} at {} is {} and can no longer be canceled",
                request.role.name, request.scope.name, request.status
            )));
        }
        let client = self.client(request.source)?;
        match client.cancel(&request.id).await {
            Ok(()) => {}
            // A cancel retried after a lost answer is refused because the first one went through
            // (found by the fault soak): the request as Azure has it says whether it is canceled.
            Err(Error::Azure(e)) if e.code.eq_ignore_ascii_case("RequestCannotBeCancelled") => {
                match client.request(&request.id).await {
                    Ok(now) if now.status == RequestStatus::Canceled => {}
                    Ok(_) => return Err(Error::Azure(e)),
                    Err(_) => {
                        return Err(Error::MaybeDone {
                            action: format!(
                                "canceling the request for {} at {}",
                                request.role.name, request.scope.name
                            ),
                            cause: Box::new(Error::Azure(e)),
                        });
                    }
                }
            }
            Err(e) if e.answer_lost() => match client.request(&request.id).await {
                Ok(now) if now.status == RequestStatus::Canceled => {}
                Ok(_) => return Err(e),
                Err(_) => {
                    return Err(Error::MaybeDone {
                        action: format!(
                            "canceling the request for {} at {}",
                            request.role.name, request.scope.name
                        ),
                        cause: Box::new(e),
                    });
                }
            },
            Err(e) => return Err(e),
        }
        if let Err(e) = self
            .store
            .update_status_by_azure_id(&request.id, RequestStatus::Canceled, Some("Canceled"))
            .await
        {
            tracing::warn!(target: "elevate::session", error = %e, "could not update history");
        }
        Ok(())
    }

    /// Waits until `request` leaves the pending states (or `timeout` passes) and, when it is done, until
    /// the grant is listed as active. Returns the request's last known state.
    pub async fn wait_until_settled(
        &self,
        request: &RequestRecord,
        timeout: Duration,
    ) -> Result<RequestRecord> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut current = request.clone();
        while current.status.is_pending() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(self.options.poll_interval).await;
            current = self.request(&current).await?;
        }
        if current.status == RequestStatus::Done && current.kind == RequestKind::Activate {
            while tokio::time::Instant::now() < deadline {
                let listing = self.active(&[current.source]).await;
                if let Some(failure) = listing.failures.first() {
                    tracing::debug!(target: "elevate::session", error = %failure.error.message, "could not list active grants while waiting");
                }
                let active = listing.items;
                if active.iter().any(|g| {
                    g.key == current.key
                        || (g.role.id.eq_ignore_ascii_case(&current.role.id)
                            && g.scope.id.eq_ignore_ascii_case(&current.scope.id))
                }) {
                    break;
                }
                tokio::time::sleep(self.options.poll_interval).await;
            }
        }
        if let Err(e) = self
            .store
            .update_status_by_azure_id(&current.id, current.status, Some(&current.azure_status))
            .await
        {
            tracing::warn!(target: "elevate::session", error = %e, "could not update history");
        }
        Ok(current)
    }

    /// A request's current state.
    pub async fn request(&self, request: &RequestRecord) -> Result<RequestRecord> {
        self.client(request.source)?.request(&request.id).await
    }

    /// One request's current state, by the id Elevate keeps for it and its source.
    pub async fn request_by_id(&self, source: Source, id: &str) -> Result<RequestRecord> {
        self.client(source)?.request(id).await
    }

    /// The display names of a group's owners (who administer it), from Graph.
    pub async fn group_owners(&self, group_id: &str) -> Result<Vec<String>> {
        self.client(Source::Group)?.group_owners(group_id).await
    }

    /// Whether Azure applies `grant` now, where Microsoft documents a way to ask: an Azure resource
    /// role at a resource group or a resource applies once everything its role allows is among the
    /// caller's permissions there ([`ArmClient::grant_applies`]). Anything else (subscription and
    /// management-group scopes, Entra roles, groups) is taken as applied once listed: `true`.
    pub async fn grant_applies(&self, grant: &ActiveGrant) -> Result<bool> {
        self.client(grant.source)?.grant_applies(grant).await
    }

    async fn prepare(
        &self,
        eligibility: &Eligibility,
        wish: &ActivationWish,
        notes: &mut Vec<String>,
    ) -> Result<ActivationRequest> {
        let policy = match self.recent_policy(eligibility).await {
            Ok(policy) => policy,
            Err(e) if e.is_transient() => {
                notes.push(format!(
                    "the role's policy could not be read ({e}); Azure will check it"
                ));
                Policy::default()
            }
            Err(e) => return Err(e),
        };
        prepare_with(
            &policy,
            eligibility,
            wish,
            self.options.default_duration,
            notes,
        )
    }

    /// Adds a history row for a request about to be sent; its id, to record the outcome.
    async fn record(
        &self,
        target: &RoleAtScope,
        kind: RequestKind,
        request: &ActivationRequest,
    ) -> Option<i64> {
        let entry = NewHistoryEntry {
            at: self.clock.now(),
            account: self.account.name.clone(),
            source: target.source,
            key: target.key.clone(),
            role_name: target.role.name.clone(),
            scope_id: request
                .narrower_scope
                .clone()
                .unwrap_or_else(|| target.scope.id.clone()),
            scope_name: target.scope.name.clone(),
            kind,
            justification: request.justification.clone(),
            ticket: request.ticket.clone(),
            duration: (kind != RequestKind::Deactivate).then_some(request.duration),
            status: RequestStatus::PendingOther,
            azure_status: None,
            azure_request_id: None,
            error: None,
        };
        match self.store.record_request(&entry).await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(target: "elevate::session", error = %e, "could not record history");
                None
            }
        }
    }

    async fn update_history(&self, id: Option<i64>, result: &ActionResult) {
        let Some(id) = id else {
            return;
        };
        let status = match result.outcome {
            Outcome::Done | Outcome::AlreadyActive => RequestStatus::Done,
            Outcome::PendingApproval | Outcome::AlreadyPending => RequestStatus::PendingApproval,
            Outcome::PendingOther => RequestStatus::PendingOther,
            Outcome::Denied => RequestStatus::Denied,
            Outcome::Canceled => RequestStatus::Canceled,
            Outcome::Failed | Outcome::Error => RequestStatus::Failed,
        };
        let azure_status = result.request.as_ref().map(|r| r.azure_status.clone());
        let azure_id = result.request.as_ref().map(|r| r.id.clone());
        let error = result.error.as_ref().map(|e| e.message.clone());
        if let Err(e) = self
            .store
            .update_request_outcome(
                id,
                status,
                azure_status.as_deref(),
                azure_id.as_deref(),
                error.as_deref(),
            )
            .await
        {
            tracing::warn!(target: "elevate::session", error = %e, "could not update history");
        }
    }
}

fn merge<T>(results: Vec<(Source, Result<Vec<T>>)>) -> Listing<T> {
    let mut listing = Listing {
        items: Vec::new(),
        failures: Vec::new(),
    };
    for (source, result) in results {
        match result {
            Ok(items) => listing.items.extend(items),
            Err(error) => listing.failures.push(SourceFailure {
                source,
                error: error.report(),
            }),
        }
    }
    listing
}

fn wants(sources: &[Source], source: Source) -> bool {
    sources.is_empty() || sources.contains(&source)
}

fn sort_roles(items: &mut [Eligibility]) {
    items.sort_by(|a, b| {
        (
            a.source,
            a.role.name.to_lowercase(),
            a.scope.name.to_lowercase(),
        )
            .cmp(&(
                b.source,
                b.role.name.to_lowercase(),
                b.scope.name.to_lowercase(),
            ))
    });
}

/// The result of an action that Azure answered (or that failed on the way).
fn finish(
    target: &RoleAtScope,
    submission: Result<Submission>,
    notes: Vec<String>,
) -> ActionResult {
    let base =
        |outcome: Outcome, request: Option<RequestRecord>, notes: Vec<String>| ActionResult {
            key: target.key.clone(),
            source: target.source,
            role: target.role.name.clone(),
            scope: target.scope.id.clone(),
            scope_name: target.scope.name.clone(),
            outcome,
            request,
            notes,
            error: None,
        };
    match submission {
        Ok(Submission::Created(record)) => base(record.status.into(), Some(record), notes),
        Ok(Submission::AlreadyActive) => base(Outcome::AlreadyActive, None, notes),
        Ok(Submission::AlreadyPending { message }) => {
            let mut notes = notes;
            notes.push(message);
            base(Outcome::AlreadyPending, None, notes)
        }
        Err(error) => result_error(target, notes, &error),
    }
}

/// Whether an error code (from an [`ErrorReport`]) says the answer to a change was lost.
fn lost_codes(code: &str) -> bool {
    matches!(
        code,
        "network" | "unavailable" | "malformed-response" | "throttled"
    )
}

/// The result of an action that could not be done.
fn result_error(target: &RoleAtScope, notes: Vec<String>, error: &Error) -> ActionResult {
    ActionResult {
        key: target.key.clone(),
        source: target.source,
        role: target.role.name.clone(),
        scope: target.scope.id.clone(),
        scope_name: target.scope.name.clone(),
        outcome: Outcome::Error,
        request: None,
        notes,
        error: Some(error.report()),
    }
}

/// The note of an activation whose role's policy requires approval.
const APPROVAL_NOTE: &str = "this role needs an approver's approval before it becomes active";

/// How long a requester read from Graph is used again before it is read anew.
const REQUESTER_REUSE: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// How long a policy read for its approvers is used again before it is read anew: an approval
/// rule changes rarely, and each pending request would read it again.
pub const APPROVERS_REUSE: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// How long a policy just read is used again for an activation instead of being read again.
pub const POLICY_REUSE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Why Extend is refused while the policy requires approval.
pub const EXTEND_NEEDS_APPROVAL: &str = "its policy requires approval, so extending (deactivating and activating again) would leave it off while the new request waits for an approver";

/// Why Extend is refused in an activation's first five minutes.
pub const EXTEND_TOO_EARLY: &str = "Azure refuses to deactivate a role in the first five minutes after its activation, and extending deactivates it first";

/// How long after its start Azure allows an activation to be deactivated (`ActiveDurationTooShort`
/// before that).
pub const MIN_ACTIVE_BEFORE_DEACTIVATE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Why Extend is not possible for `grant` at `now` (the caller's clock), if it is not: a standing
/// assignment, a policy that requires approval (`approval_required`, from the role's policy), or
/// an activation younger than five minutes. The faces disable Extend with this reason.
pub fn extend_blocked(
    grant: &ActiveGrant,
    approval_required: bool,
    now: chrono::DateTime<Utc>,
) -> Option<String> {
    if grant.assignment_type == AssignmentType::Assigned {
        return Some("a standing assignment cannot be extended".to_owned());
    }
    if approval_required {
        return Some(format!("cannot be extended: {EXTEND_NEEDS_APPROVAL}"));
    }
    let allowed = grant.start.map(|s| s + MIN_ACTIVE_BEFORE_DEACTIVATE)?;
    if now < allowed {
        let wait = (allowed - now).num_seconds().max(1);
        let wait = (wait + 59) / 60;
        return Some(format!("can be extended in {wait} min: {EXTEND_TOO_EARLY}"));
    }
    None
}

/// An activated grant seen as the eligibility to activate again: the same role at the same scope.
fn grant_as_eligibility(grant: &ActiveGrant) -> Eligibility {
    Eligibility {
        key: grant.key.clone(),
        source: grant.source,
        role: grant.role.clone(),
        scope: grant.scope.clone(),
        principal_id: grant.principal_id.clone(),
        member_type: grant.member_type,
        start: None,
        end: None,
        schedule_id: None,
    }
}

/// The request to send for `wish` under `policy`: duration clamped, justification and ticket
/// checked before anything is sent.
fn prepare_with(
    policy: &Policy,
    eligibility: &Eligibility,
    wish: &ActivationWish,
    default_duration: Span,
    notes: &mut Vec<String>,
) -> Result<ActivationRequest> {
    let duration = policy.clamp_duration(wish.duration, default_duration);
    if let Some(wanted) = wish.duration.filter(|w| *w > duration) {
        notes.push(format!(
            "duration shortened from {wanted} to {duration}, the role's maximum"
        ));
    }
    let justification = wish
        .justification
        .as_ref()
        .map(|j| j.trim().to_owned())
        .filter(|j| !j.is_empty());
    let where_ = format!("{} at {}", eligibility.role.name, eligibility.scope.name);
    if policy.justification_required && justification.is_none() {
        return Err(Error::PolicyNeeds {
            target: where_,
            needed: Needed::Justification,
        });
    }
    if policy.ticket_required && wish.ticket.is_none() {
        return Err(Error::PolicyNeeds {
            target: where_,
            needed: Needed::Ticket,
        });
    }
    if policy.approval_required {
        notes.push(APPROVAL_NOTE.to_owned());
    }
    Ok(ActivationRequest {
        duration,
        justification,
        ticket: wish.ticket.clone(),
        start: wish.start,
        narrower_scope: wish.narrower_scope.clone(),
    })
}

/// How long before its end a time-bound assignment may be extended on request (Microsoft's
/// "Extend or renew" documentation: within 14 days of its end).
pub const EXTENSION_REQUEST_WINDOW: chrono::TimeDelta = crate::model::EXTEND_WINDOW;

/// The label of the action that asks an administrator to extend an assignment.
pub const REQUEST_EXTENSION_LABEL: &str = "Request extension (an administrator decides)";

/// The label of the action that asks an administrator to renew an ended assignment or eligibility.
pub const REQUEST_RENEWAL_LABEL: &str = "Request renewal (an administrator decides)";

/// Why `grant` cannot be the subject of an extension request, whatever the time: only a
/// time-bound assignment (not an activation, not a permanent one) of an Azure resource role or an
/// Entra role can.
pub fn extension_request_refused(grant: &ActiveGrant) -> Option<String> {
    Expiring::from(grant).refused()
}

/// Whether "Request extension" is offered for `grant` at `now` (the caller's clock): a time-bound
/// assignment of an Azure resource role or an Entra role ending within
/// [`EXTENSION_REQUEST_WINDOW`].
pub fn offers_extension_request(grant: &ActiveGrant, now: chrono::DateTime<Utc>) -> bool {
    Expiring::from(grant).offer(now) == Some(MoreTime::Extend)
}
