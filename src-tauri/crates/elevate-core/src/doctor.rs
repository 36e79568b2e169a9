//! `elevate doctor` and the window's "Check access": for each source, whether a token comes
//! silently, whether it carries the permissions that source needs ([`crate::permissions`]), and
//! whether listing eligibilities works. Each finding is one line with what to do; missing consent
//! names the permissions and the admin-consent URL for the client in use.
//!
//! The token source given must not be interactive: the doctor only looks, it never opens a browser.

use std::sync::Arc;

use serde::Serialize;
use url::Url;

use crate::arm::ArmClient;
use crate::auth::{Audience, SignInError, TokenClaims, TokenSource, decode_claims};
use crate::config::Endpoints;
use crate::error::{Api, Error};
use crate::graph::GraphClient;
use crate::http::HttpClient;
use crate::model::Source;
use crate::permissions::{self, Permission};
use crate::pim::PimClient;

/// How a finding reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Works.
    Ok,
    /// Works, but something may get in the way.
    Warning,
    /// Does not work; the message says what to do.
    Problem,
}

/// What was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// A token for the API, got silently from the saved sign-in.
    Token,
    /// The token's permissions (`scp`) against what the source needs.
    Permissions,
    /// Listing the source's eligibilities.
    Listing,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Ok, warning or problem.
    pub level: Level,
    /// What was checked.
    pub check: Check,
    /// The API it concerns.
    pub api: Api,
    /// The source it concerns (none for the API's token).
    pub source: Option<Source>,
    /// One line: what was found and what to do.
    pub message: String,
    /// Permissions without consent (their names, e.g. `RoleEligibilitySchedule.Read.Directory`).
    pub missing: Vec<String>,
    /// The admin-consent URL that grants them for the client in use.
    pub consent_url: Option<String>,
}

/// Everything found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The findings, in the order they were made.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether anything does not work.
    pub fn has_problem(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Problem)
    }
}

/// Who Elevate signs in as and where: what the findings and the consent URL name.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The sign-in authority, e.g. `https://login.microsoftonline.com`.
    pub authority: Url,
    /// The client id for ARM tokens.
    pub arm_client_id: String,
    /// The client id for Graph tokens.
    pub graph_client_id: String,
    /// The endpoints (API URLs and the scopes of their tokens).
    pub endpoints: Endpoints,
}

/// The checks, over a non-interactive token source.
pub struct Doctor {
    setup: Setup,
    tokens: Arc<dyn TokenSource>,
    arm: ArmClient,
    graph: GraphClient,
}

/// What the token check left for the other checks of one API.
struct TokenOutcome {
    claims: Option<TokenClaims>,
    /// The token could not be had: the other checks of this API are skipped.
    failed: bool,
}

impl Doctor {
    /// Checks with `tokens`, which must not open a browser.
    pub fn new(setup: Setup, tokens: Arc<dyn TokenSource>, http: HttpClient) -> Self {
        let arm = ArmClient::new(
            http.clone(),
            setup.endpoints.arm.clone(),
            Arc::clone(&tokens),
        );
        let graph = GraphClient::new(http, setup.endpoints.graph.clone(), Arc::clone(&tokens));
        Doctor {
            setup,
            tokens,
            arm,
            graph,
        }
    }

    /// Runs every check, handing each finding to `progress` as it is made.
    pub async fn run(&self, progress: &(dyn Fn(&Finding) + Send + Sync)) -> Report {
        let mut report = Report::default();
        let mut push = |finding: Finding| {
            progress(&finding);
            report.findings.push(finding);
        };
        let mut tenant: Option<String> = None;
        for api in [Api::Arm, Api::Graph] {
            let outcome = self.token_check(api, tenant.as_deref(), &mut push).await;
            if tenant.is_none() {
                tenant = outcome.claims.as_ref().and_then(|c| c.tid.clone());
            }
            if outcome.failed {
                continue;
            }
            for source in Source::ALL
                .into_iter()
                .filter(|s| permissions::api_of(*s) == api)
            {
                let missing = self.permissions_check(
                    source,
                    outcome.claims.as_ref(),
                    tenant.as_deref(),
                    &mut push,
                );
                self.listing_check(source, &missing, tenant.as_deref(), &mut push)
                    .await;
            }
        }
        report
    }

