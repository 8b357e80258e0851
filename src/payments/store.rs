//! Payments' SQL: the shop's Stripe account (`stripe_accounts`) and the webhook
//! deliveries (`webhook_events`, each event id once per shop). Free functions taking an
//! executor; a delivery is recorded in the caller's transaction, beside its effect.

use secrecy::{ExposeSecret, SecretString};
use sqlx::{AnyConnection, AnyExecutor, FromRow};

use super::account::{StripeAccount, hint};
use crate::db::now_ms;

/// The row as stored; secrets become `SecretString`s as soon as they are read.
#[derive(FromRow)]
struct AccountRow {
    secret_key: String,
    key_hint: String,
    account_id: Option<String>,
    account_name: Option<String>,
    verified_at: Option<i64>,
    webhook_secret: Option<String>,
}

impl From<AccountRow> for StripeAccount {
    fn from(row: AccountRow) -> StripeAccount {
        StripeAccount {
            secret_key: SecretString::from(row.secret_key),
            key_hint: row.key_hint,
            account_id: row.account_id,
            account_name: row.account_name,
            verified_at: row.verified_at,
            webhook_secret: row
                .webhook_secret
                .filter(|s| !s.is_empty())
                .map(SecretString::from),
        }
    }
}

/// The shop's Stripe account, if it saved a key. The catalogue's sync reads the key here.
pub async fn account(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
) -> sqlx::Result<Option<StripeAccount>> {
    let row: Option<AccountRow> = sqlx::query_as(
        "SELECT secret_key, key_hint, account_id, account_name, verified_at, webhook_secret \
         FROM stripe_accounts WHERE shop_id = $1",
    )
    .bind(shop_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(StripeAccount::from))
}

/// Save (or replace) the key; a new key is a new account until tested. The webhook
/// secret is kept: it belongs to the endpoint, which the merchant may keep.
pub async fn save_key(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    key: &SecretString,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO stripe_accounts (shop_id, secret_key, key_hint, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (shop_id) DO UPDATE SET secret_key = excluded.secret_key, \
         key_hint = excluded.key_hint, account_id = NULL, account_name = NULL, verified_at = NULL, \
         updated_at = excluded.updated_at",
    )
    .bind(shop_id)
    .bind(key.expose_secret())
    .bind(hint(key))
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_verified(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    account_id: &str,
    account_name: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE stripe_accounts SET account_id = $1, account_name = $2, verified_at = $3 WHERE shop_id = $4",
    )
    .bind(account_id)
    .bind(account_name)
    .bind(now_ms())
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Forget the key and the webhook secret: the shop is back on the offline provider.
pub async fn remove_account(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM stripe_accounts WHERE shop_id = $1")
        .bind(shop_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Save the webhook signing secret; false when the shop has no key to keep it beside.
pub async fn save_webhook_secret(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    secret: &SecretString,
) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE stripe_accounts SET webhook_secret = $1 WHERE shop_id = $2")
        .bind(secret.expose_secret())
        .bind(shop_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The shop a delivery is addressed to (by slug) and its signing secret, if it has one.
pub struct WebhookTarget {
    pub shop_id: i64,
    pub secret: Option<SecretString>,
}

pub async fn webhook_target(
    db: impl AnyExecutor<'_>,
    shop_slug: &str,
) -> sqlx::Result<Option<WebhookTarget>> {
    #[derive(FromRow)]
    struct Row {
        id: i64,
        webhook_secret: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT s.id, a.webhook_secret FROM shops s LEFT JOIN stripe_accounts a ON a.shop_id = s.id \
         WHERE s.slug = $1",
    )
    .bind(shop_slug)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| WebhookTarget {
        shop_id: r.id,
        secret: r
            .webhook_secret
            .filter(|s| !s.is_empty())
            .map(SecretString::from),
    }))
}

/// Store a verified delivery; `None` when this event id was stored before (Stripe
/// retries until it sees a 2xx, so every event may arrive more than once).
pub async fn record_delivery(
    conn: &mut AnyConnection,
    delivery: &super::webhook::Delivery,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO webhook_events (shop_id, event_id, event_type, payload, received_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop_id, event_id) DO NOTHING RETURNING id",
    )
    .bind(delivery.shop_id)
    .bind(&delivery.id)
    .bind(&delivery.kind)
    .bind(&delivery.raw)
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await
}

/// What applying a delivery came to, kept on its row.
pub struct Outcome<'a> {
    /// The order it was applied to: the row's link for the order's history.
    pub order_id: Option<i64>,
    /// In a few words ("refund recorded", "ignored: …").
    pub text: &'a str,
    /// The provider's payment it named, and a refund's running total: a refund that
    /// arrives before its payment is found again by these (`refund_waiting`).
    pub payment: Option<&'a str>,
    pub amount: Option<i64>,
}

pub async fn record_outcome(
    conn: &mut AnyConnection,
    row: i64,
    outcome: &Outcome<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhook_events SET order_id = $1, outcome = $2, payment_intent = $3, amount = $4 \
         WHERE id = $5",
    )
    .bind(outcome.order_id)
    .bind(outcome.text)
    .bind(outcome.payment)
    .bind(outcome.amount)
    .bind(row)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The largest refunded total delivered for this order or payment before it was paid
/// (Stripe may deliver a refund before the payment it refunds).
pub async fn refund_waiting(
    conn: &mut AnyConnection,
    shop_id: i64,
    order_id: i64,
    payment: Option<&str>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MAX(amount) FROM webhook_events WHERE shop_id = $1 AND event_type = 'charge.refunded' \
         AND (order_id = $2 OR (payment_intent IS NOT NULL AND payment_intent = $3))",
    )
    .bind(shop_id)
    .bind(order_id)
    .bind(payment)
    .fetch_one(&mut *conn)
    .await
}
