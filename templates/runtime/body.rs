//! Request bodies: nothing, JSON, or bytes streamed from the caller.

use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Empty, Full, StreamBody};
use hyper::body::Frame;
use tokio::io::AsyncRead;

/// The error type of streamed request bodies.
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// A body to send: bytes in memory or a stream read as the request goes out
/// (a build context, an image tarball, an archive), never buffered whole.
pub struct RequestBody {
    inner: Inner,
}

enum Inner {
    Empty,
    Full(Bytes),
    Stream(Pin<Box<dyn Stream<Item = Result<Bytes, BodyError>> + Send>>),
}

impl RequestBody {
    /// No body.
    pub fn empty() -> Self {
        RequestBody {
            inner: Inner::Empty,
        }
    }

    /// Bytes already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        RequestBody {
            inner: Inner::Full(bytes.into()),
        }
    }

    /// Any stream of byte chunks.
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BodyError> + 'static,
    {
        RequestBody {
            inner: Inner::Stream(Box::pin(stream.map_err(Into::into))),
        }
    }

    /// Anything readable, e.g. a `tokio::fs::File` holding a tar archive.
    pub fn from_reader<R: AsyncRead + Send + 'static>(reader: R) -> Self {
        Self::from_stream(tokio_util::io::ReaderStream::new(reader))
    }

    pub(crate) fn into_http(self) -> UnsyncBoxBody<Bytes, BodyError> {
        match self.inner {
            Inner::Empty => Empty::new().map_err(|never| match never {}).boxed_unsync(),
            Inner::Full(b) => Full::new(b).map_err(|never| match never {}).boxed_unsync(),
            Inner::Stream(s) => {
                BodyExt::boxed_unsync(StreamBody::new(s.map(|r| r.map(Frame::data))))
            }
        }
    }

    /// Whether the body is known to be empty.
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self.inner, Inner::Empty)
    }
}

impl From<Vec<u8>> for RequestBody {
    fn from(v: Vec<u8>) -> Self {
        RequestBody::from_bytes(v)
    }
}

impl From<Bytes> for RequestBody {
    fn from(b: Bytes) -> Self {
        RequestBody::from_bytes(b)
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Empty => f.write_str("RequestBody::Empty"),
            Inner::Full(b) => write!(f, "RequestBody::Bytes({} bytes)", b.len()),
            Inner::Stream(_) => f.write_str("RequestBody::Stream"),
        }
    }
}
