//! `GET /catalog/export.csv`: the catalogue as the import reads it, one row per variant,
//! through the shared writer (`web::csv`), which neutralises formula-like cells such as a
//! title typed as `=HYPERLINK(…)`; the import restores them, so the round trip is exact.
//! The import itself (staged, batched, paged preview) lives in `catalog::import`.

use axum::extract::State;
use axum::response::Response;

use super::csv_format::HEADER;
use super::store;
use crate::auth::Member;
use crate::auth::roles::ViewCatalog;
use crate::error::Result;
use crate::money;
use crate::state::AppState;
use crate::web::csv::CsvWriter;

pub use super::import::{UPLOAD_BODY_LIMIT, confirm, form, preview};

/// `GET /catalog/export.csv`
pub async fn export(State(state): State<AppState>, user: Member<ViewCatalog>) -> Result<Response> {
    let pool = &state.db.pool;
    let mut out = CsvWriter::with_header(&HEADER)?;
    for p in store::all_products(pool, user.shop.id).await? {
        let options = p.options();
        for v in store::variants(pool, user.shop.id, p.id).await? {
            let values: Vec<&str> = if v.title.is_empty() {
                Vec::new()
            } else {
                v.title.split(" / ").collect()
            };
            let opt = |i: usize| {
                (
                    options.get(i).map(|o| o.name.clone()).unwrap_or_default(),
                    values.get(i).copied().unwrap_or("").to_string(),
                )
            };
            let (o1, o2, o3) = (opt(0), opt(1), opt(2));
            out.row([
                p.slug.clone(),
                p.title.clone(),
                p.description.clone(),
                p.status.as_str().to_string(),
                money::decimal(p.price, &p.currency),
                p.compare_at_price
                    .map(|c| money::decimal(c, &p.currency))
                    .unwrap_or_default(),
                p.currency.clone(),
                p.sku.clone().unwrap_or_default(),
                p.tags.clone(),
                o1.0,
                o1.1,
                o2.0,
                o2.1,
                o3.0,
                o3.1,
                v.sku.clone().unwrap_or_default(),
                v.price_override
                    .map(|c| money::decimal(c, &p.currency))
                    .unwrap_or_default(),
                if v.unlimited {
                    "unlimited".into()
                } else {
                    v.stock.to_string()
                },
            ])?;
        }
    }
    Ok(out.into_attachment(&format!("{}-catalogue.csv", user.shop.slug))?)
}
