//! Creating, editing, archiving and restoring a product from the dashboard.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::domain::{self, Status};
use super::form::{self, ProductForm};
use super::inventory::{self, Change, Reason};
use super::page::ProductPage;
use super::{settings, store, sync, variants};
use crate::auth::Member;
use crate::auth::roles::{EditCatalog, ViewCatalog};
use crate::db::OnConstraint;
use crate::error::{Error, FormErrors, Result};
use crate::state::AppState;
use crate::web::{flash, render, render_status};

/// `GET /catalog/new`
pub async fn new_form(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
) -> Result<Response> {
    let page = ProductPage::load(&state, &user, None, None, FormErrors::default()).await?;
    Ok(render(&page))
}

/// `GET /catalog/products/{id}`: the form for owners, read-only for other roles.
pub async fn show(
    State(state): State<AppState>,
    user: Member<ViewCatalog>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let product = store::product(&state.db.pool, user.shop.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let page = ProductPage::load(&state, &user, Some(product), None, FormErrors::default()).await?;
    Ok(render(&page))
}

/// `POST /catalog/products`
pub async fn create(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Form(form): Form<ProductForm>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop_id = user.shop.id;
    let settings = settings::get(pool, shop_id).await?;
    let input = match form::validate(pool, &user.shop, &settings, &form, 0).await? {
        Ok(input) => input,
        Err(errors) => return refuse(&state, &user, None, form, errors).await,
    };
    let unlimited = form.is_unlimited();
    let stock = if unlimited {
        0
    } else {
        domain::stock(&form.stock).unwrap_or(0)
    };

    let mut tx = pool.begin().await?;
    let id = match taken(store::insert_product(&mut *tx, shop_id, &input).await)? {
        Ok(id) => id,
        Err(key) => return conflict(&state, &user, None, form, key).await,
    };
    let created =
        variants::apply_options(&mut tx, shop_id, id, input.sku.as_deref(), &input.options).await?;
    for variant_id in created {
        if unlimited {
            store::set_unlimited(&mut *tx, shop_id, variant_id, true).await?;
        } else if stock > 0 {
            let change = Change {
                shop_id,
                variant_id,
                delta: stock,
                reason: Reason::Initial,
                note: "",
                reference: None,
                user_id: Some(user.id),
            };
            inventory::record(&mut tx, &change).await?;
        }
    }
    store::reindex(&mut tx, shop_id, id).await?;
    sync::mark_pending(&mut tx, shop_id, id).await?;
    tx.commit().await?;
    sync::wake(&state);
    flash(
        &user.session,
        "success",
        format!("{} was created.", input.title),
    )
    .await;
    Ok(Redirect::to(&format!("/catalog/products/{id}")).into_response())
}

/// `POST /catalog/products/{id}`
pub async fn update(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(id): Path<i64>,
    Form(form): Form<ProductForm>,
) -> Result<Response> {
    let pool = &state.db.pool;
    let shop_id = user.shop.id;
    let product = store::product(pool, shop_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let settings = settings::get(pool, shop_id).await?;
    let input = match form::validate(pool, &user.shop, &settings, &form, id).await? {
        Ok(input) => input,
        Err(errors) => return refuse(&state, &user, Some(product), form, errors).await,
    };
    let mut tx = pool.begin().await?;
    if let Err(key) = taken(store::update_product(&mut *tx, shop_id, id, &input).await)? {
        return conflict(&state, &user, Some(product), form, key).await;
    }
    variants::apply_options(&mut tx, shop_id, id, input.sku.as_deref(), &input.options).await?;
    store::reindex(&mut tx, shop_id, id).await?;
    sync::mark_pending(&mut tx, shop_id, id).await?;
    tx.commit().await?;
    sync::wake(&state);
    flash(&user.session, "success", "Saved.").await;
    Ok(Redirect::to(&format!("/catalog/products/{id}")).into_response())
}

/// `POST /catalog/products/{id}/archive`: hidden from streams and checkout, history kept.
pub async fn archive(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(id): Path<i64>,
) -> Result<Response> {
    change_status(
        &state,
        &user,
        id,
        Status::Archived,
        "Archived. It can no longer be pinned or bought.",
    )
    .await
}

/// `POST /catalog/products/{id}/restore`: back as a draft, to be checked before selling.
pub async fn restore(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(id): Path<i64>,
) -> Result<Response> {
    change_status(
        &state,
        &user,
        id,
        Status::Draft,
        "Restored as a draft. Set it to active to sell it again.",
    )
    .await
}

async fn change_status(
    state: &AppState,
    user: &Member<EditCatalog>,
    id: i64,
    status: Status,
    message: &str,
) -> Result<Response> {
    let mut tx = state.db.pool.begin().await?;
    if !store::set_status(&mut *tx, user.shop.id, id, status).await? {
        return Err(Error::NotFound);
    }
    sync::mark_pending(&mut tx, user.shop.id, id).await?;
    tx.commit().await?;
    sync::wake(state);
    flash(&user.session, "success", message).await;
    Ok(Redirect::to(&format!("/catalog/products/{id}")).into_response())
}

async fn refuse(
    state: &AppState,
    user: &Member<EditCatalog>,
    product: Option<store::Product>,
    form: ProductForm,
    errors: FormErrors,
) -> Result<Response> {
    let page = ProductPage::load(state, user, product, Some(form), errors).await?;
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// The unique key a save ran into.
enum Taken {
    Slug,
    Sku,
}

/// The checks in `form::validate` run before the transaction, so two saves at once can
/// both pass them; the unique indexes catch the second, and this names which one.
fn taken<T>(saved: sqlx::Result<T>) -> sqlx::Result<Result<T, Taken>> {
    Ok(
        match saved
            .on_unique("products", "sku")
            .on_unique("products", "slug")?
        {
            None => Err(Taken::Slug),
            Some(None) => Err(Taken::Sku),
            Some(Some(value)) => Ok(value),
        },
    )
}

/// A unique index caught what the checks missed (two saves at once).
async fn conflict(
    state: &AppState,
    user: &Member<EditCatalog>,
    product: Option<store::Product>,
    form: ProductForm,
    key: Taken,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    match key {
        Taken::Slug => errors.add("slug", "Another product uses this address."),
        Taken::Sku => errors.add("sku", "Another product in this shop has this SKU."),
    }
    refuse(state, user, product, form, errors).await
}
