//! The storage conformance suite: the same behaviour on SQLite (always) and on PostgreSQL (when
//! `IVS_TEST_PG_URL` names a server; each run creates and drops its own database there).
use crate::*;
use ivs_core::policy::{ManualResult, VerificationResult};
use ivs_core::token::validate_token_request;
use ivs_core::verification::Phase;
use ivs_core::vocab::{DocumentStatus, FaceStatus, FileKind, OverallStatus};
use serde_json::json;

struct TestDb {
    repo: SqlRepo,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    async fn cleanup(self) {
        if let Some((admin_url, name)) = self.pg_drop {
            self.repo.db().pool.close().await;
            let admin = connect(&admin_url, 1).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&admin.pool)
                .await
                .unwrap();
        }
    }
}

async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let db = connect(&url, 4).await.unwrap();
    db.migrate().await.unwrap();
    TestDb {
        repo: SqlRepo::new(db),
        _dir: Some(dir),
        pg_drop: None,
    }
}

async fn postgres() -> Option<TestDb> {
    let admin_url = std::env::var("IVS_TEST_PG_URL").ok()?;
    let name = format!("ivs_store_{}", uuid::Uuid::new_v4().simple());
    let admin = connect(&admin_url, 1).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&admin.pool)
        .await
        .unwrap();
    admin.pool.close().await;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
    let db = connect(&format!("{base}/{name}"), 4).await.unwrap();
    db.migrate().await.unwrap();
    Some(TestDb {
        repo: SqlRepo::new(db),
        _dir: None,
        pg_drop: Some((admin_url, name)),
    })
}

/// Runs `f` against every configured backend.
macro_rules! conformance {
    ($name:ident, $body:expr) => {
        #[tokio::test]
        async fn $name() {
            let t = sqlite().await;
            ($body)(&t.repo).await;
            t.cleanup().await;
            if let Some(t) = postgres().await {
                ($body)(&t.repo).await;
                t.cleanup().await;
            } else if std::env::var("IVS_REQUIRE_PG").is_ok() {
                panic!("IVS_REQUIRE_PG is set but IVS_TEST_PG_URL is not");
            }
        }
    };
}

fn partner(id: &str) -> Partner {
    Partner {
        id: id.into(),
        name: format!("partner {id}"),
        api_key: format!("key-{id}"),
        secret_hash: hash_secret("s3cret"),
        mode: PartnerMode::Sandbox,
        webhook_url: None,
        signing_key: "sign".into(),
        webhook_disabled: false,
        token_defaults: serde_json::Map::new(),
        created_at: 100,
    }
}

fn new_verification(partner_id: &str, scan_ref: &str, token: &str) -> NewVerification {
    NewVerification {
        scan_ref: scan_ref.into(),
        partner_id: partner_id.into(),
        client_id: "client-1".into(),
        auth_token: token.into(),
        digit_string: None,
        token: validate_token_request(
            &json!({"clientId": "client-1", "firstName": "Anna"}),
            &Default::default(),
        )
        .unwrap(),
        created_at: 1000,
        expires_at: 2000,
    }
}

fn submission(partner_id: &str, scan_ref: &str) -> Submission {
    Submission {
        scan_ref: scan_ref.into(),
        partner_id: partner_id.into(),
        selected_country: Some("LT".into()),
        document_type: Some(ivs_core::vocab::DocumentType::Passport),
        files: vec![StoredFile {
            scan_ref: scan_ref.into(),
            kind: FileKind::Front,
            object_key: format!("verifications/{scan_ref}/FRONT"),
            content_type: "image/png".into(),
            byte_len: 10,
            sha256: "00".into(),
            created_at: 1500,
        }],
        job: NewJob {
            kind: JOB_ANALYSE.into(),
            payload: json!({"scanRef": scan_ref}),
            max_attempts: 5,
            run_at: 1500,
            unique_key: Some(format!("analyse:{scan_ref}")),
        },
        now: 1500,
    }
}

