//! `stall`: healthy viewers in this process, stalled viewers in a child process of this
//! tool (`hold`) that is frozen with SIGSTOP (or whose viewers never read their tracks);
//! the server's memory and CPU must stay flat and the healthy viewers must miss nothing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use showfloor::media::client::Client;

use super::probe::{metric, status_kib};
use super::server::Target;
use super::viewers::{join_many, snapshot, start_publisher};

pub struct Options {
    pub viewers: usize,
    pub stalled: usize,
    pub seconds: u64,
    /// Stalled viewers never read their tracks instead of being SIGSTOPped.
    pub no_read: bool,
}

/// The child process holding the stalled viewers; killed (after SIGCONT) when dropped.
struct Holder(Child);

impl Drop for Holder {
    fn drop(&mut self) {
        signal(self.0.id(), "CONT");
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status();
}

/// `hold`, run in the child: join `count` viewers, say "ready", then wait forever.
pub async fn hold(base: &str, stream: &str, count: usize, no_read: bool) -> anyhow::Result<()> {
    let mut clients = Vec::new();
    for _ in 0..count {
        let mut client = if no_read {
            Client::play_not_reading(base, stream).await?
        } else {
            Client::play_counting(base, stream).await?
        }
        .map_err(|r| anyhow!("WHEP refused: {} {}", r.status, r.body))?;
        client.connected(Duration::from_secs(15)).await?;
        clients.push(client);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("ready");
    std::future::pending::<()>().await;
    Ok(())
}

async fn spawn_holder(target: &Target, options: &Options) -> anyhow::Result<Holder> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args([
        "hold",
        "--base",
        &target.base,
        "--public-id",
        &target.stream,
        "--count",
        &options.stalled.to_string(),
    ]);
    if options.no_read {
        command.arg("--no-read");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().context("stdout")?;
    let holder = Holder(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await??;
    if line.trim() != "ready" {
        bail!("the holder process did not get its viewers connected");
    }
    Ok(holder)
}

pub async fn run(target: &Target, options: &Options) -> anyhow::Result<()> {
    let pid = target.pid.to_string();
    let (publisher, source) = start_publisher(target).await?;
    let rss_base = status_kib(&pid, "VmRSS")?;
    let (viewers, failed) = join_many(target, options.viewers, 10).await;
    let holder = spawn_holder(target, options).await?;
    let how = if options.no_read {
        "never read their tracks"
    } else {
        "SIGSTOPped at t = 0"
    };
    println!(
        "server pid {pid}; RSS with the publisher alone {:.1} MiB; {} healthy viewers ({failed} failed to join), {} stalled viewers (child pid {}, {how})",
        rss_base as f64 / 1024.0,
        viewers.len(),
        options.stalled,
        holder.0.id()
    );
    println!(
        "| t (s) | server RSS | server CPU | µs CPU / fwd pkt | healthy delivered / (received × N) | healthy seq gaps | sessions | dropped by SFU (total) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    if !options.no_read {
        signal(holder.0.id(), "STOP");
    }
    let start = Instant::now();
    let mut last = snapshot(target, &viewers).await?;
    let count = viewers.len().max(1) as f64;
    while start.elapsed() < Duration::from_secs(options.seconds) {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let now = snapshot(target, &viewers).await?;
        let secs = now.at.duration_since(last.at).as_secs_f64();
        let delivered = (now.delivered - last.delivered) as f64;
        let gaps = (now.missing - last.missing) as f64;
        println!(
            "| {:.0} | {:.1} MiB | {:.0} % | {:.2} | {:.2} % | {:.3} % | {:.0} | {:.0} |",
            start.elapsed().as_secs_f64(),
            status_kib(&pid, "VmRSS")? as f64 / 1024.0,
            100.0 * (now.server_cpu - last.server_cpu) / secs,
            1e6 * (now.server_cpu - last.server_cpu) / (now.forwarded - last.forwarded).max(1.0),
            100.0 * delivered / ((now.received - last.received) * count).max(1.0),
            100.0 * gaps / (delivered + gaps).max(1.0),
            metric(&target.base, "showfloor_media_sessions").await?,
            metric(&target.base, "showfloor_media_packets_dropped_total").await?,
        );
        last = now;
    }
    drop(holder);
    for v in &viewers {
        let _ = v.client.stop().await;
    }
    drop(source);
    let _ = publisher.stop().await;
    Ok(())
}
