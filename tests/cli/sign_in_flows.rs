//! Elevate's sign-in against a real OpenID Connect provider (panva's oidc-provider, `tests/op/`) on
//! loopback: PKCE enforced, a wrong `state` refused, refresh-token rotation (the old one refused),
//! one refresh token for ARM and Graph, the device code flow, and a claims step-up followed by a
//! successful retry of the activation against the simulator. An HTTP client with cookies plays the
//! browser; the credential store is keyring-core's mock (the real Secret Service is in `cli_login`).

use std::sync::{Arc, Mutex};

use elevate_core::arm::ArmClient;
use elevate_core::auth::{
    Audience, BrowserFuture, BrowserLauncher, HeadlessBrowser, SignInError, SignInMethod,
    SignInNotice, SignInOptions, SignInPrompt, SignInSettings, SignedInTokenSource, TokenSource,
    TokenStore, decode_claims,
};
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::model::Source;
use elevate_core::session::{ActivationWish, Clients, Outcome, Session, SessionOptions};
use elevate_e2e::op::{ARM_SCOPE, CLIENT_ID, GRAPH_SCOPE, TestOp, first_form};
use keyring_core::CredentialStore;
use url::Url;

#[derive(Default)]
struct Recorder(Mutex<Vec<SignInNotice>>);

impl SignInPrompt for Recorder {
    fn notify(&self, notice: SignInNotice) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(notice);
    }
}

impl Recorder {
    fn seen(&self, wanted: impl Fn(&SignInNotice) -> bool) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(wanted)
    }
}

fn settings(op: &TestOp) -> SignInSettings {
    SignInSettings {
        client_id: CLIENT_ID.into(),
        graph_client_id: CLIENT_ID.into(),
        authority: Url::parse(&op.issuer).unwrap_or_else(|e| panic!("{e}")),
        arm_scope: ARM_SCOPE.into(),
        graph_scope: GRAPH_SCOPE.into(),
        apis: elevate_core::auth::ApiOrigins::default(),
    }
}

fn mock_store() -> Arc<CredentialStore> {
    let store: Arc<CredentialStore> =
        keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
    store
}

