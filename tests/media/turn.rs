//! TURN: the servers configured once (`--ice-servers`, `--turn-secret`) reach the studio and
//! the player as `RTCIceServer` objects (in the page) and as `Link: <turn:…>;
//! rel="ice-server"` headers on WHIP and WHEP answers, with credentials in coturn's
//! shared-secret scheme; and Chromium told to use relays only (`iceTransportPolicy:
//! "relay"`, as on a network where nothing but the TURN server is reachable) publishes
//! from the studio and plays on the viewer page through Debian's coturn on loopback.

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fantoccini::Client as Browser;
use serde_json::{Value, json};
use showfloor::config::IceUrl;
use showfloor::media::synth::{self, Shape};

use crate::browser::{chromedriver, chromium};
use crate::browser_phone::sign_in;
use crate::fixtures::{Live, scheduled_stream_with, status};
use crate::phone::{click, js, wait_js};
use crate::wait::{until, until_async};
use crate::whip_whep::{publisher, viewer};

const SECRET: &str = "loopback-turn-secret";

fn with_turn(port: u16) -> impl FnOnce(&mut showfloor::config::Config) {
    move |config| {
        config.ice_servers = vec![
            format!("turn:127.0.0.1:{port}?transport=udp")
                .parse::<IceUrl>()
                .unwrap(),
            format!("stun:127.0.0.1:{port}").parse::<IceUrl>().unwrap(),
        ];
        config.turn_secret = Some(SECRET.to_string().into());
    }
}

/// coturn's password for `username`, computed by Python's standard library (not by the
/// code under test): base64(HMAC-SHA1(secret, username)).
fn coturn_password(username: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import base64,hashlib,hmac,sys;print(base64.b64encode(hmac.new(sys.argv[1].encode(),sys.argv[2].encode(),hashlib.sha1).digest()).decode())",
            SECRET,
            username,
        ])
        .output()
        .expect("python3 runs");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Check one handed-out TURN server: computed credentials for `id`, valid for a day.
fn assert_turn_credentials(username: &str, credential: &str, id: &str) {
    let (expiry, who) = username.split_once(':').expect("EXPIRY:ID");
    assert_eq!(who, id);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expiry: u64 = expiry.parse().expect("a Unix time");
    assert!(
        expiry >= now + 86_400 - 5 && expiry <= now + 86_400 + 3_600,
        "valid for a day, rounded up to the hour: {expiry} vs now {now}"
    );
    assert_eq!(credential, coturn_password(username), "coturn's scheme");
}

/// The `data-ice` JSON of the first element matching `css` in `html`.
fn data_ice(html: &str, css: &str) -> Value {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(css).unwrap();
    let el = doc
        .select(&sel)
        .next()
        .unwrap_or_else(|| panic!("{css} on the page"));
    serde_json::from_str(el.value().attr("data-ice").expect("data-ice")).expect("JSON")
}

/// `<url>; rel="ice-server"; k="v"…` read back (a reader of our own: the browser's is
/// checked in Chromium below).
fn link_params(link: &str) -> (String, std::collections::HashMap<String, String>) {
    let (url, rest) = link.trim_start_matches('<').split_once('>').expect("<url>");
    let params = rest
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
        .collect();
    (url.to_string(), params)
}

