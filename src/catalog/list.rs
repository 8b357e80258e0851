//! The catalogue list: search by title, SKU or tag, filter by status, sort, 50 a page,
//! with stock and price at a glance. The query is `store::list`; this file turns the
//! merchant's query string into its filter and sort, and the rows into the page.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::domain::{Status, SyncState};
use super::settings;
use super::store;
use super::store::list::{Filter, Row, Shown, Sort};
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
        self.status.badge()
    }
    /// The status as stored ("active"), which is also what the list shows.
    pub fn status_text(&self) -> &'static str {
        self.status.as_str()
    }
    pub fn sync_failed(&self) -> bool {
        self.sync_state == SyncState::Failed
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
    // Unknown values fall back to the defaults and are cleared, so the tabs, the sort
    // menu and the page links show what the list actually did.
    let shown = match query.status.as_str() {
        "all" => Shown::All,
        typed => match Status::ALL.into_iter().find(|s| s.as_str() == typed) {
            Some(status) => Shown::Only(status),
            None => {
                query.status.clear();
                Shown::Current
            }
        },
    };
    let sort = match query.sort.as_str() {
        "title" => Sort::Title,
        "price" => Sort::Price,
        "price_desc" => Sort::PriceDesc,
        "stock" => Sort::Stock,
        _ => {
            query.sort.clear();
            Sort::Updated
        }
    };
    let filter = Filter {
        shown,
        needle: query.q.trim().to_lowercase(),
    };
    let total = store::list::count(pool, shop_id, &filter).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows = store::list::page(
        pool,
        shop_id,
        &filter,
        sort,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
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
