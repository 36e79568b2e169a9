//! Why it was decided, on ARM: who reviewed a request's approval and why
//! (`roleAssignmentApprovals/{id}`, 2021-01-01-preview), and who removed a grant and why (an
//! administrator's `AdminRemove` request, listed with `asTarget()`).

use uuid::Uuid;

use super::{APPROVALS_API_VERSION, ArmClient, guid_of};
use crate::error::{Error, Result};
use crate::http::Method;
use crate::model::{ActiveGrant, Decision, RequestRecord};
use crate::rest::{decision_of, read_json};
use crate::wire::{lowercase_keys, parse_time};

impl ArmClient {
    /// Who decided `request` and why: its approval's reviewed stage. The approval is read as the
    /// requester (the approvals API lists by `asCreatedBy()` and `asTarget()` too, so a requester
    /// may read their own); `Ok(None)` when the request has no approval or no stage was reviewed.
    pub async fn decision(&self, request: &RequestRecord) -> Result<Option<Decision>> {
        let Some(approval) = request.approval_id.as_deref() else {
            return Ok(None);
        };
        let guid = approval
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if Uuid::parse_str(guid).is_err() {
            return Err(Error::Invalid(
                "the approval id is not an Azure approval id".into(),
            ));
        }
        let mut url = self.base_join(&format!(
            "providers/Microsoft.Authorization/roleAssignmentApprovals/{guid}"
        ))?;
        url.query_pairs_mut()
            .append_pair("api-version", APPROVALS_API_VERSION);
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let value = lowercase_keys(read_json::<serde_json::Value>(&response, &self.host())?);
        let stages = value["properties"]["stages"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        Ok(decision_of(&stages, |s| &s["properties"]))
    }

    /// Who removed `grant` and why, when an administrator did it through PIM: the newest
    /// `AdminRemove` request for the user (`$filter=asTarget()` at the grant's scope, the
    /// documented filter for requests created for the current user) for that role at exactly that
    /// scope, filed after the grant started. `by_id` is its `requestorId` (ARM names no one; the
    /// session looks the name up); `Ok(None)` when Azure records no such request (removed by
    /// another tool, or the assignment deleted directly).
    pub async fn removal(&self, grant: &ActiveGrant) -> Result<Option<Decision>> {
        let url = self.url(
            &grant.scope.id,
            "roleAssignmentScheduleRequests",
            &[("$filter", "asTarget()")],
        )?;
        let items: Vec<serde_json::Value> = self
            .list(url, "request", |v| {
                Ok::<_, std::convert::Infallible>(lowercase_keys(v))
            })
            .await?;
        let role = guid_of(&grant.role.id).to_ascii_lowercase();
        let scope = grant
            .scope
            .id
            .trim()
            .trim_end_matches('/')
            .to_ascii_lowercase();
        let text = |v: &serde_json::Value| {
            v.as_str()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        Ok(items
            .iter()
            .map(|item| &item["properties"])
            .filter(|p| {
                p["requesttype"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("AdminRemove"))
                    && p["roledefinitionid"]
                        .as_str()
                        .is_some_and(|r| guid_of(r).eq_ignore_ascii_case(&role))
                    && p["scope"].as_str().is_some_and(|s| {
                        s.trim().trim_end_matches('/').eq_ignore_ascii_case(&scope)
                    })
            })
            .map(|p| Decision {
                by: None,
                by_id: text(&p["requestorid"]),
                reason: text(&p["justification"]),
                at: parse_time(p["createdon"].as_str()),
            })
            .filter(|d| match (d.at, grant.start) {
                (Some(at), Some(start)) => at >= start,
                _ => true,
            })
            .max_by_key(|d| d.at))
    }
}
