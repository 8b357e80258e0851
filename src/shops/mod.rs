//! Shops: their identity (name, public address, currency, time zone) and the
//! Settings page where the owner changes it.

pub mod domain;
pub mod store;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::auth::Member;
use crate::auth::roles::ManageShop;
use crate::db::OnConstraint;
use crate::error::{FormErrors, Result};
use crate::state::AppState;
use crate::text::Slug;
use crate::web::{Layout, Section, flash, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(settings).post(save_settings))
        .route("/settings/chat-filter", post(save_chat_filter))
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    time_zone: String,
}

#[derive(Template)]
#[template(path = "shops/settings.html")]
struct SettingsPage {
    layout: Layout,
    form: SettingsForm,
    errors: FormErrors,
    currencies: Vec<(String, String)>,
    time_zones: Vec<String>,
    public_url: String,
    /// The live room's word filter, one word per line.
    filter_words: String,
}

async fn page(
    state: &AppState,
    user: &Member<ManageShop>,
    form: SettingsForm,
    errors: FormErrors,
) -> SettingsPage {
    let filter_words = crate::live::store::chat::filter_words(&state.db.pool, user.shop.id)
        .await
        .unwrap_or_default()
        .join("\n");
    SettingsPage {
        filter_words,
        layout: Layout::dashboard(user, "Settings", Section::Settings).await,
        public_url: format!("{}/@{}", state.config.base_url(), user.shop.slug),
        form,
        errors,
        currencies: domain::currency_choices(),
        time_zones: domain::time_zone_choices(),
    }
}

async fn settings(State(state): State<AppState>, user: Member<ManageShop>) -> Response {
    let form = SettingsForm {
        name: user.shop.name.clone(),
        slug: user.shop.slug.clone(),
        currency: user.shop.currency.clone(),
        time_zone: user.shop.time_zone.clone(),
    };
    render(&page(&state, &user, form, FormErrors::default()).await)
}

async fn save_settings(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    let name = domain::shop_name(&form.name).map_err(|e| errors.add("name", e));
    let slug = Slug::parse(&form.slug, &domain::SHOP_SLUG).map_err(|e| errors.add("slug", e));
    let currency = domain::currency(&form.currency).map_err(|e| errors.add("currency", e));
    let time_zone = domain::time_zone(&form.time_zone).map_err(|e| errors.add("time_zone", e));
    let (Ok(name), Ok(slug), Ok(currency), Ok(time_zone)) = (name, slug, currency, time_zone)
    else {
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &user, form, errors).await,
        ));
    };
    let pool = &state.db.pool;
    // The check gives the common case its message before any write; the unique key
    // still decides when two owners claim the same address at once.
    let saved = !store::slug_taken(pool, slug.as_str(), user.shop.id).await?
        && store::update(pool, user.shop.id, &name, &slug, &currency, &time_zone)
            .await
            .on_unique("shops", "slug")?
            .is_some();
    if !saved {
        errors.add("slug", "Another shop uses this address.");
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &user, form, errors).await,
        ));
    }
    flash(&user.session, "success", "Settings saved.").await;
    Ok(Redirect::to("/settings").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ChatFilterForm {
    #[serde(default)]
    words: String,
}

/// Most words in a shop's chat filter.
const FILTER_MAX_WORDS: usize = 500;

/// `POST /settings/chat-filter`: the words kept out of live chat and questions.
async fn save_chat_filter(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Form(form): Form<ChatFilterForm>,
) -> Result<Response> {
    let mut words: Vec<String> = form
        .words
        .split([',', '\n'])
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    words.sort();
    words.dedup();
    if words.len() > FILTER_MAX_WORDS || words.iter().any(|w| w.chars().count() > 40) {
        let mut errors = FormErrors::default();
        errors.add(
            "words",
            format!("Keep the filter to {FILTER_MAX_WORDS} words of at most 40 characters each."),
        );
        let shop_form = SettingsForm {
            name: user.shop.name.clone(),
            slug: user.shop.slug.clone(),
            currency: user.shop.currency.clone(),
            time_zone: user.shop.time_zone.clone(),
        };
        let mut page = page(&state, &user, shop_form, errors).await;
        page.filter_words = form.words;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    crate::live::store::chat::replace_filter_words(&state.db.pool, user.shop.id, &words).await?;
    flash(
        &user.session,
        "success",
        format!("Chat filter saved ({} words).", words.len()),
    )
    .await;
    Ok(Redirect::to("/settings").into_response())
}
