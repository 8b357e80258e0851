//! Coupon drops over real HTTP and SSE: the host drops a code, the room sees it with its
//! count, checkout applies it (the offline provider and Stripe, against the local fake),
//! limits hold under fifty shoppers at once, a released order gives its redemption back,
//! the report counts what the code brought; and every bad drop and bad code.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, spawn_app};
use crate::orders_stripe::{SECRET, completed, deliver, now_s, order_ids, stripe_sale};
use crate::orders_support::*;

const WAIT: Duration = Duration::from_secs(10);

fn room(sale: &Sale) -> String {
    format!("/@{}/flash/live", sale.shop)
}

async fn drop_coupon(sale: &Sale, body: Value) -> (StatusCode, Value) {
    sale.owner
        .post_json(&format!("{}/coupons", room(sale)), body)
        .await
}

/// A shopper's order of `quantity` shirts: (token, number).
async fn order_of(
    app: &TestApp,
    shopper: &Browser,
    sale: &Sale,
    quantity: i64,
) -> (String, String) {
    let (status, body) = buy(
        shopper,
        sale,
        json!({"variant_id": sale.variant_id, "quantity": quantity}),
    )
    .await;
    assert!(status.is_success(), "{status}: {body}");
    let number = body["order"].as_str().unwrap().to_string();
    let (_, token) = order_ids(app, &number).await;
    (token, number)
}

/// Pay in the offline test checkout, as the sheet does, with `coupon`.
async fn test_pay(shopper: &Browser, token: &str, coupon: &str) -> (StatusCode, Value) {
    let form = json!({"name": "Sam Shopper", "email": "sam@example.com", "address": "1 Main St, Lyon", "coupon": coupon});
    shopper
        .post_json(&format!("/checkout/{token}/test"), form)
        .await
}

async fn coupon_row(app: &TestApp, code: &str) -> (i64, i64) {
    sqlx::query_as("SELECT id, redeemed FROM live_coupons WHERE code = $1")
        .bind(code)
        .fetch_one(app.db())
        .await
        .unwrap()
}

