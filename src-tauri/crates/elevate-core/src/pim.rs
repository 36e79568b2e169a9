//! The one dispatch over PIM's two APIs: [`PimClient`], which the ARM client (Azure resource
//! roles) and the Graph client (Entra roles, PIM for Groups) implement, so that the engine asks
//! "which client serves this source?" in one place ([`crate::session::Session`]'s `client`) and
//! never branches on the source per operation.
//!
//! Every method takes the [`Source`] it is about; a client refuses a source it does not serve with
//! a typed error rather than guessing.

use async_trait::async_trait;
use uuid::Uuid;

use crate::arm::ArmClient;
use crate::auth::{AccessToken, FreshSignIn};
use crate::error::{Error, Result};
use crate::graph::GraphClient;
use crate::model::{
    ActivationRequest, ActiveGrant, Decision, Eligibility, Expiring, MoreTime, Policy,
    RequestRecord, Source, Span,
};
use crate::rest::{Submission, Validation};

/// What Elevate asks of a PIM API, for one signed-in user.
#[async_trait]
pub trait PimClient: Send + Sync {
    /// The sources this client serves.
    fn sources(&self) -> &'static [Source];

    /// Everything the user may activate from `source`.
    async fn eligibilities(&self, source: Source) -> Result<Vec<Eligibility>>;

    /// The user's active grants from `source` (activated and assigned).
    async fn active(&self, source: Source) -> Result<Vec<ActiveGrant>>;

    /// The user's own requests in `source`.
    async fn my_requests(&self, source: Source) -> Result<Vec<RequestRecord>>;

    /// Requests in `source` waiting for the user's decision.
    async fn approvals(&self, source: Source) -> Result<Vec<RequestRecord>>;

    /// One request's current state, by the id Elevate keeps for it.
    async fn request(&self, id: &str) -> Result<RequestRecord>;

    /// The activation policy of an eligibility.
    async fn policy(&self, eligibility: &Eligibility) -> Result<Policy>;

    /// Requests activation for `principal_id` (the caller), with a stronger token when `claims`.
    async fn activate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission>;

    /// Asks Azure only to check an activation of `eligibility` (ARM's `validate`, Graph's
    /// `isValidationOnly`): nothing is created. A refusal is the error [`PimClient::activate`]
    /// would get, before `RoleAssignmentExists`/`RoleAssignmentRequestExists` become a
    /// [`Submission`].
    async fn validate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        claims: Option<&serde_json::Value>,
    ) -> Result<Validation>;

    /// Requests early deactivation of an activated grant.
    async fn deactivate(&self, grant: &ActiveGrant, principal_id: &str) -> Result<Submission>;

    /// Asks an administrator for more time on a time-bound assignment or eligibility: to extend
    /// it before its end (`SelfExtend`/`selfExtend`) or renew it after (`SelfRenew`/`selfRenew`),
    /// on the assignment or eligibility schedule requests of its API.
    async fn request_extension(
        &self,
        target: &Expiring,
        ask: MoreTime,
        duration: Span,
        justification: &str,
        principal_id: &str,
    ) -> Result<Submission>;

    /// Cancels a pending request, by the id Elevate keeps for it.
    async fn cancel(&self, id: &str) -> Result<()>;

    /// A token for this API, satisfying `claims` when given.
    async fn token(&self, claims: Option<&serde_json::Value>) -> Result<AccessToken>;

    /// A token from a sign-in recent enough for a decision (`rule`).
    async fn decision_token(&self, rule: FreshSignIn) -> Result<AccessToken>;

    /// Approves or denies `request` with `token` (from [`PimClient::decision_token`]); `me` is the
    /// user's object id.
    async fn decide(
        &self,
        request: &RequestRecord,
        approve: bool,
        reason: &str,
        token: &AccessToken,
        me: &str,
    ) -> Result<()>;

    /// The display names of a group's owners (Graph `GET /groups/{id}/owners`); none where the
    /// API has no groups.
    async fn group_owners(&self, _group_id: &str) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Whether Azure applies `grant` now, where Microsoft documents a way to ask; `true` where it
    /// documents none (taken as applied once listed).
    async fn grant_applies(&self, _grant: &ActiveGrant) -> Result<bool> {
        Ok(true)
    }

    /// Who decided `request` and why, from its approval's reviewed stage, read as the requester;
    /// `Ok(None)` when it has no approval or no stage was reviewed. Azure may refuse the requester
    /// (403): the caller then says only that it was decided.
    async fn decision(&self, _request: &RequestRecord) -> Result<Option<Decision>> {
        Ok(None)
    }

    /// Who removed `grant` before its end and why, when Azure records it (an administrator's
    /// removal request for the user); `Ok(None)` when it records none.
    async fn removal(&self, _grant: &ActiveGrant) -> Result<Option<Decision>> {
        Ok(None)
    }
}

