//! Which streams a report query covers (one stream, or those that went live in a date
//! range), as SQL conditions and arguments, and the CTE numbering each viewer's visits
//! in the live window (a viewer's first visit names their traffic source).

use sqlx::Arguments;
use sqlx::any::AnyArguments;

/// Which streams a split covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// One stream of the shop.
    Stream(i64),
    /// The shop's streams that went live in `[start, end)`.
    Range { start: i64, end: i64 },
}

impl Scope {
    /// A condition on `streams s`, with `$1` the shop.
    pub fn condition(&self) -> &'static str {
        match self {
            Scope::Stream(_) => "s.shop_id = $1 AND s.id = $2",
            Scope::Range { .. } => {
                "s.shop_id = $1 AND s.started_at >= $2 AND s.started_at < $3 \
                 AND s.status IN ('live', 'ended')"
            }
        }
    }

    /// The placeholder bound to *now* (the end of a live stream's window).
    pub fn now_param(&self) -> &'static str {
        match self {
            Scope::Stream(_) => "$3",
            Scope::Range { .. } => "$4",
        }
    }

    pub fn arguments(&self, shop_id: i64, now: i64) -> AnyArguments<'static> {
        let mut args = AnyArguments::default();
        let values = match *self {
            Scope::Stream(id) => vec![shop_id, id, now],
            Scope::Range { start, end } => vec![shop_id, start, end, now],
        };
        for v in values {
            // Adding an i64 to Any arguments cannot fail.
            let _ = args.add(v);
        }
        args
    }

    /// `WITH firsts AS (…)`: each viewer's visits in the live window of each stream in
    /// scope, numbered by join time (`n = 1` is the first, which names the source).
    /// With `buyers_only`, only the visits of viewers on an order of those streams (what
    /// the order side needs, found through the orders rather than every visit); `extra`
    /// is one more condition on `streams s` ("" for none).
    pub fn firsts_cte(&self, buyers_only: bool, extra: &str) -> String {
        let cond = self.condition();
        let from = if buyers_only {
            format!(
                "(SELECT DISTINCT o.stream_id, o.viewer_id FROM orders o WHERE o.shop_id = $1 \
                 AND o.stream_id IN (SELECT s.id FROM streams s WHERE {cond})) b \
                 CROSS JOIN viewer_sessions v"
            )
        } else {
            "viewer_sessions v".to_string()
        };
        // CROSS JOIN keeps the few buyer pairs as the outer loop on SQLite, each finding
        // its visits through `viewer_sessions_open` (stream, viewer); a plain join let
        // the planner scan the pairs once per visit (quadratic on a big stream). For the
        // same reason `joined_at + 0` below is no index range: SQLite 3.46 would otherwise
        // scan the stream's visits by `viewer_sessions_stream` once per buyer (80 s for
        // 5,000 buyers among 50,000 visits; 16 ms this way).
        let pairs = if buyers_only {
            " AND v.stream_id = b.stream_id AND v.viewer_id = b.viewer_id"
        } else {
            ""
        };
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" AND {extra}")
        };
        format!(
            "firsts AS (SELECT v.stream_id, v.viewer_id, v.utm_source, v.embedded, v.referrer, \
             ROW_NUMBER() OVER (PARTITION BY v.stream_id, v.viewer_id ORDER BY v.joined_at, v.id) AS n \
             FROM {from} JOIN streams s ON s.id = v.stream_id AND s.shop_id = v.shop_id \
             WHERE {cond}{pairs}{extra} AND v.shop_id = $1 AND s.started_at IS NOT NULL \
             AND v.joined_at + 0 < COALESCE(s.ended_at, {now}) \
             AND (v.left_at IS NULL OR (v.left_at > s.started_at AND v.left_at > v.joined_at) \
                  OR (v.left_at = v.joined_at AND v.joined_at >= s.started_at)))",
            now = self.now_param(),
        )
    }
}
