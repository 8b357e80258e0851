//! A poll end to end in real Chromium: the merchant starts it from the studio's form on a
//! laptop, a shopper's phone answers it with a tap on the answer over the video and sees
//! the results as bars, the studio's results follow, Close ends it everywhere.

use showfloor::media::synth::{self, Shape};

use crate::browser::{chromedriver, chromium};
use crate::browser_phone::sign_in;
use crate::fixtures::scheduled_stream;
use crate::phone::{click, js, phone, type_into, wait_js};
use crate::whip_whep::publisher;

#[tokio::test]
async fn a_merchant_runs_a_poll_from_the_studio_and_a_phone_answers_it_over_the_video() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let studio = chromium(&webdriver, &p1).await;
    sign_in(&studio, &base, &live.owner_email).await;
    studio
        .goto(&format!("{base}/studio/{}", live.stream_id))
        .await
        .unwrap();
    let form = "[data-poll-form]";
    // A question without answers is refused in the page, with what was typed kept.
    type_into(
        &studio,
        &format!("{form} [name=question]"),
        "Which colour next?",
    )
    .await;
    click(&studio, &format!("{form} button[type=submit]")).await;
    wait_js(
        &studio,
        "the studio to say what is missing",
        "var e = document.querySelector('[data-poll-error]'); return !e.hidden && e.textContent === 'Give between 2 and 5 answers.'",
    )
    .await;
    for (n, answer) in [(1, "Sand"), (2, "Sage"), (3, "Rust")] {
        type_into(
            &studio,
            &format!("{form} fieldset label:nth-of-type({n}) input"),
            answer,
        )
        .await;
    }
    click(&studio, &format!("{form} button[type=submit]")).await;
    wait_js(
        &studio,
        "the studio to show the open poll",
        "var b = document.querySelector('[data-poll-host]'); return !b.hidden && b.textContent.indexOf('Which colour next?') >= 0 && !!b.querySelector('.poll-close')",
    )
    .await;
    assert_eq!(
        js(
            &studio,
            "return document.querySelector('[data-poll-form] [name=question]').value"
        )
        .await,
        "",
        "the form is cleared for the next poll"
    );

    let shopper = phone(&webdriver, &p2, false).await;
    shopper
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    wait_js(
        &shopper,
        "the poll over the video",
        "return document.querySelectorAll('[data-stage] [data-poll] .poll-choice').length === 3",
    )
    .await;
    // A real tap on the second answer (refused by WebDriver if anything lay over it).
    click(
        &shopper,
        "[data-poll] .poll-option:nth-child(2) .poll-choice",
    )
    .await;
    wait_js(
        &shopper,
        "the shopper to see the results with their answer",
        "var mine = document.querySelector('[data-poll] .poll-mine'); return !!mine && mine.textContent.indexOf('Sage') >= 0 && mine.querySelector('.poll-percent').textContent === '100 %'",
    )
    .await;
    wait_js(
        &studio,
        "the studio's results to count the answer",
        "return document.querySelector('[data-poll-host] .poll-total').textContent === '1 answer'",
    )
    .await;

    // The host scrolls down to the poll, below the three live cards.
    js(&studio, "document.querySelector('[data-poll-host] .poll-close').scrollIntoView({ block: 'center' }); return true").await;
    click(&studio, "[data-poll-host] .poll-close").await;
    wait_js(
        &shopper,
        "the shopper to see the final results",
        "return document.querySelector('[data-poll] .poll-state').textContent === 'Final results'",
    )
    .await;
    // The shopper hides the results with ×.
    click(&shopper, "[data-poll] .poll-dismiss").await;
    wait_js(
        &shopper,
        "the results hidden",
        "return document.querySelector('[data-poll]').hidden",
    )
    .await;
    let _ = shopper.close().await;
    let _ = studio.close().await;
}
