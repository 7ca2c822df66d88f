//! Image decoding with hard limits and EXIF orientation.
use crate::FaceError;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};
use std::io::Cursor;

/// Limits applied before any pixel is decoded, so a decompression bomb (a small file that claims
/// a huge canvas) is refused instead of allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted width or height, in pixels.
    pub max_side: u32,
    /// Largest allocation the decoder may make, in bytes.
    pub max_alloc: u64,
}

impl Default for DecodeLimits {
    /// 10,000 px a side and 512 MiB: a 48-megapixel phone photo fits, a bomb does not.
    fn default() -> Self {
        DecodeLimits {
            max_side: 10_000,
            max_alloc: 512 << 20,
        }
    }
}

/// Decodes JPEG, PNG or WebP bytes into 8-bit RGB, honouring the EXIF orientation tag (phone
/// selfies are usually stored rotated). Alpha is dropped. Never panics on malformed input.
pub fn decode_rgb(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage, FaceError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| FaceError::Decode(e.to_string()))?;
    if reader.format().is_none() {
        return Err(FaceError::Decode("unrecognised image format".into()));
    }
    let mut l = Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_alloc);
    reader.limits(l);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| FaceError::Decode(e.to_string()))?;
    // A broken EXIF block must not make an otherwise good photo unreadable.
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| FaceError::Decode(e.to_string()))?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    let (w, h) = (img.width(), img.height());
    if w < 16 || h < 16 {
        return Err(FaceError::ImageTooSmall { width: w, height: h });
    }
    Ok(img.into_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, codecs::png::PngEncoder};

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_pixel(w, h, image::Rgb([10, 20, 30]));
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    #[test]
    fn decodes_a_small_png() {
        let img = decode_rgb(&png(40, 30), &DecodeLimits::default()).unwrap();
        assert_eq!(img.dimensions(), (40, 30));
    }

    #[test]
    fn refuses_images_larger_than_the_limit() {
        let limits = DecodeLimits {
            max_side: 32,
            ..DecodeLimits::default()
        };
        let err = decode_rgb(&png(40, 30), &limits).unwrap_err();
        assert!(matches!(err, FaceError::Decode(_)), "{err}");
    }

    #[test]
    fn refuses_a_decompression_bomb() {
        // A valid PNG header claiming 60000x60000 followed by a few bytes of data.
        let mut bomb = png(16, 16);
        // IHDR width/height live at bytes 16..24; rewrite them (the CRC no longer matches, and
        // the decoder must still refuse cleanly either way).
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        assert!(decode_rgb(&bomb, &DecodeLimits::default()).is_err());
    }

    #[test]
    fn arbitrary_and_truncated_bytes_are_errors_not_panics() {
        let good = png(64, 64);
        // Cuts inside the header or the pixel data (the last bytes are only the IEND chunk,
        // without which the image is still complete).
        for cut in [0, 1, 8, 20, 33, good.len() / 2] {
            assert!(
                decode_rgb(&good[..cut], &DecodeLimits::default()).is_err(),
                "cut {cut}"
            );
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in [0usize, 3, 100, 4096] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            assert!(decode_rgb(&bytes, &DecodeLimits::default()).is_err());
            // Random bytes behind a real JPEG/PNG magic.
            for magic in [&b"\xff\xd8\xff\xe0"[..], &b"\x89PNG\r\n\x1a\n"[..]] {
                let mut b = magic.to_vec();
                b.extend_from_slice(&bytes);
                assert!(decode_rgb(&b, &DecodeLimits::default()).is_err());
            }
        }
    }

    #[test]
    fn tiny_images_are_refused() {
        let err = decode_rgb(&png(8, 8), &DecodeLimits::default()).unwrap_err();
        assert!(matches!(err, FaceError::ImageTooSmall { .. }));
    }
}
