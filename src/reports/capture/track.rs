//! `POST /@{shop}/{stream}/live/track`: the viewer page reports a product card seen or
//! touched (room.js, with the room's CSRF token in `X-CSRF-Token`). The product must be
//! the one of the named pin of this live stream, and the pin open now or closed less
//! than `LATE_MS` ago (a beacon sent as the host unpins). Answers 202; nothing is
//! recorded on a refusal.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::store::{self, PinnedProduct};
use super::{Event, Kind};
use crate::db::now_ms;
use crate::error::{ApiError, Error, invalid};
use crate::live::viewer::Viewer;
use crate::state::AppState;
use crate::web::ratelimit;

/// How long after an unpin a card event still counts for that pin.
pub const LATE_MS: i64 = 15_000;

#[derive(Debug, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    kind: String,
    product_id: Option<i64>,
    pin_id: Option<i64>,
}

pub async fn track(
    State(state): State<AppState>,
    Path((shop, stream)): Path<(String, String)>,
    viewer: Viewer,
    Json(form): Json<TrackForm>,
) -> Result<StatusCode, ApiError> {
    let kind = match form.kind.as_str() {
        "impression" => Kind::Impression,
        "click" => Kind::Click,
        _ => {
            return Err(invalid(
                "kind",
                "The kind must be \"impression\" or \"click\".",
            ));
        }
    };
    let (Some(product_id), Some(pin_id)) = (form.product_id, form.pin_id) else {
        return Err(invalid(
            "product_id",
            "Name the product and the pin it was shown under.",
        ));
    };
    let stream = crate::live::public_stream(&state, &shop, &stream).await?;
    if stream.status != crate::streams::Status::Live {
        return Err(ApiError(Error::Conflict("This stream is not live.".into())));
    }
    ratelimit::check(&state.capture.track_limit, &viewer.id, "product events")?;
    let pin = store::pinned_product(&state.db.pool, stream.shop_id, stream.id, pin_id).await?;
    let Some(PinnedProduct {
        product_id: pinned_product,
        ended_at,
    }) = pin
    else {
        return Err(invalid("pin_id", "This pin is not part of this stream."));
    };
    if pinned_product != product_id {
        return Err(invalid("product_id", "This product is not the one pinned."));
    }
    let at = now_ms();
    if ended_at.is_some_and(|end| end + LATE_MS < at) {
        return Err(invalid("pin_id", "This product is no longer pinned."));
    }
    state.capture.record(Event::Product {
        kind,
        shop_id: stream.shop_id,
        stream_id: stream.id,
        viewer_id: viewer.id.clone(),
        product_id,
        pin_id,
        at,
    });
    Ok(StatusCode::ACCEPTED)
}
