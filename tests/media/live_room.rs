//! The live room in two real Chromium windows: the host pins a product with a live offer
//! from the studio, a phone-sized shopper page shows the card and its countdown without
//! a reload, the shopper asks, the host answers, the shopper sees it answered.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{chromedriver, chromium};
use crate::db_fixtures::{self, NewProduct};
use crate::fixtures::scheduled_stream;
use crate::helpers::PASSWORD;
use crate::wait::until_async;

const WAIT: Duration = Duration::from_secs(15);

async fn text(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn wait_text(client: &Client, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    until_async(WAIT, what, || async {
        let t = text(client, css).await;
        check(&t).then_some(t)
    })
    .await
}

async fn type_into(client: &Client, css: &str, value: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(value)
        .await
        .unwrap();
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_pinned_offer_reaches_a_phone_within_the_room_and_an_answer_comes_back() {
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
    let product = db_fixtures::product(db, shop_id, jumper).await.id;
    db_fixtures::feature(db, shop_id, live.stream_id, product, 0).await;

    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    // The shopper's phone opens the live page first.
    let phone = chromium(&webdriver, &p2).await;
    phone.set_window_size(390, 844).await.unwrap();
    phone
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    // The shopper opens the questions sheet from the rail beside the video.
    until_async(WAIT, "the Ask button", || async {
        phone
            .find(Locator::Css("[data-sheet-open='questions']"))
            .await
            .ok()?
            .click()
            .await
            .ok()
    })
    .await;
    wait_text(&phone, "[data-questions]", "the room to load", |t| {
        t.contains("No questions yet")
    })
    .await;

    // The host signs in and opens the studio.
    let studio = chromium(&webdriver, &p1).await;
    studio.goto(&format!("{base}/login")).await.unwrap();
    type_into(&studio, "#email", &live.owner_email).await;
    type_into(&studio, "#password", PASSWORD).await;
    click(&studio, "button[type=submit]").await;
    until_async(WAIT, "signed in", || async {
        studio
            .current_url()
            .await
            .ok()
            .filter(|u| !u.path().starts_with("/login"))
            .map(|_| ())
    })
    .await;
    studio
        .goto(&format!("{base}/studio/{}", live.stream_id))
        .await
        .unwrap();
    wait_text(
        &studio,
        "[data-products]",
        "featured products listed",
        |t| t.contains("Merino jumper"),
    )
    .await;

    // €29 for the next 5 minutes, then Pin.
    type_into(&studio, "[data-offer-price]", "29").await;
    type_into(&studio, "[data-offer-minutes]", "5").await;
    click(&studio, "[data-products] button").await;

    let title = wait_text(
        &phone,
        ".pin-card-title",
        "the pinned card on the phone",
        |t| !t.is_empty(),
    )
    .await;
    assert_eq!(title, "Merino jumper");
    assert_eq!(text(&phone, ".pin-card-price .price").await, "€29.00");
    assert_eq!(text(&phone, ".pin-card-price .was-price").await, "€49.00");
    let countdown = wait_text(&phone, "[data-countdown]", "the offer countdown", |t| {
        t.starts_with("ends in 4:") || t.starts_with("ends in 5:")
    })
    .await;
    assert!(countdown.starts_with("ends in"), "{countdown}");

    // The shopper joins with a name and asks.
    type_into(&phone, "#room-name", "Zoé").await;
    click(&phone, "[data-name-form] button[type=submit]").await;
    until_async(WAIT, "the ask form", || async {
        phone
            .find(Locator::Css("[data-ask-form]"))
            .await
            .ok()?
            .is_displayed()
            .await
            .ok()?
            .then_some(())
    })
    .await;
    type_into(&phone, "#room-question", "Does it <b>shrink</b>?").await;
    click(&phone, "[data-ask-form] button[type=submit]").await;

    // The host sees it and marks it answered; the phone shows it answered.
    wait_text(&studio, "[data-queue]", "the question in the studio", |t| {
        t.contains("Does it <b>shrink</b>?")
    })
    .await;
    click(&studio, "[data-queue] .btn-primary").await;
    wait_text(&phone, "[data-questions]", "the answer on the phone", |t| {
        t.contains("Answered")
    })
    .await;
    assert!(
        text(&phone, ".question-body")
            .await
            .contains("<b>shrink</b>"),
        "markup is shown as text, never interpreted"
    );
    let _ = phone.close().await;
    let _ = studio.close().await;
}
