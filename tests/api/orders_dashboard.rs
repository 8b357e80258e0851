//! The merchant's orders pages: the filter bar keeps what was chosen, the list shows
//! the items and the customer, the live feed the open page polls (scoped to the shop,
//! its filters and the roles that see orders), and the order page's timeline in the
//! shop's zone with the refund form only for roles that may refund.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures::{self, NewProduct};
use crate::helpers::{Browser, TestApp, email, spawn_app};
use crate::orders_support::*;

async fn feed(who: &Browser, query: &str) -> (StatusCode, Value) {
    let response = who
        .client
        .get(format!("{}/orders/live.json?{query}", who.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn numbers(feed: &Value) -> Vec<String> {
    feed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap().to_string())
        .collect()
}

/// Pay `number` on the test checkout as Bo.
async fn pay(app: &TestApp, shopper: &Browser, number: &str) {
    let token = token_of(app, number).await;
    shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    let paid = shopper
        .post(
            &format!("/checkout/{token}/test"),
            &[
                ("name", "Bo Buyer"),
                ("email", "bo@example.com"),
                ("address", "2 Main St"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
}

#[tokio::test]
async fn the_list_shows_items_and_customer_and_the_filter_bar_keeps_its_values() {
    let app = spawn_app().await;
    let sale = sale(&app, "list-columns", 5).await;
    let now = showfloor::db::now_ms();
    let mut variants = vec![sale.variant_id];
    for (i, (slug, title)) in [("hat", "Straw hat"), ("scarf", "Silk scarf")]
        .into_iter()
        .enumerate()
    {
        let p = NewProduct::new(slug, title, 1500)
            .stock_with_ledger(5)
            .at(now);
        let product = fixtures::product(app.db(), sale.shop_id, p).await;
        fixtures::feature(
            app.db(),
            sale.shop_id,
            sale.stream_id,
            product.id,
            i as i64 + 1,
        )
        .await;
        variants.push(product.variant_id);
    }
    let shopper = app.browser();
    let mut number = String::new();
    for variant in &variants {
        let (status, body) = buy(
            &shopper,
            &sale,
            json!({"variant_id": variant, "quantity": 1}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        number = body["order"].as_str().unwrap().to_string();
    }
    pay(&app, &shopper, &number).await;

    let list = sale.owner.get("/orders").await;
    assert_eq!(list.texts("#orders tbody tr").len(), 1);
    assert_eq!(list.texts(".order-item"), ["Linen shirt and 2 more"]);
    assert_eq!(list.texts(".customer-name"), ["Bo Buyer"]);
    assert_eq!(list.texts(".customer-email"), ["bo@example.com"]);
    assert_eq!(list.texts("#orders th").len(), 7);

    let filtered = sale
        .owner
        .get(&format!(
            "/orders?status=paid&stream={}&from=2026-01-01&q=bo%40example.com",
            sale.stream_id
        ))
        .await;
    assert_eq!(filtered.status, StatusCode::OK);
    assert_eq!(filtered.texts("#f-status option[selected]"), ["Paid"]);
    assert_eq!(filtered.texts("#f-stream option[selected]"), ["Flash sale"]);
    let doc = scraper::Html::parse_document(&filtered.body);
    let value = |css: &str| {
        let selector = scraper::Selector::parse(css).unwrap();
        doc.select(&selector)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .map(String::from)
    };
    assert_eq!(value("#f-from").as_deref(), Some("2026-01-01"));
    assert_eq!(value("#f-q").as_deref(), Some("bo@example.com"));
    let live = {
        let selector = scraper::Selector::parse("#orders").unwrap();
        doc.select(&selector)
            .next()
            .unwrap()
            .value()
            .attr("data-live")
            .unwrap()
            .to_string()
    };
    assert!(
        live.starts_with("/orders/live.json?status=paid&stream="),
        "{live}"
    );
    assert_eq!(filtered.texts(".order-item"), ["Linen shirt and 2 more"]);
}

#[tokio::test]
async fn the_live_feed_brings_new_and_changed_orders_of_the_shop_under_its_filters() {
    let app = spawn_app().await;
    let sale = sale(&app, "live-list", 5).await;
    let owner = &sale.owner;
    let (status, empty) = feed(owner, "since=0").await;
    assert_eq!(status, StatusCode::OK);
    assert!(numbers(&empty).is_empty());
    let cursor = empty["cursor"].as_i64().unwrap();

    let shopper = app.browser();
    let (_, body) = buy(&shopper, &sale, one(&sale)).await;
    let number = body["order"].as_str().unwrap().to_string();
    let (_, new) = feed(owner, &format!("since={cursor}")).await;
    assert_eq!(numbers(&new), [number.as_str()]);
    let row = &new["rows"][0];
    assert_eq!(row["status_code"], "pending");
    assert_eq!(row["item"], "Linen shirt");
    assert_eq!(row["url"], format!("/orders/{number}"));
    assert_eq!(row["total"], "€49.00");

    // Under a paid filter it appears once paid, with its new status.
    let (_, paid_only) = feed(owner, &format!("status=paid&since={cursor}")).await;
    assert!(numbers(&paid_only).is_empty());
    pay(&app, &shopper, &number).await;
    let (_, paid_only) = feed(owner, &format!("status=paid&since={cursor}")).await;
    assert_eq!(numbers(&paid_only), [number.as_str()]);
    assert_eq!(paid_only["rows"][0]["status_code"], "paid");
    assert_eq!(paid_only["rows"][0]["customer"], "Bo Buyer");

    // Long after the change, the feed is quiet again.
    let later = showfloor::db::now_ms() + 60_000;
    let (_, quiet) = feed(owner, &format!("since={later}")).await;
    assert!(numbers(&quiet).is_empty());

    // Bad filters: 422 with a sentence; another shop sees nothing; a marketer nothing at all.
    let (status, bad) = feed(owner, "from=yesterday&since=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["error"].as_str().unwrap().contains("YYYY-MM-DD"));
    let stranger = app.browser();
    stranger.sign_up("live-other", &email("other")).await;
    let (status, theirs) = feed(&stranger, "since=0").await;
    assert_eq!(status, StatusCode::OK);
    assert!(numbers(&theirs).is_empty());
    let marketer = app.browser();
    marketer
        .accept_invite(&owner.invite(&email("mia"), "marketer").await, "Mia")
        .await;
    assert_eq!(feed(&marketer, "since=0").await.0, StatusCode::FORBIDDEN);
    let host = app.browser();
    host.accept_invite(&owner.invite(&email("hal"), "host").await, "Hal")
        .await;
    assert_eq!(numbers(&feed(&host, "since=0").await.1), [number.as_str()]);

    // The page the feed serves loads the script and starts at the moment it was read.
    let page = owner.get("/orders").await;
    assert!(page.body.contains("/orders.js"));
    assert!(page.body.contains("aria-live=\"polite\""));
}

#[tokio::test]
async fn the_order_page_shows_its_timeline_in_the_shop_zone_and_the_refund_form_only_to_owners() {
    let app = spawn_app().await;
    let sale = sale(&app, "timeline", 5).await;
    sqlx::query("UPDATE shops SET time_zone = 'Asia/Tokyo' WHERE id = $1")
        .bind(sale.shop_id)
        .execute(app.db())
        .await
        .unwrap();
    let shopper = app.browser();
    let (_, body) = buy(&shopper, &sale, one(&sale)).await;
    let number = body["order"].as_str().unwrap().to_string();
    pay(&app, &shopper, &number).await;

    let page = sale.owner.get(&format!("/orders/{number}")).await;
    let labels = page.texts("#timeline .timeline-label");
    assert_eq!(labels, ["Reserved", "Paid"]);
    let ats: Vec<i64> = sqlx::query_scalar(
        "SELECT t.at FROM order_transitions t JOIN orders o ON o.id = t.order_id WHERE o.number = $1 ORDER BY t.id",
    )
    .bind(&number)
    .fetch_all(app.db())
    .await
    .unwrap();
    let tokyo = showfloor::time::zone("Asia/Tokyo");
    let expected: Vec<String> = ats
        .iter()
        .map(|at| showfloor::time::date_time(*at, &tokyo))
        .collect();
    assert_eq!(page.texts("#timeline time"), expected);
    assert_ne!(
        expected[0],
        showfloor::time::date_time(ats[0], &showfloor::time::zone("UTC"))
    );
    assert_eq!(page.texts("#refund-form").len(), 1);

    let host = app.browser();
    host.accept_invite(&sale.owner.invite(&email("hal"), "host").await, "Hal")
        .await;
    let hosts = host.get(&format!("/orders/{number}")).await;
    assert_eq!(hosts.status, StatusCode::OK);
    assert!(hosts.texts("#refund-form").is_empty());
    let refused = host
        .post(
            &format!("/orders/{number}/refund"),
            &[("amount", "1"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &number).await, "paid");
}