conformance!(partners_round_trip_and_verify_secrets, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        repo.create_partner(&partner("p1")).await.unwrap();
        assert!(matches!(
            repo.create_partner(&partner("p1")).await,
            Err(StoreError::Conflict(_))
        ));
        let p = repo.partner_by_key("key-p1").await.unwrap().unwrap();
        assert_eq!(p, partner("p1"));
        assert!(p.verify_secret("s3cret"));
        assert!(!p.verify_secret("s3cret "));
        repo.set_partner_secret_hash("key-p1", &hash_secret("new"))
            .await
            .unwrap();
        let p = repo.partner_by_id("p1").await.unwrap().unwrap();
        assert!(p.verify_secret("new") && !p.verify_secret("s3cret"));
        repo.set_partner_webhook("key-p1", Some("https://hook.example/x"), "k2")
            .await
            .unwrap();
        let p = repo.partner_by_key("key-p1").await.unwrap().unwrap();
        assert_eq!(p.webhook_url.as_deref(), Some("https://hook.example/x"));
        assert_eq!(p.signing_key, "k2");
        assert!(matches!(
            repo.set_partner_secret_hash("nope", "x").await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(repo.list_partners().await.unwrap().len(), 1);
        assert!(repo.partner_by_key("key-unknown").await.unwrap().is_none());
    }
});

conformance!(verifications_are_scoped_by_partner, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        repo.create_partner(&partner("p1")).await.unwrap();
        repo.create_partner(&partner("p2")).await.unwrap();
        repo.create_verification(&new_verification("p1", "s1", "tok1"))
            .await
            .unwrap();
        let v = repo.verification("p1", "s1").await.unwrap().unwrap();
        assert_eq!(v.phase, Phase::Issued);
        assert_eq!(v.effective_status(1500), OverallStatus::Active);
        assert_eq!(v.effective_status(2000), OverallStatus::Expired);
        assert_eq!(v.token.view().unwrap().first_name.as_deref(), Some("ANNA"));
        assert!(repo.verification("p2", "s1").await.unwrap().is_none());
        assert_eq!(
            repo.verification_by_token("tok1")
                .await
                .unwrap()
                .unwrap()
                .scan_ref,
            "s1"
        );
    }
});

conformance!(submit_is_atomic_and_consumes_the_token_once, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        repo.create_partner(&partner("p1")).await.unwrap();
        repo.create_verification(&new_verification("p1", "s1", "tok1"))
            .await
            .unwrap();
        repo.submit(&submission("p1", "s1")).await.unwrap();
        let v = repo.verification("p1", "s1").await.unwrap().unwrap();
        assert_eq!(v.phase, Phase::Processing);
        assert_eq!(v.selected_country.as_deref(), Some("LT"));
        assert_eq!(repo.files("s1").await.unwrap().len(), 1);
        let jobs = repo.jobs(JOB_ANALYSE).await.unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].status, JobStatus::Queued);
        assert_eq!(jobs[0].payload, json!({"scanRef": "s1"}));
        // the second submit loses and changes nothing
        assert!(matches!(
            repo.submit(&submission("p1", "s1")).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(repo.files("s1").await.unwrap().len(), 1);
        assert_eq!(repo.jobs(JOB_ANALYSE).await.unwrap().len(), 1);
        // another partner cannot submit on this verification
        repo.create_verification(&new_verification("p1", "s2", "tok2"))
            .await
            .unwrap();
        repo.create_partner(&partner("p2")).await.unwrap();
        assert!(matches!(
            repo.submit(&submission("p2", "s2")).await,
            Err(StoreError::Conflict(_))
        ));
    }
});

conformance!(failed_submit_leaves_nothing_half_written, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        repo.create_partner(&partner("p1")).await.unwrap();
        repo.create_verification(&new_verification("p1", "s1", "tok1"))
            .await
            .unwrap();
        let mut s = submission("p1", "s1");
        // the same file twice violates the primary key after the token update: all must roll back
        s.files.push(s.files[0].clone());
        assert!(repo.submit(&s).await.is_err());
        let v = repo.verification("p1", "s1").await.unwrap().unwrap();
        assert_eq!(v.phase, Phase::Issued);
        assert!(repo.files("s1").await.unwrap().is_empty());
        assert!(repo.jobs(JOB_ANALYSE).await.unwrap().is_empty());
    }
});

