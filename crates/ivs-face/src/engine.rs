//! The face engine: models loaded once, shared by every worker.
use crate::align::{ALIGNED, AlignedFace, align};
use crate::detect::{
    DetectOptions, DetectedFace, INPUT, STRIDES, SmallFacePass, StrideOutput, View, decode_stride, nms,
    tile_views, view_input, whole_view,
};
use crate::pad::{self, PadEvidence};
use crate::quality::{self, Quality};
use crate::{Embedding, FaceError};
use image::RgbImage;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tract_onnx::prelude::*;

/// File name of the YuNet detector installed by `scripts/setup.sh`.
pub const DETECTOR_FILE: &str = "face_detection_yunet_2023mar_int8bq.onnx";
/// File name of the SFace recogniser installed by `scripts/setup.sh`.
pub const RECOGNIZER_FILE: &str = "face_recognition_sface_2021dec_int8bq.onnx";

/// Where the two model files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPaths {
    pub detector: PathBuf,
    pub recognizer: PathBuf,
}

impl ModelPaths {
    /// The standard file names inside `dir`.
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        ModelPaths {
            detector: dir.join(DETECTOR_FILE),
            recognizer: dir.join(RECOGNIZER_FILE),
        }
    }
}

type Plan = Arc<TypedRunnableModel>;

/// Which inference runtime runs the two models.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Backend {
    /// tract (pure Rust), the default.
    #[default]
    Tract,
    /// onnxruntime, loaded at run time from `library` (`libonnxruntime.so`), with `sessions`
    /// sessions per model (how many threads may run a model at once). Needs the cargo feature
    /// `onnxruntime`; without it loading fails with an error saying so.
    OnnxRuntime { library: PathBuf, sessions: usize },
}

impl Backend {
    /// `tract` or `onnxruntime`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Tract => "tract",
            Backend::OnnxRuntime { .. } => "onnxruntime",
        }
    }
}

/// One loaded model on its backend.
enum Net {
    Tract(Plan),
    #[cfg(feature = "onnxruntime")]
    Ort(crate::ort_backend::OrtNet),
}

impl Net {
    fn load(path: &Path, side: usize, backend: &Backend) -> Result<Net, FaceError> {
        match backend {
            Backend::Tract => load_plan(path, [1, 3, side, side]).map(Net::Tract),
            #[cfg(feature = "onnxruntime")]
            Backend::OnnxRuntime { library, sessions } => {
                crate::ort_backend::OrtNet::load(path, library, *sessions).map(Net::Ort)
            }
            #[cfg(not(feature = "onnxruntime"))]
            Backend::OnnxRuntime { .. } => Err(FaceError::ModelLoad {
                path: path.to_path_buf(),
                reason: "this build has no onnxruntime backend (cargo feature `onnxruntime`)".into(),
            }),
        }
    }

    /// Runs the model on one NCHW image of `side`×`side`; every output flattened, in order.
    fn run(&self, data: Vec<f32>, side: usize) -> Result<Vec<Vec<f32>>, FaceError> {
        match self {
            Net::Tract(plan) => {
                let t: Tensor = tract_ndarray::Array4::from_shape_vec((1, 3, side, side), data)
                    .map_err(FaceError::inference)?
                    .into();
                let outputs = plan.run(tvec!(t.into())).map_err(FaceError::inference)?;
                outputs
                    .iter()
                    .map(|o| {
                        o.to_plain_array_view::<f32>()
                            .map(|v| v.iter().copied().collect())
                            .map_err(FaceError::inference)
                    })
                    .collect()
            }
            #[cfg(feature = "onnxruntime")]
            Net::Ort(net) => net.run(&data, side),
        }
    }
}

/// YuNet + SFace on tract (or onnxruntime, see [`Backend`]). Cheap to share: wrap it in an
/// `Arc` and hand it to every worker (`FaceEngine` is `Send + Sync`; inference takes `&self`).
pub struct FaceEngine {
    detector: Net,
    recognizer: Net,
    backend: &'static str,
}

impl std::fmt::Debug for FaceEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceEngine")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

fn load_plan(path: &Path, shape: [usize; 4]) -> Result<Plan, FaceError> {
    if !path.is_file() {
        return Err(FaceError::ModelMissing {
            path: path.to_path_buf(),
        });
    }
    let err = |e: &dyn std::fmt::Display| FaceError::ModelLoad {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let onnx = tract_onnx::onnx();
    let mut proto = onnx.proto_model_for_path(path).map_err(|e| err(&e))?;
    let graph = proto.graph.as_mut().ok_or_else(|| err(&"no graph in model"))?;
    crate::fold::fold_dequantize(graph).map_err(|e| err(&e))?;
    onnx.model_for_proto_model(&proto)
        .and_then(|m| m.with_input_fact(0, f32::fact(shape).into()))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(|e| err(&e))
}

/// Per-stage wall-clock times of one analysis.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    pub detect: Duration,
    pub align_embed: Duration,
    pub quality: Duration,
}

/// The largest face of an image, embedded and measured.
#[derive(Debug, Clone)]
pub struct PrimaryFace {
    pub face: DetectedFace,
    pub embedding: Embedding,
    pub quality: Quality,
    pub pad: PadEvidence,
}

