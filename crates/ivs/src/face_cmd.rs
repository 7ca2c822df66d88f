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
    #[command(subcommand)]
    pub command: FaceCommand,
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
        #[arg(long, conflicts_with = "identities", required_unless_present = "identities")]
        pairs: Option<PathBuf>,
        /// CSV with columns file,identity; every pair of files is evaluated.
        #[arg(long)]
        identities: Option<PathBuf>,
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
    let result = match args.command {
        FaceCommand::Compare {
            a,
            b,
            threshold_modifier,
        } => cmd_compare(&args.models, &a, &b, threshold_modifier),
        FaceCommand::Detect { image, all_sizes } => cmd_detect(&args.models, &image, all_sizes),
        FaceCommand::Eval {
            pairs,
            identities,
            threshold,
            scores,
        } => cmd_eval(
            &args.models,
            pairs.as_deref(),
            identities.as_deref(),
            threshold,
            scores.as_deref(),
        ),
        FaceCommand::Bench {
            images,
            runs,
            index_sizes,
            queries,
        } => cmd_bench(&args.models, &images, runs, &index_sizes, queries),
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

fn load_engine(models: &Path) -> anyhow::Result<FaceEngine> {
    Ok(FaceEngine::load(&ModelPaths::in_dir(models))?)
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

fn cmd_compare(models: &Path, a: &Path, b: &Path, modifier: f32) -> anyhow::Result<Value> {
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

fn cmd_detect(models: &Path, image: &Path, all_sizes: bool) -> anyhow::Result<Value> {
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
    models: &Path,
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
    if let Some(out) = scores_out {
        let mut csv = String::from("a,b,same,similarity\n");
        for s in &scored {
            csv.push_str(&format!(
                "{},{},{},{:.5}\n",
                s.a,
                s.b,
                u8::from(s.same),
                s.similarity
            ));
        }
        std::fs::write(out, csv).with_context(|| format!("cannot write {}", out.display()))?;
    }
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
    let no_face: Vec<&String> = embeddings
        .iter()
        .filter(|(_, e)| e.is_none())
        .map(|(f, _)| f)
        .collect();
    Ok(json!({
        "threshold": round(t, 4),
        "pairs": scored.len() + not_compared,
        "compared": scored.len(),
        "notCompared": not_compared,
        "noFaceFound": no_face,
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
        "millis": t0.elapsed().as_millis() as u64,
    }))
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

fn cmd_bench(
    models: &Path,
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
            let rows: Vec<(String, Embedding)> = (0..n)
                .map(|i| {
                    let parent = real[rng.below(real.len())].as_slice();
                    let v: Vec<f32> = parent
                        .iter()
                        .map(|x| x + 6.0 * rng.normal() / 128f32.sqrt())
                        .collect();
                    Embedding::from_raw(&v).map(|e| (format!("scan-{i}"), e))
                })
                .collect::<Result<_, _>>()?;
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
            }));
        }
    }
    Ok(json!({
        "images": images.len(),
        "runs": runs,
        "modelLoadMs": load_ms,
        "decode": stats(decode),
        "detect": stats(detect),
        "alignEmbed": stats(embed),
        "index": index_results,
    }))
}
