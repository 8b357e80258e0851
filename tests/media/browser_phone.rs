//! Issue 16 on a phone in real Chromium (390×844, touch): the immersive player, where the
//! video fills the screen and stays there while the shopper chats, opens the questions
//! sheet and buys from the pinned card; the desktop's two columns; and a merchant going
//! live from a phone held upright, watched in portrait by a phone shopper.

use std::time::Duration;

use fantoccini::Client;
use serde_json::{Value, json};

use crate::browser::{chromedriver, chromium};
use crate::db_fixtures::{self, NewProduct};
use crate::fixtures::{scheduled_stream, status};
use crate::helpers::PASSWORD;
use crate::phone::{click, js, pay_in_sheet, phone, type_into, wait_js};
use crate::wait::until_async;

const WAIT: Duration = Duration::from_secs(30);

/// Boxes and hit tests of the page, in CSS pixels: `box(css)` is the element's rectangle,
/// `top(css)` whether a tap at its centre lands on it (nothing lies over it).
const GEOMETRY: &str = "function box(s) { var e = document.querySelector(s); if (!e) return null; \
    var r = e.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height }; } \
  function top(s) { var e = document.querySelector(s); if (!e) return false; var r = e.getBoundingClientRect(); \
    var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return !!hit && (hit === e || e.contains(hit)); } \
  return { vw: innerWidth, vh: innerHeight, sw: document.documentElement.scrollWidth, sy: scrollY, \
    video: box('[data-whep] video'), pin: box('[data-pin] .pin-card'), pin_top: top('[data-pin] .pin-card'), \
    bag: box('.stage-rail [data-bag-open]'), bag_top: top('.stage-rail [data-bag-open]'), \
    buy: box('[data-pin] [data-buy-now]'), buy_top: top('[data-pin] [data-buy-now]'), \
    heart: box('[data-heart]'), heart_top: top('[data-heart]'), sheet: box('#room-sheet'), \
    sheet_shown: getComputedStyle(document.querySelector('#room-sheet')).visibility === 'visible', \
    line: box('[data-chat-feed] .stage-line') };";

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

/// Whether box `inner` lies within box `outer` (a pixel of rounding allowed).
fn within(inner: &Value, outer: &Value) -> bool {
    num(inner, "l") >= num(outer, "l") - 1.0
        && num(inner, "t") >= num(outer, "t") - 1.0
        && num(inner, "r") <= num(outer, "r") + 1.0
        && num(inner, "b") <= num(outer, "b") + 1.0
}

/// The video fills the viewport: the shopper sees it whatever else happens on the page.
fn fills_viewport(g: &Value) -> bool {
    let v = &g["video"];
    num(v, "l") <= 0.5
        && num(v, "t") <= 0.5
        && num(v, "r") >= num(g, "vw") - 0.5
        && num(v, "b") >= num(g, "vh") - 0.5
}

const PLAYING: &str = "var p = document.querySelector('[data-whep]'); var v = p && p.querySelector('video'); \
    return !!(v && v.videoWidth > 0 && Number(p.getAttribute('data-frames-decoded') || 0) > 0);";

