//! The offline test provider's checkout page ("test mode — no money moves"): collects
//! name, e-mail and address and marks the order paid, as a real provider's webhook would.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::checkout::{closed, json_refusal, load, wants_json};
use super::domain::OrderStatus;
use super::lifecycle::{self, Paid, Payment};
use super::store::{self, Actor, Order};
use super::view::{self, LineView};
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, render, render_status};

#[derive(Template)]
#[template(path = "orders/test_checkout.html")]
struct TestCheckoutPage {
    layout: Layout,
    order: Order,
    lines: Vec<LineView>,
    total: String,
    form: TestForm,
    errors: FormErrors,
    message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TestForm {
    pub(super) name: String,
    pub(super) email: String,
    pub(super) address: String,
    /// A live coupon's code (the sheet sends the one the shopper kept).
    coupon: Option<String>,
}

async fn test_checkout(
    state: &AppState,
    session: &Session,
    order: Order,
    form: TestForm,
    errors: FormErrors,
    message: String,
) -> Result<TestCheckoutPage> {
    // A shop with a Stripe key takes real payments: its orders have no test page.
    if crate::payments::store::account(&state.db.pool, order.shop_id)
        .await?
        .is_some()
    {
        return Err(Error::NotFound);
    }
    let lines = store::lines(&state.db.pool, order.shop_id, order.id).await?;
    Ok(TestCheckoutPage {
        layout: Layout::public(session, "Test checkout").await,
        lines: view::lines(&lines),
        total: view::total(&order),
        order,
        form,
        errors,
        message,
    })
}

/// `GET /checkout/{token}/test`: the offline provider's payment page.
pub async fn test_page(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response> {
    let order = load(&state, &token).await?;
    if order.status().is_paid() {
        return Ok(Redirect::to(&format!("/checkout/{token}/done")).into_response());
    }
    Ok(render(
        &test_checkout(
            &state,
            &session,
            order,
            TestForm::default(),
            FormErrors::default(),
            String::new(),
        )
        .await?,
    ))
}

/// Name, e-mail and shipping address, each said when missing or too long (also the
/// giveaway claim's form).
pub(super) fn validate(form: &TestForm) -> FormErrors {
    let mut errors = FormErrors::default();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("name", "Enter your name (up to 100 characters).");
    }
    let email = form.email.trim();
    if email.len() > 254
        || !email
            .split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.'))
    {
        errors.add("email", "Enter an e-mail address like anna@example.com.");
    }
    let address = form.address.trim();
    if address.is_empty() || address.chars().count() > 500 {
        errors.add(
            "address",
            "Enter the address to ship to (up to 500 characters).",
        );
    }
    errors
}

/// A 422 for a page script: `{error, fields}` naming what [`validate`] found.
pub(super) fn refused_fields(errors: &FormErrors) -> Response {
    let fields: serde_json::Map<String, serde_json::Value> = ["name", "email", "address"]
        .into_iter()
        .filter(|f| errors.has(f))
        .map(|f| (f.to_string(), serde_json::Value::from(errors.get(f))))
        .collect();
    let body = serde_json::json!({ "error": "Check the fields marked below.", "fields": fields });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// `POST /checkout/{token}/test`: mark the order paid (no money moves). A form from the
/// test page, or JSON from the checkout sheet (answered `{paid, number, …}`, or 422 with
/// `fields` naming what to fix, or 409).
pub async fn test_pay(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let json = wants_json(&headers);
    let form: TestForm = if json {
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
        return refused(&state, &session, &token, form, message).await;
    }
    let errors = validate(&form);
    if !errors.is_empty() && json {
        return Ok(refused_fields(&errors));
    }
    if !errors.is_empty() {
        let page = test_checkout(&state, &session, order, form, errors, String::new()).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let order = match super::coupon::typed(form.coupon.as_deref()) {
        Some(code) => match super::coupon::apply(&state, order, &code).await? {
            Ok(order) => order,
            Err(refused) if json => return Ok(refused.response()),
            Err(refused) => return refused_page(&state, &session, &token, form, refused).await,
        },
        None => order,
    };
    let payment = Payment {
        provider: "test",
        reference: None,
        amount: order.total.minor,
        email: form.email.trim(),
        name: form.name.trim(),
        address: form.address.trim(),
        payment_intent: None,
    };
    let mut tx = state.db.pool.begin().await?;
    // Only a pending order is paid here: a released one is refused, never revived.
    let paid = if order.status() == OrderStatus::Pending {
        lifecycle::mark_paid(&mut tx, &order, &payment, Actor::TestProvider).await?
    } else {
        Paid::Flagged
    };
    if paid != Paid::Now {
        drop(tx);
        let message = "This order can no longer be paid; nothing was charged.".to_string();
        if json {
            return Ok(json_refusal(StatusCode::CONFLICT, &message));
        }
        return refused(&state, &session, &token, form, message).await;
    }
    tx.commit().await?;
    let fresh = store::by_token(&state.db.pool, &token).await?;
    if let Some(fresh) = &fresh {
        super::ticker::emit(&state, fresh, "paid");
    }
    if json {
        let paid = fresh.unwrap_or(order);
        return Ok(axum::Json(serde_json::json!({
            "paid": true,
            "number": paid.number,
            "total": paid.total.minor,
            "total_display": paid.total.to_string(),
            "currency": paid.total.currency,
            "email": paid.email,
            "mail": state.config.smtp_url.is_some(),
            "confirmation_url": format!("/checkout/{token}/done"),
        }))
        .into_response());
    }
    Ok(Redirect::to(&format!("/checkout/{token}/done")).into_response())
}

/// 409 with the page re-rendered as typed: the order (read again, so its current state
/// shows) can no longer be paid, and `message` says why.
async fn refused(
    state: &AppState,
    session: &Session,
    token: &str,
    form: TestForm,
    message: String,
) -> Result<Response> {
    let refusal = super::coupon::Refused {
        status: StatusCode::CONFLICT,
        message,
    };
    refused_page(state, session, token, form, refusal).await
}

/// The test page again with the refusal's sentence, at the refusal's status.
async fn refused_page(
    state: &AppState,
    session: &Session,
    token: &str,
    form: TestForm,
    refusal: super::coupon::Refused,
) -> Result<Response> {
    let order = load(state, token).await?;
    let page = test_checkout(
        state,
        session,
        order,
        form,
        FormErrors::default(),
        refusal.message,
    )
    .await?;
    Ok(render_status(refusal.status, &page))
}
