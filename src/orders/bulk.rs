//! Buy, the batch's short path: the Buys of one batch that each open a new order at the
//! catalogue price (no live offer, no cart to grow) take their units with one conditional
//! UPDATE and are written with one multi-row INSERT per table, instead of ~7 statements
//! each. In a flash sale that turns the first batch (tens of Buys, hundreds of round
//! trips, each waiting for a turn on a runtime busy with the burst) into a handful of
//! statements, so the sold-out answer is known sooner.
//!
//! Same guarantees as `write`: the units are taken by `UPDATE … WHERE stock >= $n` (the
//! stock read in between only chooses `$n`), and the ledger gets one row per order with
//! the stock after it, as if the Buys had been written one after the other in queue
//! order. The caller runs this in a savepoint and falls back to `write` for every job on
//! any error, so this path can only be faster, never change an answer.

use sqlx::AnyConnection;

use super::domain;
use super::reserve::{Bought, Job};
use super::store::Actor;
use crate::catalog::inventory::{self, Reason};
use crate::db::now_ms;

/// Whether `job` can take the short path.
pub fn fits(job: &Job) -> bool {
    job.tracked && job.cart.is_none() && job.offer_pin.is_none()
}

/// The units of `takes` from `job`'s variant (`inventory::take_many`).
async fn take(
    conn: &mut AnyConnection,
    job: &Job,
    takes: &[(i64, String)],
) -> sqlx::Result<Option<i64>> {
    let (shop, variant) = (job.shop_id, job.variant_id);
    inventory::take_many(conn, shop, variant, Reason::Reservation, takes).await
}

/// Take units for `jobs` (same variant) and write their orders. Returns, per job, its
/// order or `None` when the stock could not cover it; `Ok(None)` when the short path
/// does not apply (the variant changed under us): the caller then writes each job alone.
pub async fn write_all(
    conn: &mut AnyConnection,
    jobs: &[&Job],
) -> sqlx::Result<Option<Vec<Option<Bought>>>> {
    let Some(first) = jobs.first() else {
        return Ok(Some(Vec::new()));
    };
    let now = now_ms();
    let mut chosen: Vec<bool> = vec![true; jobs.len()];
    let reservations = |keep: &[bool]| -> Vec<(i64, String)> {
        jobs.iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(j, _)| (j.quantity, format!("order:{}", j.number)))
            .collect()
    };
    let mut taken = take(conn, first, &reservations(&chosen)).await?;
    if taken.is_none() {
        // Short: how many are left (this transaction now holds the write, so on SQLite
        // the figure is exact; elsewhere the conditional UPDATE below re-checks it).
        let left: Option<i64> = sqlx::query_scalar(
            "SELECT stock FROM variants WHERE id = $1 AND shop_id = $2 AND unlimited = $3 \
             AND removed_at IS NULL",
        )
        .bind(first.variant_id)
        .bind(first.shop_id)
        .bind(false)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(mut left) = left else {
            return Ok(None);
        };
        for (job, keep) in jobs.iter().zip(chosen.iter_mut()) {
            *keep = job.quantity <= left;
            if *keep {
                left -= job.quantity;
            }
        }
        if !chosen.contains(&true) {
            return Ok(Some(jobs.iter().map(|_| None).collect()));
        }
        taken = take(conn, first, &reservations(&chosen)).await?;
        if taken.is_none() {
            return Ok(None);
        }
    }
    let Some(stock_end) = taken else {
        return Ok(None);
    };
    // Stock raised between the read and the UPDATE (another node): a Buy left out might
    // fit after all, so let the one-by-one path decide (the caller undoes this savepoint).
    if jobs
        .iter()
        .zip(&chosen)
        .any(|(job, keep)| !keep && job.quantity <= stock_end)
    {
        return Ok(None);
    }
    let winners: Vec<&Job> = jobs
        .iter()
        .zip(&chosen)
        .filter(|(_, k)| **k)
        .map(|(j, _)| *j)
        .collect();

    let sql = format!(
        "INSERT INTO orders (shop_id, token, number, status, currency, total, viewer_id, stream_id, \
         pin_id, stream_offset_s, expires_at, created_at, updated_at) VALUES {} RETURNING id, token",
        crate::db::placeholders(winners.len(), 13)
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
    for job in &winners {
        let offset = job.stream_started_at.map(|s| ((now - s) / 1000).max(0));
        q = q
            .bind(job.shop_id)
            .bind(&job.token)
            .bind(&job.number)
            .bind("pending")
            .bind(&job.currency)
            .bind(domain::line_total(job.unit_price, job.quantity))
            .bind(&job.viewer_id)
            .bind(job.stream_id)
            .bind(job.current_pin)
            .bind(offset)
            .bind(now + job.reservation_ms)
            .bind(now)
            .bind(now);
    }
    let ids: std::collections::HashMap<String, i64> = q
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, token)| (token, id))
        .collect();
    let id_of = |job: &Job| ids.get(&job.token).copied();
    if winners.iter().any(|j| id_of(j).is_none()) {
        return Err(sqlx::Error::Protocol(
            "an order of the batch has no id".into(),
        ));
    }

    let (actor, user_id) = Actor::Shopper.parts();
    let sql = format!(
        "INSERT INTO order_transitions (shop_id, order_id, from_status, to_status, actor, user_id, note, at) \
         VALUES {}",
        crate::db::placeholders(winners.len(), 8)
    );
    let mut q = sqlx::query(&sql);
    for job in &winners {
        q = q
            .bind(job.shop_id)
            .bind(id_of(job))
            .bind(None::<String>)
            .bind(domain::OrderStatus::Pending.as_str())
            .bind(actor)
            .bind(user_id)
            .bind("Reserved at Buy")
            .bind(now);
    }
    q.execute(&mut *conn).await?;

    let sql = format!(
        "INSERT INTO order_lines (shop_id, order_id, product_id, variant_id, title, variant_title, quantity, \
         unit_price, currency, offer_pin_id, stripe_price_id, stock_state, tracked, pin_id, created_at) VALUES {}",
        crate::db::placeholders(winners.len(), 15)
    );
    let mut q = sqlx::query(&sql);
    for job in &winners {
        q = q
            .bind(job.shop_id)
            .bind(id_of(job))
            .bind(job.product_id)
            .bind(job.variant_id)
            .bind(&job.product_title)
            .bind(&job.variant_title)
            .bind(job.quantity)
            .bind(job.unit_price)
            .bind(&job.currency)
            .bind(None::<i64>)
            .bind(job.stripe_price.as_deref())
            .bind("held")
            .bind(true)
            .bind(job.current_pin)
            .bind(now);
    }
    q.execute(&mut *conn).await?;

    Ok(Some(
        jobs.iter()
            .zip(&chosen)
            .map(|(job, keep)| {
                keep.then(|| Bought {
                    order_id: id_of(job).unwrap_or_default(),
                    token: job.token.clone(),
                    number: job.number.clone(),
                    unit_price: job.unit_price,
                    currency: job.currency.clone(),
                    quantity: job.quantity,
                    total: domain::line_total(job.unit_price, job.quantity),
                    title: job.product_title.clone(),
                    new_order: true,
                })
            })
            .collect(),
    ))
}
