//! A giveaway end to end in real Chromium: the merchant opens it from the studio's form on
//! a laptop; a shopper's phone joins with a name, taps Enter, reads the rules and enters;
//! the studio counts the entry and draws; the phone is told it won and claims the prize
//! with a shipping address (a zero-amount order); the OBS overlay names the winner.

use crate::browser::chromedriver;
use crate::db_fixtures::NewProduct;
use crate::fixtures::{live_selling, open_overlay, studio};
use crate::phone::{click, js, phone, type_into, wait_js};

#[tokio::test]
async fn a_merchant_runs_a_giveaway_from_the_studio_and_a_phone_wins_and_claims_it() {
    let tote = NewProduct::new("tote-bag", "Tote bag", 1500)
        .stock(3)
        .at(showfloor::db::now_ms());
    let (live, tote) = live_selling(tote).await;
    let base = live.base();
    let db = live.app.db();
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let studio = studio(&webdriver, &p1, &live).await;
    let form = "[data-giveaway-form]";
    wait_js(
        &studio,
        "the stream's products in the prize picker",
        &format!(
            "return document.querySelector('{form} [name=variant_id]').value === '{}'",
            tote.variant_id
        ),
    )
    .await;
    js(&studio, "document.querySelector('[data-giveaway-form]').scrollIntoView({ block: 'center' }); return true").await;
    // No rules: refused beside the form.
    click(&studio, &format!("{form} button[type=submit]")).await;
    wait_js(
        &studio,
        "the studio to ask for the rules",
        "var e = document.querySelector('[data-giveaway-error]'); return !e.hidden && e.textContent.indexOf('Write the rules') === 0",
    )
    .await;
    type_into(
        &studio,
        &format!("{form} [name=rules]"),
        "One winner, drawn at the end of the demo.",
    )
    .await;
    click(&studio, &format!("{form} button[type=submit]")).await;
    wait_js(
        &studio,
        "the studio to show the open giveaway",
        "var b = document.querySelector('[data-giveaway-host]'); return !b.hidden && b.querySelector('.giveaway-prize').textContent === 'Tote bag' && !!b.querySelector('.giveaway-draw')",
    )
    .await;

    let shopper = phone(&webdriver, &p2, false).await;
    shopper
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    type_into(&shopper, "#room-name", "Ana").await;
    click(&shopper, "[data-name-form] button[type=submit]").await;
    wait_js(
        &shopper,
        "the giveaway over the video",
        "var g = document.querySelector('[data-stage] [data-giveaway]'); return !g.hidden && !!g.querySelector('.giveaway-button') && !document.querySelector('[data-name-form]').offsetParent",
    )
    .await;
    click(&shopper, "[data-giveaway] .giveaway-button").await;
    wait_js(
        &shopper,
        "the rules before entering",
        "var r = document.querySelector('[data-giveaway] .giveaway-rules-text'); return !!r && r.textContent === 'One winner, drawn at the end of the demo.' && document.activeElement === document.querySelector('[data-giveaway] .giveaway-rules')",
    )
    .await;
    click(&shopper, "[data-giveaway] .giveaway-button").await;
    wait_js(
        &shopper,
        "the shopper to be in",
        "var i = document.querySelector('[data-giveaway] .giveaway-in'); return !!i && i.textContent === 'You are in ✓'",
    )
    .await;
    wait_js(
        &studio,
        "the studio to count the entry",
        "return document.querySelector('[data-giveaway-host] .giveaway-state').textContent === '1 entry'",
    )
    .await;
    // The host scrolls down to the giveaway, below the three live cards.
    js(&studio, "document.querySelector('[data-giveaway-host] .giveaway-draw').scrollIntoView({ block: 'center' }); return true").await;
    click(&studio, "[data-giveaway-host] .giveaway-draw").await;
    wait_js(
        &studio,
        "the studio to show the winner and the seed",
        "var b = document.querySelector('[data-giveaway-host]'); return b.querySelector('.giveaway-winners').textContent === 'Winner: Ana' && b.querySelector('.giveaway-seed').textContent.indexOf('From 1 entries. Seed ') === 0",
    )
    .await;
    wait_js(
        &shopper,
        "the shopper to be told they won",
        "var g = document.querySelector('[data-giveaway]'); return g.querySelector('.giveaway-winners').textContent === 'Winner: Ana' && !!g.querySelector('.giveaway-won')",
    )
    .await;
    type_into(&shopper, "#giveaway-name", "Ana Phone").await;
    type_into(&shopper, "#giveaway-email", "ana@example.com").await;
    type_into(&shopper, "#giveaway-address", "1 Loop Street").await;
    click(
        &shopper,
        "[data-giveaway] .giveaway-claim button[type=submit]",
    )
    .await;
    wait_js(
        &shopper,
        "the claim confirmed",
        "var i = document.querySelector('[data-giveaway] .giveaway-in'); return !!i && i.textContent.indexOf('Claimed: order ') === 0",
    )
    .await;
    let (total, status, address): (i64, String, String) = sqlx::query_as(
        "SELECT o.total, o.status, o.shipping_address FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.variant_id = $1",
    )
    .bind(tote.variant_id)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(
        (total, status.as_str(), address.as_str()),
        (0, "paid", "1 Loop Street")
    );
    // The OBS overlay names the winner, down the left like every format.
    open_overlay(&studio, &base).await;
    wait_js(
        &studio,
        "the winner on the overlay",
        "var g = document.querySelector('[data-giveaway-results]'); return !!g && !g.hidden && g.querySelector('.giveaway-winners').textContent === 'Winner: Ana' && g.getBoundingClientRect().left === 64 && !g.querySelector('form')",
    )
    .await;
    let _ = shopper.close().await;
    let _ = studio.close().await;
}
