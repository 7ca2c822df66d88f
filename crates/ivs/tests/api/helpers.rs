//! `spawn_app()`: a real server on a free port, a temporary data directory, a fake clock and two
//! partners. With `IVS_TEST_PG_URL` set, the database is a fresh PostgreSQL database instead of
//! SQLite.
use base64::Engine;
use ivs::app::Application;
use ivs::config::Config;
use ivs::partners::{self, NewPartnerArgs};
use ivs_core::FakeClock;
use ivs_store::{PartnerMode, SharedRepo};
use serde_json::{Value, json};
use std::sync::Arc;

/// 2027-01-15 10:00:00 UTC: on an hour boundary, so hourly windows are predictable.
pub const START: i64 = 1_799_992_800;

pub struct Creds {
    pub key: String,
    pub secret: String,
    pub signing_key: String,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<FakeClock>,
    pub repo: SharedRepo,
    pub a: Creds,
    pub b: Creds,
    pub files_dir: std::path::PathBuf,
    /// The database (for running the CLI against this app's store).
    pub database_url: String,
    _dir: tempfile::TempDir,
}

pub struct Options {
    pub partner_hourly: u64,
    pub scan_ref_hourly: u64,
    pub allow_private_webhooks: bool,
    /// Waits between webhook attempts (fake seconds).
    pub webhook_schedule: Vec<i64>,
    /// Run the analysis pipeline (loads the models once per test binary).
    pub analyse: bool,
    /// Worker loops.
    pub workers: usize,
    /// Analysis engines to use instead of the shared ones.
    pub engines: Option<Arc<ivs_worker::Engines>>,
    /// Files in this S3-compatible bucket instead of the local directory.
    pub s3: Option<ivs_store::S3Settings>,
    /// Bearer token for `/metrics`.
    pub metrics_token: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            partner_hourly: 10_000,
            scan_ref_hourly: 60,
            allow_private_webhooks: true,
            webhook_schedule: vec![10, 10, 10, 10],
            analyse: false,
            workers: 1,
            engines: None,
            s3: None,
            metrics_token: None,
        }
    }
}

async fn database_url(dir: &std::path::Path) -> String {
    match std::env::var("IVS_TEST_PG_URL") {
        Err(_) => format!("sqlite://{}", dir.join("ivs.db").display()),
        Ok(admin) => {
            let name = format!("ivs_api_{}", uuid::Uuid::new_v4().simple());
            let db = ivs_store::connect(&admin, 1).await.unwrap();
            db.execute_sql(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let base = admin.rsplit_once('/').unwrap().0.to_owned();
            format!("{base}/{name}")
        }
    }
}

/// The workspace's `models/` (installed by `scripts/setup.sh`).
pub fn models_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// The analysis engines, loaded once for the whole test binary.
pub fn shared_engines() -> Arc<ivs_worker::Engines> {
    static ENGINES: std::sync::OnceLock<Arc<ivs_worker::Engines>> = std::sync::OnceLock::new();
    ENGINES
        .get_or_init(|| {
            let cfg = Config {
                models_dir: models_dir(),
                ..Config::default()
            };
            cfg.load_engines()
                .expect("models are installed by scripts/setup.sh")
        })
        .clone()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(opts: Options) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: database_url(dir.path()).await,
        ..Config::default()
    };
    cfg.server.listen = "127.0.0.1:0".into();
    cfg.limits.partner_hourly = opts.partner_hourly;
    cfg.limits.scan_ref_hourly = opts.scan_ref_hourly;
    // webhooks go to a receiver on loopback; retries every 10 (fake) seconds, 5 attempts
    cfg.webhooks.allow_private = opts.allow_private_webhooks;
    cfg.webhooks.schedule_secs = opts.webhook_schedule.clone();
    cfg.webhooks.jitter = false;
    cfg.webhooks.timeout_secs = 2;
    cfg.workers.count = opts.workers;
    cfg.workers.idle_poll_ms = 20;
    cfg.workers.analyse = opts.analyse;
    cfg.models_dir = models_dir();
    if let Some(s3) = opts.s3 {
        cfg.files.backend = "s3".into();
        cfg.files.endpoint = s3.endpoint;
        cfg.files.bucket = s3.bucket;
        cfg.files.region = s3.region;
        cfg.files.access_key_id = s3.access_key_id;
        cfg.files.secret_access_key = Some(s3.secret_access_key.into());
        cfg.files.allow_http = s3.allow_http;
        cfg.files.path_style = s3.path_style;
    }
    cfg.metrics.token = opts.metrics_token.clone().unwrap_or_default();
    let clock = Arc::new(FakeClock::new(START));
    let engines = match opts.engines.clone() {
        Some(e) => Some(e),
        None => opts.analyse.then(shared_engines),
    };
    let app = Application::build_with(&cfg, clock.clone(), engines)
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr().unwrap());
    let repo = app.state.repo.clone();
    tokio::spawn(app.run_until(std::future::pending()));
    let mk = |name: &str, mode| NewPartnerArgs {
        name: name.into(),
        mode,
        webhook_url: None,
        token_defaults: None,
    };
    let a = partners::create(&repo, clock.as_ref(), mk("A", PartnerMode::Sandbox))
        .await
        .unwrap();
    let b = partners::create(&repo, clock.as_ref(), mk("B", PartnerMode::Live))
        .await
        .unwrap();
    TestApp {
        base,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        clock,
        repo,
        a: Creds {
            key: a.partner.api_key,
            secret: a.secret,
            signing_key: a.partner.signing_key,
        },
        b: Creds {
            key: b.partner.api_key,
            secret: b.secret,
            signing_key: b.partner.signing_key,
        },
        files_dir: cfg.files_dir(),
        database_url: cfg.database_url(),
        _dir: dir,
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }
    /// Asserts an iDenfy error body.
    pub fn assert_error(&self, status: u16, identifier: &str) {
        assert_eq!(self.status, status, "body: {}", self.text());
        let v = self.json();
        assert_eq!(v["identifier"], identifier, "body: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "body: {v}");
    }
}

