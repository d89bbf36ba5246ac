//! Where the daemon is and how to reach it: unix socket, plain TCP or TLS,
//! and the pool of idle connections a client keeps to it.
//!
//! A call runs HTTP/1.1 with hyper on a connection it has to itself from its
//! request until its answer is read (`Client::exchange` in `client.rs` takes
//! it from the [`Pool`] or opens one). The answer's body ([`ResponseBody`])
//! carries a [`Lease`] that gives the connection back when the body reaches
//! its end, once hyper is ready to send on it again; a body dropped before
//! its end drops the lease, and with it the last handle on the connection,
//! which hyper then closes. A request that asks for an upgrade (attach, exec
//! start, `session`, websocket) gets no lease. Idle connections are kept
//! newest last, handed out newest first, each only to calls on the tokio
//! runtime that drives it, and closed after the idle timeout by a task that
//! runs while the pool holds any.
//!
//! What a caller sees (reuse, what is never reused, when a call is sent
//! again) is documented on the client type, under "Connections".

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::body::BodyError;
use super::error::Error;

/// A byte stream to the daemon.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// A connected stream, whatever the transport.
pub(crate) type BoxIo = Box<dyn Io>;

/// The address of a daemon.
#[derive(Clone)]
pub enum Endpoint {
    /// A unix socket path, e.g. `/var/run/docker.sock`.
    Unix(PathBuf),
    /// Plain HTTP over TCP.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// HTTPS over TCP (feature `tls`).
    #[cfg(feature = "tls")]
    Tls {
        /// Host name or address; also the name the certificate must carry.
        host: String,
        /// Port.
        port: u16,
        /// The TLS settings (trust roots, client certificate).
        config: Arc<rustls::ClientConfig>,
    },
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix://{}", p.display()),
            Endpoint::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            #[cfg(feature = "tls")]
            Endpoint::Tls { host, port, .. } => write!(f, "https://{host}:{port}"),
        }
    }
}

impl Endpoint {
    /// Parses an address as the Docker CLI takes it: `unix:///path`, `tcp://host:port`,
    /// `http://host:port` or `https://host:port`. With `tls` settings, `tcp://`
    /// is HTTPS too; HTTPS needs them, and the crate's `tls` feature.
    pub fn parse(address: &str, tls: Option<&TlsConfig>) -> Result<Endpoint, Error> {
        if let Some(path) = address.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(Error::Config(format!("`{address}` names no socket path")));
            }
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        let (rest, scheme_tls) = if let Some(r) = address.strip_prefix("tcp://") {
            (r, tls.is_some())
        } else if let Some(r) = address.strip_prefix("http://") {
            (r, false)
        } else if let Some(r) = address.strip_prefix("https://") {
            (r, true)
        } else {
            return Err(Error::Config(format!(
                "`{address}` is not a daemon address: use unix:///path, tcp://host:port, http://host:port or https://host:port"
            )));
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => {
                let port = p.parse::<u16>().map_err(|_| {
                    Error::Config(format!("`{p}` in `{address}` is not a port number"))
                })?;
                (
                    h.trim_start_matches('[').trim_end_matches(']').to_string(),
                    port,
                )
            }
            None => (rest.to_string(), if scheme_tls { 2376 } else { 2375 }),
        };
        if host.is_empty() {
            return Err(Error::Config(format!("`{address}` names no host")));
        }
        if !scheme_tls {
            return Ok(Endpoint::Tcp { host, port });
        }
        let tls = tls.ok_or_else(|| {
            Error::Config(format!("`{address}` needs TLS settings: set {} (ca.pem, cert.pem, key.pem) or pass a TlsConfig", super::client::env_name("CERT_PATH")))
        })?;
        tls_endpoint(host, port, tls)
    }

    /// The `Host` header for requests on this endpoint.
    pub(crate) fn host_header(&self) -> String {
        match self {
            Endpoint::Unix(_) => "localhost".to_string(),
            Endpoint::Tcp { host, port } => format!("{host}:{port}"),
            #[cfg(feature = "tls")]
            Endpoint::Tls { host, port, .. } => format!("{host}:{port}"),
        }
    }

    /// Opens a connection.
    pub(crate) async fn connect(&self) -> io::Result<BoxIo> {
        match self {
            Endpoint::Unix(path) => Ok(Box::new(tokio::net::UnixStream::connect(path).await?)),
            Endpoint::Tcp { host, port } => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                Ok(Box::new(stream))
            }
            #[cfg(feature = "tls")]
            Endpoint::Tls { host, port, config } => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                let name = rustls::pki_types::ServerName::try_from(host.clone())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, stream)
                    .await?;
                Ok(Box::new(tls))
            }
        }
    }
}

