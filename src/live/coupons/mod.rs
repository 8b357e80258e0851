//! Coupon drops: the host drops a code on the video (percent or amount off, an optional
//! minimum order, an optional limit of redemptions, valid until the stream ends or for N
//! minutes); shoppers copy it or keep it for the bag, and checkout applies it
//! (`orders::coupon`). One coupon is on the video at a time: dropping the next takes the
//! last one off. A `coupon` event goes out when it drops, when it is taken off, and with
//! the redemption count at most every [`COUNT_EVERY`] while shoppers redeem it.
//!
//! - `rules`: the discount on a basket and the reasons there is none (pure).

pub mod rules;

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::load_moderator;
use super::store::coupons::{self, CouponRow, NewCoupon};
use super::store::{self as live_store, LiveStream};
use super::viewer::Viewer;
use crate::db::now_ms;
use crate::error::{ApiError, Error, invalid};
use crate::live::registry::Due;
use crate::money::Money;
use crate::state::AppState;
use crate::streams::Status;
use rules::{Kind, Terms};

type ApiResult<T> = Result<T, ApiError>;

/// The redemption count goes out at most this often while shoppers redeem.
pub const COUNT_EVERY: Duration = Duration::from_millis(250);
/// A limit of redemptions, and a validity in minutes.
pub const MAX_REDEMPTIONS: std::ops::RangeInclusive<i64> = 1..=100_000;
pub const MINUTES: std::ops::RangeInclusive<i64> = 1..=240;

#[derive(Debug, Deserialize)]
pub struct DropForm {
    /// Blank: one is made up (LIVE and four letters or digits).
    #[serde(default)]
    code: String,
    /// 'percent' or 'amount'.
    kind: String,
    /// "10" (percent) or "5.00" (in the shop's currency).
    value: String,
    #[serde(default)]
    min_basket: Option<String>,
    #[serde(default)]
    max_redemptions: Option<i64>,
    /// None: until the stream ends.
    #[serde(default)]
    minutes: Option<i64>,
}

/// A drop as checked: its terms, its limit and how long it lasts.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Checked {
    terms: Terms,
    max_redemptions: Option<i64>,
    minutes: Option<i64>,
}

pub(super) fn checked(form: &DropForm, currency: &str) -> Result<Checked, ApiError> {
    let code = if form.code.trim().is_empty() {
        made_up_code()
    } else {
        rules::code(&form.code).map_err(|m| invalid("code", m))?
    };
    let kind = Kind::decode(&form.kind)
        .ok_or_else(|| invalid("kind", "Choose a percentage or an amount off."))?;
    let value = match kind {
        Kind::Percent => match form
            .value
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse::<i64>()
        {
            Ok(p) if (1..=100).contains(&p) => p,
            _ => {
                return Err(invalid(
                    "value",
                    "A percentage off is a whole number from 1 to 100.",
                ));
            }
        },
        Kind::Amount => match crate::money::parse(&form.value, currency) {
            Ok(0) => return Err(invalid("value", "An amount off must be more than zero.")),
            Ok(minor) if minor <= crate::money::MAX_MINOR => minor,
            Ok(_) => return Err(invalid("value", "That amount is too large.")),
            Err(message) => return Err(invalid("value", &message)),
        },
    };
    let min_basket = match form.min_basket.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => crate::money::parse(text, currency).map_err(|m| invalid("min_basket", &m))?,
    };
    if kind == Kind::Amount && min_basket > 0 && value > min_basket {
        return Err(invalid(
            "value",
            format!(
                "{} off is more than the minimum order of {}: raise the minimum or lower the amount.",
                Money::new(value, currency),
                Money::new(min_basket, currency)
            ),
        ));
    }
    if let Some(n) = form.max_redemptions
        && !MAX_REDEMPTIONS.contains(&n)
    {
        return Err(invalid(
            "max_redemptions",
            "A limit is from 1 to 100,000 orders (leave it empty for no limit).",
        ));
    }
    if let Some(m) = form.minutes
        && !MINUTES.contains(&m)
    {
        return Err(invalid(
            "minutes",
            "A coupon lasts from 1 minute to 4 hours, or until the stream ends.",
        ));
    }
    Ok(Checked {
        terms: Terms {
            code,
            kind,
            value,
            currency: currency.to_string(),
            min_basket,
        },
        max_redemptions: form.max_redemptions,
        minutes: form.minutes,
    })
}

/// LIVE and four upper-case letters or digits, from the random token alphabet.
fn made_up_code() -> String {
    let tail: String = crate::token::random_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(4)
        .collect();
    format!("LIVE{tail}")
}

/// `POST …/live/coupons`: drop a coupon on the video (the one on it comes off).
pub async fn drop(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<DropForm>,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    let c = checked(&form, &s.currency)?;
    let now = now_ms();
    let new = NewCoupon {
        code: &c.terms.code,
        kind: c.terms.kind.as_str(),
        value: c.terms.value,
        currency: &c.terms.currency,
        min_basket: c.terms.min_basket,
        max_redemptions: c.max_redemptions,
        expires_at: c.minutes.map(|m| now + m * 60_000),
    };
    let Some(id) = coupons::drop(&state.db.pool, s.shop_id, s.id, &new, now).await? else {
        return Err(invalid(
            "code",
            format!(
                "The shop has used {} before: pick another code.",
                c.terms.code
            ),
        ));
    };
    if let Some(at) = new.expires_at {
        // Its end shown on every screen; redemptions after it are refused by its own time.
        let (state, stream) = (state.clone(), s.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis((at - now).max(0) as u64)).await;
            if let Err(err) = announce(&state, &stream, id).await {
                tracing::warn!(coupon = id, error = %err, "could not announce a coupon's end");
            }
        });
    }
    Ok(Json(announce(&state, s, id).await?))
}

