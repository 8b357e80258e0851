//! The background task that writes a confirmed import: batches of at most [`BATCH_ROWS`]
//! variant rows, each one short transaction (`bulk`: a few multi-row statements) that also
//! marks its staged rows applied; the
//! rollback that deletes what a refused import wrote; the final `done` marker; and the
//! start-up pass that resumes what a stopped process left unfinished. Why it is built this
//! way (and what "all or nothing" means here) is in the module doc of `import`.

use std::time::Duration;

use std::collections::HashSet;

use super::store::{self, Import, ImportStatus, StagedRow};
use super::{BATCH_ROWS, StagedProduct, bulk};
use crate::catalog::sync;
use crate::db::{Backend, OnConstraint};
use crate::state::AppState;

/// Products deleted per rollback transaction.
const ROLLBACK_BATCH: i64 = 200;
/// Between batches on SQLite the task steps aside so writers queued behind it (another
/// shop's Buy, a stock change, a sign-in) take the database before the next batch does.
/// SQLite's busy handler lets a waiting writer sleep up to 100 ms between tries, so a
/// shorter pause could be missed by all of them and the next batch would lock them out
/// again. PostgreSQL locks rows, not the database: there the task only yields.
const SQLITE_PAUSE: Duration = Duration::from_millis(120);
/// A batch that fails on the database (SQLite busy under load, a dropped connection) is
/// retried this many times before the import is rolled back; a batch is one transaction,
/// so a failed attempt left nothing behind.
const ATTEMPTS: u32 = 4;

/// Why a batch did not commit.
#[derive(Debug)]
enum BatchError {
    /// The shop changed since the preview; the import cannot complete and is rolled back.
    Refused(String),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for BatchError {
    fn from(e: sqlx::Error) -> Self {
        BatchError::Database(e)
    }
}

/// Run the import `id` to its end in its own task.
pub fn spawn(state: AppState, id: i64) {
    tokio::spawn(async move {
        if let Err(err) = run(&state, id).await {
            tracing::error!(import = id, error = %err, "catalogue import paused; it resumes on the next start");
        }
    });
}

/// On start: continue every import a stopped process left applying or rolling back.
pub fn resume(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        match store::unfinished(&state.db.pool).await {
            Ok(ids) => {
                for id in ids {
                    if let Err(err) = run(&state, id).await {
                        tracing::error!(import = id, error = %err, "resuming a catalogue import failed");
                    }
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not look for unfinished catalogue imports")
            }
        }
    });
}

async fn run(state: &AppState, id: i64) -> anyhow::Result<()> {
    let pool = &state.db.pool;
    let Some(import) = store::by_id(pool, id).await? else {
        return Ok(());
    };
    let mut status = import.status;
    let mut seen = import.batches;
    // Position of the last row this worker wrote; a resumed import starts from the top.
    let mut cursor = 0;
    loop {
        let step = match status {
            ImportStatus::Applying => apply_next(state, &import, seen, &mut cursor).await,
            ImportStatus::RollingBack => roll_back_next(state, &import, seen).await,
            ImportStatus::Staged | ImportStatus::Done | ImportStatus::Failed => return Ok(()),
        };
        match step {
            Ok(Step::Claimed(next)) => {
                seen += 1;
                status = next;
            }
            Ok(Step::Lost) => return Ok(()),
            Ok(Step::Finished) => break,
            Err(err) => return Err(err),
        }
        pause(state).await;
    }
    // The staged rows have served: cleared in short deletes, the import row stays as the record.
    while store::clear_rows(pool, id, 1_000).await? > 0 {
        pause(state).await;
    }
    sync::wake(state);
    Ok(())
}

async fn pause(state: &AppState) {
    match state.db.backend {
        Backend::Sqlite => tokio::time::sleep(SQLITE_PAUSE).await,
        Backend::Postgres => tokio::task::yield_now().await,
    }
}

/// What one step did.
enum Step {
    /// This worker ran a batch; the import is now in this status.
    Claimed(ImportStatus),
    /// Another worker holds the import.
    Lost,
    /// The import reached `done` or `failed`.
    Finished,
}

/// The next batch of unapplied rows, or the final marker when none is left.
async fn apply_next(
    state: &AppState,
    import: &Import,
    seen: i64,
    cursor: &mut i64,
) -> anyhow::Result<Step> {
    let pool = &state.db.pool;
    let rows = store::unapplied(pool, import.id, *cursor, BATCH_ROWS as i64).await?;
    if rows.is_empty() {
        queue_sync(state, import).await?;
        let mut tx = pool.begin().await?;
        if !store::claim_batch(&mut tx, import.id, seen, ImportStatus::Applying).await? {
            return Ok(Step::Lost);
        }
        store::finish(&mut tx, import.id, ImportStatus::Done).await?;
        tx.commit().await?;
        return Ok(Step::Finished);
    }
    let batch = take_batch(rows)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write_batch(state, import, seen, &batch).await {
            Ok(true) => {
                *cursor = batch.last().map_or(*cursor, |(row, _)| row.position);
                return Ok(Step::Claimed(ImportStatus::Applying));
            }
            Ok(false) => return Ok(Step::Lost),
            Err(BatchError::Refused(reason)) => return refuse(state, import, seen, &reason).await,
            Err(BatchError::Database(err)) if attempt < ATTEMPTS => {
                tracing::warn!(import = import.id, attempt, error = %err, "import batch failed; retrying");
                tokio::time::sleep(Duration::from_millis(100 << (2 * attempt))).await;
            }
            Err(BatchError::Database(err)) => {
                tracing::error!(import = import.id, error = %err, "import batch failed; rolling back");
                let reason = "The database refused a step of the import several times.";
                return refuse(state, import, seen, reason).await;
            }
        }
    }
}

