//! The server side's hand-written half: routing with Docker's path rules,
//! the version prefix, request decoding, response encoding, hijacked
//! connections and websockets, and the limits that keep a public-facing
//! server answering. The generated [`crate::server`] module holds one trait
//! per tag and the per-operation glue that calls into this file.
//!
//! Routing is done here, not by axum's router, because Docker's routes let a
//! parameter span slashes (`/images/{name}/json` serves
//! `/images/127.0.0.1:5000/app/json`). The path is split at its slashes and
//! percent-decoded once, and every route is matched against that list of
//! segments, so matching costs time linear in the path's length. The result
//! is still an [`axum::Router`], so it can be layered, merged and served like
//! any other; [`Dispatcher::serve`] serves it with the connection-level
//! protections axum's own `serve` lacks.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use base64::Engine;
use bytes::Bytes;
use futures_util::{FutureExt, Stream, StreamExt};
use http::header::{CONNECTION, CONTENT_TYPE, UPGRADE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::operation::ParamEncoding::{Base64Json, Base64UrlJson};
use super::operation::{Holds, Method, OperationInfo, ParamEncoding};

tokio::task_local! {
    /// The API version of the request being served (see [`requested_api_version`]).
    static REQUESTED_API_VERSION: String;
}

/// The API version the client asked for in the request being served: the
/// `/vX.Y` prefix of its path, or the server's own version when the path has
/// none. Call it from an implementation's method (on the task that serves the
/// request) to answer as a daemon of that version would; `None` elsewhere.
pub fn requested_api_version() -> Option<String> {
    REQUESTED_API_VERSION.try_with(Clone::clone).ok()
}

/// The error type of streamed bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Bytes streamed in either direction: a request body the client uploads
/// (build context, image tarball, archive), or a raw response body.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

/// Typed items of a JSON-lines response (progress, events, stats).
pub type ItemStream<T> = Pin<Box<dyn Stream<Item = T> + Send>>;

/// The value of a deferred JSON answer: the router sends the status and
/// headers at once and the value when the future resolves, as the daemon
/// answers a wait (clients block on the head before they go on).
pub type Deferred<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// An answer outside an operation's documented statuses, or a failure
/// before the operation ran (a bad parameter). Sent as `{"message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The HTTP status.
    pub status: u16,
    /// The `message` of the JSON body.
    pub message: String,
}

impl ServerError {
    /// An error with any status.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ServerError {
            status,
            message: message.into(),
        }
    }

    /// `400`: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// `500`: the server failed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    /// `501`: what every trait method answers until it is implemented.
    pub fn not_implemented(operation: &str) -> Self {
        Self::new(
            501,
            format!("{operation} is not implemented by this server"),
        )
    }

    /// The response carrying this error.
    pub fn into_response(self) -> Response<Body> {
        error_response(self.status, &self.message)
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for ServerError {}

/// A Docker-style error answer: `{"message": ...}` with a JSON content type.
pub fn error_response(status: u16, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// One frame of multiplexed output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputFrame {
    /// Stream type 0: stdin written on stdout.
    Stdin(Bytes),
    /// Stream type 1.
    Stdout(Bytes),
    /// Stream type 2.
    Stderr(Bytes),
}

impl OutputFrame {
    /// The frame on the wire: an 8-byte header (type, three zero bytes,
    /// big-endian payload length), then the payload.
    pub fn encode(&self) -> Bytes {
        let (kind, payload) = match self {
            OutputFrame::Stdin(b) => (0u8, b),
            OutputFrame::Stdout(b) => (1, b),
            OutputFrame::Stderr(b) => (2, b),
        };
        let mut out = Vec::with_capacity(8 + payload.len());
        out.extend_from_slice(&[kind, 0, 0, 0]);
        // A payload over 4 GiB cannot be framed; it is cut at the limit rather than mislabelled.
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&payload[..len as usize]);
        Bytes::from(out)
    }
}

/// The output of a process: framed when it has no TTY, raw when it has one.
pub enum Output {
    /// stdout/stderr frames (content type `application/vnd.docker.multiplexed-stream`).
    Framed(ItemStream<OutputFrame>),
    /// Console bytes of a TTY (content type `application/vnd.docker.raw-stream`).
    Raw(BodyStream),
}

impl Output {
    /// Framed output from any stream of frames.
    pub fn framed(frames: impl Stream<Item = OutputFrame> + Send + 'static) -> Self {
        Output::Framed(Box::pin(frames))
    }

    /// Raw TTY output from any stream of bytes.
    pub fn raw(bytes: impl Stream<Item = Result<Bytes, BoxError>> + Send + 'static) -> Self {
        Output::Raw(Box::pin(bytes))
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Output::Framed(_) => "Output::Framed(..)",
            Output::Raw(_) => "Output::Raw(..)",
        })
    }
}

/// Both directions of a hijacked connection: read the client's stdin,
/// write the process's output (framed unless it has a TTY).
pub trait Duplex: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Duplex for T {}

/// The connection handed to a [`Hijack`].
pub type Connection = Box<dyn Duplex>;

type Task<T> = Box<dyn FnOnce(T) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// What to do with a hijacked connection (attach, exec start). The router
/// answers `101` with `Upgrade: tcp` when the client asked for an upgrade,
/// or `200` with the output streamed (stdin taken from the request body)
/// when it did not, and then runs the task on the connection.
pub struct Hijack(Task<Connection>);

impl Hijack {
    /// A task run on the connection once the response head is sent.
    pub fn new<F, Fut>(task: F) -> Self
    where
        F: FnOnce(Connection) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Hijack(Box::new(move |io| Box::pin(task(io))))
    }
}

impl fmt::Debug for Hijack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hijack(..)")
    }
}

/// The server end of a websocket attach.
#[cfg(feature = "websocket")]
pub type ServerWebSocket =
    tokio_tungstenite::WebSocketStream<hyper_util::rt::TokioIo<hyper::upgrade::Upgraded>>;

/// What to do with a websocket once the handshake is answered.
#[cfg(feature = "websocket")]
pub struct WebSocketTask(Task<ServerWebSocket>);

#[cfg(feature = "websocket")]
impl WebSocketTask {
    /// A task run on the websocket after `101 Switching Protocols`.
    pub fn new<F, Fut>(task: F) -> Self
    where
        F: FnOnce(ServerWebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        WebSocketTask(Box::new(move |ws| Box::pin(task(ws))))
    }
}

#[cfg(feature = "websocket")]
impl fmt::Debug for WebSocketTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebSocketTask(..)")
    }
}

/// Limits and versions the router enforces. Built by the generated
/// `ServerBuilder` (whose setters document each limit) from
/// [`ServerConfig::new`]'s defaults, chosen for a fake daemon that strangers
/// can reach.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The largest JSON request body accepted, in bytes; larger ones get `413`.
    /// Streamed bodies (build context, image load, archive) are not limited.
    /// Default [`ServerConfig::DEFAULT_JSON_BODY_LIMIT`].
    pub json_body_limit: usize,
    /// The longest request path accepted, in bytes as sent (percent-encoded,
    /// version prefix included, query excluded); longer ones get `414` before
    /// any route is tried. Default [`ServerConfig::DEFAULT_MAX_PATH_LENGTH`].
    pub max_path_length: usize,
    /// How long a connection may take to send a request head (and how long an
    /// idle keep-alive connection waits for the next one) before it is closed.
    /// Enforced by [`Dispatcher::serve`] only: it lives in the connection, which
    /// a router handed to `axum::serve` does not own. `None` waits forever.
    /// Default [`ServerConfig::DEFAULT_HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Option<Duration>,
    /// How long the router waits for the next piece of a request body that is
    /// still being sent; a JSON body that stalls longer is answered `408`, and a
    /// streamed body ([`BodyStream`]) yields an error. Stdin of a hijacked
    /// attach or exec is never timed. `None` waits forever.
    /// Default [`ServerConfig::DEFAULT_BODY_READ_TIMEOUT`].
    pub body_read_timeout: Option<Duration>,
    /// How many requests may be in progress at once (from the routing of the
    /// request until its answer starts: reading the body, running the
    /// implementation); one more is answered `503` at once. A streamed answer
    /// (logs, events) or a hijacked connection no longer counts once its head
    /// is sent. Default [`ServerConfig::DEFAULT_MAX_CONCURRENT_REQUESTS`].
    pub max_concurrent_requests: usize,
    /// The highest API version served; a `/vX.Y` prefix above it gets `400`.
    /// It is also the `Api-Version` header of every answer and the newest
    /// version the operation that reports versions (`/version`) states.
    pub api_version: String,
    /// The lowest API version served; a prefix below it gets `400`. The
    /// operation that reports versions states it as the oldest.
    pub min_api_version: String,
    /// Headers added to every answer that does not set them itself, as the
    /// daemon adds `Docker-Experimental`, `OSType` and `Server` to all of its
    /// answers (clients read them from `OPTIONS` and `HEAD /_ping`). None by default.
    pub answer_headers: Vec<(http::HeaderName, HeaderValue)>,
}

