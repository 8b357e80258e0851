//! Group commit for Buy. Concurrent Buys of one variant queue in that variant's lane; the
//! first to get the lane's writer lock takes everything queued and writes it in one
//! transaction, while the others wait for their answer: the plain new-order Buys together
//! (`bulk`: one conditional UPDATE, one INSERT per table), the rest each in its own savepoint.
//!
//! Why: one transaction per Buy made a flash sale a convoy. On PostgreSQL every Buy
//! waited on the variant's row lock held by the previous one, each lock hand-over a
//! round trip; on SQLite every Buy waited for the single writer, and SQLite's busy handler
//! waits by sleeping (1, 2, 5, 10 … 100 ms), so most of the burst's time was sleep. With
//! one writer per variant and one commit per batch, the row is locked once per batch
//! and the commit (the WAL write) is paid once for many Buys.
//!
//! The batch runs in its own task, so a Buy whose client went away cannot roll back the
//! others' reservations; a reservation answered to nobody expires like any other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::{AnyConnection, Connection};
use tokio::sync::oneshot;

use super::bulk;
use super::hint::{OfferRefused, SoldOutHints};
use super::reserve::{Bought, Job, Refusal};
use super::write::write;
use crate::db::Db;
use crate::money::Money;

/// Most Buys in one transaction (bounds how long it holds the variant's row).
const MAX_BATCH: usize = 256;

struct Waiting {
    job: Job,
    reply: oneshot::Sender<Result<Bought, Refusal>>,
}

#[derive(Default)]
struct Lane {
    queue: Mutex<Vec<Waiting>>,
    writer: tokio::sync::Mutex<()>,
}

/// One lane per variant bought since start (a few bytes each).
#[derive(Default)]
pub struct Batcher {
    lanes: Mutex<HashMap<i64, Arc<Lane>>>,
}

impl Batcher {
    fn lane(&self, variant_id: i64) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        lanes.entry(variant_id).or_default().clone()
    }

    /// Write `job` (alone or with the Buys queued with it) and return its outcome.
    pub async fn submit(
        &self,
        db: &Db,
        hints: &Arc<SoldOutHints>,
        job: Job,
    ) -> Result<Bought, Refusal> {
        let lane = self.lane(job.variant_id);
        let (reply, mut answer) = oneshot::channel();
        lane.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Waiting { job, reply });
        loop {
            tokio::select! {
                biased;
                result = &mut answer => {
                    return result.unwrap_or_else(|_| {
                        Err(Refusal::Database(sqlx::Error::Protocol(
                            "the reservation writer stopped".into(),
                        )))
                    });
                }
                guard = lane.writer.lock() => {
                    let batch: Vec<Waiting> = {
                        let mut queue = lane.queue.lock().unwrap_or_else(|e| e.into_inner());
                        let n = queue.len().min(MAX_BATCH);
                        queue.drain(..n).collect()
                    };
                    // Empty: an earlier writer took our job and has answered it already
                    // (it answers before letting go of the lock).
                    if !batch.is_empty() {
                        let _ = tokio::spawn(run(db.clone(), hints.clone(), batch)).await;
                    }
                    drop(guard);
                }
            }
        }
    }
}

