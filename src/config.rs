//! Command line and environment configuration, read once at start and shared
//! through `AppState`. Every option has a `SHOWFLOOR_*` environment variable
//! (the database URL is the conventional `DATABASE_URL`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use url::Url;

mod ice;
mod ports;
pub use ice::{IceServer, IceServers, IceUrl, IceUrlError};
pub use ports::{PortRange, PortRangeError};

/// Showfloor: live product demos with sub-second video, checkout and reports.
#[derive(Debug, Parser)]
#[command(name = "showfloor", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the dashboard, the viewer pages and the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Seed a demo shop with products and a scheduled stream, then print how to sign in.
    Demo,
    /// Stripe maintenance commands.
    Stripe {
        #[command(subcommand)]
        action: StripeCommand,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum StripeCommand {
    /// Re-read the Checkout Session of every pending order from Stripe and apply what
    /// missed webhooks would have (paid, or expired with the stock released).
    Reconcile,
}

/// Everything the process is configured with. Parsed by clap from flags or
/// environment variables; tests build it directly with `Config::for_tests`.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address and port the HTTP server listens on.
    #[arg(
        long,
        env = "SHOWFLOOR_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Folder for the SQLite database, uploaded images and other local state. Created when missing.
    #[arg(
        long,
        env = "SHOWFLOOR_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`. Default: SQLite at DATA_DIR/showfloor.db.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Public URL shoppers and merchants reach this server at (links in mails, calendars and payment
    /// redirects). Default: http://LISTEN. Use https://… behind a TLS reverse proxy: cookies become Secure.
    #[arg(long, env = "SHOWFLOOR_BASE_URL", global = true)]
    pub base_url: Option<Url>,

    /// Trust the X-Forwarded-For header for the client address (only behind your own reverse proxy).
    #[arg(
        long,
        env = "SHOWFLOOR_TRUST_PROXY",
        default_value_t = false,
        global = true
    )]
    pub trust_proxy: bool,

    /// Maximum size of an ordinary request body, in bytes (uploads have their own limit).
    #[arg(long, env = "SHOWFLOOR_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Largest database connection pool.
    #[arg(
        long,
        env = "SHOWFLOOR_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,

    /// How long a live stream waits for its publisher to come back before it ends by
    /// itself, in seconds (a dropped connection or a restarted encoder reconnects within it).
    #[arg(
        long,
        env = "SHOWFLOOR_STREAM_END_GRACE_SECS",
        default_value_t = 300,
        global = true
    )]
    pub stream_end_grace_secs: u64,

    /// SMTP server for the mails Showfloor sends (stream reminders, order confirmations, the
    /// shop's new-order notices, shipping mails), e.g. `smtps://user:password@mail.example.com` or
    /// `smtp://localhost:25`. Without it Showfloor sends no mail (the dashboard says so).
    #[arg(long, env = "SHOWFLOOR_SMTP_URL", value_parser = parse_secret, global = true)]
    pub smtp_url: Option<SecretString>,

    /// The From address of reminder mails, e.g. `Anna's Tea <live@annas-tea.example>`. Order
    /// mails are sent from its address with the shop's name as the display name.
    #[arg(
        long,
        env = "SHOWFLOOR_MAIL_FROM",
        default_value = "Showfloor <showfloor@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Milliseconds before an order mail that the server refused is tried again; the delay
    /// doubles with each attempt, up to an hour.
    #[arg(
        long,
        env = "SHOWFLOOR_MAIL_RETRY_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub mail_retry_ms: u64,

    /// Attempts at an order mail before it is marked failed (shown on the order's page).
    #[arg(
        long,
        env = "SHOWFLOOR_MAIL_MAX_ATTEMPTS",
        default_value_t = 8,
        global = true
    )]
    pub mail_max_attempts: u32,

    /// Addresses the WebRTC media sockets bind to and advertise (comma-separated). Default: the
    /// listen IP. Never advertise 0.0.0.0: a wildcard is expanded to each interface's address.
    #[arg(
        long,
        env = "SHOWFLOOR_WEBRTC_IPS",
        value_delimiter = ',',
        global = true
    )]
    pub webrtc_ips: Vec<std::net::IpAddr>,

    /// UDP port range for WebRTC media, `FIRST-LAST` (one port per publisher or viewer), to open
    /// in a firewall. Default: any ephemeral port.
    #[arg(long, env = "SHOWFLOOR_WEBRTC_UDP_PORTS", global = true)]
    pub webrtc_udp_ports: Option<PortRange>,

    /// Public IP to advertise in ICE candidates when the server sits behind 1:1 NAT.
    #[arg(long, env = "SHOWFLOOR_WEBRTC_PUBLIC_IP", global = true)]
    pub webrtc_public_ip: Option<std::net::IpAddr>,

    /// STUN/TURN servers handed to the studio and the player (comma-separated, e.g.
    /// `turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349`). Credentials
    /// either in the entry (`turn:user:password@host:3478`) or computed per use from
    /// `--turn-secret`. The media server itself needs none (ICE-lite).
    #[arg(
        long,
        env = "SHOWFLOOR_ICE_SERVERS",
        value_delimiter = ',',
        global = true
    )]
    pub ice_servers: Vec<IceUrl>,

    /// Where the other nodes reach this one's HTTP (its internal address, e.g.
    /// `http://10.0.0.11:8080`) to pull a stream whose publisher is connected here.
    /// Defaults to the listen address.
    #[arg(long, env = "SHOWFLOOR_NODE_URL", global = true)]
    pub node_url: Option<Url>,

    /// The credential nodes present to each other to pull a stream (the same on every
    /// node). Without it this node neither pulls from nor serves other nodes: run a single
    /// node, or set it on all of them.
    #[arg(long, env = "SHOWFLOOR_NODE_SECRET", value_parser = parse_secret, global = true)]
    pub node_secret: Option<SecretString>,

    /// At most this many WHEP viewers on this node; past it a viewer's request answers 503
    /// with Retry-After so a load balancer moves it on (pulls by other nodes always pass).
    #[arg(long, env = "SHOWFLOOR_MAX_VIEWERS", global = true)]
    pub max_viewers: Option<usize>,

    /// coturn's shared secret (its `static-auth-secret` with `use-auth-secret`): TURN
    /// entries without credentials get time-limited ones computed from it.
    #[arg(long, env = "SHOWFLOOR_TURN_SECRET", value_parser = parse_secret, global = true)]
    pub turn_secret: Option<SecretString>,

    /// How long computed TURN credentials stay valid, in seconds (rounded up to the hour).
    #[arg(
        long,
        env = "SHOWFLOOR_TURN_TTL_SECS",
        default_value_t = 86_400,
        value_parser = clap::value_parser!(u64).range(60..=7 * 86_400),
        global = true
    )]
    pub turn_ttl_secs: u64,

    /// Seconds a viewer still counts after their connection drops, so that a reconnect
    /// (a phone switching networks) continues the same visit instead of starting a new one.
    #[arg(
        long,
        env = "SHOWFLOOR_VIEWER_GRACE_SECS",
        default_value_t = 10,
        global = true
    )]
    pub viewer_grace_secs: u64,

    /// Minutes a Buy holds stock for a shopper who has not paid yet; then the units go
    /// back on sale.
    #[arg(
        long,
        env = "SHOWFLOOR_RESERVATION_MINUTES",
        default_value_t = 15,
        global = true
    )]
    pub reservation_minutes: u64,

    /// Log filter (tracing's EnvFilter syntax), e.g. `info` or `showfloor=debug,tower_http=info`.
    #[arg(long, env = "SHOWFLOOR_LOG", default_value = "info", global = true)]
    pub log: String,
}

