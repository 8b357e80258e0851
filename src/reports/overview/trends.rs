//! Trend charts of the overview: one point per stream at its go-live time, across the
//! chosen range, for viewers, revenue and conversion. SVG geometry is computed here
//! (like `chart.rs`); the template draws it with presentation attributes only, and
//! every chart carries its data as a table for screen readers and print.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::range::Range;
use crate::reports::stream::chart::Tick;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 44.0;
const DAY_MS: i64 = 86_400_000;

/// One stream's value: (go-live, value in the chart's unit, the stream's title).
pub struct Sample {
    pub at: i64,
    pub value: i64,
    pub title: String,
}

pub struct Point {
    pub x: String,
    pub y: String,
    /// "Spring demo, 15 Jan 2027: 6 viewers", the point's tooltip.
    pub label: String,
}

/// A row of the chart's data table.
pub struct DataRow {
    pub date: String,
    pub title: String,
    pub value: String,
}

pub struct TrendChart {
    /// The element id prefix (`trend-viewers`).
    pub id: &'static str,
    pub title: &'static str,
    /// The y axis title with its unit ("Unique viewers", "Revenue (EUR)").
    pub y_title: String,
    pub summary: String,
    pub path: String,
    pub points: Vec<Point>,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub rows: Vec<DataRow>,
    pub plot_left: String,
    pub plot_right: String,
    pub plot_top: String,
    pub plot_bottom: String,
    pub x_title_y: String,
    pub y_title_x: String,
    pub x_title: String,
}

fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// The smallest of `steps` × 10ⁿ that covers `max` in at most `ticks` steps.
fn round_step(max: i64, ticks: i64, steps: &[i64]) -> i64 {
    let mut scale = 1;
    loop {
        if let Some(s) = steps.iter().map(|s| s * scale).find(|s| max <= s * ticks) {
            return s;
        }
        scale *= 10;
    }
}

fn day(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz.clone()).strftime("%-d %b").to_string())
        .unwrap_or_default()
}

/// Lay out one trend chart; `samples` in time order, `format` writes a value with its
/// unit (also used for the axis labels and the data table).
pub fn layout(
    id: &'static str,
    title: &'static str,
    y_title: String,
    samples: &[Sample],
    range: &Range,
    tz: &TimeZone,
    format: impl Fn(i64) -> String,
) -> TrendChart {
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let span = (range.end_ms - range.start_ms).max(1) as f64;
    let x = |t: i64| {
        LEFT + (t.clamp(range.start_ms, range.end_ms) - range.start_ms) as f64 / span * plot_w
    };
    let max = samples.iter().map(|s| s.value).max().unwrap_or(0).max(1);
    let step = round_step(max, 5, &[1, 2, 5]);
    let y_max = (max + step - 1) / step * step;
    let y = |v: i64| TOP + plot_h - v.max(0) as f64 / y_max as f64 * plot_h;
    let points: Vec<Point> = samples
        .iter()
        .map(|s| Point {
            x: n(x(s.at)),
            y: n(y(s.value)),
            label: format!("{}, {}: {}", s.title, day(s.at, tz), format(s.value)),
        })
        .collect();
    let path = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}{} {}", if i == 0 { 'M' } else { 'L' }, p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    let y_ticks = (0..=y_max / step)
        .map(|i| Tick {
            at: n(y(i * step)),
            label: format(i * step),
        })
        .collect();
    let days = ((range.end_ms - range.start_ms) / DAY_MS).max(1);
    let every = round_step(days, 6, &[1, 2, 7, 14, 30, 61, 91, 182, 365]);
    let x_ticks = (0..)
        .map(|i| range.start_ms + i * every * DAY_MS)
        .take_while(|t| *t < range.end_ms)
        .map(|t| Tick {
            at: n(x(t)),
            label: day(t, tz),
        })
        .collect();
    let rows = samples
        .iter()
        .map(|s| DataRow {
            date: crate::time::date_time(s.at, tz),
            title: s.title.clone(),
            value: format(s.value),
        })
        .collect();
    let summary = match samples.iter().max_by_key(|s| s.value) {
        Some(best) => format!(
            "{} streams from {}. Highest: {} ({}), {}.",
            samples.len(),
            range.label(),
            format(best.value),
            best.title,
            day(best.at, tz)
        ),
        None => format!("No streams with this figure from {}.", range.label()),
    };
    TrendChart {
        id,
        title,
        y_title,
        summary,
        path,
        points,
        y_ticks,
        x_ticks,
        rows,
        plot_left: n(LEFT),
        plot_right: n(LEFT + plot_w),
        plot_top: n(TOP),
        plot_bottom: n(TOP + plot_h),
        x_title_y: n(HEIGHT - 6.0),
        y_title_x: n(-(TOP + plot_h / 2.0)),
        x_title: format!("Stream start ({})", tz.iana_name().unwrap_or("UTC")),
    }
}

#[cfg(test)]
mod tests {
    use super::round_step;

    #[test]
    fn steps_are_round() {
        assert_eq!(round_step(17_200, 5, &[1, 2, 5]), 5_000);
        assert_eq!(round_step(30, 6, &[1, 2, 7, 14, 30]), 7);
        assert_eq!(
            round_step(730, 6, &[1, 2, 7, 14, 30, 61, 91, 182, 365]),
            182
        );
    }
}