impl ServerConfig {
    /// 16 MiB: far above any container or service spec.
    pub const DEFAULT_JSON_BODY_LIMIT: usize = 16 << 20;
    /// 8 KiB: an image reference is at most 255 characters and an ID 64;
    /// this leaves room for percent-encoding and odd clients.
    pub const DEFAULT_MAX_PATH_LENGTH: usize = 8 << 10;
    /// 30 seconds (hyper's own default): clients send a head in one go.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
    /// 60 seconds of silence in the middle of a body (nginx's
    /// `client_body_timeout`); a slow upload that keeps sending is never cut.
    pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);
    /// 1024 requests in progress at once.
    pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 1024;

    /// The defaults, serving API versions `min_api_version` to `api_version`.
    pub fn new(api_version: &str, min_api_version: &str) -> Self {
        ServerConfig {
            json_body_limit: Self::DEFAULT_JSON_BODY_LIMIT,
            max_path_length: Self::DEFAULT_MAX_PATH_LENGTH,
            header_read_timeout: Some(Self::DEFAULT_HEADER_READ_TIMEOUT),
            body_read_timeout: Some(Self::DEFAULT_BODY_READ_TIMEOUT),
            max_concurrent_requests: Self::DEFAULT_MAX_CONCURRENT_REQUESTS,
            api_version: api_version.to_string(),
            min_api_version: min_api_version.to_string(),
            answer_headers: Vec::new(),
        }
    }
}

/// The range of API versions a server speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedApiVersions {
    /// The newest version: also every answer's `Api-Version`.
    pub newest: String,
    /// The oldest version.
    pub oldest: String,
}

/// One decoded request, as the generated glue consumes it.
pub struct Incoming {
    parts: http::request::Parts,
    body: Option<Body>,
    path_params: Vec<String>,
    config: Arc<ServerConfig>,
    /// What the operation's JSON body holds, to refuse an array where a
    /// nested struct belongs.
    body_holds: Option<Holds>,
}

impl Incoming {
    /// Path parameter `index`, parsed; `name` is for the error message.
    pub fn path_param<T: FromStr>(&self, index: usize, name: &str) -> Result<T, ServerError>
    where
        T::Err: fmt::Display,
    {
        let text = self.path_params.get(index).ok_or_else(|| {
            ServerError::bad_request(format!("path parameter `{name}` is missing"))
        })?;
        text.parse()
            .map_err(|e| ServerError::bad_request(format!("path parameter `{name}`: {e}")))
    }

    /// The query string's pairs, percent-decoded.
    pub fn query(&self) -> QueryPairs {
        QueryPairs::parse(self.parts.uri.query().unwrap_or(""))
    }

    /// A request header decoded as `encoding` says; `None` when absent. An
    /// empty (or all-blank) value counts as absent, as the daemon reads it:
    /// Docker's own client sends `X-Registry-Auth` empty when it has no
    /// credentials. A malformed value is `400` naming the header and what is
    /// wrong with it, never quoting it: these headers carry passwords.
    pub fn header<T: DeserializeOwned>(
        &self,
        name: &str,
        encoding: ParamEncoding,
    ) -> Result<Option<T>, ServerError> {
        match self.header_text(name)? {
            Some(text) => decode_header(name, text, encoding).map(Some),
            None => Ok(None),
        }
    }

    /// A request header that must be present: absent is `400`. An empty (or
    /// all-blank) value of a base64-JSON header is the empty JSON object, so
    /// an empty `X-Registry-Auth` on a push means "no credentials"
    /// (`AuthConfig::default()`), as it does to the daemon; an empty value of
    /// any other encoding counts as absent.
    pub fn required_header<T: DeserializeOwned>(
        &self,
        name: &str,
        encoding: ParamEncoding,
    ) -> Result<T, ServerError> {
        if let Some(text) = self.header_text(name)? {
            return decode_header(name, text, encoding);
        }
        let present = self.parts.headers.contains_key(name);
        if present && matches!(encoding, Base64Json | Base64UrlJson) {
            return decode_json(b"{}").map_err(|problem| {
                ServerError::bad_request(format!(
                    "header `{name}` is empty, and an empty value does not decode{problem}"
                ))
            });
        }
        Err(ServerError::bad_request(format!(
            "header `{name}` is required"
        )))
    }

    /// The header's text, trimmed; `None` when absent or blank.
    fn header_text(&self, name: &str) -> Result<Option<&str>, ServerError> {
        let Some(value) = self.parts.headers.get(name) else {
            return Ok(None);
        };
        let text = value.to_str().map_err(|_| {
            ServerError::bad_request(format!("header `{name}` is not visible ASCII"))
        })?;
        let text = text.trim();
        Ok((!text.is_empty()).then_some(text))
    }

    /// The API versions this server speaks, as its configuration says.
    pub fn served_api_versions(&self) -> ServedApiVersions {
        ServedApiVersions {
            newest: self.config.api_version.clone(),
            oldest: self.config.min_api_version.clone(),
        }
    }

    /// The JSON body, `None` when the request has none. Over the limit is
    /// `413` (at once when `Content-Length` says so); a body that stalls for
    /// longer than the body-read timeout is `408`; bad JSON is `400` naming
    /// where in the document it went wrong and what was wrong, without quoting
    /// the value. The body must be exactly one JSON value (nothing but blanks
    /// after it), and an object when `T` is a struct.
    pub async fn json_body<T: DeserializeOwned>(&mut self) -> Result<Option<T>, ServerError> {
        let mut body = self.body.take().unwrap_or_default();
        let limit = self.config.json_body_limit;
        let too_large =
            || ServerError::new(413, format!("request body is larger than {limit} bytes"));
        if hyper::body::Body::size_hint(&body).lower() > limit as u64 {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        loop {
            let frame = match self.config.body_read_timeout {
                Some(timeout) => tokio::time::timeout(timeout, body.frame())
                    .await
                    .map_err(|_| body_timeout(timeout, bytes.len()))?,
                None => body.frame().await,
            };
            let Some(frame) = frame else { break };
            let frame = frame
                .map_err(|e| ServerError::bad_request(format!("reading the request body: {e}")))?;
            if let Ok(data) = frame.into_data() {
                if bytes.len() + data.len() > limit {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&data);
            }
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        // As the daemon does: a body is JSON only when it says so.
        let content_type = self
            .parts
            .headers
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(ServerError::bad_request(format!(
                "unsupported Content-Type header ({}): must be 'application/json'",
                content_type.chars().take(100).collect::<String>()
            )));
        }
        let invalid =
            |problem: JsonProblem| ServerError::bad_request(format!("invalid JSON body{problem}"));
        // Only a body with an array in it can fill a nested struct positionally;
        // that is named first, before serde's own reading of it.
        if let (Some(holds), true) = (self.body_holds, bytes.contains(&b'[')) {
            if let Ok(document) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                if let Some(path) = array_for_struct(&document, holds, String::new()) {
                    return Err(invalid(JsonProblem {
                        path: Some(path),
                        what: "expected a JSON object, found an array".into(),
                    }));
                }
            }
        }
        decode_json(&bytes).map(Some).map_err(invalid)
    }

    /// A JSON body that must be present.
    pub async fn required_json_body<T: DeserializeOwned>(&mut self) -> Result<T, ServerError> {
        self.json_body()
            .await?
            .ok_or_else(|| ServerError::bad_request("a JSON request body is required"))
    }

