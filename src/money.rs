//! Money as the merchant types it and as shoppers read it: integer minor units of an
//! ISO 4217 currency, whose exponent says where the decimal point goes (JPY 0, EUR 2,
//! KWD 3). A ground-floor module: catalogue, orders, payments and reports all pass
//! [`Money`] rather than an `(amount, currency)` pair, so a sum of two currencies is a
//! refusal here instead of a hand-written check at each call site.

use std::fmt;

use iso_currency::Currency;

/// An amount in integer minor units of one ISO 4217 currency (`4990 EUR` is €49.90).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Money {
    pub minor: i64,
    /// Upper-case ISO 4217 code, as stored in the `currency` columns.
    pub currency: String,
}

/// Two amounts of different currencies met where one currency was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{left} and {right} cannot be added: the amounts are in different currencies")]
pub struct CurrencyMismatch {
    pub left: String,
    pub right: String,
}

impl Money {
    pub fn new(minor: i64, currency: impl Into<String>) -> Money {
        Money {
            minor,
            currency: currency.into(),
        }
    }

    /// Nothing, in `currency`: the start of a sum.
    pub fn zero(currency: impl Into<String>) -> Money {
        Money::new(0, currency)
    }

    /// Parse what a merchant typed ("49,90") as an amount of `currency`.
    pub fn parse(input: &str, currency: &str) -> Result<Money, String> {
        parse(input, currency).map(|minor| Money::new(minor, currency))
    }

    /// The sum, or a refusal when the currencies differ.
    pub fn checked_add(&self, other: &Money) -> Result<Money, CurrencyMismatch> {
        self.same_currency(other)?;
        Ok(Money::new(
            self.minor.saturating_add(other.minor),
            &*self.currency,
        ))
    }

    /// The difference, or a refusal when the currencies differ.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, CurrencyMismatch> {
        self.same_currency(other)?;
        Ok(Money::new(
            self.minor.saturating_sub(other.minor),
            &*self.currency,
        ))
    }

    /// `quantity` of this unit price.
    pub fn times(&self, quantity: i64) -> Money {
        Money::new(self.minor.saturating_mul(quantity), &*self.currency)
    }

    pub fn same_currency(&self, other: &Money) -> Result<(), CurrencyMismatch> {
        if self.currency.eq_ignore_ascii_case(&other.currency) {
            Ok(())
        } else {
            Err(CurrencyMismatch {
                left: self.currency.clone(),
                right: other.currency.clone(),
            })
        }
    }

    /// The plain decimal for form fields and CSV ("49.90").
    pub fn decimal(&self) -> String {
        decimal(self.minor, &self.currency)
    }
}

/// As shoppers read it: "€49.90".
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format(self.minor, &self.currency))
    }
}

/// The largest amount Stripe accepts in one charge (eight digits of minor units);
/// anything above is a typo, not a price.
pub const MAX_MINOR: i64 = 99_999_999;

/// Digits after the decimal point for `currency` (2 when unknown).
pub fn exponent(currency: &str) -> u32 {
    Currency::from_code(currency)
        .and_then(|c| c.exponent())
        .map(u32::from)
        .unwrap_or(2)
}

/// Parse "49", "49.5", "49,50" or "1 234.50" into minor units of `currency`.
pub fn parse(input: &str, currency: &str) -> Result<i64, String> {
    let exp = exponent(currency);
    let cleaned: String = input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\'')
        .collect();
    if cleaned.is_empty() {
        return Err("Enter a price.".into());
    }
    if cleaned.starts_with('-') {
        return Err("A price cannot be negative.".into());
    }
    let (whole, fraction) = match cleaned.rfind(['.', ',']) {
        // "1,234" with three digits after a comma is a thousands separator.
        Some(i) if !(cleaned.len() - i - 1 == 3 && exp != 3 && &cleaned[i..=i] == ",") => {
            (&cleaned[..i], &cleaned[i + 1..])
        }
        _ => (cleaned.as_str(), ""),
    };
    // The decimal separator appears once; the other one may group thousands.
    let separator = cleaned[whole.len()..].chars().next();
    if separator.is_some_and(|sep| whole.contains(sep)) {
        return Err("Enter a number, like 49 or 49.90.".into());
    }
    let whole: String = whole.chars().filter(|c| *c != ',' && *c != '.').collect();
    let numeric = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !numeric(&whole) || !numeric(fraction) || (whole.is_empty() && fraction.is_empty()) {
        return Err("Enter a number, like 49 or 49.90.".into());
    }
    if fraction.len() > exp as usize {
        return Err(match exp {
            0 => format!("{currency} has no decimal places; enter a whole number."),
            n => format!("{currency} has {n} decimal places at most."),
        });
    }
    let too_big = || format!("Keep prices at or below {}.", format(MAX_MINOR, currency));
    if whole.len() > 12 {
        return Err(too_big());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_big())?
    };
    let mut frac: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| too_big())?
    };
    for _ in fraction.len()..exp as usize {
        frac *= 10;
    }
    let minor = whole
        .checked_mul(10_i64.pow(exp))
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(too_big)?;
    if minor > MAX_MINOR {
        return Err(too_big());
    }
    Ok(minor)
}

