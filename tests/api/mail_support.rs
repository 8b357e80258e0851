//! A real SMTP server for the mail tests: `tests/common/smtp_sink.py` (aiosmtpd) on a
//! free loopback port, writing each mail it accepts as JSON that the tests read; and an
//! app whose SMTP settings point at it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{Browser, TestApp, spawn_app};
use crate::orders_support::{Sale, buy, one, token_of};

/// A mail as the sink parsed it.
#[derive(Debug, Clone)]
pub struct Arrived {
    pub rcpt_tos: Vec<String>,
    pub content_type: String,
    pub headers: serde_json::Map<String, Value>,
    pub text: String,
    pub html: String,
}

impl Arrived {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// The mail's subject starts with `prefix`.
    pub fn is(&self, prefix: &str) -> bool {
        self.header("subject").starts_with(prefix)
    }
}

pub struct Sink {
    pub port: u16,
    dir: tempfile::TempDir,
    _child: Child,
}

impl Sink {
    /// A sink answering 451 to the first `refuse` DATA commands, then accepting; with a
    /// negative `refuse`, 550 to every one.
    pub async fn start(refuse: i32) -> Sink {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/common/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .arg(refuse.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs (scripts/test installs aiosmtpd)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("the SMTP sink starts within 30 s")
        .expect("read the sink's port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the sink says its port (is aiosmtpd installed?): {line:?}"));
        Sink {
            port,
            dir,
            _child: child,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail that arrived so far, in order.
    pub fn arrived(&self) -> Vec<Arrived> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("sink folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(path).expect("mail file"))
                        .expect("mail JSON");
                let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
                Arrived {
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default(),
                    content_type: s("content_type"),
                    headers: v["headers"].as_object().cloned().unwrap_or_default(),
                    text: s("text"),
                    html: s("html"),
                }
            })
            .collect()
    }

    /// Wait (with a deadline) for a mail whose subject starts with `prefix`.
    pub async fn wait_for(&self, prefix: &str) -> Arrived {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(mail) = self.arrived().into_iter().find(|m| m.is(prefix)) {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no mail “{prefix}…” arrived; got {:?}",
                self.arrived()
                    .iter()
                    .map(|m| m.header("subject").to_string())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// The app restarted with SMTP at `url`, retrying after `retry_ms`, at most `attempts` times.
pub async fn app_with_smtp(url: &str, retry_ms: u64, attempts: u32) -> TestApp {
    let mut app = spawn_app().await;
    point_at(&mut app, url, retry_ms, attempts);
    app.restart().await;
    app
}

pub fn point_at(app: &mut TestApp, url: &str, retry_ms: u64, attempts: u32) {
    app.config.smtp_url = Some(SecretString::from(url.to_string()));
    app.config.mail_retry_ms = retry_ms;
    app.config.mail_max_attempts = attempts;
}

/// A shopper buys one unit of the sale and pays on the test checkout as `name`/`email`;
/// returns the order's number and token.
pub async fn buy_and_pay(
    shopper: &Browser,
    app: &TestApp,
    sale: &Sale,
    name: &str,
    email: &str,
) -> (String, String) {
    let (status, body) = buy(shopper, sale, one(sale)).await;
    assert!(status.is_success(), "{status}: {body}");
    let number = body["order"].as_str().expect("order number").to_string();
    let token = token_of(app, &number).await;
    shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    let paid = shopper
        .post(
            &format!("/checkout/{token}/test"),
            &[
                ("name", name),
                ("email", email),
                ("address", "2 Main St\n75001 Paris"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    (number, token)
}

/// The outbox rows of an order: (kind, status, attempts).
pub async fn outbox(app: &TestApp, number: &str) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "SELECT m.kind, m.status, m.attempts FROM mail_outbox m \
         JOIN orders o ON o.id = m.about_id WHERE o.number = $1 ORDER BY m.id",
    )
    .bind(number)
    .fetch_all(app.db())
    .await
    .expect("outbox rows")
}

/// Wait (with a deadline) until the order's outbox satisfies `done`.
pub async fn wait_outbox(
    app: &TestApp,
    number: &str,
    done: impl Fn(&[(String, String, i64)]) -> bool,
) -> Vec<(String, String, i64)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rows = outbox(app, number).await;
        if done(&rows) {
            return rows;
        }
        assert!(Instant::now() < deadline, "outbox stayed {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn owner_email(app: &TestApp, shop_id: i64) -> String {
    sqlx::query_scalar(
        "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE m.shop_id = $1 AND m.role = 'owner'",
    )
    .bind(shop_id)
    .fetch_one(app.db())
    .await
    .expect("owner")
}
