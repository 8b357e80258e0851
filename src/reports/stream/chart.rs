//! The timeline chart as SVG geometry computed on the server: a step line of concurrent
//! viewers per minute, a band per pin, a marker per order and one per reaction spike
//! (`timeline::mark_spikes`), with labelled axes in the shop's time zone and a legend.
//! The template draws it with presentation attributes only (CSP).

use jiff::tz::TimeZone;

use crate::reports::figures::metrics::Window;
use crate::reports::figures::timeline::{MINUTE_MS, Minute};
use crate::reports::figures::view::clock;

pub const WIDTH: i64 = 720;
pub const HEIGHT: i64 = 260;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
/// Room above the plot for the legend.
const TOP: f64 = 30.0;
const BOTTOM: f64 = 44.0;

/// A labelled position on an axis.
pub struct Tick {
    pub at: String,
    pub label: String,
}

/// A pinned product's band across the plot.
pub struct Band {
    pub x: String,
    pub width: String,
    pub label: String,
}

/// An order's marker under the line, or a reaction spike's over the plot.
pub struct Marker {
    pub x: String,
    pub label: String,
}

pub struct Chart {
    /// The `d` of the step line.
    pub path: String,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub bands: Vec<Band>,
    /// The live selling formats that ran (polls, auctions, coupons): a strip along the plot's top.
    pub formats: Vec<Band>,
    pub markers: Vec<Marker>,
    pub spikes: Vec<Marker>,
    pub plot_left: String,
    pub plot_right: String,
    pub plot_top: String,
    pub plot_bottom: String,
    pub plot_height: String,
    pub x_title_y: String,
    pub y_title_x: String,
}

fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// The smallest step of 1, 2 or 5 × 10ⁿ that covers `max` in at most `ticks` steps.
fn nice_step(max: i64, ticks: i64, steps: &[i64]) -> i64 {
    let mut scale = 1;
    loop {
        for s in steps {
            let step = s * scale;
            if max <= step * ticks {
                return step;
            }
        }
        scale *= 10;
    }
}

/// What the timeline marks over a span: (start, end, what it was).
pub type Span = (i64, i64, String);

/// Lay out the chart; `pins` are (start, end, product title), `formats` (start, end, what
/// ran: "Auction: …", "Poll: …", "Coupon …"), `orders` the times of kept orders; spikes are the
/// minutes marked in `minutes`.
pub fn layout(
    minutes: &[Minute],
    window: Window,
    pins: &[Span],
    formats: &[Span],
    orders: &[i64],
    tz: &TimeZone,
) -> Chart {
    let (plot_w, plot_h) = (WIDTH as f64 - LEFT - RIGHT, HEIGHT as f64 - TOP - BOTTOM);
    let span = window.duration_ms().max(1) as f64;
    let x =
        |t: i64| LEFT + (t.clamp(window.start, window.end) - window.start) as f64 / span * plot_w;
    let peak = minutes.iter().map(|m| m.viewers).max().unwrap_or(0).max(1);
    let step = nice_step(peak, 5, &[1, 2, 5]);
    let y_max = (peak + step - 1) / step * step;
    let y = |v: i64| TOP + plot_h - v as f64 / y_max as f64 * plot_h;

    let mut path = String::new();
    for m in minutes {
        let end = (m.start + MINUTE_MS).min(window.end);
        let cmd = if path.is_empty() { 'M' } else { 'L' };
        path.push_str(&format!(
            "{cmd}{} {} H{} ",
            n(x(m.start)),
            n(y(m.viewers)),
            n(x(end))
        ));
    }
    let y_ticks = (0..=y_max / step)
        .map(|i| Tick {
            at: n(y(i * step)),
            label: (i * step).to_string(),
        })
        .collect();
    let total_minutes = (window.duration_ms() / MINUTE_MS).max(1);
    let every = nice_step(total_minutes, 8, &[1, 2, 5, 10, 15, 30, 60, 120, 240]);
    let x_ticks = (0..)
        .map(|i| window.start + i * every * MINUTE_MS)
        .take_while(|t| *t <= window.end)
        .map(|t| Tick {
            at: n(x(t)),
            label: clock(t, tz),
        })
        .collect();
    let bands = pins
        .iter()
        .filter_map(|(start, end, title)| {
            let (a, b) = window.clip(*start, *end)?;
            Some(Band {
                x: n(x(a)),
                width: n((x(b) - x(a)).max(1.0)),
                label: format!("{title} pinned {}–{}", clock(a, tz), clock(b, tz)),
            })
        })
        .collect();
    let formats = formats
        .iter()
        .filter_map(|(start, end, what)| {
            let (a, b) = window.clip(*start, *end)?;
            Some(Band {
                x: n(x(a)),
                width: n((x(b) - x(a)).max(2.0)),
                label: format!("{what}, {}–{}", clock(a, tz), clock(b, tz)),
            })
        })
        .collect();
    let markers = orders
        .iter()
        .filter(|t| window.contains(**t))
        .map(|t| Marker {
            x: n(x(*t)),
            label: format!("Order at {}", clock(*t, tz)),
        })
        .collect();
    let spikes = minutes
        .iter()
        .filter(|m| m.spike)
        .map(|m| {
            let end = (m.start + MINUTE_MS).min(window.end);
            Marker {
                x: n((x(m.start) + x(end)) / 2.0),
                label: format!(
                    "Reaction spike at {}: {} reactions",
                    clock(m.start, tz),
                    m.reactions
                ),
            }
        })
        .collect();
    Chart {
        path: path.trim_end().to_string(),
        spikes,
        y_ticks,
        x_ticks,
        bands,
        formats,
        markers,
        plot_left: n(LEFT),
        plot_right: n(LEFT + plot_w),
        plot_top: n(TOP),
        plot_bottom: n(TOP + plot_h),
        plot_height: n(plot_h),
        x_title_y: n(HEIGHT as f64 - 6.0),
        y_title_x: n(-(TOP + plot_h / 2.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::nice_step;

    #[test]
    fn axis_steps_are_round_numbers() {
        assert_eq!(nice_step(4, 5, &[1, 2, 5]), 1);
        assert_eq!(nice_step(7, 5, &[1, 2, 5]), 2);
        assert_eq!(nice_step(180, 5, &[1, 2, 5]), 50);
        assert_eq!(nice_step(10, 8, &[1, 2, 5, 10]), 2);
    }
}
