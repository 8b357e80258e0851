//! `GET /reports/orders.csv?range=…`: every order attributed to a stream that went live
//! in the range, whatever its status, with its attribution: the stream, the pin open at
//! the first Buy and its product, seconds since go-live, and the traffic source of the
//! buyer's first visit (`sources::source`, or "(no live visit)"). Money in minor units.

use axum::extract::{Query, State};
use axum::response::Response;
use sqlx::AnyPool;

use super::csv_out::csv_response;
use super::store;
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::reports::overview::Sort;
use crate::reports::sources::{self, BuyerFirst, NO_VISIT, Scope};
use crate::state::AppState;

pub const ORDER_COLUMNS: [&str; 18] = [
    "order_number",
    "status",
    "created_at_utc",
    "created_at_local",
    "time_zone",
    "stream_id",
    "stream_title",
    "pin_id",
    "pinned_product_id",
    "pinned_product",
    "seconds_since_live",
    "total_minor",
    "refunded_minor",
    "currency",
    "traffic_source",
    "viewer_visited",
    // Last, so the columns before keep their place: a live coupon and what it took off
    // (total_minor is after it).
    "coupon_code",
    "discount_minor",
];

/// One order with what it is attributed to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttributedOrder {
    pub number: String,
    pub status: String,
    pub viewer_id: String,
    pub created_at: i64,
    pub currency: String,
    pub total: i64,
    pub refunded_amount: i64,
    pub discount: i64,
    pub coupon_code: Option<String>,
    pub stream_id: i64,
    pub stream_title: String,
    pub stream_started_at: i64,
    pub pin_id: Option<i64>,
    pub pin_product_id: Option<i64>,
    pub pin_product: Option<String>,
    pub stream_offset_s: Option<i64>,
    /// The buyer's first visit in the live window, if any (`sources::buyer_firsts`).
    #[sqlx(skip)]
    pub first_visit: Option<BuyerFirst>,
}

impl AttributedOrder {
    /// The source of the buyer's first visit in the live window.
    pub fn source(&self) -> String {
        self.first_visit
            .as_ref()
            .map_or_else(|| NO_VISIT.to_string(), BuyerFirst::source)
    }

    /// As recorded at the first Buy; computed from the times for older rows.
    pub fn seconds_since_live(&self) -> i64 {
        self.stream_offset_s
            .unwrap_or((self.created_at - self.stream_started_at).max(0) / 1000)
    }
}

/// The orders of the streams in scope, oldest first.
pub async fn attributed_orders(
    db: &AnyPool,
    shop_id: i64,
    scope: Scope,
    now: i64,
) -> sqlx::Result<Vec<AttributedOrder>> {
    let mut orders = store::attributed_orders(db, shop_id, scope, now).await?;
    let firsts = sources::buyer_firsts(db, shop_id, scope, now).await?;
    for o in &mut orders {
        o.first_visit = firsts.get(&(o.stream_id, o.viewer_id.clone())).cloned();
    }
    Ok(orders)
}

pub async fn csv(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Query(sort): Query<Sort>,
) -> Result<Response> {
    let now = now_ms();
    let range = sort.resolve(&user.shop, now).map_err(Error::BadRequest)?;
    let scope = Scope::Range {
        start: range.start_ms,
        end: range.end_ms,
    };
    let tz_name = &user.shop.time_zone;
    let tz = crate::time::zone(tz_name);
    let rows = attributed_orders(&state.db.pool, user.shop.id, scope, now)
        .await?
        .into_iter()
        .map(|o| {
            let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            vec![
                o.number.clone(),
                o.status.clone(),
                crate::time::iso(o.created_at),
                local_iso(o.created_at, &tz),
                tz_name.clone(),
                o.stream_id.to_string(),
                o.stream_title.clone(),
                opt(o.pin_id),
                opt(o.pin_product_id),
                o.pin_product.clone().unwrap_or_default(),
                o.seconds_since_live().to_string(),
                o.total.to_string(),
                o.refunded_amount.to_string(),
                o.currency.clone(),
                o.source(),
                if o.first_visit.is_some() { "yes" } else { "no" }.to_string(),
                o.coupon_code.clone().unwrap_or_default(),
                o.discount.to_string(),
            ]
        })
        .collect();
    csv_response(
        &format!("orders-{}-{}.csv", range.from, range.to),
        &ORDER_COLUMNS,
        rows,
    )
}

/// "2027-01-15T09:02:00+01:00[Europe/Paris]" without the bracket: ISO 8601 with the
/// shop's offset.
pub fn local_iso(ms: i64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}
