//! `ivs mrz read IMAGE…`: finds and reads the MRZ in document photos and prints, per image, one
//! JSON line: the parse JSON of `ivs mrz parse` (when the lines parse) plus `file`, `lines`,
//! `rawLines`, `uncertain`, `confidence`, `rotation`, `mrzBox`, `quality`, `documentStatus`,
//! `portrait` and `millis`. Exit 0 when every image decodes, 2 (with `{"error"}` for that image)
//! when one does not.

use clap::Args;
use ivs_doc::quality::document_status;
use ivs_doc::reader::{ReaderError, TessReader};
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
        Ok(r) => r,
        Err(e) => {
            println!("{}", json!({"error": e.to_string()}));
            return ExitCode::from(2);
        }
    };
    let mut code = ExitCode::SUCCESS;
    for path in &args.images {
        let value = match read_one(&reader, path, today) {
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

fn read_one(reader: &TessReader, path: &PathBuf, today: Date) -> Result<Value, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading {}: {e}", path.display()))?;
    let start = Instant::now();
    let reading = reader.read_bytes(&bytes).map_err(|e| match e {
        ReaderError::Decode(m) => format!("image does not decode: {m}"),
        ReaderError::Init(m) => m,
    })?;
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
        // The face engine has not landed on this branch: no portrait location yet.
        map.insert("portrait".into(), Value::Null);
        map.insert("millis".into(), json!((millis * 10.0).round() / 10.0));
    }
    Ok(out)
}
