//! Product images: the upload pipeline (the rows are `store::images`). Uploads are recognised by their
//! bytes, never their name; decoded with dimension and memory limits (a tiny file
//! claiming 100,000 × 100,000 pixels is refused before any pixel is allocated);
//! re-encoded as a ~320 px thumbnail and a ~1080 px display JPEG; and stored under
//! `DATA_DIR/images` by the SHA-256 of their bytes, so their URLs can be cached forever.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};

pub use super::store::images::Image;

/// Per file, as the issue promises merchants.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
pub const MAX_PER_PRODUCT: i64 = 8;
/// Either side; phone cameras stay well below.
pub const MAX_SIDE: u32 = 12_000;
/// 50 megapixels: decoded RGBA that stays under 200 MB.
pub const MAX_PIXELS: u64 = 50_000_000;
pub const THUMB_SIDE: u32 = 320;
pub const DISPLAY_SIDE: u32 = 1080;
const JPEG_QUALITY: u8 = 82;

/// The two renditions of one upload, ready to store.
#[derive(Debug)]
pub struct Processed {
    pub thumb: Vec<u8>,
    pub display: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Check and re-encode an upload. The error is the sentence shown beside the field.
/// CPU-bound: call from `spawn_blocking`.
pub fn process(bytes: &[u8]) -> Result<Processed, String> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err("This file is not a JPEG, PNG or WebP image.".into()),
    };
    let unreadable = |_| "This image could not be read; it may be damaged.".to_string();
    let (w, h) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(unreadable)?;
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "This image is {w} × {h} pixels; keep it under {MAX_SIDE} pixels a side and 50 megapixels."
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 16 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    // Phone photos are stored sideways with an EXIF hint; shoppers should not see that.
    img.apply_orientation(orientation);

    let display = fit(&img, DISPLAY_SIDE, FilterType::Lanczos3);
    let thumb = fit(&display, THUMB_SIDE, FilterType::Triangle);
    Ok(Processed {
        width: display.width(),
        height: display.height(),
        thumb: encode(&thumb).map_err(unreadable)?,
        display: encode(&display).map_err(unreadable)?,
    })
}

/// Shrink to fit a `side` × `side` box; smaller images stay as they are.
fn fit(img: &DynamicImage, side: u32, filter: FilterType) -> DynamicImage {
    if img.width() <= side && img.height() <= side {
        img.clone()
    } else {
        img.resize(side, side, filter)
    }
}

/// JPEG, with transparency flattened onto white (product shots on a white card).
fn encode(img: &DynamicImage) -> image::ImageResult<Vec<u8>> {
    let rgba = img.to_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(px[3]);
        for c in 0..3 {
            out[c] = ((u16::from(px[c]) * a + 255 * (255 - a)) / 255) as u8;
        }
    }
    let mut buf = Vec::new();
    JpegEncoder::new_with_quality(&mut buf, JPEG_QUALITY).encode_image(&rgb)?;
    Ok(buf)
}

/// Where images live.
pub fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("images")
}

/// Write `bytes` as `<sha256>.jpg` (atomically, once) and return the file name.
pub async fn save(data_dir: &Path, bytes: &[u8]) -> std::io::Result<String> {
    let name = format!("{}.jpg", hex::encode(&Sha256::digest(bytes)[..16]));
    let dir = folder(data_dir);
    let path = dir.join(&name);
    if tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Ok(name);
    }
    tokio::fs::create_dir_all(&dir).await?;
    let tmp = dir.join(format!(".{name}.{}", crate::auth::tokens::random_token()));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, &path).await?;
    Ok(name)
}

/// Whether `name` is one of ours: 32 hex digits and `.jpg`, nothing that walks paths.
pub fn valid_name(name: &str) -> bool {
    name.len() == 36
        && name.ends_with(".jpg")
        && name[..32]
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

pub fn url(file: &str) -> String {
    format!("/media/images/{file}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            w,
            h,
            [10, 120, 200, 128].into(),
        ));
        let mut buf = Cursor::new(Vec::new());
        img.write_to(&mut buf, ImageFormat::Png).unwrap();
        buf.into_inner()
    }

    #[test]
    fn large_images_are_resized_and_reencoded_as_jpeg() {
        let out = process(&png(2000, 1000)).unwrap();
        assert_eq!((out.width, out.height), (1080, 540));
        assert_eq!(image::guess_format(&out.thumb).unwrap(), ImageFormat::Jpeg);
        let thumb = image::load_from_memory(&out.thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 160));
    }

    #[test]
    fn small_images_keep_their_size() {
        let out = process(&png(200, 100)).unwrap();
        assert_eq!((out.width, out.height), (200, 100));
    }

    #[test]
    fn text_and_unknown_formats_are_refused() {
        assert!(
            process(b"hello, I am a text file")
                .unwrap_err()
                .contains("not a JPEG")
        );
        assert!(process(b"GIF89a....").unwrap_err().contains("not a JPEG"));
    }

    #[test]
    fn names_cannot_walk_paths() {
        assert!(valid_name("0123456789abcdef0123456789abcdef.jpg"));
        assert!(!valid_name("../../../../etc/passwd"));
        assert!(!valid_name("0123456789abcdef0123456789abcdeF.jpg"));
    }
}
