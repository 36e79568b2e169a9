//! Demo mode: the simulator runs inside this process, with its state in the data folder; the demo user
//! signs in at its identity endpoints through Elevate's own sign-in (see `sign_in::demo`). Everything
//! else (clients, engine, store) is the same code as against Azure.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use elevate_core::Error;
use elevate_sim::{SimConfig, Simulator};

/// The embedded simulator.
pub struct Demo {
    sim: Arc<Simulator>,
}

impl Demo {
    /// Starts the simulator on a free loopback port with its state in `dir`.
    pub async fn start(dir: &Path) -> Result<Demo, Error> {
        elevate_core::private_fs::create_private_dir(dir).map_err(|e| {
            Error::Invalid(format!(
                "cannot create the demo folder {}: {e}",
                dir.display()
            ))
        })?;
        let config = SimConfig {
            state_file: Some(dir.join("sim-state.json")),
            ..SimConfig::default()
        };
        let sim = Simulator::start(config)
            .await
            .map_err(|e| Error::Invalid(format!("the demo simulator could not start: {e}")))?;
        Ok(Demo { sim: Arc::new(sim) })
    }

    /// The simulator's base URL.
    pub fn url(&self) -> String {
        self.sim.url()
    }

    /// The simulator's clock, for the watcher (it can run faster than real time, or jump).
    pub fn clock(&self) -> Arc<dyn elevate_core::watch::Clock> {
        Arc::new(DemoClock(Arc::clone(&self.sim)))
    }

    /// Counts the changes the control API makes to the demo tenant (see
    /// `Simulator::tenant_changes`): the watcher polls after each.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.sim.tenant_changes()
    }

    /// Calls the simulator's control API (`/_sim/…`, see elevate-sim's CONTROL_API.md).
    pub async fn control(
        &self,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, Error> {
        let url = format!("{}/_sim/{}", self.sim.url(), path.trim_start_matches('/'));
        let client = elevate_core::net::client_builder()
            .and_then(|b| b.build().map_err(|e| e.to_string()))
            .map_err(|e| Error::Invalid(format!("cannot start the HTTP client: {e}")))?;
        let request = match body {
            Some(body) => client.post(&url).json(&body),
            None => client.get(&url),
        };
        let fail =
            |e: String| Error::Invalid(format!("the demo simulator did not answer {path}: {e}"));
        let response = request.send().await.map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        let value: serde_json::Value = response.json().await.map_err(|e| fail(e.to_string()))?;
        if !status.is_success() {
            return Err(fail(format!("HTTP {status}: {value}")));
        }
        Ok(value)
    }

    /// Stops the simulator, saving its state.
    pub async fn stop(self) {
        match Arc::try_unwrap(self.sim) {
            Ok(sim) => sim.shutdown().await,
            Err(_) => tracing::warn!(
                "the demo simulator is still in use; its state was saved after the last change"
            ),
        }
    }
}

/// The embedded simulator's clock.
struct DemoClock(Arc<Simulator>);

impl elevate_core::watch::Clock for DemoClock {
    fn now(&self) -> chrono::DateTime<Utc> {
        self.0.now()
    }

    fn rate(&self) -> f64 {
        self.0.clock_scale()
    }
}
