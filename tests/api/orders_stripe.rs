//! The Stripe provider against a fake Stripe API started in the test (the exact Checkout
//! Session form, Idempotency-Key, a 500 leaving the order pending), signed webhooks
//! (valid, bad signature, stale, duplicate, out of order, unknown, malformed) and the
//! reconciliation pass.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::fixtures::{self, NewPin};
use crate::helpers::{TestApp, spawn_app};
use crate::orders_support::*;

pub(crate) const KEY: &str = "sk_test_51FakeShowfloorOrders00004242";
pub(crate) const SECRET: &str = "whsec_showfloorTestSecret123";

#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) key: Option<String>,
    pub(crate) form: HashMap<String, String>,
}

#[derive(Default)]
pub(crate) struct Fake {
    pub(crate) calls: Mutex<Vec<Call>>,
    /// Statuses to answer the next calls with, in turn (then the calls succeed).
    pub(crate) fail: Mutex<VecDeque<u16>>,
}

async fn answer(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let path = uri.path().to_string();
    fake.calls.lock().unwrap().push(Call {
        method: method.to_string(),
        path: path.clone(),
        key: headers
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap().to_string()),
        form: form.clone(),
    });
    if let Some(status) = fake.fail.lock().unwrap().pop_front() {
        return (
            StatusCode::from_u16(status).unwrap(),
            axum::Json(json!({"error": {"type": "api_error", "message": "boom"}})),
        )
            .into_response();
    }
    let session = |id: &str, paid: bool| {
        json!({"id": id, "object": "checkout.session", "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
               "created": 1, "custom_fields": [], "custom_text": {"after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null},
               "expires_at": 2, "livemode": false, "mode": "payment", "payment_method_types": ["card"],
               "payment_status": if paid { "paid" } else { "unpaid" }, "status": if paid { "complete" } else { "open" },
               "payment_intent": if paid { json!("pi_reconciled") } else { Value::Null }, "amount_total": 4900,
               "shipping_options": [], "url": format!("https://checkout.stripe.test/pay/{id}")})
    };
    let body = match (method.as_str(), path.as_str()) {
        ("POST", "/v1/checkout/sessions") => session("cs_test_1", false),
        ("POST", p) if p.starts_with("/v1/checkout/sessions/") && p.ends_with("/expire") => {
            let mut expired = session(p.split('/').nth(4).unwrap(), false);
            expired["status"] = json!("expired");
            expired
        }
        ("GET", p) if p.starts_with("/v1/checkout/sessions/") => {
            session(p.rsplit('/').next().unwrap(), true)
        }
        ("POST", "/v1/coupons") => {
            json!({"id": "co_test_1", "object": "coupon", "amount_off": form.get("amount_off").and_then(|a| a.parse::<i64>().ok()),
                   "created": 1, "currency": form.get("currency"), "duration": "once", "livemode": false,
                   "max_redemptions": 1, "name": form.get("name"), "times_redeemed": 0, "valid": true})
        }
        ("POST", "/v1/refunds") => {
            let n = fake
                .calls
                .lock()
                .unwrap()
                .iter()
                .filter(|c| c.path == "/v1/refunds")
                .count();
            json!({"id": format!("re_{n}"), "object": "refund", "amount": form.get("amount").and_then(|a| a.parse::<i64>().ok()),
                   "created": 1, "currency": "eur", "status": "succeeded", "payment_intent": form.get("payment_intent")})
        }
        _ => {
            return (
                StatusCode::NOT_FOUND,
                axum::Json(
                    json!({"error": {"type": "invalid_request_error", "message": "no route"}}),
                ),
            )
                .into_response();
        }
    };
    axum::Json(body).into_response()
}

