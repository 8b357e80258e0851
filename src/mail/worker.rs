//! The mail worker: a background task that claims due outbox rows one at a time (a lease,
//! so two nodes on PostgreSQL never send the same mail), renders each through its
//! feature, sends it, and records the outcome. A refused attempt is tried again after a
//! delay that doubles up to a cap; after the last attempt the mail is marked failed.
//! Without a mail server every queued mail is marked unsent at once, quietly.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

use super::store::{self, Outcome, Queued};
use super::transport::SendError;
use super::{Mail, RenderContext};
use crate::db::now_ms;

/// The longest wait between two attempts at one mail.
pub const RETRY_CAP: Duration = Duration::from_secs(3600);

/// How long a claim holds a row: well over the SMTP timeout (20 s), so a slow send is not
/// taken over, and short enough that a crashed node's mail leaves soon after.
const LEASE: Duration = Duration::from_secs(90);

/// The longest a queued mail waits for the worker when nobody rings `Mail::wake`.
const POLL: Duration = Duration::from_secs(2);

/// Rows taken per round.
const BATCH: i64 = 20;

/// The retry policy (`--mail-retry-ms`, `--mail-max-attempts`).
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub first: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Retry {
    /// The wait after the `attempts`-th failed attempt (1 → `first`), doubled each time
    /// and never over `cap`.
    pub fn delay(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        self.first
            .checked_mul(1 << doublings)
            .unwrap_or(self.cap)
            .min(self.cap)
    }
}

/// Start the worker; it stops with the server.
pub fn spawn(db: AnyPool, mail: Arc<Mail>, base_url: String, shutdown: watch::Receiver<bool>) {
    if mail.transport.is_none() {
        tracing::info!("no SMTP server configured (--smtp-url): order mails are not sent");
    }
    tokio::spawn(run(db, mail, base_url, shutdown));
}

async fn run(db: AnyPool, mail: Arc<Mail>, base_url: String, mut shutdown: watch::Receiver<bool>) {
    // A retry due sooner than the poll is not left waiting for it (tests use short delays).
    let poll = POLL.min(mail.retry.first).max(Duration::from_millis(20));
    loop {
        match send_due(&db, &mail, &base_url).await {
            // A full batch: more may be due, go on at once.
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "could not read the mail outbox"),
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = mail.wake.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One round: every due mail this worker can claim; returns how many rows it looked at.
pub async fn send_due(db: &AnyPool, mail: &Mail, base_url: &str) -> sqlx::Result<usize> {
    let due = store::due(db, now_ms(), BATCH).await?;
    let n = due.len();
    for row in due {
        let claim = crate::token::random_token();
        let now = now_ms();
        let lease = LEASE.as_millis() as i64;
        if !store::claim(db, row.id, &claim, now, now + lease).await? {
            continue;
        }
        let (outcome, error) = attempt(db, mail, base_url, &row).await;
        if matches!(outcome, Outcome::Failed | Outcome::Retry(_)) {
            tracing::warn!(mail = row.id, kind = %row.kind, error = %error, "mail not sent");
        }
        store::finish(db, row.id, &claim, outcome, &error, now_ms()).await?;
    }
    Ok(n)
}

async fn attempt(db: &AnyPool, mail: &Mail, base_url: &str, row: &Queued) -> (Outcome, String) {
    let Some(smtp) = &mail.transport else {
        return (
            Outcome::Unsent,
            "not sent: no mail server configured".into(),
        );
    };
    let Some(render) = mail.renderer(&row.kind) else {
        return (Outcome::Failed, format!("no renderer for “{}”", row.kind));
    };
    let context = RenderContext { db, base_url };
    let tried = row.attempts.max(0) as u32 + 1;
    let retry = |error: String| {
        if tried >= mail.retry.max_attempts {
            (Outcome::Failed, error)
        } else {
            let wait = mail.retry.delay(tried).as_millis() as i64;
            (Outcome::Retry(now_ms() + wait), error)
        }
    };
    let rendered = match render(&context, row.shop_id, row.about_id).await {
        Ok(Some(rendered)) => rendered,
        Ok(None) => {
            return (
                Outcome::Unsent,
                "no recipient, or nothing left to send".into(),
            );
        }
        // A database hiccup while rendering: worth another try.
        Err(err) => return retry(format!("could not prepare the mail: {err}")),
    };
    match smtp.send(&rendered).await {
        Ok(()) => (Outcome::Sent, String::new()),
        Err(SendError::Permanent(error)) => (Outcome::Failed, error),
        Err(err @ SendError::Transient(_)) => retry(err.message().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_delay_doubles_up_to_its_cap() {
        let retry = Retry {
            first: Duration::from_secs(30),
            cap: RETRY_CAP,
            max_attempts: 8,
        };
        assert_eq!(retry.delay(1), Duration::from_secs(30));
        assert_eq!(retry.delay(2), Duration::from_secs(60));
        assert_eq!(retry.delay(4), Duration::from_secs(240));
        assert_eq!(retry.delay(8), Duration::from_secs(3600));
        assert_eq!(retry.delay(u32::MAX), RETRY_CAP);
    }
}