conformance!(results_and_tombstones, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        repo.create_partner(&partner("p1")).await.unwrap();
        repo.create_verification(&new_verification("p1", "s1", "tok1"))
            .await
            .unwrap();
        repo.submit(&submission("p1", "s1")).await.unwrap();
        let result = VerificationResult {
            status: OverallStatus::Approved,
            auto_document: Some(DocumentStatus::DocValidated),
            auto_face: Some(FaceStatus::FaceMatch),
            manual_document: None,
            manual_face: None,
            fraud_tags: vec![],
            mismatch_tags: vec![],
            data: ivs_core::wire::DocData {
                doc_first_name: Some("ANNA".into()),
                ..Default::default()
            },
        };
        repo.record_result("s1", &result, 1600, None).await.unwrap();
        let v = repo.verification("p1", "s1").await.unwrap().unwrap();
        assert_eq!(v.effective_status(1_000_000), OverallStatus::Approved);
        assert_eq!(v.data_object().doc_first_name.as_deref(), Some("ANNA"));
        repo.tombstone("s1", OverallStatus::Deleted, 1700).await.unwrap();
        let v = repo.verification("p1", "s1").await.unwrap().unwrap();
        assert_eq!(v.phase, Phase::Deleted);
        assert_eq!(v.effective_status(1_000_000), OverallStatus::Deleted);
        assert_eq!(v.data_object(), ivs_core::wire::DocData::default());
        assert_eq!(v.token.view().unwrap().first_name, None);
        assert!(repo.files("s1").await.unwrap().is_empty());
        assert!(matches!(
            repo.record_result("s1", &result, 1800, None).await,
            Err(StoreError::NotFound)
        ));
    }
});

conformance!(
    jobs_enqueue_idempotently_and_settings_keep_the_first_value,
    |repo: &SqlRepo| {
        let repo = repo.clone();
        async move {
            let job = NewJob {
                kind: "k".into(),
                payload: json!({"a": 1}),
                max_attempts: 3,
                run_at: 5,
                unique_key: Some("u1".into()),
            };
            assert!(repo.enqueue(&job, 1).await.unwrap().is_some());
            assert!(repo.enqueue(&job, 2).await.unwrap().is_none());
            let no_key = NewJob {
                unique_key: None,
                ..job.clone()
            };
            assert!(repo.enqueue(&no_key, 3).await.unwrap().is_some());
            assert!(repo.enqueue(&no_key, 3).await.unwrap().is_some());
            assert_eq!(repo.jobs("k").await.unwrap().len(), 3);
            assert_eq!(repo.setting_or_init("url_key", "first").await.unwrap(), "first");
            assert_eq!(repo.setting_or_init("url_key", "second").await.unwrap(), "first");
        }
    }
);

#[tokio::test]
async fn local_files_put_get_delete() {
    let dir = tempfile::tempdir().unwrap();
    let files = Files::local(dir.path()).unwrap();
    files.ping().await.unwrap();
    let key = Files::key_for("s1", "FRONT");
    files.put(&key, bytes::Bytes::from_static(b"abc")).await.unwrap();
    assert_eq!(files.get(&key).await.unwrap().unwrap().bytes.as_ref(), b"abc");
    files.delete(&key).await.unwrap();
    files.delete(&key).await.unwrap();
    assert!(files.get(&key).await.unwrap().is_none());
}

