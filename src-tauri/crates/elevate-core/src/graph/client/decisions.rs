//! Why it was decided, on Graph: who reviewed a request's approval and why (PIM for Groups' v1.0
//! `assignmentApprovals/{id}` stages, Entra roles' beta `roleAssignmentApprovals/{id}` steps), and
//! who removed a grant and why (an administrator's `adminRemove` request, among the user's
//! requests from `filterByCurrentUser(on='principal')`).

use super::{GROUPS, GraphClient, MINE, not_graph};
use crate::error::{Error, Result};
use crate::graph::convert::{DIRECTORY_REQUESTS, GROUP_REQUESTS};
use crate::http::Method;
use crate::model::{ActiveGrant, Decision, RequestRecord, Source};
use crate::rest::{decision_of, read_json};
use crate::wire::{lowercase_keys, parse_time};

impl GraphClient {
    /// Who decided `request` and why: its approval's reviewed stage (step), read as the requester
    /// (Graph documents reading an approval for its requester as well as its approvers).
    /// `Ok(None)` when the request has no approval or no stage was reviewed.
    pub async fn decision(&self, request: &RequestRecord) -> Result<Option<Decision>> {
        let Some(approval) = request.approval_id.as_deref() else {
            return Ok(None);
        };
        if approval.contains('/') || approval.contains('?') || approval.contains('#') {
            return Err(Error::Invalid("the approval id is not a plain id".into()));
        }
        let (version, path, member) = match request.source {
            Source::EntraRole => (
                "beta",
                format!("/roleManagement/directory/roleAssignmentApprovals/{approval}"),
                "steps",
            ),
            Source::Group => (
                "v1.0",
                format!("{GROUPS}/assignmentApprovals/{approval}"),
                "stages",
            ),
            Source::AzureResource => return Err(not_graph(request.source)),
        };
        let url = self.url_in(version, &path, &[])?;
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let value = lowercase_keys(read_json::<serde_json::Value>(&response, &self.host())?);
        let stages = value[member].as_array().cloned().unwrap_or_default();
        Ok(decision_of(&stages, |s| s))
    }

    /// Who removed `grant` and why, when an administrator did it through PIM: the newest
    /// `adminRemove` request for the user (`filterByCurrentUser(on='principal')` with
    /// `$filter=action eq 'adminRemove'`) for that role and scope (group and access), filed after
    /// the grant started, with its `createdBy.user` and `justification`. `Ok(None)` when Graph
    /// records no such request.
    pub async fn removal(&self, grant: &ActiveGrant) -> Result<Option<Decision>> {
        let path = match grant.source {
            Source::EntraRole => format!("{DIRECTORY_REQUESTS}/{MINE}"),
            Source::Group => format!("{GROUP_REQUESTS}/{MINE}"),
            Source::AzureResource => return Err(not_graph(grant.source)),
        };
        let items: Vec<serde_json::Value> = self
            .list_query(
                &path,
                &[("$filter", "action eq 'adminRemove'")],
                "request",
                |v| Ok::<_, std::convert::Infallible>(lowercase_keys(v)),
            )
            .await?;
        let same = |v: &serde_json::Value, want: &str| {
            v.as_str()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case(want.trim()))
        };
        let text = |v: &serde_json::Value| {
            v.as_str()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        Ok(items
            .iter()
            .filter(|r| {
                same(&r["action"], "adminRemove")
                    && match grant.source {
                        Source::Group => {
                            same(&r["groupid"], &grant.scope.id)
                                && same(&r["accessid"], &grant.role.id)
                        }
                        _ => {
                            same(&r["roledefinitionid"], &grant.role.id)
                                && same(&r["directoryscopeid"], &grant.scope.id)
                        }
                    }
            })
            .map(|r| {
                let user = &r["createdby"]["user"];
                Decision {
                    by: text(&user["displayname"]),
                    by_id: text(&user["id"]),
                    reason: text(&r["justification"]),
                    at: parse_time(r["createddatetime"].as_str()),
                }
            })
            .filter(|d| match (d.at, grant.start) {
                (Some(at), Some(start)) => at >= start,
                _ => true,
            })
            .max_by_key(|d| d.at))
    }
}