    fn client_id(&self, api: Api) -> &str {
        match api {
            Api::Arm => &self.setup.arm_client_id,
            Api::Graph => &self.setup.graph_client_id,
        }
    }

    fn resource_scope(&self, api: Api) -> &str {
        match api {
            Api::Arm => &self.setup.endpoints.arm_scope,
            Api::Graph => &self.setup.endpoints.graph_scope,
        }
    }

    /// The admin-consent URL for `wanted` of `api`'s client in `tenant` (any organisation's
    /// administrator when the tenant is not known yet).
    fn consent_url(
        &self,
        api: Api,
        tenant: Option<&str>,
        wanted: &[&Permission],
    ) -> Option<String> {
        let scopes: Vec<String> = wanted
            .iter()
            .map(|p| p.scope_under(self.resource_scope(api)))
            .collect();
        permissions::admin_consent_url(
            &self.setup.authority,
            tenant.unwrap_or(crate::auth::ORGANIZATIONS),
            self.client_id(api),
            &scopes,
        )
    }

    async fn token_check(
        &self,
        api: Api,
        tenant: Option<&str>,
        push: &mut impl FnMut(Finding),
    ) -> TokenOutcome {
        let audience = match api {
            Api::Arm => Audience::Arm,
            Api::Graph => Audience::Graph,
        };
        let finding = |level, message: String| Finding {
            level,
            check: Check::Token,
            api,
            source: None,
            message,
            missing: Vec::new(),
            consent_url: None,
        };
        match self.tokens.token(audience, None).await {
            Ok(token) => {
                let claims = decode_claims(&token.token).ok();
                let who = claims
                    .as_ref()
                    .and_then(|c| c.account().map(crate::text::sanitize))
                    .unwrap_or_else(|| "the signed-in user".to_owned());
                let tid = claims
                    .as_ref()
                    .and_then(|c| c.tid.as_deref().map(crate::text::sanitize))
                    .unwrap_or_else(|| "unknown".to_owned());
                push(finding(
                    Level::Ok,
                    format!(
                        "{}: got a token silently for {who} in tenant {tid} ({}, client {})",
                        api.label(),
                        self.tokens.describe(),
                        self.client_id(api)
                    ),
                ));
                TokenOutcome {
                    claims,
                    failed: false,
                }
            }
            Err(e) => {
                if let Some(detail) = consent_refusal(&e) {
                    let wanted: Vec<&Permission> = permissions::needed_of(api).collect();
                    let url = self.consent_url(api, tenant, &wanted);
                    push(Finding {
                        missing: wanted.iter().map(|p| p.name.to_owned()).collect(),
                        consent_url: url.clone(),
                        ..finding(
                            Level::Problem,
                            format!(
                                "{}: no consent for client {} ({detail}); an administrator can grant it{}",
                                api.label(),
                                self.client_id(api),
                                url.map_or_else(String::new, |u| format!(" at {u}"))
                            ),
                        )
                    });
                } else if matches!(e, Error::SignIn(SignInError::NotSignedIn))
                    && tenant.is_some()
                    && self.setup.arm_client_id != self.setup.graph_client_id
                {
                    // ARM's token came: Graph's client has not been signed in to yet.
                    push(finding(
                        Level::Problem,
                        format!(
                            "{}: not signed in yet through its client {} (Elevate signs in to it when Entra roles or groups are first needed); run `elevate roles` once, then check again",
                            api.label(),
                            self.client_id(api)
                        ),
                    ));
                } else {
                    push(finding(
                        Level::Problem,
                        format!("{}: no token without signing in: {e}", api.label()),
                    ));
                }
                TokenOutcome {
                    claims: None,
                    failed: true,
                }
            }
        }
    }

