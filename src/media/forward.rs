//! The viewer side: once [`super::viewer`] has answered the WHEP offer, one task per viewer
//! runs the connection on `rtc`'s sans-IO peer connection: it reads the viewer's UDP socket,
//! the room's fan-out and the connection's timers, rewrites each packet for this viewer and
//! writes it out, and acts on the viewer's RTCP (keyframe requests, loss reports).
//!
//! Why not the `webrtc` crate's connection, as publishers use: its driver costs a viewer
//! ≈ 300 KB, a third of it in two things a viewer never needs, a preallocated 256-event
//! channel between the application and the driver (≈ 60 KB) and the local tracks' event
//! channels (≈ 16 KB), plus four tasks per viewer and an async lock and a channel hop per
//! forwarded packet. Run here, a forwarded packet goes from the room's broadcast to the
//! socket in one task (docs/benchmarks.md, Broadcasting).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use rtc::peer_connection::event::RTCPeerConnectionEvent;
use rtc::peer_connection::message::RTCMessage;
use rtc::rtcp;
use rtc::rtp_transceiver::RTCRtpSenderId;
use rtc::sansio::Protocol;
use rtc::shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use tokio::net::UdpSocket;
use tokio::sync::Notify;
use tokio::sync::broadcast::{self, error::TryRecvError};
use webrtc::peer_connection::RTCPeerConnectionState;

use super::gop::Replay;
use super::nominate::{self, Early};
use super::peer;
use super::rewrite::{Media, Rewriter};
use super::room::Room;
use super::session::Events;

/// `rtc`'s sans-IO peer connection, as one viewer's driver owns it.
pub(super) type Pc = rtc::peer_connection::RTCPeerConnection;

/// The largest datagram a viewer sends us (RTCP, STUN, DTLS).
const RECV_BUFFER: usize = 1_500;
/// Live packets handled per loop turn before the sockets and timers get a look.
const BURST: usize = 32;

/// One track going out to the viewer.
pub(super) struct Out {
    pub(super) sender: RTCRtpSenderId,
    pub(super) rewriter: Rewriter,
    pub(super) video: bool,
}

/// One viewer's connection and what feeds it.
pub(super) struct Driver {
    pc: Pc,
    sockets: Vec<(SocketAddr, UdpSocket)>,
    room: Arc<Room>,
    events: Arc<Events>,
    session: String,
    outs: Vec<Out>,
    /// The room's fan-out, from when the connection is up.
    video: Option<broadcast::Receiver<Arc<Media>>>,
    audio: Option<broadcast::Receiver<Arc<Media>>>,
    /// The cached GOP still to send.
    replay: Replay,
    /// A nominating check that came before the agent could answer it (`nominate`).
    early: Early<(TransportContext, BytesMut)>,
    buf: Vec<u8>,
}

impl Driver {
    /// The driver of an answered connection `pc` on `sockets`, for `session` of `room`; it
    /// subscribes to the room's fan-out once the connection is up. Boxed: the connection is
    /// 8.5 KB, and an async fn would keep its argument and the body's copy of it apart.
    pub(super) fn new(
        pc: Pc,
        sockets: Vec<(SocketAddr, UdpSocket)>,
        room: Arc<Room>,
        events: Arc<Events>,
        session: String,
        outs: Vec<Out>,
    ) -> Box<Driver> {
        Box::new(Driver {
            pc,
            sockets,
            room,
            events,
            session,
            outs,
            video: None,
            audio: None,
            replay: Replay::default(),
            early: Early::default(),
            buf: vec![0u8; RECV_BUFFER],
        })
    }

