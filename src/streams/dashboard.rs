//! Dashboard → Streams: the Upcoming / Live now / Past tabs and the week calendar.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::lifecycle::Status;
use super::store;
use super::views::{self, StreamCard};
use crate::auth::Member;
use crate::auth::roles::{ManageStreams, ViewStreams};
use crate::error::Result;
use crate::state::AppState;
use crate::web::{Layout, Section, render};

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    tab: String,
}

pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "streams/list.html")]
struct ListPage {
    layout: Layout,
    tabs: Vec<Tab>,
    tab: &'static str,
    streams: Vec<StreamCard>,
    can_manage: bool,
    public_url: String,
}

pub async fn list(
    State(state): State<AppState>,
    user: Member<ViewStreams>,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop = &user.shop;
    let tz = crate::time::zone(&shop.time_zone);
    let upcoming = store::list(pool, shop.id, &[Status::Scheduled], 500).await?;
    let live = store::list(pool, shop.id, &[Status::Live], 100).await?;
    let past = store::list(pool, shop.id, &[Status::Ended, Status::Cancelled], 200).await?;
    // Open on "Live now" when something is live and no tab was asked for.
    let tab: &'static str = match q.tab.as_str() {
        "live" => "live",
        "past" => "past",
        "upcoming" => "upcoming",
        _ if !live.is_empty() => "live",
        _ => "upcoming",
    };
    let tabs = vec![
        Tab {
            key: "upcoming",
            label: "Upcoming",
            count: upcoming.len(),
            current: tab == "upcoming",
        },
        Tab {
            key: "live",
            label: "Live now",
            count: live.len(),
            current: tab == "live",
        },
        Tab {
            key: "past",
            label: "Past",
            count: past.len(),
            current: tab == "past",
        },
    ];
    let shown = match tab {
        "live" => live,
        "past" => past,
        _ => upcoming,
    };
    let page = ListPage {
        layout: Layout::dashboard(&user, "Streams", Section::Streams).await,
        tabs,
        tab,
        streams: shown
            .iter()
            .map(|s| views::card(s, &tz, &shop.slug))
            .collect(),
        can_manage: user.can::<ManageStreams>(),
        public_url: format!("{}/@{}", state.config.base_url(), shop.slug),
    };
    Ok(render(&page))
}

#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    #[serde(default)]
    week: String,
}

pub struct Day {
    pub label: String,
    pub is_today: bool,
    pub streams: Vec<StreamCard>,
}

#[derive(Template)]
#[template(path = "streams/calendar.html")]
struct CalendarPage {
    layout: Layout,
    title: String,
    days: Vec<Day>,
    previous: String,
    next: String,
    this_week: String,
    time_zone: String,
    can_manage: bool,
}

/// The Monday of the week holding `date`.
fn monday_of(date: Date) -> Date {
    let back = date.weekday().to_monday_zero_offset();
    date.checked_sub(jiff::Span::new().days(back))
        .unwrap_or(date)
}

/// Midnight of `date` in `tz` as UTC milliseconds (DST-aware: a day may be 23 or 25 h).
fn start_of(date: Date, tz: &TimeZone) -> i64 {
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

pub async fn calendar(
    State(state): State<AppState>,
    user: Member<ViewStreams>,
    Query(q): Query<WeekQuery>,
) -> Result<Response> {
    let shop = &user.shop;
    let tz = crate::time::zone(&shop.time_zone);
    let today = jiff::Timestamp::now().to_zoned(tz.clone()).date();
    let monday = monday_of(q.week.parse::<Date>().unwrap_or(today));
    let dates: Vec<Date> = (0..8)
        .filter_map(|d| monday.checked_add(jiff::Span::new().days(d)).ok())
        .collect();
    let (Some(first), Some(after)) = (dates.first(), dates.last()) else {
        return Err(anyhow::anyhow!("calendar dates out of range").into());
    };
    let streams = store::between(
        &state.db.pool,
        shop.id,
        start_of(*first, &tz),
        start_of(*after, &tz),
    )
    .await?;
    let days = dates[..7]
        .iter()
        .map(|date| {
            let (from, to) = (
                start_of(*date, &tz),
                start_of(date.tomorrow().unwrap_or(*date), &tz),
            );
            Day {
                label: date.strftime("%a %-d %b").to_string(),
                is_today: *date == today,
                streams: streams
                    .iter()
                    .filter(|s| s.scheduled_at >= from && s.scheduled_at < to)
                    .map(|s| views::card(s, &tz, &shop.slug))
                    .collect(),
            }
        })
        .collect();
    let week = |d: Date| d.strftime("%Y-%m-%d").to_string();
    let page = CalendarPage {
        layout: Layout::dashboard(&user, "Stream calendar", Section::Streams).await,
        title: format!("Week of {}", monday.strftime("%-d %B %Y")),
        days,
        previous: week(
            monday
                .checked_sub(jiff::Span::new().days(7))
                .unwrap_or(monday),
        ),
        next: week(*after),
        this_week: week(monday_of(today)),
        time_zone: shop.time_zone.clone(),
        can_manage: user.can::<ManageStreams>(),
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_days_follow_dst() {
        let d: Date = "2027-03-17".parse().unwrap(); // a Wednesday
        assert_eq!(monday_of(d).to_string(), "2027-03-15");
        let ny = crate::time::zone("America/New_York");
        let sat: Date = "2027-03-13".parse().unwrap();
        let sun: Date = "2027-03-14".parse().unwrap();
        let mon: Date = "2027-03-15".parse().unwrap();
        // The Sunday the clocks spring forward is 23 hours long.
        assert_eq!(start_of(mon, &ny) - start_of(sun, &ny), 23 * 3_600_000);
        assert_eq!(start_of(sun, &ny) - start_of(sat, &ny), 24 * 3_600_000);
    }
}
