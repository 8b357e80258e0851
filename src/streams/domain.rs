//! Parsed stream fields: each `parse` returns the value or the sentence shown beside
//! the field. Times are typed in the shop's zone and become UTC milliseconds here,
//! so this is where daylight-saving gaps and folds are decided.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

/// Why a typed value was refused: the sentence shown beside the field. The one refusal
/// type of the ground floor (`text::Invalid`), named here in the streams' and rooms' words.
pub use crate::text::Invalid as Refusal;

/// The longest stream we schedule.
pub const MAX_DURATION_MIN: i64 = 24 * 60;

pub fn title(input: &str) -> Result<String, Refusal> {
    let value = input.trim();
    if value.is_empty() {
        return Err("Give the stream a title shoppers will recognise.".into());
    }
    if value.chars().count() > 120 {
        return Err("Keep the title to 120 characters or fewer.".into());
    }
    if value.chars().any(char::is_control) {
        return Err("Remove the control characters.".into());
    }
    Ok(value.to_string())
}

pub fn description(input: &str) -> Result<String, Refusal> {
    let value = input.trim().replace("\r\n", "\n");
    if value.chars().count() > 2000 {
        return Err("Keep the description to 2,000 characters or fewer.".into());
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("Remove the control characters.".into());
    }
    Ok(value)
}

pub fn cancel_note(input: &str) -> Result<String, Refusal> {
    let value = input.trim();
    if value.chars().count() > 500 {
        return Err("Keep the note to 500 characters or fewer.".into());
    }
    Ok(value.to_string())
}

/// Minutes, 1 to 24 hours.
pub fn duration(input: &str) -> Result<i64, Refusal> {
    let minutes: i64 = input
        .trim()
        .parse()
        .map_err(|_| "Enter the planned length in minutes, e.g. 45.".to_string())?;
    if minutes <= 0 {
        return Err("The stream needs to last at least one minute.".into());
    }
    if minutes > MAX_DURATION_MIN {
        return Err("A stream can be planned for at most 24 hours (1440 minutes).".into());
    }
    Ok(minutes)
}

/// A wall-clock time typed in `tz` (`2026-03-10T19:00` from `<input type=datetime-local>`)
/// as UTC milliseconds. A time the clocks skip (spring forward) is refused; a time that
/// happens twice (fall back) is the first of the two, as calendars do.
pub fn start(input: &str, tz: &TimeZone) -> Result<i64, Refusal> {
    let value = input.trim();
    if value.is_empty() {
        return Err("Choose the date and time the stream starts.".into());
    }
    let civil: DateTime = value
        .parse()
        .map_err(|_| "Enter a date and time like 2026-03-10 19:00.".to_string())?;
    let ambiguous = tz.to_ambiguous_zoned(civil);
    if let AmbiguousOffset::Gap { .. } = ambiguous.offset() {
        return Err(Refusal(format!(
            "{} does not exist in {}: the clocks jump forward that night. Choose another time.",
            civil.strftime("%H:%M on %-d %b %Y"),
            tz.iana_name().unwrap_or("this time zone"),
        )));
    }
    let zoned = ambiguous
        .earlier()
        .map_err(|_| "Enter a date and time like 2026-03-10 19:00.".to_string())?;
    Ok(zoned.timestamp().as_millisecond())
}

/// Refuse a start in the past (a minute of slack for the time spent filling the form).
pub fn future_start(start_ms: i64, now_ms: i64) -> Result<i64, Refusal> {
    if start_ms < now_ms - 60_000 {
        return Err("This time has already passed. Choose a time in the future.".into());
    }
    Ok(start_ms)
}