impl Config {
    /// The database URL in effect: the configured one or the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("showfloor.db").display()),
        }
    }

    /// The public base URL in effect, without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    /// How long a viewer still counts after their connection drops (`--viewer-grace-secs`).
    pub fn viewer_grace(&self) -> Duration {
        Duration::from_secs(self.viewer_grace_secs)
    }

    /// How long a Buy holds stock (`--reservation-minutes`); never under a minute, so a
    /// shopper always has time to reach the payment page.
    pub fn reservation(&self) -> Duration {
        Duration::from_secs(self.reservation_minutes.max(1) * 60)
    }

    /// Whether Showfloor sends mail at all (`--smtp-url` set): pages promise a mail only then.
    pub fn mail_enabled(&self) -> bool {
        self.smtp_url.is_some()
    }

    /// Cookies get the Secure flag when the public URL is https.
    /// The STUN/TURN servers as handed out (credentials computed for `id` when
    /// `--turn-secret` is set).
    pub fn ice_servers_for(&self, id: &str) -> Vec<IceServer> {
        use secrecy::ExposeSecret;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        IceServers {
            urls: &self.ice_servers,
            secret: self.turn_secret.as_ref().map(|s| s.expose_secret()),
            ttl_secs: self.turn_ttl_secs,
        }
        .for_use(now, id)
    }

    /// This node's internal base URL (`--node-url`, else the listen address), no trailing `/`.
    pub fn node_url(&self, bound: SocketAddr) -> String {
        match &self.node_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => format!("http://{bound}"),
        }
    }

    /// Settings that are fine one by one but not together; checked before serving.
    pub fn check(&self) -> Result<(), String> {
        if self.turn_secret.is_none()
            && let Some(url) = self.ice_servers.iter().find(|u| u.needs_secret())
        {
            return Err(format!(
                "--ice-servers entry {url} has no credentials: write them into it (turn:user:password@host) or set --turn-secret to coturn's static-auth-secret"
            ));
        }
        Ok(())
    }

    pub fn secure_cookies(&self) -> bool {
        self.base_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// A configuration for tests: loopback on a random port, the given data folder and database.
    pub fn for_tests(data_dir: PathBuf, database_url: String) -> Self {
        Config {
            listen: "127.0.0.1:0".parse().expect("valid address"),
            data_dir,
            database_url: Some(database_url),
            base_url: None,
            trust_proxy: false,
            max_body_bytes: 1024 * 1024,
            db_max_connections: 8,
            log: "warn".into(),
            viewer_grace_secs: 1,
            reservation_minutes: 15,
            webrtc_ips: vec![std::net::IpAddr::from([127, 0, 0, 1])],
            webrtc_udp_ports: None,
            webrtc_public_ip: None,
            ice_servers: Vec::new(),
            turn_secret: None,
            node_url: None,
            node_secret: None,
            max_viewers: None,
            turn_ttl_secs: 86_400,
            stream_end_grace_secs: 300,
            smtp_url: None,
            mail_from: "Showfloor <showfloor@localhost>".into(),
            mail_retry_ms: 30_000,
            mail_max_attempts: 8,
        }
    }
}

/// Any text is a valid secret; wrapping it at parse time keeps it out of `Debug`.
fn parse_secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value.to_string()))
}
