//! An order of one unit the server makes for a shopper rather than their Buy: an auction's
//! win (at the winning amount) and a giveaway's prize (at zero). Written with the Buy
//! path's `write`, so the unit is taken from stock by the same conditional UPDATE.

use super::reserve::Job;
use super::store;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::state::AppState;

/// What the order is for.
pub struct One<'a> {
    pub shop_id: i64,
    pub stream_id: i64,
    pub variant_id: i64,
    pub viewer_id: &'a str,
    pub unit_price: Money,
    /// How long it is held unpaid.
    pub reservation_ms: i64,
    /// The sentence when the variant left the catalogue.
    pub gone: &'a str,
}

/// The job that writes `one` as a new order.
pub async fn job(state: &AppState, one: One<'_>) -> Result<Job> {
    let pool = &state.db.pool;
    let Some(item) = store::buyable(pool, one.shop_id, one.stream_id, one.variant_id).await? else {
        return Err(Error::Conflict(one.gone.into()));
    };
    let stream = crate::live::store::stream_of_shop(pool, one.shop_id, one.stream_id)
        .await?
        .ok_or(Error::NotFound)?;
    let price = one.unit_price.minor;
    Ok(Job {
        shop_id: one.shop_id,
        stream_id: one.stream_id,
        stream_started_at: stream.started_at,
        shop_slug: stream.shop_slug.clone(),
        stream_slug: stream.slug.clone(),
        viewer_id: one.viewer_id.to_string(),
        variant_id: one.variant_id,
        quantity: 1,
        product_id: item.product_id,
        product_title: item.product_title,
        variant_title: item.variant_title,
        unit_price: one.unit_price,
        offer_pin: None,
        regular_price: price,
        current_pin: None,
        stripe_price: None,
        tracked: !item.unlimited,
        cart: None,
        number: super::domain::new_number(),
        token: crate::auth::tokens::random_token(),
        reservation_ms: one.reservation_ms,
        seen: state.orders.hints.observe(),
    })
}
