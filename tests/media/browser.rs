//! Real headless Chromium: the studio publishes the fake camera over WHIP, a second
//! browser opens the public stream page and plays it over WHEP.

use std::process::Command;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::fixtures::{scheduled_stream, status};
use crate::helpers::PASSWORD;
use crate::wait::until_async;

// chromedriver is started by `phone` (shared with the first-frame bench); re-exported
// here, where the other browser tests look for it.
pub(crate) use crate::phone::chromedriver;

pub(crate) async fn chromium(webdriver: &str, profile: &tempfile::TempDir) -> Client {
    let mut args = vec![
        "--headless=new",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--allow-loopback-in-peer-connection",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    // SAFETY-free check: root needs --no-sandbox.
    if std::env::var("USER").is_ok_and(|u| u == "root") || unsafe_is_root() {
        args.push("--no-sandbox".into());
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": "/usr/bin/chromium", "args": args }),
    );
    ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(webdriver)
        .await
        .expect("chromium session")
}

fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

async fn number(client: &Client, script: &str) -> f64 {
    client
        .execute(script, vec![])
        .await
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn the_studio_publishes_the_camera_and_a_shopper_plays_it_in_chromium() {
    if Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("chromedriver is missing: apt-get install chromium chromium-driver");
    }
    let live = scheduled_stream().await;
    let base = live.base();
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let studio = chromium(&webdriver, &p1).await;
    studio.goto(&format!("{base}/login")).await.unwrap();
    studio
        .find(Locator::Css("#email"))
        .await
        .unwrap()
        .send_keys(&live.owner_email)
        .await
        .unwrap();
    studio
        .find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    studio
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until_async(Duration::from_secs(10), "signed in", || async {
        studio
            .current_url()
            .await
            .ok()
            .filter(|u| !u.path().starts_with("/login"))
            .map(|_| ())
    })
    .await;
    studio
        .goto(&format!("{base}/studio/{}", live.stream_id))
        .await
        .unwrap();
    until_async(Duration::from_secs(10), "camera ready", || async {
        (number(
            &studio,
            "return document.getElementById('preview').videoWidth",
        )
        .await
            > 0.0)
            .then_some(())
    })
    .await;
    // Go live, then confirm in the page.
    for button in ["#go-live", "#go-live-now"] {
        studio
            .find(Locator::Css(button))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    until_async(Duration::from_secs(15), "the studio to be live", || async {
        let state = studio
            .execute(
                "return document.getElementById('studio').getAttribute('data-state')",
                vec![],
            )
            .await
            .ok()?;
        (state.as_str() == Some("live")).then_some(())
    })
    .await;
    assert_eq!(status(&live).await, "live");

    let shopper = chromium(&webdriver, &p2).await;
    shopper
        .goto(&format!("{base}/@{}/spring-knitwear", live.shop_slug))
        .await
        .unwrap();
    // The live stream page loads player.js and the live room itself.
    assert!(
        shopper
            .find(fantoccini::Locator::Css("[data-live-room]"))
            .await
            .is_ok(),
        "the live room is on the page"
    );
    until_async(
        Duration::from_secs(20),
        "the shopper's video to have a size",
        || async {
            (number(
                &shopper,
                "var v = document.querySelector('#player video'); return v ? v.videoWidth : 0",
            )
            .await
                > 0.0)
                .then_some(())
        },
    )
    .await;
    // framesDecoded from getStats() inbound-rtp, published by the player once a second.
    let decoded = |c: &Client| {
        let c = c.clone();
        async move {
            number(&c, "return Number(document.getElementById('player').getAttribute('data-frames-decoded') || 0)").await
        }
    };
    // Decoding goes on: the count grows past what it was (the player publishes it once a
    // second; a loaded machine may take longer, hence a deadline rather than a window).
    let before = decoded(&shopper).await;
    until_async(
        Duration::from_secs(20),
        "frames decoded to keep growing",
        || async { (decoded(&shopper).await > before).then_some(()) },
    )
    .await;
    let _ = shopper.close().await;
    let _ = studio.close().await;
}
