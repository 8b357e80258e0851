//! `/orders/{number}`: one order for the merchant: lines, attribution, the timeline
//! (reserved, paid, fulfilled, refunded, expired/cancelled, late payments) in the shop's
//! zone, refund attempts, payments and webhook history; and the actions fulfil and
//! cancel. Refunds are `refund_form`'s (the form is on this page).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::domain::OrderStatus;
use super::fulfilment::{self, FulfilForm};
use super::lifecycle;
use super::refunds;
use super::store::{self, Actor, Order, PaymentEntry, TimelineEntry, WebhookEntry};
use super::view::{self, LineView};
use crate::auth::CurrentUser;
use crate::auth::Member;
use crate::auth::roles::{ManageOrders, ViewOrders};
use crate::error::{Error, Result};
use crate::money;
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render};

#[derive(Template)]
#[template(path = "orders/detail.html")]
pub(super) struct DetailPage {
    pub(super) layout: Layout,
    order: Order,
    status: OrderStatus,
    lines: Vec<LineView>,
    total: String,
    refunded: String,
    stream: String,
    pin: String,
    created: String,
    timeline: Vec<Moment>,
    payments: Vec<(String, String, PaymentEntry)>,
    webhooks: Vec<(String, WebhookEntry)>,
    refunds: Vec<RefundView>,
    /// What became of a late payment, in a sentence (empty when there was none).
    late_note: &'static str,
    /// Whether the refund form is shown (a role that may refund, money left to refund).
    can_refund: bool,
    /// The refund form as typed, with what was wrong with it.
    pub(super) refund: RefundForm,
    can_manage: bool,
    /// Order mails that did not leave (or wait for a retry), one sentence each.
    mail_notes: Vec<String>,
}

/// One step of the order's timeline as the page shows it.
pub(super) struct Moment {
    /// reserved, paid, fulfilled, refunded, expired, cancelled, late: the CSS hook.
    kind: &'static str,
    label: &'static str,
    when: String,
    who: String,
    note: String,
}

fn moment(t: TimelineEntry, zone: &jiff::tz::TimeZone) -> Moment {
    use OrderStatus::*;
    let (kind, label) = match (t.from_status, t.to_status) {
        (None, _) => ("reserved", "Reserved"),
        (Some(Expired | Cancelled), Paid) => ("late", "Late payment: items taken again"),
        (Some(from), to) if from == to && matches!(to, Expired | Cancelled) => {
            ("late", "Late payment")
        }
        (_, Paid) => ("paid", "Paid"),
        (_, Fulfilled) => ("fulfilled", "Fulfilled"),
        (_, PartiallyRefunded) => ("refunded", "Partially refunded"),
        (_, Refunded) => ("refunded", "Refunded"),
        (_, Expired) => ("expired", "Expired"),
        (_, Cancelled) => ("cancelled", "Cancelled"),
        (_, Pending) => ("reserved", "Awaiting payment"),
    };
    let who = match (&t.user_name, t.actor.as_str()) {
        (Some(name), _) => name.clone(),
        (None, "shopper") => "the shopper".into(),
        (None, "stripe") => "Stripe".into(),
        (None, "test") => "the test checkout".into(),
        (None, _) => "Showfloor".into(),
    };
    Moment {
        kind,
        label,
        when: crate::time::date_time(t.at, zone),
        who,
        note: t.note,
    }
}

/// A refund attempt on the page.
pub(super) struct RefundView {
    when: String,
    amount: String,
    reason: &'static str,
    status: &'static str,
    status_code: &'static str,
    provider_id: String,
    failure: String,
}

/// The refund form: the amount starts empty; on a refusal it is shown as typed.
#[derive(Debug, Default, Clone)]
pub(super) struct RefundForm {
    pub(super) amount: String,
    /// Units typed per line id.
    pub(super) restock: HashMap<i64, String>,
    pub(super) errors: Vec<String>,
}

impl RefundForm {
    /// What was typed for `line` (0 when nothing).
    fn units(&self, line: &i64) -> &str {
        self.restock.get(line).map(String::as_str).unwrap_or("0")
    }
}

pub(super) async fn load(state: &AppState, shop_id: i64, number: &str) -> Result<Order> {
    store::by_number(&state.db.pool, shop_id, number)
        .await?
        .ok_or(Error::NotFound)
}

/// The order's page for `user`, with the refund form as given.
pub(super) async fn page(
    state: &AppState,
    user: &CurrentUser,
    order: Order,
    refund: RefundForm,
) -> Result<DetailPage> {
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
    let can_manage = user.can::<ManageOrders>();
    Ok(DetailPage {
        layout: Layout::dashboard(user, format!("Order {}", order.number), Section::Orders).await,
        status: order.status(),
        lines: view::lines(&lines),
        total: view::total(&order),
        refunded: order.refunded_amount.to_string(),
        stream,
        pin: pin.unwrap_or_else(|| "—".into()),
        created: at(order.created_at),
        timeline: store::timeline(db, user.shop.id, order.id)
            .await?
            .into_iter()
            .map(|t| moment(t, &zone))
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
        refunds: store::refunds::of_order(db, user.shop.id, order.id)
            .await?
            .into_iter()
            .map(|r| RefundView {
                when: at(r.created_at),
                amount: r.amount.to_string(),
                reason: r.reason.label(),
                status: r.status.label(),
                status_code: r.status.as_str(),
                provider_id: r.provider_id.unwrap_or_default(),
                failure: r.failure,
            })
            .collect(),
        late_note: order.late_payment.note(),
        can_refund: can_manage && refunds::refundable(&order),
        refund,
        can_manage,
        mail_notes: super::mails::notes(db, user.shop.id, order.id).await?,
        order,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: Member<ViewOrders>,
    Path(number): Path<String>,
) -> Result<Response> {
    let order = load(&state, user.shop.id, &number).await?;
    Ok(render(
        &page(&state, &user, order, RefundForm::default()).await?,
    ))
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
