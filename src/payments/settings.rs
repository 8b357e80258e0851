//! Settings → Payments (`/settings/payments`): the one page for how the shop is paid.
//! Without a Stripe key shoppers pay on the offline test page; with one, on Stripe
//! Checkout, and Stripe's webhooks are signed with the endpoint's signing secret. The
//! key is saved, tested and removed here; neither secret is ever shown again once saved,
//! only the key's hint.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use futures::future::BoxFuture;
use serde::Deserialize;

use super::account::{self, StripeAccount};
use super::{store, stripe};
use crate::auth::Member;
use crate::auth::roles::ManageShop;
use crate::error::{FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render, render_status};

const PAGE: &str = "/settings/payments";

/// Something another feature does for a shop (by id) when its Stripe key changes.
pub type KeyHook = fn(AppState, i64) -> BoxFuture<'static, sqlx::Result<()>>;

/// Who reacts to the key, handed in by `lib.rs`: the catalogue queues its products for
/// Stripe when a key is saved and stops syncing when it is removed. Payments calls these
/// after its own write and knows nothing else about them.
#[derive(Clone, Copy)]
pub struct OnKeyChange {
    pub saved: KeyHook,
    pub removed: KeyHook,
}

pub fn routes(on_key: OnKeyChange) -> Router<AppState> {
    Router::new()
        .route(PAGE, get(show).post(save_secret))
        .route(
            "/settings/payments/stripe",
            post(
                move |state: State<AppState>, user: Member<ManageShop>, form: Form<KeyForm>| {
                    save_key(state, user, form, on_key)
                },
            ),
        )
        .route("/settings/payments/stripe/test", post(test_key))
        .route(
            "/settings/payments/stripe/remove",
            post(move |state: State<AppState>, user: Member<ManageShop>| {
                remove_key(state, user, on_key)
            }),
        )
}

#[derive(Template)]
#[template(path = "payments/settings.html")]
struct SettingsPage {
    layout: Layout,
    /// The saved account without its secrets: only what the page shows.
    account: Option<AccountView>,
    has_secret: bool,
    webhook_url: String,
    errors: FormErrors,
}

struct AccountView {
    key_hint: String,
    account_id: Option<String>,
    account_name: Option<String>,
}

async fn page(
    state: &AppState,
    user: &Member<ManageShop>,
    errors: FormErrors,
) -> Result<SettingsPage> {
    let saved: Option<StripeAccount> = store::account(&state.db.pool, user.shop.id).await?;
    Ok(SettingsPage {
        layout: Layout::dashboard(user, "Payments", Section::Settings).await,
        has_secret: saved.as_ref().is_some_and(|a| a.webhook_secret.is_some()),
        account: saved.map(|a| AccountView {
            key_hint: a.key_hint,
            account_id: a.account_id,
            account_name: a.account_name,
        }),
        webhook_url: format!(
            "{}/webhooks/stripe/{}",
            state.config.base_url(),
            user.shop.slug
        ),
        errors,
    })
}

/// 422 with the page and the one field's message. What was typed is deliberately not
/// shown again: it may be a secret.
async fn refused(
    state: &AppState,
    user: &Member<ManageShop>,
    field: &'static str,
    message: String,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    errors.add(field, message);
    Ok(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(state, user, errors).await?,
    ))
}

/// `GET /settings/payments`
pub async fn show(State(state): State<AppState>, user: Member<ManageShop>) -> Result<Response> {
    Ok(render(&page(&state, &user, FormErrors::default()).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecretForm {
    webhook_secret: String,
}

/// `POST /settings/payments`: the webhook endpoint's signing secret.
pub async fn save_secret(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Form(form): Form<SecretForm>,
) -> Result<Response> {
    let secret = match account::parse_signing_secret(&form.webhook_secret) {
        Ok(secret) => secret,
        Err(refusal) => {
            return refused(&state, &user, "webhook_secret", refusal.to_string()).await;
        }
    };
    if !store::save_webhook_secret(&state.db.pool, user.shop.id, &secret).await? {
        let message = "Add your Stripe secret key above first.".to_string();
        return refused(&state, &user, "webhook_secret", message).await;
    }
    flash(
        &user.session,
        "success",
        "Webhook secret saved. Stripe events now mark orders paid.",
    )
    .await;
    Ok(Redirect::to(PAGE).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeyForm {
    secret_key: String,
}

/// `POST /settings/payments/stripe`: save the key, then tell who listens.
pub async fn save_key(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Form(form): Form<KeyForm>,
    on_key: OnKeyChange,
) -> Result<Response> {
    let key = match account::parse_key(&form.secret_key) {
        Ok(key) => key,
        Err(refusal) => return refused(&state, &user, "secret_key", refusal.to_string()).await,
    };
    store::save_key(&state.db.pool, user.shop.id, &key).await?;
    (on_key.saved)(state.clone(), user.shop.id).await?;
    flash(
        &user.session,
        "success",
        format!(
            "Stripe key {} saved. Shoppers pay with Stripe Checkout; active products are being sent to Stripe.",
            account::hint(&key)
        ),
    )
    .await;
    Ok(Redirect::to(PAGE).into_response())
}

/// `POST /settings/payments/stripe/test`: ask Stripe whose key this is.
pub async fn test_key(State(state): State<AppState>, user: Member<ManageShop>) -> Result<Response> {
    let pool = &state.db.pool;
    let Some(saved) = store::account(pool, user.shop.id).await? else {
        flash(&user.session, "error", "Save a Stripe key first.").await;
        return Ok(Redirect::to(PAGE).into_response());
    };
    let result = match state.stripe.client(&saved.secret_key) {
        Ok(client) => stripe::check_account(&client).await,
        Err(failure) => Err(failure),
    };
    match result {
        Ok(found) => {
            store::mark_verified(pool, user.shop.id, &found.id, found.name.as_deref()).await?;
            let who = match found.name {
                Some(name) => format!("{name} ({})", found.id),
                None => found.id,
            };
            let text = format!("Connected to Stripe account {who}.");
            flash(&user.session, "success", text).await;
        }
        Err(failure) => {
            let text = format!("The connection failed. {}", failure.message);
            flash(&user.session, "error", text).await;
        }
    }
    Ok(Redirect::to(PAGE).into_response())
}

/// `POST /settings/payments/stripe/remove`: back to the offline provider. Stripe ids
/// already recorded (on products, on orders) are kept.
pub async fn remove_key(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    on_key: OnKeyChange,
) -> Result<Response> {
    store::remove_account(&state.db.pool, user.shop.id).await?;
    (on_key.removed)(state.clone(), user.shop.id).await?;
    flash(
        &user.session,
        "success",
        "The Stripe key was removed. Shoppers pay on the test checkout; the catalogue works offline.",
    )
    .await;
    Ok(Redirect::to(PAGE).into_response())
}
