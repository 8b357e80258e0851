//! The signed-in person's own account: change password, switch shop.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::roles::AnyMember;
use super::{Member, password, password::NewPassword, store};
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render, render_status};

#[derive(Template)]
#[template(path = "auth/account_password.html")]
struct PasswordPage {
    layout: Layout,
    errors: FormErrors,
    min_password: usize,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn form(user: Member<AnyMember>) -> Response {
    render(&PasswordPage {
        layout: Layout::dashboard(&user, "Change password", Section::Account).await,
        errors: FormErrors::default(),
        min_password: password::MIN_LEN,
    })
}

pub async fn submit(
    State(state): State<AppState>,
    user: Member<AnyMember>,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    let login = store::login_by_id(&state.db.pool, user.id)
        .await?
        .ok_or(Error::Unauthorized)?;
    if !password::verify(&form.current_password, Some(login.password_hash)).await {
        errors.add("current_password", "This is not your current password.");
    }
    let new = NewPassword::parse(&form.password, &form.password_confirm)
        .map_err(|e| errors.add("password", e));
    let Ok(new) = new
        .map_err(drop)
        .and_then(|p| if errors.is_empty() { Ok(p) } else { Err(()) })
    else {
        let page = PasswordPage {
            layout: Layout::dashboard(&user, "Change password", Section::Account).await,
            errors,
            min_password: password::MIN_LEN,
        };
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let hash = new.hash().await?;
    let version = store::set_password(&state.db.pool, user.id, &hash).await?;
    // Other sessions of this account hold the old version and are signed out; this one
    // continues under a fresh id.
    super::sign_in(&user.session, user.id, user.shop.id, version).await?;
    flash(
        &user.session,
        "success",
        "Password changed. Your other sessions have been signed out.",
    )
    .await;
    Ok(Redirect::to("/").into_response())
}

#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    shop_id: i64,
}

pub async fn switch_shop(
    State(state): State<AppState>,
    user: Member<AnyMember>,
    Form(form): Form<SwitchForm>,
) -> Result<Response> {
    let member = store::member(&state.db.pool, user.id, form.shop_id)
        .await?
        .ok_or(Error::NotFound)?;
    user.session
        .insert(super::SHOP_KEY, form.shop_id)
        .await
        .map_err(|e| anyhow::anyhow!("session write failed: {e}"))?;
    tracing::info!(user_id = user.id, shop_id = member.shop_id, "switched shop");
    Ok(Redirect::to("/").into_response())
}
