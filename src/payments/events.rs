//! What each Stripe event does to an order, in one transaction with the event's row.
//! Only the fields Showfloor needs are read from the payload, so an event shaped by
//! another Stripe API version still works. Deliveries may come out of order: a refund
//! before the payment waits on its event row until the payment lands; an expiry after
//! payment changes nothing.

use serde_json::Value;
use sqlx::AnyConnection;

use crate::orders::domain::OrderStatus;
use crate::orders::lifecycle::{self, Payment};
use crate::orders::store::{self, Actor, Order};
use crate::state::AppState;

/// Store and apply one verified event; returns its outcome in a few words.
pub async fn apply(
    state: &AppState,
    shop_id: i64,
    id: &str,
    kind: &str,
    event: &Value,
    raw: &str,
) -> anyhow::Result<String> {
    let object = &event["data"]["object"];
    let mut tx = state.db.pool.begin().await?;
    let row: Option<i64> = sqlx::query_scalar(
        "INSERT INTO webhook_events (shop_id, event_id, event_type, payload, received_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop_id, event_id) DO NOTHING RETURNING id",
    )
    .bind(shop_id)
    .bind(id)
    .bind(kind)
    .bind(raw)
    .bind(crate::db::now_ms())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok("duplicate: already processed".into());
    };
    let (order, outcome, intent, amount) = match kind {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            completed(&mut tx, shop_id, object).await?
        }
        "checkout.session.async_payment_failed" | "checkout.session.expired" => {
            ended(&mut tx, shop_id, kind, object).await?
        }
        "charge.refunded" => refunded(&mut tx, shop_id, object).await?,
        _ => (
            None,
            "ignored: not an event Showfloor uses".to_string(),
            None,
            None,
        ),
    };
    sqlx::query(
        "UPDATE webhook_events SET order_id = $1, outcome = $2, payment_intent = $3, amount = $4 WHERE id = $5",
    )
    .bind(order.as_ref().map(|o| o.id))
    .bind(&outcome)
    .bind(intent)
    .bind(amount)
    .bind(row)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Some(order) = order
        && let Ok(Some(fresh)) = store::by_id(&state.db.pool, shop_id, order.id).await
    {
        crate::orders::ticker::emit(state, &fresh, fresh.status().as_str());
    }
    Ok(outcome)
}

type Applied = (Option<Order>, String, Option<String>, Option<i64>);

/// The order a Checkout Session belongs to: its metadata, else its id on our side.
async fn session_order(
    conn: &mut AnyConnection,
    shop_id: i64,
    object: &Value,
) -> sqlx::Result<Option<Order>> {
    let id = object["metadata"]["showfloor_order_id"]
        .as_str()
        .or(object["client_reference_id"].as_str())
        .and_then(|s| s.parse::<i64>().ok());
    if let Some(id) = id
        && let Some(order) = store::by_id(&mut *conn, shop_id, id).await?
    {
        return Ok(Some(order));
    }
    store::by_stripe(&mut *conn, shop_id, None, object["id"].as_str()).await
}

fn address(object: &Value) -> String {
    let shipping = [
        &object["collected_information"]["shipping_details"],
        &object["shipping_details"],
        &object["customer_details"],
    ]
    .into_iter()
    .find(|s| s["address"].is_object());
    let Some(shipping) = shipping else {
        return String::new();
    };
    let a = &shipping["address"];
    let mut parts: Vec<String> = ["name"]
        .iter()
        .filter_map(|k| shipping[*k].as_str().map(String::from))
        .collect();
    for key in ["line1", "line2", "postal_code", "city", "state", "country"] {
        if let Some(v) = a[key].as_str().filter(|v| !v.is_empty()) {
            parts.push(v.to_string());
        }
    }
    parts.join("\n")
}

