//! One set of test fixtures for every test binary and bench: the rows a test needs that
//! are not what it tests (a shop's id, a product with stock, a stream in a given phase, a
//! pin with an offer, an order with its lines, and the recorded facts reports read).
//!
//! Tests that are *about* a flow go through the app over HTTP; everything else arranges its
//! rows here, so a schema change is mended in one file instead of in every test. Each
//! builder has the defaults most tests want (EUR, active, created at 0) and a method per
//! field a test varies. Included with `#[path]` by tests/api, tests/media and the benches.
#![allow(dead_code)]

use sqlx::AnyPool;

/// The shop's id by its slug (sign-up over HTTP creates the shop; this finds it).
pub async fn shop_id(db: &AnyPool, slug: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM shops WHERE slug = $1")
        .bind(slug)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("no shop {slug}: {e}"))
}

/// A catalogue product; with [`NewProduct::stock`], also its one variant and the
/// `initial` ledger row that makes the stock invariant hold.
#[derive(Debug, Clone)]
pub struct NewProduct {
    slug: String,
    title: String,
    price: i64,
    currency: String,
    status: String,
    stock: Option<i64>,
    ledger: bool,
    at: i64,
}

/// What [`product`] made.
#[derive(Debug, Clone, Copy)]
pub struct Product {
    pub id: i64,
    /// The one variant, when the product was made with stock.
    pub variant_id: i64,
}

impl NewProduct {
    pub fn new(slug: &str, title: &str, price: i64) -> NewProduct {
        NewProduct {
            slug: slug.to_string(),
            title: title.to_string(),
            price,
            currency: "EUR".into(),
            status: "active".into(),
            stock: None,
            ledger: false,
            at: 0,
        }
    }

    pub fn currency(mut self, currency: &str) -> Self {
        self.currency = currency.into();
        self
    }

    pub fn status(mut self, status: &str) -> Self {
        self.status = status.into();
        self
    }

    /// One variant with `units` in stock, without a ledger row (reports and room tests).
    pub fn stock(mut self, units: i64) -> Self {
        self.stock = Some(units);
        self
    }

    /// One variant with `units` in stock and its `initial` ledger row (orders tests, whose
    /// invariant reads the ledger).
    pub fn stock_with_ledger(mut self, units: i64) -> Self {
        self.stock = Some(units);
        self.ledger = true;
        self
    }

    /// Created and updated at `ms`.
    pub fn at(mut self, ms: i64) -> Self {
        self.at = ms;
        self
    }
}

