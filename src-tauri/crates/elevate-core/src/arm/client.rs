//! The ARM PIM client.

mod decisions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde_json::json;
use url::Url;
use uuid::Uuid;

use super::convert::{self, Incomplete};
use super::permissions::{Permission, role_is_covered};
use super::wire::{PolicyAssignment, PolicyResource};
use crate::auth::{AccessToken, FreshSignIn, TokenSource};
use crate::caller::{Approval, Caller, review_body};
use crate::error::{Api, Error, Result};
use crate::http::{HttpClient, Method, Response};
use crate::model::{
    ActivationRequest, ActiveGrant, Eligibility, Expiring, Holding, MoreTime, Policy,
    RequestRecord, ScopeKind, Span,
};
use crate::policy_rules::policy_from_rules;
use crate::rest::{Submission, collect_converted, collect_pages, read_json};
use crate::text::sanitize;
use crate::wire::{eq_ci, format_time, lowercase_keys};

/// The api-version of ARM's PIM resources.
pub const API_VERSION: &str = "2020-10-01";
/// The api-version of `roleAssignmentApprovals` (Microsoft publishes it only as a preview).
pub const APPROVALS_API_VERSION: &str = "2021-01-01-preview";
const ROLE_DEFINITIONS_API_VERSION: &str = "2022-04-01";
/// The api-version of `Microsoft.Authorization/permissions` (the caller's permissions at a scope).
pub const PERMISSIONS_API_VERSION: &str = "2022-04-01";
const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";
const MANAGEMENT_GROUPS_API_VERSION: &str = "2021-04-01";

/// A client of ARM's PIM endpoints for one signed-in user.
pub struct ArmClient {
    caller: Caller,
    base: Url,
    names: Mutex<HashMap<String, String>>,
    /// Role definitions' permissions by lower-case id (they do not change while Elevate runs).
    role_permissions: Mutex<HashMap<String, Vec<Permission>>>,
}

impl ArmClient {
    /// A client for the ARM endpoint `base` (e.g. `https://management.azure.com`).
    pub fn new(http: HttpClient, base: Url, tokens: Arc<dyn TokenSource>) -> Self {
        ArmClient {
            caller: Caller::new(http, Api::Arm, tokens),
            base,
            names: Mutex::new(HashMap::new()),
            role_permissions: Mutex::new(HashMap::new()),
        }
    }

    /// A token for ARM, satisfying `claims` when given.
    pub async fn token(&self, claims: Option<&serde_json::Value>) -> Result<AccessToken> {
        self.caller.token(claims).await
    }

    /// The signed-in user's tenants: ARM's "Tenants - List" (`GET /tenants`), every page
    /// (`nextLink` on the same origin only). Whatever tenant the token was issued in, ARM lists
    /// the user's home tenant and those where they are a guest.
    pub async fn tenants(&self) -> Result<Vec<crate::auth::KnownTenant>> {
        let mut url = self.base_join("tenants")?;
        url.query_pairs_mut()
            .append_pair("api-version", SUBSCRIPTIONS_API_VERSION);
        self.list(url, "tenant", tenant_of).await
    }

    /// Everything the user is eligible for, at every scope (`asTarget()` at provider level).
    pub async fn eligibilities(&self) -> Result<Vec<Eligibility>> {
        self.eligibilities_at("/").await
    }

    /// What the user is eligible for at, above or below `scope`.
    pub async fn eligibilities_at(&self, scope: &str) -> Result<Vec<Eligibility>> {
        let url = self.url(
            scope,
            "roleEligibilityScheduleInstances",
            &[("$filter", "asTarget()")],
        )?;
        let mut out = self
            .list(url, "eligibility", |v| convert::eligibility(parse_item(v)?))
            .await?;
        self.fill_names(out.iter_mut().map(|e| (&mut e.role, &mut e.scope)))
            .await;
        Ok(out)
    }

