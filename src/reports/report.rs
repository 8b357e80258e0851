//! A stream's report assembled from the metric functions: the headline KPIs, the
//! product table, the funnel and the top questions. Numbers only; pages format them.

use std::collections::{BTreeMap, BTreeSet};

use super::metrics::{self, Rate, Window};
use super::store::{QuestionRow, StreamData, StreamRow};
use super::timeline::{self, Minute};

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

/// The KPIs of a stream that went live; `None` while it is still scheduled.
pub fn kpis(stream: &StreamRow, data: &StreamData, now: i64) -> Option<Kpis> {
    let window = metrics::live_window(stream, now)?;
    let viewers = metrics::unique_viewers(&data.visits, window);
    let engaged = metrics::engaged_viewers(&viewers, &data.questions, &data.chatters);
    let buyers = metrics::buying_viewers(&viewers, &data.orders);
    let watch = metrics::watch_time_ms(&data.visits, window);
    let (peak_viewers, peak_at) = metrics::peak_concurrent(&data.visits, window);
    let orders = metrics::orders(&data.orders);
    let revenue = metrics::revenue(&data.orders);
    let (refunds, refunded_amount) = metrics::refunds(&data.orders);
    Some(Kpis {
        window,
        unique_viewers: viewers.len(),
        peak_viewers,
        peak_at,
        watch_time_ms: watch,
        average_watch_time_ms: metrics::average_watch_time_ms(watch, viewers.len()),
        engaged_viewers: engaged.len(),
        engagement_rate: Rate::of(engaged.len(), viewers.len()),
        questions_asked: metrics::questions_asked(&data.questions),
        questions_answered: metrics::questions_answered(&data.questions),
        median_answer_ms: metrics::median_answer_ms(&data.questions),
        orders,
        units: metrics::units(&data.orders, &data.lines),
        revenue,
        average_order_value: metrics::average_order_value(revenue, orders),
        buying_viewers: buyers.len(),
        conversion_rate: Rate::of(buyers.len(), viewers.len()),
        refunds,
        refunded_amount,
    })
}

/// The minutes of the live window (empty while scheduled).
pub fn minutes(stream: &StreamRow, data: &StreamData, now: i64) -> Vec<Minute> {
    match metrics::live_window(stream, now) {
        Some(w) => timeline::per_minute(&data.visits, &data.orders, &data.reactions, w),
        None => Vec::new(),
    }
}

/// One row of the product table: a product that was pinned, and what it sold meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub product_id: i64,
    pub title: String,
    pub pinned_ms: i64,
    /// Kept orders with a line of this product bought while it was pinned.
    pub orders: usize,
    pub units: i64,
    /// Those lines' quantity × unit price (refunds are per order and not spread).
    pub revenue: i64,
}

/// Per product pinned, in the order first pinned.
pub fn products(data: &StreamData, window: Window) -> Vec<ProductRow> {
    let kept: BTreeSet<i64> = data
        .orders
        .iter()
        .filter(|o| metrics::is_kept(o))
        .map(|o| o.id)
        .collect();
    let mut rows: Vec<ProductRow> = Vec::new();
    let mut pins_of: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for pin in &data.pins {
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
            }),
        }
    }
    for row in &mut rows {
        let pins = &pins_of[&row.product_id];
        let lines: Vec<_> = data
            .lines
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
    }
    rows
}

/// The funnel: unique viewers → asked or chatted → placed an order → bought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funnel {
    pub viewers: usize,
    pub engaged: usize,
    pub ordered: usize,
    pub paid: usize,
}

pub fn funnel(data: &StreamData, window: Window) -> Funnel {
    let viewers = metrics::unique_viewers(&data.visits, window);
    Funnel {
        viewers: viewers.len(),
        engaged: metrics::engaged_viewers(&viewers, &data.questions, &data.chatters).len(),
        ordered: metrics::ordering_viewers(&viewers, &data.orders).len(),
        paid: metrics::buying_viewers(&viewers, &data.orders).len(),
    }
}

/// The most voted questions (hidden ones left out), earliest first among equals.
pub fn top_questions(questions: &[QuestionRow], limit: usize) -> Vec<&QuestionRow> {
    let mut list: Vec<&QuestionRow> = questions.iter().filter(|q| q.status != "hidden").collect();
    list.sort_by_key(|q| (-q.votes, q.created_at, q.id));
    list.truncate(limit);
    list
}
