//! The broadcasting load tool: starts a release `showfloor` server of its own on
//! loopback (or targets one), publishes one synthetic 2.5 Mbps VP8 + Opus stream over
//! WHIP and attaches WHEP viewers. `whep` measures forwarding; `soak` checks memory
//! over many join/leave cycles. Figures and commands: docs/benchmarks.md.

#[path = "loadgen/nodes.rs"]
mod nodes;
#[path = "loadgen/probe.rs"]
mod probe;
#[path = "loadgen/server.rs"]
mod server;
#[path = "loadgen/soak.rs"]
mod soak;
#[path = "loadgen/stall.rs"]
mod stall;
#[path = "loadgen/viewers.rs"]
mod viewers;
#[path = "loadgen/whep.rs"]
mod whep;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "showfloor-loadgen", about = "Load the SFU over loopback")]
struct Cli {
    #[command(flatten)]
    target: TargetArgs,
    #[command(subcommand)]
    command: Mode,
}

#[derive(Args)]
struct TargetArgs {
    /// The server binary to start (default: `showfloor` next to this tool).
    #[arg(long, global = true)]
    server_bin: Option<PathBuf>,
    /// Load a running server instead (loopback only); needs --stream, --key and --pid.
    #[arg(long, global = true, requires_all = ["stream", "key", "pid"])]
    url: Option<String>,
    /// The stream's public id (with --url).
    #[arg(long, global = true)]
    stream: Option<String>,
    /// The stream key (with --url).
    #[arg(long, global = true)]
    key: Option<String>,
    /// The server's process id, for /proc (with --url).
    #[arg(long, global = true)]
    pid: Option<u32>,
}

#[derive(Subcommand)]
enum Mode {
    /// Attach viewers step by step and report delivery, loss, CPU, memory, join time.
    Whep {
        /// Viewer counts to measure, in increasing order.
        #[arg(long, value_delimiter = ',', default_value = "50,100,200,300")]
        viewers: Vec<usize>,
        /// Seconds measured at each step.
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Viewers joining at the same time.
        #[arg(long, default_value_t = 10)]
        parallel: usize,
    },
    /// Join and leave many times; the server's RSS must come back.
    Soak {
        #[arg(long, default_value_t = 1000)]
        cycles: usize,
        /// Cycles before the baseline is taken (lazily grown pools, caches).
        #[arg(long, default_value_t = 50)]
        warmup: usize,
        #[arg(long, default_value_t = 10)]
        parallel: usize,
    },
    /// Healthy viewers next to viewers whose process is frozen (SIGSTOP) or that never
    /// read: the server's RSS and CPU must stay flat, the healthy viewers must miss nothing.
    Stall {
        #[arg(long, default_value_t = 20)]
        viewers: usize,
        #[arg(long, default_value_t = 20)]
        stalled: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// The stalled viewers keep running but never read their tracks.
        #[arg(long)]
        no_read: bool,
    },
    /// The same viewers served by 1, 2 or 3 nodes sharing one PostgreSQL database.
    Nodes {
        /// A PostgreSQL URL the tool may create (and drop) its databases beside.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        database_url: String,
        #[arg(long, default_value_t = 150)]
        viewers: usize,
        /// Node counts to measure.
        #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
        nodes: Vec<usize>,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        #[arg(long, default_value_t = 10)]
        parallel: usize,
    },
    /// (internal) Hold stalled viewers for `stall`, in a process of their own.
    #[command(hide = true)]
    Hold {
        #[arg(long)]
        base: String,
        #[arg(long)]
        public_id: String,
        #[arg(long)]
        count: usize,
        #[arg(long)]
        no_read: bool,
    },
}

async fn target(args: &TargetArgs) -> anyhow::Result<server::Target> {
    if let (Some(url), Some(stream), Some(key), Some(pid)) =
        (&args.url, &args.stream, &args.key, args.pid)
    {
        return server::Target::existing(url, stream, key, pid);
    }
    let bin = match &args.server_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe()?.with_file_name("showfloor"),
    };
    server::Target::spawn(&bin).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let run = async {
        if let Mode::Hold {
            base,
            public_id,
            count,
            no_read,
        } = &cli.command
        {
            return stall::hold(base, public_id, *count, *no_read).await;
        }
        if let Mode::Nodes {
            database_url,
            viewers,
            nodes,
            seconds,
            parallel,
        } = &cli.command
        {
            let bin = match &cli.target.server_bin {
                Some(bin) => bin.clone(),
                None => std::env::current_exe()?.with_file_name("showfloor"),
            };
            let options = nodes::Options {
                database_url: database_url.clone(),
                viewers: *viewers,
                nodes: nodes.clone(),
                seconds: *seconds,
                parallel: *parallel,
                bin,
            };
            return nodes::run(&options).await;
        }
        let target = target(&cli.target).await?;
        match cli.command {
            Mode::Whep {
                viewers,
                seconds,
                parallel,
            } => {
                let options = whep::Options {
                    viewers,
                    seconds,
                    parallel,
                };
                whep::run(&target, &options).await
            }
            Mode::Soak {
                cycles,
                warmup,
                parallel,
            } => {
                let options = soak::Options {
                    cycles,
                    parallel,
                    warmup,
                };
                soak::run(&target, &options).await
            }
            Mode::Stall {
                viewers,
                stalled,
                seconds,
                no_read,
            } => {
                let options = stall::Options {
                    viewers,
                    stalled,
                    seconds,
                    no_read,
                };
                stall::run(&target, &options).await
            }
            Mode::Hold { .. } | Mode::Nodes { .. } => unreachable!("handled above"),
        }
    };
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
