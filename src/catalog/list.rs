//! The catalogue list: search by title, SKU or tag, filter by status, sort, 50 a page,
//! with stock and price at a glance. Queries stay on indexed columns of one shop.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sqlx::FromRow;

use super::settings;
use crate::auth::Member;
use crate::auth::roles::{EditCatalog, ViewCatalog};
use crate::error::Result;
use crate::money;
use crate::state::AppState;
use crate::web::{Layout, Section, render};

pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    /// "" (draft and active), active, draft, archived, all.
    pub status: String,
    /// updated, title, price, price_desc, stock.
    pub sort: String,
    pub page: Option<i64>,
}

#[derive(Debug, FromRow)]
pub struct Row {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub sku: Option<String>,
    pub status: String,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub currency: String,
    pub sync_state: String,
    pub stock: i64,
    pub min_stock: Option<i64>,
    pub variant_count: i64,
    pub unlimited_count: i64,
    pub thumb: Option<String>,
}

impl Row {
    pub fn price_text(&self) -> String {
        money::format(self.price, &self.currency)
    }
    pub fn was_text(&self) -> String {
        self.compare_at_price
            .map(|c| money::format(c, &self.currency))
            .unwrap_or_default()
    }
    pub fn thumb_url(&self) -> String {
        self.thumb
            .as_deref()
            .map(super::images::url)
            .unwrap_or_default()
    }
    pub fn status_badge(&self) -> &'static str {
        match self.status.as_str() {
            "active" => "badge-success",
            "archived" => "badge-muted",
            _ => "badge-warning",
        }
    }
    /// sold_out, variant_sold_out, low or "".
    pub fn stock_flag(&self, threshold: &i64) -> &'static str {
        match self.min_stock {
            Some(0) if self.stock == 0 => "sold_out",
            Some(0) => "variant_sold_out",
            Some(n) if n <= *threshold => "low",
            _ => "",
        }
    }
    pub fn unlimited(&self) -> bool {
        self.unlimited_count > 0 && self.unlimited_count == self.variant_count
    }
}

#[derive(Template)]
#[template(path = "catalog/list.html")]
struct ListPage {
    layout: Layout,
    query: ListQuery,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    can_edit: bool,
    low_stock_threshold: i64,
    tabs: Vec<(&'static str, &'static str)>,
    sorts: Vec<(&'static str, &'static str)>,
}

impl ListPage {
    /// The list URL with the current search, filter and sort, at `page`.
    fn page_url(&self, page: i64) -> String {
        let query = serde_urlencoded::to_string([
            ("q", self.query.q.as_str()),
            ("status", self.query.status.as_str()),
            ("sort", self.query.sort.as_str()),
            ("page", &page.to_string()),
        ])
        .unwrap_or_default();
        format!("/catalog?{query}")
    }
    fn tab_url(&self, status: &str) -> String {
        let query = serde_urlencoded::to_string([
            ("q", self.query.q.as_str()),
            ("status", status),
            ("sort", self.query.sort.as_str()),
        ])
        .unwrap_or_default();
        format!("/catalog?{query}")
    }
}

/// `GET /catalog`
pub async fn list(
    State(state): State<AppState>,
    user: Member<ViewCatalog>,
    Query(mut query): Query<ListQuery>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop_id = user.shop.id;
    let mut filters = String::from("p.shop_id = $1");
    match query.status.as_str() {
        "active" | "draft" | "archived" => filters.push_str(" AND p.status = $2"),
        "all" => filters.push_str(" AND $2 = $2"),
        _ => {
            query.status.clear();
            filters.push_str(" AND p.status <> 'archived' AND $2 = $2");
        }
    }
    let needle = query.q.trim().to_lowercase();
    filters.push_str(" AND p.search_text LIKE $3 ESCAPE '\\'");
    let pattern = format!("%{}%", escape_like(&needle));
    let order = match query.sort.as_str() {
        "title" => "p.title ASC, p.id ASC",
        "price" => "p.price ASC, p.id ASC",
        "price_desc" => "p.price DESC, p.id DESC",
        "stock" => "stock ASC, p.id ASC",
        _ => {
            query.sort.clear();
            "p.updated_at DESC, p.id DESC"
        }
    };
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM products p WHERE {filters}"))
            .bind(shop_id)
            .bind(query.status.as_str())
            .bind(&pattern)
            .fetch_one(pool)
            .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT p.id, p.title, p.slug, p.sku, p.status, p.price, p.compare_at_price, p.currency, p.sync_state, \
         (SELECT CAST(COALESCE(SUM(v.stock), 0) AS BIGINT) FROM variants v \
            WHERE v.product_id = p.id AND v.removed_at IS NULL AND v.unlimited = $4) AS stock, \
         (SELECT MIN(v.stock) FROM variants v \
            WHERE v.product_id = p.id AND v.removed_at IS NULL AND v.unlimited = $4) AS min_stock, \
         (SELECT COUNT(*) FROM variants v WHERE v.product_id = p.id AND v.removed_at IS NULL) AS variant_count, \
         (SELECT COUNT(*) FROM variants v \
            WHERE v.product_id = p.id AND v.removed_at IS NULL AND v.unlimited = $5) AS unlimited_count, \
         (SELECT i.thumb_file FROM product_images i WHERE i.product_id = p.id \
            ORDER BY i.position, i.id LIMIT 1) AS thumb \
         FROM products p WHERE {filters} ORDER BY {order} LIMIT $6 OFFSET $7"
    ))
    .bind(shop_id)
    .bind(query.status.as_str())
    .bind(&pattern)
    .bind(false)
    .bind(true)
    .bind(PAGE_SIZE)
    .bind((page - 1) * PAGE_SIZE)
    .fetch_all(pool)
    .await?;
    let settings = settings::get(pool, shop_id).await?;
    let page = ListPage {
        layout: Layout::dashboard(&user, "Catalogue", Section::Catalog).await,
        query,
        rows,
        total,
        page,
        pages,
        can_edit: user.can::<EditCatalog>(),
        low_stock_threshold: settings.low_stock_threshold,
        tabs: vec![
            ("", "Current"),
            ("active", "Active"),
            ("draft", "Drafts"),
            ("archived", "Archived"),
            ("all", "All"),
        ],
        sorts: vec![
            ("", "Recently updated"),
            ("title", "Title A–Z"),
            ("price", "Price, low to high"),
            ("price_desc", "Price, high to low"),
            ("stock", "Lowest stock first"),
        ],
    };
    Ok(render(&page))
}

/// `%` and `_` typed in the search box are literal characters, not wildcards.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
