//! `ivs face …`: compare, detect, eval and bench on the command line.
//!
//! Every command prints one JSON document on stdout. `compare` and `detect` exit 0 whenever the
//! images decode (the verdict is in the JSON), and 2 with `{"error": "..."}` otherwise.
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use ivs_face::{
    DecodeLimits, DetectOptions, Embedding, FaceAnalysis, FaceEngine, FaceIndex, MatchPolicy, ModelPaths,
    PrimaryFace, RgbImage, SmallFacePass, compare, decode_rgb,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct FaceArgs {
    /// Directory holding the YuNet and SFace model files (installed by scripts/setup.sh).
    #[arg(long, env = "IVS_MODELS_DIR", default_value = "./models", global = true)]
    pub models: PathBuf,
    /// Inference runtime: `tract` (default) or `onnxruntime` (a build with the ivs-face feature
    /// `onnxruntime` and `scripts/setup.sh --onnxruntime`).
    #[arg(long, env = "IVS_FACE__BACKEND", default_value = "tract", global = true)]
    pub backend: String,
    #[command(subcommand)]
    pub command: FaceCommand,
}

/// Where the models are and which runtime runs them.
struct Models {
    dir: PathBuf,
    backend: String,
}

#[derive(Debug, Subcommand)]
pub enum FaceCommand {
    /// Compare the largest face of image A with the largest face of image B.
    Compare {
        a: PathBuf,
        b: PathBuf,
        /// iDenfy faceMatchingThresholdModifier: multiplies the match threshold (clamped 0.5–1.5).
        #[arg(long, default_value_t = 1.0)]
        threshold_modifier: f32,
    },
    /// List the faces of an image: boxes, landmarks, scores.
    Detect {
        image: PathBuf,
        /// Also run the tiled high-resolution pass when faces were found (group photos, documents).
        #[arg(long)]
        all_sizes: bool,
    },
    /// FMR / FNMR at the default threshold plus ROC points over labelled pairs.
    Eval {
        /// CSV with columns a,b,same (same = 1 or 0); paths relative to the CSV.
        #[arg(long, conflicts_with_all = ["identities", "synth_docs"],
              required_unless_present_any = ["identities", "synth_docs"])]
        pairs: Option<PathBuf>,
        /// CSV with columns file,identity; every pair of files is evaluated.
        #[arg(long, conflicts_with = "synth_docs")]
        identities: Option<PathBuf>,
        /// Document portrait vs selfie: generate this many synthetic documents (ivs doc synth),
        /// find the printed portrait in each degraded photo and compare it with every photo of
        /// the --selfies lists (genuine: other photos of the portrait's person).
        #[arg(long, requires = "selfies")]
        synth_docs: Option<u64>,
        /// Seed of the synthetic document set.
        #[arg(long, default_value_t = 20261125)]
        seed: u64,
        /// CSVs with columns file,identity (paths relative to the CSV): the selfie side of the
        /// document pairs. The portrait photos' own list must be among them.
        #[arg(long)]
        selfies: Vec<PathBuf>,
        /// The OCR-B font for the synthetic documents (Debian package fonts-ocr-b).
        #[arg(long, default_value = "/usr/share/fonts/opentype/ocr-b/OCRB.otf")]
        font: PathBuf,
        /// Directory of the public-domain portrait photos printed into the documents.
        #[arg(long, default_value = "testdata/pd-faces")]
        faces: PathBuf,
        /// Turn each document photo upright (from its ground truth) before looking for the face,
        /// as a pipeline that has read the MRZ in some orientation can.
        #[arg(long)]
        upright: bool,
        /// Threshold to report FMR/FNMR at (default: the calibrated default).
        #[arg(long)]
        threshold: Option<f32>,
        /// Also write every pair's score to this CSV (a,b,same,similarity).
        #[arg(long)]
        scores: Option<PathBuf>,
    },
    /// Time the stages (decode, detect, align+embed) and the 1:N index; for docs/benchmarks.md.
    Bench {
        images: Vec<PathBuf>,
        /// Repetitions per image.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Index sizes to build and query (comma separated); empty to skip.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        index_sizes: Vec<usize>,
        /// Queries per index size.
        #[arg(long, default_value_t = 200)]
        queries: usize,
    },
}

