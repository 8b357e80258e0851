//! Buy: price the variant on the server (catalogue price, or the pinned live offer),
//! then in one transaction take the offer units and the stock (conditional UPDATEs,
//! never read-then-write) and write the order line. Every statement inside the
//! transaction writes, so on SQLite it takes the write lock at once and waits its
//! turn instead of failing a lock upgrade.

use sqlx::FromRow;

use super::domain::{self, MAX_ORDER_UNITS};
use super::store::{self, Actor, Order};
use crate::catalog::inventory::{self, Change, Reason};
use crate::catalog::money;
use crate::db::{Db, now_ms};
use crate::live::store::LiveStream;
use crate::live::store::pins;

/// What the shopper asked for; price and currency are what their page showed, if sent.
pub struct BuyRequest<'a> {
    pub stream: &'a LiveStream,
    pub viewer_id: &'a str,
    pub variant_id: i64,
    pub quantity: i64,
    /// The shopper's open cart (a pending order of this stream), if any.
    pub cart: Option<Order>,
    pub shown_price: Option<i64>,
    pub shown_currency: Option<String>,
    /// The pin whose live offer the shopper saw.
    pub offer_pin: Option<i64>,
    pub reservation_ms: i64,
}

/// Why a Buy took nothing.
#[derive(Debug)]
pub enum Refusal {
    SoldOut(String),
    Invalid(String),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::Database(e)
    }
}

#[derive(FromRow)]
struct Buyable {
    product_id: i64,
    product_title: String,
    variant_title: String,
    price: i64,
    currency: String,
    status: String,
    unlimited: i64,
    stripe_price_id: Option<String>,
    stripe_price_amount: Option<i64>,
    stripe_price_currency: Option<String>,
    in_stream: i64,
}

/// The result of a Buy: the order (new or the cart) now holding the units.
pub struct Bought {
    pub order_id: i64,
    pub token: String,
    pub number: String,
    pub unit_price: i64,
    pub currency: String,
    pub quantity: i64,
    pub title: String,
    pub new_order: bool,
}

