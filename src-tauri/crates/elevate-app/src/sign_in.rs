//! Choosing and building the sign-in: Elevate's own (browser or device code, the token cache sealed
//! with a key from the OS credential store), the Azure CLI's (`elevate login --az-cli`), or in demo
//! mode Elevate's own against the embedded simulator's identity endpoints.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use elevate_core::Error;
use elevate_core::auth::{
    AzureCliTokenSource, HeadlessBrowser, SignInNotice, SignInOptions, SignInPrompt,
    SignInSettings, SignedInTokenSource, SystemBrowser, TokenSource, TokenStore, platform_store,
};
use elevate_core::config::{Config, Endpoints, Paths};

use crate::demo::Demo;

/// The client id demo mode signs in with (the simulator accepts any).
pub const DEMO_CLIENT_ID: &str = "elevate-demo";

/// Which sign-in the user chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInChoice {
    /// Elevate's own sign-in (the default).
    Elevate,
    /// The Azure CLI's sign-in (`elevate login --az-cli`).
    AzureCli,
}

impl SignInChoice {
    /// A name for output.
    pub fn label(self) -> &'static str {
        match self {
            SignInChoice::Elevate => "elevate",
            SignInChoice::AzureCli => "azure-cli",
        }
    }
}

/// The file that remembers `--az-cli` (it holds only the word `azure-cli`, nothing secret).
fn choice_file(paths: &Paths) -> PathBuf {
    paths.data_dir.join("sign-in-method")
}

/// The sign-in the user chose last (`Elevate` unless `login --az-cli`).
pub fn chosen(paths: &Paths) -> SignInChoice {
    match std::fs::read_to_string(choice_file(paths)) {
        Ok(text) if text.trim() == "azure-cli" => SignInChoice::AzureCli,
        _ => SignInChoice::Elevate,
    }
}

/// Remembers the user's choice.
pub fn choose(paths: &Paths, choice: SignInChoice) -> Result<(), Error> {
    let file = choice_file(paths);
    let result = match choice {
        SignInChoice::AzureCli => elevate_core::private_fs::create_private_dir(&paths.data_dir)
            .and_then(|()| std::fs::write(&file, "azure-cli\n")),
        SignInChoice::Elevate => match std::fs::remove_file(&file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        },
    };
    result.map_err(|e| {
        Error::Invalid(format!(
            "cannot record the sign-in choice in {}: {e}",
            file.display()
        ))
    })
}

/// The Azure CLI's sign-in for the configured endpoints.
pub fn azure_cli(config: &Config, tenant: Option<String>) -> Result<Arc<dyn TokenSource>, Error> {
    let source = AzureCliTokenSource::new(
        config.endpoints.arm_scope.clone(),
        config.endpoints.graph_scope.clone(),
        tenant,
    )?;
    Ok(Arc::new(source))
}

/// Elevate's own sign-in against Azure: the system browser, the token cache in `paths.data_dir`
/// sealed with a key from the OS credential store (memory only when there is none).
/// `sign_in_when_signed_out`: with nobody signed in, the first token opens the browser.
pub async fn elevate(
    paths: &Paths,
    config: &Config,
    prompt: Arc<dyn SignInPrompt>,
    sign_in_when_signed_out: bool,
) -> Result<Arc<SignedInTokenSource>, Error> {
    let dir = paths.data_dir.clone();
    let store = open_token_store(dir).await;
    let prompt_shows = prompt.shows_device_codes();
    let source = SignedInTokenSource::new(
        SignInSettings::from_config(config),
        store,
        Arc::new(SystemBrowser),
        prompt,
        SignInOptions {
            sign_in_when_signed_out,
            can_show_device_code: prompt_shows,
            ..SignInOptions::default()
        },
    )
    .await?;
    Ok(Arc::new(source))
}

