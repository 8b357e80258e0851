//! Issue 15, item 1, in real Chromium on a phone viewport: a shopper waiting on a
//! scheduled stream's countdown sees the player appear when the merchant goes live and
//! the ended view when they end, without a reload (a marker set on `window` survives),
//! and the player stops without a failing request; the shop page in another tab flips its
//! live card both ways.

use std::time::Duration;

use crate::browser::chromedriver;
use crate::fixtures::{scheduled_stream, status};
use crate::phone::{FAILED_REQUESTS, RECORD_REQUESTS, js, phone};
use crate::wait::until_async;

const PAGE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_waiting_shopper_sees_the_stream_start_and_end_without_a_reload() {
    let live = scheduled_stream().await;
    let base = live.base();
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let shopper = phone(&webdriver, &profile, false).await;
    shopper
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    assert_eq!(
        js(&shopper, "return window.innerWidth").await.as_i64(),
        Some(390),
        "a phone viewport"
    );
    until_async(PAGE, "the countdown page with its room", || async {
        let ready = js(
            &shopper,
            "var m = document.querySelector('main'); return !!(m && m.dataset.state === 'scheduled' \
             && m.dataset.room && window.ShowfloorLive && document.querySelector('[data-countdown]'));",
        )
        .await;
        (ready == true).then_some(())
    })
    .await;
    js(&shopper, "window.__sfMarker = 'same page'; return true;").await;
    js(&shopper, RECORD_REQUESTS).await;

    // The shop page in a second tab: its cards follow the stream too.
    let stream_tab = shopper.window().await.unwrap();
    let shop_tab = shopper.new_window(true).await.unwrap().handle;
    shopper.switch_to_window(shop_tab.clone()).await.unwrap();
    shopper
        .goto(&format!("{base}/@{}", live.shop_slug))
        .await
        .unwrap();
    until_async(PAGE, "the shop page listening to its next stream", || async {
        let ready = js(
            &shopper,
            "var m = document.querySelector('main'); return !!(m && m.dataset.room && window.ShowfloorLive);",
        )
        .await;
        (ready == true).then_some(())
    })
    .await;
    js(&shopper, "window.__shopMarker = 'same page'; return true;").await;
    let shop_shows = |live_now: bool| {
        let shopper = shopper.clone();
        async move {
            let script = format!(
                "var m = document.querySelector('main'); return window.__shopMarker === 'same page' \
                 && !!m && (m.textContent.indexOf('Live now') >= 0) === {live_now};"
            );
            (js(&shopper, &script).await == true).then_some(())
        }
    };
    until_async(PAGE, "the shop page before the start", || shop_shows(false)).await;
    shopper.switch_to_window(stream_tab.clone()).await.unwrap();

    // The merchant goes live: an encoder (aiortc, real VP8) publishes over WHIP.
    let _camera = crate::fixtures::publishes(&live, "vp8").await;
    assert_eq!(status(&live).await, "live");
    until_async(PAGE, "the page to turn into the playing player", || async {
        let playing = js(
            &shopper,
            "var m = document.querySelector('main'); var v = document.querySelector('[data-whep] video'); \
             var p = document.querySelector('[data-whep]'); \
             return !!(m && m.dataset.state === 'live' && window.__sfMarker === 'same page' && v \
             && v.videoWidth > 0 && !v.paused && document.querySelector('[data-live-room]') \
             && p && Number(p.getAttribute('data-frames-decoded') || 0) > 0);",
        )
        .await;
        (playing == true).then_some(())
    })
    .await;
    assert_eq!(
        js(
            &shopper,
            "return !!document.querySelector('main .v-badge-live')"
        )
        .await,
        true,
        "the LIVE badge shows"
    );

    shopper.switch_to_window(shop_tab.clone()).await.unwrap();
    until_async(PAGE, "the shop page's live card without a reload", || {
        shop_shows(true)
    })
    .await;
    shopper.switch_to_window(stream_tab.clone()).await.unwrap();

    // The merchant ends the stream from the dashboard.
    let ended = live
        .owner
        .post(&format!("/streams/{}/end", live.stream_id), &[])
        .await;
    assert!(ended.status.is_redirection(), "end: {}", ended.status);
    until_async(PAGE, "the ended view on the same page", || async {
        let done = js(
            &shopper,
            "var m = document.querySelector('main'); return !!(m && m.dataset.state === 'ended' \
             && window.__sfMarker === 'same page');",
        )
        .await;
        (done == true).then_some(())
    })
    .await;
    let view = js(
        &shopper,
        "var m = document.querySelector('main'); return { badge: !!m.querySelector('.v-badge-live'), \
         room: !!m.querySelector('[data-live-room]'), chat: !!m.querySelector('[data-chat-form]'), \
         video: !!document.querySelector('video'), text: m.textContent };",
    )
    .await;
    assert_eq!(view["badge"], false, "no LIVE badge");
    assert_eq!(view["room"], false, "no room");
    assert_eq!(view["chat"], false, "no chat box");
    assert_eq!(view["video"], false, "the player is gone");
    let text = view["text"].as_str().unwrap_or_default();
    assert!(text.contains("This stream has ended."), "{text}");
    assert!(!text.contains("watching"), "no viewer count: {text}");
    let failed = js(&shopper, FAILED_REQUESTS).await;
    assert_eq!(
        failed,
        serde_json::json!([]),
        "no request of the page failed (the player stops cleanly)"
    );
    shopper.switch_to_window(shop_tab).await.unwrap();
    until_async(PAGE, "the shop page without its live card", || {
        shop_shows(false)
    })
    .await;
    let _ = shopper.close().await;
}
