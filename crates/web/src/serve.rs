//! The listener: our own accept loop around hyper's HTTP/1 connection, so that a request's head has
//! a deadline (and so has the wait for the next one on a kept-alive connection), a request's body
//! has a deadline, and neither one address nor a crowd can take every connection the process may
//! hold. A WebSocket, once upgraded, leaves hyper's timers behind: the room keeps it alive with its
//! own pings and hangs up on silence (see `rooms.rs`).

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body::{Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

/// How long a client may take, and how many connections there may be. Tests shorten the times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnLimits {
    /// A request's head must arrive within this; it is also how long a kept-alive connection may
    /// wait for its next request (hyper starts the same clock for both).
    pub header_timeout: Duration,
    /// A request's body must have arrived within this of its head.
    pub body_timeout: Duration,
    /// Open connections from one TCP peer (an IPv6 peer counts by its /64); 0 for no cap.
    pub per_address: usize,
    /// Open connections in all.
    pub total: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(120),
            per_address: 64,
            total: 10_000,
        }
    }
}

/// Refusals being written at once; past this a refused connection is closed without a word, so
/// that a flood of refusals cannot hold the descriptors the caps protect.
const MAX_REFUSING: usize = 256;
/// How long a refusal may take to write and to read what the client had sent.
const REFUSAL_TIME: Duration = Duration::from_secs(2);
/// At most one log line about refusals this often.
const REFUSAL_REPORT_EVERY: Duration = Duration::from_secs(10);

/// What a connection answers with: the router, and in front of it, for the site, the page cache's
/// front door, which answers a kept page before the router is reached (see `page_cache::Front`).
#[derive(Clone)]
pub(crate) struct Site {
    pub(crate) router: Router,
    pub(crate) front: Option<crate::page_cache::Front>,
}

impl From<Router> for Site {
    fn from(router: Router) -> Site {
        Site {
            router,
            front: None,
        }
    }
}

/// Serves `site` on `listener` until `shutdown` resolves, then lets the requests in flight
/// finish (WebSockets already upgraded go on by themselves, as with `axum::serve`).
pub(crate) async fn run(
    listener: TcpListener,
    site: Site,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    run_with(listener, site, limits, None, shutdown).await
}

/// As `run`, with TLS on every connection when `tls` is given (see `https.rs`).
pub(crate) async fn run_with(
    listener: TcpListener,
    site: Site,
    limits: ConnLimits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let table = Arc::new(Table::new(&limits));
    let refusals = Arc::new(Refusals::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    // Each connection holds a receiver; when the last is gone, every connection has ended.
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        match table.admit(peer.ip()) {
            Ok(slot) => {
                let _ = stream.set_nodelay(true);
                let io = Counted {
                    stream,
                    _slot: slot,
                };
                let (site, header_timeout) = (site.clone(), limits.header_timeout);
                let (stop, done) = (stop_rx.clone(), done_rx.clone());
                match &tls {
                    None => tokio::spawn(connection(io, peer, site, header_timeout, stop, done)),
                    Some(tls) => tokio::spawn(crate::https::secure_connection(
                        tls.clone(),
                        io,
                        peer,
                        site,
                        header_timeout,
                        stop,
                        done,
                    )),
                };
            }
            Err(refusal) => refusals.refuse(stream, refusal),
        }
    }
    drop(listener);
    drop(done_rx);
    let _ = stop_tx.send(true);
    done_tx.closed().await;
    Ok(())
}

/// One connection, HTTP/1.1 with upgrades (the rooms' WebSockets), over TCP or TLS.
pub(crate) async fn connection<I>(
    io: I,
    peer: SocketAddr,
    site: Site,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    done: watch::Receiver<()>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Site { router, front } = site;
    let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
        let request = request.map(Body::new);
        let answered = match &front {
            Some(front) => front.answer(request),
            None => Err(request),
        };
        let router = router.clone();
        async move {
            match answered {
                Ok(response) => Ok(response),
                Err(mut request) => {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    router.oneshot(request).await
                }
            }
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let mut conn = pin!(http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades());
    let ended = tokio::select! {
        ended = conn.as_mut() => ended,
        () = async {
            // The watch's guard must not live across the await below.
            let _ = stop.wait_for(|stop| *stop).await;
        } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = ended {
        tracing::debug!(error = %e, "a connection ended with an error");
    }
    drop(done);
}

/// As hyper did: a failed accept is most often the process out of descriptors, which a moment
/// may free; a reset before the accept is the client's business.
async fn accept_failed(e: &io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept a connection; trying again in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// Its address already holds its share.
    Address,
    /// The server holds as many as it may.
    Full,
}

impl Refusal {
    /// A complete response, written before anything is read: the client may not have sent its
    /// request yet, and what it asks does not change the answer.
    fn response(self) -> &'static [u8] {
        match self {
            Refusal::Address => b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 76\r\nConnection: close\r\n\r\nToo many connections from your address at once. Try again in a few seconds.\n",
            Refusal::Full => b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 58\r\nConnection: close\r\n\r\nThe server is busy right now. Try again in a few seconds.\n",
        }
    }
}

/// Refusals in flight, and when they were last reported.
#[derive(Default)]
struct Refusals {
    writing: Arc<AtomicUsize>,
    report: Mutex<Report>,
}

#[derive(Default)]
struct Report {
    last: Option<Instant>,
    address: u64,
    full: u64,
}

impl Refusals {
    fn refuse(&self, mut stream: TcpStream, refusal: Refusal) {
        self.count(refusal);
        if self.writing.fetch_add(1, Ordering::Relaxed) >= MAX_REFUSING {
            self.writing.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        let writing = self.writing.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(REFUSAL_TIME, async {
                stream.write_all(refusal.response()).await?;
                stream.shutdown().await?;
                // Read what the client sent, a little of it: closing with it unread would reset the
                // connection, and the client might lose the answer.
                let mut buf = [0u8; 2048];
                let mut read = 0;
                while read < 64 * 1024 {
                    match stream.read(&mut buf).await? {
                        0 => break,
                        n => read += n,
                    }
                }
                Ok::<(), io::Error>(())
            })
            .await;
            writing.fetch_sub(1, Ordering::Relaxed);
        });
    }

    /// Counts a refusal; a warning at most every few seconds says how many there were.
    fn count(&self, refusal: Refusal) {
        let mut report = self.report.lock().unwrap_or_else(PoisonError::into_inner);
        match refusal {
            Refusal::Address => report.address += 1,
            Refusal::Full => report.full += 1,
        }
        let due = report
            .last
            .is_none_or(|at| at.elapsed() >= REFUSAL_REPORT_EVERY);
        if due {
            tracing::warn!(
                over_address_cap = report.address,
                over_total_cap = report.full,
                "connections refused"
            );
            *report = Report {
                last: Some(Instant::now()),
                ..Report::default()
            };
        }
    }
}

