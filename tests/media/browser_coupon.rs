//! A coupon drop end to end in real Chromium: the merchant drops a code from the studio's
//! form on a laptop (a bad percentage refused beside the form first); a shopper's phone
//! sees it over the video, taps "Use it", buys from the bag, and the checkout sheet takes
//! 10 % off before she pays; the studio counts the redemption, and the OBS overlay shows
//! the code with one fewer left.

use crate::browser::chromedriver;
use crate::db_fixtures::NewProduct;
use crate::fixtures::{live_selling, open_overlay, studio};
use crate::phone::{click, js, pay_in_sheet, phone, type_into, wait_js};

#[tokio::test]
async fn a_merchant_drops_a_coupon_from_the_studio_and_a_phone_pays_less_with_it() {
    let shirt = NewProduct::new("linen-shirt", "Linen shirt", 4900)
        .stock(5)
        .at(showfloor::db::now_ms());
    let (live, shirt) = live_selling(shirt).await;
    let base = live.base();
    let db = live.app.db();
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let studio = studio(&webdriver, &p1, &live).await;
    let form = "[data-coupon-form]";
    js(&studio, "document.querySelector('[data-coupon-form]').scrollIntoView({ block: 'center' }); return true").await;
    type_into(&studio, &format!("{form} [name=code]"), "spring10").await;
    type_into(&studio, &format!("{form} [name=value]"), "150").await;
    click(&studio, &format!("{form} button[type=submit]")).await;
    wait_js(
        &studio,
        "the studio to say what is wrong",
        "var e = document.querySelector('[data-coupon-error]'); return !e.hidden && e.textContent === 'A percentage off is a whole number from 1 to 100.' && document.querySelector('[data-coupon-form] [name=code]').value === 'spring10'",
    )
    .await;
    js(
        &studio,
        "document.querySelector('[data-coupon-form] [name=value]').value = ''; return true",
    )
    .await;
    type_into(&studio, &format!("{form} [name=value]"), "10").await;
    type_into(&studio, &format!("{form} [name=max_redemptions]"), "5").await;
    click(&studio, &format!("{form} button[type=submit]")).await;
    wait_js(
        &studio,
        "the studio to show the coupon on the video",
        "var b = document.querySelector('[data-coupon-host]'); return !b.hidden && b.querySelector('.coupon-code').textContent === 'SPRING10' && b.querySelector('.coupon-used').textContent === '0 orders have it (limit 5)' && !!b.querySelector('.coupon-end')",
    )
    .await;

    let shopper = phone(&webdriver, &p2, false).await;
    shopper
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    wait_js(
        &shopper,
        "the coupon over the video",
        "var c = document.querySelector('[data-stage] [data-coupon]'); return !c.hidden && c.querySelector('.coupon-code').textContent === 'SPRING10' && c.querySelector('.coupon-state').textContent === '5 of 5 left · until the stream ends'",
    )
    .await;
    // A real tap (refused by WebDriver if anything lay over the button).
    click(&shopper, "[data-coupon] .coupon-use").await;
    wait_js(
        &shopper,
        "the code kept for checkout",
        "var u = document.querySelector('[data-coupon] .coupon-use'); return u.textContent === 'Kept for checkout ✓' && u.getAttribute('aria-pressed') === 'true'",
    )
    .await;

    click(&shopper, "[data-bag-open]").await;
    wait_js(
        &shopper,
        "the bag to say the coupon comes off at Pay",
        "var n = document.querySelector('[data-bag-coupon]'); return !n.hidden && n.textContent === 'Coupon SPRING10 comes off when you pay.'",
    )
    .await;
    click(
        &shopper,
        &format!(
            "[data-bag-list] [data-product='{}'] [data-buy-now]",
            shirt.id
        ),
    )
    .await;
    // The sheet fills in the kept code and shows what it takes off before Pay.
    wait_js(
        &shopper,
        "the sheet to take 10 % off",
        "var s = document.querySelector('#checkout-coupon-said'); return !!s && s.textContent === 'SPRING10 — 10 % off: −€4.90' && document.querySelector('.sheet-total').textContent === 'Total €44.10' && document.querySelector('#checkout-coupon').value === 'SPRING10'",
    )
    .await;
    pay_in_sheet(&shopper, "Ana Phone").await;
    wait_js(
        &shopper,
        "the paid confirmation at the lower total",
        "var p = document.querySelector('[data-order-paid]'); return !!p && p.textContent.indexOf('Total €44.10.') >= 0",
    )
    .await;
    let (total, discount): (i64, i64) = sqlx::query_as(
        "SELECT o.total, o.discount FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.variant_id = $1",
    )
    .bind(shirt.variant_id)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!((total, discount), (4410, 490));
    wait_js(
        &studio,
        "the studio to count the redemption",
        "return document.querySelector('[data-coupon-host] .coupon-used').textContent === '1 order has it (limit 5)'",
    )
    .await;
    wait_js(
        &shopper,
        "the shopper's card to show one fewer left",
        "return document.querySelector('[data-coupon] .coupon-state').textContent === '4 of 5 left · until the stream ends'",
    )
    .await;
    // The OBS overlay (the studio's secret address) shows the code down the left.
    open_overlay(&studio, &base).await;
    wait_js(
        &studio,
        "the coupon on the overlay",
        "var c = document.querySelector('[data-coupon-results]'); return !!c && !c.hidden && c.querySelector('.coupon-code').textContent === 'SPRING10' && c.getBoundingClientRect().left === 64 && c.querySelector('.coupon-state').textContent === '4 of 5 left · until the stream ends'",
    )
    .await;
    let _ = shopper.close().await;
    let _ = studio.close().await;
}