conformance!(
    jobs_are_claimed_once_heartbeat_and_come_back_when_stale,
    |repo: &SqlRepo| {
        let repo = repo.clone();
        async move {
            let job = |key: &str, run_at| NewJob {
                kind: "k".into(),
                payload: json!({}),
                max_attempts: 2,
                run_at,
                unique_key: Some(key.into()),
            };
            repo.enqueue(&job("a", 10), 1).await.unwrap();
            repo.enqueue(&job("b", 50), 1).await.unwrap();
            assert!(repo.claim_job("w1", &["other"], 100).await.unwrap().is_none());
            let a = repo.claim_job("w1", &["k"], 20).await.unwrap().unwrap();
            assert_eq!(
                (a.unique_key.as_deref(), a.attempts, a.status),
                (Some("a"), 1, JobStatus::Running)
            );
            // b is not due yet, a is taken
            assert!(repo.claim_job("w2", &["k"], 20).await.unwrap().is_none());
            assert!(repo.heartbeat_job(a.id, "w1", 30).await.unwrap());
            assert!(!repo.heartbeat_job(a.id, "w2", 30).await.unwrap());
            // w1 dies: after the stale cut-off a goes back and is claimed again
            assert_eq!(repo.requeue_stale_jobs(25).await.unwrap(), 0);
            assert_eq!(repo.requeue_stale_jobs(31).await.unwrap(), 1);
            let a2 = repo.claim_job("w2", &["k"], 40).await.unwrap().unwrap();
            assert_eq!((a2.id, a2.attempts), (a.id, 2));
            // the dead worker's late completion changes nothing
            repo.complete_job(a.id, "w1", 41).await.unwrap();
            assert_eq!(repo.jobs("k").await.unwrap()[0].status, JobStatus::Running);
            repo.retry_job(a2.id, "w2", "boom", Some(60)).await.unwrap();
            let b = repo.claim_job("w2", &["k"], 55).await.unwrap().unwrap();
            assert_eq!(b.unique_key.as_deref(), Some("b"));
            repo.complete_job(b.id, "w2", 56).await.unwrap();
            let a3 = repo.claim_job("w2", &["k"], 60).await.unwrap().unwrap();
            assert_eq!(a3.last_error.as_deref(), Some("boom"));
            repo.retry_job(a3.id, "w2", "again", None).await.unwrap();
            let all = repo.jobs("k").await.unwrap();
            assert_eq!(all[0].status, JobStatus::Failed);
            assert_eq!(all[1].status, JobStatus::Done);
            // a job whose every attempt dies comes back once more past its maximum (so its
            // runner can settle it without running it), then fails instead of looping
            repo.enqueue(&job("c", 0), 1).await.unwrap();
            let c = repo.claim_job("w3", &["k"], 70).await.unwrap().unwrap();
            let max = c.max_attempts;
            let mut last = c;
            for t in 1..=max {
                repo.requeue_stale_jobs(70 + 10 * t).await.unwrap();
                let again = repo.claim_job("w3", &["k"], 71 + 10 * t).await.unwrap().unwrap();
                assert_eq!((again.id, again.attempts), (last.id, last.attempts + 1));
                last = again;
            }
            assert_eq!(last.attempts, max + 1, "the hand-over claim is past the maximum");
            repo.requeue_stale_jobs(80 + 10 * max).await.unwrap();
            assert_eq!(repo.jobs("k").await.unwrap()[2].status, JobStatus::Failed);
            assert!(
                repo.claim_job("w3", &["k"], 90 + 10 * max)
                    .await
                    .unwrap()
                    .is_none()
            );
            assert!(
                repo.job_counts().await.unwrap().is_empty(),
                "done and failed jobs are not queue depth"
            );
        }
    }
);

conformance!(job_counts_are_queue_depth_by_kind_and_status, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        assert!(repo.job_counts().await.unwrap().is_empty());
        let job = |kind: &str, key: &str| NewJob {
            kind: kind.into(),
            payload: json!({}),
            max_attempts: 3,
            run_at: 10,
            unique_key: Some(key.into()),
        };
        for (kind, key) in [("b", "1"), ("b", "2"), ("b", "3"), ("a", "4")] {
            repo.enqueue(&job(kind, key), 1).await.unwrap();
        }
        let taken = repo.claim_job("w1", &["b"], 20).await.unwrap().unwrap();
        let done = repo.claim_job("w1", &["b"], 20).await.unwrap().unwrap();
        repo.complete_job(done.id, "w1", 21).await.unwrap();
        let row = |k: &str, s: &str, n| (k.to_string(), s.to_string(), n);
        assert_eq!(
            repo.job_counts().await.unwrap(),
            vec![
                row("a", "queued", 1),
                row("b", "queued", 1),
                row("b", "running", 1)
            ]
        );
        repo.retry_job(taken.id, "w1", "boom", None).await.unwrap();
        assert_eq!(
            repo.job_counts().await.unwrap(),
            vec![row("a", "queued", 1), row("b", "queued", 1)]
        );
    }
});