    /// The body as a stream, read as the operation consumes it. When the
    /// client stalls for longer than the body-read timeout while the
    /// operation waits for more, the stream yields a [`ServerError`] with
    /// status `408` (boxed) and ends.
    pub fn body_stream(&mut self) -> BodyStream {
        let stream = self.untimed_body_stream();
        match self.config.body_read_timeout {
            None => stream,
            Some(timeout) => Box::pin(futures_util::stream::unfold(
                Some((stream, 0usize)),
                move |state| async move {
                    let (mut stream, received) = state?;
                    match tokio::time::timeout(timeout, stream.next()).await {
                        Ok(Some(Ok(chunk))) => {
                            let received = received + chunk.len();
                            Some((Ok(chunk), Some((stream, received))))
                        }
                        Ok(Some(Err(e))) => Some((Err(e), None)),
                        Ok(None) => None,
                        Err(_) => Some((
                            Err(Box::new(body_timeout(timeout, received)) as BoxError),
                            None,
                        )),
                    }
                },
            )),
        }
    }

    fn untimed_body_stream(&mut self) -> BodyStream {
        let body = self.body.take().unwrap_or_default();
        Box::pin(
            body.into_data_stream()
                .map(|chunk| chunk.map_err(|e| Box::new(e) as BoxError)),
        )
    }

    /// Answers a hijacking operation and runs `hijack` on the connection.
    pub fn hijack(mut self, hijack: Hijack) -> Response<Body> {
        let upgrade_to = self
            .parts
            .headers
            .get(UPGRADE)
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static("tcp"));
        let wants_upgrade = self.parts.headers.get(UPGRADE).is_some();
        let on_upgrade = self.parts.extensions.remove::<hyper::upgrade::OnUpgrade>();
        match (wants_upgrade, on_upgrade) {
            (true, Some(on_upgrade)) => {
                tokio::spawn(async move {
                    if let Ok(upgraded) = on_upgrade.await {
                        (hijack.0)(Box::new(hyper_util::rt::TokioIo::new(upgraded))).await;
                    }
                });
                let mut response = Response::new(Body::empty());
                *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
                let headers = response.headers_mut();
                headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
                // The protocol the client asked for: `tcp` for attach and exec, `h2c` for a session.
                headers.insert(UPGRADE, upgrade_to);
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(MULTIPLEXED));
                response
            }
            _ => {
                // No upgrade asked for: the task talks to one end of a pipe; the
                // request body feeds its stdin and its output becomes the response.
                let (ours, theirs) = tokio::io::duplex(64 * 1024);
                let (read, mut write) = tokio::io::split(ours);
                // Stdin is typed by a person: it may pause for as long as it likes.
                let mut stdin = self.untimed_body_stream();
                tokio::spawn(async move {
                    use tokio::io::AsyncWriteExt;
                    while let Some(Ok(chunk)) = stdin.next().await {
                        if write.write_all(&chunk).await.is_err() {
                            return;
                        }
                    }
                    let _ = write.shutdown().await;
                });
                tokio::spawn((hijack.0)(Box::new(theirs)));
                let stream = tokio_util::io::ReaderStream::new(read);
                let mut response = Response::new(Body::from_stream(stream));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(MULTIPLEXED));
                response
            }
        }
    }

    /// Answers a websocket handshake and runs `task` on the socket.
    #[cfg(feature = "websocket")]
    pub fn websocket(mut self, task: WebSocketTask) -> Result<Response<Body>, ServerError> {
        let key = self.parts.headers.get("Sec-WebSocket-Key").ok_or_else(|| {
            ServerError::bad_request("a websocket handshake needs Sec-WebSocket-Key")
        })?;
        let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
        let on_upgrade = self
            .parts
            .extensions
            .remove::<hyper::upgrade::OnUpgrade>()
            .ok_or_else(|| ServerError::bad_request("the connection cannot be upgraded"))?;
        tokio::spawn(async move {
            if let Ok(upgraded) = on_upgrade.await {
                let io = hyper_util::rt::TokioIo::new(upgraded);
                let ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
                    io,
                    tokio_tungstenite::tungstenite::protocol::Role::Server,
                    None,
                )
                .await;
                (task.0)(ws).await;
            }
        });
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(
            "Sec-WebSocket-Accept",
            HeaderValue::from_str(&accept).map_err(|e| ServerError::internal(e.to_string()))?,
        );
        Ok(response)
    }
}

const MULTIPLEXED: &str = "application/vnd.docker.multiplexed-stream";

/// `408` for a body that stopped arriving.
fn body_timeout(timeout: Duration, received: usize) -> ServerError {
    ServerError::new(
        408,
        format!(
            "the request body stalled: nothing arrived for {} ms after {received} bytes",
            timeout.as_millis()
        ),
    )
}

/// Decodes a header's (trimmed, non-empty) text. No error message quotes the
/// value or anything decoded from it: `X-Registry-Auth` and
/// `X-Registry-Config` carry passwords.
fn decode_header<T: DeserializeOwned>(
    name: &str,
    text: &str,
    encoding: ParamEncoding,
) -> Result<T, ServerError> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let bad = |what: String| ServerError::bad_request(format!("header `{name}`: {what}"));
    match encoding {
        Base64Json | Base64UrlJson => {
            // Clients disagree on the alphabet and on padding; all four are accepted.
            let engines = [URL_SAFE, STANDARD, URL_SAFE_NO_PAD, STANDARD_NO_PAD];
            let bytes = engines
                .iter()
                .find_map(|engine| engine.decode(text).ok())
                .ok_or_else(|| {
                    let preferred = if encoding == Base64Json {
                        STANDARD
                    } else {
                        URL_SAFE
                    };
                    let why = match preferred.decode(text) {
                        Err(base64::DecodeError::InvalidByte(at, _))
                        | Err(base64::DecodeError::InvalidLastSymbol(at, _)) => {
                            format!("a character at offset {at} is not base64")
                        }
                        Err(base64::DecodeError::InvalidLength(len)) => {
                            format!("{len} characters are not a whole base64 value")
                        }
                        _ => "bad base64 padding".to_string(),
                    };
                    bad(format!("not base64 of JSON: {why}"))
                })?;
            decode_json(&bytes).map_err(|problem| bad(format!("invalid JSON{problem}")))
        }
        _ => serde_json::from_value(serde_json::Value::String(text.to_string()))
            .map_err(|e| bad(describe_json_error(&e))),
    }
}

/// What was wrong with a JSON document, and where: shown after "invalid JSON
/// body" and the like as ` at `path`: what` or `: what`. It never quotes the
/// document.
#[derive(Debug)]
struct JsonProblem {
    path: Option<String>,
    what: String,
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, " at `{path}`: {}", self.what),
            None => write!(f, ": {}", self.what),
        }
    }
}

/// Decodes one whole JSON document into `T`: one value and nothing after it
/// but blanks (`{"Image":"x"}{"Image":5}` is refused, where a streaming
/// deserializer would stop after the first), and an object when `T` is a
/// struct (serde would otherwise fill a struct from an array, positionally).
fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonProblem> {
    if wants_object::<T>() {
        if let Some(found) = non_object(bytes) {
            return Err(JsonProblem {
                path: None,
                what: format!("expected a JSON object, found {found}"),
            });
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        JsonProblem {
            path: (path != ".").then_some(path),
            what: describe_json_error(e.inner()),
        }
    })?;
    de.end().map_err(|e| JsonProblem {
        path: None,
        what: describe_json_error(&e),
    })?;
    Ok(value)
}

/// Where in `value` an array stands for a struct model (serde would fill the
/// struct from it positionally), as a path like `HostConfig.LogConfig`; the
/// top level is [`decode_json`]'s to check.
fn array_for_struct(value: &serde_json::Value, holds: Holds, path: String) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (holds, value) {
        (Holds::Model(_), Value::Array(_)) if !path.is_empty() => Some(path),
        (Holds::Model(name), Value::Object(object)) => {
            let model = crate::versions::lookup(name)?;
            model.fields.iter().find_map(|field| {
                let inner = object.get(field.json)?;
                array_for_struct(inner, field.holds, join(field.json))
            })
        }
        (Holds::List(item), Value::Array(items)) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| array_for_struct(v, *item, format!("{path}[{i}]"))),
        (Holds::Map(item), Value::Object(object)) => object
            .iter()
            .find_map(|(key, v)| array_for_struct(v, *item, join(key))),
        _ => None,
    }
}

/// What a document that is not an object starts with; `None` for an object,
/// and for text that is not JSON at all (the parser names that).
fn non_object(bytes: &[u8]) -> Option<&'static str> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    Some(match first {
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "a number",
        _ => return None,
    })
}

/// Whether `T` deserializes as a struct (a JSON object with named fields).
fn wants_object<T: DeserializeOwned>() -> bool {
    matches!(T::deserialize(StructProbe), Err(ProbeEnd(true)))
}

