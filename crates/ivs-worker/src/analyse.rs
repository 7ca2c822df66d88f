//! The `analyse` job: a submitted verification's images → models → fraud checks → decision →
//! one transaction with the result, the evidence and the webhook event.
use crate::pipeline::{Engines, Inputs, ModelOutput, run_models};
use ivs_core::SharedClock;
use ivs_core::policy::VerificationResult;
use ivs_core::policy::{Decision, Facts, FraudFacts, Policy, ReadVerdict, decide};
use ivs_core::verification::{Phase, Verification};
use ivs_core::vocab::{EventType, FileKind, TokenType};
use ivs_face::{Embedding, FaceIndex};
use ivs_store::{
    AnalysisRecord, FACE_DOCUMENT, FACE_SELFIE, Files, KEY_DOCUMENT_NUMBER, KEY_PERSONAL_CODE, NewFace,
    NewWebhookEvent, PersonKey, SharedRepo, StoreError,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum AnalyseError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("pipeline: {0}")]
    Pipeline(#[from] crate::pipeline::PipelineError),
    #[error("token settings: {0}")]
    Token(#[from] ivs_core::ApiError),
    #[error("today's date: {0}")]
    Clock(#[from] time::error::ComponentRange),
    #[error("analysis task: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("serialising the analysis: {0}")]
    Json(#[from] serde_json::Error),
}

/// What running the job did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The decision was recorded (with its webhook event).
    Recorded(Decision),
    /// The verification was already decided or deleted: nothing to do (jobs are idempotent).
    NothingToDo,
}

/// Hash of a normalised document number or personal code. Only hashes are kept for duplicate
/// and blocklist matching.
pub fn person_key(kind: &'static str, value: &str) -> Option<PersonKey> {
    let norm: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if norm.is_empty() {
        return None;
    }
    let digest = Sha256::digest(format!("ivs-person-key\0{kind}\0{norm}").as_bytes());
    Some(PersonKey {
        kind,
        hash: hex::encode(digest),
    })
}

/// The in-memory duplicate-face index, built from the store at start-up and brought up to date
/// before each search by reading the rows newer than the last one seen (so several processes
/// sharing one database all see every face).
#[derive(Debug, Default)]
pub struct FaceIndexCache {
    state: tokio::sync::Mutex<IndexState>,
}

#[derive(Debug, Default)]
struct IndexState {
    index: FaceIndex,
    last_id: i64,
    /// Face row id → (scanRef, clientId).
    owners: HashMap<String, (String, String)>,
}

impl FaceIndexCache {
    /// Reads face rows added since the last sync. Returns how many were added.
    pub async fn sync(&self, repo: &SharedRepo) -> Result<usize, StoreError> {
        let mut st = self.state.lock().await;
        let mut added = 0;
        loop {
            let rows = repo.faces_after(st.last_id, 10_000).await?;
            if rows.is_empty() {
                break;
            }
            for r in rows {
                st.last_id = st.last_id.max(r.id);
                let Ok(e) = Embedding::from_raw(&r.embedding) else {
                    continue;
                };
                let id = r.id.to_string();
                st.index.insert(&r.partner_id, &id, &e);
                st.owners.insert(id, (r.scan_ref, r.client_id));
                added += 1;
            }
        }
        Ok(added)
    }

    /// Number of faces indexed.
    pub async fn faces(&self) -> usize {
        self.state.lock().await.index.total_len()
    }

    /// scanRefs of the partner, under another client than `exclude_client`, whose face is at
    /// least `min_similarity` to `query`, best first, each once.
    pub async fn search(
        &self,
        partner_id: &str,
        query: &[f32],
        min_similarity: f32,
        exclude_client: &str,
    ) -> Vec<(String, f32)> {
        let Ok(q) = Embedding::from_raw(query) else {
            return Vec::new();
        };
        let st = self.state.lock().await;
        let mut out: Vec<(String, f32)> = Vec::new();
        for hit in st.index.search(partner_id, &q, 50, min_similarity) {
            if let Some((scan_ref, client)) = st.owners.get(&hit.id)
                && client != exclude_client
                && !out.iter().any(|(s, _)| s == scan_ref)
            {
                out.push((scan_ref.clone(), hit.similarity));
            }
        }
        out
    }
}

/// Runs `analyse` jobs.
#[derive(Clone)]
pub struct Analyser {
    pub engines: Arc<Engines>,
    pub repo: SharedRepo,
    pub files: Files,
    pub clock: SharedClock,
    pub index: Arc<FaceIndexCache>,
}

impl std::fmt::Debug for Analyser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyser").finish_non_exhaustive()
    }
}

