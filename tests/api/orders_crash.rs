//! Crash safety: the real binary on a SQLite file is killed with SIGKILL in the middle
//! of a flash sale (buyers reserving, some paying); after a restart the stock invariant
//! holds and every order whose payment was confirmed to the shopper is still paid.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;

use crate::helpers::{Browser, on_postgres, spawn_app};
use crate::orders_support::*;

pub fn start(data_dir: &std::path::Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_showfloor"))
        .env("SHOWFLOOR_DATA_DIR", data_dir)
        .env("SHOWFLOOR_LISTEN", format!("127.0.0.1:{port}"))
        .env("SHOWFLOOR_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("server binary starts");
    (child, format!("http://127.0.0.1:{port}"))
}

pub async fn wait_healthy(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status() == StatusCode::OK
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "server at {base} never became healthy"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Buy one unit and, for every other shopper, pay for it; returns the order number if
/// the shopper saw their payment confirmed.
async fn shopper(base: String, path: String, variant: i64, pays: bool) -> Option<String> {
    let browser = Browser::new(base);
    let token = browser
        .client
        .get(format!("{}/login", browser.base))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let csrf = token
        .split("name=\"csrf_token\" value=\"")
        .nth(1)?
        .split('"')
        .next()?
        .to_string();
    let response = browser
        .client
        .post(format!("{}{path}", browser.base))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"variant_id": variant}))
        .send()
        .await
        .ok()?;
    if response.status() != StatusCode::CREATED || !pays {
        return None;
    }
    let body: serde_json::Value = response.json().await.ok()?;
    let checkout = body["checkout_url"].as_str()?.to_string();
    let form = [
        ("name", "Crash Test"),
        ("email", "crash@example.com"),
        ("address", "1 Kill St"),
        ("csrf_token", csrf.as_str()),
    ];
    let paid = browser
        .client
        .post(format!("{}{checkout}/test", browser.base))
        .form(&form)
        .send()
        .await
        .ok()?;
    (paid.status() == StatusCode::SEE_OTHER).then(|| body["order"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_server_killed_mid_flash_sale_restarts_with_the_stock_books_balanced() {
    if on_postgres() {
        return; // The crash test is about the SQLite file; PostgreSQL has its own WAL.
    }
    let mut app = spawn_app().await;
    let sale = sale(&app, "crash", 40).await;
    let data_dir = app.config.data_dir.clone();
    app.server.take().unwrap().stop().await.unwrap();

    let (mut child, base) = start(&data_dir);
    wait_healthy(&base).await;
    let buyers: Vec<_> = (0..120)
        .map(|i| {
            tokio::spawn(shopper(
                base.clone(),
                sale.buy_path.clone(),
                sale.variant_id,
                i % 2 == 0,
            ))
        })
        .collect();
    // Kill once some orders exist: a condition, not a fixed sleep.
    let db = sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(&app.config.database_url())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(&db)
            .await
            .unwrap();
        if n >= 5 {
            break;
        }
        assert!(Instant::now() < deadline, "no orders arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let confirmed: Vec<String> = join_all(buyers)
        .await
        .into_iter()
        .filter_map(|r| r.ok().flatten())
        .collect();

    let (mut child, base) = start(&data_dir);
    wait_healthy(&base).await;
    let (available, reserved, sold) = assert_invariant_in(&db, sale.variant_id).await;
    assert!(available + reserved + sold == 40 && sold >= confirmed.len() as i64);
    for number in &confirmed {
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE number = $1")
            .bind(number)
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(
            status, "paid",
            "order {number} was confirmed paid before the crash"
        );
    }
    child.kill().ok();
    child.wait().ok();
}
