//! Streamed response bodies: JSON lines, multiplexed stdout/stderr, raw bytes.
//!
//! Nothing here buffers a whole body. JSON lines keep at most one partial
//! line; the demultiplexer keeps at most one partial 8-byte header and hands
//! payload bytes on as they arrive, so a frame that declares 4 GiB costs no
//! more memory than the bytes actually read.
//!
//! # JSON lines
//!
//! The daemon writes one JSON value per line. A line that holds more than
//! one value (`{"status":"a"} {"error":"pull failed"}` or
//! `{"status":"a"}{"status":"b"}`) loses nothing: every value comes out as
//! its own item, in order, and an in-band error in any of them is an
//! [`Error::Stream`] item. Bytes after a value that are not JSON become an
//! [`Error::Decode`] item after the values before them. A line longer than
//! 64 MiB is an [`Error::Frame`] and ends the stream. Finding line ends costs
//! time linear in the bytes received, however the daemon cuts them.
//!
//! # Timeouts
//!
//! The client's request timeout (`Client::with_request_timeout`) bounds a
//! streaming call only until its response head arrives; the streams here
//! then run as long as the daemon keeps them open (a followed log, events).
//! Wrap `next()` in `tokio::time::timeout` to bound a silent stream.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_util::Stream;
use serde::de::DeserializeOwned;

use super::error::{decode_json, truncate_message, Error, Unread};

/// A stream of raw body bytes (a streaming call: the request timeout bounds
/// only the wait for the response head, not these bytes).
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>;

/// The longest JSON line accepted before the stream is declared broken.
pub const MAX_JSON_LINE: usize = 64 * 1024 * 1024;

/// A stream of JSON values, one per line, decoded as `T`.
///
/// A line of the form `{"error": "...", "errorDetail": {...}}` becomes an
/// [`Error::Stream`] item: the daemon reports failed pulls, pushes and builds
/// that way after it already answered 200. The daemon writes one value per
/// line; a line holding several yields each of them, in order, an in-band
/// error among them being an error item, and bytes after a value that are
/// not JSON become an [`Error::Decode`] item after the values before them:
/// nothing is dropped silently. A line longer than 64 MiB is an
/// [`Error::Frame`] item that ends the stream.
///
/// The request timeout does not bound this stream, only the wait for the
/// response head that came before it.
pub struct JsonLines<T> {
    operation: &'static str,
    inner: ByteStream,
    buffer: BytesMut,
    /// How many bytes at the start of `buffer` are known to hold no newline:
    /// the next search starts there, so every byte is searched once.
    scanned: usize,
    /// Values of a line that held more than one, not yet handed out.
    pending: VecDeque<Result<T, Error>>,
    /// The longest line accepted: [`MAX_JSON_LINE`] (tests set less).
    max_line: usize,
    done: bool,
    /// Bytes searched for newlines so far, to check that it stays linear.
    #[cfg(test)]
    searched: usize,
    _item: PhantomData<fn() -> T>,
}

impl<T> JsonLines<T> {
    /// Decodes `inner` as JSON lines for `operation`.
    pub fn new(operation: &'static str, inner: ByteStream) -> Self {
        JsonLines {
            operation,
            inner,
            buffer: BytesMut::new(),
            scanned: 0,
            pending: VecDeque::new(),
            max_line: MAX_JSON_LINE,
            done: false,
            #[cfg(test)]
            searched: 0,
            _item: PhantomData,
        }
    }
}

// Nothing is pinned structurally (the inner stream is boxed), so values
// waiting in `pending` may move whatever `T` is.
impl<T> Unpin for JsonLines<T> {}

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

/// The in-band error `value` (one JSON value) reports, if it is one.
fn in_band_error(operation: &'static str, value: &[u8]) -> Option<Error> {
    // Only values that mention "error" pay for the second parse.
    memchr::memmem::find(value, b"\"error")?;
    let InBandError {
        error,
        error_detail,
    } = serde_json::from_slice::<InBandError>(value).ok()?;
    let detail_message = error_detail.as_ref().and_then(|d| d.message.clone());
    let message = error.or(detail_message)?;
    Some(Error::Stream {
        operation,
        message: truncate_message(message, Unread::Nothing),
        code: error_detail.and_then(|d| d.code),
    })
}

