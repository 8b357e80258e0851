//! `/orders/{number}`: one order for the merchant: lines, attribution, payments and
//! webhook history, timeline; and the actions: fulfil, refund (with restock), cancel.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::domain::OrderStatus;
use super::fulfilment::{self, FulfilForm};
use super::lifecycle;
use super::store::{self, Actor, Order, PaymentEntry, TimelineEntry, WebhookEntry};
use super::view::{self, LineView};
use crate::auth::Member;
use crate::auth::roles::{ManageOrders, ViewOrders};
use crate::error::{Error, Result};
use crate::money::{self, Money};
use crate::payments::Provider;
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render};

#[derive(Template)]
#[template(path = "orders/detail.html")]
struct DetailPage {
    layout: Layout,
    order: Order,
    status: OrderStatus,
    lines: Vec<LineView>,
    total: String,
    refunded: String,
    refundable: String,
    stream: String,
    pin: String,
    created: String,
    timeline: Vec<(String, TimelineEntry)>,
    payments: Vec<(String, String, PaymentEntry)>,
    webhooks: Vec<(String, WebhookEntry)>,
    can_manage: bool,
    /// Order mails that did not leave (or wait for a retry), one sentence each.
    mail_notes: Vec<String>,
}

async fn load(state: &AppState, shop_id: i64, number: &str) -> Result<Order> {
    store::by_number(&state.db.pool, shop_id, number)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    user: Member<ViewOrders>,
    Path(number): Path<String>,
) -> Result<Response> {
    let order = load(&state, user.shop.id, &number).await?;
    let db = &state.db.pool;
    let zone = crate::time::zone(&user.shop.time_zone);
    let at = |ms: i64| crate::time::date_time(ms, &zone);
    let streams = super::dashboard::streams(db, user.shop.id).await?;
    let stream = order
        .stream_id
        .and_then(|id| streams.iter().find(|(s, _)| *s == id))
        .map(|(_, t)| t.clone())
        .unwrap_or_else(|| "—".into());
    let pin: Option<String> = match order.pin_id {
        Some(pin) => store::pin_title(db, user.shop.id, pin).await?,
        None => None,
    };
    let lines = store::lines(db, user.shop.id, order.id).await?;
    let page = DetailPage {
        layout: Layout::dashboard(&user, format!("Order {}", order.number), Section::Orders).await,
        status: order.status(),
        lines: view::lines(&lines),
        total: view::total(&order),
        refunded: order.refunded_amount.to_string(),
        refundable: order.refundable().decimal(),
        stream,
        pin: pin.unwrap_or_else(|| "—".into()),
        created: at(order.created_at),
        timeline: store::timeline(db, user.shop.id, order.id)
            .await?
            .into_iter()
            .map(|t| (at(t.at), t))
            .collect(),
        payments: store::payments(db, user.shop.id, order.id)
            .await?
            .into_iter()
            .map(|p| (at(p.created_at), money::format(p.amount, &p.currency), p))
            .collect(),
        webhooks: store::webhooks(db, user.shop.id, order.id)
            .await?
            .into_iter()
            .map(|w| (at(w.received_at), w))
            .collect(),
        can_manage: user.can::<ManageOrders>(),
        mail_notes: super::mails::notes(db, user.shop.id, order.id).await?,
        order,
    };
    Ok(render(&page))
}

/// Carrier and tracking number checked (422 with the form as typed), then paid →
/// fulfilled and the shipping mail queued in one transaction.
pub async fn fulfil(
    State(state): State<AppState>,
    user: Member<ManageOrders>,
    Path(number): Path<String>,
    Form(form): Form<FulfilForm>,
) -> Result<Response> {
    let order = load(&state, user.shop.id, &number).await?;
    let shipment = match fulfilment::parse(&form) {
        Ok(shipment) => shipment,
        Err(refusal) => return Ok(fulfilment::refused(&user, order, form, refusal).await),
    };
    let (carrier, tracking) = (&shipment.carrier, &shipment.tracking);
    let mut tx = state.db.pool.begin().await?;
    if !lifecycle::fulfil(&mut tx, &order, carrier, tracking, Actor::User(user.id)).await? {
        return Err(Error::Conflict(format!(
            "An order that is {} cannot be fulfilled.",
            order.status().label().to_lowercase()
        )));
    }
    super::mails::queue_shipped(&mut tx, &order).await?;
    tx.commit().await?;
    state.mail.wake.notify_one();
    flash(
        &user.session,
        "success",
        format!("Order {number} is fulfilled."),
    )
    .await;
    Ok(Redirect::to(&format!("/orders/{number}")).into_response())
}

