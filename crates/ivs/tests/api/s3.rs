//! S3-compatible file storage against a real S3 server: `s3s` over `s3s-fs` on a loopback port,
//! in this process, with credentials and SigV4 signature checking on (`SimpleAuth`).
use crate::helpers::{Options, jpeg, png, spawn_app_with};
use ivs_core::Clock;
use ivs_core::policy::VerificationResult;
use ivs_core::vocab::{EventType, OverallStatus};
use ivs_store::{NewWebhookEvent, S3Settings};
use serde_json::{Value, json};
use std::path::PathBuf;

pub const ACCESS_KEY: &str = "ivs-test-access";
pub const SECRET_KEY: &str = "ivs-test-secret-0123456789";
pub const BUCKET: &str = "ivs-files";

/// An S3 server with one bucket; stops when dropped.
pub struct S3Server {
    pub endpoint: String,
    /// The directory behind the server (`<root>/<bucket>/<key>`).
    pub root: PathBuf,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl S3Server {
    pub async fn start() -> S3Server {
        use hyper_util::rt::TokioIo;
        use s3s::auth::SimpleAuth;
        use s3s::service::S3ServiceBuilder;

        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir(root.join(BUCKET)).unwrap();
        let fs = s3s_fs::FileSystem::new(&root).unwrap();
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                let service = service.clone();
                conns.spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        S3Server {
            endpoint,
            root,
            task,
            _dir: dir,
        }
    }

    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: self.endpoint.clone(),
            bucket: BUCKET.into(),
            region: "us-east-1".into(),
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET_KEY.into(),
            allow_http: true,
            path_style: true,
        }
    }

    /// `IVS_FILES__*` variables that point an `ivs` process at this server.
    pub fn env(&self) -> Vec<(String, String)> {
        let s = self.settings();
        [
            ("IVS_FILES__BACKEND", "s3".to_owned()),
            ("IVS_FILES__ENDPOINT", s.endpoint),
            ("IVS_FILES__BUCKET", s.bucket),
            ("IVS_FILES__REGION", s.region),
            ("IVS_FILES__ACCESS_KEY_ID", s.access_key_id),
            ("IVS_FILES__SECRET_ACCESS_KEY", s.secret_access_key),
            ("IVS_FILES__ALLOW_HTTP", "true".to_owned()),
            ("IVS_FILES__PATH_STYLE", "true".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn fetch(url: &str) -> (u16, Vec<u8>, Option<String>) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.bytes().await.unwrap().to_vec(), ct)
}

/// Flips one character of the `X-Amz-Signature` query value.
fn tamper_signature(url: &str) -> String {
    let (head, sig) = url.split_once("X-Amz-Signature=").unwrap();
    let mut chars: Vec<char> = sig.chars().collect();
    chars[0] = if chars[0] == 'a' { 'b' } else { 'a' };
    format!("{head}X-Amz-Signature={}", chars.into_iter().collect::<String>())
}

#[tokio::test]
async fn files_live_in_the_bucket_and_links_are_presigned() {
    let s3 = S3Server::start().await;
    let app = spawn_app_with(Options {
        s3: Some(s3.settings()),
        ..Options::default()
    })
    .await;
    assert_eq!(app.get("/readyz", None).await.status, 200);
    let (scan_ref, _) = app.submitted().await;

    // the objects are in the bucket, not in the local files directory
    let front_path = s3
        .root
        .join(BUCKET)
        .join(format!("verifications/{scan_ref}/FRONT"));
    assert_eq!(std::fs::read(&front_path).unwrap(), jpeg(64, 48));
    assert!(!app.files_dir.join("verifications").exists());

    let f = app
        .post("/api/v2/files", &app.a, json!({"scanRef": scan_ref}))
        .await
        .json();
    let front = f["fileUrls"]["FRONT"].as_str().unwrap().to_owned();
    let face = f["fileUrls"]["FACE"].as_str().unwrap().to_owned();
    // presigned for one hour, at the bucket
    assert!(
        front.starts_with(&format!(
            "{}/{BUCKET}/verifications/{scan_ref}/FRONT?",
            s3.endpoint
        )),
        "{front}"
    );
    assert!(front.contains("X-Amz-Expires=3600"), "{front}");
    assert!(front.contains("X-Amz-Signature="), "{front}");
    assert!(!front.contains(SECRET_KEY));

    let (status, bytes, ct) = fetch(&front).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(bytes, jpeg(64, 48));
    assert_eq!(ct.as_deref(), Some("image/jpeg"));
    let (status, bytes, _) = fetch(&face).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, png(32, 32, 7));

    // a tampered signature, a different object under the same signature, and no signature at all
    let (status, body, _) = fetch(&tamper_signature(&front)).await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = fetch(&front.replace("/FRONT?", "/FACE?")).await;
    assert_eq!(status, 403);
    let unsigned = front.split_once('?').unwrap().0;
    let (status, _, _) = fetch(unsigned).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn webhook_file_urls_are_presigned_too() {
    let s3 = S3Server::start().await;
    let app = spawn_app_with(Options {
        s3: Some(s3.settings()),
        ..Options::default()
    })
    .await;
    let rx = app.webhook_receiver(vec![]).await;
    let (scan_ref, _) = app.submitted().await;
    // finish the verification the way the analysis does: a result and its event in one step
    let partner = app.repo.partner_by_key(&app.a.key).await.unwrap().unwrap();
    let result = VerificationResult {
        status: OverallStatus::Approved,
        auto_document: None,
        auto_face: None,
        manual_document: None,
        manual_face: None,
        fraud_tags: vec![],
        mismatch_tags: vec![],
        data: ivs_core::wire::DocData::default(),
    };
    let event = NewWebhookEvent {
        event_id: "evt_s3_test".into(),
        partner_id: partner.id,
        scan_ref: scan_ref.clone(),
        event_type: EventType::IdentificationManualFinished,
        final_: true,
        callback_url: None,
    };
    app.repo
        .record_result(&scan_ref, &result, app.clock.unix(), Some(&event))
        .await
        .unwrap();
    rx.wait_for(1).await;
    let body: Value = serde_json::from_slice(&rx.got.lock().unwrap()[0].1).unwrap();
    let front = body["fileUrls"]["FRONT"].as_str().unwrap().to_owned();
    assert!(front.starts_with(&s3.endpoint), "{front}");
    let (status, bytes, _) = fetch(&front).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, jpeg(64, 48));
    assert_eq!(fetch(&tamper_signature(&front)).await.0, 403);
}

#[tokio::test]
async fn readiness_fails_when_the_bucket_refuses_the_credentials() {
    let s3 = S3Server::start().await;
    let mut wrong = s3.settings();
    wrong.secret_access_key = "not-the-secret".into();
    let app = spawn_app_with(Options {
        s3: Some(wrong),
        ..Options::default()
    })
    .await;
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.json()["files"], "unreachable");
    assert_eq!(r.json()["database"], "ok");
    // and with nothing listening at the endpoint
    let mut gone = s3.settings();
    gone.endpoint = "http://127.0.0.1:9".into();
    let app = spawn_app_with(Options {
        s3: Some(gone),
        ..Options::default()
    })
    .await;
    assert_eq!(app.get("/readyz", None).await.status, 503);
}

#[tokio::test]
async fn config_check_shows_the_s3_settings_without_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let settings = S3Server::start().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ivs"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["config", "check"])
        .envs(settings.env())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(SECRET_KEY), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["files"]["backend"], "s3");
    assert_eq!(v["files"]["bucket"], BUCKET);
    assert_eq!(v["files"]["access_key_id"], ACCESS_KEY);
    assert_eq!(v["files"]["secret_access_key"], "***");
}
