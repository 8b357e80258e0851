//! Flash-sale benchmark: 2,000 concurrent buyers (real HTTP on loopback, one cookie jar
//! each) race for 100 units of one variant. Reports Buy attempts per second, p50/p99
//! latency of the Buy request, and checks that exactly 100 were reserved.
//!
//! Then the same buyers race for a second product, pinned with a live offer on its first
//! 30 units: the offer sells out in the middle of the burst, everyone told "the offer
//! ended" confirms the regular price at once (as the card's one step does), and the
//! bench checks that exactly 30 sold at the offer price, 70 at the regular one, and
//! nothing more.
//!
//! The server and the buyers run on two separate Tokio runtimes (threads named
//! `sf-server` and `sf-client`) in this process, so the CPU each side used during the
//! burst is reported apart (from /proc), with the PostgreSQL backends' CPU when used.
//!
//! `cargo bench --bench flash_sale` (SQLite), or with
//! `BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test` for PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use futures::future::join_all;

use common::fixtures::{self, NewPin, NewProduct, NewStream, Product};

const BUYERS: usize = 2_000;
const UNITS: i64 = 100;
/// The units the second sale's live offer covers, and its price and the regular one.
const OFFER_UNITS: i64 = 30;
const OFFER_PRICE: i64 = 500;
const PRICE: i64 = 1000;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
        .unwrap()
}

/// What a watching viewer's page fetched: the room state, which gives the session its
/// viewer id and the CSRF token the Buy button sends.
async fn watch(c: &reqwest::Client, base: &str) -> String {
    let state: serde_json::Value = c
        .get(format!("{base}/@bench/s/live/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    state["me"]["csrf"].as_str().unwrap().to_string()
}

/// CPU seconds (user + system) used so far by this process's threads whose name starts
/// with each prefix, and by PostgreSQL backend processes.
fn cpu() -> [f64; 3] {
    let tick = 100.0; // USER_HZ on Linux
    let mut out = [0.0; 3];
    let read = |stat: &str| -> Option<(String, f64)> {
        let name = stat.get(stat.find('(')? + 1..stat.rfind(')')?)?.to_string();
        let rest: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
        let ticks: f64 = rest.get(11)?.parse::<f64>().ok()? + rest.get(12)?.parse::<f64>().ok()?;
        Some((name, ticks / tick))
    };
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        if let Ok(stat) = std::fs::read_to_string(task.path().join("stat"))
            && let Some((name, secs)) = read(&stat)
        {
            if name.starts_with("sf-server") || name.starts_with("sqlx-sqlite") {
                out[0] += secs;
            } else if name.starts_with("sf-client") {
                out[1] += secs;
            }
        }
    }
    for proc in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(stat) = std::fs::read_to_string(proc.path().join("stat"))
            && let Some((name, secs)) = read(&stat)
            && name == "postgres"
        {
            out[2] += secs;
        }
    }
    out
}

/// Wait (at most 5 s) for the warm-up's after-effects to pass: a 100 ms window in which the
/// server and PostgreSQL (autovacuum after 2,000 new sessions, the capture writer's flush)
/// use at most one clock tick of CPU, as when the audience has been watching a while.
/// Returns how long that took.
async fn settle() -> Duration {
    let start = Instant::now();
    let mut last = cpu();
    while start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = cpu();
        let busy = (now[0] - last[0]) + (now[2] - last[2]);
        last = now;
        if busy <= 0.011 {
            break;
        }
    }
    start.elapsed()
}

fn main() {
    let bench = common::Bench::start("sf_bench");
    let (base, db, backend) = (
        bench.base(),
        bench.server.state.db.pool.clone(),
        bench.backend,
    );
    bench.run(async move { sale(&base, &db, backend).await });
}

/// What one Buy answered: status, JSON body, latency.
type Answer = (u16, serde_json::Value, Duration);

/// Every buyer at once (those given a body) sends Buy; the answers and the burst's wall time.
async fn burst(
    buyers: &[reqwest::Client],
    tokens: &[String],
    path: &str,
    body: impl Fn(usize) -> Option<serde_json::Value>,
) -> (Vec<Answer>, Duration) {
    let started = Instant::now();
    let answers = join_all(
        buyers
            .iter()
            .zip(tokens)
            .enumerate()
            .filter_map(|(i, (c, t))| Some((c, t, body(i)?)))
            .map(|(c, t, body)| async move {
                let t0 = Instant::now();
                let r = c
                    .post(path)
                    .header("x-csrf-token", t)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let json = r.json().await.unwrap_or(serde_json::Value::Null);
                (status, json, t0.elapsed())
            }),
    )
    .await;
    (answers, started.elapsed())
}

fn report(backend: &str, what: &str, answers: &[Answer], elapsed: Duration) {
    let reserved = answers.iter().filter(|a| a.0 == 201).count();
    let sold_out = answers.iter().filter(|a| a.1["sold_out"] == true).count();
    let offer_ended = answers
        .iter()
        .filter(|a| a.1["offer_ended"] == true)
        .count();
    let mut latencies: Vec<Duration> = answers.iter().map(|a| a.2).collect();
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).min(latencies.len()) - 1];
    println!(
        "{what} on {backend}: {} buyers → {reserved} reserved, {sold_out} sold out, {offer_ended} told the offer ended, \
         {} other; {:.0} attempts/s, {:.0} reservations/s over {:.2} s; Buy latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        answers.len(),
        answers.len() - reserved - sold_out - offer_ended,
        answers.len() as f64 / elapsed.as_secs_f64(),
        reserved as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0,
    );
}

