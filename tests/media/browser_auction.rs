//! An auction end to end in real Chromium: the merchant starts it from the studio's form on
//! a laptop; a shopper's phone taps "Bid" over the video, is asked for a name and an
//! address (another bidder's news meanwhile keeps what she typed), types the code mailed
//! to it, bids over the other bidder, leads (the studio sees it), wins when the
//! clock runs out, and pays the winning amount in the in-page checkout sheet.

use crate::browser::chromedriver;
use crate::db_fixtures::NewProduct;
use crate::fixtures::{live_selling, studio};
use crate::helpers::Browser;
use crate::phone::{click, js, pay_in_sheet, phone, type_into, wait_js};

/// A bidder with a confirmed address, over plain HTTP (the code read where the outbox
/// renders it); posts JSON with its CSRF token.
struct HttpBidder {
    browser: Browser,
    csrf: String,
}

impl HttpBidder {
    async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::StatusCode {
        self.browser
            .client
            .post(format!("{}{path}", self.browser.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("POST")
            .status()
    }
}

async fn verified_over_http(live: &crate::fixtures::Live, name: &str, email: &str) -> HttpBidder {
    let browser = live.app.browser();
    let csrf = browser.csrf().await;
    let b = HttpBidder { browser, csrf };
    let room = format!("/@{}/spring-knitwear/live", live.shop_slug);
    let sent = b
        .post(
            &format!("{room}/bidder"),
            serde_json::json!({ "name": name, "email": email, "terms": true }),
        )
        .await;
    assert!(sent.is_success(), "{sent}");
    let code: String = sqlx::query_scalar(
        "SELECT mailed FROM live_bidder_codes WHERE email = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_one(live.app.db())
    .await
    .unwrap();
    let ok = b
        .post(
            &format!("{room}/bidder/verify"),
            serde_json::json!({ "code": code }),
        )
        .await;
    assert!(ok.is_success(), "{ok}");
    b
}

async fn auction_id(live: &crate::fixtures::Live) -> i64 {
    sqlx::query_scalar("SELECT id FROM live_auctions WHERE stream_id = $1")
        .bind(live.stream_id)
        .fetch_one(live.app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_phone_bids_on_an_auction_the_studio_started_wins_it_and_pays() {
    let now = showfloor::db::now_ms();
    let vase = NewProduct::new("signed-vase", "Signed vase", 9000)
        .stock(1)
        .at(now);
    let (live, vase) = live_selling(vase).await;
    let base = live.base();
    let db = live.app.db();

    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let studio = studio(&webdriver, &p1, &live).await;
    let form = "[data-auction-form]";
    wait_js(
        &studio,
        "the stream's products in the lot picker",
        &format!("var s = document.querySelector('{form} [name=variant_id]'); return s.options.length === 1 && s.options[0].textContent.indexOf('Signed vase') === 0 && s.value === '{}'", vase.variant_id),
    )
    .await;
    js(&studio, "document.querySelector('[data-auction-form]').scrollIntoView({ block: 'center' }); return true").await;
    // A starting bid that is not an amount is refused beside the form, what was typed kept.
    type_into(&studio, &format!("{form} [name=start_price]"), "twenty").await;
    click(&studio, &format!("{form} button[type=submit]")).await;
    wait_js(
        &studio,
        "the studio to say what is wrong",
        "var e = document.querySelector('[data-auction-error]'); return !e.hidden && e.textContent.length > 0",
    )
    .await;
    js(&studio, "var i = document.querySelector('[data-auction-form] [name=start_price]'); i.value = ''; return true").await;
    type_into(&studio, &format!("{form} [name=start_price]"), "20").await;
    click(&studio, &format!("{form} button[type=submit]")).await;
    wait_js(
        &studio,
        "the studio to show the running auction",
        "var b = document.querySelector('[data-auction-host]'); return !b.hidden && b.textContent.indexOf('Starting bid €20.00') >= 0 && !!b.querySelector('.auction-cancel')",
    )
    .await;

    let shopper = phone(&webdriver, &p2, false).await;
    shopper
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    wait_js(
        &shopper,
        "the auction over the video",
        "var b = document.querySelector('[data-stage] [data-auction] .auction-bid'); return !!b && b.textContent === 'Bid €20.00'",
    )
    .await;
    // The first tap asks who is bidding (a real tap: refused if anything lay over it).
    click(&shopper, "[data-auction] .auction-bid").await;
    type_into(&shopper, "[data-auction] [name=name]", "Pia").await;
    // Another bidder's news while she types: the card follows, her form keeps its text.
    let rex = verified_over_http(&live, "Rex", "rex@http.test").await;
    rex.post(
        &format!(
            "/@{}/spring-knitwear/live/auctions/{}/bids",
            live.shop_slug,
            auction_id(&live).await
        ),
        serde_json::json!({ "amount": 2000 }),
    )
    .await;
    wait_js(
        &shopper,
        "the card to show Rex leading",
        "return document.querySelector('[data-auction] .auction-standing').textContent === 'Current bid €20.00 · Rex leads'",
    )
    .await;
    assert_eq!(
        js(
            &shopper,
            "return document.querySelector('[data-auction] [name=name]').value"
        )
        .await,
        "Pia",
        "what she typed is kept"
    );
    type_into(&shopper, "[data-auction] [name=email]", "pia@phone.test").await;
    click(&shopper, "[data-auction] [name=terms]").await;
    click(
        &shopper,
        "[data-auction] .auction-register button[type=submit]",
    )
    .await;
    wait_js(
        &shopper,
        "the code field",
        "return !!document.querySelector('[data-auction] [name=code]')",
    )
    .await;
    let code: String = sqlx::query_scalar(
        "SELECT mailed FROM live_bidder_codes WHERE email = 'pia@phone.test' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(db)
    .await
    .unwrap();
    type_into(&shopper, "[data-auction] [name=code]", &code).await;
    click(
        &shopper,
        "[data-auction] .auction-register button[type=submit]",
    )
    .await;
    wait_js(
        &shopper,
        "the address confirmed",
        "return document.querySelector('[data-auction] .auction-note').textContent === 'Your address is confirmed: you can bid.'",
    )
    .await;
    wait_js(
        &shopper,
        "the next bid on the button",
        "return document.querySelector('[data-auction] .auction-bid').textContent === 'Bid €21.00'",
    )
    .await;
    click(&shopper, "[data-auction] .auction-bid").await;
    wait_js(
        &shopper,
        "the shopper leading",
        "return document.querySelector('[data-auction] .auction-standing').textContent === 'You lead at €21.00'",
    )
    .await;
    wait_js(
        &studio,
        "the studio to see the bid",
        "return document.querySelector('[data-auction-host] .auction-standing').textContent === 'Current bid €21.00 · Pia leads'",
    )
    .await;

    // The clock runs out (as if its minute had passed): she won, and pays in the sheet.
    sqlx::query("UPDATE live_auctions SET ends_at = $1 WHERE stream_id = $2")
        .bind(showfloor::db::now_ms())
        .bind(live.stream_id)
        .execute(db)
        .await
        .unwrap();
    wait_js(
        &shopper,
        "the shopper told she won",
        "var a = document.querySelector('[data-auction]'); return a.querySelector('.auction-standing').textContent === 'You won at €21.00!' && !!a.querySelector('.auction-pay')",
    )
    .await;
    click(&shopper, "[data-auction] .auction-pay").await;
    wait_js(
        &shopper,
        "the checkout sheet with the lot",
        "var b = document.querySelector('[data-checkout-body]'); return !!b && b.textContent.indexOf('Signed vase') >= 0 && b.textContent.indexOf('€21.00') >= 0",
    )
    .await;
    pay_in_sheet(&shopper, "Pia Phone").await;
    wait_js(
        &shopper,
        "the paid confirmation",
        "var p = document.querySelector('[data-order-paid]'); return !!p && p.textContent.indexOf('is paid') >= 0",
    )
    .await;
    let (status, total): (String, i64) = sqlx::query_as(
        "SELECT o.status, o.total FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.variant_id = $1",
    )
    .bind(vase.variant_id)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!((status.as_str(), total), ("paid", 2100));
    wait_js(
        &studio,
        "the studio to show the sale",
        "return document.querySelector('[data-auction-host] .auction-standing').textContent === 'Sold to Pia for €21.00'",
    )
    .await;
    let _ = shopper.close().await;
    let _ = studio.close().await;
}
