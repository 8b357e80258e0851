//! `showfloor stripe reconcile`: re-read from Stripe the Checkout Session of every
//! pending order that has one, and apply what a missed webhook would have: paid, or
//! expired with its stock released. Safe to run at any time, as often as wanted.

use crate::catalog::stripe::StripeLink;
use crate::config::Config;
use crate::db::Db;
use crate::orders::domain::OrderStatus;
use crate::orders::lifecycle::{self, Payment};
use crate::orders::store::{Actor, ORDER_COLUMNS, Order};

/// What a reconciliation pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub checked: usize,
    pub paid: usize,
    pub expired: usize,
    pub failed: usize,
}

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let db = crate::open_database(config).await?;
    let report = reconcile(&db, &StripeLink::new()).await?;
    println!(
        "Checked {} pending Stripe orders: {} paid, {} expired, {} could not be read.",
        report.checked, report.paid, report.expired, report.failed
    );
    Ok(())
}

pub async fn reconcile(db: &Db, link: &StripeLink) -> anyhow::Result<Report> {
    let pending: Vec<Order> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o WHERE o.status = 'pending' AND o.stripe_session_id IS NOT NULL ORDER BY o.id"
    ))
    .fetch_all(&db.pool)
    .await?;
    let mut report = Report::default();
    for order in pending {
        report.checked += 1;
        let Some(account) = crate::catalog::stripe::account::get(&db.pool, order.shop_id).await?
        else {
            continue;
        };
        let provider = super::stripe::StripeProvider::new(link, account.secret_key);
        let session_id = order.stripe_session_id.clone().unwrap_or_default();
        let session = match provider.session(&session_id).await {
            Ok(s) => s,
            Err(failure) => {
                tracing::warn!(order = order.id, error = %failure.0, "reconcile: session unreadable");
                report.failed += 1;
                continue;
            }
        };
        let mut tx = db.pool.begin().await?;
        if session.paid {
            let payment = Payment {
                provider: "stripe",
                reference: Some(&session_id),
                amount: session.amount_total.unwrap_or(order.total.minor),
                email: session.email.as_deref().unwrap_or(""),
                name: "",
                address: "",
                payment_intent: session.payment_intent.as_deref(),
            };
            lifecycle::mark_paid(&mut tx, &order, &payment, Actor::Stripe).await?;
            report.paid += 1;
        } else if session.expired
            && lifecycle::release(
                &mut tx,
                &order,
                OrderStatus::Expired,
                Actor::Stripe,
                "Checkout expired at Stripe (reconciled)",
            )
            .await?
        {
            report.expired += 1;
        }
        tx.commit().await?;
    }
    Ok(report)
}