pub async fn buy(db: &Db, req: BuyRequest<'_>) -> Result<Bought, Refusal> {
    let shop_id = req.stream.shop_id;
    let item: Option<Buyable> = sqlx::query_as(
        "SELECT v.product_id, p.title AS product_title, v.title AS variant_title, \
         COALESCE(v.price_override, p.price) AS price, p.currency, p.status, \
         CAST(CASE WHEN v.unlimited THEN 1 ELSE 0 END AS BIGINT) AS unlimited, \
         v.stripe_price_id, v.stripe_price_amount, v.stripe_price_currency, \
         (SELECT COUNT(*) FROM stream_products sp WHERE sp.stream_id = $3 AND sp.product_id = p.id) \
         + (SELECT COUNT(*) FROM pins pn WHERE pn.stream_id = $3 AND pn.product_id = p.id) AS in_stream \
         FROM variants v JOIN products p ON p.id = v.product_id \
         WHERE v.id = $1 AND v.shop_id = $2 AND v.removed_at IS NULL",
    )
    .bind(req.variant_id)
    .bind(shop_id)
    .bind(req.stream.id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(item) = item.filter(|i| i.status == "active") else {
        return Err(Refusal::Invalid("This item is not for sale.".into()));
    };
    if item.in_stream == 0 {
        return Err(Refusal::Invalid(
            "This product is not part of this stream.".into(),
        ));
    }
    let now = now_ms();
    let pin = pins::open_pin(&db.pool, req.stream.id).await?;
    let offer = pin
        .as_ref()
        .filter(|p| p.product_id == item.product_id)
        .and_then(|p| p.offer().map(|o| (p.id, o)))
        .filter(|(_, o)| o.currency == item.currency);
    let offer_open = offer
        .as_ref()
        .is_some_and(|(_, o)| o.ends_at.is_none_or(|end| now < end));
    if let Some(wanted) = req.offer_pin
        && (!offer_open || offer.as_ref().map(|(id, _)| *id) != Some(wanted))
    {
        return Err(Refusal::Invalid(format!(
            "The live offer has ended; the price is now {}. Nothing was reserved.",
            money::format(item.price, &item.currency)
        )));
    }
    let offer = offer.filter(|_| offer_open);
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
            money::format(unit_price, &item.currency)
        )));
    }
    let cart = req
        .cart
        .filter(|o| o.provider.is_none() && o.currency == item.currency && o.expires_at > now);
    if let Some(cart) = &cart {
        let units: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM order_lines WHERE order_id = $1 AND shop_id = $2",
        )
        .bind(cart.id)
        .bind(shop_id)
        .fetch_one(&db.pool)
        .await?;
        if units + req.quantity > MAX_ORDER_UNITS {
            return Err(Refusal::Invalid(format!(
                "One order holds up to {MAX_ORDER_UNITS} items; pay for this one first."
            )));
        }
    }
    let (number, token) = match &cart {
        Some(c) => (c.number.clone(), c.token.clone()),
        None => (domain::new_number(), crate::auth::tokens::random_token()),
    };
    let reference = format!("order:{number}");
    let tracked = item.unlimited == 0;

    let mut tx = db.pool.begin().await?;
    if let Some((pin_id, _)) = &offer
        && !pins::take_offer_units(&mut *tx, *pin_id, req.quantity, now).await?
    {
        return Err(Refusal::SoldOut(
            "The live offer just sold out. Nothing was reserved; the regular price applies now."
                .into(),
        ));
    }
    if tracked {
        let change = Change {
            shop_id,
            variant_id: req.variant_id,
            delta: -req.quantity,
            reason: Reason::Reservation,
            note: "",
            reference: Some(&reference),
            user_id: None,
        };
        if inventory::record(&mut tx, &change).await?.is_none() {
            return Err(Refusal::SoldOut(if req.quantity > 1 {
                format!("Sold out: fewer than {} are left.", req.quantity)
            } else {
                "Sold out: every unit is sold or held in another shopper's checkout.".into()
            }));
        }
    }
    let amount = domain::line_total(unit_price, req.quantity);
    let order_id = match &cart {
        Some(c) => {
            let grown = sqlx::query(
                "UPDATE orders SET total = total + $1, updated_at = $2 WHERE id = $3 AND shop_id = $4 \
                 AND status = 'pending' AND provider IS NULL",
            )
            .bind(amount)
            .bind(now)
            .bind(c.id)
            .bind(shop_id)
            .execute(&mut *tx)
            .await?;
            if grown.rows_affected() != 1 {
                return Err(Refusal::Invalid(
                    "Your checkout has moved on; tap Buy again to start a new order.".into(),
                ));
            }
            c.id
        }
        None => {
            let pin_id = pin.as_ref().map(|p| p.id);
            let offset = req.stream.started_at.map(|s| ((now - s) / 1000).max(0));
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO orders (shop_id, token, number, status, currency, total, viewer_id, stream_id, \
                 pin_id, stream_offset_s, expires_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(shop_id)
            .bind(&token)
            .bind(&number)
            .bind(&item.currency)
            .bind(amount)
            .bind(req.viewer_id)
            .bind(req.stream.id)
            .bind(pin_id)
            .bind(offset)
            .bind(now + req.reservation_ms)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            store::record_transition(
                &mut tx,
                shop_id,
                id,
                None,
                domain::OrderStatus::Pending,
                Actor::Shopper,
                "Reserved at Buy",
            )
            .await?;
            id
        }
    };
    let stripe_price = item
        .stripe_price_id
        .filter(|_| offer.is_none())
        .filter(|_| item.stripe_price_amount == Some(unit_price))
        .filter(|_| item.stripe_price_currency.as_deref() == Some(item.currency.as_str()));
    let current_pin = pin.as_ref().map(|p| p.id);
    sqlx::query(
        "INSERT INTO order_lines (shop_id, order_id, product_id, variant_id, title, variant_title, quantity, \
         unit_price, currency, offer_pin_id, stripe_price_id, stock_state, tracked, pin_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'held', $12, $13, $14)",
    )
    .bind(shop_id)
    .bind(order_id)
    .bind(item.product_id)
    .bind(req.variant_id)
    .bind(&item.product_title)
    .bind(&item.variant_title)
    .bind(req.quantity)
    .bind(unit_price)
    .bind(&item.currency)
    .bind(offer.as_ref().map(|(id, _)| *id))
    .bind(stripe_price)
    .bind(tracked)
    .bind(current_pin)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Bought {
        order_id,
        token,
        number,
        unit_price,
        currency: item.currency,
        quantity: req.quantity,
        title: item.product_title,
        new_order: cart.is_none(),
    })
}
