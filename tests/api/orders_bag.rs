//! The shopping bag (issue 15): the same Buy returns the shopper's reservation (also
//! after a SIGKILL and restart), a second product joins the same order, an offer that
//! sold its units or ran out of time offers the regular price in one step, the room
//! tells stock and the offer's end, and bad Buys get 404 / 409 with the number left.

use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures::{self, NewPin, NewProduct};
use crate::helpers::{Browser, on_postgres, spawn_app};
use crate::orders_support::*;
use crate::sse::SseClient;

async fn lines_of(app: &crate::helpers::TestApp, number: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.number = $1",
    )
    .bind(number)
    .fetch_one(app.db())
    .await
    .unwrap()
}

#[tokio::test]
async fn the_same_buy_returns_the_same_reservation_and_another_product_joins_the_order() {
    let app = spawn_app().await;
    let sale = sale(&app, "bag-same", 5).await;
    let hat = NewProduct::new("hat", "Straw hat", 2500).stock_with_ledger(4);
    let hat = fixtures::product(app.db(), sale.shop_id, hat).await;
    fixtures::feature(app.db(), sale.shop_id, sale.stream_id, hat.id, 1).await;
    let shopper = app.browser();

    let (status, first) = buy(&shopper, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    // The answer was lost; the shopper taps again.
    let (status, again) = buy(&shopper, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["order"], first["order"]);
    assert_eq!(again["checkout_url"], first["checkout_url"]);
    assert_eq!(again["quantity"], 1);
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (4, 1, 0));

    let (status, with_hat) = buy(&shopper, &sale, json!({"variant_id": hat.variant_id})).await;
    assert_eq!(status, StatusCode::CREATED, "{with_hat}");
    assert_eq!(with_hat["order"], first["order"], "one order for the bag");
    assert_eq!(with_hat["total"], 4900 + 2500);
    let number = first["order"].as_str().unwrap();
    assert_eq!(lines_of(&app, number).await, 2);

    // `add` asks for more of the same.
    let (status, more) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "add": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{more}");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (3, 2, 0));

    // Another shopper is another viewer: their own order.
    let (status, other) = buy(&app.browser(), &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(other["order"], first["order"]);

    // The bag lists the featured products with stock and what this shopper holds.
    let bag: Value = shopper
        .client
        .get(format!("{}/@bag-same/flash/bag", shopper.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bag["selling"], true);
    assert_eq!(bag["products"].as_array().unwrap().len(), 2);
    assert_eq!(bag["products"][1]["variants"][0]["stock"], 3);
    assert_eq!(bag["held"][0]["number"], first["order"]);
    assert_eq!(bag["held"][0]["lines"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_retry_after_the_last_unit_sold_gets_the_shoppers_own_unit_back() {
    let app = spawn_app().await;
    let sale = sale(&app, "bag-last", 1).await;
    let shopper = app.browser();
    let (status, first) = buy(&shopper, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED);
    // Someone else is told sold out (and the hint remembers it)…
    let (status, _) = buy(&app.browser(), &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // …but the shopper holding the unit gets it back.
    let (status, again) = buy(&shopper, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["order"], first["order"]);
}

#[tokio::test]
async fn an_offer_that_sold_its_units_offers_the_regular_price_in_one_step() {
    let app = spawn_app().await;
    let sale = sale(&app, "bag-offer", 100).await;
    let thirty = NewPin::new(sale.product_id, showfloor::db::now_ms())
        .offer(2900, "EUR")
        .offer_units(30);
    let pin = fixtures::pin(app.db(), sale.shop_id, sale.stream_id, thirty).await;
    let at_offer = json!({"variant_id": sale.variant_id, "pin_id": pin, "price": 2900});
    let shoppers: Vec<Browser> = (0..30).map(|_| app.browser()).collect();
    let answers = join_all(shoppers.iter().map(|s| buy(s, &sale, at_offer.clone()))).await;
    assert!(
        answers
            .iter()
            .all(|(s, b)| *s == StatusCode::CREATED && b["unit_price"] == 2900),
        "{answers:?}"
    );

    let late = app.browser();
    let (status, offered) = buy(&late, &sale, at_offer.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{offered}");
    assert_eq!(offered["offer_ended"], true);
    assert_eq!(offered["price"], 4900);
    assert!(
        offered["error"].as_str().unwrap().contains("€49.00"),
        "{offered}"
    );
    // Told again from memory (the offer-ended hint), the same sentence and price…
    let (status, again) = buy(&app.browser(), &sale, at_offer.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["price"], 4900);
    assert_eq!(again["error"], offered["error"]);
    // …but a shopper who holds an offer unit and taps again gets their own back.
    let (status, own) = buy(&shoppers[0], &sale, at_offer.clone()).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["order"], answers[0].1["order"]);
    assert_eq!(own["unit_price"], 2900);
    let confirmed = json!({"variant_id": sale.variant_id, "pin_id": pin, "accept_regular": true, "price": 4900});
    let (status, bought) = buy(&late, &sale, confirmed).await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    assert_eq!(bought["unit_price"], 4900);
    // A page that never saw the offer buys at the regular price at once.
    let (status, plain) = buy(&app.browser(), &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED, "{plain}");
    assert_eq!(plain["unit_price"], 4900);
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (68, 32, 0));
}

#[tokio::test]
async fn an_ended_timed_offer_or_a_stale_offer_id_offers_the_regular_price() {
    let app = spawn_app().await;
    let sale = sale(&app, "bag-timed", 10).await;
    let now = showfloor::db::now_ms();
    let ended = NewPin::new(sale.product_id, now - 60_000)
        .offer(2900, "EUR")
        .offer_until(now - 1_000);
    let pin = fixtures::pin(app.db(), sale.shop_id, sale.stream_id, ended).await;
    let shopper = app.browser();
    for stale in [pin, pin + 1000] {
        let (status, offered) = buy(
            &shopper,
            &sale,
            json!({"variant_id": sale.variant_id, "pin_id": stale}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{offered}");
        assert_eq!(offered["offer_ended"], true);
        assert_eq!(offered["price_display"], "€49.00");
    }
    let (status, bought) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "pin_id": pin, "accept_regular": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bought}");
    assert_eq!(bought["unit_price"], 4900);
}

#[tokio::test]
async fn bad_buys_get_404_for_a_product_not_in_the_stream_and_409_with_what_is_left() {
    let app = spawn_app().await;
    let sale = sale(&app, "bag-bad", 3).await;
    let elsewhere = NewProduct::new("elsewhere", "Not featured", 1000).stock_with_ledger(5);
    let elsewhere = fixtures::product(app.db(), sale.shop_id, elsewhere).await;
    let shopper = app.browser();
    let (status, body) = buy(&shopper, &sale, json!({"variant_id": elsewhere.variant_id})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("not part of this stream")
    );
    let (status, body) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["left"], 3);
    let (status, body) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 11}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["left"], 10);
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (3, 0, 0));
}

/// Read the feed into `seen` until an event named `name` is there, within `wait`.
async fn until_seen(
    feed: &mut SseClient,
    seen: &mut Vec<(String, Value)>,
    name: &str,
    wait: Duration,
) -> Option<Value> {
    let deadline = Instant::now() + wait;
    loop {
        if let Some((_, data)) = seen.iter().find(|(n, _)| n == name) {
            return Some(data.clone());
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        let event = feed.next(left).await?;
        seen.push((event.event.clone(), event.json()));
    }
}

#[tokio::test]
async fn the_room_tells_stock_changes_sold_out_back_in_stock_and_the_end_of_an_offer() {
    let app = spawn_app().await;
    let sale = sale(&app, "bag-room", 5).await;
    let two = NewPin::new(sale.product_id, showfloor::db::now_ms())
        .offer(2900, "EUR")
        .offer_units(2);
    let pin = fixtures::pin(app.db(), sale.shop_id, sale.stream_id, two).await;
    let viewer = app.browser();
    let url = format!("{}/@bag-room/flash/live/events", viewer.base);
    let mut feed = SseClient::open(&viewer.client, &url, None).await;
    assert_eq!(feed.status, StatusCode::OK);
    // The room's first reading is only remembered; wait until it has been taken by
    // selling one unit and seeing its stock event.
    let mut sold = 0;
    let mut events = Vec::new();
    let mut seen = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.is_none() && Instant::now() < deadline {
        let (status, _) = buy(
            &app.browser(),
            &sale,
            json!({"variant_id": sale.variant_id, "pin_id": pin}),
        )
        .await;
        if status == StatusCode::CREATED {
            sold += 1;
        }
        seen = until_seen(&mut feed, &mut events, "stock", Duration::from_secs(2)).await;
    }
    let stock = seen.expect("a stock event");
    assert_eq!(stock["variants"][0]["id"], sale.variant_id);
    assert!((1..=2).contains(&sold));
    if sold < 2 {
        let (status, _) = buy(
            &app.browser(),
            &sale,
            json!({"variant_id": sale.variant_id, "pin_id": pin}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let ended = until_seen(
        &mut feed,
        &mut events,
        "offer_ended",
        Duration::from_secs(10),
    )
    .await
    .expect("the offer's end is told to the room");
    assert_eq!(ended["pin_id"], pin);
    assert_eq!(ended["reason"], "sold_out");
    // And the room's state no longer shows the offer.
    let state: Value = viewer
        .client
        .get(format!("{}/@bag-room/flash/live/state", viewer.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(state["pin"]["offer"].is_null(), "{}", state["pin"]);

    // Stock moved by anything else (here the catalogue's column, as a restock or an
    // edit would) reaches the room as well: sold out, then back in stock.
    for (units, change) in [(0, "sold_out"), (7, "back_in_stock")] {
        sqlx::query("UPDATE variants SET stock = $1 WHERE id = $2")
            .bind(units)
            .bind(sale.variant_id)
            .execute(app.db())
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let told = loop {
            let event = feed
                .next(deadline.saturating_duration_since(Instant::now()))
                .await
                .expect("a stock event for the change");
            let data = event.json();
            if event.event == "stock" && data["variants"][0]["change"] == change {
                break data;
            }
        };
        assert_eq!(told["variants"][0]["stock"], units);
    }
}

#[tokio::test]
async fn after_a_sigkill_and_a_restart_the_retry_finds_the_reservation() {
    if on_postgres() {
        return; // A real process on the SQLite file, as in orders_crash.
    }
    let mut app = spawn_app().await;
    let sale = sale(&app, "bag-crash", 1).await;
    let data_dir = app.config.data_dir.clone();
    app.server.take().unwrap().stop().await.unwrap();

    let (mut child, base) = crate::orders_crash::start(&data_dir);
    crate::orders_crash::wait_healthy(&base).await;
    let shopper = Browser::new(base);
    let (status, first) = buy(&shopper, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    child.kill().expect("SIGKILL");
    child.wait().unwrap();

    let (mut child, base) = crate::orders_crash::start(&data_dir);
    crate::orders_crash::wait_healthy(&base).await;
    let retry = Browser {
        client: shopper.client.clone(),
        base,
    };
    // Someone else first: the hint then knows the variant sold out.
    let (status, _) = buy(&Browser::new(retry.base.clone()), &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, again) = buy(&retry, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["order"], first["order"]);
    child.kill().ok();
    child.wait().ok();
}

#[tokio::test]
async fn an_offer_that_sells_out_in_the_middle_of_a_flash_sale_oversells_nothing_and_prices_every_order_right()
 {
    let app = spawn_app().await;
    let sale = sale(&app, "bag-flash", 20).await;
    let eight = NewPin::new(sale.product_id, showfloor::db::now_ms())
        .offer(2900, "EUR")
        .offer_units(8);
    let pin = fixtures::pin(app.db(), sale.shop_id, sale.stream_id, eight).await;
    let shoppers: Vec<Browser> = (0..200).map(|_| app.browser()).collect();
    let tokens = join_all(shoppers.iter().map(|s| s.csrf())).await;
    let at_offer = json!({"variant_id": sale.variant_id, "pin_id": pin});
    let first = join_all(
        shoppers
            .iter()
            .zip(&tokens)
            .map(|(s, t)| buy_with(s, &sale.buy_path, t, at_offer.clone())),
    )
    .await;
    // Everyone refused was told why: sold out, or the offer ended with the regular price.
    assert!(first.iter().all(|(s, b)| *s == StatusCode::CREATED
        || (*s == StatusCode::CONFLICT && (b["sold_out"] == true || b["price"] == 4900))));
    let at_offer_price = first
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert!(
        first
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .all(|(_, b)| b["unit_price"] == 2900)
    );
    assert_eq!(at_offer_price, 8, "the offer's eight units all sold");
    // Those offered the regular price take it, all at once.
    let confirmed = json!({"variant_id": sale.variant_id, "pin_id": pin, "accept_regular": true});
    let second = join_all(
        shoppers
            .iter()
            .zip(&tokens)
            .zip(&first)
            .filter(|(_, (_, b))| b["offer_ended"] == true)
            .map(|((s, t), _)| buy_with(s, &sale.buy_path, t, confirmed.clone())),
    )
    .await;
    let regular: Vec<_> = second
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .collect();
    assert!(regular.iter().all(|(_, b)| b["unit_price"] == 4900));
    assert_eq!(
        regular.len(),
        12,
        "the rest of the stock sold at the regular price"
    );

    assert_eq!(assert_invariant(&app, sale.variant_id).await, (0, 20, 0));
    let taken: i64 = sqlx::query_scalar("SELECT offer_units_taken FROM pins WHERE id = $1")
        .bind(pin)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(taken, 8);
    let mispriced: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM order_lines WHERE variant_id = $1 AND NOT \
         ((offer_pin_id IS NOT NULL AND unit_price = 2900) OR (offer_pin_id IS NULL AND unit_price = 4900))",
    )
    .bind(sale.variant_id)
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(mispriced, 0);
    let wrong_totals: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders o WHERE o.shop_id = $1 AND o.total <> \
         (SELECT SUM(l.unit_price * l.quantity) FROM order_lines l WHERE l.order_id = o.id)",
    )
    .bind(sale.shop_id)
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(wrong_totals, 0);
}
