//! Building and running the server (zero2prod's `Application`).
use crate::config::Config;
use anyhow::Context;
use ivs_core::SharedClock;
use ivs_server::AppState;
use ivs_store::{FileLinks, Files, SharedRepo, SqlRepo};
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
    let files = open_files(cfg)?;
    Ok((Arc::new(SqlRepo::new(db)), files))
}

/// The file store of a configuration: a directory (`local`) or an S3-compatible bucket (`s3`).
pub fn open_files(cfg: &Config) -> anyhow::Result<Files> {
    Ok(match cfg.files.backend.as_str() {
        "local" => Files::local(&cfg.files_dir())?,
        "s3" => Files::s3(&cfg.s3_settings()).context("configuring S3 file storage")?,
        other => anyhow::bail!("unknown files.backend {other:?} (expected \"local\" or \"s3\")"),
    })
}

/// File links for the webhook payloads of processes without an HTTP server (workers, CLI): the
/// `/files/{token}` signing key is the installation's, shared through the database.
async fn file_links(cfg: &Config, repo: &SharedRepo, files: Files) -> anyhow::Result<FileLinks> {
    let key = repo
        .setting_or_init("file_url_key", &ivs_server::random_key())
        .await?;
    let urls = Arc::new(ivs_core::links::UrlSigner::new(key.as_bytes(), cfg.public_url()));
    Ok(FileLinks::new(files, urls))
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
    deliverer: ivs_worker::Deliverer,
    analyser: Option<ivs_worker::Analyser>,
    worker_cfg: ivs_worker::WorkerConfig,
}

/// The analysis side of the workers: `None` when `workers.analyse` is off. `engines` may be
/// passed in already loaded (tests share one set); otherwise they are loaded from `models_dir`.
/// The duplicate-face index is rebuilt from the store here.
pub async fn build_analyser(
    cfg: &Config,
    repo: &SharedRepo,
    files: &Files,
    clock: &SharedClock,
    engines: Option<Arc<ivs_worker::Engines>>,
) -> anyhow::Result<Option<ivs_worker::Analyser>> {
    if !cfg.workers.analyse {
        return Ok(None);
    }
    let engines = match engines {
        Some(e) => e,
        None => cfg.load_engines()?,
    };
    let index = Arc::new(ivs_worker::FaceIndexCache::default());
    let t = std::time::Instant::now();
    let n = index.sync(repo).await.context("building the face index")?;
    tracing::info!(
        faces = n,
        millis = t.elapsed().as_millis() as u64,
        "face index built"
    );
    Ok(Some(ivs_worker::Analyser {
        engines,
        repo: repo.clone(),
        files: files.clone(),
        clock: clock.clone(),
        index,
    }))
}

impl Application {
    pub async fn build(cfg: &Config, clock: SharedClock) -> anyhow::Result<Self> {
        Self::build_with(cfg, clock, None).await
    }

    /// Like [`Application::build`], with analysis engines already loaded.
    pub async fn build_with(
        cfg: &Config,
        clock: SharedClock,
        engines: Option<Arc<ivs_worker::Engines>>,
    ) -> anyhow::Result<Self> {
        let (repo, files) = open_storage(cfg).await?;
        let analyser = build_analyser(cfg, &repo, &files, &clock, engines).await?;
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
            FileLinks::new(state.files.clone(), state.urls.clone()),
            cfg.delivery_config(),
        )?
        .with_metrics(state.metrics.recorder());
        Ok(Application {
            listener,
            router,
            state,
            deliverer,
            analyser,
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
            self.analyser,
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
    let (repo, files) = open_storage(cfg).await?;
    let links = file_links(cfg, &repo, files).await?;
    let deliverer = ivs_worker::Deliverer::new(repo.clone(), clock, links, cfg.delivery_config())?;
    Ok((repo, deliverer))
}

/// Runs only the workers (`ivs worker`), until `shutdown` completes.
pub async fn run_workers_only(
    cfg: &Config,
    clock: SharedClock,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let (repo, files) = open_storage(cfg).await?;
    let analyser = build_analyser(cfg, &repo, &files, &clock, None).await?;
    let links = file_links(cfg, &repo, files).await?;
    let deliverer = ivs_worker::Deliverer::new(repo.clone(), clock.clone(), links, cfg.delivery_config())?;
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    ivs_worker::run_workers(
        &tracker,
        repo,
        clock,
        deliverer,
        analyser,
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
