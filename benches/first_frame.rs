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

// The media tests' Chromium phone, chromedriver, condition waits and aiortc peer.
#[path = "../tests/media/aiortc.rs"]
#[allow(dead_code)]
mod aiortc;
#[path = "../tests/media/phone.rs"]
#[allow(dead_code)]
mod phone;
#[path = "../tests/media/wait.rs"]
#[allow(dead_code)]
mod wait;

use std::time::Duration;

use serde_json::Value;
use showfloor::Server;
use showfloor::config::Config;

use common::fixtures::{self, NewStream};

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
    rt.block_on(async {
        let (_driver, webdriver) = phone::chromedriver().await.expect("chromedriver starts");
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
            let _publisher = aiortc::Peer::publish(&base, &public_id, &key, codec, "2").await;
            let page = format!("{base}/@bench/{slug}");
            let mut rows: Vec<Value> = Vec::new();
            for _ in 0..loads {
                let profile = tempfile::tempdir().unwrap();
                let client = phone::phone(&webdriver, &profile, false).await;
                client.goto(&page).await.unwrap();
                let row = wait::until_async(Duration::from_secs(20), "a first frame", || async {
                    let seen = phone::js(&client, READ).await;
                    (!seen.is_null()).then_some(seen)
                })
                .await;
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
