//! `elevate doctor`: for each source, whether a token comes without signing in, whether it carries
//! the permissions Elevate needs, and whether listing works; one line per finding, printed as it is
//! made (or one JSON report). Exits non-zero when anything does not work.

use std::process::ExitCode;

use elevate_app::Demo;
use elevate_core::Error;
use elevate_core::config::{Config, Paths};
use elevate_core::doctor::{Finding, Level};

use crate::output;

/// `elevate doctor`.
pub async fn doctor(demo: bool, json: bool, account: Option<&str>) -> Result<ExitCode, Error> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    let sim = if demo {
        Some(Demo::start(&paths.demo_dir()).await?)
    } else {
        None
    };
    let progress = move |finding: &Finding| {
        if !json {
            println!("{}", line(finding));
        }
    };
    let result =
        elevate_app::check::check_access(&paths, &config, sim.as_ref(), account, &progress).await;
    if let Some(sim) = sim {
        sim.stop().await;
    }
    let report = result?;
    if json {
        output::print_json(&serde_json::json!({
            "ok": !report.has_problem(),
            "findings": report.findings,
        }));
    } else if report.has_problem() {
        eprintln!("Elevate cannot do everything yet: see the problems above.");
    }
    Ok(if report.has_problem() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// One finding as one line: its level, then its message (text from Azure kept to one line).
fn line(finding: &Finding) -> String {
    let level = match finding.level {
        Level::Ok => "ok",
        Level::Warning => "warning",
        Level::Problem => "problem",
    };
    format!("{level:<8} {}", output::table_cell(&finding.message))
}
