//! The client: configuration, version negotiation and the request
//! machinery every generated operation method goes through.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::{BodyExt, BodyStream, Limited};
use hyper_util::rt::TokioIo;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::body::RequestBody;
use super::error::{decode_json, error_message_of, Error, Unread};
use super::operation::{
    exists_at, first_absent_field, parse_api_version, OperationInfo, ParamEncoding, ParamLocation,
};
use super::stream::{ByteStream, OutputMode, OutputStream};
use super::transport::{
    closed_by_peer, is_idempotent, Endpoint, Lease, Pool, PoolConfig, ResponseBody, Sender,
    TlsConfig,
};

/// An answer's head, its body still to read.
pub(crate) type Response = http::Response<ResponseBody>;

/// The environment variable `<ENV_PREFIX>_<suffix>`.
pub(crate) fn env_name(suffix: &str) -> String {
    format!("{}_{suffix}", crate::ENV_PREFIX)
}

/// Characters escaped in a path parameter. `/` and `:` stay as they are:
/// image names such as `127.0.0.1:5000/app` travel in the path unescaped,
/// as the Docker CLI sends them.
const PATH_PARAM: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%');

/// Characters escaped in query keys and values.
const QUERY_PART: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A client of one server (daemon). Cheap to clone; clones share the negotiated
/// version and the pool of idle connections.
///
/// # Limits
///
/// | setting | default | bounds |
/// |---|---|---|
/// | [`with_connect_timeout`](Client::with_connect_timeout) | 30 s | opening a connection |
/// | [`with_request_timeout`](Client::with_request_timeout) | 120 s | the rest of a call, up to the response head for a streaming call |
/// | [`with_body_limit`](Client::with_body_limit) | 64 MiB | a body read whole (models, text); never a stream |
/// | [`with_pool_idle_timeout`](Client::with_pool_idle_timeout) | 90 s | how long an idle connection is kept for reuse |
/// | [`with_pool_max_idle`](Client::with_pool_max_idle) | 32 | how many idle connections are kept (0: none) |
///
/// # Connections
///
/// The client keeps idle connections to its server and reuses them; its
/// clones share them. A call takes the most recently used idle connection
/// (or opens one) and has it to itself, concurrent calls never sharing one,
/// until its answer has been read to its end; then the connection is idle
/// again. A connection is driven by a task on the tokio runtime that opened
/// it and is reused only by calls on that runtime; when the runtime shuts
/// down, its connections close. A streamed answer (logs, events, pull progress, an export) holds
/// its connection until the stream ends. Never kept:
///
/// - a connection taken over by attach, exec start, `session` or a websocket
///   (any call that asks for `Connection: Upgrade`), whatever the answer;
/// - a connection whose answer was not read to its end: a stream dropped
///   early, a body over the body limit, a call that timed out. It is closed.
///
/// An idle connection is closed after the idle timeout, and a connection
/// coming back to a full pool closes the oldest idle one. With a maximum of
/// 0 every call opens its own connection, closed once its answer is read.
///
/// A daemon may close an idle connection at any time (it restarted, say). A
/// call that fails because the idle connection it took was closed is sent
/// again, once, on a new connection, when that is safe: nothing of the
/// request had been written yet, or its method is `GET`, `HEAD`, `PUT`,
/// `DELETE` or `OPTIONS` and its body is empty or in memory. Otherwise (a
/// `POST`, or a streamed body such as a build context that has begun to go
/// out) it fails with [`Error::Transport`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Endpoint,
    pool: Arc<Pool>,
    version: RwLock<String>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    body_limit: usize,
    version_check: bool,
}

/// When the request timeout of the call that got a response runs out; kept in
/// the response's extensions so that reading its body keeps to it.
#[derive(Debug, Clone, Copy)]
struct Deadline(Option<tokio::time::Instant>);

/// How much of an error body is kept in memory to take the daemon's message from.
const ERROR_BODY_KEPT: usize = 64 * 1024;

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(crate::CLIENT_TYPE_NAME)
            .field("endpoint", &self.inner.endpoint)
            .field("api_version", &self.api_version())
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("request_timeout", &self.inner.request_timeout)
            .field("body_limit", &self.inner.body_limit)
            .field("version_check", &self.inner.version_check)
            .field("pool", &self.inner.pool.config())
            .finish()
    }
}

/// What `.await` on a pending call gives: the call's future, boxed so that every
/// pending call can implement `IntoFuture` with one nameable type.
pub type PendingCall<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Error>> + Send + 'a>>;

/// How a call's connection is set up (used by the generated methods).
pub(crate) enum UpgradeKind {
    /// An ordinary request.
    None,
    /// `Upgrade: tcp` (attach, exec start).
    Tcp,
    /// `Upgrade: h2c` (session).
    #[allow(
        dead_code,
        reason = "only an operation with `upgrade: h2c` uses it; a crate for an old API version has none"
    )]
    H2c,
    /// A websocket handshake with this `Sec-WebSocket-Key`.
    #[cfg(feature = "websocket")]
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    Websocket(String),
}

/// One request, as the generated methods describe it.
pub(crate) struct Call {
    /// What the spec says of the operation.
    pub op: &'static OperationInfo,
    /// The path without the version prefix, parameters filled in.
    pub path: String,
    /// Query pairs, not yet escaped.
    pub query: Vec<(&'static str, String)>,
    /// Request headers, already encoded.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: RequestBody,
    /// The body's content type.
    pub content_type: Option<&'static str>,
    /// A JSON body as a value, for the version check.
    pub json_value: Option<serde_json::Value>,
    /// The connection upgrade asked for.
    pub upgrade: UpgradeKind,
}

impl Call {
    /// A call of `op` on `path`, with no query, headers or body yet.
    pub fn new(op: &'static OperationInfo, path: String) -> Call {
        Call {
            op,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: RequestBody::empty(),
            content_type: None,
            json_value: None,
            upgrade: UpgradeKind::None,
        }
    }

