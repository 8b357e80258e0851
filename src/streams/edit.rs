//! Scheduling: the new-stream and edit forms (title, description, start in the shop's
//! zone, duration, host, selling after the end), and "run this demo again next week".

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{domain, keys, store};
use crate::auth::Member;
use crate::auth::roles::ManageStreams;
use crate::db::{OnConstraint, now_ms};
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, flash_link, render_status};

#[derive(Debug, Default, Deserialize)]
pub struct StreamForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    duration_min: String,
    #[serde(default)]
    host_id: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    sell_after_end: Option<String>,
}

#[derive(Template)]
#[template(path = "streams/form.html")]
struct FormPage {
    layout: Layout,
    /// None for a new stream.
    stream_id: Option<i64>,
    form: StreamForm,
    errors: FormErrors,
    hosts: Vec<store::Host>,
    time_zone: String,
}

async fn form_page(
    state: &AppState,
    user: &Member<ManageStreams>,
    stream_id: Option<i64>,
    form: StreamForm,
    errors: FormErrors,
) -> Result<Response> {
    let title = if stream_id.is_some() {
        "Edit stream"
    } else {
        "Schedule a stream"
    };
    let page = FormPage {
        layout: Layout::dashboard(user, title, Section::Streams).await,
        stream_id,
        hosts: store::hosts(&state.db.pool, user.shop.id).await?,
        time_zone: user.shop.time_zone.clone(),
        form,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(status, &page))
}

pub async fn new_form(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
) -> Result<Response> {
    let tz = crate::time::zone(&user.shop.time_zone);
    // Next week, same day, at the top of the next hour: a sensible start to adjust.
    let proposal = (now_ms() / 3_600_000 + 1) * 3_600_000 + 7 * 86_400_000;
    let form = StreamForm {
        starts_at: domain::local_input(proposal, &tz),
        duration_min: "45".into(),
        host_id: user.id.to_string(),
        sell_after_end: Some("on".into()),
        ..StreamForm::default()
    };
    form_page(&state, &user, None, form, FormErrors::default()).await
}

/// The form parsed (`parse`'s `previous_start` lets an edit keep a start that has since passed).
pub(super) struct Parsed {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) scheduled_at: i64,
    pub(super) duration_min: i64,
    pub(super) host_id: i64,
    pub(super) sell_after_end: bool,
}

async fn parse(
    state: &AppState,
    user: &Member<ManageStreams>,
    form: &StreamForm,
    previous_start: Option<i64>,
) -> Result<Result<Parsed, FormErrors>> {
    let mut errors = FormErrors::default();
    let tz = crate::time::zone(&user.shop.time_zone);
    let title = domain::title(&form.title).map_err(|e| errors.add("title", e));
    let description =
        domain::description(&form.description).map_err(|e| errors.add("description", e));
    let start = domain::start(&form.starts_at, &tz)
        .and_then(|ms| {
            if previous_start == Some(ms) {
                Ok(ms)
            } else {
                domain::future_start(ms, now_ms())
            }
        })
        .map_err(|e| errors.add("starts_at", e));
    let duration = domain::duration(&form.duration_min).map_err(|e| errors.add("duration_min", e));
    let hosts = store::hosts(&state.db.pool, user.shop.id).await?;
    let host = form
        .host_id
        .parse::<i64>()
        .ok()
        .filter(|id| hosts.iter().any(|h| h.id == *id))
        .ok_or_else(|| {
            errors.add(
                "host_id",
                "Choose an owner or host of this shop to present the stream.",
            )
        });
    Ok(match (title, description, start, duration, host) {
        (Ok(title), Ok(description), Ok(scheduled_at), Ok(duration_min), Ok(host_id)) => {
            Ok(Parsed {
                title,
                description,
                scheduled_at,
                duration_min,
                host_id,
                sell_after_end: form.sell_after_end.is_some(),
            })
        }
        _ => Err(errors),
    })
}

