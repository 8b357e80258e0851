//! The hand-computed stream: rows inserted with SQL, each figure worked out in the
//! comments beside the rows that produce it.

use crate::fixtures::{
    self, NewEvent, NewLine, NewOrder, NewPin, NewProduct, NewQuestion, NewStream, NewVisit,
};
use crate::helpers::{Browser, TestApp, email};

/// 2027-01-15T08:00:00Z, 09:00 in the shop's zone (Europe/Paris, CET): the go-live.
const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;
const SEC: i64 = 1_000;

pub struct Fixture {
    /// Signed in as the shop's owner.
    pub owner: Browser,
    pub shop_id: i64,
    /// The ended ten-minute stream.
    pub stream_id: i64,
    /// A stream still scheduled next week.
    pub scheduled_id: i64,
}

async fn product(db: &sqlx::AnyPool, shop: i64, slug: &str, title: &str, price: i64) -> (i64, i64) {
    let made = NewProduct::new(slug, title, price).stock(100).at(T0);
    let p = fixtures::product(db, shop, made).await;
    (p.id, p.variant_id)
}

pub async fn fixture(app: &TestApp, slug: &str) -> Fixture {
    let owner = app.browser();
    owner.sign_up(slug, &email("owner")).await;
    let db = app.db();
    let shop = fixtures::shop_id(db, slug).await;
    let spring = NewStream::new("spring", "Spring demo", &format!("pub-{slug}"), T0).minutes(10);
    let stream = fixtures::stream(db, shop, spring.ended(T0, T0 + 10 * MIN)).await;
    let next_week = T0 + 7 * 24 * 60 * MIN;
    let summer = NewStream::new("summer", "Summer demo", &format!("pub2-{slug}"), next_week);
    let scheduled = fixtures::stream(db, shop, summer.minutes(30)).await;
    let (shirt, shirt_v) = product(db, shop, "linen-shirt", "Linen shirt", 4900).await;
    let (hat, hat_v) = product(db, shop, "straw-hat", "Straw hat", 2500).await;

    // Visits (minutes after go-live). The live window is [0, 10).
    //   v1 [-2, 4)   joined in the waiting room: clipped to [0, 4)           240 s
    //   v2 [1, 6)    dropped at 3:10, back at 3:20 inside the grace period:
    //                the live room kept ONE row                              300 s
    //   v3 [2, 5) and [7, 9): back after the grace period, two rows           300 s
    //   v4 [3, 12)   left after the end: clipped to [3, 10)                  420 s
    //   v5 [5, 8)                                                            180 s
    //   v6 [8:30, 9:30)                                                       60 s
    //   v7 [11, 12)  after the end: not a viewer of the live window
    // Unique viewers = 6 (v1..v6). Watch time = 1500 s; average 1500 / 6 = 250 s.
    // Concurrency: 0–1 →1, 1–2 →2, 2–3 →3, 3–4 →4 (v1 v2 v3 v4), at 4 v1 leaves →3,
    // at 5 v3 leaves as v5 joins →3, 6 →2, 7 →3, 8 →2, 8:30 →3, 9 →2, 9:30 →1.
    // Peak 4, first at 3:00 (09:03). Per-minute highest: 1 2 3 4 3 3 2 3 3 2.
    for (viewer, from, to) in [
        ("v1", -2 * MIN, 4 * MIN),
        ("v2", MIN, 6 * MIN),
        ("v3", 2 * MIN, 5 * MIN),
        ("v3", 7 * MIN, 9 * MIN),
        ("v4", 3 * MIN, 12 * MIN),
        ("v5", 5 * MIN, 8 * MIN),
        ("v6", 8 * MIN + 30 * SEC, 9 * MIN + 30 * SEC),
        ("v7", 11 * MIN, 12 * MIN),
    ] {
        fixtures::visit(db, shop, stream, NewVisit::new(viewer, T0 + from, T0 + to)).await;
    }
    // Pins: the shirt [1, 4) = 3 min, the hat [5, 9) = 4 min.
    let shirt_pin = NewPin::new(shirt, T0 + MIN).ended(T0 + 4 * MIN);
    let p1 = fixtures::pin(db, shop, stream, shirt_pin).await;
    let hat_pin = NewPin::new(hat, T0 + 5 * MIN).ended(T0 + 9 * MIN);
    let p2 = fixtures::pin(db, shop, stream, hat_pin).await;
    // Orders (first Buy time, pin open then):
    //   O1 v2 at 2:00 (shirt pinned): 2 × shirt €49 = €98, paid            kept
    //   O2 v4 at 6:00 (hat pinned): 1 × hat €25, paid then refunded in full  not kept
    //   O3 v5 at 7:00 (hat pinned): 1 × hat €25 + 1 × shirt €49 = €74, paid  kept
    //   O4 v6 at 9:00: 1 × hat, expired unpaid                               not kept
    // Orders = 2, units = 2 + 2 = 4, revenue = 98 + (25 − 25) + 74 = €172,
    // average order value = 172 / 2 = €86, refunds = 1 (€25).
    // Buying viewers = {v2, v5} = 2; conversion = 2 / 6 = 33.3 %.
    // Product table: shirt lines bought while the shirt was pinned in kept orders:
    // O1 only (O3's shirt was bought under the hat's pin) → 1 order, 2 units, €98;
    // hat under the hat's pin in kept orders: O3 → 1 order, 1 unit, €25.
    let orders = [
        (
            "O1",
            "v2",
            "paid",
            9800,
            0,
            2 * MIN,
            p1,
            vec![(shirt, shirt_v, 2, 4900)],
        ),
        (
            "O2",
            "v4",
            "refunded",
            2500,
            2500,
            6 * MIN,
            p2,
            vec![(hat, hat_v, 1, 2500)],
        ),
        (
            "O3",
            "v5",
            "paid",
            7400,
            0,
            7 * MIN,
            p2,
            vec![(hat, hat_v, 1, 2500), (shirt, shirt_v, 1, 4900)],
        ),
        (
            "O4",
            "v6",
            "expired",
            2500,
            0,
            9 * MIN,
            p2,
            vec![(hat, hat_v, 1, 2500)],
        ),
    ];
    for (number, viewer, status, total, refunded, at, pin_id, lines) in orders {
        let paid = (status != "expired").then_some(T0 + at + 30 * SEC);
        let placed = NewOrder::new(&format!("{slug}-{number}"), number, status, total)
            .refunded(refunded)
            .placed_in(viewer, stream, Some(pin_id))
            .at(T0 + at, paid);
        let order = fixtures::order(db, shop, placed).await;
        let state = if status == "expired" {
            "released"
        } else {
            "sold"
        };
        for (product, variant, quantity, price) in lines {
            let line = NewLine {
                product,
                variant,
                quantity,
                unit_price: price,
                stock_state: state,
                pin: Some(pin_id),
                at: T0 + at,
            };
            fixtures::order_line(db, shop, order, line).await;
        }
    }
    // Questions: Q1 v1 1:00 answered after 30 s (3 votes), Q2 v3 2:00 answered after
    // 90 s (5 votes), Q3 v1 3:50 unanswered (1 vote), Q4 v2 5:00 answered after 60 s.
    // Asked 4, answered 3, median of 30, 60, 90 s = 60 s.
    for (viewer, body, at, answered, votes) in [
        (
            "v1",
            "Is the shirt pre-washed?",
            MIN,
            Some(MIN + 30 * SEC),
            3,
        ),
        (
            "v3",
            "What sizes are left?",
            2 * MIN,
            Some(3 * MIN + 30 * SEC),
            5,
        ),
        ("v1", "Do you ship to Norway?", 3 * MIN + 50 * SEC, None, 1),
        ("v2", "Is the hat packable?", 5 * MIN, Some(6 * MIN), 0),
    ] {
        let asked = NewQuestion {
            viewer,
            body,
            votes,
            asked_at: T0 + at,
            answered_at: answered.map(|a| T0 + a),
        };
        fixtures::question(db, shop, stream, asked).await;
    }
    // Chat: v4 and v1 (v1 also asked); v7 chatted but is not a viewer of the window.
    // Engaged = askers {v1, v2, v3} ∪ chatters {v4, v1} = 4; 4 / 6 = 66.7 %.
    for (viewer, at) in [("v4", 4 * MIN), ("v1", 2 * MIN), ("v7", 11 * MIN)] {
        fixtures::chat_message(db, shop, stream, viewer, T0 + at).await;
    }
    // Reactions: 12 at 3:10, 5 at 7:20, 40 after the end (outside the window).
    for (at, count) in [
        (3 * MIN + 10 * SEC, 12),
        (7 * MIN + 20 * SEC, 5),
        (11 * MIN, 40),
    ] {
        fixtures::reaction_tick(db, shop, stream, T0 + at, count).await;
    }
    // Product events (as reports::capture writes them), pins p1 = shirt, p2 = hat:
    //   impressions p1: v1, v2 (twice: one counts), v3, v4 → shirt 4
    //   impressions p2: v2, v4, v5, and v7 (not a viewer of the window) → hat 4
    //   clicks p1: v2 (twice), v4 → shirt 2, CTR 2 / 4 = 50.0 %; p2: v5 → hat 1, 25.0 %
    //   Buy taps: v2 shirt under p1; v4, v5, v6 hat under p2
    //   checkouts: O1 v2 shirt/p1; O2 v4 hat/p2; O3 v5 hat/p2 and shirt/p2 (the shirt
    //   bought under the hat's pin counts for neither product) → shirt 1, hat 2
    // Funnel: viewers 6 → clicked {v2, v4, v5} 3 → started checkout {v2, v4, v5} 3 → paid 2.
    for (kind, viewer, product, pin, at) in [
        ("impression", "v1", shirt, p1, MIN + 5 * SEC),
        ("impression", "v2", shirt, p1, MIN + 6 * SEC),
        ("impression", "v2", shirt, p1, MIN + 50 * SEC),
        ("impression", "v3", shirt, p1, 2 * MIN + 5 * SEC),
        ("impression", "v4", shirt, p1, 3 * MIN + 5 * SEC),
        ("click", "v2", shirt, p1, MIN + 20 * SEC),
        ("click", "v2", shirt, p1, MIN + 40 * SEC),
        ("click", "v4", shirt, p1, 3 * MIN + 20 * SEC),
        ("buy", "v2", shirt, p1, 2 * MIN),
        ("checkout", "v2", shirt, p1, 2 * MIN + 10 * SEC),
        ("impression", "v2", hat, p2, 5 * MIN + 5 * SEC),
        ("impression", "v4", hat, p2, 5 * MIN + 5 * SEC),
        ("impression", "v5", hat, p2, 5 * MIN + 6 * SEC),
        ("impression", "v7", hat, p2, 8 * MIN),
        ("click", "v5", hat, p2, 6 * MIN + 50 * SEC),
        ("buy", "v4", hat, p2, 6 * MIN),
        ("buy", "v5", hat, p2, 7 * MIN),
        ("buy", "v6", hat, p2, 9 * MIN),
        ("checkout", "v4", hat, p2, 6 * MIN + 10 * SEC),
        ("checkout", "v5", hat, p2, 7 * MIN + 10 * SEC),
        ("checkout", "v5", shirt, p2, 7 * MIN + 10 * SEC),
    ] {
        let event = NewEvent {
            kind,
            viewer,
            product,
            pin,
            at: T0 + at,
        };
        fixtures::report_event(db, shop, stream, event).await;
    }
    Fixture {
        owner,
        shop_id: shop,
        stream_id: stream,
        scheduled_id: scheduled,
    }
}
