//! Coupon drops and their redemptions. A redemption is taken in one transaction: the
//! coupon's counter by a conditional UPDATE (still on, not expired, under its limit), the
//! shopper's row (one per shopper and coupon), and the order's discount (only while the
//! order is pending, has no coupon and still costs what the discount was computed on).
//! Any of the three failing undoes the others, so the counter is exact on any backend.

use sqlx::{AnyConnection, AnyExecutor, AnyPool, FromRow};

use crate::db::OnConstraint;

#[derive(Debug, Clone, FromRow)]
pub struct CouponRow {
    pub id: i64,
    pub shop_id: i64,
    pub stream_id: i64,
    pub code: String,
    pub kind: String,
    pub value: i64,
    pub currency: String,
    pub min_basket: i64,
    pub max_redemptions: Option<i64>,
    pub redeemed: i64,
    pub dropped_at: i64,
    pub expires_at: Option<i64>,
    pub ended_at: Option<i64>,
}

impl CouponRow {
    /// Whether it takes redemptions at `now` (the stream's end is the caller's to check
    /// for a coupon without `expires_at`).
    pub fn is_on(&self, now: i64) -> bool {
        self.ended_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }

    pub fn sold_out(&self) -> bool {
        self.max_redemptions.is_some_and(|m| self.redeemed >= m)
    }
}

const COLUMNS: &str = "id, shop_id, stream_id, code, kind, value, currency, min_basket, \
     max_redemptions, redeemed, dropped_at, expires_at, ended_at";

/// A new drop, as the host's form gave it.
pub struct NewCoupon<'a> {
    pub code: &'a str,
    pub kind: &'a str,
    pub value: i64,
    pub currency: &'a str,
    pub min_basket: i64,
    pub max_redemptions: Option<i64>,
    pub expires_at: Option<i64>,
}

/// Drop a coupon, taking the stream's current one off the video (one at a time). `None`
/// when the shop has used the code before.
pub async fn drop(
    pool: &AnyPool,
    shop_id: i64,
    stream_id: i64,
    new: &NewCoupon<'_>,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE live_coupons SET ended_at = $1 WHERE stream_id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(stream_id)
        .execute(&mut *tx)
        .await?;
    let id = sqlx::query_scalar(
        "INSERT INTO live_coupons (shop_id, stream_id, code, kind, value, currency, min_basket, \
         max_redemptions, dropped_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         RETURNING id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(new.code)
    .bind(new.kind)
    .bind(new.value)
    .bind(new.currency)
    .bind(new.min_basket)
    .bind(new.max_redemptions)
    .bind(now)
    .bind(new.expires_at)
    .fetch_one(&mut *tx)
    .await
    .on_unique("live_coupons", "code")?;
    if id.is_some() {
        tx.commit().await?;
    }
    Ok(id)
}

/// Take a coupon of `stream_id` off the video.
pub async fn end(pool: &AnyPool, stream_id: i64, id: i64, now: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE live_coupons SET ended_at = $1 WHERE id = $2 AND stream_id = $3 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(stream_id)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

pub async fn get(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    id: i64,
) -> sqlx::Result<Option<CouponRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_coupons WHERE id = $1 AND stream_id = $2"
    ))
    .bind(id)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// The coupon `code` (upper case) of a stream.
pub async fn by_code(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    code: &str,
) -> sqlx::Result<Option<CouponRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_coupons WHERE stream_id = $1 AND code = $2"
    ))
    .bind(stream_id)
    .bind(code)
    .fetch_optional(db)
    .await
}

/// The stream's latest drop, on or not (the room's state shows it until it is off).
pub async fn latest(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Option<CouponRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_coupons WHERE stream_id = $1 ORDER BY dropped_at DESC, id DESC LIMIT 1"
    ))
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// Every drop of a stream, in the order they were dropped (reports).
pub async fn of_stream(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Vec<CouponRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_coupons WHERE stream_id = $1 ORDER BY dropped_at, id"
    ))
    .bind(stream_id)
    .fetch_all(db)
    .await
}

