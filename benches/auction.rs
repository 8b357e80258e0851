//! Auction benchmark: an extend-on-late-bid auction's last seconds with 2,000 bidders
//! (real HTTP on loopback, one cookie jar each, every one with a confirmed address) while
//! N viewers watch over Server-Sent Events. Each bidder bids the next valid bid as it last
//! saw it, or a jump of up to 20 steps over it, again and again for the duration (most
//! bids arrive too low: another got in first); reports bid attempts and accepted bids per
//! second, the bid's latency (with its wait behind the other bids), and the time from a bid
//! being applied (its row's time) to each of 200 sampled viewers receiving an event whose
//! standing includes it (p50/p99/max, same clock); then runs the clock out and
//! checks that exactly one winner was named and that it was the highest bid.
//!
//! `cargo bench --bench auction -- VIEWERS SECONDS` (default 7000 viewers, 5 s) on SQLite,
//! or with `BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test` for PostgreSQL.
//! The server and the load run on two Tokio runtimes of this process (`sf-server`,
//! `sf-client`), two workers each.

mod common;
// Waiting on conditions with deadlines, as the tests do.
#[path = "../tests/media/wait.rs"]
#[allow(dead_code)]
mod wait;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::join_all;
use serde_json::{Value, json};

use common::fixtures::{self, NewProduct, NewStream};

const BIDDERS: usize = 2_000;
/// Viewers whose every event is timed (all viewers receive every event).
const SAMPLED: usize = 200;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
        .unwrap()
}

