//! The simulator's integration tests, one binary: its ARM, Graph and identity endpoints over real
//! HTTP, faults and persistence, and its answers held against Microsoft's OpenAPI spec. Each file
//! below was its own binary once; nextest still runs every test in its own process.

mod common;

mod arm_api;
mod eligibility_requests;
mod faults_and_persistence;
mod fleet;
mod graph_api;
mod graph_apps;
mod sign_in;
mod spec_conformance;
mod tenants;
mod throttling;
