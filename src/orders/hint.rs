//! The sold-out hint: once the database has shown that a variant sold in a stream has
//! fewer units than a Buy asks for, the next Buys for it within `TTL` are answered "sold
//! out" from memory: no stream, product or stock read (the session, for the CSRF check,
//! is usually a copy in memory too: `auth::session_cache`). In a flash sale that is almost
//! every request once the units are gone.
//!
//! The hint is conservative: it may miss ("maybe available", then the database decides),
//! but it never refuses units that are there, within these bounds:
//! - It only repeats what a database read or a refused conditional UPDATE showed, and
//!   only for `TTL` after that read *started*.
//! - Stock given back by this node's order paths (reservation expiry, cancel, refund with
//!   restock from the dashboard) clears the variant's hint after the commit, and
//!   `raised` bumps an epoch so that a read that started before that commit cannot
//!   store its stale answer afterwards (checked under the same lock).
//! - Stock raised elsewhere (a catalogue edit, a Stripe webhook releasing or restocking,
//!   another node sharing PostgreSQL) is seen once the hint's `TTL` has run out. We chose
//!   a short TTL over a NOTIFY fan-out: it covers every writer, including ones that do
//!   not know about the hint, and costs one read per variant per TTL during a sale.
//!
//! The key is the public address (shop and stream slugs) with the variant, and a hint is
//! stored only after a Buy to that address passed every check (stream live, product in
//! the stream, variant of that shop), so it tells nothing about other shops' variants.
//!
//! **Offers.** A live offer's units are a stock of their own, under the same rules: once
//! the database refused a Buy at a pin's offer (its units gone or its time over), the next
//! Buys at that offer within `TTL` are told "the offer ended" with the regular price the
//! database read, from memory. Offer units given back (an expired reservation) come back
//! through the same local paths as stock and clear the hints alike. In a flash sale whose
//! offer sells out mid-burst, that is every tap still aimed at the offer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::money::Money;

/// How long a "sold out" read is repeated without asking the database again: the
/// longest a shopper can be told "sold out" after stock came back on another node.
pub const TTL: Duration = Duration::from_millis(250);
/// Bound on remembered variants (a hint is a small, short-lived entry).
const MAX_ENTRIES: usize = 10_000;

struct Seen {
    at: Instant,
    /// Units the database showed as available (at most; a refused UPDATE only tells us
    /// that fewer than the asked quantity were there).
    available: i64,
    /// For an offer's units: the variant's regular price the refusal offered instead.
    regular: Option<Money>,
}

/// A variant's stock (`pin: None`) or the units of a pin's live offer on it, at one
/// stream's public address.
type Key = (String, i64, Option<i64>);

/// A Buy of `quantity` units of a variant at a pin's live offer that the database
/// refused (the offer could not cover them), with the regular price offered instead.
pub struct OfferRefused<'a> {
    pub shop: &'a str,
    pub stream: &'a str,
    pub pin: i64,
    pub variant_id: i64,
    pub quantity: i64,
    pub regular: Money,
}

/// Taken before the read whose answer may be remembered.
#[derive(Clone, Copy)]
pub struct Observation {
    at: Instant,
    epoch: u64,
}

#[derive(Default)]
pub struct SoldOutHints {
    seen: Mutex<HashMap<Key, Seen>>,
    /// Bumped by every local stock raise; an observation from an older epoch is dropped.
    epoch: AtomicU64,
}

fn key(shop: &str, stream: &str, variant_id: i64, pin: Option<i64>) -> Key {
    (format!("{shop}/{stream}"), variant_id, pin)
}