#[tokio::test]
async fn the_studio_the_player_and_every_whip_and_whep_answer_hand_out_the_turn_servers() {
    let live = scheduled_stream_with(with_turn(3478)).await;
    let base = live.base();
    let turn_url = "turn:127.0.0.1:3478?transport=udp";
    let (publish_id, play_id) = (
        format!("whip-{}", live.public_id),
        format!("whep-{}", live.public_id),
    );

    // The studio page: RTCIceServer objects, as RTCPeerConnection takes them.
    let studio = live.owner.get(&format!("/studio/{}", live.stream_id)).await;
    let servers = data_ice(&studio.body, "#studio");
    assert_eq!(servers.as_array().unwrap().len(), 2, "{servers}");
    assert_eq!(servers[0]["urls"], turn_url);
    assert_turn_credentials(
        servers[0]["username"].as_str().unwrap(),
        servers[0]["credential"].as_str().unwrap(),
        &publish_id,
    );
    assert_eq!(
        servers[1],
        json!({ "urls": "stun:127.0.0.1:3478" }),
        "STUN has no credentials"
    );

    // The WHIP answer: RFC 9725 §4.6 Link headers, one per server.
    let p = publisher(&base, &live.public_id, &live.key).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    let links = p.links();
    assert_eq!(links.len(), 2, "{links:?}");
    let (url, params) = link_params(links[0]);
    assert_eq!(url, turn_url);
    assert_eq!(params["rel"], "ice-server");
    assert_eq!(params["credential-type"], "password");
    assert_turn_credentials(&params["username"], &params["credential"], &publish_id);
    assert_eq!(links[1], "<stun:127.0.0.1:3478>; rel=\"ice-server\"");
    assert_eq!(status(&live).await, "live");

    // The viewer page (and the embed): in the early script's <meta> and on the player.
    let page = live
        .app
        .browser()
        .get(&format!("/@{}/spring-knitwear", live.shop_slug))
        .await;
    for css in ["meta[name=showfloor-whep]", "[data-whep]"] {
        let servers = data_ice(&page.body, css);
        assert_eq!(servers[0]["urls"], turn_url, "{css}");
        assert_turn_credentials(
            servers[0]["username"].as_str().unwrap(),
            servers[0]["credential"].as_str().unwrap(),
            &play_id,
        );
    }
    let embed = live
        .app
        .browser()
        .get(&format!("/@{}/spring-knitwear/embed", live.shop_slug))
        .await;
    assert_eq!(data_ice(&embed.body, "[data-whep]")[0]["urls"], turn_url);

    // The WHEP answer.
    let v = viewer(&base, &live.public_id, None).await;
    let (url, params) = link_params(v.links()[0]);
    assert_eq!(url, turn_url);
    assert_turn_credentials(&params["username"], &params["credential"], &play_id);
    until(Duration::from_secs(10), "video through", || {
        (v.received().iter().filter(|r| r.video).count() > 10).then_some(())
    })
    .await;
}

