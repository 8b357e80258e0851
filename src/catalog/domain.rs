//! Parsed catalogue fields: each function returns the value or the sentence shown
//! beside the field, in the merchant's words.

use serde::{Deserialize, Serialize};

use crate::text::{Invalid, Slug, SlugRules};

/// A product's lifecycle. Archived products keep their history but cannot be pinned or bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Active,
    Archived,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Draft, Status::Active, Status::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Active => "active",
            Status::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Active => "Active",
            Status::Archived => "Archived",
        }
    }

    pub fn parse(input: &str) -> Result<Status, String> {
        let value = input.trim().to_ascii_lowercase();
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| "Choose draft, active or archived.".to_string())
    }

    /// The badge colour in lists and on the product page.
    pub fn badge(self) -> &'static str {
        match self {
            Status::Active => "badge-success",
            Status::Archived => "badge-muted",
            Status::Draft => "badge-warning",
        }
    }
}

/// A column holding a state (a product's status or sync state, a ledger reason) held a
/// word this build does not know: the row was written by something other than this
/// version of Showfloor, and decoding it fails loudly instead of guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {column} {value:?} in the database")]
pub struct UnknownState {
    pub column: &'static str,
    pub value: String,
}

/// Rows decode `products.status` through this (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for Status {
    type Error = UnknownState;
    fn try_from(value: String) -> Result<Status, UnknownState> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or(UnknownState {
                column: "status",
                value,
            })
    }
}

/// Where a product stands with Stripe (`products.sync_state`). `None`: the shop has
/// no key, or Stripe has never needed to hear of this product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    None,
    /// Queued for the worker (also while it retries with backoff).
    Pending,
    Synced,
    /// A retry cannot fix it (or retries ran out); the merchant sees Stripe's message.
    Failed,
}

impl SyncState {
    pub const ALL: [SyncState; 4] = [
        SyncState::None,
        SyncState::Pending,
        SyncState::Synced,
        SyncState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::None => "none",
            SyncState::Pending => "pending",
            SyncState::Synced => "synced",
            SyncState::Failed => "failed",
        }
    }
}

impl TryFrom<String> for SyncState {
    type Error = UnknownState;
    fn try_from(value: String) -> Result<SyncState, UnknownState> {
        SyncState::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or(UnknownState {
                column: "sync_state",
                value,
            })
    }
}

/// One option that generates variants: "Size" with values S, M, L.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

/// At most three options (like most shop systems), at most this many variants.
pub const MAX_OPTIONS: usize = 3;
pub const MAX_VARIANTS: usize = 100;
/// Stock a single adjustment or import may set; larger numbers are typos.
pub const MAX_STOCK: i64 = 1_000_000;

pub fn title(input: &str) -> Result<String, Invalid> {
    let value = input.trim();
    if value.is_empty() {
        return Err("Give the product a title.".into());
    }
    if value.chars().count() > 120 {
        return Err("Keep the title to 120 characters or fewer.".into());
    }
    if value.chars().any(char::is_control) {
        return Err("Remove the control characters.".into());
    }
    Ok(value.to_string())
}

/// A product's address within the shop (`/s/{shop}/p/{slug}`): it sits under the
/// shop's own address, so no word is reserved, only a length that fits a URL.
pub const PRODUCT_SLUG: SlugRules = SlugRules {
    min: 1,
    max: 80,
    reserved: &[],
};

/// A product's address within the shop: lower-case letters, digits, single hyphens.
pub fn slug(input: &str) -> Result<String, Invalid> {
    Ok(Slug::parse(input, &PRODUCT_SLUG)?.into_string())
}

/// A slug proposal from a title ("Linen Shirt — Sand" → "linen-shirt-sand").
pub fn slugify(title: &str) -> String {
    // Shop-length proposals (40) keep generated product URLs short; a merchant may type
    // up to `PRODUCT_SLUG.max` by hand.
    let slug = crate::text::slugify(title, 40);
    if slug.is_empty() {
        "product".into()
    } else {
        slug
    }
}

pub fn description(input: &str) -> Result<String, Invalid> {
    let value = input.trim().replace("\r\n", "\n");
    if value.chars().count() > 5000 {
        return Err("Keep the description to 5,000 characters or fewer.".into());
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("Remove the control characters.".into());
    }
    Ok(value)
}

/// An optional stock-keeping unit: letters, digits, `-`, `_`, `.`, `/`, up to 64.
pub fn sku(input: &str) -> Result<Option<String>, String> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > 64 {
        return Err("Keep the SKU to 64 characters or fewer.".into());
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        return Err("Use letters, digits, and - _ . / only (no spaces).".into());
    }
    Ok(Some(value.to_string()))
}

/// Tags from "Linen, summer ,SUMMER": lower-cased, trimmed, de-duplicated, in order.
pub fn tags(input: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for tag in input.split(',') {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || out.contains(&tag) {
            continue;
        }
        if tag.chars().count() > 30 {
            return Err(format!(
                "Keep each tag to 30 characters (\"{tag}\" is longer)."
            ));
        }
        if tag.chars().any(char::is_control) {
            return Err("Remove the control characters.".into());
        }
        out.push(tag);
    }
    if out.len() > 20 {
        return Err("Use 20 tags at most.".into());
    }
    Ok(out)
}

