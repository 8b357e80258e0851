//! The catalogue's SQL, one file per kind of row: `products` (and the search text),
//! `variants`, `images`, `list` (the dashboard list's query), `sync` (the Stripe
//! sync's bookkeeping) and `settings`. Handlers call these functions and hold no SQL;
//! the one exception is `catalog::inventory`, which keeps a variant's stock and its
//! ledger row in one place.
//!
//! Products and variants are re-exported here, so `catalog::store::product` and
//! `catalog::store::Variant` stay the paths the rest of the house uses.

pub mod images;
pub mod list;
mod products;
pub mod settings;
pub mod sync;
mod variants;

pub use products::{
    Product, ProductInput, all_products, bump_revision, free_slug, insert_product, product,
    product_by_slug, product_count, reindex, set_status, sku_taken, slug_taken, touch,
    update_product,
};
pub use variants::{
    Variant, insert_variant, place_variant, remove_variant, set_unlimited, update_variant, variant,
    variants,
};
