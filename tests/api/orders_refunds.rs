//! Money that never strands, against the local fake Stripe (orders_stripe's): a checkout
//! session is expired through the API when its reservation ends; a late payment is
//! revived when the stock is there or refunded through Stripe (the exact call) when it
//! is gone, with the failure of that call put on the order and a retry that works;
//! refunds from the order page in two steps through the provider that took the money,
//! refused when the shop's key was removed; `charge.refunded` applied in every state.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};
use crate::orders_stripe::{Call, Fake, SECRET, completed, deliver, now_s, order_ids, stripe_sale};
use crate::orders_support::*;

/// Wait (with a deadline) until the fake saw a call matching `pred`; returns it.
async fn wait_call(fake: &Fake, what: &str, pred: impl Fn(&Call) -> bool) -> Call {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(call) = fake.calls.lock().unwrap().iter().find(|c| pred(c)) {
            return call.clone();
        }
        assert!(Instant::now() < deadline, "no {what} call reached Stripe");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn refund_calls(fake: &Fake) -> Vec<Call> {
    let calls = fake.calls.lock().unwrap();
    calls
        .iter()
        .filter(|c| c.path == "/v1/refunds")
        .cloned()
        .collect()
}

/// (late_payment, refunded_amount, attention) of the order.
async fn money_of(app: &TestApp, number: &str) -> (String, i64, String) {
    sqlx::query_as("SELECT late_payment, refunded_amount, attention FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(app.db())
        .await
        .unwrap()
}

async fn wait_late(app: &TestApp, number: &str, late: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = money_of(app, number).await;
        if now.0 == late {
            return;
        }
        assert!(Instant::now() < deadline, "order {number} stayed {now:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn revenue(app: &TestApp, sale: &Sale) -> i64 {
    showfloor::reports::live::figures(app.db(), sale.shop_id, sale.stream_id)
        .await
        .unwrap()
        .revenue
}

fn short_reservations(app: &TestApp) {
    let state = &app.server.as_ref().unwrap().state;
    state.orders.set_reservation(Duration::from_millis(300));
}

/// A shopper's Buy of `quantity` and the start of its Stripe checkout: (number, id).
async fn bought_and_started(app: &TestApp, sale: &Sale, quantity: i64) -> (String, i64) {
    let shopper = app.browser();
    let (status, body) = buy(
        &shopper,
        sale,
        json!({"variant_id": sale.variant_id, "quantity": quantity}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let number = body["order"].as_str().unwrap().to_string();
    let (id, token) = order_ids(app, &number).await;
    let pay = shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    assert_eq!(pay.status, StatusCode::SEE_OTHER, "{}", pay.body);
    (number, id)
}

#[tokio::test]
async fn a_stripe_checkout_is_expired_through_the_api_when_its_reservation_ends() {
    let app = spawn_app().await;
    let (sale, fake) = stripe_sale(&app, "expire-session", 5).await;
    short_reservations(&app);
    let (number, _) = bought_and_started(&app, &sale, 1).await;

    wait_status(&app, &number, "expired").await;
    let call = wait_call(&fake, "expire", |c| {
        c.path == "/v1/checkout/sessions/cs_test_1/expire"
    })
    .await;
    assert_eq!(call.method, "POST");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (5, 0, 0));
}

#[tokio::test]
async fn a_late_payment_with_stock_left_revives_the_order_and_counts_as_revenue() {
    let app = spawn_app().await;
    let (sale, _fake) = stripe_sale(&app, "late-revived", 5).await;
    short_reservations(&app);
    let (number, id) = bought_and_started(&app, &sale, 1).await;
    wait_status(&app, &number, "expired").await;
    assert_eq!(revenue(&app, &sale).await, 0);

    let (status, answer) = deliver(
        &app,
        &sale.shop,
        &completed("evt_late", id, 4900),
        SECRET,
        now_s(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(status_of(&app, &number).await, "paid");
    assert_eq!(money_of(&app, &number).await.0, "revived");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (4, 0, 1));
    assert_eq!(revenue(&app, &sale).await, 4900);
    let page = sale.owner.get(&format!("/orders/{number}")).await;
    assert_eq!(page.texts("#order-late").len(), 1);
    assert!(
        page.texts("#timeline li")
            .iter()
            .any(|t| t.contains("Late payment: items taken again")),
        "{:?}",
        page.texts("#timeline li")
    );
}

#[tokio::test]
async fn a_late_payment_whose_stock_is_gone_is_refunded_through_stripe_and_is_no_revenue() {
    let app = spawn_app().await;
    let (sale, fake) = stripe_sale(&app, "late-refunded", 1).await;
    short_reservations(&app);
    let (number, id) = bought_and_started(&app, &sale, 1).await;
    wait_status(&app, &number, "expired").await;
    // Another shopper takes the only unit and pays for it.
    let state = &app.server.as_ref().unwrap().state;
    state.orders.set_reservation(Duration::from_secs(900));
    let (other, other_id) = bought_and_started(&app, &sale, 1).await;
    let mut paid_other = completed("evt_other", other_id, 4900).replace("pi_1", "pi_other");
    paid_other = paid_other.replace("cs_test_1", "cs_other");
    deliver(&app, &sale.shop, &paid_other, SECRET, now_s()).await;
    assert_eq!(status_of(&app, &other).await, "paid");

    let (status, answer) = deliver(
        &app,
        &sale.shop,
        &completed("evt_late", id, 4900),
        SECRET,
        now_s(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    wait_late(&app, &number, "refunded").await;

    let calls = refund_calls(&fake);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let refund = &calls[0];
    assert_eq!(refund.method, "POST");
    assert_eq!(refund.form["payment_intent"], "pi_1");
    assert_eq!(refund.form["amount"], "4900");
    assert_eq!(refund.form["metadata[showfloor_order_id]"], id.to_string());
    let key = refund.key.clone().unwrap();
    assert!(
        key.starts_with(&format!("showfloor-o{id}-refund-")),
        "{key}"
    );
    let (_, refunded, attention) = money_of(&app, &number).await;
    assert_eq!((refunded, attention.as_str()), (4900, ""));
    assert_eq!(status_of(&app, &number).await, "expired");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (0, 0, 1));
    assert_eq!(revenue(&app, &sale).await, 4900, "only the other order");

    let page = sale.owner.get(&format!("/orders/{number}")).await;
    assert!(page.texts("#order-late")[0].contains("refunded in full"));
    assert!(
        page.texts("#timeline li")
            .iter()
            .any(|t| t.contains("Late payment refunded automatically")),
        "{:?}",
        page.texts("#timeline li")
    );
    assert!(page.texts("#refunds li")[0].contains("Late payment"));
    // Stripe's own report of that refund finds it recorded, and waits for nothing.
    let refunded_event = json!({"id": "evt_refunded", "type": "charge.refunded", "data": {"object": {"id": "ch_1", "object": "charge",
        "payment_intent": "pi_1", "amount": 4900, "amount_refunded": 4900, "metadata": {"showfloor_order_id": id.to_string()}}}}).to_string();
    let (_, answer) = deliver(&app, &sale.shop, &refunded_event, SECRET, now_s()).await;
    assert_eq!(answer["outcome"], "already recorded", "{answer}");
    assert_eq!(money_of(&app, &number).await.1, 4900);
}

#[tokio::test]
async fn a_failed_late_refund_is_on_the_order_and_the_merchant_refunds_it_on_a_retry() {
    let app = spawn_app().await;
    let (sale, fake) = stripe_sale(&app, "late-failed", 1).await;
    short_reservations(&app);
    let (number, id) = bought_and_started(&app, &sale, 1).await;
    wait_status(&app, &number, "expired").await;
    let state = &app.server.as_ref().unwrap().state;
    state.orders.set_reservation(Duration::from_secs(900));
    let shopper = app.browser();
    let (status, _) = buy(&shopper, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED);

    // The expire call of the ended reservation has been answered; the next call is the refund.
    wait_call(&fake, "expire", |c| c.path.ends_with("/expire")).await;
    fake.fail.lock().unwrap().push_back(500);
    deliver(
        &app,
        &sale.shop,
        &completed("evt_late", id, 4900),
        SECRET,
        now_s(),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !money_of(&app, &number)
        .await
        .2
        .contains("did not go through")
    {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            money_of(&app, &number).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (late, refunded, _) = money_of(&app, &number).await;
    assert_eq!(
        (late.as_str(), refunded),
        ("refund_due", 0),
        "nothing recorded as refunded"
    );
    // The clock leaves it alone for a while, then tries again on its own.
    let link = &state.stripe;
    let now = showfloor::db::now_ms();
    assert_eq!(
        showfloor::orders::late::sweep(&state.db, link, now)
            .await
            .unwrap(),
        0
    );
    fake.fail.lock().unwrap().push_back(503);
    let later = now + showfloor::orders::late::RETRY_AFTER_MS + 1000;
    assert_eq!(
        showfloor::orders::late::sweep(&state.db, link, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(refund_calls(&fake).len(), 2);
    assert_eq!(
        money_of(&app, &number).await.1,
        0,
        "a second failure refunds nothing"
    );
    let page = sale.owner.get(&format!("/orders/{number}")).await;
    assert!(page.texts("#order-attention")[0].contains("Stripe said: boom"));
    assert!(page.texts("#refunds li")[0].contains("Failed"));

    let retry = sale
        .owner
        .post(
            &format!("/orders/{number}/refund"),
            &[("amount", "49.00"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(retry.status, StatusCode::SEE_OTHER, "{}", retry.body);
    let calls = refund_calls(&fake);
    assert_eq!(calls.len(), 3);
    assert_ne!(calls[1].key, calls[2].key, "a retry is a new attempt");
    assert_eq!(calls[2].form["amount"], "4900");
    assert_eq!(
        money_of(&app, &number).await,
        ("refunded".into(), 4900, String::new())
    );
}

/// A Stripe order paid in time: (sale, fake, number, id).
async fn paid_stripe_order(app: &TestApp, slug: &str) -> (Sale, std::sync::Arc<Fake>, String, i64) {
    let (sale, fake) = stripe_sale(app, slug, 5).await;
    let (number, id) = bought_and_started(app, &sale, 1).await;
    let (status, _) = deliver(
        app,
        &sale.shop,
        &completed("evt_paid", id, 4900),
        SECRET,
        now_s(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_of(app, &number).await, "paid");
    (sale, fake, number, id)
}

#[tokio::test]
async fn a_partial_refund_is_confirmed_then_sent_to_stripe_and_a_failure_refunds_nothing() {
    let app = spawn_app().await;
    let (sale, fake, number, id) = paid_stripe_order(&app, "refund-stripe").await;
    let owner = &sale.owner;
    let path = format!("/orders/{number}/refund");

    // The form starts empty.
    let page = owner.get(&format!("/orders/{number}")).await;
    let doc = scraper::Html::parse_document(&page.body);
    let amount = scraper::Selector::parse("#amount").unwrap();
    let field = doc.select(&amount).next().expect("refund form");
    assert_eq!(field.value().attr("value"), Some(""));

    // Bad amounts: 422, the form again with what was typed.
    for typed in ["", "0", "-3", "abc", "49.01", "12.345"] {
        let bad = owner.post(&path, &[("amount", typed)]).await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed}: {}",
            bad.body
        );
        assert_eq!(bad.texts(".refund-form .form-error").len(), 1, "{typed}");
        let doc = scraper::Html::parse_document(&bad.body);
        let field = doc.select(&amount).next().unwrap();
        assert_eq!(field.value().attr("value"), Some(typed));
    }

    // The first step asks, naming the amount; nothing is sent yet.
    let ask = owner.post(&path, &[("amount", "12")]).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert_eq!(
        ask.texts("#refund-question"),
        ["Refund €12.00 of €49.00 to the customer?"]
    );
    assert!(refund_calls(&fake).is_empty());

    // Stripe refuses (a 4xx, then a 5xx): nothing is refunded, the merchant reads why.
    for status in [402, 500] {
        fake.fail.lock().unwrap().push_back(status);
        let failed = owner
            .post(&path, &[("amount", "12.00"), ("confirm", "yes")])
            .await;
        assert_eq!(failed.status, StatusCode::BAD_GATEWAY, "{}", failed.body);
        let error = &failed.texts(".refund-form .form-error")[0];
        assert!(
            error.starts_with("Nothing was refunded: Stripe said: boom"),
            "{error}"
        );
        assert!(error.contains(&format!("HTTP {status}")), "{error}");
        assert_eq!(status_of(&app, &number).await, "paid");
        assert_eq!(money_of(&app, &number).await.1, 0);
    }

    let done = owner
        .post(&path, &[("amount", "12.00"), ("confirm", "yes")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let calls = refund_calls(&fake);
    assert_eq!(calls.len(), 3);
    let last = &calls[2];
    assert_eq!(last.form["payment_intent"], "pi_1");
    assert_eq!(last.form["amount"], "1200");
    assert_eq!(last.form["metadata[showfloor_order_id]"], id.to_string());
    // Each attempt its own idempotency key, named after its row.
    let attempts: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, status, amount FROM refunds WHERE order_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(app.db())
            .await
            .unwrap();
    let statuses: Vec<&str> = attempts.iter().map(|a| a.1.as_str()).collect();
    assert_eq!(statuses, ["failed", "failed", "succeeded"]);
    for (call, (row, _, amount)) in calls.iter().zip(&attempts) {
        assert_eq!(
            call.key.as_deref(),
            Some(format!("showfloor-o{id}-refund-{row}").as_str())
        );
        assert_eq!((call.form["amount"].as_str(), *amount), ("1200", 1200));
    }
    assert_eq!(status_of(&app, &number).await, "partially_refunded");
    assert_eq!(money_of(&app, &number).await.1, 1200);

    // Stripe's report of it arriving after our record does not refund twice.
    let report = json!({"id": "evt_r1", "type": "charge.refunded", "data": {"object": {"id": "ch_1", "object": "charge",
        "payment_intent": "pi_1", "amount": 4900, "amount_refunded": 1200, "metadata": {}}}}).to_string();
    deliver(&app, &sale.shop, &report, SECRET, now_s()).await;
    assert_eq!(money_of(&app, &number).await.1, 1200);

    // A second partial refund sums up to the total; then nothing is left.
    let more = owner
        .post(&path, &[("amount", "37"), ("confirm", "yes")])
        .await;
    assert_eq!(more.status, StatusCode::SEE_OTHER, "{}", more.body);
    assert_eq!(status_of(&app, &number).await, "refunded");
    assert_eq!(money_of(&app, &number).await.1, 4900);
    let none_left = owner
        .post(&path, &[("amount", "1"), ("confirm", "yes")])
        .await;
    assert_eq!(none_left.status, StatusCode::CONFLICT);
    assert_eq!(refund_calls(&fake).len(), 4);
    assert_eq!(revenue(&app, &sale).await, 0);
    let page = owner.get(&format!("/orders/{number}")).await;
    assert_eq!(page.texts("#refunds li").len(), 4);
    assert!(
        page.texts("#refund-form").is_empty(),
        "no form once refunded in full"
    );
}

#[tokio::test]
async fn with_the_stripe_key_removed_a_stripe_order_is_refused_not_refunded_in_showfloor_only() {
    let app = spawn_app().await;
    let (sale, fake, number, _) = paid_stripe_order(&app, "refund-no-key").await;
    sqlx::query("DELETE FROM stripe_accounts WHERE shop_id = $1")
        .bind(sale.shop_id)
        .execute(app.db())
        .await
        .unwrap();
    let refused = sale
        .owner
        .post(
            &format!("/orders/{number}/refund"),
            &[("amount", "49"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        refused.texts(".refund-form .form-error"),
        [
            "This order was paid with Stripe, and the shop's Stripe key was removed: add the key in Settings → Payments to refund it."
        ]
    );
    assert_eq!(refused.texts("#amount").len(), 1);
    assert!(refund_calls(&fake).is_empty());
    assert_eq!(status_of(&app, &number).await, "paid");
    assert_eq!(money_of(&app, &number).await.1, 0);
}

#[tokio::test]
async fn charge_refunded_applies_partial_and_full_refunds_made_in_stripe() {
    let app = spawn_app().await;
    let (sale, _fake, number, id) = paid_stripe_order(&app, "refund-in-stripe").await;
    let event = |evt: &str, total: i64| {
        json!({"id": evt, "type": "charge.refunded", "data": {"object": {"id": "ch_1", "object": "charge",
            "payment_intent": "pi_1", "amount": 4900, "amount_refunded": total, "metadata": {"showfloor_order_id": id.to_string()}}}}).to_string()
    };
    let (_, answer) = deliver(&app, &sale.shop, &event("evt_part", 1000), SECRET, now_s()).await;
    assert_eq!(answer["outcome"], "refund recorded");
    assert_eq!(status_of(&app, &number).await, "partially_refunded");
    assert_eq!(money_of(&app, &number).await.1, 1000);
    let (_, answer) = deliver(&app, &sale.shop, &event("evt_full", 4900), SECRET, now_s()).await;
    assert_eq!(answer["outcome"], "refund recorded");
    assert_eq!(status_of(&app, &number).await, "refunded");
    assert_eq!(money_of(&app, &number).await.1, 4900);
    // After a partial refund the units stay sold (the merchant restocks from the page).
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (4, 0, 1));
}

#[tokio::test]
async fn a_refund_reported_before_a_late_payment_applies_once_it_lands_and_stripe_is_not_asked_again()
 {
    let app = spawn_app().await;
    let (sale, fake) = stripe_sale(&app, "late-refund-first", 1).await;
    short_reservations(&app);
    let (number, id) = bought_and_started(&app, &sale, 1).await;
    wait_status(&app, &number, "expired").await;
    let state = &app.server.as_ref().unwrap().state;
    state.orders.set_reservation(Duration::from_secs(900));
    let shopper = app.browser();
    assert_eq!(
        buy(&shopper, &sale, one(&sale)).await.0,
        StatusCode::CREATED
    );

    // The merchant refunded in Stripe; that report overtakes the payment's.
    let refunded = json!({"id": "evt_refund_first", "type": "charge.refunded", "data": {"object": {"id": "ch_1", "object": "charge",
        "payment_intent": "pi_1", "amount": 4900, "amount_refunded": 4900, "metadata": {"showfloor_order_id": id.to_string()}}}}).to_string();
    let (_, answer) = deliver(&app, &sale.shop, &refunded, SECRET, now_s()).await;
    assert!(
        answer["outcome"].as_str().unwrap().contains("waiting"),
        "{answer}"
    );
    let (_, answer) = deliver(
        &app,
        &sale.shop,
        &completed("evt_late", id, 4900),
        SECRET,
        now_s(),
    )
    .await;
    assert!(
        answer["outcome"]
            .as_str()
            .unwrap()
            .contains("then refunded"),
        "{answer}"
    );
    assert_eq!(
        money_of(&app, &number).await,
        ("refunded".into(), 4900, String::new())
    );
    assert_eq!(status_of(&app, &number).await, "expired");
    assert!(
        refund_calls(&fake).is_empty(),
        "already refunded: nothing to ask"
    );
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (0, 1, 0));
}