/// One option from its name and comma-separated values; `None` when both are empty.
pub fn option(name: &str, values: &str) -> Result<Option<ProductOption>, String> {
    let name = name.trim();
    let mut list: Vec<String> = Vec::new();
    for value in values.split(',') {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if list.iter().any(|v| v.eq_ignore_ascii_case(value)) {
            return Err(format!("\"{value}\" is listed twice."));
        }
        if value.chars().count() > 30 || value.contains('/') || value.chars().any(char::is_control)
        {
            return Err(format!(
                "Keep each value under 30 characters, without \"/\" (\"{value}\")."
            ));
        }
        list.push(value.to_string());
    }
    match (name.is_empty(), list.is_empty()) {
        (true, true) => Ok(None),
        (true, false) => Err("Name this option, e.g. Size or Colour.".into()),
        (false, true) => Err("List the values, separated by commas, e.g. S, M, L.".into()),
        (false, false) if name.chars().count() > 30 => {
            Err("Keep the option name to 30 characters.".into())
        }
        (false, false) => Ok(Some(ProductOption {
            name: name.to_string(),
            values: list,
        })),
    }
}

/// Every combination of option values, each as its list of values in option order.
/// No options: one combination with no values (the default variant).
pub fn combinations(options: &[ProductOption]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for option in options {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                option.values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    out
}

/// A variant's title from its option values: "M / Blue"; "" for the default variant.
pub fn variant_title(values: &[String]) -> String {
    values.join(" / ")
}

/// A whole number of units, 0 to `MAX_STOCK`.
pub fn stock(input: &str) -> Result<i64, String> {
    let value = input.trim();
    if value.is_empty() {
        return Ok(0);
    }
    match value.parse::<i64>() {
        Ok(n) if n < 0 => Err("Stock cannot be negative.".into()),
        Ok(n) if n > MAX_STOCK => Err(format!("Keep stock at or below {MAX_STOCK}.")),
        Ok(n) => Ok(n),
        Err(_) => Err("Enter a whole number of units.".into()),
    }
}

/// A signed stock change for a manual adjustment: "+5", "-2", "3". Zero is refused.
pub fn adjustment(input: &str) -> Result<i64, String> {
    let value = input.trim().trim_start_matches('+');
    match value.parse::<i64>() {
        Ok(0) => Err("Enter how many units to add (5) or remove (-5).".into()),
        Ok(n) if n.abs() > MAX_STOCK => Err(format!("Adjust by at most {MAX_STOCK} units.")),
        Ok(n) => Ok(n),
        Err(_) => Err("Enter a whole number, like 5 or -2.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_slugs_and_skus() {
        assert_eq!(title("  Linen shirt ").unwrap(), "Linen shirt");
        assert!(title("   ").is_err());
        assert!(title(&"x".repeat(121)).is_err());
        assert_eq!(slug("Linen-Shirt").unwrap(), "linen-shirt");
        assert!(slug("linen shirt").is_err());
        assert!(slug("").is_err());
        assert_eq!(slugify("Linen Shirt — Sand"), "linen-shirt-sand");
        assert_eq!(slugify("!!!"), "product");
        assert_eq!(sku(" TEE-01 ").unwrap(), Some("TEE-01".into()));
        assert_eq!(sku("").unwrap(), None);
        assert!(sku("TEE 01").is_err());
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(
            tags("Linen, summer ,SUMMER,,").unwrap(),
            vec!["linen", "summer"]
        );
        assert!(tags(&"x".repeat(31)).is_err());
    }

    #[test]
    fn options_generate_every_combination() {
        let size = option("Size", "S, M, L").unwrap().unwrap();
        let colour = option("Colour", "Red,Blue").unwrap().unwrap();
        let all = combinations(&[size, colour]);
        assert_eq!(all.len(), 6);
        assert_eq!(variant_title(&all[0]), "S / Red");
        assert_eq!(variant_title(&all[5]), "L / Blue");
        assert_eq!(combinations(&[]), vec![Vec::<String>::new()]);
        assert_eq!(option("", "").unwrap(), None);
        assert!(option("Size", "").is_err());
        assert!(option("", "S").is_err());
        assert!(option("Size", "S, s").is_err());
        assert!(option("Size", "S/M").is_err());
    }

    #[test]
    fn stock_and_adjustments() {
        assert_eq!(stock("12"), Ok(12));
        assert_eq!(stock(""), Ok(0));
        assert!(stock("-1").is_err());
        assert!(stock("many").is_err());
        assert_eq!(adjustment("+5"), Ok(5));
        assert_eq!(adjustment("-2"), Ok(-2));
        assert!(adjustment("0").is_err());
        assert!(Status::parse("Active").is_ok());
        assert!(Status::parse("sold").is_err());
    }

    #[test]
    fn stored_states_decode_exactly_or_fail() {
        for status in Status::ALL {
            assert_eq!(Status::try_from(status.as_str().to_string()), Ok(status));
        }
        for state in SyncState::ALL {
            assert_eq!(SyncState::try_from(state.as_str().to_string()), Ok(state));
        }
        // What a merchant types is forgiving (`parse`); what the database holds is not.
        assert!(Status::try_from("Active".to_string()).is_err());
        assert_eq!(
            SyncState::try_from("stale".to_string()).unwrap_err().column,
            "sync_state"
        );
    }
}
