//! The identity endpoints over real HTTP: authorize (PKCE S256, loopback redirect, state echoed),
//! token (code with PKCE verification, refresh with rotation, device code) and devicecode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use elevate_sim::{SimConfig, Simulator, demo};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

const CLIENT: &str = "test-client";
const REDIRECT: &str = "http://127.0.0.1:45678/";
const ARM: &str = "https://management.core.windows.net//.default";
const GRAPH: &str = "https://graph.microsoft.com/.default";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Runs the authorize step; returns the redirect's query.
async fn authorize(sim: &Simulator, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut url = url::Url::parse(&format!(
        "{}/organizations/oauth2/v2.0/authorize",
        sim.url()
    ))
    .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", CLIENT)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair(
            "scope",
            &format!("{ARM} {GRAPH} openid profile offline_access"),
        )
        .append_pair("state", "st-1");
    for (k, v) in extra {
        url.query_pairs_mut().append_pair(k, v);
    }
    let response = client().get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    location.query_pairs().into_owned().collect()
}

async fn token(sim: &Simulator, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = client()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sim.url(),
            demo::TENANT_ID
        ))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn code_with_pkce_then_rotating_refresh_for_two_resources() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let verifier = "a-verifier-that-is-long-enough-for-rfc-7636-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));

    // Without PKCE the authorize endpoint refuses (through the redirect, with the state).
    let refused = authorize(&sim, &[]).await;
    assert_eq!(
        refused.get("error").map(String::as_str),
        Some("invalid_request")
    );
    assert_eq!(refused.get("state").map(String::as_str), Some("st-1"));

    let answer = authorize(
        &sim,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(answer.get("state").map(String::as_str), Some("st-1"));
    let code = answer["code"].clone();

    // A wrong verifier is refused, and the code is spent by that attempt.
    let (status, body) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", "wrong"),
            ("scope", ARM),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS501481")
    );

    let answer = authorize(
        &sim,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let code = answer["code"].clone();
    let (status, body) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("scope", ARM),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["aud"],
        "https://management.core.windows.net/"
    );
    let id = claims_of(body["id_token"].as_str().unwrap());
    assert_eq!(
        (id["aud"].as_str(), id["tid"].as_str(), id["oid"].as_str()),
        (
            Some(CLIENT),
            Some(demo::TENANT_ID),
            Some(demo::DEMO_USER_OID)
        )
    );
    let first_rt = body["refresh_token"].as_str().unwrap().to_string();

    // The code is single-use.
    let (status, _) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The same refresh token gives a Graph token; it is rotated, and the old one is then refused.
    let (status, body) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", &first_rt),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["aud"],
        "https://graph.microsoft.com"
    );
    let second_rt = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_rt, first_rt);
    let (status, body) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", &first_rt),
            ("scope", ARM),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, _) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", &second_rt),
            ("scope", ARM),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn claims_on_authorize_give_the_authentication_context() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let verifier = "another-verifier-that-is-long-enough-for-rfc-7636-xyz";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let claims = r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#;
    let answer = authorize(
        &sim,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("claims", claims),
        ],
    )
    .await;
    let (status, body) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &answer["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("scope", ARM),
            ("claims", claims),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["acrs"],
        serde_json::json!(["c1"])
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn device_code_is_pending_then_approved_and_foreign_redirects_are_refused() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let response = client()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.url()
        ))
        .form(&[("client_id", CLIENT), ("scope", ARM)])
        .send()
        .await
        .unwrap();
    let started: Value = response.json().await.unwrap();
    let device_code = started["device_code"].as_str().unwrap();
    assert!(
        started["verification_uri"]
            .as_str()
            .unwrap()
            .ends_with("/devicelogin")
    );
    let grant = [
        ("client_id", CLIENT),
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", device_code),
    ];
    let (status, body) = token(&sim, &grant).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorization_pending"))
    );
    let (status, body) = token(&sim, &grant).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["refresh_token"].is_string());
    let (status, body) = token(&sim, &grant).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("expired_token"))
    );

    let url = format!(
        "{}/organizations/oauth2/v2.0/authorize?client_id=c&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2F&scope=openid&code_challenge=x&code_challenge_method=S256",
        sim.url()
    );
    let response = client().get(url).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "never redirects to a non-loopback URI"
    );
    sim.shutdown().await;
}

