//! The capture's SQL: the writer's lookups (a Buy tap's stream and product, the pins on
//! screen during a batch, a checkout's lines), the track handler's pin check, and the
//! batched INSERT of `report_events` rows.

use std::collections::BTreeSet;

use sqlx::AnyPool;

use super::Kind;
use crate::db::Backend;

/// Rows per INSERT statement on SQLite (7 parameters each, far below its limit).
const BATCH_ROWS: usize = 500;

/// A stream named by its public address, as a Buy tap names it.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct StreamRef {
    pub shop_id: i64,
    pub stream_id: i64,
}

/// The stream at `/@{shop}/{stream}`, if any.
pub async fn stream_by_slugs(
    db: &AnyPool,
    shop: &str,
    stream: &str,
) -> sqlx::Result<Option<StreamRef>> {
    sqlx::query_as(
        "SELECT st.shop_id, st.id AS stream_id FROM streams st JOIN shops sh ON sh.id = st.shop_id \
         WHERE sh.slug = $1 AND st.slug = $2",
    )
    .bind(shop)
    .bind(stream)
    .fetch_optional(db)
    .await
}

/// The product of one of the shop's variants (`None` for an unknown variant).
pub async fn variant_product(
    db: &AnyPool,
    shop_id: i64,
    variant_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT product_id FROM variants WHERE id = $1 AND shop_id = $2")
        .bind(variant_id)
        .bind(shop_id)
        .fetch_optional(db)
        .await
}

/// A product on an order and the pin it was bought under.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckoutLine {
    pub product_id: i64,
    pub pin_id: Option<i64>,
}

/// The distinct (product, pin) pairs of an order's lines: one checkout row each.
pub async fn checkout_lines(
    db: &AnyPool,
    shop_id: i64,
    order_id: i64,
) -> sqlx::Result<Vec<CheckoutLine>> {
    sqlx::query_as(
        "SELECT DISTINCT product_id, pin_id FROM order_lines WHERE order_id = $1 AND shop_id = $2",
    )
    .bind(order_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// What the track handler checks a card event against: the pin's product, and when it
/// was unpinned (`None` while it shows).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PinnedProduct {
    pub product_id: i64,
    pub ended_at: Option<i64>,
}

/// One pin of the shop's stream (`None` if the pin is another stream's).
pub async fn pinned_product(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    pin_id: i64,
) -> sqlx::Result<Option<PinnedProduct>> {
    sqlx::query_as(
        "SELECT product_id, ended_at FROM pins WHERE id = $1 AND shop_id = $2 AND stream_id = $3",
    )
    .bind(pin_id)
    .bind(shop_id)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// A pin's time on screen (`ended_at` `None` while it still shows).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pin {
    pub id: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

/// The stream's pins on screen at some moment in `[from, to]`, newest first (one read for a
/// whole batch of Buy taps: a flash sale's thousands of taps are one stream's).
pub async fn pins_between(
    db: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<Pin>> {
    sqlx::query_as(
        "SELECT id, started_at, ended_at FROM pins WHERE shop_id = $1 AND stream_id = $2 \
         AND started_at <= $3 AND (ended_at IS NULL OR ended_at > $4) \
         ORDER BY started_at DESC, id DESC",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(to)
    .bind(from)
    .fetch_all(db)
    .await
}

/// A row of `report_events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub shop_id: i64,
    pub stream_id: i64,
    pub kind: Kind,
    pub viewer_id: String,
    pub product_id: i64,
    pub pin_id: Option<i64>,
    pub at: i64,
}

/// The rows in one transaction (on PostgreSQL one `INSERT … SELECT FROM UNNEST` of seven
/// array parameters, on SQLite multi-row INSERTs); summaries of the streams touched are
/// marked stale so a late event (a checkout after the end) is not missed by the rollup.
///
/// Why UNNEST: a flash sale records thousands of Buy taps in a fraction of a second, and a
/// 500-row `VALUES` list with 3,500 parameters cost PostgreSQL ≈ 8 ms to parse and plan per
/// statement, on the same two cores as the sale (docs/benchmarks.md, Flash sale). The
/// arrays travel as text literals cast by the statement, as the `Any` driver binds no arrays.
pub async fn insert(db: &AnyPool, backend: Backend, rows: &[Row]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    match backend {
        Backend::Postgres => {
            sqlx::query(
                "INSERT INTO report_events (shop_id, stream_id, kind, viewer_id, product_id, pin_id, at) \
                 SELECT * FROM UNNEST(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS TEXT[]), \
                 CAST($4 AS TEXT[]), CAST($5 AS BIGINT[]), CAST($6 AS BIGINT[]), CAST($7 AS BIGINT[]))",
            )
            .bind(bigint_array(rows.iter().map(|r| Some(r.shop_id))))
            .bind(bigint_array(rows.iter().map(|r| Some(r.stream_id))))
            .bind(text_array(rows.iter().map(|r| r.kind.as_str())))
            .bind(text_array(rows.iter().map(|r| r.viewer_id.as_str())))
            .bind(bigint_array(rows.iter().map(|r| Some(r.product_id))))
            .bind(bigint_array(rows.iter().map(|r| r.pin_id)))
            .bind(bigint_array(rows.iter().map(|r| Some(r.at))))
            .execute(&mut *tx)
            .await?;
        }
        Backend::Sqlite => {
            for chunk in rows.chunks(BATCH_ROWS) {
                let sql = format!(
                    "INSERT INTO report_events (shop_id, stream_id, kind, viewer_id, product_id, pin_id, at) VALUES {}",
                    crate::db::placeholders(chunk.len(), 7)
                );
                let mut q = sqlx::query(&sql);
                for r in chunk {
                    q = q
                        .bind(r.shop_id)
                        .bind(r.stream_id)
                        .bind(r.kind.as_str())
                        .bind(r.viewer_id.clone())
                        .bind(r.product_id)
                        .bind(r.pin_id)
                        .bind(r.at);
                }
                q.execute(&mut *tx).await?;
            }
        }
    }
    let streams: BTreeSet<i64> = rows.iter().map(|r| r.stream_id).collect();
    for stream in streams {
        sqlx::query("UPDATE report_stream_summaries SET stale = 1 WHERE stream_id = $1")
            .bind(stream)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// A PostgreSQL array literal of numbers (`{1,2,NULL}`).
fn bigint_array(values: impl Iterator<Item = Option<i64>>) -> String {
    let mut out = String::from("{");
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        match value {
            Some(n) => out.push_str(&n.to_string()),
            None => out.push_str("NULL"),
        }
    }
    out.push('}');
    out
}

/// A PostgreSQL array literal of strings, each quoted (`{"a","b \\"c\\""}`).
fn text_array<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("{");
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in value.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals_quote_and_escape() {
        assert_eq!(
            bigint_array([Some(1), None, Some(-3)].into_iter()),
            "{1,NULL,-3}"
        );
        assert_eq!(bigint_array(std::iter::empty()), "{}");
        assert_eq!(
            text_array(["buy", r#"a"b\c"#, "", "NULL"].into_iter()),
            r#"{"buy","a\"b\\c","","NULL"}"#
        );
    }
}