/// A request body as it goes on the wire.
pub(crate) type WireBody = UnsyncBoxBody<Bytes, BodyError>;

/// The sending side of one HTTP/1.1 connection.
pub(crate) type Sender = hyper::client::conn::http1::SendRequest<WireBody>;

/// How a client keeps idle connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PoolConfig {
    /// The most idle connections kept; 0 keeps none.
    pub max_idle: usize,
    /// How long an idle connection is kept; `None`: until the daemon closes it.
    pub idle_timeout: Option<Duration>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_idle: 32,
            idle_timeout: Some(Duration::from_secs(90)),
        }
    }
}

/// The idle connections of one client (and its clones), to its one endpoint.
pub(crate) struct Pool {
    config: PoolConfig,
    state: Mutex<PoolState>,
}

struct PoolState {
    /// Oldest first; a checkout takes the newest.
    idle: VecDeque<Idle>,
    /// Whether a task is closing expired connections.
    reaper: bool,
}

struct Idle {
    sender: Sender,
    /// The runtime whose task drives the connection.
    runtime: tokio::runtime::Id,
    since: Instant,
}

impl Pool {
    pub(crate) fn new(config: PoolConfig) -> Arc<Pool> {
        Arc::new(Pool {
            config,
            state: Mutex::new(PoolState {
                idle: VecDeque::new(),
                reaper: false,
            }),
        })
    }

    pub(crate) fn config(&self) -> PoolConfig {
        self.config
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The most recently used idle connection driven by `runtime` that is
    /// still open and ready, taken out of the pool: the caller has it to
    /// itself. Closed and expired connections are dropped on the way.
    ///
    /// A connection is driven by a task on the runtime that opened it, so it
    /// serves only calls on that runtime: on another one, a call would wait
    /// whenever that runtime is not running (a current-thread runtime outside
    /// `block_on`) and fail when it shuts down.
    pub(crate) fn checkout(&self, runtime: tokio::runtime::Id) -> Option<Sender> {
        let mut state = self.state();
        state.drop_expired(self.config.idle_timeout, Instant::now());
        state.idle.retain(|idle| !idle.sender.is_closed());
        let at = state
            .idle
            .iter()
            .rposition(|idle| idle.runtime == runtime && idle.sender.is_ready())?;
        state.idle.remove(at).map(|idle| idle.sender)
    }

    /// Keeps an idle connection, closing the oldest one over the maximum.
    pub(crate) fn put(self: &Arc<Self>, sender: Sender, runtime: &tokio::runtime::Handle) {
        if self.config.max_idle == 0 {
            return;
        }
        let mut state = self.state();
        while state.idle.len() >= self.config.max_idle {
            state.idle.pop_front();
        }
        state.idle.push_back(Idle {
            sender,
            runtime: runtime.id(),
            since: Instant::now(),
        });
        if let (Some(timeout), false) = (self.config.idle_timeout, state.reaper) {
            state.reaper = true;
            runtime.spawn(reap(Reaping(Some(Arc::downgrade(self))), timeout));
        }
    }

    /// How many idle connections are kept now.
    #[cfg(test)]
    fn idle_count(&self) -> usize {
        self.state().idle.len()
    }
}

impl PoolState {
    fn drop_expired(&mut self, timeout: Option<Duration>, now: Instant) {
        let Some(timeout) = timeout else { return };
        while self
            .idle
            .front()
            .is_some_and(|idle| now.saturating_duration_since(idle.since) >= timeout)
        {
            self.idle.pop_front();
        }
    }
}

/// Marks a pool as having a reaper; dropped with the reaper's future, even
/// unpolled (its runtime shut down), it lets the next `put` start another.
struct Reaping(Option<Weak<Pool>>);

impl Drop for Reaping {
    fn drop(&mut self) {
        if let Some(pool) = self.0.take().and_then(|p| p.upgrade()) {
            pool.state().reaper = false;
        }
    }
}

/// Closes idle connections when their idle timeout passes, so that none
/// outlives it even when no call comes; ends when the pool is empty or gone.
async fn reap(mut reaping: Reaping, timeout: Duration) {
    let Some(pool) = reaping.0.clone() else {
        return;
    };
    loop {
        let next = {
            let Some(pool) = pool.upgrade() else { return };
            let mut state = pool.state();
            state.drop_expired(Some(timeout), Instant::now());
            match state.idle.front() {
                Some(oldest) => oldest.since + timeout,
                None => {
                    // Under the lock, so that the next `put` starts another.
                    state.reaper = false;
                    reaping.0 = None;
                    return;
                }
            }
        };
        tokio::time::sleep_until(next).await;
    }
}

/// A connection on loan to one call, going back to its pool once the answer
/// has been read to its end; dropped unread, it closes the connection.
pub(crate) struct Lease {
    sender: Sender,
    pool: Weak<Pool>,
    runtime: tokio::runtime::Handle,
}

impl Lease {
    /// `runtime` is the one whose task drives the connection.
    pub(crate) fn new(sender: Sender, pool: &Arc<Pool>, runtime: tokio::runtime::Handle) -> Lease {
        Lease {
            sender,
            pool: Arc::downgrade(pool),
            runtime,
        }
    }

