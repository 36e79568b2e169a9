//! Helpers shared by the integration tests: a simulator on 127.0.0.1:0 and a reqwest client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use elevate_sim::{SimConfig, Simulator, TokenRequest, demo};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const API: &str = "api-version=2020-10-01";

/// A running simulator with a client and a default demo-user token.
pub struct Harness {
    pub sim: Simulator,
    pub client: reqwest::Client,
    pub token: String,
}

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }

    pub fn message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::with(SimConfig::default()).await
    }

    pub async fn with(config: SimConfig) -> Harness {
        let sim = Simulator::start(config).await.expect("simulator starts");
        let token = sim.issue_token(&TokenRequest::default()).expect("token");
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        Harness { sim, client, token }
    }

    pub fn token_with(&self, request: TokenRequest) -> String {
        self.sim.issue_token(&request).expect("token")
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.sim.url(), path)
        };
        let mut request = self.client.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, Some(&self.token), None).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, Some(&self.token), Some(body))
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(&self.token), Some(body))
            .await
    }

    /// A control API call; panics unless it answers 2xx.
    pub async fn control(&self, method: Method, path: &str, body: Value) -> Value {
        let reply = self
            .send(method, &format!("/_sim/{path}"), None, Some(&body))
            .await;
        assert!(
            reply.status.is_success(),
            "control {path}: {} {}",
            reply.status,
            reply.text
        );
        reply.json
    }

    pub async fn advance(&self, duration: &str) {
        self.control(Method::POST, "clock", json!({ "advance": duration }))
            .await;
    }

    /// Follows `nextLink` from `path`, collecting every item.
    pub async fn collect(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        let mut pages = 0;
        while let Some(link) = next {
            pages += 1;
            assert!(pages < 10_000, "too many pages");
            let reply = self.get(&link).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            items.extend(reply.json["value"].as_array().cloned().unwrap_or_default());
            next = reply.json["nextLink"].as_str().map(str::to_string);
        }
        items
    }

    /// PUT a schedule request at `scope` with a fresh GUID; returns (name, reply).
    pub async fn request(&self, scope: &str, body: &Value) -> (String, Reply) {
        let name = uuid::Uuid::new_v4().to_string();
        let reply = self.put(&request_path(scope, &name), body).await;
        (name, reply)
    }
}

pub fn request_path(scope: &str, name: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}?{API}")
}

pub fn list_path(scope: &str, collection: &str, filter: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/{collection}?{API}&$filter={filter}")
}

pub fn role_id(scope: &str, role: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}")
}

/// A schedule request body from the demo user.
pub fn body(
    request_type: &str,
    scope: &str,
    role: &str,
    duration: Option<&str>,
    justification: Option<&str>,
    ticket: Option<(&str, &str)>,
) -> Value {
    let mut properties = json!({
        "principalId": demo::DEMO_USER_OID,
        "roleDefinitionId": role_id(scope, role),
        "requestType": request_type,
    });
    if let Some(duration) = duration {
        properties["scheduleInfo"] =
            json!({ "expiration": { "type": "AfterDuration", "duration": duration } });
    }
    if let Some(j) = justification {
        properties["justification"] = json!(j);
    }
    if let Some((number, system)) = ticket {
        properties["ticketInfo"] = json!({ "ticketNumber": number, "ticketSystem": system });
    }
    json!({ "properties": properties })
}

pub fn activate(scope: &str, role: &str, duration: &str, justification: Option<&str>) -> Value {
    body(
        "SelfActivate",
        scope,
        role,
        Some(duration),
        justification,
        None,
    )
}

/// Active instances of the demo user as (role guid, scope, assignmentType).
pub async fn active(h: &Harness) -> Vec<(String, String, String)> {
    h.collect(&list_path(
        "",
        "roleAssignmentScheduleInstances",
        "asTarget()",
    ))
    .await
    .iter()
    .map(|i| {
        let p = &i["properties"];
        (
            p["roleDefinitionId"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string(),
            p["scope"].as_str().unwrap_or("").to_string(),
            p["assignmentType"].as_str().unwrap_or("").to_string(),
        )
    })
    .collect()
}
