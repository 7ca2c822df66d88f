//! Command-line interface.
use crate::app::{Application, open_storage, shutdown_signal};
use crate::config::{Config, Overrides, ServerOverrides};
use crate::partners::{self, NewPartnerArgs, partner_json};
use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use ivs_core::{SharedClock, SystemClock};
use ivs_store::PartnerMode;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "ivs",
    version,
    about = "Self-hosted identity verification server (iDenfy v2 compatible)"
)]
pub struct Cli {
    /// Configuration file (default: $IVS_CONFIG, else ./ivs.toml when it exists).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Data directory of the embedded default (SQLite database and files).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite://… or postgres://…).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Run only the workers (webhook delivery, session expiry), e.g. on another machine.
    Worker,
    /// Create or upgrade the database schema.
    Migrate,
    /// Copy the stored files from the local directory into an S3-compatible bucket (resumable).
    MigrateFiles(crate::migrate::MigrateFilesArgs),
    /// Copy a whole installation's database into another (e.g. SQLite → PostgreSQL).
    MigrateDb(crate::migrate::MigrateDbArgs),
    /// Manage partners (API clients).
    #[command(subcommand)]
    Partner(PartnerCmd),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Webhook tools.
    #[command(subcommand)]
    Webhooks(WebhooksCmd),
    /// Print the version.
    Version,
    /// Machine-readable zone (ICAO 9303) tools.
    Mrz {
        #[command(subcommand)]
        command: crate::mrz_cmd::MrzCommand,
    },
    /// Document-photo tools (synthetic documents).
    #[command(subcommand)]
    Doc(crate::doc_cmd::DocCommand),
    /// Face engine: compare, detect, eval, bench.
    Face(crate::face_cmd::FaceArgs),
    /// Run the verification pipeline on files, offline, and print status, data and evidence.
    Verify(crate::pipeline_cmd::VerifyArgs),
    /// Re-decide stored verifications under another policy; prints what would change.
    Replay(crate::pipeline_cmd::ReplayArgs),
    /// Per-partner decision policy.
    #[command(subcommand)]
    Policy(crate::pipeline_cmd::PolicyCmd),
    /// Reviewer accounts (manual review API).
    #[command(subcommand)]
    Reviewer(crate::pipeline_cmd::ReviewerCmd),
    /// Partner blocklists.
    #[command(subcommand)]
    Blocklist(crate::pipeline_cmd::BlocklistCmd),
    /// Print the OpenAPI 3.1 document of the HTTP API (docs/openapi.json).
    Openapi,
    /// Benchmark helpers (bench/api_status.sh).
    #[command(subcommand, hide = true)]
    Bench(crate::bench_cmd::BenchCmd),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Sandbox,
    Live,
}

