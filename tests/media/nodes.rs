//! Three Showfloor nodes (separate processes, each on its own 127.0.0.x address and UDP
//! sockets) sharing one PostgreSQL database, reached through its Unix socket from the
//! loopback-only namespace. A viewer on any node watches a publisher on any node; edges
//! pull once however many viewers they serve; the publisher moves; an origin dies.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use showfloor::db::Backend;
use showfloor::media::client::Client;
use showfloor::media::cluster::store;
use showfloor::media::synth::{self, Shape};
use sqlx::Connection;

use crate::browser::chromedriver;
use crate::fixtures::{Live, scheduled_stream_with};
use crate::phone::{js, phone, wait_js};
use crate::wait::{until, until_async};
use crate::whip_whep::viewer;

const SECRET: &str = "node-to-node-secret";
const BIN: &str = env!("CARGO_BIN_EXE_showfloor");
const SOCKET_DIR: &str = "/var/run/postgresql";

/// A database of its own on the PostgreSQL the suite uses, through its Unix socket (TCP
/// to 127.0.0.1:5432 is outside this network namespace).
async fn database() -> String {
    assert!(
        std::path::Path::new(SOCKET_DIR)
            .join(".s.PGSQL.5432")
            .exists(),
        "the multi-node tests need PostgreSQL's socket in {SOCKET_DIR} (scripts/test starts it)"
    );
    let name = format!(
        "sf_test_nodes_{}",
        showfloor::auth::tokens::random_token()[..10]
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    let admin = format!("postgres://postgres@localhost/postgres?host={SOCKET_DIR}");
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL answers on its socket");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create database");
    conn.close().await.ok();
    format!("postgres://postgres@localhost/{name}?host={SOCKET_DIR}")
}

/// One node: the release binary's sibling, a process of its own.
struct Node {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Its log, when the test failed.
        if std::thread::panicking() {
            let log =
                std::fs::read_to_string(self._dir.path().join("node.log")).unwrap_or_default();
            eprintln!("--- node {} ---\n{log}", self.base);
        }
    }
}

/// libfaketime (Debian's `faketime`): the wall clock of the process it is preloaded into
/// runs off by `FAKETIME`; the monotonic clock stays true.
const FAKETIME_LIB: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

impl Node {
    /// A node whose wall clock is off by `skew` (e.g. `-10m`).
    async fn start_with_clock(ip: &str, database_url: &str, skew: Option<&str>) -> Node {
        let port = std::net::TcpListener::bind((ip, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(BIN);
        if let Some(skew) = skew {
            assert!(
                std::path::Path::new(FAKETIME_LIB).exists(),
                "libfaketime is missing (scripts/test installs Debian's faketime)"
            );
            command
                .env("LD_PRELOAD", FAKETIME_LIB)
                .env("FAKETIME", skew)
                .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        }
        let child = command
            .args(["--listen", &format!("{ip}:{port}")])
            .args(["--data-dir", dir.path().to_str().unwrap()])
            .args(["--database-url", database_url])
            .args(["--webrtc-ips", ip])
            .args(["--node-secret", SECRET])
            .env("SHOWFLOOR_LOG", "warn")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("node.log")).unwrap())
            .spawn()
            .expect("the showfloor binary runs");
        let base = format!("http://{ip}:{port}");
        let node = Node {
            child,
            base,
            _dir: dir,
        };
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        until_async(
            Duration::from_secs(30),
            "a node to answer /healthz",
            || async {
                let r = client
                    .get(format!("{}/healthz", node.base))
                    .send()
                    .await
                    .ok()?;
                r.status().is_success().then_some(())
            },
        )
        .await;
        node
    }

    /// A gauge of `/metrics` for the test's stream (0 when absent).
    async fn gauge(&self, name: &str, stream_id: i64) -> f64 {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let text = client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let label = format!("stream=\"{stream_id}\"");
        text.lines()
            .filter(|l| {
                l.split(['{', ' '])
                    .next()
                    .is_some_and(|n| n.ends_with(name))
            })
            .find(|l| l.contains(&label))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0.0)
    }
}

/// The stream (set up through an in-process server on the same database) and three
/// nodes on 127.0.0.2, .3 and .4.
async fn cluster() -> (Live, [Node; 3]) {
    cluster_with_clocks([None, None, None]).await
}

async fn cluster_with_clocks(skews: [Option<&str>; 3]) -> (Live, [Node; 3]) {
    let url = database().await;
    let for_setup = url.clone();
    let live = scheduled_stream_with(move |c| {
        c.database_url = Some(for_setup);
        c.node_secret = Some(SECRET.to_string().into());
    })
    .await;
    let nodes = [
        Node::start_with_clock("127.0.0.2", &url, skews[0]).await,
        Node::start_with_clock("127.0.0.3", &url, skews[1]).await,
        Node::start_with_clock("127.0.0.4", &url, skews[2]).await,
    ];
    (live, nodes)
}