pub fn run(args: FaceArgs) -> ExitCode {
    let models = Models {
        dir: args.models.clone(),
        backend: args.backend.clone(),
    };
    let result = match args.command {
        FaceCommand::Compare {
            a,
            b,
            threshold_modifier,
        } => cmd_compare(&models, &a, &b, threshold_modifier),
        FaceCommand::Detect { image, all_sizes } => cmd_detect(&models, &image, all_sizes),
        FaceCommand::Eval {
            pairs,
            identities,
            synth_docs,
            seed,
            selfies,
            font,
            faces,
            upright,
            threshold,
            scores,
        } => match synth_docs {
            Some(count) => cmd_eval_docs(
                &models,
                &DocEval {
                    count,
                    seed,
                    selfies: &selfies,
                    font: &font,
                    faces: &faces,
                    upright,
                },
                threshold,
                scores.as_deref(),
            ),
            None => cmd_eval(
                &models,
                pairs.as_deref(),
                identities.as_deref(),
                threshold,
                scores.as_deref(),
            ),
        },
        FaceCommand::Bench {
            images,
            runs,
            index_sizes,
            queries,
        } => cmd_bench(&models, &images, runs, &index_sizes, queries),
    };
    match result {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{}", json!({ "error": format!("{e:#}") }));
            ExitCode::from(2)
        }
    }
}

fn load_engine(models: &Models) -> anyhow::Result<FaceEngine> {
    let section = crate::config::FaceSection {
        backend: models.backend.clone(),
        ..crate::config::FaceSection::default()
    };
    let backend = crate::config::face_backend(&section, &models.dir, 1)?;
    Ok(FaceEngine::load_with(&ModelPaths::in_dir(&models.dir), &backend)?)
}

fn read_image(path: &Path) -> anyhow::Result<RgbImage> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    decode_rgb(&bytes, &DecodeLimits::default()).with_context(|| format!("{}", path.display()))
}

fn round(v: f32, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (f64::from(v) * p).round() / p
}

fn face_summary(analysis: &FaceAnalysis) -> Value {
    let primary = analysis.primary.as_ref();
    json!({
        "faces": analysis.faces.len(),
        "box": primary.map(|p| p.face.bbox.map(|v| v.round())),
        "score": primary.map(|p| round(p.face.score, 3)),
        "quality": primary.map(|p| json!({
            "sharpness": round(p.quality.sharpness, 1),
            "glare": round(p.quality.glare, 4),
            "brightness": round(p.quality.brightness, 1),
            "eyeDistance": round(p.quality.eye_distance, 1),
        })),
        "presentationAttack": primary.map(|p| json!({
            "moirePeak": round(p.pad.moire_peak, 1),
            "highFrequency": round(p.pad.high_frequency, 4),
            "sharpnessRatio": round(p.pad.sharpness_ratio, 3),
            "score": round(p.pad.score, 3),
            "suspicious": p.pad.suspicious,
        })),
    })
}

fn cmd_compare(models: &Models, a: &Path, b: &Path, modifier: f32) -> anyhow::Result<Value> {
    let img_a = read_image(a)?;
    let img_b = read_image(b)?;
    let engine = load_engine(models)?;
    let t0 = Instant::now();
    let opts = DetectOptions::default();
    let fa = engine.analyze(&img_a, &opts)?;
    let fb = engine.analyze(&img_b, &opts)?;
    let c = compare(
        fa.primary.as_ref(),
        fb.primary.as_ref(),
        &MatchPolicy::default(),
        modifier,
    );
    Ok(json!({
        "similarity": c.similarity.map(|s| round(s, 4)),
        "threshold": round(c.threshold, 4),
        "match": c.matched,
        "faceStatus": c.status.as_str(),
        "a": face_summary(&fa),
        "b": face_summary(&fb),
        "millis": t0.elapsed().as_millis() as u64,
    }))
}

fn cmd_detect(models: &Models, image: &Path, all_sizes: bool) -> anyhow::Result<Value> {
    let img = read_image(image)?;
    let engine = load_engine(models)?;
    let t0 = Instant::now();
    let opts = DetectOptions {
        small_faces: if all_sizes {
            SmallFacePass::Always
        } else {
            SmallFacePass::WhenNoFace
        },
        ..DetectOptions::default()
    };
    let faces = engine.detect(&img, &opts)?;
    let faces: Vec<Value> = faces
        .iter()
        .map(|f| {
            json!({
                "score": round(f.score, 3),
                "box": f.bbox.map(|v| round(v, 1)),
                "landmarks": f.landmarks.map(|p| p.map(|v| round(v, 1))),
            })
        })
        .collect();
    Ok(json!({
        "width": img.width(),
        "height": img.height(),
        "faces": faces,
        "millis": t0.elapsed().as_millis() as u64,
    }))
}

