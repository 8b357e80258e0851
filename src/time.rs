//! Times are stored as UTC milliseconds and shown in the shop's time zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The shop's zone; an unknown name (never stored, but be safe) falls back to UTC.
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

fn format(ms: i64, tz: &TimeZone, pattern: &str) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_zoned(tz.clone()).strftime(pattern).to_string(),
        Err(_) => "—".to_string(),
    }
}

/// "25 Nov 2026"
pub fn date(ms: i64, tz: &TimeZone) -> String {
    format(ms, tz, "%-d %b %Y")
}

/// "25 Nov 2026, 19:00 CET"
pub fn date_time(ms: i64, tz: &TimeZone) -> String {
    format(ms, tz, "%-d %b %Y, %H:%M %Z")
}

/// ISO 8601 with offset, for `<time datetime>` and machine readers.
pub fn iso(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_the_shop_zone_with_dst() {
        // 2026-07-01T17:00:00Z is 19:00 in Paris (CEST, UTC+2).
        let summer = 1_782_925_200_000;
        assert_eq!(
            date_time(summer, &zone("Europe/Paris")),
            "1 Jul 2026, 19:00 CEST"
        );
        // 2026-12-01T18:00:00Z is 19:00 in Paris (CET, UTC+1).
        let winter = 1_796_148_000_000;
        assert_eq!(
            date_time(winter, &zone("Europe/Paris")),
            "1 Dec 2026, 19:00 CET"
        );
        assert_eq!(date(winter, &zone("America/New_York")), "1 Dec 2026");
        assert_eq!(zone("Not/AZone"), TimeZone::UTC);
    }
}
