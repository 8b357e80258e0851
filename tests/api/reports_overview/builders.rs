//! Builders for the overview and API tests, in the words of those tests, over the shared
//! fixtures (`tests/common/fixtures.rs`), plus the small overview fixture whose figures are
//! worked out by hand in `reports_overview.rs`.

use crate::fixtures::{self, NewLine, NewOrder, NewPin, NewProduct, NewStream, NewVisit};
use crate::helpers::{Browser, TestApp, email};

pub const MIN: i64 = 60_000;

/// A shop, signed up by its owner's browser: (owner, shop id).
pub async fn shop(app: &TestApp, slug: &str) -> (Browser, i64) {
    let owner = app.browser();
    owner.sign_up(slug, &email("owner")).await;
    let id = fixtures::shop_id(app.db(), slug).await;
    (owner, id)
}

/// An ended ten-minute stream that went live at `start`.
pub async fn ended_stream(
    db: &sqlx::AnyPool,
    shop: i64,
    slug: &str,
    title: &str,
    start: i64,
) -> i64 {
    let made = NewStream::new(slug, title, &format!("pub-{shop}-{slug}"), start).minutes(10);
    fixtures::stream(db, shop, made.ended(start, start + 10 * MIN)).await
}

/// A stream still scheduled at `at`.
pub async fn scheduled_stream(db: &sqlx::AnyPool, shop: i64, slug: &str, at: i64) -> i64 {
    let made = NewStream::new(slug, "Later", &format!("pub-{shop}-{slug}"), at).minutes(30);
    fixtures::stream(db, shop, made).await
}

/// A product with one variant: (product, variant).
pub async fn product(
    db: &sqlx::AnyPool,
    shop: i64,
    slug: &str,
    title: &str,
    price: i64,
) -> (i64, i64) {
    let made = fixtures::product(db, shop, NewProduct::new(slug, title, price).stock(100)).await;
    (made.id, made.variant_id)
}

/// Where a visit came from: (referrer, utm_source, embedded).
pub type Source<'a> = (&'a str, &'a str, bool);
pub const DIRECT: Source = ("", "", false);

/// A visit of `viewer` from `from` to `to` (absolute times).
pub async fn visit(
    db: &sqlx::AnyPool,
    shop: i64,
    stream: i64,
    viewer: &str,
    from: i64,
    to: i64,
    source: Source<'_>,
) {
    let (referrer, utm, embedded) = source;
    let made = NewVisit::new(viewer, from, to).source(referrer, utm, embedded);
    fixtures::visit(db, shop, stream, made).await;
}

pub async fn pin(
    db: &sqlx::AnyPool,
    shop: i64,
    stream: i64,
    product: i64,
    from: i64,
    to: i64,
) -> i64 {
    fixtures::pin(db, shop, stream, NewPin::new(product, from).ended(to)).await
}

/// An order of `viewer` on `stream` at `at`, with one line (product, variant, quantity, price).
#[allow(clippy::too_many_arguments)]
pub async fn order(
    db: &sqlx::AnyPool,
    shop: i64,
    stream: i64,
    number: &str,
    viewer: &str,
    status: &str,
    refunded: i64,
    at: i64,
    pin: Option<i64>,
    line: (i64, i64, i64, i64),
) -> i64 {
    let (product, variant, quantity, price) = line;
    let paid = (status != "expired" && status != "pending").then_some(at);
    let placed = NewOrder::new(
        &format!("tok-{shop}-{number}"),
        number,
        status,
        quantity * price,
    )
    .refunded(refunded)
    .placed_in(viewer, stream, pin)
    .at(at, paid);
    let id = fixtures::order(db, shop, placed).await;
    let stock_state = if status == "expired" {
        "released"
    } else {
        "sold"
    };
    let line = NewLine {
        product,
        variant,
        quantity,
        unit_price: price,
        stock_state,
        pin,
        at,
    };
    fixtures::order_line(db, shop, id, line).await;
    id
}

/// Monday 4 Jan 2027, 09:00 in Paris (08:00Z).
pub const S1_START: i64 = 1_799_049_600_000;
/// Friday 8 Jan 2027, 19:00 in Paris.
pub const S2_START: i64 = 1_799_431_200_000;
/// Monday 11 Jan 2027, 09:30 in Paris.
pub const S3_START: i64 = 1_799_656_200_000;
/// Sunday 20 Dec 2026, 10:00 in Paris: outside January.
pub const OUT_START: i64 = 1_797_757_200_000;
/// The query of the fixture's range.
pub const JANUARY: &str = "range=custom&from=2027-01-01&to=2027-01-31";

