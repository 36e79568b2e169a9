//! One API's authenticated calls, shared by the ARM and Graph clients: a token for the API's
//! audience (stronger when a claims challenge asks), the HTTP pipeline of [`crate::http`], and an
//! error status turned into a typed [`Error`](crate::Error) by [`crate::azure_error`].

use std::sync::Arc;

use url::Url;

use crate::auth::{AccessToken, Audience, FreshSignIn, TokenSource};
use crate::azure_error;
use crate::error::{Api, Result};
use crate::http::{HttpClient, Method, Response};
use crate::model::RequestRecord;
use crate::rest::{Submission, already};

/// Calls to one API (ARM or Graph) on behalf of the signed-in user.
pub(crate) struct Caller {
    http: HttpClient,
    api: Api,
    audience: Audience,
    tokens: Arc<dyn TokenSource>,
}

impl Caller {
    pub(crate) fn new(http: HttpClient, api: Api, tokens: Arc<dyn TokenSource>) -> Self {
        let audience = match api {
            Api::Arm => Audience::Arm,
            Api::Graph => Audience::Graph,
        };
        Caller {
            http,
            api,
            audience,
            tokens,
        }
    }

    /// A token for this API, satisfying `claims` when given.
    pub(crate) async fn token(&self, claims: Option<&serde_json::Value>) -> Result<AccessToken> {
        self.tokens.token(self.audience, claims).await
    }

    /// A token for this API to approve or deny with (see [`TokenSource::decision_token`]).
    pub(crate) async fn decision_token(&self, rule: FreshSignIn) -> Result<AccessToken> {
        self.tokens.decision_token(self.audience, rule).await
    }

    /// Sends one call with the user's token (stronger when `claims` is given).
    pub(crate) async fn call(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        claims: Option<&serde_json::Value>,
    ) -> Result<Response> {
        let token = self.token(claims).await?;
        self.call_with(&token, method, url, body).await
    }

    /// [`Caller::call`] with a given token (a decision's).
    pub(crate) async fn call_with(
        &self,
        token: &AccessToken,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Response> {
        let response = self
            .http
            .send(self.api, method, url, token, body, true)
            .await?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(azure_error::from_response(self.api, &response))
        }
    }

    /// Creates a schedule request (ARM's PUT with Elevate's name, Graph's POST) and reads Azure's
    /// answer as a [`Submission`]: created, or refused as already active or already pending.
    pub(crate) async fn submit(
        &self,
        method: Method,
        url: &Url,
        body: &serde_json::Value,
        claims: Option<&serde_json::Value>,
        read: impl FnOnce(&Response) -> Result<RequestRecord>,
    ) -> Result<Submission> {
        let created = match self.call(method, url, Some(body), claims).await {
            Ok(response) => read(&response),
            Err(e) => Err(e),
        };
        already(created)
    }
}

/// Where an approval's stages are and how this API spells them.
pub(crate) struct Approval<'a> {
    /// The approval itself (GET returns its stages).
    pub url: Url,
    /// The stages of an approval's answer (member names lower-cased).
    pub stages: &'a (dyn Fn(&Response) -> Result<Vec<serde_json::Value>> + Sync),
    /// Where a stage keeps `assignedToMe`, `status`, `reviewedBy` and `reviewResult`.
    pub fields: fn(&serde_json::Value) -> &serde_json::Value,
    /// A stage's id.
    pub id: fn(&serde_json::Value) -> Option<&str>,
    /// The URL of the stage with that id (refusing an id that is not this API's).
    pub stage_url: &'a (dyn Fn(&str) -> Result<Url> + Sync),
    /// The PATCH body of the review.
    pub body: serde_json::Value,
}

impl Caller {
    /// Reviews the approval's stage that waits for `me` (approve or deny) with `token`: reads the
    /// stages, PATCHes the one in progress assigned to the user. A request someone else decided
    /// meanwhile is [`Error::AlreadyDecided`](crate::Error::AlreadyDecided); one that `me`
    /// already decided the same way (a retry whose first attempt went through, refused with 409)
    /// is done.
    pub(crate) async fn review(
        &self,
        token: &AccessToken,
        approval: Approval<'_>,
        me: &str,
        approve: bool,
    ) -> Result<()> {
        use crate::Error;
        use crate::rest::{decided_by_me, stage_to_review};
        let mine =
            |stages: &[serde_json::Value]| decided_by_me(stages, approval.fields, me, approve);
        let response = self
            .call_with(token, Method::Get, &approval.url, None)
            .await?;
        let before = (approval.stages)(&response)?;
        let stage = match stage_to_review(&before, approval.fields, approval.id) {
            Ok(stage) => stage,
            Err(Error::AlreadyDecided) if mine(&before) => return Ok(()),
            Err(e) => return Err(e),
        };
        let url = (approval.stage_url)(stage)?;
        match self
            .call_with(token, Method::Patch, &url, Some(&approval.body))
            .await
        {
            Ok(_) => Ok(()),
            Err(Error::Azure(e)) if e.status == 409 => {
                let response = self
                    .call_with(token, Method::Get, &approval.url, None)
                    .await?;
                if mine(&(approval.stages)(&response)?) {
                    Ok(())
                } else {
                    Err(Error::AlreadyDecided)
                }
            }
            Err(e) => Err(e),
        }
    }
}

/// The body of a review: Azure's `reviewResult` and the approver's reason.
pub(crate) fn review_body(approve: bool, justification: &str) -> serde_json::Value {
    serde_json::json!({
        "reviewResult": if approve { "Approve" } else { "Deny" },
        "justification": justification,
    })
}
