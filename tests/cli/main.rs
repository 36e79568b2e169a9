//! End to end through the command line, one binary: the `elevate` binary run as separate processes
//! (demo mode, `elevate sim` as a tenant, login with the real OS credential store, approvals,
//! `watch` with its notifications), and the sign-in library against a real OpenID Connect provider.
//! Each file below is a module (most were binaries of their own once); nextest still runs every
//! test in its own process.

mod cli_access;
mod cli_accounts;
mod cli_approvals;
mod cli_approvers;
mod cli_check_activity;
mod cli_demo;
mod cli_local;
mod cli_login;
mod cli_managed;
mod cli_more_time;
mod cli_sim_server;
mod sign_in_flows;
mod watch_notifications;
mod watch_poller;