    /// The user's active role assignments (activated and standing), at every scope.
    pub async fn active(&self) -> Result<Vec<ActiveGrant>> {
        let url = self.url(
            "/",
            "roleAssignmentScheduleInstances",
            &[("$filter", "asTarget()")],
        )?;
        let mut out = self
            .list(url, "active assignment", |v| convert::grant(parse_item(v)?))
            .await?;
        self.fill_names(out.iter_mut().map(|g| (&mut g.role, &mut g.scope)))
            .await;
        Ok(out)
    }

    /// The user's own requests (`asRequestor()`), newest first.
    pub async fn my_requests(&self) -> Result<Vec<RequestRecord>> {
        let url = self.url(
            "/",
            "roleAssignmentScheduleRequests",
            &[("$filter", "asRequestor()")],
        )?;
        let mut out = self
            .list(url, "request", |v| convert::request(parse_item(v)?))
            .await?;
        self.fill_names(out.iter_mut().map(|r| (&mut r.role, &mut r.scope)))
            .await;
        out.sort_by_key(|r| std::cmp::Reverse(r.created));
        Ok(out)
    }

    /// Requests that wait for the signed-in user's decision as an approver, with the requester's name.
    pub async fn approvals(&self) -> Result<Vec<RequestRecord>> {
        let url = self.url(
            "/",
            "roleAssignmentScheduleRequests",
            &[("$filter", "asApprover()")],
        )?;
        let mut out = self
            .list(url, "request", |v| convert::request(parse_item(v)?))
            .await?;
        out.retain(|r| r.status == crate::model::RequestStatus::PendingApproval);
        self.fill_names(out.iter_mut().map(|r| (&mut r.role, &mut r.scope)))
            .await;
        for request in &mut out {
            request.scope_path = self.scope_path(&request.scope).await;
        }
        out.sort_by_key(|r| r.created);
        Ok(out)
    }

