//! The shopper's side after Buy, opened in a new tab or popup so the stream keeps
//! playing: the order (cart) page with Pay and Cancel, the confirmation page with the
//! order number, and a status JSON the stream page polls. The offline test checkout is
//! in `test_checkout`.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use tower_sessions::Session;

use super::domain::OrderStatus;
use super::lifecycle;
use super::store::{self, Actor, Order};
use super::view::{self, LineView};
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::payments;
use crate::state::AppState;
use crate::web::{Layout, render, render_status};

#[derive(Template)]
#[template(path = "orders/checkout.html")]
struct CheckoutPage {
    layout: Layout,
    order: Order,
    lines: Vec<LineView>,
    total: String,
    status: OrderStatus,
    expires_iso: String,
    /// The hold's end in the shop's zone, for a page without script.
    expires_local: String,
    stream_path: String,
    message: String,
}

pub(super) async fn load(state: &AppState, token: &str) -> Result<Order> {
    store::by_token(&state.db.pool, token)
        .await?
        .ok_or(Error::NotFound)
}

async fn checkout_page(
    state: &AppState,
    session: &Session,
    order: Order,
    message: String,
) -> Result<CheckoutPage> {
    let lines = store::lines(&state.db.pool, order.shop_id, order.id).await?;
    Ok(CheckoutPage {
        layout: Layout::public(session, format!("Order {}", order.number)).await,
        lines: view::lines(&lines),
        total: view::total(&order),
        status: order.status(),
        expires_iso: crate::time::iso(order.expires_at),
        expires_local: {
            let zone = store::bag::shop_zone(&state.db.pool, order.shop_id)
                .await?
                .unwrap_or_else(|| "UTC".into());
            crate::time::date_time(order.expires_at, &crate::time::zone(&zone))
        },
        stream_path: view::stream_path(&state.db.pool, &order)
            .await?
            .unwrap_or_else(|| "/".into()),
        order,
        message,
    })
}

/// `GET /checkout/{token}`
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response> {
    let order = load(&state, &token).await?;
    if order.status().is_paid() {
        return Ok(Redirect::to(&format!("/checkout/{token}/done")).into_response());
    }
    Ok(render(
        &checkout_page(&state, &session, order, String::new()).await?,
    ))
}

/// `GET /checkout/{token}/status`: what the stream page shows about this order.
pub async fn status(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let order = load(&state, &token).await?;
    Ok(Json(json!({
        "number": order.number,
        "status": order.status,
        "paid": order.status().is_paid(),
        "total_display": view::total(&order),
        "confirmation_url": format!("/checkout/{token}/done"),
    }))
    .into_response())
}

const ENDED: &str = "This reservation has ended and the items went back on sale; nothing was charged. Tap Buy on the stream to try again.";

/// The refusal for an order that can no longer be paid, releasing it if its time is up.
pub(super) async fn closed(state: &AppState, order: &Order) -> Result<Option<String>> {
    if order.status == OrderStatus::Pending && order.expires_at <= now_ms() {
        lifecycle::expire(state, order).await?;
        return Ok(Some(ENDED.into()));
    }
    Ok(match order.status() {
        OrderStatus::Pending => None,
        OrderStatus::Expired => Some(ENDED.into()),
        OrderStatus::Cancelled => Some("This order was cancelled; nothing was charged.".into()),
        _ => Some("This order is already paid.".into()),
    })
}

/// Whether the request came from a page script (the checkout sheet) wanting JSON.
pub(super) fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"))
}

/// A refusal for the sheet: `status` and one sentence.
pub(super) fn json_refusal(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// What Pay may carry: a live coupon's code.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct PayForm {
    coupon: Option<String>,
}

