//! `soak`: many viewers join and leave one after another (webrtc-rs issue 906 leaked
//! on peer close); the server's RSS, threads and open files must come back.

use std::time::{Duration, Instant};

use anyhow::anyhow;
use showfloor::media::client::Client;

use super::probe::{metric, open_files, status_kib};
use super::server::Target;
use super::viewers::{start_publisher, wait_until};

pub struct Options {
    pub cycles: usize,
    pub parallel: usize,
    pub warmup: usize,
}

/// One viewer: join, receive at least one packet, leave.
async fn cycle(base: String, stream: String) -> anyhow::Result<()> {
    let mut client = Client::play_counting(&base, &stream)
        .await?
        .map_err(|r| anyhow!("WHEP refused: {} {}", r.status, r.body))?;
    let connected = client.connected(Duration::from_secs(15)).await;
    let got = connected.is_ok()
        && wait_until(Duration::from_secs(5), || client.tally().packets() > 0).await;
    let status = client.stop().await?;
    connected?;
    if !got {
        anyhow::bail!("no packet within 5 s");
    }
    if status != 200 {
        anyhow::bail!("DELETE answered {status}");
    }
    Ok(())
}

/// `count` cycles, `parallel` at a time; returns the failures.
async fn cycles(target: &Target, count: usize, parallel: usize) -> usize {
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let gate = gate.clone();
            let (base, stream) = (target.base.clone(), target.stream.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await;
                cycle(base, stream).await
            })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        if let Ok(Err(err)) | Err(err) = task.await.map_err(anyhow::Error::from) {
            failed += 1;
            eprintln!("cycle failed: {err:#}");
        }
    }
    failed
}

/// Wait until only the publisher's session is left on the server, then a moment more
/// for closing tasks to finish; print and return the RSS in KiB.
async fn settled(target: &Target, label: &str, done: usize) -> anyhow::Result<u64> {
    let start = Instant::now();
    while metric(&target.base, "showfloor_media_sessions").await? > 1.0 {
        if start.elapsed() > Duration::from_secs(30) {
            eprintln!("sessions still open after 30 s");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = target.pid.to_string();
    let rss = status_kib(&pid, "VmRSS")?;
    println!(
        "| {label} | {done} | {:.1} MiB | {} | {} |",
        rss as f64 / 1024.0,
        status_kib(&pid, "Threads")?,
        open_files(&pid),
    );
    Ok(rss)
}

pub async fn run(target: &Target, options: &Options) -> anyhow::Result<()> {
    let (publisher, source) = start_publisher(target).await?;
    println!("| point | cycles done | server RSS | threads | open files |");
    println!("|---|---|---|---|---|");
    let before = settled(target, "publisher only", 0).await?;
    let mut failed = cycles(target, options.warmup, options.parallel).await;
    let baseline = settled(target, "after warm-up (baseline)", options.warmup).await?;
    let mut done = 0;
    while done < options.cycles {
        let step = (options.cycles - done).min(100);
        failed += cycles(target, step, options.parallel).await;
        done += step;
        settled(target, "after", done).await?;
    }
    let end = status_kib(&target.pid.to_string(), "VmRSS")?;
    let change = |from: u64| 100.0 * (end as f64 - from as f64) / from as f64;
    println!(
        "{done} cycles ({failed} failed): RSS {:+.1} % against the warmed-up baseline, {:+.1} % against the publisher alone (target: within 10 %)",
        change(baseline),
        change(before),
    );
    drop(source);
    let _ = publisher.stop().await;
    Ok(())
}