    /// Adds the query pairs `encode` pushes, failing the call when a value could not be encoded.
    pub fn query_with(
        &mut self,
        encode: impl FnOnce(&mut Vec<(&'static str, String)>) -> Result<(), serde_json::Error>,
    ) -> Result<(), Error> {
        encode(&mut self.query).map_err(|e| Error::Request {
            operation: self.op.id,
            message: e.to_string(),
        })
    }

    /// Adds a header whose value is `value` in the given encoding.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) fn header<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        encoding: ParamEncoding,
    ) -> Result<(), Error> {
        let text = encode_header(value, encoding).map_err(|message| Error::Request {
            operation: self.op.id,
            message,
        })?;
        self.headers.push((name, text));
        Ok(())
    }

    /// Sets a JSON body.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let failed = |e: serde_json::Error| Error::Request {
            operation: self.op.id,
            message: e.to_string(),
        };
        let value = serde_json::to_value(value).map_err(failed)?;
        let bytes = serde_json::to_vec(&value).map_err(failed)?;
        self.body = RequestBody::from_bytes(bytes);
        self.content_type = Some("application/json");
        self.json_value = Some(value);
        Ok(())
    }

    /// Sets a raw body of the given type.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub fn raw(&mut self, body: RequestBody, content_type: &'static str) {
        self.body = body;
        self.content_type = Some(content_type);
    }
}

/// Encodes a header value: text, or (URL-safe) base64 of its JSON.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub(crate) fn encode_header<T: Serialize + ?Sized>(
    value: &T,
    encoding: ParamEncoding,
) -> Result<String, String> {
    match encoding {
        ParamEncoding::Base64Json => Ok(base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(value).map_err(|e| e.to_string())?)),
        ParamEncoding::Base64UrlJson => Ok(base64::engine::general_purpose::URL_SAFE
            .encode(serde_json::to_vec(value).map_err(|e| e.to_string())?)),
        _ => match serde_json::to_value(value).map_err(|e| e.to_string())? {
            serde_json::Value::String(s) => Ok(s),
            other => Ok(other.to_string()),
        },
    }
}

/// Decodes a base64 JSON header value; both alphabets, padded or not, are accepted.
#[allow(
    dead_code,
    reason = "only operations with documented response headers use it; a crate generated for an old API version may have none"
)]
pub(crate) fn decode_base64_json<T: DeserializeOwned>(
    operation: &'static str,
    text: &str,
) -> Result<T, Error> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let bytes = [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text.trim()).ok())
        .ok_or_else(|| Error::Decode {
            operation,
            path: "(header)".into(),
            message: "not base64".into(),
        })?;
    decode_json(operation, &bytes)
}

