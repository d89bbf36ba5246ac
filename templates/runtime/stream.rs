//! Streamed response bodies: JSON lines, multiplexed stdout/stderr, raw bytes.
//!
//! Nothing here buffers a whole body. JSON lines keep at most one partial
//! line; the demultiplexer keeps at most one partial 8-byte header and hands
//! payload bytes on as they arrive, so a frame that declares 4 GiB costs no
//! more memory than the bytes actually read.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_util::Stream;
use serde::de::DeserializeOwned;

use super::error::{decode_json, Error};

/// A stream of raw body bytes.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>;

/// The longest JSON line accepted before the stream is declared broken.
pub const MAX_JSON_LINE: usize = 64 * 1024 * 1024;

/// A stream of JSON values, one per line, decoded as `T`.
///
/// A line of the form `{"error": "...", "errorDetail": {...}}` becomes an
/// [`Error::Stream`] item: the daemon reports failed pulls, pushes and builds
/// that way after it already answered 200.
pub struct JsonLines<T> {
    operation: &'static str,
    inner: ByteStream,
    buffer: BytesMut,
    done: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T> JsonLines<T> {
    /// Decodes `inner` as JSON lines for `operation`.
    pub fn new(operation: &'static str, inner: ByteStream) -> Self {
        JsonLines {
            operation,
            inner,
            buffer: BytesMut::new(),
            done: false,
            _item: PhantomData,
        }
    }
}

#[derive(serde::Deserialize)]
struct InBandError {
    error: Option<String>,
    #[serde(rename = "errorDetail")]
    error_detail: Option<InBandErrorDetail>,
}

#[derive(serde::Deserialize)]
struct InBandErrorDetail {
    code: Option<i64>,
    message: Option<String>,
}

/// Decodes one line; `None` for a blank line.
pub(crate) fn decode_line<T: DeserializeOwned>(
    operation: &'static str,
    line: &[u8],
) -> Option<Result<T, Error>> {
    let trimmed = line.trim_ascii();
    if trimmed.is_empty() {
        return None;
    }
    // Only lines that mention "error" pay for the second parse.
    if memchr::memmem::find(trimmed, b"\"error").is_some() {
        if let Ok(InBandError {
            error,
            error_detail,
        }) = serde_json::from_slice::<InBandError>(trimmed)
        {
            let detail_message = error_detail.as_ref().and_then(|d| d.message.clone());
            if let Some(message) = error.or(detail_message) {
                return Some(Err(Error::Stream {
                    operation,
                    message,
                    code: error_detail.and_then(|d| d.code),
                }));
            }
        }
    }
    Some(decode_json(operation, trimmed))
}

impl<T: DeserializeOwned> Stream for JsonLines<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &this.buffer) {
                let line = this.buffer.split_to(pos + 1);
                match decode_line(this.operation, &line) {
                    Some(item) => return Poll::Ready(Some(item)),
                    None => continue,
                }
            }
            if this.done {
                if this.buffer.is_empty() {
                    return Poll::Ready(None);
                }
                // The last value may lack its newline.
                let rest = this.buffer.split();
                match decode_line(this.operation, &rest) {
                    Some(item) => return Poll::Ready(Some(item)),
                    None => return Poll::Ready(None),
                }
            }
            if this.buffer.len() > MAX_JSON_LINE {
                this.done = true;
                this.buffer.clear();
                return Poll::Ready(Some(Err(Error::Frame {
                    operation: this.operation,
                    message: format!("a JSON line is longer than {MAX_JSON_LINE} bytes"),
                })));
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => this.buffer.extend_from_slice(&chunk),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => this.done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// A piece of a container's or exec's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputChunk {
    /// Frame type 0: stdin echoed on stdout.
    Stdin(Bytes),
    /// Frame type 1.
    Stdout(Bytes),
    /// Frame type 2.
    Stderr(Bytes),
    /// Output of a TTY: one stream, no frames.
    Console(Bytes),
}

impl OutputChunk {
    /// The bytes, whatever stream they came from.
    pub fn bytes(&self) -> &Bytes {
        match self {
            OutputChunk::Stdin(b)
            | OutputChunk::Stdout(b)
            | OutputChunk::Stderr(b)
            | OutputChunk::Console(b) => b,
        }
    }
}

/// Whether output arrives in frames or raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// 8-byte headers, then payload: no TTY.
    Multiplexed,
    /// Raw bytes: the process has a TTY.
    Raw,
}

