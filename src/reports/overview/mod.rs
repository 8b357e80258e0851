//! The shop overview's numbers for a date range: the streams that went live in it with
//! their KPIs (from `summary::kpis_for`), sorted as asked. Pages, CSV and the JSON API
//! all read them from here, so they agree.

pub mod page;
pub mod range;
pub mod slots;
pub mod store;
pub mod summary;
pub mod top_products;
pub mod trends;

use serde::Deserialize;
use sqlx::AnyPool;

use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::reports::figures;
use crate::reports::figures::kpis::Kpis;
use crate::reports::figures::metrics::Rate;
use crate::reports::figures::store::StreamRow;
use crate::shops::store::Shop;
use range::{Range, RangeQuery};

/// The columns the list sorts by, as `?sort=` names them.
pub const SORTS: [(&str, &str); 8] = [
    ("started", "Started"),
    ("viewers", "Unique viewers"),
    ("peak", "Peak"),
    ("watch", "Avg watch time"),
    ("engagement", "Engagement"),
    ("orders", "Orders"),
    ("revenue", "Revenue"),
    ("conversion", "Conversion"),
];

/// The overview's query: the sort column and direction, and the date range as typed.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Sort {
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub dir: String,
    /// The date range as typed (`?range=&from=&to=`).
    #[serde(flatten)]
    pub range: RangeQuery,
}

impl Sort {
    pub fn column(&self) -> &'static str {
        SORTS
            .iter()
            .find(|(name, _)| *name == self.sort)
            .map_or("started", |(name, _)| name)
    }

    pub fn descending(&self) -> bool {
        self.dir != "asc"
    }

    /// The range in the shop's zone, or the message saying what is wrong with it.
    pub fn resolve(&self, shop: &Shop, now: i64) -> std::result::Result<Range, String> {
        self.range.resolve(&crate::time::zone(&shop.time_zone), now)
    }
}

fn sort_key(k: &Kpis, column: &str) -> i128 {
    let rate =
        |r: Option<Rate>| r.map_or(-1, |r| i128::from(r.part) * 1_000_000 / i128::from(r.whole));
    match column {
        "viewers" => k.unique_viewers as i128,
        "peak" => k.peak_viewers.into(),
        "watch" => k.average_watch_time_ms.unwrap_or(-1).into(),
        "engagement" => rate(k.engagement_rate),
        "orders" => k.orders as i128,
        "revenue" => k.revenue.into(),
        "conversion" => rate(k.conversion_rate),
        _ => k.window.start.into(),
    }
}

/// The shop's streams that went live in `[start, end)`, latest first.
pub async fn streams_in(db: &AnyPool, shop_id: i64, range: &Range) -> sqlx::Result<Vec<StreamRow>> {
    figures::store::streams_between(db, shop_id, range.start_ms, range.end_ms).await
}

/// The KPIs of every stream of the range, in the order asked for (latest first by default).
pub async fn kpis_in(
    db: &AnyPool,
    shop_id: i64,
    range: &Range,
    sort: &Sort,
    now: i64,
) -> Result<Vec<(StreamRow, Kpis)>> {
    let streams = streams_in(db, shop_id, range).await?;
    let mut rows = summary::kpis_for(db, shop_id, &streams, now).await?;
    let column = sort.column();
    rows.sort_by_key(|(s, k)| (sort_key(k, column), s.id));
    if sort.descending() {
        rows.reverse();
    }
    Ok(rows)
}

/// The KPI rows of the query's range; a bad range is a 400 with its message (the HTML
/// overview re-renders its form instead, see `page::index`).
pub async fn list_kpis(db: &AnyPool, shop: &Shop, sort: &Sort) -> Result<Vec<(StreamRow, Kpis)>> {
    let now = now_ms();
    let range = sort.resolve(shop, now).map_err(Error::BadRequest)?;
    kpis_in(db, shop.id, &range, sort, now).await
}
