//! The runtime viewer connections are built on: the `webrtc` crate's tokio runtime in
//! every respect but one, a plain UDP socket without GRO.
//!
//! Why: the crate's tokio runtime turns UDP GRO on for every socket, and the connection's
//! driver then sizes its two receive buffers (per socket, and the burst buffer) for 64
//! coalesced datagrams, 96 KB each, ~192 KB per connection, which was most of a viewer's
//! memory. A viewer connection receives almost nothing (RTCP reports, NACKs, PLIs and ICE
//! consent checks, a few packets a second), so batching its receives saves nothing, while
//! the buffers cost RSS per viewer. Reporting `max_gro_segments() == 1` (the trait's
//! default) makes the driver allocate 2,000-byte buffers instead, and since the socket never
//! had GRO enabled the kernel never coalesces, so nothing can be truncated. The publisher
//! keeps the stock runtime: it receives the whole stream, where batching pays.
//!
//! Sends go out one datagram per `sendto`: the SFU writes one RTP packet at a time through
//! each viewer's track, so GSO (which needs runs of 16+ queued datagrams to pay off, per
//! the crate's own measurements) was not in play on this path.

use std::future::Future;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use webrtc::runtime::{
    AsyncInterval, AsyncTcpListener, AsyncTcpStream, AsyncUdpSocket, JoinHandle, RecvMeta, Runtime,
    TokioRuntime, Transmit,
};

/// [`TokioRuntime`] with non-GRO UDP sockets.
#[derive(Debug)]
pub struct ViewerRuntime(TokioRuntime);

impl Default for ViewerRuntime {
    fn default() -> ViewerRuntime {
        ViewerRuntime(TokioRuntime)
    }
}

impl Runtime for ViewerRuntime {
    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()> + Send>>) -> Box<dyn JoinHandle> {
        self.0.spawn(future)
    }

    fn spawn_reactor(
        &self,
        reactor_pool_size: usize,
        future: Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Box<dyn JoinHandle> {
        self.0.spawn_reactor(reactor_pool_size, future)
    }

    fn wrap_udp_socket(&self, socket: std::net::UdpSocket) -> io::Result<Arc<dyn AsyncUdpSocket>> {
        socket.set_nonblocking(true)?;
        Ok(Arc::new(PlainUdp(tokio::net::UdpSocket::from_std(socket)?)))
    }

    fn wrap_tcp_listener(
        &self,
        listener: std::net::TcpListener,
    ) -> io::Result<Arc<dyn AsyncTcpListener>> {
        self.0.wrap_tcp_listener(listener)
    }

    fn connect_tcp<'a>(
        &'a self,
        remote_addr: SocketAddr,
    ) -> Pin<Box<dyn Future<Output = io::Result<Arc<dyn AsyncTcpStream>>> + Send + 'a>> {
        self.0.connect_tcp(remote_addr)
    }

    fn resolve_host<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'a>> {
        self.0.resolve_host(host)
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.0.sleep(duration)
    }

    fn interval(&self, period: Duration) -> Box<dyn AsyncInterval> {
        self.0.interval(period)
    }

    fn block_on(&self, future: Pin<Box<dyn Future<Output = ()> + '_>>) {
        self.0.block_on(future)
    }

    fn yield_now(&self) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.0.yield_now()
    }

    fn name(&self) -> &'static str {
        "tokio (viewer UDP, no GRO)"
    }
}

/// A tokio UDP socket with one datagram per receive and per send.
#[derive(Debug)]
struct PlainUdp(tokio::net::UdpSocket);

impl AsyncUdpSocket for PlainUdp {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    fn poll_send(&self, cx: &mut Context<'_>, transmit: &Transmit<'_>) -> Poll<io::Result<usize>> {
        self.0
            .poll_send_to(cx, transmit.contents, transmit.destination)
    }

    fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        let (Some(buf), Some(slot)) = (bufs.first_mut(), meta.first_mut()) else {
            return Poll::Ready(Ok(0));
        };
        let mut read = tokio::io::ReadBuf::new(buf);
        match self.0.poll_recv_from(cx, &mut read) {
            Poll::Ready(Ok(addr)) => {
                let len = read.filled().len();
                // `RecvMeta` is non-exhaustive: start from its default and set fields.
                *slot = RecvMeta::default();
                slot.addr = addr;
                slot.len = len;
                // The driver de-segments by `stride`; it must be ≥ 1 even for an empty datagram.
                slot.stride = len.max(1);
                Poll::Ready(Ok(1))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}