/// Reads a CSV with a header line; returns the rows as string fields.
fn read_csv(path: &Path, columns: usize) -> anyhow::Result<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<String> = line.split(',').map(|f| f.trim().to_owned()).collect();
        if fields.len() < columns {
            bail!("{}:{}: expected {columns} columns", path.display(), n + 1);
        }
        rows.push(fields);
    }
    Ok(rows)
}

struct Scored {
    a: String,
    b: String,
    same: bool,
    similarity: f32,
}

fn cmd_eval(
    models: &Models,
    pairs: Option<&Path>,
    identities: Option<&Path>,
    threshold: Option<f32>,
    scores_out: Option<&Path>,
) -> anyhow::Result<Value> {
    let t0 = Instant::now();
    let (base, pair_list): (PathBuf, Vec<(String, String, bool)>) = match (pairs, identities) {
        (Some(p), _) => {
            let rows = read_csv(p, 3)?;
            let list = rows
                .into_iter()
                .map(|r| {
                    (
                        r[0].clone(),
                        r[1].clone(),
                        r[2] == "1" || r[2].eq_ignore_ascii_case("true"),
                    )
                })
                .collect();
            (p.parent().unwrap_or(Path::new(".")).to_path_buf(), list)
        }
        (None, Some(p)) => {
            let rows = read_csv(p, 2)?;
            let mut list = Vec::new();
            for i in 0..rows.len() {
                for j in i + 1..rows.len() {
                    list.push((rows[i][0].clone(), rows[j][0].clone(), rows[i][1] == rows[j][1]));
                }
            }
            (p.parent().unwrap_or(Path::new(".")).to_path_buf(), list)
        }
        (None, None) => bail!("give --pairs or --identities"),
    };
    let engine = load_engine(models)?;
    let mut embeddings: std::collections::BTreeMap<String, Option<Embedding>> = Default::default();
    for (a, b, _) in &pair_list {
        for f in [a, b] {
            if !embeddings.contains_key(f) {
                let img = read_image(&base.join(f))?;
                let analysis = engine.analyze(&img, &DetectOptions::default())?;
                embeddings.insert(f.clone(), analysis.primary.map(|p: PrimaryFace| p.embedding));
            }
        }
    }
    let mut scored = Vec::new();
    let mut not_compared = 0usize;
    for (a, b, same) in pair_list {
        match (
            embeddings.get(&a).and_then(Option::as_ref),
            embeddings.get(&b).and_then(Option::as_ref),
        ) {
            (Some(ea), Some(eb)) => scored.push(Scored {
                a,
                b,
                same,
                similarity: ea.cosine(eb),
            }),
            _ => not_compared += 1,
        }
    }
    write_scores(&scored, scores_out)?;
    let no_face: Vec<&String> = embeddings
        .iter()
        .filter(|(_, e)| e.is_none())
        .map(|(f, _)| f)
        .collect();
    let mut out = summarise(&scored, threshold);
    if let Value::Object(m) = &mut out {
        m.insert("pairs".into(), json!(scored.len() + not_compared));
        m.insert("notCompared".into(), json!(not_compared));
        m.insert("noFaceFound".into(), json!(no_face));
        m.insert("millis".into(), json!(t0.elapsed().as_millis() as u64));
    }
    Ok(out)
}

fn write_scores(scored: &[Scored], out: Option<&Path>) -> anyhow::Result<()> {
    let Some(out) = out else {
        return Ok(());
    };
    let mut csv = String::from("a,b,same,similarity\n");
    for s in scored {
        csv.push_str(&format!(
            "{},{},{},{:.5}\n",
            s.a,
            s.b,
            u8::from(s.same),
            s.similarity
        ));
    }
    std::fs::write(out, csv).with_context(|| format!("cannot write {}", out.display()))
}

