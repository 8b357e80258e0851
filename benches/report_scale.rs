//! Report scale benchmark: one ended stream with 50,000 viewer visits and about
//! 1,000,000 events (card impressions and clicks, Buy taps, checkouts, chat, questions,
//! reaction ticks, orders), plus 500 small ended streams for the shop overview. Builds
//! the rollups, then times over real HTTP (loopback) the stream report
//! (`/reports/streams/{id}`), its CSVs and the overview (`/reports` over the whole
//! range), and directly the `summary::kpis_for` call the overview makes and the raw
//! computation a live stream (or a stale rollup) runs, several runs each (p50 / max).
//!
//! `cargo bench --bench report_scale` (SQLite), or with
//! `BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test` for PostgreSQL.

// The shared bench setup (this bench starts its own server, so not `Bench`).
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use showfloor::Server;
use showfloor::config::Config;
use sqlx::AnyPool;

const VIEWERS: i64 = 50_000;
const SMALL_STREAMS: i64 = 500;
const MIN: i64 = 60_000;
const RUNS: usize = 7;

/// A small deterministic generator (xorshift64*), so every run sees the same data.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: i64) -> i64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as i64 % n.max(1)
    }
}

/// Multi-row INSERTs of generated literals (numbers and generated ids only), 1,000 rows
/// a statement, in one transaction.
async fn bulk(db: &AnyPool, head: &str, rows: impl Iterator<Item = String>) {
    let mut tx = db.begin().await.unwrap();
    let rows: Vec<String> = rows.collect();
    for chunk in rows.chunks(1_000) {
        sqlx::query(&format!("{head} VALUES {}", chunk.join(",")))
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{head}: {e}"));
    }
    tx.commit().await.unwrap();
}

