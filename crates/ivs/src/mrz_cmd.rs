//! `ivs mrz ...`: machine-readable zone tools.
//!
//! `ivs mrz parse [--today YYYY-MM-DD]` reads MRZ lines from stdin and prints one JSON
//! object (keys in `docs/mrz.md`). Exit 0 when the text is an MRZ (also when checks fail),
//! 2 with `{"error": "..."}` when it is not.

use clap::Subcommand;
use ivs_mrz::{Date, Mrz, Problem};
use serde_json::{Map, Value, json};
use std::io::Read;
use std::process::ExitCode;

/// Largest stdin accepted; an MRZ is under 100 characters.
const MAX_INPUT: u64 = 64 * 1024;

#[derive(Debug, Subcommand)]
pub enum MrzCommand {
    /// Parse MRZ lines from stdin (one per line) and print one JSON object.
    Parse {
        /// The date two-digit years are resolved against (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<Date>,
    },
    /// Find and read the MRZ in document photos; one JSON object per image, one per line.
    Read(crate::mrz_read_cmd::MrzReadArgs),
    /// Score an MRZ reader over a directory with truth.json.
    Eval(crate::mrz_eval_cmd::MrzEvalArgs),
}

pub fn run(command: MrzCommand) -> ExitCode {
    match command {
        MrzCommand::Parse { today } => parse_stdin(today.or_else(utc_today)),
        MrzCommand::Eval(args) => crate::mrz_eval_cmd::run(&args),
        MrzCommand::Read(args) => crate::mrz_read_cmd::run(&args),
    }
}

/// The binary's clock read: today's UTC date.
#[allow(clippy::disallowed_methods)] // the CLI is where the clock is read; the library takes `today`
pub(crate) fn utc_today() -> Option<Date> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Date::from_unix_days(i64::try_from(secs / 86_400).ok()?)
}

fn parse_stdin(today: Option<Date>) -> ExitCode {
    let Some(today) = today else {
        return fail("could not read the system clock; pass --today YYYY-MM-DD");
    };
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().take(MAX_INPUT).read_to_end(&mut input) {
        return fail(&format!("reading stdin: {e}"));
    }
    let text = String::from_utf8_lossy(&input);
    match ivs_mrz::parse(&text, today) {
        Ok(mrz) => {
            let problems = describe_problems(&mrz);
            if !problems.is_empty() {
                // Field names only, never values: stderr may end up in logs.
                eprintln!("problems: {}", problems.join(", "));
            }
            println!("{}", to_json(&mrz));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    println!("{}", json!({ "error": message }));
    ExitCode::from(2)
}

fn describe_problems(mrz: &Mrz) -> Vec<String> {
    mrz.problems
        .iter()
        .map(|p| match p {
            Problem::CheckDigit(field) => format!("{field} check digit"),
            Problem::Names => "names (a character other than A-Z or <)".to_owned(),
            Problem::DocumentCode => "documentCode".to_owned(),
            Problem::IssuingCountry => "issuingCountry".to_owned(),
            Problem::Nationality => "nationality".to_owned(),
            Problem::BirthDate => "birthDate (not a real date)".to_owned(),
            Problem::ExpiryDate => "expiryDate (not a real date)".to_owned(),
            Problem::Sex => "sex".to_owned(),
        })
        .collect()
}

/// The CLI's JSON contract (camelCase keys; a field the format lacks is `null`).
#[must_use]
pub fn to_json(mrz: &Mrz) -> Value {
    let checks: Map<String, Value> = mrz
        .checks
        .iter()
        .map(|(field, ok)| (field.as_str().to_owned(), Value::Bool(*ok)))
        .collect();
    let repairs: Vec<Value> = mrz
        .repairs
        .iter()
        .map(|r| {
            json!({
                "field": r.field.as_str(),
                "position": r.position,
                "from": r.from.to_string(),
                "to": r.to.to_string(),
            })
        })
        .collect();
    let optional_data = [Some(mrz.optional_data.as_str()), mrz.optional_data_2.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "format": mrz.format.as_str(),
        "documentCode": mrz.document_code,
        "issuingCountry": mrz.issuing_country,
        "nationality": mrz.nationality,
        "surname": mrz.surname,
        "givenNames": mrz.given_names,
        "documentNumber": mrz.document_number,
        "birthDate": mrz.birth_date.map(|d| d.to_string()),
        "expiryDate": mrz.expiry_date.map(|d| d.to_string()),
        "birthDateRaw": mrz.birth_date_raw,
        "expiryDateRaw": mrz.expiry_date_raw,
        "sex": mrz.sex.map(ivs_mrz::Sex::as_str),
        "optionalData": optional_data,
        "checks": checks,
        "valid": mrz.is_valid(),
        "repairs": repairs,
        "nationalityAlpha2": mrz.nationality_alpha2(),
        "issuingCountryAlpha2": mrz.issuing_country_alpha2(),
    })
}
