//! Who holds what, in memory: the Buys this node reserved, so a sold-out hint (`hint`)
//! never turns away the shopper whose unit it is. The database decides (`buy` looks the
//! shopper's open orders up by viewer id); this only says when the hint's shortcut may
//! not be taken. What an earlier run of the process reserved is loaded at start
//! (`load`); until that has finished the shortcut is not trusted for anyone.
//!
//! On several nodes a unit reserved through another node is not in this memory: a retry
//! landing here within the hint's 250 ms may be told "sold out" once, and the next
//! retry reaches the database and gets the reservation back.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Bound on remembered holdings (cleared when full: the database still decides).
const MAX_ENTRIES: usize = 200_000;

#[derive(Default)]
pub struct Held {
    /// Set once the reservations of earlier runs are in `held`.
    loaded: AtomicBool,
    held: Mutex<HashSet<(String, String, i64)>>,
}

fn key(shop: &str, stream: &str, viewer: &str, variant_id: i64) -> (String, String, i64) {
    (format!("{shop}/{stream}"), viewer.to_string(), variant_id)
}

impl Held {
    /// A Buy of this node reserved `variant_id` for the viewer in the stream.
    pub fn remember(&self, shop: &str, stream: &str, viewer: &str, variant_id: i64) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.len() >= MAX_ENTRIES {
            held.clear();
        }
        held.insert(key(shop, stream, viewer, variant_id));
    }

    /// Whether the viewer may hold a unit of the variant in the stream, so their Buy must
    /// reach the database even when the variant is known sold out.
    pub fn may_hold(&self, shop: &str, stream: &str, viewer: &str, variant_id: i64) -> bool {
        if !self.loaded.load(Ordering::SeqCst) {
            return true;
        }
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.contains(&key(shop, stream, viewer, variant_id))
    }
}

/// Remember what is held in the database now (every open reservation, from whichever
/// run made it), then trust the memory.
pub async fn load(held: &Held, db: &crate::db::Db) {
    match super::store::bag::held_units(&db.pool, crate::db::now_ms()).await {
        Ok(rows) => {
            for (shop, stream, viewer, variant_id) in rows {
                held.remember(&shop, &stream, &viewer, variant_id);
            }
            held.loaded.store(true, Ordering::SeqCst);
        }
        Err(err) => {
            tracing::warn!(error = %err, "could not load open reservations; sold-out hints skip nobody")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_is_skipped_by_the_hint_until_earlier_reservations_are_loaded() {
        let held = Held::default();
        assert!(held.may_hold("s", "t", "viewer", 7), "not loaded yet");
        held.loaded.store(true, Ordering::SeqCst);
        assert!(!held.may_hold("s", "t", "viewer", 7));
        held.remember("s", "t", "viewer", 7);
        assert!(held.may_hold("s", "t", "viewer", 7));
        assert!(!held.may_hold("s", "t", "other", 7), "another viewer");
        assert!(!held.may_hold("s", "u", "viewer", 7), "another stream");
    }
}
