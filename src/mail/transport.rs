//! SMTP through lettre, from `--smtp-url` and `--mail-from`: a `Rendered` mail becomes a
//! multipart/alternative message (plain text first, then HTML) from the feature's display
//! name at the configured address, and an attempt ends sent, worth retrying, or refused.

use std::time::Duration;

use lettre::message::{Mailbox, Message, MultiPart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use super::Rendered;
use crate::config::Config;

/// The SMTP connection pool and the configured sender (`--mail-from`).
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why an attempt did not send.
#[derive(Debug)]
pub enum SendError {
    /// The server or the network may do better later (4xx, timeout, connection refused).
    Transient(String),
    /// Trying again will not help (5xx, an address that does not parse).
    Permanent(String),
}

impl SendError {
    pub fn message(&self) -> &str {
        match self {
            SendError::Transient(m) | SendError::Permanent(m) => m,
        }
    }
}

impl Smtp {
    /// The transport, when SMTP is configured and its settings make sense (else logged once).
    pub fn from_config(config: &Config) -> Option<Smtp> {
        let url = config.smtp_url.as_ref()?;
        let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret()) {
            Ok(builder) => builder.timeout(Some(Duration::from_secs(20))).build(),
            Err(err) => {
                tracing::error!(error = %err, "SHOWFLOOR_SMTP_URL is not a valid SMTP URL: no mail will be sent");
                return None;
            }
        };
        let from = match config.mail_from.parse::<Mailbox>() {
            Ok(from) => from,
            Err(err) => {
                tracing::error!(error = %err, "SHOWFLOOR_MAIL_FROM is not a valid address: no mail will be sent");
                return None;
            }
        };
        Some(Smtp { transport, from })
    }

    /// `--mail-from` as configured, display name included.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// Send a rendered mail from its display name at `--mail-from`'s address.
    pub async fn send(&self, mail: &Rendered) -> Result<(), SendError> {
        let message = message(&self.from.email, mail).map_err(SendError::Permanent)?;
        self.send_message(message).await
    }

    /// Send a message built by the caller (reminders set their own headers).
    pub async fn send_message(&self, message: Message) -> Result<(), SendError> {
        self.transport.send(message).await.map(drop).map_err(|err| {
            if err.is_permanent() {
                SendError::Permanent(err.to_string())
            } else {
                SendError::Transient(err.to_string())
            }
        })
    }
}

fn mailbox(address: &str) -> Result<Mailbox, String> {
    address
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| format!("“{address}” is not a mail address: {e}"))
}

/// The message for `mail`, sent from `from` under the mail's display name.
pub fn message(from: &Address, mail: &Rendered) -> Result<Message, String> {
    // A display name is a header value: line breaks would end it.
    let name: String = mail.from_name.chars().filter(|c| !c.is_control()).collect();
    let mut builder = Message::builder()
        .from(Mailbox::new(Some(name), from.clone()))
        .subject(&mail.subject);
    if mail.to.is_empty() {
        return Err("the mail has no recipient".into());
    }
    for to in &mail.to {
        builder = builder.to(mailbox(to)?);
    }
    if let Some(reply_to) = &mail.reply_to {
        builder = builder.reply_to(mailbox(reply_to)?);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Rendered {
        Rendered {
            from_name: "Anna's Tea\r\nBcc: x@evil.example".into(),
            to: vec!["bo@example.com".into()],
            reply_to: Some("anna@example.com".into()),
            subject: "Your order K7P2QX9M".into(),
            text: "Thanks, Bo!".into(),
            html: "<p>Thanks, Bo!</p>".into(),
        }
    }

    #[test]
    fn a_mail_has_both_parts_and_the_shop_as_sender_name() {
        let from: Address = "live@showfloor.example".parse().unwrap();
        let raw = String::from_utf8(message(&from, &mail()).unwrap().formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        // The line break in the shop's name did not become a header of its own.
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
        assert!(raw.contains("Reply-To: anna@example.com"));
        let mut plain = mail();
        plain.from_name = "Anna Tea".into();
        let raw = String::from_utf8(message(&from, &plain).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("From: \"Anna Tea\" <live@showfloor.example>")
                || raw.contains("From: Anna Tea <live@showfloor.example>"),
            "{raw}"
        );
    }

    #[test]
    fn a_mail_without_a_valid_recipient_is_refused() {
        let from: Address = "live@showfloor.example".parse().unwrap();
        let mut bad = mail();
        bad.to = vec!["not an address".into()];
        assert!(message(&from, &bad).is_err());
        bad.to = Vec::new();
        assert!(message(&from, &bad).is_err());
    }
}