async fn run(db: Db, hints: Arc<SoldOutHints>, batch: Vec<Waiting>) {
    // Buys the hint already refuses (a sale's late arrivals, once an earlier batch has
    // committed the last units) are answered before any connection is taken.
    let (known, batch): (Vec<Waiting>, Vec<Waiting>) = batch.into_iter().partition(|w| {
        let job = &w.job;
        job.tracked
            && hints.sold_out(
                &job.shop_slug,
                &job.stream_slug,
                job.variant_id,
                job.quantity,
            )
    });
    for waiting in known {
        let _ = waiting
            .reply
            .send(Err(super::reserve::sold_out(waiting.job.quantity)));
    }
    if batch.is_empty() {
        return;
    }
    let mut tx = match db.pool.begin().await {
        Ok(tx) => tx,
        Err(err) => return fail(batch, &err),
    };
    let alone = batch.len() == 1;
    let mut done = Vec::with_capacity(batch.len());
    // The smallest quantity this batch's stock UPDATE refused: later jobs asking as many
    // are refused without a statement. Every job here was waiting while that UPDATE ran,
    // so "sold out" is a true answer within its request's lifetime (and a failed commit
    // turns every answer of the batch into an error anyway).
    let mut refused: Option<i64> = None;
    // The same for each live offer whose units this batch's UPDATE refused.
    let mut offers_refused: HashMap<i64, i64> = HashMap::new();
    let settled = if alone {
        Vec::new()
    } else {
        settle_simple(&mut tx, &batch).await
    };
    let mut settled = settled.into_iter();
    for waiting in batch {
        if let Some(Some((result, short))) = settled.next() {
            if short {
                let q = waiting.job.quantity;
                refused = Some(refused.map_or(q, |r| r.min(q)));
            }
            done.push((waiting, result, short));
            continue;
        }
        let job = &waiting.job;
        if job.tracked && refused.is_some_and(|q| job.quantity >= q) {
            let refusal = super::reserve::sold_out(job.quantity);
            done.push((waiting, Err(refusal), false));
            continue;
        }
        if let Some(pin) = job.offer_pin
            && offers_refused.get(&pin).is_some_and(|q| job.quantity >= *q)
        {
            let regular = Money::new(job.regular_price, &*job.unit_price.currency);
            done.push((waiting, Err(super::reserve::offer_ended(regular)), false));
            continue;
        }
        let mut short = false;
        // A Buy alone needs no savepoint: a refusal rolls the whole transaction back.
        let result = if alone {
            write(&mut tx, &waiting.job, &mut short).await
        } else {
            in_savepoint(&mut tx, &waiting.job, &mut short).await
        };
        if short {
            refused = Some(refused.map_or(waiting.job.quantity, |q| q.min(waiting.job.quantity)));
        }
        if let (Some(pin), Err(Refusal::OfferEnded { .. })) = (waiting.job.offer_pin, &result) {
            let q = waiting.job.quantity;
            offers_refused
                .entry(pin)
                .and_modify(|r| *r = (*r).min(q))
                .or_insert(q);
        }
        done.push((waiting, result, short));
    }
    let finished = if alone && done[0].1.is_err() {
        tx.rollback().await
    } else {
        tx.commit().await
    };
    if let Err(err) = finished {
        let waiting = done.into_iter().map(|(w, _, _)| w).collect();
        return fail(waiting, &err);
    }
    for (waiting, result, short) in done {
        // Remembered only now: before the commit, a refusal could have been caused by
        // this batch's own uncommitted takes.
        if short {
            let job = &waiting.job;
            hints.remember(
                job.seen,
                &job.shop_slug,
                &job.stream_slug,
                job.variant_id,
                (job.quantity - 1).max(0),
            );
        }
        if let (Some(pin), Err(Refusal::OfferEnded { price, .. })) =
            (waiting.job.offer_pin, &result)
        {
            let job = &waiting.job;
            let refused = OfferRefused {
                shop: &job.shop_slug,
                stream: &job.stream_slug,
                pin,
                variant_id: job.variant_id,
                quantity: job.quantity,
                regular: price.clone(),
            };
            hints.remember_offer(job.seen, refused);
        }
        let _ = waiting.reply.send(result);
    }
}

/// What one outcome of the batch is: the answer, and whether the stock fell short.
type Settled = Option<(Result<Bought, Refusal>, bool)>;

/// The short path (`bulk`) for the batch's Buys that open a plain new order, in a
/// savepoint; what it settled, by position (`None`: written one by one after).
async fn settle_simple(conn: &mut AnyConnection, batch: &[Waiting]) -> Vec<Settled> {
    let mut settled: Vec<Settled> = batch.iter().map(|_| None).collect();
    let picked: Vec<usize> = (0..batch.len())
        .filter(|&i| bulk::fits(&batch[i].job))
        .collect();
    if picked.len() < 2 {
        return settled;
    }
    let jobs: Vec<&Job> = picked.iter().map(|&i| &batch[i].job).collect();
    let Ok(mut savepoint) = conn.begin().await else {
        return settled;
    };
    let results = match bulk::write_all(&mut savepoint, &jobs).await {
        Ok(Some(results)) => results,
        outcome => {
            if let Err(err) = outcome {
                tracing::warn!(error = %err, "grouped reservation failed; writing one by one");
            }
            let _ = savepoint.rollback().await;
            return settled;
        }
    };
    if let Err(err) = savepoint.commit().await {
        tracing::warn!(error = %err, "grouped reservation failed; writing one by one");
        return settled;
    }
    for (i, result) in picked.into_iter().zip(results) {
        settled[i] = Some(match result {
            Some(bought) => (Ok(bought), false),
            None => (Err(super::reserve::sold_out(batch[i].job.quantity)), true),
        });
    }
    settled
}

async fn in_savepoint(
    conn: &mut AnyConnection,
    job: &Job,
    short: &mut bool,
) -> Result<Bought, Refusal> {
    let mut savepoint = conn.begin().await?;
    match write(&mut savepoint, job, short).await {
        Ok(bought) => {
            savepoint.commit().await?;
            Ok(bought)
        }
        Err(refusal) => {
            savepoint.rollback().await?;
            Err(refusal)
        }
    }
}

/// The transaction failed as a whole: nothing of the batch was written.
fn fail(batch: Vec<Waiting>, err: &sqlx::Error) {
    tracing::warn!(error = %err, buys = batch.len(), "a batch of reservations failed");
    for waiting in batch {
        let _ = waiting
            .reply
            .send(Err(Refusal::Database(sqlx::Error::Protocol(format!(
                "the reservation was not saved: {err}"
            )))));
    }
}
