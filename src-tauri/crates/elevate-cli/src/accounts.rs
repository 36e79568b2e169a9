//! `elevate accounts` (the signed-in accounts, the current one marked, each with its other
//! tenants from ARM's tenant list) and `elevate accounts use NAME|TENANT` (another account, or
//! another tenant of one, becomes the current one).

use std::process::ExitCode;

use elevate_core::Error;
use elevate_core::auth::{AccountInfo, TenantChoice};
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
    let arm = match &sim {
        Some(sim) => elevate_app::sign_in::demo_endpoints(sim).map(|e| e.arm),
        None => Ok(config.endpoints.arm.clone()),
    };
    let arm = match arm {
        Ok(arm) => arm,
        Err(e) => {
            finish(source, sim).await;
            return Err(e);
        }
    };
    let result = match action {
        None => {
            // Each account's tenants as ARM lists them now; a list that cannot be read is said,
            // and the one read before is shown.
            if !source.status().await.accounts.is_empty() {
                for failure in elevate_app::tenants::refresh(&source, &arm).await {
                    eprintln!("warning: {}", elevate_core::text::sanitize(&failure));
                }
            }
            Ok(None)
        }
        Some(AccountsAction::Use { account }) => {
            elevate_app::tenants::use_account(&source, &account, &arm)
                .await
                .map(Some)
        }
    };
    let accounts = source.status().await.accounts;
    finish(source, sim).await;
    let chosen = result?;
    if json {
        output::print_json(&serde_json::json!({ "accounts": accounts }));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(chosen) = chosen {
        if chosen.home.is_some() {
            println!(
                "Current account: {} in tenant {} ({}, guest).",
                output::table_cell(&chosen.username),
                output::table_cell(chosen.tenant_name.as_deref().unwrap_or(&chosen.tenant_id)),
                chosen.tenant_id
            );
        } else {
            println!(
                "Current account: {} (tenant {}).",
                output::table_cell(&chosen.username),
                chosen.tenant_id
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if accounts.is_empty() {
        println!("No account is signed in; `elevate login` adds one.");
    }
    // Home accounts, each followed by its other tenants (a guest tenant's own account is shown
    // there).
    for account in accounts.iter().filter(|a| a.home.is_none()) {
        print_line(account);
        for tenant in &account.tenants {
            print_tenant(tenant);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_line(account: &AccountInfo) {
    let name = account
        .name
        .as_deref()
        .map(|n| format!(" {}", output::table_cell(n)))
        .unwrap_or_default();
    let tenant = match &account.tenant_name {
        Some(tenant_name) => format!("{} {}", output::table_cell(tenant_name), account.tenant_id),
        None => account.tenant_id.clone(),
    };
    println!(
        "{} {}{}  tenant {} (home)",
        if account.current { "*" } else { " " },
        output::table_cell(&account.username),
        name,
        tenant
    );
}

fn print_tenant(tenant: &TenantChoice) {
    let domain = tenant
        .default_domain
        .as_deref()
        .map(|d| format!(" {}", output::table_cell(d)))
        .unwrap_or_default();
    println!(
        "{}     tenant {}{} {} (guest)",
        if tenant.current { "*" } else { " " },
        output::table_cell(tenant.label()),
        domain,
        tenant.tenant_id
    );
}
