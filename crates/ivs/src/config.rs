//! Configuration: defaults → `ivs.toml` → `IVS_*` environment variables (`__` nests:
//! `IVS_SERVER__LISTEN`) → command-line flags.
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the embedded default keeps its database and files.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://<data_dir>/ivs.db`.
    pub database_url: String,
    /// Where `scripts/setup.sh` put the model files.
    pub models_dir: PathBuf,
    pub server: ServerSection,
    pub limits: LimitsSection,
    pub files: FilesSection,
    pub log: LogSection,
    pub webhooks: WebhooksSection,
    pub workers: WorkersSection,
    pub metrics: MetricsSection,
    pub face: FaceSection,
}

/// The face engine's inference runtime (docs/face.md).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FaceSection {
    /// `tract` (default, pure Rust) or `onnxruntime` (needs a build with the ivs-face feature
    /// `onnxruntime` and `scripts/setup.sh --onnxruntime`).
    pub backend: String,
    /// The onnxruntime library; empty means `<models_dir>/onnxruntime/libonnxruntime.so.1.32.0`.
    pub onnxruntime_library: String,
}

impl Default for FaceSection {
    fn default() -> Self {
        FaceSection {
            backend: "tract".into(),
            onnxruntime_library: String::new(),
        }
    }
}

/// `GET /metrics` (Prometheus).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSection {
    /// Bearer token `/metrics` requires; empty leaves it open (it holds counts, no personal data).
    pub token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksSection {
    /// Per-attempt timeout, seconds.
    pub timeout_secs: u64,
    /// Allow callback URLs that resolve to loopback/private/link-local addresses.
    pub allow_private: bool,
    /// Waits after failed attempts, seconds; when they run out the event is dead.
    pub schedule_secs: Vec<i64>,
    /// ±10 % random spread on each wait.
    pub jitter: bool,
    /// How long a worker holds an event it is delivering before another may take it, seconds.
    pub lease_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersSection {
    /// Worker loops per process (`ivs serve` and `ivs worker`).
    pub count: usize,
    /// Pause when there is nothing to do, milliseconds.
    pub idle_poll_ms: u64,
    /// Run the analysis pipeline (needs the models from `scripts/setup.sh`). When false the
    /// workers only deliver webhooks and expire sessions; another process must analyse.
    pub analyse: bool,
}

impl Default for WebhooksSection {
    fn default() -> Self {
        WebhooksSection {
            timeout_secs: 10,
            allow_private: false,
            schedule_secs: ivs_worker::delivery::DEFAULT_SCHEDULE.to_vec(),
            jitter: true,
            lease_secs: 60,
        }
    }
}

impl Default for WorkersSection {
    fn default() -> Self {
        WorkersSection {
            count: 2,
            idle_poll_ms: 500,
            analyse: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    pub listen: String,
    /// The URL clients reach this server at; empty means `http://<listen>`.
    pub public_url: String,
    pub file_url_ttl_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    pub partner_hourly: u64,
    pub scan_ref_hourly: u64,
    pub max_body_bytes: usize,
    pub max_image_bytes: usize,
    pub max_image_side: u32,
    pub max_image_pixels: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FilesSection {
    /// `local` (a directory) or `s3` (an S3-compatible bucket; clients get presigned URLs).
    pub backend: String,
    /// For `local`: the directory; empty means `<data_dir>/files`. Also the source of
    /// `ivs migrate-files`.
    pub path: String,
    /// For `s3`: the endpoint URL, e.g. `http://127.0.0.1:9000`; empty means AWS for `region`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    /// Empty: the AWS environment (`AWS_ACCESS_KEY_ID`, …, instance metadata) supplies credentials.
    pub access_key_id: String,
    /// Redacted wherever the configuration is printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<Secret>,
    /// Allow a plain-HTTP endpoint.
    pub allow_http: bool,
    /// Path-style requests (`endpoint/bucket/key`), as MinIO and most self-hosted servers want;
    /// `false` for virtual-hosted style (`bucket.endpoint/key`).
    pub path_style: bool,
}

/// A secret configuration value: read from the file or environment, never printed (serializes
/// as `***`, debug-prints as redacted).
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "String")]
pub struct Secret(secrecy::SecretString);

impl Secret {
    pub fn expose(&self) -> &str {
        use secrecy::ExposeSecret;
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(secrecy::SecretString::from(s))
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogSection {
    /// `json` or `text`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `ivs=debug,info`.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./ivs-data"),
            database_url: String::new(),
            models_dir: PathBuf::from("./models"),
            server: ServerSection::default(),
            limits: LimitsSection::default(),
            files: FilesSection::default(),
            log: LogSection::default(),
            webhooks: WebhooksSection::default(),
            workers: WorkersSection::default(),
            metrics: MetricsSection::default(),
            face: FaceSection::default(),
        }
    }
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: "127.0.0.1:8080".into(),
            public_url: String::new(),
            file_url_ttl_secs: 3600,
        }
    }
}

