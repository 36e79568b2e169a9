//! Elevate's sign-in against the simulator's identity endpoints (what demo mode uses): the
//! browser flow with a headless browser, a refresh token that stopped working (rotated behind
//! Elevate's back) leading to one interactive sign-in, and no secret in what is shown or saved.

use std::sync::{Arc, Mutex};

use elevate_core::auth::{
    Audience, HeadlessBrowser, SignInMethod, SignInNotice, SignInOptions, SignInPrompt,
    SignInSettings, SignedInTokenSource, TokenSource, TokenStore,
};
use elevate_sim::{SimConfig, Simulator};
use keyring_core::CredentialStore;

#[derive(Default)]
struct Notices(Mutex<Vec<SignInNotice>>);

impl SignInPrompt for Notices {
    fn notify(&self, notice: SignInNotice) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(notice);
    }
}

#[tokio::test]
async fn a_dead_refresh_token_leads_to_one_interactive_sign_in() {
    let sim = Simulator::start(SimConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let settings = SignInSettings {
        client_id: "elevate-test".into(),
        authority: url::Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}")),
        arm_scope: "https://management.core.windows.net//.default".into(),
        graph_scope: "https://graph.microsoft.com/.default".into(),
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let keyring: Arc<CredentialStore> =
        keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
    let store = || Arc::new(TokenStore::open(dir.path(), Ok(Arc::clone(&keyring))));
    let notices = Arc::new(Notices::default());
    let source = SignedInTokenSource::new(
        settings.clone(),
        store(),
        Arc::new(HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}"))),
        notices.clone(),
        SignInOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let account = source
        .sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(account.username, "ada@contoso.example");

    // Someone else redeems the saved refresh token: the simulator rotates it, so Elevate's copy dies.
    let saved = store().load();
    let stolen = saved.accounts[0].refresh_token.clone();
    let response = reqwest::Client::new()
        .post(format!("{}/organizations/oauth2/v2.0/token", sim.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "elevate-test"),
            ("refresh_token", stolen.expose()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(response.status().is_success());

    // The Graph token needs the refresh token: refused, so Elevate signs in again, once.
    let graph = source
        .token(Audience::Graph, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!graph.token.expose().is_empty());
    let shown = notices.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let again = shown
        .iter()
        .filter(|n| matches!(n, SignInNotice::SigningInAgain { .. }))
        .count();
    assert_eq!(again, 1);
    let browsers = shown
        .iter()
        .filter(|n| matches!(n, SignInNotice::OpeningBrowser { .. }))
        .count();
    assert_eq!(browsers, 2, "one sign-in, then one more after the refusal");
    // What was shown never includes a token.
    let text: String = shown
        .iter()
        .map(|n| format!("{n:?} {}", n.text()))
        .collect();
    assert!(!text.contains(stolen.expose()) && !text.contains(graph.token.expose()));
    // The saved file holds neither in clear.
    let bytes = std::fs::read(dir.path().join(elevate_core::auth::CACHE_FILE)).unwrap_or_default();
    let file = String::from_utf8_lossy(&bytes);
    assert!(!file.contains(graph.token.expose()) && !file.contains("ada@contoso"));
    assert_ne!(store().load().accounts[0].refresh_token, stolen);
    sim.shutdown().await;
}