/// The open connections, in all and by address.
struct Table {
    per_address: usize,
    total: usize,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    open: usize,
    by_address: HashMap<IpAddr, usize>,
}

impl Table {
    fn new(limits: &ConnLimits) -> Self {
        Table {
            per_address: limits.per_address,
            total: limits.total,
            counts: Mutex::new(Counts::default()),
        }
    }

    fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Slot, Refusal> {
        let key = address_key(peer);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.open >= self.total {
            return Err(Refusal::Full);
        }
        let held = counts.by_address.get(&key).copied().unwrap_or(0);
        if self.per_address > 0 && held >= self.per_address {
            return Err(Refusal::Address);
        }
        counts.by_address.insert(key, held + 1);
        counts.open += 1;
        Ok(Slot {
            table: self.clone(),
            key,
        })
    }
}

/// The address a connection counts under: an IPv4 address (also when it reaches an IPv6 socket),
/// or an IPv6 address's /64, the least a single subscriber is given.
fn address_key(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// A connection's place in the table, given back when the connection (or its WebSocket) ends.
struct Slot {
    table: Arc<Table>,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self
            .table
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        counts.open = counts.open.saturating_sub(1);
        if let Entry::Occupied(mut held) = counts.by_address.entry(self.key) {
            if *held.get() <= 1 {
                held.remove();
            } else {
                *held.get_mut() -= 1;
            }
        }
    }
}

/// The socket with its slot: the slot travels into an upgraded WebSocket with the socket, so a
/// room's connection counts until it closes.
struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Gives every request body a deadline from the end of its head. A body that has not arrived by
/// then ends in an error for whoever reads it, and the answer is a plain 408 that closes the
/// connection. Requests without a body (most, and every WebSocket upgrade) pass untouched.
pub(crate) async fn body_deadline(
    State(timeout): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    use http_body::Body as _;
    if request.body().size_hint().exact() == Some(0) {
        return next.run(request).await;
    }
    let late = Arc::new(AtomicBool::new(false));
    let flag = late.clone();
    let request = request.map(|body| {
        Body::new(Deadline {
            body,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            late: flag,
        })
    });
    let response = next.run(request).await;
    if !late.load(Ordering::Relaxed) {
        return response;
    }
    tracing::info!(
        seconds = timeout.as_secs(),
        "a request body did not arrive in time"
    );
    (
        StatusCode::REQUEST_TIMEOUT,
        [(header::CONNECTION, HeaderValue::from_static("close"))],
        "The request took too long to arrive. Try again.\n",
    )
        .into_response()
}

/// A request body that fails once its deadline has passed.
struct Deadline {
    body: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
    late: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct TooSlow;

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.late.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new(TooSlow))));
        }
        Pin::new(&mut this.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_peer_counts_by_its_64_and_a_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn slots_are_given_back() {
        let table = Arc::new(Table::new(&ConnLimits {
            per_address: 2,
            total: 3,
            ..ConnLimits::default()
        }));
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        let a = table.admit(one).unwrap();
        let b = table.admit(one).unwrap();
        assert!(matches!(table.admit(one), Err(Refusal::Address)));
        let c = table.admit(two).unwrap();
        assert!(matches!(table.admit(two), Err(Refusal::Full)));
        drop(a);
        let _d = table.admit(one).unwrap();
        drop((b, c));
        let counts = table.counts.lock().unwrap();
        assert_eq!(counts.open, 1);
        assert_eq!(counts.by_address.len(), 1);
    }

    #[test]
    fn refusals_say_their_length() {
        for refusal in [Refusal::Address, Refusal::Full] {
            let text = std::str::from_utf8(refusal.response()).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(length, body.len(), "{head}");
        }
    }
}
