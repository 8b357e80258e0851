//! Pins and live offers.

use sqlx::{AnyExecutor, FromRow};

use crate::live::offer::LiveOffer;

#[derive(Debug, Clone, FromRow)]
pub struct PinRow {
    pub id: i64,
    pub stream_id: i64,
    pub product_id: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub offer_price: Option<i64>,
    pub offer_currency: Option<String>,
    pub offer_unit_limit: Option<i64>,
    pub offer_units_taken: i64,
    pub offer_ends_at: Option<i64>,
    /// When the room announced the offer's end (units sold or time up): ended for good.
    pub offer_closed_at: Option<i64>,
}

impl PinRow {
    /// The live offer while it has not been announced ended.
    pub fn offer(&self) -> Option<LiveOffer> {
        if self.offer_closed_at.is_some() {
            return None;
        }
        Some(LiveOffer {
            price: self.offer_price?,
            currency: self.offer_currency.clone()?,
            unit_limit: self.offer_unit_limit,
            units_taken: self.offer_units_taken,
            ends_at: self.offer_ends_at,
        })
    }
}

const COLUMNS: &str = "id, stream_id, product_id, started_at, ended_at, offer_price, offer_currency, \
     offer_unit_limit, offer_units_taken, offer_ends_at, offer_closed_at";

/// The product pinned now, if any.
pub async fn open_pin(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Option<PinRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM pins WHERE stream_id = $1 AND ended_at IS NULL"
    ))
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// The pin that was open at `at` (order attribution).
pub async fn pin_at(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    at: i64,
) -> sqlx::Result<Option<PinRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM pins WHERE stream_id = $1 AND started_at <= $2 \
         AND (ended_at IS NULL OR ended_at > $2) ORDER BY started_at DESC LIMIT 1"
    ))
    .bind(stream_id)
    .bind(at)
    .fetch_optional(db)
    .await
}

/// Close the open pin; returns its id if there was one.
pub async fn close_open_pin(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    at: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE pins SET ended_at = $1 WHERE stream_id = $2 AND ended_at IS NULL RETURNING id",
    )
    .bind(at)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

pub struct NewPin<'a> {
    pub shop_id: i64,
    pub stream_id: i64,
    pub product_id: i64,
    pub at: i64,
    pub offer: Option<&'a LiveOffer>,
    pub pinned_by: i64,
}

pub async fn insert_pin(db: impl AnyExecutor<'_>, pin: &NewPin<'_>) -> sqlx::Result<PinRow> {
    sqlx::query_as(&format!(
        "INSERT INTO pins (shop_id, stream_id, product_id, started_at, offer_price, offer_currency, \
         offer_unit_limit, offer_ends_at, pinned_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING {COLUMNS}"
    ))
    .bind(pin.shop_id)
    .bind(pin.stream_id)
    .bind(pin.product_id)
    .bind(pin.at)
    .bind(pin.offer.map(|o| o.price))
    .bind(pin.offer.map(|o| o.currency.clone()))
    .bind(pin.offer.and_then(|o| o.unit_limit))
    .bind(pin.offer.and_then(|o| o.ends_at))
    .bind(pin.pinned_by)
    .fetch_one(db)
    .await
}

/// Take `quantity` units of a pin's live offer in one conditional statement: false when
/// the offer has expired or has not enough units left (never read-then-write).
pub async fn take_offer_units(
    db: impl AnyExecutor<'_>,
    pin_id: i64,
    quantity: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE pins SET offer_units_taken = offer_units_taken + $1 \
         WHERE id = $2 AND offer_price IS NOT NULL AND offer_closed_at IS NULL \
         AND (offer_ends_at IS NULL OR offer_ends_at > $3) \
         AND (offer_unit_limit IS NULL OR offer_units_taken + $1 <= offer_unit_limit)",
    )
    .bind(quantity)
    .bind(pin_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Give units back to the offer (a reservation expired or was cancelled).
pub async fn return_offer_units(
    db: impl AnyExecutor<'_>,
    pin_id: i64,
    quantity: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE pins SET offer_units_taken = offer_units_taken - $1 WHERE id = $2 AND offer_units_taken >= $1")
        .bind(quantity)
        .bind(pin_id)
        .execute(db)
        .await?;
    Ok(())
}

/// id, slug, title, price, compare-at price, currency, options (JSON).
type CardProductRow = (i64, String, String, i64, Option<i64>, String, String);

/// The pinned card of an active product of this shop, or None (unknown, another shop's,
/// draft or archived).
pub async fn card(
    db: &sqlx::AnyPool,
    shop_id: i64,
    product_id: i64,
) -> sqlx::Result<Option<crate::live::events::Card>> {
    use crate::money;
    let product: Option<CardProductRow> = sqlx::query_as(
        "SELECT id, slug, title, price, compare_at_price, currency, options FROM products \
         WHERE shop_id = $1 AND id = $2 AND status = 'active'",
    )
    .bind(shop_id)
    .bind(product_id)
    .fetch_optional(db)
    .await?;
    let Some((id, slug, title, price, compare_at, currency, options)) = product else {
        return Ok(None);
    };
    // What the picker chooses ("Size", "Size / Colour"): its visible label.
    let option_label = serde_json::from_str::<Vec<crate::catalog::domain::ProductOption>>(&options)
        .unwrap_or_default()
        .into_iter()
        .map(|o| o.name)
        .collect::<Vec<_>>()
        .join(" / ");
    let image: Option<(String, String)> = sqlx::query_as(
        "SELECT display_file, alt FROM product_images WHERE product_id = $1 AND shop_id = $2 ORDER BY position, id LIMIT 1",
    )
    .bind(id)
    .bind(shop_id)
    .fetch_optional(db)
    .await?;
    let variants: Vec<CardVariantRow> = sqlx::query_as(&format!(
        "SELECT id, title, price_override, {}, stock FROM variants \
         WHERE product_id = $1 AND shop_id = $2 AND removed_at IS NULL ORDER BY position, id",
        crate::db::flag("unlimited")
    ))
    .bind(id)
    .bind(shop_id)
    .fetch_all(db)
    .await?;
    Ok(Some(crate::live::events::Card {
        product_id: id,
        price_display: money::format(price, &currency),
        compare_at_display: compare_at.map(|c| money::format(c, &currency)),
        option_label,
        image: image
            .as_ref()
            .map(|(file, _)| crate::catalog::images::url(file)),
        image_alt: image
            .map(|(_, alt)| alt)
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| title.clone()),
        variants: variants
            .into_iter()
            .map(|v| {
                let p = v.price_override.unwrap_or(price);
                crate::live::events::CardVariant {
                    id: v.id,
                    title: v.title,
                    price: p,
                    price_display: money::format(p, &currency),
                    available: v.unlimited || v.stock > 0,
                    stock: (!v.unlimited).then_some(v.stock.max(0)),
                }
            })
            .collect(),
        slug,
        title,
        price,
        currency,
    }))
}

