//! # Showfloor
//!
//! A self-hostable live-commerce server: merchants schedule product demos and go live,
//! shoppers watch, ask and buy, marketers read what each stream did.
//!
//! ## Layout
//! The ground floor (`config`, `db`, `error`, `mail`, `money`, `text`, `time`, `token`, `web`)
//! imports no feature; features build on it, and `state` and this file tie them together.
//!
//! - [`config`]: the command line and `SHOWFLOOR_*` environment, read once.
//! - [`db`]: the SQLite or PostgreSQL pool behind one set of portable queries, migrations.
//! - [`state`]: `AppState`, what every handler can reach.
//! - [`notify`]: the one PostgreSQL LISTEN connection; each feature hears its own channel.
//! - [`mail`]: the mail outbox, SMTP transport and the worker that sends with retries.
//! - [`error`]: the one `Error` type, as an HTML page or a JSON body.
//! - [`text`]: slugs and e-mail addresses, parsed once into newtypes.
//! - [`token`]: random one-time tokens and the hashes the database keeps of them.
//! - [`web`]: page layout, static assets, CSRF, security headers, metrics, rate limits.
//! - [`auth`]: accounts, sessions, invitations, password resets, roles (`Member<P>`).
//! - [`shops`]: the shop itself and its settings.
//! - [`catalog`]: products, variants, images, inventory ledger, CSV, public JSON, Stripe sync.
//! - [`streams`]: scheduled demos, their lifecycle and keys, public stream pages, reminders.
//! - [`media`]: the WebRTC SFU: WHIP ingest, WHEP playback, RTP forwarding, the studio page.
//! - [`live`]: the live room of a stream: pins and offers, Q&A, chat, reactions, presence, SSE.
//! - [`orders`]: Buy with an inventory reservation, the cart and checkout pages, the order lifecycle.
//! - [`payments`]: the provider trait (Stripe Checkout, offline test), Stripe webhooks, reconcile.
//! - [`reports`]: engagement reports per stream: KPIs, timeline chart, products, funnel, CSV.
//! - [`dashboard`]: the merchant's home page and the getting-started list.
//! - [`demo`]: `showfloor demo`, a seeded shop for newcomers.
//!
//! `app(state)` builds the router; `run` is what `main` calls.

pub mod auth;
pub mod catalog;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod error;
pub mod live;
pub mod mail;
pub mod media;
pub mod money;
pub mod notify;
pub mod orders;
pub mod payments;
pub mod reports;
pub mod shops;
pub mod state;
pub mod streams;
pub mod text;
pub mod time;
pub mod token;
pub mod web;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tracing::Level;

use crate::config::{Cli, Command, Config};
use crate::db::Db;
use crate::error::Error;
use crate::state::AppState;

/// How long a graceful shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application for `state`.
pub fn app(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name("showfloor_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::days(14),
        ));

    let max_body = state.config.max_body_bytes;
    Router::new()
        .merge(auth::router())
        .merge(shops::router())
        .merge(dashboard::router())
        .merge(catalog::router())
        .merge(media::router())
        .merge(streams::router())
        .merge(live::router())
        .merge(orders::router())
        .merge(payments::router(catalog::stripe::settings::ON_KEY_CHANGE))
        .merge(reports::router())
        .route("/healthz", get(healthz))
        .route("/metrics", get(web::metrics::export))
        .route("/static/{hash}/{name}", get(web::assets::serve))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), web::metrics::track))
        .layer(middleware::from_fn_with_state(max_body, web::csrf::verify))
        .layer(sessions)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(web::security::headers))
        // gzip or brotli for every text response a browser accepts it for; tower-http's
        // default predicate leaves out SSE (it must flush each event), images and
        // bodies under 32 bytes.
        .layer(CompressionLayer::new())
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let id = request
                                .extensions()
                                .get::<RequestId>()
                                .and_then(|id| id.header_value().to_str().ok())
                                .unwrap_or("-");
                            tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| Error::Internal(anyhow::anyhow!("handler panicked")).into_response())),
        )
        .with_state(state)
}

