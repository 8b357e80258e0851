//! Viewer visits: opened at the first event connection, closed when the last one ends.

use sqlx::AnyExecutor;

/// Where a visit came from.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub referrer: String,
    pub utm_source: String,
    pub utm_medium: String,
    pub utm_campaign: String,
    pub embedded: bool,
}

/// Open a visit, or reopen this viewer's visit that closed less than `grace_ms` ago (a
/// reconnect, on this node or another, merges into the same visit). Returns its id.
pub async fn open_visit(
    db: &sqlx::AnyPool,
    shop_id: i64,
    stream_id: i64,
    viewer_id: &str,
    now: i64,
    grace_ms: i64,
    source: &Source,
) -> sqlx::Result<i64> {
    let reopened: Option<i64> = sqlx::query_scalar(
        "UPDATE viewer_sessions SET left_at = NULL WHERE id = (SELECT id FROM viewer_sessions \
         WHERE stream_id = $1 AND viewer_id = $2 AND (left_at IS NULL OR left_at >= $3) \
         ORDER BY joined_at DESC LIMIT 1) RETURNING id",
    )
    .bind(stream_id)
    .bind(viewer_id)
    .bind(now - grace_ms)
    .fetch_optional(db)
    .await?;
    if let Some(id) = reopened {
        return Ok(id);
    }
    sqlx::query_scalar(
        "INSERT INTO viewer_sessions (shop_id, stream_id, viewer_id, joined_at, referrer, utm_source, \
         utm_medium, utm_campaign, embedded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(shop_id)
    .bind(stream_id)
    .bind(viewer_id)
    .bind(now)
    .bind(&source.referrer)
    .bind(&source.utm_source)
    .bind(&source.utm_medium)
    .bind(&source.utm_campaign)
    .bind(source.embedded)
    .fetch_one(db)
    .await
}

pub async fn close_visit(db: impl AnyExecutor<'_>, visit_id: i64, at: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE viewer_sessions SET left_at = $1 WHERE id = $2 AND left_at IS NULL")
        .bind(at)
        .bind(visit_id)
        .execute(db)
        .await?;
    Ok(())
}

/// (joined_at, left_at) of every visit, to rebuild the peak after a restart.
pub async fn visits(
    db: impl AnyExecutor<'_>,
    stream_id: i64,
) -> sqlx::Result<Vec<(i64, Option<i64>)>> {
    sqlx::query_as("SELECT joined_at, left_at FROM viewer_sessions WHERE stream_id = $1")
        .bind(stream_id)
        .fetch_all(db)
        .await
}

/// Peak concurrency of a set of visits, and when it was first reached.
pub fn peak(visits: &[(i64, Option<i64>)], now: i64) -> (i64, Option<i64>) {
    let mut edges: Vec<(i64, i64)> = Vec::with_capacity(visits.len() * 2);
    for (joined, left) in visits {
        edges.push((*joined, 1));
        edges.push((left.unwrap_or(now), -1));
    }
    // At equal times, leaves before joins: a reconnect at the same instant is not two viewers.
    edges.sort();
    let (mut current, mut best, mut at) = (0i64, 0i64, None);
    for (time, delta) in edges {
        current += delta;
        if current > best {
            best = current;
            at = Some(time);
        }
    }
    (best, at)
}

#[cfg(test)]
mod tests {
    use super::peak;

    #[test]
    fn peak_concurrency_counts_overlaps_once() {
        let visits = [(0, Some(10)), (5, Some(15)), (10, Some(20)), (12, None)];
        // At 12: visits 2, 3 and 4 overlap (visit 1 left at 10 as visit 3 joined).
        assert_eq!(peak(&visits, 100), (3, Some(12)));
        assert_eq!(peak(&[], 100), (0, None));
    }
}