#[derive(Debug, Subcommand)]
pub enum PartnerCmd {
    /// Create a partner; prints its API key, secret and webhook signing key once.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "sandbox")]
        mode: ModeArg,
        #[arg(long)]
        webhook_url: Option<String>,
        /// Default token settings as a JSON object, e.g. '{"expiryTime": 3600}'.
        #[arg(long)]
        token_defaults: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List partners (no secrets).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Issue a new API secret; the old one stops working at once.
    RotateSecret {
        api_key: String,
        #[arg(long)]
        json: bool,
    },
    /// Set or clear the webhook URL.
    SetWebhook {
        api_key: String,
        #[arg(long, conflicts_with = "clear")]
        url: Option<String>,
        #[arg(long)]
        clear: bool,
        /// Also issue a new webhook signing key (printed once).
        #[arg(long)]
        rotate_signing_key: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCmd {
    /// Queue events again: one (`--event`) or every undelivered one of the partner. Re-enables an
    /// endpoint disabled by 410 Gone.
    Redeliver {
        /// The partner's API key.
        #[arg(long)]
        partner: String,
        #[arg(long)]
        event: Option<String>,
    },
    /// Send a signed sample event to the partner's webhook URL now and print the answer.
    Test {
        /// The partner's API key.
        #[arg(long)]
        partner: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print the effective configuration (secrets redacted).
    Check,
}

fn init_logging(cfg: &Config, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = if quiet {
        "warn".to_owned()
    } else {
        cfg.log.filter.clone()
    };
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if cfg.log.format == "text" {
        builder.try_init()
    } else {
        builder.json().try_init()
    };
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // offline tools: no configuration, no runtime
    match cli.command {
        Command::Mrz { command } => return crate::mrz_cmd::run(command),
        Command::Doc(cmd) => return crate::doc_cmd::run(cmd),
        Command::Face(args) => return crate::face_cmd::run(args),
        Command::Openapi => {
            println!("{}", ivs_server::openapi::json());
            return ExitCode::SUCCESS;
        }
        Command::Bench(cmd) => return crate::bench_cmd::run(cmd),
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        server: listen.map(|l| ServerOverrides { listen: Some(l) }),
    };
    let (cfg, warnings) = Config::load(cli.config.as_deref(), &overrides).context("loading configuration")?;
    init_logging(
        &cfg,
        !matches!(cli.command, Command::Serve { .. } | Command::Worker),
    );
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let clock: SharedClock = Arc::new(SystemClock);
    match cli.command {
        Command::Version => println!("ivs {}", env!("CARGO_PKG_VERSION")),
        Command::Serve { .. } => {
            let app = Application::build(&cfg, clock).await?;
            tracing::info!(addr = %app.local_addr()?, public_url = %app.state.config.public_url, "ivs listening");
            app.run_until(shutdown_signal()).await?;
        }
        Command::Worker => {
            tracing::info!(workers = cfg.workers.count, "ivs workers running");
            crate::app::run_workers_only(&cfg, clock, shutdown_signal()).await?;
        }
        Command::Migrate => {
            open_storage(&cfg).await?;
            println!(
                "database schema is up to date ({})",
                crate::config::redact_url(&cfg.database_url())
            );
        }
        Command::MigrateFiles(args) => return crate::migrate::migrate_files(&cfg, args).await,
        Command::MigrateDb(args) => return crate::migrate::migrate_db(&cfg, args).await,
        Command::Config(ConfigCmd::Check) => print_json(&cfg.redacted()),
        Command::Partner(cmd) => partner_command(&cfg, clock, cmd).await?,
        Command::Webhooks(cmd) => return webhooks_command(&cfg, clock, cmd).await,
        Command::Mrz { command } => return Ok(crate::mrz_cmd::run(command)),
        Command::Doc(cmd) => return Ok(crate::doc_cmd::run(cmd)),
        Command::Face(args) => return Ok(crate::face_cmd::run(args)),
        Command::Verify(args) => {
            let code = tokio::task::block_in_place(|| crate::pipeline_cmd::verify(&cfg, clock, args))?;
            return Ok(code);
        }
        Command::Replay(args) => return crate::pipeline_cmd::replay(&cfg, args).await,
        Command::Policy(cmd) => return crate::pipeline_cmd::policy(&cfg, clock, cmd).await,
        Command::Reviewer(cmd) => return crate::pipeline_cmd::reviewer(&cfg, clock, cmd).await,
        Command::Blocklist(cmd) => return crate::pipeline_cmd::blocklist(&cfg, clock, cmd).await,
        Command::Openapi => println!("{}", ivs_server::openapi::json()),
        Command::Bench(cmd) => return Ok(crate::bench_cmd::run(cmd)),
    }
    Ok(ExitCode::SUCCESS)
}

async fn webhooks_command(cfg: &Config, clock: SharedClock, cmd: WebhooksCmd) -> anyhow::Result<ExitCode> {
    let (repo, deliverer) = crate::app::standalone_deliverer(cfg, clock.clone()).await?;
    let key = match &cmd {
        WebhooksCmd::Redeliver { partner, .. } | WebhooksCmd::Test { partner } => partner,
    };
    let partner = repo
        .partner_by_key(key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no partner with API key {key}"))?;
    match cmd {
        WebhooksCmd::Redeliver { event, .. } => {
            let n = repo
                .redeliver(&partner.id, event.as_deref(), clock.unix())
                .await?;
            if event.is_some() && n == 0 {
                anyhow::bail!("no webhook event {} for this partner", event.unwrap_or_default());
            }
            print_json(&serde_json::json!({ "redelivered": n }));
            Ok(ExitCode::SUCCESS)
        }
        WebhooksCmd::Test { .. } => {
            let out = deliverer.send_test(&partner).await?;
            print_json(&serde_json::json!({
                "eventId": out.event_id,
                "status": out.status,
                "latencyMs": out.latency_ms,
                "error": out.error,
            }));
            let ok = out.status.is_some_and(|s| (200..300).contains(&s));
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

async fn partner_command(cfg: &Config, clock: SharedClock, cmd: PartnerCmd) -> anyhow::Result<()> {
    let (repo, _files) = open_storage(cfg).await?;
    match cmd {
        PartnerCmd::Create {
            name,
            mode,
            webhook_url,
            token_defaults,
            json,
        } => {
            let token_defaults = token_defaults
                .map(|s| serde_json::from_str(&s))
                .transpose()
                .context("--token-defaults is not valid JSON")?;
            let mode = match mode {
                ModeArg::Sandbox => PartnerMode::Sandbox,
                ModeArg::Live => PartnerMode::Live,
            };
            let issued = partners::create(
                &repo,
                clock.as_ref(),
                NewPartnerArgs {
                    name,
                    mode,
                    webhook_url,
                    token_defaults,
                },
            )
            .await?;
            if json {
                print_json(&partner_json(&issued.partner, Some(&issued.secret), true));
            } else {
                println!(
                    "partner created ({} mode); these secrets are shown only now:",
                    issued.partner.mode.as_str()
                );
                println!("  API key:             {}", issued.partner.api_key);
                println!("  API secret:          {}", issued.secret);
                println!("  webhook signing key: {}", issued.partner.signing_key);
            }
        }
        PartnerCmd::List { json } => {
            let all = repo.list_partners().await?;
            if json {
                print_json(&serde_json::Value::Array(
                    all.iter().map(|p| partner_json(p, None, false)).collect(),
                ));
            } else {
                for p in all {
                    println!(
                        "{}  {:7}  {}  webhook: {}",
                        p.api_key,
                        p.mode.as_str(),
                        p.name,
                        p.webhook_url.as_deref().unwrap_or("-")
                    );
                }
            }
        }
        PartnerCmd::RotateSecret { api_key, json } => {
            let issued = partners::rotate_secret(&repo, &api_key).await?;
            if json {
                print_json(&partner_json(&issued.partner, Some(&issued.secret), false));
            } else {
                println!("new API secret (shown only now): {}", issued.secret);
            }
        }
        PartnerCmd::SetWebhook {
            api_key,
            url,
            clear,
            rotate_signing_key,
            json,
        } => {
            if url.is_none() && !clear {
                anyhow::bail!("give --url URL or --clear");
            }
            let p = partners::set_webhook(&repo, &api_key, url.as_deref(), rotate_signing_key).await?;
            if json {
                print_json(&partner_json(&p, None, rotate_signing_key));
            } else {
                println!("webhook: {}", p.webhook_url.as_deref().unwrap_or("(none)"));
                if rotate_signing_key {
                    println!("new webhook signing key (shown only now): {}", p.signing_key);
                }
            }
        }
    }
    Ok(())
}