/// Units still on sale plus units held in checkouts: what the sale started with if
/// nothing was oversold.
async fn stock_and_held(db: &sqlx::AnyPool, variant: i64) -> i64 {
    let stock: i64 = sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(db)
        .await
        .unwrap();
    let held: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM order_lines \
         WHERE variant_id = $1 AND stock_state = 'held'",
    )
    .bind(variant)
    .fetch_one(db)
    .await
    .unwrap();
    stock + held
}

async fn sale(base: &str, db: &sqlx::AnyPool, backend: &str) {
    let base = base.to_string();
    let db = db.clone();
    common::sign_up(&base).await;
    let now = showfloor::db::now_ms();
    let shop = fixtures::shop_id(&db, "bench").await;
    let drop = NewProduct::new("p", "Drop", PRICE).stock(UNITS).at(now);
    let Product {
        id: product,
        variant_id: variant,
    } = fixtures::product(&db, shop, drop).await;
    let second = NewProduct::new("q", "Second drop", PRICE)
        .stock(UNITS)
        .at(now);
    let second = fixtures::product(&db, shop, second).await;
    let live = NewStream::new("s", "Drop", "benchpub", now).live_since(now);
    let stream = fixtures::stream(&db, shop, live).await;
    fixtures::feature(&db, shop, stream, product, 0).await;
    fixtures::feature(&db, shop, stream, second.id, 1).await;

    // Each buyer watches before the sale opens: a session with a viewer id and a CSRF token.
    let buyers: Vec<reqwest::Client> = (0..BUYERS).map(|_| client()).collect();
    let mut tokens = Vec::with_capacity(BUYERS);
    for chunk in buyers.chunks(100) {
        tokens.extend(join_all(chunk.iter().map(|c| watch(c, &base))).await);
    }
    let settled = settle().await;
    let path = format!("{base}/@bench/s/buy");
    let cpu_before = cpu();
    let plain = serde_json::json!({"variant_id": variant});
    let (answers, elapsed) = burst(&buyers, &tokens, &path, |_| Some(plain.clone())).await;
    let cpu_after = cpu();
    report(backend, "flash sale", &answers, elapsed);
    println!(
        "CPU during the burst: server {:.2} s, client {:.2} s, PostgreSQL backends {:.2} s \
         (wall {:.2} s, 2 cores); after the warm-up the machine settled in {:.1} s",
        cpu_after[0] - cpu_before[0],
        cpu_after[1] - cpu_before[1],
        cpu_after[2] - cpu_before[2],
        elapsed.as_secs_f64(),
        settled.as_secs_f64(),
    );
    let reserved = answers.iter().filter(|a| a.0 == 201).count();
    assert_eq!(
        reserved as i64, UNITS,
        "exactly the units on sale were reserved"
    );
    assert_eq!(
        stock_and_held(&db, variant).await,
        UNITS,
        "no oversell: available + reserved = initial"
    );

    // The second sale: the host pins the second product with an offer on 30 units.
    let offer = NewPin::new(second.id, showfloor::db::now_ms())
        .offer(OFFER_PRICE, "EUR")
        .offer_units(OFFER_UNITS);
    let pin = fixtures::pin(&db, shop, stream, offer).await;
    settle().await;
    let at_offer = serde_json::json!({"variant_id": second.variant_id, "pin_id": pin});
    let (first, elapsed) = burst(&buyers, &tokens, &path, |_| Some(at_offer.clone())).await;
    report(backend, "offer sale", &first, elapsed);
    let confirm =
        serde_json::json!({"variant_id": second.variant_id, "pin_id": pin, "accept_regular": true});
    let (then, elapsed) = burst(&buyers, &tokens, &path, |i| {
        (first[i].1["offer_ended"] == true).then(|| confirm.clone())
    })
    .await;
    report(backend, "regular price confirmed", &then, elapsed);
    let priced = |answers: &[Answer], price: i64| {
        answers
            .iter()
            .filter(|a| a.0 == 201 && a.1["unit_price"] == price)
            .count() as i64
    };
    assert_eq!(
        first.iter().filter(|a| a.0 == 201).count() as i64,
        priced(&first, OFFER_PRICE),
        "every unit of the first burst sold at the offer price"
    );
    assert_eq!(
        priced(&first, OFFER_PRICE),
        OFFER_UNITS,
        "the offer sold out"
    );
    assert_eq!(
        priced(&then, PRICE),
        UNITS - OFFER_UNITS,
        "the rest sold at the regular price"
    );
    assert_eq!(
        then.iter().filter(|a| a.0 == 201).count() as i64,
        UNITS - OFFER_UNITS
    );
    assert_eq!(
        stock_and_held(&db, second.variant_id).await,
        UNITS,
        "no oversell with the offer"
    );
    println!(
        "offer sale: {OFFER_UNITS} at the offer price, {} at the regular price, no oversell",
        UNITS - OFFER_UNITS
    );
}