/// Decodes one JSON value: an in-band error, or a `T`.
fn decode_value<T: DeserializeOwned>(operation: &'static str, value: &[u8]) -> Result<T, Error> {
    match in_band_error(operation, value) {
        Some(error) => Err(error),
        None => decode_json(operation, value),
    }
}

/// Decodes one line into `out`: nothing for a blank line, one item per value.
pub(crate) fn decode_line<T: DeserializeOwned>(
    operation: &'static str,
    line: &[u8],
    out: &mut VecDeque<Result<T, Error>>,
) {
    let trimmed = line.trim_ascii();
    if trimmed.is_empty() {
        return;
    }
    // The line as Docker writes it: one value. Either parse fails on a second value.
    if let Some(error) = in_band_error(operation, trimmed) {
        out.push_back(Err(error));
        return;
    }
    if let Ok(value) = serde_json::from_slice(trimmed) {
        out.push_back(Ok(value));
        return;
    }
    // A value that does not decode, or more than one value: each on its own.
    let mut values =
        serde_json::Deserializer::from_slice(trimmed).into_iter::<serde::de::IgnoredAny>();
    let mut start = 0;
    while let Some(next) = values.next() {
        match next {
            Ok(_) => {
                let end = values.byte_offset();
                out.push_back(decode_value(operation, &trimmed[start..end]));
                start = end;
            }
            Err(e) => {
                out.push_back(Err(Error::Decode {
                    operation,
                    path: ".".into(),
                    message: if start == 0 {
                        e.to_string()
                    } else {
                        format!("data after a JSON value on the same line: {e}")
                    },
                }));
                return;
            }
        }
    }
}

impl<T> JsonLines<T> {
    /// Splits off the next complete line, searching only bytes not searched before.
    fn next_line(&mut self) -> Option<BytesMut> {
        let unsearched = &self.buffer[self.scanned..];
        #[cfg(test)]
        {
            self.searched += unsearched.len();
        }
        match memchr::memchr(b'\n', unsearched) {
            Some(pos) => {
                let end = self.scanned + pos + 1;
                self.scanned = 0;
                Some(self.buffer.split_to(end))
            }
            None => {
                self.scanned = self.buffer.len();
                None
            }
        }
    }
}

