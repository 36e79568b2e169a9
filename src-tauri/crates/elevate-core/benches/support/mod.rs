//! What the benchmarks share: tokens of an in-process simulator.
#![allow(dead_code)]

use std::sync::Arc;

use elevate_core::auth::TokenSource;
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
