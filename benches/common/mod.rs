//! What the benchmarks share: the database they run on. SQLite in the run's temporary
//! directory by default; with `BENCH_POSTGRES_URL` (an admin URL), a fresh PostgreSQL
//! database named after the benchmark and the process.

use sqlx::Connection;

/// The tests' one set of fixtures (shop, product, stream, pin, order rows).
#[path = "../../tests/common/fixtures.rs"]
pub mod fixtures;

/// The URL of a fresh database for one run; `name` prefixes the PostgreSQL database.
pub async fn database(dir: &std::path::Path, name: &str) -> String {
    let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") else {
        return format!("sqlite://{}", dir.join("bench.db").display());
    };
    let name = format!("{name}_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create db");
    let mut url = url::Url::parse(&admin).expect("BENCH_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Drop the database `database` made for this run (PostgreSQL only; SQLite's file goes
/// with the temporary directory), so repeated runs leave nothing behind.
pub async fn drop_database(url: &str) {
    let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") else {
        return;
    };
    let Some(name) = url::Url::parse(url)
        .ok()
        .map(|u| u.path().trim_start_matches('/').to_string())
    else {
        return;
    };
    let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await else {
        eprintln!("could not drop database {name}: PostgreSQL unreachable");
        return;
    };
    if let Err(err) = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await
    {
        eprintln!("could not drop database {name}: {err}");
    }
}

/// A browser-like client (cookie jar, redirects not followed) signed up as the owner of a
/// new shop "bench" (EUR, UTC) on the server at `base`.
pub async fn sign_up(base: &str) -> reqwest::Client {
    let owner = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let page = owner
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("GET /login")
        .text()
        .await
        .expect("login page");
    let token = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token on the login page");
    let form = [
        ("shop_name", "Bench"),
        ("shop_slug", "bench"),
        ("currency", "EUR"),
        ("time_zone", "UTC"),
        ("name", "Owner"),
        ("email", "bench@example.com"),
        ("password", "correct horse battery"),
        ("password_confirm", "correct horse battery"),
        ("csrf_token", token),
    ];
    let status = owner
        .post(format!("{base}/signup"))
        .form(&form)
        .send()
        .await
        .expect("POST /signup")
        .status();
    assert_eq!(status, 303, "sign-up refused");
    owner
}

/// A benchmark's two sides: the real server on a runtime of its own (threads `sf-server`)
/// and the load on another (`sf-client`), two workers each, so the CPU each side used can
/// be told apart (from /proc); the server on a fresh database (`database`).
pub struct Bench {
    pub server_rt: tokio::runtime::Runtime,
    pub client_rt: tokio::runtime::Runtime,
    pub server: showfloor::Server,
    pub url: String,
    /// "SQLite" or "PostgreSQL".
    pub backend: &'static str,
    _dir: tempfile::TempDir,
}

impl Bench {
    /// Start the server; `name` prefixes the PostgreSQL database.
    pub fn start(name: &str) -> Bench {
        let runtime = |name: &str| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name(name)
                .enable_all()
                .build()
                .unwrap()
        };
        let (server_rt, client_rt) = (runtime("sf-server"), runtime("sf-client"));
        let dir = tempfile::TempDir::new().unwrap();
        let url = server_rt.block_on(database(dir.path(), name));
        let backend = if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        let mut config =
            showfloor::config::Config::for_tests(dir.path().to_path_buf(), url.clone());
        config.db_max_connections = 16;
        let server = server_rt
            .block_on(showfloor::Server::start(config))
            .expect("server");
        Bench {
            server_rt,
            client_rt,
            server,
            url,
            backend,
            _dir: dir,
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// Run the load on a worker of the client runtime (not this thread, so its CPU counts as
    /// the client's), then stop the server and drop the run's database.
    pub fn run<F>(self, load: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.client_rt
            .block_on(self.client_rt.spawn(load))
            .expect("the load");
        self.server_rt.block_on(self.server.stop()).ok();
        self.server_rt.block_on(drop_database(&self.url));
    }
}
