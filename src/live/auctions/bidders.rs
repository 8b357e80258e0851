//! Who may bid: a shopper gives a display name and an e-mail address and accepts the
//! shop's auction terms once; we mail a six-digit code (through the outbox, `mails`) and
//! the address counts as verified for this shop once they type it back. A winning bid is
//! a promise to pay, so a bidder is someone the merchant can reach.

use axum::Json;
use axum::extract::{Path, State};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{invalid, mails};
use crate::db::now_ms;
use crate::error::{ApiError, Error};
use crate::live::store::bidders;
use crate::live::viewer::{NAME_MAX, Viewer};
use crate::live::{load_live, public_stream};
use crate::state::AppState;
use crate::text::Email;

/// How long a code can be used.
pub const CODE_MINUTES: i64 = 15;
/// Wrong tries a code allows.
pub const CODE_TRIES: i64 = 5;
/// Codes a viewer can ask for in an hour (each is a mail).
pub const CODES_PER_HOUR: i64 = 5;

fn code_hash(viewer_id: &str, code: &str) -> String {
    crate::token::hash_token(&format!("bidder-code:{viewer_id}:{code}"))
}

#[derive(Debug, Deserialize)]
pub struct BidderForm {
    name: String,
    email: String,
    /// The shopper ticked "I accept the terms".
    #[serde(default)]
    terms: bool,
}

/// `POST …/live/bidder`: record the name and address and mail a code to it.
pub async fn register(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<BidderForm>,
) -> Result<Json<Value>, ApiError> {
    let access = load_live(&state, &shop, &stream, &viewer).await?;
    let s = &access.stream;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(invalid(
            "name",
            "Give the name other viewers see when you lead (up to 40 characters).",
        ));
    }
    let Ok(email) = Email::parse(&form.email) else {
        return Err(invalid(
            "email",
            "Give an e-mail address like name@example.com: the code goes there.",
        ));
    };
    if !form.terms {
        return Err(invalid(
            "terms",
            "Accept the terms: a winning bid is a promise to pay within 24 hours.",
        ));
    }
    let pool = &state.db.pool;
    let now = now_ms();
    let asked = bidders::codes_since(pool, s.shop_id, &viewer.id, now - 3_600_000).await?;
    if asked >= CODES_PER_HOUR {
        return Err(ApiError(Error::TooMany {
            message: "We have sent you five codes this hour: use the latest, or try again later."
                .into(),
            retry_after: std::time::Duration::from_secs(600),
        }));
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    let expires_at = now + CODE_MINUTES * 60_000;
    let mut tx = pool.begin().await?;
    let hash = code_hash(&viewer.id, &code);
    let new = bidders::NewCode {
        shop_id: s.shop_id,
        viewer_id: &viewer.id,
        name,
        email: email.as_str(),
        code_hash: &hash,
        mailed: &code,
        now,
        expires_at,
    };
    let id = bidders::new_code(&mut tx, &new).await?;
    crate::mail::queue(&mut tx, s.shop_id, mails::CODE, id).await?;
    tx.commit().await?;
    state.mail.wake.notify_one();
    Ok(Json(json!({
        "sent_to": email.as_str(),
        "expires_at": expires_at,
        "message": format!("We sent a code to {}. Type it here to bid.", email.as_str()),
    })))
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST …/live/bidder/verify`: the code from the mail; the viewer may bid from now on.
/// Works on any stream of the shop (the address is verified for the shop).
pub async fn verify(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<CodeForm>,
) -> Result<Json<Value>, ApiError> {
    let s = public_stream(&state, &shop, &stream).await?;
    let pool = &state.db.pool;
    let now = now_ms();
    let code: String = form.code.chars().filter(char::is_ascii_digit).collect();
    let Some((id, email, hash, attempts)) =
        bidders::open_code(pool, s.shop_id, &viewer.id, now).await?
    else {
        return Err(ApiError(Error::Conflict(
            "Your code has expired or was used: ask for a new one.".into(),
        )));
    };
    if attempts >= CODE_TRIES {
        return Err(ApiError(Error::Conflict(
            "Too many wrong tries with this code: ask for a new one.".into(),
        )));
    }
    if code.len() != 6 || code_hash(&viewer.id, &code) != hash {
        bidders::count_attempt(pool, id, CODE_TRIES).await?;
        return Err(invalid(
            "code",
            format!("That is not the code we sent to {email}: check the mail and try again."),
        ));
    }
    if !bidders::verify(pool, s.shop_id, &viewer.id, id, &email, now).await? {
        return Err(ApiError(Error::Conflict(
            "Your code has expired or was used: ask for a new one.".into(),
        )));
    }
    let bidder = bidders::get(pool, s.shop_id, &viewer.id).await?;
    Ok(Json(json!({
        "bidder": bidder.map(|b| json!({ "name": b.name, "email": b.email, "verified": b.may_bid() })),
        "message": "Your address is confirmed: you can bid.",
    })))
}
