//! The database: one `sqlx::AnyPool` that every feature's `store.rs` queries with
//! portable SQL (`$1` placeholders, BIGINT ids, integer money, UTC milliseconds),
//! plus a small pool of the backend's own driver for crates that need one (the session
//! store). Migrations are embedded. A ground-floor module: it knows no feature, so a
//! feature that needs more than the pool builds it from what is here.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyPoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AnyPool, Executor, PgPool, SqlitePool};

/// Which engine the pool talks to; a few places (locking, NOTIFY) differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The shared handle to the database.
#[derive(Debug, Clone)]
pub struct Db {
    /// What every feature query runs on: one portable code path for both backends.
    pub pool: AnyPool,
    pub backend: Backend,
    /// The same database through its own driver, for code that needs a typed pool
    /// (tower-sessions' sqlx store is written per backend). Kept small: little runs here.
    pub native: NativePool,
}

/// A pool of the backend's own driver (see [`Db::native`]).
#[derive(Debug, Clone)]
pub enum NativePool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Connections of the native pool: it serves the session store only.
const NATIVE_CONNECTIONS: u32 = 4;

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
                let native = SqlitePoolOptions::new()
                    .max_connections(NATIVE_CONNECTIONS)
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
                    native: NativePool::Sqlite(native),
                })
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url)
                    .with_context(|| format!("invalid PostgreSQL URL {:?}", redact(url)))?;
                let native = PgPoolOptions::new()
                    .max_connections(NATIVE_CONNECTIONS)
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
                    native: NativePool::Postgres(native),
                })
            }
        }
    }

    /// Apply the embedded migrations of this backend. (The session store creates its own
    /// table: `auth::SessionStore::migrate`.)
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("database migration failed")?;
        Ok(())
    }

    /// Whether the database answers a trivial query (for /healthz). The one query outside
    /// a feature's store: it asks nothing of any table, only whether the pool works.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
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

/// A BOOLEAN column read through the `Any` driver. PostgreSQL decodes BOOLEAN natively
/// but the Any driver refuses SQLite's BOOLEAN type, so queries select flags with
/// [`flag`]`("column")` (a BIGINT 0 or 1 on both backends) and row fields convert from
/// this with `#[sqlx(try_from = "Flag")]` into a plain `bool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(transparent)]
pub struct Flag(i64);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0 != 0
    }
}

/// `CAST(CASE WHEN column THEN 1 ELSE 0 END AS BIGINT) AS column`, for [`Flag`] fields.
pub fn flag(column: &str) -> String {
    let name = column.rsplit('.').next().unwrap_or(column);
    format!("CAST(CASE WHEN {column} THEN 1 ELSE 0 END AS BIGINT) AS {name}")
}

/// The outcome of a write that may meet a unique key: turns "that name is taken" into a
/// value the caller matches on, so no call site inspects database errors by hand.
pub trait OnConstraint<T> {
    /// `Ok(None)` when the write hit the unique key on `table.column`; other errors pass.
    fn on_unique(self, table: &str, column: &str) -> sqlx::Result<Option<T>>;
}

impl<T> OnConstraint<T> for sqlx::Result<T> {
    fn on_unique(self, table: &str, column: &str) -> sqlx::Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(err) if is_unique_violation(&err, table, column) => Ok(None),
            Err(err) => Err(err),
        }
    }
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

/// Create the PostgreSQL database `name` through `admin_url` (the multi-node load tool
/// gives each layout a database of its own).
pub async fn create_postgres_database(admin_url: &str, name: &str) -> sqlx::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await?;
    conn.close().await
}

/// Drop it again, whoever is still connected.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> sqlx::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_selects_a_bigint_named_after_the_column() {
        assert_eq!(
            flag("p.unlimited"),
            "CAST(CASE WHEN p.unlimited THEN 1 ELSE 0 END AS BIGINT) AS unlimited"
        );
        assert!(bool::from(Flag(1)));
        assert!(!bool::from(Flag(0)));
    }

    #[test]
    fn placeholders_number_rows_and_columns() {
        assert_eq!(placeholders(2, 2), "($1, $2), ($3, $4)");
    }
}
