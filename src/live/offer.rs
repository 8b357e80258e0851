//! A live offer: a special price on the pinned product, valid until a time and/or for
//! the first N units. The checkout honours it server-side; the browser's price is ignored.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveOffer {
    /// Price in minor units of `currency`.
    pub price: i64,
    pub currency: String,
    /// Units the offer covers in total, if limited.
    pub unit_limit: Option<i64>,
    /// Units already sold at the offer price.
    pub units_taken: i64,
    /// UTC milliseconds after which the offer no longer applies, if timed.
    pub ends_at: Option<i64>,
}

/// Why an offer cannot be used any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferClosed {
    Expired,
    SoldOut,
}

impl LiveOffer {
    /// Whether `quantity` more units can be had at the offer price at `now` (UTC ms).
    pub fn check(&self, now: i64, quantity: i64) -> Result<(), OfferClosed> {
        if self.ends_at.is_some_and(|end| now >= end) {
            return Err(OfferClosed::Expired);
        }
        if let Some(limit) = self.unit_limit
            && self.units_taken + quantity > limit
        {
            return Err(OfferClosed::SoldOut);
        }
        Ok(())
    }

    /// Units left at the offer price, if limited.
    pub fn units_left(&self) -> Option<i64> {
        self.unit_limit.map(|l| (l - self.units_taken).max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(limit: Option<i64>, taken: i64, ends_at: Option<i64>) -> LiveOffer {
        LiveOffer {
            price: 2900,
            currency: "EUR".into(),
            unit_limit: limit,
            units_taken: taken,
            ends_at,
        }
    }

    #[test]
    fn a_timed_offer_expires_at_its_end() {
        let o = offer(None, 0, Some(1_000));
        assert_eq!(o.check(999, 1), Ok(()));
        assert_eq!(o.check(1_000, 1), Err(OfferClosed::Expired));
    }

    #[test]
    fn a_unit_limited_offer_stops_at_its_limit() {
        let o = offer(Some(5), 4, None);
        assert_eq!(o.check(0, 1), Ok(()));
        assert_eq!(o.check(0, 2), Err(OfferClosed::SoldOut));
        assert_eq!(o.units_left(), Some(1));
        assert_eq!(
            offer(Some(5), 5, None).check(0, 1),
            Err(OfferClosed::SoldOut)
        );
    }

    #[test]
    fn an_offer_without_limits_always_applies() {
        assert_eq!(offer(None, 1_000, None).check(i64::MAX - 1, 100), Ok(()));
        assert_eq!(offer(None, 0, None).units_left(), None);
    }
}
