//! The running simulator: socket, connection handling (served directly with hyper so that a
//! fault can drop a connection without any HTTP response), graceful shutdown and persistence.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::arm::{self, ConnectionReset};
use crate::config::SimConfig;
use crate::control;
use crate::error::SimError;
use crate::graph;
use crate::persist::{self, Persister};
use crate::shared::Shared;
use crate::state::SimState;
use crate::token::TokenRequest;

/// How long shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A running simulator. Dropping it stops accepting connections; [`Simulator::shutdown`] also
/// waits for requests in flight and writes the state file.
pub struct Simulator {
    shared: Arc<Shared>,
    cancel: CancellationToken,
    tracker: TaskTracker,
    accept: Option<JoinHandle<()>>,
    listening: SocketAddr,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("url", &self.shared.url)
            .finish_non_exhaustive()
    }
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct InjectedReset;

impl std::fmt::Display for InjectedReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset injected by a simulator fault")
    }
}

impl std::error::Error for InjectedReset {}

fn base_url(address: SocketAddr) -> String {
    let ip = match address.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, address.port()))
}

impl Simulator {
    /// Starts a simulator: loads the state file (or seeds the demo tenant), binds the socket and
    /// serves ARM and the control API until shut down.
    pub async fn start(config: SimConfig) -> Result<Simulator, SimError> {
        if config.page_size == 0 {
            return Err(SimError::Config("page_size must be at least 1".to_string()));
        }
        let loaded = match &config.state_file {
            Some(path) => persist::load(path).await?,
            None => None,
        };
        let mut state = loaded.unwrap_or_else(|| SimState::demo(None, config.page_size));
        crate::entra::seed(&mut state);
        state.settings.page_size = config.page_size;
        let key = STANDARD
            .decode(state.signing_key.trim())
            .ok()
            .filter(|k| k.len() >= 16)
            .ok_or_else(|| SimError::StateParse {
                path: config.state_file.clone().unwrap_or_default(),
                reason: "the signing key is not base64 of at least 16 bytes".to_string(),
            })?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.listen,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
        let persister = config.state_file.clone().map(Persister::new);
        let shared = Arc::new(Shared::new(
            config
                .public_url
                .as_deref()
                .map(|url| url.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| base_url(address)),
            config.accept_any_token,
            key,
            config.page_size,
            state,
            persister,
        ));
        shared.housekeep().await;
        shared.persist_now().await?;
        let router = Router::new()
            .nest(
                "/_sim",
                control::router().layer(axum::middleware::from_fn_with_state(
                    Arc::clone(&shared),
                    control::note_tenant_change,
                )),
            )
            .merge(crate::oauth::router())
            .fallback(front_door)
            .with_state(Arc::clone(&shared));
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        let accept = tokio::spawn(accept_loop(
            listener,
            router,
            cancel.clone(),
            tracker.clone(),
        ));
        tracing::info!(url = %shared.url, "elevate-sim listening");
        Ok(Simulator {
            shared,
            cancel,
            tracker,
            accept: Some(accept),
            listening: address,
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:49152` (no trailing slash), or the configured public URL.
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// Where it listens, e.g. `http://127.0.0.1:49152`, even when a public URL is configured.
    pub fn listen_url(&self) -> String {
        base_url(self.listening)
    }

    /// Tenant id of the simulated tenant.
    pub fn tenant_id(&self) -> String {
        self.shared.state().directory.tenant_id.clone()
    }

    /// Object id of the demo user (the default subject of tokens).
    pub fn demo_user_oid(&self) -> String {
        self.shared.state().directory.default_user.clone()
    }

    /// The simulated time now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.shared.state().now()
    }

    /// How many simulated seconds pass per wall-clock second.
    pub fn clock_scale(&self) -> f64 {
        self.shared.state().clock.scale()
    }

    /// Counts the control API's changes to the tenant (a revoke, a decision, a new request, a
    /// clock move; not faults, settings or the log): an embedding process (the demo mode) polls at
    /// once instead of often.
    pub fn tenant_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.tenant_changes()
    }

    /// Mints a bearer token, exactly as `POST /_sim/token` does.
    pub fn issue_token(&self, request: &TokenRequest) -> Result<String, SimError> {
        self.shared.mint(request)
    }

    /// Stops accepting connections, lets requests in flight finish (up to 10 s) and writes the
    /// state file.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(accept) = self.accept.take()
            && let Err(e) = accept.await
        {
            tracing::warn!(error = %e, "the accept loop ended abnormally");
        }
        self.tracker.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("requests still in flight after the shutdown grace period");
        }
        if let Err(e) = self.shared.persist_now().await {
            tracing::warn!(error = %e, "could not write the state file at shutdown");
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Graph paths (`/v1.0/…`, `/beta/…`) go to the Graph front end, everything else to ARM's.
async fn front_door(
    state: axum::extract::State<Arc<Shared>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    if graph::is_graph_path(request.uri().path()) {
        graph::entry(state, request).await
    } else {
        arm::entry(state, request).await
    }
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    cancel: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tracker.spawn(serve_connection(stream, router.clone(), cancel.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

async fn serve_connection(stream: TcpStream, router: Router, cancel: CancellationToken) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let router = router.clone();
        async move {
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<ConnectionReset>().is_some() {
                return Err(InjectedReset);
            }
            Ok::<_, InjectedReset>(response)
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended");
            }
        }
        () = cancel.cancelled() => {
            connection.as_mut().graceful_shutdown();
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended during shutdown");
            }
        }
    }
}
