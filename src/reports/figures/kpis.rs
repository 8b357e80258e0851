//! A stream's report assembled from the metric functions: the headline KPIs, the
//! product table and the funnel. Numbers only; pages format them.

use std::collections::{BTreeMap, BTreeSet};

use super::metrics::{self, Rate, Window};
use super::reach::Reach;
use super::store::{LineRow, OrderRow, PinRow, QuestionRow, Visit};

/// The headline figures of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kpis {
    pub window: Window,
    pub unique_viewers: usize,
    pub peak_viewers: i64,
    pub peak_at: Option<i64>,
    pub watch_time_ms: i64,
    pub average_watch_time_ms: Option<i64>,
    pub engaged_viewers: usize,
    pub engagement_rate: Option<Rate>,
    pub questions_asked: usize,
    pub questions_answered: usize,
    pub median_answer_ms: Option<i64>,
    pub orders: usize,
    pub units: i64,
    pub revenue: i64,
    pub average_order_value: Option<i64>,
    pub buying_viewers: usize,
    pub conversion_rate: Option<Rate>,
    pub refunds: usize,
    pub refunded_amount: i64,
}

/// The viewer-side KPIs: what the rollup keeps per ended stream (`rollup`), since
/// they no longer change once the window is closed. Order figures are not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewerSummary {
    pub window: Window,
    pub unique_viewers: usize,
    pub peak_viewers: i64,
    pub peak_at: Option<i64>,
    pub watch_time_ms: i64,
    pub engaged_viewers: usize,
    pub questions_asked: usize,
    pub questions_answered: usize,
    pub median_answer_ms: Option<i64>,
    /// The funnel's middle steps: unique viewers who clicked a product card, who
    /// started a checkout (`metrics::acting_viewers`).
    pub clicked_viewers: usize,
    pub checkout_viewers: usize,
}

/// The raw rows the viewer-side figures are computed from (`viewer_side::compute`).
#[derive(Debug, Clone, Default)]
pub struct ViewerRows {
    pub visits: Vec<Visit>,
    pub questions: Vec<QuestionRow>,
    /// Distinct viewer ids that sent a chat message.
    pub chatters: Vec<String>,
    /// Distinct viewer ids with a click, with a checkout started (`reach::actors`).
    pub clickers: Vec<String>,
    pub checkouts: Vec<String>,
}

pub fn viewer_summary(rows: &ViewerRows, window: Window) -> ViewerSummary {
    let viewers = metrics::unique_viewers(&rows.visits, window);
    let (peak_viewers, peak_at) = metrics::peak_concurrent(&rows.visits, window);
    ViewerSummary {
        window,
        unique_viewers: viewers.len(),
        peak_viewers,
        peak_at,
        watch_time_ms: metrics::watch_time_ms(&rows.visits, window),
        engaged_viewers: metrics::engaged_viewers(&viewers, &rows.questions, &rows.chatters).len(),
        questions_asked: metrics::questions_asked(&rows.questions),
        questions_answered: metrics::questions_answered(&rows.questions),
        median_answer_ms: metrics::median_answer_ms(&rows.questions),
        clicked_viewers: metrics::acting_viewers(&viewers, &rows.clickers).len(),
        checkout_viewers: metrics::acting_viewers(&viewers, &rows.checkouts).len(),
    }
}

/// The KPIs from the viewer-side figures and the stream's orders. `viewers` must hold
/// at least every unique viewer who is on one of `orders` (the rollup path reads only
/// those buyers' visits).
pub fn kpis_from(
    s: &ViewerSummary,
    viewers: &BTreeSet<&str>,
    orders: &[OrderRow],
    lines: &[LineRow],
) -> Kpis {
    let buyers = metrics::buying_viewers(viewers, orders);
    let kept = metrics::orders(orders);
    let revenue = metrics::revenue(orders);
    let (refunds, refunded_amount) = metrics::refunds(orders);
    Kpis {
        window: s.window,
        unique_viewers: s.unique_viewers,
        peak_viewers: s.peak_viewers,
        peak_at: s.peak_at,
        watch_time_ms: s.watch_time_ms,
        average_watch_time_ms: metrics::average_watch_time_ms(s.watch_time_ms, s.unique_viewers),
        engaged_viewers: s.engaged_viewers,
        engagement_rate: Rate::of(s.engaged_viewers, s.unique_viewers),
        questions_asked: s.questions_asked,
        questions_answered: s.questions_answered,
        median_answer_ms: s.median_answer_ms,
        orders: kept,
        units: metrics::units(orders, lines),
        revenue,
        average_order_value: metrics::average_order_value(revenue, kept),
        buying_viewers: buyers.len(),
        conversion_rate: Rate::of(buyers.len(), s.unique_viewers),
        refunds,
        refunded_amount,
    }
}

