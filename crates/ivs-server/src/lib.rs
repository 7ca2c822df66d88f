//! The HTTP face of ivs: the iDenfy v2 API, signed file URLs and the hosted capture page.
//!
//! Handlers are thin: they extract, call a function of [`service`], and map the error. The server
//! never runs models; `POST /api/v2/process` stores images and queues an analysis job.
#![forbid(unsafe_code)]

mod auth;
mod body;
mod error;
mod handlers;
mod images;
mod limiter;
pub mod metrics;
pub mod openapi;
mod pages;
pub mod review;
pub mod service;

pub use error::WebError;
pub use ivs_core::links::UrlSigner;
pub use limiter::Limiter;
pub use metrics::Metrics;

use axum::Router;
use ivs_core::SharedClock;
use ivs_store::{Files, SharedRepo};
use std::sync::Arc;

/// 32 random bytes, hex (signing keys).
pub fn random_key() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Base URL clients reach this server at (redirect and file URLs are built from it).
    pub public_url: String,
    /// Lifetime of signed file URLs, seconds.
    pub file_url_ttl_secs: i64,
    /// Requests per partner per hour (all authenticated endpoints).
    pub partner_hourly_limit: u64,
    /// Requests per scanRef per hour on /status, /data and /files.
    pub scan_ref_hourly_limit: u64,
    /// Largest accepted request body, bytes (`/api/v2/process`).
    pub max_body_bytes: usize,
    /// Largest request body on the other endpoints, bytes.
    pub max_small_body_bytes: usize,
    /// Largest decoded image, bytes.
    pub max_image_bytes: usize,
    /// Largest image side, pixels.
    pub max_image_side: u32,
    /// Largest image area, pixels.
    pub max_image_pixels: u64,
    /// Bearer token `/metrics` requires; `None` leaves it open.
    pub metrics_token: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            public_url: "http://127.0.0.1:8080".into(),
            file_url_ttl_secs: 3600,
            partner_hourly_limit: 10_000,
            scan_ref_hourly_limit: 60,
            max_body_bytes: 20_000_000,
            max_small_body_bytes: 1_000_000,
            max_image_bytes: 6_000_000,
            max_image_side: 12_000,
            max_image_pixels: 50_000_000,
            metrics_token: None,
        }
    }
}

/// Everything a handler may use.
#[derive(Debug, Clone)]
pub struct AppState {
    pub repo: SharedRepo,
    pub files: Files,
    pub clock: SharedClock,
    pub config: Arc<ServerConfig>,
    pub limiter: Arc<Limiter>,
    pub urls: Arc<UrlSigner>,
    /// This server's Prometheus recorder (`/metrics`).
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// Builds the state; the file-URL signing key is shared through the database so that every
    /// process of one installation signs alike.
    pub async fn new(
        repo: SharedRepo,
        files: Files,
        clock: SharedClock,
        config: ServerConfig,
    ) -> Result<Self, ivs_store::StoreError> {
        let fresh = random_key();
        let key = repo.setting_or_init("file_url_key", &fresh).await?;
        let metrics = Arc::new(Metrics::new());
        metrics.spawn_upkeep();
        Ok(AppState {
            metrics,
            repo,
            files,
            clock,
            limiter: Arc::new(Limiter::new(
                config.partner_hourly_limit,
                config.scan_ref_hourly_limit,
            )),
            urls: Arc::new(UrlSigner::new(key.as_bytes(), config.public_url.clone())),
            config: Arc::new(config),
        })
    }
}

/// The full router with its middleware.
pub fn router(state: AppState) -> Router {
    let track = axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track);
    with_middleware(routes().layer(track).with_state(state))
}

/// Every route with its OpenAPI description.
///
/// **Adding a route:** give the handler a `#[utoipa::path(...)]` attribute (method, path,
/// request body, responses with their error identifiers) and add one `.routes(routes!(handler))`
/// line below; handlers of the same path with other methods go in the same `routes!`. That one
/// line registers the route and documents it; then run `ivs openapi > docs/openapi.json`. A plain
/// `.route(...)` would serve an undocumented route, which the `openapi` test in
/// `crates/ivs/tests/api` rejects.
pub fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(handlers::token))
        .routes(routes!(handlers::redirect))
        .routes(routes!(handlers::status_post, handlers::status_get))
        .routes(routes!(handlers::data_post, handlers::data_get))
        .routes(routes!(handlers::files_post, handlers::files_get))
        .routes(routes!(handlers::process))
        .routes(routes!(handlers::delete))
        .routes(routes!(handlers::add_dummy_status))
        .routes(routes!(handlers::redeliver))
        .routes(routes!(handlers::cancel))
        .routes(routes!(handlers::review_queue))
        .routes(routes!(handlers::review_case, handlers::review_decide))
        .routes(routes!(handlers::blocklist_add, handlers::blocklist_remove))
        .routes(routes!(
            handlers::blocklist_add_bare,
            handlers::blocklist_remove_bare
        ))
        .routes(routes!(handlers::download))
        .routes(routes!(pages::capture))
        .routes(routes!(handlers::healthz))
        .routes(routes!(handlers::readyz))
        .routes(routes!(metrics::scrape))
        .routes(routes!(handlers::openapi_json))
}

/// Every route of the API, without state or middleware.
pub fn routes() -> Router<AppState> {
    let (router, _) = api().split_for_parts();
    router
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
}

/// The middleware stack: panic → 500 `INTERNAL_ERROR`, request ids, tracing without the
/// Authorization header or bodies.
pub fn with_middleware(router: Router) -> Router {
    use tower_http::catch_panic::CatchPanicLayer;
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
    use tower_http::trace::TraceLayer;

    let x_request_id = axum::http::HeaderName::from_static("x-request-id");
    router
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // the route pattern, not the path: file links are capabilities and stay out of logs
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("(unmatched)", |m| m.as_str());
                tracing::info_span!("http", method = %req.method(), route = %route, request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([
            axum::http::header::AUTHORIZATION,
        ]))
}
