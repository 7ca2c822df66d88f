//! 1:N duplicate-face search: "which earlier verifications of this partner show this face?"
//!
//! Exact search over int8-quantised embeddings. Each embedding is stored as 128 signed bytes
//! plus one f32 scale (`x ≈ q · scale`, `scale = max|x| / 127`), so a million faces take
//! 132 MB and a query is one pass of integer dot products (which the compiler vectorises; no
//! `unsafe`). The quantisation error on cosine similarity is below 0.01 (tested), far inside the
//! gap between genuine and impostor scores. The index knows nothing of databases: the store
//! persists the embeddings (or [`FaceIndex::to_bytes`]) and calls [`FaceIndex::rebuild`] at start.
use crate::FaceError;
use crate::embedding::{EMBEDDING_DIM, Embedding};
use serde::Serialize;
use std::collections::HashMap;

/// An int8-quantised embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedEmbedding {
    pub codes: [i8; EMBEDDING_DIM],
    pub scale: f32,
}

impl QuantizedEmbedding {
    pub fn new(e: &Embedding) -> Self {
        let v = e.as_slice();
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let mut codes = [0i8; EMBEDDING_DIM];
        for (c, x) in codes.iter_mut().zip(v) {
            *c = (x / scale).round().clamp(-127.0, 127.0) as i8;
        }
        QuantizedEmbedding { codes, scale }
    }
}

/// Integer dot product of two code vectors. Written as a plain sum over fixed-length arrays so
/// that LLVM turns it into packed multiply-adds (`pmaddwd`) for whatever vector width the
/// surrounding function is compiled for (see [`ScanBlock`]). The wrapping operations never
/// wrap (|sum| ≤ 128·127² < 2³¹); they only keep overflow checks (on in dev builds) from
/// stopping the vectorisation, which made the dev-build scan about 7× slower.
#[inline(always)]
fn dot_i8(a: &[i8; EMBEDDING_DIM], b: &[i8; EMBEDDING_DIM]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| i32::from(x).wrapping_mul(i32::from(y)))
        .fold(0, i32::wrapping_add)
}

/// Vectors scored per block: the block's dot products land in a small array (one vectorised
/// loop), then a scalar loop applies the scales and the threshold.
const BLOCK: usize = 1024;

/// One block of the scan. `pulp::Arch::dispatch` runs it inside a function compiled for the
/// best instruction set the CPU reports at run time (AVX2 on x86-64, NEON on aarch64, plain
/// SSE2 otherwise), so the binary needs no `target-cpu` flag and this crate no `unsafe`.
struct ScanBlock<'a> {
    query: &'a [i8; EMBEDDING_DIM],
    codes: &'a [[i8; EMBEDDING_DIM]],
    out: &'a mut [i32],
}

impl pulp::WithSimd for ScanBlock<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        for (o, c) in self.out.iter_mut().zip(self.codes) {
            *o = dot_i8(self.query, c);
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The id the entry was added under (a scanRef).
    pub id: String,
    /// Approximate cosine similarity (quantised; within 0.01 of the float value).
    pub similarity: f32,
}

#[derive(Debug, Default, Clone)]
struct PartnerIndex {
    ids: Vec<String>,
    codes: Vec<i8>,
    scales: Vec<f32>,
}

impl PartnerIndex {
    fn push(&mut self, id: String, q: &QuantizedEmbedding) {
        self.ids.push(id);
        self.codes.extend_from_slice(&q.codes);
        self.scales.push(q.scale);
    }

    /// The best `k` of `(similarity, position)` candidates as hits: highest similarity first,
    /// ties in insertion order.
    fn hits(&self, mut found: Vec<(f32, usize)>, k: usize) -> Vec<Hit> {
        let order = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if found.len() > k {
            found.select_nth_unstable_by(k - 1, order);
            found.truncate(k);
        }
        found.sort_unstable_by(order);
        found
            .into_iter()
            .filter_map(|(similarity, i)| {
                self.ids.get(i).map(|id| Hit {
                    id: id.clone(),
                    similarity,
                })
            })
            .collect()
    }

    fn remove_at(&mut self, i: usize) {
        let last = self.ids.len() - 1;
        self.ids.swap_remove(i);
        self.scales.swap_remove(i);
        if i != last {
            let (head, tail) = self.codes.split_at_mut(last * EMBEDDING_DIM);
            head[i * EMBEDDING_DIM..(i + 1) * EMBEDDING_DIM].copy_from_slice(&tail[..EMBEDDING_DIM]);
        }
        self.codes.truncate(last * EMBEDDING_DIM);
    }
}

