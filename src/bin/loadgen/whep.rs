//! `whep`: one synthetic publisher, then N viewers for each N asked; per N, what the
//! viewers received against what the server received, and what it cost the server.

use std::time::Duration;

use super::probe::{metric, status_kib};
use super::server::Target;
use super::viewers::{Viewer, join_many, quantile_ms, snapshot, start_publisher};

pub struct Options {
    pub viewers: Vec<usize>,
    pub seconds: u64,
    pub parallel: usize,
}

pub async fn run(target: &Target, options: &Options) -> anyhow::Result<()> {
    let pid = target.pid.to_string();
    let (publisher, source) = start_publisher(target).await?;
    let rss_base = status_kib(&pid, "VmRSS")?;
    println!(
        "server pid {pid}, RSS with the publisher and no viewer: {:.1} MiB; {} s per step",
        rss_base as f64 / 1024.0,
        options.seconds
    );
    println!(
        "| viewers | failed joins | publisher pkt/s | delivered pkt/s | delivered / (received × N) | seq gaps | server CPU | µs server CPU / fwd pkt | server RSS | KiB / viewer | join→keyframe p50 / p95 | load-tool CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut viewers: Vec<Viewer> = Vec::new();
    let mut failed = 0;
    let mut stages = Vec::new();
    for &n in &options.viewers {
        let want = n.saturating_sub(viewers.len());
        let (joined, lost) = join_many(target, want, options.parallel).await;
        failed += lost;
        let waits: Vec<Duration> = joined.iter().map(|v| v.join_to_keyframe).collect();
        let stage = |f: fn(&Viewer) -> Duration| {
            let d: Vec<Duration> = joined.iter().map(f).collect();
            format!("{:.0} / {:.0}", quantile_ms(&d, 0.5), quantile_ms(&d, 0.95))
        };
        stages.push(format!(
            "| {n} | {} | {} | {} |",
            stage(|v| v.join_to_answer),
            stage(|v| v.join_to_connected),
            stage(|v| v.join_to_keyframe)
        ));
        viewers.extend(joined);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let a = snapshot(target, &viewers).await?;
        tokio::time::sleep(Duration::from_secs(options.seconds)).await;
        let b = snapshot(target, &viewers).await?;
        let secs = b.at.duration_since(a.at).as_secs_f64();
        let received = b.received - a.received;
        let forwarded = b.forwarded - a.forwarded;
        let delivered = (b.delivered - a.delivered) as f64;
        let gaps = (b.missing - a.missing) as f64;
        let cpu = b.server_cpu - a.server_cpu;
        let rss = status_kib(&pid, "VmRSS")?;
        let count = viewers.len().max(1) as f64;
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.2} % | {:.3} % | {:.0} % | {:.2} | {:.1} MiB | {:.0} | {:.0} / {:.0} ms | {:.0} % |",
            viewers.len(),
            failed,
            received / secs,
            delivered / secs,
            100.0 * delivered / (received * count),
            100.0 * gaps / (delivered + gaps).max(1.0),
            100.0 * cpu / secs,
            1e6 * cpu / forwarded.max(1.0),
            rss as f64 / 1024.0,
            rss.saturating_sub(rss_base) as f64 / count,
            quantile_ms(&waits, 0.5),
            quantile_ms(&waits, 0.95),
            100.0 * (b.own_cpu - a.own_cpu) / secs,
        );
    }
    println!(
        "\njoin stages, ms from the offer's POST (p50 / p95 of the viewers added at each step):"
    );
    println!("| viewers | answer | connected | first keyframe |\n|---|---|---|---|");
    for line in &stages {
        println!("{line}");
    }
    let plis = metric(&target.base, "showfloor_media_plis_sent_total").await?;
    println!(
        "publisher: {} packets sent, {} PLIs answered (server sent {plis:.0})",
        source
            .packets_sent
            .load(std::sync::atomic::Ordering::Relaxed),
        source
            .plis_received
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    for v in &viewers {
        let _ = v.client.stop().await;
    }
    drop(source);
    let _ = publisher.stop().await;
    Ok(())
}
