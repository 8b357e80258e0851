//! Best time slots: streams grouped by the weekday and hour they went live, in the
//! shop's time zone, with their average unique viewers against the average over all
//! streams of the range. Shown as a heat-map table (a real table: rows are weekdays,
//! columns hours, each cell says its numbers in words as well as in colour).

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;

pub const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "Monday"),
    (Weekday::Tuesday, "Tuesday"),
    (Weekday::Wednesday, "Wednesday"),
    (Weekday::Thursday, "Thursday"),
    (Weekday::Friday, "Friday"),
    (Weekday::Saturday, "Saturday"),
    (Weekday::Sunday, "Sunday"),
];

/// One weekday × hour with at least one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: usize,
    pub hour: i8,
    pub streams: i64,
    /// Σ unique viewers of those streams.
    pub viewers: i64,
}

impl Slot {
    /// Average unique viewers per stream in tenths, rounded half up (63 = 6.3).
    pub fn average_tenths(&self) -> i64 {
        (20 * self.viewers + self.streams) / (2 * self.streams)
    }

    pub fn weekday_name(&self) -> &'static str {
        WEEKDAYS[self.weekday].1
    }
}

/// "6.3"
pub fn tenths(v: i64) -> String {
    format!("{}.{}", v / 10, v % 10)
}

/// The slots of `streams` (go-live time, unique viewers), Monday first then by hour.
pub fn slots(streams: &[(i64, i64)], tz: &TimeZone) -> Vec<Slot> {
    let mut slots: Vec<Slot> = Vec::new();
    for (at, viewers) in streams {
        let Ok(t) = Timestamp::from_millisecond(*at) else {
            continue;
        };
        let z = t.to_zoned(tz.clone());
        let weekday = z.weekday().to_monday_zero_offset() as usize;
        let hour = z.hour();
        match slots
            .iter_mut()
            .find(|s| s.weekday == weekday && s.hour == hour)
        {
            Some(s) => {
                s.streams += 1;
                s.viewers += viewers;
            }
            None => slots.push(Slot {
                weekday,
                hour,
                streams: 1,
                viewers: *viewers,
            }),
        }
    }
    slots.sort_by_key(|s| (s.weekday, s.hour));
    slots
}

/// A slot's average against the overall average per stream, as a signed whole
/// percentage ("+25 %", "−40 %", "±0 %"); `None` when the range has no viewers.
pub fn versus_average(slot: &Slot, all: &[Slot]) -> Option<i64> {
    let (streams, viewers) = all
        .iter()
        .fold((0, 0), |(n, v), s| (n + s.streams, v + s.viewers));
    if viewers == 0 || slot.streams == 0 {
        return None;
    }
    // (slot average ÷ overall average − 1) × 100, rounded to the nearest percent.
    let ratio = (slot.viewers as f64 / slot.streams as f64) / (viewers as f64 / streams as f64);
    Some(((ratio - 1.0) * 100.0).round() as i64)
}

pub fn signed_percent(v: Option<i64>) -> String {
    match v {
        None => crate::reports::figures::view::NONE.to_string(),
        Some(0) => "±0 %".into(),
        Some(p) if p > 0 => format!("+{p} %"),
        Some(p) => format!("−{} %", -p),
    }
}

/// A cell of the heat map.
pub struct Cell {
    pub text: String,
    /// 0 (no stream) … 4 (the best slots), for the cell's shade.
    pub level: u8,
    /// The cell in words, for its `title` and screen readers' context.
    pub label: String,
}

/// The heat map: the hours that have streams as columns, Monday to Sunday as rows.
pub struct Heatmap {
    pub hours: Vec<String>,
    pub rows: Vec<(&'static str, Vec<Cell>)>,
}

pub fn heatmap(slots: &[Slot]) -> Heatmap {
    let mut hours: Vec<i8> = slots.iter().map(|s| s.hour).collect();
    hours.sort_unstable();
    hours.dedup();
    let best = slots
        .iter()
        .map(Slot::average_tenths)
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(d, (_, name))| {
            let cells = hours
                .iter()
                .map(|h| match slots.iter().find(|s| s.weekday == d && s.hour == *h) {
                    None => Cell {
                        text: String::new(),
                        level: 0,
                        label: format!("{name} {h:02}:00: no stream"),
                    },
                    Some(s) => {
                        let avg = tenths(s.average_tenths());
                        let vs = signed_percent(versus_average(s, slots));
                        Cell {
                            text: format!("{avg} ({vs})"),
                            level: (1 + 3 * s.average_tenths() / best).min(4) as u8,
                            label: format!(
                                "{name} {h:02}:00: {} streams, {avg} viewers on average, {vs} against the average",
                                s.streams
                            ),
                        }
                    }
                })
                .collect();
            (*name, cells)
        })
        .collect();
    Heatmap {
        hours: hours.iter().map(|h| format!("{h:02}:00")).collect(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_group_by_weekday_and_hour_in_the_shop_zone() {
        // 2027-01-15 is a Friday: 08:00Z is 09:00 in Paris; 23:30Z is Saturday 00:30.
        let t = 1_800_000_000_000;
        let paris = crate::time::zone("Europe/Paris");
        let s = slots(
            &[(t, 6), (t + 7 * 86_400_000, 3), (t + 55_800_000, 2)],
            &paris,
        );
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].weekday_name(), s[0].hour, s[0].streams, s[0].viewers),
            ("Friday", 9, 2, 9)
        );
        assert_eq!((s[1].weekday_name(), s[1].hour), ("Saturday", 0));
        // Overall 11 viewers / 3 streams; Friday 9 h averages 4.5: 4.5 ÷ 3.67 = +23 %.
        assert_eq!(tenths(s[0].average_tenths()), "4.5");
        assert_eq!(signed_percent(versus_average(&s[0], &s)), "+23 %");
        assert_eq!(signed_percent(versus_average(&s[1], &s)), "−45 %");
    }
}
