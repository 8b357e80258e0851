//! The product form: what the merchant typed (`ProductForm`, kept as typed so the page
//! can show it again) and its validation into a `ProductInput`, with one message per field.

use serde::Deserialize;
use sqlx::AnyPool;

use super::domain::{self, Status};
use super::settings::CatalogSettings;
use super::store::{self, Product, ProductInput};
use crate::error::FormErrors;
use crate::money;
use crate::shops::store::Shop;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub price: String,
    pub compare_at_price: String,
    pub currency: String,
    pub sku: String,
    pub status: String,
    pub tags: String,
    pub option1_name: String,
    pub option1_values: String,
    pub option2_name: String,
    pub option2_values: String,
    pub option3_name: String,
    pub option3_values: String,
    /// New products only: the starting stock of each variant.
    pub stock: String,
    /// New products only: "on" when stock is not tracked.
    pub unlimited: Option<String>,
}

impl ProductForm {
    /// A blank form for a new product in `currency`.
    pub fn new(currency: &str) -> ProductForm {
        ProductForm {
            currency: currency.to_string(),
            status: "draft".into(),
            stock: "0".into(),
            ..Default::default()
        }
    }

    /// The form showing a saved product.
    pub fn from_product(p: &Product) -> ProductForm {
        let options = p.options();
        let opt = |i: usize| {
            options.get(i).cloned().unwrap_or(domain::ProductOption {
                name: String::new(),
                values: Vec::new(),
            })
        };
        let (o1, o2, o3) = (opt(0), opt(1), opt(2));
        ProductForm {
            title: p.title.clone(),
            slug: p.slug.clone(),
            description: p.description.clone(),
            price: money::decimal(p.price, &p.currency),
            compare_at_price: p
                .compare_at_price
                .map(|c| money::decimal(c, &p.currency))
                .unwrap_or_default(),
            currency: p.currency.clone(),
            sku: p.sku.clone().unwrap_or_default(),
            status: p.status.as_str().to_string(),
            tags: p.tags.clone(),
            option1_name: o1.name,
            option1_values: o1.values.join(", "),
            option2_name: o2.name,
            option2_values: o2.values.join(", "),
            option3_name: o3.name,
            option3_values: o3.values.join(", "),
            stock: String::new(),
            unlimited: None,
        }
    }

    pub fn is_unlimited(&self) -> bool {
        self.unlimited.is_some()
    }
}

/// Validate `form` for `shop`; `product_id` is the product being edited (0 for a new one).
/// Database checks (slug and SKU in use) run only when the fields themselves are valid.
pub async fn validate(
    db: &AnyPool,
    shop: &Shop,
    settings: &CatalogSettings,
    form: &ProductForm,
    product_id: i64,
) -> sqlx::Result<Result<ProductInput, FormErrors>> {
    let mut errors = FormErrors::default();
    let title = domain::title(&form.title).map_err(|e| errors.add("title", e));
    let description =
        domain::description(&form.description).map_err(|e| errors.add("description", e));
    let currency =
        parse_currency(&form.currency, shop, settings).map_err(|e| errors.add("currency", e));
    let money_currency = currency.clone().unwrap_or_else(|_| shop.currency.clone());
    let price = money::parse(&form.price, &money_currency).map_err(|e| errors.add("price", e));
    let compare_at = match form.compare_at_price.trim() {
        "" => Ok(None),
        text => money::parse(text, &money_currency)
            .map(Some)
            .map_err(|e| errors.add("compare_at_price", e)),
    };
    if let (Ok(price), Ok(Some(was))) = (&price, &compare_at)
        && was <= price
    {
        errors.add(
            "compare_at_price",
            "The compare-at price is the old price shown crossed out; make it higher than the price, or leave it empty.",
        );
    }
    let sku = domain::sku(&form.sku).map_err(|e| errors.add("sku", e));
    let status = match form.status.trim() {
        "" => Ok(Status::Draft),
        text => Status::parse(text).map_err(|e| errors.add("status", e)),
    };
    let tags = domain::tags(&form.tags).map_err(|e| errors.add("tags", e));
    let mut options = Vec::new();
    for (field, name, values) in [
        ("option1", &form.option1_name, &form.option1_values),
        ("option2", &form.option2_name, &form.option2_values),
        ("option3", &form.option3_name, &form.option3_values),
    ] {
        match domain::option(name, values) {
            Ok(Some(o))
                if options
                    .iter()
                    .any(|x: &domain::ProductOption| x.name.eq_ignore_ascii_case(&o.name)) =>
            {
                errors.add(
                    field,
                    format!("There is already an option called {}.", o.name),
                );
            }
            Ok(Some(o)) => options.push(o),
            Ok(None) => {}
            Err(e) => errors.add(field, e),
        }
    }
    if domain::combinations(&options).len() > domain::MAX_VARIANTS {
        errors.add(
            "option1",
            format!(
                "These options make more than {} variants; use fewer values.",
                domain::MAX_VARIANTS
            ),
        );
    }
    if product_id == 0 && !form.is_unlimited() {
        domain::stock(&form.stock)
            .map_err(|e| errors.add("stock", e))
            .ok();
    }

    let slug_typed = !form.slug.trim().is_empty();
    let slug = if slug_typed {
        domain::slug(&form.slug).map_err(|e| errors.add("slug", e))
    } else {
        Ok(domain::slugify(title.as_deref().unwrap_or("product")))
    };
    if let Ok(slug) = &slug
        && store::slug_taken(db, shop.id, slug, product_id).await?
    {
        let free = store::free_slug(db, shop.id, slug, product_id).await?;
        if slug_typed {
            errors.add(
                "slug",
                format!("Another product uses this address. \u{201c}{free}\u{201d} is free."),
            );
        }
    }
    if let Ok(Some(sku)) = &sku
        && store::sku_taken(db, shop.id, sku, product_id).await?
    {
        errors.add(
            "sku",
            format!("Another product in this shop has the SKU {sku}."),
        );
    }

    match (
        title,
        slug,
        description,
        price,
        compare_at,
        currency,
        sku,
        status,
        tags,
    ) {
        (
            Ok(title),
            Ok(slug),
            Ok(description),
            Ok(price),
            Ok(compare_at_price),
            Ok(currency),
            Ok(sku),
            Ok(status),
            Ok(tags),
        ) if errors.is_empty() => {
            // An untyped slug that is taken quietly becomes the next free one.
            let slug = if slug_typed {
                slug
            } else {
                store::free_slug(db, shop.id, &slug, product_id).await?
            };
            Ok(Ok(ProductInput {
                title,
                slug,
                description,
                price,
                compare_at_price,
                currency,
                sku,
                status,
                tags,
                options,
            }))
        }
        _ => Ok(Err(errors)),
    }
}

fn parse_currency(input: &str, shop: &Shop, settings: &CatalogSettings) -> Result<String, String> {
    let typed = input.trim();
    if typed.is_empty() || typed.eq_ignore_ascii_case(&shop.currency) {
        return Ok(shop.currency.clone());
    }
    let code = crate::shops::domain::currency(typed)?;
    if !settings.allow_currency_override {
        return Err(format!(
            "This shop sells in {}. Allow other currencies in the catalogue settings first.",
            shop.currency
        ));
    }
    Ok(code)
}