/// Close the stream's open live offer once its units are all taken or its time is up,
/// claiming the announcement (only the node whose UPDATE matched announces it). Returns
/// the pin and its product.
pub async fn close_ended_offer(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    now: i64,
) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as(
        "UPDATE pins SET offer_closed_at = $1 WHERE stream_id = $2 AND ended_at IS NULL \
         AND offer_price IS NOT NULL AND offer_closed_at IS NULL \
         AND ((offer_ends_at IS NOT NULL AND offer_ends_at <= $1) \
         OR (offer_unit_limit IS NOT NULL AND offer_units_taken >= offer_unit_limit)) \
         RETURNING id, product_id",
    )
    .bind(now)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// Stock of one variant featured or pinned in a stream, as the room follows it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct StockRow {
    pub variant_id: i64,
    pub product_id: i64,
    /// None for a variant that does not count its stock.
    pub stock: Option<i64>,
}

/// Every live variant of the products the stream features or has open on its pin.
pub async fn stream_stock(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<StockRow>> {
    sqlx::query_as(
        "SELECT v.id AS variant_id, v.product_id, \
         CASE WHEN v.unlimited THEN NULL ELSE v.stock END AS stock FROM variants v \
         WHERE v.shop_id = $1 AND v.removed_at IS NULL AND v.product_id IN ( \
         SELECT sp.product_id FROM stream_products sp WHERE sp.stream_id = $2 \
         UNION SELECT pn.product_id FROM pins pn WHERE pn.stream_id = $2 AND pn.ended_at IS NULL) \
         ORDER BY v.id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .fetch_all(db)
    .await
}

/// A variant as the product card needs it.
#[derive(FromRow)]
struct CardVariantRow {
    id: i64,
    title: String,
    price_override: Option<i64>,
    #[sqlx(try_from = "crate::db::Flag")]
    unlimited: bool,
    stock: i64,
}

/// A product the studio can pin: (id, title, price, currency, thumbnail file).
#[derive(Debug, Clone, FromRow)]
pub struct Pinnable {
    pub id: i64,
    pub title: String,
    pub price: i64,
    pub currency: String,
    pub thumb_file: Option<String>,
}

const PINNABLE: &str = "p.id, p.title, p.price, p.currency, \
     (SELECT i.thumb_file FROM product_images i WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1) AS thumb_file";

/// The stream's featured products in the host's order (active ones only).
pub async fn featured(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
) -> sqlx::Result<Vec<Pinnable>> {
    sqlx::query_as(&format!(
        "SELECT {PINNABLE} FROM stream_products sp JOIN products p ON p.id = sp.product_id \
         WHERE sp.stream_id = $1 AND sp.shop_id = $2 AND p.status = 'active' ORDER BY sp.position, sp.id"
    ))
    .bind(stream_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// Active products of the shop whose title or SKU contains `query` (case-insensitive).
pub async fn search(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    query: &str,
) -> sqlx::Result<Vec<Pinnable>> {
    let pattern = format!("%{}%", query.to_lowercase().replace(['\\', '%', '_'], ""));
    sqlx::query_as(&format!(
        "SELECT {PINNABLE} FROM products p WHERE p.shop_id = $1 AND p.status = 'active' \
         AND (LOWER(p.title) LIKE $2 OR LOWER(COALESCE(p.sku, '')) LIKE $2) ORDER BY p.title LIMIT 20"
    ))
    .bind(shop_id)
    .bind(pattern)
    .fetch_all(db)
    .await
}
