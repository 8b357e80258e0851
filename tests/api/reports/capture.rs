//! Product events captured over real HTTP: card impressions and clicks through the track
//! endpoint, Buy taps and checkouts started through the real buy flow, counted exactly in
//! the report; bad track input refused with nothing recorded; events recorded just
//! before a clean shutdown are in the database after it.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures::{self, NewPin, NewProduct};
use crate::helpers::{Browser, TestApp, spawn_app};
use crate::orders_support::{Sale, buy, sale};

async fn pin(app: &TestApp, sale: &Sale) -> i64 {
    let pin = NewPin::new(sale.product_id, showfloor::db::now_ms() - 30_000);
    fixtures::pin(app.db(), sale.shop_id, sale.stream_id, pin).await
}

fn room(sale: &Sale) -> String {
    format!("/@{}/flash/live", sale.shop)
}

async fn track(shopper: &Browser, sale: &Sale, body: Value) -> StatusCode {
    let token = shopper.state(&room(sale)).await["me"]["csrf"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    shopper
        .client
        .post(format!("{}{}/track", shopper.base, room(sale)))
        .header("x-csrf-token", token)
        .json(&body)
        .send()
        .await
        .expect("POST track")
        .status()
}

async fn events(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM report_events")
        .fetch_one(app.db())
        .await
        .unwrap()
}

/// Wait (with a deadline) until `n` events are written.
async fn wait_events(app: &TestApp, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while events(app).await < n {
        assert!(Instant::now() < deadline, "events never reached {n}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn captured_product_events_appear_in_the_product_table_and_funnel() {
    let app = spawn_app().await;
    let sale = sale(&app, "capture-shop", 10).await;
    let pin_id = pin(&app, &sale).await;
    let (anna, ben) = (app.browser(), app.browser());
    // Both watch (a visit each), both see the card, Anna clicks twice (one counts).
    let _feeds = (
        anna.events(&room(&sale), None).await,
        ben.events(&room(&sale), None).await,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let visits: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM viewer_sessions WHERE stream_id = $1")
                .bind(sale.stream_id)
                .fetch_one(app.db())
                .await
                .unwrap();
        if visits == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "visits never opened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let card = |kind: &str| json!({"kind": kind, "product_id": sale.product_id, "pin_id": pin_id});
    for (who, kind) in [
        (&anna, "impression"),
        (&ben, "impression"),
        (&anna, "click"),
        (&anna, "click"),
    ] {
        assert_eq!(track(who, &sale, card(kind)).await, StatusCode::ACCEPTED);
    }
    // Anna buys and reaches the payment step, then pays; Ben taps Buy only.
    let (status, body) = buy(
        &anna,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let checkout = body["checkout_url"].as_str().unwrap().to_string();
    let pay = anna.post(&format!("{checkout}/pay"), &[]).await;
    assert_eq!(pay.status, StatusCode::SEE_OTHER);
    let paid = anna
        .post(
            pay.location(),
            &[
                ("name", "Anna Test"),
                ("email", "anna@example.com"),
                ("address", "1 Rue de la Paix"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    let (status, _) = buy(
        &ben,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // 4 card events + 2 Buy taps + 1 checkout row.
    wait_events(&app, 7).await;
    let kinds: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, COUNT(*) FROM report_events WHERE pin_id = $1 AND product_id = $2 GROUP BY kind ORDER BY kind",
    )
    .bind(pin_id)
    .bind(sale.product_id)
    .fetch_all(app.db())
    .await
    .unwrap();
    assert_eq!(
        kinds,
        [
            ("buy".into(), 2),
            ("checkout".into(), 1),
            ("click".into(), 2),
            ("impression".into(), 2)
        ]
    );

    let page = sale
        .owner
        .get(&format!("/reports/streams/{}", sale.stream_id))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let cells = page.texts("#products tbody td");
    // Time pinned, impressions 2, clicks 1 (Anna's two are one), CTR 1/2, checkouts 1.
    assert_eq!(cells[1..5], ["2", "1", "50.0 %", "1"], "{cells:?}");
    assert_eq!(
        page.texts("#funnel tbody td:nth-child(2)"),
        ["2", "1", "1", "1"],
        "viewers → clicked → started checkout → paid"
    );
}

#[tokio::test]
async fn bad_track_input_is_refused_and_nothing_is_recorded() {
    let app = spawn_app().await;
    let sale = sale(&app, "track-bad", 10).await;
    let pin_id = pin(&app, &sale).await;
    let other = sale_product(&app, &sale).await;
    let shopper = app.browser();
    for (body, status) in [
        (
            json!({"kind": "hover", "product_id": sale.product_id, "pin_id": pin_id}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"kind": "click", "product_id": other, "pin_id": pin_id}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"kind": "click", "product_id": sale.product_id, "pin_id": pin_id + 999}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"kind": "click"}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        assert_eq!(track(&shopper, &sale, body.clone()).await, status, "{body}");
    }
    let without_token = shopper
        .client
        .post(format!("{}{}/track", shopper.base, room(&sale)))
        .json(&json!({"kind": "click", "product_id": sale.product_id, "pin_id": pin_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(without_token.status(), StatusCode::FORBIDDEN);
    // The message says what is wrong.
    let token = shopper.state(&room(&sale)).await["me"]["csrf"]
        .as_str()
        .unwrap()
        .to_string();
    let refused: Value = shopper
        .client
        .post(format!("{}{}/track", shopper.base, room(&sale)))
        .header("x-csrf-token", token)
        .json(&json!({"kind": "click", "product_id": other, "pin_id": pin_id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        refused.to_string().contains("not the one pinned"),
        "{refused}"
    );
    // An unpinned product is refused once the pin is closed for good.
    sqlx::query("UPDATE pins SET ended_at = $1 WHERE id = $2")
        .bind(showfloor::db::now_ms() - 60_000)
        .bind(pin_id)
        .execute(app.db())
        .await
        .unwrap();
    let late = json!({"kind": "impression", "product_id": sale.product_id, "pin_id": pin_id});
    assert_eq!(
        track(&shopper, &sale, late).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A good event after them is the only one written (the channel keeps order).
    let open = pin(&app, &sale).await;
    let good = json!({"kind": "impression", "product_id": sale.product_id, "pin_id": open});
    assert_eq!(track(&shopper, &sale, good).await, StatusCode::ACCEPTED);
    wait_events(&app, 1).await;
    assert_eq!(events(&app).await, 1);
}

/// Another product of the shop, never pinned.
async fn sale_product(app: &TestApp, sale: &Sale) -> i64 {
    let hat = NewProduct::new("straw-hat", "Straw hat", 2500);
    fixtures::product(app.db(), sale.shop_id, hat).await.id
}

#[tokio::test]
async fn events_recorded_before_a_clean_shutdown_are_written() {
    let mut app = spawn_app().await;
    let sale = sale(&app, "track-stop", 10).await;
    let pin_id = pin(&app, &sale).await;
    let shopper = app.browser();
    for kind in ["impression", "click"] {
        let body = json!({"kind": kind, "product_id": sale.product_id, "pin_id": pin_id});
        assert_eq!(track(&shopper, &sale, body).await, StatusCode::ACCEPTED);
    }
    // No waiting: the stop itself must write them.
    app.restart().await;
    assert_eq!(events(&app).await, 2);
}
