//! The per-minute timeline of a stream: concurrent viewers, orders and reactions in each
//! minute of the live window. The chart, its data table and the CSV all read this.

use super::metrics::{Window, is_kept};
use super::store::{OrderRow, Visit};

pub const MINUTE_MS: i64 = 60_000;

/// One minute of the live window, `[start, start + 1 min)` (the last one may be shorter).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Minute {
    /// 0 for the first minute after go-live.
    pub index: i64,
    pub start: i64,
    /// The most viewers watching at once at any instant of the minute.
    pub viewers: i64,
    /// Kept orders placed (first Buy) in the minute.
    pub orders: i64,
    /// Reaction taps counted in the minute.
    pub reactions: i64,
}

/// The live window minute by minute. The highest `viewers` equals the peak tile.
pub fn per_minute(
    visits: &[Visit],
    orders: &[OrderRow],
    reactions: &[(i64, i64)],
    window: Window,
) -> Vec<Minute> {
    let count = (window.duration_ms() + MINUTE_MS - 1) / MINUTE_MS;
    let mut minutes: Vec<Minute> = (0..count)
        .map(|index| Minute {
            index,
            start: window.start + index * MINUTE_MS,
            viewers: 0,
            orders: 0,
            reactions: 0,
        })
        .collect();
    let bucket = |at: i64| {
        window
            .contains(at)
            .then(|| ((at - window.start) / MINUTE_MS) as usize)
    };
    for order in orders.iter().filter(|o| is_kept(o)) {
        if let Some(i) = bucket(order.created_at) {
            minutes[i].orders += 1;
        }
    }
    for &(at, n) in reactions {
        if let Some(i) = bucket(at) {
            minutes[i].reactions += n;
        }
    }

    let mut edges: Vec<(i64, i64)> = visits
        .iter()
        .filter_map(|v| window.clip(v.joined_at, v.left_at.unwrap_or(window.end)))
        .flat_map(|(a, b)| [(a, 1), (b, -1)])
        .collect();
    // Leaves before joins at one instant, as in the peak: a reconnect is not two viewers.
    edges.sort_unstable();
    let (mut next, mut current) = (0, 0i64);
    for minute in &mut minutes {
        let end = (minute.start + MINUTE_MS).min(window.end);
        while next < edges.len() && edges[next].0 <= minute.start {
            current += edges[next].1;
            next += 1;
        }
        let mut most = current;
        while next < edges.len() && edges[next].0 < end {
            let at = edges[next].0;
            while next < edges.len() && edges[next].0 == at {
                current += edges[next].1;
                next += 1;
            }
            most = most.max(current);
        }
        minute.viewers = most;
    }
    minutes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(joined: i64, left: Option<i64>) -> Visit {
        Visit {
            viewer_id: format!("v{joined}"),
            joined_at: joined,
            left_at: left,
        }
    }

    #[test]
    fn each_minute_shows_its_highest_concurrency() {
        let window = Window {
            start: 0,
            end: 150_000,
        };
        let visits = [
            visit(-5_000, Some(70_000)),
            visit(30_000, Some(60_000)),
            visit(60_000, None),
            visit(200_000, Some(210_000)),
        ];
        let minutes = per_minute(&visits, &[], &[(61_000, 4), (500_000, 9)], window);
        let viewers: Vec<i64> = minutes.iter().map(|m| m.viewers).collect();
        // 0–1: two overlap from 0:30; 1–2: the 1:00 leave and join cancel, then 1:10
        // leaves; 2–2:30: one left, still open at the end.
        assert_eq!(viewers, [2, 2, 1]);
        assert_eq!(minutes[1].reactions, 4);
        assert_eq!(minutes.iter().map(|m| m.reactions).sum::<i64>(), 4);
    }
}
