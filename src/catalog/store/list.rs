//! The catalogue list's query: one shop's products filtered by status and search text,
//! sorted, a page at a time, each with its stock, variant counts and first thumbnail.
//! Every filter is a bound value on an indexed column; only the ORDER BY is chosen
//! from a fixed set of fragments.

use sqlx::{AnyExecutor, FromRow};

use crate::catalog::domain::{Status, SyncState};

/// Which products the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Drafts and active products: what a merchant works on.
    Current,
    Only(Status),
    All,
}

/// The list's sort orders, each a fragment with a tie-breaker so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Updated,
    Title,
    Price,
    PriceDesc,
    Stock,
}

impl Sort {
    fn order_by(self) -> &'static str {
        match self {
            Sort::Updated => "p.updated_at DESC, p.id DESC",
            Sort::Title => "p.title ASC, p.id ASC",
            Sort::Price => "p.price ASC, p.id ASC",
            Sort::PriceDesc => "p.price DESC, p.id DESC",
            Sort::Stock => "stock ASC, p.id ASC",
        }
    }
}

/// What the merchant asked for, parsed.
#[derive(Debug, Clone)]
pub struct Filter {
    pub shown: Shown,
    /// Lower-cased search text; matched literally (`%` and `_` are escaped).
    pub needle: String,
}

#[derive(Debug, FromRow)]
pub struct Row {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub sku: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub currency: String,
    #[sqlx(try_from = "String")]
    pub sync_state: SyncState,
    /// Units across the limited variants.
    pub stock: i64,
    /// The emptiest limited variant; `None` when every variant is unlimited.
    pub min_stock: Option<i64>,
    pub variant_count: i64,
    pub unlimited_count: i64,
    pub thumb: Option<String>,
}

/// The WHERE clause for `filter`, binding shop ($1), status ($2) and pattern ($3).
/// `$2 = $2` keeps the numbering the same whichever filter is chosen.
fn conditions(filter: &Filter) -> String {
    let status = match filter.shown {
        Shown::Only(_) => "p.status = $2",
        Shown::All => "$2 = $2",
        Shown::Current => "p.status <> 'archived' AND $2 = $2",
    };
    format!("p.shop_id = $1 AND {status} AND p.search_text LIKE $3 ESCAPE '\\'")
}

fn status_value(filter: &Filter) -> &'static str {
    match filter.shown {
        Shown::Only(status) => status.as_str(),
        Shown::All | Shown::Current => "",
    }
}

fn pattern(filter: &Filter) -> String {
    format!("%{}%", escape_like(&filter.needle))
}

/// How many products match, for the page count.
pub async fn count(db: impl AnyExecutor<'_>, shop_id: i64, filter: &Filter) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM products p WHERE {}",
        conditions(filter)
    ))
    .bind(shop_id)
    .bind(status_value(filter))
    .bind(pattern(filter))
    .fetch_one(db)
    .await
}

/// One page of rows (`offset` rows skipped, at most `limit`).
pub async fn page(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    filter: &Filter,
    sort: Sort,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as(&format!(
        "SELECT p.id, p.title, p.slug, p.sku, p.status, p.price, p.compare_at_price, p.currency, p.sync_state, \
         (SELECT CAST(COALESCE(SUM(v.stock), 0) AS BIGINT) FROM variants v \
            WHERE v.product_id = p.id AND v.removed_at IS NULL AND v.unlimited = $4) AS stock, \
         (SELECT MIN(v.stock) FROM variants v \
            WHERE v.product_id = p.id AND v.removed_at IS NULL AND v.unlimited = $4) AS min_stock, \
         (SELECT COUNT(*) FROM variants v WHERE v.product_id = p.id AND v.removed_at IS NULL) AS variant_count, \
         (SELECT COUNT(*) FROM variants v \
            WHERE v.product_id = p.id AND v.removed_at IS NULL AND v.unlimited = $5) AS unlimited_count, \
         (SELECT i.thumb_file FROM product_images i WHERE i.product_id = p.id \
            ORDER BY i.position, i.id LIMIT 1) AS thumb \
         FROM products p WHERE {} ORDER BY {} LIMIT $6 OFFSET $7",
        conditions(filter),
        sort.order_by(),
    ))
    .bind(shop_id)
    .bind(status_value(filter))
    .bind(pattern(filter))
    .bind(false)
    .bind(true)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

/// `%` and `_` typed in the search box are literal characters, not wildcards.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_wildcards_are_literal() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn every_filter_binds_the_same_three_values() {
        for shown in [Shown::Current, Shown::All, Shown::Only(Status::Draft)] {
            let filter = Filter {
                shown,
                needle: String::new(),
            };
            let sql = conditions(&filter);
            assert!(sql.contains("$1") && sql.contains("$2") && sql.contains("$3"));
        }
    }
}
