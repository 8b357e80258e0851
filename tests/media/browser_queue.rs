//! The studio's run of show in real Chromium, by keyboard: before the stream the merchant
//! queues two polls from the poll form, moves the second above the first with Alt+↓ on
//! the focused row, goes live and fires the first with the key 1; the poll opens (the
//! studio and a phone show it) and the row shows it fired; a coupon queued with a bad
//! percentage is refused beside its form.

use fantoccini::Locator;

use crate::browser::chromedriver;
use crate::db_fixtures::NewProduct;
use crate::fixtures::{scheduled_stream, studio};
use crate::phone::{click, js, phone, type_into, wait_js};

const ALT: &str = "\u{E00A}";
const DOWN: &str = "\u{E015}";
const NULL: &str = "\u{E000}";

#[tokio::test]
async fn a_merchant_queues_two_polls_before_the_stream_reorders_them_and_fires_one_with_a_key() {
    let live = scheduled_stream().await;
    let base = live.base();
    let db = live.app.db();
    let shop_id: i64 = sqlx::query_scalar("SELECT shop_id FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(db)
        .await
        .unwrap();
    let hat = NewProduct::new("straw-hat", "Straw hat", 2500)
        .stock(2)
        .at(0);
    let hat = crate::db_fixtures::product(db, shop_id, hat).await;
    crate::db_fixtures::feature(db, shop_id, live.stream_id, hat.id, 0).await;
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let studio = studio(&webdriver, &p1, &live).await;
    let form = "[data-poll-form]";
    for (question, answers) in [
        ("Which colour next?", ["Sand", "Sage"]),
        ("Which size do you wear?", ["S", "M"]),
    ] {
        js(&studio, "document.querySelector('[data-poll-form]').scrollIntoView({ block: 'center' }); return true").await;
        type_into(&studio, &format!("{form} [name=question]"), question).await;
        for (n, answer) in answers.iter().enumerate() {
            type_into(
                &studio,
                &format!("{form} fieldset label:nth-of-type({}) input", n + 1),
                answer,
            )
            .await;
        }
        click(&studio, &format!("{form} [data-queue-add]")).await;
        wait_js(
            &studio,
            "the poll in the queue",
            &format!("return Array.prototype.some.call(document.querySelectorAll('[data-queue-list] .queue-label'), function (l) {{ return l.textContent === 'Poll: {question}'; }}) && document.querySelector('[data-poll-form] [name=question]').value === ''"),
        )
        .await;
    }
    // A coupon with a bad percentage is refused beside its form, nothing queued.
    type_into(&studio, "[data-coupon-form] [name=value]", "150").await;
    js(&studio, "document.querySelector('[data-coupon-form]').scrollIntoView({ block: 'center' }); return true").await;
    click(&studio, "[data-coupon-form] [data-queue-add]").await;
    wait_js(
        &studio,
        "the coupon form to say what is wrong",
        "var e = document.querySelector('[data-coupon-error]'); return !e.hidden && e.textContent === 'A percentage off is a whole number from 1 to 100.' && document.querySelectorAll('[data-queue-list] li').length === 2",
    )
    .await;

    // Alt+↓ on the focused first row moves it below the second; focus stays on it.
    js(&studio, "var q = document.querySelector('[data-show]'); q.scrollIntoView({ block: 'center' }); q.querySelector('[data-queue-item]').focus(); return true").await;
    let first = studio
        .find(Locator::Css("[data-queue-list] li:first-child"))
        .await
        .unwrap();
    first
        .send_keys(&format!("{ALT}{DOWN}{NULL}"))
        .await
        .unwrap();
    wait_js(
        &studio,
        "the rows swapped, the moved one still focused",
        "var l = document.querySelectorAll('[data-queue-list] .queue-label'); return l.length === 2 && l[0].textContent === 'Poll: Which size do you wear?' && document.activeElement.textContent.indexOf('Which colour next?') >= 0",
    )
    .await;
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT label FROM live_queue WHERE stream_id = $1 ORDER BY position")
            .bind(live.stream_id)
            .fetch_all(db)
            .await
            .unwrap();
    assert_eq!(
        stored,
        ["Poll: Which size do you wear?", "Poll: Which colour next?"]
    );

    let state = live.app.server.as_ref().unwrap().state.clone();
    showfloor::streams::go_live(&state, live.stream_id, showfloor::streams::Actor::System)
        .await
        .expect("goes live");
    let shopper = phone(&webdriver, &p2, false).await;
    shopper
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    // Key 1 fires the first row not fired yet (focus on a row, not in a field).
    let row = studio
        .find(Locator::Css("[data-queue-list] li:first-child"))
        .await
        .unwrap();
    row.send_keys("1").await.unwrap();
    wait_js(
        &studio,
        "the studio to show the fired poll and the row fired",
        "var b = document.querySelector('[data-poll-host]'); return !b.hidden && b.textContent.indexOf('Which size do you wear?') >= 0 && document.querySelector('[data-queue-list] li:first-child').classList.contains('queue-fired') && document.querySelector('[data-queue-list] li:nth-child(2) .queue-key').textContent === '1'",
    )
    .await;
    wait_js(
        &shopper,
        "the poll over the phone's video",
        "var p = document.querySelector('[data-stage] [data-poll]'); return !p.hidden && p.textContent.indexOf('Which size do you wear?') >= 0",
    )
    .await;
    let _ = shopper.close().await;
    let _ = studio.close().await;
}
