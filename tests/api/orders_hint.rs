//! The flash-sale shortcuts: the in-memory sold-out hint never refuses units that came
//! back (cancel, expiry, a catalogue restock, another node sharing the database), and the
//! grouped reservation writes keep the offer's units and the stock exact.

use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::{self, NewPin};
use crate::helpers::{Browser, TestApp, spawn_app};
use crate::orders_support::*;

fn hinted(app: &TestApp, sale: &Sale) -> bool {
    app.server.as_ref().unwrap().state.orders.hints.sold_out(
        &sale.shop,
        "flash",
        sale.variant_id,
        1,
    )
}

/// Buy until it works (stock raised elsewhere shows once the hint's TTL has run out).
async fn buy_within(shopper: &Browser, sale: &Sale, deadline: Duration) -> StatusCode {
    let start = Instant::now();
    loop {
        let (status, body) = buy(shopper, sale, one(sale)).await;
        if status != StatusCode::CONFLICT || start.elapsed() > deadline {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_sold_out_hint_never_refuses_units_that_came_back() {
    let app = spawn_app().await;
    let sale = sale(&app, "hint", 1).await;
    let first = app.browser();
    let (status, body) = buy(&first, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let second = app.browser();
    let (status, _) = buy(&second, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(hinted(&app, &sale), "the refusal is remembered");

    // The shopper cancels: the very next Buy gets the unit (no wait for the TTL).
    let token = token_of(&app, body["order"].as_str().unwrap()).await;
    let csrf = first.csrf().await;
    first
        .post(
            &format!("/checkout/{token}/cancel"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert!(!hinted(&app, &sale), "a cancel clears the hint");
    let (status, body) = buy(&second, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The reservation runs out: the clock's release clears the hint too.
    let third = app.browser();
    assert_eq!(buy(&third, &sale, one(&sale)).await.0, StatusCode::CONFLICT);
    assert!(hinted(&app, &sale));
    let number = body["order"].as_str().unwrap();
    sqlx::query("UPDATE orders SET expires_at = 0 WHERE number = $1")
        .bind(number)
        .execute(app.db())
        .await
        .unwrap();
    app.server.as_ref().unwrap().state.orders.wake.notify_one();
    wait_status(&app, number, "expired").await;
    // The clock clears the hint right after its commit, which the status shows first.
    let deadline = Instant::now() + Duration::from_secs(5);
    while hinted(&app, &sale) {
        assert!(Instant::now() < deadline, "an expiry clears the hint");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(buy(&third, &sale, one(&sale)).await.0, StatusCode::CREATED);

    // A catalogue restock is seen within the hint's TTL.
    let fourth = app.browser();
    assert_eq!(
        buy(&fourth, &sale, one(&sale)).await.0,
        StatusCode::CONFLICT
    );
    let csrf = sale.owner.csrf().await;
    let page = sale
        .owner
        .post(
            &format!("/catalog/products/{}/stock", sale.product_id),
            &[
                ("csrf_token", &csrf),
                ("variant_id", &sale.variant_id.to_string()),
                ("change", "+1"),
                ("note", "restock"),
            ],
        )
        .await;
    let restocked: i64 = sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1")
        .bind(sale.variant_id)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(restocked, 1, "restock form: {}", page.location());
    buy_within(&fourth, &sale, Duration::from_secs(5)).await;
    assert_invariant(&app, sale.variant_id).await;
}

#[tokio::test]
async fn another_node_sharing_the_database_sells_released_units_within_the_hint_ttl() {
    let app = spawn_app().await;
    let node_b = showfloor::Server::start(app.config.clone())
        .await
        .expect("second node");
    let sale = sale(&app, "twonodes", 1).await;
    let first = app.browser();
    let (status, body) = buy(&first, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let on_b = Browser::new(format!("http://{}", node_b.addr));
    assert_eq!(buy(&on_b, &sale, one(&sale)).await.0, StatusCode::CONFLICT);
    assert!(
        node_b
            .state
            .orders
            .hints
            .sold_out(&sale.shop, "flash", sale.variant_id, 1)
    );

    // Node A releases the unit; node B sells it once its hint has run out.
    let token = token_of(&app, body["order"].as_str().unwrap()).await;
    let csrf = first.csrf().await;
    first
        .post(
            &format!("/checkout/{token}/cancel"),
            &[("csrf_token", &csrf)],
        )
        .await;
    buy_within(&on_b, &sale, Duration::from_secs(5)).await;
    assert_invariant(&app, sale.variant_id).await;
    node_b.stop().await.ok();
}

#[tokio::test]
async fn a_burst_on_an_offer_larger_than_the_stock_takes_only_the_units_sold() {
    let app = spawn_app().await;
    let sale = sale(&app, "offerburst", 3).await;
    let ten_at_offer = NewPin::new(sale.product_id, showfloor::db::now_ms())
        .offer(2900, "EUR")
        .offer_units(10);
    let pin = fixtures::pin(app.db(), sale.shop_id, sale.stream_id, ten_at_offer).await;
    let shoppers: Vec<_> = (0..40).map(|_| app.browser()).collect();
    let tokens = join_all(shoppers.iter().map(|s| s.csrf())).await;
    let answers = join_all(shoppers.iter().zip(&tokens).map(|(s, t)| {
        buy_with(
            s,
            &sale.buy_path,
            t,
            json!({"variant_id": sale.variant_id, "quantity": 1, "price": 2900}),
        )
    }))
    .await;
    let reserved = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(reserved, 3);
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT)
    );
    // A Buy refused on stock after taking an offer unit gave it back (savepoint).
    let taken: i64 = sqlx::query_scalar("SELECT offer_units_taken FROM pins WHERE id = $1")
        .bind(pin)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(taken, 3);
    let (available, held, _) = assert_invariant(&app, sale.variant_id).await;
    assert_eq!((available, held), (0, 3));
}

#[tokio::test]
async fn a_burst_asking_different_quantities_takes_only_units_that_were_there() {
    let app = spawn_app().await;
    let sale = sale(&app, "mixedburst", 10).await;
    let shoppers: Vec<_> = (0..30).map(|_| app.browser()).collect();
    let tokens = join_all(shoppers.iter().map(|s| s.csrf())).await;
    let wants = |i: usize| 1 + (i % 3) as i64;
    let answers = join_all(shoppers.iter().zip(&tokens).enumerate().map(|(i, (s, t))| {
        buy_with(
            s,
            &sale.buy_path,
            t,
            json!({"variant_id": sale.variant_id, "quantity": wants(i)}),
        )
    }))
    .await;
    let mut taken = 0;
    let mut refused = Vec::new();
    for (i, (status, body)) in answers.iter().enumerate() {
        match *status {
            StatusCode::CREATED => {
                assert_eq!(body["quantity"], wants(i));
                taken += wants(i);
            }
            StatusCode::CONFLICT => refused.push(wants(i)),
            other => panic!("{other}: {body}"),
        }
    }
    let (available, held, _) = assert_invariant(&app, sale.variant_id).await;
    assert_eq!((available, held), (10 - taken, taken));
    // Stock only went down during the burst, so every refusal was true when the sale ended.
    assert!(
        refused.iter().all(|q| *q > available),
        "{available} left, refused {refused:?}"
    );
}
