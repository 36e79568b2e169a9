//! "Check access" for both faces: Elevate's doctor ([`elevate_core::doctor`]) over a sign-in that
//! never opens a browser: the saved sign-in read silently, the Azure CLI's after `login --az-cli`,
//! or in demo mode the simulator's (whose demo user signs in without a browser).

use std::sync::Arc;

use elevate_core::Error;
use elevate_core::auth::{
    QuietPrompt, SignInOptions, SignInSettings, SignedInTokenSource, SystemBrowser, TokenSource,
};
use elevate_core::config::{AZURE_CLI_CLIENT_ID, Config, Paths};
use elevate_core::doctor::{Doctor, Finding, Report, Setup};
use elevate_core::http::{HttpClient, RetryPolicy};

use crate::demo::Demo;
use crate::sign_in::{self, DEMO_CLIENT_ID, SignInChoice};

/// Runs the doctor for the configured sign-in (or the demo tenant's), handing each finding to
/// `progress` as it is made. `account` chooses among Elevate's own sign-ins (as `--account` does
/// for every command: by name, tenant id, domain or tenant name) for this check only; `None` is the
/// saved current account.
pub async fn check_access(
    paths: &Paths,
    config: &Config,
    demo: Option<&Demo>,
    account: Option<&str>,
    progress: &(dyn Fn(&Finding) + Send + Sync),
) -> Result<Report, Error> {
    if account.is_some() && demo.is_some() {
        return Err(Error::Invalid(
            "--account chooses among the accounts signed in to a real tenant; demo mode has one"
                .into(),
        ));
    }
    let (setup, tokens): (Setup, Arc<dyn TokenSource>) = match demo {
        Some(demo) => {
            let endpoints = sign_in::demo_endpoints(demo)?;
            let tokens = sign_in::demo(paths, demo, Arc::new(QuietPrompt)).await?;
            let setup = Setup {
                authority: endpoints.authority.clone(),
                arm_client_id: DEMO_CLIENT_ID.to_owned(),
                graph_client_id: DEMO_CLIENT_ID.to_owned(),
                endpoints,
            };
            (setup, tokens)
        }
        None => match sign_in::chosen(paths) {
            SignInChoice::AzureCli if account.is_some() => {
                return Err(Error::Invalid(
                    "--account chooses among Elevate's own sign-ins; Elevate now uses the Azure CLI's (`az account set` chooses there, `elevate login` switches back)".into(),
                ));
            }
            SignInChoice::AzureCli => (
                Setup {
                    authority: config.endpoints.authority.clone(),
                    arm_client_id: AZURE_CLI_CLIENT_ID.to_owned(),
                    graph_client_id: AZURE_CLI_CLIENT_ID.to_owned(),
                    endpoints: config.endpoints.clone(),
                },
                sign_in::azure_cli(config, None)?,
            ),
            SignInChoice::Elevate => {
                let store = sign_in::open_token_store(paths.data_dir.clone()).await;
                // Silent only: no browser when signed out, when the refresh token stopped
                // working, or for a second client's first sign-in.
                let tokens = SignedInTokenSource::new(
                    SignInSettings::from_config(config),
                    store,
                    Arc::new(SystemBrowser),
                    Arc::new(QuietPrompt),
                    SignInOptions {
                        sign_in_when_signed_out: false,
                        interactive: false,
                        ..SignInOptions::default()
                    },
                )
                .await?;
                let tokens = Arc::new(tokens);
                if let Some(wanted) = account {
                    // This process only: the saved current account stays as it is.
                    crate::tenants::select(&tokens, wanted, &config.endpoints.arm).await?;
                }
                (
                    Setup {
                        authority: config.endpoints.authority.clone(),
                        arm_client_id: config.client_id.clone(),
                        graph_client_id: config.graph_client_id.clone(),
                        endpoints: config.endpoints.clone(),
                    },
                    tokens as Arc<dyn TokenSource>,
                )
            }
        },
    };
    let doctor = Doctor::new(setup, tokens, HttpClient::new(RetryPolicy::default())?);
    Ok(doctor.run(progress).await)
}
