//! What a coupon takes off a basket, and why it may not: pure, so the rules are tested
//! without a database. Amounts are minor units of the coupon's currency; a percentage is
//! rounded half up to the minor unit (10 % of €4.95 is €0.50), as a till would.

use crate::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 1–100 % off the basket.
    Percent,
    /// A fixed amount off.
    Amount,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Percent => "percent",
            Kind::Amount => "amount",
        }
    }

    pub fn decode(s: &str) -> Option<Kind> {
        match s {
            "percent" => Some(Kind::Percent),
            "amount" => Some(Kind::Amount),
            _ => None,
        }
    }
}

/// A coupon's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub code: String,
    pub kind: Kind,
    pub value: i64,
    pub currency: String,
    pub min_basket: i64,
}

/// Why a basket does not get the discount: each is a sentence for the shopper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFor {
    /// Under the minimum basket.
    Small(String),
    /// The amount off is more than the basket costs.
    OverBasket(String),
    /// The basket is in another currency than an amount coupon.
    Currency(String),
}

impl NotFor {
    pub fn message(&self) -> &str {
        match self {
            NotFor::Small(m) | NotFor::OverBasket(m) | NotFor::Currency(m) => m,
        }
    }
}

impl Terms {
    /// "10 % off" or "€5.00 off".
    pub fn label(&self) -> String {
        match self.kind {
            Kind::Percent => format!("{} % off", self.value),
            Kind::Amount => format!("{} off", Money::new(self.value, &*self.currency)),
        }
    }

    /// "on orders of €50.00 or more", or nothing.
    pub fn condition(&self) -> String {
        if self.min_basket > 0 {
            format!(
                "on orders of {} or more",
                Money::new(self.min_basket, &*self.currency)
            )
        } else {
            String::new()
        }
    }

    /// The discount on `basket`, or why there is none.
    pub fn discount(&self, basket: &Money) -> Result<i64, NotFor> {
        if !basket.currency.eq_ignore_ascii_case(&self.currency) {
            return Err(NotFor::Currency(format!(
                "{} is for orders in {}.",
                self.code, self.currency
            )));
        }
        if basket.minor < self.min_basket {
            return Err(NotFor::Small(format!(
                "{} needs an order of at least {}; yours is {}.",
                self.code,
                Money::new(self.min_basket, &*self.currency),
                basket
            )));
        }
        match self.kind {
            Kind::Percent => Ok((basket.minor.saturating_mul(self.value) + 50) / 100),
            Kind::Amount if self.value > basket.minor => Err(NotFor::OverBasket(format!(
                "{} takes {} off, more than your order of {}.",
                self.code,
                Money::new(self.value, &*self.currency),
                basket
            ))),
            Kind::Amount => Ok(self.value),
        }
    }
}

/// A code as the host typed it, upper-cased: 3 to 20 of A–Z, 0–9 and '-'.
pub fn code(input: &str) -> Result<String, &'static str> {
    let code = input.trim().to_ascii_uppercase();
    let ok = (3..=20).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(code)
    } else {
        Err("A code is 3 to 20 letters, digits or dashes, like LIVE10.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(kind: Kind, value: i64, min: i64) -> Terms {
        Terms {
            code: "LIVE10".into(),
            kind,
            value,
            currency: "EUR".into(),
            min_basket: min,
        }
    }

    #[test]
    fn a_percentage_rounds_half_up_to_the_cent() {
        let t = terms(Kind::Percent, 10, 0);
        assert_eq!(t.discount(&Money::new(4950, "EUR")), Ok(495));
        assert_eq!(t.discount(&Money::new(495, "EUR")), Ok(50));
        assert_eq!(t.discount(&Money::new(494, "EUR")), Ok(49));
        assert_eq!(
            terms(Kind::Percent, 100, 0).discount(&Money::new(999, "EUR")),
            Ok(999)
        );
        assert_eq!(t.label(), "10 % off");
    }

    #[test]
    fn a_minimum_basket_and_an_amount_over_the_basket_are_refused_with_the_figures() {
        let t = terms(Kind::Amount, 500, 2000);
        assert_eq!(t.discount(&Money::new(2000, "EUR")), Ok(500));
        let small = t.discount(&Money::new(1999, "EUR")).unwrap_err();
        assert!(matches!(small, NotFor::Small(_)));
        assert!(small.message().contains("€20.00"), "{}", small.message());
        let over = terms(Kind::Amount, 2500, 0)
            .discount(&Money::new(1000, "EUR"))
            .unwrap_err();
        assert!(matches!(over, NotFor::OverBasket(_)));
        assert!(matches!(
            t.discount(&Money::new(5000, "USD")),
            Err(NotFor::Currency(_))
        ));
        assert_eq!(t.condition(), "on orders of €20.00 or more");
    }

    #[test]
    fn codes_are_upper_cased_and_kept_to_letters_digits_and_dashes() {
        assert_eq!(code(" live-10 ").unwrap(), "LIVE-10");
        for bad in ["", "AB", "LIVE 10", "ÉTÉ10", &"X".repeat(21), "10%"] {
            assert!(code(bad).is_err(), "{bad}");
        }
    }
}