/// A shop with a Stripe key and webhook secret, its calls going to a fresh fake.
pub(crate) async fn stripe_sale(app: &TestApp, slug: &str, stock: i64) -> (Sale, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let router = Router::new().fallback(answer).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    app.server.as_ref().unwrap().state.stripe.set_api_base(url);
    let sale = sale(app, slug, stock).await;
    sqlx::query("INSERT INTO stripe_accounts (shop_id, secret_key, key_hint, updated_at) VALUES ($1, $2, 'sk_test_…4242', 0)")
        .bind(sale.shop_id)
        .bind(KEY)
        .execute(app.db())
        .await
        .unwrap();
    let saved = sale
        .owner
        .post("/settings/payments", &[("webhook_secret", SECRET)])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    (sale, fake)
}

pub(crate) async fn order_ids(app: &TestApp, number: &str) -> (i64, String) {
    sqlx::query_as("SELECT id, token FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn pay_creates_a_checkout_session_with_the_exact_fields_and_an_idempotency_key() {
    let app = spawn_app().await;
    let (sale, fake) = stripe_sale(&app, "stripe-session", 5).await;
    sqlx::query("UPDATE variants SET stripe_price_id = 'price_123', stripe_price_amount = 4900, stripe_price_currency = 'EUR' WHERE id = $1")
        .bind(sale.variant_id)
        .execute(app.db())
        .await
        .unwrap();
    let shopper = app.browser();
    let (_, body) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 2}),
    )
    .await;
    let number = body["order"].as_str().unwrap().to_string();
    let (id, token) = order_ids(&app, &number).await;

    let before = showfloor::db::now_ms();
    let pay = shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    let after = showfloor::db::now_ms();
    assert_eq!(pay.status, StatusCode::SEE_OTHER, "{}", pay.body);
    assert_eq!(pay.location(), "https://checkout.stripe.test/pay/cs_test_1");
    let calls = fake.calls.lock().unwrap().clone();
    let call = calls
        .iter()
        .find(|c| c.path == "/v1/checkout/sessions")
        .expect("session created");
    let f = &call.form;
    let base = app.server.as_ref().unwrap().state.config.base_url();
    assert_eq!(call.method, "POST");
    assert_eq!(
        call.key.as_deref(),
        Some(format!("showfloor-o{id}-checkout-1").as_str())
    );
    assert_eq!(f["mode"], "payment");
    // The 15-minute reservation ends before Stripe's earliest (30 minutes): the session
    // ends at that earliest plus a minute, and is expired through the API when the
    // reservation ends (orders_refunds).
    let expires_at: i64 = f["expires_at"].parse().unwrap();
    let minimum = 31 * 60;
    assert!(
        (before / 1000 + minimum..=after / 1000 + minimum).contains(&expires_at),
        "expires_at {expires_at}"
    );
    assert_eq!(f["line_items[0][price]"], "price_123");
    assert_eq!(f["line_items[0][quantity]"], "2");
    assert_eq!(f["client_reference_id"], id.to_string());
    assert_eq!(f["metadata[showfloor_order_id]"], id.to_string());
    assert_eq!(
        f["metadata[showfloor_stream_id]"],
        sale.stream_id.to_string()
    );
    assert_eq!(
        f["payment_intent_data[metadata][showfloor_order_id]"],
        id.to_string()
    );
    assert_eq!(f["shipping_address_collection[allowed_countries][0]"], "AT");
    assert!(f.values().any(|v| v == "FR"));
    // Back to the stream page, which shows the order's state (issue 15).
    let stream_page = format!("{base}/@stripe-session/flash");
    assert_eq!(f["success_url"], format!("{stream_page}?order={token}"));
    assert_eq!(
        f["cancel_url"],
        format!("{stream_page}?order={token}&cancelled=1")
    );
    assert!(
        !f.keys().any(|k| k.starts_with("payment_method_types")),
        "automatic payment methods"
    );

    // A live-offer price is sent as price_data.
    let offer = NewPin::new(sale.product_id, showfloor::db::now_ms()).offer(2900, "EUR");
    fixtures::pin(app.db(), sale.shop_id, sale.stream_id, offer).await;
    let other = app.browser();
    let (_, body) = buy(&other, &sale, one(&sale)).await;
    let (_, token2) = order_ids(&app, body["order"].as_str().unwrap()).await;
    other.post(&format!("/checkout/{token2}/pay"), &[]).await;
    let calls = fake.calls.lock().unwrap().clone();
    let f = &calls
        .iter()
        .rfind(|c| c.path == "/v1/checkout/sessions")
        .unwrap()
        .form;
    assert_eq!(f["line_items[0][price_data][currency]"], "eur");
    assert_eq!(f["line_items[0][price_data][unit_amount]"], "2900");
    assert_eq!(
        f["line_items[0][price_data][product_data][name]"],
        "Linen shirt"
    );
    assert!(!f.contains_key("line_items[0][price]"));
}

