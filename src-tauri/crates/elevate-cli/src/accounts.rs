//! `elevate accounts` (the signed-in accounts, the current one marked) and
//! `elevate accounts use NAME|TENANT` (another becomes the current one).

use std::process::ExitCode;

use elevate_core::Error;
use elevate_core::auth::AccountInfo;
use elevate_core::config::{Config, Paths};

use crate::args::AccountsAction;
use crate::login::{finish, source};
use crate::output;

/// Runs `elevate accounts [use NAME|TENANT]`.
pub async fn run(
    demo: bool,
    json: bool,
    action: Option<AccountsAction>,
) -> Result<ExitCode, Error> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    if !demo && elevate_app::sign_in::chosen(&paths) == elevate_app::sign_in::SignInChoice::AzureCli
    {
        return Err(Error::Invalid(
            "Elevate uses the Azure CLI's sign-in now, which keeps its own accounts (`az account list`); `elevate login` switches back to Elevate's own".into(),
        ));
    }
    let (source, sim) = source(demo, &paths, &config).await?;
    let result = match action {
        None => Ok(None),
        Some(AccountsAction::Use { account }) => source.use_account(&account).await.map(Some),
    };
    let accounts = source.status().await.accounts;
    finish(source, sim).await;
    let chosen = result?;
    if json {
        output::print_json(&serde_json::json!({ "accounts": accounts }));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(chosen) = chosen {
        println!(
            "Current account: {} (tenant {}).",
            chosen.username, chosen.tenant_id
        );
        return Ok(ExitCode::SUCCESS);
    }
    if accounts.is_empty() {
        println!("No account is signed in; `elevate login` adds one.");
    }
    for account in &accounts {
        print_line(account);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_line(account: &AccountInfo) {
    let name = account
        .name
        .as_deref()
        .map(|n| format!(" {}", output::table_cell(n)))
        .unwrap_or_default();
    println!(
        "{} {}{}  tenant {}",
        if account.current { "*" } else { " " },
        output::table_cell(&account.username),
        name,
        account.tenant_id
    );
}
