//! CLI for the decision pipeline: `ivs verify` (offline), `ivs replay`, `ivs policy`,
//! `ivs reviewer`, `ivs blocklist`.
use crate::app::open_storage;
use crate::config::Config;
use anyhow::{Context, bail};
use clap::Subcommand;
use figment::Figment;
use figment::providers::{Format, Toml};
use ivs_core::SharedClock;
use ivs_core::policy::{Decision, Facts, Policy, VerificationResult, decide};
use ivs_core::token::{TokenSettings, TokenView, parse_date, validate_token_request};
use ivs_core::verification::Verification;
use ivs_core::vocab::DocumentType;
use ivs_store::{Reviewer, SharedRepo};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The document photo (passport page, ID card front).
    #[arg(long)]
    pub front: PathBuf,
    /// The back of an ID card.
    #[arg(long)]
    pub back: Option<PathBuf>,
    /// The selfie.
    #[arg(long)]
    pub face: Option<PathBuf>,
    /// A `/api/v2/token` request body (JSON) with the data to check against.
    #[arg(long)]
    pub token: Option<PathBuf>,
    /// The day of the check, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
    /// The document type the user selected (PASSPORT, ID_CARD, …).
    #[arg(long)]
    pub document_type: Option<String>,
    /// A policy file (TOML) instead of the default policy.
    #[arg(long)]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The policy to re-decide under (TOML).
    #[arg(long)]
    pub policy: PathBuf,
    /// Only verifications analysed on or after this day (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Print every verification, not only those whose result would change.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// Store a partner's decision policy from a TOML file (keys: docs/decision.md).
    Set {
        /// The partner's API key.
        #[arg(long)]
        partner: String,
        file: PathBuf,
    },
    /// Print a partner's policy (the default when none is stored).
    Show {
        #[arg(long)]
        partner: String,
    },
    /// Print a verification's evidence, facts, policy and the rule that fired.
    Explain { scan_ref: String },
}

#[derive(Debug, Subcommand)]
pub enum ReviewerCmd {
    /// Create a reviewer; prints the bearer token once.
    Create { name: String },
    /// List reviewers.
    List,
}

#[derive(Debug, Subcommand)]
pub enum BlocklistCmd {
    /// Put a verification's face (SELFIE), document portrait (DOCUMENT) or document numbers
    /// (DOCUMENT_INFO) on the partner's blocklist.
    Add {
        #[arg(long)]
        partner: String,
        scan_ref: String,
        list: String,
        #[arg(long)]
        reason: Option<String>,
    },
    Remove {
        #[arg(long)]
        partner: String,
        scan_ref: String,
        list: String,
    },
    List {
        #[arg(long)]
        partner: String,
    },
}

fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Reads and checks a policy file.
pub fn read_policy(path: &Path) -> anyhow::Result<Policy> {
    if !path.is_file() {
        bail!("policy file {} not found", path.display());
    }
    let p: Policy = Figment::from(Toml::file(path))
        .extract()
        .with_context(|| format!("reading policy {}", path.display()))?;
    Ok(p.validate()?)
}

fn token_settings(path: Option<&Path>) -> anyhow::Result<(TokenSettings, TokenView)> {
    let request = match path {
        None => json!({ "clientId": "offline" }),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let mut v: Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", p.display()))?;
            if let Some(o) = v.as_object_mut() {
                o.entry("clientId").or_insert(json!("offline"));
            }
            v
        }
    };
    let settings =
        validate_token_request(&request, &serde_json::Map::new()).map_err(|e| anyhow::anyhow!(e.message))?;
    let view = settings.view().map_err(|e| anyhow::anyhow!(e.message))?;
    Ok((settings, view))
}

