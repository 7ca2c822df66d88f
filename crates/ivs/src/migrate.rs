//! `ivs migrate-files` and `ivs migrate-db`: moving an installation to S3-compatible storage and
//! to another database (typically SQLite → PostgreSQL when one machine is no longer enough).
use crate::config::{Config, redact_url};
use anyhow::Context;
use clap::{Args, ValueEnum};
use ivs_store::Files;
use ivs_store::migrate::{FilesCopyReport, copy_database, copy_files};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FilesTarget {
    S3,
}

/// Copies every stored file from the local files directory into an S3-compatible bucket.
#[derive(Debug, Args)]
pub struct MigrateFilesArgs {
    /// Where to copy to.
    #[arg(long, value_enum)]
    pub to: FilesTarget,
    /// The local files directory to copy from (default: `[files] path`, else `<data_dir>/files`).
    #[arg(long)]
    pub from_path: Option<PathBuf>,
    /// Overrides `[files] endpoint`.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Overrides `[files] bucket`.
    #[arg(long)]
    pub bucket: Option<String>,
    /// Overrides `[files] region`.
    #[arg(long)]
    pub region: Option<String>,
    /// Overrides `[files] access_key_id` (the secret comes only from the configuration file or
    /// `IVS_FILES__SECRET_ACCESS_KEY`, never from a flag).
    #[arg(long)]
    pub access_key_id: Option<String>,
    /// Overrides `[files] allow_http`.
    #[arg(long)]
    pub allow_http: Option<bool>,
    /// Overrides `[files] path_style`.
    #[arg(long)]
    pub path_style: Option<bool>,
    /// Delete each local file once the bucket holds it.
    #[arg(long)]
    pub delete_source: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Copies a whole installation's database into another, empty one.
#[derive(Debug, Args)]
pub struct MigrateDbArgs {
    /// The database to copy from (default: the configured one).
    #[arg(long)]
    pub from: Option<String>,
    /// The database to copy into (migrated first; must be empty).
    #[arg(long)]
    pub to: String,
    /// Replace whatever the target holds (its rows are deleted in the same transaction).
    #[arg(long)]
    pub force: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn migrate_files(cfg: &Config, args: MigrateFilesArgs) -> anyhow::Result<ExitCode> {
    let FilesTarget::S3 = args.to;
    let mut s3 = cfg.s3_settings();
    if let Some(v) = args.endpoint {
        s3.endpoint = v;
    }
    if let Some(v) = args.bucket {
        s3.bucket = v;
    }
    if let Some(v) = args.region {
        s3.region = v;
    }
    if let Some(v) = args.access_key_id {
        s3.access_key_id = v;
    }
    if let Some(v) = args.allow_http {
        s3.allow_http = v;
    }
    if let Some(v) = args.path_style {
        s3.path_style = v;
    }
    let dir = args.from_path.unwrap_or_else(|| cfg.files_dir());
    if !dir.is_dir() {
        anyhow::bail!("files directory {} does not exist", dir.display());
    }
    let from = Files::local(&dir)?;
    let to = Files::s3(&s3).context("configuring the S3 target")?;
    to.ping()
        .await
        .with_context(|| format!("cannot reach bucket {:?} at {:?}", s3.bucket, s3.endpoint))?;
    let mut last_shown = 0;
    let report = copy_files(&from, &to, args.delete_source, |r: &FilesCopyReport| {
        let done = r.copied + r.skipped;
        if done >= last_shown + 500 {
            last_shown = done;
            eprintln!("migrate-files: {done}/{} objects", r.objects);
        }
    })
    .await
    .context("copying files")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "migrate-files: {} objects in {}: {} copied ({} bytes), {} already in bucket {}, {} deleted from the source",
            report.objects,
            dir.display(),
            report.copied,
            report.bytes_copied,
            report.skipped,
            s3.bucket,
            report.deleted
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn migrate_db(cfg: &Config, args: MigrateDbArgs) -> anyhow::Result<ExitCode> {
    let from_url = args.from.unwrap_or_else(|| cfg.database_url());
    if from_url == args.to {
        anyhow::bail!("--from and --to name the same database");
    }
    let from = ivs_store::connect(&from_url, 2)
        .await
        .with_context(|| format!("connecting to {}", redact_url(&from_url)))?;
    from.migrate().await.context("migrating the source database")?;
    let to = ivs_store::connect(&args.to, 2)
        .await
        .with_context(|| format!("connecting to {}", redact_url(&args.to)))?;
    to.migrate().await.context("migrating the target database")?;
    let report = copy_database(&from, &to, args.force)
        .await
        .context("copying the database")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("migrate-db: {} → {}", redact_url(&from_url), redact_url(&args.to));
        if report.replaced_rows > 0 {
            println!("  replaced {} rows the target held", report.replaced_rows);
        }
        for (table, n) in &report.tables {
            println!("  {table}: {n} rows");
        }
    }
    Ok(ExitCode::SUCCESS)
}
