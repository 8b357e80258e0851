//! Issue 15, item 7, in real Chromium: the embed inside a cross-site iframe (a merchant's
//! page on `http://localhost:PORT` framing `http://127.0.0.1:APP/@shop/stream/embed`).
//! The shopper joins, asks, votes, chats, hearts, enters a giveaway and buys inside the
//! frame, with third-party cookies allowed and blocked; the host page receives the
//! `showfloor:*` messages. A page on an origin the shop did not allow is refused the frame.

use std::time::Duration;

use axum::Router;
use axum::response::Html;
use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::browser::chromedriver;
use crate::db_fixtures::{self, NewProduct};
use crate::fixtures::scheduled_stream;
use crate::phone::{js, phone};
use crate::wait::until_async;

const WAIT: Duration = Duration::from_secs(30);

/// The merchant's site: one page framing `src`, recording every message it receives.
async fn host_site(src: &str) -> String {
    let page = format!(
        r#"<!doctype html><meta charset="utf-8"><title>Merchant site</title>
<script>
window.received = []; window.frameLoaded = false;
window.addEventListener("message", function (e) {{
  if (e.data && typeof e.data.type === "string") window.received.push({{ origin: e.origin, data: e.data }});
}});
</script>
<h1>Our shop</h1>
<iframe id="showfloor" src="{src}" allow="autoplay; fullscreen; clipboard-write" width="390" height="800"
  title="Live shopping" onload="window.frameLoaded = true"></iframe>"#
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = Router::new().route("/", axum::routing::get(move || async move { Html(page) }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    // `localhost` is another site than `127.0.0.1`: the frame is cross-site.
    format!("http://localhost:{port}")
}

async fn in_frame<T>(client: &Client, f: impl AsyncFnOnce(&Client) -> T) -> T {
    client.enter_frame(0).await.expect("enter the frame");
    let out = f(client).await;
    client.enter_parent_frame().await.expect("back to the host");
    out
}

/// Tap a button. WebDriver's own click misses inside a frame under mobile emulation (it
/// lands at the wrong coordinates; the element is the topmost one there), so the tap is
/// the element's click, after scrolling it into view as a finger would.
async fn tap(client: &Client, css: &str) {
    let button = client.find(Locator::Css(css)).await.expect(css);
    client
        .execute(
            "arguments[0].scrollIntoView({ block: 'center' }); arguments[0].click(); return true;",
            vec![serde_json::to_value(&button).unwrap()],
        )
        .await
        .expect("tap");
}

async fn wait_js(client: &Client, what: &str, script: &str) {
    until_async(WAIT, what, || async {
        (js(client, script).await == true).then_some(())
    })
    .await;
}

async fn received(client: &Client) -> Vec<Value> {
    js(client, "return window.received")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn wait_message(client: &Client, kind: &str) -> Value {
    until_async(WAIT, kind, || async {
        received(client)
            .await
            .into_iter()
            .find(|m| m["data"]["type"] == kind)
    })
    .await
}

async fn shopper_acts_in_a_cross_site_frame(block_third_party_cookies: bool) {
    let live = scheduled_stream().await;
    let base = live.base();
    let db = live.app.db();
    let shop_id = db_fixtures::shop_id(db, &live.shop_slug).await;
    let scarf = db_fixtures::product(
        db,
        shop_id,
        NewProduct::new("scarf", "Wool scarf", 2900).stock_with_ledger(5),
    )
    .await;
    db_fixtures::feature(db, shop_id, live.stream_id, scarf.id, 0).await;
    let stream_path = format!("/@{}/spring-knitwear", live.shop_slug);
    let embed = format!("{base}{stream_path}/embed");
    let host = host_site(&embed).await;
    let allowed = live
        .owner
        .post("/streams/embed", &[("origin", &host)])
        .await;
    assert_eq!(allowed.status.as_u16(), 303, "the shop allows {host}");

    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let browser = phone(&webdriver, &profile, block_third_party_cookies).await;
    browser.goto(&host).await.unwrap();
    wait_js(
        &browser,
        "the frame to load",
        "return window.frameLoaded === true",
    )
    .await;
    let ready = wait_message(&browser, "showfloor:ready").await;
    let app_origin = base.trim_end_matches('/').to_string();
    assert_eq!(ready["origin"], app_origin.as_str(), "sent by the embed");
    assert_eq!(ready["data"]["state"], "scheduled");

    let probe = in_frame(&browser, async |c| {
        js(
            c,
            "var storage; try { sessionStorage.setItem('probe', '1'); storage = true; } catch (e) { storage = false; } \
             document.cookie = 'probe=1; SameSite=None; Secure; Path=/'; document.cookie = 'lax=1; Path=/'; \
             return { cookie: document.cookie.indexOf('probe=1') >= 0, all: document.cookie, storage: storage, \
               ctx: window.isSecureContext, pass: !!ShowfloorLive.viewerPass() };",
        )
        .await
    })
    .await;
    println!("third-party cookies blocked={block_third_party_cookies}: {probe}");
    assert_eq!(
        probe["cookie"], !block_third_party_cookies,
        "the profile setting decides whether the frame keeps a cookie: {probe}"
    );
    assert_eq!(probe["pass"], true, "the embed got its viewer pass");

    // The merchant goes live: the frame turns into the live room by itself.
    let started = live
        .owner
        .post(&format!("/streams/{}/start", live.stream_id), &[])
        .await;
    assert!(started.status.is_redirection());
    let status = wait_message(&browser, "showfloor:status").await;
    assert_eq!(status["data"]["status"], "live");

    in_frame(&browser, async |c| {
        wait_js(
            c,
            "the live room in the frame",
            "var f = document.querySelector('[data-name-form]'); return !!(f && !f.hidden);",
        )
        .await;
        c.find(Locator::Css("#room-name")).await.unwrap().send_keys("Ana").await.unwrap();
        tap(c, "[data-name-form] button[type=submit]").await;
        let outcome = until_async(WAIT, "the name to be accepted or refused", || async {
            let v = js(
                c,
                "var f = document.querySelector('[data-ask-form]');                  var e = document.querySelector('[data-name-form] [data-error]');                  if (f && !f.hidden) return 'joined'; return e && !e.hidden ? e.textContent : null;",
            )
            .await;
            v.as_str().map(str::to_owned)
        })
        .await;
        if outcome != "joined" {
            panic!("the name was refused: {outcome}");
        }
        // The questions sheet slides up over the video from the rail's Ask button.
        tap(c, "[data-sheet-open='questions']").await;
        c.find(Locator::Css("#room-question"))
            .await
            .unwrap()
            .send_keys("Is it warm enough for winter?")
            .await
            .unwrap();
        tap(c, "[data-ask-form] button[type=submit]").await;
        wait_js(
            c,
            "the question in the room",
            "return document.querySelector('[data-questions]').textContent.indexOf('Is it warm enough') >= 0;",
        )
        .await;
        tap(c, "[data-heart]").await;
        tap(c, "[data-questions] .vote").await;
        wait_js(
            c,
            "the vote counted",
            "return document.querySelector('[data-questions] .vote').textContent.indexOf('1') >= 0;",
        )
        .await;
        c.find(Locator::Css("#room-chat"))
            .await
            .unwrap()
            .send_keys("Hello from the shop's site")
            .await
            .unwrap();
        tap(c, "[data-chat-form] button[type=submit]").await;
        wait_js(
            c,
            "the message in the chat",
            "return document.querySelector('[data-chat]').textContent.indexOf('Hello from the shop') >= 0;",
        )
        .await;
    })
    .await;
    let asked = wait_message(&browser, "showfloor:question-asked").await;
    assert_eq!(asked["data"]["body"], "Is it warm enough for winter?");

    // The host opens a giveaway; the shopper reads its rules and enters inside the frame
    // (with third-party cookies blocked, on the frame's viewer pass).
    let token = live.owner.csrf().await;
    let opened = live
        .owner
        .client
        .post(format!("{base}{stream_path}/live/giveaways"))
        .header("x-csrf-token", token)
        .json(&serde_json::json!({"variant_id": scarf.variant_id, "rules": "One winner at the end.", "winners": 1}))
        .send()
        .await
        .unwrap();
    assert!(opened.status().is_success(), "{}", opened.status());
    in_frame(&browser, async |c| {
        wait_js(
            c,
            "the giveaway in the frame",
            "return !!document.querySelector('[data-giveaway] .giveaway-button');",
        )
        .await;
        tap(c, "[data-giveaway] .giveaway-button").await;
        wait_js(
            c,
            "the rules before entering",
            "var r = document.querySelector('[data-giveaway] .giveaway-rules-text'); return !!r && r.textContent === 'One winner at the end.';",
        )
        .await;
        tap(c, "[data-giveaway] .giveaway-button").await;
        wait_js(
            c,
            "the shopper in the giveaway",
            "var i = document.querySelector('[data-giveaway] .giveaway-in'); return !!i && i.textContent === 'You are in ✓';",
        )
        .await;
    })
    .await;
    let entered: Vec<String> = sqlx::query_scalar("SELECT name FROM live_giveaway_entries")
        .fetch_all(db)
        .await
        .unwrap();
    assert_eq!(
        entered,
        ["Ana"],
        "entered once, under the name given in the frame"
    );

    // The heart reached the room.
    let viewer = reqwest::Client::new();
    until_async(WAIT, "the heart counted", || async {
        let state: Value = viewer
            .get(format!("{base}{stream_path}/live/state"))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (state["reactions"].as_i64().unwrap_or(0) >= 1).then_some(())
    })
    .await;

    // Buy from the bag and pay in the checkout sheet, inside the frame: Buy now, then Pay.
    let paid = in_frame(&browser, async |c| {
        wait_js(
            c,
            "the bag filled",
            "return (document.querySelector('[data-bag-count]') || {}).textContent === '1';",
        )
        .await;
        tap(c, ".bag-open").await;
        let buy_now = format!(
            "[data-bag-list] [data-product='{}'] [data-buy-now]",
            scarf.id
        );
        wait_js(
            c,
            "the bag's card",
            &format!("return !!document.querySelector(\"{buy_now}\");"),
        )
        .await;
        tap(c, &buy_now).await;
        wait_js(
            c,
            "the checkout sheet",
            "var b = document.querySelector('[data-checkout-body]'); \
             return !!b && b.textContent.indexOf('Held for') >= 0 && !!document.querySelector('#checkout-email');",
        )
        .await;
        // Typed through the DOM: key events into a frame under mobile emulation are
        // as unreliable as its clicks.
        js(
            c,
            "function put(id, v) { var e = document.getElementById(id); e.value = v; \
               e.dispatchEvent(new Event('input', { bubbles: true })); } \
             put('checkout-name', 'Frame Shopper'); put('checkout-email', 'frame@example.com'); \
             put('checkout-address', '1 Loop Street'); return true;",
        )
        .await;
        tap(c, ".btn-pay").await;
        wait_js(
            c,
            "the paid confirmation",
            "var p = document.querySelector('[data-order-paid]'); return !!p && p.textContent.indexOf('is paid') >= 0;",
        )
        .await;
        js(c, "return document.querySelector('[data-order-paid]').textContent").await
    })
    .await;
    println!("paid in the frame: {paid}");
    let cart = wait_message(&browser, "showfloor:add-to-cart").await;
    assert_eq!(cart["data"]["variant_id"], scarf.variant_id, "{cart}");
    let started = wait_message(&browser, "showfloor:checkout-started").await;
    assert_eq!(started["data"]["total_minor"], 2900, "{started}");
    assert_eq!(started["data"]["currency"], "EUR", "{started}");
    let order_paid = wait_message(&browser, "showfloor:order-paid").await;
    assert_eq!(order_paid["data"]["total_minor"], 2900, "{order_paid}");
    let status: String = sqlx::query_scalar(
        "SELECT o.status FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.variant_id = $1",
    )
    .bind(scarf.variant_id)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(status, "paid", "the order bought in the frame is paid");
    let stock: i64 = sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1")
        .bind(scarf.variant_id)
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(stock, 4, "one unit sold to the shopper");

    // A refusal reads as a sentence, never a page: an unknown pass.
    let refused = in_frame(&browser, async |c| {
        c.execute_async(
            "var done = arguments[arguments.length - 1]; \
             fetch(location.pathname.replace(/\\/embed$/, '/live/chat'), { method: 'POST', \
               headers: { 'Content-Type': 'application/json' }, body: '{}' }) \
               .then(function (r) { return r.text().then(function (t) { done({ status: r.status, text: t }); }); });",
            vec![],
        )
        .await
        .unwrap()
    })
    .await;
    assert_eq!(refused["status"], 403, "no pass, no cookie: refused");
    let text = refused["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("{\"error\":") && !text.contains('<'),
        "{text}"
    );

    live.owner
        .post(&format!("/streams/{}/end", live.stream_id), &[])
        .await;
    until_async(WAIT, "the ended status at the host", || async {
        received(&browser)
            .await
            .into_iter()
            .find(|m| m["data"]["type"] == "showfloor:status" && m["data"]["status"] == "ended")
    })
    .await;
    for message in received(&browser).await {
        assert_eq!(message["origin"], app_origin.as_str(), "{message}");
    }

    // A site the shop did not list gets no player at all.
    let stranger = host_site(&embed).await;
    browser.goto(&stranger).await.unwrap();
    wait_js(
        &browser,
        "the refused frame to load",
        "return window.frameLoaded === true",
    )
    .await;
    let framed = in_frame(&browser, async |c| {
        js(c, "return !!document.querySelector('main[data-room]')").await
    })
    .await;
    assert_ne!(framed, true, "frame-ancestors refuses {stranger}");
    assert!(received(&browser).await.is_empty(), "and it says nothing");
    let _ = browser.close().await;
}

#[tokio::test]
async fn the_embed_works_in_a_cross_site_frame_with_third_party_cookies_allowed() {
    shopper_acts_in_a_cross_site_frame(false).await;
}

#[tokio::test]
async fn the_embed_works_in_a_cross_site_frame_with_third_party_cookies_blocked() {
    shopper_acts_in_a_cross_site_frame(true).await;
}