/// Per-partner exact search index. Not internally synchronised: wrap it in an `RwLock` to share.
#[derive(Debug, Default, Clone)]
pub struct FaceIndex {
    partners: HashMap<String, PartnerIndex>,
}

const MAGIC: &[u8; 8] = b"IVSFIDX1";

impl FaceIndex {
    pub fn new() -> Self {
        FaceIndex::default()
    }

    /// Builds an index from stored `(partner, id, embedding)` rows.
    pub fn rebuild<'a, I>(rows: I) -> Self
    where
        I: IntoIterator<Item = (&'a str, &'a str, &'a Embedding)>,
    {
        let mut idx = FaceIndex::new();
        for (partner, id, e) in rows {
            idx.insert(partner, id, e);
        }
        idx
    }

    /// Builds an index from stored `(partner, id, embedding bytes)` rows, the bytes as
    /// [`Embedding::to_bytes`] writes them (512 bytes). Fails on the first malformed row.
    pub fn from_rows<I, P, S, B>(rows: I) -> Result<Self, FaceError>
    where
        I: IntoIterator<Item = (P, S, B)>,
        P: AsRef<str>,
        S: AsRef<str>,
        B: AsRef<[u8]>,
    {
        let mut idx = FaceIndex::new();
        for (partner, id, bytes) in rows {
            let e = Embedding::from_bytes(bytes.as_ref())?;
            idx.insert(partner.as_ref(), id.as_ref(), &e);
        }
        Ok(idx)
    }

    /// Adds a face. Adding the same id twice keeps both entries (callers use fresh scanRefs).
    pub fn insert(&mut self, partner: &str, id: &str, e: &Embedding) {
        self.insert_quantized(partner, id, &QuantizedEmbedding::new(e));
    }

    pub fn insert_quantized(&mut self, partner: &str, id: &str, q: &QuantizedEmbedding) {
        self.partners
            .entry(partner.to_owned())
            .or_default()
            .push(id.to_owned(), q);
    }

    /// Removes every entry with this id (data deletion). Returns how many were removed.
    pub fn remove(&mut self, partner: &str, id: &str) -> usize {
        let Some(p) = self.partners.get_mut(partner) else {
            return 0;
        };
        let mut removed = 0;
        let mut i = 0;
        while i < p.ids.len() {
            if p.ids[i] == id {
                p.remove_at(i);
                removed += 1;
            } else {
                i += 1;
            }
        }
        removed
    }

    /// Entries of one partner.
    pub fn len(&self, partner: &str) -> usize {
        self.partners.get(partner).map_or(0, |p| p.ids.len())
    }

    /// Entries over all partners.
    pub fn total_len(&self) -> usize {
        self.partners.values().map(|p| p.ids.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.total_len() == 0
    }

    /// The `k` most similar earlier faces of `partner` with similarity ≥ `min_similarity`,
    /// best first.
    pub fn search(&self, partner: &str, query: &Embedding, k: usize, min_similarity: f32) -> Vec<Hit> {
        let Some(p) = self.partners.get(partner) else {
            return Vec::new();
        };
        if k == 0 {
            return Vec::new();
        }
        let q = QuantizedEmbedding::new(query);
        let (codes, _) = p.codes.as_chunks::<EMBEDDING_DIM>();
        let arch = pulp::Arch::new();
        let mut dots = [0i32; BLOCK];
        let mut found: Vec<(f32, usize)> = Vec::new();
        for (b, (block, scales)) in codes.chunks(BLOCK).zip(p.scales.chunks(BLOCK)).enumerate() {
            let out = &mut dots[..block.len()];
            arch.dispatch(ScanBlock {
                query: &q.codes,
                codes: block,
                out,
            });
            for (j, (&dot, &scale)) in out.iter().zip(scales).enumerate() {
                let sim = dot as f32 * q.scale * scale;
                if sim >= min_similarity {
                    found.push((sim, b * BLOCK + j));
                }
            }
        }
        p.hits(found, k)
    }

    /// Serialises the whole index (`IVSFIDX1`, then per entry: partner, id, scale, 128 codes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.total_len() * (EMBEDDING_DIM + 48));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.total_len() as u64).to_le_bytes());
        let mut partners: Vec<_> = self.partners.iter().collect();
        partners.sort_by(|a, b| a.0.cmp(b.0));
        for (name, p) in partners {
            for (i, id) in p.ids.iter().enumerate() {
                for s in [name, id] {
                    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    out.extend_from_slice(s.as_bytes());
                }
                out.extend_from_slice(&p.scales[i].to_le_bytes());
                out.extend(
                    p.codes[i * EMBEDDING_DIM..(i + 1) * EMBEDDING_DIM]
                        .iter()
                        .map(|&c| c as u8),
                );
            }
        }
        out
    }

    /// Inverse of [`FaceIndex::to_bytes`]; refuses truncated or malformed data.
    pub fn from_bytes(b: &[u8]) -> Result<Self, FaceError> {
        let mut r = Reader { b, pos: 0 };
        if r.take(8)? != MAGIC {
            return Err(FaceError::IndexFormat("bad magic".into()));
        }
        let n = u64::from_le_bytes(r.array()?);
        let mut idx = FaceIndex::new();
        for _ in 0..n {
            let partner = r.string()?;
            let id = r.string()?;
            let scale = f32::from_le_bytes(r.array()?);
            if !scale.is_finite() || scale <= 0.0 {
                return Err(FaceError::IndexFormat("bad scale".into()));
            }
            let mut codes = [0i8; EMBEDDING_DIM];
            for (c, &byte) in codes.iter_mut().zip(r.take(EMBEDDING_DIM)?) {
                *c = byte as i8;
            }
            idx.insert_quantized(&partner, &id, &QuantizedEmbedding { codes, scale });
        }
        if r.pos != b.len() {
            return Err(FaceError::IndexFormat("trailing bytes".into()));
        }
        Ok(idx)
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FaceError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| FaceError::IndexFormat("truncated".into()))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const L: usize>(&mut self) -> Result<[u8; L], FaceError> {
        let mut a = [0u8; L];
        a.copy_from_slice(self.take(L)?);
        Ok(a)
    }

    fn string(&mut self) -> Result<String, FaceError> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        String::from_utf8(self.take(len)?.to_vec())
            .map_err(|_| FaceError::IndexFormat("id is not UTF-8".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_embeddings(n: usize, seed: u64) -> Vec<Embedding> {
        let mut s = seed | 1;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        };
        (0..n)
            .map(|_| Embedding::from_raw(&(0..EMBEDDING_DIM).map(|_| next()).collect::<Vec<_>>()).unwrap())
            .collect()
    }

    #[test]
    fn quantised_similarity_is_within_a_hundredth_of_float() {
        let e = random_embeddings(200, 7);
        for pair in e.windows(2) {
            let exact = pair[0].cosine(&pair[1]);
            let (a, b) = (
                QuantizedEmbedding::new(&pair[0]),
                QuantizedEmbedding::new(&pair[1]),
            );
            let approx = dot_i8(&a.codes, &b.codes) as f32 * a.scale * b.scale;
            assert!((exact - approx).abs() < 0.01, "{exact} vs {approx}");
        }
    }

    #[test]
    fn finds_the_duplicate_only_in_its_partner() {
        let e = random_embeddings(500, 42);
        let mut idx = FaceIndex::new();
        for (i, emb) in e.iter().enumerate() {
            idx.insert(
                if i % 2 == 0 { "acme" } else { "other" },
                &format!("scan-{i}"),
                emb,
            );
        }
        let hits = idx.search("acme", &e[10], 5, 0.5);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].id, "scan-10");
        assert!(hits[0].similarity > 0.99);
        assert!(
            idx.search("acme", &e[11], 5, 0.5).is_empty(),
            "other partner's face leaked"
        );
        assert!(idx.search("nobody", &e[10], 5, 0.5).is_empty());
        // Top-k with a low threshold returns k results, best first.
        let hits = idx.search("other", &e[11], 3, -1.0);
        assert_eq!(hits.len(), 3);
        assert_eq!(hits[0].id, "scan-11");
        assert!(hits[1].similarity >= hits[2].similarity);
    }

