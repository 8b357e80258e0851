//! Reminder mails over SMTP (the shared `mail::transport`), only when `--smtp-url` is
//! set: one 15 minutes before the start, one when the stream goes live, each with an
//! unsubscribe link and one-click unsubscribe headers. A background task sends them; it
//! stops on shutdown.

use std::collections::HashMap;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use tokio::sync::watch;

use super::store::{self, Due, MailKind};
use crate::config::Config;
use crate::error::Result;
use crate::mail::transport::Smtp;
use crate::shops::store as shops;
use crate::state::AppState;
use crate::streams::store as streams;

/// How long before the start the reminder goes out.
pub const LEAD_MS: i64 = 15 * 60 * 1000;

/// The shared SMTP transport (`mail::transport`), used directly: reminders are sent by
/// their own task, not through the order mails' outbox.
pub struct Mailer {
    smtp: Smtp,
}

impl Mailer {
    /// The mailer, when SMTP is configured and its settings make sense (else logged, None).
    pub fn from_config(config: &Config) -> Option<Mailer> {
        Smtp::from_config(config).map(|smtp| Mailer { smtp })
    }

    async fn send(
        &self,
        to: &str,
        subject: &str,
        body: String,
        unsubscribe: &str,
    ) -> anyhow::Result<()> {
        let to: Mailbox = to.parse()?;
        let header = |name: &str, value: String| {
            HeaderName::new_from_ascii(name.to_string()).map(|n| HeaderValue::new(n, value))
        };
        let message = Message::builder()
            .from(self.smtp.from().clone())
            .to(to)
            .subject(subject)
            .raw_header(header("List-Unsubscribe", format!("<{unsubscribe}>"))?)
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            )?)
            .body(body)?;
        self.smtp
            .send_message(message)
            .await
            .map_err(|e| anyhow::anyhow!(e.message().to_string()))
    }
}

/// Send what is due now; returns how many mails went out.
pub async fn send_due(state: &AppState) -> Result<usize> {
    let Some(mailer) = &state.streams.mailer else {
        return Ok(0);
    };
    let base = state.config.base_url();
    let mut sent = 0;
    for kind in [MailKind::Reminder, MailKind::Live] {
        let due = store::claim(&state.db.pool, kind, LEAD_MS, 200).await?;
        let mut context: HashMap<i64, (String, String, String)> = HashMap::new();
        for Due {
            email,
            unsubscribe_token,
            stream_id,
            ..
        } in due
        {
            if let std::collections::hash_map::Entry::Vacant(slot) = context.entry(stream_id) {
                let Some(s) = streams::by_internal_id(&state.db.pool, stream_id).await? else {
                    continue;
                };
                let Some(shop) = shops::by_id(&state.db.pool, s.shop_id).await? else {
                    continue;
                };
                let when =
                    crate::time::date_time(s.scheduled_at, &crate::time::zone(&shop.time_zone));
                slot.insert((
                    s.title,
                    format!("{base}/@{}/{}", shop.slug, s.slug),
                    format!("{} · {when}", shop.name),
                ));
            }
            let (title, url, byline) = &context[&stream_id];
            let unsubscribe = format!("{base}/api/reminders/unsubscribe/{unsubscribe_token}");
            let page = format!("{base}/reminders/unsubscribe/{unsubscribe_token}");
            let (subject, lead) = if kind == MailKind::Live {
                (format!("We're live: {title}"), "is live now. Join in:")
            } else {
                (
                    format!("Starting in 15 minutes: {title}"),
                    "starts in 15 minutes. Watch here:",
                )
            };
            let body = format!(
                "“{title}” ({byline}) {lead}\n\n{url}\n\nYou asked for this reminder on the stream page. To stop them: {page}\n"
            );
            match mailer.send(&email, &subject, body, &unsubscribe).await {
                Ok(()) => sent += 1,
                Err(err) => {
                    tracing::warn!(error = %err, stream = stream_id, "reminder mail failed")
                }
            }
        }
    }
    Ok(sent)
}

/// The background task: every 30 s, and at once after a go-live.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(err) = send_due(&state).await {
            tracing::warn!(error = %err, "could not send reminder mails");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = state.streams.mail_wake.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}
