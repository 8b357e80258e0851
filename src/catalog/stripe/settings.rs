//! `/catalog/settings`: the catalogue's own options (other currencies, exact stock, the
//! low-stock threshold), and what the catalogue does when the shop's Stripe key changes
//! ([`ON_KEY_CHANGE`], handed to payments by `lib.rs`). The key itself and its page moved
//! to Settings → Payments (`payments::settings`); its old addresses here answer 308 there.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use futures::future::BoxFuture;
use serde::Deserialize;

use super::account::{self, StripeAccount};
use crate::auth::Member;
use crate::auth::roles::EditCatalog;
use crate::catalog::settings::{self, CatalogSettings};
use crate::catalog::sync;
use crate::error::{FormErrors, Result};
use crate::payments::settings::OnKeyChange;
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render, render_status};

#[derive(Template)]
#[template(path = "catalog/settings.html")]
pub struct SettingsPage {
    layout: Layout,
    settings: CatalogSettings,
    threshold: String,
    /// Only its hint and connection are shown, with a link to Settings → Payments.
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

/// What the catalogue does when the shop's Stripe key is saved or removed.
pub const ON_KEY_CHANGE: OnKeyChange = OnKeyChange {
    saved: key_saved,
    removed: key_removed,
};

/// A new key may be a new Stripe account: every product is sent again (a new revision,
/// so new idempotency keys), and the worker wakes at once.
fn key_saved(state: AppState, shop_id: i64) -> BoxFuture<'static, sqlx::Result<()>> {
    Box::pin(async move {
        sync::mark_all_pending(&state.db.pool, shop_id).await?;
        sync::wake(&state);
        Ok(())
    })
}

/// Without a key nothing can be sent: the catalogue works offline; Stripe ids are kept.
fn key_removed(state: AppState, shop_id: i64) -> BoxFuture<'static, sqlx::Result<()>> {
    Box::pin(async move { sync::clear_pending(&state.db.pool, shop_id).await })
}

/// `POST /catalog/settings/stripe` (the old address): 308 keeps the method and the form.
pub async fn save_key() -> Redirect {
    Redirect::permanent("/settings/payments/stripe")
}

/// `POST /catalog/settings/stripe/test` (the old address).
pub async fn test_key() -> Redirect {
    Redirect::permanent("/settings/payments/stripe/test")
}

/// `POST /catalog/settings/stripe/remove` (the old address).
pub async fn remove_key() -> Redirect {
    Redirect::permanent("/settings/payments/stripe/remove")
}
