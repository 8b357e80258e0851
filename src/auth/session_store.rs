//! Sessions are kept in the database (they survive a restart) through the
//! tower-sessions sqlx stores, with a short-lived copy in memory in front
//! (`session_cache`). On PostgreSQL every save and delete is announced on
//! `CHANNEL`, so the other nodes drop their copy (heard through `crate::notify`).

use std::sync::Arc;

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::session_cache::{self, SessionCache};
use super::store;
use crate::db::{Db, NativePool};

/// The PostgreSQL channel on which nodes announce a session they changed.
pub const CHANNEL: &str = "showfloor_sessions";

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore, sqlx::PgPool),
}

#[derive(Debug, Clone)]
pub struct SessionStore {
    backend: Backend,
    cache: Arc<SessionCache>,
    /// Random id of this process, to ignore our own announcements.
    node: Arc<str>,
}

impl SessionStore {
    /// The store on `db`'s native pool, with an empty copy in front. (The ground floor
    /// hands out the pool; auth decides what runs on it.)
    pub fn new(db: &Db) -> Self {
        let backend = match &db.native {
            NativePool::Sqlite(pool) => Backend::Sqlite(SqliteStore::new(pool.clone())),
            NativePool::Postgres(pool) => {
                Backend::Postgres(PostgresStore::new(pool.clone()), pool.clone())
            }
        };
        SessionStore {
            backend,
            cache: Arc::default(),
            node: crate::token::random_token()[..12].into(),
        }
    }

    /// Create the session table when missing (tower-sessions owns its schema).
    pub async fn migrate(&self) -> sqlx::Result<()> {
        match &self.backend {
            Backend::Sqlite(s) => s.migrate().await,
            Backend::Postgres(s, _) => s.migrate().await,
        }
    }

    /// An announcement from `CHANNEL`: another node changed or deleted a session.
    pub fn received(&self, payload: &str) {
        let Some((node, key)) = payload.split_once(':') else {
            return;
        };
        let mut digest = [0u8; 16];
        if node != &*self.node && hex::decode_to_slice(key, &mut digest).is_ok() {
            self.cache.forget(&digest);
        }
    }

    /// Announcements may have been missed (the LISTEN connection dropped).
    pub fn forget_all(&self) {
        self.cache.forget_all();
    }

    /// Hear the other nodes' announcements through the process's one LISTEN connection;
    /// when it drops, announcements may have been missed, so every copy is dropped.
    pub fn subscribe(&self, notify: &crate::notify::Notify) {
        let store = self.clone();
        notify.subscribe(CHANNEL, move |heard| match heard {
            crate::notify::Heard::Message(payload) => store.received(payload),
            crate::notify::Heard::Lost => store.forget_all(),
        });
    }

    /// Tell the other nodes to drop their copy of session `id`. A failure is logged:
    /// their copy then lives at most `session_cache::TTL`.
    async fn announce(&self, id: &Id) {
        let Backend::Postgres(_, pool) = &self.backend else {
            return;
        };
        let payload = format!("{}:{}", self.node, hex::encode(session_cache::key(id)));
        if let Err(err) = store::announce(pool, CHANNEL, &payload).await {
            tracing::warn!(error = %err, "session NOTIFY failed; other nodes may use their copy until it expires");
        }
    }
}

#[async_trait]
impl session_store::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.backend {
            Backend::Sqlite(s) => s.create(record).await?,
            Backend::Postgres(s, _) => s.create(record).await?,
        }
        // A new id: no other node can hold a copy of it.
        self.cache.put_written(record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match &self.backend {
            Backend::Sqlite(s) => s.save(record).await?,
            Backend::Postgres(s, _) => s.save(record).await?,
        }
        self.cache.put_written(record);
        self.announce(&record.id).await;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.cache.get(id) {
            return Ok(Some(record));
        }
        let epoch = self.cache.epoch();
        let record = match &self.backend {
            Backend::Sqlite(s) => s.load(id).await?,
            Backend::Postgres(s, _) => s.load(id).await?,
        };
        if let Some(record) = &record {
            self.cache.put_read(record, epoch);
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        // Forgotten before and after: no request of this node reads it back meanwhile.
        self.cache.forget(&session_cache::key(id));
        match &self.backend {
            Backend::Sqlite(s) => s.delete(id).await?,
            Backend::Postgres(s, _) => s.delete(id).await?,
        }
        self.cache.forget(&session_cache::key(id));
        self.announce(id).await;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.backend {
            Backend::Sqlite(s) => s.delete_expired().await,
            Backend::Postgres(s, _) => s.delete_expired().await,
        }
    }
}
