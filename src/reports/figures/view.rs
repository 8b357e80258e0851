//! How report numbers read on a page: durations, money in the shop's currency, rates,
//! times in the shop's zone. "—" stands for a figure that does not exist yet (no
//! viewers means no conversion rate, not 0 %).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::kpis::Kpis;
use super::metrics::Rate;
use crate::money;

pub const NONE: &str = "—";

/// "09:05" in the shop's zone.
pub fn clock(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz.clone()).strftime("%H:%M").to_string())
        .unwrap_or_default()
}

/// "4 min 10 s", "1 h 02 min", "45 s".
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec} s"),
        (0, min, sec) => format!("{min} min {sec:02} s"),
        (h, min, _) => format!("{h} h {min:02} min"),
    }
}

pub fn opt_duration(ms: Option<i64>) -> String {
    ms.map_or_else(|| NONE.to_string(), duration)
}

pub fn rate(rate: Option<Rate>) -> String {
    rate.map_or_else(|| NONE.to_string(), |r| r.percent())
}

/// One headline tile.
pub struct Tile {
    pub label: &'static str,
    pub value: String,
    /// A second line: when, out of how many.
    pub note: String,
}

/// The headline tiles of a stream, in reading order.
pub fn tiles(k: &Kpis, currency: &str, tz: &TimeZone) -> Vec<Tile> {
    let tile = |label, value: String, note: String| Tile { label, value, note };
    let m = |v: i64| money::format(v, currency);
    vec![
        tile(
            "Unique viewers",
            k.unique_viewers.to_string(),
            String::new(),
        ),
        tile(
            "Peak concurrent viewers",
            k.peak_viewers.to_string(),
            k.peak_at
                .map(|t| format!("at {}", clock(t, tz)))
                .unwrap_or_default(),
        ),
        tile("Total watch time", duration(k.watch_time_ms), String::new()),
        tile(
            "Average watch time",
            opt_duration(k.average_watch_time_ms),
            "per unique viewer".into(),
        ),
        tile(
            "Engagement rate",
            rate(k.engagement_rate),
            format!("{} asked or chatted", k.engaged_viewers),
        ),
        tile(
            "Questions answered",
            format!("{} / {}", k.questions_answered, k.questions_asked),
            format!("median answer {}", opt_duration(k.median_answer_ms)),
        ),
        tile("Orders", k.orders.to_string(), format!("{} units", k.units)),
        tile("Revenue", m(k.revenue), "after refunds".into()),
        tile(
            "Average order value",
            k.average_order_value.map_or_else(|| NONE.to_string(), m),
            String::new(),
        ),
        tile(
            "Conversion rate",
            rate(k.conversion_rate),
            format!("{} buying viewers", k.buying_viewers),
        ),
        tile("Refunds", k.refunds.to_string(), m(k.refunded_amount)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(45_000), "45 s");
        assert_eq!(duration(250_000), "4 min 10 s");
        assert_eq!(duration(3_720_000), "1 h 02 min");
        assert_eq!(
            Rate::of(4, 6).map(|r| (r.percent(), r.fraction())),
            Some(("66.7 %".into(), "0.6667".into()))
        );
        assert_eq!(rate(Rate::of(1, 0)), NONE);
    }
}
