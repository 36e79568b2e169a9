//! The engine's integration tests, one binary: the ARM and Graph clients, sign-in, the session, the
//! watcher and the store against the simulator over real HTTP, loopback servers and real SQLite
//! files, and the clients held against Microsoft's specs. Each file below was its own binary once;
//! nextest still runs every test in its own process.

mod common;

mod approvers;
mod arm_client;
mod arm_paging_safety;
mod arm_spec;
mod check_activity;
mod decisions;
mod doctor;
mod extend;
mod fault_soak;
mod graph_client;
mod graph_spec;
mod guest_tenants;
mod http_properties;
mod more_time;
mod poller;
mod register_app;
mod sign_in_sim;
mod store;
mod watcher;
