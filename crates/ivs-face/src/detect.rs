//! YuNet pre- and post-processing: letterboxing, anchor decoding, NMS and the small-face pass.
use image::{RgbImage, imageops::FilterType};
use serde::Serialize;

/// YuNet's fixed input side.
pub(crate) const INPUT: usize = 640;
pub(crate) const STRIDES: [usize; 3] = [8, 16, 32];

/// One detected face, in source-image pixel coordinates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectedFace {
    /// Detector confidence in `[0, 1]` (`sqrt(cls * obj)`).
    pub score: f32,
    /// `[x, y, w, h]` of the face box (may extend past the image border).
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// Right eye, left eye, nose tip, right and left mouth corner (subject's right/left), `[x, y]`.
    pub landmarks: [[f32; 2]; 5],
}

impl DetectedFace {
    /// Box area in square pixels.
    pub fn area(&self) -> f32 {
        self.bbox[2].max(0.0) * self.bbox[3].max(0.0)
    }

    /// Distance between the eye centres, in pixels (the usual measure of face resolution).
    pub fn eye_distance(&self) -> f32 {
        let [r, l] = [self.landmarks[0], self.landmarks[1]];
        ((r[0] - l[0]).powi(2) + (r[1] - l[1]).powi(2)).sqrt()
    }
}

/// When to run the second, higher-resolution pass that finds small faces in large images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SmallFacePass {
    /// Never: one 640 px pass only (fastest).
    Never,
    /// Only when the first pass found nothing (default: selfies cost one pass, a document photo
    /// whose portrait is tiny at 640 px gets a second look).
    #[default]
    WhenNoFace,
    /// Always (group photos, document pages with several portraits).
    Always,
}

/// Detection parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectOptions {
    /// Minimum detector score (OpenCV's default for YuNet is 0.9; 0.6 keeps printed portraits).
    pub min_score: f32,
    /// IoU above which the weaker of two boxes is suppressed.
    pub nms_iou: f32,
    /// The small-face pass policy.
    pub small_faces: SmallFacePass,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            min_score: 0.6,
            nms_iou: 0.3,
            small_faces: SmallFacePass::WhenNoFace,
        }
    }
}

/// A region of the source image and the scale at which it is fed to YuNet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct View {
    pub x0: u32,
    pub y0: u32,
    pub w: u32,
    pub h: u32,
    pub scale: f32,
}

/// Views for the first pass: the whole image with its longest side scaled to 640.
pub(crate) fn whole_view(w: u32, h: u32) -> View {
    View {
        x0: 0,
        y0: 0,
        w,
        h,
        scale: INPUT as f32 / w.max(h).max(1) as f32,
    }
}

/// Views for the small-face pass: the image at twice the first-pass scale (at most 1:1), cut
/// into overlapping 640 px tiles. Returns nothing when the image already fits a single view.
pub(crate) fn tile_views(w: u32, h: u32) -> Vec<View> {
    let first = whole_view(w, h).scale;
    let scale = (first * 2.0).min(1.0);
    if scale <= first * 1.01 {
        return Vec::new();
    }
    let tile = (INPUT as f32 / scale).floor() as u32; // source pixels per tile side
    let overlap = tile / 4;
    let step = (tile - overlap).max(1);
    let starts = |len: u32| -> Vec<u32> {
        if len <= tile {
            return vec![0];
        }
        let mut v: Vec<u32> = (0..).map(|i| i * step).take_while(|&s| s + tile < len).collect();
        v.push(len - tile);
        v.dedup();
        v
    };
    let mut out = Vec::new();
    for &y0 in &starts(h) {
        for &x0 in &starts(w) {
            out.push(View {
                x0,
                y0,
                w: tile.min(w - x0),
                h: tile.min(h - y0),
                scale,
            });
        }
    }
    out
}

/// Builds the NCHW BGR 0–255 input tensor data for one view (bottom/right zero padding).
pub(crate) fn view_input(img: &RgbImage, v: &View) -> Vec<f32> {
    let nw = ((v.w as f32 * v.scale).round() as u32).clamp(1, INPUT as u32);
    let nh = ((v.h as f32 * v.scale).round() as u32).clamp(1, INPUT as u32);
    let crop = image::imageops::crop_imm(img, v.x0, v.y0, v.w, v.h).to_image();
    let small = image::imageops::resize(&crop, nw, nh, FilterType::Triangle);
    let plane = INPUT * INPUT;
    let mut data = vec![0f32; 3 * plane];
    for (x, y, p) in small.enumerate_pixels() {
        let i = y as usize * INPUT + x as usize;
        data[i] = f32::from(p[2]);
        data[plane + i] = f32::from(p[1]);
        data[2 * plane + i] = f32::from(p[0]);
    }
    data
}

/// Raw YuNet outputs for one stride: `cls`, `obj` (one per anchor), `bbox` (4), `kps` (10).
pub(crate) struct StrideOutput<'a> {
    pub stride: usize,
    pub cls: &'a [f32],
    pub obj: &'a [f32],
    pub bbox: &'a [f32],
    pub kps: &'a [f32],
}

