//! Cover images: uploaded from the stream page (JPEG, PNG or WebP, at most 5 MB),
//! checked by decoding their header, stored under DATA_DIR/covers named by their
//! SHA-256 (so a URL never changes meaning and is cached for a year), served here.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use super::domain::Refusal;
use super::store;
use crate::auth::Member;
use crate::auth::roles::ManageStreams;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::web::flash;

/// The largest cover accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

fn folder(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("covers")
}

/// The format of an image we accept, from its bytes (never from its name).
fn sniff(bytes: &[u8]) -> Result<&'static str, Refusal> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "The file could not be read.".to_string())?;
    let ext = match reader.format() {
        Some(image::ImageFormat::Jpeg) => "jpg",
        Some(image::ImageFormat::Png) => "png",
        Some(image::ImageFormat::WebP) => "webp",
        _ => return Err("Upload a JPEG, PNG or WebP image.".into()),
    };
    let (w, h) = reader
        .into_dimensions()
        .map_err(|_| "This image is damaged or incomplete.".to_string())?;
    if w < 200 || h < 100 || w > 8000 || h > 8000 {
        return Err(
            "Use an image between 200×100 and 8000×8000 pixels (1200×630 is ideal).".into(),
        );
    }
    Ok(ext)
}

pub async fn upload(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response> {
    let shop_id = user.shop.id;
    store::by_id(&state.db.pool, shop_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut bytes = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| Error::BadRequest(format!("The upload was interrupted: {e}")))?
    {
        if field.name() == Some("cover") {
            let data = field
                .bytes()
                .await
                .map_err(|_| Error::PayloadTooLarge("Covers can be at most 5 MB.".into()))?;
            bytes = data.to_vec();
        }
    }
    if bytes.is_empty() {
        return Err(Error::BadRequest("Choose an image to upload.".into()));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::PayloadTooLarge("Covers can be at most 5 MB.".into()));
    }
    let ext = sniff(&bytes).map_err(|r| Error::BadRequest(r.into()))?;
    let name = format!("{}.{ext}", hex::encode(Sha256::digest(&bytes)));
    let dir = folder(&state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(anyhow::Error::from)?;
    let path = dir.join(&name);
    // Write then rename, so a reader never sees half a file.
    let partial = dir.join(format!("{name}.part-{}", super::domain::public_id()));
    tokio::fs::write(&partial, &bytes)
        .await
        .map_err(anyhow::Error::from)?;
    tokio::fs::rename(&partial, &path)
        .await
        .map_err(anyhow::Error::from)?;
    store::set_cover(&state.db.pool, shop_id, id, Some(&name)).await?;
    state.streams.invalidate_shop(shop_id);
    flash(&user.session, "success", "Cover image saved.").await;
    Ok(Redirect::to(&format!("/streams/{id}")).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    if !store::set_cover(&state.db.pool, user.shop.id, id, None).await? {
        return Err(Error::NotFound);
    }
    state.streams.invalidate_shop(user.shop.id);
    flash(&user.session, "success", "Cover image removed.").await;
    Ok(Redirect::to(&format!("/streams/{id}")).into_response())
}

/// `GET /covers/{file}`: only names this module wrote (64 hex digits and an extension).
pub async fn serve(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((hash, ext)) = file.split_once('.') else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = match ext {
        "jpg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(folder(&state).join(&file)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