impl Default for LimitsSection {
    fn default() -> Self {
        let d = ivs_server::ServerConfig::default();
        LimitsSection {
            partner_hourly: d.partner_hourly_limit,
            scan_ref_hourly: d.scan_ref_hourly_limit,
            max_body_bytes: d.max_body_bytes,
            max_image_bytes: d.max_image_bytes,
            max_image_side: d.max_image_side,
            max_image_pixels: d.max_image_pixels,
        }
    }
}

impl Default for FilesSection {
    fn default() -> Self {
        FilesSection {
            backend: "local".into(),
            path: String::new(),
            endpoint: String::new(),
            bucket: String::new(),
            region: String::new(),
            access_key_id: String::new(),
            secret_access_key: None,
            allow_http: false,
            path_style: true,
        }
    }
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            format: "json".into(),
            filter: "info".into(),
        }
    }
}

/// Every key an `IVS_*` variable may set (lower case, `.`-nested).
const ENV_KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "models_dir",
    "workers.analyse",
    "server.listen",
    "server.public_url",
    "server.file_url_ttl_secs",
    "limits.partner_hourly",
    "limits.scan_ref_hourly",
    "limits.max_body_bytes",
    "limits.max_image_bytes",
    "limits.max_image_side",
    "limits.max_image_pixels",
    "files.backend",
    "files.path",
    "files.endpoint",
    "files.bucket",
    "files.region",
    "files.access_key_id",
    "files.secret_access_key",
    "files.allow_http",
    "files.path_style",
    "log.format",
    "log.filter",
    "webhooks.timeout_secs",
    "webhooks.allow_private",
    "webhooks.jitter",
    "webhooks.lease_secs",
    "workers.count",
    "workers.idle_poll_ms",
    "metrics.token",
    "face.backend",
    "face.onnxruntime_library",
];

/// `IVS_*` variables that are not configuration (test harness switches, the config path).
const ENV_NOT_CONFIG: &[&str] = &["config", "test_pg_url", "require_pg", "test_log"];

/// Command-line overrides (the last layer).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerOverrides>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

/// The face backend `[face]` asks for; `sessions` is how many threads may run a model at once.
pub fn face_backend(
    face: &FaceSection,
    models_dir: &Path,
    sessions: usize,
) -> anyhow::Result<ivs_face::Backend> {
    match face.backend.as_str() {
        "tract" => Ok(ivs_face::Backend::Tract),
        "onnxruntime" => Ok(ivs_face::Backend::OnnxRuntime {
            library: if face.onnxruntime_library.is_empty() {
                models_dir.join("onnxruntime").join("libonnxruntime.so.1.32.0")
            } else {
                PathBuf::from(&face.onnxruntime_library)
            },
            sessions: sessions.max(1),
        }),
        other => anyhow::bail!("face.backend must be \"tract\" or \"onnxruntime\", not {other:?}"),
    }
}

