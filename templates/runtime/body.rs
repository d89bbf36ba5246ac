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

    /// A second copy of the body, when it can be sent again: empty or bytes in
    /// memory. A stream is read as it goes out and cannot be replayed.
    pub(crate) fn try_clone(&self) -> Option<RequestBody> {
        let inner = match &self.inner {
            Inner::Empty => Inner::Empty,
            Inner::Full(b) => Inner::Full(b.clone()),
            Inner::Stream(_) => return None,
        };
        Some(RequestBody { inner })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bodies_in_memory_can_be_sent_twice() {
        assert!(RequestBody::empty().try_clone().unwrap().is_empty());
        let copy = RequestBody::from_bytes(&b"{}"[..]).try_clone().unwrap();
        assert_eq!(format!("{copy:?}"), "RequestBody::Bytes(2 bytes)");
        let stream = futures_util::stream::iter([Ok::<_, BodyError>(Bytes::from_static(b"x"))]);
        assert!(RequestBody::from_stream(stream).try_clone().is_none());
    }
}