/// FMR / FNMR at the threshold, the grey band, score ranges and ROC points of scored pairs.
fn summarise(scored: &[Scored], threshold: Option<f32>) -> Value {
    let policy = MatchPolicy::default();
    let t = threshold.unwrap_or(policy.threshold);
    let genuine: Vec<f32> = scored.iter().filter(|s| s.same).map(|s| s.similarity).collect();
    let impostor: Vec<f32> = scored.iter().filter(|s| !s.same).map(|s| s.similarity).collect();
    let rate = |num: usize, den: usize| {
        if den == 0 {
            Value::Null
        } else {
            json!(round(num as f32 / den as f32, 5))
        }
    };
    let at = |t: f32| {
        let fm = impostor.iter().filter(|&&s| s >= t).count();
        let fnm = genuine.iter().filter(|&&s| s < t).count();
        (fm, fnm)
    };
    let (fm, fnm) = at(t);
    let grey_low = t - policy.grey_band;
    let uncertain_genuine = genuine.iter().filter(|&&s| s < t && s >= grey_low).count();
    let uncertain_impostor = impostor.iter().filter(|&&s| s < t && s >= grey_low).count();
    let range = |v: &[f32]| {
        let min = v.iter().copied().fold(f32::INFINITY, f32::min);
        let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        if v.is_empty() {
            Value::Null
        } else {
            json!([round(min, 4), round(max, 4)])
        }
    };
    let roc: Vec<Value> = (0..=50)
        .map(|i| i as f32 * 0.02)
        .map(|t| {
            let (fm, fnm) = at(t);
            json!({"threshold": round(t, 2), "fmr": rate(fm, impostor.len()), "fnmr": rate(fnm, genuine.len())})
        })
        .collect();
    json!({
        "threshold": round(t, 4),
        "compared": scored.len(),
        "genuine": genuine.len(),
        "impostor": impostor.len(),
        "falseMatches": fm,
        "falseNonMatches": fnm,
        "fmr": rate(fm, impostor.len()),
        "fnmr": rate(fnm, genuine.len()),
        "uncertain": {"genuine": uncertain_genuine, "impostor": uncertain_impostor},
        "genuineRange": range(&genuine),
        "impostorRange": range(&impostor),
        "roc": roc,
    })
}

/// The synthetic document-portrait evaluation's settings.
struct DocEval<'a> {
    count: u64,
    seed: u64,
    selfies: &'a [PathBuf],
    font: &'a Path,
    faces: &'a Path,
    upright: bool,
}

/// The image turned `turns` quarter turns clockwise.
fn rotate_cw(img: &RgbImage, turns: u8) -> RgbImage {
    let mut out = img.clone();
    for _ in 0..turns % 4 {
        let (w, h) = out.dimensions();
        let src = out;
        out = RgbImage::from_fn(h, w, |x, y| *src.get_pixel(y, h - 1 - x));
    }
    out
}

/// One photo of the selfie side of the document pairs.
struct Selfie {
    file: String,
    name: String,
    identity: String,
    face: Option<PrimaryFace>,
}

/// Which asset portrait a clean page carries: the one whose pixels, sampled on a grid over the
/// page's portrait box, are closest in luma (the pasted portrait is an exact resize of one of
/// them, sometimes in grey).
fn portrait_source(page: &RgbImage, pbox: [f32; 4], sources: &[(&str, &RgbImage)]) -> Option<usize> {
    let luma =
        |p: &ivs_face::Rgb<u8>| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
    let [x0, y0, w, h] = pbox;
    let mut best: Option<(f32, usize)> = None;
    for (k, (_, src)) in sources.iter().enumerate() {
        let mut err = 0f32;
        for gy in 1..24 {
            for gx in 1..24 {
                let (u, v) = (gx as f32 / 24.0, gy as f32 / 24.0);
                let (px, py) = ((x0 + u * w) as u32, (y0 + v * h) as u32);
                let (sx, sy) = ((u * src.width() as f32) as u32, (v * src.height() as f32) as u32);
                if let (Some(a), Some(b)) = (page.get_pixel_checked(px, py), src.get_pixel_checked(sx, sy)) {
                    err += (luma(a) - luma(b)).abs();
                }
            }
        }
        if best.is_none_or(|(e, _)| err < e) {
            best = Some((err, k));
        }
    }
    best.map(|(_, k)| k)
}

/// Whether point `p` lies inside the convex quadrilateral `q`.
fn in_quad(q: &[[f32; 2]; 4], p: [f32; 2]) -> bool {
    let cross = |a: [f32; 2], b: [f32; 2]| (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
    let c: Vec<f32> = (0..4).map(|i| cross(q[i], q[(i + 1) % 4])).collect();
    c.iter().all(|&v| v >= 0.0) || c.iter().all(|&v| v <= 0.0)
}

fn median_of(mut v: Vec<f32>) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    v.sort_by(f32::total_cmp);
    json!(round(v[v.len() / 2], 3))
}

