//! The merchant's orders page in real Chromium: with the page open, a shopper's Buy
//! appears at the top of the list without a reload, highlighted and announced in the
//! polite live region, and its payment changes the row's status; the filter bar is one
//! row on a desktop and wraps on a phone.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{chromedriver, chromium};
use crate::db_fixtures::{self, NewProduct};
use crate::fixtures::scheduled_stream;
use crate::helpers::PASSWORD;
use crate::wait::until_async;

const WAIT: Duration = Duration::from_secs(20);

async fn script(client: &Client, js: &str) -> serde_json::Value {
    client.execute(js, vec![]).await.unwrap_or_default()
}

/// The distinct bottoms of the filter bar's parts (aligned at the end: one value, one row).
async fn filter_rows(client: &Client) -> usize {
    let tops = script(
        client,
        "return [...document.querySelectorAll('.order-filters > *')].map(e => e.getBoundingClientRect().bottom);",
    )
    .await;
    let mut tops: Vec<i64> = tops
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap().round() as i64)
        .collect();
    assert!(tops.len() >= 6, "{tops:?}");
    tops.sort_unstable();
    tops.dedup();
    tops.len()
}

#[tokio::test]
async fn a_new_order_appears_on_the_open_orders_page_and_its_payment_updates_the_row() {
    let live = scheduled_stream().await;
    let base = live.base();
    let db = live.app.db();
    let now = showfloor::db::now_ms();
    sqlx::query("UPDATE streams SET status = 'live', started_at = $1 WHERE id = $2")
        .bind(now)
        .bind(live.stream_id)
        .execute(db)
        .await
        .unwrap();
    let shop_id: i64 = sqlx::query_scalar("SELECT shop_id FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(db)
        .await
        .unwrap();
    let jumper = NewProduct::new("merino-jumper", "Merino jumper", 4900)
        .stock(8)
        .at(now);
    let product = db_fixtures::product(db, shop_id, jumper).await;
    db_fixtures::feature(db, shop_id, live.stream_id, product.id, 0).await;

    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let merchant = chromium(&webdriver, &profile).await;
    merchant.set_window_size(1280, 900).await.unwrap();
    merchant.goto(&format!("{base}/login")).await.unwrap();
    merchant
        .find(Locator::Css("#email"))
        .await
        .unwrap()
        .send_keys(&live.owner_email)
        .await
        .unwrap();
    merchant
        .find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    merchant
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until_async(WAIT, "signed in", || async {
        merchant
            .current_url()
            .await
            .ok()
            .filter(|u| !u.path().starts_with("/login"))
            .map(|_| ())
    })
    .await;
    merchant.goto(&format!("{base}/orders")).await.unwrap();
    let empty = script(
        &merchant,
        "return !document.getElementById('orders-empty').hidden;",
    )
    .await;
    assert_eq!(empty, json!(true), "the empty state first");
    assert_eq!(filter_rows(&merchant).await, 1, "one row on a desktop");

    // A shopper buys over HTTP while the page stays open.
    let shopper = live.app.browser();
    let token = shopper.csrf().await;
    let response = shopper
        .client
        .post(format!("{base}/@{}/spring-knitwear/buy", live.shop_slug))
        .header("x-csrf-token", token)
        .json(&json!({"variant_id": product.variant_id, "quantity": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let body: serde_json::Value = response.json().await.unwrap();
    let number = body["order"].as_str().unwrap().to_string();

    let row = format!("#orders tbody tr[data-number='{number}']");
    until_async(WAIT, "the new order on the open page", || async {
        let found = script(
            &merchant,
            &format!("const r = document.querySelector(\"{row}\"); return r && r.classList.contains('is-new') && r.querySelector('.order-item').textContent;"),
        )
        .await;
        (found == json!("Merino jumper")).then_some(())
    })
    .await;
    let announced = script(
        &merchant,
        "return document.getElementById('orders-announce').textContent;",
    )
    .await;
    assert!(
        announced
            .as_str()
            .unwrap()
            .contains(&format!("New order {number}")),
        "{announced}"
    );
    let hidden = script(
        &merchant,
        "return document.getElementById('orders-empty').hidden;",
    )
    .await;
    assert_eq!(hidden, json!(true));

    // It is paid on the test checkout: the row changes in place.
    let order_token: String = sqlx::query_scalar("SELECT token FROM orders WHERE number = $1")
        .bind(&number)
        .fetch_one(db)
        .await
        .unwrap();
    shopper
        .post(&format!("/checkout/{order_token}/pay"), &[])
        .await;
    let paid = shopper
        .post(
            &format!("/checkout/{order_token}/test"),
            &[
                ("name", "Pat"),
                ("email", "pat@example.com"),
                ("address", "1 Road"),
            ],
        )
        .await;
    assert_eq!(paid.status, reqwest::StatusCode::SEE_OTHER);
    until_async(WAIT, "the row to show it paid", || async {
        let status = script(
            &merchant,
            &format!("const r = document.querySelectorAll(\"{row}\"); return r.length === 1 && r[0].dataset.status;"),
        )
        .await;
        (status == json!("paid")).then_some(())
    })
    .await;
    let customer = script(
        &merchant,
        &format!("return document.querySelector(\"{row} .order-customer\").textContent;"),
    )
    .await;
    assert_eq!(customer, json!("Patpat@example.com"));

    // On a phone the filter bar wraps instead of running off the screen.
    merchant.set_window_size(390, 844).await.unwrap();
    assert!(filter_rows(&merchant).await > 1, "wraps on a phone");
    let overflow = script(
        &merchant,
        "const f = document.querySelector('.order-filters'); return f.scrollWidth <= f.clientWidth + 1;",
    )
    .await;
    assert_eq!(overflow, json!(true), "nothing wider than the phone");
    merchant.close().await.unwrap();
}