/// A source a client was asked about that it does not serve (a bug in the caller, not Azure's).
fn not_served(source: Source, api: &str) -> Error {
    Error::Invalid(format!("{} is not served by {api}", source.label()))
}

#[async_trait]
impl PimClient for ArmClient {
    fn sources(&self) -> &'static [Source] {
        &[Source::AzureResource]
    }

    async fn eligibilities(&self, source: Source) -> Result<Vec<Eligibility>> {
        arm_only(source)?;
        ArmClient::eligibilities(self).await
    }

    async fn active(&self, source: Source) -> Result<Vec<ActiveGrant>> {
        arm_only(source)?;
        ArmClient::active(self).await
    }

    async fn my_requests(&self, source: Source) -> Result<Vec<RequestRecord>> {
        arm_only(source)?;
        ArmClient::my_requests(self).await
    }

    async fn approvals(&self, source: Source) -> Result<Vec<RequestRecord>> {
        arm_only(source)?;
        ArmClient::approvals(self).await
    }

    async fn request(&self, id: &str) -> Result<RequestRecord> {
        ArmClient::request(self, id).await
    }

    async fn policy(&self, eligibility: &Eligibility) -> Result<Policy> {
        arm_only(eligibility.source)?;
        ArmClient::policy(self, &eligibility.role.id, &eligibility.scope.id).await
    }

    async fn activate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        arm_only(eligibility.source)?;
        // ARM requests are named by the caller: a new name per request, kept across retries of it.
        ArmClient::activate(
            self,
            eligibility,
            request,
            principal_id,
            Uuid::new_v4(),
            claims,
        )
        .await
    }

    async fn validate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        claims: Option<&serde_json::Value>,
    ) -> Result<Validation> {
        arm_only(eligibility.source)?;
        // A name of its own: `validate` stores nothing under it.
        ArmClient::validate(
            self,
            eligibility,
            request,
            principal_id,
            Uuid::new_v4(),
            claims,
        )
        .await
    }

    async fn deactivate(&self, grant: &ActiveGrant, principal_id: &str) -> Result<Submission> {
        arm_only(grant.source)?;
        ArmClient::deactivate(self, grant, principal_id, Uuid::new_v4()).await
    }

    async fn request_extension(
        &self,
        target: &Expiring,
        ask: MoreTime,
        duration: Span,
        justification: &str,
        principal_id: &str,
    ) -> Result<Submission> {
        arm_only(target.source)?;
        let body =
            crate::arm::more_time_body(target, ask, duration, Some(justification), principal_id);
        ArmClient::request_extension(self, target, body, Uuid::new_v4()).await
    }

    async fn cancel(&self, id: &str) -> Result<()> {
        ArmClient::cancel(self, id).await
    }

    async fn token(&self, claims: Option<&serde_json::Value>) -> Result<AccessToken> {
        ArmClient::token(self, claims).await
    }

    async fn decision_token(&self, rule: FreshSignIn) -> Result<AccessToken> {
        ArmClient::decision_token(self, rule).await
    }

    async fn decide(
        &self,
        request: &RequestRecord,
        approve: bool,
        reason: &str,
        token: &AccessToken,
        me: &str,
    ) -> Result<()> {
        arm_only(request.source)?;
        ArmClient::decide(self, request, approve, reason, token, me).await
    }

    async fn grant_applies(&self, grant: &ActiveGrant) -> Result<bool> {
        if grant.source == Source::AzureResource
            && crate::arm::can_list_permissions(&grant.scope.id)
        {
            ArmClient::grant_applies(self, grant).await
        } else {
            Ok(true)
        }
    }

    async fn decision(&self, request: &RequestRecord) -> Result<Option<Decision>> {
        arm_only(request.source)?;
        ArmClient::decision(self, request).await
    }

    async fn removal(&self, grant: &ActiveGrant) -> Result<Option<Decision>> {
        arm_only(grant.source)?;
        ArmClient::removal(self, grant).await
    }
}

