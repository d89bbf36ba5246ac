//! Hijacked connections of attach and exec start: after `101 UPGRADED` the
//! HTTP connection carries the process's output one way and its stdin the other.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncWrite, ReadHalf, WriteHalf};

use super::error::Error;
use super::stream::{OutputMode, OutputStream};

/// A connection taken over with `Upgrade: h2c` (`POST /session`): raw bytes
/// both ways, for the caller's own HTTP/2 client (BuildKit's session protocol).
pub type UpgradedConnection = TokioIo<Upgraded>;

/// An attached process: its output, and (when the daemon upgraded the
/// connection) a writer to its stdin.
pub struct Attached {
    /// stdout/stderr chunks, or console bytes with a TTY.
    pub output: OutputStream,
    /// The process's stdin. `shutdown()` closes it (the process sees end of
    /// file) while the output keeps flowing. `None` when the daemon did not
    /// upgrade the connection.
    pub input: Option<AttachInput>,
}

impl std::fmt::Debug for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attached")
            .field("mode", &self.output.mode())
            .field("input", &self.input.is_some())
            .finish()
    }
}

impl Attached {
    pub(crate) fn new(
        operation: &'static str,
        io: TokioIo<Upgraded>,
        mode: OutputMode,
    ) -> Attached {
        let (read, write): (ReadHalf<_>, WriteHalf<_>) = tokio::io::split(io);
        let operation_for_errors = operation;
        let bytes = futures_util::TryStreamExt::map_err(
            tokio_util::io::ReaderStream::new(read),
            move |e| Error::transport(operation_for_errors, e),
        );
        Attached {
            output: OutputStream::new(operation, Box::pin(bytes), mode),
            input: Some(AttachInput { inner: write }),
        }
    }

    pub(crate) fn output_only(output: OutputStream) -> Attached {
        Attached {
            output,
            input: None,
        }
    }
}

/// The stdin side of a hijacked connection.
pub struct AttachInput {
    inner: WriteHalf<TokioIo<Upgraded>>,
}

impl std::fmt::Debug for AttachInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AttachInput")
    }
}

impl AsyncWrite for AttachInput {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    /// Half-closes the connection: the daemon closes the process's stdin.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A websocket attached to a container (`attach/ws`).
#[cfg(feature = "websocket")]
pub type WebSocket = tokio_tungstenite::WebSocketStream<TokioIo<Upgraded>>;

/// A websocket message, to send and receive on a [`WebSocket`].
#[cfg(feature = "websocket")]
pub use tokio_tungstenite::tungstenite::Message as WebSocketMessage;