/// A deserializer that only reports which kind of value `T` asks for first.
struct StructProbe;

#[derive(Debug)]
struct ProbeEnd(bool);

impl fmt::Display for ProbeEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probe")
    }
}

impl std::error::Error for ProbeEnd {}

impl serde::de::Error for ProbeEnd {
    fn custom<M: fmt::Display>(_: M) -> Self {
        ProbeEnd(false)
    }
}

impl<'de> serde::Deserializer<'de> for StructProbe {
    type Error = ProbeEnd;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeEnd> {
        Err(ProbeEnd(false))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, ProbeEnd> {
        Err(ProbeEnd(true))
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, ProbeEnd> {
        // A newtype is written as what it wraps.
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// A serde_json error as a message that never quotes the input: serde's
/// "invalid type: string \"hunter2\", expected a boolean" becomes "expected a
/// boolean, found a string", with the line and column where it happened.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let full = e.to_string();
    // serde_json ends its messages with " at line L column C" when it knows the place.
    let core = match full.rfind(" at line ") {
        Some(at) if e.line() > 0 => &full[..at],
        _ => full.as_str(),
    };
    let what = match e.classify() {
        Category::Syntax if core.starts_with("trailing characters") => {
            "unexpected data after the JSON value".to_string()
        }
        // The syntax errors' texts are serde_json's own fixed phrases.
        Category::Syntax | Category::Eof => core.to_string(),
        Category::Data => value_problem(core),
        Category::Io => "the JSON could not be read".to_string(),
    };
    if e.line() > 0 {
        format!("{what} (line {}, column {})", e.line(), e.column())
    } else {
        what
    }
}

/// serde's data errors rebuilt from their type-derived parts only.
fn value_problem(core: &str) -> String {
    // "..., expected X": what the type wanted comes last and names no input.
    let expected = core.rsplit_once(", expected ").map(|(_, e)| e);
    let with_expected = |problem: &str| match expected {
        Some(e) => format!("{problem}, expected {e}"),
        None => problem.to_string(),
    };
    if let Some(rest) = core.strip_prefix("invalid type: ") {
        return match expected {
            Some(e) => format!("expected {e}, found {}", value_kind(rest)),
            None => format!("unexpected {}", value_kind(rest)),
        };
    }
    if let Some(rest) = core.strip_prefix("invalid value: ") {
        return with_expected(&format!("{} the type does not accept", value_kind(rest)));
    }
    if core.starts_with("invalid length ") {
        return with_expected("wrong number of elements");
    }
    if core.starts_with("unknown variant ") {
        return with_expected("unknown variant");
    }
    if core.starts_with("unknown field ") {
        return with_expected("unknown field");
    }
    // Both name a field of the type, not of the input.
    if core.starts_with("missing field ") || core.starts_with("duplicate field ") {
        return core.to_string();
    }
    "a value the type does not accept".to_string()
}

/// The kind of value serde's `Unexpected` describes, without the value.
fn value_kind(unexpected: &str) -> &'static str {
    const KINDS: [(&str, &str); 12] = [
        ("string", "a string"),
        ("integer", "an integer"),
        ("floating point", "a number"),
        ("boolean", "a boolean"),
        ("null", "null"),
        ("unit", "null"),
        ("sequence", "an array"),
        ("map", "an object"),
        ("char", "a character"),
        ("byte array", "bytes"),
        ("enum", "an enum"),
        ("newtype", "a value"),
    ];
    KINDS
        .iter()
        .find(|(prefix, _)| unexpected.starts_with(prefix))
        .map_or("a value", |(_, kind)| kind)
}

/// The pairs of a query string, percent-decoded, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    /// Parses `a=1&b=x` (without `?`).
    pub fn parse(query: &str) -> Self {
        QueryPairs(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The last value given for `name` (a repeated scalar keeps the last, as the daemon does).
    pub fn last(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value given for `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `name` is present at all.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// A boolean query value: `1`/`0`, `true`/`false`, `yes`/`no`, and empty as false.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn parse_bool(name: &str, text: &str) -> Result<bool, ServerError> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "" | "0" | "false" | "no" | "none" => Ok(false),
        _ => Err(ServerError::bad_request(format!(
            "query parameter `{name}`: `{text}` is not a boolean"
        ))),
    }
}

/// A scalar query value (number or string).
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn parse_scalar<T: FromStr>(name: &str, text: &str) -> Result<T, ServerError>
where
    T::Err: fmt::Display,
{
    text.parse()
        .map_err(|e| ServerError::bad_request(format!("query parameter `{name}`: `{text}`: {e}")))
}

/// A JSON-encoded query value (filters and the like): one whole JSON value,
/// an object when `T` is a struct.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn parse_json<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, ServerError> {
    decode_json(text.as_bytes()).map_err(|problem| {
        ServerError::bad_request(format!("query parameter `{name}`: invalid JSON{problem}"))
    })
}

/// A required query parameter that is absent.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn missing_query(name: &str) -> ServerError {
    ServerError::bad_request(format!("query parameter `{name}` is required"))
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An answer with no body.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn empty(code: u16) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status(code);
    response
}

/// An answer whose head goes out now and whose JSON value (with a newline,
/// as the daemon writes it) follows when `value` resolves.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn deferred_json<T: Serialize + Send + 'static>(
    code: u16,
    value: Deferred<T>,
) -> Response<Body> {
    let body = futures_util::stream::once(async move {
        let mut bytes = serde_json::to_vec(&value.await).map_err(BoxError::from)?;
        bytes.push(b'\n');
        Ok::<_, BoxError>(Bytes::from(bytes))
    });
    let mut response = Response::new(Body::from_stream(body));
    *response.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// An answer with one JSON value.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn json<T: Serialize>(code: u16, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status(code);
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => error_response(500, &format!("encoding the response: {e}")),
    }
}

/// An answer with text, e.g. `OK` of `/_ping`.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn text(code: u16, content_type: &'static str, value: String) -> Response<Body> {
    let mut response = Response::new(Body::from(value));
    *response.status_mut() = status(code);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON-lines answer: each item is written as it comes, one per line.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn json_lines<T: Serialize + Send + 'static>(
    code: u16,
    items: ItemStream<T>,
) -> Response<Body> {
    let lines = items.map(|item| {
        serde_json::to_vec(&item).map(|mut line| {
            line.push(b'\n');
            Bytes::from(line)
        })
    });
    let mut response = Response::new(Body::from_stream(lines));
    *response.status_mut() = status(code);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A process's output, framed or raw.
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn output(code: u16, output: Output) -> Response<Body> {
    let (body, content_type) = match output {
        Output::Framed(frames) => (
            Body::from_stream(frames.map(|f| Ok::<_, BoxError>(f.encode()))),
            MULTIPLEXED,
        ),
        Output::Raw(bytes) => (
            Body::from_stream(bytes),
            "application/vnd.docker.raw-stream",
        ),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status(code);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Streamed bytes of `content_type` (tarballs, archives).
#[allow(
    dead_code,
    reason = "shared runtime: a spec without such operations leaves it unused"
)]
pub fn bytes(code: u16, content_type: &'static str, bytes: BodyStream) -> Response<Body> {
    let mut response = Response::new(Body::from_stream(bytes));
    *response.status_mut() = status(code);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Adds a documented response header, encoded as `encoding` says.
#[allow(
    dead_code,
    reason = "only operations with documented response headers use it; a crate generated for an old API version may have none"
)]
pub fn with_header<T: Serialize>(
    mut response: Response<Body>,
    name: &'static str,
    value: Option<&T>,
    encoding: ParamEncoding,
) -> Response<Body> {
    let Some(value) = value else { return response };
    let text = match encoding {
        ParamEncoding::Base64Json | ParamEncoding::Base64UrlJson => {
            let json = match serde_json::to_vec(value) {
                Ok(json) => json,
                Err(e) => return error_response(500, &format!("encoding header `{name}`: {e}")),
            };
            if encoding == ParamEncoding::Base64Json {
                base64::engine::general_purpose::STANDARD.encode(json)
            } else {
                base64::engine::general_purpose::URL_SAFE.encode(json)
            }
        }
        _ => match serde_json::to_value(value) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(e) => return error_response(500, &format!("encoding header `{name}`: {e}")),
        },
    };
    match HeaderValue::from_str(&text) {
        Ok(v) => {
            response.headers_mut().insert(name, v);
            response
        }
        Err(_) => error_response(500, &format!("header `{name}` cannot carry its value")),
    }
}

/// Runs one operation of a tag: the generated glue for that tag's trait.
pub type TagDispatch = Arc<
    dyn Fn(&'static OperationInfo, Incoming) -> Pin<Box<dyn Future<Output = Response<Body>> + Send>>
        + Send
        + Sync,
>;

/// One `/`-separated segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Text that a path segment must equal (once percent-decoded).
    Lit(&'static str),
    /// A `{placeholder}`, with the literal text around it in its segment. It
    /// takes one or more whole path segments (it may span slashes) and is
    /// never empty; `prefix` starts its first segment, `suffix` ends its last.
    Param {
        prefix: &'static str,
        suffix: &'static str,
    },
}

struct Route {
    op: &'static OperationInfo,
    segs: Vec<Seg>,
    params: usize,
}

/// Splits a template at its slashes. The generator allows one placeholder per
/// segment at most; text after a second one is kept as a literal suffix, which
/// no path can match.
fn template(path: &'static str) -> Vec<Seg> {
    path.split('/')
        .map(|seg| match (seg.find('{'), seg.find('}')) {
            (Some(open), Some(close)) if open < close => Seg::Param {
                prefix: &seg[..open],
                suffix: &seg[close + 1..],
            },
            _ => Seg::Lit(seg),
        })
        .collect()
}

/// Splits a request path at its slashes and percent-decodes each segment,
/// once. A malformed escape (`%` not followed by two hex digits) or bytes
/// that are not UTF-8 once decoded are refused, as Go's server refuses them,
/// rather than guessed at. `%2F` decodes to a slash inside its segment.
fn segments(path: &str) -> Result<Vec<Cow<'_, str>>, String> {
    // One pass over the bytes: a path of thousands of tiny segments costs no
    // more per byte than one long segment.
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(8);
    let mut start = 0;
    let mut escaped = false;
    for (at, &b) in bytes.iter().enumerate() {
        match b {
            b'/' => {
                out.push(segment(&path[start..at], escaped)?);
                start = at + 1;
                escaped = false;
            }
            b'%' => escaped = true,
            _ => {}
        }
    }
    out.push(segment(&path[start..], escaped)?);
    Ok(out)
}

/// One segment, percent-decoded when it has escapes.
fn segment(raw: &str, escaped: bool) -> Result<Cow<'_, str>, String> {
    if !escaped {
        return Ok(Cow::Borrowed(raw));
    }
    let bytes = raw.as_bytes();
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'%') {
        let escape = at + offset;
        let hex = bytes.get(escape + 1..escape + 3);
        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
            return Err("the path has a `%` that is not followed by two hex digits".into());
        }
        at = escape + 3;
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| "the path is not UTF-8 once percent-decoded".to_string())
}

/// Matches the path's segments against a template's: the parameters' values
/// when it matches. Time is linear in the number of segments: with at most
/// one parameter (every route of Docker's API) the parameter's span is fixed
/// by the literals around it; with more, see [`match_general`].
fn match_route(
    route: &[Seg],
    params: usize,
    raw: &str,
    path: &[Cow<'_, str>],
) -> Option<Vec<String>> {
    if path.len() < route.len() || (params == 0 && path.len() != route.len()) {
        return None;
    }
    if params > 1 {
        return match_general(route, raw, path);
    }
    let Some(at) = route.iter().position(|s| matches!(s, Seg::Param { .. })) else {
        return literals_match(route, path).then(Vec::new);
    };
    let after = route.len() - at - 1;
    let end = path.len() - after;
    if !literals_match(&route[..at], &path[..at]) || !literals_match(&route[at + 1..], &path[end..])
    {
        return None;
    }
    let Seg::Param { prefix, suffix } = route[at] else {
        return None;
    };
    span_value(prefix, suffix, raw, &path[at..end]).map(|value| vec![value])
}

fn literals_match(route: &[Seg], path: &[Cow<'_, str>]) -> bool {
    route.len() == path.len()
        && route
            .iter()
            .zip(path)
            .all(|(seg, text)| matches!(seg, Seg::Lit(lit) if *lit == text.as_ref()))
}

/// A parameter's value over `span` (one or more of `path`'s decoded
/// segments), `None` when the span does not carry the prefix and suffix or
/// would be empty.
fn span_value(prefix: &str, suffix: &str, path: &str, span: &[Cow<'_, str>]) -> Option<String> {
    // Neither holds a slash, so stripping them from the joined span is
    // stripping them from its first and last segments.
    let value = joined(path, span)?;
    let value = value.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!value.is_empty()).then(|| value.to_string())
}

/// The segments of `span` joined by slashes. Segments without escapes are
/// slices of `path`, so a span of them is the stretch of `path` they cover.
fn joined<'a>(path: &'a str, span: &[Cow<'a, str>]) -> Option<Cow<'a, str>> {
    let (first, last) = (span.first()?, span.last()?);
    if span.iter().all(|s| matches!(s, Cow::Borrowed(_))) {
        let base = path.as_ptr() as usize;
        let start = (first.as_ptr() as usize).checked_sub(base)?;
        let end = (last.as_ptr() as usize).checked_sub(base)? + last.len();
        if let Some(text) = path.get(start..end) {
            return Some(Cow::Borrowed(text));
        }
    }
    let len = span.iter().map(|s| s.len() + 1).sum();
    let mut value = String::with_capacity(len);
    for (i, seg) in span.iter().enumerate() {
        if i > 0 {
            value.push('/');
        }
        value.push_str(seg);
    }
    Some(Cow::Owned(value))
}

/// Matching with several parameters: each takes as many segments as it can
/// while the rest still matches (the leftmost is the greediest). A
/// depth-first search over the states (template segment, path segment,
/// inside a parameter's span or not), each tried at most once, so time is
/// O(template segments x path segments) and the stack is explicit.
fn match_general(route: &[Seg], raw: &str, path: &[Cow<'_, str>]) -> Option<Vec<String>> {
    #[derive(Clone, Copy)]
    struct Frame {
        ti: usize,
        pi: usize,
        inside: bool,
        next: u8,
    }
    let (m, n) = (route.len(), path.len());
    let index = |f: &Frame| ((f.ti * (n + 1)) + f.pi) * 2 + usize::from(f.inside);
    let mut failed = vec![false; (m + 1) * (n + 1) * 2];
    let mut stack = vec![Frame {
        ti: 0,
        pi: 0,
        inside: false,
        next: 0,
    }];
    while let Some(top) = stack.last_mut() {
        let Frame { ti, pi, inside, .. } = *top;
        if ti == m && pi == n {
            break;
        }
        if (top.next == 0 && failed[index(top)]) || ti == m || pi == n {
            let dead = stack.pop().expect("the loop holds the top");
            failed[index(&dead)] = true;
            continue;
        }
        let choice = top.next;
        top.next += 1;
        let next = match (&route[ti], choice) {
            (Seg::Lit(lit), 0) => (*lit == path[pi].as_ref()).then_some((ti + 1, pi + 1, false)),
            // The span goes on past this segment: first the greedy choice.
            (Seg::Param { prefix, .. }, 0) => (pi + 1 < n
                && (inside || path[pi].starts_with(prefix)))
            .then_some((ti, pi + 1, true)),
            // The span ends with this segment.
            (Seg::Param { prefix, suffix }, 1) => {
                let ends = if inside {
                    path[pi].ends_with(suffix)
                } else {
                    span_value(prefix, suffix, raw, &path[pi..=pi]).is_some()
                };
                ends.then_some((ti + 1, pi + 1, false))
            }
            _ => {
                let dead = stack.pop().expect("the loop holds the top");
                failed[index(&dead)] = true;
                continue;
            }
        };
        if let Some((ti, pi, inside)) = next {
            stack.push(Frame {
                ti,
                pi,
                inside,
                next: 0,
            });
        }
    }
    if stack.is_empty() {
        return None;
    }
    // The stack is the matching path: each parameter's span starts where the
    // search entered it from outside and ends where it took the "ends" choice.
    let mut values = Vec::new();
    let mut start = 0;
    for frame in &stack[..stack.len() - 1] {
        if let Seg::Param { prefix, suffix } = route[frame.ti] {
            if !frame.inside {
                start = frame.pi;
            }
            if frame.next == 2 {
                values.push(span_value(prefix, suffix, raw, &path[start..=frame.pi])?);
            }
        }
    }
    Some(values)
}

fn method_of(method: &http::Method) -> Option<Method> {
    Some(match *method {
        http::Method::GET => Method::Get,
        http::Method::POST => Method::Post,
        http::Method::PUT => Method::Put,
        http::Method::DELETE => Method::Delete,
        http::Method::HEAD => Method::Head,
        _ => return None,
    })
}

/// Splits `/v1.24/containers/json` into `Some("1.24")` and `/containers/json`.
fn split_version(path: &str) -> (Option<&str>, &str) {
    let Some(rest) = path.strip_prefix("/v") else {
        return (None, path);
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let version = &rest[..end];
    if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        (Some(version), &rest[end..])
    } else {
        (None, path)
    }
}

/// Orders two dotted versions as the daemon does (Go's `versions.Compare`):
/// part by part as numbers, a missing or unreadable part counting as 0, so
/// `/v1/` is older than 1.24 and `/v2/` newer than 1.51.
/// Checks a range of API versions a builder is asked to serve against the
/// range of the crate.
pub fn check_version_range(
    oldest: &str,
    newest: &str,
    crate_oldest: &str,
    crate_newest: &str,
) -> Result<(), String> {
    let parse = |version: &str| {
        super::operation::parse_api_version(version)
            .ok_or_else(|| format!("`{version}` is not an API version like `1.41`"))
    };
    let bounds = (parse(crate_oldest)?, parse(crate_newest)?);
    let (low, high) = (parse(oldest)?, parse(newest)?);
    for (version, parsed) in [(oldest, low), (newest, high)] {
        if parsed < bounds.0 || parsed > bounds.1 {
            return Err(format!(
                "API version {version} is outside {crate_oldest} to {crate_newest}, the versions this crate describes"
            ));
        }
    }
    if low > high {
        return Err(format!(
            "the oldest version {oldest} is newer than the newest {newest}"
        ));
    }
    Ok(())
}

fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (a, b) = (parts(a), parts(b));
    (0..a.len().max(b.len()))
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(0);
            let y = b.get(i).copied().unwrap_or(0);
            x.cmp(&y)
        })
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// The router: every operation of the spec, each served by the trait
/// implementation registered for its tag, or answered `501` when none is.
pub struct Dispatcher {
    routes: Vec<Route>,
    tags: BTreeMap<&'static str, TagDispatch>,
    config: Arc<ServerConfig>,
    in_progress: Arc<tokio::sync::Semaphore>,
}

impl Dispatcher {
    /// A router over `operations`, with no tag implemented yet.
    pub(crate) fn new(operations: &[&'static OperationInfo], config: ServerConfig) -> Self {
        let mut routes: Vec<Route> = operations
            .iter()
            .map(|op| {
                let segs = template(op.path);
                let params = segs
                    .iter()
                    .filter(|s| matches!(s, Seg::Param { .. }))
                    .count();
                Route { op, segs, params }
            })
            .collect();
        // Fixed paths win over templates (`/images/json` before `/images/{name}/json`).
        routes.sort_by_key(|r| {
            let literal: usize = r
                .segs
                .iter()
                .map(|s| match s {
                    Seg::Lit(l) => l.len(),
                    Seg::Param { prefix, suffix } => prefix.len() + suffix.len(),
                })
                .sum();
            (r.params, std::cmp::Reverse(literal))
        });
        let permits = config
            .max_concurrent_requests
            .min(tokio::sync::Semaphore::MAX_PERMITS);
        Dispatcher {
            routes,
            tags: BTreeMap::new(),
            config: Arc::new(config),
            in_progress: Arc::new(tokio::sync::Semaphore::new(permits)),
        }
    }

    /// Serves the operations of `tag` with `dispatch`.
    pub(crate) fn register(&mut self, tag: &'static str, dispatch: TagDispatch) {
        self.tags.insert(tag, dispatch);
    }

    /// Answers one request. Every error answer is `{"message": ...}` with
    /// `Content-Type: application/json`, also when an implementation panics
    /// (`500`), and every answer carries `Api-Version`.
    pub async fn handle(&self, request: Request<Body>) -> Response<Body> {
        let mut response = match self.in_progress.clone().try_acquire_owned() {
            Ok(permit) => {
                let routed = std::panic::AssertUnwindSafe(self.route(request))
                    .catch_unwind()
                    .await;
                drop(permit);
                routed.unwrap_or_else(|_| {
                    error_response(500, "the server failed while answering this request")
                })
            }
            Err(_) => {
                let mut busy = error_response(
                    503,
                    &format!(
                        "the server is busy: {} requests are in progress, the most it takes at once",
                        self.config.max_concurrent_requests
                    ),
                );
                busy.headers_mut()
                    .insert("Retry-After", HeaderValue::from_static("1"));
                busy
            }
        };
        if response.status() == StatusCode::REQUEST_TIMEOUT {
            // The rest of the body may still be on its way; the connection is done.
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        if let Ok(v) = HeaderValue::from_str(&self.config.api_version) {
            response.headers_mut().insert("Api-Version", v);
        }
        for (name, value) in &self.config.answer_headers {
            if !response.headers().contains_key(name) {
                response.headers_mut().insert(name.clone(), value.clone());
            }
        }
        response
    }

    async fn route(&self, request: Request<Body>) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let full_path = parts.uri.path();
        if full_path.len() > self.config.max_path_length {
            return error_response(
                414,
                &format!(
                    "the request path is {} bytes long; this server takes at most {}",
                    full_path.len(),
                    self.config.max_path_length
                ),
            );
        }
        let (version, path) = split_version(full_path);
        if let Some(version) = version {
            if compare_versions(version, &self.config.api_version).is_gt() {
                return error_response(
                    400,
                    &format!(
                        "client version {version} is too new. Maximum supported API version is {}",
                        self.config.api_version
                    ),
                );
            }
            if compare_versions(version, &self.config.min_api_version).is_lt() {
                return error_response(
                    400,
                    &format!("client version {version} is too old. Minimum supported API version is {}, please upgrade your client to a newer version", self.config.min_api_version),
                );
            }
        }
        let requested = version.unwrap_or(&self.config.api_version).to_string();
        let segments = match segments(path) {
            Ok(segments) => segments,
            Err(problem) => return error_response(400, &problem),
        };
        if parts.method == http::Method::OPTIONS {
            // The daemon answers OPTIONS on any path (its CORS preflight) with
            // an empty 200 carrying its usual headers.
            return Response::new(Body::empty());
        }
        let Some(method) = method_of(&parts.method) else {
            return error_response(404, "page not found");
        };
        let Some((route, params)) = self
            .routes
            .iter()
            .filter(|r| r.op.method == method)
            .find_map(|r| match_route(&r.segs, r.params, path, &segments).map(|p| (r, p)))
        else {
            return error_response(404, "page not found");
        };
        drop(segments);
        let Some(dispatch) = self.tags.get(route.op.tag) else {
            return ServerError::not_implemented(route.op.id).into_response();
        };
        let incoming = Incoming {
            parts,
            body: Some(body),
            path_params: params,
            config: self.config.clone(),
            body_holds: route.op.request_body.map(|b| b.holds),
        };
        REQUESTED_API_VERSION
            .scope(requested, dispatch(route.op, incoming))
            .await
    }

    /// The router as an [`axum::Router`], to layer, merge or serve with a
    /// server of your own (`axum::serve`). Everything [`Dispatcher::handle`]
    /// does applies; what the connection does is that server's business:
    /// [`Dispatcher::serve`] adds the header-read timeout and Docker-style
    /// answers to requests too malformed to reach the router.
    pub fn into_router(self) -> axum::Router {
        let this = Arc::new(self);
        axum::Router::new().fallback(move |request: Request<Body>| {
            let this = this.clone();
            async move { this.handle(request).await }
        })
    }

    /// Serves HTTP/1.1 on `listener` (a `tokio::net::TcpListener`, a
    /// `UnixListener`, or any [`axum::serve::Listener`]) until the returned
    /// future is dropped; connections already accepted run on until they
    /// close. Over [`Dispatcher::handle`], each connection
    ///
    /// - is closed when a request head takes longer than
    ///   [`ServerConfig::header_read_timeout`] to arrive (also while an idle
    ///   keep-alive connection waits for its next request);
    /// - gets a Docker-style `{"message": ...}` answer (with
    ///   `Content-Type: application/json` and `Api-Version`) where hyper would
    ///   answer a request it cannot parse with an empty `400`, `414` or `431`:
    ///   a bad method, target, version, header name or value, `Content-Length`
    ///   or `Transfer-Encoding`, an over-long target or over-large headers;
    /// - can be upgraded (hijacked attach and exec, websockets).
    pub async fn serve<L>(self, mut listener: L)
    where
        L: axum::serve::Listener,
    {
        let header_read_timeout = self.config.header_read_timeout;
        let api_version: Arc<str> = self.config.api_version.as_str().into();
        let this = Arc::new(self);
        loop {
            let (io, _) = listener.accept().await;
            let this = this.clone();
            let api_version = api_version.clone();
            tokio::spawn(async move {
                let watch = Arc::new(ConnectionWatch::default());
                let io = hyper_util::rt::TokioIo::new(WatchedIo {
                    io,
                    watch: watch.clone(),
                    api_version,
                    replacement: Vec::new(),
                    written: 0,
                });
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(header_read_timeout)
                    // A client that shuts down its sending side after the
                    // request still gets the answer (without this, hyper drops
                    // the connection on reading end of file, often unanswered).
                    .half_close(true);
                let service = ConnectionService {
                    dispatcher: this,
                    watch,
                };
                // A connection's failure (a reset, a timeout) concerns it alone.
                let _ = builder.serve_connection(io, service).with_upgrades().await;
            });
        }
    }
}

/// What a connection served by [`Dispatcher::serve`] is doing, shared by its
/// service and its IO.
#[derive(Debug, Default)]
struct ConnectionWatch {
    /// Requests handed to the router whose answer hyper has not dropped yet.
    answering: AtomicUsize,
    /// The connection was upgraded: its bytes are no longer HTTP.
    upgraded: AtomicBool,
    /// Bytes arrived while no request was being answered: the head hyper
    /// may be failing to parse.
    unparsed_input: AtomicBool,
}

/// The hyper service of one connection: the router, counting answers in progress.
struct ConnectionService {
    dispatcher: Arc<Dispatcher>,
    watch: Arc<ConnectionWatch>,
}

/// Counts an answer in progress until dropped (with the answer's body).
struct Answering(Arc<ConnectionWatch>);

impl Drop for Answering {
    fn drop(&mut self) {
        // Bytes read while this answer was written (a body longer than its
        // Content-Length, a pipelined request) may be what hyper fails on next.
        self.0.unparsed_input.store(true, Ordering::SeqCst);
        self.0.answering.fetch_sub(1, Ordering::SeqCst);
    }
}

impl hyper::service::Service<Request<hyper::body::Incoming>> for ConnectionService {
    type Response = Response<WatchedBody>;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn call(&self, request: Request<hyper::body::Incoming>) -> Self::Future {
        self.watch.answering.fetch_add(1, Ordering::SeqCst);
        self.watch.unparsed_input.store(false, Ordering::SeqCst);
        let answering = Answering(self.watch.clone());
        let dispatcher = self.dispatcher.clone();
        Box::pin(async move {
            let response = dispatcher.handle(request.map(Body::new)).await;
            if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                answering.0.upgraded.store(true, Ordering::SeqCst);
            }
            Ok(response.map(|body| WatchedBody {
                body,
                _answering: answering,
            }))
        })
    }
}

/// An answer's body, holding its [`Answering`] count until hyper drops it.
struct WatchedBody {
    body: Body,
    _answering: Answering,
}

impl hyper::body::Body for WatchedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        hyper::body::Body::poll_frame(Pin::new(&mut self.body), cx)
    }

    fn is_end_stream(&self) -> bool {
        hyper::body::Body::is_end_stream(&self.body)
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::Body::size_hint(&self.body)
    }
}

/// A connection's IO that turns hyper's own answer to an unparsable request
/// (an empty `400`, `414` or `431`, the last thing hyper writes before it
/// closes) into a Docker-style JSON answer.
///
/// Hyper offers no hook for those answers, so they are recognised on the way
/// out: only while no answer of the router is being written, on an
/// un-upgraded connection that sent bytes since its last request was routed,
/// and only as an exact tail of hyper's format (status line, then nothing but
/// `connection: close`, `content-length: 0` and `date`). Router answers always
/// carry `api-version`, which hyper's never do. Writes report vectored IO as
/// unsupported, so hyper hands over one contiguous buffer whose tail can be
/// inspected.
struct WatchedIo<T> {
    io: T,
    watch: Arc<ConnectionWatch>,
    api_version: Arc<str>,
    /// The JSON answer that replaces hyper's, and how much of it is written.
    replacement: Vec<u8>,
    written: usize,
}

impl<T: AsyncWrite + Unpin> WatchedIo<T> {
    /// Writes out the pending replacement, if any.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while self.written < self.replacement.len() {
            let n = std::task::ready!(
                Pin::new(&mut self.io).poll_write(cx, &self.replacement[self.written..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        Poll::Ready(Ok(()))
    }

    fn may_rewrite(&self) -> bool {
        self.watch.answering.load(Ordering::SeqCst) == 0
            && !self.watch.upgraded.load(Ordering::SeqCst)
            && self.watch.unparsed_input.load(Ordering::SeqCst)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WatchedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before && this.watch.answering.load(Ordering::SeqCst) == 0 {
            this.watch.unparsed_input.store(true, Ordering::SeqCst);
        }
        read
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WatchedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_replacement(cx))?;
        if this.may_rewrite() {
            if let Some((start, status)) = hyper_error_head(buf) {
                if start > 0 {
                    // What precedes it (the end of an earlier answer) goes first.
                    return Pin::new(&mut this.io).poll_write(cx, &buf[..start]);
                }
                this.replacement = json_error_head(status, &this.api_version, &buf[start..]);
                this.written = 0;
                return Poll::Ready(Ok(buf.len()));
            }
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// hyper's answers to requests it cannot parse: its `role::Server::on_error`.
const HYPER_ERRORS: [(&str, u16, &str); 3] = [
    (
        "HTTP/1.1 400 Bad Request\r\n",
        400,
        "malformed HTTP request: the request line or a header cannot be parsed (method, target, HTTP version, header name or value, Content-Length or Transfer-Encoding)",
    ),
    (
        "HTTP/1.1 414 URI Too Long\r\n",
        414,
        "the request target is longer than this server reads",
    ),
    (
        "HTTP/1.1 431 Request Header Fields Too Large\r\n",
        431,
        "the request head is larger than this server reads",
    ),
];

/// Where hyper's error answer starts in `buf`, and its status, when `buf`
/// ends with one: its status line, then only `connection: close`,
/// `content-length: 0` and `date` headers, then the blank line, and nothing after.
fn hyper_error_head(buf: &[u8]) -> Option<(usize, u16)> {
    const LONGEST: usize = 256;
    let tail_start = buf.len().saturating_sub(LONGEST);
    let tail = &buf[tail_start..];
    let start = tail_start + memrchr(b"HTTP/1.1 ", tail)?;
    let head = std::str::from_utf8(&buf[start..]).ok()?;
    let (_, status, _) = HYPER_ERRORS
        .iter()
        .find(|(line, _, _)| head.starts_with(line))?;
    let headers = head.split_once("\r\n")?.1.strip_suffix("\r\n\r\n")?;
    let mut length_zero = false;
    for line in headers.split("\r\n") {
        let (name, value) = line.split_once(": ")?;
        match name {
            "content-length" if value == "0" => length_zero = true,
            "connection" if value == "close" => {}
            "date" if !value.contains(['\r', '\n']) => {}
            _ => return None,
        }
    }
    length_zero.then_some((start, *status))
}

/// The last occurrence of `needle` in `haystack`.
fn memrchr(needle: &[u8], haystack: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// hyper's error answer `head` as a Docker-style one.
fn json_error_head(status: u16, api_version: &str, head: &[u8]) -> Vec<u8> {
    let (line, _, message) = HYPER_ERRORS
        .iter()
        .find(|(_, s, _)| *s == status)
        .expect("the status comes from HYPER_ERRORS");
    let body = serde_json::json!({ "message": message }).to_string();
    let date = std::str::from_utf8(head)
        .ok()
        .and_then(|h| h.split("\r\n").find(|l| l.starts_with("date: ")))
        .map(|l| format!("{l}\r\n"))
        .unwrap_or_default();
    format!(
        "{line}content-type: application/json\r\napi-version: {api_version}\r\nconnection: close\r\ncontent-length: {}\r\n{date}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_served_range_must_lie_within_the_crates() {
        assert_eq!(check_version_range("1.24", "1.41", "1.18", "1.51"), Ok(()));
        assert_eq!(check_version_range("1.18", "1.51", "1.18", "1.51"), Ok(()));
        for (oldest, newest, problem) in [
            ("1.17", "1.41", "outside 1.18 to 1.51"),
            ("1.24", "1.52", "outside 1.18 to 1.51"),
            ("1.41", "1.24", "newer than the newest"),
            ("one", "1.41", "not an API version"),
            ("1.24", "1", "not an API version"),
        ] {
            let err = check_version_range(oldest, newest, "1.18", "1.51").unwrap_err();
            assert!(err.contains(problem), "{oldest}..{newest}: {err}");
        }
    }

    fn matches(template_path: &'static str, path: &str) -> Option<Vec<String>> {
        let route = template(template_path);
        let params = route
            .iter()
            .filter(|s| matches!(s, Seg::Param { .. }))
            .count();
        let segments = segments(path).ok()?;
        let fast = match_route(&route, params, path, &segments);
        if segments.len() >= route.len() && params > 0 {
            // The general search agrees with the one-parameter shortcut.
            assert_eq!(
                match_general(&route, path, &segments),
                fast,
                "{template_path} {path}"
            );
        }
        fast
    }

    #[test]
    fn parameters_span_slashes_and_are_decoded() {
        assert_eq!(
            matches("/images/{name}/json", "/images/127.0.0.1:5000/app/json"),
            Some(vec!["127.0.0.1:5000/app".into()])
        );
        assert_eq!(
            matches("/containers/{id}/json", "/containers/a%20b/json"),
            Some(vec!["a b".into()])
        );
        assert_eq!(
            matches("/images/{name}/push", "/images/a%2Fb/c/push"),
            Some(vec!["a/b/c".into()])
        );
        assert_eq!(
            matches("/images/{name}/json", "/images/a/json/json"),
            Some(vec!["a/json".into()]),
            "a parameter takes as much as it can"
        );
        assert_eq!(
            matches("/images/{name}", "/images//x"),
            Some(vec!["/x".into()])
        );
        assert_eq!(matches("/images/{name}/json", "/images/json"), None);
        assert_eq!(
            matches("/images/{name}", "/images/"),
            None,
            "a parameter is never empty"
        );
        assert_eq!(
            matches("/containers/json", "/containers/json"),
            Some(vec![])
        );
        assert_eq!(matches("/containers/json", "/containers/json/"), None);
        assert_eq!(matches("/containers/json", "//containers/json"), None);
        assert_eq!(
            matches("/containers/json", "/containers/%6Ason"),
            Some(vec![])
        );
    }

    #[test]
    fn placeholders_inside_segments_and_several_parameters() {
        assert_eq!(
            matches("/files/{name}.tar", "/files/a/b.tar"),
            Some(vec!["a/b".into()])
        );
        assert_eq!(matches("/files/{name}.tar", "/files/.tar"), None);
        assert_eq!(matches("/files/{name}.tar", "/files/a.zip"), None);
        assert_eq!(matches("/v-{x}/y", "/v-1/y"), Some(vec!["1".into()]));
        assert_eq!(
            matches("/a/{x}/b/{y}/c", "/a/1/b/2/b/3/c"),
            Some(vec!["1/b/2".into(), "3".into()]),
            "the leftmost parameter is the greediest"
        );
        assert_eq!(matches("/a/{x}/b/{y}/c", "/a/1/b/c"), None);
        assert_eq!(
            matches("/a/{x}/{y}", "/a/1/2/3"),
            Some(vec!["1/2".into(), "3".into()])
        );
        assert_eq!(matches("/a/{x}/{y}", "/a/1"), None);
    }

    #[test]
    fn matching_is_linear_in_the_path() {
        // Thousands of segments and a long one: each route is one pass.
        let many = format!("/images/{}json", "a/".repeat(4000));
        assert_eq!(
            matches("/images/{name}/json", &many).unwrap()[0].len(),
            7999
        );
        let general = format!("/a/{}b/{}c", "x/".repeat(2000), "y/".repeat(2000));
        assert!(matches("/a/{x}/b/{y}/c", &general).is_some());
        let nomatch = format!("/a/{}nomatch", "x/".repeat(4000));
        assert_eq!(matches("/a/{x}/b/{y}/c", &nomatch), None);
    }

    #[test]
    fn malformed_percent_encoding_is_refused() {
        assert!(segments("/containers/%zz/json").is_err());
        assert!(segments("/containers/abc%/json").is_err());
        assert!(segments("/containers/abc%2/json").is_err());
        assert!(segments("/containers/%ff%fe/json").is_err());
        assert_eq!(segments("/a%2Fb").unwrap(), vec!["", "a/b"]);
    }

    #[test]
    fn json_documents_are_whole_objects_and_errors_quote_nothing() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code, reason = "only decoded")]
        struct Auth {
            username: Option<String>,
            password: Option<String>,
            port: Option<u16>,
        }
        let err = |json: &str| {
            decode_json::<Auth>(json.as_bytes())
                .unwrap_err()
                .to_string()
        };
        assert!(decode_json::<Auth>(br#" {"username": "u"} "#).is_ok());
        assert!(err(r#"{"username": "u"}{"username": 5}"#).contains("after the JSON value"));
        assert!(err(r#"["u", "hunter2"]"#).contains("expected a JSON object, found an array"));
        for (json, kind) in [
            (r#"{"port": "hunter2"}"#, "found a string"),
            (r#"{"port": 99999}"#, "an integer the type does not accept"),
            (r#"{"password": ["hunter2"]}"#, "found an array"),
            (r#"{"password": "hunter2" "x"}"#, "expected `,` or `}`"),
        ] {
            let message = err(json);
            assert!(
                !message.contains("hunter2") && !message.contains("99999"),
                "{message}"
            );
            assert!(message.contains(kind), "{message}");
        }
        assert!(err(r#"{"port": "x"}"#).starts_with(" at `port`: "));
        assert!(
            decode_json::<Vec<u8>>(b"[1, 2]").is_ok(),
            "arrays stay arrays"
        );
        assert!(wants_object::<Auth>() && wants_object::<Box<Auth>>());
        assert!(!wants_object::<BTreeMap<String, Auth>>() && !wants_object::<String>());
    }

    #[test]
    fn hyper_error_heads_are_recognised_exactly() {
        let head = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 02:19:01 GMT\r\n\r\n";
        assert_eq!(hyper_error_head(head), Some((0, 400)));
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nOK";
        let after_answer = [&answer[..], &head[..]].concat();
        assert_eq!(hyper_error_head(&after_answer), Some((answer.len(), 400)));
        let mut chunk = head.to_vec();
        chunk.extend_from_slice(b"\r\n");
        assert_eq!(hyper_error_head(&chunk), None, "data after it");
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\napi-version: 1.24\r\n\r\n";
        assert_eq!(hyper_error_head(ours), None, "a header hyper never sends");
        let replaced = String::from_utf8(json_error_head(431, "1.24", head)).unwrap();
        assert!(replaced.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(replaced.contains("content-type: application/json\r\n"));
        assert!(replaced.contains("date: Tue, 01 Dec 2026 02:19:01 GMT\r\n"));
        let body = replaced.split_once("\r\n\r\n").unwrap().1;
        let length = format!("content-length: {}\r\n", body.len());
        assert!(replaced.contains(&length), "{replaced}");
        assert!(serde_json::from_str::<serde_json::Value>(body).unwrap()["message"].is_string());
    }

    #[test]
    fn versions_are_split_off() {
        assert_eq!(split_version("/v1.24/_ping"), (Some("1.24"), "/_ping"));
        assert_eq!(split_version("/_ping"), (None, "/_ping"));
        assert_eq!(split_version("/volumes"), (None, "/volumes"));
    }

    #[test]
    fn frames_carry_type_and_length() {
        assert_eq!(
            &OutputFrame::Stderr(Bytes::from_static(b"hi")).encode()[..],
            &[2, 0, 0, 0, 0, 0, 0, 2, b'h', b'i']
        );
    }

    #[test]
    fn booleans_accept_what_docker_clients_send() {
        assert!(parse_bool("all", "1").unwrap());
        assert!(!parse_bool("all", "false").unwrap());
        assert!(parse_bool("all", "maybe")
            .unwrap_err()
            .message
            .contains("`all`"));
    }
}
