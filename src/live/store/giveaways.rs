//! Giveaways, their entries and their winners, and what the entry conditions read (watch
//! time, questions, paid orders, past wins). The draw is one transaction: the giveaway
//! turns drawn by a guarded UPDATE (once, whoever presses Draw twice) and its winners are
//! written with it.

use sqlx::{AnyExecutor, AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct GiveawayRow {
    pub id: i64,
    pub shop_id: i64,
    pub stream_id: i64,
    pub product_id: i64,
    pub variant_id: i64,
    pub prize: String,
    pub rules: String,
    pub keyword: Option<String>,
    pub winners: i64,
    pub min_watch_minutes: i64,
    #[sqlx(try_from = "crate::db::Flag")]
    pub needs_question: bool,
    #[sqlx(try_from = "crate::db::Flag")]
    pub needs_order: bool,
    #[sqlx(try_from = "crate::db::Flag")]
    pub not_recent_winner: bool,
    pub state: String,
    pub seed: String,
    pub seed_hash: String,
    pub entrants_hash: Option<String>,
    pub entrants: i64,
    pub opened_at: i64,
    pub drawn_at: Option<i64>,
}

impl GiveawayRow {
    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

const COLUMNS: &str = "id, shop_id, stream_id, product_id, variant_id, prize, rules, keyword, \
     winners, min_watch_minutes, needs_question, needs_order, not_recent_winner, state, seed, \
     seed_hash, entrants_hash, entrants, opened_at, drawn_at";

pub struct NewGiveaway<'a> {
    pub shop_id: i64,
    pub stream_id: i64,
    pub product_id: i64,
    pub variant_id: i64,
    pub prize: &'a str,
    pub rules: &'a str,
    pub keyword: Option<&'a str>,
    pub winners: i64,
    pub min_watch_minutes: i64,
    pub needs_question: bool,
    pub needs_order: bool,
    pub not_recent_winner: bool,
    pub seed: &'a str,
    pub seed_hash: &'a str,
    pub opened_at: i64,
}

/// Open a giveaway; `None` while another of the stream is open.
pub async fn open(pool: &AnyPool, g: &NewGiveaway<'_>) -> sqlx::Result<Option<i64>> {
    let mut tx = pool.begin().await?;
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_giveaways WHERE stream_id = $1 AND state = 'open'",
    )
    .bind(g.stream_id)
    .fetch_one(&mut *tx)
    .await?;
    if open > 0 {
        return Ok(None);
    }
    let id = sqlx::query_scalar(
        "INSERT INTO live_giveaways (shop_id, stream_id, product_id, variant_id, prize, rules, keyword, \
         winners, min_watch_minutes, needs_question, needs_order, not_recent_winner, seed, seed_hash, \
         opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(g.shop_id)
    .bind(g.stream_id)
    .bind(g.product_id)
    .bind(g.variant_id)
    .bind(g.prize)
    .bind(g.rules)
    .bind(g.keyword)
    .bind(g.winners)
    .bind(g.min_watch_minutes)
    .bind(i64::from(g.needs_question))
    .bind(i64::from(g.needs_order))
    .bind(i64::from(g.not_recent_winner))
    .bind(g.seed)
    .bind(g.seed_hash)
    .bind(g.opened_at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

pub async fn get(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    id: i64,
) -> sqlx::Result<Option<GiveawayRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_giveaways WHERE id = $1 AND stream_id = $2"
    ))
    .bind(id)
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// The stream's latest giveaway (the room's state shows it).
pub async fn latest(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Option<GiveawayRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_giveaways WHERE stream_id = $1 ORDER BY opened_at DESC, id DESC LIMIT 1"
    ))
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// The stream's open giveaway with a chat keyword, if any.
pub async fn open_with_keyword(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
) -> sqlx::Result<Option<GiveawayRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_giveaways WHERE stream_id = $1 AND state = 'open' AND keyword IS NOT NULL"
    ))
    .bind(stream_id)
    .fetch_optional(db)
    .await
}

/// Every giveaway of a stream, oldest first (reports).
pub async fn of_stream(db: impl AnyExecutor<'_>, stream_id: i64) -> sqlx::Result<Vec<GiveawayRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM live_giveaways WHERE stream_id = $1 ORDER BY opened_at, id"
    ))
    .bind(stream_id)
    .fetch_all(db)
    .await
}

