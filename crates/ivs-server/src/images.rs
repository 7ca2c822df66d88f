//! Checks an uploaded image before anything is stored: base64, size, format (JPEG or PNG),
//! dimensions, and a full decode under allocation limits (decompression bombs fail here).
use base64::Engine;
use ivs_core::ApiError;
use std::io::Cursor;

/// A checked image.
#[derive(Debug, Clone)]
pub struct CheckedImage {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// Limits applied to one image.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    pub max_bytes: usize,
    pub max_side: u32,
    pub max_pixels: u64,
}

/// Decodes base64 (a `data:image/…;base64,` prefix and whitespace are tolerated) and checks the
/// size before and after decoding.
pub fn decode_base64(slot: &str, text: &str, limits: ImageLimits) -> Result<Vec<u8>, ApiError> {
    let text = match text.find(";base64,") {
        Some(i) if text.starts_with("data:") => &text[i + 8..],
        _ => text,
    };
    // 4 base64 characters carry 3 bytes: refuse before allocating when the text is clearly too big
    if text.len() / 4 * 3 > limits.max_bytes + 3 {
        return Err(ApiError::too_large(format!(
            "Image '{slot}' is larger than {} bytes.",
            limits.max_bytes
        )));
    }
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.trim_end_matches('='))
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(compact.trim_end_matches('=')))
        .map_err(|_| ApiError::bad_value(format!("Image '{slot}' is not valid base64.")))?;
    if bytes.len() > limits.max_bytes {
        return Err(ApiError::too_large(format!(
            "Image '{slot}' is larger than {} bytes.",
            limits.max_bytes
        )));
    }
    if bytes.is_empty() {
        return Err(ApiError::bad_value(format!("Image '{slot}' is empty.")));
    }
    Ok(bytes)
}

/// Format, dimensions and a full decode under limits. CPU-bound: call from a blocking task.
pub fn check_image(slot: &str, bytes: Vec<u8>, limits: ImageLimits) -> Result<CheckedImage, ApiError> {
    let format = image::guess_format(&bytes)
        .map_err(|_| ApiError::bad_value(format!("Image '{slot}' is not a JPEG or PNG image.")))?;
    let content_type = match format {
        image::ImageFormat::Jpeg => "image/jpeg",
        image::ImageFormat::Png => "image/png",
        _ => {
            return Err(ApiError::bad_value(format!(
                "Image '{slot}' must be JPEG or PNG."
            )));
        }
    };
    if format == image::ImageFormat::Jpeg && !jpeg_is_complete(&bytes) {
        return Err(ApiError::bad_value(format!(
            "Image '{slot}' is truncated (no end-of-image marker)."
        )));
    }
    let reader = image::ImageReader::with_format(Cursor::new(&bytes), format);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|_| ApiError::bad_value(format!("Image '{slot}' could not be read.")))?;
    if width == 0 || height == 0 {
        return Err(ApiError::bad_value(format!("Image '{slot}' has no pixels.")));
    }
    if width > limits.max_side
        || height > limits.max_side
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(ApiError::bad_value(format!(
            "Image '{slot}' is {width}x{height} pixels; the limit is {} pixels a side and {} pixels in all.",
            limits.max_side, limits.max_pixels
        )));
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(&bytes), format);
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_pixels.saturating_mul(4).min(512 * 1024 * 1024));
    reader.limits(l);
    reader
        .decode()
        .map_err(|_| ApiError::bad_value(format!("Image '{slot}' is damaged or truncated.")))?;
    Ok(CheckedImage { bytes, content_type })
}

/// JPEG decoders fill a truncated scan with grey rather than fail, so completeness is checked
/// on the markers: an end-of-image marker (FF D9) must follow the last start-of-scan (FF DA).
/// Neither can occur inside entropy-coded data (an FF there is always followed by 00 or a restart
/// marker), and an embedded EXIF thumbnail's own markers come before the main scan.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xff, marker]);
    match (last(0xda), last(0xd9)) {
        (Some(sos), Some(eoi)) => eoi > sos,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ImageLimits = ImageLimits {
        max_bytes: 1000,
        max_side: 100,
        max_pixels: 5000,
    };

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([10, 20, 30]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn base64_forms_and_sizes() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(png(4, 4));
        assert!(decode_base64("FRONT", &b64, LIMITS).is_ok());
        assert!(decode_base64("FRONT", &format!("data:image/png;base64,{b64}"), LIMITS).is_ok());
        assert_eq!(decode_base64("FRONT", "!!!", LIMITS).unwrap_err().status, 400);
        let big = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 2000]);
        assert_eq!(decode_base64("FRONT", &big, LIMITS).unwrap_err().status, 413);
    }

    #[test]
    fn format_dimensions_and_damage() {
        let ok = check_image("FACE", png(10, 10), LIMITS).unwrap();
        assert_eq!(ok.content_type, "image/png");
        assert!(check_image("FACE", png(101, 1), LIMITS).is_err());
        assert!(check_image("FACE", png(80, 80), LIMITS).is_err()); // 6400 px > 5000
        let mut truncated = png(50, 50);
        truncated.truncate(truncated.len() / 2);
        assert!(check_image("FACE", truncated, LIMITS).is_err());
        assert!(check_image("FACE", b"GIF89a....".to_vec(), LIMITS).is_err());
        let mut jpeg = Vec::new();
        image::RgbImage::from_pixel(40, 40, image::Rgb([1, 2, 3]))
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        assert!(check_image("FRONT", jpeg.clone(), LIMITS).is_ok());
        jpeg.truncate(jpeg.len() - 2);
        assert!(check_image("FRONT", jpeg, LIMITS).is_err());
        assert!(check_image("FACE", b"plain text".to_vec(), LIMITS).is_err());
    }
}
