//! Sign up: a new shop and its owner, in one transaction.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Role, password::NewPassword, store};
use crate::db::OnConstraint;
use crate::error::{FormErrors, Result, with_retry_after};
use crate::shops::{domain, store as shops};
use crate::state::AppState;
use crate::text::Email;
use crate::web::ratelimit::{self, ClientIp};
use crate::web::{Layout, flash, render, render_status};

#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub shop_name: String,
    #[serde(default)]
    pub shop_slug: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub time_zone: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

#[derive(Template)]
#[template(path = "auth/signup.html")]
struct SignupPage {
    layout: Layout,
    form: SignupForm,
    errors: FormErrors,
    currencies: Vec<(String, String)>,
    time_zones: Vec<String>,
    min_password: usize,
}

async fn page(session: &Session, form: SignupForm, errors: FormErrors) -> SignupPage {
    SignupPage {
        layout: Layout::public(session, "Create your shop").await,
        form,
        errors,
        currencies: domain::currency_choices(),
        time_zones: domain::time_zone_choices(),
        min_password: super::password::MIN_LEN,
    }
}

pub async fn form(session: Session) -> Response {
    let form = SignupForm {
        currency: "EUR".into(),
        time_zone: "UTC".into(),
        ..SignupForm::default()
    };
    render(&page(&session, form, FormErrors::default()).await)
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    Form(form): Form<SignupForm>,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    if let Err(err) = ratelimit::check(&state.limits.account_ip, &ip, "sign-ups from your network")
    {
        errors.add("form", err.public_message());
        let page = render_status(
            StatusCode::TOO_MANY_REQUESTS,
            &page(&session, form, errors).await,
        );
        return Ok(with_retry_after(page, err.retry_after()));
    }
    let shop_name = domain::shop_name(&form.shop_name).map_err(|e| errors.add("shop_name", e));
    let slug_input = if form.shop_slug.trim().is_empty() {
        domain::slugify(&form.shop_name)
    } else {
        form.shop_slug.clone()
    };
    let slug = domain::slug(&slug_input).map_err(|e| errors.add("shop_slug", e));
    let currency = domain::currency(&form.currency).map_err(|e| errors.add("currency", e));
    let time_zone = domain::time_zone(&form.time_zone).map_err(|e| errors.add("time_zone", e));
    let name = domain::person_name(&form.name).map_err(|e| errors.add("name", e));
    let email = Email::parse(&form.email).map_err(|e| errors.add("email", e));
    let password = NewPassword::parse(&form.password, &form.password_confirm)
        .map_err(|e| errors.add("password", e));

    let (Ok(shop_name), Ok(slug), Ok(currency), Ok(time_zone), Ok(name), Ok(email), Ok(password)) =
        (shop_name, slug, currency, time_zone, name, email, password)
    else {
        return Ok(invalid(&session, form, errors).await);
    };
    let pool = &state.db.pool;
    if shops::slug_taken(pool, &slug, 0).await? {
        let free = shops::free_slug(pool, &slug).await?;
        errors.add(
            "shop_slug",
            format!("This address is taken. “{free}” is free."),
        );
    }
    if store::email_exists(pool, &email).await? {
        errors.add("email", "An account with this e-mail already exists. Sign in instead, or ask its shop owner for an invitation.");
    }
    if !errors.is_empty() {
        return Ok(invalid(&session, form, errors).await);
    }

    let hash = password.hash().await?;
    // Someone may take the slug or the e-mail between the checks above and these inserts:
    // the unique keys decide, and the transaction rolls back when it is dropped.
    let mut tx = pool.begin().await?;
    let new_shop = shops::NewShop {
        slug: &slug,
        name: &shop_name,
        currency: &currency,
        time_zone: &time_zone,
    };
    let Some(shop_id) = shops::insert(&mut *tx, &new_shop)
        .await
        .on_unique("shops", "slug")?
    else {
        errors.add("shop_slug", "This address was just taken. Choose another.");
        return Ok(invalid(&session, form, errors).await);
    };
    let Some(user_id) = store::insert_user(&mut *tx, &email, &name, &hash)
        .await
        .on_unique("users", "email")?
    else {
        errors.add(
            "email",
            "An account with this e-mail already exists. Sign in instead.",
        );
        return Ok(invalid(&session, form, errors).await);
    };
    store::insert_membership(&mut *tx, shop_id, user_id, Role::Owner).await?;
    tx.commit().await?;
    tracing::info!(shop = %slug, "shop created");

    super::sign_in(&session, user_id, shop_id, 0).await?;
    flash(
        &session,
        "success",
        format!("Welcome to Showfloor! {shop_name} is ready."),
    )
    .await;
    Ok(Redirect::to("/").into_response())
}

async fn invalid(session: &Session, mut form: SignupForm, errors: FormErrors) -> Response {
    form.password.clear();
    form.password_confirm.clear();
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page(session, form, errors).await,
    )
}