pub async fn cancel(
    State(state): State<AppState>,
    user: Member<ManageOrders>,
    Path(number): Path<String>,
) -> Result<Response> {
    let order = load(&state, user.shop.id, &number).await?;
    if !lifecycle::cancel(
        &state,
        &order,
        Actor::User(user.id),
        "Cancelled by the shop",
    )
    .await?
    {
        return Err(Error::Conflict(
            "Only an order awaiting payment can be cancelled; refund a paid one.".into(),
        ));
    }
    flash(
        &user.session,
        "success",
        format!("Order {number} is cancelled and its items are back on sale."),
    )
    .await;
    Ok(Redirect::to(&format!("/orders/{number}")).into_response())
}

/// `amount` (decimal in the order's currency) and `restock_{line id}` units.
pub async fn refund(
    State(state): State<AppState>,
    user: Member<ManageOrders>,
    Path(number): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    let order = load(&state, user.shop.id, &number).await?;
    let left = order.refundable();
    let amount = Money::parse(
        form.get("amount").map(String::as_str).unwrap_or(""),
        order.currency(),
    )
    .map_err(Error::BadRequest)?;
    if amount.minor <= 0 || amount.minor > left.minor {
        return Err(Error::BadRequest(format!(
            "Refund between {} and {left}.",
            Money::new(1, order.currency()),
        )));
    }
    let mut restock = Vec::new();
    for (key, value) in &form {
        if let Some(line) = key
            .strip_prefix("restock_")
            .and_then(|id| id.parse::<i64>().ok())
        {
            let units = value
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|u| *u >= 0)
                .ok_or_else(|| {
                    Error::BadRequest(
                        "Enter how many units go back on the shelf, 0 or more.".into(),
                    )
                })?;
            restock.push((line, units));
        }
    }
    if !order.status.is_paid() || order.status == OrderStatus::Refunded {
        return Err(Error::Conflict("Only a paid order can be refunded.".into()));
    }
    let provider = crate::payments::provider_for(&state, user.shop.id).await?;
    let provider_name = if order.provider.as_deref() == Some("stripe") {
        provider.name()
    } else {
        "test"
    };
    let key = format!(
        "showfloor-o{}-refund-{}-{}",
        order.id, order.refunded_amount.minor, amount.minor
    );
    let reference = if provider_name == "stripe" {
        provider
            .refund(&super::charge::refund_request(&order, &amount, &key))
            .await
            .map_err(|f| Error::Conflict(f.0))?
            .reference
    } else {
        crate::payments::offline::Offline
            .refund(&super::charge::refund_request(&order, &amount, &key))
            .await
            .map_err(|f| Error::Conflict(f.0))?
            .reference
    };
    let mut tx = state.db.pool.begin().await?;
    let record = store::PaymentRecord {
        provider: provider_name,
        kind: "refund",
        reference: Some(&reference),
        amount: amount.minor,
        note: "Refunded from the dashboard",
    };
    if !lifecycle::refund(
        &mut tx,
        &order,
        &amount,
        &restock,
        Actor::User(user.id),
        &record,
    )
    .await?
    {
        return Err(Error::Conflict(
            "The order changed meanwhile; reload and check what is left to refund.".into(),
        ));
    }
    tx.commit().await?;
    state.orders.hints.raised();
    if let Some(fresh) = store::by_id(&state.db.pool, user.shop.id, order.id).await? {
        super::ticker::emit(&state, &fresh, "refunded");
    }
    flash(
        &user.session,
        "success",
        format!("Refunded {amount} on order {number}."),
    )
    .await;
    Ok(Redirect::to(&format!("/orders/{number}")).into_response())
}
