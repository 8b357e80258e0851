//! `GET /api/shops/{shop}/products/{slug}`: a product as the viewer page and
//! integrations read it. Public, no session: drafts do not exist here, and stock is
//! shown as availability unless the merchant opts in to exact counts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::domain::Status;
use super::{description, settings, store};
use crate::error::{ApiError, Error};
use crate::money::Money;
use crate::state::AppState;

/// An amount as integrations read it: the minor units and the text a shopper sees.
#[derive(Serialize)]
pub struct MoneyJson {
    /// Minor units (cents): 4990 is €49.90.
    pub amount: i64,
    pub currency: String,
    pub formatted: String,
}

impl From<Money> for MoneyJson {
    fn from(money: Money) -> MoneyJson {
        MoneyJson {
            amount: money.minor,
            formatted: money.to_string(),
            currency: money.currency,
        }
    }
}

#[derive(Serialize)]
pub struct ImageJson {
    pub thumb: String,
    pub display: String,
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

#[derive(Serialize)]
pub struct VariantJson {
    pub id: i64,
    pub title: String,
    pub sku: Option<String>,
    pub price: MoneyJson,
    pub available: bool,
    /// in_stock, low_stock or sold_out.
    pub availability: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
}

#[derive(Serialize)]
pub struct ProductJson {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub status: String,
    pub price: MoneyJson,
    pub compare_at_price: Option<MoneyJson>,
    pub tags: Vec<String>,
    pub options: Vec<super::domain::ProductOption>,
    pub images: Vec<ImageJson>,
    pub variants: Vec<VariantJson>,
    pub available: bool,
}

pub async fn product(
    State(state): State<AppState>,
    Path((shop_slug, slug)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let pool = &state.db.pool;
    let shop = crate::shops::store::by_slug(pool, &shop_slug)
        .await?
        .ok_or(Error::NotFound)?;
    let p = store::product_by_slug(pool, shop.id, &slug)
        .await?
        .filter(|p| p.status != Status::Draft)
        .ok_or(Error::NotFound)?;
    let settings = settings::get(pool, shop.id).await?;
    let base = state.config.base_url();
    let sellable = p.status == Status::Active;
    let variants: Vec<VariantJson> = store::variants(pool, shop.id, p.id)
        .await?
        .into_iter()
        .map(|v| {
            let (available, availability) = match (v.unlimited, v.stock) {
                (true, _) => (true, "in_stock"),
                (false, 0) => (false, "sold_out"),
                (false, n) if n <= settings.low_stock_threshold => (true, "low_stock"),
                _ => (true, "in_stock"),
            };
            VariantJson {
                id: v.id,
                title: v.title.clone(),
                sku: v.sku.clone(),
                price: Money::new(v.price(&p), &*p.currency).into(),
                available: available && sellable,
                availability: if sellable { availability } else { "sold_out" },
                stock: (settings.show_exact_stock && !v.unlimited).then_some(v.stock),
            }
        })
        .collect();
    let images = store::images::list(pool, shop.id, p.id)
        .await?
        .into_iter()
        .map(|i| ImageJson {
            thumb: format!("{base}{}", i.thumb_url()),
            display: format!("{base}{}", i.display_url()),
            alt: i.alt,
            width: i.width,
            height: i.height,
        })
        .collect();
    let body = ProductJson {
        available: variants.iter().any(|v| v.available),
        slug: p.slug.clone(),
        title: p.title.clone(),
        description_html: description::to_html(&p.description),
        description: p.description.clone(),
        status: p.status.as_str().to_string(),
        price: Money::new(p.price, &*p.currency).into(),
        compare_at_price: p
            .compare_at_price
            .map(|c| Money::new(c, &*p.currency).into()),
        tags: p.tag_list().into_iter().map(String::from).collect(),
        options: p.options(),
        images,
        variants,
    };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=10"),
    );
    Ok(response)
}
