//! `ivs mrz read IMAGE…`: finds and reads the MRZ in document photos and prints, per image, one
//! JSON line: the parse JSON of `ivs mrz parse` (when the lines parse) plus `file`, `lines`,
//! `rawLines`, `uncertain`, `confidence`, `rotation`, `mrzBox`, `quality`, `documentStatus`,
//! `portrait` and `millis`. Exit 0 when every image decodes, 2 (with `{"error"}` for that image)
//! when one does not.
//!
//! The portrait is located with the face engine (`ivs-face`) on the page turned upright; `ivs-doc`
//! does not depend on `ivs-face`, so the two meet here through
//! [`ivs_doc::portrait::find_portrait`]'s detector callback.

use clap::Args;
use ivs_doc::portrait::{FaceBox, find_portrait};
use ivs_doc::quality::document_status;
use ivs_doc::reader::{ReaderError, TessReader};
use ivs_face::{DetectOptions, FaceEngine, ModelPaths};
use ivs_mrz::Date;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Largest image file read, in bytes.
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// Arguments of `ivs mrz read`.
#[derive(Debug, Args)]
pub struct MrzReadArgs {
    /// Image files (JPEG, PNG, WebP).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Directory holding `mrz.traineddata`.
    #[arg(long, env = "IVS_TESSDATA", default_value = "models/tessdata")]
    pub tessdata: PathBuf,
    /// Directory holding the face models (the portrait is looked for with them).
    #[arg(long, env = "IVS_MODELS_DIR", default_value = "./models")]
    pub models: PathBuf,
    /// The date two-digit years and expiry are judged against (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<Date>,
}

/// Runs `ivs mrz read`.
pub fn run(args: &MrzReadArgs) -> ExitCode {
    let Some(today) = args.today.or_else(crate::mrz_cmd::utc_today) else {
        println!(
            "{}",
            json!({"error": "could not read the system clock; pass --today"})
        );
        return ExitCode::from(2);
    };
    let reader = match TessReader::new(&args.tessdata, today) {
        Ok(r) => {
            for why in r.warnings() {
                eprintln!("warning: {why}");
            }
            r
        }
        Err(e) => {
            println!("{}", json!({"error": e.to_string()}));
            return ExitCode::from(2);
        }
    };
    let faces = match FaceEngine::load(&ModelPaths::in_dir(&args.models)) {
        Ok(f) => f,
        Err(e) => {
            println!("{}", json!({"error": format!("face models: {e}")}));
            return ExitCode::from(2);
        }
    };
    let mut code = ExitCode::SUCCESS;
    for path in &args.images {
        let value = match read_one(&reader, &faces, path, today) {
            Ok(v) => v,
            Err(e) => {
                code = ExitCode::from(2);
                json!({"file": path.display().to_string(), "error": e})
            }
        };
        println!("{value}");
    }
    code
}

fn read_one(reader: &TessReader, faces: &FaceEngine, path: &PathBuf, today: Date) -> Result<Value, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading {}: {e}", path.display()))?;
    let start = Instant::now();
    let mut reading = reader.read_bytes(&bytes).map_err(|e| match e {
        ReaderError::Decode(m) => format!("image does not decode: {m}"),
        ReaderError::Init(m) => m,
    })?;
    // The decode above succeeded under the same limits, so this one does too.
    if let Ok(rgb) = ivs_doc::reader::decode_rgb(&bytes) {
        reading.portrait = find_portrait(&rgb, &reading, |page| {
            faces
                .detect(page, &DetectOptions::default())
                .unwrap_or_default()
                .into_iter()
                .map(|f| FaceBox {
                    score: f.score,
                    bbox: f.bbox,
                })
                .collect()
        });
        reading.portrait_checked = true;
    }
    let millis = start.elapsed().as_secs_f64() * 1000.0;
    let status = document_status(&reading, today);
    let mut out = match &reading.mrz {
        Some(mrz) => crate::mrz_cmd::to_json(mrz),
        None => json!({}),
    };
    if let Value::Object(map) = &mut out {
        map.insert("file".into(), json!(path.display().to_string()));
        map.insert("lines".into(), json!(reading.lines));
        map.insert("rawLines".into(), json!(reading.raw_lines));
        map.insert("uncertain".into(), json!(reading.uncertain));
        map.insert(
            "confidence".into(),
            json!((f64::from(reading.confidence) * 1000.0).round() / 1000.0),
        );
        map.insert("rotation".into(), json!(reading.rotation));
        map.insert("mrzBox".into(), json!(reading.band));
        map.insert("quality".into(), json!(reading.quality));
        map.insert("documentStatus".into(), json!(status));
        map.insert("portrait".into(), json!(reading.portrait));
        map.insert("millis".into(), json!((millis * 10.0).round() / 10.0));
    }
    Ok(out)
}
