//! The 128-d face embedding and cosine similarity.
use crate::FaceError;

/// Dimension of SFace embeddings.
pub const EMBEDDING_DIM: usize = 128;

/// An L2-normalised SFace embedding. Cosine similarity is a dot product.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Box<[f32; EMBEDDING_DIM]>);

impl Embedding {
    /// Normalises a raw 128-value model output. Fails on a wrong length, non-finite values or a
    /// zero vector.
    pub fn from_raw(v: &[f32]) -> Result<Self, FaceError> {
        let bad = || FaceError::BadEmbedding {
            expected: EMBEDDING_DIM,
            got: v.len(),
        };
        if v.len() != EMBEDDING_DIM || v.iter().any(|x| !x.is_finite()) {
            return Err(bad());
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm.is_nan() || norm <= 1e-12 {
            return Err(bad());
        }
        let mut out = Box::new([0f32; EMBEDDING_DIM]);
        for (o, x) in out.iter_mut().zip(v) {
            *o = x / norm;
        }
        Ok(Embedding(out))
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0[..]
    }

    /// Cosine similarity in `[-1, 1]`.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| a * b)
            .sum::<f32>()
            .clamp(-1.0, 1.0)
    }

    /// 512 bytes, little-endian f32 (for storage).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    /// Inverse of [`Embedding::to_bytes`] (re-normalises).
    pub fn from_bytes(b: &[u8]) -> Result<Self, FaceError> {
        if b.len() != 4 * EMBEDDING_DIM {
            return Err(FaceError::BadEmbedding {
                expected: EMBEDDING_DIM,
                got: b.len() / 4,
            });
        }
        let v: Vec<f32> = b
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if v.iter().all(|x| x.is_finite()) && (norm - 1.0).abs() < 1e-4 {
            // Already normalised: keep the stored values bit for bit.
            let mut out = Box::new([0f32; EMBEDDING_DIM]);
            out.copy_from_slice(&v);
            return Ok(Embedding(out));
        }
        Embedding::from_raw(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_round_trips() {
        let raw: Vec<f32> = (0..128).map(|i| i as f32 - 60.0).collect();
        let e = Embedding::from_raw(&raw).unwrap();
        assert!((e.cosine(&e) - 1.0).abs() < 1e-5);
        assert_eq!(Embedding::from_bytes(&e.to_bytes()).unwrap(), e);
        let neg = Embedding::from_raw(&raw.iter().map(|x| -x).collect::<Vec<_>>()).unwrap();
        assert!((e.cosine(&neg) + 1.0).abs() < 1e-5);
    }

    #[test]
    fn rejects_bad_vectors() {
        assert!(Embedding::from_raw(&[1.0; 127]).is_err());
        assert!(Embedding::from_raw(&[0.0; 128]).is_err());
        let mut v = [1.0; 128];
        v[3] = f32::NAN;
        assert!(Embedding::from_raw(&v).is_err());
        assert!(Embedding::from_bytes(&[0u8; 100]).is_err());
    }
}