/// Publish to `base` once the stream is free: while another node's publisher holds it
/// (its heartbeat fresh on the database's clock) WHIP would answer 409, so wait on that,
/// up to `deadline`, as the origin table says.
async fn publish_to(base: &str, live: &Live, deadline: Duration) -> Client {
    until_async(
        deadline,
        "the stream's previous origin to go stale",
        || async {
            let origin = store::find(live.app.db(), Backend::Postgres, live.stream_id)
                .await
                .ok()?;
            origin.is_none_or(|o| !o.alive()).then_some(())
        },
    )
    .await;
    let mut p = Client::publish(base, &live.public_id, &live.key)
        .await
        .expect("WHIP request")
        .unwrap_or_else(|r| panic!("WHIP on {base} refused: {} {}", r.status, r.body));
    p.connected(Duration::from_secs(10))
        .await
        .expect("publisher connects");
    p
}

fn video_packets(v: &Client) -> usize {
    v.received().iter().filter(|r| r.video).count()
}

/// Wait until every viewer received `more` video packets beyond what it had.
async fn all_receive(viewers: &[&Client], more: usize, what: &str) {
    let marks: Vec<usize> = viewers.iter().map(|v| video_packets(v)).collect();
    until(Duration::from_secs(20), what, || {
        viewers
            .iter()
            .zip(&marks)
            .all(|(v, m)| video_packets(v) >= m + more)
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn viewers_on_every_node_watch_one_publisher_and_follow_it_to_another_node() {
    let (live, [a, b, c]) = cluster().await;
    let p = publish_to(&a.base, &live, Duration::ZERO).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());

    // One viewer on A (the origin), three on B, one on C.
    let on_a = viewer(&a.base, &live.public_id, None).await;
    let mut on_b = Vec::new();
    for _ in 0..3 {
        on_b.push(viewer(&b.base, &live.public_id, None).await);
    }
    let on_c = viewer(&c.base, &live.public_id, None).await;
    let everyone: Vec<&Client> = [&on_a, &on_c].into_iter().chain(on_b.iter()).collect();
    all_receive(
        &everyone,
        100,
        "every viewer on every node to receive video",
    )
    .await;

    // One pull per edge, however many viewers it serves: A serves its viewer and the two
    // pulls; B and C pull once each.
    let id = live.stream_id;
    assert_eq!(
        a.gauge("media_viewers", id).await,
        3.0,
        "A: its viewer and two pulls"
    );
    assert_eq!(a.gauge("media_pulling", id).await, 0.0);
    assert_eq!(b.gauge("media_viewers", id).await, 3.0);
    assert_eq!(b.gauge("media_pulling", id).await, 1.0);
    assert_eq!(c.gauge("media_viewers", id).await, 1.0);
    assert_eq!(c.gauge("media_pulling", id).await, 1.0);
    let health = reqwest::Client::builder().no_proxy().build().unwrap();
    let b_health = health
        .get(format!("{}/healthz", b.base))
        .send()
        .await
        .unwrap();
    let b_health = b_health.text().await.unwrap();
    assert!(b_health.starts_with("ok\n"), "{b_health}");
    for line in ["rooms 1", "viewers 3", "pulls 1"] {
        assert!(
            b_health.lines().any(|l| l == line),
            "B's /healthz lacks {line:?}: {b_health}"
        );
    }

    // While it publishes on A, a second publisher on B is refused, as on one node.
    let second = Client::publish(&b.base, &live.public_id, &live.key)
        .await
        .unwrap();
    let refused = second.err().expect("a second publisher is refused");
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("already being broadcast"),
        "{}",
        refused.body
    );

    // The publisher's connection to A ends; it reconnects to B (the load balancer sent it
    // there). Viewers on A and C (and B's) continue without a new WHEP request.
    let _ = p.pc.close().await;
    drop(_source);
    let moved = Instant::now();
    let p2 = publish_to(&b.base, &live, Duration::from_secs(15)).await;
    let accepted = moved.elapsed();
    let _source2 = synth::start(p2.tracks[0].clone(), p2.tracks[1].clone(), Shape::default());
    let resumed_from = Instant::now();
    all_receive(
        &everyone,
        60,
        "every viewer to receive video from the new origin",
    )
    .await;
    eprintln!(
        "publisher moved: B accepted it {} ms after it left A; every viewer had video {} ms later",
        accepted.as_millis(),
        resumed_from.elapsed().as_millis()
    );
    until_async(Duration::from_secs(10), "B no longer pulls", || async {
        (b.gauge("media_pulling", id).await == 0.0).then_some(())
    })
    .await;
    until_async(Duration::from_secs(10), "A pulls from B", || async {
        (a.gauge("media_pulling", id).await == 1.0).then_some(())
    })
    .await;
    let origin = store::find(live.app.db(), Backend::Postgres, id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        origin.media_url.contains("127.0.0.3"),
        "B is the origin: {origin:?}"
    );
}

#[tokio::test]
async fn an_origin_killed_is_cleared_and_a_publisher_on_another_node_brings_its_viewers_back() {
    // C's wall clock is ten minutes slow: routing must not care (the heartbeat is the
    // database's clock), or B would take C's fresh beats for a dead origin.
    let (live, [mut a, b, c]) = cluster_with_clocks([None, None, Some("-10m")]).await;
    let id = live.stream_id;
    let p = publish_to(&a.base, &live, Duration::ZERO).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    let on_b = viewer(&b.base, &live.public_id, None).await;
    all_receive(&[&on_b], 100, "B's viewer to receive video pulled from A").await;

    // Pulling takes the node credential, never the stream key.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let path = format!("{}/internal/whep/{}", a.base, live.public_id);
    for auth in [
        None,
        Some(format!("Bearer {}", live.key)),
        Some("Bearer wrong".into()),
    ] {
        let mut request = http
            .post(&path)
            .header("Content-Type", "application/sdp")
            .body("v=0\r\n");
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        assert_eq!(request.send().await.unwrap().status(), 401);
    }

    // A dies without a word (SIGKILL): its heartbeat stops, and within the timeout the
    // database's clock says the origin is gone.
    let _ = a.child.kill();
    let _ = a.child.wait();
    let killed = Instant::now();
    until_async(
        Duration::from_secs(10),
        "the dead origin to go stale",
        || async {
            let o = store::find(live.app.db(), Backend::Postgres, id)
                .await
                .ok()?;
            o.is_none_or(|o| !o.alive()).then_some(())
        },
    )
    .await;
    eprintln!(
        "origin stale {} ms after SIGKILL",
        killed.elapsed().as_millis()
    );

    // An origin record that still looks alive but points at the dead node: a viewer on C
    // is told to retry (503, Retry-After) well within five seconds, never left hanging.
    sqlx::query(
        "UPDATE media_origins SET heartbeat_ms = CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) WHERE stream_id = $1",
    )
    .bind(id)
    .execute(live.app.db())
    .await
    .unwrap();
    let asked = Instant::now();
    let refused = Client::play(&c.base, &live.public_id).await.unwrap();
    let refused = refused.err().expect("no video from a dead origin");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "answered in {:?}",
        asked.elapsed()
    );
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(
        refused.body.contains("origin_unreachable"),
        "{}",
        refused.body
    );
    assert_eq!(refused.header("retry-after"), Some("2"));

    // The publisher reconnects to C (whose clock is ten minutes slow): B's viewer comes
    // back on its own.
    let p2 = publish_to(&c.base, &live, Duration::from_secs(15)).await;
    let _source2 = synth::start(p2.tracks[0].clone(), p2.tracks[1].clone(), Shape::default());
    all_receive(&[&on_b], 60, "B's viewer to receive video pulled from C").await;
    let origin = store::find(live.app.db(), Backend::Postgres, id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        origin.media_url.contains("127.0.0.4"),
        "C is the origin: {origin:?}"
    );
    assert!(
        origin.alive(),
        "C's beats are fresh on the database's clock: {origin:?}"
    );
    drop(a);
}

