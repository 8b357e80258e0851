//! Chromium as a shopper's phone: a 390×844 viewport with touch, optionally with
//! third-party cookies blocked, and what a page asked of the network (resource timing),
//! so a test can say no request of the player failed.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::wait::until_async;

/// The chromedriver process, in a process group of its own with every Chromium it
/// started; the whole group is killed when dropped, so a test that panics before closing
/// its browsers leaves none running (they would load the machine for the tests after it).
pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) async fn chromedriver() -> Option<(Driver, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let driver = Driver(child);
    until_async(
        Duration::from_secs(10),
        "chromedriver to listen",
        || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .ok()
                .map(|_| ())
        },
    )
    .await;
    Some((driver, format!("http://127.0.0.1:{port}")))
}

/// A phone-sized headless Chromium. `block_third_party_cookies` sets the profile's
/// cookie controls (Settings → Privacy) to block or to allow third-party cookies; this
/// Chromium (156) blocks them in a cross-site frame unless told to allow them.
pub(crate) async fn phone(
    webdriver: &str,
    profile: &tempfile::TempDir,
    block_third_party_cookies: bool,
) -> Client {
    let mut args: Vec<String> = [
        "--headless=new",
        "--allow-loopback-in-peer-connection",
        // Media permission granted (as to a page that asked for the camera): without it
        // Chromium hides its host candidates behind mDNS names, which nothing resolves in
        // the loopback-only namespace, and the player never connects (a 2×2 placeholder
        // frame still gives the <video> a size).
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
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
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    if is_root() {
        args.push("--no-sandbox".into());
    }
    let mut options = json!({
        "binary": "/usr/bin/chromium",
        "args": args,
        "mobileEmulation": {
            "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true },
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"
        },
    });
    // Both ways explicitly (Settings → Privacy → Third-party cookies).
    options["prefs"] = if block_third_party_cookies {
        json!({ "profile.cookie_controls_mode": 1, "profile.block_third_party_cookies": true })
    } else {
        json!({ "profile.cookie_controls_mode": 0, "profile.block_third_party_cookies": false })
    };
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(webdriver)
        .await
        .expect("chromium session")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Run `script` (a function body that returns a value) and give back its JSON.
pub(crate) async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.unwrap_or(Value::Null)
}

/// Keep every resource timing entry from now on (the default buffer holds 250).
pub(crate) const RECORD_REQUESTS: &str =
    "performance.setResourceTimingBufferSize(100000); return true;";

/// Requests of this document that answered 4xx/5xx: `[url, status]`.
pub(crate) const FAILED_REQUESTS: &str = "return performance.getEntriesByType('resource')\
    .filter(function (e) { return e.responseStatus >= 400; })\
    .map(function (e) { return [e.name, e.responseStatus]; });";

/// How long the helpers below wait for the page.
const PAGE: Duration = Duration::from_secs(30);

/// Wait until `script` (a function body) returns true.
pub(crate) async fn wait_js(client: &Client, what: &str, script: &str) {
    until_async(PAGE, what, || async {
        (js(client, script).await == true).then_some(())
    })
    .await;
}

/// A real click on the first displayed element matching `css`, once there is one
/// (WebDriver's element click: refused while anything lies over the element).
pub(crate) async fn click(client: &Client, css: &str) {
    until_async(PAGE, css, || async {
        for e in client.find_all(Locator::Css(css)).await.ok()? {
            if e.is_displayed().await.unwrap_or(false) && e.click().await.is_ok() {
                return Some(());
            }
        }
        None
    })
    .await;
}

/// Type into the element matching `css`, once it takes keys.
pub(crate) async fn type_into(client: &Client, css: &str, value: &str) {
    until_async(PAGE, css, || async {
        let e = client.find(Locator::Css(css)).await.ok()?;
        e.send_keys(value).await.ok()
    })
    .await;
}

/// Pay in the checkout sheet's offline test mode, as a shopper types it: name, e-mail
/// (made from the first name), a shipping address, then Pay.
pub(crate) async fn pay_in_sheet(client: &Client, name: &str) {
    let first = name.split(' ').next().unwrap_or(name).to_lowercase();
    type_into(client, "#checkout-name", name).await;
    type_into(client, "#checkout-email", &format!("{first}@example.com")).await;
    type_into(client, "#checkout-address", "1 Loop Street").await;
    click(client, ".btn-pay").await;
}