fn arm_only(source: Source) -> Result<()> {
    match source {
        Source::AzureResource => Ok(()),
        other => Err(not_served(other, "Azure Resource Manager")),
    }
}

#[async_trait]
impl PimClient for GraphClient {
    fn sources(&self) -> &'static [Source] {
        &[Source::EntraRole, Source::Group]
    }

    async fn eligibilities(&self, source: Source) -> Result<Vec<Eligibility>> {
        match source {
            Source::EntraRole => self.directory_eligibilities().await,
            Source::Group => self.group_eligibilities().await,
            other => Err(not_served(other, "Microsoft Graph")),
        }
    }

    async fn active(&self, source: Source) -> Result<Vec<ActiveGrant>> {
        match source {
            Source::EntraRole => self.directory_active().await,
            Source::Group => self.group_active().await,
            other => Err(not_served(other, "Microsoft Graph")),
        }
    }

    async fn my_requests(&self, source: Source) -> Result<Vec<RequestRecord>> {
        GraphClient::my_requests(self, source).await
    }

    async fn approvals(&self, source: Source) -> Result<Vec<RequestRecord>> {
        GraphClient::approvals(self, source).await
    }

    async fn request(&self, id: &str) -> Result<RequestRecord> {
        GraphClient::request(self, id).await
    }

    async fn policy(&self, eligibility: &Eligibility) -> Result<Policy> {
        GraphClient::policy(self, eligibility).await
    }

    async fn activate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        GraphClient::activate(self, eligibility, request, principal_id, claims).await
    }

    async fn validate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        claims: Option<&serde_json::Value>,
    ) -> Result<Validation> {
        GraphClient::validate(self, eligibility, request, principal_id, claims).await
    }

    async fn deactivate(&self, grant: &ActiveGrant, principal_id: &str) -> Result<Submission> {
        GraphClient::deactivate(self, grant, principal_id).await
    }

    async fn request_extension(
        &self,
        target: &Expiring,
        ask: MoreTime,
        duration: Span,
        justification: &str,
        principal_id: &str,
    ) -> Result<Submission> {
        GraphClient::request_extension(self, target, ask, duration, justification, principal_id)
            .await
    }

    async fn group_owners(&self, group_id: &str) -> Result<Vec<String>> {
        GraphClient::group_owners(self, group_id).await
    }

    async fn cancel(&self, id: &str) -> Result<()> {
        GraphClient::cancel(self, id).await
    }

    async fn token(&self, claims: Option<&serde_json::Value>) -> Result<AccessToken> {
        GraphClient::token(self, claims).await
    }

    async fn decision_token(&self, rule: FreshSignIn) -> Result<AccessToken> {
        GraphClient::decision_token(self, rule).await
    }

    async fn decide(
        &self,
        request: &RequestRecord,
        approve: bool,
        reason: &str,
        token: &AccessToken,
        me: &str,
    ) -> Result<()> {
        GraphClient::decide(self, request, approve, reason, token, me).await
    }

    async fn decision(&self, request: &RequestRecord) -> Result<Option<Decision>> {
        GraphClient::decision(self, request).await
    }

    async fn removal(&self, grant: &ActiveGrant) -> Result<Option<Decision>> {
        GraphClient::removal(self, grant).await
    }
}