impl Analyser {
    /// Analyses one submitted verification and records the decision.
    pub async fn run(&self, partner_id: &str, scan_ref: &str) -> Result<Outcome, AnalyseError> {
        let t0 = Instant::now();
        let Some(v) = self.repo.verification(partner_id, scan_ref).await? else {
            return Ok(Outcome::NothingToDo);
        };
        if v.phase != Phase::Processing {
            return Ok(Outcome::NothingToDo);
        }
        let token = v.token.view()?;
        let mut images: HashMap<FileKind, bytes::Bytes> = HashMap::new();
        for f in self.repo.files(scan_ref).await? {
            if let Some(obj) = self.files.get(&f.object_key).await? {
                images.insert(f.kind, obj.bytes);
            }
        }
        let today = time::OffsetDateTime::from_unix_timestamp(self.clock.unix())?.date();
        let engines = self.engines.clone();
        let selected = v.document_type;
        let token_type = token.token_type;
        let modifier = token.face_matching_threshold_modifier as f32;
        let models: ModelOutput = tokio::task::spawn_blocking(move || {
            let empty = bytes::Bytes::new();
            let input = Inputs {
                front: images.get(&FileKind::Front).unwrap_or(&empty),
                back: images.get(&FileKind::Back).map(|b| b.as_ref()),
                face: images.get(&FileKind::Face).map(|b| b.as_ref()),
                today,
                token_type,
                threshold_modifier: modifier,
                selected_document_type: selected,
            };
            run_models(&engines, &input)
        })
        .await??;
        let models_ms = t0.elapsed().as_millis();

        let policy = ivs_store::partner_policy(&self.repo, partner_id).await?;
        let t1 = Instant::now();
        let mut facts = models.facts.clone();
        let keys = person_keys(&facts);
        facts.fraud = self.fraud_facts(&v, &token, &policy, &models, &keys).await?;
        let fraud_ms = t1.elapsed().as_millis();
        let decision = decide(&facts, &token, &policy);

        let result = VerificationResult::automatic(&decision, &facts, v.selected_country.as_deref());
        let mut faces = Vec::new();
        if let Some(e) = &models.selfie_embedding {
            faces.push(NewFace {
                source: FACE_SELFIE,
                embedding: e.clone(),
            });
        }
        if let Some(e) = &models.portrait_embedding {
            faces.push(NewFace {
                source: FACE_DOCUMENT,
                embedding: e.clone(),
            });
        }
        let mut evidence = models.evidence;
        if let Some(obj) = evidence.as_object_mut() {
            obj.insert(
                "fraud".into(),
                serde_json::to_value(&facts.fraud).unwrap_or(Value::Null),
            );
            obj.insert(
                "policy".into(),
                serde_json::to_value(&policy).unwrap_or(Value::Null),
            );
            if let Some(m) = obj.get_mut("millis").and_then(Value::as_object_mut) {
                m.insert("models".into(), json!(models_ms));
                m.insert("fraud".into(), json!(fraud_ms));
            }
        }
        let record = AnalysisRecord {
            scan_ref: v.scan_ref.clone(),
            partner_id: v.partner_id.clone(),
            client_id: v.client_id.clone(),
            result,
            facts: serde_json::to_value(&facts)?,
            evidence,
            decision: serde_json::to_value(&decision)?,
            faces,
            keys,
            now: self.clock.unix(),
        };
        let event =
            NewWebhookEvent::for_verification(&v, EventType::IdentificationAutoFinished, decision.final_);
        if !self.repo.record_analysis(&record, Some(&event)).await? {
            return Ok(Outcome::NothingToDo);
        }
        tracing::info!(
            scan_ref = %v.scan_ref,
            overall = %decision.overall,
            rule = %decision.rule,
            millis = t0.elapsed().as_millis() as u64,
            "verification analysed"
        );
        Ok(Outcome::Recorded(decision))
    }

