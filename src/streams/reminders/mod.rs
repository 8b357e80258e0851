//! "Remind me": shoppers leave an address for a scheduled stream (the consent time is
//! stored), merchants see and export the list, and everyone can unsubscribe. Mails go
//! out only when SMTP is configured (`mail`).

pub mod mail;
pub mod store;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::lifecycle::Status;
use super::public_view::Assets;
use super::store as streams;
use crate::auth::Member;
use crate::auth::roles::ViewStreams;
use crate::auth::tokens;
use crate::error::{ApiError, Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::csv::CsvWriter;
use crate::web::ratelimit::{ClientIp, check};
use crate::web::render;

#[derive(Debug, Default, Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    email: String,
}

#[derive(Template)]
#[template(path = "streams/public_notice.html")]
struct Notice {
    assets: Assets,
    title: String,
    message: String,
    back: Option<(String, String)>,
    /// An unsubscribe confirmation button posting here.
    action: Option<String>,
}

impl Notice {
    fn new(title: &str, message: String, back: Option<(String, String)>) -> Notice {
        Notice {
            assets: Assets::new(),
            title: title.into(),
            message,
            back,
            action: None,
        }
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// A cross-site form cannot sign someone up: when the browser names the origin, it must
/// be this site (the page is cached, so it carries no CSRF token).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest == host)
}

/// `POST /api/streams/{public_id}/reminders`: JSON for the page's script, HTML otherwise.
pub async fn subscribe(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(public_id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RemindForm>,
) -> Response {
    let json = wants_json(&headers);
    match add(&state, ip, &public_id, &headers, &form).await {
        Ok((message, _)) if json => {
            axum::Json(serde_json::json!({ "ok": true, "message": message })).into_response()
        }
        Ok((message, back)) => render(&Notice::new("You're on the list", message, Some(back))),
        Err(err) if json => ApiError(err).into_response(),
        Err(err) => err.into_response(),
    }
}

async fn add(
    state: &AppState,
    ip: std::net::IpAddr,
    public_id: &str,
    headers: &HeaderMap,
    form: &RemindForm,
) -> Result<(String, (String, String))> {
    if !same_origin(headers) {
        return Err(Error::Forbidden);
    }
    check(
        &state.limits.reminder_ip,
        &ip,
        "reminder requests from your network",
    )?;
    let stream = streams::by_public_id(&state.db.pool, public_id)
        .await?
        .ok_or(Error::NotFound)?;
    if stream.status != Status::Scheduled {
        return Err(Error::Conflict(match stream.status {
            Status::Live => {
                "This stream is live now: no need for a reminder, come and watch!".into()
            }
            _ => "This stream is over, so there is nothing to remind you of.".into(),
        }));
    }
    check(
        &state.limits.reminder_stream,
        &stream.id,
        "reminder requests for this stream right now",
    )?;
    let email = crate::shops::domain::email(&form.email).map_err(|e| {
        let mut errors = FormErrors::default();
        errors.add("email", e);
        Error::Invalid(errors)
    })?;
    store::upsert(
        &state.db.pool,
        stream.shop_id,
        stream.id,
        &email,
        &tokens::random_token(),
    )
    .await?;
    let shop = crate::shops::store::by_id(&state.db.pool, stream.shop_id)
        .await?
        .ok_or(Error::NotFound)?;
    let tz = crate::time::zone(&shop.time_zone);
    let message = format!(
        "We'll remind {email} before “{}” starts ({}).",
        stream.title,
        crate::time::date_time(stream.scheduled_at, &tz)
    );
    Ok((
        message,
        (
            format!("/@{}/{}", shop.slug, stream.slug),
            format!("Back to {}", stream.title),
        ),
    ))
}

/// `GET /reminders/unsubscribe/{token}`: a confirmation button (mail scanners follow
/// links; only the POST unsubscribes).
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    let (title, email, gone) = store::by_token(&state.db.pool, &token)
        .await?
        .ok_or(Error::NotFound)?;
    if gone.is_some() {
        return Ok(render(&Notice::new(
            "Unsubscribed",
            format!("{email} gets no more mail about “{title}”."),
            None,
        )));
    }
    let mut notice = Notice::new(
        "Stop reminders?",
        format!("{email} will get no more mail about “{title}”."),
        None,
    );
    notice.action = Some(format!("/api/reminders/unsubscribe/{token}"));
    Ok(render(&notice))
}

/// `POST /api/reminders/unsubscribe/{token}`: the button above, and one-click
/// unsubscribe from mail clients (RFC 8058).
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    if !store::unsubscribe(&state.db.pool, &token).await? {
        return Err(Error::NotFound);
    }
    Ok(render(&Notice::new(
        "Unsubscribed",
        "You will get no more mail about this stream.".into(),
        None,
    )))
}

/// `GET /streams/{id}/reminders.csv`.
pub async fn export(
    State(state): State<AppState>,
    user: Member<ViewStreams>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let stream = streams::by_id(&state.db.pool, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let tz = crate::time::zone(&user.shop.time_zone);
    let rows = store::list(&state.db.pool, user.shop.id, id).await?;
    // The shared writer neutralises formula-like cells (an e-mail typed as `=cmd@…`).
    let mut out = CsvWriter::with_header(&[
        "email",
        "consent_at_utc",
        "consent_at_local",
        "status",
        "reminder_sent_at_utc",
        "live_mail_sent_at_utc",
    ])?;
    let iso = |ms: Option<i64>| ms.map(crate::time::iso).unwrap_or_default();
    for r in rows {
        let status = if r.unsubscribed_at.is_some() {
            "unsubscribed"
        } else {
            "subscribed"
        };
        out.row([
            r.email.clone(),
            iso(Some(r.consent_at)),
            crate::time::date_time(r.consent_at, &tz),
            status.into(),
            iso(r.reminder_sent_at),
            iso(r.live_sent_at),
        ])?;
    }
    Ok(out.into_attachment(&format!("reminders-{}.csv", stream.slug))?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_like_cells_are_quoted() {
        use crate::web::csv::neutralise;
        assert_eq!(neutralise("=cmd@example.com"), "'=cmd@example.com");
        assert_eq!(neutralise("anna@example.com"), "anna@example.com");
    }
}
