//! The server under load: a release `showfloor` process of its own (so that /proc
//! counts its CPU and memory apart from the load tool's), on a fresh SQLite folder
//! seeded with one shop, one stream and its key; or an already running server.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use showfloor::auth::roles::Role;
use showfloor::config::Config;
use showfloor::{auth, shops, streams};

/// A server to load, and what it takes to publish to it.
pub struct Target {
    pub base: String,
    pub pid: u32,
    pub stream: String,
    pub key: String,
    child: Option<Child>,
    dir: Option<PathBuf>,
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Target {
    /// A server someone else started (`--url`, `--stream`, `--key`, `--pid`).
    pub fn existing(base: &str, stream: &str, key: &str, pid: u32) -> anyhow::Result<Target> {
        let url = url::Url::parse(base).context("--url")?;
        let loopback = url
            .host_str()
            .and_then(|h| h.parse::<std::net::IpAddr>().ok())
            .is_some_and(|ip| ip.is_loopback());
        if !loopback {
            bail!("the load tool only talks to loopback servers (http://127.0.0.1:PORT)");
        }
        Ok(Target {
            base: base.trim_end_matches('/').to_string(),
            pid,
            stream: stream.into(),
            key: key.into(),
            child: None,
            dir: None,
        })
    }

    /// Seed a fresh data folder and start `bin` on a free loopback port.
    pub async fn spawn(bin: &Path) -> anyhow::Result<Target> {
        let dir = std::env::temp_dir().join(format!(
            "showfloor-loadgen-{}",
            showfloor::auth::tokens::random_token()
                .replace(['-', '_'], "x")
                .to_lowercase()
        ));
        let db_url = format!("sqlite://{}", dir.join("showfloor.db").display());
        let (stream, key) = seed(&dir, &db_url).await?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(bin)
            .args(["--listen", &format!("127.0.0.1:{port}"), "--log", "error"])
            .arg("--data-dir")
            .arg(&dir)
            .env("SHOWFLOOR_WEBRTC_IPS", "127.0.0.1")
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let mut target = Target {
            base: format!("http://127.0.0.1:{port}"),
            pid: child.id(),
            stream,
            key,
            child: Some(child),
            dir: Some(dir),
        };
        target.wait_up().await?;
        Ok(target)
    }
}

impl Target {
    /// One node of several sharing `db_url` (already seeded with `stream` and `key`): on
    /// `ip`, with the node credential `secret`.
    pub async fn spawn_node(
        bin: &Path,
        db_url: &str,
        ip: &str,
        secret: &str,
        (stream, key): (&str, &str),
    ) -> anyhow::Result<Target> {
        let dir = std::env::temp_dir().join(format!(
            "showfloor-loadgen-node-{}",
            showfloor::auth::tokens::random_token()
                .replace(['-', '_'], "x")
                .to_lowercase()
        ));
        let port = TcpListener::bind((ip, 0))?.local_addr()?.port();
        let child = Command::new(bin)
            .args(["--listen", &format!("{ip}:{port}"), "--log", "error"])
            .arg("--data-dir")
            .arg(&dir)
            .args([
                "--database-url",
                db_url,
                "--webrtc-ips",
                ip,
                "--node-secret",
                secret,
            ])
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let mut target = Target {
            base: format!("http://{ip}:{port}"),
            pid: child.id(),
            stream: stream.into(),
            key: key.into(),
            child: Some(child),
            dir: Some(dir),
        };
        target.wait_up().await?;
        Ok(target)
    }

    async fn wait_up(&mut self) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            let up = showfloor::media::client::http("GET", &self.base, "/healthz", &[], "")
                .await
                .is_ok_and(|r| r.status == 200);
            if up {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!("the server exited at start: {status}");
            }
            if start.elapsed() > Duration::from_secs(20) {
                bail!("the server did not answer /healthz within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One shop, its owner, a stream scheduled in an hour and the stream's key.
pub async fn seed(dir: &Path, db_url: &str) -> anyhow::Result<(String, String)> {
    let config = Config::for_tests(dir.to_path_buf(), db_url.to_string());
    let db = showfloor::open_database(&config).await?;
    let mut tx = db.pool.begin().await?;
    let shop_id = shops::store::insert(
        &mut *tx,
        &shops::store::NewShop {
            slug: "loadgen",
            name: "Load test",
            currency: "EUR",
            time_zone: "Europe/Paris",
        },
    )
    .await?;
    // Nobody signs in: the hash only has to be a string that matches no password.
    let email = showfloor::text::Email::parse("load@example.com")?;
    let user_id = auth::store::insert_user(&mut *tx, &email, "Load", "!").await?;
    auth::store::insert_membership(&mut *tx, shop_id, user_id, Role::Owner).await?;
    let public_id = streams::domain::public_id();
    let schedule = streams::store::Schedule {
        title: "Load test",
        description: "Synthetic VP8 and Opus.",
        scheduled_at: showfloor::db::now_ms() + 3_600_000,
        duration_min: 600,
        host_id: user_id,
        sell_after_end: false,
    };
    let stream_id =
        streams::store::insert(&mut *tx, shop_id, &public_id, "load", &schedule, user_id).await?;
    let key = streams::keys::rotate(&mut tx, shop_id, Some(stream_id), Some(user_id)).await?;
    tx.commit().await?;
    db.pool.close().await;
    Ok((public_id, key))
}
