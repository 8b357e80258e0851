//! CSV export, and import in two steps: upload shows a dry-run preview with every
//! row's errors and writes nothing; confirming writes the whole file in one
//! transaction, or nothing at all.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::csv_format::{self, HEADER, ImportProduct, RowError};
use super::inventory::{self, Change, Reason};
use super::{domain, settings, store, sync, variants};
use crate::auth::Member;
use crate::auth::roles::{EditCatalog, ViewCatalog};
use crate::error::{Error, Result};
use crate::money;
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render, render_status};

/// Largest CSV accepted: about 20,000 rows.
const MAX_CSV_BYTES: usize = 8 * 1024 * 1024;
pub const UPLOAD_BODY_LIMIT: usize = MAX_CSV_BYTES + 64 * 1024;

/// `GET /catalog/export.csv`
pub async fn export(State(state): State<AppState>, user: Member<ViewCatalog>) -> Result<Response> {
    let pool = &state.db.pool;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(e.into());
    out.write_record(HEADER).map_err(csv_err)?;
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
            out.write_record([
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
            ])
            .map_err(csv_err)?;
        }
    }
    let body = out
        .into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("csv: {e}")))?;
    let disposition = format!("attachment; filename=\"{}-catalogue.csv\"", user.shop.slug);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?,
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "catalog/import.html")]
struct ImportPage {
    layout: Layout,
    upload_action: String,
    errors: Vec<RowError>,
    preview: Vec<ImportProduct>,
    token: String,
    file_error: String,
}

impl ImportPage {
    fn price_text(&self, p: &ImportProduct) -> String {
        money::format(p.input.price, &p.input.currency)
    }
}

async fn import_page(user: &Member<EditCatalog>) -> ImportPage {
    let layout = Layout::dashboard(user, "Import products", Section::Catalog).await;
    ImportPage {
        upload_action: format!("/catalog/import?csrf_token={}", layout.csrf),
        layout,
        errors: Vec::new(),
        preview: Vec::new(),
        token: String::new(),
        file_error: String::new(),
    }
}

/// `GET /catalog/import`
pub async fn form(user: Member<EditCatalog>) -> Response {
    render(&import_page(&user).await)
}

/// Parse the file and check it against the shop; nothing is written.
async fn check(
    state: &AppState,
    user: &Member<EditCatalog>,
    data: &[u8],
) -> Result<Result<Vec<ImportProduct>, Vec<RowError>>> {
    let pool = &state.db.pool;
    let settings = settings::get(pool, user.shop.id).await?;
    let products = match csv_format::parse(data, &user.shop, &settings) {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = Vec::new();
    for p in &products {
        if store::slug_taken(pool, user.shop.id, &p.input.slug, 0).await? {
            errors.push(RowError {
                row: p.row,
                message: format!(
                    "The shop already has a product at \u{201c}{}\u{201d}.",
                    p.input.slug
                ),
            });
        }
        let skus = p
            .input
            .sku
            .iter()
            .chain(p.variants.iter().filter_map(|v| v.sku.as_ref()));
        for sku in skus {
            if store::sku_taken(pool, user.shop.id, sku, 0).await? {
                errors.push(RowError {
                    row: p.row,
                    message: format!("The shop already uses the SKU {sku}."),
                });
            }
        }
    }
    Ok(if errors.is_empty() {
        Ok(products)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    })
}

fn pending_path(state: &AppState, shop_id: i64, token: &str) -> Option<std::path::PathBuf> {
    token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        .then(|| {
            state
                .config
                .data_dir
                .join("imports")
                .join(format!("{shop_id}-{token}.csv"))
        })
        .filter(|_| !token.is_empty())
}

/// `POST /catalog/import?csrf_token=…` (multipart `file`): the dry-run preview.
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
    match check(&state, &user, &data).await? {
        Err(errors) => {
            page.errors = errors;
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Ok(products) => {
            let token = crate::auth::tokens::random_token();
            let path = pending_path(&state, user.shop.id, &token)
                .ok_or_else(|| anyhow::anyhow!("bad token"))?;
            tokio::fs::create_dir_all(path.parent().unwrap_or(&path))
                .await
                .map_err(anyhow::Error::from)?;
            tokio::fs::write(&path, &data)
                .await
                .map_err(anyhow::Error::from)?;
            page.preview = products;
            page.token = token;
            Ok(render(&page))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    token: String,
}

/// `POST /catalog/import/confirm`: write everything, or nothing.
pub async fn confirm(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    let path = pending_path(&state, user.shop.id, &form.token).ok_or(Error::NotFound)?;
    let data = tokio::fs::read(&path).await.map_err(|_| {
        Error::BadRequest("This preview has expired; upload the file again.".into())
    })?;
    let products = match check(&state, &user, &data).await? {
        Ok(p) => p,
        Err(errors) => {
            let mut page = import_page(&user).await;
            page.errors = errors;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let shop_id = user.shop.id;
    let mut tx = state.db.pool.begin().await?;
    for p in &products {
        let id = store::insert_product(&mut *tx, shop_id, &p.input).await?;
        variants::apply_options(
            &mut tx,
            shop_id,
            id,
            p.input.sku.as_deref(),
            &p.input.options,
        )
        .await?;
        let live = store::variants(&mut *tx, shop_id, id).await?;
        for v in &p.variants {
            let title = domain::variant_title(&v.values);
            let Some(target) = live.iter().find(|x| x.title == title) else {
                continue;
            };
            let sku = v.sku.clone().or(target.sku.clone());
            store::update_variant(
                &mut *tx,
                shop_id,
                target.id,
                sku.as_deref(),
                v.price,
                v.stock.is_none(),
            )
            .await?;
            if let Some(stock) = v.stock.filter(|s| *s > 0) {
                let change = Change {
                    shop_id,
                    variant_id: target.id,
                    delta: stock,
                    reason: Reason::Import,
                    note: "",
                    reference: None,
                    user_id: Some(user.id),
                };
                inventory::record(&mut tx, &change).await?;
            }
        }
        store::reindex(&mut tx, shop_id, id).await?;
        sync::mark_pending(&mut tx, shop_id, id).await?;
    }
    tx.commit().await?;
    tokio::fs::remove_file(&path).await.ok();
    sync::wake(&state);
    let n = products.len();
    flash(
        &user.session,
        "success",
        format!("Imported {n} product{}.", if n == 1 { "" } else { "s" }),
    )
    .await;
    Ok(Redirect::to("/catalog").into_response())
}
