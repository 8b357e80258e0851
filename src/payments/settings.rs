//! `/settings/payments`: which provider the shop uses, and the Stripe webhook signing
//! secret (whsec_…), kept beside the Stripe key and never shown again once saved.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::Member;
use crate::auth::roles::ManageShop;
use crate::error::{FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render_status};

#[derive(Template)]
#[template(path = "payments/settings.html")]
struct SettingsPage {
    layout: Layout,
    has_key: bool,
    has_secret: bool,
    webhook_url: String,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    user: &Member<ManageShop>,
    errors: FormErrors,
) -> Result<SettingsPage> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT webhook_secret FROM stripe_accounts WHERE shop_id = $1")
            .bind(user.shop.id)
            .fetch_optional(&state.db.pool)
            .await?;
    Ok(SettingsPage {
        layout: Layout::dashboard(user, "Payments", Section::Settings).await,
        has_key: row.is_some(),
        has_secret: row.and_then(|(s,)| s).is_some_and(|s| !s.is_empty()),
        webhook_url: format!(
            "{}/webhooks/stripe/{}",
            state.config.base_url(),
            user.shop.slug
        ),
        errors,
    })
}

pub async fn show(State(state): State<AppState>, user: Member<ManageShop>) -> Result<Response> {
    Ok(crate::web::render(
        &page(&state, &user, FormErrors::default()).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecretForm {
    webhook_secret: String,
}

/// A signing secret's shape: `whsec_` and letters or digits.
pub fn parse_secret(input: &str) -> std::result::Result<String, String> {
    let s = input.trim();
    if !s.starts_with("whsec_")
        || s.len() < 16
        || s.len() > 200
        || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(
            "Paste the signing secret of your Stripe webhook endpoint: it starts with whsec_."
                .into(),
        );
    }
    Ok(s.to_string())
}

pub async fn save(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Form(form): Form<SecretForm>,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    match parse_secret(&form.webhook_secret) {
        Ok(secret) => {
            let done =
                sqlx::query("UPDATE stripe_accounts SET webhook_secret = $1 WHERE shop_id = $2")
                    .bind(&secret)
                    .bind(user.shop.id)
                    .execute(&state.db.pool)
                    .await?;
            if done.rows_affected() == 1 {
                flash(
                    &user.session,
                    "success",
                    "Webhook secret saved. Stripe events now mark orders paid.",
                )
                .await;
                return Ok(Redirect::to("/settings/payments").into_response());
            }
            errors.add(
                "webhook_secret",
                "Add your Stripe secret key in the catalogue settings first.",
            );
        }
        Err(message) => errors.add("webhook_secret", message),
    }
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(&state, &user, errors).await?,
    ))
}
