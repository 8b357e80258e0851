//! One stream's report as every reader gets it (the page, its CSVs, the JSON API): the
//! viewer side from the stored rollup of an ended stream, or computed from raw rows
//! while live (or while the rollup is missing or stale), and the order side always from
//! the stream's orders and lines, which refunds change after the end.

use sqlx::AnyPool;

use crate::reports::figures::kpis::{self, Funnel, Kpis, ProductRow};
use crate::reports::figures::metrics::{self, Window};
use crate::reports::figures::store::{self, OrderRow, PinRow, StreamRow};
use crate::reports::figures::timeline::{self, Minute};
use crate::reports::figures::viewer_side::{self, ViewerSide};
use crate::reports::rollup;

pub struct StreamReport {
    pub window: Window,
    pub kpis: Kpis,
    /// Viewers, orders, reactions and spikes per minute.
    pub minutes: Vec<Minute>,
    pub products: Vec<ProductRow>,
    pub funnel: Funnel,
    pub pins: Vec<PinRow>,
    pub orders: Vec<OrderRow>,
    /// Whether the viewer side came from the stored rollup.
    pub rolled: bool,
}

/// The viewer side of a stream that went live: stored, else computed. `None` (and no
/// figures) before go-live.
pub async fn side_of(
    db: &AnyPool,
    shop_id: i64,
    stream: &StreamRow,
    now: i64,
) -> sqlx::Result<Option<(ViewerSide, bool)>> {
    let Some(window) = metrics::live_window(stream, now) else {
        return Ok(None);
    };
    if stream.ended_at.is_some()
        && let Some(side) = rollup::store::load(db, shop_id, stream.id, window).await?
    {
        return Ok(Some((side, true)));
    }
    let side = viewer_side::compute(db, shop_id, stream.id, window).await?;
    Ok(Some((side, false)))
}

/// The report of a stream that went live; `None` while it is still scheduled.
pub async fn load(
    db: &AnyPool,
    shop_id: i64,
    stream: &StreamRow,
    now: i64,
) -> sqlx::Result<Option<StreamReport>> {
    let Some((side, rolled)) = side_of(db, shop_id, stream, now).await? else {
        return Ok(None);
    };
    let (pins, orders, lines, buyer_visits) = tokio::try_join!(
        store::pins(db, shop_id, stream.id),
        store::orders(db, shop_id, stream.id),
        store::lines(db, shop_id, stream.id),
        store::buyer_visits(db, shop_id, stream.id),
    )?;
    let window = side.summary.window;
    let viewers = metrics::unique_viewers(&buyer_visits, window);
    let kpis = kpis::kpis_from(&side.summary, &viewers, &orders, &lines);
    let mut minutes = side.minutes;
    timeline::count_orders(&mut minutes, &orders, window);
    timeline::mark_spikes(&mut minutes);
    Ok(Some(StreamReport {
        window,
        funnel: kpis::funnel(&side.summary, &kpis),
        products: kpis::products(&pins, &orders, &lines, &side.reach, window),
        kpis,
        minutes,
        pins,
        orders,
        rolled,
    }))
}
