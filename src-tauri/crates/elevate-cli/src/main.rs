//! `elevate`: Elevate's command line.

// Every `println!`/`print!` in this crate goes through `stdout` (textual scope: these shadow std's for
// the modules declared below), so a closed pipe (`elevate roles | head -1`) ends the program quietly
// instead of panicking.
macro_rules! println {
    () => {
        $crate::stdout::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::stdout::line(format_args!($($arg)*))
    };
}

macro_rules! print {
    ($($arg:tt)*) => {
        $crate::stdout::text(format_args!($($arg)*))
    };
}

mod accounts;
mod admin;
mod args;
mod commands;
mod config_cmd;
mod doctor;
mod login;
mod output;
mod sim;
mod start_time;
mod stdout;
mod watch;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use elevate_core::Error;
use elevate_core::config::Paths;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.json;
    if matches!(cli.command, Command::Sim(_) | Command::Watch { .. }) {
        // These run until interrupted and handle Ctrl-C themselves, to stop cleanly (save the
        // simulator's state, put the demo clock back).
        return runtime
            .block_on(async move { run(cli).await.unwrap_or_else(|e| report_error(&e, json)) });
    }
    runtime.block_on(async move {
        tokio::select! {
            result = run(cli) => match result {
                Ok(code) => code,
                Err(e) => report_error(&e, json),
            },
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted");
                ExitCode::from(130)
            }
        }
    })
}

async fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "elevate", &mut script);
            stdout::bytes(&script);
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let command = Cli::command().about("just-in-time role activation in Azure PIM");
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|e| Error::Invalid(format!("cannot write the manual page: {e}")))?;
            stdout::bytes(&page);
            Ok(ExitCode::SUCCESS)
        }
        Command::Sim(args) => sim::run(args, cli.json).await,
        Command::Reset => reset(cli.demo, cli.json),
        Command::Login {
            device_code,
            tenant,
            az_cli,
        } => login::login(cli.demo, cli.json, device_code, tenant, az_cli).await,
        Command::Logout { all } => {
            login::logout(cli.demo, cli.json, cli.account.as_deref(), all).await
        }
        Command::Whoami => login::whoami(cli.demo, cli.json, cli.account.as_deref()).await,
        Command::Accounts { action } => accounts::run(cli.demo, cli.json, action).await,
        Command::Config { action } => config_cmd::run(action, cli.json),
        Command::Doctor => doctor::doctor(cli.demo, cli.json, cli.account.as_deref()).await,
        Command::Admin {
            command: crate::args::AdminCommand::RegisterApp { client_id },
        } => admin::register(cli.demo, cli.json, client_id).await,
        command => {
            let context =
                commands::Context::open(cli.demo, cli.json, cli.account.as_deref()).await?;
            let result = context.run(command).await;
            context.close().await;
            result
        }
    }
}

fn reset(demo: bool, json: bool) -> Result<ExitCode, Error> {
    if !demo {
        return Err(Error::Invalid(
            "`reset` only applies to the demo tenant: run `elevate --demo reset`".into(),
        ));
    }
    let dir = Paths::from_env()?.demo_dir();
    for name in [
        "sim-state.json",
        "elevate.db",
        "elevate.db-wal",
        "elevate.db-shm",
    ] {
        match std::fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::Invalid(format!(
                    "cannot remove {}: {e}",
                    dir.join(name).display()
                )));
            }
        }
    }
    if json {
        output::print_json(&serde_json::json!({"reset": true, "folder": dir}));
    } else {
        println!(
            "The demo tenant will start afresh on the next run ({}).",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn report_error(error: &Error, json: bool) -> ExitCode {
    if json {
        output::print_json(&serde_json::json!({ "error": error.report() }));
    }
    match output::options_for(&error.needs()) {
        Some(hint) => eprintln!("error: {error}: {hint}"),
        None => eprintln!("error: {error}"),
    }
    ExitCode::FAILURE
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        // The certificate verifier logs a refused certificate itself; the typed error says it better.
        0 => "warn,rustls_platform_verifier=off",
        1 => "info,elevate=info,rustls_platform_verifier=off",
        _ => "debug,hyper=info,reqwest=info,sqlx=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ELEVATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
