//! The shopper's journey on a phone in real Chromium (issue 15), on pages that are never
//! reloaded: shopper A waits on a scheduled stream's countdown; the merchant goes live
//! and A's page turns into the live page; A opens the bag, buys the product that is not
//! pinned and pays with the test provider in the in-page sheet (Buy now, then Pay). The
//! host pins a product with an offer of one unit; A buys it at the offer price; shopper
//! B's card turns to the regular price by itself and B buys it from the card. The
//! merchant ends the stream: B's page shows the ended view, and B still buys from the bag
//! (the stream sells after it).

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{chromedriver, chromium};
use crate::db_fixtures::{self, NewProduct};
use crate::fixtures::scheduled_stream;
use crate::phone::{click, pay_in_sheet};
use crate::wait::until_async;

const WAIT: Duration = Duration::from_secs(20);

async fn text(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The text an element holds, shown or not (the room's questions sit in a closed sheet
/// until the shopper opens it).
async fn content(client: &Client, css: &str) -> String {
    client
        .execute(
            "var e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
            vec![json!(css)],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn wait_content(client: &Client, css: &str, what: &str, check: impl Fn(&str) -> bool) {
    until_async(WAIT, what, || async {
        check(&content(client, css).await).then_some(())
    })
    .await;
}

async fn wait_text(client: &Client, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    until_async(WAIT, what, || async {
        let t = text(client, css).await;
        check(&t).then_some(t)
    })
    .await
}

/// Whether the page's `<main>` shows the stream in `state` (scheduled, live, ended).
async fn state_is(client: &Client, state: &str) -> bool {
    let script = format!(
        "var m = document.querySelector('main'); return !!(m && m.dataset.state === '{state}');"
    );
    client.execute(&script, vec![]).await.ok() == Some(json!(true))
}

/// Whether the page is the one the shopper opened (the marker set on `window` survives
/// only without a reload).
async fn same_page(client: &Client) -> bool {
    client
        .execute("return window.__sfMarker === 'same page';", vec![])
        .await
        .ok()
        == Some(json!(true))
}

async fn has(client: &Client, css: &str) -> bool {
    client
        .find_all(Locator::Css(css))
        .await
        .map(|found| !found.is_empty())
        .unwrap_or(false)
}

/// The unit prices of the variant's order lines, oldest first.
async fn prices(db: &sqlx::AnyPool, variant_id: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT unit_price FROM order_lines WHERE variant_id = $1 ORDER BY id")
        .bind(variant_id)
        .fetch_all(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_phone_waits_on_the_countdown_then_buys_from_the_bag_at_the_offer_and_after_it_and_after_the_end()
 {
    let live = scheduled_stream().await;
    let base = live.base();
    let db = live.app.db();
    let now = showfloor::db::now_ms();
    let shop_id: i64 = sqlx::query_scalar("SELECT shop_id FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(db)
        .await
        .unwrap();
    let jumper = NewProduct::new("merino-jumper", "Merino jumper", 4900)
        .stock(8)
        .at(now);
    let jumper = db_fixtures::product(db, shop_id, jumper).await;
    let scarf = NewProduct::new("silk-scarf", "Silk scarf", 2500)
        .stock(3)
        .at(now);
    let scarf = db_fixtures::product(db, shop_id, scarf).await;
    db_fixtures::feature(db, shop_id, live.stream_id, jumper.id, 0).await;
    db_fixtures::feature(db, shop_id, live.stream_id, scarf.id, 1).await;
    let page = format!("{base}/@{}/spring-knitwear", live.shop_slug);

    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (pa, pb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = chromium(&webdriver, &pa).await;
    a.set_window_size(390, 844).await.unwrap();
    a.goto(&page).await.unwrap();
    until_async(WAIT, "A on the countdown page", || async {
        let ready = state_is(&a, "scheduled").await && has(&a, "[data-countdown]").await;
        ready.then_some(())
    })
    .await;
    a.execute("window.__sfMarker = 'same page'; return true;", vec![])
        .await
        .unwrap();

    // The merchant goes live: A's page turns into the live page by itself.
    let state = live.app.server.as_ref().unwrap().state.clone();
    showfloor::streams::go_live(&state, live.stream_id, showfloor::streams::Actor::System)
        .await
        .expect("goes live");
    until_async(WAIT, "A's page turning live without a reload", || async {
        (state_is(&a, "live").await && same_page(&a).await).then_some(())
    })
    .await;
    wait_text(&a, "[data-bag-count]", "the bag's count", |t| t == "2").await;
    wait_content(&a, "[data-questions]", "A's room", |t| {
        t.contains("No questions yet")
    })
    .await;

    // Shopper A opens the bag and buys the scarf (not pinned): Buy now, then Pay.
    click(&a, "[data-bag-open]").await;
    click(
        &a,
        &format!(
            "[data-bag-list] [data-product='{}'] [data-buy-now]",
            scarf.id
        ),
    )
    .await;
    wait_text(&a, "[data-checkout-body]", "the checkout sheet", |t| {
        t.contains("Silk scarf") && t.contains("Held for")
    })
    .await;
    pay_in_sheet(&a, "Ana Phone").await;
    let paid = wait_text(&a, "[data-order-paid]", "the paid confirmation", |t| {
        t.contains("is paid")
    })
    .await;
    assert!(
        !paid.contains("on its way"),
        "no mail is promised without SMTP: {paid}"
    );
    let status: String = sqlx::query_scalar(
        "SELECT o.status FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.variant_id = $1",
    )
    .bind(scarf.variant_id)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(status, "paid");
    a.execute(
        "document.querySelectorAll('dialog').forEach(function (d) { d.close(); });",
        vec![],
    )
    .await
    .unwrap();

    // Shopper B is watching too.
    let b = chromium(&webdriver, &pb).await;
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&page).await.unwrap();
    wait_text(&b, "[data-bag-count]", "B's bag", |t| t == "2").await;
    wait_content(&b, "[data-questions]", "B's room", |t| {
        t.contains("No questions yet")
    })
    .await;

    // The host pins the jumper with €29 for one unit.
    let token = live.owner.csrf().await;
    let pinned = live
        .owner
        .client
        .post(format!(
            "{base}/@{}/spring-knitwear/live/pin",
            live.shop_slug
        ))
        .header("x-csrf-token", token)
        .json(&json!({"product_id": jumper.id, "offer_price": "29", "offer_units": 1}))
        .send()
        .await
        .unwrap();
    assert!(pinned.status().is_success(), "{}", pinned.status());
    for phone in [&a, &b] {
        wait_text(
            phone,
            ".pin-card-price .price",
            "the offer on the card",
            |t| t == "€29.00",
        )
        .await;
    }

    // A buys the one unit at the offer price.
    click(&a, "[data-pin] [data-buy-now]").await;
    wait_text(&a, "[data-checkout-body]", "A's checkout sheet", |t| {
        t.contains("Merino jumper") && t.contains("€29.00")
    })
    .await;
    assert_eq!(prices(db, jumper.variant_id).await, vec![2900]);

    // B's card turns to the regular price by itself, and B buys at it from the card.
    wait_text(
        &b,
        ".pin-card-price .price",
        "the regular price on B's card",
        |t| t == "€49.00",
    )
    .await;
    click(&b, "[data-pin] [data-buy-now]").await;
    wait_text(&b, "[data-checkout-body]", "B's checkout sheet", |t| {
        t.contains("Merino jumper") && t.contains("€49.00")
    })
    .await;
    assert_eq!(prices(db, jumper.variant_id).await, vec![2900, 4900]);
    let _ = a.close().await;

    // The merchant ends the stream; it sells after the end. B's page, never reloaded,
    // shows the ended view, and B buys the scarf from the bag there.
    b.execute(
        "document.querySelectorAll('dialog').forEach(function (d) { d.close(); }); \
         window.__sfMarker = 'same page'; return true;",
        vec![],
    )
    .await
    .unwrap();
    showfloor::streams::end(&state, live.stream_id, showfloor::streams::Actor::System)
        .await
        .expect("ends");
    until_async(
        WAIT,
        "B's page showing the ended view without a reload",
        || async {
            let ended = state_is(&b, "ended").await
                && same_page(&b).await
                && !has(&b, "main .v-badge-live").await
                && !has(&b, "[data-chat-form]").await;
            ended.then_some(())
        },
    )
    .await;
    wait_text(&b, "[data-bag-count]", "the bag after the end", |t| {
        t == "2"
    })
    .await;
    click(&b, "[data-bag-open]").await;
    click(
        &b,
        &format!(
            "[data-bag-list] [data-product='{}'] [data-buy-now]",
            scarf.id
        ),
    )
    .await;
    wait_text(&b, "[data-checkout-body]", "the sheet after the end", |t| {
        t.contains("Silk scarf") && t.contains("Held for")
    })
    .await;
    assert_eq!(prices(db, scarf.variant_id).await, vec![2500, 2500]);
    let _ = b.close().await;
}