impl Config {
    /// Loads the layers. `file` is the TOML file (`--config`, else `IVS_CONFIG`, else `./ivs.toml`
    /// when it exists).
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<(Config, Vec<String>)> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        let env_file = std::env::var_os("IVS_CONFIG").map(PathBuf::from);
        match file.map(Path::to_path_buf).or(env_file) {
            Some(p) => {
                if !p.exists() {
                    anyhow::bail!("config file {} does not exist", p.display());
                }
                fig = fig.merge(Toml::file(p));
            }
            None if Path::new("ivs.toml").exists() => fig = fig.merge(Toml::file("ivs.toml")),
            None => {}
        }
        fig = fig.merge(
            Env::prefixed("IVS_")
                .split("__")
                .filter(|k| ENV_KEYS.contains(&k.as_str().to_ascii_lowercase().as_str())),
        );
        fig = fig.merge(Serialized::defaults(overrides));
        let mut warnings = Vec::new();
        for (name, _) in std::env::vars() {
            if let Some(rest) = name.strip_prefix("IVS_") {
                let key = rest.to_ascii_lowercase().replace("__", ".");
                if !ENV_KEYS.contains(&key.as_str()) && !ENV_NOT_CONFIG.contains(&key.as_str()) {
                    warnings.push(format!("unknown environment variable {name} ignored"));
                }
            }
        }
        let cfg: Config = fig.extract()?;
        Ok((cfg, warnings))
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("ivs.db").display())
        } else {
            self.database_url.clone()
        }
    }

    pub fn files_dir(&self) -> PathBuf {
        if self.files.path.is_empty() {
            self.data_dir.join("files")
        } else {
            PathBuf::from(&self.files.path)
        }
    }

    /// The S3 settings of `[files]` (whatever `backend` says: `ivs migrate-files` reads them while
    /// the backend is still `local`).
    pub fn s3_settings(&self) -> ivs_store::S3Settings {
        let f = &self.files;
        ivs_store::S3Settings {
            endpoint: f.endpoint.clone(),
            bucket: f.bucket.clone(),
            region: f.region.clone(),
            access_key_id: f.access_key_id.clone(),
            secret_access_key: f
                .secret_access_key
                .as_ref()
                .map(|s| s.expose().to_owned())
                .unwrap_or_default(),
            allow_http: f.allow_http,
            path_style: f.path_style,
        }
    }

    pub fn public_url(&self) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{}", self.server.listen)
        } else {
            self.server.public_url.trim_end_matches('/').to_owned()
        }
    }

    pub fn server_config(&self) -> ivs_server::ServerConfig {
        ivs_server::ServerConfig {
            public_url: self.public_url(),
            file_url_ttl_secs: self.server.file_url_ttl_secs,
            partner_hourly_limit: self.limits.partner_hourly,
            scan_ref_hourly_limit: self.limits.scan_ref_hourly,
            max_body_bytes: self.limits.max_body_bytes,
            max_image_bytes: self.limits.max_image_bytes,
            max_image_side: self.limits.max_image_side,
            max_image_pixels: self.limits.max_image_pixels,
            metrics_token: Some(self.metrics.token.clone()).filter(|t| !t.is_empty()),
            ..ivs_server::ServerConfig::default()
        }
    }

    pub fn delivery_config(&self) -> ivs_worker::DeliveryConfig {
        ivs_worker::DeliveryConfig {
            timeout: std::time::Duration::from_secs(self.webhooks.timeout_secs.max(1)),
            allow_private: self.webhooks.allow_private,
            schedule: self.webhooks.schedule_secs.clone(),
            link_ttl_secs: self.server.file_url_ttl_secs,
            jitter: self.webhooks.jitter,
            // a lease shorter than an attempt could hand an in-flight event to a second worker
            lease_secs: self.webhooks.lease_secs.max(
                i64::try_from(self.webhooks.timeout_secs)
                    .unwrap_or(i64::MAX)
                    .saturating_add(1),
            ),
        }
    }

    pub fn worker_config(&self) -> ivs_worker::WorkerConfig {
        ivs_worker::WorkerConfig {
            workers: self.workers.count,
            idle_poll: std::time::Duration::from_millis(self.workers.idle_poll_ms.max(10)),
            ..ivs_worker::WorkerConfig::default()
        }
    }

    /// Loads the analysis models (once per process; shared by every worker loop).
    pub fn load_engines(&self) -> anyhow::Result<std::sync::Arc<ivs_worker::Engines>> {
        let backend = face_backend(&self.face, &self.models_dir, self.workers.count)?;
        let face =
            ivs_face::FaceEngine::load_with(&ivs_face::ModelPaths::in_dir(&self.models_dir), &backend)?;
        let tessdata = self.models_dir.join("tessdata");
        if !tessdata.join("mrz.traineddata").is_file() {
            anyhow::bail!(
                "{} is missing: run scripts/setup.sh (it installs the OCR model)",
                tessdata.join("mrz.traineddata").display()
            );
        }
        Ok(std::sync::Arc::new(ivs_worker::Engines {
            face: std::sync::Arc::new(face),
            tessdata,
            match_policy: ivs_face::MatchPolicy::default(),
        }))
    }

    /// The effective configuration with secrets (database password) redacted, as JSON.
    pub fn redacted(&self) -> serde_json::Value {
        let mut c = self.clone();
        c.database_url = redact_url(&self.database_url());
        if !c.metrics.token.is_empty() {
            c.metrics.token = "***".into();
        }
        serde_json::to_value(&c).unwrap_or_default()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn face_backend_is_tract_by_default_and_onnxruntime_finds_its_library_under_the_models() {
        let models = Path::new("/m");
        let tract = face_backend(&FaceSection::default(), models, 2).unwrap();
        assert_eq!(tract, ivs_face::Backend::Tract);
        let ort = FaceSection {
            backend: "onnxruntime".into(),
            ..FaceSection::default()
        };
        assert_eq!(
            face_backend(&ort, models, 3).unwrap(),
            ivs_face::Backend::OnnxRuntime {
                library: PathBuf::from("/m/onnxruntime/libonnxruntime.so.1.32.0"),
                sessions: 3,
            }
        );
        let bad = FaceSection {
            backend: "cuda".into(),
            ..FaceSection::default()
        };
        let err = face_backend(&bad, models, 1).unwrap_err().to_string();
        assert!(err.contains("tract") && err.contains("cuda"), "{err}");
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's own signature
    fn environment_overrides_nested_keys_and_ignores_others() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("IVS_WEBHOOKS__ALLOW_PRIVATE", "true");
            jail.set_env("IVS_SERVER__LISTEN", "0.0.0.0:9999");
            jail.set_env("IVS_LIMITS__SCAN_REF_HOURLY", "7");
            jail.set_env("IVS_TEST_PG_URL", "postgres://x");
            jail.set_env("IVS_NOT_A_KEY", "1");
            jail.create_file(
                "ivs.toml",
                "data_dir = \"/srv/ivs\"\n[server]\nlisten = \"1.2.3.4:1\"\n",
            )?;
            let overrides = Overrides {
                database_url: Some("sqlite://flag.db".into()),
                ..Overrides::default()
            };
            let (cfg, warnings) = Config::load(None, &overrides).map_err(|e| e.to_string())?;
            assert!(cfg.webhooks.allow_private);
            assert_eq!(cfg.server.listen, "0.0.0.0:9999", "env beats the file");
            assert_eq!(cfg.limits.scan_ref_hourly, 7);
            assert_eq!(cfg.data_dir, PathBuf::from("/srv/ivs"), "file beats defaults");
            assert_eq!(cfg.database_url(), "sqlite://flag.db", "flags beat everything");
            assert_eq!(
                warnings,
                vec!["unknown environment variable IVS_NOT_A_KEY ignored".to_string()]
            );
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's own signature
    fn s3_settings_come_from_file_and_environment_and_the_secret_is_never_printed() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("IVS_FILES__SECRET_ACCESS_KEY", "s3cr3t-value");
            jail.set_env("IVS_FILES__BUCKET", "from-env");
            jail.create_file(
                "ivs.toml",
                "[files]\nbackend = \"s3\"\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"b\"\nregion = \"eu-1\"\naccess_key_id = \"AK\"\nallow_http = true\n",
            )?;
            let (cfg, warnings) = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert!(warnings.is_empty(), "{warnings:?}");
            let s3 = cfg.s3_settings();
            assert_eq!(cfg.files.backend, "s3");
            assert_eq!(s3.endpoint, "http://127.0.0.1:9000");
            assert_eq!(s3.bucket, "from-env", "env beats the file");
            assert_eq!(s3.region, "eu-1");
            assert_eq!(s3.access_key_id, "AK");
            assert_eq!(s3.secret_access_key, "s3cr3t-value");
            assert!(s3.allow_http && s3.path_style);
            let printed = format!("{} {cfg:?} {s3:?}", cfg.redacted());
            assert!(!printed.contains("s3cr3t"), "{printed}");
            assert!(cfg.redacted()["files"]["secret_access_key"] == "***");
            Ok(())
        });
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }
}