/// Redeems a code from `authorize` (with PKCE) and returns the id token's claims.
async fn signed_in_claims(sim: &Simulator, extra: &[(&str, &str)]) -> Value {
    let verifier = "a-verifier-that-is-long-enough-for-rfc-7636-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut params = vec![
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    let answer = authorize(sim, &params).await;
    let code = answer
        .get("code")
        .unwrap_or_else(|| panic!("no code: {answer:?}"));
    let (status, body) = token(
        sim,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("scope", ARM),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    claims_of(body["id_token"].as_str().unwrap())
}

#[tokio::test]
async fn max_age_and_prompt_login_sign_in_again_and_id_tokens_say_when_and_how() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let control = |body: Value| {
        let url = format!("{}/_sim/sign-in-session", sim.url());
        async move {
            let response = client().post(url).json(&body).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    let now = chrono::Utc::now().timestamp();
    let half_an_hour_ago = chrono::Utc::now() - chrono::TimeDelta::minutes(30);
    control(serde_json::json!({ "signed_in_at": half_an_hour_ago.to_rfc3339() })).await;

    // Single sign-on: the browser session's sign-in, 30 minutes old, with MFA.
    let sso = signed_in_claims(&sim, &[]).await;
    let auth_time = sso["auth_time"].as_i64().unwrap();
    assert!((now - auth_time - 1800).abs() < 5, "{sso}");
    assert_eq!(sso["amr"], serde_json::json!(["pwd", "mfa"]));
    // A max_age the session satisfies changes nothing; one it does not signs in again.
    let within = signed_in_claims(&sim, &[("max_age", "3600")]).await;
    assert_eq!(within["auth_time"].as_i64(), Some(auth_time));
    let again = signed_in_claims(&sim, &[("max_age", "600")]).await;
    assert!(again["auth_time"].as_i64().unwrap() >= now, "{again}");
    // prompt=login always signs in again, here without MFA.
    control(serde_json::json!({ "signed_in_at": half_an_hour_ago.to_rfc3339(), "mfa": false }))
        .await;
    let login = signed_in_claims(&sim, &[("prompt", "login")]).await;
    assert!(login["auth_time"].as_i64().unwrap() >= now, "{login}");
    assert_eq!(login["amr"], serde_json::json!(["pwd"]));
    // prompt=none with a session too old for max_age: login_required, through the redirect.
    control(serde_json::json!({ "signed_in_at": half_an_hour_ago.to_rfc3339() })).await;
    let none = authorize(
        &sim,
        &[
            ("prompt", "none"),
            ("max_age", "60"),
            ("code_challenge", "x"),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(
        none.get("error").map(String::as_str),
        Some("login_required"),
        "{none:?}"
    );
    let bad = authorize(
        &sim,
        &[
            ("max_age", "soon"),
            ("code_challenge", "x"),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(
        bad.get("error").map(String::as_str),
        Some("invalid_request"),
        "{bad:?}"
    );

    // A refresh keeps the sign-in's auth_time: refreshing never makes a sign-in fresher.
    let verifier = "a-verifier-that-is-long-enough-for-rfc-7636-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let answer = authorize(
        &sim,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let (_, first) = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &answer["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("scope", ARM),
        ],
    )
    .await;
    let (status, refreshed) = token(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(
        claims_of(refreshed["id_token"].as_str().unwrap())["auth_time"].as_i64(),
        Some(half_an_hour_ago.timestamp())
    );
    sim.shutdown().await;
}

/// Entra's answer to a request naming several resources: HTTP 400, `AADSTS28000`.
fn assert_several_resources_refused(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert_eq!(body["error_codes"], serde_json::json!([28000]), "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS28000: "),
        "{body}"
    );
}

#[tokio::test]
async fn one_resource_per_token_or_device_code_request_consent_for_several_up_front() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let both = format!("{ARM} {GRAPH} openid profile offline_access");

    // The device code request of Elevate before issue 14: both resources at once.
    let response = client()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.url()
        ))
        .form(&[("client_id", CLIENT), ("scope", both.as_str())])
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_several_resources_refused(status, &response.json().await.unwrap());

    // The authorize request may name both (consent up front); the redemption may not, nor may it
    // leave the scope out and fall back on the authorize request's.
    let verifier = "a-verifier-that-is-long-enough-for-rfc-7636-0123456789";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for scope in [both.as_str(), ""] {
        let code = authorize(&sim, &pkce).await["code"].clone();
        let (status, body) = token(
            &sim,
            &[
                ("client_id", CLIENT),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
                ("scope", scope),
            ],
        )
        .await;
        assert_several_resources_refused(status, &body);
    }
    let code = authorize(&sim, &pkce).await["code"].clone();
    let (status, body) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("scope", &format!("{ARM} openid profile offline_access")),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let refresh_token = body["refresh_token"].as_str().unwrap().to_owned();

    // A refresh for both, or for ARM and a bare Graph permission, is refused (and leaves the refresh
    // token alone); one for Graph alone gets a Graph token from the same refresh token.
    for scope in [both.clone(), format!("{ARM} User.Read")] {
        let (status, body) = token(
            &sim,
            &[
                ("client_id", CLIENT),
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
                ("scope", &scope),
            ],
        )
        .await;
        assert_several_resources_refused(status, &body);
    }
    let (status, body) = token(
        &sim,
        &[
            ("client_id", CLIENT),
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
            ("scope", GRAPH),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        claims_of(body["access_token"].as_str().unwrap())["aud"],
        "https://graph.microsoft.com"
    );
    sim.shutdown().await;
}
