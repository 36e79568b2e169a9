//! Approving and denying with Elevate's own sign-in against the simulator over real HTTP: a
//! decision needs an interactive sign-in no older than `fresh_sign_in` (proven by the id token's
//! `auth_time`, with `amr` holding `mfa` when required), else the browser opens first with
//! `prompt=login` and `max_age`; the token of that sign-in serves decisions only. A decision
//! retried after its first attempt went through is done, not "someone else decided".

use std::sync::{Arc, Mutex};
use std::time::Duration;

use elevate_core::arm::ArmClient;
use elevate_core::auth::{
    Audience, BrowserFuture, BrowserLauncher, FreshSignIn, HeadlessBrowser, QuietPrompt,
    SignInMethod, SignInOptions, SignInSettings, SignedInTokenSource, TokenSource, TokenStore,
};
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::model::{RequestRecord, Source};
use elevate_core::session::{Clients, Session, SessionOptions};
use elevate_sim::{SimConfig, Simulator};
use keyring_core::CredentialStore;
use serde_json::{Value, json};
use url::Url;

/// The headless browser, remembering every URL it was sent to.
struct RecordingBrowser {
    inner: HeadlessBrowser,
    opened: Mutex<Vec<Url>>,
}

impl RecordingBrowser {
    fn new() -> Arc<Self> {
        Arc::new(RecordingBrowser {
            inner: HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}")),
            opened: Mutex::new(Vec::new()),
        })
    }

    fn count(&self) -> usize {
        self.opened.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn last(&self) -> Url {
        self.opened
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last()
            .cloned()
            .unwrap_or_else(|| panic!("the browser was never opened"))
    }
}

impl BrowserLauncher for RecordingBrowser {
    fn open<'a>(&'a self, url: &'a Url) -> BrowserFuture<'a> {
        self.opened
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(url.clone());
        self.inner.open(url)
    }
}

