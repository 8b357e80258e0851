//! The catalogue: products, their variants (the buyable unit), images, the inventory
//! ledger, CSV import and export, the public product JSON, and the link to Stripe.
//!
//! - `domain`, `description`: parsing what merchants type; showing text (money is `crate::money`).
//! - `store/`: the catalogue's SQL, one file per kind of row; `inventory`: stock and its
//!   ledger row, changed together (the one named domain operation holding SQL).
//! - `images`: the upload pipeline; `settings` (re-exported from the store): the shop's
//!   catalogue settings.
//! - `list`, `edit`, `variants`, `stock`, `image_routes`, `csv_io`, `api`: one file per action.
//! - `import`: the CSV import, staged and written in short batches by a background task.
//! - `stripe`, `sync`: the shop's key, the Stripe calls, the background sync.
//! - `demo`: products for `showfloor demo`.

pub mod api;
pub mod csv_format;
pub mod csv_io;
pub mod demo;
pub mod description;
pub mod domain;
pub mod edit;
pub mod form;
pub mod image_routes;
pub mod images;
pub mod import;
pub mod inventory;
pub mod list;
pub mod page;
pub mod stock;
pub mod store;
pub mod stripe;
pub mod sync;
pub mod variants;

// Catalogue settings are one row and its defaults: the row is all there is to them, so
// they live in the store and keep their old path, `catalog::settings`.
pub use store::settings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(list::list))
        .route("/catalog/new", get(edit::new_form))
        .route("/catalog/products", post(edit::create))
        .route("/catalog/products/{id}", get(edit::show).post(edit::update))
        .route("/catalog/products/{id}/archive", post(edit::archive))
        .route("/catalog/products/{id}/restore", post(edit::restore))
        .route("/catalog/products/{id}/variants", post(variants::save))
        .route("/catalog/products/{id}/stock", post(stock::adjust))
        .route("/catalog/products/{id}/sync", post(sync::retry))
        .route(
            "/catalog/products/{id}/images",
            post(image_routes::upload)
                .layer(DefaultBodyLimit::max(image_routes::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/catalog/products/{id}/images/order",
            post(image_routes::reorder),
        )
        .route(
            "/catalog/products/{id}/images/{image_id}/alt",
            post(image_routes::set_alt),
        )
        .route(
            "/catalog/products/{id}/images/{image_id}/delete",
            post(image_routes::delete),
        )
        .route("/catalog/export.csv", get(csv_io::export))
        .route(
            "/catalog/import",
            get(csv_io::form)
                .post(csv_io::preview)
                .layer(DefaultBodyLimit::max(csv_io::UPLOAD_BODY_LIMIT)),
        )
        .route("/catalog/import/confirm", post(csv_io::confirm))
        .route("/catalog/import/{token}", get(import::show))
        .route("/catalog/import/{token}/status", get(import::status))
        .route(
            "/catalog/settings",
            get(stripe::settings::show).post(stripe::settings::save),
        )
        .route("/catalog/settings/stripe", post(stripe::settings::save_key))
        .route(
            "/catalog/settings/stripe/test",
            post(stripe::settings::test_key),
        )
        .route(
            "/catalog/settings/stripe/remove",
            post(stripe::settings::remove_key),
        )
        .route("/media/images/{file}", get(image_routes::serve))
        .route("/api/shops/{shop}/products/{slug}", get(api::product))
}