    /// Approves or denies `request` through `roleAssignmentApprovals` (api-version
    /// 2021-01-01-preview, the only one Microsoft publishes) with `token` (from
    /// [`ArmClient::decision_token`]): reads the approval, finds the stage assigned to the user
    /// that is in progress, and reviews it. A request someone else decided meanwhile is
    /// [`Error::AlreadyDecided`]; one that `me` (the user's object id) already decided that way (a
    /// retry whose first attempt went through) is done.
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
        let path = format!("providers/Microsoft.Authorization/roleAssignmentApprovals/{guid}");
        let mut approval_url = self.base_join(&path)?;
        approval_url
            .query_pairs_mut()
            .append_pair("api-version", APPROVALS_API_VERSION);
        let stages = |response: &Response| -> Result<Vec<serde_json::Value>> {
            let value = lowercase_keys(read_json::<serde_json::Value>(response, &self.host())?);
            Ok(value["properties"]["stages"]
                .as_array()
                .cloned()
                .unwrap_or_default())
        };
        let stage_url = |stage: &str| -> Result<Url> {
            if Uuid::parse_str(stage).is_err() {
                return Err(Error::Invalid(
                    "the approval stage id is not an Azure id".into(),
                ));
            }
            let mut url = self.base_join(&format!("{path}/stages/{stage}"))?;
            url.query_pairs_mut()
                .append_pair("api-version", APPROVALS_API_VERSION);
            Ok(url)
        };
        let approval = Approval {
            url: approval_url,
            stages: &stages,
            fields: |s| &s["properties"],
            id: |s| s["name"].as_str(),
            stage_url: &stage_url,
            // ARM nests a resource's fields in `properties`.
            body: json!({ "properties": review_body(approve, justification) }),
        };
        self.caller.review(token, approval, me, approve).await
    }

    /// A token for ARM to approve or deny with (see [`TokenSource::decision_token`]).
    pub async fn decision_token(&self, rule: FreshSignIn) -> Result<AccessToken> {
        self.caller.decision_token(rule).await
    }

    /// One request, by its full id.
    pub async fn request(&self, id: &str) -> Result<RequestRecord> {
        let url = self.resource_url(id)?;
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let mut record = self.read_request(&response)?;
        self.fill_names(std::iter::once((&mut record.role, &mut record.scope)))
            .await;
        Ok(record)
    }

    /// The activation policy for `role_definition_id` at `scope`: the policy assignment for that role
    /// (matched case-insensitively by the role's GUID) and its effective rules.
    pub async fn policy(&self, role_definition_id: &str, scope: &str) -> Result<Policy> {
        let url = self.url(scope, "roleManagementPolicyAssignments", &[])?;
        let want = guid_of(role_definition_id);
        let mut assignment = None;
        collect_pages(
            url,
            &self.base,
            "nextLink",
            |url| async move { self.caller.call(Method::Get, &url, None, None).await },
            |v| {
                if assignment.is_none() {
                    assignment = serde_json::from_value::<PolicyAssignment>(lowercase_keys(v))
                        .ok()
                        .filter(|a| {
                            a.properties
                                .roledefinitionid
                                .as_deref()
                                .is_some_and(|r| eq_ci(guid_of(r), want))
                        });
                }
            },
        )
        .await?;
        let Some(assignment) = assignment else {
            tracing::debug!(target: "elevate::arm", role = want, scope, "no policy assignment; using an empty policy");
            return Ok(Policy::default());
        };
        if let Some(rules) = assignment
            .properties
            .effectiverules
            .filter(|r| !r.is_empty())
        {
            return Ok(policy_from_rules(&rules));
        }
        let Some(policy_id) = assignment.properties.policyid else {
            return Ok(Policy::default());
        };
        let url = self.resource_url(&policy_id)?;
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let policy: PolicyResource = read_json(&response, &self.host())?;
        let rules = policy
            .properties
            .effectiverules
            .filter(|r| !r.is_empty())
            .or(policy.properties.rules)
            .unwrap_or_default();
        Ok(policy_from_rules(&rules))
    }

    /// Everything the caller may do at `scope`, a resource group or a resource: one entry per role
    /// that applies there (`Permissions_ListForResourceGroup`, `Permissions_ListForResource`,
    /// api-version 2022-04-01), across pages. Microsoft documents no such list for a subscription
    /// or a management group: other scopes are [`Error::Invalid`].
    pub async fn permissions_at(&self, scope: &str) -> Result<Vec<Permission>> {
        if !can_list_permissions(scope) {
            return Err(Error::Invalid(format!(
                "Azure lists the caller's permissions only at a resource group or a resource, not at {}",
                sanitize(scope)
            )));
        }
        let url = self.url_at(scope, "permissions", PERMISSIONS_API_VERSION, &[])?;
        self.list(url, "permission", convert::permission_from_json)
            .await
    }

    /// The permissions of the role definition `role_definition_id` (its full id, as grants carry
    /// it), read once (`RoleDefinitions_GetById`, api-version 2022-04-01) and then kept.
    pub async fn role_permissions(&self, role_definition_id: &str) -> Result<Vec<Permission>> {
        let key = role_definition_id.trim().to_ascii_lowercase();
        if let Some(known) = self
            .role_permissions
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(known);
        }
        let mut url = self.base_join(role_definition_id.trim().trim_start_matches('/'))?;
        url.query_pairs_mut()
            .append_pair("api-version", ROLE_DEFINITIONS_API_VERSION);
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let value: serde_json::Value = read_json(&response, &self.host())?;
        let permissions = convert::role_permissions_from_json(value)
            .map_err(|e| self.malformed(&e.to_string()))?;
        if let Ok(mut cache) = self.role_permissions.lock() {
            cache.insert(key, permissions.clone());
        }
        Ok(permissions)
    }

    /// Whether Azure applies `grant` now: everything its role allows is among the caller's
    /// permissions at its scope (see [`crate::arm::permissions::role_is_covered`]). Only a resource
    /// group or a resource can be asked (see [`can_list_permissions`]); at any other scope the
    /// grant's being listed is all there is to know, and the answer is `true`. A 403 on the
    /// permissions list means the caller has nothing there yet: `false`.
    pub async fn grant_applies(&self, grant: &ActiveGrant) -> Result<bool> {
        if !can_list_permissions(&grant.scope.id) {
            return Ok(true);
        }
        let role = self.role_permissions(&grant.role.id).await?;
        let granted = match self.permissions_at(&grant.scope.id).await {
            Ok(granted) => granted,
            Err(Error::Azure(e)) if e.status == 403 => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(role_is_covered(&role, &granted))
    }

    /// Requests activation of `eligibility` for `principal_id` (the caller's object id).
    ///
    /// `name` is the request's GUID: pass the same one to retry the same logical request, so that a retry
    /// after a lost answer finds the first request instead of creating a second.
    pub async fn activate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        name: Uuid,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        let (scope, body) = activation_body(eligibility, request, principal_id)?;
        self.submit(&scope, name, body, claims).await
    }

    /// Asks ARM only to check an activation of `eligibility` (`RoleAssignmentScheduleRequests_Validate`,
    /// api-version 2020-10-01): `POST {scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}/validate`
    /// with the body an activation would PUT. Azure runs the activation's checks and creates
    /// nothing; a refusal is the typed error the activation would get (`RoleAssignmentExists`
    /// included: the caller decides what "already active" means for a check).
    pub async fn validate(
        &self,
        eligibility: &Eligibility,
        request: &ActivationRequest,
        principal_id: &str,
        name: Uuid,
        claims: Option<&serde_json::Value>,
    ) -> Result<crate::rest::Validation> {
        let (scope, body) = activation_body(eligibility, request, principal_id)?;
        let url = self.url(
            &scope,
            &format!("roleAssignmentScheduleRequests/{name}/validate"),
            &[],
        )?;
        let response = self
            .caller
            .call(Method::Post, &url, Some(&body), claims)
            .await?;
        Ok(crate::rest::Validation::of(&self.read_request(&response)?))
    }

    /// Requests early deactivation of `grant`.
    pub async fn deactivate(
        &self,
        grant: &ActiveGrant,
        principal_id: &str,
        name: Uuid,
    ) -> Result<Submission> {
        self.submit(
            &grant.scope.id,
            name,
            deactivation_body(grant, principal_id),
            None,
        )
        .await
    }

    /// Files a request for more time (`SelfExtend`/`SelfRenew`, `body` from [`more_time_body`]) on
    /// the schedule requests of what `target` is: `roleAssignmentScheduleRequests` for an
    /// assignment, `roleEligibilityScheduleRequests` for an eligibility.
    pub async fn request_extension(
        &self,
        target: &Expiring,
        body: serde_json::Value,
        name: Uuid,
    ) -> Result<Submission> {
        let collection = match target.holding {
            Holding::Assignment => "roleAssignmentScheduleRequests",
            Holding::Eligibility => "roleEligibilityScheduleRequests",
        };
        self.submit_to(&target.scope.id, collection, name, body, None)
            .await
    }

    /// Cancels a pending request, by its full id.
    pub async fn cancel(&self, request_id: &str) -> Result<()> {
        let mut url = self.resource_url(request_id)?;
        url.path_segments_mut()
            .map_err(|()| bad_url(request_id))?
            .push("cancel");
        self.caller
            .call(Method::Post, &url, None, None)
            .await
            .map(|_| ())
    }

    async fn submit(
        &self,
        scope: &str,
        name: Uuid,
        body: serde_json::Value,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        self.submit_to(scope, "roleAssignmentScheduleRequests", name, body, claims)
            .await
    }

    /// PUTs a schedule request named `name` into `collection` at `scope`.
    async fn submit_to(
        &self,
        scope: &str,
        collection: &str,
        name: Uuid,
        body: serde_json::Value,
        claims: Option<&serde_json::Value>,
    ) -> Result<Submission> {
        let url = self.url(scope, &format!("{collection}/{name}"), &[])?;
        let mut submission = self
            .caller
            .submit(Method::Put, &url, &body, claims, |r| self.read_request(r))
            .await?;
        if let Submission::Created(record) = &mut submission {
            self.fill_names(std::iter::once((&mut record.role, &mut record.scope)))
                .await;
        }
        Ok(submission)
    }

    fn read_request(&self, response: &Response) -> Result<RequestRecord> {
        let value: serde_json::Value = read_json(response, &self.host())?;
        convert::request(parse_item(value).map_err(|e| self.malformed(&e.to_string()))?)
            .map_err(|e| self.malformed(&e.to_string()))
    }

    /// All items of a paged list, converted page by page, following `nextLink` on the same origin only.
    async fn list<T, E: std::fmt::Display>(
        &self,
        first: Url,
        what: &str,
        convert: impl Fn(serde_json::Value) -> std::result::Result<T, E>,
    ) -> Result<Vec<T>> {
        collect_converted(
            first,
            &self.base,
            "nextLink",
            |url| async move { self.caller.call(Method::Get, &url, None, None).await },
            what,
            convert,
        )
        .await
    }

    /// `{base}{scope}/providers/Microsoft.Authorization/{rest}?api-version=…&{query}`.
    fn url(&self, scope: &str, rest: &str, query: &[(&str, &str)]) -> Result<Url> {
        self.url_at(scope, rest, API_VERSION, query)
    }

    /// [`ArmClient::url`] at another api-version.
    fn url_at(
        &self,
        scope: &str,
        rest: &str,
        api_version: &str,
        query: &[(&str, &str)],
    ) -> Result<Url> {
        let scope = scope.trim().trim_matches('/');
        let path = if scope.is_empty() {
            format!("providers/Microsoft.Authorization/{rest}")
        } else {
            format!("{scope}/providers/Microsoft.Authorization/{rest}")
        };
        let mut url = self.base_join(&path)?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("api-version", api_version);
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// A full resource id (`/subscriptions/…/providers/…/x/y`) at the PIM api-version.
    fn resource_url(&self, id: &str) -> Result<Url> {
        let mut url = self.base_join(id.trim().trim_start_matches('/'))?;
        url.query_pairs_mut()
            .append_pair("api-version", API_VERSION);
        Ok(url)
    }

    fn base_join(&self, path: &str) -> Result<Url> {
        let root = self.base.as_str().trim_end_matches('/');
        // Each segment is encoded on its own; Azure ids contain no characters that need more.
        let encoded: Vec<String> = path
            .split('/')
            .map(|s| percent_encoding::utf8_percent_encode(s, SEGMENT).to_string())
            .collect();
        Url::parse(&format!("{root}/{}", encoded.join("/"))).map_err(|_| bad_url(path))
    }

    fn host(&self) -> String {
        self.base.host_str().unwrap_or("ARM").to_owned()
    }

    fn malformed(&self, detail: &str) -> Error {
        Error::MalformedResponse {
            host: self.host(),
            detail: detail.to_owned(),
        }
    }

    /// Fills in display names that `expandedProperties` did not carry, by asking ARM for the role
    /// definition, subscription or management group; falls back to the id's last segment.
    async fn fill_names<'a>(
        &self,
        refs: impl Iterator<
            Item = (
                &'a mut crate::model::RoleRef,
                &'a mut crate::model::ScopeRef,
            ),
        >,
    ) {
        for (role, scope) in refs {
            if role.name.is_empty() {
                role.name = self.lookup_role_name(&role.id).await;
            }
            if scope.name.is_empty() {
                scope.name = self.lookup_scope_name(&scope.id, scope.kind).await;
            }
        }
    }

    /// The levels of an ARM scope from the top, by name: a management group; or the subscription,
    /// its resource group and the resource (`name (type)`). ARM does not say which management
    /// group a subscription is in without rights an approver may lack, so a path starts at the
    /// scope's own top level.
    pub async fn scope_path(&self, scope: &crate::model::ScopeRef) -> Vec<String> {
        let id = scope.id.trim_end_matches('/');
        let parts: Vec<&str> = id.split('/').filter(|p| !p.is_empty()).collect();
        let lower: Vec<String> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
        let at = |i: usize| lower.get(i).map(String::as_str);
        match (at(0), at(2)) {
            (Some("subscriptions"), _) if parts.len() >= 2 => {
                let subscription = format!("/subscriptions/{}", parts[1]);
                let mut path = vec![
                    self.lookup_scope_name(&subscription, ScopeKind::Subscription)
                        .await,
                ];
                if at(2) == Some("resourcegroups") && parts.len() >= 4 {
                    path.push(sanitize(parts[3]));
                    // …/providers/{namespace}/{type}/{name}[/{type}/{name}…]
                    if at(4) == Some("providers") && parts.len() >= 8 {
                        let name = parts[parts.len() - 1];
                        let kind = format!(
                            "{}/{}",
                            parts[5],
                            parts[6..parts.len() - 1]
                                .iter()
                                .step_by(2)
                                .copied()
                                .collect::<Vec<_>>()
                                .join("/")
                        );
                        path.push(format!("{} ({})", sanitize(name), sanitize(&kind)));
                    }
                }
                path
            }
            (Some("providers"), _) if at(1) == Some("microsoft.management") && parts.len() >= 4 => {
                vec![self.lookup_scope_name(id, ScopeKind::ManagementGroup).await]
            }
            _ if scope.name.is_empty() => vec![sanitize(&scope.id)],
            _ => vec![scope.name.clone()],
        }
    }

    async fn lookup_role_name(&self, role_id: &str) -> String {
        let fallback = guid_of(role_id).to_owned();
        self.cached_name(
            role_id,
            ROLE_DEFINITIONS_API_VERSION,
            &["properties", "rolename"],
            fallback,
        )
        .await
    }

    async fn lookup_scope_name(&self, scope: &str, kind: ScopeKind) -> String {
        let last = scope
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(scope)
            .to_owned();
        match kind {
            ScopeKind::Subscription => {
                self.cached_name(scope, SUBSCRIPTIONS_API_VERSION, &["displayname"], last)
                    .await
            }
            ScopeKind::ManagementGroup => {
                self.cached_name(
                    scope,
                    MANAGEMENT_GROUPS_API_VERSION,
                    &["properties", "displayname"],
                    last,
                )
                .await
            }
            ScopeKind::Directory => "Tenant root".to_owned(),
            _ => last,
        }
    }

    async fn cached_name(
        &self,
        id: &str,
        api_version: &str,
        path: &[&str],
        fallback: String,
    ) -> String {
        let key = id.to_ascii_lowercase();
        if let Some(name) = self.names.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return name;
        }
        let name = match self.fetch_name(id, api_version, path).await {
            Ok(Some(name)) => name,
            Ok(None) => fallback,
            Err(e) => {
                tracing::debug!(target: "elevate::arm", id, error = %e, "display name lookup failed");
                return fallback;
            }
        };
        if let Ok(mut names) = self.names.lock() {
            names.insert(key, name.clone());
        }
        name
    }

    async fn fetch_name(
        &self,
        id: &str,
        api_version: &str,
        path: &[&str],
    ) -> Result<Option<String>> {
        let mut url = self.base_join(id.trim_start_matches('/'))?;
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
        let response = self.caller.call(Method::Get, &url, None, None).await?;
        let value = lowercase_keys(read_json::<serde_json::Value>(&response, &self.host())?);
        let name = path
            .iter()
            .try_fold(&value, |v, k| v.get(*k))
            .and_then(|v| v.as_str());
        Ok(name.map(sanitize))
    }
}

