//! How streams and featured products read on a page: times in the shop's zone, prices
//! formatted for their currency, links.

use jiff::tz::TimeZone;

use super::lifecycle::Status;
use super::store::Stream;
use super::store::featured::Featured;
use crate::money;

/// A stream as a list row, a calendar cell or a public card.
pub struct StreamCard {
    pub id: i64,
    pub title: String,
    pub status: Status,
    /// What `when` is: "" before the start (the plan), "Went live" or "Streamed" once it
    /// started (the actual start), "Was planned for" when it never did.
    pub lead: &'static str,
    /// "25 Nov 2026, 19:00 CET" in the shop's zone: the actual start once known, the
    /// scheduled time before.
    pub when: String,
    /// "19:00" in the shop's zone (calendar cells), of the same moment.
    pub clock: String,
    /// UTC ISO 8601 of the same moment, for `<time datetime>` and the viewer's local
    /// countdown (which only scheduled streams show).
    pub iso: String,
    /// The planned length, or how long it really ran once it ended.
    pub duration: String,
    pub host: String,
    pub cover: Option<String>,
    /// `/@shop/stream`.
    pub path: String,
}

pub fn card(s: &Stream, tz: &TimeZone, shop_slug: &str) -> StreamCard {
    let (lead, at) = shown_time(s);
    let duration = match (s.status, s.started_at, s.ended_at) {
        (Status::Ended, Some(start), Some(end)) if end >= start => {
            duration_label(((end - start) + 59_999) / 60_000)
        }
        _ => duration_label(s.duration_min),
    };
    StreamCard {
        id: s.id,
        title: s.title.clone(),
        status: s.status,
        lead,
        when: crate::time::date_time(at, tz),
        clock: clock(at, tz),
        iso: crate::time::iso(at),
        duration,
        host: s.host_name.clone().unwrap_or_else(|| "No host".into()),
        cover: s.cover_file.as_deref().map(cover_url),
        path: format!("/@{shop_slug}/{}", s.slug),
    }
}

/// Which moment a stream is shown at, and the words before it: the plan until it goes
/// live, the actual start after (never "as planned" for a stream that started early).
fn shown_time(s: &Stream) -> (&'static str, i64) {
    match (s.status, s.started_at) {
        (Status::Live, Some(at)) => ("Went live", at),
        (Status::Ended, Some(at)) => ("Streamed", at),
        (Status::Scheduled, _) => ("", s.scheduled_at),
        _ => ("Was planned for", s.scheduled_at),
    }
}

/// "19:00" in `tz`.
pub fn clock(ms: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_zoned(tz.clone()).strftime("%H:%M").to_string())
        .unwrap_or_default()
}

/// "45 min", "1 h", "1 h 30 min".
pub fn duration_label(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

pub fn cover_url(file: &str) -> String {
    format!("/covers/{file}")
}

/// A featured product as shoppers and the dashboard see it.
pub struct ProductView {
    pub product_id: i64,
    pub title: String,
    pub price: String,
    pub was_price: Option<String>,
    pub image: Option<String>,
    /// Archived or drafted since it was featured: hidden from shoppers.
    pub available: bool,
}

pub fn product(f: &Featured) -> ProductView {
    ProductView {
        product_id: f.product_id,
        title: f.title.clone(),
        price: money::format(f.price, &f.currency),
        was_price: f
            .compare_at_price
            .map(|was| money::format(was, &f.currency)),
        image: f
            .thumb_file
            .as_deref()
            .map(|f| format!("/media/images/{f}")),
        available: f.active,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(status: Status, started: Option<i64>, ended: Option<i64>) -> Stream {
        Stream {
            id: 1,
            shop_id: 1,
            public_id: "p".into(),
            slug: "s".into(),
            title: "Spring knitwear".into(),
            description: String::new(),
            scheduled_at: 1_796_000_000_000,
            duration_min: 60,
            cover_file: None,
            host_id: None,
            host_name: None,
            status,
            cancel_note: String::new(),
            sell_after_end: false,
            started_at: started,
            ended_at: ended,
            publisher_gone_at: None,
            revision: 1,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_stream_shows_its_actual_start_once_it_went_live_and_how_long_it_ran() {
        let utc = TimeZone::UTC;
        let planned = card(&stream(Status::Scheduled, None, None), &utc, "s");
        assert_eq!((planned.lead, planned.duration.as_str()), ("", "1 h"));
        let early = 1_796_000_000_000 - 7 * 86_400_000;
        let live = card(&stream(Status::Live, Some(early), None), &utc, "s");
        assert_eq!(live.lead, "Went live");
        assert_eq!(live.iso, crate::time::iso(early));
        let ended = stream(Status::Ended, Some(early), Some(early + 48 * 60_000 + 1));
        let ended = card(&ended, &utc, "s");
        assert_eq!(
            (ended.lead, ended.duration.as_str()),
            ("Streamed", "49 min")
        );
        let never = card(&stream(Status::Cancelled, None, None), &utc, "s");
        assert_eq!(never.lead, "Was planned for");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_label(45), "45 min");
        assert_eq!(duration_label(60), "1 h");
        assert_eq!(duration_label(90), "1 h 30 min");
    }

    #[test]
    fn prices_follow_the_currency_exponent() {
        assert_eq!(money::format(4990, "EUR"), "€49.90");
        assert_eq!(money::format(1500, "JPY"), "¥1,500");
        assert!(money::format(1500, "KWD").contains("1.500"));
    }
}
