//! Catalogue settings of a shop: other currencies, exact stock in the public data,
//! the low-stock threshold. A shop without a row gets the defaults.

use sqlx::{AnyExecutor, FromRow};

use crate::db::now_ms;

#[derive(Debug, Clone, FromRow)]
pub struct CatalogSettings {
    #[sqlx(try_from = "crate::db::Flag")]
    /// Products may be priced in a currency other than the shop's.
    pub allow_currency_override: bool,
    #[sqlx(try_from = "crate::db::Flag")]
    /// The public product data shows stock counts, not just "in stock".
    pub show_exact_stock: bool,
    /// At or below this many units a variant shows as low on stock.
    pub low_stock_threshold: i64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        CatalogSettings {
            allow_currency_override: false,
            show_exact_stock: false,
            low_stock_threshold: 5,
        }
    }
}

pub async fn get(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<CatalogSettings> {
    let row: Option<CatalogSettings> = sqlx::query_as(&format!(
        "SELECT {}, {}, low_stock_threshold FROM catalog_settings WHERE shop_id = $1",
        crate::db::flag("allow_currency_override"),
        crate::db::flag("show_exact_stock"),
    ))
    .bind(shop_id)
    .fetch_optional(db)
    .await?;
    Ok(row.unwrap_or_default())
}

pub async fn save(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    settings: &CatalogSettings,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO catalog_settings (shop_id, allow_currency_override, show_exact_stock, \
         low_stock_threshold, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (shop_id) DO UPDATE SET allow_currency_override = excluded.allow_currency_override, \
         show_exact_stock = excluded.show_exact_stock, low_stock_threshold = excluded.low_stock_threshold, \
         updated_at = excluded.updated_at",
    )
    .bind(shop_id)
    .bind(settings.allow_currency_override)
    .bind(settings.show_exact_stock)
    .bind(settings.low_stock_threshold)
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}
