//! `nodes`: one synthetic publisher on the first node and the same number of viewers
//! spread over 1, 2 or 3 nodes sharing one PostgreSQL database (each node a release
//! process of its own on its own 127.0.0.x, a fresh database per layout). Per layout:
//! what the origin and each edge spent, the origin's egress, and what the viewers got.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::probe::{cpu_seconds, metric};
use super::server::{Target, seed};
use super::viewers::{Viewer, join_many, quantile_ms, start_publisher};

const SECRET: &str = "loadgen-node-secret";

pub struct Options {
    /// A PostgreSQL database to connect to for creating the layouts' own.
    pub database_url: String,
    pub viewers: usize,
    pub nodes: Vec<usize>,
    pub seconds: u64,
    pub parallel: usize,
    pub bin: PathBuf,
}

/// Counters of every node and every viewer at one instant.
struct Sample {
    at: std::time::Instant,
    cpu: Vec<f64>,
    forwarded_bytes: Vec<f64>,
    received: f64,
    delivered: u64,
    missing: u64,
    own_cpu: f64,
}

async fn sample(nodes: &[Target], viewers: &[Viewer]) -> anyhow::Result<Sample> {
    let mut cpu = Vec::new();
    let mut forwarded_bytes = Vec::new();
    for node in nodes {
        cpu.push(cpu_seconds(&node.pid.to_string())?);
        forwarded_bytes.push(metric(&node.base, "showfloor_media_bytes_forwarded_total").await?);
    }
    Ok(Sample {
        at: std::time::Instant::now(),
        cpu,
        forwarded_bytes,
        received: metric(&nodes[0].base, "showfloor_media_packets_received_total").await?,
        delivered: viewers.iter().map(|v| v.client.tally().packets()).sum(),
        missing: viewers
            .iter()
            .map(|v| {
                v.client
                    .tally()
                    .missing
                    .load(std::sync::atomic::Ordering::Relaxed)
            })
            .sum(),
        own_cpu: cpu_seconds("self")?,
    })
}

pub async fn run(options: &Options) -> anyhow::Result<()> {
    println!(
        "{} viewers, {} s per layout; each node its own process; viewers spread evenly",
        options.viewers, options.seconds
    );
    println!(
        "| nodes | viewers per node | failed joins | delivered / (received × N) | seq gaps | origin CPU | origin egress | each edge's CPU | join→keyframe p50 / p95 | load-tool CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &count in &options.nodes {
        let (admin, db_url, name) = fresh_database(&options.database_url).await?;
        let seed_dir = std::env::temp_dir().join(format!("{name}-seed"));
        let (stream, key) = seed(&seed_dir, &db_url).await?;
        let _ = std::fs::remove_dir_all(&seed_dir);
        let mut nodes = Vec::new();
        for i in 0..count {
            let ip = format!("127.0.0.{}", i + 2);
            nodes.push(
                Target::spawn_node(&options.bin, &db_url, &ip, SECRET, (&stream, &key)).await?,
            );
        }
        let (publisher, source) = start_publisher(&nodes[0]).await?;
        let mut viewers = Vec::new();
        let mut failed = 0;
        let mut shares = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let share = options.viewers / count + usize::from(i < options.viewers % count);
            let (joined, lost) = join_many(node, share, options.parallel).await;
            failed += lost;
            shares.push(share.to_string());
            viewers.extend(joined);
        }
        let waits: Vec<Duration> = viewers.iter().map(|v| v.join_to_keyframe).collect();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let a = sample(&nodes, &viewers).await?;
        tokio::time::sleep(Duration::from_secs(options.seconds)).await;
        let b = sample(&nodes, &viewers).await?;
        let secs = b.at.duration_since(a.at).as_secs_f64();
        let received = b.received - a.received;
        let delivered = (b.delivered - a.delivered) as f64;
        let gaps = (b.missing - a.missing) as f64;
        let cpu: Vec<f64> = b
            .cpu
            .iter()
            .zip(&a.cpu)
            .map(|(b, a)| 100.0 * (b - a) / secs)
            .collect();
        let egress = (b.forwarded_bytes[0] - a.forwarded_bytes[0]) * 8.0 / secs / 1e6;
        let edges: Vec<String> = cpu[1..].iter().map(|c| format!("{c:.0} %")).collect();
        println!(
            "| {count} | {} | {failed} | {:.2} % | {:.3} % | {:.0} % | {egress:.1} Mbit/s | {} | {:.0} / {:.0} ms | {:.0} % |",
            shares.join(" / "),
            100.0 * delivered / (received * viewers.len().max(1) as f64),
            100.0 * gaps / (delivered + gaps).max(1.0),
            cpu[0],
            if edges.is_empty() {
                "–".to_string()
            } else {
                edges.join(" / ")
            },
            quantile_ms(&waits, 0.5),
            quantile_ms(&waits, 0.95),
            100.0 * (b.own_cpu - a.own_cpu) / secs,
        );
        for v in &viewers {
            let _ = v.client.stop().await;
        }
        drop(source);
        let _ = publisher.stop().await;
        drop(nodes);
        drop_database(&admin, &name).await;
    }
    Ok(())
}

/// A new database beside `admin_url`'s: (admin URL, its URL, its name).
async fn fresh_database(admin_url: &str) -> anyhow::Result<(String, String, String)> {
    let name = format!(
        "showfloor_loadgen_{}",
        showfloor::auth::tokens::random_token()[..10]
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    showfloor::db::create_postgres_database(admin_url, &name)
        .await
        .context("--database-url must reach PostgreSQL")?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&format!("/{name}"));
    Ok((admin_url.to_string(), url.to_string(), name))
}

async fn drop_database(admin_url: &str, name: &str) {
    let _ = showfloor::db::drop_postgres_database(admin_url, name).await;
}