    /// The answer was read to its end: the connection goes back to the pool
    /// as soon as hyper is ready to send the next request on it (at once, as
    /// a rule), or is dropped if it closes instead.
    fn release(self) {
        let Lease {
            mut sender,
            pool,
            runtime,
        } = self;
        let Some(strong) = pool.upgrade() else { return };
        if sender.is_ready() {
            strong.put(sender, &runtime);
        } else if !sender.is_closed() {
            drop(strong);
            let handle = runtime.clone();
            runtime.spawn(async move {
                if sender.ready().await.is_ok() {
                    if let Some(pool) = pool.upgrade() {
                        pool.put(sender, &handle);
                    }
                }
            });
        }
    }
}

/// The body of an answer: hyper's, plus the lease of its connection when the
/// connection may be reused, given back when the body ends.
pub(crate) struct ResponseBody {
    inner: Incoming,
    lease: Option<Lease>,
}

impl ResponseBody {
    pub(crate) fn new(inner: Incoming, lease: Option<Lease>) -> ResponseBody {
        ResponseBody { inner, lease }
    }

    fn release(&mut self) {
        if let Some(lease) = self.lease.take() {
            lease.release();
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => this.release(),
            // The last bytes of a body of declared length: no need to wait
            // for the reader to ask once more.
            Poll::Ready(Some(Ok(_))) if this.inner.is_end_stream() => this.release(),
            Poll::Ready(Some(Err(_))) => this.lease = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether a request with this method may be sent twice: `GET`, `HEAD`,
/// `PUT`, `DELETE` and `OPTIONS` (RFC 9110's idempotent methods but `TRACE`).
pub(crate) fn is_idempotent(method: &http::Method) -> bool {
    [
        http::Method::GET,
        http::Method::HEAD,
        http::Method::PUT,
        http::Method::DELETE,
        http::Method::OPTIONS,
    ]
    .contains(method)
}

/// Whether `error` means the daemon closed the connection under the request
/// (rather than answering wrongly or too slowly).
pub(crate) fn closed_by_peer(error: &hyper::Error) -> bool {
    if error.is_incomplete_message() || error.is_canceled() || error.is_closed() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::NotConnected
            );
        }
        source = e.source();
    }
    false
}

/// An HTTPS endpoint from TLS settings: built with the `tls` feature, a
/// clear error without it.
#[cfg(feature = "tls")]
fn tls_endpoint(host: String, port: u16, tls: &TlsConfig) -> Result<Endpoint, Error> {
    Ok(Endpoint::Tls {
        host,
        port,
        config: tls.build()?,
    })
}

#[cfg(not(feature = "tls"))]
fn tls_endpoint(host: String, port: u16, _tls: &TlsConfig) -> Result<Endpoint, Error> {
    Err(no_tls(&format!("https://{host}:{port}")))
}

/// The error of a TLS connection asked of a build without the `tls` feature.
#[cfg(not(feature = "tls"))]
pub(crate) fn no_tls(what: &str) -> Error {
    Error::Config(format!(
        "{what} needs TLS, which this build of {} leaves out: enable its `tls` feature",
        env!("CARGO_PKG_NAME")
    ))
}

/// TLS settings in the Docker CLI's terms.
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// PEM file of the CA that signed the daemon's certificate (`ca.pem`).
    pub ca: Option<PathBuf>,
    /// PEM client certificate (`cert.pem`) and key (`key.pem`), when the daemon asks for one.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Accept any server certificate. Off by default; only for daemons whose
    /// certificate cannot be checked, and never for anything that matters.
    pub danger_accept_invalid_certs: bool,
}

