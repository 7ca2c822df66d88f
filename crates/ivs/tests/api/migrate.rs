//! `ivs migrate-files` and `ivs migrate-db`, run as the operator runs them.
use crate::helpers::{b64, jpeg, png};
use crate::process::{Server, create_partner};
use crate::s3::{BUCKET, S3Server};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn ivs(data: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ivs"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("IVS_DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

fn json_out(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn post(base: &str, auth: &str, path: &str, body: Value) -> (u16, Value) {
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

/// Waits until the analysis of a submitted verification has finished (status no longer ACTIVE).
pub async fn settled(base: &str, auth: &str, scan_ref: &str) -> Value {
    for _ in 0..1200 {
        let (s, v) = post(base, auth, "/api/v2/status", json!({"scanRef": scan_ref})).await;
        assert_eq!(s, 200);
        if v["status"] != "ACTIVE" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{scan_ref} still ACTIVE after 60 s");
}

/// `n` submitted verifications (a JPEG front and a PNG selfie each) → their scanRefs.
async fn submit(base: &str, auth: &str, n: usize) -> Vec<String> {
    let mut refs = Vec::new();
    for i in 0..n {
        let (s, t) = post(base, auth, "/api/v2/token", json!({"clientId": format!("c{i}")})).await;
        assert_eq!(s, 201);
        let body = json!({"authToken": t["authToken"],
                          "images": {"FRONT": b64(&jpeg(50 + i as u32, 30)), "FACE": b64(&png(20, 20, i as u8))}});
        assert_eq!(post(base, auth, "/api/v2/process", body).await.0, 200);
        refs.push(t["scanRef"].as_str().unwrap().to_owned());
    }
    refs
}

// blocking `ivs` commands run while the in-test S3 server answers: it needs a thread of its own
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_files_copies_to_the_bucket_resumably() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = S3Server::start().await;
    let (auth, _) = create_partner(dir.path(), None);
    let server = Server::start(dir.path(), "local.log", &[]).await;
    let refs = submit(&server.base, &auth, 3).await;
    server.stop();
    let local = dir.path().join("files");
    let bucket = s3.root.join(BUCKET);

    // the S3 target through IVS_FILES__* (the backend stays local while migrating)
    let env: Vec<(String, String)> = s3
        .env()
        .into_iter()
        .filter(|(k, _)| k != "IVS_FILES__BACKEND")
        .collect();
    let r = json_out(&ivs(dir.path(), &env, &["migrate-files", "--to", "s3", "--json"]));
    assert_eq!(r["objects"], 6);
    assert_eq!(r["copied"], 6);
    assert_eq!(r["skipped"], 0);
    assert_eq!(r["deleted"], 0);
    for scan in &refs {
        for kind in ["FRONT", "FACE"] {
            let key = format!("verifications/{scan}/{kind}");
            assert_eq!(
                std::fs::read(bucket.join(&key)).unwrap(),
                std::fs::read(local.join(&key)).unwrap()
            );
        }
    }

    // an interrupted run: one object never arrived, one arrived short
    std::fs::remove_file(bucket.join(format!("verifications/{}/FRONT", refs[0]))).unwrap();
    std::fs::write(bucket.join(format!("verifications/{}/FACE", refs[1])), b"short").unwrap();
    let r = json_out(&ivs(dir.path(), &env, &["migrate-files", "--to", "s3", "--json"]));
    assert_eq!((r["copied"].clone(), r["skipped"].clone()), (json!(2), json!(4)));
    assert_eq!(
        std::fs::read(bucket.join(format!("verifications/{}/FACE", refs[1]))).unwrap(),
        png(20, 20, 1)
    );
    // a rerun copies nothing
    let r = json_out(&ivs(dir.path(), &env, &["migrate-files", "--to", "s3", "--json"]));
    assert_eq!((r["copied"].clone(), r["skipped"].clone()), (json!(0), json!(6)));
    // the text summary
    let out = ivs(dir.path(), &env, &["migrate-files", "--to", "s3"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("6 objects") && text.contains("0 copied"), "{text}");

    // flags override the configuration: a bucket that does not exist is an error, nothing deleted
    let out = ivs(
        dir.path(),
        &env,
        &[
            "migrate-files",
            "--to",
            "s3",
            "--bucket",
            "no-such-bucket",
            "--delete-source",
        ],
    );
    assert!(!out.status.success());
    assert!(local.join(format!("verifications/{}/FRONT", refs[0])).exists());

    // --delete-source empties the directory once the bucket holds everything
    let r = json_out(&ivs(
        dir.path(),
        &env,
        &["migrate-files", "--to", "s3", "--delete-source", "--json"],
    ));
    assert_eq!((r["copied"].clone(), r["deleted"].clone()), (json!(0), json!(6)));
    assert!(!local.join(format!("verifications/{}/FRONT", refs[0])).exists());

    // switched to S3, the same installation serves the migrated files from the bucket
    let s3_env = s3.env();
    let s3_env: Vec<(&str, &str)> = s3_env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = Server::start(dir.path(), "s3.log", &s3_env).await;
    let (s, f) = post(&server.base, &auth, "/api/v2/files", json!({"scanRef": refs[2]})).await;
    assert_eq!(s, 200);
    let url = f["fileUrls"]["FRONT"].as_str().unwrap();
    assert!(url.starts_with(&s3.endpoint), "{url}");
    let got = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.to_vec(), jpeg(52, 30));
    server.stop();
}

/// A fresh, empty PostgreSQL database on the `IVS_TEST_PG_URL` server.
pub async fn fresh_pg_database(admin: &str) -> String {
    let name = format!("ivs_api_{}", uuid::Uuid::new_v4().simple());
    let db = ivs_store::connect(admin, 1).await.unwrap();
    db.execute_sql(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    db.pool.close().await;
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}

/// A small SQLite installation with every kind of row: partner, verifications (unused, finished,
/// submitted), files, jobs, settings, webhook events and attempts. → (data dir, auth, scanRefs,
/// the source's /status and /data answers, webhook receiver).
struct Source {
    dir: tempfile::TempDir,
    auth: String,
    refs: Vec<String>,
    answers: Vec<(String, Value)>,
    rx: crate::webhooks::Receiver,
}

const WEBHOOK_ENV: [(&str, &str); 2] = [
    ("IVS_WEBHOOKS__ALLOW_PRIVATE", "true"),
    ("IVS_WORKERS__IDLE_POLL_MS", "20"),
];

async fn source_installation() -> Source {
    let dir = tempfile::tempdir().unwrap();
    let (rx, hook) = crate::webhooks::Receiver::start(vec![]).await;
    let (auth, _) = create_partner(dir.path(), Some(&hook));
    let server = Server::start(dir.path(), "source.log", &WEBHOOK_ENV).await;
    let mut refs = submit(&server.base, &auth, 2).await;
    let (s, t) = post(
        &server.base,
        &auth,
        "/api/v2/token",
        json!({"clientId": "dummy", "dummyStatus": "APPROVED"}),
    )
    .await;
    assert_eq!(s, 201);
    refs.push(t["scanRef"].as_str().unwrap().to_owned());
    let (s, _) = post(
        &server.base,
        &auth,
        "/api/v2/token",
        json!({"clientId": "unused"}),
    )
    .await;
    assert_eq!(s, 201);
    rx.wait_for(1).await;
    // let the pipeline finish the submitted ones, so the answers below are final
    for scan in &refs[..2] {
        settled(&server.base, &auth, scan).await;
    }
    let mut answers = Vec::new();
    for scan in &refs {
        for path in ["/api/v2/status", "/api/v2/data"] {
            let (s, v) = post(&server.base, &auth, path, json!({"scanRef": scan})).await;
            assert_eq!(s, 200);
            answers.push((format!("{path} {scan}"), v));
        }
    }
    server.stop();
    Source {
        dir,
        auth,
        refs,
        answers,
        rx,
    }
}

async fn migrate_db_into(src: &Source, target_url: &str) {
    let source_url = format!("sqlite://{}", src.dir.path().join("ivs.db").display());
    let target_dir = tempfile::tempdir().unwrap();
    let args = ["migrate-db", "--from", &source_url, "--to", target_url, "--json"];
    let r = json_out(&ivs(target_dir.path(), &[], &args));
    let rows: std::collections::HashMap<String, u64> = r["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t[0].as_str().unwrap().to_owned(), t[1].as_u64().unwrap()))
        .collect();
    assert_eq!(rows["partners"], 1);
    assert_eq!(rows["verifications"], 4);
    assert_eq!(rows["files"], 4);
    assert_eq!(rows["jobs"], 2);
    assert!(rows["settings"] >= 1, "{r}");
    assert!(rows["webhook_events"] >= 1, "{r}");
    assert!(rows["webhook_attempts"] >= 1, "{r}");
    // tables of later migrations come along too (the pipeline's analyses)
    assert_eq!(rows["analyses"], 2, "{r}");
    // every table of the schema is copied
    let db = ivs_store::connect(target_url, 1).await.unwrap();
    let repo = ivs_store::SqlRepo::new(db);
    use ivs_store::Repo;
    let events = repo.webhook_events(&src.refs[2]).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(repo.webhook_attempts(&events[0].event_id).await.unwrap().len(), 1);

    // a second run refuses the now non-empty target; --force replaces its contents
    let out = ivs(target_dir.path(), &[], &args[..5]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not empty"),
        "{out:?}"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    let again = json_out(&ivs(target_dir.path(), &[], &forced));
    assert_eq!(again["tables"], r["tables"]);

    // a server on the copy answers as the original did, with the same credentials and files
    let mut env: Vec<(&str, &str)> = WEBHOOK_ENV.to_vec();
    env.push(("IVS_DATABASE_URL", target_url));
    let files_dir = src.dir.path().join("files");
    let files_dir = files_dir.to_str().unwrap();
    env.push(("IVS_FILES__PATH", files_dir));
    let server = Server::start(target_dir.path(), "target.log", &env).await;
    for scan in &src.refs {
        for path in ["/api/v2/status", "/api/v2/data"] {
            let (s, v) = post(&server.base, &src.auth, path, json!({"scanRef": scan})).await;
            assert_eq!(s, 200);
            let key = format!("{path} {scan}");
            let before = &src.answers.iter().find(|(k, _)| *k == key).unwrap().1;
            assert_eq!(&v, before, "{key}");
        }
    }
    let (_, f) = post(
        &server.base,
        &src.auth,
        "/api/v2/files",
        json!({"scanRef": src.refs[0]}),
    )
    .await;
    let front = reqwest::get(f["fileUrls"]["FRONT"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(front.status().as_u16(), 200);
    assert_eq!(front.bytes().await.unwrap().to_vec(), jpeg(50, 30));
    // new rows get fresh ids (a stale sequence would collide with a copied id)
    let delivered = src.rx.count();
    let more = submit(&server.base, &src.auth, 1).await;
    let (s, _) = post(
        &server.base,
        &src.auth,
        "/api/v2/token",
        json!({"clientId": "after", "dummyStatus": "DENIED"}),
    )
    .await;
    assert_eq!(s, 201);
    src.rx.wait_for(delivered + 1).await;
    server.stop();
    let jobs = repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap();
    assert_eq!(jobs.len(), 3);
    assert!(jobs[2].id > jobs[1].id && jobs[1].id > jobs[0].id, "{jobs:?}");
    assert_eq!(jobs[2].payload["scanRef"], more[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_db_copies_sqlite_into_sqlite() {
    let src = source_installation().await;
    let target = tempfile::tempdir().unwrap();
    migrate_db_into(
        &src,
        &format!("sqlite://{}", target.path().join("copy.db").display()),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_db_copies_sqlite_into_postgres() {
    let Ok(admin) = std::env::var("IVS_TEST_PG_URL") else {
        assert!(
            std::env::var("IVS_REQUIRE_PG").is_err(),
            "IVS_REQUIRE_PG is set but IVS_TEST_PG_URL is not"
        );
        eprintln!("skipped: IVS_TEST_PG_URL is not set");
        return;
    };
    let src = source_installation().await;
    let pg = fresh_pg_database(&admin).await;
    migrate_db_into(&src, &pg).await;
    // and back: PostgreSQL → SQLite carries the rows added on PostgreSQL too
    let back = tempfile::tempdir().unwrap();
    let back_url = format!("sqlite://{}", back.path().join("back.db").display());
    let r = json_out(&ivs(
        back.path(),
        &[],
        &["migrate-db", "--from", &pg, "--to", &back_url, "--json"],
    ));
    let jobs = r["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t[0] == "jobs")
        .unwrap()[1]
        .clone();
    assert_eq!(jobs, 3, "{r}");
    let repo = ivs_store::SqlRepo::new(ivs_store::connect(&back_url, 1).await.unwrap());
    use ivs_store::Repo;
    let copied = repo.jobs(ivs_store::JOB_ANALYSE).await.unwrap();
    assert_eq!(copied.len(), 3);
    let next = repo
        .enqueue(
            &ivs_store::NewJob {
                kind: "probe".into(),
                payload: json!({}),
                max_attempts: 1,
                run_at: 0,
                unique_key: None,
            },
            0,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(next > copied[2].id, "{next} after {:?}", copied[2].id);
}