/// `POST …/live/coupons/{id}/end`: take the coupon off; no more redemptions.
pub async fn end(
    State(state): State<AppState>,
    Path((shop, stream, id)): Path<(String, String, i64)>,
    viewer: Viewer,
) -> ApiResult<Json<Value>> {
    let access = load_moderator(&state, &shop, &stream, &viewer, true).await?;
    let s = &access.stream;
    coupons::get(&state.db.pool, s.id, id)
        .await?
        .ok_or(ApiError(Error::NotFound))?;
    coupons::end(&state.db.pool, s.id, id, now_ms()).await?;
    Ok(Json(announce(&state, s, id).await?))
}

/// The coupon's terms, as the store row holds them.
pub fn terms(row: &CouponRow) -> Terms {
    Terms {
        code: row.code.clone(),
        kind: Kind::decode(&row.kind).unwrap_or(Kind::Amount),
        value: row.value,
        currency: row.currency.clone(),
        min_basket: row.min_basket,
    }
}

/// Whether it takes redemptions now on a stream in `status`: on, not expired, under its
/// limit, and for a coupon without its own end, while the stream is live.
pub fn redeemable(row: &CouponRow, status: Status, now: i64) -> bool {
    row.is_on(now) && !row.sold_out() && (row.expires_at.is_some() || status == Status::Live)
}

/// A coupon as every screen shows it. No order or shopper in it.
pub fn view(row: &CouponRow, status: Status, now: i64) -> Value {
    let t = terms(row);
    json!({
        "id": row.id,
        "code": row.code,
        "label": t.label(),
        "condition": t.condition(),
        "kind": row.kind,
        "value": row.value,
        "min_basket": row.min_basket,
        "currency": row.currency,
        "max_redemptions": row.max_redemptions,
        "redeemed": row.redeemed,
        "left": row.max_redemptions.map(|m| (m - row.redeemed).max(0)),
        "expires_at": row.expires_at,
        "on": redeemable(row, status, now),
        "ended": !row.is_on(now),
    })
}

/// Send the coupon now, as a durable `coupon` event; gives back its data.
async fn announce(state: &AppState, s: &LiveStream, id: i64) -> Result<Value, Error> {
    let row = coupons::get(&state.db.pool, s.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let data = view(&row, s.status, now_ms());
    state
        .live
        .emit(s.shop_id, s.id, "coupon", data.clone())
        .await?;
    Ok(data)
}

/// A redemption was taken or given back: the new count within [`COUNT_EVERY`] (the first
/// change of an interval schedules it, the others ride along).
pub async fn redeemed(state: &AppState, shop_id: i64, stream_id: i64) -> Result<(), Error> {
    let entry = state.live.room(shop_id, stream_id).await?;
    let state = state.clone();
    // Read when the count goes out, once per interval, not at every redemption.
    entry.soon(Due::CouponCount, COUNT_EVERY, move || async move {
        let pool = &state.db.pool;
        let read = async {
            let Some(s) = live_store::stream_of_shop(pool, shop_id, stream_id).await? else {
                return Ok(());
            };
            match coupons::latest(pool, s.id).await? {
                Some(row) => announce(&state, &s, row.id).await.map(|_| ()),
                None => Ok(()),
            }
        };
        if let Err(err) = read.await {
            tracing::warn!(stream = stream_id, error = %err, "could not send a coupon's count");
        }
    });
    Ok(())
}

/// The stream's latest coupon for the room's state.
pub async fn for_state(state: &AppState, stream: &LiveStream) -> Result<Option<Value>, Error> {
    Ok(coupons::latest(&state.db.pool, stream.id)
        .await?
        .map(|row| view(&row, stream.status, now_ms())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(code: &str, kind: &str, value: &str, min: Option<&str>) -> DropForm {
        DropForm {
            code: code.into(),
            kind: kind.into(),
            value: value.into(),
            min_basket: min.map(Into::into),
            max_redemptions: None,
            minutes: None,
        }
    }

    #[test]
    fn a_drop_needs_a_code_a_kind_and_a_sane_value() {
        let ok = checked(&form("live10", "percent", "10 %", None), "EUR").unwrap();
        assert_eq!(ok.terms.code, "LIVE10");
        assert_eq!(ok.terms.value, 10);
        let amount = checked(&form("FIVE", "amount", "5,00", Some("20")), "EUR").unwrap();
        assert_eq!((amount.terms.value, amount.terms.min_basket), (500, 2000));
        let made = checked(&form("", "percent", "5", None), "EUR").unwrap();
        assert!(made.terms.code.starts_with("LIVE") && made.terms.code.len() == 8);
        for bad in [
            form("LIVE10", "percent", "101", None),
            form("LIVE10", "percent", "0", None),
            form("LIVE10", "percent", "abc", None),
            form("LIVE10", "amount", "0", None),
            form("LIVE10", "amount", "30", Some("20")),
            form("LIVE10", "gift", "5", None),
            form("L", "percent", "5", None),
        ] {
            assert!(checked(&bad, "EUR").is_err(), "{bad:?}");
        }
        let mut limits = form("LIVE10", "percent", "5", None);
        limits.max_redemptions = Some(0);
        assert!(checked(&limits, "EUR").is_err());
        limits.max_redemptions = Some(10);
        limits.minutes = Some(241);
        assert!(checked(&limits, "EUR").is_err());
    }
}
