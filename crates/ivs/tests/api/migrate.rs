//! `ivs migrate-files`, run as the operator runs it.
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
