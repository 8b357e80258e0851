//! The merchant's orders list and export as one query: the parsed filters (`OrderQuery`,
//! read from the form by `orders::filters`) become the WHERE clause here.

use std::fmt::Write;

use sqlx::AnyExecutor;

use super::{ORDER_COLUMNS, Order};
use crate::orders::domain::OrderStatus;

/// What the list is narrowed to; every field is optional.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OrderQuery {
    pub status: Option<OrderStatus>,
    pub stream_id: Option<i64>,
    /// Created at or after this instant (Unix ms).
    pub from: Option<i64>,
    /// Created before this instant (Unix ms).
    pub until: Option<i64>,
    /// A shopper's e-mail or an order number.
    pub search: Option<Search>,
    /// Changed at or after this instant (Unix ms): the live feed of an open list.
    pub changed_since: Option<i64>,
}

/// One search box, two readings: an e-mail (compared lower-cased) or an order number
/// (upper-cased, without `#` and spaces, as shoppers quote it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub email: String,
    pub number: String,
}

impl Search {
    pub fn new(text: &str) -> Search {
        Search {
            email: text.to_lowercase(),
            number: text.to_uppercase().replace(['#', ' '], ""),
        }
    }
}

/// The matching orders of `shop_id`, newest first, at most `limit`.
pub async fn filtered(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    query: &OrderQuery,
    limit: i64,
) -> sqlx::Result<Vec<Order>> {
    // Conditions and binds are added in the same order below; $1 is the shop.
    let mut sql = format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE o.shop_id = $1");
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    if query.status.is_some() {
        let _ = write!(sql, " AND o.status = ${}", next());
    }
    if query.stream_id.is_some() {
        let _ = write!(sql, " AND o.stream_id = ${}", next());
    }
    if query.from.is_some() {
        let _ = write!(sql, " AND o.created_at >= ${}", next());
    }
    if query.until.is_some() {
        let _ = write!(sql, " AND o.created_at < ${}", next());
    }
    if query.search.is_some() {
        let (email, number) = (next(), next());
        let _ = write!(
            sql,
            " AND (LOWER(o.email) = ${email} OR o.number = ${number})"
        );
    }
    if query.changed_since.is_some() {
        let _ = write!(sql, " AND o.updated_at >= ${}", next());
    }
    let _ = write!(sql, " ORDER BY o.created_at DESC, o.id DESC LIMIT {limit}");
    let mut q = sqlx::query_as::<_, Order>(&sql).bind(shop_id);
    if let Some(status) = query.status {
        q = q.bind(status.as_str());
    }
    if let Some(stream_id) = query.stream_id {
        q = q.bind(stream_id);
    }
    if let Some(from) = query.from {
        q = q.bind(from);
    }
    if let Some(until) = query.until {
        q = q.bind(until);
    }
    if let Some(search) = &query.search {
        q = q.bind(&search.email).bind(&search.number);
    }
    if let Some(since) = query.changed_since {
        q = q.bind(since);
    }
    q.fetch_all(db).await
}
