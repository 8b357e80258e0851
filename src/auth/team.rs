//! Settings → Team: members and their roles, invitations by one-time link, and reset
//! links an owner can hand to a member.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::roles::ManageShop;
use super::{Member, Role, store};
use crate::db::now_ms;
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::text::Email;
use crate::token::Token;
use crate::web::{Layout, Section, flash, flash_link, render_status};

/// How long an invitation link works.
const INVITE_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

pub struct MemberView {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub joined: String,
    pub is_me: bool,
}

pub struct InviteView {
    pub id: i64,
    pub email: String,
    pub role: &'static str,
    pub expires: String,
}

/// A role the owner can hand out, with what it means (the invite form's choices).
pub struct RoleChoice {
    pub name: &'static str,
    pub description: &'static str,
}

#[derive(Template)]
#[template(path = "auth/team.html")]
struct TeamPage {
    layout: Layout,
    members: Vec<MemberView>,
    invites: Vec<InviteView>,
    roles: Vec<RoleChoice>,
    form: InviteForm,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn team_page(
    state: &AppState,
    user: &Member<ManageShop>,
    form: InviteForm,
    errors: FormErrors,
) -> Result<TeamPage> {
    let tz = crate::time::zone(&user.shop.time_zone);
    let members = store::team(&state.db.pool, user.shop.id)
        .await?
        .into_iter()
        .map(|m| MemberView {
            is_me: m.user_id == user.id,
            user_id: m.user_id,
            name: m.name,
            email: m.email,
            role: m.role.as_str(),
            joined: crate::time::date(m.joined_at, &tz),
        })
        .collect();
    let invites = store::pending_invites(&state.db.pool, user.shop.id)
        .await?
        .into_iter()
        .map(|i| InviteView {
            id: i.id,
            email: i.email,
            role: i.role.as_str(),
            expires: crate::time::date_time(i.expires_at, &tz),
        })
        .collect();
    Ok(TeamPage {
        layout: Layout::dashboard(user, "Team", Section::Settings).await,
        members,
        invites,
        roles: Role::ALL
            .iter()
            .map(|r| RoleChoice {
                name: r.as_str(),
                description: r.description(),
            })
            .collect(),
        form,
        errors,
    })
}

pub async fn page(State(state): State<AppState>, user: Member<ManageShop>) -> Result<Response> {
    let form = InviteForm {
        role: "host".into(),
        ..InviteForm::default()
    };
    let page = team_page(&state, &user, form, FormErrors::default()).await?;
    Ok(render_status(StatusCode::OK, &page))
}

pub async fn invite(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    let email = Email::parse(&form.email).map_err(|e| errors.add("email", e));
    let role =
        Role::parse(&form.role).ok_or_else(|| errors.add("role", "Choose one of the roles."));
    let (Ok(email), Ok(role)) = (email, role) else {
        let page = team_page(&state, &user, form, errors).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    if store::team(&state.db.pool, user.shop.id)
        .await?
        .iter()
        .any(|m| m.email == email.as_str())
    {
        errors.add("email", "This person is already on the team.");
        let page = team_page(&state, &user, form, errors).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let token = Token::random();
    store::insert_invite(
        &state.db.pool,
        user.shop.id,
        &email,
        role,
        &token.hash(),
        user.id,
        now_ms() + INVITE_TTL_MS,
    )
    .await?;
    let link = format!("{}/invites/{}", state.config.base_url(), token.expose());
    tracing::info!(shop = %user.shop.slug, %email, %role, "invitation created");
    flash_link(
        &user.session,
        "success",
        format!("Invitation for {email} as {role} created. Send them this link; it works once, for 7 days."),
        link,
    )
    .await;
    Ok(Redirect::to("/settings/team").into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Path(id): Path<i64>,
) -> Result<Response> {
    if !store::revoke_invite(&state.db.pool, user.shop.id, id).await? {
        return Err(Error::NotFound);
    }
    flash(
        &user.session,
        "info",
        "Invitation revoked: its link no longer works.",
    )
    .await;
    Ok(Redirect::to("/settings/team").into_response())
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Path(member_id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response> {
    let role = Role::parse(&form.role)
        .ok_or_else(|| Error::BadRequest("Choose one of the roles.".into()))?;
    let pool = &state.db.pool;
    let mut tx = pool.begin().await?;
    let current = store::member(&mut *tx, member_id, user.shop.id)
        .await?
        .ok_or(Error::NotFound)?;
    if current.role == Role::Owner
        && role != Role::Owner
        && store::count_owners(&mut *tx, user.shop.id).await? <= 1
    {
        return Err(Error::Conflict(
            "A shop needs at least one owner. Make someone else owner first.".into(),
        ));
    }
    store::set_role(&mut *tx, user.shop.id, member_id, role).await?;
    tx.commit().await?;
    flash(
        &user.session,
        "success",
        format!("{} is now {role}.", current.name),
    )
    .await;
    Ok(Redirect::to("/settings/team").into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Path(member_id): Path<i64>,
) -> Result<Response> {
    let mut tx = state.db.pool.begin().await?;
    let current = store::member(&mut *tx, member_id, user.shop.id)
        .await?
        .ok_or(Error::NotFound)?;
    if current.role == Role::Owner && store::count_owners(&mut *tx, user.shop.id).await? <= 1 {
        return Err(Error::Conflict(
            "The last owner cannot be removed. Make someone else owner first.".into(),
        ));
    }
    store::remove_member(&mut *tx, user.shop.id, member_id).await?;
    tx.commit().await?;
    flash(
        &user.session,
        "info",
        format!("{} has been removed from the team.", current.name),
    )
    .await;
    let to = if member_id == user.id {
        "/login"
    } else {
        "/settings/team"
    };
    Ok(Redirect::to(to).into_response())
}

pub async fn reset_link(
    State(state): State<AppState>,
    user: Member<ManageShop>,
    Path(member_id): Path<i64>,
) -> Result<Response> {
    let email = store::email_of(&state.db.pool, user.shop.id, member_id)
        .await?
        .ok_or(Error::NotFound)?;
    let link = super::reset::issue_link(&state, member_id).await?;
    flash_link(
        &user.session,
        "success",
        format!("Password reset link for {email}. Send it to them; it works once, for one hour."),
        link,
    )
    .await;
    Ok(Redirect::to("/settings/team").into_response())
}
