//! The Graph PIM client: Entra roles (`roleManagement/directory`) and PIM for Groups
//! (`identityGovernance/privilegedAccess/group`).
//!
//! Unlike ARM, Graph names a new request itself, so a POST retried after a lost answer cannot carry the
//! same name. It is still never duplicated: the retry is refused as `RoleAssignmentExists` (the first
//! one was done) or `RoleAssignmentRequestExists` (it is pending), which [`Submission`] reports as
//! already active or already pending.

mod decisions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;
use url::Url;

use super::convert::{self, DIRECTORY_REQUESTS, GROUP_REQUESTS};

/// The path under `/v1.0` of Entra role eligibility requests (a user's requests to extend or renew
/// an eligibility).
pub const DIRECTORY_ELIGIBILITY_REQUESTS: &str =
    "/roleManagement/directory/roleEligibilityScheduleRequests";
use crate::auth::{AccessToken, FreshSignIn, TokenSource};
use crate::caller::{Approval, Caller, review_body};
use crate::error::{Api, Error, Result};
use crate::http::{HttpClient, Method, Response};
use crate::model::{
    ActivationRequest, ActiveGrant, Eligibility, Expiring, Holding, MoreTime, Policy,
    RequestRecord, RoleRef, ScopeKind, ScopeRef, Source, Span,
};
use crate::rest::{Submission, collect_converted, read_json};
use crate::text::sanitize;
use crate::wire::{format_time, lowercase_keys};

const DIRECTORY: &str = "/roleManagement/directory";
const GROUPS: &str = "/identityGovernance/privilegedAccess/group";
const MINE: &str = "filterByCurrentUser(on='principal')";
const APPROVER: &str = "filterByCurrentUser(on='approver')";
const NEXT: &str = "@odata.nextLink";

/// A client of Graph's PIM endpoints for one signed-in user.
pub struct GraphClient {
    caller: Caller,
    /// The service root, e.g. `https://graph.microsoft.com`; paths go under `/v1.0`.
    base: Url,
    names: Mutex<HashMap<String, String>>,
}

impl GraphClient {
    /// A client for the Graph service root `base`.
    pub fn new(http: HttpClient, base: Url, tokens: Arc<dyn TokenSource>) -> Self {
        GraphClient {
            caller: Caller::new(http, Api::Graph, tokens),
            base,
            names: Mutex::new(HashMap::new()),
        }
    }

    /// A token for Graph, satisfying `claims` when given.
    pub async fn token(&self, claims: Option<&serde_json::Value>) -> Result<AccessToken> {
        self.caller.token(claims).await
    }

    /// The user's eligible Entra roles.
    pub async fn directory_eligibilities(&self) -> Result<Vec<Eligibility>> {
        let path = format!("{DIRECTORY}/roleEligibilityScheduleInstances/{MINE}");
        let mut out = self
            .list(
                &path,
                "roleDefinition,directoryScope",
                "Entra role eligibility",
                convert::directory_eligibility,
            )
            .await?;
        self.fill_names(out.iter_mut().map(|e| (&mut e.role, &mut e.scope)))
            .await;
        Ok(out)
    }

    /// The user's active Entra roles.
    pub async fn directory_active(&self) -> Result<Vec<ActiveGrant>> {
        let path = format!("{DIRECTORY}/roleAssignmentScheduleInstances/{MINE}");
        let mut out = self
            .list(
                &path,
                "roleDefinition,directoryScope",
                "Entra role assignment",
                convert::directory_grant,
            )
            .await?;
        self.fill_names(out.iter_mut().map(|g| (&mut g.role, &mut g.scope)))
            .await;
        Ok(out)
    }

    /// The user's eligible group memberships and ownerships.
    pub async fn group_eligibilities(&self) -> Result<Vec<Eligibility>> {
        let path = format!("{GROUPS}/eligibilityScheduleInstances/{MINE}");
        let mut out = self
            .list(
                &path,
                "group",
                "group eligibility",
                convert::group_eligibility,
            )
            .await?;
        self.fill_names(out.iter_mut().map(|e| (&mut e.role, &mut e.scope)))
            .await;
        Ok(out)
    }

