//! `GET /reports/streams/{id}`: one stream's report: headline tiles, the timeline chart,
//! the product table, the funnel and the top questions.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::chart::{self, Chart};
use super::report;
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::money;
use crate::reports::figures::kpis::{Funnel, ProductRow};
use crate::reports::figures::metrics::{self, Rate};
use crate::reports::figures::store::{self, QuestionRow, StreamRow};
use crate::reports::figures::timeline::Minute;
use crate::reports::figures::view::{self, Tile};
use crate::reports::sources::view::{self as source_view, SourceView};
use crate::state::AppState;
use crate::streams::Status;
use crate::web::{Layout, Section, render};

/// How many questions the page lists (docs/metrics.md, "Top questions").
const TOP_QUESTIONS: i64 = 5;

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
    /// Called off before it went live (the page says so instead of "not live yet").
    cancelled: bool,
    scheduled: String,
    window: String,
    time_zone: String,
    tiles: Vec<Tile>,
    chart: Option<Chart>,
    chart_summary: String,
    minutes: Vec<MinuteRow>,
    /// (row, time pinned, revenue, click-through), formatted.
    products: Vec<(ProductRow, String, String, String)>,
    funnel: Option<Funnel>,
    questions: Vec<(QuestionRow, String)>,
    /// Traffic sources (`sources::view`, `templates/reports/_sources.html`).
    sources: Vec<SourceView>,
}

impl StreamPage {
    fn funnel_steps(&self) -> Vec<(&'static str, usize, String)> {
        let Some(f) = &self.funnel else {
            return Vec::new();
        };
        let share = |n: usize| view::rate(Rate::of(n, f.viewers));
        vec![
            ("Watched", f.viewers, share(f.viewers)),
            ("Clicked a product", f.clicked, share(f.clicked)),
            ("Started checkout", f.checkout, share(f.checkout)),
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
    let now = now_ms();
    let report = report::load(db, user.shop.id, &stream, now).await?;
    let mut page = StreamPage {
        layout: Layout::dashboard(&user, format!("Report: {}", stream.title), Section::Reports)
            .await,
        live: stream.started_at.is_some() && stream.ended_at.is_none(),
        cancelled: stream.status == Status::Cancelled,
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
        sources: Vec::new(),
        stream,
    };
    let Some(r) = report else {
        return Ok(render(&page));
    };
    let (k, w) = (&r.kpis, r.window);
    page.window = format!(
        "{} – {} ({})",
        crate::time::date_time(w.start, &tz),
        view::clock(w.end, &tz),
        view::duration(w.duration_ms())
    );
    page.tiles = view::tiles(k, currency, &tz);
    let pins: Vec<(i64, i64, String)> = r
        .pins
        .iter()
        .map(|p| (p.started_at, p.ended_at.unwrap_or(w.end), p.title.clone()))
        .collect();
    let orders: Vec<i64> = r
        .orders
        .iter()
        .filter(|o| metrics::is_kept(o))
        .map(|o| o.created_at)
        .collect();
    let spikes = r.minutes.iter().filter(|m| m.spike).count();
    let formats = formats(&state.db.pool, id, w.end).await?;
    let ran = ran(&formats);
    page.chart_summary = format!(
        "Concurrent viewers per minute. Peak {} viewers{}; {} pinned products; {} orders; {} reaction spikes{ran}.",
        k.peak_viewers,
        k.peak_at
            .map(|t| format!(" at {}", view::clock(t, &tz)))
            .unwrap_or_default(),
        r.products.len(),
        k.orders,
        spikes
    );
    page.chart = (!r.minutes.is_empty())
        .then(|| chart::layout(&r.minutes, w, &pins, &formats, &orders, &tz));
    page.minutes = r
        .minutes
        .into_iter()
        .map(|m| MinuteRow {
            time: view::clock(m.start, &tz),
            minute: m,
        })
        .collect();
    page.products = r
        .products
        .into_iter()
        .map(|p| {
            let (pinned, revenue, ctr) = (
                view::duration(p.pinned_ms),
                money::format(p.revenue, currency),
                view::rate(p.click_through()),
            );
            (p, pinned, revenue, ctr)
        })
        .collect();
    page.funnel = Some(r.funnel);
    let (sources, questions) = tokio::try_join!(
        source_view::for_stream(db, user.shop.id, id, currency, now),
        store::top_questions(db, user.shop.id, id, TOP_QUESTIONS),
    )?;
    page.sources = sources;
    page.questions = questions
        .into_iter()
        .map(|q| {
            let answer = q.answered_at.map_or_else(
                || "Not answered".to_string(),
                |a| format!("Answered after {}", view::duration(a - q.created_at)),
            );
            (q, answer)
        })
        .collect();
    Ok(render(&page))
}

/// "; 2 polls, 1 auction, 1 coupon and 0 giveaways" for the chart's summary (nothing when none ran).
fn ran(formats: &[chart::Span]) -> String {
    let count = |prefix: &str| formats.iter().filter(|f| f.2.starts_with(prefix)).count();
    let kinds = [
        (count("Poll:"), "poll", "polls"),
        (count("Auction:"), "auction", "auctions"),
        (count("Coupon "), "coupon", "coupons"),
        (count("Giveaway:"), "giveaway", "giveaways"),
    ];
    if formats.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = kinds
        .iter()
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    format!(
        "; {}, {}, {} and {}",
        parts[0], parts[1], parts[2], parts[3]
    )
}

/// The polls, auctions, coupons and giveaways of the stream as timeline spans, each with what became
/// of it.
async fn formats(db: &sqlx::AnyPool, stream_id: i64, window_end: i64) -> Result<Vec<chart::Span>> {
    use crate::live::store::auctions::AuctionState;
    let mut spans = Vec::new();
    for p in crate::live::store::polls::list(db, stream_id).await? {
        let end = p.closed_at.or(p.closes_at).unwrap_or(window_end);
        spans.push((p.opened_at, end, format!("Poll: {}", p.question)));
    }
    for a in crate::live::store::auctions::list(db, stream_id).await? {
        let outcome = match (a.state, a.winner_price) {
            (AuctionState::Sold, Some(p)) => {
                format!("sold for {}", crate::money::format(p, &a.currency))
            }
            (AuctionState::Running, _) => "running".to_string(),
            (AuctionState::Cancelled, _) => "ended by the host".to_string(),
            _ => "not sold".to_string(),
        };
        let end = a.closed_at.unwrap_or(a.ends_at.min(window_end));
        spans.push((
            a.started_at,
            end,
            format!("Auction: {}, {outcome}", a.title),
        ));
    }
    for c in crate::live::store::coupons::of_stream(db, stream_id).await? {
        let end = c
            .ended_at
            .or(c.expires_at.filter(|e| *e < window_end))
            .unwrap_or(window_end);
        let terms = crate::live::coupons::terms(&c).label();
        let used = crate::live::store::coupons::brought(db, c.id)
            .await?
            .paid_orders;
        spans.push((
            c.dropped_at,
            end,
            format!("Coupon {}: {terms}, {used} paid orders", c.code),
        ));
    }
    for g in crate::live::store::giveaways::of_stream(db, stream_id).await? {
        let end = g.drawn_at.unwrap_or(window_end);
        let outcome = match g.state.as_str() {
            "drawn" => format!("{} entries, drawn", g.entrants),
            "cancelled" => "cancelled".to_string(),
            _ => "open".to_string(),
        };
        spans.push((
            g.opened_at,
            end,
            format!("Giveaway: {}, {outcome}", g.prize),
        ));
    }
    Ok(spans)
}
