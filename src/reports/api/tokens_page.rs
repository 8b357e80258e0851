//! Settings → API tokens: the owner names a token for a BI tool, sees it once, and
//! revokes it. Owner only (`ManageShop`); forms carry the CSRF token like every other.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{store, tokens};
use crate::auth::Member;
use crate::auth::roles::ManageShop;
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, flash_link, render_status};

const NAME_MAX: usize = 60;

pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub revoked: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

#[derive(Template)]
#[template(path = "reports/tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<TokenView>,
    form: TokenForm,
    errors: FormErrors,
    api_base: String,
}

async fn tokens_page(
    state: &AppState,
    user: &Member<ManageShop>,
    form: TokenForm,
    errors: FormErrors,
) -> Result<TokensPage> {
    let tz = crate::time::zone(&user.shop.time_zone);
    let when = |t: Option<i64>| {
        t.map(|t| crate::time::date_time(t, &tz))
            .unwrap_or_default()
    };
    let tokens = store::list(&state.db.pool, user.shop.id)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            created: crate::time::date_time(t.created_at, &tz),
            last_used: when(t.last_used_at),
            revoked: when(t.revoked_at),
        })
        .collect();
    Ok(TokensPage {
        layout: Layout::dashboard(user, "API tokens", Section::Settings).await,
        tokens,
        form,
        errors,
        api_base: format!("{}/api/reports", state.config.base_url()),
    })
}

pub async fn page(State(state): State<AppState>, user: Member<ManageShop>) -> Result<Response> {
    let page = tokens_page(&state, &user, TokenForm::default(), FormErrors::default()).await?;
    Ok(render_status(StatusCode::OK, &page))
}

pub async fn create(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let name = form.name.trim().to_string();
    let mut errors = FormErrors::default();
    if name.is_empty() {
        errors.add(
            "name",
            "Name the token after the tool that will use it, e.g. “Looker Studio”.",
        );
    } else if name.chars().count() > NAME_MAX {
        errors.add("name", format!("Keep the name to {NAME_MAX} characters."));
    }
    if !errors.is_empty() {
        let page = tokens_page(&state, &user, form, errors).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let token = tokens::new_token();
    store::create(&state.db.pool, user.shop.id, &name, &token, user.id).await?;
    tracing::info!(shop = %user.shop.slug, %name, "API token created");
    flash_link(
        &user.session,
        "success",
        format!("Token “{name}” created. Copy it now: it is shown only once."),
        token,
    )
    .await;
    Ok(Redirect::to("/settings/api-tokens").into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Path(id): Path<i64>,
) -> Result<Response> {
    if !store::revoke(&state.db.pool, user.shop.id, id).await? {
        return Err(Error::NotFound);
    }
    flash(&user.session, "info", "Token revoked: it no longer works.").await;
    Ok(Redirect::to("/settings/api-tokens").into_response())
}
