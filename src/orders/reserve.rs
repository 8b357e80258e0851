//! Buy, first half: read and check everything outside any transaction (the variant and
//! its shop, the stream's products, the pinned live offer, the price the page showed, the
//! cart's size, and whether the units are there at all), priced on the server. What is
//! left is a `Job` for the variant's batcher (`batch`), which takes the units with
//! conditional UPDATEs (never read-then-write) in a transaction it shares with the other
//! Buys of that moment (`write`).
//!
//! The stock read here only refuses early: a read that shows too few units is a true
//! answer at that instant (the same answer a later UPDATE would give had the request
//! arrived then), and the shopper is told "sold out" without a write transaction. A read
//! that shows enough units proves nothing; the UPDATE decides.

use super::Orders;
use super::domain::{self, MAX_ORDER_UNITS};
use super::hint::{Observation, OfferRefused};
use super::store::{self, Order};
use crate::db::{Db, now_ms};
use crate::live::store::LiveStream;
use crate::money::Money;

/// What the shopper asked for; price and currency are what their page showed, if sent.
pub struct BuyRequest<'a> {
    pub stream: &'a LiveStream,
    pub viewer_id: &'a str,
    pub variant_id: i64,
    pub quantity: i64,
    /// The shopper's cart (their pending order of this stream still open to lines), if any.
    pub cart: Option<Order>,
    pub shown_price: Option<i64>,
    pub shown_currency: Option<String>,
    /// The pin whose live offer the shopper saw.
    pub offer_pin: Option<i64>,
    /// The shopper confirmed the regular price after being told the offer ended.
    pub accept_regular: bool,
    pub reservation_ms: i64,
}

/// Why a Buy took nothing.
#[derive(Debug)]
pub enum Refusal {
    /// Not enough units; `left` is how many there are, when known.
    SoldOut {
        message: String,
        left: Option<i64>,
    },
    /// More than one order may hold; `left` is how many more it can take.
    TooMany {
        message: String,
        left: i64,
    },
    /// The live offer the shopper saw has ended: `price` (the regular one) is offered
    /// instead, bought by the same Buy with `accept_regular`.
    OfferEnded {
        message: String,
        price: Money,
    },
    /// The product is not sold in this stream.
    NotFound(String),
    Invalid(String),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::Database(e)
    }
}

/// The answer when the variant's stock cannot cover `quantity` (how many are left is
/// known only when one was asked for: none).
pub fn sold_out(quantity: i64) -> Refusal {
    if quantity > 1 {
        Refusal::SoldOut {
            message: format!("Sold out: fewer than {quantity} are left."),
            left: None,
        }
    } else {
        Refusal::SoldOut {
            message: "Sold out: every unit is sold or held in another shopper's checkout.".into(),
            left: Some(0),
        }
    }
}

/// The answer when the stock read showed `left` units, fewer than asked.
fn too_few(left: i64) -> Refusal {
    if left <= 0 {
        return sold_out(1);
    }
    Refusal::SoldOut {
        message: format!("Only {left} left: choose {left} or fewer."),
        left: Some(left),
    }
}

/// The answer when the live offer the shopper saw has ended (sold its units, ran out of
/// time, or another pin replaced it): the regular price, offered in one step.
pub fn offer_ended(regular: Money) -> Refusal {
    Refusal::OfferEnded {
        message: format!("The offer just ended; buy at {regular}?"),
        price: regular,
    }
}

/// The result of a Buy: the order (new or the cart) now holding the units.
pub struct Bought {
    pub order_id: i64,
    pub token: String,
    pub number: String,
    pub unit_price: Money,
    pub quantity: i64,
    /// The order's total with this Buy.
    pub total: Money,
    pub title: String,
    pub new_order: bool,
}

impl Bought {
    /// `job` written into order `order_id`, whose total is now `total` (minor units of
    /// the job's currency).
    pub fn of(job: &Job, order_id: i64, total: i64, new_order: bool) -> Bought {
        Bought {
            order_id,
            token: job.token.clone(),
            number: job.number.clone(),
            unit_price: job.unit_price.clone(),
            quantity: job.quantity,
            total: Money::new(total, &*job.unit_price.currency),
            title: job.product_title.clone(),
            new_order,
        }
    }
}

/// A checked, priced Buy waiting for its write.
pub struct Job {
    pub shop_id: i64,
    pub stream_id: i64,
    pub stream_started_at: Option<i64>,
    /// The stream's public address, for the sold-out hint.
    pub shop_slug: String,
    pub stream_slug: String,
    pub viewer_id: String,
    pub variant_id: i64,
    pub quantity: i64,
    pub product_id: i64,
    pub product_title: String,
    pub variant_title: String,
    /// The price of one unit (the live offer's while it is open), in the shop's currency.
    pub unit_price: Money,
    /// The live offer whose units this Buy takes.
    pub offer_pin: Option<i64>,
    /// The regular price of one unit, offered if the offer's units run out at the write.
    pub regular_price: i64,
    /// The pin open at Buy (attribution).
    pub current_pin: Option<i64>,
    pub stripe_price: Option<String>,
    pub tracked: bool,
    /// The cart to grow (id), or None for a new order.
    pub cart: Option<i64>,
    pub number: String,
    pub token: String,
    pub reservation_ms: i64,
    /// Taken before the stock read, so a refusal can be remembered (`hint`).
    pub seen: Observation,
}

