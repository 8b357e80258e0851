//! Event capture for reports: product-card impressions and clicks, Buy taps and
//! checkouts started. Handlers only `record` into a bounded channel (never awaiting the
//! database); one writer task resolves what the hot path did not look up (the stream of
//! a Buy tap, a variant's product, the pin open at the time) and inserts them in batches.
//! The writer yields to the requests that produce the events: it writes once events have
//! stopped coming for [`QUIET`], or when the oldest waiting is [`MAX_WAIT`] old, or at
//! [`MAX_ROWS`], so a flash sale's burst of Buy taps is written after the burst rather
//! than in it (on PostgreSQL a row costs ≈ 20 µs of the database's CPU, foreign-key
//! checks and indexes, on the cores the sale runs on). A full channel drops the event and counts it
//! (`showfloor_report_events_dropped`) rather than slow a viewer; `flush` writes all
//! that was recorded before it, which the server's clean shutdown awaits.
//!
//! `rows` turns events into rows, `store` holds the SQL (lookups and the batched
//! INSERT), `track` is the viewer page's endpoint for card impressions and clicks.

mod rows;
mod store;
pub mod track;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::DefaultKeyedRateLimiter;
use prometheus_client::metrics::counter::Counter;
use sqlx::AnyPool;

use tokio::sync::{mpsc, oneshot};

use crate::db::Backend;
pub use store::Row;

/// Events waiting for the writer; beyond this, events are dropped and counted.
pub const CHANNEL_CAPACITY: usize = 65_536;
/// Write once no event came for this long,
pub const QUIET: Duration = Duration::from_millis(100);
/// or once the oldest waiting event is this old,
pub const MAX_WAIT: Duration = Duration::from_secs(1);
/// or once this many wait.
pub const MAX_ROWS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Impression,
    Click,
    Buy,
    Checkout,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Impression => "impression",
            Kind::Click => "click",
            Kind::Buy => "buy",
            Kind::Checkout => "checkout",
        }
    }
}

/// One thing a shopper did, as the request path knows it.
#[derive(Debug, Clone)]
pub enum Event {
    /// An impression or click from the viewer page, already checked against the pin.
    Product {
        kind: Kind,
        shop_id: i64,
        stream_id: i64,
        viewer_id: String,
        product_id: i64,
        pin_id: i64,
        at: i64,
    },
    /// The Buy request arriving, before anything is read: the stream by its public
    /// address and the variant as tapped (unknown ones are dropped by the writer).
    BuyTap {
        shop: String,
        stream: String,
        viewer_id: String,
        variant_id: i64,
        at: i64,
    },
    /// The shopper reached the payment step of an order attributed to a stream: one
    /// row per product and pin of its lines.
    Checkout {
        shop_id: i64,
        stream_id: i64,
        order_id: i64,
        viewer_id: String,
        at: i64,
    },
}

enum Msg {
    Event(Event),
    Flush(oneshot::Sender<()>),
}

/// The capture channel, shared by every handler through `AppState`.
pub struct Capture {
    tx: mpsc::Sender<Msg>,
    /// Taken by the writer when it starts.
    rx: Mutex<Option<mpsc::Receiver<Msg>>>,
    /// Events lost because the channel was full (or the batch failed to write).
    pub dropped: Counter,
    /// Track requests per viewer: 30 in a burst, then 5 a second.
    pub track_limit: DefaultKeyedRateLimiter<String>,
}

impl Capture {
    pub fn new(dropped: Counter) -> Arc<Capture> {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let quota = governor::Quota::with_period(Duration::from_millis(200))
            .expect("non-zero period")
            .allow_burst(std::num::NonZeroU32::new(30).expect("non-zero burst"));
        Arc::new(Capture {
            tx,
            rx: Mutex::new(Some(rx)),
            dropped,
            track_limit: DefaultKeyedRateLimiter::keyed(quota),
        })
    }

    /// Hand an event to the writer without waiting; a full channel counts a drop.
    pub fn record(&self, event: Event) {
        if self.tx.try_send(Msg::Event(event)).is_err() {
            self.dropped.inc();
        }
    }

    /// Start the writer (once).
    pub fn spawn_writer(&self, db: AnyPool, backend: Backend) {
        let rx = self.rx.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(rx) = rx {
            let dropped = self.dropped.clone();
            tokio::spawn(run(db, backend, rx, dropped));
        }
    }

    /// Wait until everything recorded before this call is in the database.
    pub async fn flush(&self) {
        let started = self.rx.lock().unwrap_or_else(|e| e.into_inner()).is_none();
        let (done, written) = oneshot::channel();
        if started && self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }
}

async fn run(db: AnyPool, backend: Backend, mut rx: mpsc::Receiver<Msg>, dropped: Counter) {
    use tokio::time::{Instant, sleep_until};
    let mut batch: Vec<Event> = Vec::new();
    // When the first and the latest waiting event came.
    let mut first = Instant::now();
    let mut latest = first;
    loop {
        let due = (latest + QUIET).min(first + MAX_WAIT);
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Event(event)) => {
                    latest = Instant::now();
                    if batch.is_empty() {
                        first = latest;
                    }
                    batch.push(event);
                    if batch.len() >= MAX_ROWS {
                        write(&db, backend, &mut batch, &dropped).await;
                    }
                }
                Some(Msg::Flush(done)) => {
                    write(&db, backend, &mut batch, &dropped).await;
                    let _ = done.send(());
                }
                None => {
                    write(&db, backend, &mut batch, &dropped).await;
                    break;
                }
            },
            _ = sleep_until(due), if !batch.is_empty() => {
                write(&db, backend, &mut batch, &dropped).await;
            }
        }
    }
}

async fn write(db: &AnyPool, backend: Backend, batch: &mut Vec<Event>, dropped: &Counter) {
    if batch.is_empty() {
        return;
    }
    let events = std::mem::take(batch);
    let n = events.len() as u64;
    let result = async {
        let rows = rows::resolve(db, events).await?;
        store::insert(db, backend, &rows).await
    }
    .await;
    if let Err(err) = result {
        tracing::warn!(error = %err, events = n, "report events could not be written");
        dropped.inc_by(n);
    }
}
