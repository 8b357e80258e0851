//! Auctions in the live room over real HTTP and SSE, on both backends: the e-mail code
//! mailed through a real SMTP server, bids by hand and by maximum, two bidders at the same
//! instant, 500 in an extend-on-late-bid auction's last second, the close (one winner,
//! named by the database), the winner's checkout from the mail's link, the runner-up's
//! second chance, and every bad input.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, on_postgres, parse_csv, spawn_app};
use crate::live::{Live, live_stream};
use crate::mail_support::{Sink, app_with_smtp};
use crate::wait::until_async;

const WAIT: Duration = Duration::from_secs(15);

/// A viewer of the room with its CSRF token read once (so a burst of bids is only bids).
struct Bidder {
    browser: Browser,
    csrf: String,
    name: String,
}

impl Bidder {
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .browser
            .client
            .post(format!("{}{}", self.browser.base, path))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

async fn viewer(app: &TestApp, name: &str) -> Bidder {
    bidder_of(app.browser(), name).await
}

/// A viewer of the node `browser` talks to.
async fn bidder_of(browser: Browser, name: &str) -> Bidder {
    let csrf = browser.csrf().await;
    Bidder {
        browser,
        csrf,
        name: name.into(),
    }
}

/// The code last sent to `email`, as the mail says it (read where the outbox renders it).
async fn code_for(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar(
        "SELECT mailed FROM live_bidder_codes WHERE email = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(app.db())
    .await
    .expect("a code row")
}

/// A viewer who may bid: name, address and terms, then the code.
async fn verified(app: &TestApp, live: &Live, name: &str) -> Bidder {
    verified_at(app, live, name, app.browser()).await
}

/// The same, for a viewer of the node `browser` talks to.
async fn verified_at(app: &TestApp, live: &Live, name: &str, browser: Browser) -> Bidder {
    let b = bidder_of(browser, name).await;
    let email = format!("{}@bidders.test", name.to_lowercase().replace(' ', "."));
    let (status, body) = b
        .post(
            &format!("{}/bidder", live.base),
            json!({ "name": name, "email": email, "terms": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = code_for(app, &email).await;
    let (status, body) = b
        .post(
            &format!("{}/bidder/verify", live.base),
            json!({ "code": code }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    b
}

async fn variant_of(app: &TestApp, product: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM variants WHERE product_id = $1")
        .bind(product)
        .fetch_one(app.db())
        .await
        .expect("variant")
}

/// Start an auction of the stream's first product from the studio; its JSON.
async fn start(app: &TestApp, live: &Live, extra: Value) -> Value {
    let mut body = json!({
        "variant_id": variant_of(app, live.products[0]).await,
        "start_price": "10.00",
        "increment": "1.00",
        "seconds": 60,
        "extend_seconds": 0,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, started) = live
        .owner
        .post_json(&format!("{}/auctions", live.base), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    started
}

/// Move the auction's clock to end at `ends_at`, as if time had passed.
async fn clock_ends(app: &TestApp, id: i64, ends_at: i64) {
    sqlx::query("UPDATE live_auctions SET ends_at = $1 WHERE id = $2 AND state = 'running'")
        .bind(ends_at)
        .bind(id)
        .execute(app.db())
        .await
        .expect("move the clock");
}

/// Run the clock out now; the sweep closes it.
async fn run_out(app: &TestApp, id: i64) {
    clock_ends(app, id, showfloor::db::now_ms()).await;
}

/// The winner's day to pay has passed.
async fn pay_by_passes(app: &TestApp, id: i64) {
    sqlx::query("UPDATE live_auctions SET pay_by = $1 WHERE id = $2")
        .bind(showfloor::db::now_ms() - 1)
        .bind(id)
        .execute(app.db())
        .await
        .expect("move the deadline");
}

/// The room's auction once `done` holds (with a deadline).
async fn wait_auction(b: &Browser, live: &Live, done: impl Fn(&Value) -> bool) -> Value {
    until_async(WAIT, "the auction's state", || async {
        let auction = b.state(&live.base).await["auction"].clone();
        done(&auction).then_some(auction)
    })
    .await
}

fn bids_path(live: &Live, id: i64) -> String {
    format!("{}/auctions/{id}/bids", live.base)
}

#[tokio::test]
async fn a_shopper_confirms_an_address_by_mail_bids_wins_and_pays_from_the_link() {
    let sink = Sink::start(0).await;
    let app = app_with_smtp(&sink.url(), 50, 3).await;
    let live = live_stream(&app, "auction-shop").await;
    let watcher = app.browser();
    let mut feed = watcher.events(&live.base, None).await;
    let started = start(&app, &live, json!({ "reserve": "10.50" })).await;
    let id = started["id"].as_i64().unwrap();
    assert_eq!(started["state"], "running");
    assert_eq!(started["next_bid_display"], "€10.00");
    assert_eq!(started["reserve_met"], false);
    let event = feed
        .next_named("auction", WAIT)
        .await
        .expect("start")
        .json();
    assert_eq!(event["title"], "Linen shirt");

    // Bidding needs a confirmed address: each missing step is said.
    let ann = viewer(&app, "Ann").await;
    let (status, refused) = ann.post(&bids_path(&live, id), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["needs"], "verify");
    let bidder = format!("{}/bidder", live.base);
    for (body, field) in [
        (
            json!({ "name": "Ann", "email": "not-an-address", "terms": true }),
            "email",
        ),
        (
            json!({ "name": "Ann", "email": "ann@bidders.test", "terms": false }),
            "terms",
        ),
        (
            json!({ "name": " ", "email": "ann@bidders.test", "terms": true }),
            "name",
        ),
    ] {
        let (status, body) = ann.post(&bidder, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["fields"][field].is_string(), "{body}");
    }
    let (status, sent) = ann
        .post(
            &bidder,
            json!({ "name": "Ann", "email": "Ann@Bidders.test", "terms": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["sent_to"], "ann@bidders.test");
    let mail = sink.wait_for("").await;
    assert_eq!(mail.rcpt_tos, ["ann@bidders.test"]);
    let code: String = mail
        .header("subject")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{}", mail.header("subject"));
    assert!(mail.text.contains(&code) && mail.html.contains(&code));
    let verify = format!("{}/bidder/verify", live.base);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = ann.post(&verify, json!({ "code": wrong })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["fields"]["code"]
            .as_str()
            .unwrap()
            .contains("ann@bidders.test")
    );
    let (status, body) = ann.post(&verify, json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["bidder"]["verified"], true);
    let (status, _) = ann.post(&verify, json!({ "code": code })).await;
    assert_eq!(status, StatusCode::CONFLICT, "a code works once");

    // Ann bids the start; Ben outbids her; the room sees each price and leader.
    let (status, bid) = ann.post(&bids_path(&live, id), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{bid}");
    assert_eq!(bid["leading"], true);
    assert_eq!(bid["message"], "You lead at €10.00.");
    let ben = verified(&app, &live, "Ben").await;
    let (status, bid) = ben
        .post(&bids_path(&live, id), json!({ "amount": 1100 }))
        .await;
    assert_eq!(status, StatusCode::OK, "{bid}");
    let seen = loop {
        let e = feed.next_named("auction", WAIT).await.expect("news").json();
        if e["price"] == 1100 {
            break e;
        }
    };
    assert_eq!(seen["leader"], "Ben");
    assert_eq!(seen["reserve_met"], true);
    assert!(
        seen.get("leader_max").is_none() && !seen.to_string().contains("bidders.test"),
        "no maximum and no address reach the room: {seen}"
    );

    // The clock runs out: sold to Ben, once, and he is mailed the link to pay.
    run_out(&app, id).await;
    let sold = loop {
        let e = feed
            .next_named("auction", WAIT)
            .await
            .expect("close")
            .json();
        if e["state"] != "running" {
            break e;
        }
    };
    assert_eq!(sold["state"], "sold");
    assert_eq!(sold["winner"], "Ben");
    assert_eq!(sold["winner_price_display"], "€11.00");
    let (status, late) = ann
        .post(&bids_path(&live, id), json!({ "amount": 5000 }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(late["error"], "This auction has ended.");
    let (status, _) = ann
        .post(&format!("{}/auctions/{id}/checkout", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the winner pays");
    let won = sink.wait_for("You won Linen shirt").await;
    assert_eq!(won.rcpt_tos, ["ben@bidders.test"]);
    let link = won
        .text
        .split_whitespace()
        .find(|w| w.contains("/auctions/pay/"))
        .expect("a pay link")
        .to_string();
    let path = &link[link.find("/auctions/pay/").unwrap()..];

    // From another browser (the mail app's): the link opens the winner's checkout.
    let elsewhere = app.browser();
    let opened = elsewhere.get(path).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let checkout = opened.location().to_string();
    assert!(checkout.starts_with("/checkout/"), "{checkout}");
    let again = elsewhere.get(path).await;
    assert_eq!(again.location(), checkout, "the same order, not a second");
    let (status, pay) = ben
        .post(&format!("{}/auctions/{id}/checkout", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pay["checkout_url"], checkout.as_str());
    let token = checkout.trim_start_matches("/checkout/");
    elsewhere.post(&format!("/checkout/{token}/pay"), &[]).await;
    let paid = elsewhere
        .post(
            &format!("/checkout/{token}/test"),
            &[
                ("name", "Ben Bidder"),
                ("email", "ben@bidders.test"),
                ("address", "2 Main St\n75001 Paris"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let (status, total): (String, i64) =
        sqlx::query_as("SELECT status, total FROM orders WHERE token = $1")
            .bind(token)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!((status.as_str(), total), ("paid", 1100));
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(orders, 1, "nobody else has an order to pay");

    // The stream's report: the auction with its bids, final price, winner and revenue.
    let csv = live
        .owner
        .get(&format!("/reports/streams/{}/auctions.csv", live.stream_id))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let rows = parse_csv(&csv.body);
    assert_eq!(rows.len(), 1, "{}", csv.body);
    let row = &rows[0];
    for (column, value) in [
        ("lot", "Linen shirt"),
        ("state", "sold"),
        ("currency", "EUR"),
        ("starting_price", "1000"),
        ("reserve", "1050"),
        ("bids", "2"),
        ("bidders", "2"),
        ("final_price", "1100"),
        ("final_over_start", "1.1000"),
        ("winner", "Ben"),
        ("paid", "true"),
        ("revenue", "1100"),
    ] {
        assert_eq!(row[column], value, "{column} in {row:?}");
    }
    let other = app.browser();
    other
        .sign_up("nosy-shop", &crate::helpers::email("nosy"))
        .await;
    let refused = other
        .get(&format!("/reports/streams/{}/auctions.csv", live.stream_id))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::NOT_FOUND,
        "another shop's report"
    );
}

#[tokio::test]
async fn two_bidders_at_the_same_instant_one_takes_the_increment_the_other_hears_the_new_price() {
    let app = spawn_app().await;
    let live = live_stream(&app, "race-shop").await;
    let mut bidders = vec![
        verified(&app, &live, "Ada").await,
        verified(&app, &live, "Bo").await,
        verified(&app, &live, "Cy").await,
    ];
    let id = start(&app, &live, json!({})).await["id"].as_i64().unwrap();
    let path = bids_path(&live, id);
    let mut next = 1000;
    for round in 0..6 {
        // The two who do not lead bid the same amount at the same instant.
        let body = json!({ "amount": next });
        let (one, two) = tokio::join!(
            bidders[0].post(&path, body.clone()),
            bidders[1].post(&path, body)
        );
        let answers = [one, two];
        let won: Vec<usize> = (0..2).filter(|&i| answers[i].0.is_success()).collect();
        assert_eq!(won.len(), 1, "round {round}: {answers:?}");
        let (status, told) = &answers[1 - won[0]];
        assert_eq!(*status, StatusCode::CONFLICT);
        assert_eq!(told["next_bid"], next + 100, "{told}");
        let price = format!("€{}.00", next / 100);
        assert!(told["error"].as_str().unwrap().contains(&price), "{told}");
        assert_eq!(
            answers[won[0]].1["auction"]["leader"],
            bidders[won[0]].name.as_str()
        );
        // The new leader sits the next round out.
        let leader = bidders.remove(won[0]);
        bidders.push(leader);
        next += 100;
    }
    let bids: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT seq, amount FROM live_auction_bids WHERE auction_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(app.db())
    .await
    .unwrap();
    assert_eq!(bids.len(), 6);
    assert!(
        bids.windows(2)
            .all(|w| w[1].0 == w[0].0 + 1 && w[1].1 > w[0].1),
        "bids stored in order, each above the last: {bids:?}"
    );
}

#[tokio::test]
async fn five_hundred_bidders_at_once_in_the_late_bid_window_extend_the_clock_and_one_wins() {
    let app = spawn_app().await;
    let live = live_stream(&app, "rush-shop").await;
    let names: Vec<String> = (0..500).map(|i| format!("Bidder {i}")).collect();
    let mut bidders = Vec::new();
    for chunk in names.chunks(50) {
        bidders.extend(
            futures::future::join_all(chunk.iter().map(|n| verified(&app, &live, n))).await,
        );
    }
    let started = start(&app, &live, json!({ "extend_seconds": 10 })).await;
    let id = started["id"].as_i64().unwrap();
    // Inside the late-bid window: everyone bids at once, each with a maximum of their own.
    let last_second = showfloor::db::now_ms() + 5000;
    clock_ends(&app, id, last_second).await;
    let path = bids_path(&live, id);
    let answers = futures::future::join_all(bidders.iter().enumerate().map(|(i, b)| {
        let path = path.clone();
        async move { b.post(&path, json!({ "max": 1000 + 100 * i as i64 })).await }
    }))
    .await;
    for (status, body) in &answers {
        assert!(
            status.is_success() || *status == StatusCode::CONFLICT,
            "{status}: {body}"
        );
    }
    let row: (i64, i64, i64) =
        sqlx::query_as("SELECT ends_at, price, bids FROM live_auctions WHERE id = $1")
            .bind(id)
            .fetch_one(app.db())
            .await
            .unwrap();
    let last_bid: i64 = sqlx::query_scalar(
        "SELECT placed_at FROM live_auction_bids WHERE auction_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(id)
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(
        row.0,
        last_bid + 10_000,
        "each late bid brought the clock back to 10 s"
    );
    assert!(row.0 > last_second);
    // The price is the highest valid bid recorded (a maximum that arrived below the next
    // valid bid was too low, whatever its size), and no higher than the top maximum.
    let highest: i64 =
        sqlx::query_scalar("SELECT MAX(amount) FROM live_auction_bids WHERE auction_id = $1")
            .bind(id)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(row.1, highest);
    assert!(row.1 <= 1000 + 100 * 499, "{}", row.1);
    let accepted = answers.iter().filter(|(s, _)| s.is_success()).count() as i64;
    assert!(row.2 >= accepted, "every accepted bid is stored");

    run_out(&app, id).await;
    let sold = wait_auction(&bidders[0].browser, &live, |a| a["state"] != "running").await;
    assert_eq!(sold["state"], "sold");
    assert_eq!(sold["winner"], bidders[499].name.as_str());
    assert_eq!(sold["winner_price"], row.1);
    let winners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_auctions WHERE id = $1 AND winner IS NOT NULL",
    )
    .bind(id)
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(winners, 1);
    // Nobody is charged who did not win: only the winner can open a checkout.
    let checkout = format!("{}/auctions/{id}/checkout", live.base);
    for b in &bidders[495..499] {
        assert_eq!(b.post(&checkout, json!({})).await.0, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        bidders[499].post(&checkout, json!({})).await.0,
        StatusCode::OK
    );
    let orders: Vec<i64> = sqlx::query_scalar("SELECT total FROM orders")
        .fetch_all(app.db())
        .await
        .unwrap();
    assert_eq!(orders, [row.1]);
}

#[tokio::test]
async fn a_maximum_placed_ahead_outbids_later_bids_up_to_it_and_no_further() {
    let app = spawn_app().await;
    let live = live_stream(&app, "proxy-shop").await;
    let (max, hand) = (
        verified(&app, &live, "Maxine").await,
        verified(&app, &live, "Hank").await,
    );
    let id = start(&app, &live, json!({})).await["id"].as_i64().unwrap();
    let path = bids_path(&live, id);
    let (status, placed) = max.post(&path, json!({ "max": "20" })).await;
    assert_eq!(status, StatusCode::OK, "{placed}");
    assert_eq!(
        placed["auction"]["price"], 1000,
        "a maximum bids only what it must"
    );
    for amount in [1100, 1500, 1900] {
        let (status, answer) = hand.post(&path, json!({ "amount": amount })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["leading"], false, "{answer}");
        assert_eq!(answer["auction"]["leader"], "Maxine");
        assert_eq!(answer["auction"]["price"], amount + 100);
    }
    let (status, answer) = hand.post(&path, json!({ "amount": 2100 })).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["leading"], true, "past her maximum: {answer}");
    assert_eq!(answer["auction"]["price"], 2100);
    assert_eq!(answer["auction"]["leader"], "Hank");
    // The leader's own higher bid raises a maximum; it never bids against itself.
    let (status, answer) = hand.post(&path, json!({ "amount": 2100 })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .starts_with("You lead already")
    );
}

#[tokio::test]
async fn a_lot_the_winner_does_not_pay_for_goes_to_the_next_bidder_at_their_highest_bid() {
    let app = spawn_app().await;
    let live = live_stream(&app, "second-shop").await;
    let (x, y, z) = (
        verified(&app, &live, "Xia").await,
        verified(&app, &live, "Yul").await,
        verified(&app, &live, "Zed").await,
    );
    let id = start(&app, &live, json!({})).await["id"].as_i64().unwrap();
    let path = bids_path(&live, id);
    for (b, amount) in [(&x, 1000), (&y, 1200), (&z, 1500)] {
        assert_eq!(
            b.post(&path, json!({ "amount": amount })).await.0,
            StatusCode::OK
        );
    }
    run_out(&app, id).await;
    wait_auction(&x.browser, &live, |a| a["state"] == "sold").await;
    let second = format!("{}/auctions/{id}/second-chance", live.base);
    let (status, early) = live.owner.post_json(&second, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "Zed still has time: {early}");
    // Zed's day to pay passes.
    for (next, price) in [("Yul", 1200), ("Xia", 1000)] {
        pay_by_passes(&app, id).await;
        let (status, offered) = live.owner.post_json(&second, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{offered}");
        assert_eq!(offered["winner"], next);
        assert_eq!(offered["winner_price"], price);
    }
    let (status, _) = z
        .post(&format!("{}/auctions/{id}/checkout", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "Zed's turn is over");
    let (status, _) = x
        .post(&format!("{}/auctions/{id}/checkout", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    pay_by_passes(&app, id).await;
    let (status, none) = live.owner.post_json(&second, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{none}");
}

#[tokio::test]
async fn bad_auctions_and_bad_bids_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let live = live_stream(&app, "strict-shop").await;
    let other = live_stream(&app, "other-shop").await;
    let variant = variant_of(&app, live.products[0]).await;
    let foreign = variant_of(&app, other.products[0]).await;
    let path = format!("{}/auctions", live.base);
    for (body, field) in [
        (json!({ "variant_id": foreign }), "variant_id"),
        (json!({ "start_price": "ten" }), "start_price"),
        (json!({ "start_price": "0" }), "start_price"),
        (json!({ "increment": "-1" }), "increment"),
        (json!({ "reserve": "5.00" }), "reserve"),
        (json!({ "seconds": 5 }), "seconds"),
        (json!({ "seconds": 601 }), "seconds"),
        (json!({ "extend_seconds": 61 }), "extend_seconds"),
    ] {
        let mut full =
            json!({ "variant_id": variant, "start_price": "10", "increment": "1", "seconds": 60 });
        for (k, v) in body.as_object().unwrap() {
            full[k] = v.clone();
        }
        let (status, answer) = live.owner.post_json(&path, full).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert!(answer["fields"][field].is_string(), "{body}: {answer}");
    }
    // A viewer cannot start one; a second while one runs is refused.
    let shopper = verified(&app, &live, "Sam").await;
    let (status, _) = shopper
        .post(
            &path,
            json!({ "variant_id": variant, "start_price": "10", "increment": "1", "seconds": 60 }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let id = start(&app, &live, json!({})).await["id"].as_i64().unwrap();
    let (status, busy) = live
        .owner
        .post_json(
            &path,
            json!({ "variant_id": variant, "start_price": "10", "increment": "1", "seconds": 60 }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{busy}");

    let bids = bids_path(&live, id);
    let (status, low) = shopper.post(&bids, json!({ "amount": 900 })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(low["error"], "The first bid is at least €10.00.");
    assert_eq!(low["next_bid"], 1000);
    let (status, bad) = shopper
        .post(&bids, json!({ "amount": 1000, "max": "lots" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (status, bad) = shopper
        .post(&bids, json!({ "amount": 1500, "max": 1200 }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    // Another shop's auction is not found from this room, nor this one from that room.
    let (status, _) = shopper
        .post(&bids_path(&other, id), json!({ "amount": 1000 }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The host ends it early: no winner, no more bids.
    let (status, ended) = live
        .owner
        .post_json(&format!("{}/auctions/{id}/cancel", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ended["state"], "cancelled");
    assert_eq!(ended["winner"], Value::Null);
    let (status, after) = shopper.post(&bids, json!({ "amount": 1000 })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(after["error"], "This auction has ended.");
    // A wrong code five times uses the code up.
    let guesser = viewer(&app, "Gus").await;
    let (status, _) = guesser
        .post(
            &format!("{}/bidder", live.base),
            json!({ "name": "Gus", "email": "gus@bidders.test", "terms": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let code = code_for(&app, "gus@bidders.test").await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let verify = format!("{}/bidder/verify", live.base);
    for _ in 0..5 {
        let (status, _) = guesser.post(&verify, json!({ "code": wrong })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, used_up) = guesser.post(&verify, json!({ "code": code })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{used_up}");
}

#[tokio::test]
async fn bids_on_two_nodes_apply_one_at_a_time_and_both_rooms_see_the_same_standing() {
    if !on_postgres() {
        return; // Several nodes share PostgreSQL; on SQLite the process is the only node.
    }
    let app = spawn_app().await;
    let live = live_stream(&app, "auction-nodes").await;
    let node_b = showfloor::Server::start(app.config.clone())
        .await
        .expect("second node");
    let b_base = format!("http://{}", node_b.addr);
    let mut bidders = Vec::new();
    for i in 0..40 {
        let browser = if i % 2 == 0 {
            app.browser()
        } else {
            Browser::new(b_base.clone())
        };
        bidders.push(verified_at(&app, &live, &format!("Node bidder {i}"), browser).await);
    }
    let watcher_b = Browser::new(b_base.clone());
    let mut feed_b = watcher_b.events(&live.base, None).await;
    let id = start(&app, &live, json!({})).await["id"].as_i64().unwrap();
    let path = bids_path(&live, id);
    let answers = futures::future::join_all(bidders.iter().enumerate().map(|(i, b)| {
        let path = path.clone();
        async move { b.post(&path, json!({ "max": 1000 + 100 * i as i64 })).await }
    }))
    .await;
    for (status, body) in &answers {
        assert!(
            status.is_success() || *status == StatusCode::CONFLICT,
            "{status}: {body}"
        );
    }
    let (price, bids, leader): (i64, i64, String) =
        sqlx::query_as("SELECT price, bids, leader FROM live_auctions WHERE id = $1")
            .bind(id)
            .fetch_one(app.db())
            .await
            .unwrap();
    let recorded: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT seq, amount, viewer_id FROM live_auction_bids WHERE auction_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(app.db())
    .await
    .unwrap();
    assert_eq!(
        recorded.len() as i64,
        bids,
        "every applied bid is stored once"
    );
    assert!(
        recorded
            .iter()
            .enumerate()
            .all(|(i, r)| r.0 == i as i64 + 1),
        "in one order, no gap and no seat taken twice: {recorded:?}"
    );
    assert_eq!(price, recorded.iter().map(|r| r.1).max().unwrap());
    // The highest maximum leads whichever node took it.
    let top = &recorded.iter().max_by_key(|r| (r.1, -r.0)).unwrap().2;
    assert_eq!(&leader, top);
    // Node B's room ends up with the same standing.
    let deadline = Instant::now() + WAIT;
    loop {
        let e = feed_b
            .next_named("auction", WAIT)
            .await
            .expect("news on node B")
            .json();
        if e["bids"] == bids {
            assert_eq!(e["price"], price);
            assert_eq!(e["leader"], bidders[39].name.as_str());
            break;
        }
        assert!(Instant::now() < deadline, "node B stayed at {e}");
    }
    run_out(&app, id).await;
    let sold = wait_auction(&watcher_b, &live, |a| a["state"] != "running").await;
    assert_eq!(sold["winner"], bidders[39].name.as_str());
    node_b.stop().await.ok();
}

#[tokio::test]
async fn the_winner_pays_the_winning_amount_through_stripe_checkout() {
    let app = spawn_app().await;
    let (sale, fake) = crate::orders_stripe::stripe_sale(&app, "auction-stripe", 1).await;
    let live = Live {
        owner: sale.owner,
        base: "/@auction-stripe/flash/live".into(),
        stream_id: sale.stream_id,
        products: [sale.product_id, sale.product_id],
    };
    let vera = verified(&app, &live, "Vera").await;
    let id = start(&app, &live, json!({ "start_price": "12.34" })).await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = vera
        .post(&bids_path(&live, id), json!({ "amount": 1234 }))
        .await;
    assert_eq!(status, StatusCode::OK);
    run_out(&app, id).await;
    let sold = wait_auction(&vera.browser, &live, |a| a["state"] == "sold").await;
    let pay_by = sold["pay_by"].as_i64().unwrap();
    let (status, pay) = vera
        .post(&format!("{}/auctions/{id}/checkout", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{pay}");
    let token = pay["checkout_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/checkout/")
        .to_string();
    let before = showfloor::db::now_ms();
    let paid = vera
        .browser
        .post(&format!("/checkout/{token}/pay"), &[])
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    assert_eq!(
        paid.location(),
        "https://checkout.stripe.test/pay/cs_test_1"
    );
    let calls = fake.calls.lock().unwrap().clone();
    let f = &calls
        .iter()
        .find(|c| c.path == "/v1/checkout/sessions")
        .expect("a Checkout session")
        .form;
    // The winning amount as price_data (never the catalogue's Stripe price), one unit.
    assert_eq!(f["line_items[0][price_data][currency]"], "eur");
    assert_eq!(f["line_items[0][price_data][unit_amount]"], "1234");
    assert_eq!(
        f["line_items[0][price_data][product_data][name]"],
        "Linen shirt"
    );
    assert_eq!(f["line_items[0][quantity]"], "1");
    assert!(!f.contains_key("line_items[0][price]"));
    // The session ends by the pay-by time, within Stripe's 24 hours.
    let expires_at: i64 = f["expires_at"].parse().unwrap();
    assert!(
        expires_at <= pay_by / 1000 && expires_at <= before / 1000 + 24 * 3600,
        "expires_at {expires_at}, pay by {pay_by}"
    );
}