#[tokio::test]
async fn a_node_at_its_viewer_limit_sends_the_next_viewer_elsewhere() {
    let live = crate::fixtures::scheduled_stream_with(|c| c.max_viewers = Some(1)).await;
    let base = live.base();
    let p = crate::whip_whep::publisher(&base, &live.public_id, &live.key).await;
    let _source = synth::start(p.tracks[0].clone(), p.tracks[1].clone(), Shape::default());
    let first = viewer(&base, &live.public_id, None).await;
    let refused = Client::play(&base, &live.public_id).await.unwrap();
    let refused = refused.err().expect("the second viewer is refused");
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(refused.body.contains("node_full"), "{}", refused.body);
    assert_eq!(refused.header("retry-after"), Some("2"));
    // The one already watching goes on.
    all_receive(&[&first], 30, "the first viewer to keep receiving").await;
}

#[tokio::test]
async fn chromium_on_an_edge_plays_real_video_published_by_another_stack_to_the_origin() {
    // aiortc (real VP8 from its own encoder) publishes to A; Chromium opens the stream's
    // page as node C serves it, so its player's WHEP request lands on C, an edge.
    let (live, [a, _b, c]) = cluster().await;
    let _publisher =
        crate::aiortc::Peer::publish(&a.base, &live.public_id, &live.key, "vp8", "1.5").await;
    until_async(Duration::from_secs(30), "the stream to go live", || async {
        (crate::fixtures::status(&live).await == "live").then_some(())
    })
    .await;
    let (_driver, webdriver) = chromedriver().await.expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let shopper = phone(&webdriver, &profile, false).await;
    shopper
        .goto(&format!("{}/@{}/spring-knitwear", c.base, live.shop_slug))
        .await
        .unwrap();
    let frames =
        "Number(document.getElementById('player').getAttribute('data-frames-decoded') || 0)";
    wait_js(
        &shopper,
        "Chromium on the edge to decode video",
        &format!("return {frames} > 0"),
    )
    .await;
    let before = js(&shopper, &format!("return {frames}"))
        .await
        .as_f64()
        .unwrap_or(0.0);
    wait_js(
        &shopper,
        "Chromium on the edge to keep decoding",
        &format!("return {frames} > {before}"),
    )
    .await;
    assert_eq!(
        c.gauge("media_pulling", live.stream_id).await,
        1.0,
        "C serves it from a pull"
    );
    let _ = shopper.close().await;
}