impl TlsConfig {
    /// The files of a certificate directory that exist: `ca.pem`, `cert.pem` + `key.pem`.
    pub fn from_cert_dir(dir: &Path) -> TlsConfig {
        let file = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
        TlsConfig {
            ca: file("ca.pem"),
            client_cert: file("cert.pem").zip(file("key.pem")),
            danger_accept_invalid_certs: false,
        }
    }

    /// Builds the rustls configuration (feature `tls`).
    #[cfg(feature = "tls")]
    pub fn build(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS: {e}")))?;
        let builder = if self.danger_accept_invalid_certs {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCert))
        } else {
            let ca = self.ca.as_ref().ok_or_else(|| {
                Error::Config(format!("TLS verification needs a CA certificate: put ca.pem in {} or set TlsConfig::ca", super::client::env_name("CERT_PATH")))
            })?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in read_certs(ca)? {
                roots
                    .add(cert)
                    .map_err(|e| Error::Config(format!("{}: {e}", ca.display())))?;
            }
            builder.with_root_certificates(roots)
        };
        let config = match &self.client_cert {
            Some((cert, key)) => {
                let chain = read_certs(cert)?;
                let key_der = read_key(key)?;
                builder
                    .with_client_auth_cert(chain, key_der)
                    .map_err(|e| Error::Config(format!("{}: {e}", cert.display())))?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }
}

#[cfg(feature = "tls")]
fn read_certs(path: &Path) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, Error> {
    let data =
        std::fs::read(path).map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut data.as_slice()).collect();
    let certs = certs.map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{}: no PEM certificate found",
            path.display()
        )));
    }
    Ok(certs)
}

#[cfg(feature = "tls")]
fn read_key(path: &Path) -> Result<rustls::pki_types::PrivateKeyDer<'static>, Error> {
    let data =
        std::fs::read(path).map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    rustls_pemfile::private_key(&mut data.as_slice())
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?
        .ok_or_else(|| Error::Config(format!("{}: no PEM private key found", path.display())))
}

/// The verifier behind `danger_accept_invalid_certs`.
#[derive(Debug)]
#[cfg(feature = "tls")]
struct AcceptAnyCert;

