//! The optional onnxruntime backend (cargo feature `onnxruntime`).
//!
//! onnxruntime is loaded at run time (`ort`'s `load-dynamic`) from the shared library that
//! `scripts/setup.sh --onnxruntime` takes out of the pinned PyPI wheel; nothing is linked or
//! downloaded at build time. The models get the same int8 fold as on tract (onnxruntime rejects
//! the blockwise-quantised YuNet as shipped) and are handed over as re-encoded bytes.
//!
//! `ort` sessions run through `&mut self`, so each model keeps a small pool of sessions (one per
//! worker thread that may call at once), each single-threaded like the tract plans.
use crate::FaceError;
use ort::environment::Environment;
use ort::session::Session;
use ort::value::TensorRef;
use prost::Message;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use tract_onnx::prelude::Framework;

/// onnxruntime allows one environment per process: the first library loaded wins.
static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();

fn environment(library: &Path) -> Result<&'static Environment, FaceError> {
    // A missing file is checked on every call (not cached), so a later call with the right
    // path still works.
    if !library.is_file() {
        return Err(FaceError::ModelLoad {
            path: library.to_path_buf(),
            reason: "the onnxruntime library is missing: run scripts/setup.sh --onnxruntime".into(),
        });
    }
    let loaded = ENVIRONMENT.get_or_init(|| {
        let env = ort::init_from(library)
            .map_err(|e| e.to_string())?
            .with_name("ivs")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(env)
    });
    match loaded {
        Ok(env) => Ok(env),
        Err(reason) => Err(FaceError::ModelLoad {
            path: library.to_path_buf(),
            reason: reason.clone(),
        }),
    }
}

/// One model as a pool of onnxruntime sessions.
pub(crate) struct OrtNet {
    pool: Vec<Mutex<Session>>,
    next: AtomicUsize,
}

impl OrtNet {
    /// Folds the model at `path`, re-encodes it and opens `sessions` sessions on it.
    pub(crate) fn load(path: &Path, library: &Path, sessions: usize) -> Result<Self, FaceError> {
        let err = |e: &dyn std::fmt::Display| FaceError::ModelLoad {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        if !path.is_file() {
            return Err(FaceError::ModelMissing {
                path: path.to_path_buf(),
            });
        }
        let env = environment(library)?;
        let mut proto = tract_onnx::onnx()
            .proto_model_for_path(path)
            .map_err(|e| err(&e))?;
        let graph = proto.graph.as_mut().ok_or_else(|| err(&"no graph in model"))?;
        crate::fold::fold_dequantize(graph).map_err(|e| err(&e))?;
        let bytes = proto.encode_to_vec();
        let mut pool = Vec::new();
        for _ in 0..sessions.max(1) {
            let session = Session::builder(env)
                .map_err(|e| err(&e))?
                .with_intra_threads(1)
                .map_err(|e| err(&e))?
                .with_inter_threads(1)
                .map_err(|e| err(&e))?
                .commit_from_memory(&bytes)
                .map_err(|e| err(&e))?;
            pool.push(Mutex::new(session));
        }
        Ok(OrtNet {
            pool,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs the model on one NCHW image of `side`×`side` and returns every output, flattened,
    /// in the model's output order.
    pub(crate) fn run(&self, data: &[f32], side: usize) -> Result<Vec<Vec<f32>>, FaceError> {
        // A free session if there is one, else wait for the next in turn.
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.pool.len();
        if n == 0 {
            return Err(FaceError::Inference("no onnxruntime session".into()));
        }
        let mut guard = None;
        for i in 0..n {
            if let Some(m) = self.pool.get((start + i) % n)
                && let Ok(g) = m.try_lock()
            {
                guard = Some(g);
                break;
            }
        }
        let mut session = match guard {
            Some(g) => g,
            None => self
                .pool
                .get(start % n)
                .ok_or_else(|| FaceError::Inference("no onnxruntime session".into()))?
                .lock()
                .map_err(|_| FaceError::Inference("an onnxruntime session was poisoned".into()))?,
        };
        let input =
            TensorRef::from_array_view(([1usize, 3, side, side], data)).map_err(FaceError::inference)?;
        let outputs = session.run(ort::inputs![input]).map_err(FaceError::inference)?;
        outputs
            .values()
            .map(|v| {
                v.try_extract_tensor::<f32>()
                    .map(|(_, s)| s.to_vec())
                    .map_err(FaceError::inference)
            })
            .collect()
    }
}