#[tokio::test]
async fn a_phone_shopper_watches_full_screen_chats_over_the_video_and_buys_without_leaving_it() {
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
    db_fixtures::feature(db, shop_id, live.stream_id, jumper.id, 0).await;
    let _camera = crate::fixtures::publishes(&live, "vp8").await;
    let token = live.owner.csrf().await;
    let pinned = live
        .owner
        .client
        .post(format!(
            "{base}/@{}/spring-knitwear/live/pin",
            live.shop_slug
        ))
        .header("x-csrf-token", token)
        .json(&json!({ "product_id": jumper.id }))
        .send()
        .await
        .unwrap();
    assert!(pinned.status().is_success(), "{}", pinned.status());

    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let shopper = phone(&webdriver, &profile, false).await;
    let page = format!("{base}/@{}/spring-knitwear", live.shop_slug);
    shopper.goto(&page).await.unwrap();
    wait_js(&shopper, "the video playing", PLAYING).await;
    wait_js(
        &shopper,
        "the pinned card and the bag",
        "return !!document.querySelector('[data-pin] [data-buy-now]') \
         && document.querySelector('[data-bag-count]').textContent === '1';",
    )
    .await;
    js(&shopper, "window.__sfMarker = 'same page'; return true;").await;
    // The page's weight before images: its HTML, styles and scripts as transferred
    // (compressed), within the 50 KB budget of a mid-range phone on a slow network.
    let weight = js(
        &shopper,
        "var nav = performance.getEntriesByType('navigation')[0]; \
         var parts = performance.getEntriesByType('resource').filter(function (e) { \
           return e.initiatorType === 'script' || e.initiatorType === 'link' || e.initiatorType === 'css'; }); \
         return { html: nav.transferSize, assets: parts.reduce(function (n, e) { return n + e.transferSize; }, 0), \
           count: parts.length, encoded: parts.every(function (e) { return e.encodedBodySize < e.decodedBodySize; }) };",
    )
    .await;
    let bytes = num(&weight, "html") + num(&weight, "assets");
    assert!(
        num(&weight, "count") >= 8.0 && bytes > 0.0 && bytes <= 50_000.0,
        "the live page within 50 KB before images: {weight}"
    );
    assert_eq!(
        weight["encoded"], true,
        "every style and script arrives compressed: {weight}"
    );

    // Full screen, nothing scrolls sideways, and the card, the bag and Buy lie over the
    // video with nothing over them; Buy is a thumb-sized target in the lower half.
    let g = js(&shopper, GEOMETRY).await;
    assert!(
        fills_viewport(&g),
        "the video fills the phone's screen: {g}"
    );
    assert!(num(&g, "sw") <= num(&g, "vw"), "no horizontal scroll: {g}");
    assert!(
        within(&g["pin"], &g["video"]) && g["pin_top"] == true,
        "the pinned card over the video: {g}"
    );
    assert!(
        within(&g["bag"], &g["video"]) && g["bag_top"] == true,
        "the bag button over the video: {g}"
    );
    assert!(g["buy_top"] == true, "nothing covers Buy: {g}");
    assert!(
        num(&g["buy"], "w") >= 44.0 && num(&g["buy"], "h") >= 44.0,
        "Buy is at least 44×44: {g}"
    );
    assert!(
        num(&g["buy"], "t") > num(&g, "vh") / 2.0,
        "Buy within thumb reach: {g}"
    );

    // Hearts rise from the ♥ button itself.
    let heart = js(
        &shopper,
        "var b = document.querySelector('[data-heart]'); b.click(); \
         var h = document.querySelector('[data-hearts] .heart'); if (!h) return null; \
         var r = h.getBoundingClientRect(), k = b.getBoundingClientRect(); \
         return { centre: r.left + r.width / 2, from: k.left, to: k.right, bottom: r.bottom, button_top: k.top };",
    )
    .await;
    assert!(
        num(&heart, "centre") >= num(&heart, "from") - 24.0
            && num(&heart, "centre") <= num(&heart, "to") + 24.0
            && num(&heart, "bottom") <= num(&heart, "button_top") + 4.0,
        "the heart rises from ♥: {heart}"
    );

    // The shopper joins and chats from the bar at the bottom; the video stays put while
    // they type, and the message floats over the video's lower part.
    type_into(&shopper, "#room-name", "Zoé").await;
    click(&shopper, "[data-name-form] button[type=submit]").await;
    wait_js(
        &shopper,
        "the chat box",
        "var f = document.querySelector('[data-chat-form]'); return !!f && !f.hidden;",
    )
    .await;
    type_into(&shopper, "#room-chat", "Does it come in blue?").await;
    let typing = js(&shopper, GEOMETRY).await;
    assert!(
        fills_viewport(&typing) && num(&typing, "sy") == 0.0,
        "the video stays on screen while typing: {typing}"
    );
    click(&shopper, "[data-chat-form] button[type=submit]").await;
    wait_js(
        &shopper,
        "the message over the video",
        "var l = document.querySelector('[data-chat-feed] .stage-line'); \
         return !!l && l.textContent.indexOf('Does it come in blue?') >= 0;",
    )
    .await;
    let g = js(&shopper, GEOMETRY).await;
    assert!(
        within(&g["line"], &g["video"]) && num(&g["line"], "b") <= num(&g["pin"], "t") + 1.0,
        "the chat line lies over the video, above the card: {g}"
    );

    // The questions sheet slides up over the lower half; the video still shows above it.
    click(&shopper, "[data-sheet-open='questions']").await;
    until_async(WAIT, "the questions sheet open", || async {
        let g = js(&shopper, GEOMETRY).await;
        let t = num(&g["sheet"], "t");
        (g["sheet_shown"] == true && t >= num(&g, "vh") * 0.3 && t <= num(&g, "vh") * 0.6)
            .then_some(())
    })
    .await;
    let open = js(
        &shopper,
        "var s = document.querySelector('#room-sheet').getBoundingClientRect(); \
         var hit = document.elementFromPoint(innerWidth / 2, s.top / 2); \
         return !!hit && !!hit.closest('[data-stage]');",
    )
    .await;
    assert_eq!(open, true, "the video shows above the open sheet");
    assert!(
        fills_viewport(&js(&shopper, GEOMETRY).await),
        "the video did not move"
    );
    type_into(&shopper, "#room-question", "Is it machine washable?").await;
    click(&shopper, "[data-ask-form] button[type=submit]").await;
    wait_js(
        &shopper,
        "the question in the sheet",
        "return document.querySelector('[data-questions]').textContent.indexOf('machine washable') >= 0;",
    )
    .await;
    click(&shopper, "[data-sheet-dismiss]").await;
    until_async(WAIT, "the sheet closed", || async {
        (js(&shopper, GEOMETRY).await["sheet_shown"] == false).then_some(())
    })
    .await;

    // Buy from the card over the video, and pay in the sheet, on the same page.
    click(&shopper, "[data-pin] [data-buy-now]").await;
    wait_js(
        &shopper,
        "the checkout sheet",
        "var b = document.querySelector('[data-checkout-body]'); \
         return !!b && b.textContent.indexOf('Merino jumper') >= 0 && b.textContent.indexOf('Held for') >= 0;",
    )
    .await;
    pay_in_sheet(&shopper, "Zoé Phone").await;
    wait_js(
        &shopper,
        "the paid confirmation",
        "var p = document.querySelector('[data-order-paid]'); return !!p && p.textContent.indexOf('is paid') >= 0;",
    )
    .await;
    assert_eq!(
        js(&shopper, "return window.__sfMarker;").await,
        "same page",
        "bought without leaving the stream"
    );
    assert_eq!(
        js(&shopper, PLAYING).await,
        true,
        "the video played on behind the sheets"
    );
    let _ = shopper.close().await;

    // A laptop: video left, the room right, both panels shown, no floating chat.
    let wide_profile = tempfile::tempdir().unwrap();
    let laptop = chromium(&webdriver, &wide_profile).await;
    laptop.set_window_size(1366, 900).await.unwrap();
    laptop.goto(&page).await.unwrap();
    wait_js(&laptop, "the laptop's video playing", PLAYING).await;
    let two = js(
        &laptop,
        "var v = document.querySelector('[data-stage]').getBoundingClientRect(); \
         var s = document.querySelector('#room-sheet').getBoundingClientRect(); \
         var shown = function (sel) { var e = document.querySelector(sel); return !!e && e.getClientRects().length > 0; }; \
         return { side_by_side: s.left >= v.right - 1 && s.top < v.bottom, \
           questions: shown('#qa-panel'), chat: shown('#chat-panel'), feed: shown('[data-chat-feed]') };",
    )
    .await;
    assert_eq!(
        two,
        json!({ "side_by_side": true, "questions": true, "chat": true, "feed": false }),
        "two columns on a laptop"
    );
    let _ = laptop.close().await;
}

