//! The server side's hand-written half: routing with Docker's path rules,
//! the version prefix, request decoding, response encoding, hijacked
//! connections and websockets. The generated [`crate::server`] module holds
//! one trait per tag and the per-operation glue that calls into this file.
//!
//! Routing is done here, not by axum's router, because Docker's routes let a
//! parameter span slashes (`/images/{name}/json` serves
//! `/images/127.0.0.1:5000/app/json`). The result is still an
//! [`axum::Router`], so it can be layered, merged and served like any other.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use axum::body::Body;
use base64::Engine;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::header::{CONNECTION, CONTENT_TYPE, UPGRADE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};

use super::operation::{parse_api_version, Method, OperationInfo, ParamEncoding};

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

/// Limits and versions the router enforces.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The largest JSON request body accepted, in bytes; larger ones get `413`.
    /// Streamed bodies (build context, image load, archive) are not limited.
    pub json_body_limit: usize,
    /// The highest API version served; a `/vX.Y` prefix above it gets `400`.
    pub api_version: &'static str,
    /// The lowest API version served; a prefix below it gets `400`.
    pub min_api_version: &'static str,
}

/// One decoded request, as the generated glue consumes it.
pub struct Incoming {
    parts: http::request::Parts,
    body: Option<Body>,
    path_params: Vec<String>,
    config: Arc<ServerConfig>,
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

    /// A request header decoded as `encoding` says; `None` when absent.
    pub fn header<T: DeserializeOwned>(
        &self,
        name: &str,
        encoding: ParamEncoding,
    ) -> Result<Option<T>, ServerError> {
        let Some(value) = self.parts.headers.get(name) else {
            return Ok(None);
        };
        let text = value
            .to_str()
            .map_err(|_| ServerError::bad_request(format!("header `{name}` is not ASCII")))?;
        decode_header(name, text, encoding).map(Some)
    }

    /// A request header that must be present.
    pub fn required_header<T: DeserializeOwned>(
        &self,
        name: &str,
        encoding: ParamEncoding,
    ) -> Result<T, ServerError> {
        self.header(name, encoding)?
            .ok_or_else(|| ServerError::bad_request(format!("header `{name}` is required")))
    }

    /// The JSON body, `None` when the request has none. Over the limit is
    /// `413`; bad JSON is `400` naming where in the document it went wrong.
    pub async fn json_body<T: DeserializeOwned>(&mut self) -> Result<Option<T>, ServerError> {
        let body = self.body.take().unwrap_or_default();
        let limit = self.config.json_body_limit;
        let bytes = http_body_util::Limited::new(body, limit)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    ServerError::new(413, format!("request body is larger than {limit} bytes"))
                } else {
                    ServerError::bad_request(format!("reading the request body: {e}"))
                }
            })?
            .to_bytes();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut de)
            .map(Some)
            .map_err(|e| {
                ServerError::bad_request(format!(
                    "invalid JSON body at `{}`: {}",
                    e.path(),
                    e.inner()
                ))
            })
    }

    /// A JSON body that must be present.
    pub async fn required_json_body<T: DeserializeOwned>(&mut self) -> Result<T, ServerError> {
        self.json_body()
            .await?
            .ok_or_else(|| ServerError::bad_request("a JSON request body is required"))
    }

    /// The body as a stream, read as the operation consumes it.
    pub fn body_stream(&mut self) -> BodyStream {
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
                let mut stdin = self.body_stream();
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

fn decode_header<T: DeserializeOwned>(
    name: &str,
    text: &str,
    encoding: ParamEncoding,
) -> Result<T, ServerError> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let bad = |what: String| ServerError::bad_request(format!("header `{name}`: {what}"));
    match encoding {
        ParamEncoding::Base64Json | ParamEncoding::Base64UrlJson => {
            // Clients disagree on the alphabet and on padding; all four are accepted.
            let bytes = [URL_SAFE, STANDARD, URL_SAFE_NO_PAD, STANDARD_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text.trim()).ok())
                .ok_or_else(|| bad("not base64".into()))?;
            let mut de = serde_json::Deserializer::from_slice(&bytes);
            serde_path_to_error::deserialize(&mut de)
                .map_err(|e| bad(format!("invalid JSON at `{}`: {}", e.path(), e.inner())))
        }
        _ => serde_json::from_value(serde_json::Value::String(text.to_string()))
            .map_err(|e| bad(e.to_string())),
    }
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
pub fn parse_scalar<T: FromStr>(name: &str, text: &str) -> Result<T, ServerError>
where
    T::Err: fmt::Display,
{
    text.parse()
        .map_err(|e| ServerError::bad_request(format!("query parameter `{name}`: `{text}`: {e}")))
}

/// A JSON-encoded query value (filters and the like).
pub fn parse_json<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, ServerError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        ServerError::bad_request(format!(
            "query parameter `{name}`: invalid JSON at `{}`: {}",
            e.path(),
            e.inner()
        ))
    })
}

/// A required query parameter that is absent.
pub fn missing_query(name: &str) -> ServerError {
    ServerError::bad_request(format!("query parameter `{name}` is required"))
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An answer with no body.
pub fn empty(code: u16) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status(code);
    response
}