async fn completed(
    conn: &mut AnyConnection,
    shop_id: i64,
    object: &Value,
) -> anyhow::Result<Applied> {
    let Some(order) = session_order(conn, shop_id, object).await? else {
        return Ok((None, "ignored: no such order".into(), None, None));
    };
    let intent = object["payment_intent"].as_str().map(String::from);
    let status = object["payment_status"].as_str().unwrap_or("");
    if status != "paid" && status != "no_payment_required" {
        // A delayed method (bank debit…): keep the stock until Stripe says how it ended.
        sqlx::query("UPDATE orders SET expires_at = $1, stripe_payment_intent = COALESCE($2, stripe_payment_intent) WHERE id = $3 AND shop_id = $4 AND status = 'pending'")
            .bind(crate::db::now_ms() + 7 * 24 * 3600 * 1000)
            .bind(intent.as_deref())
            .bind(order.id)
            .bind(shop_id)
            .execute(&mut *conn)
            .await?;
        return Ok((
            Some(order),
            "awaiting an asynchronous payment".into(),
            intent,
            None,
        ));
    }
    let details = &object["customer_details"];
    let payment = Payment {
        provider: "stripe",
        reference: object["id"].as_str(),
        amount: object["amount_total"].as_i64().unwrap_or(order.total.minor),
        email: details["email"].as_str().unwrap_or(""),
        name: details["name"].as_str().unwrap_or(""),
        address: &address(object),
        payment_intent: intent.as_deref(),
    };
    let paid = lifecycle::mark_paid(conn, &order, &payment, Actor::Stripe).await?;
    let mut outcome = format!("{paid:?}").to_lowercase();
    // A refund that arrived before this payment applies now.
    let waiting: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(amount) FROM webhook_events WHERE shop_id = $1 AND event_type = 'charge.refunded' \
         AND (order_id = $2 OR (payment_intent IS NOT NULL AND payment_intent = $3))",
    )
    .bind(shop_id)
    .bind(order.id)
    .bind(intent.as_deref())
    .fetch_one(&mut *conn)
    .await?;
    if let Some(total) = waiting
        && apply_refund_total(conn, shop_id, order.id, total, None).await?
    {
        outcome.push_str(", then refunded (the refund had arrived first)");
    }
    Ok((Some(order), outcome, intent, None))
}

async fn ended(
    conn: &mut AnyConnection,
    shop_id: i64,
    kind: &str,
    object: &Value,
) -> anyhow::Result<Applied> {
    let Some(order) = session_order(conn, shop_id, object).await? else {
        return Ok((None, "ignored: no such order".into(), None, None));
    };
    if order.stripe_session_id.as_deref() != object["id"].as_str() {
        return Ok((
            Some(order),
            "ignored: an earlier checkout of this order".into(),
            None,
            None,
        ));
    }
    let (to, note) = if kind == "checkout.session.expired" {
        (OrderStatus::Expired, "Checkout expired at Stripe")
    } else {
        (OrderStatus::Cancelled, "The payment failed")
    };
    let done = lifecycle::release(conn, &order, to, Actor::Stripe, note).await?;
    let outcome = if done {
        format!("{}: stock released", to.as_str())
    } else {
        format!("ignored: the order is {}", order.status.as_str())
    };
    Ok((Some(order), outcome, None, None))
}

async fn refunded(
    conn: &mut AnyConnection,
    shop_id: i64,
    object: &Value,
) -> anyhow::Result<Applied> {
    let intent = object["payment_intent"].as_str().map(String::from);
    let total = object["amount_refunded"].as_i64().unwrap_or(0);
    let by_meta = object["metadata"]["showfloor_order_id"]
        .as_str()
        .and_then(|s| s.parse::<i64>().ok());
    let order = match by_meta {
        Some(id) => store::by_id(&mut *conn, shop_id, id).await?,
        None => None,
    };
    let order = match order {
        Some(o) => Some(o),
        None => store::by_stripe(&mut *conn, shop_id, intent.as_deref(), None).await?,
    };
    let Some(order) = order else {
        return Ok((
            None,
            "waiting: the payment has not arrived yet".into(),
            intent,
            Some(total),
        ));
    };
    if !order.status().is_paid() {
        return Ok((
            Some(order),
            "waiting: the payment has not arrived yet".into(),
            intent,
            Some(total),
        ));
    }
    let applied = apply_refund_total(conn, shop_id, order.id, total, object["id"].as_str()).await?;
    let outcome = if applied {
        "refund recorded"
    } else {
        "already recorded"
    };
    Ok((Some(order), outcome.into(), intent, Some(total)))
}

/// Bring the order's refunded amount up to Stripe's cumulative `total`. A full refund
/// of an order not yet shipped puts its units back on the shelf.
pub async fn apply_refund_total(
    conn: &mut AnyConnection,
    shop_id: i64,
    order_id: i64,
    total: i64,
    reference: Option<&str>,
) -> sqlx::Result<bool> {
    let Some(order) = store::by_id(&mut *conn, shop_id, order_id).await? else {
        return Ok(false);
    };
    let delta = total.min(order.total.minor) - order.refunded_amount.minor;
    if delta <= 0 || !order.status().is_paid() {
        return Ok(false);
    }
    let restock = if total >= order.total.minor && order.status() == OrderStatus::Paid {
        lifecycle::restockable(conn, &order).await?
    } else {
        Vec::new()
    };
    let record = store::PaymentRecord {
        provider: "stripe",
        kind: "refund",
        reference,
        amount: delta,
        note: "Refunded in Stripe",
    };
    let delta = crate::money::Money::new(delta, order.currency());
    lifecycle::refund(conn, &order, &delta, &restock, Actor::Stripe, &record).await
}