/// `ivs face eval --synth-docs N`: document portrait vs selfie.
fn cmd_eval_docs(
    models: &Models,
    cfg: &DocEval<'_>,
    threshold: Option<f32>,
    scores_out: Option<&Path>,
) -> anyhow::Result<Value> {
    use ivs_doc::synth::{Assets, generate};
    let t0 = Instant::now();
    let engine = load_engine(models)?;
    let mut selfies = Vec::new();
    for csv in cfg.selfies {
        let base = csv.parent().unwrap_or(Path::new(".")).to_path_buf();
        for row in read_csv(csv, 2)? {
            let img = read_image(&base.join(&row[0]))?;
            let analysis = engine.analyze(&img, &DetectOptions::default())?;
            let name = Path::new(&row[0])
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            selfies.push(Selfie {
                file: row[0].clone(),
                name,
                identity: row[1].clone(),
                face: analysis.primary,
            });
        }
    }
    let assets = Assets::load(cfg.font, cfg.faces)?;
    let sources: Vec<(&str, &RgbImage)> = assets.portraits().collect();
    if sources.is_empty() {
        bail!("no portrait photos in {}", cfg.faces.display());
    }
    let mut source_identity = Vec::new();
    for (name, _) in &sources {
        let s = selfies.iter().find(|s| s.name == *name);
        let Some(s) = s else {
            bail!("portrait {name} is in none of the --selfies lists (its identity is needed)");
        };
        source_identity.push(s.identity.clone());
    }
    let doc_opts = DetectOptions {
        small_faces: SmallFacePass::Always,
        ..DetectOptions::default()
    };
    let policy = MatchPolicy::default();
    let (mut with_portrait, mut not_found, mut outside_portrait) = (0usize, 0usize, 0usize);
    let mut per_source = vec![0usize; sources.len()];
    let (mut sharpness, mut glare, mut eye_distance) = (Vec::new(), Vec::new(), Vec::new());
    let mut status_genuine: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let mut status_impostor: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let mut genuine_missed = 0usize;
    let mut per_doc = Vec::new();
    let mut scored = Vec::new();
    for i in 0..cfg.count {
        let doc = generate(&assets, cfg.seed, i, false)?;
        let Some(quad) = doc.truth.portrait_quad else {
            continue;
        };
        with_portrait += 1;
        let clean = generate(&assets, cfg.seed, i, true)?;
        let page = decode_rgb(&clean.bytes, &DecodeLimits::default())?;
        let src = clean
            .truth
            .layout
            .portrait_box
            .and_then(|b| portrait_source(&page, b, &sources))
            .unwrap_or(0);
        per_source[src] += 1;
        let (src_name, identity) = (sources[src].0, &source_identity[src]);
        let genuine_here = selfies
            .iter()
            .filter(|s| s.identity == *identity && s.name != src_name && s.face.is_some())
            .count();
        let img = decode_rgb(&doc.bytes, &DecodeLimits::default())?;
        let turns = doc.truth.degradation.as_ref().map_or(0, |d| d.quarter_turns);
        let img = if cfg.upright { rotate_cw(&img, turns) } else { img };
        let analysis = engine.analyze(&img, &doc_opts)?;
        let Some(face) = analysis.primary else {
            not_found += 1;
            genuine_missed += genuine_here;
            per_doc.push(
                json!({"file": doc.file_name, "quarterTurns": turns, "source": src_name, "face": false}),
            );
            continue;
        };
        let [x, y, w, h] = face.face.bbox;
        let centre = [x + w / 2.0, y + h / 2.0];
        // The truth quad is in the photo's own frame; map the centre back when it was turned.
        let centre = if cfg.upright {
            let (ow, oh) = (img.width() as f32, img.height() as f32);
            (0..turns % 4)
                .fold((centre, ow, oh), |([cx, cy], w, h), _| ([cy, w - cx], h, w))
                .0
        } else {
            centre
        };
        if !in_quad(&quad, centre) {
            outside_portrait += 1;
        }
        let genuine_sims: Vec<f32> = selfies
            .iter()
            .filter(|s| s.identity == *identity && s.name != src_name)
            .filter_map(|s| s.face.as_ref().map(|sf| face.embedding.cosine(&sf.embedding)))
            .collect();
        per_doc.push(json!({
            "file": doc.file_name,
            "quarterTurns": turns,
            "source": src_name,
            "face": true,
            "score": round(face.face.score, 3),
            "eyeDistance": round(face.quality.eye_distance, 1),
            "sharpness": round(face.quality.sharpness, 1),
            "glare": round(face.quality.glare, 4),
            "genuineMin": genuine_sims.iter().copied().reduce(f32::min).map(|v| round(v, 3)),
        }));
        sharpness.push(face.quality.sharpness);
        glare.push(face.quality.glare);
        eye_distance.push(face.quality.eye_distance);
        for s in &selfies {
            let Some(sf) = &s.face else { continue };
            if s.name == src_name {
                continue; // the very photo the portrait was printed from
            }
            let same = s.identity == *identity;
            let c = compare(Some(&face), Some(sf), &policy, 1.0);
            let counts = if same {
                &mut status_genuine
            } else {
                &mut status_impostor
            };
            *counts.entry(c.status.as_str()).or_default() += 1;
            scored.push(Scored {
                a: doc.file_name.clone(),
                b: s.file.clone(),
                same,
                similarity: face.embedding.cosine(&sf.embedding),
            });
        }
    }
    write_scores(&scored, scores_out)?;
    let mut out = summarise(&scored, threshold);
    if let Value::Object(m) = &mut out {
        m.insert(
            "documents".into(),
            json!({
                "generated": cfg.count,
                "seed": cfg.seed,
                "withPortrait": with_portrait,
                "portraitSources": sources.iter().zip(&per_source)
                    .map(|((n, _), c)| json!({"file": n, "documents": c})).collect::<Vec<_>>(),
                "faceNotFound": not_found,
                "faceOutsidePortrait": outside_portrait,
                "genuinePairsLostToNotFound": genuine_missed,
                "quality": {
                    "sharpnessMedian": median_of(sharpness.clone()),
                    "sharpnessMin": sharpness.iter().copied().reduce(f32::min).map(|v| round(v, 1)),
                    "glareMax": glare.iter().copied().reduce(f32::max).map(|v| round(v, 4)),
                    "eyeDistanceMedian": median_of(eye_distance.clone()),
                    "eyeDistanceMin": eye_distance.iter().copied().reduce(f32::min).map(|v| round(v, 1)),
                },
            }),
        );
        m.insert(
            "faceStatus".into(),
            json!({"genuine": status_genuine, "impostor": status_impostor}),
        );
        m.insert(
            "selfies".into(),
            json!({"photos": selfies.len(), "noFaceFound": selfies.iter().filter(|s| s.face.is_none()).count()}),
        );
        m.insert("perDocument".into(), json!(per_doc));
        m.insert("millis".into(), json!(t0.elapsed().as_millis() as u64));
    }
    Ok(out)
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort();
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn stats(mut v: Vec<Duration>) -> Value {
    json!({"n": v.len(), "medianMs": (percentile(&mut v, 0.5) * 100.0).round() / 100.0,
           "p95Ms": (percentile(&mut v, 0.95) * 100.0).round() / 100.0})
}

/// Deterministic xorshift64* with Box–Muller normals (benchmarks need no crypto randomness).
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f32 {
        let (u, v) = (self.next_f64().max(1e-12), self.next_f64());
        ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
    }

    fn below(&mut self, n: usize) -> usize {
        ((self.next_f64() * n as f64) as usize).min(n.saturating_sub(1))
    }
}

