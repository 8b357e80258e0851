//! One function per metric of a stream report, each defined in docs/metrics.md. They are
//! pure: rows in (loaded by `store`), numbers out, so the studio's live figures and
//! the report can share them and the hand-computed fixture can prove them.

use std::collections::BTreeSet;

use super::store::{LineRow, OrderRow, QuestionRow, StreamRow, Visit};
use crate::orders::domain::OrderStatus;

/// The stream's live window, `[start, end)` in UTC milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// The part of `[from, to)` inside the window, if any.
    pub fn clip(&self, from: i64, to: i64) -> Option<(i64, i64)> {
        let (a, b) = (from.max(self.start), to.min(self.end));
        (a < b || (a == b && from == to && self.contains(a))).then_some((a, b))
    }

    pub fn contains(&self, at: i64) -> bool {
        at >= self.start && at < self.end
    }

    pub fn duration_ms(&self) -> i64 {
        self.end - self.start
    }
}

/// From `started_at` to `ended_at`, or to `now` while live. `None` before go-live.
pub fn live_window(stream: &StreamRow, now: i64) -> Option<Window> {
    let start = stream.started_at?;
    let end = stream.ended_at.unwrap_or(now).max(start);
    Some(Window { start, end })
}

/// A visit as a half-open interval clipped to the window (an open visit runs to its end).
fn clipped(visit: &Visit, window: Window) -> Option<(i64, i64)> {
    window.clip(visit.joined_at, visit.left_at.unwrap_or(window.end))
}

/// Unique viewers: distinct viewer ids with a visit inside the live window.
pub fn unique_viewers(visits: &[Visit], window: Window) -> BTreeSet<&str> {
    visits
        .iter()
        .filter(|v| clipped(v, window).is_some())
        .map(|v| v.viewer_id.as_str())
        .collect()
}

/// Total watch time: the sum of visit durations clipped to the live window.
pub fn watch_time_ms(visits: &[Visit], window: Window) -> i64 {
    visits
        .iter()
        .filter_map(|v| clipped(v, window))
        .map(|(a, b)| b - a)
        .sum()
}

/// Average watch time: total watch time ÷ unique viewers (per person, not per visit).
pub fn average_watch_time_ms(watch_time_ms: i64, unique_viewers: usize) -> Option<i64> {
    (unique_viewers > 0).then(|| watch_time_ms / unique_viewers as i64)
}

/// Peak concurrent viewers and the first moment it was reached: a sweep over the
/// clipped visits, with the live room's own rule (a leave before a join at one instant).
pub fn peak_concurrent(visits: &[Visit], window: Window) -> (i64, Option<i64>) {
    let clipped: Vec<(i64, Option<i64>)> = visits
        .iter()
        .filter_map(|v| clipped(v, window))
        .map(|(a, b)| (a, Some(b)))
        .collect();
    crate::live::store::presence::peak(&clipped, window.end)
}

/// Engaged viewers: unique viewers who asked a question or sent a chat message.
/// Reactions are counted per room tick, not per viewer, so they cannot name a viewer.
pub fn engaged_viewers<'a>(
    viewers: &BTreeSet<&'a str>,
    questions: &[QuestionRow],
    chatters: &[String],
) -> BTreeSet<&'a str> {
    let active: BTreeSet<&str> = questions
        .iter()
        .map(|q| q.viewer_id.as_str())
        .chain(chatters.iter().map(String::as_str))
        .collect();
    viewers
        .iter()
        .copied()
        .filter(|v| active.contains(v))
        .collect()
}

/// A share of a whole, kept as a fraction so nothing is rounded twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub part: i64,
    pub whole: i64,
}

impl Rate {
    /// `None` when the whole is zero: "no viewers" is not "0 %".
    pub fn of(part: usize, whole: usize) -> Option<Rate> {
        (whole > 0).then_some(Rate {
            part: part as i64,
            whole: whole as i64,
        })
    }

    /// Tenths of a percent, rounded half up ("66.7 %" is 667): what `percent` writes and
    /// the overview's conversion trend plots.
    pub fn tenths(&self) -> i64 {
        (self.part * 2000 + self.whole) / (2 * self.whole)
    }

    /// "66.7 %"
    pub fn percent(&self) -> String {
        let tenths = self.tenths();
        format!("{}.{} %", tenths / 10, tenths % 10)
    }