/// `ivs verify`: the analysis pipeline on files, without a server or database (no duplicate or
/// blocklist checks: those need the store).
pub fn verify(cfg: &Config, clock: SharedClock, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let t0 = std::time::Instant::now();
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let front = read(&args.front)?;
    let back = args.back.as_deref().map(read).transpose()?;
    let face = args.face.as_deref().map(read).transpose()?;
    let (settings, token) = token_settings(args.token.as_deref())?;
    let today = match &args.today {
        Some(d) => parse_date(d).ok_or_else(|| anyhow::anyhow!("--today must be YYYY-MM-DD"))?,
        None => time::OffsetDateTime::from_unix_timestamp(clock.unix())?.date(),
    };
    let selected = match &args.document_type {
        None => None,
        Some(s) => Some(DocumentType::parse(s).ok_or_else(|| anyhow::anyhow!("unknown document type {s}"))?),
    };
    let policy = match &args.policy {
        Some(p) => read_policy(p)?,
        None => Policy::default(),
    };
    let engines = cfg.load_engines()?;
    let input = ivs_worker::pipeline::Inputs {
        front: &front,
        back: back.as_deref(),
        face: face.as_deref(),
        today,
        token_type: token.token_type,
        threshold_modifier: token.face_matching_threshold_modifier as f32,
        selected_document_type: selected,
    };
    let out = ivs_worker::pipeline::run_models(&engines, &input)?;
    let decision = decide(&out.facts, &token, &policy);
    let now = clock.unix();
    let result = VerificationResult::automatic(&decision, &out.facts, None);
    let v = Verification::unstored(settings, token.client_id.clone(), result, now);
    // An offline verification has no scanRef.
    let mut status = serde_json::to_value(v.status_body(now))?;
    let mut data = serde_json::to_value(v.data_body())?;
    for o in [status.as_object_mut(), data.as_object_mut()]
        .into_iter()
        .flatten()
    {
        o.insert("scanRef".into(), Value::Null);
    }
    print_json(&json!({
        "status": status,
        "data": data,
        "final": decision.final_,
        "rule": decision.rule,
        "evidence": out.evidence,
        "millis": t0.elapsed().as_millis() as u64,
    }));
    Ok(ExitCode::SUCCESS)
}

