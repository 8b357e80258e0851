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
use axum::routing::get;
use serde::Deserialize;

use crate::auth::Member;
use crate::auth::roles::ManageShop;
use crate::db::is_unique_violation;
use crate::error::{FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(settings).post(save_settings))
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
}

async fn page(
    state: &AppState,
    user: &Member<ManageShop>,
    form: SettingsForm,
    errors: FormErrors,
) -> SettingsPage {
    SettingsPage {
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
    let slug = domain::slug(&form.slug).map_err(|e| errors.add("slug", e));
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
    if store::slug_taken(pool, &slug, user.shop.id).await? {
        errors.add("slug", "Another shop uses this address.");
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, &user, form, errors).await,
        ));
    }
    match store::update(pool, user.shop.id, &name, &slug, &currency, &time_zone).await {
        Ok(()) => {}
        Err(err) if is_unique_violation(&err, "shops", "slug") => {
            errors.add("slug", "Another shop uses this address.");
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, &user, form, errors).await,
            ));
        }
        Err(err) => return Err(err.into()),
    }
    flash(&user.session, "success", "Settings saved.").await;
    Ok(Redirect::to("/settings").into_response())
}