/// The scope to PUT at and the body of a SelfActivate request.
pub fn activation_body(
    eligibility: &Eligibility,
    request: &ActivationRequest,
    principal_id: &str,
) -> Result<(String, serde_json::Value)> {
    let scope = match &request.narrower_scope {
        Some(narrower) => {
            if !is_within(narrower, &eligibility.scope.id) {
                return Err(Error::Invalid(format!(
                    "{narrower} is not within {} ({}); a narrower scope must be below the eligible scope",
                    eligibility.scope.name, eligibility.scope.id
                )));
            }
            narrower.clone()
        }
        None => eligibility.scope.id.clone(),
    };
    let mut properties = json!({
        "principalId": principal_id,
        "roleDefinitionId": eligibility.role.id,
        "requestType": "SelfActivate",
        "scheduleInfo": { "expiration": { "type": "AfterDuration", "duration": request.duration.to_iso8601() } },
    });
    if let Some(schedule) = &eligibility.schedule_id {
        properties["linkedRoleEligibilityScheduleId"] = json!(schedule);
    }
    if let Some(start) = request.start {
        properties["scheduleInfo"]["startDateTime"] = json!(format_time(start));
    }
    if let Some(justification) = &request.justification {
        properties["justification"] = json!(justification);
    }
    if let Some(ticket) = &request.ticket {
        properties["ticketInfo"] =
            json!({ "ticketNumber": ticket.number, "ticketSystem": ticket.system });
    }
    Ok((scope, json!({ "properties": properties })))
}