async fn one(db: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

struct Generated {
    shop: i64,
    big: i64,
    events: i64,
}

async fn generate(db: &AnyPool, shop: i64) -> Generated {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let t0 = showfloor::db::now_ms() - 24 * 60 * MIN;
    let mut products = Vec::new();
    for i in 0..10 {
        let p = one(db, &format!("INSERT INTO products (shop_id, slug, title, price, currency, status, created_at, updated_at) VALUES ({shop}, 'p{i}', 'Product {i}', 2500, 'EUR', 'active', {t0}, {t0}) RETURNING id")).await;
        let v = one(db, &format!("INSERT INTO variants (product_id, shop_id, position, title, stock, created_at, updated_at) VALUES ({p}, {shop}, 0, '', 1000000, {t0}, {t0}) RETURNING id")).await;
        products.push((p, v));
    }
    let stream_sql = |i: i64, start: i64, minutes: i64| {
        format!(
            "INSERT INTO streams (shop_id, public_id, slug, title, scheduled_at, duration_min, status, started_at, ended_at, created_at, updated_at) VALUES ({shop}, 'pub{i}', 's{i}', 'Stream {i}', {start}, {minutes}, 'ended', {start}, {}, {start}, {start}) RETURNING id",
            start + minutes * MIN
        )
    };
    // The big stream: two hours, ten pins of twelve minutes.
    let len = 120;
    let big = one(db, &stream_sql(0, t0, len)).await;
    let mut pins = Vec::new();
    for (i, (p, _)) in products.iter().enumerate() {
        let (a, b) = (t0 + i as i64 * 12 * MIN, t0 + (i as i64 + 1) * 12 * MIN);
        pins.push((one(db, &format!("INSERT INTO pins (shop_id, stream_id, product_id, started_at, ended_at) VALUES ({shop}, {big}, {p}, {a}, {b}) RETURNING id")).await, *p, a));
    }
    bulk(
        db,
        "INSERT INTO viewer_sessions (shop_id, stream_id, viewer_id, joined_at, left_at)",
        (0..VIEWERS).map(|i| {
            let joined = t0 - 5 * MIN + rng.below((len + 5) * MIN);
            format!(
                "({shop}, {big}, 'v{i}', {joined}, {})",
                joined + 30_000 + rng.below(40 * MIN)
            )
        }),
    )
    .await;
    let mut events = VIEWERS;
    for (kind, n) in [
        ("impression", 550_000),
        ("click", 150_000),
        ("buy", 30_000),
        ("checkout", 10_000),
    ] {
        bulk(db, "INSERT INTO report_events (shop_id, stream_id, kind, viewer_id, product_id, pin_id, at)", (0..n).map(|_| {
            let (pin, product, start) = pins[rng.below(10) as usize];
            format!("({shop}, {big}, '{kind}', 'v{}', {product}, {pin}, {})", rng.below(VIEWERS), start + rng.below(12 * MIN))
        })).await;
        events += n;
    }
    bulk(
        db,
        "INSERT INTO chat_messages (shop_id, stream_id, viewer_id, display_name, body, created_at)",
        (0..200_000).map(|_| {
            format!(
                "({shop}, {big}, 'v{}', 'Ann', 'hello', {})",
                rng.below(VIEWERS),
                t0 + rng.below(len * MIN)
            )
        }),
    )
    .await;
    bulk(db, "INSERT INTO questions (shop_id, stream_id, viewer_id, display_name, body, status, votes, created_at, answered_at)", (0..5_000).map(|_| {
        let at = t0 + rng.below(len * MIN);
        let answered = if rng.below(3) == 0 { "NULL".to_string() } else { (at + rng.below(5 * MIN)).to_string() };
        format!("({shop}, {big}, 'v{}', 'Ann', 'Which size?', 'visible', {}, {at}, {answered})", rng.below(VIEWERS), rng.below(20))
    })).await;
    bulk(
        db,
        "INSERT INTO reaction_ticks (shop_id, stream_id, at, count)",
        (0..len * 120).map(|i| format!("({shop}, {big}, {}, {})", t0 + i * 500, 1 + rng.below(30))),
    )
    .await;
    events += 200_000 + 5_000 + len * 120;
    events += orders(db, shop, big, &pins, &products, 5_000, VIEWERS, &mut rng).await * 2;
    // 500 small ended streams over the last year.
    for i in 1..=SMALL_STREAMS {
        let start = t0 - i * 17 * 60 * MIN;
        let s = one(db, &stream_sql(i, start, 60)).await;
        let (p, _) = products[(i % 10) as usize];
        let pin = one(db, &format!("INSERT INTO pins (shop_id, stream_id, product_id, started_at, ended_at) VALUES ({shop}, {s}, {p}, {start}, {}) RETURNING id", start + 30 * MIN)).await;
        bulk(
            db,
            "INSERT INTO viewer_sessions (shop_id, stream_id, viewer_id, joined_at, left_at)",
            (0..40).map(|v| {
                let joined = start + rng.below(50 * MIN);
                format!(
                    "({shop}, {s}, 'v{v}', {joined}, {})",
                    joined + rng.below(10 * MIN)
                )
            }),
        )
        .await;
        orders(db, shop, s, &[(pin, p, start)], &products, 3, 40, &mut rng).await;
    }
    Generated { shop, big, events }
}

/// `n` paid orders of one line each, by viewers `v0..v{viewers}`; returns `n`.
#[allow(clippy::too_many_arguments)]
async fn orders(
    db: &AnyPool,
    shop: i64,
    stream: i64,
    pins: &[(i64, i64, i64)],
    products: &[(i64, i64)],
    n: i64,
    viewers: i64,
    rng: &mut Rng,
) -> i64 {
    let first = one(
        db,
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM orders",
    )
    .await
        + 1;
    bulk(db, "INSERT INTO orders (shop_id, token, number, status, currency, total, refunded_amount, viewer_id, stream_id, pin_id, expires_at, created_at, paid_at, updated_at)", (0..n).map(|i| {
        let (pin, _, start) = pins[rng.below(pins.len() as i64) as usize];
        let at = start + rng.below(10 * MIN);
        format!("({shop}, 't{stream}-{i}', 'N{stream}-{i}', 'paid', 'EUR', 2500, 0, 'v{}', {stream}, {pin}, {at}, {at}, {at}, {at})", rng.below(viewers))
    })).await;
    let ids: Vec<(i64, Option<i64>, i64)> = sqlx::query_as(&format!(
        "SELECT id, pin_id, created_at FROM orders WHERE id >= {first} AND stream_id = {stream}"
    ))
    .fetch_all(db)
    .await
    .unwrap();
    bulk(db, "INSERT INTO order_lines (shop_id, order_id, product_id, variant_id, title, variant_title, quantity, unit_price, currency, stock_state, tracked, pin_id, created_at)", ids.into_iter().map(|(id, pin, at)| {
        let (product, variant) = products[rng.below(products.len() as i64) as usize];
        format!("({shop}, {id}, {product}, {variant}, 'x', '', 1, 2500, 'EUR', 'sold', TRUE, {}, {at})", pin.map_or("NULL".into(), |p| p.to_string()))
    })).await;
    n
}

/// p50 / max, with the load average when measured (the machine is shared).
fn stats(mut times: Vec<Duration>) -> String {
    times.sort();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "p50 {:>6.1} ms, max {:>6.1} ms (loadavg {})",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        load.join(" ")
    )
}

