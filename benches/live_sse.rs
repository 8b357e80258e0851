//! Live room fan-out benchmark: N Server-Sent-Events viewers on one stream (loopback),
//! the time until each receives a pin event, the server's memory, and the sustained chat
//! rate the room delivers to all of them.
//!
//! `cargo bench --bench live_sse -- 1000 5000 10000` (viewer counts; default 1000 5000 10000).
//! Builds on the release `showfloor` binary (`cargo build --release` first), run as a child
//! process with a temporary SQLite database, so its CPU and memory are its own.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use tokio::sync::Barrier;

/// The tests' one set of fixtures (shop, product, stream, pin, order rows).
#[path = "../tests/common/fixtures.rs"]
mod fixtures;

const PASSWORD: &str = "benchmark password";

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn start_server() -> Server {
    let dir = tempfile::TempDir::new().unwrap();
    let port = free_port();
    let bin = std::env::var("SHOWFLOOR_BIN").unwrap_or_else(|_| "target/release/showfloor".into());
    let child = Command::new(bin)
        .env("SHOWFLOOR_DATA_DIR", dir.path())
        .env("SHOWFLOOR_LISTEN", format!("127.0.0.1:{port}"))
        .env("SHOWFLOOR_LOG", "error")
        .env("SHOWFLOOR_DB_MAX_CONNECTIONS", "16")
        .stdout(Stdio::null())
        .spawn()
        .expect("release binary built: cargo build --release");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !reqwest::get(format!("{base}/healthz"))
        .await
        .map(|r| r.status().is_success())
        .unwrap_or(false)
    {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server {
        child,
        base,
        _dir: dir,
    }
}

fn token_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("csrf token") + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Sign up, then put a product and a live stream in the database directly.
async fn setup(server: &Server) -> (reqwest::Client, String, i64) {
    let owner = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = owner
        .get(format!("{}/signup", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = token_in(&page);
    let signed = owner
        .post(format!("{}/signup", server.base))
        .form(&[
            ("csrf_token", token.as_str()),
            ("shop_name", "Bench"),
            ("shop_slug", "bench"),
            ("currency", "EUR"),
            ("time_zone", "UTC"),
            ("name", "Bench"),
            ("email", "bench@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let status = signed.status();
    let body = signed.text().await.unwrap_or_default();
    assert!(
        status.is_success(),
        "sign-up failed: {status} {}",
        &body[..body.len().min(2000)]
    );
    let url = format!(
        "sqlite://{}",
        server._dir.path().join("showfloor.db").display()
    );
    let db = showfloor::db::Db::connect(&url, 2).await.unwrap();
    let now = showfloor::db::now_ms();
    let tee = fixtures::NewProduct::new("tee", "Bench tee", 2500)
        .stock(100)
        .at(now);
    let product = fixtures::product(&db.pool, 1, tee).await.id;
    let live = fixtures::NewStream::new("live", "Bench live", "benchpub", now).live_since(now);
    fixtures::stream(&db.pool, 1, live).await;
    let page = owner
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (owner, token_in(&page), product)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(viewers: usize) {
    let server = start_server().await;
    let (owner, csrf, product) = setup(&server).await;
    let room = format!("{}/@bench/live/live", server.base);
    let baseline = rss_kb(server.child.id());

    // Open the viewers; each records when it sees the pin and how many chat events it got.
    let connected = Arc::new(AtomicUsize::new(0));
    let chats = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(Barrier::new(viewers + 1));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let opened = Instant::now();
    for _ in 0..viewers {
        let (client, url, connected, chats, ready, tx) = (
            client.clone(),
            format!("{room}/events"),
            connected.clone(),
            chats.clone(),
            ready.clone(),
            tx.clone(),
        );
        tokio::spawn(async move {
            let mut attempt = 0;
            let response = loop {
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => break r,
                    _ if attempt < 20 => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                    }
                    _ => panic!("viewer could not connect"),
                }
            };
            connected.fetch_add(1, Ordering::Relaxed);
            ready.wait().await;
            let mut stream = response.bytes_stream();
            let mut seen_pin = false;
            let mut carry = String::new();
            while let Some(Ok(chunk)) = stream.next().await {
                carry.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(at) = carry.find("\n\n") {
                    let block: String = carry.drain(..at + 2).collect();
                    if !seen_pin && block.contains("event: pin") {
                        seen_pin = true;
                        let _ = tx.send(Instant::now());
                    } else if block.contains("event: chat") {
                        chats.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
    }
    ready.wait().await;
    let connect_secs = opened.elapsed().as_secs_f64();
    let connected_rss = rss_kb(server.child.id());

    // One pin, timed from just before the request to each viewer's receipt.
    let sent = Instant::now();
    let pinned = owner
        .post(format!("{room}/pin"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "product_id": product }))
        .send()
        .await
        .unwrap();
    assert!(
        pinned.status().is_success(),
        "pin failed: {}",
        pinned.status()
    );
    let mut latencies = Vec::with_capacity(viewers);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while latencies.len() < viewers {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(at)) => latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0),
            _ => break,
        }
    }
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let peak_rss = rss_kb(server.child.id());

    // Chat: the host posts as fast as one client can for 5 s; count deliveries.
    owner
        .post(format!("{room}/name"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "Host" }))
        .send()
        .await
        .unwrap();
    let chat_start = Instant::now();
    let mut posted = 0u64;
    while chat_start.elapsed() < Duration::from_secs(5) {
        let r = owner
            .post(format!("{room}/chat"))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "body": format!("message {posted}") }))
            .send()
            .await
            .unwrap();
        if r.status().is_success() {
            posted += 1;
        }
    }
    let expected = posted as usize * viewers;
    let settle = Instant::now() + Duration::from_secs(30);
    while chats.load(Ordering::Relaxed) < expected && Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let chat_secs = chat_start.elapsed().as_secs_f64();
    let delivered = chats.load(Ordering::Relaxed);

    println!(
        "viewers={viewers} connected={} connect_time={connect_secs:.1}s pin_received={} p50={:.0}ms p99={:.0}ms max={:.0}ms \
         rss_idle={}MB rss_connected={}MB rss_peak={}MB chat_posted={posted} ({:.0}/s) chat_delivered={delivered}/{expected} ({:.0} deliveries/s)",
        connected.load(Ordering::Relaxed),
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
        baseline / 1024,
        connected_rss / 1024,
        peak_rss / 1024,
        posted as f64 / 5.0,
        delivered as f64 / chat_secs,
    );
}

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![1000, 5000, 10_000]
    } else {
        counts
    };
    for n in counts {
        run(n).await;
    }
}
