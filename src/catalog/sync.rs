//! Background Stripe sync. A local edit marks the product `pending` in its own
//! transaction and rings the worker; the worker pushes the product and its prices to
//! Stripe, records each Stripe id as soon as it has one, and marks the product
//! `synced`, or retries with exponential backoff, or, on an error a retry cannot fix
//! (a 400 or 402), `failed` with Stripe's message and a retry button. Nothing here
//! can undo or block a local edit.

use std::time::Duration;

use sqlx::AnyConnection;
use tokio::sync::watch;

use super::store::{self, Product};
use super::stripe::{self, Failure, PriceData, ProductData, account};
use crate::db::now_ms;
use crate::state::AppState;

/// Attempts before a retryable error is shown as failed.
const MAX_ATTEMPTS: i64 = 6;
/// How long a worker owns a product it picked, so two servers do not push it at once.
const LEASE_MS: i64 = 120_000;

/// Queue the product for Stripe if the shop has a key and Stripe knows it or should.
pub async fn mark_pending(
    conn: &mut AnyConnection,
    shop_id: i64,
    product_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE products SET sync_state = 'pending', sync_error = NULL, sync_attempts = 0, \
         sync_next_at = $1 WHERE id = $2 AND shop_id = $3 \
         AND EXISTS (SELECT 1 FROM stripe_accounts s WHERE s.shop_id = $3) \
         AND (status = 'active' OR stripe_product_id IS NOT NULL)",
    )
    .bind(now_ms())
    .bind(product_id)
    .bind(shop_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queue every product of the shop (a key was just saved).
pub async fn mark_all_pending(db: &sqlx::AnyPool, shop_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE products SET sync_state = 'pending', sync_error = NULL, sync_attempts = 0, \
         revision = revision + 1, sync_next_at = $1 WHERE shop_id = $2 \
         AND (status = 'active' OR stripe_product_id IS NOT NULL)",
    )
    .bind(now_ms())
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The key was removed: nothing is pending any more.
pub async fn clear_pending(db: &sqlx::AnyPool, shop_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE products SET sync_state = 'none', sync_error = NULL, sync_attempts = 0, sync_next_at = NULL \
         WHERE shop_id = $1 AND sync_state IN ('pending', 'failed')",
    )
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

pub fn wake(state: &AppState) {
    state.stripe.wake.notify_one();
}

/// Run the worker until `shutdown` flips.
pub fn spawn(state: AppState, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            let wait = match run_due(&state).await {
                Ok(wait) => wait,
                Err(err) => {
                    tracing::warn!(error = %err, "Stripe sync pass failed");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = state.stripe.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => break,
            }
        }
    });
}

/// Push every due product; returns how long to sleep until the next one is due.
async fn run_due(state: &AppState) -> anyhow::Result<Duration> {
    let pool = &state.db.pool;
    loop {
        let now = now_ms();
        let due: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT id, shop_id, sync_next_at FROM products WHERE sync_state = 'pending' \
             AND sync_next_at <= $1 ORDER BY sync_next_at LIMIT 20",
        )
        .bind(now)
        .fetch_all(pool)
        .await?;
        if due.is_empty() {
            break;
        }
        for (id, shop_id, next_at) in due {
            let claimed = sqlx::query(
                "UPDATE products SET sync_next_at = $1 WHERE id = $2 AND sync_state = 'pending' AND sync_next_at = $3",
            )
            .bind(now + LEASE_MS)
            .bind(id)
            .bind(next_at)
            .execute(pool)
            .await?
            .rows_affected()
                == 1;
            if claimed {
                sync_product(state, shop_id, id).await?;
            }
        }
    }
    let next: Option<i64> =
        sqlx::query_scalar("SELECT MIN(sync_next_at) FROM products WHERE sync_state = 'pending'")
            .fetch_one(pool)
            .await?;
    let wait = next.map_or(30_000, |at| (at - now_ms()).clamp(10, 30_000));
    Ok(Duration::from_millis(wait as u64))
}

