//! `elevate sim`: the simulator as a standalone server.

use std::process::ExitCode;

use elevate_core::Error;
use elevate_sim::{SimConfig, Simulator};

use crate::args::SimArgs;

/// Runs the simulator until Ctrl-C (or SIGTERM), then saves its state.
pub async fn run(args: SimArgs, json: bool) -> Result<ExitCode, Error> {
    let config = SimConfig {
        listen: args.listen,
        state_file: args.state.clone(),
        page_size: args.page_size.max(1),
        accept_any_token: args.accept_any_token,
        public_url: args.public_url.as_ref().map(url::Url::to_string),
    };
    let sim = Simulator::start(config)
        .await
        .map_err(|e| Error::Invalid(format!("the simulator could not start: {e}")))?;
    if json {
        crate::output::print_json_line(&serde_json::json!({
            "url": sim.url(),
            "listen": sim.listen_url(),
            "tenant_id": sim.tenant_id(),
            "demo_user_oid": sim.demo_user_oid(),
        }));
    } else {
        println!("Simulator listening on {}", sim.url());
        println!(
            "  tenant {}   demo user {}",
            sim.tenant_id(),
            sim.demo_user_oid()
        );
        println!(
            "  control API: {}/_sim/info (see elevate-sim's CONTROL_API.md); Ctrl-C stops it",
            sim.url()
        );
    }
    wait_for_stop().await;
    sim.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