impl<T: DeserializeOwned> Stream for JsonLines<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.pending.pop_front() {
                return Poll::Ready(Some(item));
            }
            if let Some(line) = this.next_line() {
                decode_line(this.operation, &line, &mut this.pending);
                continue;
            }
            if this.done {
                if this.buffer.is_empty() {
                    return Poll::Ready(None);
                }
                // The last value may lack its newline.
                let rest = this.buffer.split();
                this.scanned = 0;
                decode_line(this.operation, &rest, &mut this.pending);
                continue;
            }
            if this.buffer.len() > this.max_line {
                this.done = true;
                this.buffer.clear();
                this.scanned = 0;
                return Poll::Ready(Some(Err(Error::Frame {
                    operation: this.operation,
                    message: format!("a JSON line is longer than {} bytes", this.max_line),
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
///
/// The request timeout does not bound this stream, only the wait for the
/// response head that came before it.
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

    fn statuses(got: &[Result<Progress, Error>]) -> Vec<String> {
        got.iter()
            .map(|r| match r {
                Ok(p) => p.status.clone().unwrap_or_default(),
                Err(Error::Stream { message, .. }) => format!("stream error: {message}"),
                Err(Error::Decode { message, .. }) => format!("decode error: {message}"),
                Err(e) => format!("error: {e}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn every_value_of_a_line_comes_out_and_in_band_errors_in_any_are_errors() {
        let parts = vec![
            b"{\"status\":\"a\"} {\"error\":\"pull failed\"}\n".to_vec(),
            b"{\"status\":\"b\"}{\"status\":\"c\"}\r\n".to_vec(),
            b"{\"error\":\"first\"}\t{\"status\":\"d\"}\n".to_vec(),
            // The last line, without its newline, holds two values too.
            b"{\"status\":\"e\"} {\"status\":\"f\"}".to_vec(),
        ];
        let got: Vec<_> = JsonLines::<Progress>::new("image_create", chunks(parts))
            .collect()
            .await;
        assert_eq!(
            statuses(&got),
            [
                "a",
                "stream error: pull failed",
                "b",
                "c",
                "stream error: first",
                "d",
                "e",
                "f"
            ]
        );
        assert!(matches!(
            &got[1],
            Err(Error::Stream {
                operation: "image_create",
                ..
            })
        ));
    }

    #[tokio::test]
    async fn non_json_after_a_value_is_an_error_item_after_the_value() {
        let parts =
            vec![b"{\"status\":\"a\"} xyz\n{\"status\":\"b\"}\n[] {\"status\":\"c\"}\n".to_vec()];
        let got: Vec<_> = JsonLines::<Progress>::new("op", chunks(parts))
            .collect()
            .await;
        let shown = statuses(&got);
        assert_eq!(shown.len(), 5, "{shown:?}");
        assert_eq!(shown[0], "a");
        assert!(
            shown[1].starts_with("decode error: data after a JSON value"),
            "{shown:?}"
        );
        assert_eq!(shown[2], "b");
        // `[]` is a value, but not a `Progress`; the value after it still comes out.
        assert!(shown[3].starts_with("decode error"), "{shown:?}");
        assert_eq!(shown[4], "c");
    }

    #[tokio::test]
    async fn a_line_cut_into_one_byte_reads_is_searched_once() {
        let mut wire = b"{\"status\":\"a\"}\n{\"status\":\"".to_vec();
        wire.extend(std::iter::repeat_n(b'b', 20_000));
        wire.extend_from_slice(b"\"}\n{\"status\":\"c\"}");
        let parts: Vec<Vec<u8>> = wire.iter().map(|b| vec![*b]).collect();
        let mut lines = JsonLines::<Progress>::new("t", chunks(parts));
        let mut got = Vec::new();
        while let Some(item) = lines.next().await {
            got.push(item);
        }
        let shown = statuses(&got);
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert_eq!((shown[0].as_str(), shown[2].as_str()), ("a", "c"));
        assert_eq!(shown[1], "b".repeat(20_000));
        // Searching anew from the line's start at every read would be ~200 MB.
        assert!(
            lines.searched <= wire.len(),
            "{} bytes searched for {} received",
            lines.searched,
            wire.len()
        );
    }

    #[tokio::test]
    async fn a_line_over_the_limit_is_an_error_after_the_good_line_before_it() {
        let limit = 1024 * 1024;
        let mut parts = vec![b"{\"status\":\"a\"}\n".to_vec()];
        // 1 KiB reads that never end the line, more than the limit of them.
        parts.extend(std::iter::repeat_n(vec![b'x'; 1024], limit / 1024 + 16));
        let received: usize = parts.iter().map(Vec::len).sum();
        let mut lines = JsonLines::<Progress>::new("image_create", chunks(parts));
        lines.max_line = limit;
        let first = lines.next().await.unwrap();
        assert_eq!(first.unwrap().status.as_deref(), Some("a"));
        match lines.next().await {
            Some(Err(Error::Frame { operation, message })) => {
                assert_eq!(operation, "image_create");
                assert!(message.contains("longer than 1048576 bytes"), "{message}");
            }
            other => panic!("expected the limit error, got {other:?}"),
        }
        assert!(
            lines.next().await.is_none(),
            "the stream ends after the limit error"
        );
        assert!(
            lines.searched <= received,
            "{} bytes searched for {received} received",
            lines.searched
        );
    }

    #[tokio::test]
    async fn the_real_limit_is_64_mib() {
        // Read in 1 MiB pieces to stay quick in a debug build; the limit test
        // above shows small reads cost no more per byte.
        let parts = std::iter::repeat_n(vec![b'x'; 1 << 20], 65).collect();
        let got: Vec<_> = JsonLines::<Progress>::new("t", chunks(parts))
            .collect()
            .await;
        assert_eq!(got.len(), 1);
        assert!(
            got[0]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("longer than 67108864 bytes"),
            "{got:?}"
        );
    }
}