    async fn fraud_facts(
        &self,
        v: &Verification,
        token: &ivs_core::token::TokenView,
        policy: &Policy,
        models: &ModelOutput,
        keys: &[PersonKey],
    ) -> Result<FraudFacts, StoreError> {
        let mut f = FraudFacts {
            duplicate_faces_checked: token.check_duplicate_faces || policy.check_duplicate_faces,
            duplicate_doc_faces_checked: token.check_duplicate_doc_faces || policy.check_duplicate_doc_faces,
            duplicate_personal_data_checked: token.check_duplicate_personal_data
                || policy.check_duplicate_personal_data,
            ..FraudFacts::default()
        };
        let threshold = self.engines.match_policy.threshold;
        if f.duplicate_faces_checked || f.duplicate_doc_faces_checked {
            self.index.sync(&self.repo).await?;
        }
        let live = |hits: Vec<(String, f32)>| async move {
            let refs: Vec<String> = hits.into_iter().map(|(s, _)| s).collect();
            self.repo.live_scan_refs(&refs).await
        };
        if f.duplicate_faces_checked
            && let Some(e) = &models.selfie_embedding
        {
            let hits = self.index.search(&v.partner_id, e, threshold, &v.client_id).await;
            f.duplicate_faces = live(hits).await?;
        }
        if f.duplicate_doc_faces_checked
            && let Some(e) = &models.portrait_embedding
        {
            let hits = self.index.search(&v.partner_id, e, threshold, &v.client_id).await;
            f.duplicate_doc_faces = live(hits).await?;
        }
        if f.duplicate_personal_data_checked {
            let mut refs = Vec::new();
            for k in keys {
                for s in self
                    .repo
                    .scan_refs_with_key(&v.partner_id, k, &v.client_id)
                    .await?
                {
                    if !refs.contains(&s) {
                        refs.push(s);
                    }
                }
            }
            f.duplicate_personal_data = self.repo.live_scan_refs(&refs).await?;
        }
        // Blocklists are the operator's own decisions: always checked.
        let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        for b in self.repo.blocked_faces(&v.partner_id).await? {
            if b.scan_ref == v.scan_ref {
                continue;
            }
            if let Some(e) = &models.selfie_embedding
                && cos(e, &b.embedding) >= threshold
                && !f.face_blocklisted.contains(&b.scan_ref)
            {
                f.face_blocklisted.push(b.scan_ref.clone());
            }
            if let Some(e) = &models.portrait_embedding
                && cos(e, &b.embedding) >= threshold
                && !f.doc_face_blocklisted.contains(&b.scan_ref)
            {
                f.doc_face_blocklisted.push(b.scan_ref.clone());
            }
        }
        for (scan_ref, k) in self.repo.blocked_keys(&v.partner_id).await? {
            if scan_ref != v.scan_ref && keys.contains(&k) && !f.data_blocklisted.contains(&scan_ref) {
                f.data_blocklisted.push(scan_ref);
            }
        }
        Ok(f)
    }

    /// Records a verification whose analysis failed for good as `REVIEWING` with
    /// `DOC_ERROR`/`FACE_ERROR`, so a reviewer settles it and nothing stays pending forever.
    pub async fn record_failure(
        &self,
        partner_id: &str,
        scan_ref: &str,
        error: &str,
    ) -> Result<bool, AnalyseError> {
        let Some(v) = self.repo.verification(partner_id, scan_ref).await? else {
            return Ok(false);
        };
        let token_type = v
            .token
            .view()
            .map(|t| t.token_type)
            .unwrap_or(TokenType::Identification);
        let result = VerificationResult::failure(token_type, v.selected_country.as_deref());
        let record = AnalysisRecord {
            scan_ref: v.scan_ref.clone(),
            partner_id: v.partner_id.clone(),
            client_id: v.client_id.clone(),
            result,
            facts: Value::Null,
            evidence: json!({ "error": error }),
            decision: json!({ "overall": "REVIEWING", "rule": "analysis-failed", "final": false }),
            faces: Vec::new(),
            keys: Vec::new(),
            now: self.clock.unix(),
        };
        let event = NewWebhookEvent::for_verification(&v, EventType::IdentificationAutoFinished, false);
        Ok(self.repo.record_analysis(&record, Some(&event)).await?)
    }
}

fn person_keys(facts: &Facts) -> Vec<PersonKey> {
    // Only a validated MRZ gives keys worth matching on (a misread number would match a stranger).
    let Some(f) = &facts.document.fields else {
        return Vec::new();
    };
    if facts.document.read_status != ReadVerdict::DocValidated {
        return Vec::new();
    }
    let mut keys = Vec::new();
    keys.extend(person_key(KEY_DOCUMENT_NUMBER, &f.document_number));
    if let Some(p) = &f.personal_code {
        keys.extend(person_key(KEY_PERSONAL_CODE, p));
    }
    keys
}
