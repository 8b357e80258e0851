//! The product page: the product form with its live card preview, and, for a saved
//! product, its variants, stock and history, images and Stripe sync state. Every
//! action on the page re-renders it through `ProductPage::load` when input is refused.

use askama::Template;

use super::domain::SyncState;
use super::form::ProductForm;
use super::images::{self, Image};
use super::inventory::{self, Entry};
use super::store::{self, Product};
use super::{description, settings};
use crate::auth::CurrentUser;
use crate::auth::roles::EditCatalog;
use crate::error::{FormErrors, Result};
use crate::money;
use crate::state::AppState;
use crate::web::{Layout, Section};

/// One row of the variants table, showing saved values or what was just typed.
pub struct VariantRow {
    pub id: i64,
    pub label: String,
    pub sku: String,
    pub price: String,
    pub price_text: String,
    pub unlimited: bool,
    pub stock: i64,
    pub low: bool,
}

/// The shopper's card, as the preview shows it.
pub struct Preview {
    pub title: String,
    pub price: String,
    pub was: String,
    pub image: String,
    pub summary: String,
}

/// The Stripe link of one product, in words.
pub struct SyncView {
    pub label: &'static str,
    pub badge: &'static str,
    pub error: String,
    pub retry: bool,
}

impl SyncView {
    pub fn of(p: &Product) -> Option<SyncView> {
        let (label, badge) = match p.sync_state {
            SyncState::Synced => ("Synced to Stripe", "badge-success"),
            SyncState::Pending if p.sync_attempts > 0 => ("Stripe sync retrying", "badge-warning"),
            SyncState::Pending => ("Stripe sync pending", "badge-warning"),
            SyncState::Failed => ("Stripe sync failed", "badge-danger"),
            SyncState::None => return None,
        };
        Some(SyncView {
            label,
            badge,
            error: p.sync_error.clone().unwrap_or_default(),
            retry: p.sync_state == SyncState::Failed || p.sync_attempts > 0,
        })
    }
}

#[derive(Template)]
#[template(path = "catalog/product.html")]
pub struct ProductPage {
    pub layout: Layout,
    pub product: Option<Product>,
    pub form: ProductForm,
    pub errors: FormErrors,
    pub shop_currency: String,
    pub currencies: Vec<(String, String)>,
    pub allow_currency: bool,
    pub can_edit: bool,
    pub variants: Vec<VariantRow>,
    pub variant_errors: FormErrors,
    pub stock_errors: FormErrors,
    pub images: Vec<Image>,
    pub image_error: String,
    pub history: Vec<Entry>,
    pub preview: Preview,
    pub sync: Option<SyncView>,
    pub stripe_connected: bool,
    pub upload_action: String,
    pub max_images: i64,
    pub low_stock_threshold: i64,
    pub script: &'static str,
    pub time_zone: jiff::tz::TimeZone,
}

