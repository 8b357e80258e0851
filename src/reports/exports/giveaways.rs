//! A stream's giveaways (issue 20) for the marketer: one row per giveaway with its prize,
//! how many entered (by the button and by the chat keyword), the winners and how many
//! claimed, and the seed that anyone can redo the draw from; as
//! `GET /reports/streams/{id}/giveaways.csv` and in the stream's JSON report (`giveaways`).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::csv_out::csv_response;
use crate::auth::Member;
use crate::auth::roles::ViewReports;
use crate::error::{Error, Result};
use crate::live::store::giveaways;
use crate::reports::figures::store;
use crate::state::AppState;

pub const GIVEAWAY_COLUMNS: [&str; 14] = [
    "giveaway_id",
    "prize",
    "variant_id",
    "state",
    "winners_wanted",
    "entries",
    "entries_by_chat",
    "winners",
    "claimed",
    "seed",
    "seed_sha256",
    "opened_at",
    "drawn_at",
    "stream_id",
];

#[derive(Debug, Clone, Serialize)]
pub struct GiveawaySummary {
    pub id: i64,
    pub prize: String,
    pub variant_id: i64,
    pub state: String,
    pub winners_wanted: i64,
    pub entries: i64,
    pub entries_by_chat: i64,
    /// The winners' display names, in place order.
    pub winners: Vec<String>,
    pub claimed: i64,
    /// Published once drawn.
    pub seed: Option<String>,
    pub seed_sha256: String,
    pub opened_at: String,
    pub drawn_at: Option<String>,
}

pub async fn summaries(db: &sqlx::AnyPool, stream_id: i64) -> Result<Vec<GiveawaySummary>> {
    let mut out = Vec::new();
    for g in giveaways::of_stream(db, stream_id).await? {
        let entries = giveaways::entries(db, g.id).await?;
        let winners = giveaways::winners(db, g.id).await?;
        out.push(GiveawaySummary {
            id: g.id,
            variant_id: g.variant_id,
            winners_wanted: g.winners,
            entries: entries.len() as i64,
            entries_by_chat: entries.iter().filter(|e| e.via == "chat").count() as i64,
            claimed: winners.iter().filter(|w| w.order_id.is_some()).count() as i64,
            winners: winners.into_iter().map(|w| w.name).collect(),
            seed: (g.state == "drawn").then_some(g.seed),
            seed_sha256: g.seed_hash,
            opened_at: crate::time::iso(g.opened_at),
            drawn_at: g.drawn_at.map(crate::time::iso),
            prize: g.prize,
            state: g.state,
        });
    }
    Ok(out)
}

pub async fn csv(
    State(state): State<AppState>,
    user: Member<ViewReports>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let db = &state.db.pool;
    store::stream(db, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let rows = summaries(db, id)
        .await?
        .into_iter()
        .map(|g| {
            vec![
                g.id.to_string(),
                g.prize,
                g.variant_id.to_string(),
                g.state,
                g.winners_wanted.to_string(),
                g.entries.to_string(),
                g.entries_by_chat.to_string(),
                g.winners.join("; "),
                g.claimed.to_string(),
                g.seed.unwrap_or_default(),
                g.seed_sha256,
                g.opened_at,
                g.drawn_at.unwrap_or_default(),
                id.to_string(),
            ]
        })
        .collect();
    csv_response(
        &format!("stream-{id}-giveaways.csv"),
        &GIVEAWAY_COLUMNS,
        rows,
    )
}