    /// The permissions `source` needs that the token lacks (a finding either way).
    fn permissions_check(
        &self,
        source: Source,
        claims: Option<&TokenClaims>,
        tenant: Option<&str>,
        push: &mut impl FnMut(Finding),
    ) -> Vec<&'static Permission> {
        let api = permissions::api_of(source);
        let needed: Vec<&'static Permission> = permissions::needed_for(source).collect();
        let names =
            |list: &[&Permission]| list.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
        let base = Finding {
            level: Level::Ok,
            check: Check::Permissions,
            api,
            source: Some(source),
            message: String::new(),
            missing: Vec::new(),
            consent_url: None,
        };
        let Some(scopes) = claims.and_then(TokenClaims::scopes) else {
            push(Finding {
                level: Level::Warning,
                message: format!(
                    "{}s: the token names no permissions (no scp claim), so they cannot be checked; Elevate needs {}",
                    source.label(),
                    names(&needed)
                ),
                ..base
            });
            return Vec::new();
        };
        let missing: Vec<&'static Permission> = needed
            .iter()
            .copied()
            .filter(|p| !p.carried_by(&scopes))
            .collect();
        if missing.is_empty() {
            push(Finding {
                message: format!(
                    "{}s: the token carries what Elevate needs ({})",
                    source.label(),
                    names(&needed)
                ),
                ..base
            });
        } else {
            let url = self.consent_url(api, tenant, &missing);
            push(Finding {
                level: Level::Problem,
                message: format!(
                    "{}s: the token lacks {} (no consent for client {}); an administrator can grant it{}",
                    source.label(),
                    names(&missing),
                    self.client_id(api),
                    url.as_deref()
                        .map_or_else(String::new, |u| format!(" at {u}"))
                ),
                missing: missing.iter().map(|p| p.name.to_owned()).collect(),
                consent_url: url,
                ..base
            });
        }
        missing
    }

    async fn listing_check(
        &self,
        source: Source,
        missing: &[&'static Permission],
        tenant: Option<&str>,
        push: &mut impl FnMut(Finding),
    ) {
        let api = permissions::api_of(source);
        let listed = match api {
            Api::Arm => PimClient::eligibilities(&self.arm, source).await,
            Api::Graph => PimClient::eligibilities(&self.graph, source).await,
        };
        let base = Finding {
            level: Level::Ok,
            check: Check::Listing,
            api,
            source: Some(source),
            message: String::new(),
            missing: Vec::new(),
            consent_url: None,
        };
        match listed {
            Ok(items) => push(Finding {
                message: format!(
                    "{}s: listing eligibilities works ({} found)",
                    source.label(),
                    items.len()
                ),
                ..base
            }),
            Err(Error::Azure(azure)) if azure.status == 403 => {
                // Graph refuses a call the token has no permission for with 403; the missing
                // permissions (if the token showed any) say which consent fixes it.
                let wanted: Vec<&Permission> = if missing.is_empty() {
                    Vec::new()
                } else {
                    missing.to_vec()
                };
                let url = (!wanted.is_empty())
                    .then(|| self.consent_url(api, tenant, &wanted))
                    .flatten();
                let advice = match &url {
                    Some(u) => format!(
                        "; an administrator can grant the missing permissions at {u}"
                    ),
                    None if api == Api::Graph => {
                        "; the permissions may lack consent or your account may lack rights: ask an administrator".to_owned()
                    }
                    None => "; your account may lack read rights: ask an administrator".to_owned(),
                };
                push(Finding {
                    level: Level::Problem,
                    message: format!(
                        "{}s: {} refused to list eligibilities ({}, HTTP 403: {}){advice}",
                        source.label(),
                        api.label(),
                        crate::text::sanitize(&azure.code),
                        crate::text::sanitize(&azure.message),
                    ),
                    missing: wanted.iter().map(|p| p.name.to_owned()).collect(),
                    consent_url: url,
                    ..base
                });
            }
            Err(e) => push(Finding {
                level: Level::Problem,
                message: format!(
                    "{}s: listing eligibilities failed: {}",
                    source.label(),
                    crate::text::sanitize(&e.to_string())
                ),
                ..base
            }),
        }
    }
}

/// The identity platform's refusal for missing consent (`consent_required`, or `AADSTS65001`
/// under another error code), shortened to its code.
fn consent_refusal(error: &Error) -> Option<String> {
    let Error::SignIn(SignInError::Rejected {
        error, description, ..
    }) = error
    else {
        return None;
    };
    if error == "consent_required" || description.contains("AADSTS65001") {
        Some(if description.contains("AADSTS65001") {
            "AADSTS65001, consent_required".to_owned()
        } else {
            error.clone()
        })
    } else {
        None
    }
}
