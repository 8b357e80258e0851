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
use sqlx::any::AnyArguments;

use super::reserve::{Bought, Job};
use super::store::Actor;
use super::{domain, write};
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

    let mut args = AnyArguments::default();
    for job in &winners {
        write::order_values(&mut args, job, now).map_err(sqlx::Error::Encode)?;
    }
    let sql = write::insert_orders_sql(winners.len());
    let ids: std::collections::HashMap<String, i64> = sqlx::query_as_with(&sql, args)
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

    let mut args = AnyArguments::default();
    for job in &winners {
        let order_id = id_of(job).unwrap_or_default();
        write::line_values(&mut args, job, order_id, now).map_err(sqlx::Error::Encode)?;
    }
    sqlx::query_with(&write::insert_lines_sql(winners.len()), args)
        .execute(&mut *conn)
        .await?;

    Ok(Some(
        jobs.iter()
            .zip(&chosen)
            .map(|(job, keep)| {
                keep.then(|| {
                    let total = domain::line_total(job.unit_price.minor, job.quantity);
                    Bought::of(job, id_of(job).unwrap_or_default(), total, true)
                })
            })
            .collect(),
    ))
}