async fn order_money(app: &TestApp, token: &str) -> (i64, i64, Option<String>, String) {
    sqlx::query_as("SELECT total, discount, coupon_code, status FROM orders WHERE token = $1")
        .bind(token)
        .fetch_one(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dropped_coupon_reaches_the_room_and_takes_its_discount_off_a_test_checkout() {
    let app = spawn_app().await;
    let sale = sale(&app, "coupon-shop", 20).await;
    let watcher = app.browser();
    let mut feed = watcher.events(&room(&sale), None).await;

    let (status, dropped) = drop_coupon(
        &sale,
        json!({"code": " live10 ", "kind": "percent", "value": "10", "max_redemptions": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dropped}");
    assert_eq!(dropped["code"], "LIVE10");
    assert_eq!(dropped["label"], "10 % off");
    assert_eq!(dropped["left"], 5);
    assert_eq!(dropped["on"], true);
    let drop_event = feed.next_named("coupon", WAIT).await.expect("the drop");
    assert_eq!(drop_event.json()["code"], "LIVE10");
    // Durable: a page that reconnects with the id before it gets the drop again.
    let before = drop_event.id.expect("a durable event has an id") - 1;
    let mut resumed = watcher.events(&room(&sale), Some(before)).await;
    let again = resumed.next_named("coupon", WAIT).await.expect("replayed");
    assert_eq!(again.id, drop_event.id);
    assert_eq!(again.json()["code"], "LIVE10");
    // A page that opens now gets it in the room's state.
    let state = watcher.get(&format!("{}/state", room(&sale))).await;
    let state: Value = serde_json::from_str(&state.body).unwrap();
    assert_eq!(state["coupon"]["code"], "LIVE10");

    // The sheet asks what it takes off: nothing is taken yet.
    let shopper = app.browser();
    let (token, number) = order_of(&app, &shopper, &sale, 1).await;
    let (status, quote) = shopper
        .post_json(
            &format!("/checkout/{token}/coupon"),
            json!({"code": "live10"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    assert_eq!(quote["discount"], 490);
    assert_eq!(quote["total_display"], "€44.10");
    assert_eq!(coupon_row(&app, "LIVE10").await.1, 0);
    assert_eq!(order_money(&app, &token).await.0, 4900);

    // Pay with it: the order costs 10 % less, the count moves, the room hears it.
    let (status, paid) = test_pay(&shopper, &token, "LIVE10").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["total"], 4410);
    let (total, discount, code, order_status) = order_money(&app, &token).await;
    assert_eq!(
        (total, discount, code.as_deref()),
        (4410, 490, Some("LIVE10"))
    );
    assert_eq!(order_status, "paid");
    assert_eq!(coupon_row(&app, "LIVE10").await.1, 1);
    loop {
        let e = feed
            .next_named("coupon", WAIT)
            .await
            .expect("the count")
            .json();
        if e["redeemed"] == 1 {
            assert_eq!(e["left"], 4);
            break;
        }
    }
    // The confirmation shows the code and what it took off.
    let done = shopper.get(&format!("/checkout/{token}/done")).await;
    assert_eq!(done.texts("#order-discount"), ["−€4.90"]);
    assert_eq!(done.texts("#order-total"), ["€44.10"]);

    // One per shopper: the same shopper's next order is refused, naming the first.
    let (token2, _) = order_of(&app, &shopper, &sale, 1).await;
    let (status, again) = test_pay(&shopper, &token2, "LIVE10").await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(
        again["error"],
        format!("You have used LIVE10 already, on order {number}.")
    );
    assert_eq!(
        order_money(&app, &token2).await.3,
        "pending",
        "nothing paid"
    );

    // The report: what the code brought, in the JSON API and the CSV.
    let token = crate::reports_api::create_token(&sale.owner, "BI").await;
    let (status, report) = crate::reports_api::api(
        &app,
        Some(&format!("Bearer {token}")),
        &format!("/api/reports/streams/{}", sale.stream_id),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let c = &report["coupons"][0];
    assert_eq!(
        (
            &c["code"],
            &c["paid_orders"],
            &c["discount_given"],
            &c["revenue"]
        ),
        (&json!("LIVE10"), &json!(1), &json!(490), &json!(4410))
    );
    let csv = sale
        .owner
        .get(&format!("/reports/streams/{}/coupons.csv", sale.stream_id))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let row = csv.body.lines().nth(1).expect("one coupon row");
    assert!(
        row.contains(",LIVE10,percent,10,EUR,0,5,1,1,490,4410,"),
        "{row}"
    );

    // The orders export names the code and what it took off.
    let export = sale.owner.get("/orders/export.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    let line = export
        .body
        .lines()
        .find(|l| l.starts_with(&format!("{number},")))
        .expect("the order in the export");
    assert!(line.ends_with(",44.10,EUR,LIVE10,4.90"), "{line}");
    let attributed = sale.owner.get("/reports/orders.csv").await;
    assert_eq!(attributed.status, StatusCode::OK, "{}", attributed.body);
    let line = attributed
        .body
        .lines()
        .find(|l| l.starts_with(&format!("{number},")))
        .expect("the order in the reports' orders");
    assert!(line.ends_with(",LIVE10,490"), "{line}");

    // Taken off the video: the room hears it, nobody can use it any more.
    let id = dropped["id"].as_i64().unwrap();
    let (status, ended) = sale
        .owner
        .post_json(&format!("{}/coupons/{id}/end", room(&sale)), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ended["on"], false);
    loop {
        let e = feed
            .next_named("coupon", WAIT)
            .await
            .expect("the end")
            .json();
        if e["on"] == false {
            break;
        }
    }
    let other = app.browser();
    let (token3, _) = order_of(&app, &other, &sale, 1).await;
    let (status, late) = test_pay(&other, &token3, "LIVE10").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        late["error"],
        "LIVE10 has ended: it is no longer available."
    );
}

#[tokio::test]
async fn fifty_shoppers_applying_a_code_limited_to_ten_at_once_ten_get_the_discount() {
    let app = spawn_app().await;
    let sale = sale(&app, "coupon-rush", 60).await;
    let (status, body) = drop_coupon(
        &sale,
        json!({"code": "RUSH", "kind": "amount", "value": "5", "max_redemptions": 10}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut shoppers = Vec::new();
    for _ in 0..50 {
        let shopper = app.browser();
        let (token, _) = order_of(&app, &shopper, &sale, 1).await;
        shoppers.push((shopper, token));
    }
    let mut tasks = Vec::new();
    for (shopper, token) in shoppers {
        tasks.push(tokio::spawn(async move {
            let (status, body) = test_pay(&shopper, &token, "RUSH").await;
            (status, body, token)
        }));
    }
    let (mut discounted, mut refused) = (0, 0);
    for t in tasks {
        let (status, body, token) = t.await.unwrap();
        match status {
            StatusCode::OK => {
                assert_eq!(body["total"], 4400, "{body}");
                discounted += 1;
            }
            StatusCode::CONFLICT => {
                assert_eq!(
                    body["error"],
                    "RUSH has been used 10 times, its limit: it is no longer available."
                );
                assert_eq!(order_money(&app, &token).await.3, "pending");
                refused += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!((discounted, refused), (10, 40));
    assert_eq!(coupon_row(&app, "RUSH").await.1, 10);
    let (with_code, discounts): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(discount), 0) AS BIGINT) FROM orders WHERE coupon_code = 'RUSH'",
    )
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!((with_code, discounts), (10, 5000));
}

#[tokio::test]
async fn stripe_checkout_carries_the_discount_as_a_one_time_coupon_and_a_cancel_gives_it_back() {
    let app = spawn_app().await;
    let (sale, fake) = stripe_sale(&app, "coupon-stripe", 10).await;
    let (status, body) = drop_coupon(
        &sale,
        json!({"code": "FIVE", "kind": "amount", "value": "5.00", "min_basket": "60", "max_redemptions": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["condition"], "on orders of €60.00 or more");
    let shopper = app.browser();
    let (token, number) = order_of(&app, &shopper, &sale, 2).await;
    let (id, _) = order_ids(&app, &number).await;
    let (status, started) = shopper
        .post_json(&format!("/checkout/{token}/pay"), json!({"coupon": "five"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(
        started["redirect"],
        "https://checkout.stripe.test/pay/cs_test_1"
    );
    let calls = fake.calls.lock().unwrap().clone();
    let coupon = calls
        .iter()
        .find(|c| c.path == "/v1/coupons")
        .expect("a Stripe coupon");
    let f = &coupon.form;
    assert_eq!(f["amount_off"], "500");
    assert_eq!(f["currency"], "eur");
    assert_eq!(f["duration"], "once");
    assert_eq!(f["max_redemptions"], "1");
    assert_eq!(f["name"], "FIVE");
    assert_eq!(f["metadata[showfloor_order_id]"], id.to_string());
    assert!(!f.contains_key("percent_off"));
    assert_eq!(
        coupon.key.as_deref(),
        Some(format!("showfloor-o{id}-checkout-1-coupon").as_str())
    );
    let session = calls
        .iter()
        .find(|c| c.path == "/v1/checkout/sessions")
        .expect("a session");
    assert_eq!(session.form["discounts[0][coupon]"], "co_test_1");
    assert_eq!(session.form["line_items[0][quantity]"], "2");
    assert_eq!(
        session.form["line_items[0][price_data][unit_amount]"],
        "4900"
    );
    assert_eq!(order_money(&app, &token).await.0, 9300);

    // The only redemption is held: another shopper is told so.
    let other = app.browser();
    let (token2, _) = order_of(&app, &other, &sale, 2).await;
    let (status, full) = other
        .post_json(
            &format!("/checkout/{token2}/pay"),
            json!({"coupon": "FIVE"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{full}");
    assert_eq!(full["fields"]["coupon"], full["error"]);

    // The first shopper gives the items back: the redemption returns, the other gets it.
    let cancel = shopper
        .post(&format!("/checkout/{token}/cancel"), &[])
        .await;
    assert_eq!(cancel.status, StatusCode::SEE_OTHER);
    assert_eq!(coupon_row(&app, "FIVE").await.1, 0);
    let (status, started) = other
        .post_json(
            &format!("/checkout/{token2}/pay"),
            json!({"coupon": "FIVE"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let (id2, _) = order_ids(&app, &order_money_number(&app, &token2).await).await;
    // Stripe charges the discounted total: the webhook's amount matches, nothing flagged.
    let (status, _) = deliver(
        &app,
        &sale.shop,
        &completed("evt_coupon", id2, 9300),
        SECRET,
        now_s(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (total, discount, _, order_status) = order_money(&app, &token2).await;
    assert_eq!(
        (total, discount, order_status.as_str()),
        (9300, 500, "paid")
    );
    let attention: String = sqlx::query_scalar("SELECT attention FROM orders WHERE token = $1")
        .bind(&token2)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(attention, "");
}

async fn order_money_number(app: &TestApp, token: &str) -> String {
    sqlx::query_scalar("SELECT number FROM orders WHERE token = $1")
        .bind(token)
        .fetch_one(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_drops_and_bad_codes_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let sale = sale(&app, "coupon-bad", 10).await;
    for (body, field) in [
        (
            json!({"code": "BIG", "kind": "percent", "value": "101"}),
            "value",
        ),
        (
            json!({"code": "ZERO", "kind": "amount", "value": "0"}),
            "value",
        ),
        (
            json!({"code": "OVER", "kind": "amount", "value": "30", "min_basket": "20"}),
            "value",
        ),
        (
            json!({"code": "A B", "kind": "percent", "value": "5"}),
            "code",
        ),
        (
            json!({"code": "GIFT", "kind": "gift", "value": "5"}),
            "kind",
        ),
        (
            json!({"code": "LIMIT", "kind": "percent", "value": "5", "max_redemptions": 0}),
            "max_redemptions",
        ),
        (
            json!({"code": "LONG", "kind": "percent", "value": "5", "minutes": 500}),
            "minutes",
        ),
    ] {
        let (status, refused) = drop_coupon(&sale, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {refused}"
        );
        assert!(refused["fields"][field].is_string(), "{body}: {refused}");
    }
    let (status, _) = drop_coupon(
        &sale,
        json!({"code": "MIN50", "kind": "percent", "value": "10", "min_basket": "50"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, taken) = drop_coupon(
        &sale,
        json!({"code": "min50", "kind": "percent", "value": "5"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        taken["fields"]["code"],
        "The shop has used MIN50 before: pick another code."
    );
    // A shopper cannot drop one.
    let shopper = app.browser();
    let (status, _) = shopper
        .post_json(
            &format!("{}/coupons", room(&sale)),
            json!({"code": "MINE", "kind": "percent", "value": "50"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (token, _) = order_of(&app, &shopper, &sale, 1).await;
    let quote = |code: &'static str| {
        let (shopper, token) = (&shopper, &token);
        async move {
            shopper
                .post_json(&format!("/checkout/{token}/coupon"), json!({"code": code}))
                .await
        }
    };
    let (status, small) = quote("MIN50").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        small["error"],
        "MIN50 needs an order of at least €50.00; yours is €49.00."
    );
    let (status, unknown) = quote("NOPE").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown["error"], "There is no coupon NOPE in this stream.");
    // An amount over the basket (the drop takes the last one off the video).
    drop_coupon(
        &sale,
        json!({"code": "SIXTY", "kind": "amount", "value": "60"}),
    )
    .await;
    let (status, over) = quote("SIXTY").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        over["error"],
        "SIXTY takes €60.00 off, more than your order of €49.00."
    );
    let (status, gone) = quote("MIN50").await;
    assert_eq!(status, StatusCode::CONFLICT, "the next drop took MIN50 off");
    assert_eq!(gone["error"], "MIN50 has ended: it is no longer available.");
    // Expired by its own clock.
    drop_coupon(
        &sale,
        json!({"code": "SOON", "kind": "percent", "value": "5", "minutes": 5}),
    )
    .await;
    sqlx::query("UPDATE live_coupons SET expires_at = $1 WHERE code = 'SOON'")
        .bind(showfloor::db::now_ms() - 1)
        .execute(app.db())
        .await
        .unwrap();
    let (status, expired) = quote("SOON").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        expired["error"],
        "SOON has ended: it is no longer available."
    );
    // Another shop's code does not exist here.
    let elsewhere = sale_elsewhere(&app).await;
    drop_coupon(
        &elsewhere,
        json!({"code": "THEIRS", "kind": "percent", "value": "50"}),
    )
    .await;
    let (status, theirs) = quote("THEIRS").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(theirs["error"], "There is no coupon THEIRS in this stream.");
    // Nothing was taken by any of it.
    let (total, discount, code, _) = order_money(&app, &token).await;
    assert_eq!((total, discount, code), (4900, 0, None));
}

async fn sale_elsewhere(app: &TestApp) -> Sale {
    sale(app, "coupon-other", 5).await
}
