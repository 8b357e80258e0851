//! aiortc, a WebRTC stack we did not write (PyPI: its own ICE, DTLS and SRTP, and real
//! VP8 and H.264 encoders and decoders through PyAV), driven by
//! `tests/common/aiortc_peer.py`: a WHIP publisher of real video for the browser tests and a
//! WHEP viewer for the interop tests. Each run's JSON events are collected as they come.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::fixtures::{Live, status};
use crate::wait::{until, until_async};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/aiortc_peer.py");
const WAIT: Duration = Duration::from_secs(30);

/// One run of the aiortc script, its events as they arrive.
pub struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    events: Arc<Mutex<Vec<Value>>>,
}

impl Peer {
    pub fn start(args: &[&str]) -> Peer {
        let mut child = Command::new("python3")
            .arg(SCRIPT)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs (scripts/test installs aiortc)");
        let stdout = child.stdout.take().unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match serde_json::from_str::<Value>(&line) {
                    Ok(event) => sink.lock().unwrap().push(event),
                    Err(_) => eprintln!("aiortc: {line}"),
                }
            }
        });
        let stdin = child.stdin.take();
        Peer {
            child,
            stdin,
            events,
        }
    }

    pub fn events(&self) -> Vec<Value> {
        self.events.lock().unwrap().clone()
    }

    /// The first event named `name` (with `state` when given), once there is one.
    pub async fn wait_for(&self, name: &str, state: Option<&str>) -> Value {
        let started = std::time::Instant::now();
        until(WAIT, name, || {
            let events = self.events();
            let failed = |e: &&Value| {
                e["event"] == "error" || (e["event"] == "connection" && e["state"] == "failed")
            };
            if let Some(err) = events.iter().find(failed) {
                panic!("aiortc failed: {err}; events: {events:?}");
            }
            let found = events
                .iter()
                .find(|e| e["event"] == name && state.is_none_or(|s| e["state"] == s));
            if found.is_none() && started.elapsed() + Duration::from_millis(100) >= WAIT {
                panic!("aiortc: no {name} {state:?} yet; events: {events:?}");
            }
            found.cloned()
        })
        .await
    }

    pub fn ms(event: &Value) -> f64 {
        event["ms"].as_f64().unwrap()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // A publisher stops when its input closes (it sends DELETE first).
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// aiortc publishing real video in `codec` ("vp8" or "h264") over WHIP, once the stream
/// is live; it stops when dropped.
pub async fn publishes(live: &Live, codec: &str) -> Peer {
    let url = format!("{}/whip/{}", live.base(), live.public_id);
    // A keyframe every 1.5 s, as an encoder with a fixed interval that ignores PLI would
    // send them (aiortc also answers PLI; the keyframe cache should make that moot).
    let args = [
        "publish",
        &url,
        &live.key,
        "--codec",
        codec,
        "--gop-seconds",
        "1.5",
    ];
    let publisher = Peer::start(&args);
    let answer = publisher.wait_for("answer", None).await;
    let connected = publisher.wait_for("connection", Some("connected")).await;
    let setup = Peer::ms(&connected) - Peer::ms(&answer);
    println!("aiortc publisher: connected {setup:.1} ms after the answer");
    assert!(
        setup < 200.0,
        "the publisher's ICE + DTLS took {setup:.1} ms after the answer"
    );
    until_async(WAIT, "the stream to go live", || async {
        (status(live).await == "live").then_some(())
    })
    .await;
    publisher
}