    /// The user's active group memberships and ownerships.
    pub async fn group_active(&self) -> Result<Vec<ActiveGrant>> {
        let path = format!("{GROUPS}/assignmentScheduleInstances/{MINE}");
        let mut out = self
            .list(&path, "group", "group assignment", convert::group_grant)
            .await?;
        self.fill_names(out.iter_mut().map(|g| (&mut g.role, &mut g.scope)))
            .await;
        Ok(out)
    }

    /// The user's own requests of `source` (Entra roles or groups).
    pub async fn my_requests(&self, source: Source) -> Result<Vec<RequestRecord>> {
        let path = match source {
            Source::EntraRole => format!("{DIRECTORY_REQUESTS}/{MINE}"),
            Source::Group => format!("{GROUP_REQUESTS}/{MINE}"),
            Source::AzureResource => return Err(not_graph(source)),
        };
        let mut out = self.list(&path, "", "request", convert::request).await?;
        self.fill_names(out.iter_mut().map(|r| (&mut r.role, &mut r.scope)))
            .await;
        Ok(out)
    }

    /// Requests of `source` that wait for the signed-in user's decision as an approver, with the
    /// requester's name.
    pub async fn approvals(&self, source: Source) -> Result<Vec<RequestRecord>> {
        let path = match source {
            Source::EntraRole => format!("{DIRECTORY_REQUESTS}/{APPROVER}"),
            Source::Group => format!("{GROUP_REQUESTS}/{APPROVER}"),
            Source::AzureResource => return Err(not_graph(source)),
        };
        let query = [
            ("$filter", "status eq 'PendingApproval'"),
            ("$expand", "principal"),
        ];
        let mut out = self
            .list_query(&path, &query, "request", convert::request)
            .await?;
        self.fill_names(out.iter_mut().map(|r| (&mut r.role, &mut r.scope)))
            .await;
        for r in &mut out {
            r.scope_path = match r.scope.kind {
                ScopeKind::AdministrativeUnit => {
                    vec!["Directory".to_owned(), r.scope.name.clone()]
                }
                ScopeKind::Directory => vec!["Directory".to_owned()],
                _ => vec![r.scope.name.clone()],
            };
        }
        Ok(out)
    }

    /// Approves or denies an Entra role request (Graph beta approval steps) or a group request
    /// (v1.0 approval stages) with `token` (from [`GraphClient::decision_token`]). A request someone
    /// else decided meanwhile is [`Error::AlreadyDecided`]; one that `me` (the user's object id)
    /// already decided that way (a retry whose first attempt went through) is done.
    pub async fn decide(
        &self,
        request: &RequestRecord,
        approve: bool,
        justification: &str,
        token: &AccessToken,
        me: &str,
    ) -> Result<()> {
        let approval = request.approval_id.as_deref().ok_or_else(|| {
            Error::Invalid(format!(
                "the request {} has no approval",
                sanitize(&request.name)
            ))
        })?;
        if approval.contains('/') || approval.contains('?') {
            return Err(Error::Invalid("the approval id is not a plain id".into()));
        }
        // Entra role approvals are only in Graph's beta; PIM for Groups approvals are in v1.0.
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
        let approval_url = self.url_in(version, &path, &[])?;
        let stages = |response: &Response| -> Result<Vec<serde_json::Value>> {
            let value = lowercase_keys(read_json(response, &self.host())?);
            Ok(value[member].as_array().cloned().unwrap_or_default())
        };
        let stage_url =
            |stage: &str| self.url_in(version, &format!("{path}/{member}/{stage}"), &[]);
        let approval = Approval {
            url: approval_url,
            stages: &stages,
            fields: |s| s,
            id: |s| s["id"].as_str(),
            stage_url: &stage_url,
            body: review_body(approve, justification),
        };
        self.caller.review(token, approval, me, approve).await
    }

    /// A token for Graph to approve or deny with (see [`TokenSource::decision_token`]).
    pub async fn decision_token(&self, rule: FreshSignIn) -> Result<AccessToken> {
        self.caller.decision_token(rule).await
    }