/// Everything the engine says about one image.
#[derive(Debug, Clone)]
pub struct FaceAnalysis {
    /// All faces found, strongest first.
    pub faces: Vec<DetectedFace>,
    /// The largest face, when there is one (and it could be aligned).
    pub primary: Option<PrimaryFace>,
    pub times: StageTimes,
}

impl FaceAnalysis {
    /// Number of faces whose detector score reaches `min_score` (the pipeline uses this for
    /// `TOO_MANY_FACES` on selfies: pass a stricter score than detection used).
    pub fn count_faces(&self, min_score: f32) -> usize {
        self.faces.iter().filter(|f| f.score >= min_score).count()
    }
}

impl FaceEngine {
    /// Loads and optimises both models on tract (about a second; do it once per process).
    pub fn load(paths: &ModelPaths) -> Result<Self, FaceError> {
        Self::load_with(paths, &Backend::Tract)
    }

    /// Loads both models on `backend`.
    pub fn load_with(paths: &ModelPaths, backend: &Backend) -> Result<Self, FaceError> {
        let detector = Net::load(&paths.detector, INPUT, backend)?;
        let recognizer = Net::load(&paths.recognizer, ALIGNED, backend)?;
        Ok(FaceEngine {
            detector,
            recognizer,
            backend: backend.name(),
        })
    }

    /// The backend the models run on (`tract` or `onnxruntime`).
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    fn run_view(
        &self,
        img: &RgbImage,
        v: &View,
        min_score: f32,
        out: &mut Vec<DetectedFace>,
    ) -> Result<(), FaceError> {
        let data = view_input(img, v);
        let vecs = self.detector.run(data, INPUT)?;
        if vecs.len() < 12 {
            return Err(FaceError::Inference(format!(
                "detector gave {} outputs, expected 12",
                vecs.len()
            )));
        }
        let slices: Vec<&[f32]> = vecs.iter().map(Vec::as_slice).collect();
        for (k, stride) in STRIDES.into_iter().enumerate() {
            let so = StrideOutput {
                stride,
                cls: slices[k],
                obj: slices[3 + k],
                bbox: slices[6 + k],
                kps: slices[9 + k],
            };
            decode_stride(&so, v, min_score, out);
        }
        Ok(())
    }

    /// Detects faces at any image size. Faces are returned strongest first.
    pub fn detect(&self, img: &RgbImage, opts: &DetectOptions) -> Result<Vec<DetectedFace>, FaceError> {
        let (w, h) = img.dimensions();
        let mut raw = Vec::new();
        self.run_view(img, &whole_view(w, h), opts.min_score, &mut raw)?;
        let first = nms(raw.clone(), opts.nms_iou);
        let second = match opts.small_faces {
            SmallFacePass::Never => false,
            SmallFacePass::WhenNoFace => first.is_empty(),
            SmallFacePass::Always => true,
        };
        if !second {
            return Ok(first);
        }
        for v in tile_views(w, h) {
            self.run_view(img, &v, opts.min_score, &mut raw)?;
        }
        Ok(nms(raw, opts.nms_iou))
    }

    /// Aligns a detected face and computes its L2-normalised 128-d SFace embedding.
    pub fn embed(&self, img: &RgbImage, face: &DetectedFace) -> Result<Embedding, FaceError> {
        let aligned =
            align(img, &face.landmarks).ok_or_else(|| FaceError::Inference("degenerate landmarks".into()))?;
        self.embed_aligned(&aligned)
    }

    fn embed_aligned(&self, aligned: &AlignedFace) -> Result<Embedding, FaceError> {
        let out = self.recognizer.run(aligned.planes.clone(), ALIGNED)?;
        let first = out
            .first()
            .ok_or_else(|| FaceError::Inference("recogniser gave no output".into()))?;
        Embedding::from_raw(first)
    }

    /// Detects every face, then aligns, embeds and measures the largest one.
    pub fn analyze(&self, img: &RgbImage, opts: &DetectOptions) -> Result<FaceAnalysis, FaceError> {
        let t0 = Instant::now();
        let faces = self.detect(img, opts)?;
        let detect = t0.elapsed();
        let mut times = StageTimes {
            detect,
            ..StageTimes::default()
        };
        let largest = faces.iter().max_by(|a, b| a.area().total_cmp(&b.area()));
        let primary = match largest {
            None => None,
            Some(face) => {
                let t1 = Instant::now();
                match align(img, &face.landmarks) {
                    None => None,
                    Some(aligned) => {
                        let embedding = self.embed_aligned(&aligned)?;
                        times.align_embed = t1.elapsed();
                        let t2 = Instant::now();
                        let quality = quality::measure(&aligned, face.eye_distance(), face.score);
                        let pad = pad::evidence(img, face);
                        times.quality = t2.elapsed();
                        Some(PrimaryFace {
                            face: face.clone(),
                            embedding,
                            quality,
                            pad,
                        })
                    }
                }
            }
        };
        Ok(FaceAnalysis {
            faces,
            primary,
            times,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<FaceEngine>();
        assert_send_sync::<Arc<FaceEngine>>();
    }

    #[test]
    fn missing_model_names_the_setup_script() {
        let err = FaceEngine::load(&ModelPaths::in_dir("/nonexistent-ivs-models")).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, FaceError::ModelMissing { .. }));
        assert!(
            msg.contains("scripts/setup.sh") && msg.contains(DETECTOR_FILE),
            "{msg}"
        );
    }
}