conformance!(
    outbox_events_are_written_with_the_change_and_leased,
    |repo: &SqlRepo| {
        let repo = repo.clone();
        async move {
            repo.create_partner(&partner("p1")).await.unwrap();
            repo.create_verification(&new_verification("p1", "s1", "tok1"))
                .await
                .unwrap();
            let event = |id: &str| NewWebhookEvent {
                event_id: id.into(),
                partner_id: "p1".into(),
                scan_ref: "s1".into(),
                event_type: ivs_core::vocab::EventType::IdentificationExpired,
                final_: true,
                callback_url: None,
            };
            // not expired yet: nothing happens, no event
            assert!(
                !repo
                    .expire_if_unused("s1", 1999, Some(&event("e1")))
                    .await
                    .unwrap()
            );
            assert!(repo.webhook_events("s1").await.unwrap().is_empty());
            assert_eq!(repo.unused_expired(2000, 10).await.unwrap()[0].scan_ref, "s1");
            assert!(
                repo.expire_if_unused("s1", 2000, Some(&event("e1")))
                    .await
                    .unwrap()
            );
            assert!(
                !repo
                    .expire_if_unused("s1", 2001, Some(&event("e2")))
                    .await
                    .unwrap()
            );
            assert!(repo.unused_expired(3000, 10).await.unwrap().is_empty());
            let v = repo.verification("p1", "s1").await.unwrap().unwrap();
            assert_eq!(v.effective_status(2001), OverallStatus::Expired);
            let events = repo.webhook_events("s1").await.unwrap();
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].status, WebhookStatus::Pending);

            let e = repo.claim_webhook("w1", 2000, 60).await.unwrap().unwrap();
            assert_eq!(e.event_id, "e1");
            assert!(
                repo.claim_webhook("w2", 2010, 60).await.unwrap().is_none(),
                "leased"
            );
            let e2 = repo.claim_webhook("w2", 2060, 60).await.unwrap().unwrap();
            assert_eq!(e2.event_id, "e1", "lease ran out: the event is taken again");
            let attempt = |n, at, code, err: Option<&str>| WebhookAttempt {
                event_id: "e1".into(),
                attempt: n,
                at,
                url: "https://r.example/".into(),
                status_code: code,
                latency_ms: 5,
                error: err.map(str::to_owned),
            };
            repo.finish_webhook_attempt(
                &attempt(1, 2061, Some(500), Some("HTTP 500")),
                AttemptOutcome::RetryAt(2100),
            )
            .await
            .unwrap();
            assert!(repo.claim_webhook("w1", 2099, 60).await.unwrap().is_none());
            repo.claim_webhook("w1", 2100, 60).await.unwrap().unwrap();
            repo.finish_webhook_attempt(&attempt(2, 2101, Some(410), None), AttemptOutcome::Disable)
                .await
                .unwrap();
            assert!(repo.partner_by_id("p1").await.unwrap().unwrap().webhook_disabled);
            assert!(repo.claim_webhook("w1", 9999, 60).await.unwrap().is_none());
            assert_eq!(repo.redeliver("p1", None, 3000).await.unwrap(), 1);
            assert!(!repo.partner_by_id("p1").await.unwrap().unwrap().webhook_disabled);
            repo.claim_webhook("w1", 3000, 60).await.unwrap().unwrap();
            repo.finish_webhook_attempt(&attempt(3, 3001, Some(200), None), AttemptOutcome::Delivered)
                .await
                .unwrap();
            let events = repo.webhook_events("s1").await.unwrap();
            assert_eq!(
                (events[0].status, events[0].attempts, events[0].delivered_at),
                (WebhookStatus::Delivered, 3, Some(3001))
            );
            assert_eq!(repo.webhook_attempts("e1").await.unwrap().len(), 3);
            assert_eq!(
                repo.redeliver("p1", None, 3002).await.unwrap(),
                0,
                "delivered events stay delivered"
            );
            assert_eq!(
                repo.redeliver("p1", Some("e1"), 3002).await.unwrap(),
                1,
                "unless named"
            );
            assert_eq!(
                repo.webhook_counts().await.unwrap(),
                vec![("pending".to_string(), 1)]
            );
        }
    }
);

fn analysis(scan_ref: &str, client: &str, now: i64) -> AnalysisRecord {
    AnalysisRecord {
        scan_ref: scan_ref.into(),
        partner_id: "p1".into(),
        client_id: client.into(),
        result: VerificationResult {
            status: OverallStatus::Reviewing,
            auto_document: Some(DocumentStatus::DocValidated),
            auto_face: Some(FaceStatus::FaceUncertain),
            manual_document: None,
            manual_face: None,
            fraud_tags: vec![],
            mismatch_tags: vec![],
            data: ivs_core::wire::DocData {
                doc_first_name: Some("ANNA".into()),
                ..Default::default()
            },
        },
        facts: json!({"f": 1}),
        evidence: json!({"e": 2}),
        decision: json!({"rule": "face-uncertain"}),
        faces: vec![
            NewFace {
                source: FACE_SELFIE,
                embedding: vec![0.6, 0.8, 0.0],
            },
            NewFace {
                source: FACE_DOCUMENT,
                embedding: vec![0.0, 0.6, -0.8],
            },
        ],
        keys: vec![PersonKey {
            kind: KEY_DOCUMENT_NUMBER,
            hash: "h-doc".into(),
        }],
        now,
    }
}

