//! `GET /reports`: the shop overview for a date range (last 30 days unless asked):
//! every stream that went live in it, sortable, with trend charts, top products, best
//! time slots and traffic sources. A bad range re-renders the picker with what was
//! typed, the message and a 400.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::range::{PRESETS, Range, RangeQuery};
use super::slots::{self, Heatmap};
use super::top_products::top_products;
use super::trends::{self, Sample, TrendChart};
use super::{SORTS, Sort};
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::db::now_ms;
use crate::error::Result;
use crate::money;
use crate::reports::figures::kpis::Kpis;
use crate::reports::figures::store::StreamRow;
use crate::reports::figures::view;
use crate::reports::sources::view::{self as source_view, SourceView};
use crate::reports::sources::{self, Scope};
use crate::state::AppState;
use crate::web::{Layout, Section, render_status};

/// How many products the page lists (the CSV has them all).
const TOP_PRODUCTS: usize = 10;

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

struct ProductView {
    title: String,
    units: i64,
    revenue: String,
    orders: i64,
    streams: i64,
}

#[derive(Template)]
#[template(path = "reports/overview.html")]
struct OverviewPage {
    layout: Layout,
    /// The range as typed, to re-render the picker.
    form: RangeQuery,
    presets: [(&'static str, &'static str); 5],
    sort: Sort,
    error: String,
    range_label: String,
    /// `range=…&from=…&to=…`, for links that keep the range.
    query: String,
    time_zone: String,
    headers: Vec<Header>,
    rows: Vec<ListRow>,
    trends: Vec<TrendChart>,
    products: Vec<ProductView>,
    heatmap: Heatmap,
    sources: Vec<SourceView>,
}

fn headers(sort: &Sort, query: &str) -> Vec<Header> {
    let current = sort.column();
    SORTS
        .iter()
        .map(|(name, label)| {
            let here = *name == current;
            let dir = if here && sort.descending() {
                "asc"
            } else {
                "desc"
            };
            Header {
                label,
                href: format!("/reports?sort={name}&dir={dir}&{query}"),
                aria_sort: match (here, sort.descending()) {
                    (false, _) => "none",
                    (true, true) => "descending",
                    (true, false) => "ascending",
                },
            }
        })
        .collect()
}

fn list_row(s: StreamRow, k: &Kpis, currency: &str, tz: &jiff::tz::TimeZone) -> ListRow {
    ListRow {
        id: s.id,
        live: s.ended_at.is_none(),
        started: crate::time::date_time(k.window.start, tz),
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
    }
}

fn trend_charts(
    rows: &[(StreamRow, Kpis)],
    range: &Range,
    currency: &str,
    tz: &jiff::tz::TimeZone,
) -> Vec<TrendChart> {
    let mut chronological: Vec<&(StreamRow, Kpis)> = rows.iter().collect();
    chronological.sort_by_key(|(s, k)| (k.window.start, s.id));
    let samples = |value: &dyn Fn(&Kpis) -> Option<i64>| -> Vec<Sample> {
        chronological
            .iter()
            .filter_map(|(s, k)| {
                value(k).map(|v| Sample {
                    at: k.window.start,
                    value: v,
                    title: s.title.clone(),
                })
            })
            .collect()
    };
    let viewers = samples(&|k| Some(k.unique_viewers as i64));
    let revenue = samples(&|k| Some(k.revenue));
    let conversion = samples(&|k| k.conversion_rate.map(|r| r.tenths()));
    vec![
        trends::layout(
            "trend-viewers",
            "Unique viewers per stream",
            "Unique viewers".into(),
            &viewers,
            range,
            tz,
            |v| v.to_string(),
        ),
        trends::layout(
            "trend-revenue",
            "Revenue per stream",
            format!("Revenue ({currency})"),
            &revenue,
            range,
            tz,
            |v| money::format(v, currency),
        ),
        trends::layout(
            "trend-conversion",
            "Conversion rate per stream",
            "Conversion (%)".into(),
            &conversion,
            range,
            tz,
            |v| format!("{}.{} %", v / 10, v % 10),
        ),
    ]
}

pub async fn index(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Query(sort): Query<Sort>,
) -> Result<Response> {
    let db = &state.db.pool;
    let (currency, tz) = (&user.shop.currency, crate::time::zone(&user.shop.time_zone));
    let now = now_ms();
    let mut page = OverviewPage {
        layout: Layout::dashboard(&user, "Reports", Section::Reports).await,
        form: sort.range.clone(),
        presets: PRESETS,
        sort: sort.clone(),
        error: String::new(),
        range_label: String::new(),
        query: String::new(),
        time_zone: user.shop.time_zone.clone(),
        headers: Vec::new(),
        rows: Vec::new(),
        trends: Vec::new(),
        products: Vec::new(),
        heatmap: slots::heatmap(&[]),
        sources: Vec::new(),
    };
    let range = match sort.resolve(&user.shop, now) {
        Ok(range) => range,
        Err(message) => {
            page.error = message;
            return Ok(render_status(StatusCode::BAD_REQUEST, &page));
        }
    };
    page.form = RangeQuery {
        range: range.preset.to_string(),
        from: range.from.to_string(),
        to: range.to.to_string(),
    };
    page.range_label = range.label();
    page.query = range.query();
    page.headers = headers(&sort, &page.query);
    let rows = super::kpis_in(db, user.shop.id, &range, &sort, now).await?;
    if !rows.is_empty() {
        let scope = Scope::Range {
            start: range.start_ms,
            end: range.end_ms,
        };
        page.trends = trend_charts(&rows, &range, currency, &tz);
        let starts: Vec<(i64, i64)> = rows
            .iter()
            .map(|(_, k)| (k.window.start, k.unique_viewers as i64))
            .collect();
        page.heatmap = slots::heatmap(&slots::slots(&starts, &tz));
        page.products = top_products(db, user.shop.id, scope, now)
            .await?
            .into_iter()
            .take(TOP_PRODUCTS)
            .map(|p| ProductView {
                title: p.title,
                units: p.units,
                revenue: money::format(p.revenue, currency),
                orders: p.orders,
                streams: p.streams_pinned,
            })
            .collect();
        let split = sources::split(db, user.shop.id, scope, now).await?;
        page.sources = source_view::format(&split, currency);
    }
    page.rows = rows
        .into_iter()
        .map(|(s, k)| list_row(s, &k, currency, &tz))
        .collect();
    Ok(render_status(StatusCode::OK, &page))
}