async fn partner_id(repo: &SharedRepo, key: &str) -> anyhow::Result<String> {
    Ok(repo
        .partner_by_key(key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no partner with API key {key}"))?
        .id)
}

/// `ivs replay`: re-decides stored verifications from their stored facts under another policy
/// and prints what would change. Nothing is written.
pub async fn replay(cfg: &Config, args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let policy = read_policy(&args.policy)?;
    let since = match &args.since {
        None => 0,
        Some(d) => {
            let date = parse_date(d).ok_or_else(|| anyhow::anyhow!("--since must be YYYY-MM-DD"))?;
            date.midnight().assume_utc().unix_timestamp()
        }
    };
    let (repo, _files) = open_storage(cfg).await?;
    let (mut seen, mut changed, mut skipped) = (0u64, 0u64, 0u64);
    // Keyset paging on (created_at, scan_ref): any number of analyses may share a second.
    let (mut after_at, mut after_ref) = (since, String::new());
    loop {
        let batch = repo.analyses_after(after_at, &after_ref, 500).await?;
        if batch.is_empty() {
            break;
        }
        for a in batch {
            (after_at, after_ref) = (a.created_at, a.scan_ref.clone());
            let Ok(facts) = serde_json::from_value::<Facts>(a.facts.clone()) else {
                skipped += 1;
                continue;
            };
            let Some(v) = repo.verification_by_scan_ref(&a.scan_ref).await? else {
                skipped += 1;
                continue;
            };
            let Ok(token) = v.token.view() else {
                skipped += 1;
                continue;
            };
            seen += 1;
            let now = serde_json::from_value::<Decision>(a.decision.clone()).ok();
            let new = decide(&facts, &token, &policy);
            let differs = now.as_ref() != Some(&new);
            if differs {
                changed += 1;
            }
            if differs || args.all {
                print_json(&json!({
                    "scanRef": a.scan_ref,
                    "current": now.as_ref().map(|d| json!({"overall": d.overall, "autoDocument": d.auto_document, "autoFace": d.auto_face, "mismatchTags": d.mismatch_tags, "fraudTags": d.fraud_tags, "rule": d.rule})),
                    "replayed": {"overall": new.overall, "autoDocument": new.auto_document, "autoFace": new.auto_face, "mismatchTags": new.mismatch_tags, "fraudTags": new.fraud_tags, "rule": new.rule},
                    "manualResultKept": v.manual_document.is_some(),
                }));
            }
        }
    }
    print_json(&json!({ "replayed": seen, "changed": changed, "skipped": skipped }));
    Ok(ExitCode::SUCCESS)
}

pub async fn policy(cfg: &Config, clock: SharedClock, cmd: PolicyCmd) -> anyhow::Result<ExitCode> {
    let (repo, _files) = open_storage(cfg).await?;
    match cmd {
        PolicyCmd::Set { partner, file } => {
            let p = read_policy(&file)?;
            let id = partner_id(&repo, &partner).await?;
            repo.set_policy(&id, &serde_json::to_value(&p)?, clock.unix())
                .await?;
            print_json(&serde_json::to_value(&p)?);
        }
        PolicyCmd::Show { partner } => {
            let id = partner_id(&repo, &partner).await?;
            let p = ivs_store::partner_policy(&repo, &id).await?;
            print_json(&serde_json::to_value(&p)?);
        }
        PolicyCmd::Explain { scan_ref } => {
            let v = repo
                .verification_by_scan_ref(&scan_ref)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no verification {scan_ref}"))?;
            let a = repo
                .analysis(&scan_ref)
                .await?
                .ok_or_else(|| anyhow::anyhow!("verification {scan_ref} has no analysis"))?;
            let policy = ivs_store::partner_policy(&repo, &v.partner_id).await?;
            print_json(&json!({
                "scanRef": scan_ref,
                "status": v.status_body(clock.unix()),
                "rule": a.decision.get("rule"),
                "decision": a.decision,
                "facts": a.facts,
                "policyNow": policy,
                "evidence": a.evidence,
            }));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn reviewer(cfg: &Config, clock: SharedClock, cmd: ReviewerCmd) -> anyhow::Result<ExitCode> {
    let (repo, _files) = open_storage(cfg).await?;
    match cmd {
        ReviewerCmd::Create { name } => {
            if name.trim().is_empty() || name.len() > 100 {
                bail!("the reviewer name must be 1–100 characters");
            }
            let token = format!("rvw_{}", ivs_server::random_key());
            repo.create_reviewer(&Reviewer {
                id: uuid::Uuid::new_v4().to_string(),
                name: name.clone(),
                token_hash: ivs_server::review::reviewer_token_hash(&token),
                created_at: clock.unix(),
            })
            .await
            .map_err(|e| match e {
                ivs_store::StoreError::Conflict(_) => anyhow::anyhow!("a reviewer named {name} exists"),
                other => other.into(),
            })?;
            print_json(&json!({ "name": name, "token": token }));
        }
        ReviewerCmd::List => {
            let all = repo.list_reviewers().await?;
            print_json(&Value::Array(
                all.iter()
                    .map(|r| json!({"id": r.id, "name": r.name, "createdAt": r.created_at}))
                    .collect(),
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The audit log's actor for blocklist changes made with `ivs blocklist`.
const CLI_ACTOR: &str = "cli";

pub async fn blocklist(cfg: &Config, clock: SharedClock, cmd: BlocklistCmd) -> anyhow::Result<ExitCode> {
    let (repo, _files) = open_storage(cfg).await?;
    let check_list = |l: &str| {
        if ivs_store::BLOCKLISTS.contains(&l) {
            Ok(())
        } else {
            Err(anyhow::anyhow!(
                "the list must be DOCUMENT, DOCUMENT_INFO or SELFIE"
            ))
        }
    };
    match cmd {
        BlocklistCmd::Add {
            partner,
            scan_ref,
            list,
            reason,
        } => {
            check_list(&list)?;
            let id = partner_id(&repo, &partner).await?;
            repo.verification(&id, &scan_ref)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the partner has no verification {scan_ref}"))?;
            repo.blocklist_add(&id, &scan_ref, &list, reason.as_deref(), CLI_ACTOR, clock.unix())
                .await
                .map_err(|e| match e {
                    ivs_store::StoreError::NotFound => {
                        anyhow::anyhow!("{scan_ref} has nothing the {list} list can block (not analysed?)")
                    }
                    other => other.into(),
                })?;
            print_json(&json!({ "scanRef": scan_ref, "list": list, "added": true }));
        }
        BlocklistCmd::Remove {
            partner,
            scan_ref,
            list,
        } => {
            check_list(&list)?;
            let id = partner_id(&repo, &partner).await?;
            let removed = repo
                .blocklist_remove(&id, &scan_ref, &list, CLI_ACTOR, clock.unix())
                .await?;
            print_json(&json!({ "scanRef": scan_ref, "list": list, "removed": removed }));
            if !removed {
                return Ok(ExitCode::FAILURE);
            }
        }
        BlocklistCmd::List { partner } => {
            let id = partner_id(&repo, &partner).await?;
            let all = repo.blocklist(&id).await?;
            print_json(&Value::Array(
                all.iter()
                    .map(|b| json!({"scanRef": b.scan_ref, "list": b.list, "reason": b.reason, "createdAt": b.created_at}))
                    .collect(),
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}