#[tokio::test]
async fn a_stripe_500_leaves_the_order_pending_with_a_retry_message() {
    let app = spawn_app().await;
    let (sale, fake) = stripe_sale(&app, "stripe-down", 5).await;
    let shopper = app.browser();
    let (_, body) = buy(&shopper, &sale, one(&sale)).await;
    let number = body["order"].as_str().unwrap().to_string();
    let (id, token) = order_ids(&app, &number).await;
    fake.fail.lock().unwrap().extend([500, 500, 500]);

    let page = shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    assert!(page.contains("try again"), "{}", page.body);
    assert_eq!(status_of(&app, &number).await, "pending");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (4, 1, 0));

    fake.fail.lock().unwrap().clear();
    let retry = shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    assert_eq!(retry.status, StatusCode::SEE_OTHER);
    let keys: Vec<_> = fake
        .calls
        .lock()
        .unwrap()
        .iter()
        .filter_map(|c| c.key.clone())
        .collect();
    assert_eq!(keys.last().unwrap(), &format!("showfloor-o{id}-checkout-2"));
}

/// POST a webhook signed at `t` (Unix seconds) with `secret`.
pub(crate) async fn deliver(
    app: &TestApp,
    shop: &str,
    body: &str,
    secret: &str,
    t: i64,
) -> (StatusCode, Value) {
    let signature = showfloor::payments::signature::sign(secret, t, body.as_bytes());
    let response = reqwest::Client::new()
        .post(format!("{}/webhooks/stripe/{shop}", app.base()))
        .header("stripe-signature", format!("t={t},v1={signature}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) fn now_s() -> i64 {
    showfloor::db::now_ms() / 1000
}

pub(crate) fn completed(event: &str, order_id: i64, amount: i64) -> String {
    json!({"id": event, "type": "checkout.session.completed", "api_version": "2099-01-01.future",
           "data": {"object": {"id": "cs_test_1", "object": "checkout.session", "client_reference_id": order_id.to_string(),
             "metadata": {"showfloor_order_id": order_id.to_string()}, "payment_status": "paid", "payment_intent": "pi_1",
             "amount_total": amount, "customer_details": {"email": "shopper@example.com", "name": "Sam Shopper"},
             "collected_information": {"shipping_details": {"name": "Sam Shopper", "address": {"line1": "1 Main St", "city": "Lyon", "postal_code": "69001", "country": "FR"}}},
             "some_future_field": {"nested": true}}}})
    .to_string()
}

#[tokio::test]
async fn signed_webhooks_mark_orders_paid_once_and_bad_ones_change_nothing() {
    let app = spawn_app().await;
    let (sale, _fake) = stripe_sale(&app, "hooks", 5).await;
    let shopper = app.browser();
    let (_, body) = buy(&shopper, &sale, one(&sale)).await;
    let number = body["order"].as_str().unwrap().to_string();
    let (id, token) = order_ids(&app, &number).await;
    shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    let event = completed("evt_paid", id, 4900);
    let shop = sale.shop.as_str();

    let (status, _) = deliver(&app, shop, &event, "whsec_wrongSecret000000", now_s()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, answer) = deliver(&app, shop, &event, SECRET, now_s() - 301).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["error"].as_str().unwrap().contains("300"));
    let missing = reqwest::Client::new()
        .post(format!("{}/webhooks/stripe/{shop}", app.base()))
        .body(event.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let (status, _) = deliver(&app, shop, "{not json", SECRET, now_s()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = deliver(&app, "no-such-shop", &event, SECRET, now_s()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, &number).await, "pending");

    let unknown =
        json!({"id": "evt_other", "type": "customer.created", "data": {"object": {}}}).to_string();
    let (status, answer) = deliver(&app, shop, &unknown, SECRET, now_s()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(answer["outcome"].as_str().unwrap().starts_with("ignored"));

    let (status, answer) = deliver(&app, shop, &event, SECRET, now_s()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(status_of(&app, &number).await, "paid");
    let (status, answer) = deliver(&app, shop, &event, SECRET, now_s()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(answer["outcome"].as_str().unwrap().contains("duplicate"));
    let payments: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments WHERE order_id = $1 AND kind = 'payment'",
    )
    .bind(id)
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(payments, 1);
    let (email, address, intent): (String, String, Option<String>) = sqlx::query_as(
        "SELECT email, shipping_address, stripe_payment_intent FROM orders WHERE id = $1",
    )
    .bind(id)
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(
        (email.as_str(), intent.as_deref()),
        ("shopper@example.com", Some("pi_1"))
    );
    assert!(address.contains("Lyon"));
    // An expiry delivered after the payment changes nothing.
    let expired = json!({"id": "evt_late_expiry", "type": "checkout.session.expired", "data": {"object": {"id": "cs_test_1", "client_reference_id": id.to_string()}}}).to_string();
    deliver(&app, shop, &expired, SECRET, now_s()).await;
    assert_eq!(status_of(&app, &number).await, "paid");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (4, 0, 1));
    let detail = sale.owner.get(&format!("/orders/{number}")).await;
    assert!(detail.texts("#webhooks li").len() >= 2);
}

#[tokio::test]
async fn a_refund_delivered_before_the_payment_ends_refunded_with_the_stock_back() {
    let app = spawn_app().await;
    let (sale, _fake) = stripe_sale(&app, "early-refund", 5).await;
    let shopper = app.browser();
    let (_, body) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 2}),
    )
    .await;
    let number = body["order"].as_str().unwrap().to_string();
    let (id, token) = order_ids(&app, &number).await;
    shopper.post(&format!("/checkout/{token}/pay"), &[]).await;

    let refund = json!({"id": "evt_refund", "type": "charge.refunded", "data": {"object": {"id": "ch_1", "object": "charge",
        "payment_intent": "pi_1", "amount": 9800, "amount_refunded": 9800, "refunded": true, "metadata": {}}}}).to_string();
    let (status, answer) = deliver(&app, &sale.shop, &refund, SECRET, now_s()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        answer["outcome"].as_str().unwrap().contains("waiting"),
        "{answer}"
    );
    assert_eq!(status_of(&app, &number).await, "pending");

    let (status, _) = deliver(
        &app,
        &sale.shop,
        &completed("evt_done", id, 9800),
        SECRET,
        now_s(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_of(&app, &number).await, "refunded");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (5, 0, 0));
}

#[tokio::test]
async fn reconcile_marks_paid_an_order_whose_webhook_never_came() {
    let app = spawn_app().await;
    let (sale, _fake) = stripe_sale(&app, "reconcile", 5).await;
    let shopper = app.browser();
    let (_, body) = buy(&shopper, &sale, one(&sale)).await;
    let number = body["order"].as_str().unwrap().to_string();
    let (_, token) = order_ids(&app, &number).await;
    shopper.post(&format!("/checkout/{token}/pay"), &[]).await;

    let state = &app.server.as_ref().unwrap().state;
    let report = showfloor::orders::stripe_events::reconcile_pending(&state.db, &state.stripe)
        .await
        .unwrap();
    assert_eq!((report.checked, report.paid), (1, 1));
    assert_eq!(status_of(&app, &number).await, "paid");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (4, 0, 1));
}