pub(crate) async fn open_token_store(dir: PathBuf) -> Arc<TokenStore> {
    let opened = tokio::task::spawn_blocking(move || {
        let _ = elevate_core::private_fs::create_private_dir(&dir);
        TokenStore::open(&dir, platform_store())
    })
    .await;
    match opened {
        Ok(store) => Arc::new(store),
        Err(e) => Arc::new(TokenStore::memory_only(
            Path::new("."),
            format!("the credential store could not be opened: {e}"),
        )),
    }
}

/// The endpoints of demo mode: everything at the simulator, with Azure's real scopes (so the
/// simulator's tokens carry ARM's and Graph's audiences).
pub fn demo_endpoints(demo: &Demo) -> Result<Endpoints, Error> {
    let url = url::Url::parse(&demo.url())
        .map_err(|e| Error::Invalid(format!("the simulator's URL is unusable: {e}")))?;
    let mut endpoints = Endpoints::all_at(&url);
    let public = Endpoints::for_cloud(elevate_core::config::Cloud::Public);
    endpoints.arm_scope = public.arm_scope;
    endpoints.graph_scope = public.graph_scope;
    Ok(endpoints)
}

/// Demo mode's sign-in: the same code as against Azure, at the simulator's authorize, token and
/// device code endpoints. The simulator's demo user approves at once, so the browser is a headless
/// one; nothing is written to the OS credential store (each run signs in again, in milliseconds).
pub async fn demo(
    paths: &Paths,
    demo: &Demo,
    prompt: Arc<dyn SignInPrompt>,
) -> Result<Arc<SignedInTokenSource>, Error> {
    let endpoints = demo_endpoints(demo)?;
    let settings = SignInSettings {
        client_id: DEMO_CLIENT_ID.to_owned(),
        graph_client_id: DEMO_CLIENT_ID.to_owned(),
        authority: endpoints.authority.clone(),
        arm_scope: endpoints.arm_scope.clone(),
        graph_scope: endpoints.graph_scope.clone(),
        apis: elevate_core::auth::ApiOrigins::of(&endpoints.arm, &endpoints.graph),
    };
    let store = Arc::new(TokenStore::memory_only(
        &paths.demo_dir(),
        "demo mode keeps its sign-in in memory",
    ));
    let source = SignedInTokenSource::new(
        settings,
        store,
        Arc::new(HeadlessBrowser::new()?),
        Arc::new(DemoPrompt(prompt)),
        SignInOptions {
            sign_in_when_signed_out: true,
            // The simulator answers at once; waiting longer would only hide a fault.
            browser_timeout: std::time::Duration::from_secs(30),
            ..SignInOptions::default()
        },
    )
    .await?;
    Ok(Arc::new(source))
}

/// Demo mode's notices: the ones about storage and the browser are expected, so not shown.
struct DemoPrompt(Arc<dyn SignInPrompt>);

impl SignInPrompt for DemoPrompt {
    fn notify(&self, notice: SignInNotice) {
        match notice {
            SignInNotice::MemoryOnly { .. }
            | SignInNotice::OpeningBrowser { .. }
            | SignInNotice::SignedIn { .. } => {
                tracing::debug!(?notice, "demo sign-in");
            }
            other => self.0.notify(other),
        }
    }
}

/// Prints notices on stderr (the CLI's; the tray shows them in its window instead).
#[derive(Clone, Copy, Debug, Default)]
pub struct StderrPrompt;

impl SignInPrompt for StderrPrompt {
    fn notify(&self, notice: SignInNotice) {
        eprintln!("{}", notice.text());
    }

    /// A terminal on stderr or stdin, or a display (where the user is at the machine).
    fn shows_device_codes(&self) -> bool {
        use std::io::IsTerminal as _;
        let display = cfg!(any(windows, target_os = "macos"))
            || ["DISPLAY", "WAYLAND_DISPLAY"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        std::io::stderr().is_terminal() || std::io::stdin().is_terminal() || display
    }
}