    /// The plain definition of the search: every entry scored one by one, stable sort.
    fn reference_search(
        entries: &[(String, QuantizedEmbedding)],
        query: &Embedding,
        k: usize,
        min_similarity: f32,
    ) -> Vec<Hit> {
        let q = QuantizedEmbedding::new(query);
        let mut scored: Vec<Hit> = entries
            .iter()
            .map(|(id, e)| {
                let dot: i32 = q
                    .codes
                    .iter()
                    .zip(&e.codes)
                    .map(|(&a, &b)| i32::from(a) * i32::from(b))
                    .sum();
                Hit {
                    id: id.clone(),
                    similarity: dot as f32 * q.scale * e.scale,
                }
            })
            .filter(|h| h.similarity >= min_similarity)
            .collect();
        scored.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        scored.truncate(k);
        scored
    }

    #[test]
    fn search_equals_the_plain_exact_search() {
        // More than one scan block, a partial last block, exact ties (the same face under
        // several ids) and thresholds that keep none, some or all entries.
        let e = random_embeddings(2 * BLOCK + 300, 17);
        let mut entries = Vec::new();
        let mut idx = FaceIndex::new();
        for (i, emb) in e.iter().enumerate() {
            let copies = if i % 97 == 0 { 3 } else { 1 };
            for c in 0..copies {
                let id = format!("scan-{i}-{c}");
                idx.insert("p", &id, emb);
                entries.push((id, QuantizedEmbedding::new(emb)));
            }
        }
        let queries = random_embeddings(20, 99);
        for (n, q) in queries.iter().chain([&e[0], &e[97], &e[BLOCK + 5]]).enumerate() {
            for (k, min) in [
                (1, 0.5),
                (10, -1.0),
                (10, 0.1),
                (50, 0.0),
                (5000, -1.0),
                (3, 0.99),
            ] {
                let got = idx.search("p", q, k, min);
                assert_eq!(
                    got,
                    reference_search(&entries, q, k, min),
                    "query {n}, k {k}, min {min}"
                );
            }
        }
        // Thresholds exactly at the similarity of the 5th, 30th and 200th best face: every face
        // at or above them must come back.
        for (n, q) in queries.iter().enumerate() {
            let all = reference_search(&entries, q, usize::MAX, -1.0);
            for rank in [5, 30, 200] {
                let min = all[rank].similarity;
                let got = idx.search("p", q, 1000, min);
                assert_eq!(
                    got.len(),
                    rank + 1 + all[rank + 1..].iter().filter(|h| h.similarity >= min).count()
                );
                assert_eq!(
                    got,
                    reference_search(&entries, q, 1000, min),
                    "query {n}, rank {rank}"
                );
            }
        }
        // The ties come back in insertion order.
        let hits = idx.search("p", &e[97], 3, 0.9);
        let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["scan-97-0", "scan-97-1", "scan-97-2"]);
    }

    #[test]
    fn from_rows_reads_stored_embedding_bytes() {
        let e = random_embeddings(4, 5);
        let rows: Vec<(&str, String, Vec<u8>)> = e
            .iter()
            .enumerate()
            .map(|(i, x)| ("p", format!("id-{i}"), x.to_bytes()))
            .collect();
        let idx = FaceIndex::from_rows(rows.iter().map(|(p, id, b)| (*p, id, b))).unwrap();
        assert_eq!(idx.len("p"), 4);
        assert_eq!(idx.search("p", &e[2], 1, 0.9)[0].id, "id-2");
        let bad = [("p", "x", vec![0u8; 100])];
        assert!(matches!(
            FaceIndex::from_rows(bad),
            Err(FaceError::BadEmbedding { .. })
        ));
    }

    #[test]
    fn remove_deletes_entries_and_keeps_the_rest_searchable() {
        let e = random_embeddings(10, 3);
        let mut idx = FaceIndex::rebuild(
            e.iter()
                .enumerate()
                .map(|(i, x)| ("p", ["a", "b", "c"][i % 3], x)),
        );
        assert_eq!(idx.len("p"), 10);
        assert_eq!(idx.remove("p", "a"), 4);
        assert_eq!(idx.len("p"), 6);
        assert!(idx.search("p", &e[0], 10, 0.9).is_empty());
        let hits = idx.search("p", &e[8], 1, 0.9);
        assert_eq!(hits[0].id, "c");
        assert!(hits[0].similarity > 0.99);
    }

    #[test]
    fn serialisation_round_trips_and_rejects_garbage() {
        let e = random_embeddings(20, 9);
        let idx = FaceIndex::rebuild(e.iter().enumerate().map(|(i, x)| {
            (
                if i < 5 { "p1" } else { "p2" },
                if i % 2 == 0 { "even" } else { "odd" },
                x,
            )
        }));
        let bytes = idx.to_bytes();
        let back = FaceIndex::from_bytes(&bytes).unwrap();
        assert_eq!(back.total_len(), 20);
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.search("p2", &e[7], 1, 0.9), idx.search("p2", &e[7], 1, 0.9));
        for cut in [0, 7, 8, 15, 16, 30, bytes.len() - 1] {
            assert!(FaceIndex::from_bytes(&bytes[..cut]).is_err(), "cut {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(FaceIndex::from_bytes(&extra).is_err());
        let mut huge = bytes.clone();
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(FaceIndex::from_bytes(&huge).is_err());
    }
}