/// Debian's coturn on loopback with the shared-secret scheme, killed when dropped.
struct Coturn {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn coturn() -> Coturn {
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Relay ports of its own, away from the listening port and the kernel's ephemeral
    // range the media server binds in (coturn skips any that are taken).
    let relay = 20_000 + (std::process::id() % 200) as u16 * 50;
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new("turnserver")
        .args([
            "-n",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--fingerprint",
            "--simple-log",
        ])
        .args([
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            "--allow-loopback-peers",
        ])
        .arg(format!("--listening-port={port}"))
        .arg(format!("--min-port={relay}"))
        .arg(format!("--max-port={}", relay + 49))
        .args([
            "--use-auth-secret",
            &format!("--static-auth-secret={SECRET}"),
        ])
        .arg("--realm=showfloor.test")
        .arg(format!(
            "--pidfile={}",
            dir.path().join("turn.pid").display()
        ))
        .arg(format!("--userdb={}", dir.path().join("turndb").display()))
        .arg(format!(
            "--log-file={}",
            dir.path().join("turn.log").display()
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("turnserver runs (scripts/test installs Debian's coturn)");
    let turn = Coturn {
        child,
        port,
        _dir: dir,
    };
    // Ready when it answers a STUN Binding request.
    let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
    probe
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    until(Duration::from_secs(15), "coturn to answer STUN", || {
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
        request.extend(rand::random::<[u8; 12]>());
        probe.send_to(&request, ("127.0.0.1", port)).ok()?;
        let mut buf = [0u8; 512];
        let (n, _) = probe.recv_from(&mut buf).ok()?;
        (n >= 20 && buf[0..2] == [0x01, 0x01]).then_some(())
    })
    .await;
    turn
}

/// Run before any page script: every peer connection uses relays only, and is kept in
/// `window.__pcs` for the checks below.
const RELAY_ONLY: &str = "(function () {\
  var P = window.RTCPeerConnection; window.__pcs = [];\
  window.RTCPeerConnection = class extends P {\
    constructor(config) {\
      super(Object.assign({}, config || {}, { iceTransportPolicy: 'relay' }));\
      window.__pcs.push(this);\
    }\
  };\
})();";

async fn relay_only(browser: &Browser) {
    #[derive(Debug)]
    struct Cdp(Value);
    impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
        fn endpoint(
            &self,
            base: &url::Url,
            session: Option<&str>,
        ) -> Result<url::Url, url::ParseError> {
            base.join(&format!(
                "session/{}/goog/cdp/execute",
                session.unwrap_or_default()
            ))
        }
        fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
            (axum::http::Method::POST, Some(self.0.to_string()))
        }
    }
    browser
        .issue_cmd(Cdp(json!({
            "cmd": "Page.addScriptToEvaluateOnNewDocument",
            "params": { "source": RELAY_ONLY },
        })))
        .await
        .expect("CDP through chromedriver");
}

/// The type of the local candidate of the selected pair of the page's live connection.
const SELECTED_CANDIDATE: &str = "var done = arguments[arguments.length - 1];\
  var pcs = (window.__pcs || []).filter(function (pc) { return pc.connectionState === 'connected'; });\
  if (!pcs.length) { done(null); return; }\
  pcs[pcs.length - 1].getStats().then(function (r) {\
    var pair = null, types = {};\
    r.forEach(function (s) { if (s.type === 'transport' && s.selectedCandidatePairId) { pair = r.get(s.selectedCandidatePairId); } });\
    r.forEach(function (s) { if (s.type === 'local-candidate') { types[s.id] = s.candidateType; } });\
    done(pair ? types[pair.localCandidateId] || null : null);\
  }, function () { done(null); });";

async fn selected_candidate_type(browser: &Browser, what: &str) -> String {
    until_async(Duration::from_secs(30), what, || async {
        browser
            .execute_async(SELECTED_CANDIDATE, vec![])
            .await
            .ok()?
            .as_str()
            .map(str::to_owned)
    })
    .await
}

async fn go_live_from_the_studio(studio: &Browser, live: &Live) {
    sign_in(studio, &live.base(), &live.owner_email).await;
    relay_only(studio).await;
    studio
        .goto(&format!("{}/studio/{}", live.base(), live.stream_id))
        .await
        .unwrap();
    wait_js(
        studio,
        "camera ready",
        "return document.getElementById('preview').videoWidth > 0",
    )
    .await;
    click(studio, "#go-live").await;
    click(studio, "#go-live-now").await;
    wait_js(
        studio,
        "the studio to be live",
        "return document.getElementById('studio').getAttribute('data-state') === 'live'",
    )
    .await;
}

#[tokio::test]
async fn chromium_publishes_from_the_studio_and_plays_through_coturn_with_relays_only() {
    let turn = coturn().await;
    let live = scheduled_stream_with(with_turn(turn.port)).await;
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    let studio = chromium(&webdriver, &p1).await;
    go_live_from_the_studio(&studio, &live).await;
    assert_eq!(status(&live).await, "live");
    assert_eq!(
        selected_candidate_type(&studio, "the studio's selected pair").await,
        "relay",
        "the studio publishes through the TURN relay"
    );

    let shopper = chromium(&webdriver, &p2).await;
    relay_only(&shopper).await;
    shopper
        .goto(&format!(
            "{}/@{}/spring-knitwear",
            live.base(),
            live.shop_slug
        ))
        .await
        .unwrap();
    let frames =
        "return Number(document.getElementById('player').getAttribute('data-frames-decoded') || 0)";
    wait_js(
        &shopper,
        "the shopper's video to play",
        &format!("{frames} > 0"),
    )
    .await;
    assert_eq!(
        selected_candidate_type(&shopper, "the player's selected pair").await,
        "relay",
        "the player plays through the TURN relay"
    );
    let before = js(&shopper, frames).await.as_f64().unwrap_or(0.0);
    wait_js(
        &shopper,
        "frames to keep coming",
        &format!("{frames} > {before}"),
    )
    .await;

    // The player's reader of the WHEP answer's Link headers (static/ice.js) gives back
    // the servers the page carried: a reconnect uses them with fresh credentials.
    let v = viewer(&live.base(), &live.public_id, None).await;
    let header = v.links().join(", ");
    let from_links = shopper
        .execute(
            "return ShowfloorIce.fromLinks(arguments[0])",
            vec![json!(header)],
        )
        .await
        .unwrap();
    let from_page = js(
        &shopper,
        "return JSON.parse(document.querySelector('[data-whep]').getAttribute('data-ice'))",
    )
    .await;
    assert_eq!(from_links, from_page);
    let _ = shopper.close().await;
    let _ = studio.close().await;
    drop(turn);
}
