//! Graph's `applications`, `servicePrincipals` and `oauth2PermissionGrants` over real HTTP, and
//! consent: what an administrator's registration and grants make a client's tokens carry, and the
//! identity platform's AADSTS65001 without consent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use elevate_sim::TokenRequest;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::Harness;

const GRAPH_APP: &str = "00000003-0000-0000-c000-000000000000";
const ARM_APP: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
const APPLICATION_ADMINISTRATOR: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";

fn graph_token(h: &Harness, scopes: Option<&str>) -> String {
    h.token_with(TokenRequest {
        audience: "https://graph.microsoft.com".into(),
        scopes: scopes.map(str::to_owned),
        ..TokenRequest::default()
    })
}

async fn graph(
    h: &Harness,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> crate::common::Reply {
    h.send(method, &format!("/v1.0/{path}"), Some(token), body.as_ref())
        .await
}

async fn make_admin(h: &Harness) {
    let end = (chrono::Utc::now() + chrono::TimeDelta::hours(8)).to_rfc3339();
    h.control(
        Method::POST,
        "assignments",
        json!({"directory_role_id": APPLICATION_ADMINISTRATOR, "end": end}),
    )
    .await;
}

/// A token for `client` and `scope` through the device code flow: `Ok(claims)` or the OAuth error body.
async fn device_token(h: &Harness, client: &str, scope: &str) -> Result<Value, Value> {
    let form = [("client_id", client), ("scope", scope)];
    let started: Value = h
        .client
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            h.sim.url()
        ))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let Some(device_code) = started["device_code"].as_str() else {
        return Err(started);
    };
    let user_code = started["user_code"].as_str().unwrap();
    h.client
        .get(format!("{}/devicelogin?user_code={user_code}", h.sim.url()))
        .send()
        .await
        .unwrap();
    for _ in 0..3 {
        let form = [
            ("client_id", client),
            ("scope", scope),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device_code),
        ];
        let answer: Value = h
            .client
            .post(format!("{}/organizations/oauth2/v2.0/token", h.sim.url()))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if answer["error"] == "authorization_pending" {
            continue;
        }
        let Some(access) = answer["access_token"].as_str() else {
            return Err(answer);
        };
        let payload = access.split('.').nth(1).unwrap();
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        return Ok(serde_json::from_slice(&bytes).unwrap());
    }
    panic!("the device code never completed")
}

