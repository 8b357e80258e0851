//! Variants from options: saving a product turns its options into one variant per
//! combination, keeping the variants (and their stock, SKUs, history) whose
//! combination survives; and the per-variant form (SKU, price override, unlimited).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::AnyConnection;

use super::domain::{self, ProductOption};
use super::store::{self, Variant};
use super::{page, sync};
use crate::auth::Member;
use crate::auth::roles::EditCatalog;
use crate::db::OnConstraint;
use crate::error::{Error, FormErrors, Result};
use crate::money;
use crate::state::AppState;
use crate::web::flash;

/// Make the product's live variants match `options`; returns the ids of new variants.
/// A product going from no options to options keeps its default variant (and its
/// stock) as the first combination, and the reverse.
pub async fn apply_options(
    conn: &mut AnyConnection,
    shop_id: i64,
    product_id: i64,
    base_sku: Option<&str>,
    options: &[ProductOption],
) -> sqlx::Result<Vec<i64>> {
    let existing = store::variants(&mut *conn, shop_id, product_id).await?;
    let titles: Vec<String> = domain::combinations(options)
        .iter()
        .map(|values| domain::variant_title(values))
        .collect();
    let mut by_title: HashMap<String, &Variant> =
        existing.iter().map(|v| (v.title.clone(), v)).collect();
    let carried = match existing.first() {
        Some(first) if !titles.iter().any(|t| by_title.contains_key(t)) => Some(first),
        _ => None,
    };
    if let Some(first) = carried {
        by_title.retain(|_, v| v.id != first.id);
        by_title.insert(titles[0].clone(), first);
    }
    let mut kept = Vec::new();
    let mut created = Vec::new();
    for (i, title) in titles.iter().enumerate() {
        let position = i as i64 + 1;
        match by_title.get(title) {
            Some(v) => {
                store::place_variant(&mut *conn, shop_id, v.id, position, title).await?;
                kept.push(v.id);
            }
            None => {
                let sku = match base_sku {
                    Some(base) => {
                        let candidate = derived_sku(base, title);
                        (!store::sku_taken(&mut *conn, shop_id, &candidate, 0).await?)
                            .then_some(candidate)
                    }
                    None => None,
                };
                let id = store::insert_variant(
                    &mut *conn,
                    shop_id,
                    product_id,
                    position,
                    title,
                    sku.as_deref(),
                    false,
                )
                .await?;
                created.push(id);
            }
        }
    }
    for v in &existing {
        if !kept.contains(&v.id) {
            store::remove_variant(&mut *conn, shop_id, v.id).await?;
        }
    }
    // Without options the one variant carries the product's SKU.
    if titles == [""] {
        let live = store::variants(&mut *conn, shop_id, product_id).await?;
        if let Some(v) = live.first() {
            store::update_variant(
                &mut *conn,
                shop_id,
                v.id,
                base_sku,
                v.price_override,
                v.unlimited,
            )
            .await?;
        }
    }
    Ok(created)
}

/// "TEE" + "M / Navy Blue" → "TEE-M-NAVY-BLUE".
pub fn derived_sku(base: &str, title: &str) -> String {
    if title.is_empty() {
        return base.to_string();
    }
    let suffix: String = title
        .split(" / ")
        .map(|part| {
            part.to_uppercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-");
    let mut sku = format!("{base}-{suffix}");
    while sku.contains("--") {
        sku = sku.replace("--", "-");
    }
    sku.chars().take(64).collect()
}

/// `POST /catalog/products/{id}/variants`: fields `sku_<id>`, `price_<id>`, `unlimited_<id>`.
pub async fn save(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(product_id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop_id = user.shop.id;
    let product = store::product(pool, shop_id, product_id)
        .await?
        .ok_or(Error::NotFound)?;
    let variants = store::variants(pool, shop_id, product_id).await?;
    let field = |name: String| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut errors = FormErrors::default();
    let mut updates = Vec::new();
    for v in &variants {
        let sku = domain::sku(field(format!("sku_{}", v.id)).unwrap_or(""));
        let price = match field(format!("price_{}", v.id)).unwrap_or("").trim() {
            "" => Ok(None),
            text => money::parse(text, &product.currency).map(Some),
        };
        let unlimited = field(format!("unlimited_{}", v.id)).is_some();
        match (sku, price) {
            (Ok(sku), Ok(price)) => updates.push((v.id, sku, price, unlimited)),
            (Err(e), _) => errors.add("variants", format!("{}: {e}", label(v))),
            (_, Err(e)) => errors.add("variants", format!("{}: {e}", label(v))),
        }
    }
    if errors.is_empty() {
        let mut tx = pool.begin().await?;
        let mut failed = None;
        for (id, sku, price, unlimited) in &updates {
            let saved =
                store::update_variant(&mut *tx, shop_id, *id, sku.as_deref(), *price, *unlimited)
                    .await
                    .on_unique("variants", "sku")?;
            if saved.is_none() {
                failed = sku.clone();
                break;
            }
        }
        if let Some(sku) = failed {
            errors.add(
                "variants",
                format!("Another variant in this shop has the SKU {sku}."),
            );
        } else {
            store::bump_revision(&mut *tx, shop_id, product_id).await?;
            store::reindex(&mut tx, shop_id, product_id).await?;
            sync::mark_pending(&mut tx, shop_id, product_id).await?;
            tx.commit().await?;
            sync::wake(&state);
            flash(&user.session, "success", "Variants saved.").await;
            return Ok(
                Redirect::to(&format!("/catalog/products/{product_id}#variants")).into_response(),
            );
        }
    }
    let mut page =
        page::ProductPage::load(&state, &user, Some(product), None, FormErrors::default()).await?;
    page.variant_errors = errors;
    page.keep_variant_input(&fields);
    Ok(crate::web::render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
    ))
}

fn label(v: &Variant) -> String {
    if v.title.is_empty() {
        "Default variant".into()
    } else {
        v.title.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_derive_from_the_base_and_option_values() {
        assert_eq!(derived_sku("TEE", "M / Navy Blue"), "TEE-M-NAVY-BLUE");
        assert_eq!(derived_sku("TEE", ""), "TEE");
        assert_eq!(derived_sku("TEE", "Ø 30 cm"), "TEE-30-CM");
    }
}
