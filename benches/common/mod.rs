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
