//! `ivs doc …`: document-photo tools. `ivs doc synth` writes a synthetic document set with
//! ground truth (the measuring stick's test material; see `docs/mrz-eval.md`).

use clap::{Args, Subcommand};
use ivs_doc::synth::{Assets, write_set};
use std::path::PathBuf;
use std::process::ExitCode;

/// `ivs doc` subcommands.
#[derive(Debug, Subcommand)]
pub enum DocCommand {
    /// Generate synthetic TD1/TD3 documents (images + truth.json) from a seed.
    Synth(SynthArgs),
}

/// Arguments of `ivs doc synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Seed of the set; document i is the same for any --count > i.
    #[arg(long)]
    pub seed: u64,
    /// Number of documents.
    #[arg(long)]
    pub count: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Write the clean rendered pages (PNG) without any degradation.
    #[arg(long)]
    pub clean: bool,
    /// The OCR-B font (Debian package fonts-ocr-b).
    #[arg(long, default_value = "/usr/share/fonts/opentype/ocr-b/OCRB.otf")]
    pub font: PathBuf,
    /// Directory of the public-domain portrait photos (installed by scripts/setup.sh).
    #[arg(long, default_value = "testdata/pd-faces")]
    pub faces: PathBuf,
}

/// Runs an `ivs doc` subcommand.
pub fn run(cmd: DocCommand) -> ExitCode {
    match cmd {
        DocCommand::Synth(args) => match synth(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ivs doc synth: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn synth(args: &SynthArgs) -> anyhow::Result<()> {
    let assets = Assets::load(&args.font, &args.faces)?;
    if assets.portrait_count() == 0 {
        eprintln!(
            "warning: no portrait photos found in {}; documents will have no portrait",
            args.faces.display()
        );
    }
    let truth = write_set(&assets, args.seed, args.count, args.clean, &args.out)?;
    println!(
        "wrote {} documents and truth.json to {}",
        truth.len(),
        args.out.display()
    );
    Ok(())
}
