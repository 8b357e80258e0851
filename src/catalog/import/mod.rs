//! Catalogue CSV import that never holds the database for long.
//!
//! On SQLite one writer at a time holds the database, so a write transaction longer than
//! the 10 s busy timeout makes every other shop's Buy, checkout and stock change fail. A
//! large file therefore moves in short steps:
//!
//! 1. **Upload** (`upload`): the file is parsed and checked against the shop in memory
//!    (its slugs and SKUs read once), then *staged* in `catalog_import_rows`, a few hundred
//!    products per INSERT. The merchant sees a paged preview (100 products a page) with the
//!    counts; nothing in the catalogue has changed.
//! 2. **Confirm** (`progress`, then `apply`): a background task writes the staged products in batches, each
//!    one transaction of at most [`BATCH_ROWS`] variant rows (well under a second), pausing
//!    between batches so other writers get the database. The merchant watches a progress
//!    page that refreshes itself (and a small JSON status, `…/status`).
//!
//! **All or nothing, and which way a crash goes.** A true swap would need one long
//! transaction, the thing we must avoid, so the import is applied in *idempotent batches
//! keyed by the import id*: the batch that creates a product marks its staged row with the
//! product id in the same transaction. Hence:
//! - a crash or restart mid-import **resumes** it (roll forward): on start the worker takes
//!   every `applying` import and continues from its first unmarked row; no row is written
//!   twice, none skipped;
//! - a refusal while applying (a product with the same slug or SKU was added by hand after
//!   the preview, a database error that outlives retries) **rolls back**: the import turns
//!   `rolling_back` and deletes exactly the products its rows are marked with, in batches,
//!   then ends `failed`; a crash during that rollback finishes the rollback on restart;
//! - only the final step marks the import `done`, after every row is applied.
//!
//! While a batch runs the products already written are visible in the catalogue; the
//! outcome (every product, or none) is what is guaranteed, not invisibility meanwhile.
//! Stripe sync is queued only once the import is complete, so a rolled-back import never
//! reaches Stripe.

pub mod apply;
pub mod bulk;
pub mod progress;
pub mod store;
pub mod upload;

use serde::{Deserialize, Serialize};

use super::csv_format::{ImportProduct, ImportVariant};
use super::domain::{ProductOption, Status};
use super::store::ProductInput;

pub use apply::resume;
pub use progress::{confirm, status};
pub use upload::{UPLOAD_BODY_LIMIT, form, preview, show};

/// Products shown per preview page.
pub const PAGE_SIZE: i64 = 100;
/// Products per staging INSERT (four parameters each, far below either backend's limit).
const STAGE_BATCH: usize = 250;
/// Variant rows per apply transaction. A row costs a handful of statements, so a batch
/// holds the write lock for a fraction of a second even on a busy machine.
pub const BATCH_ROWS: usize = 500;

/// One staged product as its `catalog_import_rows.product` JSON: what the preview shows and
/// what a batch writes, so confirming writes exactly what was previewed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagedProduct {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub currency: String,
    pub sku: Option<String>,
    pub status: String,
    pub tags: Vec<String>,
    pub options: Vec<ProductOption>,
    pub variants: Vec<ImportVariant>,
}

impl From<&ImportProduct> for StagedProduct {
    fn from(p: &ImportProduct) -> Self {
        let i = &p.input;
        StagedProduct {
            title: i.title.clone(),
            slug: i.slug.clone(),
            description: i.description.clone(),
            price: i.price,
            compare_at_price: i.compare_at_price,
            currency: i.currency.clone(),
            sku: i.sku.clone(),
            status: i.status.as_str().to_string(),
            tags: i.tags.clone(),
            options: i.options.clone(),
            variants: p.variants.clone(),
        }
    }
}

impl StagedProduct {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }

    /// The product's own fields as the catalogue store takes them.
    pub fn input(&self) -> ProductInput {
        ProductInput {
            title: self.title.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
            price: self.price,
            compare_at_price: self.compare_at_price,
            currency: self.currency.clone(),
            sku: self.sku.clone(),
            status: self.status(),
            tags: self.tags.clone(),
            options: self.options.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_product_keeps_what_was_parsed() {
        let product = ImportProduct {
            row: 2,
            input: ProductInput {
                title: "=HYPERLINK(\"x\")".into(),
                slug: "mug".into(),
                description: "".into(),
                price: 1200,
                compare_at_price: Some(1500),
                currency: "EUR".into(),
                sku: Some("MUG".into()),
                status: Status::Active,
                tags: vec!["kitchen".into()],
                options: vec![],
            },
            variants: vec![ImportVariant {
                values: vec![],
                sku: None,
                price: None,
                stock: Some(3),
            }],
        };
        let json = serde_json::to_string(&StagedProduct::from(&product)).unwrap();
        let back: StagedProduct = serde_json::from_str(&json).unwrap();
        let input = back.input();
        assert_eq!(input.title, product.input.title);
        assert_eq!(input.status, Status::Active);
        assert_eq!(input.compare_at_price, Some(1500));
        assert_eq!(back.variants.len(), 1);
    }
}
