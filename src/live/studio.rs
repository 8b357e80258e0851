//! What the studio's live panel reads besides the room state: the products it can pin.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::viewer::Viewer;
use super::{load_staff, store};
use crate::catalog::images;
use crate::error::ApiError;
use crate::money;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ProductQuery {
    #[serde(default)]
    q: String,
}

/// `GET …/live/products`: the featured products, or a search of the active catalogue.
pub async fn products(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    Query(query): Query<ProductQuery>,
    viewer: Viewer,
) -> Result<Json<Value>, ApiError> {
    let access = load_staff(&state, &shop, &stream, &viewer).await?;
    let s = &access.stream;
    let q = query.q.trim();
    let rows = if q.is_empty() {
        store::pins::featured(&state.db.pool, s.shop_id, s.id).await?
    } else {
        store::pins::search(&state.db.pool, s.shop_id, q).await?
    };
    let products: Vec<Value> = rows
        .iter()
        .map(|p| {
            json!({
                "product_id": p.id,
                "title": p.title,
                "price_display": money::format(p.price, &p.currency),
                "currency": p.currency,
                "image": p.thumb_file.as_deref().map(images::url),
            })
        })
        .collect();
    Ok(Json(
        json!({ "products": products, "featured": q.is_empty() }),
    ))
}