fn event(id: &str, scan_ref: &str, t: ivs_core::vocab::EventType, final_: bool) -> NewWebhookEvent {
    NewWebhookEvent {
        event_id: id.into(),
        partner_id: "p1".into(),
        scan_ref: scan_ref.into(),
        event_type: t,
        final_,
        callback_url: None,
    }
}

conformance!(an_analysis_is_written_once_and_whole, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        use ivs_core::vocab::EventType;
        repo.create_partner(&partner("p1")).await.unwrap();
        repo.create_verification(&new_verification("p1", "s1", "tok1"))
            .await
            .unwrap();
        // Not submitted yet: nothing is written.
        let a = analysis("s1", "client-1", 1600);
        let e = event("evt-1", "s1", EventType::IdentificationAutoFinished, false);
        assert!(!repo.record_analysis(&a, Some(&e)).await.unwrap());
        assert!(repo.analysis("s1").await.unwrap().is_none());
        assert!(repo.webhook_events("s1").await.unwrap().is_empty());
        repo.submit(&submission("p1", "s1")).await.unwrap();
        assert!(repo.record_analysis(&a, Some(&e)).await.unwrap());
        let v = repo.verification("p1", "s1").await.unwrap().unwrap();
        assert_eq!((v.phase, v.status), (Phase::Done, OverallStatus::Reviewing));
        assert_eq!(v.auto_face, Some(FaceStatus::FaceUncertain));
        let stored = repo.analysis("s1").await.unwrap().unwrap();
        assert_eq!(
            (stored.facts, stored.evidence),
            (json!({"f": 1}), json!({"e": 2}))
        );
        assert_eq!(repo.webhook_events("s1").await.unwrap().len(), 1);
        let faces = repo.faces_after(0, 10).await.unwrap();
        assert_eq!(faces.len(), 2);
        assert_eq!(faces[0].embedding, vec![0.6, 0.8, 0.0]);
        assert_eq!(faces[0].client_id, "client-1");
        assert!(repo.faces_after(faces[1].id, 10).await.unwrap().is_empty());
        // A second run (a worker that died after the commit) writes nothing.
        let e2 = event("evt-2", "s1", EventType::IdentificationAutoFinished, false);
        assert!(!repo.record_analysis(&a, Some(&e2)).await.unwrap());
        assert_eq!(repo.webhook_events("s1").await.unwrap().len(), 1);
        assert_eq!(repo.faces_after(0, 10).await.unwrap().len(), 2);
        assert_eq!(repo.analyses_after(0, "", 10).await.unwrap().len(), 1);
        assert!(repo.analyses_after(1601, "", 10).await.unwrap().is_empty());
        // Keyset position: the row itself is excluded, a later scanRef in the same second is not.
        let stored = repo.analyses_after(0, "", 10).await.unwrap();
        let (at, scan) = (stored[0].created_at, stored[0].scan_ref.clone());
        assert!(repo.analyses_after(at, &scan, 10).await.unwrap().is_empty());
        assert_eq!(repo.analyses_after(at, "", 10).await.unwrap().len(), 1);
        // Keys match other clients only.
        let k = PersonKey {
            kind: KEY_DOCUMENT_NUMBER,
            hash: "h-doc".into(),
        };
        assert!(
            repo.scan_refs_with_key("p1", &k, "client-1")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            repo.scan_refs_with_key("p1", &k, "client-2").await.unwrap(),
            vec!["s1".to_owned()]
        );
        assert!(
            repo.scan_refs_with_key("p2", &k, "client-2")
                .await
                .unwrap()
                .is_empty()
        );
        // Deleting the verification removes its faces, keys and analysis.
        assert_eq!(
            repo.live_scan_refs(&["s1".into(), "nope".into()]).await.unwrap(),
            vec!["s1".to_owned()]
        );
        repo.tombstone("s1", OverallStatus::Deleted, 1700).await.unwrap();
        assert!(repo.faces_after(0, 10).await.unwrap().is_empty());
        assert!(repo.analysis("s1").await.unwrap().is_none());
        assert!(
            repo.scan_refs_with_key("p1", &k, "client-2")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(repo.live_scan_refs(&["s1".into()]).await.unwrap().is_empty());
    }
});

