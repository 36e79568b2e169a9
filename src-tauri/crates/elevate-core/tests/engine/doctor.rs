//! `elevate doctor`'s engine against the simulator over real HTTP: Elevate's own sign-in made once
//! (headless browser, mock credential store), then the doctor over a second, non-interactive
//! token source on the same saved sign-in. All fine; one Graph permission without consent (the
//! finding names it, with the admin-consent URL, and Graph refuses the listing); no consent for
//! Graph at all (the identity platform's AADSTS65001).

use std::sync::{Arc, Mutex};

use elevate_core::auth::{
    ApiOrigins, HeadlessBrowser, QuietPrompt, SignInMethod, SignInOptions, SignInSettings,
    SignedInTokenSource, TokenSource, TokenStore,
};
use elevate_core::config::Endpoints;
use elevate_core::doctor::{Check, Doctor, Finding, Level, Report, Setup};
use elevate_core::error::Api;
use elevate_core::http::HttpClient;
use elevate_core::model::Source;
use elevate_sim::{SimConfig, Simulator};
use keyring_core::CredentialStore;
use serde_json::{Value, json};

const CLIENT: &str = "elevate-doctor-test";

struct Signed {
    sim: Simulator,
    dir: tempfile::TempDir,
    keyring: Arc<CredentialStore>,
    url: url::Url,
}

impl Signed {
    async fn start() -> Signed {
        let sim = Simulator::start(SimConfig::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let url = url::Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}"));
        let signed = Signed {
            sim,
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
            keyring: keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}")),
            url,
        };
        let source = signed.source(true).await;
        source
            .sign_in(SignInMethod::Browser, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        signed
    }

    fn settings(&self) -> SignInSettings {
        SignInSettings {
            client_id: CLIENT.into(),
            graph_client_id: CLIENT.into(),
            authority: self.url.clone(),
            arm_scope: "https://management.core.windows.net//.default".into(),
            graph_scope: "https://graph.microsoft.com/.default".into(),
            apis: ApiOrigins::of(&self.url, &self.url),
        }
    }

