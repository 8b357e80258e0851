//! Sign in and sign out. Attempts are rate-limited per account and per address.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{password, store};
use crate::error::{FormErrors, Result, with_retry_after};
use crate::state::AppState;
use crate::text::Email;
use crate::web::ratelimit::{self, ClientIp};
use crate::web::{Layout, render, render_status};

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    errors: FormErrors,
}

pub async fn form(session: Session) -> Response {
    let page = LoginPage {
        layout: Layout::public(&session, "Sign in").await,
        email: String::new(),
        errors: FormErrors::default(),
    };
    render(&page)
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    // The throttle counts attempts per account as typed (normalised like an address),
    // whether or not it parses, so a malformed spelling is no way around it.
    let account_key = form.email.trim().to_lowercase();
    let refuse = |status: StatusCode, message: String| {
        let session = session.clone();
        let email = form.email.clone();
        async move {
            let mut errors = FormErrors::default();
            errors.add("form", message);
            let page = LoginPage {
                layout: Layout::public(&session, "Sign in").await,
                email,
                errors,
            };
            render_status(status, &page)
        }
    };

    let throttled = ratelimit::check(
        &state.limits.login_ip,
        &ip,
        "sign-in attempts from your network",
    )
    .and_then(|()| {
        ratelimit::check(
            &state.limits.login_account,
            &account_key,
            "sign-in attempts for this account",
        )
    });
    if let Err(err) = throttled {
        tracing::warn!(%ip, "sign-in throttled");
        let page = refuse(StatusCode::TOO_MANY_REQUESTS, err.public_message()).await;
        return Ok(with_retry_after(page, err.retry_after()));
    }
    let email = match Email::parse(&form.email) {
        Ok(email) if !form.password.is_empty() => email,
        _ => {
            return Ok(refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Enter your e-mail address and your password.".into(),
            )
            .await);
        }
    };

    let Some(user) = store::login_by_email(&state.db.pool, &email).await? else {
        // Same work as for a real account, so timing does not reveal which e-mails exist.
        password::verify(&form.password, None).await;
        return Ok(wrong(refuse).await);
    };
    if !password::verify(&form.password, Some(user.password_hash.clone())).await {
        return Ok(wrong(refuse).await);
    }
    let shops = store::shops_of(&state.db.pool, user.id).await?;
    let Some(shop) = shops.first() else {
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "Your account no longer belongs to any shop. Ask a shop owner for a new invitation."
                .into(),
        )
        .await);
    };
    super::sign_in(&session, user.id, shop.id, user.session_version).await?;
    tracing::info!(user_id = user.id, "signed in");
    Ok(Redirect::to(&super::take_destination(&session).await).into_response())
}

async fn wrong<F, Fut>(refuse: F) -> Response
where
    F: FnOnce(StatusCode, String) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    refuse(
        StatusCode::UNAUTHORIZED,
        "That e-mail and password do not match an account. Check both, or reset your password."
            .into(),
    )
    .await
}

pub async fn logout(session: Session) -> Result<Response> {
    session
        .flush()
        .await
        .map_err(|e| anyhow::anyhow!("could not end the session: {e}"))?;
    Ok(Redirect::to("/login").into_response())
}