/// The body of a SelfDeactivate request for `grant`.
pub fn deactivation_body(grant: &ActiveGrant, principal_id: &str) -> serde_json::Value {
    json!({ "properties": {
        "principalId": principal_id,
        "roleDefinitionId": grant.role.id,
        "requestType": "SelfDeactivate",
        "justification": "Deactivated with Elevate",
    }})
}

/// The body of a request for more time on `target`, a time-bound assignment or eligibility an
/// administrator made: `SelfExtend` before its end, `SelfRenew` after it (never an activation:
/// that is deactivated and activated again). The same shape serves both schedule request
/// resources; `duration` is the length asked for, from now.
pub fn more_time_body(
    target: &Expiring,
    ask: MoreTime,
    duration: Span,
    justification: Option<&str>,
    principal_id: &str,
) -> serde_json::Value {
    let mut body = json!({ "properties": {
        "principalId": principal_id,
        "roleDefinitionId": target.role.id,
        "requestType": ask.arm_request_type(),
        "scheduleInfo": { "expiration": { "type": "AfterDuration", "duration": duration.to_iso8601() } },
    }});
    if let Some(j) = justification {
        body["properties"]["justification"] = json!(j);
    }
    body
}

/// The body of a `SelfExtend` request for `grant`, a time-bound assignment.
pub fn extension_request_body(
    grant: &ActiveGrant,
    duration: Span,
    justification: Option<&str>,
    principal_id: &str,
) -> serde_json::Value {
    more_time_body(
        &Expiring::from(grant),
        MoreTime::Extend,
        duration,
        justification,
        principal_id,
    )
}

