//! Where Stripe's reports reach the orders: `POST /webhooks/stripe/{shop}` and
//! `showfloor stripe reconcile`. Payments checks and reads them (`payments::webhook`,
//! `payments::reconcile`) into `PaymentEvent`s; here each is applied to its order
//! (`payment_events`) in one transaction with its delivery's row, and a moved order is
//! put on the studio's ticker after the commit.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::payment_events::{self, Applied};
use super::{late, store, ticker};
use crate::config::Config;
use crate::db::Db;
use crate::payments::event::PaymentEvent;
use crate::payments::store::{self as payments_store, Outcome};
use crate::payments::stripe::StripeLink;
use crate::payments::{reconcile, webhook};
use crate::state::AppState;

/// `POST /webhooks/stripe/{shop}`: a retry of a stored event is acknowledged without
/// effect; an unknown type is acknowledged and ignored; a failure answers 5xx so that
/// Stripe retries.
pub async fn receive(
    State(state): State<AppState>,
    Path(shop): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delivery = match webhook::verify(&state.db.pool, &shop, &headers, &body).await {
        Ok(delivery) => delivery,
        Err(refusal) => return refusal.into_response(),
    };
    match apply_delivery(&state, &delivery).await {
        Ok(outcome) => webhook::accepted(&outcome),
        Err(err) => {
            tracing::error!(error = %err, event = %delivery.id, "webhook: applying the event failed");
            webhook::Refusal::retry_later().into_response()
        }
    }
}

async fn apply_delivery(state: &AppState, delivery: &webhook::Delivery) -> anyhow::Result<String> {
    let mut tx = state.db.pool.begin().await?;
    let Some(row) = payments_store::record_delivery(&mut tx, delivery).await? else {
        return Ok("duplicate: already processed".into());
    };
    let applied = match &delivery.event {
        Some(event) => payment_events::apply(&mut tx, delivery.shop_id, event).await?,
        None => Applied::ignored(None, "ignored: not an event Showfloor uses"),
    };
    let outcome = Outcome {
        order_id: applied.order.as_ref().map(|o| o.id),
        text: &applied.outcome,
        payment: delivery.event.as_ref().and_then(PaymentEvent::payment),
        amount: delivery
            .event
            .as_ref()
            .and_then(PaymentEvent::refunded_total),
    };
    payments_store::record_outcome(&mut tx, row, &outcome).await?;
    tx.commit().await?;
    announce(state, &applied).await;
    if applied.late_refund
        && let Some(order) = &applied.order
    {
        // Off the webhook's answer: Stripe waits for it, and the refund is a call back to
        // Stripe. A failure is put on the order (`late::refund`), not on the delivery.
        let (state, shop_id, order_id) = (state.clone(), order.shop_id, order.id);
        tokio::spawn(async move {
            if let Err(err) = late::refund(&state.db, &state.stripe, shop_id, order_id).await {
                tracing::error!(error = %err, order = order_id, "refunding a late payment failed");
            }
            if let Ok(Some(fresh)) = store::by_id(&state.db.pool, shop_id, order_id).await
                && fresh.late_payment == late::LatePayment::Refunded
            {
                ticker::emit(&state, &fresh, "refunded");
            }
        });
    }
    Ok(applied.outcome)
}

/// Put a moved order on its stream's ticker, as it is now.
async fn announce(state: &AppState, applied: &Applied) {
    let Some(order) = applied.order.as_ref().filter(|_| applied.moved) else {
        return;
    };
    if let Ok(Some(fresh)) = store::by_id(&state.db.pool, order.shop_id, order.id).await {
        ticker::emit(state, &fresh, fresh.status().as_str());
    }
}

/// What a reconciliation pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub checked: usize,
    pub paid: usize,
    pub expired: usize,
    pub failed: usize,
}

/// `showfloor stripe reconcile`
pub async fn reconcile_command(config: &Config) -> anyhow::Result<()> {
    let db = crate::open_database(config).await?;
    let report = reconcile_pending(&db, &StripeLink::new()).await?;
    println!(
        "Checked {} pending Stripe orders: {} paid, {} expired, {} could not be read.",
        report.checked, report.paid, report.expired, report.failed
    );
    Ok(())
}

/// Ask Stripe about the checkout of every pending order that has one and apply what a
/// missed webhook would have: paid, or expired with its stock released.
pub async fn reconcile_pending(db: &Db, link: &StripeLink) -> anyhow::Result<Report> {
    let mut report = Report::default();
    for order in store::payments::pending_stripe_orders(&db.pool).await? {
        report.checked += 1;
        let Some(account) = payments_store::account(&db.pool, order.shop_id).await? else {
            continue;
        };
        let checkout = order.stripe_session_id.clone().unwrap_or_default();
        let event = match reconcile::check(link, &account.secret_key, &checkout).await {
            Ok(Some(event)) => event,
            Ok(None) => continue,
            Err(failure) => {
                tracing::warn!(order = order.id, error = %failure.0, "reconcile: session unreadable");
                report.failed += 1;
                continue;
            }
        };
        let mut tx = db.pool.begin().await?;
        let applied = payment_events::apply(&mut tx, order.shop_id, &event).await?;
        tx.commit().await?;
        if applied.late_refund {
            late::refund(db, link, order.shop_id, order.id).await?;
        }
        match event {
            PaymentEvent::Completed(_) if applied.moved => report.paid += 1,
            PaymentEvent::Expired(_) if applied.moved => report.expired += 1,
            _ => {}
        }
    }
    Ok(report)
}
