//! Accepting an invitation: a new person creates their account; someone who already
//! has one confirms with their password. Either way the link works once.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{password, password::NewPassword, store};
use crate::error::{Error, FormErrors, Result};
use crate::shops::{domain, store as shops};
use crate::state::AppState;
use crate::text::Email;
use crate::token::Token;
use crate::web::{Layout, flash, render_status};

#[derive(Template)]
#[template(path = "auth/invite.html")]
struct InvitePage {
    layout: Layout,
    shop_name: String,
    email: String,
    role: &'static str,
    has_account: bool,
    name: String,
    errors: FormErrors,
    min_password: usize,
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// A usable invitation as the page shows it.
struct Opened {
    invite: store::Invite,
    /// The invited address, as the account it joins or creates is keyed.
    email: Email,
    shop_name: String,
    /// Whether that address already has an account (then it confirms with its password).
    has_account: bool,
}

async fn load(state: &AppState, token: &Token) -> Result<Opened> {
    let invite = store::open_invite(&state.db.pool, &token.hash())
        .await?
        .ok_or_else(|| Error::BadRequest("This invitation has expired, was revoked or was already used. Ask the shop owner for a new link.".into()))?;
    // Stored as `Email::parse` returned it when the owner invited them.
    let email = Email::parse(&invite.email)
        .map_err(|_| anyhow::anyhow!("invitation {} holds a malformed e-mail", invite.id))?;
    let shop = shops::by_id(&state.db.pool, invite.shop_id)
        .await?
        .ok_or(Error::NotFound)?;
    let has_account = store::email_exists(&state.db.pool, &email).await?;
    Ok(Opened {
        invite,
        email,
        shop_name: shop.name,
        has_account,
    })
}

async fn view(session: &Session, opened: &Opened, name: String, errors: FormErrors) -> InvitePage {
    InvitePage {
        layout: Layout::public(session, format!("Join {}", opened.shop_name)).await,
        shop_name: opened.shop_name.clone(),
        email: opened.email.to_string(),
        role: opened.invite.role.as_str(),
        has_account: opened.has_account,
        name,
        errors,
        min_password: password::MIN_LEN,
    }
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response> {
    let opened = load(&state, &Token::presented(token)).await?;
    let page = view(&session, &opened, String::new(), FormErrors::default()).await;
    Ok(render_status(StatusCode::OK, &page))
}

pub async fn accept(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response> {
    let opened = load(&state, &Token::presented(token)).await?;
    let invite = &opened.invite;
    let role = invite.role;
    let pool = &state.db.pool;
    let mut errors = FormErrors::default();

    // Work out who is joining before touching the invitation.
    enum Joiner {
        Existing { user_id: i64, version: i64 },
        New { name: String, hash: String },
    }
    let joiner = if opened.has_account {
        let login = store::login_by_email(pool, &opened.email)
            .await?
            .ok_or(Error::NotFound)?;
        if password::verify(&form.password, Some(login.password_hash)).await {
            Some(Joiner::Existing {
                user_id: login.id,
                version: login.session_version,
            })
        } else {
            errors.add("password", "This is not the password of that account.");
            None
        }
    } else {
        let name = domain::person_name(&form.name).map_err(|e| errors.add("name", e));
        let password = NewPassword::parse(&form.password, &form.password_confirm)
            .map_err(|e| errors.add("password", e));
        match (name, password) {
            (Ok(name), Ok(password)) => Some(Joiner::New {
                name,
                hash: password.hash().await?,
            }),
            _ => None,
        }
    };
    let Some(joiner) = joiner else {
        let page = view(&session, &opened, form.name, errors).await;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };

    let mut tx = pool.begin().await?;
    if !store::accept_invite(&mut *tx, invite.id).await? {
        return Err(Error::BadRequest(
            "This invitation was just used. Ask the shop owner for a new link.".into(),
        ));
    }
    let (user_id, version) = match joiner {
        Joiner::Existing { user_id, version } => (user_id, version),
        Joiner::New { name, hash } => (
            store::insert_user(&mut *tx, &opened.email, &name, &hash).await?,
            0,
        ),
    };
    if store::member(&mut *tx, user_id, invite.shop_id)
        .await?
        .is_none()
    {
        store::insert_membership(&mut *tx, invite.shop_id, user_id, role).await?;
    }
    tx.commit().await?;
    tracing::info!(user_id, shop_id = invite.shop_id, %role, "invitation accepted");

    super::sign_in(&session, user_id, invite.shop_id, version).await?;
    flash(
        &session,
        "success",
        format!("Welcome to {}! You joined as {role}.", opened.shop_name),
    )
    .await;
    Ok(Redirect::to("/").into_response())
}