/// `POST /checkout/{token}/pay`: start payment with the shop's provider, after applying
/// the coupon Pay carries (`coupon`). From the sheet (JSON) the answer is `{redirect}`,
/// which the page follows in the same tab; the provider sends the shopper back to the
/// stream page with `?order=` (paid or not).
pub async fn pay(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response> {
    let json = wants_json(&headers);
    let form: PayForm = if body.is_empty() {
        PayForm::default()
    } else if json {
        serde_json::from_slice(&body)
            .map_err(|_| Error::BadRequest("The request is not valid JSON.".into()))?
    } else {
        serde_urlencoded::from_bytes(&body)
            .map_err(|_| Error::BadRequest("The form could not be read.".into()))?
    };
    let order = load(&state, &token).await?;
    if let Some(message) = closed(&state, &order).await? {
        if json {
            return Ok(json_refusal(StatusCode::CONFLICT, &message));
        }
        let order = load(&state, &token).await?;
        return Ok(render_status(
            StatusCode::CONFLICT,
            &checkout_page(&state, &session, order, message).await?,
        ));
    }
    let order = match super::coupon::typed(form.coupon.as_deref()) {
        Some(code) => match super::coupon::apply(&state, order, &code).await? {
            Ok(order) => order,
            Err(refused) if json => return Ok(refused.response()),
            Err(refused) => {
                let order = load(&state, &token).await?;
                let page = checkout_page(&state, &session, order, refused.message).await?;
                return Ok(render_status(refused.status, &page));
            }
        },
        None => order,
    };
    let provider = payments::provider_for(&state, order.shop_id).await?;
    let lines = store::lines(&state.db.pool, order.shop_id, order.id).await?;
    let base = state.config.base_url();
    let attempt = store::checkout_attempts(&state.db.pool, &order).await? + 1;
    let mut request = super::charge::checkout_request(&order, &lines, &base, attempt);
    // Back to the stream, where the sheet shows the order's state (paid, or still held).
    if let Some(path) = view::stream_path(&state.db.pool, &order).await? {
        request.success_url = format!("{base}{path}?order={token}");
        request.cancel_url = format!("{base}{path}?order={token}&cancelled=1");
    }
    // The cart is closed from here on: the next Buy starts a new order.
    store::set_provider(&state.db.pool, &order, provider.name()).await?;
    match provider.start(&request).await {
        Ok(started) => {
            if let Some(stream_id) = order.stream_id {
                // Checkout started, for reports (written off the request path).
                state
                    .capture
                    .record(crate::reports::capture::Event::Checkout {
                        shop_id: order.shop_id,
                        stream_id,
                        order_id: order.id,
                        viewer_id: order.viewer_id.clone(),
                        at: crate::db::now_ms(),
                    });
            }
            if let Some(reference) = &started.reference {
                store::set_checkout_session(&state.db.pool, &order, reference).await?;
            }
            let record = store::PaymentRecord {
                provider: provider.name(),
                kind: "checkout",
                reference: started.reference.as_deref(),
                amount: order.total.minor,
                note: "Checkout started",
            };
            store::record_payment(&state.db.pool, &order, &record).await?;
            if json {
                return Ok(Json(json!({ "redirect": started.redirect })).into_response());
            }
            Ok(Redirect::to(&started.redirect).into_response())
        }
        Err(failure) => {
            tracing::warn!(order = order.id, error = %failure.0, "starting payment failed");
            let record = store::PaymentRecord {
                provider: provider.name(),
                kind: "failure",
                reference: None,
                amount: 0,
                note: &failure.0,
            };
            store::record_payment(&state.db.pool, &order, &record).await?;
            let message = "The payment service is not answering right now. Your items are still reserved: try again in a moment.".to_string();
            if json {
                return Ok(json_refusal(StatusCode::BAD_GATEWAY, &message));
            }
            Ok(render_status(
                StatusCode::BAD_GATEWAY,
                &checkout_page(&state, &session, order, message).await?,
            ))
        }
    }
}

/// `POST /checkout/{token}/cancel`: the shopper gives the items back.
pub async fn cancel(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let order = load(&state, &token).await?;
    lifecycle::cancel(&state, &order, Actor::Shopper, "Cancelled by the shopper").await?;
    let back = view::stream_path(&state.db.pool, &order)
        .await?
        .unwrap_or_else(|| "/".into());
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "orders/done.html")]
struct DonePage {
    layout: Layout,
    order: Order,
    lines: Vec<LineView>,
    total: String,
    paid: bool,
    stream_path: String,
    checkout_js: &'static str,
    /// Whether mail can go out at all: the page promises a confirmation only then.
    mail: bool,
}

/// `GET /checkout/{token}/done`: the confirmation with the order number.
pub async fn done(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response> {
    let order = load(&state, &token).await?;
    let lines = store::lines(&state.db.pool, order.shop_id, order.id).await?;
    Ok(render(&DonePage {
        layout: Layout::public(&session, format!("Order {}", order.number)).await,
        lines: view::lines(&lines),
        total: view::total(&order),
        paid: order.status().is_paid(),
        checkout_js: crate::web::assets::url("checkout.js"),
        mail: state.config.smtp_url.is_some(),
        stream_path: view::stream_path(&state.db.pool, &order)
            .await?
            .unwrap_or_else(|| "/".into()),
        order,
    }))
}
