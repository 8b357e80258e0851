//! Upload and preview: the file is parsed and checked (nothing is written to the
//! catalogue), staged in batches, and shown a page of [`PAGE_SIZE`] products at a time.

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::store::{self, ImportStatus, StagedRow};
use super::{PAGE_SIZE, STAGE_BATCH, StagedProduct};
use crate::auth::Member;
use crate::auth::roles::EditCatalog;
use crate::catalog::csv_format::{self, ImportProduct, RowError};
use crate::catalog::settings;
use crate::error::{Error, Result};
use crate::money;
use crate::state::AppState;
use crate::web::{Layout, Section, render, render_status};

/// Largest CSV accepted: about 250,000 short rows.
const MAX_CSV_BYTES: usize = 8 * 1024 * 1024;
pub const UPLOAD_BODY_LIMIT: usize = MAX_CSV_BYTES + 64 * 1024;
/// Refused rows listed on the page; the rest are counted. A file with an error on every
/// row would otherwise make a page as large as the file.
const ERRORS_SHOWN: usize = 100;

/// One product of the preview table.
pub struct PreviewRow {
    pub row: i64,
    pub product: StagedProduct,
}

#[derive(Template)]
#[template(path = "catalog/import.html")]
struct ImportPage {
    layout: Layout,
    upload_action: String,
    /// The first [`ERRORS_SHOWN`] refused rows.
    errors: Vec<RowError>,
    /// How many rows were refused in all.
    invalid_rows: usize,
    preview: Vec<PreviewRow>,
    /// New products and the variant rows they come from, over the whole file.
    products: i64,
    variant_rows: i64,
    page: i64,
    pages: i64,
    token: String,
    file_error: String,
}

impl PreviewRow {
    fn price_text(&self) -> String {
        money::format(self.product.price, &self.product.currency)
    }
}

async fn import_page(user: &Member<EditCatalog>) -> ImportPage {
    let layout = Layout::dashboard(user, "Import products", Section::Catalog).await;
    ImportPage {
        upload_action: format!("/catalog/import?csrf_token={}", layout.csrf),
        layout,
        errors: Vec::new(),
        invalid_rows: 0,
        preview: Vec::new(),
        products: 0,
        variant_rows: 0,
        page: 1,
        pages: 1,
        token: String::new(),
        file_error: String::new(),
    }
}