    /// Serve the viewer until the connection closes or `stop` is notified.
    pub(super) async fn run(mut self: Box<Self>, stop: Arc<Notify>) {
        // Timeouts due now are handled at once, but not forever in a row: past this many the
        // loop waits for its next input like any other turn.
        let mut immediate = 0u32;
        loop {
            self.flush();
            if self.handle_events() {
                break;
            }
            self.handle_reads();
            let now = Instant::now();
            let due = self
                .pc
                .poll_timeout()
                .unwrap_or(now + Duration::from_secs(1));
            if due <= now && immediate < 8 {
                immediate += 1;
                let _ = self.pc.handle_timeout(now);
                continue;
            }
            immediate = 0;
            let due = due.max(now + Duration::from_millis(1));
            let replay_due = self.replay.due();
            let live_video = self.replay.is_empty() && self.video.is_some();
            let live_audio = self.audio.is_some();
            tokio::select! {
                _ = stop.notified() => {
                    let _ = self.pc.close();
                    self.flush();
                    break;
                }
                _ = tokio::time::sleep_until(due.into()) => {
                    let _ = self.pc.handle_timeout(Instant::now());
                }
                received = peer::recv_any(&self.sockets, &mut self.buf) => match received {
                    Ok((n, local_addr, peer_addr)) => {
                        let transport = TransportContext {
                            local_addr,
                            peer_addr,
                            ecn: None,
                            transport_protocol: TransportProtocol::UDP,
                        };
                        self.read(transport, n);
                    }
                    Err(err) => tracing::debug!(error = %err, "viewer socket read failed"),
                },
                _ = tokio::time::sleep_until(replay_due.unwrap_or(due).into()), if replay_due.is_some() => {
                    self.send_replay();
                }
                received = next(self.video.as_mut()), if live_video => {
                    self.take(received.map_err(into_try), true);
                    self.send_live();
                }
                received = next(self.audio.as_mut()), if live_audio => {
                    self.take(received.map_err(into_try), false);
                    self.send_live();
                }
            }
        }
    }

    /// Hand the agent the datagram of `n` bytes in the buffer (and a nominating check it
    /// could not answer before, once it can: `nominate`).
    fn read(&mut self, transport: TransportContext, n: usize) {
        let message = BytesMut::from(&self.buf[..n]);
        let kind = nominate::classify(&message);
        self.early.saw(kind, || (transport, message.clone()));
        let _ = self.pc.handle_read(TaggedBytesMut {
            now: Instant::now(),
            transport,
            message,
        });
        if let Some((transport, message)) = self.early.again(kind) {
            let _ = self.pc.handle_read(TaggedBytesMut {
                now: Instant::now(),
                transport,
                message,
            });
        }
    }

    /// Send what the connection has to send.
    fn flush(&mut self) {
        while let Some(msg) = self.pc.poll_write() {
            let socket = self
                .sockets
                .iter()
                .find(|(local, _)| *local == msg.transport.local_addr)
                .or_else(|| self.sockets.first());
            if let Some((_, socket)) = socket
                && let Err(err) = socket.try_send_to(&msg.message, msg.transport.peer_addr)
            {
                // A full socket buffer drops the datagram: a viewer that cannot keep up loses
                // packets (and asks for them again, or for a keyframe); nobody waits for it.
                self.room
                    .stats
                    .packets_dropped
                    .fetch_add(1, Ordering::Relaxed);
                tracing::debug!(error = %err, "viewer socket write failed");
            }
        }
    }

    /// Connection state changes; true once the connection is over.
    fn handle_events(&mut self) -> bool {
        let mut over = false;
        while let Some(event) = self.pc.poll_event() {
            if let RTCPeerConnectionEvent::OnConnectionStateChangeEvent(state) = event {
                self.events.state_changed(state);
                if state == RTCPeerConnectionState::Connected {
                    self.early.connected();
                }
                match state {
                    RTCPeerConnectionState::Connected
                        if self.audio.is_none() && self.video.is_none() =>
                    {
                        self.subscribe()
                    }
                    RTCPeerConnectionState::Closed => over = true,
                    _ => {}
                }
            }
        }
        over
    }

    /// The connection is up: start on the cached GOP (or ask for a keyframe), then live.
    fn subscribe(&mut self) {
        if self.outs.iter().any(|o| o.video) {
            let (gop, packets) = self.room.subscribe_video();
            if gop.is_empty() {
                self.room.request_keyframe();
            } else {
                self.room.stats.gop_replays.fetch_add(1, Ordering::Relaxed);
                self.replay = Replay::new(gop);
            }
            self.video = Some(packets);
        }
        if self.outs.iter().any(|o| !o.video) {
            self.audio = Some(self.room.audio.subscribe());
        }
    }

