//! Buy's one read (`orders::reserve`): the variant with its product, price and stock,
//! whether the stream features it, and the stream's open pin with its live offer, in one
//! statement, because a flash sale runs it for every Buy that is not answered from the
//! sold-out hint.

use sqlx::{AnyExecutor, FromRow};

use crate::db::Flag;
use crate::live::store::pins;

/// A variant as Buy sees it.
#[derive(Clone, FromRow)]
pub struct Buyable {
    pub product_id: i64,
    pub product_title: String,
    pub variant_title: String,
    pub price: i64,
    pub currency: String,
    /// The product is active (drafts and archived products are not sold).
    #[sqlx(try_from = "Flag")]
    pub for_sale: bool,
    #[sqlx(try_from = "Flag")]
    pub unlimited: bool,
    pub stock: i64,
    pub stripe_price_id: Option<String>,
    pub stripe_price_amount: Option<i64>,
    pub stripe_price_currency: Option<String>,
    /// Featured in the stream or pinned in it at some point (0 when neither).
    pub in_stream: i64,
    /// The stream's open pin, if any (joined in, to save a read per Buy).
    pub pin_id: Option<i64>,
    pub pin_product_id: Option<i64>,
    pub pin_started_at: Option<i64>,
    pub offer_price: Option<i64>,
    pub offer_currency: Option<String>,
    pub offer_unit_limit: Option<i64>,
    pub offer_units_taken: Option<i64>,
    pub offer_ends_at: Option<i64>,
    pub offer_closed_at: Option<i64>,
}

impl Buyable {
    /// The stream's open pin as the live store describes it, if one is open.
    pub fn open_pin(&self, stream_id: i64) -> Option<pins::PinRow> {
        Some(pins::PinRow {
            id: self.pin_id?,
            stream_id,
            product_id: self.pin_product_id?,
            started_at: self.pin_started_at?,
            ended_at: None,
            offer_price: self.offer_price,
            offer_currency: self.offer_currency.clone(),
            offer_unit_limit: self.offer_unit_limit,
            offer_units_taken: self.offer_units_taken.unwrap_or(0),
            offer_ends_at: self.offer_ends_at,
            offer_closed_at: self.offer_closed_at,
        })
    }
}

/// Variant `variant_id` of `shop_id` as bought in `stream_id`, unless it was removed.
pub async fn buyable(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    stream_id: i64,
    variant_id: i64,
) -> sqlx::Result<Option<Buyable>> {
    sqlx::query_as(
        "SELECT v.product_id, p.title AS product_title, v.title AS variant_title, \
         COALESCE(v.price_override, p.price) AS price, p.currency, \
         CAST(CASE WHEN p.status = 'active' THEN 1 ELSE 0 END AS BIGINT) AS for_sale, \
         CAST(CASE WHEN v.unlimited THEN 1 ELSE 0 END AS BIGINT) AS unlimited, v.stock, \
         v.stripe_price_id, v.stripe_price_amount, v.stripe_price_currency, \
         (SELECT COUNT(*) FROM stream_products sp WHERE sp.stream_id = $3 AND sp.product_id = p.id) \
         + (SELECT COUNT(*) FROM pins pn WHERE pn.stream_id = $3 AND pn.product_id = p.id) AS in_stream, \
         op.id AS pin_id, op.product_id AS pin_product_id, op.started_at AS pin_started_at, \
         op.offer_price, op.offer_currency, op.offer_unit_limit, op.offer_units_taken, op.offer_ends_at, \
         op.offer_closed_at \
         FROM variants v JOIN products p ON p.id = v.product_id \
         LEFT JOIN pins op ON op.stream_id = $3 AND op.ended_at IS NULL \
         WHERE v.id = $1 AND v.shop_id = $2 AND v.removed_at IS NULL",
    )
    .bind(variant_id)
    .bind(shop_id)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}
