//! `GET /orders`: the merchant's orders, newest first, with the filter bar; and
//! `GET /orders/live.json`, what changed since a moment under the same filters, which
//! `static/orders.js` polls so new and changed orders appear on an open page.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::domain::OrderStatus;
use super::filters::Filters;
use super::store::{self, Order};
use crate::auth::Member;
use crate::auth::roles::ViewOrders;
use crate::error::Result;
use crate::state::AppState;
use crate::web::{Layout, Section, render, render_status};

/// One order as the list shows it (the page's rows and the live feed's JSON alike).
#[derive(Debug, Serialize)]
pub struct OrderRow {
    pub number: String,
    pub url: String,
    pub created: String,
    pub status: &'static str,
    pub status_code: &'static str,
    /// The first item's title, "and 2 more" when the order has more lines.
    pub item: String,
    pub customer: String,
    pub email: String,
    pub stream: String,
    pub total: String,
    pub attention: bool,
    pub updated_at: i64,
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<OrderRow>,
    filters: Filters,
    statuses: Vec<(&'static str, &'static str)>,
    streams: Vec<(i64, String)>,
    errors: Vec<String>,
    export_url: String,
    /// The live feed's address with these filters (the script adds `since`).
    live_url: String,
    /// Where the live feed starts: the moment this page was read.
    cursor: i64,
    script: &'static str,
    filtered: bool,
}

/// The list's item column: the first line and how many more.
fn item(items: &HashMap<i64, (String, i64)>, order: &Order) -> String {
    match items.get(&order.id) {
        None => "—".into(),
        Some((title, 1)) => title.clone(),
        Some((title, n)) => format!("{title} and {} more", n - 1),
    }
}

pub fn row(
    order: &Order,
    streams: &[(i64, String)],
    items: &HashMap<i64, (String, i64)>,
    zone: &jiff::tz::TimeZone,
) -> OrderRow {
    let status = order.status();
    OrderRow {
        number: order.number.clone(),
        url: format!("/orders/{}", order.number),
        created: crate::time::date_time(order.created_at, zone),
        status: status.label(),
        status_code: status.as_str(),
        item: item(items, order),
        customer: order.customer_name.clone(),
        email: order.email.clone(),
        stream: order
            .stream_id
            .and_then(|id| streams.iter().find(|(s, _)| *s == id))
            .map(|(_, t)| t.clone())
            .unwrap_or_default(),
        total: order.total.to_string(),
        attention: !order.attention.is_empty(),
        updated_at: order.updated_at,
    }
}

/// The shop's streams (id, title) for the filter and the order rows.
pub async fn streams(db: &sqlx::AnyPool, shop_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    store::stream_titles(db, shop_id).await
}

async fn rows(
    state: &AppState,
    shop_id: i64,
    zone: &str,
    orders: &[Order],
) -> Result<Vec<OrderRow>> {
    let streams = streams(&state.db.pool, shop_id).await?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let items = store::first_items(&state.db.pool, shop_id, &ids).await?;
    let zone = crate::time::zone(zone);
    Ok(orders
        .iter()
        .map(|o| row(o, &streams, &items, &zone))
        .collect())
}

pub async fn list(
    State(state): State<AppState>,
    user: Member<ViewOrders>,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let cursor = crate::db::now_ms();
    let zone = &user.shop.time_zone;
    let (rows, errors) = match filters.orders(&state.db.pool, user.shop.id, zone).await {
        Ok(orders) => (rows(&state, user.shop.id, zone, &orders).await?, Vec::new()),
        Err(errors) => (Vec::new(), errors),
    };
    let query = filters.query_string();
    let page = ListPage {
        layout: Layout::dashboard(&user, "Orders", Section::Orders).await,
        rows,
        export_url: format!("/orders/export.csv?{query}"),
        live_url: format!("/orders/live.json?{query}"),
        cursor,
        script: crate::web::assets::url("orders.js"),
        filtered: filters.any(),
        filters,
        statuses: OrderStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        streams: streams(&state.db.pool, user.shop.id).await?,
        errors,
    };
    if page.errors.is_empty() {
        Ok(render(&page))
    } else {
        Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Since {
    since: i64,
}

/// A change can commit a little after the instant it wrote as `updated_at` (its
/// transaction was still open when the previous poll read): each poll looks this far
/// behind its cursor, and the script skips what it has already shown.
const OVERLAP_MS: i64 = 10_000;

/// `GET /orders/live.json?{filters}&since=ms`: the orders under these filters changed
/// since `since` (newest first), and the cursor for the next poll.
pub async fn live(
    State(state): State<AppState>,
    user: Member<ViewOrders>,
    Query(filters): Query<Filters>,
    Query(Since { since }): Query<Since>,
) -> Result<Response> {
    let cursor = crate::db::now_ms();
    let zone = &user.shop.time_zone;
    let mut query = match filters.parse(zone) {
        Ok(query) => query,
        Err(errors) => {
            let body = Json(json!({"error": errors.join(" ")}));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    query.changed_since = Some(since.saturating_sub(OVERLAP_MS).max(0));
    let orders = store::filtered(&state.db.pool, user.shop.id, &query, 100).await?;
    let rows = rows(&state, user.shop.id, zone, &orders).await?;
    Ok(Json(json!({"cursor": cursor, "rows": rows})).into_response())
}
