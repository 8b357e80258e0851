//! The JSON each live event carries, built in one place so the viewer page, the studio
//! and the overlay read the same shapes.

use serde::Serialize;
use serde_json::{Value, json};

use super::store::chat::ChatRow;
use super::store::pins::PinRow;
use super::store::polls::PollRow;
use super::store::questions::QuestionRow;
use crate::money;

/// A product as the pinned card shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub product_id: i64,
    pub slug: String,
    pub title: String,
    pub price: i64,
    pub currency: String,
    pub price_display: String,
    pub compare_at_display: Option<String>,
    /// The names of the options its variants combine ("Size / Colour"); '' without options.
    pub option_label: String,
    pub image: Option<String>,
    pub image_alt: String,
    pub variants: Vec<CardVariant>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CardVariant {
    pub id: i64,
    pub title: String,
    pub price: i64,
    pub price_display: String,
    pub available: bool,
    /// Units on the shelf, None when the variant does not count its stock.
    pub stock: Option<i64>,
}

pub fn pin(pin: &PinRow, card: &Card) -> Value {
    let offer = pin.offer().map(|o| {
        json!({
            "price": o.price,
            "price_display": money::format(o.price, &o.currency),
            "ends_at": o.ends_at,
            "units_left": o.units_left(),
        })
    });
    json!({ "id": pin.id, "started_at": pin.started_at, "product": card, "offer": offer })
}

/// A poll with its votes per answer at `now`; `open` says whether it takes votes.
pub fn poll(p: &PollRow, counts: &[i64], now: i64) -> Value {
    let options: Vec<Value> = p
        .options
        .0
        .iter()
        .zip(counts.iter().chain(std::iter::repeat(&0)))
        .map(|(label, votes)| json!({ "label": label, "votes": votes }))
        .collect();
    json!({
        "id": p.id,
        "question": p.question,
        "options": options,
        "total": counts.iter().sum::<i64>(),
        "opened_at": p.opened_at,
        "closes_at": p.closes_at,
        "open": p.is_open(now),
    })
}

pub fn unpin(pin_id: i64) -> Value {
    json!({ "id": pin_id })
}

/// `started_at` is when the stream went live, to say where in the video an answer is.
pub fn question(q: &QuestionRow, started_at: Option<i64>) -> Value {
    let answered_in_video = match (q.answered_at, started_at) {
        (Some(a), Some(s)) if a >= s => Some((a - s) / 1000),
        _ => None,
    };
    json!({
        "id": q.id,
        "name": q.display_name,
        "body": q.body,
        "votes": q.votes,
        "status": q.status,
        "answered": q.answered_at.is_some(),
        "answered_at_s": answered_in_video,
        "created_at": q.created_at,
    })
}

pub fn chat(c: &ChatRow) -> Value {
    json!({ "id": c.id, "name": c.display_name, "body": c.body, "at": c.created_at })
}

pub fn removed(id: i64) -> Value {
    json!({ "id": id })
}
