//! `elevate login`, `logout` and `whoami`: Elevate's own sign-in (browser or device code), the
//! Azure CLI's as an alternative, and what is signed in. Never prints a token.

use std::process::ExitCode;
use std::sync::Arc;

use elevate_app::Demo;
use elevate_app::sign_in::{self, SignInChoice, StderrPrompt};
use elevate_core::Error;
use elevate_core::auth::{
    AccountInfo, Audience, SignInError, SignInMethod, SignInNotice, SignInPrompt, SignInStatus,
    SignedInTokenSource, TokenSource, decode_claims,
};
use elevate_core::config::{Config, Paths};

use crate::output;

/// Stderr notices, without the "signed in" line that the command prints itself.
struct LoginPrompt;

impl SignInPrompt for LoginPrompt {
    fn notify(&self, notice: SignInNotice) {
        if !matches!(notice, SignInNotice::SignedIn { .. }) {
            StderrPrompt.notify(notice);
        }
    }

    fn shows_device_codes(&self) -> bool {
        StderrPrompt.shows_device_codes()
    }
}

/// Elevate's sign-in for this mode, with the demo simulator when in demo mode.
pub(crate) async fn source(
    demo: bool,
    paths: &Paths,
    config: &Config,
) -> Result<(Arc<SignedInTokenSource>, Option<Demo>), Error> {
    if demo {
        let sim = Demo::start(&paths.demo_dir()).await?;
        match sign_in::demo(paths, &sim, Arc::new(LoginPrompt)).await {
            Ok(source) => Ok((source, Some(sim))),
            Err(e) => {
                sim.stop().await;
                Err(e)
            }
        }
    } else {
        Ok((
            sign_in::elevate(paths, config, Arc::new(LoginPrompt), false).await?,
            None,
        ))
    }
}

pub(crate) async fn finish(source: Arc<SignedInTokenSource>, demo: Option<Demo>) {
    drop(source);
    if let Some(demo) = demo {
        demo.stop().await;
    }
}

/// The tenant to sign in through: `--tenant`, else `[sign_in] tenant` (the user's or the
/// organisation's); a `--tenant` other than the one the organisation locks is refused.
fn login_tenant(config: &Config, asked: Option<String>) -> Result<Option<String>, Error> {
    let key = elevate_core::managed::ManagedKey::Tenant;
    if let (Some(asked), Some(refusal)) = (
        asked.as_deref(),
        config.managed.as_ref().and_then(|m| m.refusal(key)),
    ) && config
        .tenant
        .as_deref()
        .is_none_or(|t| !t.eq_ignore_ascii_case(asked.trim()))
    {
        return Err(refusal.into());
    }
    Ok(asked.or_else(|| config.tenant.clone()))
}

/// `elevate login [--device-code] [--tenant T] [--az-cli]`.
pub async fn login(
    demo: bool,
    json: bool,
    device_code: bool,
    tenant: Option<String>,
    az_cli: bool,
) -> Result<ExitCode, Error> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    if let Some(problem) = &config.managed_problem {
        eprintln!("warning: {problem}");
    }
    let tenant = login_tenant(&config, tenant)?;
    if az_cli {
        if demo {
            return Err(Error::Invalid(
                "demo mode signs in at the simulator; --az-cli applies to a real tenant".into(),
            ));
        }
        return login_az_cli(&paths, &config, tenant, json).await;
    }
    let (source, sim) = source(demo, &paths, &config).await?;
    let method = if device_code {
        SignInMethod::DeviceCode
    } else {
        SignInMethod::Browser
    };
    let mut result = source.sign_in(method, tenant.as_deref()).await;
    if let Err(Error::SignIn(SignInError::Browser(why))) = &result {
        eprintln!("Could not open a browser ({why}); signing in with a device code instead.");
        result = source
            .sign_in(SignInMethod::DeviceCode, tenant.as_deref())
            .await;
    }
    let status = source.status().await;
    finish(source, sim).await;
    let account = result?;
    if !demo {
        sign_in::choose(&paths, SignInChoice::Elevate)?;
    }
    if json {
        output::print_json(&serde_json::json!({
            "signed_in": true,
            "method": SignInChoice::Elevate.label(),
            "account": account,
            "storage": status.storage,
        }));
    } else {
        println!(
            "Signed in as {} (tenant {}).",
            account.username, account.tenant_id
        );
        println!("{}", storage_line(&status, &paths, demo));
    }
    Ok(ExitCode::SUCCESS)
}

