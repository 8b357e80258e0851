//! `/catalog/settings`: catalogue options and the Stripe key (saved, tested, removed).
//! The key is never shown again once saved, only its hint.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::account::{self, StripeAccount};
use crate::auth::Member;
use crate::auth::roles::EditCatalog;
use crate::catalog::settings::{self, CatalogSettings};
use crate::catalog::sync;
use crate::error::{FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render, render_status};

#[derive(Template)]
#[template(path = "catalog/settings.html")]
pub struct SettingsPage {
    layout: Layout,
    settings: CatalogSettings,
    threshold: String,
    account: Option<StripeAccount>,
    errors: FormErrors,
    shop_currency: String,
}

async fn page(
    state: &AppState,
    user: &Member<EditCatalog>,
    errors: FormErrors,
) -> Result<SettingsPage> {
    let pool = &state.db.pool;
    let settings = settings::get(pool, user.shop.id).await?;
    Ok(SettingsPage {
        layout: Layout::dashboard(user, "Catalogue settings", Section::Catalog).await,
        threshold: settings.low_stock_threshold.to_string(),
        settings,
        account: account::get(pool, user.shop.id).await?,
        errors,
        shop_currency: user.shop.currency.clone(),
    })
}

/// `GET /catalog/settings`
pub async fn show(State(state): State<AppState>, user: Member<EditCatalog>) -> Result<Response> {
    Ok(render(&page(&state, &user, FormErrors::default()).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OptionsForm {
    allow_currency_override: Option<String>,
    show_exact_stock: Option<String>,
    low_stock_threshold: String,
}

/// `POST /catalog/settings`
pub async fn save(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Form(form): Form<OptionsForm>,
) -> Result<Response> {
    let threshold = match form.low_stock_threshold.trim().parse::<i64>() {
        Ok(n) if (0..=10_000).contains(&n) => n,
        _ => {
            let mut errors = FormErrors::default();
            errors.add(
                "low_stock_threshold",
                "Enter a whole number from 0 to 10,000.",
            );
            let mut page = page(&state, &user, errors).await?;
            page.threshold = form.low_stock_threshold;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let settings = CatalogSettings {
        allow_currency_override: form.allow_currency_override.is_some(),
        show_exact_stock: form.show_exact_stock.is_some(),
        low_stock_threshold: threshold,
    };
    settings::save(&state.db.pool, user.shop.id, &settings).await?;
    flash(&user.session, "success", "Catalogue settings saved.").await;
    Ok(Redirect::to("/catalog/settings").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeyForm {
    secret_key: String,
}

/// `POST /catalog/settings/stripe`: save the key, then queue every product for sync.
pub async fn save_key(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Form(form): Form<KeyForm>,
) -> Result<Response> {
    let key = match account::parse_key(&form.secret_key) {
        Ok(key) => key,
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("secret_key", message);
            // The typed key is deliberately not shown again.
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, &user, errors).await?,
            ));
        }
    };
    let pool = &state.db.pool;
    account::save_key(pool, user.shop.id, &key).await?;
    sync::mark_all_pending(pool, user.shop.id).await?;
    sync::wake(&state);
    flash(
        &user.session,
        "success",
        format!(
            "Stripe key {} saved. Active products are being sent to Stripe.",
            account::hint(&key)
        ),
    )
    .await;
    Ok(Redirect::to("/catalog/settings").into_response())
}

/// `POST /catalog/settings/stripe/test`: ask Stripe whose key this is.
pub async fn test_key(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let Some(saved) = account::get(pool, user.shop.id).await? else {
        flash(&user.session, "error", "Save a Stripe key first.").await;
        return Ok(Redirect::to("/catalog/settings").into_response());
    };
    let result = match state.stripe.client(&saved.secret_key) {
        Ok(client) => super::check_account(&client).await,
        Err(failure) => Err(failure),
    };
    match result {
        Ok((id, name)) => {
            account::mark_verified(pool, user.shop.id, &id, name.as_deref()).await?;
            let who = name.map(|n| format!("{n} ({id})")).unwrap_or(id);
            flash(
                &user.session,
                "success",
                format!("Connected to Stripe account {who}."),
            )
            .await;
        }
        Err(failure) => {
            flash(
                &user.session,
                "error",
                format!("The connection failed. {}", failure.message),
            )
            .await;
        }
    }
    Ok(Redirect::to("/catalog/settings").into_response())
}

/// `POST /catalog/settings/stripe/remove`: back to offline; Stripe ids are kept.
pub async fn remove_key(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
) -> Result<Response> {
    let pool = &state.db.pool;
    account::remove(pool, user.shop.id).await?;
    sync::clear_pending(pool, user.shop.id).await?;
    flash(
        &user.session,
        "success",
        "The Stripe key was removed. The catalogue works offline.",
    )
    .await;
    Ok(Redirect::to("/catalog/settings").into_response())
}
