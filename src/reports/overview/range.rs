//! The overview's date range: a preset (last 7, 30 or 90 days, this month) or custom
//! dates, read in the shop's time zone and turned into a `[start, end)` of UTC
//! milliseconds that streams are filtered by (on their go-live time). Parsed, not
//! validated: a `Range` is always sane, and bad input comes back as a message beside
//! what the person typed.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;

/// The presets, as `?range=` names them, with their labels.
pub const PRESETS: [(&str, &str); 5] = [
    ("7", "Last 7 days"),
    ("30", "Last 30 days"),
    ("90", "Last 90 days"),
    ("month", "This month"),
    ("custom", "Custom"),
];

const DEFAULT_PRESET: &str = "30";

/// The range as typed (`?range=&from=&to=`), kept to re-render the form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RangeQuery {
    #[serde(default)]
    pub range: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// A valid range: inclusive dates in the shop's zone and the instants they cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub preset: &'static str,
    pub from: Date,
    /// The last day included.
    pub to: Date,
    /// Midnight starting `from`, in the shop's zone, as UTC milliseconds.
    pub start_ms: i64,
    /// Midnight after `to` (exclusive).
    pub end_ms: i64,
}

impl Range {
    /// `range=…&from=…&to=…` for links that keep the range (dates and preset names
    /// need no escaping).
    pub fn query(&self) -> String {
        format!("range={}&from={}&to={}", self.preset, self.from, self.to)
    }

    /// "1 Nov 2026 – 30 Nov 2026"
    pub fn label(&self) -> String {
        format!(
            "{} – {}",
            self.from.strftime("%-d %b %Y"),
            self.to.strftime("%-d %b %Y")
        )
    }

    pub fn contains(&self, at: i64) -> bool {
        at >= self.start_ms && at < self.end_ms
    }
}

fn midnight(date: Date, tz: &TimeZone) -> Option<i64> {
    date.to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

fn parse_date(field: &str, value: &str) -> Result<Date, String> {
    value.trim().parse::<Date>().map_err(|_| {
        format!(
            "The {field} date “{value}” is not a date: use the form YYYY-MM-DD, e.g. 2026-11-01."
        )
    })
}

impl RangeQuery {
    /// Resolve against today in `tz` (from `now_ms`). An empty query is the default,
    /// the last 30 days; dates without a preset are a custom range.
    pub fn resolve(&self, tz: &TimeZone, now_ms: i64) -> Result<Range, String> {
        let today = Timestamp::from_millisecond(now_ms)
            .map_err(|_| "The clock is out of range.".to_string())?
            .to_zoned(tz.clone())
            .date();
        let preset = match self.range.trim() {
            "" if self.from.trim().is_empty() && self.to.trim().is_empty() => DEFAULT_PRESET,
            "" => "custom",
            name => PRESETS
                .iter()
                .map(|(p, _)| *p)
                .find(|p| *p == name)
                .ok_or_else(|| {
                    "Choose a range: last 7, 30 or 90 days, this month, or custom dates."
                        .to_string()
                })?,
        };
        let (from, to) = match preset {
            "month" => (today.first_of_month(), today),
            "custom" => {
                if self.from.trim().is_empty() || self.to.trim().is_empty() {
                    return Err("Enter both a start and an end date for a custom range.".into());
                }
                (
                    parse_date("start", &self.from)?,
                    parse_date("end", &self.to)?,
                )
            }
            days => {
                let n: i64 = days.parse().unwrap_or(30);
                let from = today
                    .checked_sub((n - 1).days())
                    .map_err(|_| "The range is out of range.".to_string())?;
                (from, today)
            }
        };
        if from > to {
            return Err(format!(
                "The start date ({from}) is after the end date ({to}). Swap them or pick another range."
            ));
        }
        let after = to
            .tomorrow()
            .map_err(|_| "The end date is too far in the future.".to_string())?;
        let limit = from.checked_add(2.years()).ok();
        if limit.is_none_or(|limit| after > limit) {
            return Err(format!(
                "The range {from} – {to} is longer than 2 years. Choose a shorter one; for more, export several ranges."
            ));
        }
        let (Some(start_ms), Some(end_ms)) = (midnight(from, tz), midnight(after, tz)) else {
            return Err("Those dates are out of range.".into());
        };
        Ok(Range {
            preset,
            from,
            to,
            start_ms,
            end_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01T10:00:00Z: 11:00 in Paris.
    const NOW: i64 = 1_796_119_200_000;

    fn q(range: &str, from: &str, to: &str) -> RangeQuery {
        RangeQuery {
            range: range.into(),
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn presets_end_today_in_the_shop_zone() {
        let paris = crate::time::zone("Europe/Paris");
        let r = q("", "", "").resolve(&paris, NOW).unwrap();
        assert_eq!(
            (r.preset, r.from.to_string(), r.to.to_string()),
            ("30", "2026-11-02".into(), "2026-12-01".into())
        );
        // Midnight in Paris (CET, UTC+1) is 23:00 UTC the day before.
        assert_eq!(crate::time::iso(r.start_ms), "2026-11-01T23:00:00Z");
        assert_eq!(crate::time::iso(r.end_ms), "2026-12-01T23:00:00Z");
        let week = q("7", "", "").resolve(&paris, NOW).unwrap();
        assert_eq!(week.from.to_string(), "2026-11-25");
        let month = q("month", "", "").resolve(&paris, NOW).unwrap();
        assert_eq!(
            (month.from.to_string(), month.to.to_string()),
            ("2026-12-01".into(), "2026-12-01".into())
        );
    }

    #[test]
    fn custom_ranges_are_checked() {
        let utc = TimeZone::UTC;
        let ok = q("custom", "2026-01-01", "2026-01-31")
            .resolve(&utc, NOW)
            .unwrap();
        assert_eq!(ok.end_ms - ok.start_ms, 31 * 86_400_000);
        assert_eq!(ok.query(), "range=custom&from=2026-01-01&to=2026-01-31");
        // Dates alone mean custom.
        assert!(q("", "2026-01-01", "2026-01-31").resolve(&utc, NOW).is_ok());
        let err = |r: RangeQuery| r.resolve(&utc, NOW).unwrap_err();
        assert!(err(q("custom", "2026-02-01", "2026-01-01")).contains("after the end date"));
        assert!(err(q("custom", "2024-01-01", "2026-01-01")).contains("longer than 2 years"));
        assert!(
            q("custom", "2024-01-01", "2025-12-31")
                .resolve(&utc, NOW)
                .is_ok()
        );
        assert!(err(q("custom", "yesterday", "2026-01-01")).contains("“yesterday” is not a date"));
        assert!(err(q("custom", "", "2026-01-01")).contains("both a start and an end"));
        assert!(err(q("year", "", "")).contains("Choose a range"));
        assert!(err(q("custom", "2026-02-30", "2026-03-01")).contains("not a date"));
    }
}