async fn not_found() -> Error {
    Error::NotFound
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise; the first line says
/// which, the others what this node serves (for whoever balances viewers over nodes).
async fn healthz(State(state): State<AppState>) -> (StatusCode, String) {
    let n = state.media.node_stats();
    let node = format!(
        "node {}\nrooms {}\nviewers {}\npulls {}\negress_bps {:.0}\n",
        n.node, n.rooms, n.viewers, n.pulls, n.egress_bps
    );
    if state.db.ping().await {
        (StatusCode::OK, format!("ok\n{node}"))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable\n{node}"),
        )
    }
}

/// Prepare the data folder and open (and migrate) the database, the session table too.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            config.data_dir.display()
        )
    })?;
    let probe = config.data_dir.join(".write-test");
    std::fs::write(&probe, b"ok").with_context(|| {
        format!(
            "the data folder {} is not writable",
            config.data_dir.display()
        )
    })?;
    std::fs::remove_file(&probe).ok();
    let db = Db::connect(&config.database_url(), config.db_max_connections).await?;
    db.migrate().await?;
    auth::SessionStore::new(&db)
        .migrate()
        .await
        .context("session table migration failed")?;
    Ok(db)
}

/// A running server: its address and a way to stop it.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Open the database, bind the listener and serve in a background task.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        config.check().map_err(anyhow::Error::msg)?;
        let db = open_database(&config).await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let state = AppState::new(config, db);
        let (shutdown, mut stopped) = watch::channel(false);

        // Each feature starts its own background work; all of it stops on `shutdown`.
        auth::spawn_workers(&state, shutdown.subscribe());
        streams::spawn_workers(&state, shutdown.subscribe());
        orders::spawn_workers(&state, shutdown.subscribe());
        tokio::spawn(
            state
                .notify
                .clone()
                .run(state.config.database_url(), shutdown.subscribe()),
        );
        tokio::spawn(state.live.clone().run(shutdown.subscribe()));
        live::lifecycle::spawn(&state, shutdown.subscribe());
        live::auctions::clock::spawn(&state, shutdown.subscribe());
        reports::rollup::spawn(&state, shutdown.subscribe());
        media::glue::spawn(&state, shutdown.subscribe());
        state.media.cluster.set_url(state.config.node_url(addr));
        media::cluster::route::spawn(&state, shutdown.subscribe());
        mail::worker::spawn(
            state.db.pool.clone(),
            state.mail.clone(),
            state.config.base_url(),
            shutdown.subscribe(),
        );

        catalog::sync::spawn(state.clone(), shutdown.subscribe());
        catalog::import::resume(&state);
        state
            .capture
            .spawn_writer(state.db.pool.clone(), state.db.backend);

        let router = app(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.changed().await;
            })
            .await
            .context("server error")
        });
        Ok(Server {
            addr,
            state,
            shutdown,
            task,
        })
    }

    /// Stop accepting connections, let in-flight requests finish, and wait.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        // Event streams never finish by themselves: end them so shutdown is not held open.
        self.state.live.close();
        let mut task = self.task;
        let served = match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(joined) => joined?,
            Err(_) => {
                tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}: stopping anyway");
                task.abort();
                Ok(())
            }
        };
        // Report events recorded by the requests that just finished reach the database.
        self.state.capture.flush().await;
        // Every WebRTC session closes with the server: sockets and tasks are released.
        self.state.media.shutdown().await;
        served
    }
}

/// Entry point for the binary.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let server = Server::start(config).await?;
            tracing::info!(
                "Showfloor is listening on http://{} (public URL {})",
                server.addr,
                server.state.config.base_url()
            );
            shutdown_signal().await;
            tracing::info!("shutting down: finishing in-flight requests");
            server.stop().await?;
            tracing::info!("stopped");
            Ok(())
        }
        Command::Migrate => {
            open_database(&config).await?;
            println!(
                "Database is up to date ({}).",
                db::redact(&config.database_url())
            );
            Ok(())
        }
        Command::Demo => demo::run(&config).await,
        Command::Stripe {
            action: config::StripeCommand::Reconcile,
        } => orders::stripe_events::reconcile_command(&config).await,
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
