//! `GET /orders`: the merchant's orders, newest first, with filters.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::domain::OrderStatus;
use super::filters::Filters;
use super::store::{self, Order};
use crate::auth::Member;
use crate::auth::roles::ViewOrders;
use crate::error::Result;
use crate::state::AppState;
use crate::web::{Layout, Section, render, render_status};

pub struct OrderRow {
    pub number: String,
    pub created: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub email: String,
    pub stream: String,
    pub total: String,
    pub attention: bool,
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
    filtered: bool,
}

pub fn row(order: &Order, streams: &[(i64, String)], zone: &jiff::tz::TimeZone) -> OrderRow {
    let status = order.status();
    OrderRow {
        number: order.number.clone(),
        created: crate::time::date_time(order.created_at, zone),
        status: status.label(),
        status_code: status.as_str(),
        email: order.email.clone(),
        stream: order
            .stream_id
            .and_then(|id| streams.iter().find(|(s, _)| *s == id))
            .map(|(_, t)| t.clone())
            .unwrap_or_default(),
        total: order.total.to_string(),
        attention: !order.attention.is_empty(),
    }
}

/// The shop's streams (id, title) for the filter and the order rows.
pub async fn streams(db: &sqlx::AnyPool, shop_id: i64) -> sqlx::Result<Vec<(i64, String)>> {
    store::stream_titles(db, shop_id).await
}

pub async fn list(
    State(state): State<AppState>,
    user: Member<ViewOrders>,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let streams = streams(&state.db.pool, user.shop.id).await?;
    let zone = crate::time::zone(&user.shop.time_zone);
    let (rows, errors) = match filters
        .orders(&state.db.pool, user.shop.id, &user.shop.time_zone)
        .await
    {
        Ok(orders) => (
            orders.iter().map(|o| row(o, &streams, &zone)).collect(),
            Vec::new(),
        ),
        Err(errors) => (Vec::new(), errors),
    };
    let page = ListPage {
        layout: Layout::dashboard(&user, "Orders", Section::Orders).await,
        rows,
        export_url: format!("/orders/export.csv?{}", filters.query_string()),
        filtered: filters.any(),
        filters,
        statuses: OrderStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        streams,
        errors,
    };
    if page.errors.is_empty() {
        Ok(render(&page))
    } else {
        Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
    }
}