async fn into_resp(r: reqwest::Response) -> Resp {
    Resp {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.bytes().await.unwrap().to_vec(),
    }
}

impl TestApp {
    pub async fn post_raw(&self, path: &str, creds: Option<&Creds>, body: Vec<u8>) -> Resp {
        let mut req = self.client.post(format!("{}{path}", self.base)).body(body);
        req = req.header("content-type", "application/json");
        if let Some(c) = creds {
            req = req.basic_auth(&c.key, Some(&c.secret));
        }
        into_resp(req.send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, creds: &Creds, body: Value) -> Resp {
        self.post_raw(path, Some(creds), serde_json::to_vec(&body).unwrap())
            .await
    }

    pub async fn get(&self, path_and_query: &str, creds: Option<&Creds>) -> Resp {
        let mut req = self.client.get(format!("{}{path_and_query}", self.base));
        if let Some(c) = creds {
            req = req.basic_auth(&c.key, Some(&c.secret));
        }
        into_resp(req.send().await.unwrap()).await
    }

    pub async fn get_url(&self, url: &str) -> Resp {
        into_resp(self.client.get(url).send().await.unwrap()).await
    }

    /// Creates a token for partner A; returns the 201 body.
    pub async fn token(&self, body: Value) -> Value {
        let r = self.post("/api/v2/token", &self.a, body).await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()
    }

    /// A token plus a successful `/process` with a front image and a selfie.
    pub async fn submitted(&self) -> (String, String) {
        let t = self
            .token(json!({"clientId": "user-1", "firstName": "Anna"}))
            .await;
        let token = t["authToken"].as_str().unwrap().to_owned();
        let r = self.post("/api/v2/process", &self.a, process_body(&token)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.body.is_empty());
        (t["scanRef"].as_str().unwrap().to_owned(), token)
    }
}

pub fn png(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([shade, (x % 256) as u8, (y % 256) as u8]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn process_body(token: &str) -> Value {
    json!({
        "authToken": token,
        "country": "LT",
        "documentType": "PASSPORT",
        "images": {"FRONT": b64(&jpeg(64, 48)), "FACE": b64(&png(32, 32, 7))}
    })
}

/// A PNG whose header claims `w`×`h` pixels, with almost no data: a decompression bomb as far as
/// a decoder that trusts the header is concerned.
pub fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc32(&c).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib stream of a few zero bytes (stored block)
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x04, 0x00, 0xfb, 0xff, 0, 0, 0, 0, 0x00, 0x04, 0x00, 0x01,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}