/// Characters to escape in one path segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%');

/// One item of the tenant list: its id (required), display name and domains (Azure's text,
/// sanitized when shown).
fn tenant_of(
    value: serde_json::Value,
) -> std::result::Result<crate::auth::KnownTenant, Incomplete> {
    let value = lowercase_keys(value);
    let text = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let tenant_id = text("tenantid").ok_or(Incomplete("tenantId"))?;
    let domains = value
        .get("domains")
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(crate::auth::KnownTenant {
        tenant_id,
        display_name: text("displayname"),
        default_domain: text("defaultdomain"),
        domains,
    })
}

fn bad_url(path: &str) -> Error {
    Error::Invalid(format!("cannot build a URL for {}", sanitize(path)))
}

fn parse_item<T: DeserializeOwned>(value: serde_json::Value) -> std::result::Result<T, Incomplete> {
    serde_json::from_value(lowercase_keys(value)).map_err(|_| Incomplete("the documented shape"))
}

/// The last segment of a role definition id (its GUID).
fn guid_of(role_definition_id: &str) -> &str {
    role_definition_id
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(role_definition_id)
}

/// Whether Microsoft documents a list of the caller's permissions at `scope`: a resource group or
/// a resource below one. Not at a subscription, a management group or the root.
pub fn can_list_permissions(scope: &str) -> bool {
    matches!(
        ScopeKind::of_arm_scope(scope),
        ScopeKind::ResourceGroup | ScopeKind::Resource
    )
}

