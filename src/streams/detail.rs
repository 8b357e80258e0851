//! One stream in the dashboard: its settings, featured products, key and WHIP URL,
//! share and embed links, reminders, history; and the Start / End / Cancel buttons.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::lifecycle::{Actor, Status};
use super::views::{self, ProductView, StreamCard};
use super::{domain, keys, reminders, store, transitions};
use crate::auth::Member;
use crate::auth::roles::{ManageStreams, ViewStreams};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, flash_link, render};

pub struct HistoryRow {
    pub when: String,
    pub change: String,
    pub by: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "streams/detail.html")]
struct DetailPage {
    layout: Layout,
    stream: StreamCard,
    description: String,
    cancel_note: String,
    sells_after_end: bool,
    public_url: String,
    whip_url: String,
    embed_code: String,
    key_created: Option<String>,
    products: Vec<ProductView>,
    candidates: Vec<(i64, String)>,
    history: Vec<HistoryRow>,
    /// (e-mail, consent time in the shop's zone, still subscribed).
    reminders: Vec<(String, String, bool)>,
    reminder_count: usize,
    mail_enabled: bool,
    can_manage: bool,
    ended_at: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    user: Member<ViewStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop = &user.shop;
    let stream = store::by_id(pool, shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let tz = crate::time::zone(&shop.time_zone);
    let base = state.config.base_url();
    let featured = store::featured::list(pool, shop.id, id).await?;
    let candidates = store::featured::candidates(pool, shop.id)
        .await?
        .into_iter()
        .filter(|c| !featured.iter().any(|f| f.product_id == c.id))
        .map(|c| (c.id, format!("{} · {}", c.title, c.price())))
        .collect();
    let history = store::transitions(pool, shop.id, id)
        .await?
        .into_iter()
        .map(|t| HistoryRow {
            when: crate::time::date_time(t.at, &tz),
            change: format!("{} → {}", t.from_status, t.to_status),
            by: match t.actor.as_str() {
                "publisher" => "the broadcaster".to_string(),
                "system" => "Showfloor".to_string(),
                _ => t.actor_name.unwrap_or_else(|| "a former member".into()),
            },
            note: t.note,
        })
        .collect();
    let all_reminders = reminders::store::list(pool, shop.id, id).await?;
    let public_url = format!("{base}/@{}/{}", shop.slug, stream.slug);
    let page = DetailPage {
        layout: Layout::dashboard(&user, &stream.title, Section::Streams).await,
        description: stream.description.clone(),
        cancel_note: stream.cancel_note.clone(),
        sells_after_end: stream.sell_after_end,
        whip_url: format!("{base}/whip/{}", stream.public_id),
        embed_code: format!(
            "<iframe src=\"{public_url}/embed\" title=\"{}\" width=\"640\" height=\"720\" allow=\"autoplay; fullscreen; picture-in-picture\" allowfullscreen></iframe>",
            attr_escape(&stream.title)
        ),
        public_url,
        key_created: keys::stream_key_created(pool, shop.id, id)
            .await?
            .map(|ms| crate::time::date_time(ms, &tz)),
        products: featured.iter().map(views::product).collect(),
        candidates,
        history,
        reminder_count: all_reminders
            .iter()
            .filter(|r| r.unsubscribed_at.is_none())
            .count(),
        reminders: all_reminders
            .into_iter()
            .take(50)
            .map(|r| {
                (
                    r.email,
                    crate::time::date_time(r.consent_at, &tz),
                    r.unsubscribed_at.is_none(),
                )
            })
            .collect(),
        mail_enabled: state.streams.mailer.is_some(),
        can_manage: user.can::<ManageStreams>(),
        ended_at: stream.ended_at.map(|ms| crate::time::date_time(ms, &tz)),
        stream: views::card(&stream, &tz, &shop.slug),
    };
    Ok(render(&page))
}

/// The stream of this shop, or 404.
async fn own_stream(state: &AppState, shop_id: i64, id: i64) -> Result<store::Stream> {
    store::by_id(&state.db.pool, shop_id, id)
        .await?
        .ok_or(Error::NotFound)
}

fn back(id: i64) -> Response {
    Redirect::to(&format!("/streams/{id}")).into_response()
}

pub async fn start(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    own_stream(&state, user.shop.id, id).await?;
    transitions::go_live(&state, id, Actor::User(user.id)).await?;
    flash(
        &user.session,
        "success",
        "You are live. Shoppers on the stream page now see the player.",
    )
    .await;
    Ok(back(id))
}

pub async fn end(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    own_stream(&state, user.shop.id, id).await?;
    transitions::end(&state, id, Actor::User(user.id)).await?;
    flash(
        &user.session,
        "success",
        "Stream ended. Its report is being prepared.",
    )
    .await;
    Ok(back(id))
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    note: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
    Form(form): Form<CancelForm>,
) -> Result<Response> {
    let stream = own_stream(&state, user.shop.id, id).await?;
    let note = domain::cancel_note(&form.note).map_err(|r| Error::BadRequest(r.into()))?;
    if stream.status != Status::Scheduled {
        return Err(Error::Conflict(format!(
            "This stream is {}: only a scheduled stream can be cancelled.",
            stream.status.label()
        )));
    }
    transitions::cancel(&state, id, Actor::User(user.id), &note).await?;
    flash(
        &user.session,
        "success",
        "Stream cancelled. Its page now shows your note.",
    )
    .await;
    Ok(back(id))
}

pub async fn rotate_key(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let stream = own_stream(&state, user.shop.id, id).await?;
    if stream.status.is_final() {
        return Err(Error::Conflict(
            "This stream is over: it needs no key.".into(),
        ));
    }
    let mut tx = state.db.pool.begin().await?;
    let key = keys::rotate(&mut tx, user.shop.id, Some(id), Some(user.id)).await?;
    tx.commit().await?;
    flash_link(
        &user.session,
        "success",
        "New stream key created; the old one no longer works. Copy it now: it is shown only once.",
        key,
    )
    .await;
    Ok(back(id))
}

/// Escape text for an HTML attribute in the embed snippet the merchant pastes.
fn attr_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
