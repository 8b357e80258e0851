//! Joining and leaving as WHEP viewers, many at a time, timing each join from the
//! offer's POST to the first keyframe received.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use showfloor::media::client::Client;
use showfloor::media::synth::{self, Shape, Source};
use tokio::sync::Semaphore;

use super::probe::{cpu_seconds, metric};
use super::server::Target;

const CONNECT: Duration = Duration::from_secs(15);
const FIRST_KEYFRAME: Duration = Duration::from_secs(10);

/// A connected viewer and how long it waited for its first keyframe.
pub struct Viewer {
    pub client: Client,
    /// From the offer's POST to the answer, to "connected" (ICE + DTLS), to the first keyframe.
    pub join_to_answer: Duration,
    pub join_to_connected: Duration,
    pub join_to_keyframe: Duration,
}

/// Poll `check` every 5 ms until true or `deadline` (the tool's own waits; tests use deadlines too).
pub async fn wait_until(deadline: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !check() {
        if start.elapsed() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

/// One viewer: offer, connect, first keyframe.
pub async fn join_one(base: &str, stream: &str) -> anyhow::Result<Viewer> {
    let start = Instant::now();
    let mut client = Client::play_counting(base, stream)
        .await?
        .map_err(|r| anyhow!("WHEP refused: {} {}", r.status, r.body))?;
    let join_to_answer = start.elapsed();
    client.connected(CONNECT).await?;
    let join_to_connected = start.elapsed();
    let keyframe = wait_until(FIRST_KEYFRAME, || client.tally().first_keyframe().is_some()).await;
    if !keyframe {
        let _ = client.stop().await;
        anyhow::bail!("no keyframe within {FIRST_KEYFRAME:?}");
    }
    let first = client.tally().first_keyframe().context("keyframe")?;
    Ok(Viewer {
        join_to_answer,
        join_to_connected,
        join_to_keyframe: first.duration_since(start),
        client,
    })
}

/// `count` viewers, at most `parallel` joining at once; failures are counted, not fatal.
pub async fn join_many(target: &Target, count: usize, parallel: usize) -> (Vec<Viewer>, usize) {
    let gate = Arc::new(Semaphore::new(parallel.max(1)));
    let mut tasks = Vec::with_capacity(count);
    for _ in 0..count {
        let gate = gate.clone();
        let (base, stream) = (target.base.clone(), target.stream.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            join_one(&base, &stream).await
        }));
    }
    let (mut joined, mut failed) = (Vec::with_capacity(count), 0);
    for task in tasks {
        match task.await {
            Ok(Ok(viewer)) => joined.push(viewer),
            Ok(Err(err)) => {
                failed += 1;
                eprintln!("viewer failed to join: {err:#}");
            }
            Err(_) => failed += 1,
        }
    }
    (joined, failed)
}

/// The `q` quantile (0–1) of `values` in milliseconds.
pub fn quantile_ms(values: &[Duration], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut ms: Vec<f64> = values.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let rank = ((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len());
    ms[rank - 1]
}

/// Publish the synthetic 2.5 Mbps VP8 + Opus stream and give it 3 s to settle.
pub async fn start_publisher(target: &Target) -> anyhow::Result<(Client, Source)> {
    let mut publisher = Client::publish(&target.base, &target.stream, &target.key)
        .await?
        .map_err(|r| anyhow!("WHIP refused: {} {}", r.status, r.body))?;
    publisher.connected(Duration::from_secs(10)).await?;
    let source = synth::start(
        publisher.tracks[0].clone(),
        publisher.tracks[1].clone(),
        Shape::default(),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    Ok((publisher, source))
}

/// Counters at one instant: the server's (CPU, media metrics) and what `viewers` received.
pub struct Snapshot {
    pub at: Instant,
    pub server_cpu: f64,
    pub own_cpu: f64,
    pub received: f64,
    pub forwarded: f64,
    pub delivered: u64,
    pub missing: u64,
}

pub async fn snapshot(target: &Target, viewers: &[Viewer]) -> anyhow::Result<Snapshot> {
    let tally = |f: fn(&Viewer) -> u64| viewers.iter().map(f).sum::<u64>();
    Ok(Snapshot {
        at: Instant::now(),
        server_cpu: cpu_seconds(&target.pid.to_string())?,
        own_cpu: cpu_seconds("self")?,
        received: metric(&target.base, "showfloor_media_packets_received_total").await?,
        forwarded: metric(&target.base, "showfloor_media_packets_forwarded_total").await?,
        delivered: tally(|v| v.client.tally().packets()),
        missing: tally(|v| {
            v.client
                .tally()
                .missing
                .load(std::sync::atomic::Ordering::Relaxed)
        }),
    })
}