    /// A user's name, UPN, e-mail and whether they are a guest (`GET /users/{id}` with `$select`;
    /// needs `User.ReadBasic.All` or more, which a tenant may not have consented to).
    pub async fn user(&self, id: &str) -> Result<crate::wire::RequesterFields> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(Error::Invalid("a user id must be a GUID".into()));
        }
        let url = self.url(
            &format!("/users/{id}"),
            &[("$select", "id,displayName,userPrincipalName,mail,userType")],
        )?;
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let value = lowercase_keys(read_json(&response, &self.host())?);
        let principal: crate::wire::Principal = serde_json::from_value(value)
            .map_err(|_| Error::Invalid("Graph's user could not be read".into()))?;
        Ok(principal.fields())
    }

    /// A group's name and, when it is mail-enabled, its address (`GET /groups/{id}` with
    /// `$select=id,displayName,mail,mailEnabled`; needs `GroupMember.Read.All` or more, which a
    /// tenant may not have consented to).
    pub async fn group_contact(&self, id: &str) -> Result<crate::wire::RequesterFields> {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(Error::Invalid("a group id must be a GUID".into()));
        }
        let url = self.url(
            &format!("/groups/{id}"),
            &[("$select", "id,displayName,mail,mailEnabled")],
        )?;
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let value = lowercase_keys(read_json(&response, &self.host())?);
        let mail_enabled = value["mailenabled"].as_bool().unwrap_or(false);
        let clean =
            |v: &serde_json::Value| v.as_str().map(sanitize).filter(|s| !s.trim().is_empty());
        Ok(crate::wire::RequesterFields {
            name: clean(&value["displayname"]),
            upn: None,
            email: clean(&value["mail"]).filter(|_| mail_enabled),
            guest: false,
            kind: Some("Group".to_owned()),
        })
    }

    /// One request, by the `id` Elevate gave it (its path under `/v1.0`).
    pub async fn request(&self, id: &str) -> Result<RequestRecord> {
        let url = self.url(id, &[])?;
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let mut record = self.read_request(&response)?;
        if id
            .to_ascii_lowercase()
            .starts_with(&DIRECTORY_ELIGIBILITY_REQUESTS.to_ascii_lowercase())
        {
            keep_collection(&mut record, DIRECTORY_ELIGIBILITY_REQUESTS);
        }
        self.fill_names(std::iter::once((&mut record.role, &mut record.scope)))
            .await;
        Ok(record)
    }

    /// The activation policy of an Entra role (at the directory) or of a group's member/owner access.
    pub async fn policy(&self, eligibility: &Eligibility) -> Result<Policy> {
        let filter = match eligibility.source {
            Source::EntraRole => format!(
                "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '{}'",
                odata_quote(&eligibility.role.id)
            ),
            Source::Group => format!(
                "scopeId eq '{}' and scopeType eq 'Group' and roleDefinitionId eq '{}'",
                odata_quote(&eligibility.scope.id),
                odata_quote(&eligibility.role.id)
            ),
            Source::AzureResource => return Err(not_graph(eligibility.source)),
        };
        let query = [
            ("$filter", filter.as_str()),
            ("$expand", "policy($expand=rules)"),
        ];
        let assignments = self
            .list_query(
                "/policies/roleManagementPolicyAssignments",
                &query,
                "policy assignment",
                |v| Ok::<_, std::convert::Infallible>(convert::policy_from_assignment(v)),
            )
            .await?;
        Ok(assignments.into_iter().next().unwrap_or_default())
    }

    /// Requests activation of an Entra role or group access for `principal_id` (the caller).
    pub async fn activate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        let (path, body) = match eligibility.source {
            Source::EntraRole => (
                DIRECTORY_REQUESTS,
                directory_activation_body(eligibility, request, principal_id)?,
            ),
            Source::Group => (
                GROUP_REQUESTS,
                group_activation_body(eligibility, request, principal_id)?,
            ),
            Source::AzureResource => return Err(not_graph(eligibility.source)),
        };
        self.submit(path, body, claims).await
    }

    /// Asks Graph only to check an activation: the `selfActivate` request an activation would POST,
    /// with `isValidationOnly: true` (documented on `unifiedRoleAssignmentScheduleRequest` and on
    /// `privilegedAccessScheduleRequest`, which PIM for Groups' assignment requests inherit). Graph
    /// runs the checks and creates nothing; a refusal is the typed error the activation would get.
    pub async fn validate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        claims: Option<&serde_json::Value>,
    ) -> Result<crate::rest::Validation> {
        let (path, mut body) = match eligibility.source {
            Source::EntraRole => (
                DIRECTORY_REQUESTS,
                directory_activation_body(eligibility, request, principal_id)?,
            ),
            Source::Group => (
                GROUP_REQUESTS,
                group_activation_body(eligibility, request, principal_id)?,
            ),
            Source::AzureResource => return Err(not_graph(eligibility.source)),
        };
        body["isValidationOnly"] = json!(true);
        let url = self.url(path, &[])?;
        let response = self
            .caller
            .call(Method::Post, &url, Some(&body), claims)
            .await?;
        Ok(crate::rest::Validation::of(&self.read_request(&response)?))
    }

    /// Requests early deactivation.
    pub async fn deactivate(&self, grant: &ActiveGrant, principal_id: &str) -> Result<Submission> {
        let (path, body) = self.grant_body(grant, "selfDeactivate", principal_id, None, None)?;
        self.submit(path, body, None).await
    }

    /// Asks an administrator for more time on `target`, a time-bound Entra role assignment or
    /// eligibility: `selfExtend` before its end, `selfRenew` after it, on
    /// `roleAssignmentScheduleRequests` or `roleEligibilityScheduleRequests`. PIM for Groups has
    /// no such action (its enums lack both): refused here, nothing is sent.
    pub async fn request_extension(
        &self,
        target: &Expiring,
        ask: MoreTime,
        duration: Span,
        justification: &str,
        principal_id: &str,
    ) -> Result<Submission> {
        if target.source != Source::EntraRole {
            return Err(crate::Error::Invalid(
                "only an Entra role assignment or eligibility can be extended or renewed on request through Graph; PIM for Groups has no such request"
                    .into(),
            ));
        }
        let path = match target.holding {
            Holding::Assignment => DIRECTORY_REQUESTS,
            Holding::Eligibility => DIRECTORY_ELIGIBILITY_REQUESTS,
        };
        let body = more_time_body(target, ask, duration, justification, principal_id);
        let mut submission = self.submit(path, body, None).await?;
        if let Submission::Created(record) = &mut submission {
            keep_collection(record, path);
        }
        Ok(submission)
    }

    /// The display names of a group's owners (`GET /groups/{id}/owners`, following
    /// `@odata.nextLink`), stripped of control characters; untrusted text.
    pub async fn group_owners(&self, group_id: &str) -> Result<Vec<String>> {
        if group_id.is_empty() || !group_id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(Error::Invalid(format!(
                "not a group id: {}",
                sanitize(group_id)
            )));
        }
        let path = format!("/groups/{group_id}/owners");
        self.list(&path, "", "group owners", |v| {
            v.get("displayName")
                .and_then(|n| n.as_str())
                .map(sanitize)
                .ok_or("displayName")
        })
        .await
    }

    /// Cancels a pending request, by the `id` Elevate gave it.
    pub async fn cancel(&self, id: &str) -> Result<()> {
        let url = self.url(&format!("{}/cancel", id.trim_end_matches('/')), &[])?;
        self.caller
            .call(Method::Post, &url, None, None)
            .await
            .map(|_| ())
    }

    fn grant_body(
        &self,
        grant: &ActiveGrant,
        action: &str,
        principal_id: &str,
        duration: Option<Span>,
        justification: Option<&str>,
    ) -> Result<(&'static str, serde_json::Value)> {
        let mut body = match grant.source {
            Source::EntraRole => {
                let mut b = json!({ "action": action, "principalId": principal_id, "roleDefinitionId": grant.role.id });
                scope_member(&mut b, &grant.scope);
                b
            }
            Source::Group => {
                json!({ "action": action, "principalId": principal_id, "groupId": grant.scope.id, "accessId": grant.role.id })
            }
            Source::AzureResource => return Err(not_graph(grant.source)),
        };
        if let Some(d) = duration {
            body["scheduleInfo"] =
                json!({ "expiration": { "type": "afterDuration", "duration": d.to_iso8601() } });
        }
        if let Some(j) = justification {
            body["justification"] = json!(j);
        }
        let path = if grant.source == Source::Group {
            GROUP_REQUESTS
        } else {
            DIRECTORY_REQUESTS
        };
        Ok((path, body))
    }

    async fn submit(
        &self,
        path: &str,
        body: serde_json::Value,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        let url = self.url(path, &[])?;
        let mut submission = self
            .caller
            .submit(Method::Post, &url, &body, claims, |r| self.read_request(r))
            .await?;
        if let Submission::Created(record) = &mut submission {
            self.fill_names(std::iter::once((&mut record.role, &mut record.scope)))
                .await;
        }
        Ok(submission)
    }

    fn read_request(&self, response: &Response) -> Result<RequestRecord> {
        let value: serde_json::Value = serde_json::from_slice(&response.body)
            .map_err(|e| crate::rest::malformed(&self.host(), &format!("unexpected JSON: {e}")))?;
        convert::request(value).map_err(|e| crate::rest::malformed(&self.host(), &e.to_string()))
    }

    /// All items of a list, converted page by page, following `@odata.nextLink` on the same origin only.
    async fn list<T, E: std::fmt::Display>(
        &self,
        path: &str,
        expand: &str,
        what: &str,
        convert: impl Fn(serde_json::Value) -> std::result::Result<T, E>,
    ) -> Result<Vec<T>> {
        let query: Vec<(&str, &str)> = if expand.is_empty() {
            Vec::new()
        } else {
            vec![("$expand", expand)]
        };
        self.list_query(path, &query, what, convert).await
    }

    /// All items of a list with query options, converted page by page.
    async fn list_query<T, E: std::fmt::Display>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        what: &str,
        convert: impl Fn(serde_json::Value) -> std::result::Result<T, E>,
    ) -> Result<Vec<T>> {
        let url = self.url(path, query)?;
        collect_converted(
            url,
            &self.base,
            NEXT,
            |url| async move { self.caller.call(Method::Get, &url, None, None).await },
            what,
            convert,
        )
        .await
    }

    /// `{base}/v1.0{path}?{query}`. Paths are Elevate's own constants or ids Graph returned (GUIDs).
    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url> {
        self.url_in("v1.0", path, query)
    }

    /// `{base}/{version}{path}?{query}`.
    fn url_in(&self, version: &str, path: &str, query: &[(&str, &str)]) -> Result<Url> {
        let root = self.base.as_str().trim_end_matches('/');
        let mut url = Url::parse(&format!(
            "{root}/{version}/{}",
            path.trim_start_matches('/')
        ))
        .map_err(|_| Error::Invalid(format!("cannot build a Graph URL for {}", sanitize(path))))?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn host(&self) -> String {
        self.base.host_str().unwrap_or("Graph").to_owned()
    }

    /// Fills in names that were not expanded: role definitions, administrative units, groups.
    async fn fill_names<'a>(
        &self,
        refs: impl Iterator<Item = (&'a mut RoleRef, &'a mut ScopeRef)>,
    ) {
        for (role, scope) in refs {
            if role.name.is_empty() {
                role.name = self
                    .name_of(
                        &format!("{DIRECTORY}/roleDefinitions/{}", role.id),
                        &role.id,
                    )
                    .await;
            }
            if scope.name.is_empty() {
                let path = match scope.kind {
                    ScopeKind::AdministrativeUnit => Some(format!("/directory{}", scope.id)),
                    ScopeKind::Group => Some(format!("/groups/{}", scope.id)),
                    ScopeKind::Application => Some(format!(
                        "/applications/{}",
                        scope.id.trim_start_matches('/')
                    )),
                    _ => None,
                };
                scope.name = match path {
                    Some(path) => self.name_of(&path, &scope.id).await,
                    None => scope.id.clone(),
                };
            }
        }
    }

    async fn name_of(&self, path: &str, fallback: &str) -> String {
        let key = path.to_ascii_lowercase();
        if let Some(name) = self.names.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return name;
        }
        let fetched = async {
            let url = self.url(path, &[])?;
            let response = self.caller.call(Method::Get, &url, None, None).await?;
            let value: serde_json::Value = read_json(&response, &self.host())?;
            Ok::<_, Error>(lowercase_keys(value)["displayname"].as_str().map(sanitize))
        };
        let name = match fetched.await {
            Ok(Some(name)) => name,
            Ok(None) => fallback.to_owned(),
            Err(e) => {
                tracing::debug!(target: "elevate::graph", path, error = %e, "display name lookup failed");
                return fallback.to_owned();
            }
        };
        if let Ok(mut names) = self.names.lock() {
            names.insert(key, name.clone());
        }
        name
    }
}

