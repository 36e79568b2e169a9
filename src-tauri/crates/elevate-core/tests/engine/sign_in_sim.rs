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
        graph_client_id: "elevate-test".into(),
        authority: url::Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}")),
        arm_scope: "https://management.core.windows.net//.default".into(),
        graph_scope: "https://graph.microsoft.com/.default".into(),
        apis: elevate_core::auth::ApiOrigins::default(),
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

fn sim_settings(sim: &Simulator, apis: elevate_core::auth::ApiOrigins) -> SignInSettings {
    SignInSettings {
        client_id: "elevate-test".into(),
        graph_client_id: "elevate-test".into(),
        authority: url::Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}")),
        arm_scope: "https://management.core.windows.net//.default".into(),
        graph_scope: "https://graph.microsoft.com/.default".into(),
        apis,
    }
}

async fn source_at(settings: SignInSettings, store: Arc<TokenStore>) -> SignedInTokenSource {
    SignedInTokenSource::new(
        settings,
        store,
        Arc::new(HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}"))),
        Arc::new(Notices::default()),
        SignInOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

fn key_in(keyring: &Arc<CredentialStore>, dir: &std::path::Path) -> keyring_core::Entry {
    keyring_core::Entry::new_in_store(
        keyring,
        elevate_core::auth::SERVICE,
        &elevate_core::auth::key_name(dir),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// A running tray (or `elevate watch`) and a CLI share the sealed cache: a sign-out in the CLI
/// (file and key deleted), or the key deleted in the OS store, holds in the running process. It
/// stops using the account (even a still-valid access token once the file changed) and never writes
/// it back on its next renewal.
#[tokio::test]
async fn a_sign_out_in_another_process_holds_in_a_running_one() {
    let sim = Simulator::start(SimConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let keyring: Arc<CredentialStore> =
        keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
    let store = || Arc::new(TokenStore::open(dir.path(), Ok(Arc::clone(&keyring))));
    let settings = sim_settings(&sim, elevate_core::auth::ApiOrigins::default());
    let file = dir.path().join(elevate_core::auth::CACHE_FILE);

    // 1. `elevate logout` in another process.
    let tray = source_at(settings.clone(), store()).await;
    tray.sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tray.token(Audience::Graph, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cli = source_at(settings.clone(), store()).await;
    assert_eq!(
        cli.status().await.accounts.len(),
        1,
        "the CLI sees the sign-in"
    );
    assert_eq!(cli.sign_out().await.unwrap_or_else(|e| panic!("{e}")), 1);
    assert!(!file.exists());
    for audience in [Audience::Arm, Audience::Graph] {
        let refused = tray.token(audience, None).await;
        assert!(
            matches!(
                refused,
                Err(elevate_core::error::Error::SignIn(
                    elevate_core::auth::SignInError::NotSignedIn
                ))
            ),
            "{audience:?}: {:?}",
            refused.map(|_| "a token")
        );
    }
    assert!(!file.exists(), "the running process wrote nothing back");
    assert!(
        matches!(
            key_in(&keyring, dir.path()).get_password(),
            Err(keyring_core::Error::NoEntry)
        ),
        "and created no new key"
    );

    // 2. The key deleted from the OS store (the file stays): the next renewal notices.
    let tray = source_at(settings.clone(), store()).await;
    tray.sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(file.exists());
    key_in(&keyring, dir.path())
        .delete_credential()
        .unwrap_or_else(|e| panic!("{e}"));
    // The sign-in fetched an ARM token; Graph's needs a renewal from the refresh token.
    let refused = tray.token(Audience::Graph, None).await;
    assert!(refused.is_err(), "the Graph token came from a dead sign-in");
    assert!(
        matches!(
            key_in(&keyring, dir.path()).get_password(),
            Err(keyring_core::Error::NoEntry)
        ),
        "no new key was created to write the account back"
    );
    assert!(
        store().load().accounts.is_empty(),
        "nothing readable was written"
    );
    sim.shutdown().await;
}

/// A kept access token goes only to the origin it was fetched for: with the endpoints moved
/// (config, environment), the same saved sign-in fetches a new token instead of sending the old one
/// elsewhere; with the same endpoints, the kept one is reused.
#[tokio::test]
async fn kept_tokens_go_only_to_the_origin_they_were_fetched_for() {
    let sim = Simulator::start(SimConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let keyring: Arc<CredentialStore> =
        keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
    let store = || Arc::new(TokenStore::open(dir.path(), Ok(Arc::clone(&keyring))));
    let at = |arm: &str| {
        let arm = url::Url::parse(arm).unwrap_or_else(|e| panic!("{e}"));
        let graph =
            url::Url::parse("https://graph.microsoft.com").unwrap_or_else(|e| panic!("{e}"));
        elevate_core::auth::ApiOrigins::of(&arm, &graph)
    };
    let first = source_at(
        sim_settings(&sim, at("https://management.azure.com")),
        store(),
    )
    .await;
    first
        .sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    first
        .token(Audience::Arm, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    drop(first);
    // The simulator's tokens minted in the same second are alike, so what tells a renewal is the
    // refresh token: rotated by every renewal, and saved.
    let saved_rt = || store().load().accounts[0].refresh_token.expose().to_owned();
    let before = saved_rt();

    let same = source_at(
        sim_settings(&sim, at("https://management.azure.com/")),
        store(),
    )
    .await;
    same.token(Audience::Arm, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        saved_rt(),
        before,
        "same origin: the kept token, no renewal"
    );
    drop(same);

    let moved = source_at(sim_settings(&sim, at("http://127.0.0.1:9/arm")), store()).await;
    moved
        .token(Audience::Arm, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(
        saved_rt(),
        before,
        "another origin: a new token, never the one kept for the first"
    );
    let saved = store().load();
    let kept = &saved.accounts[0].access_tokens;
    assert_eq!(kept.len(), 1, "one ARM token kept");
    assert_eq!(kept[0].origin, "http://127.0.0.1:9");
    sim.shutdown().await;
}

fn count(notices: &Notices, wanted: impl Fn(&SignInNotice) -> bool) -> usize {
    notices
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|n| wanted(n))
        .count()
}

/// The default: the well-known public clients, the Azure CLI's for ARM and Microsoft Graph Command
/// Line Tools' for Graph, with their `http://localhost` redirect. Two clients, two refresh tokens per
/// account, both kept in the sealed cache; the Graph client signs in only when Graph is first
/// needed (in the browser, or with a second code after a device-code sign-in), and is told why.
#[tokio::test]
async fn two_well_known_clients_keep_two_refresh_tokens_and_graph_signs_in_when_needed() {
    use elevate_core::config::{AZURE_CLI_CLIENT_ID, GRAPH_CLI_CLIENT_ID};
    let sim = Simulator::start(SimConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut settings = sim_settings(&sim, elevate_core::auth::ApiOrigins::default());
    settings.client_id = AZURE_CLI_CLIENT_ID.into();
    settings.graph_client_id = GRAPH_CLI_CLIENT_ID.into();
    let keyring: Arc<CredentialStore> =
        keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));

    for method in [SignInMethod::Browser, SignInMethod::DeviceCode] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
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
        source
            .sign_in(method, None)
            .await
            .unwrap_or_else(|e| panic!("{method:?}: {e}"));
        source
            .token(Audience::Arm, None)
            .await
            .unwrap_or_else(|e| panic!("{method:?}: {e}"));
        let saved = store().load();
        assert_eq!(saved.accounts[0].client_id, AZURE_CLI_CLIENT_ID);
        assert!(
            saved.accounts[0].graph_client.is_none(),
            "{method:?}: no Graph sign-in before Graph is needed"
        );
        let interactive_before = count(&notices, |n| {
            matches!(
                n,
                SignInNotice::OpeningBrowser { .. } | SignInNotice::DeviceCode(_)
            )
        });
        assert_eq!(interactive_before, 1, "{method:?}");

        // Graph is needed: one more sign-in, to the Graph client, said so.
        source
            .token(Audience::Graph, None)
            .await
            .unwrap_or_else(|e| panic!("{method:?}: {e}"));
        assert_eq!(
            count(
                &notices,
                |n| matches!(n, SignInNotice::SigningInAgain { reason }
                if reason.contains("Microsoft Graph Command Line Tools"))
            ),
            1,
            "{method:?}"
        );
        match method {
            SignInMethod::Browser => {
                let urls: Vec<String> = notices
                    .0
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .filter_map(|n| match n {
                        SignInNotice::OpeningBrowser { url } => Some(url.clone()),
                        _ => None,
                    })
                    .collect();
                assert_eq!(urls.len(), 2);
                assert!(urls[0].contains(&format!("client_id={AZURE_CLI_CLIENT_ID}")));
                assert!(urls[1].contains(&format!("client_id={GRAPH_CLI_CLIENT_ID}")));
                for url in &urls {
                    assert!(
                        url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A"),
                        "{url}"
                    );
                }
            }
            SignInMethod::DeviceCode => assert_eq!(
                count(&notices, |n| matches!(n, SignInNotice::DeviceCode(_))),
                2,
                "a second code"
            ),
        }
        let saved = store().load();
        let account = &saved.accounts[0];
        let graph = account
            .graph_client
            .as_ref()
            .unwrap_or_else(|| panic!("{method:?}: Graph's refresh token was not kept"));
        assert_eq!(graph.client_id, GRAPH_CLI_CLIENT_ID);
        assert_ne!(graph.refresh_token, account.refresh_token);

        // Each refresh token is the client's: the simulator refuses Graph's for the ARM client.
        let response = reqwest::Client::new()
            .post(format!(
                "{}/{}/oauth2/v2.0/token",
                sim.url(),
                account.tenant_id
            ))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", AZURE_CLI_CLIENT_ID),
                ("refresh_token", graph.refresh_token.expose()),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
        drop(source);

        // A new process renews both from the saved refresh tokens, without any sign-in.
        let later_notices = Arc::new(Notices::default());
        let later = SignedInTokenSource::new(
            sim_settings_moved(&settings),
            store(),
            Arc::new(HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}"))),
            later_notices.clone(),
            SignInOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        for audience in [Audience::Arm, Audience::Graph] {
            later
                .token(audience, None)
                .await
                .unwrap_or_else(|e| panic!("{method:?} {audience:?}: {e}"));
        }
        assert_eq!(
            count(&later_notices, |n| matches!(
                n,
                SignInNotice::OpeningBrowser { .. } | SignInNotice::DeviceCode(_)
            )),
            0,
            "{method:?}"
        );
    }
    sim.shutdown().await;
}

/// The same settings with the API origins moved, so that kept access tokens are not reused and
/// both refresh tokens must be redeemed.
fn sim_settings_moved(settings: &SignInSettings) -> SignInSettings {
    let mut moved = settings.clone();
    moved.apis = elevate_core::auth::ApiOrigins {
        arm: "http://127.0.0.1:1".into(),
        graph: "http://127.0.0.1:2".into(),
    };
    moved
}