/// Fills `{placeholders}` of `template` with percent-encoded `values`, in order.
pub(crate) fn render_path(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    let mut values = values.iter();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .unwrap_or(rest.len());
        if let Some(v) = values.next() {
            out.extend(utf8_percent_encode(v, PATH_PARAM));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The query string of `pairs` (without `?`).
pub(crate) fn render_query(pairs: &[(&'static str, String)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.extend(utf8_percent_encode(k, QUERY_PART));
        out.push('=');
        out.extend(utf8_percent_encode(v, QUERY_PART));
    }
    out
}

impl Client {
    /// The default of [`with_body_limit`](Client::with_body_limit): 64 MiB.
    pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024 * 1024;

    /// A client for `endpoint`, speaking this crate's API version.
    pub fn new(endpoint: Endpoint) -> Client {
        Client {
            inner: Arc::new(Inner {
                endpoint,
                pool: Pool::new(PoolConfig::default()),
                version: RwLock::new(crate::API_VERSION.to_string()),
                connect_timeout: Some(Duration::from_secs(30)),
                request_timeout: Some(Duration::from_secs(120)),
                body_limit: Client::DEFAULT_BODY_LIMIT,
                version_check: true,
            }),
        }
    }

    /// The daemon on a unix socket, e.g. `/var/run/docker.sock`.
    pub fn connect_unix(path: impl Into<std::path::PathBuf>) -> Client {
        Client::new(Endpoint::Unix(path.into()))
    }

    /// The daemon over plain HTTP, e.g. `connect_tcp("127.0.0.1", 2375)`.
    pub fn connect_tcp(host: impl Into<String>, port: u16) -> Client {
        Client::new(Endpoint::Tcp {
            host: host.into(),
            port,
        })
    }

    /// The daemon over HTTPS, verified with `tls` (see [`TlsConfig`];
    /// feature `tls`).
    #[cfg(feature = "tls")]
    pub fn connect_tls(
        host: impl Into<String>,
        port: u16,
        tls: &TlsConfig,
    ) -> Result<Client, Error> {
        Ok(Client::new(Endpoint::Tls {
            host: host.into(),
            port,
            config: tls.build()?,
        }))
    }

    /// The server the environment names, by the conventions of the Docker
    /// CLI, with [`ENV_PREFIX`](crate::ENV_PREFIX) before each name:
    ///
    /// - `<PREFIX>_HOST`: `unix:///path`, `tcp://host:port`, `http://...` or
    ///   `https://...`; default [`DEFAULT_ENDPOINT`](crate::DEFAULT_ENDPOINT).
    /// - `<PREFIX>_TLS_VERIFY`: when set and not empty, TCP uses TLS and the
    ///   server's certificate is verified against `ca.pem`.
    /// - `<PREFIX>_CERT_PATH`: where `ca.pem`, `cert.pem` and `key.pem` are
    ///   (default `~/.<prefix>`, in lower case).
    /// - `<PREFIX>_API_VERSION`: use this API version instead of the crate's.
    ///
    /// TLS needs the crate's `tls` feature; without it, a TLS setting here is
    /// an [`Error::Config`] that says so.
    pub fn from_env() -> Result<Client, Error> {
        let var = |suffix: &str| {
            std::env::var(env_name(suffix))
                .ok()
                .filter(|v| !v.is_empty())
        };
        let host = var("HOST").unwrap_or_else(|| crate::DEFAULT_ENDPOINT.to_string());
        let verify = var("TLS_VERIFY").is_some();
        let cert_dir = var("CERT_PATH").map(std::path::PathBuf::from).or_else(|| {
            let home = std::env::var("HOME").ok().filter(|h| !h.is_empty())?;
            let dir = format!(".{}", crate::ENV_PREFIX.to_ascii_lowercase());
            Some(std::path::Path::new(&home).join(dir))
        });
        let wants_tls = verify || host.starts_with("https://");
        let tls = if wants_tls {
            let dir = cert_dir.ok_or_else(|| {
                Error::Config(format!(
                    "TLS is requested but neither {} nor HOME is set",
                    env_name("CERT_PATH")
                ))
            })?;
            Some(TlsConfig::from_cert_dir(&dir))
        } else {
            None
        };
        #[cfg(not(feature = "tls"))]
        if tls.is_some() {
            let why = if verify {
                format!("{} (set)", env_name("TLS_VERIFY"))
            } else {
                format!("`{host}`")
            };
            return Err(super::transport::no_tls(&why));
        }
        let client = Client::new(Endpoint::parse(&host, tls.as_ref())?);
        if let Some(version) = var("API_VERSION") {
            client.set_api_version(&version)?;
        }
        Ok(client)
    }

    /// Sets how long opening a connection may take (default 30 s; `None`: no
    /// limit): the unix socket or TCP connect, and for TLS the handshake.
    /// It applies each time a call opens a connection: a call that takes an
    /// idle one from the pool opens none, and a call sent again after its
    /// pooled connection was found closed opens one (see
    /// [Connections](Client#connections)). A call that first
    /// asks whether the process has a TTY may open two. When it runs out the
    /// call fails with [`Error::Timeout`] of phase `connect`. It is not part
    /// of the request timeout.
    pub fn with_connect_timeout(self, timeout: Option<Duration>) -> Client {
        self.rebuild(|i| i.connect_timeout = timeout)
    }

    /// Sets how long a call may take once connected (default 120 s; `None`:
    /// no limit). When it runs out the call fails with [`Error::Timeout`] of
    /// phase `request`. One deadline, started when the call has its
    /// connection (taken from the pool or just opened), bounds, together:
    ///
    /// - sending the request and waiting for the response head (the daemon
    ///   answers once it has read the request body, so uploading an archive,
    ///   an image tarball or a build context counts against it),
    /// - for a call whose answer is read whole (a model, text, an empty
    ///   answer, and every error answer), reading that body to its end.
    ///
    /// So such a call takes at most the connect timeout plus this one,
    /// however slowly the daemon sends its body. A call sent again on a new
    /// connection because its pooled one was closed keeps its deadline: it
    /// had opened no connection before, so the bound holds.
    ///
    /// A streaming call (one that returns a [`JsonLines`](super::stream::JsonLines),
    /// an [`OutputStream`](super::stream::OutputStream), a
    /// [`ByteStream`](super::stream::ByteStream), an attached connection or a
    /// websocket: logs, events, pulls, builds, exports, attach) is bounded by
    /// it only until its response head arrives; the stream then runs as long
    /// as the daemon keeps it open, which for `follow` may be forever. Bound
    /// it yourself where needed, e.g. with `tokio::time::timeout` around each
    /// `next()`.
    pub fn with_request_timeout(self, timeout: Option<Duration>) -> Client {
        self.rebuild(|i| i.request_timeout = timeout)
    }

    /// Sets the most bytes a body read whole may have (default
    /// [`DEFAULT_BODY_LIMIT`](Client::DEFAULT_BODY_LIMIT), 64 MiB; `usize::MAX`:
    /// no limit). It applies to every answer that is decoded as a whole (a
    /// model such as `container_list`'s, text, an answer that should be empty),
    /// never to streams, which hold at most one line or frame header at a time.
    /// A longer body fails the call with [`Error::BodyTooLarge`], naming the
    /// operation and the limit: before reading when the daemon declares a
    /// longer `Content-Length`, else as soon as the limit is passed, so no
    /// more than the limit is ever held.
    ///
    /// Error answers are never held whole: their first 64 KiB are kept (to find
    /// the daemon's `message`), the rest is only counted, up to this limit,
    /// and [`Error::Api`]'s message is cut to its first 4 KiB, ending with
    /// `… (N bytes more)` when it was cut.
    pub fn with_body_limit(self, bytes: usize) -> Client {
        self.rebuild(|i| i.body_limit = bytes)
    }

    /// Sets how long a connection may stay idle in the pool before it is
    /// closed (default 90 s; `None`: until the daemon closes it or the last
    /// clone of the client is dropped). An idle connection is one whose last
    /// answer has been read to its end and that no call is using. The next
    /// call after it ran out opens a new connection. Changing it gives the
    /// client a new, empty pool (clones made before keep the old one).
    pub fn with_pool_idle_timeout(self, timeout: Option<Duration>) -> Client {
        self.rebuild(|i| {
            i.pool = Pool::new(PoolConfig {
                idle_timeout: timeout,
                ..i.pool.config()
            })
        })
    }

    /// Sets how many idle connections the client keeps for reuse (default
    /// 32); a connection coming back to a full pool closes the oldest one.
    /// `0` turns pooling off: every call opens its own connection, closed
    /// once its answer is read. Changing it gives the client a new, empty
    /// pool (clones made before keep the old one). See
    /// [Connections](Client#connections) for which connections are kept and
    /// when a call is sent again.
    pub fn with_pool_max_idle(self, max: usize) -> Client {
        self.rebuild(|i| {
            i.pool = Pool::new(PoolConfig {
                max_idle: max,
                ..i.pool.config()
            })
        })
    }

    /// Turns the version check on or off (default on). With it on, a request
    /// that uses an operation, a query parameter, a header or a body field that
    /// the API version in use does not have fails with [`Error::Version`]
    /// before anything is sent, where the daemon would silently ignore it.
    /// Turn it off to send such requests anyway.
    pub fn with_version_check(self, on: bool) -> Client {
        self.rebuild(|i| i.version_check = on)
    }

    /// Fails when `call` uses something the API version in use does not have.
    fn check_versions(&self, call: &Call) -> Result<(), Error> {
        let in_use = self.api_version();
        // What the crate generates exists at its own version.
        if in_use == crate::API_VERSION {
            return Ok(());
        }
        let Some(at) = parse_api_version(&in_use) else {
            return Ok(());
        };
        let op = call.op;
        let problem = |item: String, since, removed_in| Error::Version {
            operation: op.id,
            item,
            since,
            removed_in,
            in_use: in_use.clone(),
        };
        if !exists_at(op.since, op.removed_in, at) {
            let item = format!("the operation `{} {}`", op.method.as_str(), op.path);
            return Err(problem(item, op.since, op.removed_in));
        }
        let sent = call
            .query
            .iter()
            .map(|(name, _)| (ParamLocation::Query, *name))
            .chain(
                call.headers
                    .iter()
                    .map(|(name, _)| (ParamLocation::Header, *name)),
            );
        for (location, name) in sent {
            let known = op
                .params_in(location)
                .find(|p| p.name.eq_ignore_ascii_case(name));
            if let Some(p) = known.filter(|p| !exists_at(p.since, p.removed_in, at)) {
                let kind = match location {
                    ParamLocation::Header => "header",
                    _ => "query parameter",
                };
                return Err(problem(
                    format!("the {kind} `{name}`"),
                    p.since,
                    p.removed_in,
                ));
            }
        }
        if let (Some(value), Some(body)) = (&call.json_value, op.request_body) {
            if let Some((item, field)) =
                first_absent_field(value, body.holds, at, &crate::versions::lookup)
            {
                return Err(problem(item, field.since, field.removed_in));
            }
        }
        Ok(())
    }

    fn rebuild(self, change: impl FnOnce(&mut Inner)) -> Client {
        let mut inner = Inner {
            endpoint: self.inner.endpoint.clone(),
            pool: self.inner.pool.clone(),
            version: RwLock::new(self.api_version()),
            connect_timeout: self.inner.connect_timeout,
            request_timeout: self.inner.request_timeout,
            body_limit: self.inner.body_limit,
            version_check: self.inner.version_check,
        };
        change(&mut inner);
        Client {
            inner: Arc::new(inner),
        }
    }

    /// The daemon's address.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The API version in use, e.g. `1.24`.
    pub fn api_version(&self) -> String {
        self.inner
            .version
            .read()
            .map(|v| v.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Uses `version` for every request from now on.
    pub fn set_api_version(&self, version: &str) -> Result<(), Error> {
        let parsed = parse_api_version(version)
            .ok_or_else(|| Error::Config(format!("`{version}` is not an API version like 1.24")))?;
        let min = parse_api_version(crate::MIN_API_VERSION).unwrap_or((1, 12));
        if parsed < min {
            return Err(Error::UnsupportedVersion {
                daemon: version.to_string(),
                minimum: crate::MIN_API_VERSION,
            });
        }
        let mut guard = self
            .inner
            .version
            .write()
            .unwrap_or_else(|p| p.into_inner());
        *guard = version.to_string();
        Ok(())
    }

    /// Asks the daemon which API versions it speaks (`GET /_ping`'s
    /// `API-Version` header, else `GET /version`) and uses the lower of its
    /// version and this crate's. Returns the version now in use.
    pub async fn negotiate_version(&self) -> Result<String, Error> {
        let ours = parse_api_version(crate::API_VERSION).unwrap_or((1, 24));
        let theirs = match self.unversioned_get("/_ping").await? {
            (Some(v), _) => v,
            (None, _) => {
                let body = self.unversioned_get("/version").await?.1?;
                #[derive(serde::Deserialize)]
                struct Version {
                    #[serde(rename = "ApiVersion")]
                    api_version: String,
                }
                decode_json::<Version>("negotiate_version", &body)?.api_version
            }
        };
        let parsed = parse_api_version(&theirs).ok_or_else(|| Error::Decode {
            operation: "negotiate_version",
            path: "ApiVersion".into(),
            message: format!("`{theirs}` is not a version"),
        })?;
        let chosen = if parsed < ours {
            theirs.clone()
        } else {
            crate::API_VERSION.to_string()
        };
        self.set_api_version(&chosen).map_err(|e| match e {
            Error::UnsupportedVersion { minimum, .. } => Error::UnsupportedVersion {
                daemon: theirs.clone(),
                minimum,
            },
            other => other,
        })?;
        Ok(chosen)
    }

    /// GETs `path` (without a version prefix): its `API-Version` header, and its
    /// body or, for a failed answer, its [`Error::Api`].
    async fn unversioned_get(
        &self,
        path: &str,
    ) -> Result<(Option<String>, Result<Bytes, Error>), Error> {
        let request = http::Request::get(path)
            .header(http::header::HOST, self.inner.endpoint.host_header())
            .body(RequestBody::empty())
            .map_err(|e| Error::Request {
                operation: "negotiate_version",
                message: e.to_string(),
            })?;
        let response = self.exchange("negotiate_version", request).await?;
        let status = response.status().as_u16();
        let version = response
            .headers()
            .get("API-Version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = if (200..300).contains(&status) {
            self.collect("negotiate_version", response).await
        } else {
            Err(Error::Api {
                operation: "negotiate_version",
                status,
                message: self
                    .read_error_message("negotiate_version", response)
                    .await?,
                documented: None,
            })
        };
        Ok((version, body))
    }

    /// Opens a new connection, within the connect timeout, and starts the
    /// task that drives it.
    async fn open(&self, operation: &'static str) -> Result<Sender, Error> {
        let connect_deadline = deadline_after(self.inner.connect_timeout);
        let io = until(operation, "connect", connect_deadline, async {
            self.inner
                .endpoint
                .connect()
                .await
                .map_err(|e| Error::transport(operation, e))
        })
        .await?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| Error::transport(operation, e))?;
        tokio::spawn(async move {
            // Errors surface through the request future; the task only drives the connection.
            let _ = connection.with_upgrades().await;
        });
        Ok(sender)
    }

    /// Sends one request on an idle pooled connection or a new one; returns
    /// the response head, carrying the call's request deadline for whoever
    /// reads its body and, unless the request asks for an upgrade, the lease
    /// that gives the connection back to the pool once the body is read.
    ///
    /// When the pooled connection turns out to be closed, the request goes
    /// again on a new connection, once, if nothing of it was written or its
    /// method is idempotent and its body can be replayed.
    async fn exchange(
        &self,
        operation: &'static str,
        request: http::Request<RequestBody>,
    ) -> Result<Response, Error> {
        let pool = &self.inner.pool;
        // A connection taken over by an upgrade never goes back.
        let keep =
            pool.config().max_idle > 0 && !request.headers().contains_key(http::header::UPGRADE);
        let runtime = tokio::runtime::Handle::current();
        let pooled = pool.checkout(runtime.id());
        let reused = pooled.is_some();
        let mut sender = match pooled {
            Some(sender) => sender,
            None => self.open(operation).await?,
        };
        // The request timeout starts once the call has its connection and
        // runs to the end of the call, a retry included.
        let deadline = deadline_after(self.inner.request_timeout);
        let (parts, body) = request.into_parts();
        let replay = if reused && is_idempotent(&parts.method) {
            body.try_clone().map(|body| {
                let mut again = http::Request::new(body.into_http());
                *again.method_mut() = parts.method.clone();
                *again.uri_mut() = parts.uri.clone();
                *again.headers_mut() = parts.headers.clone();
                again
            })
        } else {
            None
        };
        let request = http::Request::from_parts(parts, body.into_http());
        let first = until(operation, "request", deadline, async {
            Ok(sender.try_send_request(request).await)
        })
        .await?;
        let response = match first {
            Ok(response) => response,
            Err(mut failed) => {
                let again = match (failed.take_message(), replay) {
                    // Nothing was written: safe whatever the request.
                    (Some(unsent), _) if reused => unsent,
                    (None, Some(again)) if closed_by_peer(failed.error()) => again,
                    _ => return Err(Error::transport(operation, failed.into_error())),
                };
                sender = self.open(operation).await?;
                until(operation, "request", deadline, async {
                    sender
                        .send_request(again)
                        .await
                        .map_err(|e| Error::transport(operation, e))
                })
                .await?
            }
        };
        let lease = keep.then(|| Lease::new(sender, pool, runtime));
        let (mut parts, body) = response.into_parts();
        parts.extensions.insert(Deadline(deadline));
        Ok(http::Response::from_parts(
            parts,
            ResponseBody::new(body, lease),
        ))
    }

    /// Sends `call` and returns the response head, whatever its status.
    pub(crate) async fn send(&self, call: Call) -> Result<Response, Error> {
        if self.inner.version_check {
            self.check_versions(&call)?;
        }
        let op = call.op;
        let mut uri = format!("/v{}{}", self.api_version(), call.path);
        if !call.query.is_empty() {
            uri.push('?');
            uri.push_str(&render_query(&call.query));
        }
        let mut builder = http::Request::builder()
            .method(op.method.as_str())
            .uri(&uri)
            .header(http::header::HOST, self.inner.endpoint.host_header());
        for (name, value) in &call.headers {
            builder = builder.header(*name, value.as_str());
        }
        if let Some(ct) = call.content_type {
            builder = builder.header(http::header::CONTENT_TYPE, ct);
        } else if !call.body.is_empty() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/octet-stream");
        }
        match &call.upgrade {
            UpgradeKind::None => {}
            UpgradeKind::Tcp => {
                builder = builder
                    .header(http::header::CONNECTION, "Upgrade")
                    .header(http::header::UPGRADE, "tcp");
            }
            UpgradeKind::H2c => {
                builder = builder
                    .header(http::header::CONNECTION, "Upgrade")
                    .header(http::header::UPGRADE, "h2c");
            }
            #[cfg(feature = "websocket")]
            UpgradeKind::Websocket(key) => {
                builder = builder
                    .header(http::header::CONNECTION, "Upgrade")
                    .header(http::header::UPGRADE, "websocket")
                    .header("Sec-WebSocket-Version", "13")
                    .header(http::header::ORIGIN, "http://localhost")
                    .header("Sec-WebSocket-Key", key.as_str());
            }
        }
        let request = builder.body(call.body).map_err(|e| Error::Request {
            operation: op.id,
            message: e.to_string(),
        })?;
        self.exchange(op.id, request).await
    }

    /// Reads a whole body, within the call's request deadline and the body limit.
    pub(crate) async fn collect(
        &self,
        operation: &'static str,
        response: Response,
    ) -> Result<Bytes, Error> {
        let limit = self.inner.body_limit;
        let declared = declared_length(&response);
        let too_large = Error::BodyTooLarge {
            operation,
            limit,
            declared,
        };
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large);
        }
        let deadline = response_deadline(&response);
        until(operation, "request", deadline, async {
            match Limited::new(response.into_body(), limit).collect().await {
                Ok(collected) => Ok(collected.to_bytes()),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large),
                Err(e) => Err(Error::transport(operation, e)),
            }
        })
        .await
    }

    /// The daemon's message from an error body, within the call's request
    /// deadline: its first 64 KiB are kept, the rest only counted (up to the
    /// body limit) or, when the daemon declared its length, not read at all.
    async fn read_error_message(
        &self,
        operation: &'static str,
        response: Response,
    ) -> Result<String, Error> {
        let limit = self.inner.body_limit as u64;
        let declared = declared_length(&response);
        let deadline = response_deadline(&response);
        until(operation, "request", deadline, async {
            let mut body = response.into_body();
            let mut kept = Vec::new();
            let mut read = 0u64;
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| Error::transport(operation, e))?;
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                let room = ERROR_BODY_KEPT.saturating_sub(kept.len()).min(data.len());
                kept.extend_from_slice(&data[..room]);
                read += data.len() as u64;
                if kept.len() == ERROR_BODY_KEPT && declared.is_some_and(|n| n > read) {
                    // The rest need not be read to know how long it is.
                    break;
                }
                if read > limit {
                    let unread = Unread::MoreThan(read - kept.len() as u64);
                    return Ok(error_message_of(&kept, unread));
                }
            }
            let total = declared.map_or(read, |n| n.max(read));
            let unread = match total - kept.len() as u64 {
                0 => Unread::Nothing,
                n => Unread::Exactly(n),
            };
            Ok(error_message_of(&kept, unread))
        })
        .await
    }

    /// The typed error for a failed response.
    pub(crate) async fn api_error(&self, op: &'static OperationInfo, response: Response) -> Error {
        let status = response.status().as_u16();
        let documented = op.response(status).map(|r| r.description);
        match self.read_error_message(op.id, response).await {
            Ok(message) => Error::Api {
                operation: op.id,
                status,
                message,
                documented,
            },
            Err(e) => e,
        }
    }

    /// Decodes a JSON body.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn read_json<T: DeserializeOwned>(
        &self,
        op: &'static OperationInfo,
        response: Response,
    ) -> Result<T, Error> {
        let body = self.collect(op.id, response).await?;
        decode_json(op.id, &body)
    }

    /// Reads a JSON list, taking `null` for an empty one: the daemon's Go
    /// encoder writes a slice it never filled as `null`.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn read_json_list<T: DeserializeOwned>(
        &self,
        op: &'static OperationInfo,
        response: Response,
    ) -> Result<Vec<T>, Error> {
        let body = self.collect(op.id, response).await?;
        let list: Option<Vec<T>> = decode_json(op.id, &body)?;
        Ok(list.unwrap_or_default())
    }

    /// Reads a short text body (`text/plain`), e.g. the `OK` of `/_ping`.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn read_text(
        &self,
        op: &'static OperationInfo,
        response: Response,
    ) -> Result<String, Error> {
        let body = self.collect(op.id, response).await?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// Reads and drops a body the spec says is empty (or irrelevant).
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn read_empty(
        &self,
        op: &'static OperationInfo,
        response: Response,
    ) -> Result<(), Error> {
        self.collect(op.id, response).await.map(|_| ())
    }

    /// A response body as a stream of bytes (no timeout).
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) fn byte_stream(op: &'static OperationInfo, response: Response) -> ByteStream {
        let operation = op.id;
        Box::pin(
            BodyStream::new(response.into_body())
                .try_filter_map(|frame| async move { Ok(frame.into_data().ok()) })
                .map_err(move |e| Error::transport(operation, e)),
        )
    }

    /// A JSON-lines body.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) fn json_lines<T: DeserializeOwned>(
        op: &'static OperationInfo,
        response: Response,
    ) -> super::stream::JsonLines<T> {
        super::stream::JsonLines::new(op.id, Self::byte_stream(op, response))
    }

    /// Whether the process behind `id` has a TTY, which decides how its output is framed.
    /// Daemons from API 1.42 on say so in the content type; older ones need asking.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn output_mode(
        &self,
        op: &'static OperationInfo,
        content_type: Option<&str>,
        source: TtySource,
        id: &str,
    ) -> Result<OutputMode, Error> {
        match content_type {
            Some(ct) if ct.starts_with("application/vnd.docker.multiplexed-stream") => {
                return Ok(OutputMode::Multiplexed)
            }
            _ => {}
        }
        let (path, pointer) = match source {
            TtySource::Container => (
                format!("/containers/{}/json", utf8_percent_encode(id, PATH_PARAM)),
                "/Config/Tty",
            ),
            TtySource::Exec => (
                format!("/exec/{}/json", utf8_percent_encode(id, PATH_PARAM)),
                "/ProcessConfig/tty",
            ),
            TtySource::Service => (
                format!("/services/{}", utf8_percent_encode(id, PATH_PARAM)),
                "/Spec/TaskTemplate/ContainerSpec/TTY",
            ),
            TtySource::Task => (
                format!("/tasks/{}", utf8_percent_encode(id, PATH_PARAM)),
                "/Spec/ContainerSpec/TTY",
            ),
        };
        let request = http::Request::get(format!("/v{}{path}", self.api_version()))
            .header(http::header::HOST, self.inner.endpoint.host_header())
            .body(RequestBody::empty())
            .map_err(|e| Error::Request {
                operation: op.id,
                message: e.to_string(),
            })?;
        let response = self.exchange(op.id, request).await?;
        if !response.status().is_success() {
            return Err(self.api_error(op, response).await);
        }
        let body = self.collect(op.id, response).await?;
        let value: serde_json::Value = decode_json(op.id, &body)?;
        Ok(
            if value
                .pointer(pointer)
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
            {
                OutputMode::Raw
            } else {
                OutputMode::Multiplexed
            },
        )
    }

    /// Output of a multiplexed response, framed or raw as the process's TTY decides.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn output(
        &self,
        op: &'static OperationInfo,
        response: Response,
        source: TtySource,
        id: &str,
    ) -> Result<OutputStream, Error> {
        let ct = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mode = self.output_mode(op, ct.as_deref(), source, id).await?;
        Ok(OutputStream::new(
            op.id,
            Self::byte_stream(op, response),
            mode,
        ))
    }

    /// Takes over the connection after `101` and splits it into output and input.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn hijack(
        &self,
        op: &'static OperationInfo,
        response: Response,
        source: TtySource,
        id: &str,
    ) -> Result<super::hijack::Attached, Error> {
        let ct = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mode = self.output_mode(op, ct.as_deref(), source, id).await?;
        if response.status() != http::StatusCode::SWITCHING_PROTOCOLS {
            // An old daemon answered 200 and streams on: output only.
            let output = OutputStream::new(op.id, Self::byte_stream(op, response), mode);
            return Ok(super::hijack::Attached::output_only(output));
        }
        let upgraded = hyper::upgrade::on(response)
            .await
            .map_err(|e| Error::transport(op.id, e))?;
        Ok(super::hijack::Attached::new(
            op.id,
            TokioIo::new(upgraded),
            mode,
        ))
    }

    /// Decodes a documented response header, if present.
    #[allow(
        dead_code,
        reason = "only operations with documented response headers use it; a crate generated for an old API version may have none"
    )]
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) fn header<T: DeserializeOwned>(
        op: &'static OperationInfo,
        response: &Response,
        name: &str,
        encoding: ParamEncoding,
    ) -> Result<Option<T>, Error> {
        let Some(value) = response.headers().get(name) else {
            return Ok(None);
        };
        let text = value.to_str().map_err(|_| Error::Decode {
            operation: op.id,
            path: name.to_string(),
            message: "not ASCII".into(),
        })?;
        match encoding {
            ParamEncoding::Base64Json | ParamEncoding::Base64UrlJson => {
                decode_base64_json(op.id, text).map(Some)
            }
            _ => serde_json::from_value(serde_json::Value::String(text.to_string()))
                .map(Some)
                .map_err(|e| Error::Decode {
                    operation: op.id,
                    path: name.to_string(),
                    message: e.to_string(),
                }),
        }
    }

    /// Takes over a connection the daemon upgraded (`101`), as raw bytes both ways.
    #[allow(
        dead_code,
        reason = "only an operation with `upgrade: h2c` uses it; a crate for an old API version has none"
    )]
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn upgraded(
        &self,
        op: &'static OperationInfo,
        response: Response,
    ) -> Result<super::hijack::UpgradedConnection, Error> {
        if response.status() != http::StatusCode::SWITCHING_PROTOCOLS {
            return Err(self.api_error(op, response).await);
        }
        let upgraded = hyper::upgrade::on(response)
            .await
            .map_err(|e| Error::transport(op.id, e))?;
        Ok(TokioIo::new(upgraded))
    }

    /// Completes a websocket handshake answered with 101.
    #[cfg(feature = "websocket")]
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    pub(crate) async fn websocket(
        &self,
        op: &'static OperationInfo,
        response: Response,
    ) -> Result<super::hijack::WebSocket, Error> {
        if response.status() != http::StatusCode::SWITCHING_PROTOCOLS {
            return Err(self.api_error(op, response).await);
        }
        let upgraded = hyper::upgrade::on(response)
            .await
            .map_err(|e| Error::transport(op.id, e))?;
        Ok(tokio_tungstenite::WebSocketStream::from_raw_socket(
            TokioIo::new(upgraded),
            tokio_tungstenite::tungstenite::protocol::Role::Client,
            None,
        )
        .await)
    }
}

