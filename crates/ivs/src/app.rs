//! Building and running the server (zero2prod's `Application`).
use crate::config::Config;
use anyhow::Context;
use ivs_core::SharedClock;
use ivs_server::AppState;
use ivs_store::{Files, SharedRepo, SqlRepo};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Opens the database (running migrations) and the file store of a configuration.
pub async fn open_storage(cfg: &Config) -> anyhow::Result<(SharedRepo, Files)> {
    if cfg.database_url.is_empty() {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("creating data directory {}", cfg.data_dir.display()))?;
    }
    let url = cfg.database_url();
    let db = ivs_store::connect(&url, 16)
        .await
        .with_context(|| format!("connecting to {}", crate::config::redact_url(&url)))?;
    db.migrate().await.context("running database migrations")?;
    let files = match cfg.files.backend.as_str() {
        "local" => Files::local(&cfg.files_dir())?,
        other => anyhow::bail!("unknown files.backend {other:?} (expected \"local\")"),
    };
    Ok((Arc::new(SqlRepo::new(db)), files))
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
    deliverer: ivs_worker::Deliverer,
    worker_cfg: ivs_worker::WorkerConfig,
}

impl Application {
    pub async fn build(cfg: &Config, clock: SharedClock) -> anyhow::Result<Self> {
        let (repo, files) = open_storage(cfg).await?;
        let listener = TcpListener::bind(&cfg.server.listen)
            .await
            .with_context(|| format!("binding {}", cfg.server.listen))?;
        let mut server_cfg = cfg.server_config();
        if cfg.server.public_url.is_empty() {
            // port 0 binds a free port: advertise the real one
            server_cfg.public_url = format!("http://{}", listener.local_addr()?);
        }
        let state = AppState::new(repo, files, clock, server_cfg).await?;
        let router = ivs_server::router(state.clone());
        let deliverer = ivs_worker::Deliverer::new(
            state.repo.clone(),
            state.clock.clone(),
            state.urls.clone(),
            cfg.delivery_config(),
        )?
        .with_metrics(state.metrics.recorder());
        Ok(Application {
            listener,
            router,
            state,
            deliverer,
            worker_cfg: cfg.worker_config(),
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves the API and runs the workers until `shutdown` completes; then finishes in-flight
    /// requests and lets each worker finish its current step.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        ivs_worker::run_workers(
            &tracker,
            self.state.repo.clone(),
            self.state.clock.clone(),
            self.deliverer,
            self.worker_cfg,
            cancel.clone(),
        );
        tracker.close();
        let stop = cancel.clone();
        let served = axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            stop.cancel();
        })
        .await;
        cancel.cancel();
        tracker.wait().await;
        Ok(served?)
    }
}

/// Storage plus a webhook deliverer, outside a server (workers, CLI).
pub async fn standalone_deliverer(
    cfg: &Config,
    clock: SharedClock,
) -> anyhow::Result<(SharedRepo, ivs_worker::Deliverer)> {
    let (repo, _files) = open_storage(cfg).await?;
    let key = repo
        .setting_or_init("file_url_key", &ivs_server::random_key())
        .await?;
    let urls = Arc::new(ivs_core::links::UrlSigner::new(key.as_bytes(), cfg.public_url()));
    let deliverer = ivs_worker::Deliverer::new(repo.clone(), clock, urls, cfg.delivery_config())?;
    Ok((repo, deliverer))
}

/// Runs only the workers (`ivs worker`), until `shutdown` completes.
pub async fn run_workers_only(
    cfg: &Config,
    clock: SharedClock,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let (repo, _files) = open_storage(cfg).await?;
    let key = repo
        .setting_or_init("file_url_key", &ivs_server::random_key())
        .await?;
    let urls = Arc::new(ivs_core::links::UrlSigner::new(key.as_bytes(), cfg.public_url()));
    let deliverer = ivs_worker::Deliverer::new(repo.clone(), clock.clone(), urls, cfg.delivery_config())?;
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    ivs_worker::run_workers(
        &tracker,
        repo,
        clock,
        deliverer,
        cfg.worker_config(),
        cancel.clone(),
    );
    tracker.close();
    shutdown.await;
    cancel.cancel();
    tracker.wait().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
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
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