async fn login_az_cli(
    paths: &Paths,
    config: &Config,
    tenant: Option<String>,
    json: bool,
) -> Result<ExitCode, Error> {
    let source = sign_in::azure_cli(config, tenant)?;
    let token = source.token(Audience::Arm, None).await?;
    let claims = decode_claims(&token.token)?;
    sign_in::choose(paths, SignInChoice::AzureCli)?;
    let username = claims.account().unwrap_or("(unknown)").to_owned();
    let tenant = claims.tid.clone().unwrap_or_default();
    if json {
        output::print_json(&serde_json::json!({
            "signed_in": true,
            "method": SignInChoice::AzureCli.label(),
            "account": {"username": username, "tenant_id": tenant},
        }));
    } else {
        println!(
            "Elevate now uses the Azure CLI's sign-in: {username} (tenant {tenant}). `elevate login` switches back to Elevate's own."
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `elevate logout [--account NAME|TENANT | --all]`: the current account (or the named one), or
/// with `--all` every account. With the Azure CLI's sign-in in use, Elevate stops using it.
pub async fn logout(
    demo: bool,
    json: bool,
    account: Option<&str>,
    all: bool,
) -> Result<ExitCode, Error> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    let was = sign_in::chosen(&paths);
    let (source, sim) = source(demo, &paths, &config).await?;
    let nobody = source.status().await.accounts.is_empty();
    let removed = if all || demo || nobody || (was == SignInChoice::AzureCli && account.is_none()) {
        source.sign_out().await.map(|n| (n, None))
    } else {
        source
            .sign_out_account(account)
            .await
            .map(|who| (1, Some(who)))
    };
    let left = source.status().await.accounts;
    finish(source, sim).await;
    let (removed, who) = removed?;
    if !demo {
        sign_in::choose(&paths, SignInChoice::Elevate)?;
    }
    if json {
        output::print_json(&serde_json::json!({
            "signed_out": true,
            "accounts_removed": removed,
            "account": who,
            "accounts_left": left,
        }));
    } else if let Some(who) = who {
        println!("Signed out {} (tenant {}).", who.username, who.tenant_id);
        match left.iter().find(|a| a.current) {
            Some(next) => println!("Current account: {}.", next.username),
            None if left.is_empty() => println!(
                "No account is signed in now; the saved sign-in and its key in the OS credential store were deleted."
            ),
            None => {}
        }
    } else if demo {
        println!("Demo mode keeps no sign-in between runs; nothing to remove.");
    } else {
        println!(
            "Signed out: {removed} account(s) removed, with the saved sign-in and its key in the OS credential store."
        );
        if was == SignInChoice::AzureCli {
            println!(
                "Elevate no longer uses the Azure CLI's sign-in (run `az logout` to sign out of the Azure CLI itself)."
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `elevate whoami [--account NAME|TENANT]`.
pub async fn whoami(demo: bool, json: bool, account: Option<&str>) -> Result<ExitCode, Error> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths)?;
    if !demo && sign_in::chosen(&paths) == SignInChoice::AzureCli {
        return whoami_az_cli(&config, json).await;
    }
    let (source, sim) = source(demo, &paths, &config).await?;
    if let Some(wanted) = account
        && let Err(e) = elevate_app::tenants::select(&source, wanted, &config.endpoints.arm).await
    {
        finish(source, sim).await;
        return Err(e);
    }
    // A token for the current account: renews it silently if needed, and proves the sign-in works.
    // Outside demo mode, nobody signed in is an answer, not a reason to open the browser.
    let checked = if !demo && source.status().await.accounts.is_empty() {
        Err(Error::SignIn(SignInError::NotSignedIn))
    } else {
        source.token(Audience::Arm, None).await.map(drop)
    };
    let status = source.status().await;
    finish(source, sim).await;
    checked?;
    if json {
        output::print_json(&serde_json::json!({
            "method": SignInChoice::Elevate.label(),
            "storage": status.storage,
            "memory_only_reason": status.memory_only_reason,
            "accounts": status.accounts,
        }));
    } else {
        for account in &status.accounts {
            print_account(account);
        }
        println!("{}", storage_line(&status, &paths, demo));
    }
    Ok(ExitCode::SUCCESS)
}

async fn whoami_az_cli(config: &Config, json: bool) -> Result<ExitCode, Error> {
    let source = sign_in::azure_cli(config, None)?;
    let token = source.token(Audience::Arm, None).await?;
    let claims = decode_claims(&token.token)?;
    let username = claims.account().unwrap_or("(unknown)").to_owned();
    if json {
        output::print_json(&serde_json::json!({
            "method": SignInChoice::AzureCli.label(),
            "accounts": [{
                "username": username,
                "object_id": claims.oid,
                "tenant_id": claims.tid,
                "current": true,
                "arm_token_expires": token.expires_on,
            }],
        }));
    } else {
        println!("{username} (current, through the Azure CLI's sign-in)");
        println!("  tenant       {}", claims.tid.as_deref().unwrap_or("-"));
        println!("  object id    {}", claims.oid.as_deref().unwrap_or("-"));
        println!("  ARM token    expires {}", local(token.expires_on));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn print_account(account: &AccountInfo) {
    println!(
        "{}{}",
        account.username,
        if account.current { " (current)" } else { "" }
    );
    if let Some(name) = &account.name {
        println!("  name         {name}");
    }
    println!("  tenant       {}", account.tenant_id);
    println!("  object id    {}", account.object_id);
    println!("  client id    {}", account.client_id);
    for (label, expiry) in [
        ("ARM token", account.arm_token_expires),
        ("Graph token", account.graph_token_expires),
    ] {
        match expiry {
            Some(at) => println!("  {label:<12} expires {} (renewed silently)", local(at)),
            None => println!("  {label:<12} not fetched yet"),
        }
    }
}

fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn storage_line(status: &SignInStatus, paths: &Paths, demo: bool) -> String {
    if demo {
        "Demo mode: signed in at the simulator; nothing is saved between runs.".to_owned()
    } else if let Some(reason) = &status.memory_only_reason {
        format!("The sign-in is kept in memory only ({reason}); nothing was written to disk.")
    } else {
        format!(
            "Saved in {}, sealed with a key kept in the OS credential store.",
            paths
                .data_dir
                .join(elevate_core::auth::CACHE_FILE)
                .display()
        )
    }
}