impl ProductPage {
    /// The page for `product` (or a new one), showing `form` (or the saved values).
    pub async fn load(
        state: &AppState,
        user: &CurrentUser,
        product: Option<Product>,
        form: Option<ProductForm>,
        errors: FormErrors,
    ) -> Result<ProductPage> {
        let pool = &state.db.pool;
        let shop = &user.shop;
        let settings = settings::get(pool, shop.id).await?;
        let form = match (form, &product) {
            (Some(form), _) => form,
            (None, Some(p)) => ProductForm::from_product(p),
            (None, None) => ProductForm::new(&shop.currency),
        };
        let (variants, images, history) = match &product {
            Some(p) => {
                let rows = store::variants(pool, shop.id, p.id)
                    .await?
                    .into_iter()
                    .map(|v| VariantRow {
                        id: v.id,
                        label: if v.title.is_empty() {
                            "Default".into()
                        } else {
                            v.title.clone()
                        },
                        sku: v.sku.clone().unwrap_or_default(),
                        price: v
                            .price_override
                            .map(|c| money::decimal(c, &p.currency))
                            .unwrap_or_default(),
                        price_text: money::format(v.price(p), &p.currency),
                        unlimited: v.unlimited,
                        stock: v.stock,
                        low: !v.unlimited && v.stock <= settings.low_stock_threshold,
                    })
                    .collect();
                (
                    rows,
                    store::images::list(pool, shop.id, p.id).await?,
                    inventory::history(pool, shop.id, p.id, 25).await?,
                )
            }
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let title = match &product {
            Some(p) => p.title.clone(),
            None => "New product".into(),
        };
        let preview = preview(&form, &shop.currency, images.first());
        let stripe_connected = super::stripe::account::get(pool, shop.id).await?.is_some();
        Ok(ProductPage {
            layout: Layout::dashboard(user, title, Section::Catalog).await,
            sync: product.as_ref().and_then(SyncView::of),
            upload_action: product
                .as_ref()
                .map(|p| format!("/catalog/products/{}/images", p.id))
                .unwrap_or_default(),
            product,
            form,
            errors,
            shop_currency: shop.currency.clone(),
            currencies: crate::shops::domain::currency_choices(),
            allow_currency: settings.allow_currency_override,
            can_edit: user.can::<EditCatalog>(),
            variants,
            variant_errors: FormErrors::default(),
            stock_errors: FormErrors::default(),
            images,
            image_error: String::new(),
            history,
            preview,
            stripe_connected,
            max_images: images::MAX_PER_PRODUCT,
            low_stock_threshold: settings.low_stock_threshold,
            script: crate::web::assets::url("catalog.js"),
            time_zone: crate::time::zone(&shop.time_zone),
        })
    }

    /// Show the variant fields as they were typed.
    pub fn keep_variant_input(&mut self, fields: &[(String, String)]) {
        let get = |name: String| {
            fields
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        for row in &mut self.variants {
            row.sku = get(format!("sku_{}", row.id)).unwrap_or_default();
            row.price = get(format!("price_{}", row.id)).unwrap_or_default();
            row.unlimited = get(format!("unlimited_{}", row.id)).is_some();
        }
    }

    /// The CSRF token travels in the URL for multipart forms.
    pub fn upload_url(&self) -> String {
        format!("{}?csrf_token={}", self.upload_action, self.layout.csrf)
    }

    /// (number, name, values, error key) of the three option rows.
    pub fn option_rows(&self) -> Vec<(usize, String, String, String)> {
        let f = &self.form;
        [
            (&f.option1_name, &f.option1_values),
            (&f.option2_name, &f.option2_values),
            (&f.option3_name, &f.option3_values),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (name, values))| {
            (
                i + 1,
                name.clone(),
                values.clone(),
                format!("option{}", i + 1),
            )
        })
        .collect()
    }

    /// A ledger time in the shop's time zone.
    pub fn when(&self, ms: &i64) -> String {
        crate::time::date_time(*ms, &self.time_zone)
    }

    pub fn description_html(&self) -> String {
        description::to_html(&self.form.description)
    }
}

fn preview(form: &ProductForm, shop_currency: &str, image: Option<&Image>) -> Preview {
    let currency = if form.currency.trim().is_empty() {
        shop_currency.to_string()
    } else {
        form.currency.trim().to_ascii_uppercase()
    };
    let amount = |text: &str| {
        money::parse(text, &currency)
            .map(|m| money::format(m, &currency))
            .unwrap_or_default()
    };
    Preview {
        title: if form.title.trim().is_empty() {
            "Product title".into()
        } else {
            form.title.trim().to_string()
        },
        price: amount(&form.price),
        was: if form.compare_at_price.trim().is_empty() {
            String::new()
        } else {
            amount(&form.compare_at_price)
        },
        image: image.map(Image::thumb_url).unwrap_or_default(),
        summary: description::summary(&form.description, 140),
    }
}
