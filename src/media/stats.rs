//! Media figures per stream: the `/metrics` collector (read at scrape time from the
//! rooms, so an ended stream's series disappear with its room) and the JSON the
//! studio polls. The collector is handed to `web::metrics` when the state is built
//! ([`collector`]), so the metrics module needs nothing from media.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use super::room::Room;
use super::{MediaHub, SessionKind};

/// What the studio shows about its stream.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StreamStats {
    pub publishing: bool,
    /// This node pulls the stream from its origin (an edge, `super::cluster`).
    pub pulling: bool,
    pub viewers: usize,
    pub inbound_bitrate: f64,
    pub packets_in: u64,
    pub packets_forwarded: u64,
    pub bytes_forwarded: u64,
    pub packets_dropped: u64,
    pub plis_sent: u64,
    pub keyframe_requests: u64,
    /// Viewers that started on the room's keyframe cache.
    pub gop_replays: u64,
    /// Mean fraction of packets viewers report lost, 0–1.
    pub viewer_loss: f64,
    /// The worst viewers' loss fractions, highest first (at most 10).
    pub worst_viewer_loss: Vec<f64>,
    pub video_codec: Option<String>,
}

impl MediaHub {
    pub fn stats(&self, stream_id: i64) -> StreamStats {
        let Some(room) = self.room(stream_id) else {
            return StreamStats::default();
        };
        let sessions = self.sessions_of(stream_id);
        let viewers = sessions
            .iter()
            .filter(|s| s.kind == SessionKind::Viewer)
            .count();
        let publishing = self.publisher(stream_id).is_some_and(|p| p.is_alive());
        let mut stats = room_stats(&room, viewers, publishing);
        stats.pulling = self.cluster.pull_of(stream_id).is_some();
        stats
    }
}

/// What `/healthz` says about this node, for a load balancer or an operator choosing
/// where viewers go.
#[derive(Debug, Clone, Default)]
pub struct NodeStats {
    pub node: String,
    pub rooms: usize,
    pub viewers: usize,
    pub pulls: usize,
    /// RTP bytes sent to viewers (pulls served included) per second, averaged since the
    /// previous call (at least a second apart).
    pub egress_bps: f64,
}

impl MediaHub {
    /// WHEP viewers on this node, pulls served to other nodes included.
    pub fn viewer_count(&self) -> usize {
        self.sessions
            .lock()
            .expect("hub lock")
            .values()
            .filter(|s| s.kind == SessionKind::Viewer)
            .count()
    }

    pub fn node_stats(&self) -> NodeStats {
        let rooms = self.rooms();
        let viewers = self.viewer_count();
        let bytes: u64 = rooms
            .iter()
            .map(|r| r.stats.bytes_forwarded.load(Ordering::Relaxed))
            .sum();
        NodeStats {
            node: self.cluster.id.clone(),
            rooms: rooms.len(),
            viewers,
            pulls: self.cluster.pulls().len(),
            egress_bps: self.cluster.egress_rate(bytes),
        }
    }
}

fn room_stats(room: &Room, viewers: usize, publishing: bool) -> StreamStats {
    let s = &room.stats;
    let mut worst: Vec<f64> = room
        .viewer_loss
        .lock()
        .expect("room lock")
        .values()
        .map(|l| f64::from(*l) / 256.0)
        .collect();
    worst.sort_by(|a, b| b.total_cmp(a));
    worst.truncate(10);
    StreamStats {
        pulling: false,
        publishing,
        viewers,
        inbound_bitrate: room.inbound_bitrate(),
        packets_in: s.packets_in.load(Ordering::Relaxed),
        packets_forwarded: s.packets_forwarded.load(Ordering::Relaxed),
        bytes_forwarded: s.bytes_forwarded.load(Ordering::Relaxed),
        packets_dropped: s.packets_dropped.load(Ordering::Relaxed),
        plis_sent: s.plis_sent.load(Ordering::Relaxed),
        keyframe_requests: s.keyframe_requests.load(Ordering::Relaxed),
        gop_replays: s.gop_replays.load(Ordering::Relaxed),
        viewer_loss: room.mean_viewer_loss(),
        worst_viewer_loss: worst,
        video_codec: room
            .tracks()
            .borrow()
            .video
            .as_ref()
            .map(|c| c.mime_type.clone()),
    }
}

