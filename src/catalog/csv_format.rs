//! The catalogue CSV: one row per variant, products grouped by `slug` (or `title`
//! when there is no slug). Product columns are read from a product's first row.
//! Export writes what import reads, so a catalogue moves between shops intact: export
//! neutralises formula-like cells (`web::csv`) and import restores them, and the product's
//! own columns go through the product form's parser (`form::parse_fields`).

use std::collections::HashMap;

use super::domain::{self, ProductOption};
use super::form::{TypedFields, parse_fields};
use super::settings::CatalogSettings;
use super::store::ProductInput;
use crate::money;
use crate::shops::store::Shop;
use crate::web::csv;

pub const HEADER: [&str; 18] = [
    "slug",
    "title",
    "description",
    "status",
    "price",
    "compare_at_price",
    "currency",
    "sku",
    "tags",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "variant_sku",
    "variant_price",
    "stock",
];

/// One variant row of an import.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ImportVariant {
    pub values: Vec<String>,
    pub sku: Option<String>,
    pub price: Option<i64>,
    /// `None`: unlimited.
    pub stock: Option<i64>,
}

/// One product of an import, with the spreadsheet row it starts on.
#[derive(Debug, Clone)]
pub struct ImportProduct {
    pub row: usize,
    pub input: ProductInput,
    pub variants: Vec<ImportVariant>,
}

/// A refused row: its spreadsheet number (the header is row 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub message: String,
}

/// Parse and check a whole file. Slug and SKU clashes with the shop are checked by the caller.
pub fn parse(
    data: &[u8],
    shop: &Shop,
    settings: &CatalogSettings,
) -> Result<Vec<ImportProduct>, Vec<RowError>> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(data);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            return Err(vec![RowError {
                row: 1,
                message: format!("The file is not CSV: {e}"),
            }]);
        }
    };
    for required in ["title", "price"] {
        if !headers.iter().any(|h| h == required) {
            return Err(vec![RowError {
                row: 1,
                message: format!("The header row needs a \u{201c}{required}\u{201d} column."),
            }]);
        }
    }
    let mut products: Vec<ImportProduct> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    let mut skus: HashMap<String, usize> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    row,
                    message: format!("This row cannot be read: {e}"),
                });
                continue;
            }
        };
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .map(csv::restore)
                .unwrap_or("")
                .to_string()
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let key = match (get("slug"), get("title")) {
            (slug, _) if !slug.is_empty() => slug.to_ascii_lowercase(),
            (_, title) => domain::slugify(&title),
        };
        let mut problems: Vec<String> = Vec::new();
        let index = match by_key.get(&key) {
            Some(&i) => Some(i),
            None => match product_fields(&get, shop, settings) {
                Ok(input) => {
                    products.push(ImportProduct {
                        row,
                        input,
                        variants: Vec::new(),
                    });
                    by_key.insert(key, products.len() - 1);
                    Some(products.len() - 1)
                }
                Err(mut e) => {
                    problems.append(&mut e);
                    None
                }
            },
        };
        let currency = index
            .map(|i| products[i].input.currency.clone())
            .unwrap_or_else(|| shop.currency.clone());
        let values: Vec<String> = (1..=3)
            .map(|n| get(&format!("option{n}_value")))
            .filter(|v| !v.is_empty())
            .collect();
        let sku = domain::sku(&get("variant_sku"))
            .map_err(|e| problems.push(format!("variant_sku: {e}")))
            .ok()
            .flatten();
        let price = match get("variant_price").as_str() {
            "" => None,
            text => money::parse(text, &currency)
                .map_err(|e| problems.push(format!("variant_price: {e}")))
                .ok(),
        };
        let stock = match get("stock").to_ascii_lowercase().as_str() {
            "unlimited" => None,
            text => Some(
                domain::stock(text)
                    .map_err(|e| problems.push(format!("stock: {e}")))
                    .unwrap_or(0),
            ),
        };
        if let Some(sku) = &sku
            && let Some(first) = skus.insert(sku.clone(), row)
        {
            problems.push(format!("the SKU {sku} is already used on row {first}."));
        }
        if let Some(i) = index {
            let product = &mut products[i];
            if values.len() != product.input.options.len() {
                problems.push(format!(
                    "give a value for each option ({}).",
                    names(&product.input.options)
                ));
            } else if product.variants.iter().any(|v| v.values == values) {
                problems.push("this combination of options is listed twice.".into());
            } else {
                for (option, value) in product.input.options.iter_mut().zip(&values) {
                    if !option.values.contains(value) {
                        option.values.push(value.clone());
                    }
                }
                product.variants.push(ImportVariant {
                    values,
                    sku,
                    price,
                    stock,
                });
            }
        }
        if !problems.is_empty() {
            errors.push(RowError {
                row,
                message: capitalise(&problems.join("; ")),
            });
        }
    }
    if products.is_empty() && errors.is_empty() {
        errors.push(RowError {
            row: 1,
            message: "The file has no product rows.".into(),
        });
    }
    if let Some(p) = products
        .iter()
        .find(|p| domain::combinations(&p.input.options).len() > domain::MAX_VARIANTS)
    {
        errors.push(RowError {
            row: p.row,
            message: "This product has too many option combinations.".into(),
        });
    }
    if errors.is_empty() {
        Ok(products)
    } else {
        Err(errors)
    }
}

/// The product's own columns, through the parser the product form uses.
fn product_fields(
    get: &dyn Fn(&str) -> String,
    shop: &Shop,
    settings: &CatalogSettings,
) -> Result<ProductInput, Vec<String>> {
    let cells: Vec<String> = FIELD_COLUMNS.iter().map(|c| get(c)).collect();
    let typed = TypedFields {
        slug: &cells[0],
        title: &cells[1],
        description: &cells[2],
        status: &cells[3],
        price: &cells[4],
        compare_at_price: &cells[5],
        currency: &cells[6],
        sku: &cells[7],
        tags: &cells[8],
    };
    let fields = parse_fields(&typed, shop, settings).map_err(|refused| {
        refused
            .into_iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
    })?;
    let options: Vec<ProductOption> = (1..=3)
        .map(|n| get(&format!("option{n}_name")))
        .filter(|n| !n.is_empty())
        .map(|name| ProductOption {
            name,
            values: Vec::new(),
        })
        .collect();
    let slug = fields
        .slug
        .clone()
        .unwrap_or_else(|| domain::slugify(&fields.title));
    Ok(fields.into_input(slug, options))
}

/// The columns `product_fields` reads, in `HEADER` order.
const FIELD_COLUMNS: [&str; 9] = [
    "slug",
    "title",
    "description",
    "status",
    "price",
    "compare_at_price",
    "currency",
    "sku",
    "tags",
];

fn names(options: &[ProductOption]) -> String {
    if options.is_empty() {
        return "this product has no options".into();
    }
    options
        .iter()
        .map(|o| o.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