pub async fn product(db: &AnyPool, shop: i64, p: NewProduct) -> Product {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO products (shop_id, slug, title, price, currency, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(shop)
    .bind(&p.slug)
    .bind(&p.title)
    .bind(p.price)
    .bind(&p.currency)
    .bind(&p.status)
    .bind(p.at)
    .fetch_one(db)
    .await
    .unwrap_or_else(|e| panic!("product {}: {e}", p.slug));
    let Some(units) = p.stock else {
        return Product { id, variant_id: 0 };
    };
    let variant_id: i64 = sqlx::query_scalar(
        "INSERT INTO variants (product_id, shop_id, position, title, stock, created_at, updated_at) \
         VALUES ($1, $2, 0, '', $3, $4, $4) RETURNING id",
    )
    .bind(id)
    .bind(shop)
    .bind(units)
    .bind(p.at)
    .fetch_one(db)
    .await
    .expect("variant");
    if p.ledger {
        sqlx::query(
            "INSERT INTO inventory_ledger (shop_id, product_id, variant_id, delta, stock_after, reason, created_at) \
             VALUES ($1, $2, $3, $4, $4, 'initial', $5)",
        )
        .bind(shop)
        .bind(id)
        .bind(variant_id)
        .bind(units)
        .bind(p.at)
        .execute(db)
        .await
        .expect("ledger row");
    }
    Product { id, variant_id }
}

/// Where a stream is in its lifecycle.
#[derive(Debug, Clone, Copy)]
pub enum Phase {
    Scheduled,
    Live { started_at: i64 },
    Ended { started_at: i64, ended_at: i64 },
}

/// A stream row in a given phase (tests of the lifecycle itself go through the app).
#[derive(Debug, Clone)]
pub struct NewStream {
    slug: String,
    title: String,
    public_id: String,
    scheduled_at: i64,
    duration_min: i64,
    phase: Phase,
}

impl NewStream {
    /// `public_id` must be unique across the database (shops share the table).
    pub fn new(slug: &str, title: &str, public_id: &str, scheduled_at: i64) -> NewStream {
        NewStream {
            slug: slug.into(),
            title: title.into(),
            public_id: public_id.into(),
            scheduled_at,
            duration_min: 60,
            phase: Phase::Scheduled,
        }
    }

    pub fn minutes(mut self, duration_min: i64) -> Self {
        self.duration_min = duration_min;
        self
    }

    pub fn live_since(mut self, started_at: i64) -> Self {
        self.phase = Phase::Live { started_at };
        self
    }

    pub fn ended(mut self, started_at: i64, ended_at: i64) -> Self {
        self.phase = Phase::Ended {
            started_at,
            ended_at,
        };
        self
    }
}

pub async fn stream(db: &AnyPool, shop: i64, s: NewStream) -> i64 {
    let (status, started, ended) = match s.phase {
        Phase::Scheduled => ("scheduled", None, None),
        Phase::Live { started_at } => ("live", Some(started_at), None),
        Phase::Ended {
            started_at,
            ended_at,
        } => ("ended", Some(started_at), Some(ended_at)),
    };
    sqlx::query_scalar(
        "INSERT INTO streams (shop_id, public_id, slug, title, scheduled_at, duration_min, status, \
         started_at, ended_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5, $5) RETURNING id",
    )
    .bind(shop)
    .bind(&s.public_id)
    .bind(&s.slug)
    .bind(&s.title)
    .bind(s.scheduled_at)
    .bind(s.duration_min)
    .bind(status)
    .bind(started)
    .bind(ended)
    .fetch_one(db)
    .await
    .unwrap_or_else(|e| panic!("stream {}: {e}", s.slug))
}

/// Feature `product` in `stream` at `position`.
pub async fn feature(db: &AnyPool, shop: i64, stream: i64, product: i64, position: i64) {
    sqlx::query(
        "INSERT INTO stream_products (stream_id, shop_id, product_id, position) VALUES ($1, $2, $3, $4)",
    )
    .bind(stream)
    .bind(shop)
    .bind(product)
    .bind(position)
    .execute(db)
    .await
    .expect("featured product");
}

/// A pin of a product in a stream, open or closed, with or without a live offer.
#[derive(Debug, Clone, Default)]
pub struct NewPin {
    product: i64,
    started_at: i64,
    ended_at: Option<i64>,
    offer_price: Option<i64>,
    offer_currency: Option<String>,
    offer_ends_at: Option<i64>,
    offer_unit_limit: Option<i64>,
}

impl NewPin {
    pub fn new(product: i64, started_at: i64) -> NewPin {
        NewPin {
            product,
            started_at,
            ..NewPin::default()
        }
    }

    pub fn ended(mut self, at: i64) -> Self {
        self.ended_at = Some(at);
        self
    }

    /// A live offer at `price` minor units of `currency`.
    pub fn offer(mut self, price: i64, currency: &str) -> Self {
        self.offer_price = Some(price);
        self.offer_currency = Some(currency.into());
        self
    }

    pub fn offer_until(mut self, at: i64) -> Self {
        self.offer_ends_at = Some(at);
        self
    }

    pub fn offer_units(mut self, units: i64) -> Self {
        self.offer_unit_limit = Some(units);
        self
    }
}

pub async fn pin(db: &AnyPool, shop: i64, stream: i64, p: NewPin) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO pins (shop_id, stream_id, product_id, started_at, ended_at, offer_price, \
         offer_currency, offer_ends_at, offer_unit_limit) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(shop)
    .bind(stream)
    .bind(p.product)
    .bind(p.started_at)
    .bind(p.ended_at)
    .bind(p.offer_price)
    .bind(p.offer_currency)
    .bind(p.offer_ends_at)
    .bind(p.offer_unit_limit)
    .fetch_one(db)
    .await
    .expect("pin")
}

