//! The JSON API for BI tools, authenticated by a read-only API token (`ReportsToken`):
//! `GET /api/reports/streams?range=…|from=…&to=…` (the overview's KPI rows) and
//! `GET /api/reports/streams/{id}` (KPIs, product table, funnel, per-minute timeline,
//! sources). The numbers come from the functions the HTML pages call. Money is in minor
//! units beside `currency`, times ISO 8601 UTC, durations whole seconds, rates fractions.

pub mod store;
pub mod tokens;
pub mod tokens_page;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;
use serde_json::{Value, json};

use crate::db::now_ms;
use crate::error::{ApiError, Error};
use crate::reports::figures;
use crate::reports::figures::kpis::Kpis;
use crate::reports::figures::metrics::Rate;
use crate::reports::figures::store::StreamRow;
use crate::reports::overview::{self, Sort};
use crate::reports::sources::{self, Scope};
use crate::reports::stream::report;
use crate::state::AppState;
use tokens::ReportsToken;

/// One stream's headline figures (the same names as the KPI CSV, money `_minor`).
#[derive(Serialize)]
pub struct KpisJson {
    pub stream_id: i64,
    pub title: String,
    pub status: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub live_seconds: i64,
    pub unique_viewers: usize,
    pub peak_concurrent_viewers: i64,
    pub peak_at: Option<String>,
    pub watch_time_seconds: i64,
    pub average_watch_time_seconds: Option<i64>,
    pub engaged_viewers: usize,
    pub engagement_rate: Option<f64>,
    pub questions_asked: usize,
    pub questions_answered: usize,
    pub median_answer_seconds: Option<i64>,
    pub orders: usize,
    pub units: i64,
    pub revenue_minor: i64,
    pub average_order_value_minor: Option<i64>,
    pub buying_viewers: usize,
    pub conversion_rate: Option<f64>,
    pub refunds: usize,
    pub refunded_minor: i64,
    pub currency: String,
}

/// A rate as a number with four decimals, as the CSV writes it.
fn fraction(rate: Option<Rate>) -> Option<f64> {
    rate.and_then(|r| r.fraction().parse().ok())
}

pub fn kpis_json(s: &StreamRow, k: &Kpis, currency: &str) -> KpisJson {
    let secs = |ms: i64| ms / 1000;
    KpisJson {
        stream_id: s.id,
        title: s.title.clone(),
        status: s.status.to_string(),
        started_at: crate::time::iso(k.window.start),
        ended_at: s.ended_at.map(crate::time::iso),
        live_seconds: secs(k.window.duration_ms()),
        unique_viewers: k.unique_viewers,
        peak_concurrent_viewers: k.peak_viewers,
        peak_at: k.peak_at.map(crate::time::iso),
        watch_time_seconds: secs(k.watch_time_ms),
        average_watch_time_seconds: k.average_watch_time_ms.map(secs),
        engaged_viewers: k.engaged_viewers,
        engagement_rate: fraction(k.engagement_rate),
        questions_asked: k.questions_asked,
        questions_answered: k.questions_answered,
        median_answer_seconds: k.median_answer_ms.map(secs),
        orders: k.orders,
        units: k.units,
        revenue_minor: k.revenue,
        average_order_value_minor: k.average_order_value,
        buying_viewers: k.buying_viewers,
        conversion_rate: fraction(k.conversion_rate),
        refunds: k.refunds,
        refunded_minor: k.refunded_amount,
        currency: currency.to_string(),
    }
}

/// `GET /api/reports/streams`: the streams that went live in the range, latest first
/// (or as `sort`/`dir` ask, like the overview).
pub async fn streams(
    State(state): State<AppState>,
    token: ReportsToken,
    Query(sort): Query<Sort>,
) -> Result<Json<Value>, ApiError> {
    let shop = &token.shop;
    let now = now_ms();
    let range = sort.resolve(shop, now).map_err(Error::BadRequest)?;
    let rows = overview::kpis_in(&state.db.pool, shop.id, &range, &sort, now).await?;
    let streams: Vec<KpisJson> = rows
        .iter()
        .map(|(s, k)| kpis_json(s, k, &shop.currency))
        .collect();
    Ok(Json(json!({
        "from": range.from.to_string(),
        "to": range.to.to_string(),
        "time_zone": shop.time_zone,
        "currency": shop.currency,
        "streams": streams,
    })))
}

/// `GET /api/reports/streams/{id}`: another shop's stream (or an unknown id) is 404.
pub async fn stream(
    State(state): State<AppState>,
    token: ReportsToken,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let (db, shop) = (&state.db.pool, &token.shop);
    let stream = figures::store::stream(db, shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let now = now_ms();
    let report = report::load(db, shop.id, &stream, now).await?;
    let (kpis, products, funnel, minutes) = match report {
        Some(r) => (Some(r.kpis), r.products, Some(r.funnel), r.minutes),
        None => (None, Vec::new(), None, Vec::new()),
    };
    let timeline: Vec<Value> = minutes
        .into_iter()
        .map(|m| {
            let mut v = json!(m);
            v["starts_at"] = json!(crate::time::iso(m.start));
            v
        })
        .collect();
    let sources = sources::split(db, shop.id, Scope::Stream(id), now).await?;
    let sources: Vec<Value> = sources
        .into_iter()
        .map(|s| {
            let conversion = fraction(s.conversion_rate());
            let mut v = json!(s);
            v["conversion_rate"] = json!(conversion);
            v
        })
        .collect();
    let auctions = crate::reports::exports::auctions::summaries(db, shop.id, id).await?;
    let coupons = crate::reports::exports::coupons::summaries(db, id).await?;
    let giveaways = crate::reports::exports::giveaways::summaries(db, id).await?;
    Ok(Json(json!({
        "stream": {
            "id": stream.id,
            "title": stream.title,
            "status": stream.status,
            "scheduled_at": crate::time::iso(stream.scheduled_at),
        },
        "currency": shop.currency,
        "time_zone": shop.time_zone,
        "kpis": kpis.as_ref().map(|k| kpis_json(&stream, k, &shop.currency)),
        "products": products,
        "funnel": funnel,
        "timeline": timeline,
        "sources": sources,
        "auctions": auctions,
        "coupons": coupons,
        "giveaways": giveaways,
    })))
}