pub(crate) async fn sign_in(client: &Client, base: &str, email: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    type_into(client, "#email", email).await;
    type_into(client, "#password", PASSWORD).await;
    click(client, "button[type=submit]").await;
    until_async(WAIT, "signed in", || async {
        client
            .current_url()
            .await
            .ok()
            .filter(|u| !u.path().starts_with("/login"))
            .map(|_| ())
    })
    .await;
}

#[tokio::test]
async fn a_merchant_goes_live_from_a_phone_held_upright_and_a_phone_shopper_watches_in_portrait() {
    let live = scheduled_stream().await;
    let base = live.base();
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let merchant = phone(&webdriver, &p1, false).await;
    sign_in(&merchant, &base, &live.owner_email).await;
    merchant
        .goto(&format!("{base}/studio/{}", live.stream_id))
        .await
        .unwrap();
    wait_js(
        &merchant,
        "the camera in portrait",
        "var v = document.getElementById('preview'); return v.videoWidth > 0 && v.videoHeight > v.videoWidth;",
    )
    .await;
    let fit = js(
        &merchant,
        "var g = document.getElementById('go-live').getBoundingClientRect(); \
         return { sw: document.documentElement.scrollWidth, vw: innerWidth, w: g.width, h: g.height };",
    )
    .await;
    assert!(
        num(&fit, "sw") <= num(&fit, "vw"),
        "the studio fits the phone: {fit}"
    );
    assert!(
        num(&fit, "h") >= 48.0 && num(&fit, "w") >= num(&fit, "vw") * 0.6,
        "a big Go live button: {fit}"
    );

    // Go live asks once more; Not yet keeps the stream off air.
    click(&merchant, "#go-live").await;
    click(&merchant, "#go-live-cancel").await;
    assert_eq!(status(&live).await, "scheduled");
    click(&merchant, "#go-live").await;
    click(&merchant, "#go-live-now").await;
    wait_js(
        &merchant,
        "the studio live",
        "return document.getElementById('studio').getAttribute('data-state') === 'live';",
    )
    .await;
    assert_eq!(status(&live).await, "live");
    wait_js(
        &merchant,
        "the screen kept awake (Wake Lock held)",
        "return document.getElementById('studio').getAttribute('data-awake') === 'on';",
    )
    .await;
    assert_eq!(
        js(
            &merchant,
            "return document.getElementById('stream-status').className;"
        )
        .await,
        "status-pill status-live",
        "the status pill turned live"
    );

    // What is pinned shows over the preview, where a merchant holding the phone looks.
    let db = live.app.db();
    let shop_id: i64 = sqlx::query_scalar("SELECT shop_id FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(db)
        .await
        .unwrap();
    let scarf = NewProduct::new("silk-scarf", "Silk scarf", 2500)
        .stock(3)
        .at(showfloor::db::now_ms());
    let scarf = db_fixtures::product(db, shop_id, scarf).await;
    db_fixtures::feature(db, shop_id, live.stream_id, scarf.id, 0).await;
    let token = live.owner.csrf().await;
    let pinned = live
        .owner
        .client
        .post(format!(
            "{base}/@{}/spring-knitwear/live/pin",
            live.shop_slug
        ))
        .header("x-csrf-token", token)
        .json(&json!({ "product_id": scarf.id }))
        .send()
        .await
        .unwrap();
    assert!(pinned.status().is_success(), "{}", pinned.status());
    wait_js(
        &merchant,
        "the pinned product over the preview",
        "var o = document.querySelector('[data-stage-pin]'), v = document.getElementById('preview'); \
         if (!o || o.hidden || o.textContent.indexOf('Silk scarf') < 0) return false; \
         var a = o.getBoundingClientRect(), b = v.getBoundingClientRect(); \
         return a.height > 0 && a.top >= b.top && a.bottom <= b.bottom + 1;",
    )
    .await;

    // The merchant switches to another app and back: the studio says it paused, then
    // carries on live by itself.
    js(
        &merchant,
        "window.__states = []; new MutationObserver(function () { \
           window.__states.push(document.getElementById('studio').getAttribute('data-state')); \
         }).observe(document.getElementById('studio'), { attributes: true, attributeFilter: ['data-state'] }); return true;",
    )
    .await;
    let studio_tab = merchant.window().await.unwrap();
    let other = merchant.new_window(true).await.unwrap().handle;
    merchant.switch_to_window(other.clone()).await.unwrap();
    merchant.close_window().await.unwrap();
    merchant.switch_to_window(studio_tab).await.unwrap();
    wait_js(
        &merchant,
        "paused, then live again, the screen kept awake again",
        "var s = window.__states || [], st = document.getElementById('studio'); \
         return s.indexOf('paused') >= 0 && st.getAttribute('data-state') === 'live' \
         && st.getAttribute('data-awake') === 'on';",
    )
    .await;

    // A phone shopper receives the portrait picture, filling the screen.
    let shopper = phone(&webdriver, &p2, false).await;
    shopper
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    wait_js(&shopper, "the portrait video playing", PLAYING).await;
    let shape = js(
        &shopper,
        "var v = document.querySelector('[data-whep] video'); \
         return { w: v.videoWidth, h: v.videoHeight, fit: getComputedStyle(v).objectFit };",
    )
    .await;
    assert!(
        num(&shape, "h") > num(&shape, "w") && shape["fit"] == "cover",
        "a portrait stream fills the phone: {shape}"
    );
    let _ = shopper.close().await;
    let _ = merchant.close().await;
}
