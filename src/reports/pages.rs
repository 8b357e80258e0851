//! `GET /reports`: the shop's streams that went live, side by side with their headline
//! KPIs, sortable. `GET /reports/streams/{id}`: one stream's report.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::chart::{self, Chart};
use super::report::{self, Funnel, Kpis, ProductRow};
use super::store::{self, QuestionRow, StreamRow};
use super::timeline::Minute;
use super::view::{self, Tile};
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::catalog::money;
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, render};

/// The columns the list sorts by, as `?sort=` names them.
const SORTS: [(&str, &str); 8] = [
    ("started", "Started"),
    ("viewers", "Unique viewers"),
    ("peak", "Peak"),
    ("watch", "Avg watch time"),
    ("engagement", "Engagement"),
    ("orders", "Orders"),
    ("revenue", "Revenue"),
    ("conversion", "Conversion"),
];

#[derive(Deserialize, Default)]
pub struct Sort {
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
}

/// One stream in the list, formatted.
struct ListRow {
    id: i64,
    title: String,
    live: bool,
    started: String,
    cells: Vec<String>,
}

/// A sortable column header: its link and `aria-sort`.
struct Header {
    label: &'static str,
    href: String,
    aria_sort: &'static str,
}

#[derive(Template)]
#[template(path = "reports/list.html")]
struct ListPage {
    layout: Layout,
    headers: Vec<Header>,
    rows: Vec<ListRow>,
}

fn sort_key(k: &Kpis, column: &str) -> i128 {
    let rate = |r: Option<super::metrics::Rate>| {
        r.map_or(-1, |r| i128::from(r.part) * 1_000_000 / i128::from(r.whole))
    };
    match column {
        "viewers" => k.unique_viewers as i128,
        "peak" => k.peak_viewers.into(),
        "watch" => k.average_watch_time_ms.unwrap_or(-1).into(),
        "engagement" => rate(k.engagement_rate),
        "orders" => k.orders as i128,
        "revenue" => k.revenue.into(),
        "conversion" => rate(k.conversion_rate),
        _ => k.window.start.into(),
    }
}

/// Every reported stream with its KPIs, in the order asked for (latest first by default).
pub async fn list_kpis(
    db: &sqlx::AnyPool,
    shop_id: i64,
    sort: &Sort,
) -> Result<Vec<(StreamRow, Kpis)>> {
    let now = now_ms();
    let mut rows = Vec::new();
    for stream in store::reported_streams(db, shop_id).await? {
        let data = store::stream_data(db, shop_id, stream.id).await?;
        if let Some(kpis) = report::kpis(&stream, &data, now) {
            rows.push((stream, kpis));
        }
    }
    let column = sort.column();
    rows.sort_by_key(|(s, k)| (sort_key(k, column), s.id));
    if sort.dir != "asc" {
        rows.reverse();
    }
    Ok(rows)
}

impl Sort {
    fn column(&self) -> &str {
        SORTS
            .iter()
            .find(|(name, _)| *name == self.sort)
            .map_or("started", |(name, _)| name)
    }
}

