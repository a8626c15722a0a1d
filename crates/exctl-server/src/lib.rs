//! # exctl-server
//!
//! `exctl serve`: every capability of exctl behind a JSON API and a web UI,
//! served by one binary. A thin shell over `exctl-app` — the same check
//! flow, screening and recording the command line uses.
//!
//! - [`api`]: the endpoints under `/api/v1`, described by the OpenAPI
//!   document at `/openapi.json` ([`openapi`]).
//! - [`auth`]: API keys (created with `exctl keys`) and the route → role
//!   table; every refused request is counted, and written to the audit trail
//!   as one entry per client per minute ([`refusals`], rate-limited: 429).
//! - [`state`]: the shared state, with restricted-party lists that are
//!   reloaded beside the old ones and swapped in atomically.
//! - [`recorder`]: group commit — concurrent requests' records land in one
//!   transaction and one audit seal.
//! - [`metrics`], [`webhooks`], [`tls`] (rustls, X25519MLKEM768 first) and
//!   [`ui`] (static files compiled in; no build step).
//!
//! Invariants: no handler blocks the runtime (CPU-heavy work runs on the
//! blocking pool); responses never carry internal error details; a failed
//! list refresh keeps the previous lists serving.

pub mod api;
pub mod auth;
pub mod metrics;
pub mod openapi;
pub mod recorder;
pub mod refusals;
pub mod state;
pub mod tls;
pub mod ui;
pub mod webhooks;

use anyhow::{Context as _, Result};
use exctl_app::instance::Place;
use exctl_data::Data;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to run the server.
pub struct Config {
    pub addr: SocketAddr,
    pub data: Arc<Data>,
    pub place: Place,
    /// List specs to screen against (as `--list`); empty: the configured
    /// lists, or the bundled demo list when none are configured.
    pub lists: Vec<String>,
    pub lists_dir: Option<PathBuf>,
    /// PEM certificate chain and private key: serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// URLs that receive rescreen alerts and licence events.
    pub webhooks: Vec<String>,
    /// First retry delay of a failed webhook delivery; doubles each time.
    pub webhook_backoff: Duration,
    pub webhook_attempts: u32,
    /// PEM certificates the webhook receivers' TLS certificates must chain
    /// to, instead of the public web roots.
    pub webhook_ca: Option<PathBuf>,
    /// Largest request body accepted.
    pub body_limit: usize,
    /// Longest a request may take.
    pub timeout: Duration,
    /// Share of entries (0–1) a list refresh may lose, in all or of one
    /// source, before it is refused (`?force=true` accepts it).
    pub max_list_loss: f64,
    /// Leave a signed checkpoint of the trail's head this often, when the
    /// head moved: in `HOME/checkpoints` and as an `audit.checkpoint`
    /// webhook event (and once more at shutdown). `None`: only on request.
    pub checkpoint_every: Option<Duration>,
    /// Reload the lists this often (as `POST /api/v1/lists/refresh` does).
    pub refresh_every: Option<Duration>,
    /// Download the official lists this often (as `POST /api/v1/lists/fetch`
    /// does), from where `fetch_urls` says.
    pub fetch_every: Option<Duration>,
    pub fetch_urls: exctl_app::sources::Urls,
    /// Refused requests are written to the audit trail once per client per
    /// this window (one minute; shorter in tests).
    pub refusal_window: Duration,
    /// How many refused requests a client address or key id may make, and
    /// how fast that allowance comes back; past it they get 429.
    pub refusal_rate: refusals::Rate,
}

impl Config {
    /// The defaults of `exctl serve` for everything but where and what.
    pub fn new(addr: SocketAddr, data: Arc<Data>, place: Place) -> Config {
        Config {
            addr,
            data,
            place,
            lists: Vec::new(),
            lists_dir: None,
            tls: None,
            webhooks: Vec::new(),
            webhook_backoff: Duration::from_secs(1),
            webhook_attempts: 8,
            webhook_ca: None,
            body_limit: DEFAULT_BODY_LIMIT,
            timeout: Duration::from_secs(30),
            refresh_every: None,
            fetch_every: None,
            fetch_urls: exctl_app::sources::Urls::default(),
            max_list_loss: exctl_screen::model::DEFAULT_MAX_LOSS,
            checkpoint_every: Some(Duration::from_secs(60)),
            refusal_window: Duration::from_secs(60),
            refusal_rate: refusals::Rate::default(),
        }
    }
}

/// What `serve` prints before it listens: the URL and, on a fresh
/// instance, the first admin key.
pub struct Started {
    pub url: String,
    pub first_admin_key: Option<String>,
    pub notes: Vec<String>,
}

/// The default largest request body (`--body-limit`): 4 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 4 << 20;

/// Prepares the instance (key pair, database, first admin key) and the
/// state, then serves until SIGINT or SIGTERM, finishing requests in flight.
///
/// Everything that can fail at start-up (the TLS files, the socket, the
/// database, the lists) is done before the first admin key is created, so a
/// failed start never leaves a key on file that nobody was shown.
pub async fn serve(config: Config, announce: impl FnOnce(&Started)) -> Result<()> {
    webhooks::check_urls(&config.webhooks)?;
    webhooks::agent(config.webhook_ca.as_deref())?;
    let tls = match &config.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("binding {}", config.addr))?;
    let local = listener.local_addr()?;
    let mut notes = Vec::new();
    if !config.place.initialised() {
        notes.push(config.place.init_async().await?.trim_end().to_string());
    }
    let store = Arc::new(config.place.open_async().await?);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let state = state::AppState::new(&config, store.clone(), &mut notes).await?;
    let first_admin_key = if store.api_keys().await?.is_empty() {
        let (_, token) = store
            .create_api_key(exctl_records::Role::Admin, "first admin")
            .await
            .map_err(exctl_app::instance::store_error)?;
        Some(token)
    } else {
        None
    };
    let app = api::router(state.clone(), config.body_limit, config.timeout);
    if let Some(every) = config.refresh_every {
        let s = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let _ = s.refresh_lists(false).await;
            }
        });
    }
    if let Some(every) = config.fetch_every {
        let s = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = s.fetch_lists("all", false, None).await {
                    tracing::warn!(error = %e, "scheduled list fetch failed");
                }
            }
        });
    }
    if let Some(every) = config.checkpoint_every {
        let s = state.clone();
        let dir = config.place.checkpoints_dir();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick is immediate: start one period in.
            tick.tick().await;
            let mut last = None;
            loop {
                tick.tick().await;
                last = s.checkpoint_if_moved(&dir, last).await;
            }
        });
    }
    announce(&Started {
        url: format!("{scheme}://{local}/"),
        first_admin_key,
        notes,
    });
    tracing::info!(%local, scheme, "listening");
    state.set_ready(true);
    let shutdown = {
        let state = state.clone();
        async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing requests in flight");
            state.set_ready(false);
        }
    };
    match tls {
        None => axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving")?,
        Some(acceptor) => tls::serve(listener, acceptor, app, shutdown).await?,
    }
    state.recorder.close().await;
    state.write_refusals(true).await;
    if config.checkpoint_every.is_some() {
        state
            .checkpoint_if_moved(&config.place.checkpoints_dir(), None)
            .await;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Structured logs (tracing) to standard error: text, or JSON lines.
/// `RUST_LOG` filters (default `info`).
pub fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