/// Whether `inner` is `outer` or below it, comparing case-insensitively, segment by segment.
/// A scope with an empty, `.` or `..` segment, a percent-encoded or backslash character, a query or
/// fragment, or control characters is never within anything: ARM would resolve it elsewhere than
/// it reads.
fn is_within(inner: &str, outer: &str) -> bool {
    match (scope_segments(inner), scope_segments(outer)) {
        (Some(inner), Some(outer)) => inner.len() >= outer.len() && inner.starts_with(&outer),
        _ => false,
    }
}

/// The lower-cased segments of an ARM scope (`/subscriptions/x/resourceGroups/y`), or `None` when
/// the text is not a plain scope path.
fn scope_segments(scope: &str) -> Option<Vec<String>> {
    let path = scope.trim().strip_prefix('/')?;
    let path = path.strip_suffix('/').unwrap_or(path);
    if path.is_empty() {
        return Some(Vec::new());
    }
    path.split('/')
        .map(|segment| {
            let bare = segment.trim();
            let plain = !bare.is_empty()
                && bare != "."
                && bare != ".."
                && !segment
                    .chars()
                    .any(|c| matches!(c, '%' | '\\' | '?' | '#') || c.is_control());
            plain.then(|| segment.to_ascii_lowercase())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_case_insensitively() {
        assert!(is_within(
            "/subscriptions/A/resourceGroups/rg",
            "/SUBSCRIPTIONS/a"
        ));
        assert!(is_within("/subscriptions/a", "/subscriptions/a/"));
        assert!(!is_within("/subscriptions/ab", "/subscriptions/a"));
    }

    #[test]
    fn a_narrower_scope_cannot_climb_out() {
        let eligible = "/subscriptions/a/resourceGroups/rg";
        for escape in [
            "/subscriptions/a/resourceGroups/rg/../../b",
            "/subscriptions/a/resourceGroups/rg/..",
            "/subscriptions/a/resourceGroups/rg/./../other",
            "/subscriptions/a/resourceGroups/rg//x",
            "/subscriptions/a/resourceGroups/rg/%2e%2e/%2E%2E/b",
            "/subscriptions/a/resourceGroups/rg/x%2f..%2f..",
            "/subscriptions/a/resourceGroups/rg/..\\..\\b",
            "/subscriptions/a/resourceGroups/rg/x?scope=/",
            "/subscriptions/a/resourceGroups/rg/x#/",
            "/subscriptions/a/resourceGroups/rg/ ..",
            "subscriptions/a/resourceGroups/rg/x",
        ] {
            assert!(!is_within(escape, eligible), "{escape}");
        }
        assert!(is_within(
            "/subscriptions/a/resourceGroups/RG/providers/Microsoft.Web/sites/app",
            eligible
        ));
        assert!(is_within("/subscriptions/a/resourceGroups/rg/", eligible));
    }

    #[test]
    fn role_guid_from_any_form() {
        assert_eq!(
            guid_of("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/ABC"),
            "ABC"
        );
        assert_eq!(guid_of("abc"), "abc");
    }
}