/// The instant `timeout` from now; `None` for no timeout (or one too long to represent).
fn deadline_after(timeout: Option<Duration>) -> Option<tokio::time::Instant> {
    timeout.and_then(|d| tokio::time::Instant::now().checked_add(d))
}

/// The request deadline `exchange` gave `response`.
fn response_deadline<B>(response: &http::Response<B>) -> Option<tokio::time::Instant> {
    response
        .extensions()
        .get::<Deadline>()
        .and_then(|Deadline(at)| *at)
}

/// Runs `fut` until `deadline`, failing with a timeout of `phase` when it passes.
async fn until<T>(
    operation: &'static str,
    phase: &'static str,
    deadline: Option<tokio::time::Instant>,
    fut: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        Some(at) => tokio::time::timeout_at(at, fut)
            .await
            .map_err(|_| Error::Timeout { operation, phase })?,
        None => fut.await,
    }
}

/// The body length `response` declares (`Content-Length`), as hyper read it:
/// `0` for answers that cannot have a body (to `HEAD`, `204`), `None` when
/// the body is chunked or runs to the connection's end.
fn declared_length(response: &Response) -> Option<u64> {
    hyper::body::Body::size_hint(response.body()).exact()
}

/// Which object's configuration says whether output has a TTY.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TtySource {
    /// The container's `Config.Tty`.
    Container,
    /// The exec instance's `ProcessConfig.tty`.
    #[allow(
        dead_code,
        reason = "shared runtime: a spec without such operations leaves it unused"
    )]
    Exec,
    /// The service's `Spec.TaskTemplate.ContainerSpec.TTY`.
    #[allow(
        dead_code,
        reason = "only service logs use it; a crate for an old API version has none"
    )]
    Service,
    /// The task's `Spec.ContainerSpec.TTY`.
    #[allow(
        dead_code,
        reason = "only task logs use it; a crate for an old API version has none"
    )]
    Task,
}