fn scp(claims: &Value) -> Vec<String> {
    let mut scopes: Vec<String> = claims["scp"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    scopes.sort();
    scopes
}

#[tokio::test]
async fn an_administrator_registers_a_public_client_and_grants_consent() {
    let h = Harness::start().await;
    let token = graph_token(&h, None);
    let app = json!({
        "displayName": "Elevate",
        "signInAudience": "AzureADMyOrg",
        "isFallbackPublicClient": true,
        "publicClient": {"redirectUris": ["http://localhost", "http://127.0.0.1"]},
        "requiredResourceAccess": [{"resourceAppId": ARM_APP, "resourceAccess": [{"id": "41094075-9dad-400e-a0bd-54e686782033", "type": "Scope"}]}],
        "tags": ["elevate-pim-client"],
    });

    // Without an administrator role: refused, nothing made.
    let refused = graph(&h, Method::POST, "applications", &token, Some(app.clone())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.code(), "Authorization_RequestDenied");
    make_admin(&h).await;
    // Without Application.ReadWrite.All in the token: refused as well.
    let narrow = graph_token(&h, Some("User.Read Application.Read.All"));
    assert_eq!(
        graph(&h, Method::POST, "applications", &narrow, Some(app.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        graph(&h, Method::GET, "applications", &narrow, None)
            .await
            .status,
        StatusCode::OK,
        "reading needs only Application.Read.All"
    );

    // Invalid bodies.
    for bad in [
        json!({"signInAudience": "AzureADMyOrg"}),
        json!({"displayName": "x", "signInAudience": "Everyone"}),
        json!({"displayName": "x", "web": {}}),
        json!({"displayName": "x", "publicClient": {"redirectUris": ["not a url"]}}),
    ] {
        let reply = graph(&h, Method::POST, "applications", &token, Some(bad.clone())).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.text
        );
    }

    let created = graph(&h, Method::POST, "applications", &token, Some(app)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let app_id = created.json["appId"].as_str().unwrap().to_owned();
    assert_eq!(created.json["isFallbackPublicClient"], true);
    assert_eq!(
        created.json["publicClient"]["redirectUris"][0],
        "http://localhost"
    );
    let found = graph(
        &h,
        Method::GET,
        "applications?$filter=displayName eq 'Elevate'",
        &token,
        None,
    )
    .await;
    assert_eq!(found.json["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(found.json["value"][0]["appId"], app_id.as_str());
    let by_app_id = graph(
        &h,
        Method::GET,
        &format!("applications(appId='{app_id}')"),
        &token,
        None,
    )
    .await;
    assert_eq!(by_app_id.json["displayName"], "Elevate");

    // The resource service principals are there, with their published permissions.
    let graph_sp = graph(
        &h,
        Method::GET,
        &format!("servicePrincipals(appId='{GRAPH_APP}')"),
        &token,
        None,
    )
    .await;
    assert_eq!(graph_sp.status, StatusCode::OK);
    let scopes = graph_sp.json["oauth2PermissionScopes"].as_array().unwrap();
    assert!(scopes.iter().any(|s| s["value"] == "User.Read" && s["id"] == "e1fe6dd8-ba31-4d61-89e7-88639da4683d"));
    let arm_sp = graph(
        &h,
        Method::GET,
        &format!("servicePrincipals?$filter=appId eq '{ARM_APP}'"),
        &token,
        None,
    )
    .await;
    assert_eq!(
        arm_sp.json["value"][0]["displayName"],
        "Windows Azure Service Management API"
    );

    // No service principal yet: no token at all.
    assert!(
        device_token(&h, &app_id, "https://graph.microsoft.com/.default")
            .await
            .is_err()
    );
    let sp = graph(
        &h,
        Method::POST,
        "servicePrincipals",
        &token,
        Some(json!({"appId": app_id})),
    )
    .await;
    assert_eq!(sp.status, StatusCode::CREATED, "{}", sp.text);
    let sp_id = sp.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        graph(
            &h,
            Method::POST,
            "servicePrincipals",
            &token,
            Some(json!({"appId": app_id}))
        )
        .await
        .status,
        StatusCode::BAD_REQUEST,
        "one per app"
    );

    // Without a grant, the identity platform refuses: AADSTS65001, consent_required.
    let refusal = device_token(&h, &app_id, "https://graph.microsoft.com/.default")
        .await
        .unwrap_err();
    assert_eq!(refusal["error"], "invalid_grant");
    assert_eq!(refusal["suberror"], "consent_required");
    assert!(
        refusal["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS65001")
    );

    let graph_sp_id = graph_sp.json["id"].as_str().unwrap().to_owned();
    let grant = json!({"clientId": sp_id, "consentType": "AllPrincipals", "resourceId": graph_sp_id, "scope": "User.Read RoleEligibilitySchedule.Read.Directory"});
    let granted = graph(
        &h,
        Method::POST,
        "oauth2PermissionGrants",
        &token,
        Some(grant.clone()),
    )
    .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text);
    assert_eq!(
        graph(
            &h,
            Method::POST,
            "oauth2PermissionGrants",
            &token,
            Some(grant)
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let bad_scope = json!({"clientId": sp_id, "consentType": "AllPrincipals", "resourceId": graph_sp_id, "scope": "Made.Up"});
    assert_eq!(
        graph(
            &h,
            Method::POST,
            "oauth2PermissionGrants",
            &token,
            Some(bad_scope)
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    let principal_without_id = json!({"clientId": sp_id, "consentType": "Principal", "resourceId": graph_sp_id, "scope": "User.Read"});
    assert_eq!(
        graph(
            &h,
            Method::POST,
            "oauth2PermissionGrants",
            &token,
            Some(principal_without_id)
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    let claims = device_token(&h, &app_id, "https://graph.microsoft.com/.default")
        .await
        .unwrap();
    assert_eq!(
        scp(&claims),
        vec!["RoleEligibilitySchedule.Read.Directory", "User.Read"]
    );
    assert_eq!(claims["appid"], app_id.as_str());
    // A permission the grant lacks, asked for by name: refused.
    let unconsented = device_token(
        &h,
        &app_id,
        "https://graph.microsoft.com/RoleAssignmentSchedule.ReadWrite.Directory",
    )
    .await
    .unwrap_err();
    assert!(
        unconsented["error_description"]
            .as_str()
            .unwrap()
            .contains("RoleAssignmentSchedule.ReadWrite.Directory")
    );
    // ARM: no grant yet.
    assert_eq!(
        device_token(&h, &app_id, "https://management.core.windows.net//.default")
            .await
            .unwrap_err()["suberror"],
        "consent_required"
    );

    // Listing grants with the $filter an administrator tool uses, and widening one.
    let filter = format!(
        "oauth2PermissionGrants?$filter=clientId eq '{sp_id}' and resourceId eq '{graph_sp_id}'"
    );
    let grants = graph(&h, Method::GET, &filter, &token, None).await;
    let grant_id = grants.json["value"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(grants.json["value"].as_array().map(Vec::len), Some(1));
    let patched = graph(&h, Method::PATCH, &format!("oauth2PermissionGrants/{grant_id}"), &token, Some(json!({"scope": "User.Read RoleEligibilitySchedule.Read.Directory RoleAssignmentSchedule.ReadWrite.Directory"}))).await;
    assert_eq!(patched.status, StatusCode::NO_CONTENT, "{}", patched.text);
    let claims = device_token(&h, &app_id, "https://graph.microsoft.com/.default")
        .await
        .unwrap();
    assert!(scp(&claims).contains(&"RoleAssignmentSchedule.ReadWrite.Directory".to_owned()));
    assert_eq!(
        graph(
            &h,
            Method::GET,
            "oauth2PermissionGrants?$filter=scope eq 'x'",
            &token,
            None
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn consent_taken_from_a_well_known_client_shows_in_its_tokens_and_graphs_answers() {
    let h = Harness::start().await;
    let client = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
    let before = device_token(&h, client, "https://graph.microsoft.com/.default")
        .await
        .unwrap();
    assert!(scp(&before).contains(&"RoleManagementPolicy.Read.Directory".to_owned()));
    h.control(Method::POST, "consent", json!({"client_id": client, "missing": ["RoleManagementPolicy.Read.Directory", "RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory"]})).await;
    let after = device_token(&h, client, "https://graph.microsoft.com/.default")
        .await
        .unwrap();
    assert!(!scp(&after).contains(&"RoleManagementPolicy.Read.Directory".to_owned()));
    // Graph refuses the call that needs it, with a token carrying what is left.
    let token = graph_token(&h, Some(&scp(&after).join(" ")));
    let policies = graph(&h, Method::GET, "policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'", &token, None).await;
    assert_eq!(policies.status, StatusCode::FORBIDDEN);
    assert_eq!(policies.code(), "Authorization_RequestDenied");
    // Nothing consented: the identity platform refuses the token.
    h.control(
        Method::POST,
        "consent",
        json!({"client_id": client, "missing": ["*"]}),
    )
    .await;
    let refusal = device_token(&h, client, "https://graph.microsoft.com/.default")
        .await
        .unwrap_err();
    assert_eq!(refusal["error_codes"][0], 65001);
    // Unknown permissions are refused by the control API.
    let reply = h
        .send(
            Method::POST,
            "/_sim/consent",
            None,
            Some(&json!({"client_id": client, "missing": ["Nope"]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}
