//! The per-minute timeline of a stream: concurrent viewers, orders and reactions in each
//! minute of the live window, and the minutes with a spike of reactions. The chart, its
//! data table and the CSV all read this. Viewers and reactions are what the rollup
//! stores per minute (`per_minute`); orders are counted from the orders at read time
//! (`count_orders`), since refunds change them after the end.

use super::metrics::{Window, is_kept};
use super::store::{OrderRow, ReactionTick, Visit};

/// A minute is a reaction spike when its reactions reach this many times the median
/// minute of the stream…
pub const SPIKE_FACTOR: i64 = 3;
/// …and at least this many (docs/metrics.md, "Timeline").
pub const SPIKE_MIN: i64 = 10;

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
    /// A spike of reactions (`mark_spikes`).
    #[serde(rename = "reaction_spike")]
    pub spike: bool,
}

/// The index of the minute holding `at`, if inside the window.
fn bucket(window: Window, at: i64) -> Option<usize> {
    window
        .contains(at)
        .then(|| ((at - window.start) / MINUTE_MS) as usize)
}

/// Count the kept orders placed (first Buy) in each minute.
pub fn count_orders(minutes: &mut [Minute], orders: &[OrderRow], window: Window) {
    for m in minutes.iter_mut() {
        m.orders = 0;
    }
    for order in orders.iter().filter(|o| is_kept(o)) {
        if let Some(m) = bucket(window, order.created_at).and_then(|i| minutes.get_mut(i)) {
            m.orders += 1;
        }
    }
}

/// Mark the reaction spikes: minutes whose reactions are at least `SPIKE_FACTOR` × the
/// median minute's (over every minute of the window, quiet ones included; with an even
/// number of minutes, the mean of the two middle ones) and at least `SPIKE_MIN`.
pub fn mark_spikes(minutes: &mut [Minute]) {
    let mut counts: Vec<i64> = minutes.iter().map(|m| m.reactions).collect();
    counts.sort_unstable();
    let n = counts.len();
    // Twice the median, so an even count's mean stays exact.
    let twice_median = match n {
        0 => 0,
        _ if n % 2 == 1 => 2 * counts[n / 2],
        _ => counts[n / 2 - 1] + counts[n / 2],
    };
    for m in minutes.iter_mut() {
        m.spike = m.reactions >= SPIKE_MIN && 2 * m.reactions >= SPIKE_FACTOR * twice_median;
    }
}

/// The live window minute by minute: viewers and reactions (orders are added by
/// `count_orders`, spikes by `mark_spikes`). The highest `viewers` equals the peak tile.
pub fn per_minute(visits: &[Visit], reactions: &[ReactionTick], window: Window) -> Vec<Minute> {
    let count = (window.duration_ms() + MINUTE_MS - 1) / MINUTE_MS;
    let mut minutes: Vec<Minute> = (0..count)
        .map(|index| Minute {
            index,
            start: window.start + index * MINUTE_MS,
            viewers: 0,
            orders: 0,
            reactions: 0,
            spike: false,
        })
        .collect();
    for tick in reactions {
        if let Some(m) = bucket(window, tick.at).and_then(|i| minutes.get_mut(i)) {
            m.reactions += tick.count;
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

    /// Reaction ticks from (at, count) pairs.
    fn ticks(pairs: &[(i64, i64)]) -> Vec<ReactionTick> {
        pairs
            .iter()
            .map(|&(at, count)| ReactionTick { at, count })
            .collect()
    }

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
        let minutes = per_minute(&visits, &ticks(&[(61_000, 4), (500_000, 9)]), window);
        let viewers: Vec<i64> = minutes.iter().map(|m| m.viewers).collect();
        // 0–1: two overlap from 0:30; 1–2: the 1:00 leave and join cancel, then 1:10
        // leaves; 2–2:30: one left, still open at the end.
        assert_eq!(viewers, [2, 2, 1]);
        assert_eq!(minutes[1].reactions, 4);
        assert_eq!(minutes.iter().map(|m| m.reactions).sum::<i64>(), 4);
    }

    #[test]
    fn a_spike_is_three_times_the_median_minute_and_at_least_ten() {
        let window = Window {
            start: 0,
            end: 5 * MINUTE_MS,
        };
        let five = ticks(&[
            (0, 4),
            (MINUTE_MS, 4),
            (2 * MINUTE_MS, 12),
            (3 * MINUTE_MS, 11),
            (4 * MINUTE_MS, 5),
        ]);
        let mut minutes = per_minute(&[], &five, window);
        mark_spikes(&mut minutes);
        // Median of 4 4 5 11 12 is 5: a spike needs 15, so none here.
        assert!(minutes.iter().all(|m| !m.spike));
        // Quiet minutes (median 0): 12 is a spike, 9 is under the minimum.
        let mut minutes = per_minute(&[], &ticks(&[(0, 12), (MINUTE_MS, 9)]), window);
        mark_spikes(&mut minutes);
        let spikes: Vec<bool> = minutes.iter().map(|m| m.spike).collect();
        assert_eq!(spikes, [true, false, false, false, false]);
    }
}
