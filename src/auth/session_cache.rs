//! A short-lived copy of recently used sessions in front of the database store, so a
//! request that only reads its session (the CSRF check of a Buy, the viewer id) costs no
//! query. Why it is safe with several nodes sharing PostgreSQL is in ARCHITECTURE.md
//! ("Sessions"); in short:
//! - Writes go through: this node's saves and deletes update the copy after the database.
//! - Another node's save or delete evicts the copy here through a NOTIFY (`forget`), and
//!   a lost LISTEN connection clears every copy (`forget_all`). A copy is also never
//!   older than `TTL`, which bounds what a lost NOTIFY can hide.
//! - A copy read from the database is kept only if no write or eviction happened while
//!   it was read (`epoch`), so a slow read never puts back an older version.
//! - Sign-in state is still checked against the database on every signed-in request
//!   (`CurrentUser` reads the member row and the password's session version), so a
//!   copy never outlives a password change or a removal from the shop.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};

/// The longest a copy is used without asking the database again.
pub const TTL: Duration = Duration::from_secs(30);
/// Bound on copies kept (a record is a few hundred bytes).
const MAX_ENTRIES: usize = 50_000;

/// What nodes tell each other about a session: a digest of its id (the id itself is a
/// credential and stays out of NOTIFY payloads and logs).
pub type Key = [u8; 16];

pub fn key(id: &Id) -> Key {
    let digest = Sha256::digest(id.to_string().as_bytes());
    let mut key = [0; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

struct Held {
    record: Record,
    at: Instant,
}

#[derive(Default)]
pub struct SessionCache {
    copies: Mutex<HashMap<Key, Held>>,
    /// Bumped by every write and eviction; a read that began before is not kept.
    epoch: AtomicU64,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionCache")
    }
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Held>> {
        self.copies.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The copy of session `id`, if one is fresh and the session has not expired.
    pub fn get(&self, id: &Id) -> Option<Record> {
        let copies = self.lock();
        let copy = copies.get(&key(id))?;
        (copy.record.id == *id
            && copy.at.elapsed() < TTL
            && copy.record.expiry_date > OffsetDateTime::now_utc())
        .then(|| copy.record.clone())
    }

    /// Taken before a database read whose answer may be kept (`put_read`).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Keep a record read from the database, unless something changed meanwhile.
    pub fn put_read(&self, record: &Record, epoch: u64) {
        let mut copies = self.lock();
        // Under the lock every write and eviction takes, so none can slip in between.
        if self.epoch.load(Ordering::SeqCst) == epoch {
            insert(&mut copies, record);
        }
    }

    /// This node wrote `record` to the database.
    pub fn put_written(&self, record: &Record) {
        let mut copies = self.lock();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        insert(&mut copies, record);
    }

    /// The session with this key changed elsewhere (or was deleted here).
    pub fn forget(&self, key: &Key) {
        let mut copies = self.lock();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        copies.remove(key);
    }

    /// Changes may have been missed (the LISTEN connection dropped): drop every copy.
    pub fn forget_all(&self) {
        let mut copies = self.lock();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        copies.clear();
    }
}

fn insert(copies: &mut HashMap<Key, Held>, record: &Record) {
    if copies.len() >= MAX_ENTRIES {
        copies.retain(|_, c| c.at.elapsed() < TTL);
        if copies.len() >= MAX_ENTRIES {
            copies.clear();
        }
    }
    copies.insert(
        key(&record.id),
        Held {
            record: record.clone(),
            at: Instant::now(),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &str) -> Record {
        let mut data = HashMap::new();
        data.insert("csrf".to_string(), serde_json::json!(value));
        Record {
            id: Id(7),
            data,
            expiry_date: OffsetDateTime::now_utc()
                + tower_sessions::cookie::time::Duration::hours(1),
        }
    }

    #[test]
    fn a_read_that_began_before_a_write_never_replaces_it() {
        let cache = SessionCache::default();
        let before = cache.epoch();
        cache.put_written(&record("new"));
        cache.put_read(&record("old"), before);
        assert_eq!(cache.get(&Id(7)).unwrap().data["csrf"], "new");
        cache.forget(&key(&Id(7)));
        assert!(cache.get(&Id(7)).is_none());
        let now = cache.epoch();
        cache.put_read(&record("read"), now);
        assert_eq!(cache.get(&Id(7)).unwrap().data["csrf"], "read");
        cache.forget_all();
        assert!(cache.get(&Id(7)).is_none());
    }

    #[test]
    fn an_expired_session_is_never_served_from_memory() {
        let cache = SessionCache::default();
        let mut expired = record("x");
        expired.expiry_date =
            OffsetDateTime::now_utc() - tower_sessions::cookie::time::Duration::seconds(1);
        cache.put_written(&expired);
        assert!(cache.get(&Id(7)).is_none());
    }
}