/// How a redemption went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Applied,
    /// Off, expired or at its limit by the time it was taken: read it again to say which.
    Gone,
    /// This shopper holds it on another order already.
    AlreadyUsed,
    /// The order is no longer pending at the amount the discount was computed on.
    OrderMoved,
}

/// One redemption of `coupon` for an order.
pub struct Redemption<'a> {
    pub coupon_id: i64,
    pub shop_id: i64,
    pub order_id: i64,
    pub viewer_id: &'a str,
    /// The order's total the discount was computed on, and the discount.
    pub basket: i64,
    pub discount: i64,
    pub code: &'a str,
}

pub async fn take(pool: &AnyPool, r: &Redemption<'_>, now: i64) -> sqlx::Result<Taken> {
    let mut tx = pool.begin().await?;
    let counted = sqlx::query(
        "UPDATE live_coupons SET redeemed = redeemed + 1 WHERE id = $1 AND ended_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2) \
         AND (max_redemptions IS NULL OR redeemed < max_redemptions)",
    )
    .bind(r.coupon_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if counted == 0 {
        return Ok(Taken::Gone);
    }
    let mine = sqlx::query(
        "INSERT INTO live_coupon_redemptions (order_id, coupon_id, viewer_id, discount, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(r.order_id)
    .bind(r.coupon_id)
    .bind(r.viewer_id)
    .bind(r.discount)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if mine == 0 {
        return Ok(Taken::AlreadyUsed);
    }
    let applied = sqlx::query(
        "UPDATE orders SET discount = $1, coupon_code = $2, total = total - $1, updated_at = $3 \
         WHERE id = $4 AND shop_id = $5 AND status = 'pending' AND coupon_code IS NULL AND total = $6",
    )
    .bind(r.discount)
    .bind(r.code)
    .bind(now)
    .bind(r.order_id)
    .bind(r.shop_id)
    .bind(r.basket)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if applied == 0 {
        return Ok(Taken::OrderMoved);
    }
    tx.commit().await?;
    Ok(Taken::Applied)
}

/// The order `order_id` was released unpaid: its redemption goes back to the coupon.
/// The coupon's id, when it held one.
pub async fn release(conn: &mut AnyConnection, order_id: i64) -> sqlx::Result<Option<i64>> {
    let coupon: Option<i64> = sqlx::query_scalar(
        "DELETE FROM live_coupon_redemptions WHERE order_id = $1 RETURNING coupon_id",
    )
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = coupon {
        sqlx::query("UPDATE live_coupons SET redeemed = redeemed - 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(coupon)
}

/// The order number on which this shopper holds the coupon.
pub async fn used_on(
    db: impl AnyExecutor<'_>,
    coupon_id: i64,
    viewer_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT o.number FROM live_coupon_redemptions r JOIN orders o ON o.id = r.order_id \
         WHERE r.coupon_id = $1 AND r.viewer_id = $2",
    )
    .bind(coupon_id)
    .bind(viewer_id)
    .fetch_optional(db)
    .await
}

/// What a coupon brought: orders paid with it, the discount they were given and what
/// they paid (kept: paid, fulfilled or partly refunded, less refunds).
#[derive(Debug, Clone, Default, FromRow)]
pub struct Brought {
    pub paid_orders: i64,
    pub discount_given: i64,
    pub revenue: i64,
}

pub async fn brought(db: impl AnyExecutor<'_>, coupon_id: i64) -> sqlx::Result<Brought> {
    sqlx::query_as(
        "SELECT COUNT(*) AS paid_orders, CAST(COALESCE(SUM(r.discount), 0) AS BIGINT) AS discount_given, \
         CAST(COALESCE(SUM(o.total - o.refunded_amount), 0) AS BIGINT) AS revenue \
         FROM live_coupon_redemptions r JOIN orders o ON o.id = r.order_id \
         WHERE r.coupon_id = $1 AND o.status IN ('paid', 'fulfilled', 'partially_refunded')",
    )
    .bind(coupon_id)
    .fetch_one(db)
    .await
}

/// Whether the order is an auction's win (coupons do not lower a winning bid).
pub async fn is_auction_order(db: impl AnyExecutor<'_>, order_id: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_auctions WHERE order_id = $1")
        .bind(order_id)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}