conformance!(blocklists_copy_what_they_block, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        repo.create_partner(&partner("p1")).await.unwrap();
        repo.create_verification(&new_verification("p1", "s1", "tok1"))
            .await
            .unwrap();
        // Nothing analysed yet: nothing to block.
        assert!(matches!(
            repo.blocklist_add("p1", "s1", "SELFIE", None, "partner:p1", 1600)
                .await,
            Err(StoreError::NotFound)
        ));
        repo.submit(&submission("p1", "s1")).await.unwrap();
        repo.record_analysis(&analysis("s1", "client-1", 1600), None)
            .await
            .unwrap();
        repo.blocklist_add("p1", "s1", "SELFIE", Some("fraud ring"), "partner:p1", 1601)
            .await
            .unwrap();
        repo.blocklist_add("p1", "s1", "DOCUMENT_INFO", None, "cli", 1602)
            .await
            .unwrap();
        // Adding again replaces, it does not duplicate.
        repo.blocklist_add("p1", "s1", "SELFIE", Some("fraud ring"), "partner:p1", 1603)
            .await
            .unwrap();
        let faces = repo.blocked_faces("p1").await.unwrap();
        assert_eq!(faces.len(), 1);
        assert_eq!(
            (faces[0].list.as_str(), faces[0].embedding.clone()),
            ("SELFIE", vec![0.6, 0.8, 0.0])
        );
        let keys = repo.blocked_keys("p1").await.unwrap();
        assert_eq!(
            keys,
            vec![(
                "s1".to_owned(),
                PersonKey {
                    kind: KEY_DOCUMENT_NUMBER,
                    hash: "h-doc".into()
                }
            )]
        );
        let list = repo.blocklist("p1").await.unwrap();
        assert_eq!(list.len(), 2);
        assert!(repo.blocklist("p2").await.unwrap().is_empty());
        // Entries outlive the verification.
        repo.tombstone("s1", OverallStatus::Deleted, 1700).await.unwrap();
        assert_eq!(repo.blocked_faces("p1").await.unwrap().len(), 1);
        assert!(
            repo.blocklist_remove("p1", "s1", "SELFIE", "cli", 1701)
                .await
                .unwrap()
        );
        assert!(
            !repo
                .blocklist_remove("p1", "s1", "SELFIE", "cli", 1702)
                .await
                .unwrap()
        );
        assert!(repo.blocked_faces("p1").await.unwrap().is_empty());
        // Every change that happened has its audit line, written with it; the refused add and
        // the remove of nothing have none.
        let audit: Vec<(String, String, Option<String>, i64)> = repo
            .audit_log("s1")
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.actor, a.action, a.reason, a.at))
            .collect();
        let line = |actor: &str, action: &str, reason: Option<&str>, at| {
            (actor.to_owned(), action.to_owned(), reason.map(str::to_owned), at)
        };
        assert_eq!(
            audit,
            vec![
                line("partner:p1", "blocklist_add:SELFIE", Some("fraud ring"), 1601),
                line("cli", "blocklist_add:DOCUMENT_INFO", None, 1602),
                line("partner:p1", "blocklist_add:SELFIE", Some("fraud ring"), 1603),
                line("cli", "blocklist_remove:SELFIE", None, 1701),
            ]
        );
    }
});

