//! Buy, second half: one checked `Job` written inside the batch's transaction. The live
//! offer's units and the stock are taken with conditional UPDATEs, so two Buys can never
//! take the same unit whatever the interleaving; then the order (new, or the cart grown)
//! and its line. The caller wraps each job in a savepoint, so a refusal here undoes only
//! this job's writes. `short` is set when the stock itself could not cover the job (as
//! opposed to the offer), which the batch remembers for the sold-out hint after commit.

use sqlx::any::AnyArguments;
use sqlx::error::BoxDynError;
use sqlx::{AnyConnection, Arguments};

use super::domain;
use super::reserve::{self, Bought, Job, Refusal};
use super::store::{self, Actor};
use crate::catalog::inventory::{self, Change, Reason};
use crate::db::now_ms;
use crate::live::store::pins;

pub async fn write(
    conn: &mut AnyConnection,
    job: &Job,
    short: &mut bool,
) -> Result<Bought, Refusal> {
    let now = now_ms();
    let reference = format!("order:{}", job.number);
    if let Some(pin_id) = job.offer_pin
        && !pins::take_offer_units(&mut *conn, pin_id, job.quantity, now).await?
    {
        // Sold out (or timed out) since `prepare` read it: the regular price is offered.
        let regular = crate::money::Money::new(job.regular_price, &*job.unit_price.currency);
        return Err(reserve::offer_ended(regular));
    }
    if job.tracked {
        let change = Change {
            shop_id: job.shop_id,
            variant_id: job.variant_id,
            delta: -job.quantity,
            reason: Reason::Reservation,
            note: "",
            reference: Some(&reference),
            user_id: None,
        };
        if inventory::record(conn, &change).await?.is_none() {
            *short = true;
            return Err(reserve::sold_out(job.quantity));
        }
    }
    let amount = domain::line_total(job.unit_price.minor, job.quantity);
    let (order_id, total) = match job.cart {
        Some(cart_id) => {
            let grown: Option<i64> = sqlx::query_scalar(
                "UPDATE orders SET total = total + $1, updated_at = $2 WHERE id = $3 AND shop_id = $4 \
                 AND status = 'pending' AND provider IS NULL RETURNING total",
            )
            .bind(amount)
            .bind(now)
            .bind(cart_id)
            .bind(job.shop_id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(total) = grown else {
                return Err(Refusal::Invalid(
                    "Your checkout has moved on; tap Buy again to start a new order.".into(),
                ));
            };
            (cart_id, total)
        }
        None => {
            let mut args = AnyArguments::default();
            order_values(&mut args, job, now).map_err(sqlx::Error::Encode)?;
            let (id, _): (i64, String) = sqlx::query_as_with(&insert_orders_sql(1), args)
                .fetch_one(&mut *conn)
                .await?;
            store::record_transition(
                conn,
                job.shop_id,
                id,
                None,
                domain::OrderStatus::Pending,
                Actor::Shopper,
                "Reserved at Buy",
            )
            .await?;
            (id, amount)
        }
    };
    let mut args = AnyArguments::default();
    line_values(&mut args, job, order_id, now).map_err(sqlx::Error::Encode)?;
    sqlx::query_with(&insert_lines_sql(1), args)
        .execute(&mut *conn)
        .await?;
    Ok(Bought::of(job, order_id, total, job.cart.is_none()))
}

/// `INSERT INTO orders` of `rows` new orders ([`order_values`] each), returning their id
/// and token.
pub(super) fn insert_orders_sql(rows: usize) -> String {
    format!(
        "INSERT INTO orders (shop_id, token, number, status, currency, total, viewer_id, stream_id, \
         pin_id, stream_offset_s, expires_at, created_at, updated_at) VALUES {} RETURNING id, token",
        crate::db::placeholders(rows, 13)
    )
}

/// The 13 values of `job`'s new order: pending, its line's total, attributed to the stream,
/// the pin on screen and the seconds since go-live, reserved until `now` + the reservation.
pub(super) fn order_values<'q>(
    args: &mut AnyArguments<'q>,
    job: &'q Job,
    now: i64,
) -> Result<(), BoxDynError> {
    let offset = job.stream_started_at.map(|s| ((now - s) / 1000).max(0));
    args.add(job.shop_id)?;
    args.add(&job.token)?;
    args.add(&job.number)?;
    args.add(domain::OrderStatus::Pending.as_str())?;
    args.add(&job.unit_price.currency)?;
    args.add(domain::line_total(job.unit_price.minor, job.quantity))?;
    args.add(&job.viewer_id)?;
    args.add(job.stream_id)?;
    args.add(job.current_pin)?;
    args.add(offset)?;
    args.add(now + job.reservation_ms)?;
    args.add(now)?;
    args.add(now)
}

/// `INSERT INTO order_lines` of `rows` lines ([`line_values`] each).
pub(super) fn insert_lines_sql(rows: usize) -> String {
    format!(
        "INSERT INTO order_lines (shop_id, order_id, product_id, variant_id, title, variant_title, quantity, \
         unit_price, currency, offer_pin_id, stripe_price_id, stock_state, tracked, pin_id, created_at) VALUES {}",
        crate::db::placeholders(rows, 15)
    )
}

/// The 15 values of `job`'s line in order `order_id`, its units held.
pub(super) fn line_values<'q>(
    args: &mut AnyArguments<'q>,
    job: &'q Job,
    order_id: i64,
    now: i64,
) -> Result<(), BoxDynError> {
    args.add(job.shop_id)?;
    args.add(order_id)?;
    args.add(job.product_id)?;
    args.add(job.variant_id)?;
    args.add(&job.product_title)?;
    args.add(&job.variant_title)?;
    args.add(job.quantity)?;
    args.add(job.unit_price.minor)?;
    args.add(&job.unit_price.currency)?;
    args.add(job.offer_pin)?;
    args.add(job.stripe_price.as_deref())?;
    args.add(domain::StockState::Held.as_str())?;
    args.add(job.tracked)?;
    args.add(job.current_pin)?;
    args.add(now)
}