/// An order as checkout leaves it (attributed to a stream and pin), in EUR.
#[derive(Debug, Clone)]
pub struct NewOrder {
    token: String,
    number: String,
    status: String,
    total: i64,
    refunded: i64,
    viewer: String,
    stream: i64,
    pin: Option<i64>,
    at: i64,
    paid_at: Option<i64>,
}

impl NewOrder {
    /// `token` and `number` must be unique (orders of every shop share the table).
    pub fn new(token: &str, number: &str, status: &str, total: i64) -> NewOrder {
        NewOrder {
            token: token.into(),
            number: number.into(),
            status: status.into(),
            total,
            refunded: 0,
            viewer: String::new(),
            stream: 0,
            pin: None,
            at: 0,
            paid_at: None,
        }
    }

    pub fn refunded(mut self, amount: i64) -> Self {
        self.refunded = amount;
        self
    }

    /// Placed by `viewer` in `stream`, under `pin` when there was one.
    pub fn placed_in(mut self, viewer: &str, stream: i64, pin: Option<i64>) -> Self {
        self.viewer = viewer.into();
        self.stream = stream;
        self.pin = pin;
        self
    }

    /// Created at `at` (and reserved until then), paid at `paid_at`.
    pub fn at(mut self, at: i64, paid_at: Option<i64>) -> Self {
        self.at = at;
        self.paid_at = paid_at;
        self
    }
}

pub async fn order(db: &AnyPool, shop: i64, o: NewOrder) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO orders (shop_id, token, number, status, currency, total, refunded_amount, \
         viewer_id, stream_id, pin_id, expires_at, created_at, paid_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'EUR', $5, $6, $7, $8, $9, $10, $10, $11, $10) RETURNING id",
    )
    .bind(shop)
    .bind(&o.token)
    .bind(&o.number)
    .bind(&o.status)
    .bind(o.total)
    .bind(o.refunded)
    .bind(&o.viewer)
    .bind(o.stream)
    .bind(o.pin)
    .bind(o.at)
    .bind(o.paid_at)
    .fetch_one(db)
    .await
    .unwrap_or_else(|e| panic!("order {}: {e}", o.number))
}

/// One line of an order: `quantity` × `unit_price` EUR of a tracked variant.
#[derive(Debug, Clone, Copy)]
pub struct NewLine<'a> {
    pub product: i64,
    pub variant: i64,
    pub quantity: i64,
    pub unit_price: i64,
    /// `held`, `sold` or `released`.
    pub stock_state: &'a str,
    pub pin: Option<i64>,
    pub at: i64,
}

pub async fn order_line(db: &AnyPool, shop: i64, order: i64, l: NewLine<'_>) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO order_lines (shop_id, order_id, product_id, variant_id, title, variant_title, \
         quantity, unit_price, currency, stock_state, tracked, pin_id, created_at) \
         VALUES ($1, $2, $3, $4, 'x', '', $5, $6, 'EUR', $7, TRUE, $8, $9) RETURNING id",
    )
    .bind(shop)
    .bind(order)
    .bind(l.product)
    .bind(l.variant)
    .bind(l.quantity)
    .bind(l.unit_price)
    .bind(l.stock_state)
    .bind(l.pin)
    .bind(l.at)
    .fetch_one(db)
    .await
    .expect("order line")
}