pub async fn cancel(pool: &AnyPool, id: i64, now: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE live_giveaways SET state = 'cancelled', drawn_at = $1 WHERE id = $2 AND state = 'open'",
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// Enter a viewer once; false when they had entered already.
pub async fn enter(
    db: impl AnyExecutor<'_>,
    giveaway_id: i64,
    viewer_id: &str,
    name: &str,
    via: &str,
    now: i64,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO live_giveaway_entries (giveaway_id, viewer_id, name, via, entered_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(giveaway_id)
    .bind(viewer_id)
    .bind(name)
    .bind(via)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

#[derive(Debug, Clone, FromRow)]
pub struct Entry {
    pub viewer_id: String,
    pub name: String,
    pub via: String,
    pub entered_at: i64,
}

/// The entries in the order they came (the draw's order is made from these: `draw`).
pub async fn entries(db: impl AnyExecutor<'_>, giveaway_id: i64) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT viewer_id, name, via, entered_at FROM live_giveaway_entries WHERE giveaway_id = $1 \
         ORDER BY entered_at, viewer_id",
    )
    .bind(giveaway_id)
    .fetch_all(db)
    .await
}

pub async fn entry_count(db: impl AnyExecutor<'_>, giveaway_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM live_giveaway_entries WHERE giveaway_id = $1")
        .bind(giveaway_id)
        .fetch_one(db)
        .await
}

pub async fn has_entered(
    db: impl AnyExecutor<'_>,
    giveaway_id: i64,
    viewer_id: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_giveaway_entries WHERE giveaway_id = $1 AND viewer_id = $2",
    )
    .bind(giveaway_id)
    .bind(viewer_id)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// A winner to write with the draw.
pub struct NewWinner<'a> {
    pub viewer_id: &'a str,
    pub name: &'a str,
}

/// Record the draw: the giveaway drawn (once) with its entrant count and list hash, and
/// its winners in place order. False when it was no longer open.
pub async fn record_draw(
    pool: &AnyPool,
    g: &GiveawayRow,
    entrants: i64,
    entrants_hash: &str,
    winners: &[NewWinner<'_>],
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let drawn = sqlx::query(
        "UPDATE live_giveaways SET state = 'drawn', drawn_at = $1, entrants = $2, entrants_hash = $3 \
         WHERE id = $4 AND state = 'open'",
    )
    .bind(now)
    .bind(entrants)
    .bind(entrants_hash)
    .bind(g.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if drawn == 0 {
        return Ok(false);
    }
    for (place, w) in winners.iter().enumerate() {
        sqlx::query(
            "INSERT INTO live_giveaway_winners (giveaway_id, place, viewer_id, name, shop_id, won_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(g.id)
        .bind(place as i64 + 1)
        .bind(w.viewer_id)
        .bind(w.name)
        .bind(g.shop_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, Clone, FromRow)]
pub struct Winner {
    pub place: i64,
    pub viewer_id: String,
    pub name: String,
    pub order_id: Option<i64>,
}

pub async fn winners(db: impl AnyExecutor<'_>, giveaway_id: i64) -> sqlx::Result<Vec<Winner>> {
    sqlx::query_as(
        "SELECT place, viewer_id, name, order_id FROM live_giveaway_winners WHERE giveaway_id = $1 \
         ORDER BY place",
    )
    .bind(giveaway_id)
    .fetch_all(db)
    .await
}

/// The order a winner's claim made; false when their place has one already.
pub async fn set_claim(
    db: impl AnyExecutor<'_>,
    giveaway_id: i64,
    place: i64,
    order_id: i64,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE live_giveaway_winners SET order_id = $1 WHERE giveaway_id = $2 AND place = $3 \
         AND order_id IS NULL",
    )
    .bind(order_id)
    .bind(giveaway_id)
    .bind(place)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// The viewer's watch time of the stream, in ms (open visits count to `now`).
pub async fn watched_ms(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    viewer_id: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(COALESCE(left_at, $1) - joined_at), 0) AS BIGINT) \
         FROM viewer_sessions WHERE stream_id = $2 AND viewer_id = $3",
    )
    .bind(now)
    .bind(stream_id)
    .bind(viewer_id)
    .fetch_one(db)
    .await
}

/// Whether the viewer asked a question in the stream.
pub async fn asked(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    viewer_id: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM questions WHERE stream_id = $1 AND viewer_id = $2",
    )
    .bind(stream_id)
    .bind(viewer_id)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// Whether the viewer paid for an order from the stream (a prize's zero order is none).
pub async fn bought(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
    viewer_id: &str,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE stream_id = $1 AND viewer_id = $2 AND total > 0 \
         AND status IN ('paid', 'fulfilled', 'partially_refunded')",
    )
    .bind(stream_id)
    .bind(viewer_id)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// Whether the viewer won a giveaway of the shop since `since`.
pub async fn won_since(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    viewer_id: &str,
    since: i64,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_giveaway_winners WHERE shop_id = $1 AND viewer_id = $2 AND won_at >= $3",
    )
    .bind(shop_id)
    .bind(viewer_id)
    .bind(since)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}
