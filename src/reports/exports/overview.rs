//! CSV for the overview's tables, for the range in the query (as `/reports` shows it):
//! `/reports/products.csv`, `/reports/slots.csv`, `/reports/sources.csv`. Column names
//! are stable (docs/metrics.md, "Exports"); money is minor units beside its currency.

use axum::extract::{Query, State};
use axum::response::Response;

use super::csv_out::csv_response;
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::reports::overview::range::Range;
use crate::reports::overview::slots;
use crate::reports::overview::top_products::top_products;
use crate::reports::overview::{self, Sort};
use crate::reports::sources::{self, Scope};
use crate::state::AppState;

pub const PRODUCT_COLUMNS: [&str; 7] = [
    "product_id",
    "title",
    "units",
    "revenue_minor",
    "currency",
    "orders",
    "streams_pinned",
];

pub const SLOT_COLUMNS: [&str; 7] = [
    "weekday",
    "hour",
    "time_zone",
    "streams",
    "unique_viewers",
    "average_unique_viewers",
    "versus_average_percent",
];

pub const SOURCE_COLUMNS: [&str; 7] = [
    "source",
    "unique_viewers",
    "buying_viewers",
    "orders",
    "revenue_minor",
    "currency",
    "conversion_rate",
];

fn range_of(sort: &Sort, user: &Member<ViewReports>, now: i64) -> Result<(Range, Scope)> {
    let range = sort.resolve(&user.shop, now).map_err(Error::BadRequest)?;
    let scope = Scope::Range {
        start: range.start_ms,
        end: range.end_ms,
    };
    Ok((range, scope))
}

pub async fn products(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Query(sort): Query<Sort>,
) -> Result<Response> {
    let now = now_ms();
    let (range, scope) = range_of(&sort, &user, now)?;
    let currency = &user.shop.currency;
    let rows = top_products(&state.db.pool, user.shop.id, scope, now)
        .await?
        .into_iter()
        .map(|p| {
            vec![
                p.product_id.to_string(),
                p.title,
                p.units.to_string(),
                p.revenue.to_string(),
                currency.clone(),
                p.orders.to_string(),
                p.streams_pinned.to_string(),
            ]
        })
        .collect();
    csv_response(
        &format!("products-{}-{}.csv", range.from, range.to),
        &PRODUCT_COLUMNS,
        rows,
    )
}

pub async fn slots(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Query(sort): Query<Sort>,
) -> Result<Response> {
    let now = now_ms();
    let (range, _) = range_of(&sort, &user, now)?;
    let tz = crate::time::zone(&user.shop.time_zone);
    let starts: Vec<(i64, i64)> =
        overview::kpis_in(&state.db.pool, user.shop.id, &range, &sort, now)
            .await?
            .iter()
            .map(|(_, k)| (k.window.start, k.unique_viewers as i64))
            .collect();
    let all = slots::slots(&starts, &tz);
    let rows = all
        .iter()
        .map(|s| {
            vec![
                s.weekday_name().to_string(),
                s.hour.to_string(),
                user.shop.time_zone.clone(),
                s.streams.to_string(),
                s.viewers.to_string(),
                slots::tenths(s.average_tenths()),
                slots::versus_average(s, &all)
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    csv_response(
        &format!("slots-{}-{}.csv", range.from, range.to),
        &SLOT_COLUMNS,
        rows,
    )
}

pub async fn sources(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Query(sort): Query<Sort>,
) -> Result<Response> {
    let now = now_ms();
    let (range, scope) = range_of(&sort, &user, now)?;
    let rows = sources::split(&state.db.pool, user.shop.id, scope, now)
        .await?
        .into_iter()
        .map(|s| {
            vec![
                s.source.clone(),
                s.unique_viewers.to_string(),
                s.buying_viewers.to_string(),
                s.orders.to_string(),
                s.revenue.to_string(),
                user.shop.currency.clone(),
                s.conversion_rate()
                    .map(|r| r.fraction())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    csv_response(
        &format!("sources-{}-{}.csv", range.from, range.to),
        &SOURCE_COLUMNS,
        rows,
    )
}
