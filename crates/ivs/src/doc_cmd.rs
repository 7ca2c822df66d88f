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
    /// Write the sample passport (JPEG, public-domain portrait) and a matching token request.
    Sample(SampleArgs),
}

/// Arguments of `ivs doc sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Output directory (created if missing): passport.jpg and token.json.
    #[arg(long)]
    pub out: PathBuf,
    /// The holder's photo, a file in --faces.
    #[arg(long, default_value = "obama.jpg")]
    pub portrait: String,
    /// Expiry date as the MRZ writes it (YYMMDD), e.g. 260101 for an expired document.
    #[arg(long, default_value = "320101")]
    pub expiry: String,
    /// Gaussian blur sigma, pixels (0: sharp).
    #[arg(long, default_value_t = 0.0)]
    pub blur: f32,
    /// The OCR-B font (Debian package fonts-ocr-b).
    #[arg(long, default_value = "/usr/share/fonts/opentype/ocr-b/OCRB.otf")]
    pub font: PathBuf,
    /// Directory of the public-domain portrait photos (installed by scripts/setup.sh).
    #[arg(long, default_value = "testdata/pd-faces")]
    pub faces: PathBuf,
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
        DocCommand::Sample(args) => match sample(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ivs doc sample: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// The sample's data: a specimen passport of the fictional state `UTO` (ICAO 9303's example
/// issuer), valid until 2032.
pub fn sample_data() -> ivs_doc::synth::DocData {
    ivs_doc::synth::DocData {
        format: ivs_doc::checks::Format::Td3,
        doc_code: "P<".into(),
        issuer: "UTO".into(),
        nationality: "UTO".into(),
        surnames: vec!["SPECIMEN".into()],
        given_names: vec!["JOHN".into()],
        number: "L898902C3".into(),
        birth: "850312".into(),
        sex: 'M',
        expiry: "320101".into(),
        optional1: "ZE184226B<<<<<".into(),
        optional2: String::new(),
    }
}

fn sample(args: &SampleArgs) -> anyhow::Result<()> {
    let assets = Assets::load(&args.font, &args.faces)?;
    if args.expiry.len() != 6 || !args.expiry.bytes().all(|b| b.is_ascii_digit()) {
        anyhow::bail!("--expiry must be YYMMDD");
    }
    let mut data = sample_data();
    data.expiry = args.expiry.clone();
    let spec = ivs_doc::synth::Specimen {
        data,
        portrait: args.portrait.clone(),
        blur: args.blur,
        seed: 7,
    };
    let (jpeg, _lines) = ivs_doc::synth::specimen(&assets, &spec)?;
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("passport.jpg"), jpeg)?;
    let token = serde_json::json!({
        "clientId": "sample-user",
        "firstName": "John",
        "lastName": "Specimen",
        "dateOfBirth": "1985-03-12",
        "documentNumber": "L898902C3"
    });
    std::fs::write(
        args.out.join("token.json"),
        serde_json::to_string_pretty(&token)? + "\n",
    )?;
    println!("wrote passport.jpg and token.json to {}", args.out.display());
    Ok(())
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
