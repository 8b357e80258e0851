//! Issue 16, item 7: the studio on a laptop screen (1366×800). The preview, the pin panel,
//! the questions and the chat are all on screen at once without scrolling, the counters
//! keep to one line, the status pill is styled, and End is offered only once live.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::Value;

use crate::browser::{chromedriver, chromium};
use crate::browser_phone::sign_in;
use crate::db_fixtures::{self, NewProduct};
use crate::fixtures::scheduled_stream;
use crate::phone::js;
use crate::wait::until_async;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_studio_shows_preview_pin_questions_and_chat_together_on_a_laptop() {
    let live = scheduled_stream().await;
    let base = live.base();
    // A stream with a handful of featured products, as a merchant prepares one.
    let db = live.app.db();
    let shop_id: i64 = sqlx::query_scalar("SELECT shop_id FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(db)
        .await
        .unwrap();
    let now = showfloor::db::now_ms();
    for (i, title) in [
        "Merino jumper",
        "Silk scarf",
        "Wool socks",
        "Linen shirt",
        "Cashmere hat",
    ]
    .into_iter()
    .enumerate()
    {
        let slug = title.to_lowercase().replace(' ', "-");
        let p = db_fixtures::product(
            db,
            shop_id,
            NewProduct::new(&slug, title, 2900).stock(5).at(now),
        )
        .await;
        db_fixtures::feature(db, shop_id, live.stream_id, p.id, i as i64).await;
    }
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let laptop = chromium(&webdriver, &profile).await;
    laptop.set_window_size(1366, 800).await.unwrap();
    sign_in(&laptop, &base, &live.owner_email).await;
    laptop
        .goto(&format!("{base}/studio/{}", live.stream_id))
        .await
        .unwrap();
    until_async(WAIT, "the camera ready", || async {
        let ready = js(
            &laptop,
            "return document.getElementById('preview').videoWidth > 0 \
             && document.querySelector('[data-questions-answered]').textContent !== '' \
             && document.querySelectorAll('[data-products] li').length === 5;",
        )
        .await;
        (ready == true).then_some(())
    })
    .await;
    let seen: Value = js(
        &laptop,
        "var vh = innerHeight; \
         var whole = function (s) { var r = document.querySelector(s).getBoundingClientRect(); \
           return r.width > 0 && r.top >= 0 && r.bottom <= vh; }; \
         var heads = function (s) { var r = document.querySelector(s).getBoundingClientRect(); \
           return r.width > 0 && r.top >= 0 && Math.min(r.bottom, vh) - r.top >= 80; }; \
         var oneLine = Array.prototype.every.call(document.querySelectorAll('.studio-live-stats .stat'), function (st) { \
           var n = st.querySelector('dd').firstChild; var range = document.createRange(); range.selectNodeContents(n); \
           return range.getClientRects().length === 1 && st.scrollWidth <= st.clientWidth + 1; }); \
         var pill = getComputedStyle(document.getElementById('stream-status')); \
         return { vw: innerWidth, scroll: document.documentElement.scrollHeight > vh ? 'page taller' : 'fits', \
           preview: whole('#preview'), go_live: whole('#go-live'), pin: heads('.studio-products'), questions: heads('.studio-queue'), \
           chat: heads('.studio-chat-feed'), counters_one_line: oneLine, \
           pill_styled: pill.borderRadius !== '0px' && pill.backgroundColor !== 'rgba(0, 0, 0, 0)', \
           end_offered: document.getElementById('end').getClientRects().length > 0 };",
    )
    .await;
    assert_eq!(
        seen["vw"].as_f64().map(|w| w >= 1300.0),
        Some(true),
        "a laptop viewport: {seen}"
    );
    for part in ["preview", "go_live", "pin", "questions", "chat"] {
        assert_eq!(
            seen[part], true,
            "{part} on screen without scrolling: {seen}"
        );
    }
    assert_eq!(seen["counters_one_line"], true, "no counter wraps: {seen}");
    assert_eq!(
        seen["pill_styled"], true,
        "the status pill is styled: {seen}"
    );
    assert_eq!(
        seen["end_offered"], false,
        "no End before going live: {seen}"
    );
    let found = laptop.find(Locator::Css("#go-live")).await;
    assert!(found.is_ok(), "Go live is offered");
    let _ = laptop.close().await;
}