/// The amount as a plain decimal for form fields and CSV: 4990 EUR → "49.90".
pub fn decimal(minor: i64, currency: &str) -> String {
    let exp = exponent(currency);
    if exp == 0 {
        return minor.to_string();
    }
    let unit = 10_i64.pow(exp);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / unit as u64,
        abs % unit as u64,
        width = exp as usize
    )
}

/// The amount as shoppers read it: "€1,234.50", "¥1,200", "KWD 1.500".
pub fn format(minor: i64, currency: &str) -> String {
    let plain = decimal(minor, currency);
    let (whole, fraction) = plain.split_once('.').unwrap_or((plain.as_str(), ""));
    let (sign, digits) = whole
        .strip_prefix('-')
        .map_or(("", whole), |rest| ("-", rest));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let number = if fraction.is_empty() {
        grouped
    } else {
        format!("{grouped}.{fraction}")
    };
    match symbol(currency) {
        Some(symbol) => format!("{sign}{symbol}{number}"),
        None => format!("{sign}{currency} {number}"),
    }
}

/// A one-character-ish symbol for the common currencies; others print their code.
fn symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" => "¥",
        "CHF" => "CHF ",
        "CAD" => "CA$",
        "AUD" => "A$",
        "INR" => "₹",
        "SEK" => "SEK ",
        "PLN" => "PLN ",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_in_the_currency_s_minor_units() {
        assert_eq!(parse("49", "EUR"), Ok(4900));
        assert_eq!(parse("49.9", "EUR"), Ok(4990));
        assert_eq!(parse("49,90", "EUR"), Ok(4990));
        assert_eq!(parse("1,234.50", "EUR"), Ok(123_450));
        assert_eq!(parse("1 234,50", "EUR"), Ok(123_450));
        assert_eq!(parse("1,234", "EUR"), Ok(123_400));
        assert_eq!(parse("1200", "JPY"), Ok(1200));
        assert_eq!(parse("1.5", "KWD"), Ok(1500));
        assert_eq!(parse("0", "EUR"), Ok(0));
        assert_eq!(parse(".5", "EUR"), Ok(50));
    }

    #[test]
    fn bad_prices_say_what_is_wrong() {
        assert!(parse("-5", "EUR").unwrap_err().contains("negative"));
        assert!(parse("abc", "EUR").unwrap_err().contains("number"));
        assert!(parse("", "EUR").is_err());
        assert!(parse("1.234", "EUR").unwrap_err().contains("2 decimal"));
        assert!(parse("12.5", "JPY").unwrap_err().contains("whole number"));
        assert!(parse("1000000", "EUR").unwrap_err().contains("at or below"));
        assert!(parse("99999999999999999999", "EUR").is_err());
        assert!(parse("1.2.3", "EUR").is_err());
    }

    #[test]
    fn amounts_format_with_symbol_grouping_and_exponent() {
        assert_eq!(format(4900, "EUR"), "€49.00");
        assert_eq!(format(123_450, "EUR"), "€1,234.50");
        assert_eq!(format(1200, "JPY"), "¥1,200");
        assert_eq!(format(1500, "KWD"), "KWD 1.500");
        assert_eq!(format(5, "USD"), "$0.05");
        assert_eq!(decimal(4990, "EUR"), "49.90");
        assert_eq!(decimal(1200, "JPY"), "1200");
    }

    #[test]
    fn money_adds_within_one_currency_and_refuses_two() {
        let a = Money::new(4900, "EUR");
        assert_eq!(
            a.checked_add(&Money::new(100, "EUR")),
            Ok(Money::new(5000, "EUR"))
        );
        assert_eq!(a.times(3), Money::new(14_700, "EUR"));
        let err = a.checked_add(&Money::new(100, "USD")).unwrap_err();
        assert!(err.to_string().contains("different currencies"));
        assert_eq!(a.to_string(), "€49.00");
        assert_eq!(Money::parse("49,90", "EUR"), Ok(Money::new(4990, "EUR")));
    }
}
