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
    /// "25 Nov 2026, 19:00 CET" in the shop's zone.
    pub when: String,
    /// "19:00" in the shop's zone (calendar cells).
    pub clock: String,
    /// UTC ISO 8601 for `<time datetime>` and the viewer's local countdown.
    pub iso: String,
    pub duration: String,
    pub host: String,
    pub cover: Option<String>,
    /// `/@shop/stream`.
    pub path: String,
}

pub fn card(s: &Stream, tz: &TimeZone, shop_slug: &str) -> StreamCard {
    StreamCard {
        id: s.id,
        title: s.title.clone(),
        status: s.status,
        when: crate::time::date_time(s.scheduled_at, tz),
        clock: clock(s.scheduled_at, tz),
        iso: crate::time::iso(s.scheduled_at),
        duration: duration_label(s.duration_min),
        host: s.host_name.clone().unwrap_or_else(|| "No host".into()),
        cover: s.cover_file.as_deref().map(cover_url),
        path: format!("/@{shop_slug}/{}", s.slug),
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