impl SoldOutHints {
    /// True when `quantity` units of the variant are known not to be there.
    pub fn sold_out(&self, shop: &str, stream: &str, variant_id: i64, quantity: i64) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(&key(shop, stream, variant_id, None))
            .is_some_and(|s| s.at.elapsed() < TTL && s.available < quantity)
    }

    /// The regular price to offer when the pin's live offer is known not to cover
    /// `quantity` units of the variant any more.
    pub fn offer_ended(
        &self,
        shop: &str,
        stream: &str,
        pin: i64,
        variant_id: i64,
        quantity: i64,
    ) -> Option<Money> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(&key(shop, stream, variant_id, Some(pin)))
            .filter(|s| s.at.elapsed() < TTL && s.available < quantity)
            .and_then(|s| s.regular.clone())
    }

    /// Call before the read (or UPDATE) whose refusal may be remembered.
    pub fn observe(&self) -> Observation {
        Observation {
            at: Instant::now(),
            epoch: self.epoch.load(Ordering::SeqCst),
        }
    }

    /// The database showed at most `available` units (fewer than a Buy asked for).
    pub fn remember(
        &self,
        seen_at: Observation,
        shop: &str,
        stream: &str,
        variant_id: i64,
        available: i64,
    ) {
        let seen = Seen {
            at: seen_at.at,
            available,
            regular: None,
        };
        self.store(seen_at, key(shop, stream, variant_id, None), seen);
    }

    /// The database refused a Buy at a pin's live offer.
    pub fn remember_offer(&self, seen_at: Observation, refused: OfferRefused<'_>) {
        let seen = Seen {
            at: seen_at.at,
            available: (refused.quantity - 1).max(0),
            regular: Some(refused.regular),
        };
        let key = key(
            refused.shop,
            refused.stream,
            refused.variant_id,
            Some(refused.pin),
        );
        self.store(seen_at, key, seen);
    }

    fn store(&self, seen_at: Observation, key: Key, fresh: Seen) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        // Under the lock `raised` takes: a raise committed after our read began has
        // either bumped the epoch already (we store nothing) or will clear this entry.
        if self.epoch.load(Ordering::SeqCst) != seen_at.epoch {
            return;
        }
        if seen.len() >= MAX_ENTRIES {
            seen.retain(|_, s| s.at.elapsed() < TTL);
            if seen.len() >= MAX_ENTRIES {
                return;
            }
        }
        match seen.get_mut(&key) {
            Some(entry) if entry.at > seen_at.at => {}
            Some(entry) => *entry = fresh,
            None => {
                seen.insert(key, fresh);
            }
        }
    }

    /// Stock came back (committed): forget everything. Raises are rare next to Buys
    /// (an expiry, a cancel, a refund), so clearing all costs one read per variant.
    pub fn raised(&self) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::SeqCst);
        seen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raise_after_the_read_began_is_never_hidden_by_its_stale_answer() {
        let hints = SoldOutHints::default();
        let before = hints.observe();
        hints.raised();
        hints.remember(before, "s", "t", 7, 0);
        assert!(!hints.sold_out("s", "t", 7, 1));
        let after = hints.observe();
        hints.remember(after, "s", "t", 7, 0);
        assert!(hints.sold_out("s", "t", 7, 1));
        assert!(!hints.sold_out("s", "u", 7, 1), "another stream's address");
        hints.raised();
        assert!(!hints.sold_out("s", "t", 7, 1));
    }

    #[test]
    fn an_offer_hint_is_the_offers_alone_and_carries_the_regular_price() {
        let hints = SoldOutHints::default();
        let eur = Money::new(4900, "EUR");
        let refused = OfferRefused {
            shop: "s",
            stream: "t",
            pin: 3,
            variant_id: 7,
            quantity: 1,
            regular: eur.clone(),
        };
        hints.remember_offer(hints.observe(), refused);
        assert_eq!(hints.offer_ended("s", "t", 3, 7, 1), Some(eur));
        assert!(
            !hints.sold_out("s", "t", 7, 1),
            "the stock is not the offer's"
        );
        assert_eq!(hints.offer_ended("s", "t", 4, 7, 1), None, "another pin");
        assert_eq!(hints.offer_ended("s", "u", 3, 7, 1), None, "another stream");
        hints.raised();
        assert_eq!(
            hints.offer_ended("s", "t", 3, 7, 1),
            None,
            "units came back"
        );
    }

    #[test]
    fn a_hint_refuses_only_more_than_was_seen_and_only_for_its_ttl() {
        let hints = SoldOutHints::default();
        let old = Observation {
            at: Instant::now() - TTL,
            epoch: 0,
        };
        hints.remember(old, "s", "t", 1, 0);
        assert!(!hints.sold_out("s", "t", 1, 1), "expired");
        hints.remember(hints.observe(), "s", "t", 2, 2);
        assert!(!hints.sold_out("s", "t", 2, 2));
        assert!(hints.sold_out("s", "t", 2, 3));
    }
}