pub async fn index(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Query(sort): Query<Sort>,
) -> Result<Response> {
    let (currency, tz) = (&user.shop.currency, crate::time::zone(&user.shop.time_zone));
    let rows = list_kpis(&state.db.pool, user.shop.id, &sort).await?;
    let current = sort.column();
    let descending = sort.dir != "asc";
    let headers = SORTS
        .iter()
        .map(|(name, label)| {
            let here = *name == current;
            let dir = if here && descending { "asc" } else { "desc" };
            Header {
                label,
                href: format!("/reports?sort={name}&dir={dir}"),
                aria_sort: match (here, descending) {
                    (false, _) => "none",
                    (true, true) => "descending",
                    (true, false) => "ascending",
                },
            }
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|(s, k)| ListRow {
            id: s.id,
            live: s.ended_at.is_none(),
            started: crate::time::date_time(k.window.start, &tz),
            title: s.title,
            cells: vec![
                k.unique_viewers.to_string(),
                k.peak_viewers.to_string(),
                view::opt_duration(k.average_watch_time_ms),
                view::rate(k.engagement_rate),
                k.orders.to_string(),
                money::format(k.revenue, currency),
                view::rate(k.conversion_rate),
            ],
        })
        .collect();
    Ok(render(&ListPage {
        layout: Layout::dashboard(&user, "Reports", Section::Reports).await,
        headers,
        rows,
    }))
}

/// One row of the timeline's data table.
struct MinuteRow {
    time: String,
    minute: Minute,
}

#[derive(Template)]
#[template(path = "reports/stream.html")]
struct StreamPage {
    layout: Layout,
    stream: StreamRow,
    live: bool,
    scheduled: String,
    window: String,
    time_zone: String,
    tiles: Vec<Tile>,
    chart: Option<Chart>,
    chart_summary: String,
    minutes: Vec<MinuteRow>,
    products: Vec<(ProductRow, String, String)>,
    funnel: Option<Funnel>,
    questions: Vec<(QuestionRow, String)>,
}

impl StreamPage {
    fn funnel_steps(&self) -> Vec<(&'static str, usize, String)> {
        let Some(f) = &self.funnel else {
            return Vec::new();
        };
        let share = |n: usize| view::rate(super::metrics::Rate::of(n, f.viewers));
        vec![
            ("Watched", f.viewers, share(f.viewers)),
            ("Asked or chatted", f.engaged, share(f.engaged)),
            ("Placed an order", f.ordered, share(f.ordered)),
            ("Paid (kept)", f.paid, share(f.paid)),
        ]
    }
}

pub async fn stream(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let db = &state.db.pool;
    let stream = store::stream(db, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let (currency, tz) = (&user.shop.currency, crate::time::zone(&user.shop.time_zone));
    let data = store::stream_data(db, user.shop.id, id).await?;
    let now = now_ms();
    let kpis = report::kpis(&stream, &data, now);
    let mut page = StreamPage {
        layout: Layout::dashboard(&user, format!("Report: {}", stream.title), Section::Reports)
            .await,
        live: stream.started_at.is_some() && stream.ended_at.is_none(),
        scheduled: crate::time::date_time(stream.scheduled_at, &tz),
        window: String::new(),
        time_zone: user.shop.time_zone.clone(),
        tiles: Vec::new(),
        chart: None,
        chart_summary: String::new(),
        minutes: Vec::new(),
        products: Vec::new(),
        funnel: None,
        questions: Vec::new(),
        stream,
    };
    if let Some(k) = &kpis {
        let w = k.window;
        page.window = format!(
            "{} – {} ({})",
            crate::time::date_time(w.start, &tz),
            chart::clock(w.end, &tz),
            view::duration(w.duration_ms())
        );
        page.tiles = view::tiles(k, currency, &tz);
        let minutes = report::minutes(&page.stream, &data, now);
        let pins: Vec<(i64, i64, String)> = data
            .pins
            .iter()
            .map(|p| (p.started_at, p.ended_at.unwrap_or(w.end), p.title.clone()))
            .collect();
        let orders: Vec<i64> = data
            .orders
            .iter()
            .filter(|o| super::metrics::is_kept(o))
            .map(|o| o.created_at)
            .collect();
        page.chart_summary = format!(
            "Concurrent viewers per minute. Peak {} viewers{}; {} pinned products; {} orders.",
            k.peak_viewers,
            k.peak_at
                .map(|t| format!(" at {}", chart::clock(t, &tz)))
                .unwrap_or_default(),
            data.pins
                .iter()
                .map(|p| p.product_id)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            k.orders
        );
        page.chart = (!minutes.is_empty()).then(|| chart::layout(&minutes, w, &pins, &orders, &tz));
        page.minutes = minutes
            .into_iter()
            .map(|m| MinuteRow {
                time: chart::clock(m.start, &tz),
                minute: m,
            })
            .collect();
        page.products = report::products(&data, w)
            .into_iter()
            .map(|p| {
                let (pinned, revenue) = (
                    view::duration(p.pinned_ms),
                    money::format(p.revenue, currency),
                );
                (p, pinned, revenue)
            })
            .collect();
        page.funnel = Some(report::funnel(&data, w));
        page.questions = report::top_questions(&data.questions, 5)
            .into_iter()
            .map(|q| {
                let answer = q.answered_at.map_or_else(
                    || "Not answered".to_string(),
                    |a| format!("Answered after {}", view::duration(a - q.created_at)),
                );
                (q.clone(), answer)
            })
            .collect();
    }
    Ok(render(&page))
}