/// The value of a `datetime-local` input for `ms` in `tz`.
pub fn local_input(ms: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| {
            ts.to_zoned(tz.clone())
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// An origin allowed to frame the player: `https://shop.example` (scheme, host, port;
/// no path). http is accepted only for localhost, for trying things out.
pub fn origin(input: &str) -> Result<String, Refusal> {
    let bad = || Err("Enter an origin like https://www.example.com (no path, no wildcard).".into());
    let value = input.trim().trim_end_matches('/');
    let Ok(url) = url::Url::parse(value) else {
        return bad();
    };
    let Some(host) = url.host_str() else {
        return bad();
    };
    let local = host == "localhost" || host == "127.0.0.1";
    if (url.scheme() != "https" && !(url.scheme() == "http" && local))
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || host.contains('*')
    {
        return bad();
    }
    Ok(url.origin().ascii_serialization())
}

/// A stream's public address from its title: "Spring Linen Demo!" → "spring-linen-demo".
pub fn slug_base(title: &str) -> String {
    let slug = crate::shops::domain::slugify(title);
    if slug.len() < 3 {
        "stream".to_string()
    } else {
        slug
    }
}

/// A random public id: 16 lower-case letters and digits (82 bits), for URLs that name a
/// stream without its shop (WHIP, WHEP, calendar UIDs).
pub fn public_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_between_a_minute_and_a_day() {
        assert_eq!(duration("45").unwrap(), 45);
        assert_eq!(duration("1440").unwrap(), 1440);
        assert!(duration("0").is_err());
        assert!(duration("-5").is_err());
        assert!(duration("1441").is_err());
        assert!(duration("an hour").is_err());
    }

    #[test]
    fn starts_are_read_in_the_shop_zone_across_dst() {
        let ny = crate::time::zone("America/New_York");
        // 7 March 2027 is EST (UTC-5); 15 March 2027 is EDT (UTC-4).
        let before = start("2027-03-05T19:00", &ny).unwrap();
        let after = start("2027-03-15T19:00", &ny).unwrap();
        assert_eq!(crate::time::iso(before), "2027-03-06T00:00:00Z");
        assert_eq!(crate::time::iso(after), "2027-03-15T23:00:00Z");
        assert_eq!(local_input(after, &ny), "2027-03-15T19:00");
        // 02:30 on 14 March 2027 does not exist in New York.
        assert!(
            start("2027-03-14T02:30", &ny)
                .unwrap_err()
                .0
                .contains("jump")
        );
        // 01:30 on 7 November 2027 happens twice: the first (EDT) is meant.
        let fold = start("2027-11-07T01:30", &ny).unwrap();
        assert_eq!(crate::time::iso(fold), "2027-11-07T05:30:00Z");
        assert!(start("tomorrow", &ny).is_err());
        assert!(start("", &ny).is_err());
    }

    #[test]
    fn a_past_start_is_refused() {
        assert!(future_start(1_000, 10_000_000).is_err());
        assert_eq!(future_start(10_000_000, 1_000).unwrap(), 10_000_000);
    }

    #[test]
    fn origins_are_https_without_paths() {
        assert_eq!(
            origin("https://Shop.Example.com/").unwrap(),
            "https://shop.example.com"
        );
        assert_eq!(
            origin("https://shop.example.com:8443").unwrap(),
            "https://shop.example.com:8443"
        );
        assert_eq!(
            origin("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        assert!(origin("http://shop.example.com").is_err());
        assert!(origin("https://shop.example.com/page").is_err());
        assert!(origin("https://*.example.com").is_err());
        assert!(origin("shop.example.com").is_err());
        assert!(origin("javascript:alert(1)").is_err());
    }

    #[test]
    fn titles_and_slugs() {
        assert_eq!(title("  Linen demo ").unwrap(), "Linen demo");
        assert!(title(" ").is_err());
        assert!(title(&"x".repeat(121)).is_err());
        assert_eq!(slug_base("Spring Linen Demo!"), "spring-linen-demo");
        assert_eq!(slug_base("!!"), "stream");
        let id = public_id();
        assert_eq!(id.len(), 16);
        assert_ne!(id, public_id());
    }
}
