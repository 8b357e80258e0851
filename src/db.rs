//! The database: one `sqlx::AnyPool` that every feature's `store.rs` queries with
//! portable SQL (`$1` placeholders, BIGINT ids, integer money, UTC milliseconds),
//! plus a backend-specific pool for the session store. Migrations are embedded.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AnyPool, Executor};

use crate::auth::session_store::SessionStore;

/// Which engine the pool talks to; a few places (locking, NOTIFY) differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The shared handle to the database.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Sessions live in the same database, through the tower-sessions sqlx store.
    pub sessions: SessionStore,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// Connect to `url` (sqlite:// or postgres://). SQLite files are created when missing.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            anyhow::bail!(
                "DATABASE_URL must start with sqlite:// or postgres:// (got {:?})",
                redact(url)
            );
        };
        match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("invalid SQLite URL {url:?}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT);
                // Opening one connection first creates the file and switches it to WAL,
                // which is a property of the file and so holds for the Any pool too.
                let session_pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .with_context(|| format!("could not open the SQLite database at {url}"))?;
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA synchronous = NORMAL;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await
                    .with_context(|| format!("could not open the SQLite database at {url}"))?;
                Ok(Db {
                    pool,
                    backend,
                    sessions: SessionStore::sqlite(session_pool),
                })
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url)
                    .with_context(|| format!("invalid PostgreSQL URL {:?}", redact(url)))?;
                let session_pool = PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .with_context(|| {
                        format!("could not connect to PostgreSQL at {}", redact(url))
                    })?;
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await
                    .with_context(|| {
                        format!("could not connect to PostgreSQL at {}", redact(url))
                    })?;
                Ok(Db {
                    pool,
                    backend,
                    sessions: SessionStore::postgres(session_pool),
                })
            }
        }
    }

    /// Apply the embedded migrations of this backend, then the session store's schema.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("database migration failed")?;
        self.sessions
            .migrate()
            .await
            .context("session table migration failed")?;
        Ok(())
    }

    /// Whether the database answers a trivial query (for /healthz).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// `rows` groups of `cols` numbered placeholders for a multi-row INSERT:
/// `($1, $2), ($3, $4)`.
pub fn placeholders(rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * cols + c + 1));
        }
        sql.push(')');
    }
    sql
}

/// Milliseconds since the Unix epoch, the one way times are stored.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Whether `err` is a unique-key violation on `table.column`, on either backend:
/// PostgreSQL names the constraint (`shops_slug_key`), SQLite names the column in
/// its message (`UNIQUE constraint failed: shops.slug`).
pub fn is_unique_violation(err: &sqlx::Error, table: &str, column: &str) -> bool {
    let sqlx::Error::Database(db_err) = err else {
        return false;
    };
    if db_err.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return false;
    }
    let constraint = format!("{table}_{column}");
    db_err
        .constraint()
        .is_some_and(|c| c.starts_with(&constraint))
        || db_err.message().contains(&format!("{table}.{column}"))
}
