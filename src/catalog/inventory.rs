//! The inventory ledger: every stock change is one conditional `UPDATE` of the
//! variant plus one ledger row, in the caller's transaction, so the stock on screen
//! always equals the sum of the ledger and can be explained line by line.
//! Orders reserve, release, sell and restock through `record` too.

use sqlx::{AnyConnection, AnyExecutor, FromRow};

use super::domain::UnknownState;
use crate::db::now_ms;

/// Why stock changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The stock a variant was created with.
    Initial,
    /// A merchant's adjustment from the dashboard, with a note.
    Manual,
    /// Set by a CSV import.
    Import,
    /// Held for a shopper's checkout.
    Reservation,
    /// A reservation that expired or was cancelled.
    Release,
    /// Sold outside a reservation (reserved stock is already out).
    Sale,
    /// A refunded order put back on the shelf.
    RefundRestock,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Initial => "initial",
            Reason::Manual => "manual",
            Reason::Import => "import",
            Reason::Reservation => "reservation",
            Reason::Release => "release",
            Reason::Sale => "sale",
            Reason::RefundRestock => "refund_restock",
        }
    }

    pub const ALL: [Reason; 7] = [
        Reason::Initial,
        Reason::Manual,
        Reason::Import,
        Reason::Reservation,
        Reason::Release,
        Reason::Sale,
        Reason::RefundRestock,
    ];

    /// The reason in the merchant's words, for the history table.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Initial => "Initial stock",
            Reason::Manual => "Manual adjustment",
            Reason::Import => "CSV import",
            Reason::Reservation => "Reserved at checkout",
            Reason::Release => "Reservation released",
            Reason::Sale => "Sold",
            Reason::RefundRestock => "Refund restock",
        }
    }
}

/// History rows decode `inventory_ledger.reason` through this.
impl TryFrom<String> for Reason {
    type Error = UnknownState;
    fn try_from(value: String) -> Result<Reason, UnknownState> {
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str() == value)
            .ok_or(UnknownState {
                column: "reason",
                value,
            })
    }
}

/// One stock change to record.
pub struct Change<'a> {
    pub shop_id: i64,
    pub variant_id: i64,
    pub delta: i64,
    pub reason: Reason,
    pub note: &'a str,
    /// What caused it outside the catalogue, e.g. "order:42".
    pub reference: Option<&'a str>,
    pub user_id: Option<i64>,
}

/// Apply `change` if the stock stays at or above zero; returns the new stock, or
/// `None` when there is not enough (or the variant is unlimited, removed, or another
/// shop's). Call inside a transaction: the update and the ledger row go together.
pub async fn record(conn: &mut AnyConnection, change: &Change<'_>) -> sqlx::Result<Option<i64>> {
    let now = now_ms();
    let updated: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE variants SET stock = stock + $1, updated_at = $2 \
         WHERE id = $3 AND shop_id = $4 AND unlimited = $5 AND removed_at IS NULL \
         AND stock + $1 >= 0 RETURNING stock, product_id",
    )
    .bind(change.delta)
    .bind(now)
    .bind(change.variant_id)
    .bind(change.shop_id)
    .bind(false)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((stock_after, product_id)) = updated else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO inventory_ledger (shop_id, product_id, variant_id, delta, stock_after, reason, \
         note, reference, user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(change.shop_id)
    .bind(product_id)
    .bind(change.variant_id)
    .bind(change.delta)
    .bind(stock_after)
    .bind(change.reason.as_str())
    .bind(change.note)
    .bind(change.reference)
    .bind(change.user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(Some(stock_after))
}

/// Take several amounts of one variant at once, e.g. the reservations of a flash-sale
/// batch: one conditional UPDATE for their sum, and one ledger row per amount (`takes`:
/// units and reference) with the stock after it, as if each had been recorded in turn by
/// [`record`]. Returns the stock after all of them, or `None` (nothing changed) when the
/// stock does not cover the sum or the variant is unlimited, removed or another shop's.
pub async fn take_many(
    conn: &mut AnyConnection,
    shop_id: i64,
    variant_id: i64,
    reason: Reason,
    takes: &[(i64, String)],
) -> sqlx::Result<Option<i64>> {
    let now = now_ms();
    let sum: i64 = takes.iter().map(|(units, _)| units).sum();
    let updated: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE variants SET stock = stock - $1, updated_at = $2 \
         WHERE id = $3 AND shop_id = $4 AND unlimited = $5 AND removed_at IS NULL \
         AND stock >= $1 RETURNING stock, product_id",
    )
    .bind(sum)
    .bind(now)
    .bind(variant_id)
    .bind(shop_id)
    .bind(false)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((stock_end, product_id)) = updated else {
        return Ok(None);
    };
    if takes.is_empty() {
        return Ok(Some(stock_end));
    }
    let sql = format!(
        "INSERT INTO inventory_ledger (shop_id, product_id, variant_id, delta, stock_after, reason, \
         note, reference, user_id, created_at) VALUES {}",
        crate::db::placeholders(takes.len(), 10)
    );
    let mut q = sqlx::query(&sql);
    let mut after = stock_end + sum;
    for (units, reference) in takes {
        after -= units;
        q = q
            .bind(shop_id)
            .bind(product_id)
            .bind(variant_id)
            .bind(-units)
            .bind(after)
            .bind(reason.as_str())
            .bind("")
            .bind(reference)
            .bind(None::<i64>)
            .bind(now);
    }
    q.execute(&mut *conn).await?;
    Ok(Some(stock_end))
}

/// One line of a product's stock history.
#[derive(Debug, Clone, FromRow)]
pub struct Entry {
    pub id: i64,
    pub variant_id: i64,
    pub variant_title: String,
    pub delta: i64,
    pub stock_after: i64,
    #[sqlx(try_from = "String")]
    pub reason: Reason,
    pub note: String,
    pub reference: Option<String>,
    pub user_name: Option<String>,
    pub created_at: i64,
}

impl Entry {
    pub fn reason_label(&self) -> &'static str {
        self.reason.label()
    }
    pub fn signed_delta(&self) -> String {
        if self.delta > 0 {
            format!("+{}", self.delta)
        } else {
            self.delta.to_string()
        }
    }
}

/// The newest `limit` ledger lines of a product.
pub async fn history(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    product_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT l.id, l.variant_id, v.title AS variant_title, l.delta, l.stock_after, l.reason, \
         l.note, l.reference, u.name AS user_name, l.created_at \
         FROM inventory_ledger l JOIN variants v ON v.id = l.variant_id \
         LEFT JOIN users u ON u.id = l.user_id \
         WHERE l.product_id = $1 AND l.shop_id = $2 ORDER BY l.id DESC LIMIT $3",
    )
    .bind(product_id)
    .bind(shop_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The sum of a variant's ledger: always equal to its stock.
pub async fn ledger_sum(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    variant_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM inventory_ledger \
         WHERE variant_id = $1 AND shop_id = $2",
    )
    .bind(variant_id)
    .bind(shop_id)
    .fetch_one(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_through_their_stored_word() {
        for r in Reason::ALL {
            assert_eq!(Reason::try_from(r.as_str().to_string()), Ok(r));
            assert!(!r.label().is_empty());
        }
        assert!(Reason::try_from("gift".to_string()).is_err());
    }
}
