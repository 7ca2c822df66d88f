//! Tests against real `ivs` processes: what the operator runs, killed the way machines die.
use crate::helpers::{b64, jpeg, png};
use crate::webhooks::Receiver;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ivs(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ivs"));
    c.arg("--data-dir").arg(data);
    // an IVS_TEST_PG_URL in the environment is for the in-process tests; these use SQLite
    c.env_remove("IVS_DATABASE_URL");
    // the tests run in crates/ivs; the models are at the workspace root
    c.env("IVS_MODELS_DIR", crate::helpers::models_dir());
    c
}

impl Server {
    // the child is handed to `Server`, whose `stop`/`kill9` wait on it
    #[allow(clippy::zombie_processes)]
    pub async fn start(data: &Path, log_name: &str, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let log = data.join(log_name);
        let mut cmd = ivs(data);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..300 {
            if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
                && r.status().is_success()
            {
                return Server { child, base, log };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "ivs serve did not come up; log: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// SIGTERM and wait: a graceful stop.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
    }
}

/// `ivs partner create --json` (sandbox) → (key:secret, signing key).
pub fn create_partner(data: &Path, webhook: Option<&str>) -> (String, String) {
    let mut cmd = ivs(data);
    cmd.args(["partner", "create", "--name", "t", "--json"]);
    if let Some(w) = webhook {
        cmd.args(["--webhook-url", w]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        format!(
            "{}:{}",
            v["apiKey"].as_str().unwrap(),
            v["apiSecret"].as_str().unwrap()
        ),
        v["webhookSigningKey"].as_str().unwrap().to_owned(),
    )
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

#[tokio::test]
async fn logs_are_json_with_request_ids_and_carry_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let (auth, _) = create_partner(dir.path(), None);
    let server = Server::start(dir.path(), "serve.log", &[]).await;
    let (status, t) = post(
        &server.base,
        &auth,
        "/api/v2/token",
        json!({"clientId": "client-abc", "firstName": "Zebulon", "lastName": "Quixote-Marchetti",
               "personalNumber": "PN998877", "documentNumber": "DN445566", "dateOfBirth": "1977-07-17"}),
    )
    .await;
    assert_eq!(status, 201);
    let body = json!({"authToken": t["authToken"], "images": {"FRONT": b64(&jpeg(40, 30)), "FACE": b64(&png(20, 20, 3))}});
    assert_eq!(post(&server.base, &auth, "/api/v2/process", body).await.0, 200);
    for path in ["/api/v2/status", "/api/v2/data", "/api/v2/files"] {
        assert_eq!(
            post(&server.base, &auth, path, json!({"scanRef": t["scanRef"]}))
                .await
                .0,
            200
        );
    }
    // a client error is logged too
    assert_eq!(
        post(
            &server.base,
            &auth,
            "/api/v2/token",
            json!({"firstName": "Zebulon"})
        )
        .await
        .0,
        400
    );
    let log_path = server.log.clone();
    server.stop();
    let log = std::fs::read_to_string(log_path).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("every log line is JSON"))
        .collect();
    assert!(
        lines.iter().any(|l| l["fields"]["message"] == "token created"),
        "{log}"
    );
    assert!(log.contains("request_id"), "{log}");
    let upper = log.to_uppercase();
    for secret in [
        "ZEBULON",
        "QUIXOTE",
        "PN998877",
        "DN445566",
        "1977-07-17",
        "CLIENT-ABC",
    ] {
        assert!(!upper.contains(secret), "{secret} leaked into the log:\n{log}");
    }
}

#[tokio::test]
async fn kill_9_during_deliveries_loses_no_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let (rx, hook) = Receiver::start_slow(Duration::from_millis(15)).await;
    let (auth, _) = create_partner(dir.path(), Some(&hook));
    let env = [
        ("IVS_WEBHOOKS__ALLOW_PRIVATE", "true"),
        ("IVS_WEBHOOKS__TIMEOUT_SECS", "2"),
        ("IVS_WEBHOOKS__LEASE_SECS", "3"),
        ("IVS_WORKERS__IDLE_POLL_MS", "20"),
        ("IVS_LOG__FILTER", "warn"),
    ];
    let server = Server::start(dir.path(), "first.log", &env).await;
    const N: usize = 200;
    for i in 0..N {
        let (status, _) = post(
            &server.base,
            &auth,
            "/api/v2/token",
            json!({"clientId": format!("c{i}"), "dummyStatus": "APPROVED"}),
        )
        .await;
        assert_eq!(status, 201);
    }
    // let deliveries get going, then pull the plug mid-flight
    rx.wait_for(20).await;
    server.kill9();
    let before_restart = rx.count();
    assert!(
        before_restart < N,
        "all {N} delivered before the kill; the test proves nothing"
    );
    let server = Server::start(dir.path(), "second.log", &env).await;
    let mut ids: HashMap<String, usize> = HashMap::new();
    for _ in 0..1200 {
        ids.clear();
        for (h, _) in rx.got.lock().unwrap().iter() {
            *ids.entry(h["webhook-id"].to_str().unwrap().to_owned())
                .or_default() += 1;
        }
        if ids.len() >= N {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // events the killed process had leased are retried once their lease (3 s) runs out: wait that
    // out so their duplicates are counted too
    tokio::time::sleep(Duration::from_millis(4500)).await;
    ids.clear();
    for (h, _) in rx.got.lock().unwrap().iter() {
        *ids.entry(h["webhook-id"].to_str().unwrap().to_owned())
            .or_default() += 1;
    }
    server.stop();
    assert_eq!(ids.len(), N, "every event delivered at least once");
    let duplicates: usize = ids.values().map(|n| n - 1).sum();
    eprintln!("crash test: {before_restart} delivered before kill -9, {duplicates} duplicate deliveries");
    // a duplicate can only come from an attempt cut off by the kill: at most one per worker loop
    assert!(duplicates <= 2, "{duplicates} duplicates");
}

// the commands run blocking while the receiver answers: it needs a thread of its own
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_test_and_redeliver_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (rx, hook) = Receiver::start(vec![]).await;
    let (auth, signing_key) = create_partner(dir.path(), Some(&hook));
    let key = auth.split_once(':').unwrap().0.to_owned();
    let run = |args: &[&str], allow_private: bool| {
        let mut c = ivs(dir.path());
        c.args(args);
        if allow_private {
            c.env("IVS_WEBHOOKS__ALLOW_PRIVATE", "true");
        }
        c.output().unwrap()
    };
    // the default configuration refuses a loopback URL
    let refused = run(&["webhooks", "test", "--partner", &key], false);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("private or loopback"));
    let out = run(&["webhooks", "test", "--partner", &key], true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], 200);
    rx.wait_for(1).await;
    let (h, body) = rx.got.lock().unwrap()[0].clone();
    assert_eq!(h["webhook-id"].to_str().unwrap(), v["eventId"].as_str().unwrap());
    let expected = {
        use hmac::{Hmac, Mac};
        let mut m = Hmac::<sha2::Sha256>::new_from_slice(signing_key.as_bytes()).unwrap();
        m.update(&body);
        m.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(h["idenfy-signature"].to_str().unwrap(), expected);

    let out = run(&["webhooks", "redeliver", "--partner", &key], false);
    assert!(out.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["redelivered"],
        0
    );
    let out = run(
        &["webhooks", "redeliver", "--partner", &key, "--event", "evt_nope"],
        false,
    );
    assert!(!out.status.success());
}
