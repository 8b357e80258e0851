//! Parsed shop and account fields: each `parse` returns the value or the sentence
//! shown beside the field.

use iso_currency::{Currency, IntoEnumIterator};

use crate::text::{Email, Invalid, InvalidEmail, Slug, SlugError, SlugRules};

/// A shop's address (`/s/{slug}`): short enough to say aloud, never a word that would
/// shadow a route or confuse a shopper.
pub const SHOP_SLUG: SlugRules = SlugRules {
    min: 3,
    max: 40,
    reserved: RESERVED_SLUGS,
};

/// Words that would shadow a route or confuse a shopper if used as a shop address.
const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "app",
    "dashboard",
    "embed",
    "healthz",
    "login",
    "logout",
    "metrics",
    "settings",
    "signup",
    "static",
    "studio",
    "support",
    "whep",
    "whip",
    "www",
    "showfloor",
];

/// A name was refused; `Display` is the sentence shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// What to type, in the words of the field it is missing from.
    #[error("{0}")]
    Empty(&'static str),
    #[error("Keep it to {0} characters or fewer.")]
    TooLong(usize),
    #[error("Remove the control characters.")]
    ControlCharacters,
}

impl From<NameError> for String {
    fn from(err: NameError) -> String {
        err.to_string()
    }
}

pub fn shop_name(input: &str) -> Result<String, NameError> {
    bounded_text(input, 80, "Give your shop a name.")
}

pub fn person_name(input: &str) -> Result<String, NameError> {
    bounded_text(input, 80, "Tell us your name.")
}

fn bounded_text(input: &str, max: usize, empty: &'static str) -> Result<String, NameError> {
    let value = input.trim();
    if value.is_empty() {
        return Err(NameError::Empty(empty));
    }
    if value.chars().count() > max {
        return Err(NameError::TooLong(max));
    }
    if value.chars().any(char::is_control) {
        return Err(NameError::ControlCharacters);
    }
    Ok(value.to_string())
}

/// A shop's URL slug (see [`SHOP_SLUG`]), as the plain string the account pages keep.
pub fn slug(input: &str) -> Result<String, SlugError> {
    Slug::parse(input, &SHOP_SLUG).map(Slug::into_string)
}

/// A slug proposal from a name: "Anna's Tea Shop" → "annas-tea-shop".
pub fn slugify(name: &str) -> String {
    crate::text::slugify(name, SHOP_SLUG.max)
}

/// An ISO 4217 code in active use (not a fund, metal or superseded code).
pub fn currency(input: &str) -> Result<String, Invalid> {
    let code = input.trim().to_ascii_uppercase();
    match Currency::from_code(&code) {
        Some(c) if is_selectable(c) => Ok(code),
        _ => Err(Invalid(format!(
            "{code:?} is not an ISO 4217 currency we can take payments in."
        ))),
    }
}

fn is_selectable(c: Currency) -> bool {
    !c.is_fund() && !c.is_special() && c.is_superseded().is_none() && c.exponent().is_some()
}

/// (code, "EUR — Euro") for every selectable currency, sorted by code.
pub fn currency_choices() -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = Currency::iter()
        .filter(|c| is_selectable(*c))
        .map(|c| (c.code().to_string(), format!("{} — {}", c.code(), c.name())))
        .collect();
    list.sort();
    list
}

/// The typed time zone is not in the bundled database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time zone we know. Pick one from the list, e.g. Europe/Paris.")]
pub struct UnknownTimeZone(pub String);

impl From<UnknownTimeZone> for String {
    fn from(err: UnknownTimeZone) -> String {
        err.to_string()
    }
}

/// An IANA time zone name known to the bundled database.
pub fn time_zone(input: &str) -> Result<String, UnknownTimeZone> {
    let name = input.trim();
    match jiff::tz::TimeZone::get(name) {
        Ok(_) if !name.is_empty() => Ok(name.to_string()),
        _ => Err(UnknownTimeZone(name.to_string())),
    }
}

/// Region/City zone names for the picker, sorted.
pub fn time_zone_choices() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.to_string())
        .filter(|n| {
            n == "UTC" || (n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("SystemV/"))
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// An e-mail address, lower-cased, as a plain string: [`Email::parse`] for callers
/// that keep the newtype.
pub fn email(input: &str) -> Result<String, InvalidEmail> {
    Email::parse(input).map(Email::into_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_normalised_and_checked() {
        assert_eq!(slug(" Anna-Tea ").unwrap(), "anna-tea");
        assert!(slug("ab").is_err());
        assert!(slug("no spaces").is_err());
        assert!(slug("-edge").is_err());
        assert!(slug("double--hyphen").is_err());
        assert!(slug("login").is_err());
        assert_eq!(slugify("Anna's Tea Shop — Paris"), "annas-tea-shop-paris");
        assert_eq!(slugify("Café Crème"), "cafe-creme");
    }

    #[test]
    fn currencies_must_be_iso_4217_and_payable() {
        assert_eq!(currency("eur").unwrap(), "EUR");
        assert_eq!(currency("JPY").unwrap(), "JPY");
        assert!(currency("XAU").is_err()); // gold, not a payable currency
        assert!(currency("ABC").is_err());
        assert!(currency_choices().iter().any(|(c, _)| c == "KWD"));
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(time_zone("Europe/Paris").unwrap(), "Europe/Paris");
        assert!(time_zone("Mars/Olympus").is_err());
        assert!(time_zone("").is_err());
        assert!(time_zone_choices().contains(&"America/New_York".to_string()));
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        assert_eq!(email(" Anna@Example.COM ").unwrap(), "anna@example.com");
        assert!(email("anna").is_err());
        assert!(email("anna@localhost").is_err());
        assert!(email("a b@example.com").is_err());
        assert!(email("@example.com").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(shop_name("  Tea  ").unwrap(), "Tea");
        assert!(shop_name("   ").is_err());
        assert!(shop_name(&"x".repeat(81)).is_err());
        // The refusal reads as the sentence shown beside the field.
        assert_eq!(
            String::from(shop_name("   ").unwrap_err()),
            "Give your shop a name."
        );
        assert_eq!(person_name(&"x".repeat(81)), Err(NameError::TooLong(80)));
        assert_eq!(person_name("a\u{7}b"), Err(NameError::ControlCharacters));
    }

    #[test]
    fn shop_slugs_follow_the_shop_rules_and_proposals_fit_them() {
        assert_eq!(
            String::from(slug("login").unwrap_err()),
            "This address is reserved; choose another."
        );
        assert_eq!(
            String::from(slug("ab").unwrap_err()),
            "Use 3 to 40 characters."
        );
        let long = slugify(&"tea ".repeat(30));
        assert!(long.len() <= SHOP_SLUG.max);
        assert!(slug(&long).is_ok());
    }
}
