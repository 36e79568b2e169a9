//! What the benchmarks share: tokens and the clock of an in-process simulator.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use elevate_core::auth::TokenSource;
use elevate_core::watch::Clock;
use elevate_sim::Simulator;

#[path = "../../tests/engine/common.rs"]
mod common;

/// Tokens minted by the simulator for the demo user (with MFA), per audience: the tests' own.
pub fn sim_tokens(sim: &Arc<Simulator>) -> Arc<dyn TokenSource> {
    Arc::new(common::SimTokens {
        sim: Arc::clone(sim),
        amr: vec!["pwd".into(), "mfa".into()],
    })
}

/// The simulator's clock.
#[allow(dead_code)]
pub struct SimClock(pub Arc<Simulator>);

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }

    fn rate(&self) -> f64 {
        self.0.clock_scale()
    }
}