/// An answer with one JSON value.
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
pub fn text(code: u16, content_type: &'static str, value: String) -> Response<Body> {
    let mut response = Response::new(Body::from(value));
    *response.status_mut() = status(code);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON-lines answer: each item is written as it comes, one per line.
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

/// A path template split at its `{placeholders}`.
#[derive(Debug, Clone)]
enum Piece {
    Literal(&'static str),
    Param,
}

struct Route {
    op: &'static OperationInfo,
    pieces: Vec<Piece>,
}

fn pieces(template: &'static str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        if start > 0 {
            out.push(Piece::Literal(&rest[..start]));
        }
        out.push(Piece::Param);
        rest = rest[start..]
            .find('}')
            .map(|end| &rest[start + end + 1..])
            .unwrap_or("");
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out
}

/// Matches `path` against `pieces`; a parameter is non-empty and may span
/// slashes, and takes as much as it can while the rest still matches.
fn match_pieces(pieces: &[Piece], path: &str, out: &mut Vec<String>) -> bool {
    match pieces.split_first() {
        None => path.is_empty(),
        Some((Piece::Literal(lit), rest)) => path
            .strip_prefix(lit)
            .is_some_and(|tail| match_pieces(rest, tail, out)),
        Some((Piece::Param, rest)) => {
            for end in (1..=path.len())
                .rev()
                .filter(|&end| path.is_char_boundary(end))
            {
                out.push(
                    percent_encoding::percent_decode_str(&path[..end])
                        .decode_utf8_lossy()
                        .into_owned(),
                );
                if match_pieces(rest, &path[end..], out) {
                    return true;
                }
                out.pop();
            }
            false
        }
    }
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

/// The router: every operation of the spec, each served by the trait
/// implementation registered for its tag, or answered `501` when none is.
pub struct Dispatcher {
    routes: Vec<Route>,
    tags: BTreeMap<&'static str, TagDispatch>,
    config: Arc<ServerConfig>,
}

impl Dispatcher {
    /// A router over `operations`, with no tag implemented yet.
    pub(crate) fn new(operations: &[&'static OperationInfo], config: ServerConfig) -> Self {
        let mut routes: Vec<Route> = operations
            .iter()
            .map(|op| Route {
                op,
                pieces: pieces(op.path),
            })
            .collect();
        // Fixed paths win over templates (`/images/json` before `/images/{name}/json`).
        routes.sort_by_key(|r| {
            let params = r
                .pieces
                .iter()
                .filter(|p| matches!(p, Piece::Param))
                .count();
            let literal: usize = r
                .pieces
                .iter()
                .map(|p| {
                    if let Piece::Literal(l) = p {
                        l.len()
                    } else {
                        0
                    }
                })
                .sum();
            (params, std::cmp::Reverse(literal))
        });
        Dispatcher {
            routes,
            tags: BTreeMap::new(),
            config: Arc::new(config),
        }
    }

    /// Serves the operations of `tag` with `dispatch`.
    pub(crate) fn register(&mut self, tag: &'static str, dispatch: TagDispatch) {
        self.tags.insert(tag, dispatch);
    }

    /// Answers one request.
    pub async fn handle(&self, request: Request<Body>) -> Response<Body> {
        let mut response = self.route(request).await;
        if let Ok(v) = HeaderValue::from_str(self.config.api_version) {
            response.headers_mut().insert("Api-Version", v);
        }
        response
    }

    async fn route(&self, request: Request<Body>) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let full_path = parts.uri.path().to_string();
        let (version, path) = split_version(&full_path);
        if let Some(version) = version {
            let asked = parse_api_version(version);
            if asked.is_none() || asked > parse_api_version(self.config.api_version) {
                return error_response(
                    400,
                    &format!(
                        "client version {version} is too new. Maximum supported API version is {}",
                        self.config.api_version
                    ),
                );
            }
            if asked < parse_api_version(self.config.min_api_version) {
                return error_response(
                    400,
                    &format!("client version {version} is too old. Minimum supported API version is {}, please upgrade your client to a newer version", self.config.min_api_version),
                );
            }
        }
        let Some(method) = method_of(&parts.method) else {
            return error_response(404, "page not found");
        };
        let mut params = Vec::new();
        let Some(route) = self.routes.iter().find(|r| {
            params.clear();
            r.op.method == method && match_pieces(&r.pieces, path, &mut params)
        }) else {
            return error_response(404, "page not found");
        };
        let Some(dispatch) = self.tags.get(route.op.tag) else {
            return ServerError::not_implemented(route.op.id).into_response();
        };
        let requested = version.unwrap_or(self.config.api_version).to_string();
        let incoming = Incoming {
            parts,
            body: Some(body),
            path_params: params,
            config: self.config.clone(),
        };
        REQUESTED_API_VERSION
            .scope(requested, dispatch(route.op, incoming))
            .await
    }

    /// The router as an [`axum::Router`], to layer, merge or serve.
    pub fn into_router(self) -> axum::Router {
        let this = Arc::new(self);
        axum::Router::new().fallback(move |request: Request<Body>| {
            let this = this.clone();
            async move { this.handle(request).await }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(template: &'static str, path: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        match_pieces(&pieces(template), path, &mut out).then_some(out)
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
        assert_eq!(matches("/images/{name}/json", "/images/json"), None);
        assert_eq!(
            matches("/images/{name}", "/images/"),
            None,
            "a parameter is never empty"
        );
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