/// A fresh `Sec-WebSocket-Key`.
#[cfg(feature = "websocket")]
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub(crate) fn websocket_key() -> String {
    tokio_tungstenite::tungstenite::handshake::client::generate_key()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_keep_slashes_and_colons_but_escape_the_rest() {
        assert_eq!(
            render_path("/images/{name}/push", &["127.0.0.1:5000/app"]),
            "/images/127.0.0.1:5000/app/push"
        );
        assert_eq!(
            render_path("/containers/{id}/json", &["a b?#"]),
            "/containers/a%20b%3F%23/json"
        );
    }

    #[test]
    fn query_values_are_escaped() {
        let q = render_query(&[
            ("filters", "{\"status\":[\"running\"]}".into()),
            ("all", "1".into()),
        ]);
        assert_eq!(q, "filters=%7B%22status%22%3A%5B%22running%22%5D%7D&all=1");
    }

    /// A pooled connection closed under a call before the call's request
    /// was written: the request goes again on a new connection, even a POST
    /// with a streamed body, since nothing of it went out. An in-memory pipe
    /// stands for the connection, so that its end is certain to be seen only
    /// once the request is queued on it.
    #[tokio::test]
    async fn a_request_never_written_goes_again_on_a_new_connection_even_a_streamed_post() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = std::env::temp_dir().join(format!("drapi-client-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("d.sock");
        let _ = std::fs::remove_file(&path);
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 1024];
                    // The head, then a chunked body up to its last chunk.
                    while !seen.ends_with(b"0\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        .await;
                });
            }
        });
        let docker = Client::connect_unix(&path);
        let (ours, theirs) = tokio::io::duplex(1024);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(ours))
            .await
            .unwrap();
        tokio::spawn(conn);
        sender.ready().await.unwrap();
        docker
            .inner
            .pool
            .put(sender, &tokio::runtime::Handle::current());
        // The daemon's end goes away; the connection's task has not run
        // since, so the pool still takes it for open.
        drop(theirs);
        // Any operation with a streamed body will do; this one is the test's own.
        static UPLOAD: OperationInfo = OperationInfo {
            id: "upload",
            tag: "test",
            method: super::super::operation::Method::Post,
            path: "/upload",
            summary: "Takes a streamed body.",
            params: &[],
            request_body: None,
            responses: &[],
            upgrade: None,
            since: None,
            removed_in: None,
            deprecated: None,
        };
        let chunks = [Ok::<_, std::io::Error>(Bytes::from_static(b"tar"))];
        let mut call = Call::new(&UPLOAD, "/upload".into());
        call.raw(
            RequestBody::from_stream(futures_util::stream::iter(chunks)),
            "application/x-tar",
        );
        let sent = docker.send(call).await;
        let status = sent.as_ref().map(|response| response.status().as_u16());
        assert_eq!(status.ok(), Some(200), "{:?}", sent.err());
        assert_eq!(served.load(Ordering::SeqCst), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn header_encodings() {
        #[derive(Serialize)]
        struct Auth {
            username: &'static str,
        }
        let url = encode_header(&Auth { username: "??>" }, ParamEncoding::Base64UrlJson).unwrap();
        assert!(!url.contains('+') && !url.contains('/'), "{url}");
        let back: serde_json::Value = decode_base64_json("t", &url).unwrap();
        assert_eq!(back["username"], "??>");
    }
}