/// Staged products in file order, as many as fit in [`BATCH_ROWS`] variant rows (always at
/// least one, so a product with many variants still moves).
fn take_batch(rows: Vec<StagedRow>) -> anyhow::Result<Vec<(StagedRow, StagedProduct)>> {
    let mut batch = Vec::new();
    let mut variant_rows = 0;
    for row in rows {
        let product: StagedProduct = serde_json::from_str(&row.product)?;
        variant_rows += product.variants.len().max(1);
        if !batch.is_empty() && variant_rows > BATCH_ROWS {
            break;
        }
        batch.push((row, product));
    }
    Ok(batch)
}

/// One transaction: claim the batch, write its products, mark their rows applied.
async fn write_batch(
    state: &AppState,
    import: &Import,
    seen: i64,
    batch: &[(StagedRow, StagedProduct)],
) -> Result<bool, BatchError> {
    let mut tx = state.db.pool.begin().await?;
    // The claim is the first statement, so on SQLite the batch takes the write lock at
    // once (waiting its turn behind the busy timeout) instead of failing on an upgrade.
    if !store::claim_batch(&mut tx, import.id, seen, ImportStatus::Applying).await? {
        return Ok(false);
    }
    let written = bulk::write(&mut tx, import.shop_id, import.user_id, batch)
        .await
        .on_unique("products", "slug")
        .on_unique("products", "sku")
        .on_unique("variants", "sku")?;
    let Some(Some(Some(applied))) = written else {
        // Slugs and SKUs were free at the preview; one taken since refuses the import.
        drop(tx);
        return Err(BatchError::Refused(clash(state, import, batch).await?));
    };
    store::bulk::mark_applied(&mut tx, import.id, &applied).await?;
    store::count_applied(&mut tx, import.id, applied.len() as i64).await?;
    tx.commit().await?;
    Ok(true)
}

/// Which row of the refused batch meets a slug or SKU the shop took after the preview.
async fn clash(
    state: &AppState,
    import: &Import,
    batch: &[(StagedRow, StagedProduct)],
) -> sqlx::Result<String> {
    let pool = &state.db.pool;
    let slugs: HashSet<String> = store::slugs(pool, import.shop_id)
        .await?
        .into_iter()
        .collect();
    let skus: HashSet<String> = store::skus(pool, import.shop_id)
        .await?
        .into_iter()
        .collect();
    for (row, p) in batch {
        let after = "was added to the shop after the preview";
        if slugs.contains(&p.slug) {
            return Ok(format!(
                "Row {}: a product at \u{201c}{}\u{201d} {after}.",
                row.row_number, p.slug
            ));
        }
        let own = p
            .sku
            .iter()
            .chain(p.variants.iter().filter_map(|v| v.sku.as_ref()));
        if let Some(sku) = own.into_iter().find(|s| skus.contains(*s)) {
            return Ok(format!("Row {}: the SKU {sku} {after}.", row.row_number));
        }
    }
    Ok("A product address or SKU in the file was added to the shop after the preview.".into())
}

/// Turn the import to `rolling_back` with `reason`, in a claimed transaction.
async fn refuse(
    state: &AppState,
    import: &Import,
    seen: i64,
    reason: &str,
) -> anyhow::Result<Step> {
    let mut tx = state.db.pool.begin().await?;
    if !store::claim_batch(&mut tx, import.id, seen, ImportStatus::Applying).await? {
        return Ok(Step::Lost);
    }
    store::begin_rollback(&mut tx, import.id, reason).await?;
    tx.commit().await?;
    Ok(Step::Claimed(ImportStatus::RollingBack))
}

/// Delete the next products this import created, or end it `failed` when none is left.
async fn roll_back_next(state: &AppState, import: &Import, seen: i64) -> anyhow::Result<Step> {
    let pool = &state.db.pool;
    let created = store::created_products(pool, import.id, 0, ROLLBACK_BATCH).await?;
    let mut tx = pool.begin().await?;
    if !store::claim_batch(&mut tx, import.id, seen, ImportStatus::RollingBack).await? {
        return Ok(Step::Lost);
    }
    if created.is_empty() {
        store::finish(&mut tx, import.id, ImportStatus::Failed).await?;
        tx.commit().await?;
        return Ok(Step::Finished);
    }
    for row in created.iter() {
        if let Some(product_id) = row.product_id {
            store::remove_created(&mut tx, import.shop_id, import.id, product_id).await?;
        }
    }
    tx.commit().await?;
    Ok(Step::Claimed(ImportStatus::RollingBack))
}

/// Queue the imported products for the Stripe sync, a batch of short writes at a time;
/// idempotent, so a crash here repeats it on resume.
async fn queue_sync(state: &AppState, import: &Import) -> anyhow::Result<()> {
    let pool = &state.db.pool;
    let mut after = 0;
    loop {
        let rows = store::created_products(pool, import.id, after, ROLLBACK_BATCH).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.position;
        let mut tx = pool.begin().await?;
        for id in rows.iter().filter_map(|r| r.product_id) {
            sync::mark_pending(&mut tx, import.shop_id, id).await?;
        }
        tx.commit().await?;
    }
}
