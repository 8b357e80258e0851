//! A stream's coupon drops (issue 20) for the marketer: one row per code with its terms,
//! how many orders hold it, how many were paid with it, the discount they were given and
//! the revenue they brought; as `GET /reports/streams/{id}/coupons.csv` and in the
//! stream's JSON report (`coupons`).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::csv_out::csv_response;
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::error::{Error, Result};
use crate::live::store::coupons;
use crate::reports::figures::store;
use crate::state::AppState;

pub const COUPON_COLUMNS: [&str; 15] = [
    "coupon_id",
    "code",
    "kind",
    "value",
    "currency",
    "min_basket",
    "max_redemptions",
    "redeemed",
    "paid_orders",
    "discount_given",
    "revenue",
    "dropped_at",
    "expires_at",
    "ended_at",
    "stream_id",
];

/// One drop as the report shows it (amounts in minor units of `currency`; `value` is a
/// percentage for `kind` percent).
#[derive(Debug, Clone, Serialize)]
pub struct CouponSummary {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub value: i64,
    pub currency: String,
    pub min_basket: i64,
    pub max_redemptions: Option<i64>,
    /// Orders holding it now: pending with it, or paid with it.
    pub redeemed: i64,
    pub paid_orders: i64,
    pub discount_given: i64,
    /// What the paid orders brought, less refunds.
    pub revenue: i64,
    pub dropped_at: String,
    pub expires_at: Option<String>,
    pub ended_at: Option<String>,
}

/// Every drop of the stream, oldest first.
pub async fn summaries(db: &sqlx::AnyPool, stream_id: i64) -> Result<Vec<CouponSummary>> {
    let mut out = Vec::new();
    for c in coupons::of_stream(db, stream_id).await? {
        let brought = coupons::brought(db, c.id).await?;
        out.push(CouponSummary {
            id: c.id,
            code: c.code,
            kind: c.kind,
            value: c.value,
            currency: c.currency,
            min_basket: c.min_basket,
            max_redemptions: c.max_redemptions,
            redeemed: c.redeemed,
            paid_orders: brought.paid_orders,
            discount_given: brought.discount_given,
            revenue: brought.revenue,
            dropped_at: crate::time::iso(c.dropped_at),
            expires_at: c.expires_at.map(crate::time::iso),
            ended_at: c.ended_at.map(crate::time::iso),
        });
    }
    Ok(out)
}

pub async fn csv(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let db = &state.db.pool;
    store::stream(db, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let rows = summaries(db, id)
        .await?
        .into_iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.code,
                c.kind,
                c.value.to_string(),
                c.currency,
                c.min_basket.to_string(),
                opt(c.max_redemptions),
                c.redeemed.to_string(),
                c.paid_orders.to_string(),
                c.discount_given.to_string(),
                c.revenue.to_string(),
                c.dropped_at,
                c.expires_at.unwrap_or_default(),
                c.ended_at.unwrap_or_default(),
                id.to_string(),
            ]
        })
        .collect();
    csv_response(&format!("stream-{id}-coupons.csv"), &COUPON_COLUMNS, rows)
}
