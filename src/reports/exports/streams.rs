//! CSV exports with stable column names: the KPIs of every reported stream
//! (`/reports/streams.csv`) or of one (`/reports/streams/{id}/kpis.csv`), and a
//! stream's per-minute timeline (`/reports/streams/{id}/timeline.csv`). Money is a
//! plain decimal beside its currency, durations whole seconds, rates fractions.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::csv_out::csv_response;
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::money;
use crate::reports::figures::kpis::Kpis;
use crate::reports::figures::store::{self, StreamRow};
use crate::reports::overview::{Sort, list_kpis};
use crate::reports::stream::report::{self as stream_report, StreamReport};
use crate::state::AppState;

pub const KPI_COLUMNS: [&str; 26] = [
    "stream_id",
    "title",
    "status",
    "started_at",
    "ended_at",
    "live_seconds",
    "unique_viewers",
    "peak_concurrent_viewers",
    "peak_at",
    "watch_time_seconds",
    "average_watch_time_seconds",
    "engaged_viewers",
    "engagement_rate",
    "questions_asked",
    "questions_answered",
    "median_answer_seconds",
    "orders",
    "units",
    "revenue",
    "average_order_value",
    "currency",
    "buying_viewers",
    "conversion_rate",
    "refunds",
    "refunded_amount",
    "time_zone",
];

pub const TIMELINE_COLUMNS: [&str; 6] = [
    "minute",
    "starts_at",
    "concurrent_viewers",
    "orders",
    "reactions",
    "reaction_spike",
];

fn kpi_row(s: &StreamRow, k: &Kpis, currency: &str, tz: &str) -> Vec<String> {
    let secs = |ms: i64| (ms / 1000).to_string();
    let opt = |v: Option<String>| v.unwrap_or_default();
    let m = |v: i64| money::decimal(v, currency);
    vec![
        s.id.to_string(),
        s.title.clone(),
        s.status.to_string(),
        crate::time::iso(k.window.start),
        opt(s.ended_at.map(crate::time::iso)),
        secs(k.window.duration_ms()),
        k.unique_viewers.to_string(),
        k.peak_viewers.to_string(),
        opt(k.peak_at.map(crate::time::iso)),
        secs(k.watch_time_ms),
        opt(k.average_watch_time_ms.map(secs)),
        k.engaged_viewers.to_string(),
        opt(k.engagement_rate.map(|r| r.fraction())),
        k.questions_asked.to_string(),
        k.questions_answered.to_string(),
        opt(k.median_answer_ms.map(secs)),
        k.orders.to_string(),
        k.units.to_string(),
        m(k.revenue),
        opt(k.average_order_value.map(m)),
        currency.to_string(),
        k.buying_viewers.to_string(),
        opt(k.conversion_rate.map(|r| r.fraction())),
        k.refunds.to_string(),
        m(k.refunded_amount),
        tz.to_string(),
    ]
}

/// `GET /reports/streams.csv`: one row per reported stream, in the list's order.
pub async fn streams(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Query(sort): Query<Sort>,
) -> Result<Response> {
    let rows = list_kpis(&state.db.pool, &user.shop, &sort)
        .await?
        .iter()
        .map(|(s, k)| kpi_row(s, k, &user.shop.currency, &user.shop.time_zone))
        .collect();
    csv_response("streams.csv", &KPI_COLUMNS, rows)
}

/// The shop's stream `id` (another shop's is a 404) and its report (`None` before go-live).
async fn report_of(
    state: &AppState,
    user: &Member<ViewReports>,
    id: i64,
) -> Result<(StreamRow, Option<StreamReport>)> {
    let db = &state.db.pool;
    let stream = store::stream(db, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let report = stream_report::load(db, user.shop.id, &stream, now_ms()).await?;
    Ok((stream, report))
}

/// `GET /reports/streams/{id}/kpis.csv`: the header alone while the stream is scheduled.
pub async fn kpis(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (stream, report) = report_of(&state, &user, id).await?;
    let rows = report
        .map(|r| kpi_row(&stream, &r.kpis, &user.shop.currency, &user.shop.time_zone))
        .into_iter()
        .collect();
    csv_response(&format!("stream-{id}-kpis.csv"), &KPI_COLUMNS, rows)
}

/// `GET /reports/streams/{id}/timeline.csv`: one row per minute of the live window.
pub async fn timeline(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (_, report) = report_of(&state, &user, id).await?;
    let rows = report
        .map(|r| r.minutes)
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            vec![
                m.index.to_string(),
                crate::time::iso(m.start),
                m.viewers.to_string(),
                m.orders.to_string(),
                m.reactions.to_string(),
                u8::from(m.spike).to_string(),
            ]
        })
        .collect();
    csv_response(
        &format!("stream-{id}-timeline.csv"),
        &TIMELINE_COLUMNS,
        rows,
    )
}

pub const PRODUCT_COLUMNS: [&str; 13] = [
    "product_id",
    "title",
    "pinned_seconds",
    "impressions",
    "clicks",
    "click_through_rate",
    "buy_taps",
    "checkouts_started",
    "orders",
    "units",
    "revenue",
    "currency",
    "stream_id",
];

/// `GET /reports/streams/{id}/products.csv`: the product table, one row per product pinned.
pub async fn products(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (_, report) = report_of(&state, &user, id).await?;
    let currency = &user.shop.currency;
    let rows = match report {
        Some(r) => r
            .products
            .into_iter()
            .map(|p| {
                vec![
                    p.product_id.to_string(),
                    p.title.clone(),
                    (p.pinned_ms / 1000).to_string(),
                    p.impressions.to_string(),
                    p.clicks.to_string(),
                    p.click_through().map(|r| r.fraction()).unwrap_or_default(),
                    p.buy_taps.to_string(),
                    p.checkouts.to_string(),
                    p.orders.to_string(),
                    p.units.to_string(),
                    money::decimal(p.revenue, currency),
                    currency.clone(),
                    id.to_string(),
                ]
            })
            .collect(),
        None => Vec::new(),
    };
    csv_response(&format!("stream-{id}-products.csv"), &PRODUCT_COLUMNS, rows)
}