/// One row of the product table: a product that was pinned, and what it sold meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProductRow {
    pub product_id: i64,
    pub title: String,
    pub pinned_ms: i64,
    /// Kept orders with a line of this product bought while it was pinned.
    pub orders: usize,
    pub units: i64,
    /// Those lines' quantity × unit price (refunds are per order and not spread).
    pub revenue: i64,
    /// Distinct (viewer, pin) pairs that saw the card, clicked it, tapped Buy, started
    /// checkout, under this product's pins (`reach::product_reach`).
    pub impressions: usize,
    pub clicks: usize,
    pub buy_taps: usize,
    pub checkouts: usize,
}

impl ProductRow {
    /// Click-through rate: clicks ÷ impressions.
    pub fn click_through(&self) -> Option<Rate> {
        Rate::of(self.clicks, self.impressions)
    }
}

/// Per product pinned, in the order first pinned: the order side from the stream's
/// orders and lines, the viewer side (`reach`) from `reach::product_reach`.
pub fn products(
    pins: &[PinRow],
    orders: &[OrderRow],
    lines: &[LineRow],
    reach: &[Reach],
    window: Window,
) -> Vec<ProductRow> {
    let kept: BTreeSet<i64> = orders
        .iter()
        .filter(|o| metrics::is_kept(o))
        .map(|o| o.id)
        .collect();
    let mut rows: Vec<ProductRow> = Vec::new();
    let mut pins_of: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for pin in pins {
        let pinned = window
            .clip(pin.started_at, pin.ended_at.unwrap_or(window.end))
            .map_or(0, |(a, b)| b - a);
        pins_of.entry(pin.product_id).or_default().insert(pin.id);
        match rows.iter_mut().find(|r| r.product_id == pin.product_id) {
            Some(row) => row.pinned_ms += pinned,
            None => rows.push(ProductRow {
                product_id: pin.product_id,
                title: pin.title.clone(),
                pinned_ms: pinned,
                orders: 0,
                units: 0,
                revenue: 0,
                impressions: 0,
                clicks: 0,
                buy_taps: 0,
                checkouts: 0,
            }),
        }
    }
    for row in &mut rows {
        let pins = &pins_of[&row.product_id];
        let lines: Vec<_> = lines
            .iter()
            .filter(|l| l.product_id == row.product_id && kept.contains(&l.order_id))
            .filter(|l| l.pin_id.is_some_and(|p| pins.contains(&p)))
            .collect();
        row.orders = lines
            .iter()
            .map(|l| l.order_id)
            .collect::<BTreeSet<_>>()
            .len();
        row.units = lines.iter().map(|l| l.quantity).sum();
        row.revenue = lines.iter().map(|l| l.quantity * l.unit_price).sum();
        if let Some(r) = reach.iter().find(|r| r.product_id == row.product_id) {
            row.impressions = r.impressions as usize;
            row.clicks = r.clicks as usize;
            row.buy_taps = r.buy_taps as usize;
            row.checkouts = r.checkouts as usize;
        }
    }
    rows
}

/// The funnel: unique viewers → clicked a product → started checkout → paid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Funnel {
    pub viewers: usize,
    pub clicked: usize,
    pub checkout: usize,
    pub paid: usize,
}

/// The funnel from the viewer-side summary and the KPIs' buying viewers.
pub fn funnel(s: &ViewerSummary, k: &Kpis) -> Funnel {
    Funnel {
        viewers: s.unique_viewers,
        clicked: s.clicked_viewers,
        checkout: s.checkout_viewers,
        paid: k.buying_viewers,
    }
}