/// Cosines of the faces planted for each benchmark query (match threshold 0.45).
const PLANTED_COSINES: [f32; 7] = [0.45, 0.46, 0.48, 0.5, 0.55, 0.6, 0.7];

/// A unit vector at cosine `c` to `e`: `c·e + sqrt(1−c²)·u`, with `u` a real-shaped random
/// direction (noise around `e`'s own shape) made orthogonal to `e`.
fn planted(rng: &mut Rng, e: &Embedding, c: f32) -> anyhow::Result<Embedding> {
    let x = e.as_slice();
    let noise: Vec<f32> = x.iter().map(|v| v + 6.0 * rng.normal() / 128f32.sqrt()).collect();
    let along: f32 = noise.iter().zip(x).map(|(a, b)| a * b).sum();
    let u = Embedding::from_raw(
        &noise
            .iter()
            .zip(x)
            .map(|(a, b)| a - along * b)
            .collect::<Vec<_>>(),
    )?;
    let s = (1.0 - c * c).max(0.0).sqrt();
    Ok(Embedding::from_raw(
        &x.iter()
            .zip(u.as_slice())
            .map(|(a, b)| c * a + s * b)
            .collect::<Vec<_>>(),
    )?)
}

/// 128-bit sign sketch of an embedding (bit j set when component j is positive).
fn sign_sketch(e: &Embedding) -> [u64; 2] {
    let mut s = [0u64; 2];
    for (j, &x) in e.as_slice().iter().enumerate() {
        if x > 0.0 {
            s[j / 64] |= 1 << (j % 64);
        }
    }
    s
}