pub async fn prepare(db: &Db, orders: &Orders, req: BuyRequest<'_>) -> Result<Job, Refusal> {
    let hints = &orders.hints;
    let shop_id = req.stream.shop_id;
    // Shared with the Buys of the same variant asking meanwhile (`flight`). The hint's
    // observation is taken by whoever reads, before the read, as `hint` requires.
    let key = (req.variant_id, shop_id, req.stream.id);
    let (seen, item): (Observation, Option<store::Buyable>) = orders
        .items
        .run(key, || async {
            let seen = hints.observe();
            let item = store::buyable(&db.pool, shop_id, req.stream.id, req.variant_id).await?;
            Ok((seen, item))
        })
        .await?;
    let Some(item) = item.filter(|i| i.for_sale) else {
        return Err(Refusal::Invalid("This item is not for sale.".into()));
    };
    if item.in_stream == 0 {
        return Err(Refusal::NotFound(
            "This product is not part of this stream.".into(),
        ));
    }
    let now = now_ms();
    let regular = Money::new(item.price, &*item.currency);
    let pin = item.open_pin(req.stream.id);
    // The open pin's offer, if it is for this product and can cover this Buy now.
    let offer = pin
        .as_ref()
        .filter(|p| p.product_id == item.product_id)
        .and_then(|p| p.offer().map(|o| (p.id, o)))
        .filter(|(_, o)| o.currency == item.currency)
        .filter(|(_, o)| o.check(now, req.quantity).is_ok());
    // The shopper saw an offer that is not open any more (sold, timed out, or a stale
    // pin id): the regular price is offered, and bought once they confirm it.
    if let Some(wanted) = req.offer_pin
        && offer.as_ref().map(|(id, _)| *id) != Some(wanted)
        && !req.accept_regular
    {
        // Remembered only for this stream's open pin (its offer gone or too short for
        // this Buy), never for a pin id the read did not show: that one may be a pin
        // about to open.
        if pin.as_ref().is_some_and(|p| p.id == wanted) {
            let refused = OfferRefused {
                shop: &req.stream.shop_slug,
                stream: &req.stream.slug,
                pin: wanted,
                variant_id: req.variant_id,
                quantity: req.quantity,
                regular: regular.clone(),
            };
            hints.remember_offer(seen, refused);
        }
        return Err(offer_ended(regular));
    }
    let offer = offer.filter(|(id, _)| req.offer_pin.is_none_or(|w| w == *id));
    let unit_price = offer.as_ref().map_or(item.price, |(_, o)| o.price);
    if req
        .shown_currency
        .as_deref()
        .is_some_and(|c| !c.eq_ignore_ascii_case(&item.currency))
    {
        return Err(Refusal::Invalid(format!(
            "This shop sells in {}; nothing was reserved.",
            item.currency
        )));
    }
    if req.shown_price.is_some_and(|p| p != unit_price) {
        return Err(Refusal::Invalid(format!(
            "The price is {}, not what your page showed; reload and try again. Nothing was reserved.",
            Money::new(unit_price, &*item.currency)
        )));
    }
    let tracked = !item.unlimited;
    if tracked && item.stock < req.quantity {
        hints.remember(
            seen,
            &req.stream.shop_slug,
            &req.stream.slug,
            req.variant_id,
            item.stock.max(0),
        );
        return Err(too_few(item.stock));
    }
    let cart = req
        .cart
        .filter(|o| o.provider.is_none() && o.currency() == item.currency && o.expires_at > now);
    if let Some(cart) = &cart {
        let units = store::line::units(&db.pool, shop_id, cart.id).await?;
        if units + req.quantity > MAX_ORDER_UNITS {
            return Err(Refusal::TooMany {
                message: format!(
                    "One order holds up to {MAX_ORDER_UNITS} items; pay for this one first."
                ),
                left: (MAX_ORDER_UNITS - units).max(0),
            });
        }
    }
    let (number, token) = match &cart {
        Some(c) => (c.number.clone(), c.token.clone()),
        None => (domain::new_number(), crate::auth::tokens::random_token()),
    };
    let stripe_price = item
        .stripe_price_id
        .filter(|_| offer.is_none())
        .filter(|_| item.stripe_price_amount == Some(unit_price))
        .filter(|_| item.stripe_price_currency.as_deref() == Some(item.currency.as_str()));
    Ok(Job {
        shop_id,
        stream_id: req.stream.id,
        stream_started_at: req.stream.started_at,
        shop_slug: req.stream.shop_slug.clone(),
        stream_slug: req.stream.slug.clone(),
        viewer_id: req.viewer_id.to_string(),
        variant_id: req.variant_id,
        quantity: req.quantity,
        product_id: item.product_id,
        product_title: item.product_title,
        variant_title: item.variant_title,
        unit_price: Money::new(unit_price, item.currency),
        offer_pin: offer.as_ref().map(|(id, _)| *id),
        regular_price: item.price,
        current_pin: pin.as_ref().map(|p| p.id),
        stripe_price,
        tracked,
        cart: cart.as_ref().map(|c| c.id),
        number,
        token,
        reservation_ms: req.reservation_ms,
        seen,
    })
}
