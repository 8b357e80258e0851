//! Background Stripe sync. A local edit marks the product `pending` in its own
//! transaction and rings the worker; the worker pushes the product and its prices to
//! Stripe, records each Stripe id as soon as it has one, and marks the product
//! `synced`, or retries with exponential backoff, or, on an error a retry cannot fix
//! (a 400 or 402), `failed` with Stripe's message and a retry button. Nothing here
//! can undo or block a local edit.

use std::time::Duration;

use tokio::sync::watch;

use super::domain::Status;
use super::store::{self, Product};
use super::stripe::{self, Failure, PriceData, ProductData, account};
use crate::db::now_ms;
use crate::money::Money;
use crate::state::AppState;

/// Attempts before a retryable error is shown as failed.
const MAX_ATTEMPTS: i64 = 6;
/// Due products read at a time; a pass reads again until none is due.
const BATCH: i64 = 20;
/// How long a worker owns a product it picked, so two servers do not push it at once.
const LEASE_MS: i64 = 120_000;

// Queueing is a write (inside the caller's transaction), so it lives in `store::sync`;
// re-exported under the names the handlers and the Stripe settings page call.
pub use super::store::sync::{clear_pending, mark_all_pending, mark_pending};

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
        let due = store::sync::due(pool, now, BATCH).await?;
        if due.is_empty() {
            break;
        }
        for product in due {
            if store::sync::claim(pool, &product, now + LEASE_MS).await? {
                sync_product(state, product.shop_id, product.id).await?;
            }
        }
    }
    let next = store::sync::next_due(pool).await?;
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
        Ok(()) => store::sync::record_synced(pool, shop_id, id, product.revision, now).await?,
        Err(failure) => {
            let attempts = product.sync_attempts + 1;
            let give_up = !failure.retryable || attempts >= MAX_ATTEMPTS;
            let next_at = now + state.stripe.backoff(attempts - 1).as_millis() as i64;
            tracing::info!(product = id, attempts, error = %failure.message, "Stripe sync failed");
            let next_at = (!give_up).then_some(next_at);
            store::sync::record_failure(pool, shop_id, id, &failure.message, attempts, next_at)
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
    let active = p.status == Status::Active;
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
                store::sync::set_stripe_product(pool, p.id, &stripe_id).await?;
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
        store::sync::set_stripe_price(pool, v.id, &new_id, &Money::new(amount, &*p.currency))
            .await?;
        if let Some(old) = &v.stripe_price_id
            && let Err(f) =
                stripe::deactivate_price(client, old, &format!("showfloor-{old}-deactivate")).await
        {
            return Ok(Err(f));
        }
    }
    // Variants an option edit removed: switch their prices off, once.
    for removed in store::sync::removed_prices(pool, p.id).await? {
        let price_id = &removed.stripe_price_id;
        if let Err(f) = stripe::deactivate_price(
            client,
            price_id,
            &format!("showfloor-{price_id}-deactivate"),
        )
        .await
        {
            return Ok(Err(f));
        }
        store::sync::forget_stripe_price(pool, removed.variant_id).await?;
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
    if !store::sync::new_revision(&mut *tx, user.shop.id, id).await? {
        return Err(crate::error::Error::NotFound);
    }
    mark_pending(&mut tx, user.shop.id, id).await?;
    tx.commit().await?;
    wake(&state);
    crate::web::flash(&user.session, "info", "Sending to Stripe again.").await;
    Ok(axum::response::Redirect::to(&format!("/catalog/products/{id}")).into_response())
}
