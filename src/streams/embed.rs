//! Streams → Embed and keys: the origins allowed to frame the player on the merchant's
//! own site (the embed page's CSP frame-ancestors), and the shop's optional persistent
//! stream key for an encoder that always streams to this shop.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::store::embed::{self, EmbedOrigin};
use super::{domain, keys};
use crate::auth::Member;
use crate::auth::roles::{ManageStreams, ViewStreams};
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, flash_link, render_status};

#[derive(Debug, Default, Deserialize)]
pub struct OriginForm {
    #[serde(default)]
    origin: String,
}

#[derive(Template)]
#[template(path = "streams/embed.html")]
struct EmbedPage {
    layout: Layout,
    origins: Vec<EmbedOrigin>,
    form: OriginForm,
    errors: FormErrors,
    shop_key_created: Option<String>,
    can_manage: bool,
    whip_base: String,
}

async fn show(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    form: OriginForm,
    errors: FormErrors,
) -> Result<Response> {
    let pool = &state.db.pool;
    let tz = crate::time::zone(&user.shop.time_zone);
    let page = EmbedPage {
        layout: Layout::dashboard(user, "Embed and keys", Section::Streams).await,
        origins: embed::origins(pool, user.shop.id).await?,
        shop_key_created: keys::shop_key_created(pool, user.shop.id)
            .await?
            .map(|ms| crate::time::date_time(ms, &tz)),
        can_manage: user.can::<ManageStreams>(),
        whip_base: format!("{}/whip/", state.config.base_url()),
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

pub async fn page(State(state): State<AppState>, user: Member<ViewStreams>) -> Result<Response> {
    show(&state, &user, OriginForm::default(), FormErrors::default()).await
}

pub async fn add(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Form(form): Form<OriginForm>,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    let origin = match domain::origin(&form.origin) {
        Ok(origin) => origin,
        Err(e) => {
            errors.add("origin", e);
            return show(&state, &user, form, errors).await;
        }
    };
    let pool = &state.db.pool;
    if embed::origins(pool, user.shop.id).await?.len() >= 20 {
        errors.add("origin", "A shop can list at most 20 origins.");
        return show(&state, &user, form, errors).await;
    }
    if !embed::add(pool, user.shop.id, &origin).await? {
        errors.add("origin", "This origin is already on the list.");
        return show(&state, &user, form, errors).await;
    }
    state.streams.invalidate_shop(user.shop.id);
    flash(
        &user.session,
        "success",
        format!("{origin} may now embed your player."),
    )
    .await;
    Ok(Redirect::to("/streams/embed").into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    if !embed::remove(&state.db.pool, user.shop.id, id).await? {
        return Err(Error::NotFound);
    }
    state.streams.invalidate_shop(user.shop.id);
    flash(
        &user.session,
        "success",
        "Origin removed: its pages can no longer frame your player.",
    )
    .await;
    Ok(Redirect::to("/streams/embed").into_response())
}

pub async fn rotate_shop_key(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
) -> Result<Response> {
    let mut tx = state.db.pool.begin().await?;
    let key = keys::rotate(&mut tx, user.shop.id, None, Some(user.id)).await?;
    tx.commit().await?;
    flash_link(&user.session, "success", "Shop stream key created; any previous one no longer works. It opens every stream of this shop: copy it now, it is shown only once.", key).await;
    Ok(Redirect::to("/streams/embed").into_response())
}

pub async fn revoke_shop_key(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
) -> Result<Response> {
    keys::revoke_shop_key(&state.db.pool, user.shop.id).await?;
    flash(
        &user.session,
        "success",
        "Shop stream key revoked. Each stream's own key still works.",
    )
    .await;
    Ok(Redirect::to("/streams/embed").into_response())
}
