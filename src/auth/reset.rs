//! Password reset by a one-time link. With no mail server, the link is written to the
//! server log; a shop owner can also create one for a member from Settings → Team.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{password::NewPassword, store};
use crate::db::now_ms;
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::text::Email;
use crate::token::Token;
use crate::web::ratelimit::{self, ClientIp};
use crate::web::{Layout, flash, render, render_status};

/// How long a reset link works.
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage {
    layout: Layout,
    email: String,
    errors: FormErrors,
    sent: bool,
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot_form(session: Session) -> Response {
    render(&ForgotPage {
        layout: Layout::public(&session, "Reset your password").await,
        email: String::new(),
        errors: FormErrors::default(),
        sent: false,
    })
}

pub async fn forgot_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    Form(form): Form<ForgotForm>,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    let status = match (
        ratelimit::check(
            &state.limits.account_ip,
            &ip,
            "reset requests from your network",
        ),
        Email::parse(&form.email),
    ) {
        (Err(err), _) => {
            errors.add("form", err.public_message());
            StatusCode::TOO_MANY_REQUESTS
        }
        (Ok(()), Err(message)) => {
            errors.add("email", message);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        (Ok(()), Ok(email)) => {
            // The answer is the same whether or not the account exists.
            if let Some(user) = store::login_by_email(&state.db.pool, &email).await? {
                let link = issue_link(&state, user.id).await?;
                tracing::info!(%email, %link, "password reset link issued (no mail server: share it with the account holder)");
            }
            StatusCode::OK
        }
    };
    let page = ForgotPage {
        layout: Layout::public(&session, "Reset your password").await,
        email: form.email,
        sent: status == StatusCode::OK,
        errors,
    };
    Ok(render_status(status, &page))
}

/// Create a one-time reset link for `user_id` and return its URL (the only place the
/// token is ever seen: the database keeps its hash).
pub async fn issue_link(state: &AppState, user_id: i64) -> Result<String> {
    let token = Token::random();
    store::insert_reset(
        &state.db.pool,
        user_id,
        &token.hash(),
        now_ms() + RESET_TTL_MS,
    )
    .await?;
    Ok(format!(
        "{}/password/reset/{}",
        state.config.base_url(),
        token.expose()
    ))
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    layout: Layout,
    email: String,
    errors: FormErrors,
    min_password: usize,
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn usable(state: &AppState, token: &Token) -> Result<store::ResetHolder> {
    store::reset_user(&state.db.pool, &token.hash())
        .await?
        .ok_or_else(|| {
            Error::BadRequest(
                "This reset link has expired or was already used. Ask for a new one.".into(),
            )
        })
}

pub async fn reset_form(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response> {
    let email = usable(&state, &Token::presented(token)).await?.email;
    Ok(render(&ResetPage {
        layout: Layout::public(&session, "Choose a new password").await,
        email,
        errors: FormErrors::default(),
        min_password: super::password::MIN_LEN,
    }))
}

pub async fn reset_submit(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response> {
    let token = Token::presented(token);
    let email = usable(&state, &token).await?.email;
    let password = match NewPassword::parse(&form.password, &form.password_confirm) {
        Ok(p) => p,
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("password", message);
            let page = ResetPage {
                layout: Layout::public(&session, "Choose a new password").await,
                email,
                errors,
                min_password: super::password::MIN_LEN,
            };
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let hash = password.hash().await?;
    let mut tx = state.db.pool.begin().await?;
    let Some(user_id) = store::use_reset(&mut *tx, &token.hash()).await? else {
        return Err(Error::BadRequest(
            "This reset link has expired or was already used. Ask for a new one.".into(),
        ));
    };
    // Bumping the session version signs out every other session of this account.
    store::set_password(&mut *tx, user_id, &hash).await?;
    tx.commit().await?;
    tracing::info!(user_id, "password reset");
    flash(
        &session,
        "success",
        "Your password has been changed. Sign in with the new one.",
    )
    .await;
    Ok(Redirect::to("/login").into_response())
}