#[cfg(feature = "tls")]
impl rustls::client::danger::ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let provider = rustls::crypto::ring::default_provider();
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let provider = rustls::crypto::ring::default_provider();
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_docker_cli_address_forms() {
        assert!(
            matches!(Endpoint::parse("unix:///var/run/docker.sock", None), Ok(Endpoint::Unix(p)) if p == Path::new("/var/run/docker.sock"))
        );
        assert!(
            matches!(Endpoint::parse("tcp://10.0.0.1:2375", None), Ok(Endpoint::Tcp { host, port: 2375 }) if host == "10.0.0.1")
        );
        assert!(matches!(
            Endpoint::parse("http://example.test", None),
            Ok(Endpoint::Tcp { port: 2375, .. })
        ));
    }

    #[test]
    fn rejects_bad_addresses_with_a_reason() {
        for (address, reason) in [
            ("ftp://x", "not a daemon address"),
            ("tcp://host:port", "not a port number"),
            ("unix://", "no socket path"),
            ("https://secure:2376", "needs TLS settings"),
        ] {
            let err = Endpoint::parse(address, None).unwrap_err().to_string();
            assert!(err.contains(reason), "{address}: {err}");
        }
    }

    /// An HTTP/1.1 connection over an in-memory pipe, ready for a request,
    /// and the pipe's other end (whose reads end when the connection closes).
    async fn connection() -> (Sender, tokio::io::DuplexStream) {
        let (ours, theirs) = tokio::io::duplex(1024);
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(ours))
                .await
                .unwrap();
        tokio::spawn(conn);
        sender.ready().await.unwrap();
        (sender, theirs)
    }

    /// Whether the connection behind `end` is closed: its reads end.
    async fn closed(end: &mut tokio::io::DuplexStream) -> bool {
        use tokio::io::AsyncReadExt;
        let mut byte = [0u8; 1];
        matches!(
            tokio::time::timeout(Duration::from_secs(2), end.read(&mut byte)).await,
            Ok(Ok(0))
        )
    }

    #[tokio::test]
    async fn the_pool_keeps_at_most_its_maximum_closing_the_oldest() {
        let pool = Pool::new(PoolConfig {
            max_idle: 2,
            idle_timeout: None,
        });
        let runtime = tokio::runtime::Handle::current();
        let mut ends = Vec::new();
        for _ in 0..3 {
            let (sender, end) = connection().await;
            pool.put(sender, &runtime);
            ends.push(end);
        }
        assert_eq!(pool.idle_count(), 2);
        assert!(closed(&mut ends[0]).await, "the oldest was closed");
        // A checkout takes the newest and leaves the other one idle.
        let newest = pool
            .checkout(tokio::runtime::Handle::current().id())
            .expect("an idle connection");
        assert_eq!(pool.idle_count(), 1);
        drop(newest);
        assert!(
            closed(&mut ends[2]).await,
            "the checked-out one was the newest"
        );
    }

    #[tokio::test]
    async fn a_maximum_of_zero_keeps_nothing() {
        let pool = Pool::new(PoolConfig {
            max_idle: 0,
            idle_timeout: None,
        });
        let (sender, mut end) = connection().await;
        pool.put(sender, &tokio::runtime::Handle::current());
        assert_eq!(pool.idle_count(), 0);
        assert!(pool
            .checkout(tokio::runtime::Handle::current().id())
            .is_none());
        assert!(closed(&mut end).await);
    }

    #[tokio::test]
    async fn idle_connections_are_closed_when_their_timeout_passes() {
        let pool = Pool::new(PoolConfig {
            max_idle: 4,
            idle_timeout: Some(Duration::from_millis(50)),
        });
        let (sender, mut end) = connection().await;
        pool.put(sender, &tokio::runtime::Handle::current());
        assert_eq!(pool.idle_count(), 1);
        tokio::time::sleep(Duration::from_millis(150)).await;
        // Closed by the reaper, before any checkout looked.
        assert_eq!(pool.idle_count(), 0);
        assert!(closed(&mut end).await);
        assert!(pool
            .checkout(tokio::runtime::Handle::current().id())
            .is_none());
    }

    #[tokio::test]
    async fn a_connection_the_other_side_closed_is_never_handed_out() {
        let pool = Pool::new(PoolConfig {
            max_idle: 4,
            idle_timeout: None,
        });
        let (sender, end) = connection().await;
        pool.put(sender, &tokio::runtime::Handle::current());
        drop(end);
        // Let the connection's task see the end of its input.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(pool
            .checkout(tokio::runtime::Handle::current().id())
            .is_none());
        assert_eq!(pool.idle_count(), 0);
    }

    #[test]
    fn only_idempotent_methods_are_replayed() {
        for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"] {
            assert!(is_idempotent(&method.parse().unwrap()), "{method}");
        }
        for method in ["POST", "PATCH", "CONNECT"] {
            assert!(!is_idempotent(&method.parse().unwrap()), "{method}");
        }
    }

    #[test]
    #[cfg(not(feature = "tls"))]
    fn https_without_the_tls_feature_names_the_feature() {
        let err = Endpoint::parse("https://secure:2376", Some(&TlsConfig::default()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("enable its `tls` feature"), "{err}");
    }

    #[test]
    #[cfg(feature = "tls")]
    fn verification_without_a_ca_is_refused() {
        let err = TlsConfig::default().build().unwrap_err().to_string();
        assert!(err.contains("needs a CA certificate"), "{err}");
    }
}