    async fn source(&self, interactive: bool) -> SignedInTokenSource {
        let store = Arc::new(TokenStore::open(
            self.dir.path(),
            Ok(Arc::clone(&self.keyring)),
        ));
        SignedInTokenSource::new(
            self.settings(),
            store,
            Arc::new(HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}"))),
            Arc::new(QuietPrompt),
            SignInOptions {
                interactive,
                ..SignInOptions::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .post(format!("{}_sim/{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or_else(|e| panic!("{e}"))
    }

    async fn tenant(&self) -> String {
        let info: Value = reqwest::get(format!("{}_sim/info", self.url))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        info["tenant_id"].as_str().unwrap_or_default().to_owned()
    }

    /// The doctor over a non-interactive source, and what it reported as it went.
    async fn doctor(&self) -> (Report, Vec<Finding>) {
        let tokens: Arc<dyn TokenSource> = Arc::new(self.source(false).await);
        let setup = Setup {
            authority: self.url.clone(),
            arm_client_id: CLIENT.into(),
            graph_client_id: CLIENT.into(),
            endpoints: Endpoints::all_at(&self.url),
        };
        let http =
            HttpClient::new(crate::common::quick_retries()).unwrap_or_else(|e| panic!("{e}"));
        let seen = Mutex::new(Vec::new());
        let report = Doctor::new(setup, tokens, http)
            .run(&|f: &Finding| {
                seen.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(f.clone())
            })
            .await;
        let seen = seen.into_inner().unwrap_or_else(|p| p.into_inner());
        (report, seen)
    }
}

fn find(report: &Report, check: Check, api: Api, source: Option<Source>) -> Finding {
    report
        .findings
        .iter()
        .find(|f| f.check == check && f.api == api && f.source == source)
        .cloned()
        .unwrap_or_else(|| panic!("no {check:?} finding for {api:?} {source:?}: {report:#?}"))
}

#[tokio::test]
async fn everything_works_for_a_consented_client() {
    let signed = Signed::start().await;
    let (report, seen) = signed.doctor().await;
    assert_eq!(
        report.findings, seen,
        "every finding is reported as it is made"
    );
    // A token per API, then permissions and listing per source.
    assert_eq!(report.findings.len(), 2 + 2 * 3, "{report:#?}");
    assert!(!report.has_problem(), "{report:#?}");
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.level == Level::Ok && f.consent_url.is_none())
    );
    let listing = find(&report, Check::Listing, Api::Graph, Some(Source::EntraRole));
    assert!(listing.message.contains("4 found"), "{}", listing.message);
    signed.sim.shutdown().await;
}

#[tokio::test]
async fn a_permission_without_consent_is_named_with_the_admin_consent_url() {
    let signed = Signed::start().await;
    // The permission and every higher one that would cover it.
    signed
        .control(
            "consent",
            json!({"client_id": CLIENT, "missing": [
                "RoleEligibilitySchedule.Read.Directory",
                "RoleEligibilitySchedule.ReadWrite.Directory",
                "RoleManagement.Read.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.ReadWrite.Directory",
            ]}),
        )
        .await;
    let (report, _) = signed.doctor().await;
    assert!(report.has_problem());
    let tenant = signed.tenant().await;
    let url = format!(
        "{}{tenant}/v2.0/adminconsent?client_id={CLIENT}&scope=https%3A%2F%2Fgraph.microsoft.com%2FRoleEligibilitySchedule.ReadWrite.Directory&redirect_uri=http%3A%2F%2Flocalhost",
        signed.url
    );
    let permissions = find(
        &report,
        Check::Permissions,
        Api::Graph,
        Some(Source::EntraRole),
    );
    assert_eq!(permissions.level, Level::Problem);
    assert_eq!(
        permissions.missing,
        vec!["RoleEligibilitySchedule.ReadWrite.Directory"]
    );
    assert_eq!(permissions.consent_url.as_deref(), Some(url.as_str()));
    assert!(
        permissions.message.contains(&url),
        "{}",
        permissions.message
    );
    // Graph refuses to list without it, and the finding says how to fix it.
    let listing = find(&report, Check::Listing, Api::Graph, Some(Source::EntraRole));
    assert_eq!(listing.level, Level::Problem);
    assert!(listing.message.contains("403"), "{}", listing.message);
    assert_eq!(listing.consent_url.as_deref(), Some(url.as_str()));
    // The other sources are unaffected.
    for source in [Source::Group, Source::AzureResource] {
        assert!(
            report
                .findings
                .iter()
                .filter(|f| f.source == Some(source))
                .all(|f| f.level == Level::Ok),
            "{report:#?}"
        );
    }
    signed.sim.shutdown().await;
}

#[tokio::test]
async fn no_consent_for_graph_at_all_is_the_identity_platforms_refusal() {
    let signed = Signed::start().await;
    // Signed in (ARM's token is kept); then Graph's consent goes, before Graph's first token.
    signed
        .control("consent", json!({"client_id": CLIENT, "missing": ["*"]}))
        .await;
    let (report, _) = signed.doctor().await;
    let arm = find(&report, Check::Token, Api::Arm, None);
    assert_eq!(arm.level, Level::Ok, "{}", arm.message);
    let graph = find(&report, Check::Token, Api::Graph, None);
    assert_eq!(graph.level, Level::Problem);
    assert!(graph.message.contains("AADSTS65001"), "{}", graph.message);
    assert_eq!(
        graph.missing.len(),
        7,
        "every Graph permission Elevate needs"
    );
    let url = graph.consent_url.unwrap_or_default();
    assert!(
        url.starts_with(&format!(
            "{}{}/v2.0/adminconsent?client_id={CLIENT}&scope=",
            signed.url,
            signed.tenant().await
        )),
        "{url}"
    );
    assert!(
        url.contains("PrivilegedEligibilitySchedule.Read.AzureADGroup"),
        "{url}"
    );
    // Nothing more is checked for Graph without a token.
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.api == Api::Graph && f.check != Check::Token)
    );
    signed.sim.shutdown().await;
}
