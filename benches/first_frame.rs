//! First-frame benchmark: from opening a live stream's link to the first painted frame, in
//! real headless Chromium on a phone viewport, cold each time (a new browser and profile
//! per load), for a publisher sending VP8 and one sending H.264 with a keyframe every 2 s
//! (as OBS does by default). The publisher is aiortc (tests/common/aiortc_peer.py; real
//! encoders, and it is not webrtc-rs). The player notes when its first frame was presented
//! (`data-first-frame-ms`, from `requestVideoFrameCallback`, ms since the navigation began);
//! the bench also reads when the HTML arrived and when the WHEP offer went out and its answer
//! came back (resource timing), and prints p50 / p95 / max of each.
//!
//! `cargo bench --bench first_frame` (`-- 20` for 20 loads per codec). Needs chromium,
//! chromedriver and aiortc, as `scripts/test` installs them.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use serde_json::{Value, json};
use showfloor::Server;
use showfloor::config::Config;

use common::fixtures::{self, NewStream};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/aiortc_peer.py");

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> (Kill, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (scripts/test installs it)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "chromedriver listens"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (Kill(child), format!("http://127.0.0.1:{port}"))
}

/// A phone as in the media tests: 390×844 with touch, media permission granted.
async fn phone(webdriver: &str, profile: &tempfile::TempDir) -> fantoccini::Client {
    let mut args: Vec<String> = [
        "--headless=new",
        "--allow-loopback-in-peer-connection",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
        "--no-sandbox",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let options = json!({
        "binary": "/usr/bin/chromium",
        "args": args,
        "mobileEmulation": {
            "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true },
        },
    });
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(webdriver)
        .await
        .expect("chromium")
}

/// aiortc publishing `codec` with a keyframe every 2 s, once connected.
fn publish(base: &str, public_id: &str, key: &str, codec: &str) -> Kill {
    let url = format!("{base}/whip/{public_id}");
    let mut child = Command::new("python3")
        .args([SCRIPT, "publish", &url, key, "--codec", codec])
        .args(["--gop-seconds", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiortc");
    let stdout = child.stdout.take().unwrap();
    let (connected, up) = std::sync::mpsc::channel();
    // Read every line for as long as it runs (a closed pipe would stop it).
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let event: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if event["event"] == "error" {
                eprintln!("aiortc: {line}");
            }
            if event["event"] == "connection" && event["state"] == "connected" {
                let _ = connected.send(());
            }
        }
    });
    up.recv_timeout(Duration::from_secs(20))
        .expect("the aiortc publisher connects");
    Kill(child)
}

const READ: &str = "var p = document.querySelector('[data-whep]'); \
    var first = p && p.getAttribute('data-first-frame-ms'); if (!first) return null; \
    var nav = performance.getEntriesByType('navigation')[0]; \
    var whep = performance.getEntriesByType('resource').filter(function (e) { return e.name.indexOf('/whep/') >= 0; })[0]; \
    var assets = performance.getEntriesByType('resource').filter(function (e) { return /\\.(js|css)$/.test(e.name); }); \
    var scripts = assets.reduce(function (m, e) { return Math.max(m, e.responseEnd); }, 0); \
    return { first: Number(first), html: nav ? nav.responseEnd : null, scripts: scripts, \
      parsed: nav ? nav.domInteractive : null, \
      offer: whep ? whep.startTime : null, answer: whep ? whep.responseEnd : null };";

fn stats(name: &str, mut values: Vec<f64>) {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct =
        |p: f64| values[((values.len() as f64 * p).ceil() as usize).clamp(1, values.len()) - 1];
    println!(
        "  {name:<24} p50 {:>6.0} ms   p95 {:>6.0} ms   max {:>6.0} ms",
        pct(0.50),
        pct(0.95),
        values.last().copied().unwrap_or(0.0)
    );
}

fn main() {
    let loads: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let url = rt.block_on(common::database(dir.path(), "sf_first_frame"));
    let config = Config::for_tests(dir.path().to_path_buf(), url.clone());
    let server = rt.block_on(Server::start(config)).expect("server");
    let base = format!("http://{}", server.addr);
    let db = server.state.db.pool.clone();
    let (_driver, webdriver) = chromedriver();
    rt.block_on(async {
        common::sign_up(&base).await;
        let shop = fixtures::shop_id(&db, "bench").await;
        for (slug, codec) in [("first-vp8", "vp8"), ("first-h264", "h264")] {
            let now = showfloor::db::now_ms();
            let public_id = format!("{}{codec}", "benchfirst");
            let planned = NewStream::new(slug, "First frame", &public_id, now + 3_600_000);
            let stream = fixtures::stream(&db, shop, planned).await;
            let mut tx = db.begin().await.unwrap();
            let key = showfloor::streams::keys::rotate(&mut tx, shop, Some(stream), None)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let _publisher = publish(&base, &public_id, &key, codec);
            let page = format!("{base}/@bench/{slug}");
            let mut rows: Vec<Value> = Vec::new();
            for _ in 0..loads {
                let profile = tempfile::tempdir().unwrap();
                let client = phone(&webdriver, &profile).await;
                client.goto(&page).await.unwrap();
                let started = Instant::now();
                let row = loop {
                    let seen = client.execute(READ, vec![]).await.unwrap_or(Value::Null);
                    if !seen.is_null() {
                        break seen;
                    }
                    assert!(started.elapsed() < Duration::from_secs(20), "a first frame");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                };
                rows.push(row);
                let _ = client.close().await;
            }
            println!(
                "first frame, {codec} publisher ({}), {loads} cold loads on a 390×844 phone:",
                if codec == "h264" {
                    "H.264, keyframe every 2 s"
                } else {
                    "VP8"
                }
            );
            let field = |f: &str| {
                rows.iter()
                    .filter_map(|r| r[f].as_f64())
                    .collect::<Vec<_>>()
            };
            stats("HTML received", field("html"));
            stats("HTML parsed", field("parsed"));
            stats("CSS and scripts received", field("scripts"));
            stats("WHEP offer sent", field("offer"));
            stats("WHEP answer received", field("answer"));
            stats("first frame painted", field("first"));
        }
    });
    rt.block_on(server.stop()).ok();
    rt.block_on(common::drop_database(&url));
}
