//! Shared set-up for tests that run the client against the simulator over real HTTP.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use elevate_core::arm::ArmClient;
use elevate_core::auth::{AccessToken, Audience, TokenFuture, TokenSource};
use elevate_core::graph::GraphClient;
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::secret::Secret;
use elevate_sim::{SimConfig, Simulator, TokenRequest};
use serde_json::{Value, json};

/// Tokens minted by the simulator; a claims challenge is satisfied with the `acrs` it asks for.
pub struct SimTokens {
    pub sim: Arc<Simulator>,
    pub amr: Vec<String>,
}

impl TokenSource for SimTokens {
    fn token<'a>(&'a self, audience: Audience, claims: Option<&'a Value>) -> TokenFuture<'a> {
        Box::pin(async move {
            let request = TokenRequest {
                audience: match audience {
                    Audience::Arm => "https://management.azure.com".to_owned(),
                    Audience::Graph => "https://graph.microsoft.com".to_owned(),
                },
                acrs: claims
                    .map(elevate_core::error::acrs_of_claims)
                    .unwrap_or_default(),
                amr: self.amr.clone(),
                ..TokenRequest::default()
            };
            let token = self
                .sim
                .issue_token(&request)
                .map_err(|e| elevate_core::Error::Auth(e.to_string()))?;
            Ok(AccessToken {
                token: Secret::new(token),
                expires_on: Utc::now() + TimeDelta::hours(1),
            })
        })
    }

    fn describe(&self) -> String {
        "simulator".into()
    }

    /// Minted on demand, each token is as fresh as a sign-in gets: decisions may use them (the
    /// freshness rules themselves are tested with Elevate's own sign-in in `decisions.rs`).
    fn decision_token<'a>(
        &'a self,
        audience: Audience,
        _rule: elevate_core::auth::FreshSignIn,
    ) -> TokenFuture<'a> {
        self.token(audience, None)
    }
}

/// A running simulator and a client of it.
pub struct Fixture {
    pub sim: Arc<Simulator>,
    pub client: ArmClient,
    pub graph: GraphClient,
    pub tokens: Arc<SimTokens>,
    pub control: reqwest::Client,
}

/// Retries fast enough for tests, still bounded.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_total_wait: Duration::from_secs(8),
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        attempt_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
    }
}

pub async fn fixture_with(page_size: usize, policy: RetryPolicy) -> Fixture {
    let config = SimConfig {
        page_size,
        ..SimConfig::default()
    };
    let sim = Arc::new(
        Simulator::start(config)
            .await
            .unwrap_or_else(|e| panic!("simulator: {e}")),
    );
    let tokens = Arc::new(SimTokens {
        sim: Arc::clone(&sim),
        amr: vec!["pwd".into(), "mfa".into()],
    });
    let base = url::Url::parse(&sim.url()).unwrap_or_else(|e| panic!("{e}"));
    let http = HttpClient::new(policy).unwrap_or_else(|e| panic!("{e}"));
    let client = ArmClient::new(
        http.clone(),
        base.clone(),
        Arc::clone(&tokens) as Arc<dyn TokenSource>,
    );
    let graph = GraphClient::new(http, base, Arc::clone(&tokens) as Arc<dyn TokenSource>);
    Fixture {
        sim,
        client,
        graph,
        tokens,
        control: reqwest::Client::new(),
    }
}

pub async fn fixture() -> Fixture {
    fixture_with(50, quick_retries()).await
}

impl Fixture {
    /// Another ARM client on the same simulator and tokens.
    pub fn client_clone(&self) -> ArmClient {
        let http = HttpClient::new(quick_retries()).unwrap_or_else(|e| panic!("{e}"));
        ArmClient::new(
            http,
            url::Url::parse(&self.sim.url()).unwrap_or_else(|e| panic!("{e}")),
            Arc::clone(&self.tokens) as Arc<dyn TokenSource>,
        )
    }

    /// Another Graph client on the same simulator and tokens.
    pub fn graph_clone(&self) -> GraphClient {
        let http = HttpClient::new(quick_retries()).unwrap_or_else(|e| panic!("{e}"));
        GraphClient::new(
            http,
            url::Url::parse(&self.sim.url()).unwrap_or_else(|e| panic!("{e}")),
            Arc::clone(&self.tokens) as Arc<dyn TokenSource>,
        )
    }

    pub fn oid(&self) -> String {
        self.sim.demo_user_oid()
    }

    /// POSTs to the control API.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}/_sim/{path}", self.sim.url());
        let response = self
            .control
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{url} -> {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn log(&self) -> Vec<Value> {
        let url = format!("{}/_sim/log", self.sim.url());
        let value: Value = self
            .control
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        value.as_array().cloned().unwrap_or_default()
    }

    pub async fn clear_log(&self) {
        let url = format!("{}/_sim/log", self.sim.url());
        self.control
            .delete(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    pub async fn fault(&self, fault: Value) {
        self.post("faults", fault).await;
    }

    pub async fn advance(&self, duration: &str) {
        self.post("clock", json!({ "advance": duration })).await;
    }
}
