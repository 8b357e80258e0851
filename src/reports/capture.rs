//! Event capture for reports: product-card impressions and clicks, Buy taps and
//! checkouts started. Handlers only `record` into a bounded channel (never awaiting the
//! database); one writer task resolves what the hot path did not look up (the stream of
//! a Buy tap, a variant's product, the pin open at the time) and inserts multi-row
//! batches every 250 ms or 500 rows. A full channel drops the event and counts it
//! (`showfloor_report_events_dropped`) rather than slow a viewer; `flush` writes all
//! that was recorded before it, which the server's clean shutdown awaits.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::DefaultKeyedRateLimiter;
use prometheus_client::metrics::counter::Counter;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

/// Events waiting for the writer; beyond this, events are dropped and counted.
pub const CHANNEL_CAPACITY: usize = 65_536;
/// Rows per INSERT statement (8 parameters each, far below both backends' limits).
const BATCH_ROWS: usize = 500;
const EVERY: Duration = Duration::from_millis(250);

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
    pub fn spawn_writer(&self, db: AnyPool) {
        let rx = self.rx.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(rx) = rx {
            let dropped = self.dropped.clone();
            tokio::spawn(run(db, rx, dropped));
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

async fn run(db: AnyPool, mut rx: mpsc::Receiver<Msg>, dropped: Counter) {
    let mut batch: Vec<Event> = Vec::new();
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Event(event)) => {
                    batch.push(event);
                    if batch.len() >= BATCH_ROWS {
                        write(&db, &mut batch, &dropped).await;
                    }
                }
                Some(Msg::Flush(done)) => {
                    write(&db, &mut batch, &dropped).await;
                    let _ = done.send(());
                }
                None => {
                    write(&db, &mut batch, &dropped).await;
                    break;
                }
            },
            _ = tick.tick() => write(&db, &mut batch, &dropped).await,
        }
    }
}

async fn write(db: &AnyPool, batch: &mut Vec<Event>, dropped: &Counter) {
    if batch.is_empty() {
        return;
    }
    let events = std::mem::take(batch);
    let n = events.len() as u64;
    let result = async {
        let rows = super::capture_rows::resolve(db, events).await?;
        insert(db, &rows).await
    }
    .await;
    if let Err(err) = result {
        tracing::warn!(error = %err, events = n, "report events could not be written");
        dropped.inc_by(n);
    }
}

/// A row of `report_events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub shop_id: i64,
    pub stream_id: i64,
    pub kind: Kind,
    pub viewer_id: String,
    pub product_id: i64,
    pub pin_id: Option<i64>,
    pub at: i64,
}

/// Multi-row INSERTs in one transaction; summaries of the streams touched are marked
/// stale so a late event (a checkout after the end) is not missed by the rollup.
pub async fn insert(db: &AnyPool, rows: &[Row]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for chunk in rows.chunks(BATCH_ROWS) {
        let mut sql = String::from(
            "INSERT INTO report_events (shop_id, stream_id, kind, viewer_id, product_id, pin_id, at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 7;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
        }
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.shop_id)
                .bind(r.stream_id)
                .bind(r.kind.as_str())
                .bind(r.viewer_id.clone())
                .bind(r.product_id)
                .bind(r.pin_id)
                .bind(r.at);
        }
        q.execute(&mut *tx).await?;
    }
    let streams: BTreeSet<i64> = rows.iter().map(|r| r.stream_id).collect();
    for stream in streams {
        sqlx::query("UPDATE report_stream_summaries SET stale = 1 WHERE stream_id = $1")
            .bind(stream)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Per-batch lookups, so a burst of taps on one stream reads it once.
#[derive(Default)]
pub struct Cache {
    pub streams: HashMap<(String, String), Option<(i64, i64)>>,
    pub variants: HashMap<(i64, i64), Option<i64>>,
}
