//! `ivs mrz eval DIR`: scores an MRZ reader against a directory with a
//! `truth.json`, by the rules of `ivs_doc::eval` (see `docs/mrz-eval.md`).

use clap::Args;
use ivs_doc::eval::{load_predictions, load_truth, run_reader, score};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `ivs mrz eval`.
#[derive(Debug, Args)]
pub struct MrzEvalArgs {
    /// Directory holding the images and truth.json.
    pub dir: PathBuf,
    /// Score a predictions file `{file: {"lines": [...], "millis": n}}` (any reader's output,
    /// e.g. `bench/passporteye.sh`) instead of running the built-in reader.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Print the full report, with per-image outcomes, as JSON.
    #[arg(long)]
    pub json: bool,
    /// Directory holding `mrz.traineddata` for the built-in reader.
    #[arg(long, env = "IVS_TESSDATA", default_value = "models/tessdata")]
    pub tessdata: PathBuf,
    /// Score only the first N images of truth.json (sorted by file name), e.g. when a slow peer
    /// was run on part of a large set.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Runs `ivs mrz eval`.
pub fn run(args: &MrzEvalArgs) -> ExitCode {
    match eval(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ivs mrz eval: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn eval(args: &MrzEvalArgs) -> anyhow::Result<()> {
    let mut truth = load_truth(&args.dir)?;
    if let Some(n) = args.limit {
        truth = truth.into_iter().take(n).collect();
    }
    let predictions = match &args.predictions {
        Some(path) => load_predictions(path)?,
        None => {
            let today = crate::mrz_cmd::utc_today()
                .ok_or_else(|| anyhow::anyhow!("could not read the system clock"))?;
            let reader = ivs_doc::reader::TessReader::new(&args.tessdata, today)?;
            for why in reader.warnings() {
                eprintln!("warning: {why}");
            }
            run_reader(&args.dir, &truth, &reader)?
        }
    };
    let report = score(&truth, &predictions);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}