async fn time_get(c: &reqwest::Client, url: &str) -> Vec<Duration> {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let Ok(r) = c.get(url).timeout(Duration::from_secs(60)).send().await else {
            println!("  {url}: no answer within 60 s");
            return vec![t.elapsed()];
        };
        assert_eq!(r.status(), 200, "{url}");
        r.bytes().await.unwrap();
        times.push(t.elapsed());
    }
    times
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::TempDir::new().unwrap();
    let url = common::database(dir.path(), "sf_report_bench").await;
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let config = Config::for_tests(dir.path().to_path_buf(), url.clone());
    let server = Server::start(config).await.expect("server");
    let base = format!("http://{}", server.addr);
    let db = server.state.db.pool.clone();
    let owner = common::sign_up(&base).await;
    let shop = one(&db, "SELECT id FROM shops WHERE slug = 'bench'").await;

    let t = Instant::now();
    let g = generate(&db, shop).await;
    println!(
        "{backend}: generated {} events (visits included) in {:.1} s",
        g.events,
        t.elapsed().as_secs_f64()
    );
    if backend == "PostgreSQL" {
        // What autovacuum does within a minute of such a load (the test server runs
        // with autovacuum off): without statistics the planner takes 1-row guesses.
        let t = Instant::now();
        sqlx::query("ANALYZE").execute(&db).await.unwrap();
        println!("{backend}: ANALYZE in {:.1} s", t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM streams WHERE shop_id = {}",
        g.shop
    ))
    .fetch_all(&db)
    .await
    .unwrap();
    showfloor::reports::rollup::build(&db, g.shop, g.big)
        .await
        .unwrap();
    let big_build = t.elapsed();
    for id in ids.iter().filter(|id| **id != g.big) {
        showfloor::reports::rollup::build(&db, g.shop, *id)
            .await
            .unwrap();
    }
    println!(
        "{backend}: rollup of the big stream built in {:.2} s, all {} in {:.1} s",
        big_build.as_secs_f64(),
        ids.len(),
        t.elapsed().as_secs_f64()
    );

    let streams = showfloor::reports::figures::store::reported_streams(&db, g.shop)
        .await
        .unwrap();
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let rows = showfloor::reports::overview::summary::kpis_for(
            &db,
            g.shop,
            &streams,
            showfloor::db::now_ms(),
        )
        .await
        .unwrap();
        assert_eq!(rows.len(), streams.len());
        times.push(t.elapsed());
    }
    println!(
        "{backend}: summary::kpis_for, {} streams: {}",
        streams.len(),
        stats(times)
    );
    // The raw path (a live stream, or an ended one whose rollup is missing or stale):
    // the same computation the rollup stores, timed directly.
    let big = showfloor::reports::figures::store::stream(&db, g.shop, g.big)
        .await
        .unwrap()
        .unwrap();
    let window = showfloor::reports::figures::metrics::live_window(&big, 0).unwrap();
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        showfloor::reports::figures::viewer_side::compute(&db, g.shop, g.big, window)
            .await
            .unwrap();
        times.push(t.elapsed());
    }
    println!(
        "{backend}: raw viewer side of the big stream (viewer_side::compute): {}",
        stats(times)
    );
    let report = showfloor::reports::stream::report::load(&db, g.shop, &big, 0)
        .await
        .unwrap()
        .unwrap();
    assert!(report.rolled, "the big stream's report reads its rollup");
    for csv in ["timeline.csv", "products.csv", "kpis.csv"] {
        let times = time_get(&owner, &format!("{base}/reports/streams/{}/{csv}", g.big)).await;
        println!(
            "{backend}: GET /reports/streams/{{id}}/{csv}: {}",
            stats(times)
        );
    }
    let report = time_get(&owner, &format!("{base}/reports/streams/{}", g.big)).await;
    println!(
        "{backend}: GET /reports/streams/{{id}} ({VIEWERS} visits, 1M events): {}",
        stats(report)
    );
    let overview = time_get(
        &owner,
        &format!("{base}/reports?range=custom&from=2025-12-01&to=2026-12-31"),
    )
    .await;
    println!(
        "{backend}: GET /reports ({} streams): {}",
        streams.len(),
        stats(overview)
    );
    server.stop().await.ok();
    common::drop_database(&url).await;
}
