//! Guest tenants of a signed-in account against the simulator over HTTP: ARM's tenant list (every
//! page), a guest tenant chosen by name and signed into with the account's refresh token (no
//! browser), its tokens carrying the guest tenant's `tid` and the guest object's `oid`, its roles
//! that tenant's only, the home account still working, and a tenant where the user is nobody
//! refused with a typed error.

use std::sync::{Arc, Mutex};

use elevate_core::Error;
use elevate_core::arm::ArmClient;
use elevate_core::auth::{
    AccountTokenSource, Audience, HeadlessBrowser, KnownTenant, SignInError, SignInMethod,
    SignInNotice, SignInOptions, SignInPrompt, SignInSettings, SignedInTokenSource, TokenSource,
    TokenStore, decode_claims,
};
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_sim::{SimConfig, Simulator, demo};
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

impl Notices {
    fn browsers(&self) -> usize {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|n| matches!(n, SignInNotice::OpeningBrowser { .. }))
            .count()
    }
}

async fn control(sim: &Simulator, path: &str, body: serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/_sim/{path}", sim.url()))
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(response.status().is_success(), "{path}");
}

fn url(text: &str) -> url::Url {
    url::Url::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_guest_tenant_is_signed_into_with_the_accounts_refresh_token() {
    let sim = Simulator::start(SimConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // One tenant a page: the list is read by following nextLink.
    control(&sim, "settings", serde_json::json!({ "page_size": 1 })).await;
    let settings = SignInSettings {
        client_id: "elevate-test".into(),
        graph_client_id: "elevate-test".into(),
        authority: url(&sim.url()),
        arm_scope: "https://management.core.windows.net//.default".into(),
        graph_scope: "https://graph.microsoft.com/.default".into(),
        apis: elevate_core::auth::ApiOrigins::default(),
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let keyring: Arc<CredentialStore> =
        keyring_core::mock::Store::new().unwrap_or_else(|e| panic!("{e}"));
    let store = Arc::new(TokenStore::open(dir.path(), Ok(Arc::clone(&keyring))));
    let notices = Arc::new(Notices::default());
    let source = Arc::new(
        SignedInTokenSource::new(
            settings,
            store,
            Arc::new(HeadlessBrowser::new().unwrap_or_else(|e| panic!("{e}"))),
            notices.clone(),
            SignInOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let ada = source
        .sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(notices.browsers(), 1);
    let http = HttpClient::new(RetryPolicy::default()).unwrap_or_else(|e| panic!("{e}"));
    let arm = |tokens: Arc<dyn TokenSource>| ArmClient::new(http.clone(), url(&sim.url()), tokens);

    // The tenant list, both pages.
    let tenants = arm(source.clone())
        .tenants()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = tenants.iter().map(|t| t.tenant_id.as_str()).collect();
    assert_eq!(ids, vec![demo::TENANT_ID, demo::GUEST_TENANT_ID]);
    let fabrikam = &tenants[1];
    assert_eq!(
        fabrikam.display_name.as_deref(),
        Some(demo::GUEST_TENANT_NAME)
    );
    assert_eq!(
        fabrikam.default_domain.as_deref(),
        Some(demo::GUEST_TENANT_DOMAIN)
    );
    source
        .set_tenants(&ada.key, tenants.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let listed = source.status().await.accounts;
    assert_eq!(
        listed.len(),
        1,
        "a tenant not used yet is no account of its own"
    );
    assert_eq!(listed[0].tenants.len(), 1, "{listed:?}");
    assert_eq!(listed[0].tenants[0].tenant_id, demo::GUEST_TENANT_ID);
    assert_eq!(
        listed[0].tenants[0].key,
        format!("{}/{}", ada.key, demo::GUEST_TENANT_ID)
    );

    // Chosen by its display name, in any case: the refresh token at Fabrikam, no browser.
    let guest = source
        .select("FABRIKAM")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(notices.browsers(), 1, "no browser for a guest tenant");
    assert_eq!(guest.tenant_id, demo::GUEST_TENANT_ID);
    assert_eq!(guest.object_id, demo::GUEST_TENANT_ADA_OID);
    assert_eq!(
        guest.key,
        format!("{}.{}", demo::GUEST_TENANT_ADA_OID, demo::GUEST_TENANT_ID)
    );
    assert_eq!(guest.home.as_deref(), Some(ada.key.as_str()));
    assert_eq!(guest.username, ada.username);
    assert_eq!(
        source.current_key().await.as_deref(),
        Some(guest.key.as_str())
    );
    for audience in [Audience::Arm, Audience::Graph] {
        let token = source
            .token(audience, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let claims = decode_claims(&token.token).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claims.tid.as_deref(), Some(demo::GUEST_TENANT_ID));
        assert_eq!(claims.oid.as_deref(), Some(demo::GUEST_TENANT_ADA_OID));
    }
    // By domain and by its pair key it is the same account now.
    assert_eq!(
        source
            .find_account("fabrikam.example")
            .await
            .map(|a| a.key)
            .ok(),
        Some(guest.key.clone())
    );
    assert_eq!(
        source
            .find_account(&format!("{}/{}", ada.key, demo::GUEST_TENANT_ID))
            .await
            .map(|a| a.key)
            .ok(),
        Some(guest.key.clone())
    );

    // Its roles are Fabrikam's only: ARM's two at Fabrikam's subscription, Graph's Global Reader.
    let roles = arm(source.clone())
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut names: Vec<String> = roles
        .iter()
        .map(|e| format!("{}@{}", e.role.name, e.scope.name))
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            format!("Contributor@{}", demo::GUEST_SUBSCRIPTION_NAME),
            format!("Reader@{}", demo::GUEST_SUBSCRIPTION_NAME)
        ]
    );
    let graph = GraphClient::new(http.clone(), url(&sim.url()), source.clone());
    let entra = graph
        .directory_eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let entra: Vec<&str> = entra.iter().map(|e| e.role.name.as_str()).collect();
    assert_eq!(entra, vec!["Global Reader"]);
    // The list read with the guest tenant's token is the person's, and stays with the home account.
    let again = arm(source.clone())
        .tenants()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, tenants);

    // The home account still works: its refresh token was rotated and kept.
    let home = source
        .select(&ada.key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(home.home.is_none());
    let listed = source.status().await.accounts;
    assert_eq!(listed.len(), 2);
    let home_info = listed
        .iter()
        .find(|a| a.key == ada.key)
        .unwrap_or_else(|| panic!("{listed:?}"));
    assert_eq!(
        home_info.tenants[0].key, guest.key,
        "the used tenant's own key"
    );
    let token = source
        .token(Audience::Graph, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let claims = decode_claims(&token.token).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claims.tid.as_deref(), Some(demo::TENANT_ID));
    assert_eq!(claims.oid.as_deref(), Some(demo::DEMO_USER_OID));
    let contoso = arm(source.clone())
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        contoso
            .iter()
            .all(|e| !e.scope.id.contains(demo::GUEST_SUBSCRIPTION))
    );
    assert!(
        contoso
            .iter()
            .any(|e| e.scope.name == demo::SUBSCRIPTION_PRODUCTION_NAME)
    );

    // Grace, a second account, is a guest nowhere: her own list has her home tenant only, and a
    // Fabrikam she is told about (a stale list) is refused with Entra's AADSTS50020, typed.
    control(
        &sim,
        "sign-in-session",
        serde_json::json!({ "user": demo::SECOND_USER_UPN }),
    )
    .await;
    let grace = source
        .sign_in(SignInMethod::Browser, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(grace.username, demo::SECOND_USER_UPN);
    let hers = arm(Arc::new(AccountTokenSource::new(
        source.clone(),
        grace.key.clone(),
    )))
    .tenants()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        hers.iter()
            .map(|t| t.tenant_id.as_str())
            .collect::<Vec<_>>(),
        vec![demo::TENANT_ID]
    );
    let stale: Vec<KnownTenant> = vec![hers[0].clone(), fabrikam.clone()];
    source
        .set_tenants(&grace.key, stale)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Both know a Fabrikam now: the name alone is ambiguous, the pair key is not.
    let both = source
        .select("Fabrikam")
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(both.contains("matches several"), "{both}");
    let refused = source
        .select(&format!("{}/{}", grace.key, demo::GUEST_TENANT_ID))
        .await
        .err()
        .unwrap_or_else(|| panic!("Grace is no guest in Fabrikam"));
    assert_eq!(refused.code(), "not-in-tenant", "{refused}");
    assert!(
        matches!(&refused, Error::SignIn(SignInError::NotInTenant { tenant, .. }) if tenant == demo::GUEST_TENANT_ID),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("AADSTS50020"), "{refused}");
    assert_eq!(notices.browsers(), 2, "the refusal opened no browser");
    // Signing Ada out takes her guest tenant's account with her.
    source
        .sign_out_account(Some(&ada.key))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let left: Vec<String> = source
        .status()
        .await
        .accounts
        .into_iter()
        .map(|a| a.key)
        .collect();
    assert_eq!(left, vec![grace.key.clone()]);
    sim.shutdown().await;
}