    /// "0.6667", for CSV and machines.
    pub fn fraction(&self) -> String {
        let ten_thousandths = (self.part * 20_000 + self.whole) / (2 * self.whole);
        format!(
            "{}.{:04}",
            ten_thousandths / 10_000,
            ten_thousandths % 10_000
        )
    }
}

/// Questions asked: every question of the stream except those a moderator hid.
pub fn questions_asked(questions: &[QuestionRow]) -> usize {
    questions.iter().filter(|q| !q.hidden).count()
}

/// Questions answered: asked questions the host marked answered.
pub fn questions_answered(questions: &[QuestionRow]) -> usize {
    answer_times_ms(questions).len()
}

fn answer_times_ms(questions: &[QuestionRow]) -> Vec<i64> {
    questions
        .iter()
        .filter(|q| !q.hidden)
        .filter_map(|q| q.answered_at.map(|a| (a - q.created_at).max(0)))
        .collect()
}

/// Median time to answer over answered questions (the mean of the two middle ones
/// when their number is even, rounded down to the millisecond).
pub fn median_answer_ms(questions: &[QuestionRow]) -> Option<i64> {
    let mut times = answer_times_ms(questions);
    times.sort_unstable();
    let n = times.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(times[n / 2]),
        _ => Some((times[n / 2 - 1] + times[n / 2]) / 2),
    }
}

/// Whether money arrived for the order (later refunds do not undo that).
pub fn is_paid(order: &OrderRow) -> bool {
    order.status.is_paid()
}

/// An order that counts: paid and not refunded in full.
pub fn is_kept(order: &OrderRow) -> bool {
    is_paid(order)
        && order.status != OrderStatus::Refunded
        && (order.refunded_amount < order.total || order.total == 0)
}

/// `is_kept` as SQL on `orders o`, for queries that group lines in the database
/// (top products).
pub const KEPT_SQL: &str = "o.status IN ('paid', 'fulfilled', 'partially_refunded') \
     AND (o.refunded_amount < o.total OR o.total = 0)";

/// Orders: orders attributed to the stream that are kept.
pub fn orders(orders: &[OrderRow]) -> usize {
    orders.iter().filter(|o| is_kept(o)).count()
}

/// Units: the quantities on the lines of kept orders.
pub fn units(orders: &[OrderRow], lines: &[LineRow]) -> i64 {
    let kept: BTreeSet<i64> = orders.iter().filter(|o| is_kept(o)).map(|o| o.id).collect();
    lines
        .iter()
        .filter(|l| kept.contains(&l.order_id))
        .map(|l| l.quantity)
        .sum()
}

/// Revenue: paid orders' totals less what was refunded, in minor units (a fully
/// refunded order adds nothing). The same figure as the studio's order ticker.
pub fn revenue(orders: &[OrderRow]) -> i64 {
    orders
        .iter()
        .filter(|o| is_paid(o))
        .map(|o| o.total - o.refunded_amount)
        .sum()
}

/// Average order value: revenue ÷ orders, rounded half up to the minor unit.
pub fn average_order_value(revenue: i64, orders: usize) -> Option<i64> {
    let n = orders as i64;
    (n > 0).then(|| (2 * revenue + n) / (2 * n))
}

/// Buying viewers: unique viewers whose viewer id (from the same session cookie the
/// live room uses) is on a kept order of the stream.
pub fn buying_viewers<'a>(viewers: &BTreeSet<&'a str>, orders: &[OrderRow]) -> BTreeSet<&'a str> {
    let buyers: BTreeSet<&str> = orders
        .iter()
        .filter(|o| is_kept(o))
        .map(|o| o.viewer_id.as_str())
        .collect();
    viewers
        .iter()
        .copied()
        .filter(|v| buyers.contains(v))
        .collect()
}

/// Refunds: (paid orders with any money given back, the amount given back).
pub fn refunds(orders: &[OrderRow]) -> (usize, i64) {
    orders
        .iter()
        .filter(|o| is_paid(o) && o.refunded_amount > 0)
        .fold((0, 0), |(n, sum), o| (n + 1, sum + o.refunded_amount))
}

/// Viewers who did something (clicked a product card, started checkout): the unique
/// viewers among `actors`, the distinct viewer ids with such an event on any product
/// (`reach::actors`). The funnel's middle steps.
pub fn acting_viewers<'a>(viewers: &BTreeSet<&'a str>, actors: &[String]) -> BTreeSet<&'a str> {
    let acting: BTreeSet<&str> = actors.iter().map(String::as_str).collect();
    viewers
        .iter()
        .copied()
        .filter(|v| acting.contains(v))
        .collect()
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
