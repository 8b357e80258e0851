//! A stream's featured products: add one of the shop's active products, move it up or
//! down, remove it. Works with plain forms; the list keeps its order in `position`.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::store;
use crate::auth::Member;
use crate::auth::roles::ManageStreams;
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::flash;

/// The most products a stream features (the page stays light, the host stays focused).
const MAX_FEATURED: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    product_id: String,
}

async fn editable(state: &AppState, shop_id: i64, id: i64) -> Result<store::Stream> {
    let stream = store::by_id(&state.db.pool, shop_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    if stream.status.is_final() {
        return Err(Error::Conflict(format!(
            "This stream is {}: its products can no longer change.",
            stream.status.label()
        )));
    }
    Ok(stream)
}

fn back(id: i64) -> Response {
    Redirect::to(&format!("/streams/{id}#products")).into_response()
}

fn invalid(message: &str) -> Error {
    let mut errors = FormErrors::default();
    errors.add("product_id", message);
    Error::Invalid(errors)
}

pub async fn add(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path(id): Path<i64>,
    Form(form): Form<AddForm>,
) -> Result<Response> {
    let shop_id = user.shop.id;
    editable(&state, shop_id, id).await?;
    let pool = &state.db.pool;
    let product_id: i64 = form
        .product_id
        .trim()
        .parse()
        .map_err(|_| invalid("Choose a product to feature."))?;
    // Another shop's product, an archived or draft one, or an unknown id: all the same answer.
    let Some(title) = store::featured::active_product(pool, shop_id, product_id).await? else {
        return Err(invalid(
            "Only active products of this shop can be featured. Archived and draft products cannot.",
        ));
    };
    if store::featured::list(pool, shop_id, id).await?.len() >= MAX_FEATURED {
        return Err(invalid("A stream features at most 50 products."));
    }
    if store::featured::add(pool, shop_id, id, product_id).await? {
        state.streams.invalidate_shop(shop_id);
        flash(&user.session, "success", format!("{title} is featured.")).await;
    } else {
        flash(
            &user.session,
            "info",
            format!("{title} was already featured."),
        )
        .await;
    }
    Ok(back(id))
}

#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    direction: String,
}

pub async fn move_one(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path((id, product_id)): Path<(i64, i64)>,
    Form(form): Form<MoveForm>,
) -> Result<Response> {
    let shop_id = user.shop.id;
    editable(&state, shop_id, id).await?;
    let mut order: Vec<i64> = store::featured::list(&state.db.pool, shop_id, id)
        .await?
        .iter()
        .map(|f| f.product_id)
        .collect();
    let Some(at) = order.iter().position(|p| *p == product_id) else {
        return Err(Error::NotFound);
    };
    let to = match form.direction.as_str() {
        "up" if at > 0 => at - 1,
        "down" if at + 1 < order.len() => at + 1,
        "up" | "down" => at,
        _ => return Err(Error::BadRequest("Move a product up or down.".into())),
    };
    if to != at {
        order.swap(at, to);
        let mut tx = state.db.pool.begin().await?;
        store::featured::set_order(&mut tx, shop_id, id, &order).await?;
        tx.commit().await?;
        state.streams.invalidate_shop(shop_id);
    }
    Ok(back(id))
}

pub async fn remove(
    State(state): State<AppState>,
    user: Member<ManageStreams>,
    Path((id, product_id)): Path<(i64, i64)>,
) -> Result<Response> {
    let shop_id = user.shop.id;
    editable(&state, shop_id, id).await?;
    if !store::featured::remove(&state.db.pool, shop_id, id, product_id).await? {
        return Err(Error::NotFound);
    }
    state.streams.invalidate_shop(shop_id);
    flash(&user.session, "success", "Product removed from the stream.").await;
    Ok(back(id))
}
