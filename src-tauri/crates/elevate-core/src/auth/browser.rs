//! Opening the authorization URL: in the system browser (the platform's usual way; on Linux `$BROWSER`
//! first), or, for the demo's simulated user and for tests, by an HTTP client that plays the browser.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use url::Url;

use super::error::SignInError;

/// The boxed future a [`BrowserLauncher`] returns.
pub type BrowserFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SignInError>> + Send + 'a>>;

/// Shows the user an authorization URL. It returns once the page is opened (the answer arrives at the
/// loopback listener, not here).
pub trait BrowserLauncher: Send + Sync {
    /// Opens `url`.
    fn open<'a>(&'a self, url: &'a Url) -> BrowserFuture<'a>;
}

/// The system browser, through the `webbrowser` crate (http(s) URLs only).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemBrowser;

impl BrowserLauncher for SystemBrowser {
    fn open<'a>(&'a self, url: &'a Url) -> BrowserFuture<'a> {
        let url = url.to_string();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || webbrowser::open(&url))
                .await
                .map_err(|e| SignInError::Browser(e.to_string()))?
                .map_err(|e| SignInError::Browser(e.to_string()))
        })
    }
}

/// An HTTP client with cookies that follows the authorization URL's redirects until it reaches the
/// loopback listener, as a browser would when the identity provider signs the user in without asking
/// anything. Used by demo mode (the simulator approves its demo user at once) and by tests.
#[derive(Clone, Debug)]
pub struct HeadlessBrowser {
    client: reqwest::Client,
}

impl HeadlessBrowser {
    /// A new browser with an empty cookie jar.
    pub fn new() -> Result<Self, SignInError> {
        let client = crate::net::client_builder()
            .map_err(SignInError::Browser)?
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::limited(20))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| SignInError::Browser(e.to_string()))?;
        Ok(HeadlessBrowser { client })
    }
}

impl BrowserLauncher for HeadlessBrowser {
    fn open<'a>(&'a self, url: &'a Url) -> BrowserFuture<'a> {
        Box::pin(async move {
            let client = self.client.clone();
            let url = url.clone();
            // Run on its own task: the listener answers the last redirect while this one waits.
            tokio::spawn(async move {
                match client.get(url).send().await {
                    Ok(response) => {
                        tracing::debug!(status = %response.status(), "headless browser finished")
                    }
                    Err(e) => tracing::debug!(error = %e.without_url(), "headless browser failed"),
                }
            });
            Ok(())
        })
    }
}
