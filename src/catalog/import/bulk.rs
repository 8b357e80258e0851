//! One batch planned in memory and written in a handful of multi-row statements
//! (`store::bulk`): the products, every variant their options make (the same rule as
//! `variants::apply_options`: combinations in order, SKUs derived from the base SKU
//! unless taken), the rows' own SKU, price and unlimited flag, the starting stock with its
//! ledger rows, and the search text `store::reindex` would compute.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;

use super::StagedProduct;
use super::store::StagedRow;
use super::store::bulk::{self, NewProduct, NewVariant};
use crate::catalog::store::ProductInput;
use crate::catalog::{domain, variants};

/// A variant before its product has an id: the index of its product in the batch.
struct PlannedVariant {
    product: usize,
    position: i64,
    title: String,
    sku: Option<String>,
    price_override: Option<i64>,
    unlimited: bool,
    stock: i64,
}

/// The variants of each product, one per combination of its options.
fn plan_variants(
    batch: &[(StagedRow, StagedProduct)],
    taken: &HashSet<String>,
) -> Vec<PlannedVariant> {
    let mut out = Vec::new();
    for (index, (_, p)) in batch.iter().enumerate() {
        let titles: Vec<String> = domain::combinations(&p.options)
            .iter()
            .map(|values| domain::variant_title(values))
            .collect();
        for (i, title) in titles.iter().enumerate() {
            let listed = p
                .variants
                .iter()
                .find(|v| domain::variant_title(&v.values) == *title);
            // Without options the one variant carries the product's SKU; with options a
            // SKU is derived from it, unless the shop already uses that one.
            let derived = match (&p.sku, title.is_empty()) {
                (Some(base), true) => Some(base.clone()),
                (Some(base), false) => {
                    Some(variants::derived_sku(base, title)).filter(|s| !taken.contains(s))
                }
                (None, _) => None,
            };
            out.push(PlannedVariant {
                product: index,
                position: i as i64 + 1,
                title: title.clone(),
                sku: listed.and_then(|v| v.sku.clone()).or(derived),
                price_override: listed.and_then(|v| v.price),
                unlimited: listed.is_some_and(|v| v.stock.is_none()),
                stock: listed.and_then(|v| v.stock).unwrap_or(0).max(0),
            });
        }
    }
    out
}

/// Title, tags and SKUs, lower-cased: what `store::reindex` writes for the dashboard search.
fn search_text(p: &ProductInput, variant_skus: &[&str]) -> String {
    let tags = p.tags.join(", ");
    let mut parts: Vec<&str> = vec![&p.title, &tags];
    parts.extend(p.sku.as_deref());
    parts.extend(variant_skus);
    parts.join(" | ").to_lowercase()
}

/// Write the batch's products inside `conn`'s transaction; returns (position, product id).
pub async fn write(
    conn: &mut AnyConnection,
    shop_id: i64,
    user_id: Option<i64>,
    batch: &[(StagedRow, StagedProduct)],
) -> sqlx::Result<Vec<(i64, i64)>> {
    let candidates: Vec<String> = batch
        .iter()
        .filter_map(|(_, p)| p.sku.as_ref().map(|base| (base, p)))
        .flat_map(|(base, p)| {
            domain::combinations(&p.options)
                .into_iter()
                .map(|values| domain::variant_title(&values))
                .filter(|t| !t.is_empty())
                .map(|t| variants::derived_sku(base, &t))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut taken: HashSet<String> = bulk::taken_skus(conn, shop_id, &candidates)
        .await?
        .into_iter()
        .collect();
    // A derived SKU must not take one another row of this batch names explicitly.
    for (_, p) in batch {
        taken.extend(p.sku.iter().cloned());
        taken.extend(p.variants.iter().filter_map(|v| v.sku.clone()));
    }
    let planned = plan_variants(batch, &taken);
    let inputs: Vec<ProductInput> = batch.iter().map(|(_, p)| p.input()).collect();
    let new_products: Vec<NewProduct<'_>> = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let skus: Vec<&str> = planned
                .iter()
                .filter(|v| v.product == index)
                .filter_map(|v| v.sku.as_deref())
                .collect();
            NewProduct {
                input,
                search_text: search_text(input, &skus),
            }
        })
        .collect();
    let ids: HashMap<String, i64> = bulk::insert_products(conn, shop_id, &new_products)
        .await?
        .into_iter()
        .map(|(id, slug)| (slug, id))
        .collect();
    let product_id = |index: usize| ids.get(&inputs[index].slug).copied().unwrap_or(0);
    let new_variants: Vec<NewVariant> = planned
        .iter()
        .map(|v| NewVariant {
            product_id: product_id(v.product),
            position: v.position,
            title: v.title.clone(),
            sku: v.sku.clone(),
            price_override: v.price_override,
            unlimited: v.unlimited,
            stock: if v.unlimited { 0 } else { v.stock },
        })
        .collect();
    let mut stock = Vec::new();
    for chunk in new_variants.chunks(super::BATCH_ROWS) {
        let inserted = bulk::insert_variants(conn, shop_id, chunk).await?;
        let by_key: HashMap<(i64, &str), i64> = inserted
            .iter()
            .map(|v| ((v.product_id, v.title.as_str()), v.id))
            .collect();
        for v in chunk.iter().filter(|v| v.stock > 0) {
            if let Some(id) = by_key.get(&(v.product_id, v.title.as_str())) {
                stock.push((v.product_id, *id, v.stock));
            }
        }
    }
    for chunk in stock.chunks(super::BATCH_ROWS) {
        bulk::insert_ledger(conn, shop_id, user_id, chunk).await?;
    }
    let applied: Vec<(i64, i64)> = batch
        .iter()
        .enumerate()
        .map(|(index, (row, _))| (row.position, product_id(index)))
        .collect();
    Ok(applied)
}
