//! First-frame benchmark: from opening a live stream's link to the first painted frame, in
//! real headless Chromium on a phone viewport, cold each time (a new browser and profile
//! per load), for three publishers: the studio in Chromium (its fake camera, VP8), and
//! aiortc (tests/common/aiortc_peer.py; real encoders, not webrtc-rs) sending VP8, and
//! H.264 with a keyframe every 2 s (as OBS does by default). The player notes when its first frame was presented
//! (`data-first-frame-ms`, from `requestVideoFrameCallback`, ms since the navigation began);
//! the bench also reads when the HTML arrived and when the WHEP offer went out and its answer
//! came back (resource timing), and prints p50 / p95 / max of each.
//!
//! `cargo bench --bench first_frame` (`-- 20` for 20 loads per codec). Needs chromium,
//! chromedriver and aiortc, as `scripts/test` installs them.

// The shared bench setup (this bench starts its own server, so not `Bench`).
#[allow(dead_code)]
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
    var weight = (nav ? nav.transferSize : 0) + assets.reduce(function (n, e) { return n + e.transferSize; }, 0); \
    var m = (window.ShowfloorWhep && window.ShowfloorWhep.marks) || {}; \
    return { first: Number(first), html: nav ? nav.responseEnd : null, scripts: scripts, weight: weight / 1024, \
      early: m.start, pc: m.created, created_offer: m.offer, local: m.local, \
      connected: Number(p.getAttribute('data-connected-ms')) || null, \
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

/// Sign the bench's owner in on `studio` and go live on `stream` from the studio page.
async fn go_live_from_studio(studio: &fantoccini::Client, base: &str, stream: i64) {
    use fantoccini::Locator;
    studio.goto(&format!("{base}/login")).await.unwrap();
    for (field, value) in [
        ("#email", "bench@example.com"),
        ("#password", "correct horse battery"),
    ] {
        studio
            .find(Locator::Css(field))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    studio
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait::until_async(Duration::from_secs(20), "signed in", || async {
        let url = studio.current_url().await.ok()?;
        (!url.path().starts_with("/login")).then_some(())
    })
    .await;
    studio
        .goto(&format!("{base}/studio/{stream}"))
        .await
        .unwrap();
    wait::until_async(Duration::from_secs(20), "the camera", || async {
        let ready = phone::js(
            studio,
            "return document.getElementById('preview').videoWidth > 0;",
        )
        .await;
        (ready == true).then_some(())
    })
    .await;
    for button in ["#go-live", "#go-live-now"] {
        studio
            .find(Locator::Css(button))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    wait::until_async(Duration::from_secs(30), "the studio live", || async {
        let live = phone::js(
            studio,
            "return document.getElementById('studio').getAttribute('data-state') === 'live';",
        )
        .await;
        (live == true).then_some(())
    })
    .await;
}

/// `loads` page opens, each in a new browser and profile (`warm` false) or all in one
/// browser that has already opened a WebRTC page once (`warm`: a returning shopper).
async fn measure(webdriver: &str, page: &str, loads: usize, warm: bool) -> Vec<Value> {
    let first_frame = |client: fantoccini::Client| async move {
        client.goto(page).await.unwrap();
        wait::until_async(Duration::from_secs(20), "a first frame", || async {
            let seen = phone::js(&client, READ).await;
            (!seen.is_null()).then_some(seen)
        })
        .await
    };
    let mut rows = Vec::new();
    if warm {
        let profile = tempfile::tempdir().unwrap();
        let client = phone::phone(webdriver, &profile, false).await;
        first_frame(client.clone()).await; // the browser's first WebRTC page, not counted
        for _ in 0..loads {
            client.goto("about:blank").await.unwrap();
            rows.push(first_frame(client.clone()).await);
        }
        let _ = client.close().await;
    } else {
        for _ in 0..loads {
            let profile = tempfile::tempdir().unwrap();
            let client = phone::phone(webdriver, &profile, false).await;
            rows.push(first_frame(client.clone()).await);
            let _ = client.close().await;
        }
    }
    rows
}

fn report(title: &str, rows: &[Value]) {
    println!("{title}");
    let field = |f: &str| {
        rows.iter()
            .filter_map(|r| r[f].as_f64())
            .collect::<Vec<_>>()
    };
    stats("HTML received", field("html"));
    stats("HTML parsed", field("parsed"));
    stats("CSS and scripts received", field("scripts"));
    stats("early script runs", field("early"));
    stats("RTCPeerConnection made", field("pc"));
    stats("offer created", field("created_offer"));
    stats("local description set", field("local"));
    stats("WHEP offer sent", field("offer"));
    stats("WHEP answer received", field("answer"));
    stats("ICE and DTLS connected", field("connected"));
    stats("first frame painted", field("first"));
    // What the page transferred before images (HTML, styles, scripts), in KiB.
    let kib = field("weight");
    println!(
        "  page weight before images: {:.1} KiB",
        kib.iter().copied().fold(0.0, f64::max)
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
        for (slug, codec) in [
            ("first-studio", "studio"),
            ("first-vp8", "vp8"),
            ("first-h264", "h264"),
        ] {
            let now = showfloor::db::now_ms();
            let public_id = format!("{}{codec}", "benchfirst");
            let planned = NewStream::new(slug, "First frame", &public_id, now + 3_600_000);
            let stream = fixtures::stream(&db, shop, planned).await;
            let mut tx = db.begin().await.unwrap();
            let key = showfloor::streams::keys::rotate(&mut tx, shop, Some(stream), None)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            // The studio: Chromium on a phone, signed in, its fake camera going live (VP8).
            let studio_profile = tempfile::tempdir().unwrap();
            let (_publisher, _studio) = if codec == "studio" {
                let studio = phone::phone(&webdriver, &studio_profile, false).await;
                go_live_from_studio(&studio, &base, stream).await;
                (None, Some(studio))
            } else {
                (
                    Some(aiortc::Peer::publish(&base, &public_id, &key, codec, "2").await),
                    None,
                )
            };
            let page = format!("{base}/@bench/{slug}");
            let what = match codec {
                "h264" => "aiortc, H.264, keyframe every 2 s",
                "vp8" => "aiortc, VP8",
                _ => "the studio in Chromium, VP8",
            };
            let cold = measure(&webdriver, &page, loads, false).await;
            report(&format!("first frame, {what}, {loads} cold loads (a new browser each) on a 390×844 phone:"), &cold);
            let warm = measure(&webdriver, &page, loads, true).await;
            report(&format!("first frame, {what}, {loads} loads in a browser already running:"), &warm);
            if let Some(studio) = _studio {
                let _ = studio.close().await;
            }
        }
    });
    rt.block_on(server.stop()).ok();
    rt.block_on(common::drop_database(&url));
}
