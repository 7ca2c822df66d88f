//! Two real `ivs serve` processes on one database and one bucket (the in-test S3 server): what
//! one writes the other serves, both ways. On PostgreSQL when `IVS_TEST_PG_URL` is set; on one
//! shared SQLite file always.
use crate::helpers::{b64, jpeg, png};
use crate::process::Server;
use crate::s3::S3Server;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// `ivs partner create --json` with the given environment → `key:secret`.
fn create_partner(data: &Path, env: &[(String, String)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ivs"))
        .arg("--data-dir")
        .arg(data)
        .args(["partner", "create", "--name", "shared", "--json"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    format!(
        "{}:{}",
        v["apiKey"].as_str().unwrap(),
        v["apiSecret"].as_str().unwrap()
    )
}

async fn call(base: &str, auth: &str, path: &str, body: Value) -> (u16, Value) {
    let (k, s) = auth.split_once(':').unwrap();
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .basic_auth(k, Some(s))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn fetch(url: &str) -> (u16, Vec<u8>) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

async fn two_processes(database_url: String) {
    let s3 = S3Server::start().await;
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let mut env = s3.env();
    env.push(("IVS_DATABASE_URL".into(), database_url));
    env.push(("IVS_LOG__FILTER".into(), "warn".into()));
    let auth = create_partner(dir_a.path(), &env);
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let a = Server::start(dir_a.path(), "a.log", &env_refs).await;
    let b = Server::start(dir_b.path(), "b.log", &env_refs).await;
    for (i, (writer, reader)) in [(&a, &b), (&b, &a)].into_iter().enumerate() {
        let (status, t) = call(
            &writer.base,
            &auth,
            "/api/v2/token",
            json!({"clientId": format!("client-{i}"), "firstName": "Anna"}),
        )
        .await;
        assert_eq!(status, 201, "{t}");
        let front = jpeg(60 + i as u32, 40);
        let face = png(24, 24, i as u8);
        let body = json!({"authToken": t["authToken"], "documentType": "PASSPORT",
                          "images": {"FRONT": b64(&front), "FACE": b64(&face)}});
        let (status, _) = call(&writer.base, &auth, "/api/v2/process", body).await;
        assert_eq!(status, 200);
        // the token is consumed for both processes
        let again = json!({"authToken": t["authToken"], "images": {"FRONT": b64(&front)}});
        assert_eq!(call(&reader.base, &auth, "/api/v2/process", again).await.0, 400);

        let scan = json!({"scanRef": t["scanRef"]});
        // whichever process analyses it, the result is the same for both once it is done
        crate::migrate::settled(&reader.base, &auth, t["scanRef"].as_str().unwrap()).await;
        for path in ["/api/v2/status", "/api/v2/data"] {
            let (sw, from_writer) = call(&writer.base, &auth, path, scan.clone()).await;
            let (sr, from_reader) = call(&reader.base, &auth, path, scan.clone()).await;
            assert_eq!((sw, sr), (200, 200), "{path}");
            assert_eq!(from_writer, from_reader, "{path} differs between the processes");
        }
        let (_, status) = call(&reader.base, &auth, "/api/v2/status", scan.clone()).await;
        assert_eq!(status["clientId"], format!("client-{i}"));
        for server in [writer, reader] {
            let (s, files) = call(&server.base, &auth, "/api/v2/files", scan.clone()).await;
            assert_eq!(s, 200);
            let url = files["fileUrls"]["FRONT"].as_str().unwrap();
            assert!(url.starts_with(&s3.endpoint), "{url}");
            assert_eq!(fetch(url).await, (200, front.clone()));
            let url = files["fileUrls"]["FACE"].as_str().unwrap();
            assert_eq!(fetch(url).await, (200, face.clone()));
        }
    }
    // both see the same verifications and answer ready
    for server in [&a, &b] {
        let r = reqwest::get(format!("{}/readyz", server.base)).await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    a.stop();
    b.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgres_database_and_one_bucket() {
    let Ok(admin) = std::env::var("IVS_TEST_PG_URL") else {
        assert!(
            std::env::var("IVS_REQUIRE_PG").is_err(),
            "IVS_REQUIRE_PG is set but IVS_TEST_PG_URL is not"
        );
        eprintln!("skipped: IVS_TEST_PG_URL is not set");
        return;
    };
    two_processes(crate::migrate::fresh_pg_database(&admin).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_sqlite_file_and_one_bucket() {
    let dir = tempfile::tempdir().unwrap();
    two_processes(format!("sqlite://{}", dir.path().join("shared.db").display())).await;
}