impl Parsed {
    fn schedule(&self) -> store::Schedule<'_> {
        store::Schedule {
            title: &self.title,
            description: &self.description,
            scheduled_at: self.scheduled_at,
            duration_min: self.duration_min,
            host_id: self.host_id,
            sell_after_end: self.sell_after_end,
        }
    }
}

/// Insert a stream with a fresh key; returns (id, key). Retries once on a slug race.
pub(super) async fn insert_with_key(
    state: &AppState,
    shop_id: i64,
    by: i64,
    p: &Parsed,
) -> Result<(i64, String)> {
    let pool = &state.db.pool;
    let mut slug = store::free_slug(pool, shop_id, &domain::slug_base(&p.title)).await?;
    for attempt in 0..2 {
        let mut tx = pool.begin().await?;
        let inserted = store::insert(
            &mut *tx,
            shop_id,
            &domain::public_id(),
            &slug,
            &p.schedule(),
            by,
        )
        .await
        .on_unique("streams", "slug")?;
        match inserted {
            Some(id) => {
                let key = keys::rotate(&mut tx, shop_id, Some(id), Some(by)).await?;
                tx.commit().await?;
                state.streams.invalidate_shop(shop_id);
                return Ok((id, key));
            }
            None if attempt == 0 => {
                slug = format!("{slug}-{}", &domain::public_id()[..4]);
            }
            None => break,
        }
    }
    Err(Error::Conflict(
        "Could not find a free address for this stream; try another title.".into(),
    ))
}

pub(super) async fn show_key(user: &Member<ManageStreams>, text: &str, key: String) {
    flash_link(
        &user.session,
        "success",
        format!("{text} This is its stream key: copy it now, it is shown only once."),
        key,
    )
    .await;
}

pub async fn create(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Form(form): Form<StreamForm>,
) -> Result<Response> {
    let parsed = match parse(&state, &user, &form, None).await? {
        Ok(p) => p,
        Err(errors) => return form_page(&state, &user, None, form, errors).await,
    };
    let (id, key) = insert_with_key(&state, user.shop.id, user.id, &parsed).await?;
    show_key(&user, "Stream scheduled.", key).await;
    Ok(Redirect::to(&format!("/streams/{id}")).into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let stream = store::by_id(&state.db.pool, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    if !stream.status.is_editable() {
        flash(
            &user.session,
            "info",
            format!(
                "This stream is {}: its schedule can no longer change.",
                stream.status.label()
            ),
        )
        .await;
        return Ok(Redirect::to(&format!("/streams/{id}")).into_response());
    }
    let tz = crate::time::zone(&user.shop.time_zone);
    let form = StreamForm {
        title: stream.title.clone(),
        description: stream.description.clone(),
        starts_at: domain::local_input(stream.scheduled_at, &tz),
        duration_min: stream.duration_min.to_string(),
        host_id: stream.host_id.map(|h| h.to_string()).unwrap_or_default(),
        sell_after_end: stream.sell_after_end.then(|| "on".into()),
    };
    form_page(&state, &user, Some(id), form, FormErrors::default()).await
}

pub async fn update(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
    Form(form): Form<StreamForm>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let stream = store::by_id(pool, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let parsed = match parse(&state, &user, &form, Some(stream.scheduled_at)).await? {
        Ok(p) => p,
        Err(errors) => return form_page(&state, &user, Some(id), form, errors).await,
    };
    if !store::update(pool, user.shop.id, id, &parsed.schedule()).await? {
        return Err(Error::Conflict(format!(
            "This stream is {}: its schedule can no longer change.",
            stream.status.label()
        )));
    }
    state.streams.invalidate_shop(user.shop.id);
    let moved = parsed.scheduled_at != stream.scheduled_at;
    flash(&user.session, "success", if moved { "Rescheduled. Calendars that subscribed to your feed will update; reminders follow the new time." } else { "Stream saved." }).await;
    Ok(Redirect::to(&format!("/streams/{id}")).into_response())
}
