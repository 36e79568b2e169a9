//! Several directories: ARM's "Tenants - List" (`GET /tenants`), a guest object of the demo user
//! in the resource tenant Fabrikam, refresh tokens redeemed at another tenant's token endpoint, and
//! ARM and Graph answering a guest-tenant token with that tenant's data only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use elevate_sim::{TokenRequest, demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Harness;

const TENANTS: &str = "/tenants?api-version=2022-12-01";
const ARM: &str = "https://management.core.windows.net//.default";
const GRAPH: &str = "https://graph.microsoft.com/.default";
const CLIENT: &str = "test-client";

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn guest_token(h: &Harness, audience: &str) -> String {
    h.token_with(TokenRequest {
        oid: Some(demo::GUEST_TENANT_ADA_OID.into()),
        audience: audience.into(),
        ..TokenRequest::default()
    })
}

/// A refresh token of `user` (UPN), from a device code sign-in at `organizations`.
async fn refresh_token_of(h: &Harness, user: &str) -> String {
    h.control(Method::POST, "sign-in-session", json!({ "user": user }))
        .await;
    let url = |path: &str| format!("{}/organizations/oauth2/v2.0/{path}", h.sim.url());
    let started: Value = h
        .client
        .post(url("devicecode"))
        .form(&[
            ("client_id", CLIENT),
            ("scope", &format!("{ARM} offline_access")),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = started["device_code"].as_str().unwrap().to_string();
    for _ in 0..3 {
        let answer: Value = h
            .client
            .post(url("token"))
            .form(&[
                ("client_id", CLIENT),
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", &code),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(rt) = answer["refresh_token"].as_str() {
            return rt.to_string();
        }
    }
    panic!("no refresh token for {user}");
}

async fn redeem(
    h: &Harness,
    tenant: &str,
    refresh_token: &str,
    scope: &str,
) -> (StatusCode, Value) {
    let response = h
        .client
        .post(format!("{}/{tenant}/oauth2/v2.0/token", h.sim.url()))
        .form(&[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_tenant_list_is_the_persons_whichever_tenant_the_token_is_from() {
    let h = Harness::start().await;
    let home = h.get(TENANTS).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text);
    let items = home.json["value"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{}", home.text);
    let fabrikam = items
        .iter()
        .find(|t| t["tenantId"] == demo::GUEST_TENANT_ID)
        .expect("Fabrikam listed");
    // The documented TenantIdDescription shape.
    assert_eq!(
        fabrikam["id"],
        format!("/tenants/{}", demo::GUEST_TENANT_ID)
    );
    assert_eq!(fabrikam["displayName"], demo::GUEST_TENANT_NAME);
    assert_eq!(fabrikam["defaultDomain"], demo::GUEST_TENANT_DOMAIN);
    assert_eq!(fabrikam["domains"], json!([demo::GUEST_TENANT_DOMAIN]));
    assert_eq!(fabrikam["tenantCategory"], "Home");
    assert!(
        items
            .iter()
            .any(|t| t["tenantId"] == demo::TENANT_ID && t["displayName"] == demo::TENANT_NAME)
    );
    assert!(home.json.get("nextLink").is_none());

    // With a token issued in Fabrikam (the guest object) the list is the same person's.
    let guest = guest_token(&h, "https://management.azure.com");
    assert_eq!(claims_of(&guest)["tid"], demo::GUEST_TENANT_ID);
    let listed = h.send(Method::GET, TENANTS, Some(&guest), None).await;
    assert_eq!(
        listed.json["value"].as_array().map(Vec::len),
        Some(2),
        "{}",
        listed.text
    );

    // Paged: one a page, nextLink to the rest.
    h.control(Method::POST, "settings", json!({ "page_size": 1 }))
        .await;
    let first = h.get(TENANTS).await;
    assert_eq!(first.json["value"].as_array().map(Vec::len), Some(1));
    assert!(
        first.json["nextLink"]
            .as_str()
            .is_some_and(|l| l.contains("/tenants?")),
        "{}",
        first.text
    );
    let all = h.collect(TENANTS).await;
    assert_eq!(all.len(), 2);

    // Grace is a guest nowhere: her home tenant only. A wrong api-version is refused.
    let grace = h.token_with(TokenRequest {
        oid: Some(demo::SECOND_USER_OID.into()),
        ..TokenRequest::default()
    });
    let hers = h.send(Method::GET, TENANTS, Some(&grace), None).await;
    assert_eq!(hers.json["value"][0]["tenantId"], demo::TENANT_ID);
    assert!(hers.json.get("nextLink").is_none(), "{}", hers.text);
    let bad = h.get("/tenants?api-version=2020-10-01").await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::BAD_REQUEST, "InvalidApiVersionParameter")
    );
}

#[tokio::test]
async fn a_guest_tenant_token_sees_that_tenants_data_only() {
    let h = Harness::start().await;
    let guest = guest_token(&h, "https://management.azure.com");
    let mine = h
        .send(Method::GET, "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01&$filter=asTarget()", Some(&guest), None)
        .await;
    let scopes: Vec<&str> = mine.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["properties"]["scope"].as_str())
        .collect();
    assert_eq!(scopes.len(), 2, "{}", mine.text);
    assert!(
        scopes
            .iter()
            .all(|s| s.eq_ignore_ascii_case(demo::SCOPE_GUEST_SUBSCRIPTION)),
        "{scopes:?}"
    );

    // Its subscriptions are Fabrikam's; a Contoso subscription refuses the token as ARM does.
    let subs = h
        .send(
            Method::GET,
            "/subscriptions?api-version=2022-12-01",
            Some(&guest),
            None,
        )
        .await;
    let ids: Vec<&str> = subs.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["subscriptionId"].as_str())
        .collect();
    assert_eq!(ids, vec![demo::GUEST_SUBSCRIPTION]);
    assert_eq!(subs.json["value"][0]["tenantId"], demo::GUEST_TENANT_ID);
    let wrong = h.send(Method::GET, &format!("{}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01", demo::SCOPE_PRODUCTION), Some(&guest), None).await;
    assert_eq!(
        (wrong.status, wrong.code()),
        (StatusCode::UNAUTHORIZED, "InvalidAuthenticationTokenTenant"),
        "{}",
        wrong.text
    );
    assert!(
        wrong.message().contains(demo::TENANT_ID)
            && wrong
                .header("www-authenticate")
                .is_some_and(|w| w.contains(demo::TENANT_ID))
    );
    // And the home token is refused at Fabrikam's subscription.
    let home = h
        .get(&format!(
            "{}?api-version=2022-12-01",
            demo::SCOPE_GUEST_SUBSCRIPTION
        ))
        .await;
    assert_eq!(home.code(), "InvalidAuthenticationTokenTenant");
    let own = h.get("/subscriptions?api-version=2022-12-01").await;
    assert_eq!(
        own.json["value"].as_array().map(Vec::len),
        Some(3),
        "Contoso's three, as before"
    );

    // Graph: the guest object is `me`, with its own Entra eligibility.
    let graph = guest_token(&h, "https://graph.microsoft.com");
    let me = h.send(Method::GET, "/v1.0/me", Some(&graph), None).await;
    assert_eq!(me.json["id"], demo::GUEST_TENANT_ADA_OID, "{}", me.text);
    let entra = h
        .send(Method::GET, "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')", Some(&graph), None)
        .await;
    let roles: Vec<&str> = entra.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["roleDefinitionId"].as_str())
        .collect();
    assert_eq!(roles, vec![demo::ENTRA_GLOBAL_READER], "{}", entra.text);
}

#[tokio::test]
async fn a_refresh_token_is_redeemed_in_a_guest_tenant_and_refused_where_the_user_is_none() {
    let h = Harness::start().await;
    let ada = refresh_token_of(&h, demo::DEMO_USER_UPN).await;
    let (status, body) = redeem(&h, demo::GUEST_TENANT_ID, &ada, ARM).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = claims_of(body["access_token"].as_str().unwrap());
    let id = claims_of(body["id_token"].as_str().unwrap());
    for claims in [&access, &id] {
        assert_eq!(claims["tid"], demo::GUEST_TENANT_ID);
        assert_eq!(claims["oid"], demo::GUEST_TENANT_ADA_OID);
        assert_eq!(
            claims["iss"],
            format!("https://sts.windows.net/{}/", demo::GUEST_TENANT_ID)
        );
    }
    // The rotated refresh token is still the person's: back home, and by domain, it works.
    let rotated = body["refresh_token"].as_str().unwrap().to_string();
    let (status, body) = redeem(&h, "contoso.example", &rotated, GRAPH).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["oid"],
        demo::DEMO_USER_OID
    );
    let rotated = body["refresh_token"].as_str().unwrap().to_string();
    let (status, body) = redeem(&h, demo::GUEST_TENANT_DOMAIN, &rotated, ARM).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["tid"],
        demo::GUEST_TENANT_ID
    );

    // Grace has no object in Fabrikam: AADSTS50020.
    let grace = refresh_token_of(&h, demo::SECOND_USER_UPN).await;
    let (status, body) = redeem(&h, demo::GUEST_TENANT_ID, &grace, ARM).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_codes"], json!([50020]));
    let text = body["error_description"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("AADSTS50020: ")
            && text.contains(demo::SECOND_USER_UPN)
            && text.contains("Fabrikam"),
        "{text}"
    );
    // A tenant nobody knows is not found at all.
    let (status, body) = redeem(&h, "00000000-0000-4000-8000-000000000000", &grace, ARM).await;
    assert_eq!(
        (status, body["error_codes"].clone()),
        (StatusCode::BAD_REQUEST, json!([90002]))
    );
}