/// Would a first stage that shortlists the L nearest sign sketches (Hamming distance) and
/// re-ranks only those keep every face the exact search finds at the match threshold? For each
/// real query: the exact hits (similarity ≥ threshold), and how many of them fall inside a
/// shortlist of L = 1,000 / 4,000 / 16,000 (ties at the L-th distance included).
fn sketch_recall(rows: &[(String, Embedding)], queries: &[Embedding], index: &FaceIndex, n: usize) -> Value {
    let threshold = MatchPolicy::default().threshold;
    let sketches: Vec<[u64; 2]> = rows.iter().map(|(_, e)| sign_sketch(e)).collect();
    let position: std::collections::HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let shortlists: Vec<usize> = [1_000, 4_000, 16_000].into_iter().filter(|&l| l < n).collect();
    // found[l][bucket], total[bucket]; buckets by exact similarity.
    let edges = [0.45f32, 0.5, 0.6, 0.7];
    let mut total = [0usize; 4];
    let mut found = vec![[0usize; 4]; shortlists.len()];
    let mut scan = Vec::new();
    for q in queries {
        let t = Instant::now();
        let qs = sign_sketch(q);
        let dist: Vec<u32> = sketches
            .iter()
            .map(|s| (s[0] ^ qs[0]).count_ones() + (s[1] ^ qs[1]).count_ones())
            .collect();
        scan.push(t.elapsed());
        let mut hist = [0usize; 129];
        for &d in &dist {
            hist[d as usize] += 1;
        }
        let cutoff = |l: usize| {
            let mut acc = 0;
            for (d, &c) in hist.iter().enumerate() {
                acc += c;
                if acc >= l {
                    return d as u32;
                }
            }
            128
        };
        let cuts: Vec<u32> = shortlists.iter().map(|&l| cutoff(l)).collect();
        for hit in index.search("partner", q, usize::MAX, threshold) {
            let Some(&i) = position.get(hit.id.as_str()) else {
                continue;
            };
            let b = edges.iter().rposition(|&e| hit.similarity >= e).unwrap_or(0);
            total[b] += 1;
            for (f, &cut) in found.iter_mut().zip(&cuts) {
                if dist[i] <= cut {
                    f[b] += 1;
                }
            }
        }
    }
    let buckets = ["0.45-0.50", "0.50-0.60", "0.60-0.70", ">=0.70"];
    json!({
        "hammingScan": stats(scan),
        "exactHits": buckets.iter().zip(total).map(|(b, t)| (b.to_string(), json!(t))).collect::<serde_json::Map<_, _>>(),
        "recall": shortlists.iter().zip(&found).map(|(l, f)| json!({
            "shortlist": l,
            "all": round(f.iter().sum::<usize>() as f32 / total.iter().sum::<usize>().max(1) as f32, 4),
            "byBucket": buckets.iter().zip(f.iter().zip(total)).map(|(b, (&f, t))| {
                (b.to_string(), if t == 0 { Value::Null } else { json!(round(f as f32 / t as f32, 4)) })
            }).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
    })
}

fn cmd_bench(
    models: &Models,
    images: &[PathBuf],
    runs: usize,
    index_sizes: &[usize],
    queries: usize,
) -> anyhow::Result<Value> {
    let t_load = Instant::now();
    let engine = load_engine(models)?;
    let load_ms = t_load.elapsed().as_millis() as u64;
    let (mut decode, mut detect, mut embed) = (Vec::new(), Vec::new(), Vec::new());
    let mut real: Vec<Embedding> = Vec::new();
    for path in images {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        for run in 0..runs.max(1) {
            let t = Instant::now();
            let img =
                decode_rgb(&bytes, &DecodeLimits::default()).with_context(|| path.display().to_string())?;
            decode.push(t.elapsed());
            let analysis = engine.analyze(&img, &DetectOptions::default())?;
            detect.push(analysis.times.detect);
            if let Some(p) = analysis.primary {
                embed.push(analysis.times.align_embed);
                if run == 0 {
                    real.push(p.embedding);
                }
            }
        }
    }
    let mut index_results = Vec::new();
    if !index_sizes.is_empty() {
        if real.is_empty() {
            bail!("the index benchmark needs at least one image with a face");
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for &n in index_sizes {
            // Real-shaped vectors: a real embedding plus isotropic noise six times its norm
            // (cosine ≈ 0.16 ± 0.09 to its parent, like the impostor scores in docs/face.md),
            // re-normalised.
            let mut rows: Vec<(String, Embedding)> = (0..n)
                .map(|i| {
                    let parent = real[rng.below(real.len())].as_slice();
                    let v: Vec<f32> = parent
                        .iter()
                        .map(|x| x + 6.0 * rng.normal() / 128f32.sqrt())
                        .collect();
                    Embedding::from_raw(&v).map(|e| (format!("scan-{i}"), e))
                })
                .collect::<Result<_, _>>()?;
            // Faces the queries must find: the real embeddings themselves (so each photo meets
            // the other photos of its person) and, per query, planted faces at a set cosine just
            // above and around the match threshold.
            for (j, e) in real.iter().enumerate() {
                rows.push((format!("real-{j}"), e.clone()));
            }
            for (j, e) in real.iter().enumerate() {
                for c in PLANTED_COSINES {
                    rows.push((format!("planted-{j}-{c}"), planted(&mut rng, e, c)?));
                }
            }
            let t = Instant::now();
            let index = FaceIndex::rebuild(rows.iter().map(|(id, e)| ("partner", id.as_str(), e)));
            let rebuild = t.elapsed();
            let t = Instant::now();
            let bytes = index.to_bytes();
            let serialise = t.elapsed();
            let t = Instant::now();
            let back = FaceIndex::from_bytes(&bytes)?;
            let deserialise = t.elapsed();
            drop(back);
            let mut times = Vec::with_capacity(queries);
            let mut hits = 0usize;
            for q in 0..queries {
                let query = &real[q % real.len()];
                let t = Instant::now();
                hits += index
                    .search("partner", query, 10, MatchPolicy::default().threshold)
                    .len();
                times.push(t.elapsed());
            }
            index_results.push(json!({
                "size": n,
                "rebuildMs": rebuild.as_millis() as u64,
                "serialiseMs": serialise.as_millis() as u64,
                "deserialiseMs": deserialise.as_millis() as u64,
                "bytes": bytes.len(),
                "query": stats(times),
                "meanHits": hits as f64 / queries.max(1) as f64,
                "signSketch": sketch_recall(&rows, &real, &index, n),
            }));
        }
    }
    Ok(json!({
        "images": images.len(),
        "runs": runs,
        "backend": engine.backend(),
        "modelLoadMs": load_ms,
        "decode": stats(decode),
        "detect": stats(detect),
        "alignEmbed": stats(embed),
        "index": index_results,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotate_cw_turns_the_image_clockwise() {
        // 3×2 image whose pixels carry their own coordinates.
        let img = RgbImage::from_fn(3, 2, |x, y| ivs_face::Rgb([x as u8, y as u8, 0]));
        let r = rotate_cw(&img, 1);
        assert_eq!(r.dimensions(), (2, 3));
        // The old top-left corner is now top-right, the old bottom-left is top-left.
        assert_eq!(r.get_pixel(1, 0).0[..2], [0, 0]);
        assert_eq!(r.get_pixel(0, 0).0[..2], [0, 1]);
        assert_eq!(r.get_pixel(0, 2).0[..2], [2, 1]);
        assert_eq!(rotate_cw(&img, 4), img);
        assert_eq!(rotate_cw(&rotate_cw(&img, 3), 1), img);
    }

    #[test]
    fn in_quad_accepts_inside_points_in_either_winding() {
        let q = [[0.0, 0.0], [10.0, 1.0], [9.0, 11.0], [-1.0, 10.0]];
        assert!(in_quad(&q, [5.0, 5.0]));
        assert!(!in_quad(&q, [12.0, 5.0]));
        let mut rev = q;
        rev.reverse();
        assert!(in_quad(&rev, [5.0, 5.0]));
        assert!(!in_quad(&rev, [5.0, -3.0]));
    }

    #[test]
    fn portrait_source_picks_the_pasted_image() {
        let a = RgbImage::from_fn(28, 36, |x, y| ivs_face::Rgb([(x * 9) as u8, (y * 7) as u8, 50]));
        let b = RgbImage::from_fn(28, 36, |x, y| ivs_face::Rgb([(y * 7) as u8, 200, (x * 9) as u8]));
        let mut page = RgbImage::from_pixel(100, 100, ivs_face::Rgb([255, 255, 255]));
        for (x, y, p) in b.enumerate_pixels() {
            page.put_pixel(x + 40, y + 30, *p);
        }
        let sources = [("a.jpg", &a), ("b.jpg", &b)];
        assert_eq!(
            portrait_source(&page, [40.0, 30.0, 28.0, 36.0], &sources),
            Some(1)
        );
    }
}
