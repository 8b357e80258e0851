//! The publisher connection's runtime: the `webrtc` crate's tokio runtime, with each UDP
//! socket it opens wrapped so that a nominating check that came too early is read again
//! once it can be answered ([`super::nominate`] says why). The viewer's driver does the
//! same in its own read loop; a publisher's connection reads its socket inside the crate,
//! so the socket itself does it here.
//!
//! The wrapper watches what it hands up: a Binding request with USE-CANDIDATE is kept; the
//! next read after a Binding success response hands it up again; the first DTLS record
//! (ICE is done by then) ends the watching. Nothing is written and nothing is dropped.

use std::future::Future;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use webrtc::runtime::{
    AsyncInterval, AsyncTcpListener, AsyncTcpStream, AsyncUdpSocket, JoinHandle, RecvMeta, Runtime,
    TokioRuntime, Transmit,
};

use super::nominate::{self, Early, Stun};

/// Tokio, with [`Watched`] sockets.
#[derive(Debug, Default)]
pub struct PublishRuntime;

impl Runtime for PublishRuntime {
    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()> + Send>>) -> Box<dyn JoinHandle> {
        TokioRuntime.spawn(future)
    }

    fn spawn_reactor(
        &self,
        pool: usize,
        future: Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Box<dyn JoinHandle> {
        TokioRuntime.spawn_reactor(pool, future)
    }

    fn wrap_udp_socket(&self, socket: std::net::UdpSocket) -> io::Result<Arc<dyn AsyncUdpSocket>> {
        let inner = TokioRuntime.wrap_udp_socket(socket)?;
        Ok(Arc::new(Watched {
            inner,
            state: Mutex::new(Watch::default()),
            done: AtomicBool::new(false),
        }))
    }

    fn wrap_tcp_listener(
        &self,
        listener: std::net::TcpListener,
    ) -> io::Result<Arc<dyn AsyncTcpListener>> {
        TokioRuntime.wrap_tcp_listener(listener)
    }

    fn connect_tcp<'a>(
        &'a self,
        remote: SocketAddr,
    ) -> Pin<Box<dyn Future<Output = io::Result<Arc<dyn AsyncTcpStream>>> + Send + 'a>> {
        TokioRuntime.connect_tcp(remote)
    }

    fn resolve_host<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'a>> {
        TokioRuntime.resolve_host(host)
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        TokioRuntime.sleep(duration)
    }

    fn interval(&self, period: Duration) -> Box<dyn AsyncInterval> {
        TokioRuntime.interval(period)
    }

    fn block_on(&self, future: Pin<Box<dyn Future<Output = ()> + '_>>) {
        TokioRuntime.block_on(future)
    }

    fn name(&self) -> &'static str {
        "tokio (showfloor publisher)"
    }
}

#[derive(Debug, Default)]
struct Watch {
    early: Early<(SocketAddr, Vec<u8>)>,
    /// The kept request, due to be handed up on the next read.
    again: Option<(SocketAddr, Vec<u8>)>,
}

/// A UDP socket that hands an early nominating check up again (module comment).
#[derive(Debug)]
struct Watched {
    inner: Arc<dyn AsyncUdpSocket>,
    state: Mutex<Watch>,
    /// Set at the first DTLS record: from then on every read goes straight through (the
    /// publisher's RTP path takes no lock).
    done: AtomicBool,
}

impl Watched {
    /// Look at the datagrams `bufs[..n]` hold (each message may be several of `stride`
    /// bytes, coalesced by GRO).
    fn watch(&self, bufs: &[IoSliceMut<'_>], meta: &[RecvMeta], n: usize) {
        let mut watch = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for (buf, meta) in bufs.iter().zip(meta).take(n) {
            let stride = meta.stride.max(1);
            for datagram in buf[..meta.len.min(buf.len())].chunks(stride) {
                // RFC 7983: 20–63 is DTLS; ICE has chosen its pair once DTLS flows.
                if datagram.first().is_some_and(|b| (20..=63).contains(b)) {
                    self.done.store(true, Ordering::Relaxed);
                    watch.early.connected();
                    watch.again = None;
                    return;
                }
                let kind = nominate::classify(datagram);
                watch.early.saw(kind, || (meta.addr, datagram.to_vec()));
                if kind == Stun::Success
                    && let Some(held) = watch.early.again(kind)
                {
                    watch.again = Some(held);
                }
            }
        }
    }
}

impl AsyncUdpSocket for Watched {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    fn poll_send(&self, cx: &mut Context<'_>, transmit: &Transmit<'_>) -> Poll<io::Result<usize>> {
        self.inner.poll_send(cx, transmit)
    }

    fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        if self.done.load(Ordering::Relaxed) {
            return self.inner.poll_recv(cx, bufs, meta);
        }
        let again = {
            let mut watch = self.state.lock().unwrap_or_else(|e| e.into_inner());
            watch.again.take()
        };
        if let Some((addr, datagram)) = again
            && let (Some(buf), Some(slot)) = (bufs.first_mut(), meta.first_mut())
            && datagram.len() <= buf.len()
        {
            buf[..datagram.len()].copy_from_slice(&datagram);
            let mut filled = RecvMeta::default();
            filled.addr = addr;
            filled.len = datagram.len();
            filled.stride = datagram.len();
            filled.dst_ip = slot.dst_ip;
            *slot = filled;
            return Poll::Ready(Ok(1));
        }
        match self.inner.poll_recv(cx, bufs, meta) {
            Poll::Ready(Ok(n)) => {
                self.watch(bufs, meta, n);
                Poll::Ready(Ok(n))
            }
            other => other,
        }
    }

    fn max_gso_segments(&self) -> usize {
        self.inner.max_gso_segments()
    }

    fn max_gro_segments(&self) -> usize {
        self.inner.max_gro_segments()
    }
}
