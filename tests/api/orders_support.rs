//! Shared setup for the orders tests: a shop with a live stream featuring one product
//! with stock (and its `initial` ledger row), shoppers that Buy over real HTTP, and the
//! stock invariant checked from the ledger and the order tables.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures::{self, NewProduct, NewStream, Product};
use crate::helpers::{Browser, TestApp, email};

pub struct Sale {
    pub owner: Browser,
    pub shop: String,
    pub shop_id: i64,
    pub stream_id: i64,
    pub product_id: i64,
    pub variant_id: i64,
    pub buy_path: String,
}

/// A shop `slug` with a live stream featuring a €49 product with `stock` units.
pub async fn sale(app: &TestApp, slug: &str, stock: i64) -> Sale {
    let owner = app.browser();
    owner.sign_up(slug, &email("owner")).await;
    let db = app.db();
    let shop_id = fixtures::shop_id(db, slug).await;
    let now = showfloor::db::now_ms();
    let shirt = NewProduct::new("linen-shirt", "Linen shirt", 4900)
        .stock_with_ledger(stock)
        .at(now);
    let Product {
        id: product_id,
        variant_id,
    } = fixtures::product(db, shop_id, shirt).await;
    let flash = NewStream::new("flash", "Flash sale", &format!("pub-{slug}"), now);
    let stream_id = fixtures::stream(db, shop_id, flash.live_since(now - 90_000)).await;
    fixtures::feature(db, shop_id, stream_id, product_id, 0).await;
    Sale {
        owner,
        shop: slug.to_string(),
        shop_id,
        stream_id,
        product_id,
        variant_id,
        buy_path: format!("/@{slug}/flash/buy"),
    }
}

/// A shopper's Buy as checkout.js sends it: JSON with the page's CSRF token.
pub async fn buy(shopper: &Browser, sale: &Sale, body: Value) -> (StatusCode, Value) {
    let token = shopper.csrf().await;
    buy_with(shopper, &sale.buy_path, &token, body).await
}

pub async fn buy_with(
    shopper: &Browser,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = shopper
        .client
        .post(format!("{}{}", shopper.base, path))
        .header("x-csrf-token", token)
        .json(&body)
        .send()
        .await
        .expect("POST buy");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub fn one(sale: &Sale) -> Value {
    json!({"variant_id": sale.variant_id, "quantity": 1})
}

/// (initial + restocks, available, reserved, sold) of the sale's variant.
pub async fn stock_books(db: &sqlx::AnyPool, variant_id: i64) -> (i64, i64, i64, i64) {
    let base: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM inventory_ledger \
         WHERE variant_id = $1 AND reason IN ('initial', 'manual', 'import')",
    )
    .bind(variant_id)
    .fetch_one(db)
    .await
    .unwrap();
    let available: i64 = sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1")
        .bind(variant_id)
        .fetch_one(db)
        .await
        .unwrap();
    let ledger: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM inventory_ledger WHERE variant_id = $1",
    )
    .bind(variant_id)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(ledger, available, "the ledger sums to the stock");
    let sum = |state: &'static str| async move {
        let expr = if state == "sold" {
            "quantity - restocked"
        } else {
            "quantity"
        };
        sqlx::query_scalar::<_, i64>(&format!(
            "SELECT CAST(COALESCE(SUM({expr}), 0) AS BIGINT) FROM order_lines WHERE variant_id = $1 AND stock_state = '{state}'"
        ))
        .bind(variant_id)
        .fetch_one(db)
        .await
        .unwrap()
    };
    (base, available, sum("held").await, sum("sold").await)
}

/// Assert `initial + restocks = available + reserved + sold`; returns (available, reserved, sold).
pub async fn assert_invariant(app: &TestApp, variant_id: i64) -> (i64, i64, i64) {
    assert_invariant_in(app.db(), variant_id).await
}

pub async fn assert_invariant_in(db: &sqlx::AnyPool, variant_id: i64) -> (i64, i64, i64) {
    let (base, available, reserved, sold) = stock_books(db, variant_id).await;
    assert_eq!(
        base,
        available + reserved + sold,
        "initial+restocks {base} = available {available} + reserved {reserved} + sold {sold}"
    );
    (available, reserved, sold)
}

pub async fn status_of(app: &TestApp, number: &str) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(app.db())
        .await
        .unwrap()
}

pub async fn token_of(app: &TestApp, number: &str) -> String {
    sqlx::query_scalar("SELECT token FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(app.db())
        .await
        .unwrap()
}

/// Wait (with a deadline) until `number` has `status`.
pub async fn wait_status(app: &TestApp, number: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = status_of(app, number).await;
        if now == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "order {number} stayed {now}, expected {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
