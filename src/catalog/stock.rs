//! Manual stock adjustments: add or remove units of one variant, with a reason that
//! lands in the inventory ledger.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::domain;
use super::inventory::{self, Change, Reason};
use super::page::ProductPage;
use super::store;
use crate::auth::Member;
use crate::auth::roles::EditCatalog;
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::{flash, render_status};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AdjustForm {
    pub variant_id: i64,
    /// "+5", "-2".
    pub change: String,
    pub note: String,
}

/// `POST /catalog/products/{id}/stock`
pub async fn adjust(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(product_id): Path<i64>,
    Form(form): Form<AdjustForm>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop_id = user.shop.id;
    let product = store::product(pool, shop_id, product_id)
        .await?
        .ok_or(Error::NotFound)?;
    let variant = store::variant(pool, shop_id, form.variant_id)
        .await?
        .filter(|v| v.product_id == product_id)
        .ok_or(Error::NotFound)?;
    let mut errors = FormErrors::default();
    let delta = domain::adjustment(&form.change).map_err(|e| errors.add("change", e));
    let note = form.note.trim();
    if note.is_empty() {
        errors.add(
            "note",
            "Say why, e.g. \u{201c}recount\u{201d} or \u{201c}damaged in transit\u{201d}.",
        );
    } else if note.chars().count() > 200 {
        errors.add("note", "Keep the reason to 200 characters.");
    }
    if variant.unlimited {
        errors.add(
            "change",
            "This variant has unlimited stock; there is nothing to count.",
        );
    }
    if let (Ok(delta), true) = (delta, errors.is_empty()) {
        let mut tx = pool.begin().await?;
        let change = Change {
            shop_id,
            variant_id: variant.id,
            delta,
            reason: Reason::Manual,
            note,
            reference: None,
            user_id: Some(user.id),
        };
        match inventory::record(&mut tx, &change).await? {
            Some(stock) => {
                tx.commit().await?;
                flash(&user.session, "success", format!("Stock is now {stock}.")).await;
                return Ok(
                    Redirect::to(&format!("/catalog/products/{product_id}#stock")).into_response(),
                );
            }
            None => errors.add(
                "change",
                format!(
                    "Only {} in stock; you cannot remove {}.",
                    variant.stock, -delta
                ),
            ),
        }
    }
    let mut page =
        ProductPage::load(&state, &user, Some(product), None, FormErrors::default()).await?;
    page.stock_errors = errors;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
