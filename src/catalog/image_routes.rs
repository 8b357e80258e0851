//! Image actions on a product: upload (multipart, several files at once), alt text,
//! reorder, delete; and serving the stored files with year-long cache headers.

use axum::Form;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::images::{self, MAX_BYTES, MAX_PER_PRODUCT};
use super::page::ProductPage;
use super::{store, sync};
use crate::auth::Member;
use crate::auth::roles::EditCatalog;
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::{flash, render_status};

/// The upload route's body limit: a full set of images plus form overhead.
pub const UPLOAD_BODY_LIMIT: usize = MAX_BYTES * MAX_PER_PRODUCT as usize + 1024 * 1024;

/// `POST /catalog/products/{id}/images?csrf_token=…`: files in `images`, optional `alt`.
pub async fn upload(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(product_id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop_id = user.shop.id;
    let product = store::product(pool, shop_id, product_id)
        .await?
        .ok_or(Error::NotFound)?;
    let existing = store::images::count(pool, shop_id, product_id).await?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut alt = String::new();
    let mut refusal: Option<(StatusCode, String)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Error::PayloadTooLarge(format!(
                    "Upload at most {MAX_PER_PRODUCT} images of up to 8 MB each at once."
                )));
            }
            Err(err) => {
                return Err(Error::BadRequest(format!(
                    "The upload was cut short: {}",
                    err.body_text()
                )));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().unwrap_or("image").to_string();
        let mut field = field;
        let mut bytes = Vec::new();
        let mut too_big = false;
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| Error::BadRequest(e.body_text()))?
        {
            if bytes.len() + chunk.len() > MAX_BYTES {
                too_big = true;
                continue; // drain the field without keeping it
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "alt" => {
                alt = String::from_utf8_lossy(&bytes)
                    .trim()
                    .chars()
                    .take(200)
                    .collect()
            }
            "images" if too_big => {
                refusal.get_or_insert((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("{file_name} is larger than 8 MB. Export it smaller and try again."),
                ));
            }
            "images" if !bytes.is_empty() => files.push((file_name, bytes)),
            _ => {}
        }
    }
    if refusal.is_none() && files.is_empty() {
        refusal = Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose one or more images to upload.".into(),
        ));
    }
    if refusal.is_none() && existing + files.len() as i64 > MAX_PER_PRODUCT {
        let room = (MAX_PER_PRODUCT - existing).max(0);
        refusal = Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "A product can have {MAX_PER_PRODUCT} images. This one has {existing}, so add at most {room}."
            ),
        ));
    }
    let mut processed = Vec::new();
    if refusal.is_none() {
        for (file_name, bytes) in files {
            let result = tokio::task::spawn_blocking(move || images::process(&bytes))
                .await
                .map_err(|e| anyhow::anyhow!("image worker: {e}"))?;
            match result {
                Ok(p) => processed.push(p),
                Err(message) => {
                    refusal = Some((
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("{file_name}: {message}"),
                    ));
                    break;
                }
            }
        }
    }
    if let Some((status, message)) = refusal {
        let mut page =
            ProductPage::load(&state, &user, Some(product), None, FormErrors::default()).await?;
        page.image_error = message;
        return Ok(render_status(status, &page));
    }
    let count = processed.len();
    for p in processed {
        let thumb = images::save(&state.config.data_dir, &p.thumb)
            .await
            .map_err(anyhow::Error::from)?;
        let display = images::save(&state.config.data_dir, &p.display)
            .await
            .map_err(anyhow::Error::from)?;
        store::images::insert(
            pool,
            shop_id,
            product_id,
            &alt,
            &thumb,
            &display,
            (p.width, p.height),
        )
        .await?;
    }
    // A change to images is a change to the product's card (its `updated_at`).
    store::touch(pool, shop_id, product_id).await?;
    let plural = if count == 1 { "image" } else { "images" };
    flash(&user.session, "success", format!("{count} {plural} added.")).await;
    Ok(Redirect::to(&format!("/catalog/products/{product_id}#images")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AltForm {
    alt: String,
}

/// `POST /catalog/products/{id}/images/{image_id}/alt`
pub async fn set_alt(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path((product_id, image_id)): Path<(i64, i64)>,
    Form(form): Form<AltForm>,
) -> Result<Response> {
    let alt: String = form.alt.trim().chars().take(200).collect();
    if !store::images::set_alt(&state.db.pool, user.shop.id, product_id, image_id, &alt).await? {
        return Err(Error::NotFound);
    }
    flash(&user.session, "success", "Image description saved.").await;
    Ok(Redirect::to(&format!("/catalog/products/{product_id}#images")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderForm {
    /// Image ids in their new order, comma-separated ("12,10,11").
    order: String,
    /// Or one image moved one place: `<id>:up` / `<id>:down` (buttons without script).
    #[serde(rename = "move")]
    move_: String,
}

/// `POST /catalog/products/{id}/images/order`
pub async fn reorder(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(product_id): Path<i64>,
    Form(form): Form<OrderForm>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop_id = user.shop.id;
    store::product(pool, shop_id, product_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut ids: Vec<i64> = store::images::list(pool, shop_id, product_id)
        .await?
        .iter()
        .map(|i| i.id)
        .collect();
    if let Some((id, direction)) = form.move_.split_once(':') {
        let id: i64 = id
            .parse()
            .map_err(|_| Error::BadRequest("Unknown image.".into()))?;
        let at = ids.iter().position(|x| *x == id).ok_or(Error::NotFound)?;
        match direction {
            "up" if at > 0 => ids.swap(at, at - 1),
            "down" if at + 1 < ids.len() => ids.swap(at, at + 1),
            _ => {}
        }
    } else {
        let wanted: Vec<i64> = form
            .order
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        let mut sorted_wanted = wanted.clone();
        sorted_wanted.sort_unstable();
        let mut sorted_ids = ids.clone();
        sorted_ids.sort_unstable();
        if sorted_wanted != sorted_ids {
            return Err(Error::BadRequest(
                "The image order does not match this product's images; reload the page.".into(),
            ));
        }
        ids = wanted;
    }
    let mut tx = pool.begin().await?;
    for (i, id) in ids.iter().enumerate() {
        store::images::set_position(&mut *tx, shop_id, product_id, *id, i as i64 + 1).await?;
    }
    tx.commit().await?;
    store::touch(pool, shop_id, product_id).await?;
    Ok(Redirect::to(&format!("/catalog/products/{product_id}#images")).into_response())
}

/// `POST /catalog/products/{id}/images/{image_id}/delete`
pub async fn delete(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path((product_id, image_id)): Path<(i64, i64)>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let files = store::images::delete(pool, user.shop.id, product_id, image_id)
        .await?
        .ok_or(Error::NotFound)?;
    for file in [files.thumb_file, files.display_file] {
        if !store::images::file_in_use(pool, &file).await? {
            let path = images::folder(&state.config.data_dir).join(&file);
            if let Err(err) = tokio::fs::remove_file(&path).await {
                tracing::warn!(error = %err, file, "could not delete an image file");
            }
        }
    }
    store::touch(pool, user.shop.id, product_id).await?;
    sync::wake(&state);
    flash(&user.session, "success", "Image deleted.").await;
    Ok(Redirect::to(&format!("/catalog/products/{product_id}#images")).into_response())
}

/// `GET /media/images/{file}`: public (shoppers see them), immutable by name.
pub async fn serve(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    if !images::valid_name(&file) {
        return Error::NotFound.into_response();
    }
    match tokio::fs::read(images::folder(&state.config.data_dir).join(&file)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Err(_) => Error::NotFound.into_response(),
    }
}
