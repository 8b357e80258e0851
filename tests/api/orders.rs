//! Orders with the offline test provider: the flash-sale race, the full shopper flow to
//! the confirmation and the studio ticker, reservation expiry, refusals of bad input,
//! and the merchant's list, detail, refund and CSV export.

use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::{self, NewPin};
use crate::helpers::spawn_app;
use crate::orders_support::*;

#[tokio::test]
async fn two_hundred_buyers_racing_for_twenty_units_get_exactly_twenty_reservations() {
    let app = spawn_app().await;
    let sale = sale(&app, "race", 20).await;
    let shoppers: Vec<_> = (0..200).map(|_| app.browser()).collect();
    let tokens = join_all(shoppers.iter().map(|s| s.csrf())).await;

    let answers = join_all(
        shoppers
            .iter()
            .zip(&tokens)
            .map(|(s, t)| buy_with(s, &sale.buy_path, t, one(&sale))),
    )
    .await;

    let reserved = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let sold_out: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .collect();
    assert_eq!(
        reserved,
        20,
        "answers: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert_eq!(sold_out.len(), 180);
    assert!(
        sold_out.iter().all(
            |(_, b)| b["sold_out"] == true && b["error"].as_str().unwrap().contains("Sold out")
        )
    );
    let (available, held, sold) = assert_invariant(&app, sale.variant_id).await;
    assert_eq!((available, held, sold), (0, 20, 0));
    let orders: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE shop_id = $1 AND status = 'pending'")
            .bind(sale.shop_id)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(orders, 20);
}

#[tokio::test]
async fn a_shopper_buys_from_the_stream_pays_on_the_test_checkout_and_the_ticker_shows_it() {
    let app = spawn_app().await;
    let sale = sale(&app, "flow", 5).await;
    let shopper = app.browser();
    // The studio listens to the staff-only feed; a viewer's public feed must not carry orders.
    let room = format!("{}/live", sale.buy_path.trim_end_matches("/buy"));
    let mut ticker = crate::sse::SseClient::open(
        &sale.owner.client,
        &format!("{}{room}/staff/events", sale.owner.base),
        None,
    )
    .await;
    assert_eq!(ticker.status, StatusCode::OK);
    let mut public_feed = shopper.events(&room, None).await;

    let (status, body) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 2, "price": 4900, "currency": "EUR"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["unit_price"], 4900);
    let number = body["order"].as_str().unwrap().to_string();
    let checkout = body["checkout_url"].as_str().unwrap().to_string();
    // A second Buy of more units goes into the same cart (`add`; the same Buy again
    // would return the reservation as it is).
    let (status, again) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "add": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["order"], number.as_str());
    let page = shopper.get(&checkout).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains(&number) && page.texts("#order-total") == ["€147.00"]);

    let pay = shopper.post(&format!("{checkout}/pay"), &[]).await;
    assert_eq!(pay.status, StatusCode::SEE_OTHER);
    let test_page = shopper.get(pay.location()).await;
    assert!(test_page.contains("Test mode — no money moves"));
    let missing = shopper
        .post(
            pay.location(),
            &[("name", "Anna"), ("email", "nope"), ("address", "")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let paid = shopper
        .post(
            pay.location(),
            &[
                ("name", "Anna Test"),
                ("email", "anna@example.com"),
                ("address", "1 Rue de la Paix\n75002 Paris"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    let done = shopper.get(paid.location()).await;
    assert!(done.texts("#order-number") == [number.clone()] && done.contains("is paid"));
    assert_eq!(status_of(&app, &number).await, "paid");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (2, 0, 3));

    // The studio's ticker: an order event with the stream's revenue.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = ticker
            .next_named("order", left)
            .await
            .expect("a paid order in the ticker");
        let data = event.json();
        if data["event"] == "paid" {
            // Who bought what: the ticker line's product, units and first name.
            assert_eq!(data["what"], "Linen shirt × 3");
            assert_eq!(data["first_name"], "Anna");
            assert_eq!(data["figures"]["revenue_display"], "€147.00");
            assert_eq!(data["figures"]["orders"], 1);
            break;
        }
    }
    assert!(
        public_feed
            .next_named("order", Duration::from_millis(300))
            .await
            .is_none(),
        "orders and revenue stay out of the viewers' feed"
    );
    // Attribution: the stream and the seconds since go-live.
    let (stream, offset): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT stream_id, stream_offset_s FROM orders WHERE number = $1")
            .bind(&number)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(stream, Some(sale.stream_id));
    assert!(
        offset.is_some_and(|s| (89..=120).contains(&s)),
        "{offset:?}"
    );
}

#[tokio::test]
async fn an_ended_reservation_releases_its_stock_and_cannot_be_paid() {
    let app = spawn_app().await;
    app.server
        .as_ref()
        .unwrap()
        .state
        .orders
        .set_reservation(Duration::from_millis(300));
    let sale = sale(&app, "expiry", 3).await;
    let shopper = app.browser();
    let (status, body) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 3}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let number = body["order"].as_str().unwrap().to_string();
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (0, 3, 0));

    wait_status(&app, &number, "expired").await;
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (3, 0, 0));
    let token = token_of(&app, &number).await;
    let refused = shopper
        .post(
            &format!("/checkout/{token}/test"),
            &[
                ("name", "Late"),
                ("email", "late@example.com"),
                ("address", "Somewhere 1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.contains("nothing was charged"));
    assert_eq!(status_of(&app, &number).await, "expired");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (3, 0, 0));
}

#[tokio::test]
async fn bad_buys_are_refused_with_a_message_and_change_no_stock() {
    let app = spawn_app().await;
    let sale = sale(&app, "bad-buys", 5).await;
    let other = sale_other(&app).await;
    let now = showfloor::db::now_ms();
    let ended_offer = NewPin::new(sale.product_id, now - 60_000)
        .offer(2900, "EUR")
        .offer_until(now - 1_000);
    let pin = fixtures::pin(app.db(), sale.shop_id, sale.stream_id, ended_offer).await;
    let shopper = app.browser();
    let v = sale.variant_id;
    let cases = [
        (json!({"variant_id": v, "quantity": 0}), "at least 1"),
        (json!({"variant_id": v, "quantity": -3}), "at least 1"),
        (json!({"variant_id": 999_999}), "not for sale"),
        (json!({"variant_id": other}), "not for sale"),
        (
            json!({"variant_id": v, "price": 100}),
            "The price is €49.00",
        ),
        (json!({"variant_id": v, "currency": "USD"}), "sells in EUR"),
        (json!({"variant_id": "abc"}), "whole number"),
        (json!({}), "Choose an option"),
    ];
    for (body, message) in cases {
        let (status, answer) = buy(&shopper, &sale, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap_or("").contains(message),
            "{body}: {answer}"
        );
    }
    let token = shopper.csrf().await;
    let malformed = shopper
        .client
        .post(format!("{}{}", shopper.base, sale.buy_path))
        .header("x-csrf-token", token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let forged = buy_with(&shopper, &sale.buy_path, "forged", one(&sale)).await;
    assert_eq!(forged.0, StatusCode::FORBIDDEN);
    // A product of the shop that is not in this stream.
    sqlx::query("DELETE FROM stream_products WHERE stream_id = $1")
        .bind(sale.stream_id)
        .execute(app.db())
        .await
        .unwrap();
    sqlx::query("DELETE FROM pins WHERE id = $1")
        .bind(pin)
        .execute(app.db())
        .await
        .unwrap();
    let (status, answer) = buy(&shopper, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("not part of this stream")
    );
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (5, 0, 0));
}

/// A variant of another shop.
async fn sale_other(app: &crate::helpers::TestApp) -> i64 {
    sale(app, "bad-buys-other", 3).await.variant_id
}

#[tokio::test]
async fn a_live_offer_prices_the_order_on_the_server_and_its_units_come_back_on_expiry() {
    let app = spawn_app().await;
    app.server
        .as_ref()
        .unwrap()
        .state
        .orders
        .set_reservation(Duration::from_millis(300));
    let sale = sale(&app, "offer", 10).await;
    let two_at_offer = NewPin::new(sale.product_id, showfloor::db::now_ms())
        .offer(2900, "EUR")
        .offer_units(2);
    let pin = fixtures::pin(app.db(), sale.shop_id, sale.stream_id, two_at_offer).await;
    let shopper = app.browser();
    let (status, body) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 2, "price": 2900}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["unit_price"], 2900);
    let (status, body) = buy(
        &app.browser(),
        &sale,
        json!({"variant_id": sale.variant_id, "pin_id": pin}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let taken = || async {
        sqlx::query_scalar::<_, i64>("SELECT offer_units_taken FROM pins WHERE id = $1")
            .bind(pin)
            .fetch_one(app.db())
            .await
            .unwrap()
    };
    assert_eq!(taken().await, 2);
    let number: String = sqlx::query_scalar("SELECT number FROM orders WHERE shop_id = $1")
        .bind(sale.shop_id)
        .fetch_one(app.db())
        .await
        .unwrap();
    wait_status(&app, &number, "expired").await;
    assert_eq!(taken().await, 0);
    assert_invariant(&app, sale.variant_id).await;
}

#[tokio::test]
async fn the_merchant_lists_filters_exports_fulfils_and_refunds_with_restock() {
    let app = spawn_app().await;
    let sale = sale(&app, "books", 4).await;
    let shopper = app.browser();
    let (_, body) = buy(
        &shopper,
        &sale,
        json!({"variant_id": sale.variant_id, "quantity": 2}),
    )
    .await;
    let number = body["order"].as_str().unwrap().to_string();
    let token = token_of(&app, &number).await;
    shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    let paid = shopper
        .post(
            &format!("/checkout/{token}/test"),
            &[
                ("name", "Bo"),
                ("email", "Bo@Example.com"),
                ("address", "2 Main St"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    let owner = &sale.owner;

    let list = owner.get("/orders").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.contains(&number));
    assert!(
        owner
            .get("/orders?status=expired")
            .await
            .contains("No orders match")
    );
    assert!(
        owner
            .get("/orders?q=bo@example.com")
            .await
            .contains(&number)
    );
    assert!(
        owner
            .get(&format!("/orders?q={number}"))
            .await
            .contains(&number)
    );
    assert_eq!(
        owner
            .get("/orders?from=2030-01-02&to=2030-01-01")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let csv = owner.get("/orders/export.csv").await;
    assert!(csv.body.starts_with("order_number,status,created_at"));
    assert!(csv.body.contains(&format!("{number},paid,")) && csv.body.contains(",98.00,EUR"));

    let detail = owner.get(&format!("/orders/{number}")).await;
    assert!(detail.texts("#order-stream") == ["Flash sale"] && detail.contains("Payment received"));
    let line: i64 = sqlx::query_scalar("SELECT id FROM order_lines WHERE variant_id = $1")
        .bind(sale.variant_id)
        .fetch_one(app.db())
        .await
        .unwrap();
    let refund = owner
        .post(
            &format!("/orders/{number}/refund"),
            &[
                ("amount", "49"),
                (&format!("restock_{line}"), "1"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(refund.status, StatusCode::SEE_OTHER, "{}", refund.body);
    assert_eq!(status_of(&app, &number).await, "partially_refunded");
    assert_eq!(assert_invariant(&app, sale.variant_id).await, (3, 0, 1));
    let too_much = owner
        .post(
            &format!("/orders/{number}/refund"),
            &[("amount", "50"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fulfil = owner
        .post(
            &format!("/orders/{number}/fulfil"),
            &[("carrier", "La Poste"), ("tracking_number", "LP123")],
        )
        .await;
    assert_eq!(fulfil.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &number).await, "fulfilled");
    owner
        .post(
            &format!("/orders/{number}/refund"),
            &[("amount", "49"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status_of(&app, &number).await, "refunded");
    let timeline = owner
        .get(&format!("/orders/{number}"))
        .await
        .texts("#timeline li");
    assert!(timeline.len() >= 5, "{timeline:?}");
    assert_eq!(
        owner.get("/orders/NOSUCH00").await.status,
        StatusCode::NOT_FOUND
    );
}
