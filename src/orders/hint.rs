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

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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
}

/// Taken before the read whose answer may be remembered.
#[derive(Clone, Copy)]
pub struct Observation {
    at: Instant,
    epoch: u64,
}

#[derive(Default)]
pub struct SoldOutHints {
    seen: Mutex<HashMap<(String, i64), Seen>>,
    /// Bumped by every local stock raise; an observation from an older epoch is dropped.
    epoch: AtomicU64,
}

fn key(shop: &str, stream: &str, variant_id: i64) -> (String, i64) {
    (format!("{shop}/{stream}"), variant_id)
}

impl SoldOutHints {
    /// True when `quantity` units of the variant are known not to be there.
    pub fn sold_out(&self, shop: &str, stream: &str, variant_id: i64, quantity: i64) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(&key(shop, stream, variant_id))
            .is_some_and(|s| s.at.elapsed() < TTL && s.available < quantity)
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
        let entry = seen.entry(key(shop, stream, variant_id)).or_insert(Seen {
            at: seen_at.at,
            available,
        });
        if entry.at <= seen_at.at {
            *entry = Seen {
                at: seen_at.at,
                available,
            };
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
