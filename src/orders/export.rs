//! `GET /orders/export.csv`: the filtered orders with attribution, one row per order
//! line, stable column names, amounts as plain decimals beside their currency; cells go
//! through the shared writer (`web::csv`), so an e-mail typed as a formula stays text.

use axum::extract::{Query, State};
use axum::response::Response;

use super::filters::Filters;
use super::store;
use crate::auth::Member;
use crate::auth::roles::ViewOrders;
use crate::error::{Error, FormErrors, Result};
use crate::money;
use crate::state::AppState;
use crate::web::csv::CsvWriter;

pub const COLUMNS: [&str; 18] = [
    "order_number",
    "status",
    "created_at",
    "paid_at",
    "email",
    "stream_id",
    "pin_id",
    "seconds_since_live",
    "product_id",
    "variant_id",
    "title",
    "quantity",
    "unit_price",
    "line_total",
    "order_total",
    "currency",
    // Added last so the columns before keep their place: the live coupon, if any, and what
    // it took off the order (order_total is after it).
    "coupon_code",
    "order_discount",
];

pub async fn csv(
    State(state): State<AppState>,
    user: Member<ViewOrders>,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let orders = filters
        .orders(&state.db.pool, user.shop.id, &user.shop.time_zone)
        .await
        .map_err(|errors| {
            let mut form = FormErrors::default();
            form.add("filters", errors.join(" "));
            Error::Invalid(form)
        })?;
    let mut out = CsvWriter::with_header(&COLUMNS)?;
    for order in &orders {
        for line in store::lines(&state.db.pool, user.shop.id, order.id).await? {
            let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
            out.row([
                order.number.clone(),
                order.status.as_str().to_string(),
                crate::time::iso(order.created_at),
                order.paid_at.map(crate::time::iso).unwrap_or_default(),
                order.email.clone(),
                opt(order.stream_id),
                opt(order.pin_id),
                opt(order.stream_offset_s),
                line.product_id.to_string(),
                line.variant_id.to_string(),
                line.title.clone(),
                line.quantity.to_string(),
                money::decimal(line.unit_price.minor, line.currency()),
                money::decimal(
                    super::domain::line_total(line.unit_price.minor, line.quantity),
                    line.currency(),
                ),
                money::decimal(order.total.minor, order.currency()),
                order.currency().to_string(),
                order.coupon_code.clone().unwrap_or_default(),
                money::decimal(order.discount.minor, order.currency()),
            ])?;
        }
    }
    Ok(out.into_attachment("orders.csv")?)
}