/// Decodes the anchors of one stride into faces in source coordinates.
pub(crate) fn decode_stride(o: &StrideOutput<'_>, v: &View, min_score: f32, out: &mut Vec<DetectedFace>) {
    let cols = INPUT / o.stride;
    let st = o.stride as f32;
    let n = o
        .cls
        .len()
        .min(o.obj.len())
        .min(o.bbox.len() / 4)
        .min(o.kps.len() / 10);
    let to_src = |x: f32, y: f32| [v.x0 as f32 + x / v.scale, v.y0 as f32 + y / v.scale];
    for i in 0..n {
        let score = (o.cls[i].clamp(0.0, 1.0) * o.obj[i].clamp(0.0, 1.0)).sqrt();
        if score.is_nan() || score < min_score {
            continue;
        }
        let (c, r) = ((i % cols) as f32, (i / cols) as f32);
        let b = &o.bbox[4 * i..4 * i + 4];
        let (cx, cy) = ((c + b[0]) * st, (r + b[1]) * st);
        let (bw, bh) = (b[2].min(10.0).exp() * st, b[3].min(10.0).exp() * st);
        let [x, y] = to_src(cx - bw / 2.0, cy - bh / 2.0);
        let k = &o.kps[10 * i..10 * i + 10];
        let mut landmarks = [[0f32; 2]; 5];
        for (j, lm) in landmarks.iter_mut().enumerate() {
            *lm = to_src((c + k[2 * j]) * st, (r + k[2 * j + 1]) * st);
        }
        let face = DetectedFace {
            score,
            bbox: [x, y, bw / v.scale, bh / v.scale],
            landmarks,
        };
        if face
            .bbox
            .iter()
            .chain(face.landmarks.iter().flatten())
            .all(|f| f.is_finite())
        {
            out.push(face);
        }
    }
}

fn iou_and_containment(a: &[f32; 4], b: &[f32; 4]) -> (f32, f32) {
    let x1 = a[0].max(b[0]);
    let y1 = a[1].max(b[1]);
    let x2 = (a[0] + a[2]).min(b[0] + b[2]);
    let y2 = (a[1] + a[3]).min(b[1] + b[3]);
    let inter = (x2 - x1).max(0.0) * (y2 - y1).max(0.0);
    let (aa, ab) = (a[2] * a[3], b[2] * b[3]);
    let union = aa + ab - inter;
    let iou = if union > 0.0 { inter / union } else { 0.0 };
    let smaller = aa.min(ab);
    let contained = if smaller > 0.0 { inter / smaller } else { 0.0 };
    (iou, contained)
}

/// Greedy NMS by score. A box mostly inside a stronger one is also dropped: tiles cut faces at
/// their edges, and the cut copy overlaps the whole face with a low IoU but high containment.
pub(crate) fn nms(mut faces: Vec<DetectedFace>, iou_max: f32) -> Vec<DetectedFace> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut keep: Vec<DetectedFace> = Vec::new();
    for f in faces {
        let suppressed = keep.iter().any(|k| {
            let (iou, contained) = iou_and_containment(&k.bbox, &f.bbox);
            iou >= iou_max || contained >= 0.7
        });
        if !suppressed {
            keep.push(f);
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(score: f32, bbox: [f32; 4]) -> DetectedFace {
        DetectedFace {
            score,
            bbox,
            landmarks: [[0.0; 2]; 5],
        }
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes_and_distinct_ones() {
        let faces = vec![
            face(0.7, [12.0, 10.0, 100.0, 100.0]),
            face(0.9, [10.0, 10.0, 100.0, 100.0]),
            face(0.8, [300.0, 10.0, 100.0, 100.0]),
            face(0.95, [10.0, 10.0, 40.0, 100.0]), // a tile-cut half face: contained
        ];
        let kept = nms(faces, 0.3);
        let scores: Vec<f32> = kept.iter().map(|f| f.score).collect();
        assert_eq!(scores, vec![0.95, 0.8]);
    }

    #[test]
    fn tiles_cover_the_image_with_overlap() {
        assert!(
            tile_views(640, 480).is_empty(),
            "a 640 px image needs no second pass"
        );
        let views = tile_views(4000, 3000);
        assert!(views.len() > 1);
        for v in &views {
            assert!(v.x0 + v.w <= 4000 && v.y0 + v.h <= 3000);
            assert!((v.w as f32 * v.scale).round() as usize <= INPUT);
        }
        // Every pixel column and row is covered.
        assert!(views.iter().any(|v| v.x0 == 0) && views.iter().any(|v| v.x0 + v.w == 4000));
        assert!(views.iter().any(|v| v.y0 == 0) && views.iter().any(|v| v.y0 + v.h == 3000));
    }

    #[test]
    fn decoding_maps_anchor_offsets_back_to_source_pixels() {
        // One stride-32 anchor at column 1, row 2, offset (0.5, 0.5), size e^0 * 32.
        let cols = INPUT / 32;
        let n = cols * cols;
        let mut cls = vec![0.0; n];
        let mut obj = vec![0.0; n];
        let mut bbox = vec![0.0; 4 * n];
        let kps = vec![0.5; 10 * n];
        let i = 2 * cols + 1;
        cls[i] = 0.81;
        obj[i] = 1.0;
        bbox[4 * i] = 0.5;
        bbox[4 * i + 1] = 0.5;
        let v = View {
            x0: 100,
            y0: 0,
            w: 1280,
            h: 1280,
            scale: 0.5,
        };
        let mut out = Vec::new();
        decode_stride(
            &StrideOutput {
                stride: 32,
                cls: &cls,
                obj: &obj,
                bbox: &bbox,
                kps: &kps,
            },
            &v,
            0.6,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        let f = &out[0];
        assert!((f.score - 0.9).abs() < 1e-6);
        // centre (1.5*32, 2.5*32) = (48, 80) at scale 0.5 → (96, 160) + x0 100; size 64.
        assert_eq!(f.bbox, [100.0 + 96.0 - 32.0, 160.0 - 32.0, 64.0, 64.0]);
        assert_eq!(f.landmarks[0], [196.0, 160.0]);
    }
}
