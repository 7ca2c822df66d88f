//! Throughput measurements, not tests: `#[ignore]`d, run on purpose and written to
//! docs/benchmarks.md. `cargo test --release -p ivs --test api bench_ -- --ignored --nocapture
//! --test-threads=1` (add `IVS_TEST_PG_URL=…` for PostgreSQL).
use crate::helpers::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn backend() -> &'static str {
    if std::env::var("IVS_TEST_PG_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn bench_webhook_deliveries_per_second() {
    let app = spawn_app().await; // 1 worker loop
    let rx = app.webhook_receiver(vec![]).await;
    // park deliveries while events are created: the URL points nowhere first
    const N: usize = 1000;
    for i in 0..N {
        let t = app.token(json!({"clientId": format!("c{i}")})).await;
        let _ = t;
    }
    // expire them all at once: the worker turns each into an event and delivers it
    let start = Instant::now();
    app.clock.advance(86_401);
    for _ in 0..6000 {
        if rx.count() >= N {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(rx.count(), N);
    println!(
        "BENCH {}: {N} expiries → signed webhooks delivered in {secs:.2} s = {:.0}/s (1 worker loop)",
        backend(),
        N as f64 / secs
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn bench_job_claims_per_second() {
    let app = spawn_app().await;
    const N: i64 = 2000;
    for i in 0..N {
        let job = ivs_store::NewJob {
            kind: "bench".into(),
            payload: json!({"i": i}),
            max_attempts: 3,
            run_at: 0,
            unique_key: None,
        };
        app.repo.enqueue(&job, 0).await.unwrap();
    }
    let start = Instant::now();
    let mut handles = Vec::new();
    for w in 0..2 {
        let repo = app.repo.clone();
        handles.push(tokio::spawn(async move {
            let id = format!("w{w}");
            let mut n = 0;
            // times on the app's (fake) clock: its worker loops requeue jobs whose heartbeat looks stale
            while let Some(j) = repo.claim_job(&id, &["bench"], START).await.unwrap() {
                repo.complete_job(j.id, &id, START + 1).await.unwrap();
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(total, N);
    println!(
        "BENCH {}: {N} jobs claimed and completed by 2 workers in {secs:.2} s = {:.0}/s",
        backend(),
        N as f64 / secs
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Verifications per second through the server's own workers (2 loops, as `ivs serve` runs by
/// default) and the per-stage times recorded in each verification's evidence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn bench_pipeline_verifications_per_second() {
    let app = spawn_app_with(Options {
        analyse: true,
        workers: 2,
        scan_ref_hourly: 100_000,
        ..Options::default()
    })
    .await;
    let front = crate::pipeline::passport("obama.jpg", "320101", 0.0);
    let face = crate::pipeline::selfie("obama2.jpg");
    const N: usize = 40;
    let start = Instant::now();
    let mut scans = Vec::new();
    for i in 0..N {
        scans.push(
            app.verify(json!({"clientId": format!("c{i}")}), &front, &face)
                .await,
        );
    }
    for s in &scans {
        let st = app.decided(s).await;
        assert_eq!(st["status"], "APPROVED", "{st}");
    }
    let secs = start.elapsed().as_secs_f64();
    let mut stages: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for s in &scans {
        let a = app.repo.analysis(s).await.unwrap().unwrap();
        for k in ["readFront", "portrait", "selfie", "fraud", "total"] {
            let v = a.evidence["millis"][k].as_f64().unwrap_or(f64::NAN);
            stages.entry(k).or_default().push(v);
        }
    }
    println!(
        "BENCH {}: {N} verifications (submit → decided) in {secs:.1} s = {:.2}/s, 2 worker loops",
        backend(),
        N as f64 / secs
    );
    for (k, mut v) in stages {
        v.sort_by(f64::total_cmp);
        println!(
            "BENCH stage {k}: median {:.0} ms, p95 {:.0} ms",
            percentile(&v, 0.5),
            percentile(&v, 0.95)
        );
    }
}

/// Rebuilding the duplicate-face index from the store, as `ivs serve` does at start-up:
/// `IVS_BENCH_FACES` rows (default 100,000) of real-shaped embeddings written straight into the
/// `faces` table, then one `FaceIndexCache::sync`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn bench_face_index_rebuild_from_store() {
    let app = spawn_app().await;
    let n: usize = std::env::var("IVS_BENCH_FACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let db = ivs_store::connect(&app.database_url, 2).await.unwrap();
    let t = Instant::now();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rows = Vec::new();
    for i in 0..n {
        let mut v = [0f32; 128];
        for x in v.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *x = (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let hex: String = v
            .iter()
            .flat_map(|x| (x / norm).to_le_bytes())
            .map(|b| format!("{b:02x}"))
            .collect();
        rows.push(format!("('p-bench', 's{i}', 'c{i}', 'SELFIE', '{hex}', 0)"));
        if rows.len() == 1000 || i + 1 == n {
            db.execute_sql(&format!(
                "INSERT INTO faces (partner_id, scan_ref, client_id, source, embedding, created_at) VALUES {}",
                rows.join(", ")
            ))
            .await
            .unwrap();
            rows.clear();
        }
    }
    let load = t.elapsed();
    let cache = ivs_worker::FaceIndexCache::default();
    let t = Instant::now();
    let added = cache.sync(&app.repo).await.unwrap();
    let rebuild = t.elapsed();
    assert_eq!(added, n);
    println!(
        "BENCH {}: face index rebuilt from {n} stored embeddings in {:.2} s (writing them took {:.1} s)",
        backend(),
        rebuild.as_secs_f64(),
        load.as_secs_f64()
    );
}
