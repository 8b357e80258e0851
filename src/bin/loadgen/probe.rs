//! Reading the server process from outside: CPU time and resident memory from /proc,
//! the SFU's own counters from `/metrics`.

use std::sync::OnceLock;

use anyhow::Context;

/// Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, normally 100).
fn ticks_per_second() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// User + system CPU seconds `pid` has used ("self" for this process).
pub fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).context("/proc stat")?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14.
    let rest = stat.rsplit_once(')').context("stat format")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11).context("utime")?.parse()?;
    let stime: f64 = fields.get(12).context("stime")?.parse()?;
    Ok((utime + stime) / ticks_per_second())
}

/// A `Vm…:` line of /proc/<pid>/status, in KiB (`VmRSS`, `VmHWM`, `Threads` as a count).
pub fn status_kib(pid: &str, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("/proc status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .with_context(|| format!("no {field} in /proc/{pid}/status"))?;
    Ok(line[field.len() + 1..]
        .split_whitespace()
        .next()
        .context("value")?
        .parse()?)
}

/// Open file descriptors of `pid` (sockets included).
pub fn open_files(pid: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// The sum of a metric's samples in the server's `/metrics`.
pub async fn metric(base: &str, name: &str) -> anyhow::Result<f64> {
    let reply = showfloor::media::client::http("GET", base, "/metrics", &[], "").await?;
    Ok(reply
        .body
        .lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
        })
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum())
}
