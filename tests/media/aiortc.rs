//! aiortc, a WebRTC stack we did not write (PyPI: its own ICE, DTLS and SRTP, and real
//! VP8 and H.264 encoders and decoders through PyAV), driven by
//! `tests/common/aiortc_peer.py`: a WHIP publisher of real video for the browser tests and a
//! WHEP viewer for the interop tests. Each run's JSON events are collected as they come.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::wait::until;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/aiortc_peer.py");
const WAIT: Duration = Duration::from_secs(30);

/// One run of the aiortc script, its events as they arrive.
pub struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    events: Arc<Mutex<Vec<Value>>>,
    /// Closed when the script's output ends, that is when it exits.
    exited: mpsc::Receiver<()>,
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
        let (done, exited) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match serde_json::from_str::<Value>(&line) {
                    Ok(event) => sink.lock().unwrap().push(event),
                    Err(_) => eprintln!("aiortc: {line}"),
                }
            }
            drop(done);
        });
        let stdin = child.stdin.take();
        Peer {
            child,
            stdin,
            events,
            exited,
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
        // Its output ends when it exits; past the deadline it is killed.
        if self.exited.recv_timeout(Duration::from_secs(5)) != Err(RecvTimeoutError::Disconnected) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Peer {
    /// aiortc publishing real video in `codec` ("vp8" or "h264") over WHIP to `stream` on
    /// `base`, a keyframe every `gop_seconds` as an encoder with a fixed interval sends
    /// them; returned once connected, with its ICE + DTLS time asserted under 200 ms. It
    /// stops when dropped.
    pub async fn publish(
        base: &str,
        stream: &str,
        key: &str,
        codec: &str,
        gop_seconds: &str,
    ) -> Peer {
        let url = format!("{base}/whip/{stream}");
        // Options first, then `--`: a stream key may start with "-", which argparse would
        // otherwise read as an option (one key in 64).
        let args = [
            "publish",
            "--codec",
            codec,
            "--gop-seconds",
            gop_seconds,
            "--",
            &url,
            key,
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
        publisher
    }
}