fn refused(mut page: ImportPage, mut errors: Vec<RowError>) -> Response {
    errors.sort_by_key(|e| e.row);
    page.invalid_rows = errors.iter().map(|e| e.row).collect::<HashSet<_>>().len();
    errors.truncate(ERRORS_SHOWN);
    page.errors = errors;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `GET /catalog/import`
pub async fn form(user: Member<EditCatalog>) -> Response {
    render(&import_page(&user).await)
}

/// Parse the file (on a blocking thread: 100,000 rows are CPU work) and check it against
/// the shop's slugs and SKUs, read once; nothing is written.
async fn check(
    state: &AppState,
    user: &Member<EditCatalog>,
    data: Vec<u8>,
) -> Result<std::result::Result<Vec<ImportProduct>, Vec<RowError>>> {
    let pool = &state.db.pool;
    let settings = settings::get(pool, user.shop.id).await?;
    let shop = user.shop.clone();
    let parsed = tokio::task::spawn_blocking(move || csv_format::parse(&data, &shop, &settings))
        .await
        .map_err(anyhow::Error::from)?;
    let products = match parsed {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    let slugs: HashSet<String> = store::slugs(pool, user.shop.id)
        .await?
        .into_iter()
        .collect();
    let skus: HashSet<String> = store::skus(pool, user.shop.id).await?.into_iter().collect();
    let mut errors = Vec::new();
    for p in &products {
        if slugs.contains(&p.input.slug) {
            errors.push(RowError {
                row: p.row,
                message: format!(
                    "The shop already has a product at \u{201c}{}\u{201d}.",
                    p.input.slug
                ),
            });
        }
        let own = p
            .input
            .sku
            .iter()
            .chain(p.variants.iter().filter_map(|v| v.sku.as_ref()));
        for sku in own.filter(|s| skus.contains(*s)) {
            errors.push(RowError {
                row: p.row,
                message: format!("The shop already uses the SKU {sku}."),
            });
        }
    }
    Ok(if errors.is_empty() {
        Ok(products)
    } else {
        Err(errors)
    })
}

/// Stage every product in short INSERTs, after clearing this shop's earlier unconfirmed
/// previews (a new upload replaces them).
async fn stage(
    state: &AppState,
    user: &Member<EditCatalog>,
    products: &[ImportProduct],
) -> Result<String> {
    let pool = &state.db.pool;
    for old in store::abandoned(pool, user.shop.id).await? {
        while store::clear_rows(pool, old, 1_000).await? > 0 {}
        store::delete(pool, old).await?;
    }
    let token = crate::auth::tokens::random_token();
    let variant_rows: usize = products.iter().map(|p| p.variants.len()).sum();
    let id = store::create(
        pool,
        user.shop.id,
        user.id,
        &token,
        products.len() as i64,
        variant_rows as i64,
    )
    .await?;
    for (n, chunk) in products.chunks(STAGE_BATCH).enumerate() {
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Ok(StagedRow {
                    position: (n * STAGE_BATCH + i + 1) as i64,
                    row_number: p.row as i64,
                    product: serde_json::to_string(&StagedProduct::from(p))
                        .map_err(anyhow::Error::from)?,
                    product_id: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        store::stage(pool, id, &rows).await?;
    }
    Ok(token)
}

/// `POST /catalog/import?csrf_token=…` (multipart `file`): check, stage, first preview page.
pub async fn preview(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    mut multipart: Multipart,
) -> Result<Response> {
    let mut data = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        Error::PayloadTooLarge(format!(
            "The file is too large or the upload was cut short ({}).",
            e.body_text()
        ))
    })? {
        if field.name() == Some("file") {
            data = field
                .bytes()
                .await
                .map_err(|_| Error::PayloadTooLarge("Import at most 8 MB of CSV at once.".into()))?
                .to_vec();
        }
    }
    let mut page = import_page(&user).await;
    if data.is_empty() {
        page.file_error = "Choose a CSV file.".into();
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let products = match check(&state, &user, data).await? {
        Ok(products) => products,
        Err(errors) => return Ok(refused(page, errors)),
    };
    page.token = stage(&state, &user, &products).await?;
    page.products = products.len() as i64;
    page.variant_rows = products.iter().map(|p| p.variants.len() as i64).sum();
    page.pages = pages(page.products);
    page.preview = products
        .iter()
        .take(PAGE_SIZE as usize)
        .map(|p| PreviewRow {
            row: p.row as i64,
            product: StagedProduct::from(p),
        })
        .collect();
    Ok(render(&page))
}

fn pages(products: i64) -> i64 {
    ((products + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    page: i64,
}

/// `GET /catalog/import/{token}?page=N`: a preview page while the import waits for
/// confirmation, its progress once confirmed.
pub async fn show(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let import = store::by_token(pool, user.shop.id, &token)
        .await?
        .ok_or(Error::NotFound)?;
    if import.status != ImportStatus::Staged {
        return super::progress::page(&user, &import).await;
    }
    let mut page = import_page(&user).await;
    page.products = import.products;
    page.variant_rows = import.variant_rows;
    page.pages = pages(import.products);
    page.page = query.page.clamp(1, page.pages);
    let rows = store::page(pool, import.id, (page.page - 1) * PAGE_SIZE, PAGE_SIZE).await?;
    page.preview = rows
        .into_iter()
        .map(|r| {
            let product = serde_json::from_str(&r.product).map_err(anyhow::Error::from)?;
            Ok(PreviewRow {
                row: r.row_number,
                product,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    page.token = import.token;
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_round_up_and_never_reach_zero() {
        assert_eq!(super::pages(0), 1);
        assert_eq!(super::pages(100), 1);
        assert_eq!(super::pages(101), 2);
        assert_eq!(super::pages(100_000), 1_000);
    }
}