fn rule(minutes: u64, require_mfa: bool) -> FreshSignIn {
    FreshSignIn {
        max_age: Duration::from_secs(minutes * 60),
        require_mfa,
    }
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

struct Tenant {
    sim: Simulator,
    keyring: Arc<CredentialStore>,
}

impl Tenant {
    async fn start() -> Tenant {
        let sim = Simulator::start(SimConfig::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let keyring: Arc<CredentialStore> =
            keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
        Tenant { sim, keyring }
    }

    fn url(&self) -> Url {
        Url::parse(&self.sim.url()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The demo user's browser session at the identity provider: signed in `minutes_ago`.
    async fn browser_session(&self, minutes_ago: i64, mfa: bool) {
        let at = chrono::Utc::now() - chrono::TimeDelta::minutes(minutes_ago);
        let response = reqwest::Client::new()
            .post(format!("{}/_sim/sign-in-session", self.sim.url()))
            .json(&json!({ "signed_in_at": at.to_rfc3339(), "mfa": mfa }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(response.status().is_success());
    }

    async fn control(&self, path: &str, body: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/_sim/{path}", self.sim.url()))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(response.status().is_success(), "{path}");
    }

    /// A token source signed in through `browser` (a new, empty credential store each time).
    async fn signed_in(
        &self,
        browser: Arc<RecordingBrowser>,
    ) -> (Arc<SignedInTokenSource>, tempfile::TempDir) {
        let settings = SignInSettings {
            client_id: "elevate-test".into(),
            graph_client_id: "elevate-test".into(),
            authority: self.url(),
            arm_scope: "https://management.core.windows.net//.default".into(),
            graph_scope: "https://graph.microsoft.com/.default".into(),
            apis: elevate_core::auth::ApiOrigins::default(),
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Arc::new(TokenStore::open(dir.path(), Ok(Arc::clone(&self.keyring))));
        let source = SignedInTokenSource::new(
            settings,
            store,
            browser,
            Arc::new(QuietPrompt),
            SignInOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        source
            .sign_in(SignInMethod::Browser, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (Arc::new(source), dir)
    }

    async fn session(&self, tokens: Arc<SignedInTokenSource>, fresh: FreshSignIn) -> Session {
        let http = HttpClient::new(RetryPolicy {
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            ..RetryPolicy::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let tokens: Arc<dyn TokenSource> = tokens;
        let clients = Clients {
            arm: Some(ArmClient::new(
                http.clone(),
                self.url(),
                Arc::clone(&tokens),
            )),
            graph: Some(GraphClient::new(http, self.url(), Arc::clone(&tokens))),
        };
        let options = SessionOptions {
            fresh_sign_in: fresh,
            ..SessionOptions::default()
        };
        Session::connect(clients, tokens, None, options)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

async fn waiting(session: &Session, source: Source) -> RequestRecord {
    let listing = session.approvals().await;
    assert!(listing.failures.is_empty(), "{:?}", listing.failures);
    listing
        .items
        .into_iter()
        .find(|r| r.source == source)
        .unwrap_or_else(|| panic!("no {source:?} request waits"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_sign_in_opens_the_browser_before_the_decision_and_a_fresh_one_does_not() {
    let tenant = Tenant::start().await;
    // The user signed in to the identity provider half an hour ago; Elevate's sign-in reuses it.
    tenant.browser_session(30, true).await;
    let browser = RecordingBrowser::new();
    let (tokens, dir) = tenant.signed_in(Arc::clone(&browser)).await;
    assert_eq!(browser.count(), 1);
    let session = tenant.session(Arc::clone(&tokens), rule(10, true)).await;
    let arm = waiting(&session, Source::AzureResource).await;
    assert_eq!(browser.count(), 1, "listing needs no new sign-in");
    // (Listing fetched the account's ARM and Graph tokens; nothing below needs to renew them.)
    let saved_before = TokenStore::open(dir.path(), Ok(Arc::clone(&tenant.keyring))).load();

    // Too old: the browser first, asking for the credentials again, then the decision.
    session
        .decide(&arm, true, "Change CHG-1 is approved")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        browser.count(),
        2,
        "a stale sign-in must open the browser first"
    );
    let url = browser.last();
    assert_eq!(query(&url, "prompt").as_deref(), Some("login"), "{url}");
    assert_eq!(query(&url, "max_age").as_deref(), Some("600"), "{url}");
    assert_eq!(
        query(&url, "login_hint").as_deref(),
        Some("ada@contoso.example")
    );
    let decided = session.approvals().await.items;
    assert!(
        !decided.iter().any(|r| r.id == arm.id),
        "the ARM request was decided"
    );

    // The same fresh sign-in serves the next decision, on the other API too: no browser.
    let entra = waiting(&session, Source::EntraRole).await;
    session
        .decide(&entra, false, "Not this week")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(browser.count(), 2, "a fresh decision sign-in is reused");

    // That sign-in is kept apart: the saved account keeps its own refresh token and its old
    // sign-in time, so the decisions made nothing else fresher.
    let saved = TokenStore::open(dir.path(), Ok(Arc::clone(&tenant.keyring))).load();
    assert_eq!(saved.accounts.len(), 1);
    assert_eq!(
        saved.accounts[0].refresh_token,
        saved_before.accounts[0].refresh_token
    );
    let proof = saved.accounts[0]
        .signed_in
        .unwrap_or_else(|| panic!("no sign-in time saved"));
    assert!(
        chrono::Utc::now().timestamp() - proof.auth_time >= 29 * 60,
        "{proof:?}"
    );
    tokens
        .decision_token(Audience::Arm, rule(10, true))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(browser.count(), 2);

    // 0: every decision signs in again.
    for n in 1..=2 {
        tokens
            .decision_token(Audience::Graph, rule(0, true))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            browser.count(),
            2 + n,
            "0 means a sign-in for every decision"
        );
        assert_eq!(query(&browser.last(), "max_age").as_deref(), Some("0"));
    }

    // Fresh: a sign-in made a minute ago (new process, new cache) decides without the browser.
    tenant.browser_session(1, true).await;
    let fresh_browser = RecordingBrowser::new();
    let (fresh_tokens, _dir2) = tenant.signed_in(Arc::clone(&fresh_browser)).await;
    let fresh = tenant.session(fresh_tokens, rule(10, true)).await;
    let group = waiting(&fresh, Source::Group).await;
    fresh
        .decide(&group, true, "Planned")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fresh_browser.count(), 1, "a fresh sign-in needs no new one");
    tenant.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_without_mfa_is_refused_when_decisions_require_it() {
    let tenant = Tenant::start().await;
    tenant.browser_session(1, false).await;
    let browser = RecordingBrowser::new();
    let (tokens, _dir) = tenant.signed_in(Arc::clone(&browser)).await;
    // Recent but without MFA: signs in again, still without MFA: refused, nothing sent.
    let err = tokens
        .decision_token(Audience::Arm, rule(10, true))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("multi-factor"), "{err}");
    assert_eq!(browser.count(), 2);
    // Where the settings do not require MFA, the recent sign-in is enough.
    tokens
        .decision_token(Audience::Arm, rule(10, false))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(browser.count(), 2);
    tenant.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_decision_whose_first_attempt_went_through_is_done() {
    let tenant = Tenant::start().await;
    let browser = RecordingBrowser::new();
    let (tokens, _dir) = tenant.signed_in(Arc::clone(&browser)).await;
    let session = tenant.session(tokens, rule(10, true)).await;
    for (source, path) in [
        (Source::AzureResource, "roleAssignmentApprovals"),
        (Source::EntraRole, "roleAssignmentApprovals"),
        (Source::Group, "assignmentApprovals"),
    ] {
        let request = waiting(&session, source).await;
        // The review is carried out, then its answer is lost (503): the pipeline retries it.
        tenant
            .control(
                "faults",
                json!({ "method": "PATCH", "path_contains": path, "kind": "status", "status": 503, "after_effect": true }),
            )
            .await;
        session
            .decide(&request, true, "Approved")
            .await
            .unwrap_or_else(|e| panic!("{source:?}: {e}"));
        // Deciding it again the same way (the user pressed again) is done too…
        session
            .decide(&request, true, "Approved")
            .await
            .unwrap_or_else(|e| panic!("{source:?} again: {e}"));
        // …but the other way is not: it is already decided.
        let other = session.decide(&request, false, "Changed my mind").await;
        assert!(
            matches!(other, Err(elevate_core::Error::AlreadyDecided)),
            "{source:?}: {other:?}"
        );
    }
    tenant.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvers_see_the_requesters_account_a_guest_marker_and_the_scope_path() {
    let guest = "6ace0000-1906-4b1d-8c2e-00000000e7e7";
    let tenant = Tenant::start().await;
    tenant
        .control("approval-requests", json!({ "principal_id": guest }))
        .await;
    let browser = RecordingBrowser::new();
    let (tokens, _dir) = tenant.signed_in(browser).await;
    let session = tenant.session(tokens, rule(10, true)).await;
    let listing = session.approvals().await;
    assert!(listing.failures.is_empty(), "{:?}", listing.failures);
    let items = listing.items;
    assert_eq!(items.len(), 4, "{items:#?}");
    let of = |pick: &dyn Fn(&RequestRecord) -> bool| {
        items
            .iter()
            .find(|r| pick(r))
            .cloned()
            .unwrap_or_else(|| panic!("missing in {items:#?}"))
    };
    // The guest shares Grace's name; ARM gives their e-mail, Graph their UPN and userType.
    let from_guest = of(&|r| r.principal_id.as_deref() == Some(guest));
    assert_eq!(from_guest.principal_name.as_deref(), Some("Grace Hopper"));
    assert!(from_guest.principal_guest, "{from_guest:#?}");
    assert_eq!(
        from_guest.principal_upn.as_deref(),
        Some("grace.hopper_fabrikam.example#EXT#@contoso.example")
    );
    assert_eq!(
        from_guest.principal_email.as_deref(),
        Some("grace.hopper@fabrikam.example")
    );
    assert_eq!(from_guest.scope_path, vec!["Contoso Production".to_owned()]);
    assert_eq!(
        from_guest.requester_text(),
        "Grace Hopper <grace.hopper_fabrikam.example#EXT#@contoso.example> (guest)"
    );
    let grace =
        of(&|r| r.source == Source::AzureResource && r.principal_id.as_deref() != Some(guest));
    assert!(!grace.principal_guest);
    assert_eq!(
        grace.requester_text(),
        "Grace Hopper <grace@contoso.example>"
    );
    let entra = of(&|r| r.source == Source::EntraRole);
    assert_eq!(entra.scope_path, vec!["Directory".to_owned()]);
    assert_eq!(
        entra.principal_upn.as_deref(),
        Some("grace@contoso.example")
    );
    assert_eq!(entra.principal_type.as_deref(), Some("User"));
    assert!(!entra.principal_guest);
    let group = of(&|r| r.source == Source::Group);
    assert_eq!(group.scope_path, vec!["PIM-Security-Admins".to_owned()]);
    tenant.sim.shutdown().await;
}