pub struct Overview {
    pub owner: Browser,
    pub shop: i64,
    pub s1: i64,
    pub s2: i64,
    pub s3: i64,
    pub outside: i64,
}

/// Three streams in January 2027 (Europe/Paris, EUR), one in December, one scheduled.
/// Every figure is worked out in `reports_overview.rs`.
pub async fn overview(app: &TestApp, slug: &str) -> Overview {
    let (owner, shop) = shop(app, slug).await;
    let db = app.db();
    let (shirt, shirt_v) = product(db, shop, "linen-shirt", "Linen shirt", 4900).await;
    let (hat, hat_v) = product(db, shop, "straw-hat", "Straw hat", 2500).await;
    let s1 = ended_stream(db, shop, "monday", "Monday morning", S1_START).await;
    let s2 = ended_stream(db, shop, "friday", "Friday evening", S2_START).await;
    let s3 = ended_stream(db, shop, "monday-again", "Monday again", S3_START).await;
    let outside = ended_stream(db, shop, "december", "December", OUT_START).await;
    scheduled_stream(db, shop, "later", S3_START + 86_400_000).await;

    let newsletter: Source = ("https://mail.example/", "newsletter", false);
    let instagram: Source = ("https://www.instagram.com/p/1", "", false);
    let google: Source = ("https://google.com/search?q=hat", "", false);
    let embed: Source = ("https://merchant.example/live", "", true);
    // S1: a newsletter, b Instagram (back later from an ad: the first visit counts),
    // c embedded player, d direct.
    let t = S1_START;
    visit(db, shop, s1, "a", t, t + 5 * MIN, newsletter).await;
    visit(db, shop, s1, "b", t + MIN, t + 4 * MIN, instagram).await;
    visit(
        db,
        shop,
        s1,
        "b",
        t + 6 * MIN,
        t + 8 * MIN,
        ("", "ads", false),
    )
    .await;
    visit(db, shop, s1, "c", t + 2 * MIN, t + 9 * MIN, embed).await;
    visit(db, shop, s1, "d", t + 3 * MIN, t + 4 * MIN, DIRECT).await;
    let p1 = pin(db, shop, s1, shirt, t + MIN, t + 4 * MIN).await;
    let p2 = pin(db, shop, s1, hat, t + 4 * MIN, t + 8 * MIN).await;
    order(
        db,
        shop,
        s1,
        "O1",
        "a",
        "paid",
        0,
        t + 2 * MIN,
        Some(p1),
        (shirt, shirt_v, 2, 4900),
    )
    .await;
    order(
        db,
        shop,
        s1,
        "O2",
        "b",
        "paid",
        0,
        t + 5 * MIN,
        Some(p2),
        (hat, hat_v, 1, 2500),
    )
    .await;
    order(
        db,
        shop,
        s1,
        "O3",
        "c",
        "expired",
        0,
        t + 6 * MIN,
        Some(p2),
        (hat, hat_v, 1, 2500),
    )
    .await;
    // S2: e newsletter, f Instagram; f's shirt is partially refunded (€9), and a shopper
    // who never opened the live room buys a hat.
    let t = S2_START;
    visit(db, shop, s2, "e", t, t + 10 * MIN, newsletter).await;
    visit(db, shop, s2, "f", t + MIN, t + 3 * MIN, instagram).await;
    order(
        db,
        shop,
        s2,
        "O4",
        "f",
        "partially_refunded",
        900,
        t + 2 * MIN,
        None,
        (shirt, shirt_v, 1, 4900),
    )
    .await;
    order(
        db,
        shop,
        s2,
        "O5",
        "stranger",
        "paid",
        0,
        t + 3 * MIN,
        None,
        (hat, hat_v, 1, 2500),
    )
    .await;
    // S3: six viewers, g and h from Google, the rest direct; the shirt pinned, no sale.
    let t = S3_START;
    for (viewer, source) in [
        ("g", google),
        ("h", google),
        ("i", DIRECT),
        ("j", DIRECT),
        ("k", DIRECT),
        ("l", DIRECT),
    ] {
        visit(db, shop, s3, viewer, t, t + 5 * MIN, source).await;
    }
    pin(db, shop, s3, shirt, t, t + 5 * MIN).await;
    // December: a newsletter viewer buys for €100; none of it may show in January.
    let t = OUT_START;
    visit(db, shop, outside, "z", t, t + 5 * MIN, newsletter).await;
    order(
        db,
        shop,
        outside,
        "O6",
        "z",
        "paid",
        0,
        t + MIN,
        None,
        (shirt, shirt_v, 1, 10_000),
    )
    .await;
    Overview {
        owner,
        shop,
        s1,
        s2,
        s3,
        outside,
    }
}