/// The frame demultiplexer, usable on its own over any chunks of bytes.
#[derive(Debug, Default)]
pub struct Demuxer {
    header: [u8; 8],
    header_len: usize,
    /// Stream type and bytes left of the current frame's payload.
    current: Option<(u8, usize)>,
}

impl Demuxer {
    /// A demultiplexer at the start of a stream.
    pub fn new() -> Self {
        Demuxer::default()
    }

    /// Consumes `input`, appending complete or partial payload pieces to `out`.
    /// Errors on an unknown stream type.
    pub fn feed(&mut self, input: &mut Bytes, out: &mut Vec<OutputChunk>) -> Result<(), String> {
        while !input.is_empty() {
            match self.current {
                Some((kind, left)) => {
                    let take = left.min(input.len());
                    let piece = input.split_to(take);
                    self.current = if left == take {
                        None
                    } else {
                        Some((kind, left - take))
                    };
                    if !piece.is_empty() {
                        out.push(match kind {
                            0 => OutputChunk::Stdin(piece),
                            1 => OutputChunk::Stdout(piece),
                            _ => OutputChunk::Stderr(piece),
                        });
                    }
                }
                None => {
                    let take = (8 - self.header_len).min(input.len());
                    self.header[self.header_len..self.header_len + take]
                        .copy_from_slice(&input[..take]);
                    input.advance(take);
                    self.header_len += take;
                    if self.header_len == 8 {
                        self.header_len = 0;
                        let kind = self.header[0];
                        if kind > 2 {
                            return Err(format!("frame header names stream type {kind}; only 0 (stdin), 1 (stdout) and 2 (stderr) exist"));
                        }
                        let size = u32::from_be_bytes([
                            self.header[4],
                            self.header[5],
                            self.header[6],
                            self.header[7],
                        ]) as usize;
                        if size > 0 {
                            self.current = Some((kind, size));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the stream may end here (not inside a header or a frame).
    pub fn at_boundary(&self) -> bool {
        self.header_len == 0 && self.current.is_none()
    }
}

/// Output of logs, attach or exec start: stdout/stderr chunks, or console bytes with a TTY.
pub struct OutputStream {
    operation: &'static str,
    inner: ByteStream,
    mode: OutputMode,
    demuxer: Demuxer,
    pending: std::collections::VecDeque<OutputChunk>,
    scratch: Vec<OutputChunk>,
    failure: Option<Error>,
    failed: bool,
}

impl OutputStream {
    /// Reads `inner` in the given mode.
    pub fn new(operation: &'static str, inner: ByteStream, mode: OutputMode) -> Self {
        OutputStream {
            operation,
            inner,
            mode,
            demuxer: Demuxer::new(),
            pending: Default::default(),
            scratch: Vec::new(),
            failure: None,
            failed: false,
        }
    }

    /// Whether this stream is framed or raw.
    pub fn mode(&self) -> OutputMode {
        self.mode
    }
}

impl Stream for OutputStream {
    type Item = Result<OutputChunk, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(chunk) = this.pending.pop_front() {
                return Poll::Ready(Some(Ok(chunk)));
            }
            if let Some(error) = this.failure.take() {
                this.failed = true;
                return Poll::Ready(Some(Err(error)));
            }
            if this.failed {
                return Poll::Ready(None);
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(mut bytes))) => match this.mode {
                    OutputMode::Raw => {
                        if !bytes.is_empty() {
                            return Poll::Ready(Some(Ok(OutputChunk::Console(bytes))));
                        }
                    }
                    OutputMode::Multiplexed => {
                        let result = this.demuxer.feed(&mut bytes, &mut this.scratch);
                        this.pending.extend(this.scratch.drain(..));
                        if let Err(message) = result {
                            // What decoded cleanly goes out first, then the error, then the end.
                            this.failure = Some(Error::Frame {
                                operation: this.operation,
                                message,
                            });
                        }
                    }
                },
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => {
                    if this.mode == OutputMode::Multiplexed && !this.demuxer.at_boundary() {
                        this.failed = true;
                        return Poll::Ready(Some(Err(Error::Frame {
                            operation: this.operation,
                            message: "the stream ended inside a frame".into(),
                        })));
                    }
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![kind, 0, 0, 0];
        f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn chunks(parts: Vec<Vec<u8>>) -> ByteStream {
        Box::pin(futures_util::stream::iter(
            parts.into_iter().map(|p| Ok(Bytes::from(p))),
        ))
    }

    async fn collect(stream: OutputStream) -> Vec<Result<OutputChunk, String>> {
        stream.map(|r| r.map_err(|e| e.to_string())).collect().await
    }

    #[tokio::test]
    async fn demultiplexes_frames_split_at_every_byte() {
        let mut wire = frame(1, b"out");
        wire.extend(frame(2, b"err"));
        wire.extend(frame(0, b"in"));
        let parts: Vec<Vec<u8>> = wire.iter().map(|b| vec![*b]).collect();
        let got = collect(OutputStream::new(
            "t",
            chunks(parts),
            OutputMode::Multiplexed,
        ))
        .await;
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut inp = Vec::new();
        for c in got {
            match c.unwrap() {
                OutputChunk::Stdout(b) => out.extend_from_slice(&b),
                OutputChunk::Stderr(b) => err.extend_from_slice(&b),
                OutputChunk::Stdin(b) => inp.extend_from_slice(&b),
                OutputChunk::Console(_) => panic!("no console output in multiplexed mode"),
            }
        }
        assert_eq!(
            (out.as_slice(), err.as_slice(), inp.as_slice()),
            (&b"out"[..], &b"err"[..], &b"in"[..])
        );
    }

    #[tokio::test]
    async fn unknown_stream_type_is_an_error_after_the_good_frames() {
        let mut wire = frame(1, b"ok");
        wire.extend(frame(7, b"bad"));
        let got = collect(OutputStream::new(
            "t",
            chunks(vec![wire]),
            OutputMode::Multiplexed,
        ))
        .await;
        assert_eq!(got[0], Ok(OutputChunk::Stdout(Bytes::from_static(b"ok"))));
        assert!(
            got[1].as_ref().unwrap_err().contains("stream type 7"),
            "{got:?}"
        );
        assert_eq!(got.len(), 2);
    }

    #[tokio::test]
    async fn a_huge_declared_frame_is_not_allocated_up_front() {
        let mut wire = vec![1, 0, 0, 0];
        wire.extend_from_slice(&u32::MAX.to_be_bytes());
        wire.extend_from_slice(b"tiny");
        let got = collect(OutputStream::new(
            "t",
            chunks(vec![wire]),
            OutputMode::Multiplexed,
        ))
        .await;
        assert_eq!(got[0], Ok(OutputChunk::Stdout(Bytes::from_static(b"tiny"))));
        assert!(got[1]
            .as_ref()
            .unwrap_err()
            .contains("ended inside a frame"));
    }

    #[tokio::test]
    async fn raw_mode_passes_bytes_through() {
        let wire = frame(1, b"looks framed");
        let got = collect(OutputStream::new(
            "t",
            chunks(vec![wire.clone()]),
            OutputMode::Raw,
        ))
        .await;
        assert_eq!(got, vec![Ok(OutputChunk::Console(Bytes::from(wire)))]);
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Progress {
        status: Option<String>,
    }

    #[tokio::test]
    async fn json_lines_span_chunks_and_share_chunks() {
        let parts = vec![
            b"{\"status\":\"a\"}\n{\"sta".to_vec(),
            b"tus\":\"b\"}\r\n\n{\"status\":\"c\"}".to_vec(),
        ];
        let got: Vec<_> = JsonLines::<Progress>::new("t", chunks(parts))
            .collect()
            .await;
        let statuses: Vec<_> = got
            .into_iter()
            .map(|r| r.unwrap().status.unwrap())
            .collect();
        assert_eq!(statuses, ["a", "b", "c"]);
    }

    #[tokio::test]
    async fn an_in_band_error_line_is_an_error_item() {
        let parts = vec![b"{\"status\":\"pulling\"}\n{\"errorDetail\":{\"code\":1,\"message\":\"denied\"},\"error\":\"denied\"}\n".to_vec()];
        let got: Vec<_> = JsonLines::<Progress>::new("image_create", chunks(parts))
            .collect()
            .await;
        assert!(got[0].is_ok());
        match &got[1] {
            Err(Error::Stream {
                message,
                code,
                operation,
            }) => {
                assert_eq!(
                    (message.as_str(), *code, *operation),
                    ("denied", Some(1), "image_create")
                );
            }
            other => panic!("expected a stream error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_bad_line_names_the_json_path() {
        let parts = vec![b"{\"status\": 5}\n".to_vec()];
        let got: Vec<_> = JsonLines::<Progress>::new("op", chunks(parts))
            .collect()
            .await;
        let err = got[0].as_ref().unwrap_err().to_string();
        assert!(err.contains("op") && err.contains("status"), "{err}");
    }
}