conformance!(
    manual_review_is_recorded_once_with_its_audit_line,
    |repo: &SqlRepo| {
        let repo = repo.clone();
        async move {
            use ivs_core::vocab::EventType;
            repo.create_partner(&partner("p1")).await.unwrap();
            repo.create_verification(&new_verification("p1", "s1", "tok1"))
                .await
                .unwrap();
            repo.submit(&submission("p1", "s1")).await.unwrap();
            repo.record_analysis(&analysis("s1", "client-1", 1600), None)
                .await
                .unwrap();
            let queue = repo.review_queue(10).await.unwrap();
            assert_eq!(queue.len(), 1);
            repo.create_reviewer(&Reviewer {
                id: "r1".into(),
                name: "rita".into(),
                token_hash: "th".into(),
                created_at: 1,
            })
            .await
            .unwrap();
            assert!(matches!(
                repo.create_reviewer(&Reviewer {
                    id: "r2".into(),
                    name: "rita".into(),
                    token_hash: "x".into(),
                    created_at: 1
                })
                .await,
                Err(StoreError::Conflict(_))
            ));
            assert_eq!(
                repo.reviewer_by_token_hash("th").await.unwrap().unwrap().name,
                "rita"
            );
            assert!(repo.reviewer_by_token_hash("nope").await.unwrap().is_none());
            let m = ManualResult {
                status: OverallStatus::Approved,
                manual_document: DocumentStatus::DocValidated,
                manual_face: Some(FaceStatus::FaceMatch),
                data: Some(ivs_core::wire::DocData {
                    doc_first_name: Some("ANNE".into()),
                    manually_data_changed: Some(true),
                    ..Default::default()
                }),
            };
            let audit = AuditEntry {
                scan_ref: "s1".into(),
                actor: "rita".into(),
                action: "manual_decision".into(),
                reason: Some("looked".into()),
                detail: json!({"changedFields": ["docFirstName"]}),
                at: 1700,
            };
            let e = event("evt-m", "s1", EventType::IdentificationManualFinished, true);
            assert!(repo.record_manual("s1", &m, &audit, Some(&e)).await.unwrap());
            let v = repo.verification("p1", "s1").await.unwrap().unwrap();
            assert_eq!(v.status, OverallStatus::Approved);
            assert_eq!(v.manual_face, Some(FaceStatus::FaceMatch));
            assert_eq!(v.data.unwrap().doc_first_name.as_deref(), Some("ANNE"));
            assert_eq!(repo.audit_log("s1").await.unwrap(), vec![audit.clone()]);
            assert!(repo.review_queue(10).await.unwrap().is_empty());
            // Not REVIEWING any more: a second verdict is refused and writes nothing.
            let e2 = event("evt-m2", "s1", EventType::IdentificationManualFinished, true);
            assert!(!repo.record_manual("s1", &m, &audit, Some(&e2)).await.unwrap());
            assert_eq!(repo.audit_log("s1").await.unwrap().len(), 1);
            assert_eq!(repo.webhook_events("s1").await.unwrap().len(), 1);
        }
    }
);

conformance!(policies_and_session_length, |repo: &SqlRepo| {
    let repo = repo.clone();
    async move {
        repo.create_partner(&partner("p1")).await.unwrap();
        assert!(repo.policy("p1").await.unwrap().is_none());
        repo.set_policy("p1", &json!({"on_mismatch": "DENIED"}), 5)
            .await
            .unwrap();
        repo.set_policy("p1", &json!({"on_mismatch": "REVIEWING"}), 6)
            .await
            .unwrap();
        assert_eq!(
            repo.policy("p1").await.unwrap(),
            Some(json!({"on_mismatch": "REVIEWING"}))
        );
        // The session starts once; it ends session_length later even though the token lives on.
        repo.create_verification(&new_verification("p1", "s1", "tok1"))
            .await
            .unwrap();
        assert!(repo.mark_started("s1", 1100, 60).await.unwrap());
        assert!(!repo.mark_started("s1", 1150, 60).await.unwrap());
        let v = repo.verification("p1", "s1").await.unwrap().unwrap();
        assert_eq!((v.started_at, v.session_ends_at), (Some(1100), Some(1160)));
        assert!(v.token_usable(1159) && !v.token_usable(1160));
        assert!(repo.unused_expired(1159, 10).await.unwrap().is_empty());
        assert_eq!(repo.unused_expired(1160, 10).await.unwrap().len(), 1);
        assert!(!repo.cancel_unused("p1", "s1", 1160, None).await.unwrap());
        assert!(repo.expire_if_unused("s1", 1160, None).await.unwrap());
        let v = repo.verification("p1", "s1").await.unwrap().unwrap();
        assert_eq!(v.status, OverallStatus::Expired);
        // A token past its expiry cannot start a session.
        repo.create_verification(&new_verification("p1", "s2", "tok2"))
            .await
            .unwrap();
        assert!(!repo.mark_started("s2", 2000, 60).await.unwrap());
    }
});