fn not_graph(source: Source) -> Error {
    Error::Invalid(format!(
        "{} is not a Microsoft Graph source",
        source.label()
    ))
}

/// Quotes a value for an OData string literal.
fn odata_quote(value: &str) -> String {
    value.replace('\'', "''")
}

/// Sets `directoryScopeId` or `appScopeId` from a scope.
fn scope_member(body: &mut serde_json::Value, scope: &ScopeRef) {
    if scope.kind == ScopeKind::Application {
        body["appScopeId"] = json!(scope.id);
    } else {
        body["directoryScopeId"] = json!(scope.id);
    }
}

/// Graph's documented requests always carry a start; "now" unless the user chose a later one.
fn schedule(request: &ActivationRequest) -> serde_json::Value {
    let start = request.start.unwrap_or_else(chrono::Utc::now);
    json!({
        "startDateTime": format_time(start),
        "expiration": { "type": "afterDuration", "duration": request.duration.to_iso8601() },
    })
}

fn common(body: &mut serde_json::Value, request: &ActivationRequest) -> Result<()> {
    if request.narrower_scope.is_some() {
        return Err(Error::Invalid(
            "a narrower scope applies only to Azure resource roles".into(),
        ));
    }
    body["scheduleInfo"] = schedule(request);
    if let Some(j) = &request.justification {
        body["justification"] = json!(j);
    }
    if let Some(t) = &request.ticket {
        body["ticketInfo"] = json!({ "ticketNumber": t.number, "ticketSystem": t.system });
    }
    Ok(())
}