    /// The viewer's RTCP: keyframe requests go to the publisher (rate-limited), receiver
    /// reports feed the per-viewer loss figure.
    fn handle_reads(&mut self) {
        use rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
        use rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
        use rtcp::receiver_report::ReceiverReport;
        while let Some(msg) = self.pc.poll_read() {
            let RTCMessage::RtcpPacket(_, packets) = msg.message else {
                continue;
            };
            for packet in packets {
                let any = packet.as_any();
                if any.is::<PictureLossIndication>() || any.is::<FullIntraRequest>() {
                    self.room.request_keyframe();
                } else if let Some(rr) = any.downcast_ref::<ReceiverReport>()
                    && let Some(report) = rr.reports.first()
                {
                    self.room
                        .viewer_loss
                        .lock()
                        .expect("room lock")
                        .insert(self.session.clone(), report.fraction_lost);
                }
            }
        }
    }

    /// The cached-GOP packets that are due (paced: [`Replay`]).
    fn send_replay(&mut self) {
        let now = Instant::now();
        while let Some(media) = self.replay.next_due(now) {
            self.deliver(&media, true);
        }
    }

    /// More live packets that are ready now (a bounded number, so the socket and timers
    /// keep their turn).
    fn send_live(&mut self) {
        for _ in 0..BURST {
            let mut got = false;
            for video in [true, false] {
                if video && !self.replay.is_empty() {
                    continue;
                }
                let rx = if video {
                    &mut self.video
                } else {
                    &mut self.audio
                };
                let Some(rx) = rx else { continue };
                match rx.try_recv() {
                    Err(TryRecvError::Empty) => {}
                    received => {
                        got = true;
                        self.take(received, video);
                    }
                }
            }
            if !got {
                break;
            }
        }
    }

    /// One result from the fan-out. A viewer that fell behind the fan-out buffer loses
    /// packets, never slowing anyone else, then resumes on a keyframe with a continuous
    /// sequence.
    fn take(&mut self, received: Result<Arc<Media>, TryRecvError>, video: bool) {
        match received {
            Ok(media) => self.deliver(&media, video),
            Err(TryRecvError::Lagged(missed)) => {
                self.room
                    .stats
                    .packets_dropped
                    .fetch_add(missed, Ordering::Relaxed);
                if let Some(out) = self.outs.iter_mut().find(|o| o.video == video) {
                    out.rewriter.resync();
                }
                if video {
                    self.room.request_keyframe();
                }
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Closed) => {
                if video {
                    self.video = None;
                } else {
                    self.audio = None;
                }
            }
        }
    }

    /// Rewrite one packet for this viewer and send it; one it must not get yet (video before
    /// a keyframe) is dropped and asks for a keyframe.
    fn deliver(&mut self, media: &Media, video: bool) {
        let stats = &self.room.stats;
        let Some(out) = self.outs.iter_mut().find(|o| o.video == video) else {
            return;
        };
        match out.rewriter.rewrite(media) {
            Some(packet) => {
                let bytes = packet.payload.len() as u64 + 12;
                let sent = self
                    .pc
                    .rtp_sender(out.sender)
                    .is_some_and(|mut sender| sender.write_rtp(Instant::now(), packet).is_ok());
                if sent {
                    stats.packets_forwarded.fetch_add(1, Ordering::Relaxed);
                    stats.bytes_forwarded.fetch_add(bytes, Ordering::Relaxed);
                } else {
                    stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
                }
                // Out at once: every stage of `rtc`'s send pipeline keeps a queue that grows to
                // the largest burst it ever held and never shrinks, so packets pass one by one.
                self.flush();
            }
            None => {
                stats.packets_dropped.fetch_add(1, Ordering::Relaxed);
                self.room.request_keyframe();
            }
        }
    }
}

/// The next packet of a fan-out receiver; never, without one (`select!` builds the future
/// of a disabled branch too).
async fn next(
    rx: Option<&mut broadcast::Receiver<Arc<Media>>>,
) -> Result<Arc<Media>, broadcast::error::RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn into_try(err: broadcast::error::RecvError) -> TryRecvError {
    match err {
        broadcast::error::RecvError::Lagged(n) => TryRecvError::Lagged(n),
        broadcast::error::RecvError::Closed => TryRecvError::Closed,
    }
}
