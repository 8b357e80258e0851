//! The `order_lines` rows: the typed `Line` (its units' state a `StockState`, `tracked`
//! a bool, its price `Money`) and the guarded moves of one line's units.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyExecutor, FromRow, Row};

use crate::db::Flag;
use crate::money::Money;
use crate::orders::domain::StockState;

#[derive(Debug, Clone)]
pub struct Line {
    pub id: i64,
    pub product_id: i64,
    pub variant_id: i64,
    pub title: String,
    pub variant_title: String,
    pub quantity: i64,
    /// The price of one unit as bought (the live offer's, if the line came from one).
    pub unit_price: Money,
    pub offer_pin_id: Option<i64>,
    pub stripe_price_id: Option<String>,
    pub stock_state: StockState,
    /// Whether the variant counts its stock (false for unlimited ones: no stock moves).
    pub tracked: bool,
    /// Units put back on the shelf by refunds so far.
    pub restocked: i64,
}

impl Line {
    /// The order's currency, as the line stores it.
    pub fn currency(&self) -> &str {
        &self.unit_price.currency
    }

    /// This line's amount (unit price × quantity).
    pub fn amount(&self) -> Money {
        self.unit_price.times(self.quantity)
    }

    /// Units a refund can still put back: sold and not yet restocked.
    pub fn restockable(&self) -> i64 {
        match self.stock_state {
            StockState::Sold => self.quantity - self.restocked,
            StockState::Held | StockState::Released => 0,
        }
    }
}

/// Hand-written for the same reason as `Order`'s: the enum, the bool and the `Money`
/// are decoded here, once.
impl<'r> FromRow<'r, AnyRow> for Line {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<Line> {
        let stock_state: &str = row.try_get("stock_state")?;
        let stock_state =
            StockState::decode(stock_state).map_err(|e| sqlx::Error::ColumnDecode {
                index: "stock_state".into(),
                source: Box::new(e),
            })?;
        let tracked: Flag = row.try_get("tracked")?;
        Ok(Line {
            id: row.try_get("id")?,
            product_id: row.try_get("product_id")?,
            variant_id: row.try_get("variant_id")?,
            title: row.try_get("title")?,
            variant_title: row.try_get("variant_title")?,
            quantity: row.try_get("quantity")?,
            unit_price: Money::new(
                row.try_get::<i64, _>("unit_price")?,
                row.try_get::<String, _>("currency")?,
            ),
            offer_pin_id: row.try_get("offer_pin_id")?,
            stripe_price_id: row.try_get("stripe_price_id")?,
            stock_state,
            tracked: tracked.into(),
            restocked: row.try_get("restocked")?,
        })
    }
}

pub async fn lines(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_id: i64,
) -> sqlx::Result<Vec<Line>> {
    sqlx::query_as(&format!(
        "SELECT id, product_id, variant_id, title, variant_title, quantity, unit_price, currency, \
         offer_pin_id, stripe_price_id, stock_state, {}, restocked \
         FROM order_lines WHERE order_id = $1 AND shop_id = $2 ORDER BY id",
        crate::db::flag("tracked")
    ))
    .bind(order_id)
    .bind(shop_id)
    .fetch_all(db)
    .await
}

/// Units in the cart so far (the cap on one order's size).
pub async fn units(db: impl AnyExecutor<'_>, shop_id: i64, order_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM order_lines \
         WHERE order_id = $1 AND shop_id = $2",
    )
    .bind(order_id)
    .bind(shop_id)
    .fetch_one(db)
    .await
}

/// Held → released for one line; false when it was not held (already moved).
pub async fn release(conn: &mut AnyConnection, line_id: i64) -> sqlx::Result<bool> {
    let moved =
        sqlx::query("UPDATE order_lines SET stock_state = $1 WHERE id = $2 AND stock_state = $3")
            .bind(StockState::Released.as_str())
            .bind(line_id)
            .bind(StockState::Held.as_str())
            .execute(&mut *conn)
            .await?;
    Ok(moved.rows_affected() == 1)
}

/// A line whose units a refund put back.
#[derive(Debug, Clone, FromRow)]
pub struct Restocked {
    pub variant_id: i64,
    #[sqlx(try_from = "Flag")]
    pub tracked: bool,
}

/// Count `units` of a sold line of `order_id` as restocked, if that many are left to put
/// back (a conditional UPDATE: two refunds cannot restock the same unit).
pub async fn restock(
    conn: &mut AnyConnection,
    order_id: i64,
    line_id: i64,
    units: i64,
) -> sqlx::Result<Option<Restocked>> {
    sqlx::query_as(&format!(
        "UPDATE order_lines SET restocked = restocked + $1 WHERE id = $2 AND order_id = $3 \
         AND stock_state = $4 AND restocked + $1 <= quantity RETURNING variant_id, {}",
        crate::db::flag("tracked")
    ))
    .bind(units)
    .bind(line_id)
    .bind(order_id)
    .bind(StockState::Sold.as_str())
    .fetch_optional(&mut *conn)
    .await
}
