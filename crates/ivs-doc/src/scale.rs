//! Resizing grey images with a triangle (linear) filter, specialised for one 8-bit channel.
//!
//! Gives the same pixels as `image::imageops::resize(img, w, h, FilterType::Triangle)` (the
//! same weights, the same order of floating-point sums, the same rounding), without its generic
//! four-channel path: the reader resizes every photo (the locator's working copy) and every
//! band crop (the blur measure), and the generic path took 5–14 % of a photo's reading time.

use image::GrayImage;

/// One output position of a pass: the first input pixel used and the normalised weights.
struct Taps {
    left: usize,
    weights: Vec<f32>,
}

/// The taps of a triangle filter mapping `from` input pixels onto `to` output pixels.
fn taps(from: u32, to: u32) -> Vec<Taps> {
    let ratio = from as f32 / to as f32;
    // Shrinking widens the filter: its support (one pixel) in input pixels.
    let sratio = ratio.max(1.0);
    (0..to)
        .map(|out| {
            let centre = (out as f32 + 0.5) * ratio;
            let left = ((centre - sratio).floor() as i64).clamp(0, i64::from(from) - 1);
            let right = ((centre + sratio).ceil() as i64).clamp(left + 1, i64::from(from));
            let centre = centre - 0.5;
            let mut weights: Vec<f32> = (left..right)
                .map(|i| {
                    let x = ((i as f32 - centre) / sratio).abs();
                    if x < 1.0 { 1.0 - x } else { 0.0 }
                })
                .collect();
            let sum: f32 = weights.iter().sum();
            for w in &mut weights {
                *w /= sum;
            }
            Taps {
                left: left as usize,
                weights,
            }
        })
        .collect()
}

/// `img` resized to `width` × `height` with a triangle filter.
#[must_use]
pub fn triangle(img: &GrayImage, width: u32, height: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 || width == 0 || height == 0 {
        return GrayImage::new(width, height);
    }
    if (width, height) == (w, h) {
        return img.clone();
    }
    let (down, across) = (taps(h, height), taps(w, width));
    let w = w as usize;
    let src = img.as_raw();
    // Vertical pass into floats, one output row at a time, summing input rows in order.
    let mut tmp = vec![0.0f32; w * height as usize];
    for (row, t) in tmp.chunks_exact_mut(w).zip(&down) {
        for (i, &wt) in t.weights.iter().enumerate() {
            let start = (t.left + i) * w;
            for (acc, &p) in row.iter_mut().zip(&src[start..start + w]) {
                *acc += f32::from(p) * wt;
            }
        }
    }
    // Horizontal pass, rounding to the nearest grey level.
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for row in tmp.chunks_exact(w) {
        for t in &across {
            let mut acc = 0.0f32;
            for (&p, &wt) in row[t.left..].iter().zip(&t.weights) {
                acc += p * wt;
            }
            out.push(acc.clamp(0.0, 255.0).round() as u8);
        }
    }
    GrayImage::from_raw(width, height, out).unwrap_or_else(|| GrayImage::new(width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, imageops};

    fn noise(w: u32, h: u32, seed: u32) -> GrayImage {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        GrayImage::from_fn(w, h, |x, y| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            // Smooth gradients plus noise: values across the whole range, edges and flats.
            let v = (x * 7 + y * 3) % 256;
            Luma([((v + (s % 64)) % 256) as u8])
        })
    }

    #[test]
    fn gives_the_same_pixels_as_the_image_crates_triangle_resize() {
        let cases = [
            (1600, 900, 1000, 563),
            (640, 480, 320, 240),
            (333, 97, 1000, 291),
            (101, 37, 57, 80),
            (5, 3, 17, 11),
            (1, 1, 4, 4),
            (64, 64, 64, 32),
            (12, 200, 3, 4000),
        ];
        for (i, &(w, h, nw, nh)) in cases.iter().enumerate() {
            let img = noise(w, h, i as u32);
            let ours = triangle(&img, nw, nh);
            let theirs = imageops::resize(&img, nw, nh, imageops::FilterType::Triangle);
            assert_eq!(ours.dimensions(), theirs.dimensions(), "case {i}");
            let differ = ours.pixels().zip(theirs.pixels()).filter(|(a, b)| a != b).count();
            assert_eq!(differ, 0, "case {i}: {w}x{h} -> {nw}x{nh}");
        }
    }

    #[test]
    fn same_size_is_a_copy_and_empty_stays_empty() {
        let img = noise(9, 7, 3);
        assert_eq!(triangle(&img, 9, 7), img);
        assert_eq!(triangle(&GrayImage::new(0, 0), 4, 3), GrayImage::new(4, 3));
        assert_eq!(triangle(&img, 0, 5).dimensions(), (0, 5));
    }
}