/// A viewer's visit to a stream, with where they came from.
#[derive(Debug, Clone, Default)]
pub struct NewVisit {
    viewer: String,
    joined_at: i64,
    left_at: Option<i64>,
    /// Empty for a direct visit, as the room records it.
    referrer: String,
    utm_source: String,
    embedded: bool,
}

impl NewVisit {
    pub fn new(viewer: &str, joined_at: i64, left_at: i64) -> NewVisit {
        NewVisit {
            viewer: viewer.into(),
            joined_at,
            left_at: Some(left_at),
            ..NewVisit::default()
        }
    }

    pub fn source(mut self, referrer: &str, utm_source: &str, embedded: bool) -> Self {
        self.referrer = referrer.into();
        self.utm_source = utm_source.into();
        self.embedded = embedded;
        self
    }
}

pub async fn visit(db: &AnyPool, shop: i64, stream: i64, v: NewVisit) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO viewer_sessions (shop_id, stream_id, viewer_id, joined_at, left_at, referrer, \
         utm_source, embedded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(shop)
    .bind(stream)
    .bind(&v.viewer)
    .bind(v.joined_at)
    .bind(v.left_at)
    .bind(v.referrer)
    .bind(v.utm_source)
    .bind(v.embedded)
    .fetch_one(db)
    .await
    .expect("visit")
}

/// A visible question by "Ann", answered at `answered_at` when given.
#[derive(Debug, Clone, Copy)]
pub struct NewQuestion<'a> {
    pub viewer: &'a str,
    pub body: &'a str,
    pub votes: i64,
    pub asked_at: i64,
    pub answered_at: Option<i64>,
}

pub async fn question(db: &AnyPool, shop: i64, stream: i64, q: NewQuestion<'_>) -> i64 {
    let NewQuestion {
        viewer,
        body,
        votes,
        asked_at,
        answered_at,
    } = q;
    sqlx::query_scalar(
        "INSERT INTO questions (shop_id, stream_id, viewer_id, display_name, body, status, votes, \
         created_at, answered_at) VALUES ($1, $2, $3, 'Ann', $4, 'visible', $5, $6, $7) RETURNING id",
    )
    .bind(shop)
    .bind(stream)
    .bind(viewer)
    .bind(body)
    .bind(votes)
    .bind(asked_at)
    .bind(answered_at)
    .fetch_one(db)
    .await
    .expect("question")
}

/// A chat line "hi" by "Ann".
pub async fn chat_message(db: &AnyPool, shop: i64, stream: i64, viewer: &str, at: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO chat_messages (shop_id, stream_id, viewer_id, display_name, body, created_at) \
         VALUES ($1, $2, $3, 'Ann', 'hi', $4) RETURNING id",
    )
    .bind(shop)
    .bind(stream)
    .bind(viewer)
    .bind(at)
    .fetch_one(db)
    .await
    .expect("chat message")
}

/// `count` reactions recorded by the room's tick at `at`.
pub async fn reaction_tick(db: &AnyPool, shop: i64, stream: i64, at: i64, count: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO reaction_ticks (shop_id, stream_id, at, count) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(shop)
    .bind(stream)
    .bind(at)
    .bind(count)
    .fetch_one(db)
    .await
    .expect("reaction tick")
}

/// A product event as reports' capture writes it (`impression`, `click`, `buy`, `checkout`).
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub viewer: &'a str,
    pub product: i64,
    pub pin: i64,
    pub at: i64,
}

pub async fn report_event(db: &AnyPool, shop: i64, stream: i64, e: NewEvent<'_>) -> i64 {
    let NewEvent {
        kind,
        viewer,
        product,
        pin,
        at,
    } = e;
    sqlx::query_scalar(
        "INSERT INTO report_events (shop_id, stream_id, kind, viewer_id, product_id, pin_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(shop)
    .bind(stream)
    .bind(kind)
    .bind(viewer)
    .bind(product)
    .bind(pin)
    .bind(at)
    .fetch_one(db)
    .await
    .expect("report event")
}