/// The body of a `selfActivate` Entra role request.
pub fn directory_activation_body(
    eligibility: &Eligibility,
    request: &ActivationRequest,
    principal_id: &str,
) -> Result<serde_json::Value> {
    let mut body = json!({ "action": "selfActivate", "principalId": principal_id, "roleDefinitionId": eligibility.role.id });
    scope_member(&mut body, &eligibility.scope);
    common(&mut body, request)?;
    Ok(body)
}

/// The body of a `selfActivate` PIM for Groups request.
pub fn group_activation_body(
    eligibility: &Eligibility,
    request: &ActivationRequest,
    principal_id: &str,
) -> Result<serde_json::Value> {
    let mut body = json!({
        "action": "selfActivate",
        "principalId": principal_id,
        "groupId": eligibility.scope.id,
        "accessId": eligibility.role.id,
    });
    common(&mut body, request)?;
    Ok(body)
}

/// The body of an Entra role's request for more time (`selfExtend`/`selfRenew`), the same for
/// `unifiedRoleAssignmentScheduleRequest` and `unifiedRoleEligibilityScheduleRequest`.
pub fn more_time_body(
    target: &Expiring,
    ask: MoreTime,
    duration: Span,
    justification: &str,
    principal_id: &str,
) -> serde_json::Value {
    let mut body = json!({
        "action": ask.graph_action(),
        "principalId": principal_id,
        "roleDefinitionId": target.role.id,
        "justification": justification,
        "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": duration.to_iso8601() } },
    });
    scope_member(&mut body, &target.scope);
    body
}

/// Gives `record` (read as an assignment request) the id of the collection it lives in, so that
/// the watcher and `cancel` find it again.
fn keep_collection(record: &mut RequestRecord, path: &str) {
    if let Some(name) = record.id.rsplit('/').next().map(str::to_owned) {
        record.id = format!("{path}/{name}");
    }
}
