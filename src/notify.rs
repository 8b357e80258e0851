//! Messages between the nodes that share one PostgreSQL database: the one LISTEN
//! connection of this process, and `pg_notify` to send. A feature subscribes to its own
//! channel (the live rooms to `showfloor_live`, the session cache to `showfloor_sessions`)
//! and is handed each payload heard on it; this module knows channels, never what a
//! payload means. On SQLite the process is the only node, so nothing is sent or heard.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

use crate::db::{Backend, Db};

/// After a LISTEN error, wait this long before asking again, so a database that is down
/// does not spin the task.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What a subscriber is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard<'a> {
    /// A payload another node (or this one) sent on the subscribed channel.
    Message(&'a str),
    /// The LISTEN connection dropped (it reconnects by itself): whatever was sent
    /// meanwhile is lost, so a subscriber that keeps copies must stop trusting them.
    Lost,
}

/// Called on the listener's task for each payload: it must be quick and never block
/// (lock, update, publish), or every channel behind it waits.
type Subscriber = Arc<dyn Fn(Heard<'_>) + Send + Sync>;

/// The process's LISTEN connection and who hears which channel.
pub struct Notify {
    db: Db,
    subscribers: Mutex<Vec<(&'static str, Subscriber)>>,
    /// Set when `run` has taken the list of channels: a later subscription would not be
    /// listened to, which is a wiring mistake worth a log line.
    started: AtomicBool,
}

impl Notify {
    pub fn new(db: Db) -> Arc<Notify> {
        Arc::new(Notify {
            db,
            subscribers: Mutex::new(Vec::new()),
            started: AtomicBool::new(false),
        })
    }

    /// Hand every payload of `channel` (and every lost connection) to `on`. Subscribe
    /// before `run` starts: the channels are listened to once, when it connects.
    pub fn subscribe(&self, channel: &'static str, on: impl Fn(Heard<'_>) + Send + Sync + 'static) {
        if self.started.load(Ordering::SeqCst) {
            tracing::error!(
                channel,
                "subscribed after the listener started: never heard"
            );
        }
        self.subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((channel, Arc::new(on)));
    }

    /// Whether other nodes can hear this one (PostgreSQL); senders may skip building a
    /// payload otherwise.
    pub fn has_peers(&self) -> bool {
        self.db.backend == Backend::Postgres
    }

    /// Send `payload` on `channel` to every node, this one included (subscribers ignore
    /// their own echo). Does nothing on SQLite.
    pub async fn send(&self, channel: &str, payload: &str) -> sqlx::Result<()> {
        if !self.has_peers() {
            return Ok(());
        }
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Listen (on PostgreSQL) and hand out what is heard until `stop` fires.
    pub async fn run(self: Arc<Self>, database_url: String, mut stop: watch::Receiver<bool>) {
        self.started.store(true, Ordering::SeqCst);
        if !self.has_peers() {
            return;
        }
        let subscribers = self
            .subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if subscribers.is_empty() {
            return;
        }
        let mut channels: Vec<&str> = subscribers.iter().map(|(c, _)| *c).collect();
        channels.sort_unstable();
        channels.dedup();
        let Some(mut listener) = listen(&database_url, &channels).await else {
            return;
        };
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                heard = listener.try_recv() => match heard {
                    Ok(Some(n)) => dispatch(&subscribers, Some(n.channel()), Heard::Message(n.payload())),
                    // PgListener reconnects on the next call and listens again.
                    Ok(None) => dispatch(&subscribers, None, Heard::Lost),
                    Err(err) => {
                        tracing::warn!(error = %err, "LISTEN connection error");
                        tokio::select! {
                            _ = stop.changed() => break,
                            _ = tokio::time::sleep(RETRY_AFTER) => {}
                        }
                    }
                },
            }
        }
    }
}

async fn listen(database_url: &str, channels: &[&str]) -> Option<PgListener> {
    let mut listener = match PgListener::connect(database_url).await {
        Ok(l) => l,
        Err(err) => {
            tracing::error!(error = %err, "could not open the LISTEN connection: nodes will not hear each other");
            return None;
        }
    };
    match listener.listen_all(channels.iter().copied()).await {
        Ok(()) => Some(listener),
        Err(err) => {
            tracing::error!(error = %err, "LISTEN failed: nodes will not hear each other");
            None
        }
    }
}

/// Hand `heard` to the subscribers of `channel`, or to all of them when `channel` is
/// `None` (a lost connection concerns every channel).
fn dispatch(subscribers: &[(&'static str, Subscriber)], channel: Option<&str>, heard: Heard<'_>) {
    for (subscribed, on) in subscribers {
        if channel.is_none_or(|c| c == *subscribed) {
            on(heard);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder(log: &Arc<Mutex<Vec<String>>>, name: &'static str) -> Subscriber {
        let log = log.clone();
        Arc::new(move |heard: Heard<'_>| {
            log.lock().unwrap().push(format!("{name}: {heard:?}"));
        })
    }

    #[test]
    fn a_payload_reaches_only_its_channel_and_a_lost_connection_reaches_every_channel() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let subscribers = vec![
            ("live", recorder(&log, "live")),
            ("sessions", recorder(&log, "sessions")),
        ];
        dispatch(&subscribers, Some("sessions"), Heard::Message("a:b"));
        dispatch(&subscribers, Some("elsewhere"), Heard::Message("x"));
        dispatch(&subscribers, None, Heard::Lost);
        assert_eq!(
            *log.lock().unwrap(),
            ["sessions: Message(\"a:b\")", "live: Lost", "sessions: Lost"]
        );
    }
}
