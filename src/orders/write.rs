//! Buy, second half: one checked `Job` written inside the batch's transaction. The live
//! offer's units and the stock are taken with conditional UPDATEs, so two Buys can never
//! take the same unit whatever the interleaving; then the order (new, or the cart grown)
//! and its line. The caller wraps each job in a savepoint, so a refusal here undoes only
//! this job's writes. `short` is set when the stock itself could not cover the job (as
//! opposed to the offer), which the batch remembers for the sold-out hint after commit.

use sqlx::AnyConnection;

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
        return Err(reserve::offer_sold_out());
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
    let amount = domain::line_total(job.unit_price, job.quantity);
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
            let offset = job.stream_started_at.map(|s| ((now - s) / 1000).max(0));
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO orders (shop_id, token, number, status, currency, total, viewer_id, stream_id, \
                 pin_id, stream_offset_s, expires_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(job.shop_id)
            .bind(&job.token)
            .bind(&job.number)
            .bind(&job.currency)
            .bind(amount)
            .bind(&job.viewer_id)
            .bind(job.stream_id)
            .bind(job.current_pin)
            .bind(offset)
            .bind(now + job.reservation_ms)
            .bind(now)
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
    sqlx::query(
        "INSERT INTO order_lines (shop_id, order_id, product_id, variant_id, title, variant_title, quantity, \
         unit_price, currency, offer_pin_id, stripe_price_id, stock_state, tracked, pin_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'held', $12, $13, $14)",
    )
    .bind(job.shop_id)
    .bind(order_id)
    .bind(job.product_id)
    .bind(job.variant_id)
    .bind(&job.product_title)
    .bind(&job.variant_title)
    .bind(job.quantity)
    .bind(job.unit_price)
    .bind(&job.currency)
    .bind(job.offer_pin)
    .bind(job.stripe_price.as_deref())
    .bind(job.tracked)
    .bind(job.current_pin)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(Bought {
        order_id,
        token: job.token.clone(),
        number: job.number.clone(),
        unit_price: job.unit_price,
        currency: job.currency.clone(),
        quantity: job.quantity,
        total,
        title: job.product_title.clone(),
        new_order: job.cart.is_none(),
    })
}