/// The collector for `web::metrics::Metrics::new`: reads `hub` at each scrape.
pub fn collector(hub: &Arc<MediaHub>) -> Box<dyn Collector> {
    Box::new(MediaCollector {
        hub: Arc::downgrade(hub),
    })
}

/// Registered in the metrics registry; reads the hub at each scrape. Weak, so that the
/// registry never keeps an SFU alive past its app (tests run many apps in one process).
#[derive(Debug)]
struct MediaCollector {
    hub: Weak<MediaHub>,
}

impl std::fmt::Debug for MediaHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaHub").finish_non_exhaustive()
    }
}

/// One stream's figures, labelled by its id.
struct Row {
    stream: String,
    stats: StreamStats,
}

fn counter(
    encoder: &mut DescriptorEncoder,
    rows: &[Row],
    name: &str,
    help: &str,
    value: fn(&StreamStats) -> u64,
) -> Result<(), std::fmt::Error> {
    let mut metric =
        encoder.encode_descriptor(name, help, None, ConstCounter::new(0u64).metric_type())?;
    for Row { stream, stats } in rows {
        let labels = [("stream", stream.as_str())];
        ConstCounter::new(value(stats)).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    rows: &[Row],
    name: &str,
    help: &str,
    value: fn(&StreamStats) -> f64,
) -> Result<(), std::fmt::Error> {
    let mut metric =
        encoder.encode_descriptor(name, help, None, ConstGauge::new(0.0f64).metric_type())?;
    for Row { stream, stats } in rows {
        let labels = [("stream", stream.as_str())];
        ConstGauge::new(value(stats)).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

impl Collector for MediaCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(hub) = self.hub.upgrade() else {
            return Ok(());
        };
        let rows: Vec<Row> = hub
            .rooms()
            .iter()
            .map(|room| Row {
                stream: room.stream_id.to_string(),
                stats: hub.stats(room.stream_id),
            })
            .collect();
        let e = &mut encoder;
        gauge(e, &rows, "media_viewers", "WHEP viewers connected", |s| {
            s.viewers as f64
        })?;
        gauge(
            e,
            &rows,
            "media_publishing",
            "1 while a WHIP publisher is connected",
            |s| f64::from(u8::from(s.publishing)),
        )?;
        gauge(
            e,
            &rows,
            "media_pulling",
            "1 while this node pulls the stream from its origin node",
            |s| f64::from(u8::from(s.pulling)),
        )?;
        gauge(
            e,
            &rows,
            "media_inbound_bitrate_bps",
            "Publisher bitrate, bits per second",
            |s| s.inbound_bitrate,
        )?;
        gauge(
            e,
            &rows,
            "media_viewer_loss_ratio",
            "Mean fraction lost reported by viewers",
            |s| s.viewer_loss,
        )?;
        counter(
            e,
            &rows,
            "media_packets_received",
            "RTP packets from the publisher",
            |s| s.packets_in,
        )?;
        counter(
            e,
            &rows,
            "media_packets_forwarded",
            "RTP packets sent to viewers",
            |s| s.packets_forwarded,
        )?;
        counter(
            e,
            &rows,
            "media_bytes_forwarded",
            "RTP bytes sent to viewers (the node's egress for the stream)",
            |s| s.bytes_forwarded,
        )?;
        counter(
            e,
            &rows,
            "media_packets_dropped",
            "RTP packets not sent to a viewer (lag, waiting for a keyframe)",
            |s| s.packets_dropped,
        )?;
        counter(
            e,
            &rows,
            "media_plis_sent",
            "Keyframe requests (PLI) sent to the publisher",
            |s| s.plis_sent,
        )?;
        counter(
            e,
            &rows,
            "media_keyframe_requests",
            "Keyframe requests before rate limiting",
            |s| s.keyframe_requests,
        )?;
        counter(
            e,
            &rows,
            "media_gop_replays",
            "Viewers started on the cached keyframe instead of a new one",
            |s| s.gop_replays,
        )?;
        let sessions = ConstGauge::new(hub.session_count() as i64);
        sessions.encode(encoder.encode_descriptor(
            "media_sessions",
            "Open WHIP and WHEP sessions",
            None,
            sessions.metric_type(),
        )?)?;
        Ok(())
    }
}