async fn post(c: &reqwest::Client, url: &str, csrf: &str, body: Value) -> (u16, Value) {
    let r = c
        .post(url)
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// What a watching page fetched first: the room state, with the CSRF token its posts send.
async fn room_csrf(c: &reqwest::Client, base: &str) -> String {
    let state: Value = c
        .get(format!("{base}/@bench/s/live/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    state["me"]["csrf"].as_str().unwrap().to_string()
}

/// A bidder: watches (a session and its CSRF token), gives a name and an address, and
/// confirms it with the code (read where the outbox renders it).
async fn bidder(base: &str, db: &sqlx::AnyPool, i: usize) -> (reqwest::Client, String) {
    let c = client();
    let room = format!("{base}/@bench/s/live");
    let csrf = room_csrf(&c, base).await;
    let email = format!("bidder{i}@bench.test");
    let (status, _) = post(
        &c,
        &format!("{room}/bidder"),
        &csrf,
        json!({ "name": format!("Bidder {i}"), "email": email, "terms": true }),
    )
    .await;
    assert_eq!(status, 200, "bidder {i} registers");
    let code: String = sqlx::query_scalar(
        "SELECT mailed FROM live_bidder_codes WHERE email = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(&email)
    .fetch_one(db)
    .await
    .unwrap();
    let (status, _) = post(
        &c,
        &format!("{room}/bidder/verify"),
        &csrf,
        json!({ "code": code }),
    )
    .await;
    assert_eq!(status, 200, "bidder {i} confirms");
    (c, csrf)
}

/// What a sampled viewer saw: (when, as UTC ms on this machine's clock, the standing's bid
/// count) per auction event.
type Seen = Arc<Mutex<Vec<(i64, i64)>>>;

/// Open `n` SSE viewers of the room; the first `SAMPLED` record each auction event.
async fn viewers(base: &str, n: usize) -> Vec<Seen> {
    let url = format!("{base}/@bench/s/live/events");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut sampled = Vec::new();
    for i in 0..n {
        let seen: Option<Seen> = (i < SAMPLED).then(Seen::default);
        if let Some(s) = &seen {
            sampled.push(s.clone());
        }
        let (http, url, ready) = (http.clone(), url.clone(), ready_tx.clone());
        tokio::spawn(async move {
            // Thousands connect at once: a refused one tries again until it is in.
            let response =
                wait::until_async(Duration::from_secs(60), "a viewer connected", || async {
                    http.get(&url)
                        .send()
                        .await
                        .ok()
                        .filter(|r| r.status().is_success())
                })
                .await;
            let _ = ready.send(());
            let mut stream = response.bytes_stream();
            let mut carry = String::new();
            while let Some(Ok(chunk)) = stream.next().await {
                carry.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(at) = carry.find("\n\n") {
                    let block: String = carry.drain(..at + 2).collect();
                    let Some(seen) = &seen else { continue };
                    if !block.contains("event: auction") {
                        continue;
                    }
                    let bids = block
                        .split("\"bids\":")
                        .nth(1)
                        .and_then(|r| r.split([',', '}']).next())
                        .and_then(|n| n.trim().parse().ok())
                        .unwrap_or(0);
                    seen.lock().unwrap().push((showfloor::db::now_ms(), bids));
                }
            }
        });
    }
    for _ in 0..n {
        ready_rx.recv().await;
    }
    sampled
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn run(base: &str, db: &sqlx::AnyPool, backend: &str, n_viewers: usize, secs: u64) {
    let owner = common::sign_up(base).await;
    let now = showfloor::db::now_ms();
    let shop = fixtures::shop_id(db, "bench").await;
    let lot = NewProduct::new("lot", "Signed print", 5000)
        .stock(1)
        .at(now);
    let lot = fixtures::product(db, shop, lot).await;
    let live = NewStream::new("s", "Auction night", "benchpub", now).live_since(now);
    let stream = fixtures::stream(db, shop, live).await;
    fixtures::feature(db, shop, stream, lot.id, 0).await;

    let mut bidders = Vec::with_capacity(BIDDERS);
    for chunk in (0..BIDDERS).collect::<Vec<_>>().chunks(100) {
        bidders.extend(join_all(chunk.iter().map(|&i| bidder(base, db, i))).await);
    }
    let sampled = viewers(base, n_viewers).await;

    // The owner starts it: a long clock, so the run is all "last seconds" of the
    // late-bid window (10 s) from the moment its clock is moved there.
    let csrf = room_csrf(&owner, base).await;
    let (status, started) = post(
        &owner,
        &format!("{base}/@bench/s/live/auctions"),
        &csrf,
        json!({ "variant_id": lot.variant_id, "start_price": "1", "increment": "1", "seconds": 600, "extend_seconds": 10 }),
    )
    .await;
    assert_eq!(status, 200, "auction starts: {started}");
    let id = started["id"].as_i64().unwrap();
    sqlx::query("UPDATE live_auctions SET ends_at = $1 WHERE id = $2")
        .bind(showfloor::db::now_ms() + 8_000)
        .bind(id)
        .execute(db)
        .await
        .unwrap();

    let path = format!("{base}/@bench/s/live/auctions/{id}/bids");
    let accepted: Arc<Mutex<Vec<i64>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<f64>>> = Arc::default();
    let attempts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop = Instant::now() + Duration::from_secs(secs);
    let started_at = Instant::now();
    join_all(bidders.iter().map(|(c, csrf)| {
        let (path, accepted, latencies, attempts) = (
            path.clone(),
            accepted.clone(),
            latencies.clone(),
            attempts.clone(),
        );
        async move {
            // The page sends the amount the bidder chose: the next valid bid they last saw,
            // or a jump over it of up to 20 steps (as keen bidders do).
            let mut next: i64 = 100;
            while Instant::now() < stop {
                let jump = rand::random_range(0..=20) * 100;
                let body = json!({ "amount": next + jump });
                let sent = Instant::now();
                let (status, answer) = post(c, &path, csrf, body).await;
                latencies
                    .lock()
                    .unwrap()
                    .push(sent.elapsed().as_secs_f64() * 1000.0);
                attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match status {
                    200 => {
                        let bids = answer["auction"]["bids"].as_i64().unwrap_or(0);
                        accepted.lock().unwrap().push(bids);
                        next = answer["auction"]["next_bid"].as_i64().unwrap_or(next);
                    }
                    409 => next = answer["next_bid"].as_i64().unwrap_or(next),
                    other => panic!("bid answered {other}: {answer}"),
                }
            }
        }
    }))
    .await;
    let elapsed = started_at.elapsed().as_secs_f64();
    let accepted = accepted.lock().unwrap().clone();
    let attempts = attempts.load(std::sync::atomic::Ordering::Relaxed);

    // Each applied bid (as the database stamped it) against each sampled viewer: the
    // first event whose standing includes it, once every sampled viewer has the last one.
    let applied: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT seq, placed_at FROM live_auction_bids WHERE auction_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(db)
    .await
    .unwrap();
    let last = applied.last().map_or(0, |(seq, _)| *seq);
    let everyone_has_it = || {
        sampled
            .iter()
            .all(|v| v.lock().unwrap().iter().any(|(_, b)| *b >= last))
            .then_some(())
    };
    wait::until(
        Duration::from_secs(30),
        "the last bid at every sampled viewer",
        everyone_has_it,
    )
    .await;
    let mut seen_after = Vec::new();
    let mut missed = 0usize;
    for viewer in &sampled {
        let events = viewer.lock().unwrap().clone();
        for (seq, placed_at) in &applied {
            match events.iter().find(|(_, b)| b >= seq) {
                Some((at, _)) => seen_after.push((at - placed_at).max(0) as f64),
                None => missed += 1,
            }
        }
    }
    seen_after.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());

    // The clock runs out: one winner, the highest bid.
    sqlx::query("UPDATE live_auctions SET ends_at = $1 WHERE id = $2")
        .bind(showfloor::db::now_ms())
        .bind(id)
        .execute(db)
        .await
        .unwrap();
    let (state, winner, price): (String, Option<String>, Option<i64>) =
        wait::until_async(Duration::from_secs(30), "the auction closed", || async {
            let row: (String, Option<String>, Option<i64>) = sqlx::query_as(
                "SELECT state, winner, winner_price FROM live_auctions WHERE id = $1",
            )
            .bind(id)
            .fetch_one(db)
            .await
            .unwrap();
            (row.0 != "running").then_some(row)
        })
        .await;
    let top: (String, i64) = sqlx::query_as(
        "SELECT viewer_id, amount FROM live_auction_bids WHERE auction_id = $1 ORDER BY amount DESC, seq LIMIT 1",
    )
    .bind(id)
    .fetch_one(db)
    .await
    .unwrap();
    let winners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_auctions WHERE stream_id = $1 AND winner IS NOT NULL",
    )
    .bind(stream)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(state, "sold");
    assert_eq!(winners, 1, "one winner");
    assert_eq!(
        winner.as_deref(),
        Some(top.0.as_str()),
        "the highest bid won"
    );
    assert_eq!(price, Some(top.1));
    println!(
        "{backend}: {BIDDERS} bidders, {n_viewers} SSE viewers, {secs} s: {attempts} bids sent ({:.0}/s), {} accepted ({:.0}/s); \
         bid latency p50 {:.0} ms p99 {:.0} ms; bid applied → each sampled viewer sees it: p50 {:.0} ms p99 {:.0} ms max {:.0} ms \
         ({} samples, {missed} never seen); one winner at {} (the highest bid)",
        attempts as f64 / elapsed,
        accepted.len(),
        accepted.len() as f64 / elapsed,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&seen_after, 0.5),
        pct(&seen_after, 0.99),
        seen_after.last().copied().unwrap_or(f64::NAN),
        seen_after.len(),
        top.1,
    );
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_viewers = args.first().copied().unwrap_or(7_000) as usize;
    let secs = args.get(1).copied().unwrap_or(5);
    let bench = common::Bench::start("sf_auction");
    let (base, db, backend) = (
        bench.base(),
        bench.server.state.db.pool.clone(),
        bench.backend,
    );
    bench.run(async move { run(&base, &db, backend, n_viewers, secs).await });
}
