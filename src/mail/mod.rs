//! Mail that arrives: the outbox (`store`), the SMTP transport built from the
//! configuration (`transport`) and the background worker that sends what is queued, with
//! retries (`worker`). It knows no feature: a feature queues a row naming what the mail
//! is about (`queue`, inside the transaction of the change that causes it) and gives the
//! worker a renderer per kind (`Renderer`), which turns that row into a `Rendered` mail
//! when it is sent. Nothing here runs inside a request.

pub mod store;
pub mod transport;
pub mod worker;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sqlx::{AnyConnection, AnyPool};
use tokio::sync::Notify;

use crate::config::Config;

pub use store::{OutboxNote, Outcome};

/// A mail ready to send: multipart/alternative, its plain-text and HTML parts rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The display name of the sender (the shop's name); the address is `--mail-from`'s.
    pub from_name: String,
    pub to: Vec<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a renderer is handed: the database to read the row from and the public URL for
/// links in the mail.
pub struct RenderContext<'a> {
    pub db: &'a AnyPool,
    pub base_url: &'a str,
}

pub type RenderFuture<'a> =
    Pin<Box<dyn Future<Output = anyhow::Result<Option<Rendered>>> + Send + 'a>>;

/// A feature's renderer for one kind: the mail about `(shop_id, about_id)`, or `None` when there is
/// nothing to send (the row is gone, or it names no recipient).
pub type Renderer = for<'a> fn(&'a RenderContext<'a>, i64, i64) -> RenderFuture<'a>;

/// The process's mail handle: the transport (none without `--smtp-url`), the renderers the
/// features gave, the retry policy and the worker's wake-up.
pub struct Mail {
    pub(crate) transport: Option<transport::Smtp>,
    renderers: Vec<(&'static str, Renderer)>,
    pub(crate) retry: worker::Retry,
    /// Rung after a commit that queued a mail, so it leaves at once rather than at the
    /// next poll.
    pub wake: Notify,
}

impl Mail {
    pub fn new(config: &Config, renderers: &[(&'static str, Renderer)]) -> Mail {
        Mail {
            transport: transport::Smtp::from_config(config),
            renderers: renderers.to_vec(),
            retry: worker::Retry {
                first: Duration::from_millis(config.mail_retry_ms.max(1)),
                cap: worker::RETRY_CAP,
                max_attempts: config.mail_max_attempts.max(1),
            },
            wake: Notify::new(),
        }
    }

    fn renderer(&self, kind: &str) -> Option<Renderer> {
        self.renderers
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, r)| *r)
    }
}

/// Queue the mail `kind` about `about_id` in the caller's transaction; a second call for
/// the same pair queues nothing (a replayed event sends no second mail).
pub async fn queue(
    conn: &mut AnyConnection,
    shop_id: i64,
    kind: &str,
    about_id: i64,
) -> sqlx::Result<()> {
    store::insert(conn, shop_id, kind, about_id, crate::db::now_ms()).await
}