/// Push one product and record the outcome.
pub async fn sync_product(state: &AppState, shop_id: i64, id: i64) -> anyhow::Result<()> {
    let pool = &state.db.pool;
    let Some(product) = store::product(pool, shop_id, id).await? else {
        return Ok(());
    };
    let Some(account) = account::get(pool, shop_id).await? else {
        clear_pending(pool, shop_id).await?;
        return Ok(());
    };
    let outcome = match state.stripe.client(&account.secret_key) {
        Ok(client) => push(pool, &client, &product).await?,
        Err(failure) => Err(failure),
    };
    let now = now_ms();
    match outcome {
        Ok(()) => {
            sqlx::query(
                "UPDATE products SET synced_revision = $1, sync_error = NULL, sync_attempts = 0, synced_at = $2, \
                 sync_state = CASE WHEN revision = $1 THEN 'synced' ELSE 'pending' END, \
                 sync_next_at = CASE WHEN revision = $1 THEN NULL ELSE $2 END \
                 WHERE id = $3 AND shop_id = $4",
            )
            .bind(product.revision)
            .bind(now)
            .bind(id)
            .bind(shop_id)
            .execute(pool)
            .await?;
        }
        Err(failure) => {
            let attempts = product.sync_attempts + 1;
            let give_up = !failure.retryable || attempts >= MAX_ATTEMPTS;
            let next_at = now + state.stripe.backoff(attempts - 1).as_millis() as i64;
            tracing::info!(product = id, attempts, error = %failure.message, "Stripe sync failed");
            sqlx::query(
                "UPDATE products SET sync_state = $1, sync_error = $2, sync_attempts = $3, sync_next_at = $4 \
                 WHERE id = $5 AND shop_id = $6 AND sync_state = 'pending'",
            )
            .bind(if give_up { "failed" } else { "pending" })
            .bind(&failure.message)
            .bind(attempts)
            .bind(if give_up { None } else { Some(next_at) })
            .bind(id)
            .bind(shop_id)
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

/// The Stripe calls for one product at its current revision. Database errors are
/// ours (`anyhow`); Stripe's come back as the inner `Failure`.
async fn push(
    pool: &sqlx::AnyPool,
    client: &::stripe::Client,
    p: &Product,
) -> anyhow::Result<Result<(), Failure>> {
    let active = p.status == "active";
    let data = ProductData {
        id: p.id,
        shop_id: p.shop_id,
        name: &p.title,
        description: &p.description,
        active,
    };
    let key = |what: &str| format!("showfloor-p{}-r{}-{what}", p.id, p.revision);
    let stripe_product = match &p.stripe_product_id {
        None if !active => return Ok(Ok(())),
        None => match stripe::create_product(client, &data, &key("product")).await {
            Ok(stripe_id) => {
                sqlx::query("UPDATE products SET stripe_product_id = $1 WHERE id = $2")
                    .bind(&stripe_id)
                    .bind(p.id)
                    .execute(pool)
                    .await?;
                stripe_id
            }
            Err(f) => return Ok(Err(f)),
        },
        Some(stripe_id) => {
            if let Err(f) = stripe::update_product(client, stripe_id, &data, &key("update")).await {
                return Ok(Err(f));
            }
            stripe_id.clone()
        }
    };
    if !active {
        return Ok(Ok(()));
    }
    for v in store::variants(pool, p.shop_id, p.id).await? {
        let amount = v.price(p);
        let current = v.stripe_price_id.is_some()
            && v.stripe_price_amount == Some(amount)
            && v.stripe_price_currency.as_deref() == Some(p.currency.as_str());
        if current {
            continue;
        }
        let price = PriceData {
            stripe_product: &stripe_product,
            product_id: p.id,
            variant_id: v.id,
            nickname: if v.title.is_empty() {
                &p.title
            } else {
                &v.title
            },
            amount,
            currency: &p.currency,
        };
        let price_key = format!(
            "showfloor-v{}-{}{}-r{}-price",
            v.id, p.currency, amount, p.revision
        );
        let new_id = match stripe::create_price(client, &price, &price_key).await {
            Ok(id) => id,
            Err(f) => return Ok(Err(f)),
        };
        sqlx::query(
            "UPDATE variants SET stripe_price_id = $1, stripe_price_amount = $2, stripe_price_currency = $3 WHERE id = $4",
        )
        .bind(&new_id)
        .bind(amount)
        .bind(&p.currency)
        .bind(v.id)
        .execute(pool)
        .await?;
        if let Some(old) = &v.stripe_price_id
            && let Err(f) =
                stripe::deactivate_price(client, old, &format!("showfloor-{old}-deactivate")).await
        {
            return Ok(Err(f));
        }
    }
    // Variants an option edit removed: switch their prices off, once.
    let removed: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, stripe_price_id FROM variants WHERE product_id = $1 AND removed_at IS NOT NULL \
         AND stripe_price_id IS NOT NULL",
    )
    .bind(p.id)
    .fetch_all(pool)
    .await?;
    for (variant_id, price_id) in removed {
        if let Err(f) = stripe::deactivate_price(
            client,
            &price_id,
            &format!("showfloor-{price_id}-deactivate"),
        )
        .await
        {
            return Ok(Err(f));
        }
        sqlx::query("UPDATE variants SET stripe_price_id = NULL WHERE id = $1")
            .bind(variant_id)
            .execute(pool)
            .await?;
    }
    Ok(Ok(()))
}

/// `POST /catalog/products/{id}/sync`: try again now, with fresh idempotency keys.
pub async fn retry(
    axum::extract::State(state): axum::extract::State<AppState>,
    user: crate::auth::Member<crate::auth::roles::EditCatalog>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> crate::error::Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let mut tx = state.db.pool.begin().await?;
    let found =
        sqlx::query("UPDATE products SET revision = revision + 1 WHERE id = $1 AND shop_id = $2")
            .bind(id)
            .bind(user.shop.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if found == 0 {
        return Err(crate::error::Error::NotFound);
    }
    mark_pending(&mut tx, user.shop.id, id).await?;
    tx.commit().await?;
    wake(&state);
    crate::web::flash(&user.session, "info", "Sending to Stripe again.").await;
    Ok(axum::response::Redirect::to(&format!("/catalog/products/{id}")).into_response())
}
