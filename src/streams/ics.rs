//! iCalendar (RFC 5545) for "Add to calendar" and the shop's subscribable feed. Times
//! are written in UTC (`…Z`), so every calendar agrees on the instant whatever its
//! zone; text is escaped and lines are folded at 75 octets with CRLF.

use super::lifecycle::Status;
use super::store::Stream;

/// What an event needs besides the stream row.
pub struct EventContext<'a> {
    pub shop_name: &'a str,
    pub page_url: &'a str,
    /// The host part of the base URL, for globally unique UIDs.
    pub domain: &'a str,
    pub now_ms: i64,
}

/// `20261201T180000Z`.
pub fn utc_stamp(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| ts.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// Escape a TEXT value: backslash, semicolon, comma and newlines.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Append one content line, folded so no line exceeds 75 octets (never inside a
/// UTF-8 character), ending with CRLF.
pub fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn begin_calendar(out: &mut String, name: Option<&str>) {
    push_line(out, "BEGIN:VCALENDAR");
    push_line(out, "VERSION:2.0");
    push_line(out, "PRODID:-//Showfloor//Streams//EN");
    push_line(out, "CALSCALE:GREGORIAN");
    push_line(out, "METHOD:PUBLISH");
    if let Some(name) = name {
        push_line(out, &format!("X-WR-CALNAME:{}", escape(name)));
        push_line(out, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
        push_line(out, "X-PUBLISHED-TTL:PT1H");
    }
}

fn push_event(out: &mut String, s: &Stream, ctx: &EventContext<'_>) {
    let status = s.status;
    let end = match (status, s.ended_at) {
        (Status::Ended, Some(ended)) => ended.max(s.scheduled_at + 60_000),
        _ => s.planned_end(),
    };
    let mut description = String::new();
    if status == Status::Cancelled {
        description.push_str("Cancelled. ");
        description.push_str(&s.cancel_note);
        description.push_str("\n\n");
    }
    description.push_str(&s.description);
    if !s.description.is_empty() {
        description.push_str("\n\n");
    }
    description.push_str(&format!("Watch live and shop: {}", ctx.page_url));
    push_line(out, "BEGIN:VEVENT");
    push_line(out, &format!("UID:{}@{}", s.public_id, escape(ctx.domain)));
    push_line(out, &format!("DTSTAMP:{}", utc_stamp(ctx.now_ms)));
    push_line(out, &format!("DTSTART:{}", utc_stamp(s.scheduled_at)));
    push_line(out, &format!("DTEND:{}", utc_stamp(end)));
    push_line(out, &format!("SEQUENCE:{}", s.revision));
    push_line(
        out,
        &format!(
            "SUMMARY:{}",
            escape(&format!("{} · {}", s.title, ctx.shop_name))
        ),
    );
    push_line(out, &format!("DESCRIPTION:{}", escape(&description)));
    push_line(out, &format!("URL:{}", ctx.page_url));
    push_line(out, &format!("LOCATION:{}", escape(ctx.page_url)));
    let ical_status = if status == Status::Cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    push_line(out, &format!("STATUS:{ical_status}"));
    push_line(out, "TRANSP:TRANSPARENT");
    push_line(out, "END:VEVENT");
}

/// One stream as a calendar file.
pub fn single(s: &Stream, ctx: &EventContext<'_>) -> String {
    let mut out = String::new();
    begin_calendar(&mut out, None);
    push_event(&mut out, s, ctx);
    push_line(&mut out, "END:VCALENDAR");
    out
}

/// The shop's feed: each stream with its own page URL.
pub fn feed(shop_name: &str, events: &[(Stream, String)], domain: &str, now_ms: i64) -> String {
    let mut out = String::new();
    begin_calendar(&mut out, Some(&format!("{shop_name} · live demos")));
    for (s, url) in events {
        let ctx = EventContext {
            shop_name,
            page_url: url,
            domain,
            now_ms,
        };
        push_event(&mut out, s, &ctx);
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(escape("line\r\nnext"), "line\\nnext");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let text = format!("SUMMARY:{}", "é".repeat(60));
        push_line(&mut out, &text);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{text}\r\n"));
    }

    #[test]
    fn stamps_are_utc() {
        assert_eq!(utc_stamp(1_796_148_000_000), "20261201T180000Z");
    }
}