async fn source_with(
    op: &TestOp,
    dir: &std::path::Path,
    store: &Arc<CredentialStore>,
    browser: Arc<dyn BrowserLauncher>,
    prompt: Arc<Recorder>,
) -> SignedInTokenSource {
    let tokens = Arc::new(TokenStore::open(dir, Ok(Arc::clone(store))));
    SignedInTokenSource::new(
        settings(op),
        tokens,
        browser,
        prompt,
        SignInOptions {
            browser_timeout: std::time::Duration::from_secs(30),
            ..SignInOptions::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

fn headless() -> Arc<dyn BrowserLauncher> {
    Arc::new(HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}")))
}

fn cookie_client(redirects: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(if redirects {
            reqwest::redirect::Policy::limited(20)
        } else {
            reqwest::redirect::Policy::none()
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Follows the provider's redirects by hand until one leaves for `redirect_uri`; returns that URL.
async fn authorize_until_redirect(
    client: &reqwest::Client,
    mut url: Url,
    redirect_uri: &str,
) -> Url {
    for _ in 0..20 {
        let response = client
            .get(url.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_else(|| panic!("no redirect from {url}: {}", response.status()))
            .to_owned();
        url = url.join(&location).unwrap_or_else(|e| panic!("{e}"));
        if url.as_str().starts_with(redirect_uri) {
            return url;
        }
    }
    panic!("too many redirects")
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn the_provider_enforces_pkce_and_elevate_sends_it() {
    let op = TestOp::start(&[]);
    let redirect = "http://127.0.0.1:45123/";
    let authorize = |challenge: Option<&str>| {
        let mut url = Url::parse(&format!(
            "{}/organizations/oauth2/v2.0/authorize",
            op.issuer
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        url.query_pairs_mut()
            .append_pair("client_id", CLIENT_ID)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", &format!("{ARM_SCOPE} openid offline_access"))
            .append_pair("state", "s");
        if let Some(c) = challenge {
            url.query_pairs_mut()
                .append_pair("code_challenge", c)
                .append_pair("code_challenge_method", "S256");
        }
        url
    };
    let client = cookie_client(false);
    let back = authorize_until_redirect(&client, authorize(None), redirect).await;
    assert_eq!(
        query(&back, "error").as_deref(),
        Some("invalid_request"),
        "{back}"
    );

    // With a challenge, a code is issued; redeeming it with the wrong verifier fails.
    let pkce = elevate_core::auth::Pkce::new();
    let back = authorize_until_redirect(&client, authorize(Some(&pkce.challenge)), redirect).await;
    let code = query(&back, "code").unwrap_or_else(|| panic!("no code: {back}"));
    let token_url = format!("{}/organizations/oauth2/v2.0/token", op.issuer);
    let form = |verifier: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
            ("code", code.clone()),
            ("redirect_uri", redirect.to_owned()),
            ("code_verifier", verifier.to_owned()),
            ("scope", ARM_SCOPE.to_owned()),
        ]
    };
    let wrong = client
        .post(&token_url)
        .form(&form("x".repeat(43).as_str()))
        .send()
        .await;
    let wrong: serde_json::Value = wrong
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(wrong["error"], "invalid_grant", "{wrong}");

    // Elevate's own flow gets through, so it sent a matching challenge and verifier.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let prompt = Arc::new(Recorder::default());
    let source = source_with(
        &op,
        dir.path(),
        &mock_store(),
        headless(),
        Arc::clone(&prompt),
    )
    .await;
    let account = source
        .sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(account.username, "tester@contoso.test");
    assert_eq!(account.tenant_id, "00000000-0000-0000-0000-0000000000aa");
    assert!(prompt.seen(|n| matches!(n, SignInNotice::OpeningBrowser { url } if url.contains("code_challenge_method=S256"))));
}

/// A browser whose answer is tampered with: the `state` it brings back is not the one sent.
struct TamperingBrowser(HeadlessBrowser);

impl BrowserLauncher for TamperingBrowser {
    fn open<'a>(&'a self, url: &'a Url) -> BrowserFuture<'a> {
        Box::pin(async move {
            let mut forged = url.clone();
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "state" {
                        "forged-state".to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            forged.query_pairs_mut().clear().extend_pairs(pairs);
            let forged = Box::leak(Box::new(forged));
            self.0.open(forged).await
        })
    }
}

#[tokio::test]
async fn a_wrong_state_is_refused() {
    let op = TestOp::start(&[]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let browser = Arc::new(TamperingBrowser(
        HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}")),
    ));
    let source = source_with(&op, dir.path(), &mock_store(), browser, Arc::default()).await;
    let result = source.sign_in(SignInMethod::Browser, None).await;
    assert!(
        matches!(
            result,
            Err(elevate_core::Error::SignIn(SignInError::StateMismatch))
        ),
        "{:?}",
        result.err().map(|e| e.to_string())
    );
    assert!(source.status().await.accounts.is_empty());
    assert!(!dir.path().join(elevate_core::auth::CACHE_FILE).exists());
}

#[tokio::test]
async fn one_refresh_token_for_two_apis_rotated_on_every_use_and_saved() {
    let op = TestOp::start(&[]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = mock_store();
    let source = source_with(&op, dir.path(), &store, headless(), Arc::default()).await;
    source
        .sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let saved = || TokenStore::open(dir.path(), Ok(Arc::clone(&store))).load();
    let first_rt = saved().accounts[0].refresh_token.clone();

    let arm = source
        .token(Audience::Arm, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let graph = source
        .token(Audience::Graph, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let aud = |t: &elevate_core::secret::Secret| {
        let payload = t.expose().split('.').nth(1).unwrap_or_default().to_owned();
        let bytes =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .unwrap_or_default();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default()["aud"].clone()
    };
    assert_eq!(aud(&arm.token), "https://management.azure.com");
    assert_eq!(aud(&graph.token), "https://graph.microsoft.com");
    assert_eq!(
        decode_claims(&graph.token).ok().and_then(|c| c.oid),
        Some("7f1c0c55-5e1d-4a36-9d3c-000000000001".into())
    );

    // The Graph token came from the refresh token, which was rotated and saved at once.
    let second_rt = saved().accounts[0].refresh_token.clone();
    assert_ne!(
        first_rt, second_rt,
        "the rotated refresh token must be saved"
    );
    let refused = reqwest::Client::new()
        .post(format!(
            "{}/00000000-0000-0000-0000-0000000000aa/oauth2/v2.0/token",
            op.issuer
        ))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", first_rt.expose()),
            ("scope", ARM_SCOPE),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let body: serde_json::Value = refused.json().await.unwrap_or_default();
    assert_eq!(
        body["error"], "invalid_grant",
        "the old refresh token must be refused: {body}"
    );

    // A new process (same store and folder) goes on with the saved sign-in, without a browser.
    let restarted = source_with(&op, dir.path(), &store, Arc::new(NoBrowser), Arc::default()).await;
    let status = restarted.status().await;
    assert_eq!(status.accounts.len(), 1);
    assert!(
        status.accounts[0].arm_token_expires.is_some()
            && status.accounts[0].graph_token_expires.is_some()
    );
    restarted
        .token(Audience::Graph, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A browser that must not be needed.
struct NoBrowser;

impl BrowserLauncher for NoBrowser {
    fn open<'a>(&'a self, _url: &'a Url) -> BrowserFuture<'a> {
        Box::pin(async { Err(SignInError::Browser("no browser in this test".into())) })
    }
}

/// Plays the user on the device page: opens the link with the code and submits the forms.
struct DeviceUser {
    recorder: Recorder,
}

impl SignInPrompt for DeviceUser {
    fn notify(&self, notice: SignInNotice) {
        if let SignInNotice::DeviceCode(prompt) = &notice {
            let page = prompt.verification_uri_complete.clone().unwrap_or_else(|| {
                format!("{}?user_code={}", prompt.verification_uri, prompt.user_code)
            });
            tokio::spawn(enter_code(page));
        }
        self.recorder.notify(notice);
    }
}

async fn enter_code(page: String) {
    let client = cookie_client(true);
    let mut at = Url::parse(&page).unwrap_or_else(|e| panic!("{e}"));
    let mut html = client
        .get(at.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    for _ in 0..4 {
        let Some((action, inputs)) = first_form(&html) else {
            break;
        };
        at = at.join(&action).unwrap_or_else(|e| panic!("{e}"));
        let response = client
            .post(at.clone())
            .form(&inputs)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        at = response.url().clone();
        html = response.text().await.unwrap_or_default();
    }
}

#[tokio::test]
async fn device_code_sign_in_when_the_user_enters_the_code() {
    let op = TestOp::start(&[]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let user = Arc::new(DeviceUser {
        recorder: Recorder::default(),
    });
    let tokens = Arc::new(TokenStore::open(dir.path(), Ok(mock_store())));
    let source = SignedInTokenSource::new(
        settings(&op),
        tokens,
        Arc::new(NoBrowser),
        user.clone(),
        SignInOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let account = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        source.sign_in(SignInMethod::DeviceCode, None),
    )
    .await
    .unwrap_or_else(|_| panic!("the device code sign-in did not finish"))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(account.username, "tester@contoso.test");
    assert!(
        user.recorder
            .seen(|n| matches!(n, SignInNotice::DeviceCode(p) if !p.user_code.is_empty()))
    );
    source
        .token(Audience::Graph, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn a_claims_challenge_signs_in_again_and_the_activation_is_retried() {
    let sim = elevate_sim::Simulator::start(elevate_sim::SimConfig {
        accept_any_token: true,
        ..elevate_sim::SimConfig::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let oid = sim.demo_user_oid();
    let tid = sim.tenant_id();
    let op = TestOp::start(&[("OP_USER_OID", &oid), ("OP_TENANT_ID", &tid)]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let prompt = Arc::new(Recorder::default());
    let source = Arc::new(
        source_with(
            &op,
            dir.path(),
            &mock_store(),
            headless(),
            Arc::clone(&prompt),
        )
        .await,
    );
    source
        .sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tokens: Arc<dyn TokenSource> = source.clone();
    let base = Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let http = HttpClient::new(RetryPolicy::default()).unwrap_or_else(|e| panic!("{e}"));
    let clients = Clients {
        arm: Some(ArmClient::new(
            http.clone(),
            base.clone(),
            Arc::clone(&tokens),
        )),
        graph: Some(GraphClient::new(http, base, Arc::clone(&tokens))),
    };
    let session = Session::connect(clients, tokens, None, SessionOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let roles = session.roles(&[Source::AzureResource]).await;
    let kv = roles
        .items
        .iter()
        .find(|e| e.role.name == "Key Vault Secrets Officer")
        .unwrap_or_else(|| panic!("the demo tenant's c1 role is missing: {:?}", roles.failures))
        .clone();
    let wish = ActivationWish {
        justification: Some("rotate the storage key".into()),
        ..ActivationWish::default()
    };
    let result = session.activate(&kv, &wish).await;
    assert!(
        matches!(
            result.outcome,
            Outcome::Done | Outcome::PendingApproval | Outcome::PendingOther
        ),
        "{:?} {:?}",
        result.outcome,
        result.error
    );
    assert!(
        result.notes.iter().any(|n| n.contains("stronger sign-in")),
        "{:?}",
        result.notes
    );
    assert!(
        prompt
            .seen(|n| matches!(n, SignInNotice::StepUp { acrs, .. } if acrs == &["c1".to_owned()]))
    );
    // The step-up token carried the authentication context; the normal one did not.
    let normal = source
        .token(Audience::Arm, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        decode_claims(&normal.token)
            .map(|c| c.acrs.is_empty())
            .unwrap_or(false)
    );
    drop(session);
    sim.shutdown().await;
}

/// The audience of a JWT access token (read without checking its signature: a test's look).
fn audience_of(token: &elevate_core::secret::Secret) -> serde_json::Value {
    let payload = token
        .expose()
        .split('.')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
        .unwrap_or_default();
    serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default()["aud"].clone()
}

#[tokio::test]
async fn the_provider_refuses_a_device_code_or_token_request_for_two_resources() {
    let op = TestOp::start(&[]);
    let http = reqwest::Client::new();
    let both = format!("{ARM_SCOPE} {GRAPH_SCOPE} openid profile offline_access");
    for (path, form) in [
        (
            "devicecode",
            vec![("client_id", CLIENT_ID), ("scope", both.as_str())],
        ),
        (
            "token",
            vec![
                ("client_id", CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", "anything"),
                ("scope", both.as_str()),
            ],
        ),
    ] {
        let response = http
            .post(format!("{}/organizations/oauth2/v2.0/{path}", op.issuer))
            .form(&form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        assert_eq!(body["error_codes"], serde_json::json!([28000]), "{body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| d.starts_with("AADSTS28000")),
            "{body}"
        );
    }
}

/// Elevate's sign-in against the simulator's identity endpoints, which refuse a token or
/// device-code request naming two resources: by device code and by browser, one resource each,
/// and the other API's token from the refresh token.
#[tokio::test]
async fn device_code_and_browser_sign_in_at_the_simulator_ask_one_resource_at_a_time() {
    let sim = elevate_sim::Simulator::start(elevate_sim::SimConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let settings = SignInSettings {
        client_id: "elevate-e2e".into(),
        graph_client_id: "elevate-e2e".into(),
        authority: Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}")),
        arm_scope: "https://management.core.windows.net//.default".into(),
        graph_scope: "https://graph.microsoft.com/.default".into(),
        apis: elevate_core::auth::ApiOrigins::default(),
    };
    for method in [SignInMethod::DeviceCode, SignInMethod::Browser] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let prompt = Arc::new(Recorder::default());
        let source = SignedInTokenSource::new(
            settings.clone(),
            Arc::new(TokenStore::open(dir.path(), Ok(mock_store()))),
            headless(),
            prompt.clone(),
            SignInOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let account = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            source.sign_in(method, None),
        )
        .await
        .unwrap_or_else(|_| panic!("{method:?}: the sign-in did not finish"))
        .unwrap_or_else(|e| panic!("{method:?}: {e}"));
        assert_eq!(account.username, "ada@contoso.example");
        assert_eq!(
            prompt.seen(|n| matches!(n, SignInNotice::DeviceCode(_))),
            method == SignInMethod::DeviceCode
        );
        let arm = source
            .token(Audience::Arm, None)
            .await
            .unwrap_or_else(|e| panic!("{method:?}: {e}"));
        let graph = source
            .token(Audience::Graph, None)
            .await
            .unwrap_or_else(|e| panic!("{method:?}: {e}"));
        assert_eq!(
            audience_of(&arm.token),
            "https://management.core.windows.net/"
        );
        assert_eq!(audience_of(&graph.token), "https://graph.microsoft.com");
    }
    sim.shutdown().await;
}
