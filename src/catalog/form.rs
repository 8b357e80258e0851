//! The product form: what the merchant typed (`ProductForm`, kept as typed so the page
//! can show it again) and its validation into a `ProductInput`, with one message per field.

use serde::Deserialize;
use sqlx::AnyPool;

use super::domain::{self, ProductOption, Status};
use super::settings::CatalogSettings;
use super::store::{self, Product, ProductInput};
use crate::error::FormErrors;
use crate::money;
use crate::shops::store::Shop;
use crate::text::Invalid;

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
    let typed = TypedFields {
        title: &form.title,
        slug: &form.slug,
        description: &form.description,
        price: &form.price,
        compare_at_price: &form.compare_at_price,
        currency: &form.currency,
        sku: &form.sku,
        status: &form.status,
        tags: &form.tags,
    };
    let fields = parse_fields(&typed, shop, settings).map_err(|refused| {
        for e in refused {
            errors.add(e.field, e.message);
        }
    });
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

    let Ok(fields) = fields else {
        return Ok(Err(errors));
    };
    let slug_typed = fields.slug.is_some();
    let slug = fields
        .slug
        .clone()
        .unwrap_or_else(|| domain::slugify(&fields.title));
    if store::slug_taken(db, shop.id, &slug, product_id).await? {
        let free = store::free_slug(db, shop.id, &slug, product_id).await?;
        if slug_typed {
            errors.add(
                "slug",
                format!("Another product uses this address. \u{201c}{free}\u{201d} is free."),
            );
        }
    }
    if let Some(sku) = &fields.sku
        && store::sku_taken(db, shop.id, sku, product_id).await?
    {
        errors.add(
            "sku",
            format!("Another product in this shop has the SKU {sku}."),
        );
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    // An untyped slug that is taken quietly becomes the next free one.
    let slug = if slug_typed {
        slug
    } else {
        store::free_slug(db, shop.id, &slug, product_id).await?
    };
    Ok(Ok(fields.into_input(slug, options)))
}

/// A product's own fields as typed, in the form or in a CSV row: the one parser both
/// use, so the compare-at and currency rules are written once.
#[derive(Debug, Default, Clone, Copy)]
pub struct TypedFields<'a> {
    pub title: &'a str,
    pub slug: &'a str,
    pub description: &'a str,
    pub price: &'a str,
    pub compare_at_price: &'a str,
    pub currency: &'a str,
    pub sku: &'a str,
    pub status: &'a str,
    pub tags: &'a str,
}

/// A refused field: its name (the form field and the CSV column are the same) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The product's own fields, parsed. Options, stock and the database checks (slug or SKU
/// in use) are the caller's: the form and the CSV take options in different shapes.
#[derive(Debug, Clone)]
pub struct ParsedFields {
    pub title: String,
    /// `None` when no slug was typed; the caller derives one from the title.
    pub slug: Option<String>,
    pub description: String,
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub currency: String,
    pub sku: Option<String>,
    pub status: Status,
    pub tags: Vec<String>,
}

impl ParsedFields {
    pub fn into_input(self, slug: String, options: Vec<ProductOption>) -> ProductInput {
        ProductInput {
            title: self.title,
            slug,
            description: self.description,
            price: self.price,
            compare_at_price: self.compare_at_price,
            currency: self.currency,
            sku: self.sku,
            status: self.status,
            tags: self.tags,
            options,
        }
    }
}

/// Parse every field, collecting one message per refused field.
pub fn parse_fields(
    typed: &TypedFields<'_>,
    shop: &Shop,
    settings: &CatalogSettings,
) -> Result<ParsedFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut note = |field: &'static str, message: String| {
        errors.push(FieldError { field, message });
    };
    let title = domain::title(typed.title).map_err(|e| note("title", e.into()));
    let slug = match typed.slug.trim() {
        "" => Ok(None),
        text => domain::slug(text)
            .map(Some)
            .map_err(|e| note("slug", e.into())),
    };
    let description =
        domain::description(typed.description).map_err(|e| note("description", e.into()));
    let currency =
        parse_currency(typed.currency, shop, settings).map_err(|e| note("currency", e.into()));
    // Prices are read in the product's currency, or the shop's when that one was refused.
    let money_currency = currency.clone().unwrap_or_else(|_| shop.currency.clone());
    let price = money::parse(typed.price, &money_currency).map_err(|e| note("price", e));
    let compare_at = match typed.compare_at_price.trim() {
        "" => Ok(None),
        text => money::parse(text, &money_currency)
            .map(Some)
            .map_err(|e| note("compare_at_price", e)),
    };
    let compare_at = match (&price, compare_at) {
        (Ok(price), Ok(Some(was))) if was <= *price => {
            note(
                "compare_at_price",
                "The compare-at price is the old price shown crossed out; make it higher than the price, or leave it empty.".into(),
            );
            Err(())
        }
        (_, other) => other,
    };
    let sku = domain::sku(typed.sku).map_err(|e| note("sku", e));
    let status = match typed.status.trim() {
        "" => Ok(Status::Draft),
        text => Status::parse(text).map_err(|e| note("status", e)),
    };
    let tags = domain::tags(typed.tags).map_err(|e| note("tags", e));
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
        ) => Ok(ParsedFields {
            title,
            slug,
            description,
            price,
            compare_at_price,
            currency,
            sku,
            status,
            tags,
        }),
        _ => Err(errors),
    }
}

/// The product's currency: the shop's unless another is typed and the settings allow it.
fn parse_currency(input: &str, shop: &Shop, settings: &CatalogSettings) -> Result<String, Invalid> {
    let typed = input.trim();
    if typed.is_empty() || typed.eq_ignore_ascii_case(&shop.currency) {
        return Ok(shop.currency.clone());
    }
    let code = crate::shops::domain::currency(typed)?;
    if !settings.allow_currency_override {
        return Err(Invalid(format!(
            "This shop sells in {}. Allow other currencies in the catalogue settings first.",
            shop.currency
        )));
    }
    Ok(code)
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
