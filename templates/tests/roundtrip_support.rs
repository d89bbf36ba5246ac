//! The harness of the round-trip tests: a server on a private unix socket,
//! the client pointed at it, and a script saying which documented status the
//! server answers next and recording every input that was not what the
//! client sent.

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::api::server::BodyStream;
use crate::Client;
use bytes::Bytes;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

/// What the server answers, and what it saw that it did not expect.
#[derive(Debug, Default)]
pub struct Script {
    status: AtomicU16,
    mismatches: Mutex<Vec<String>>,
}

impl Script {
    /// The status the server answers with next.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// The scripted status.
    pub fn status(&self) -> u16 {
        self.status.load(Ordering::SeqCst)
    }

    /// Records a mismatch when the server received something other than what the client sent.
    pub fn check<T: PartialEq + Debug>(&self, what: &str, received: &T, sent: &T) {
        if received != sent {
            self.mismatches
                .lock()
                .unwrap()
                .push(format!("{what}: received {received:?}, sent {sent:?}"));
        }
    }

    /// Fails the test if the server saw anything unexpected.
    pub fn assert_clean(&self, operation: &str, status: u16) {
        let seen = std::mem::take(&mut *self.mismatches.lock().unwrap());
        assert!(
            seen.is_empty(),
            "{operation} answering {status}: the server's inputs differ:\n{}",
            seen.join("\n")
        );
    }
}

/// A socket path no other test uses.
pub fn socket_path() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("drapi-roundtrip-{}-{n}.sock", std::process::id()))
}

/// Serves `router` on a fresh unix socket and returns a client for it.
pub async fn serve(router: axum::Router) -> (Client, ServerGuard) {
    let path = socket_path();
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (Client::connect_unix(&path), ServerGuard { path, task })
}

/// Stops the server and removes its socket when the test ends.
pub struct ServerGuard {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A value of `T` from its JSON sample.
pub fn sample<T: DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("sample {json} does not decode: {e}"))
}

/// Every byte of a streamed request body.
pub async fn collect_request(mut body: BodyStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.expect("the request body streams"));
    }
    out
}

/// A streamed response body, one chunk.
pub fn response_bytes(bytes: &'static [u8]) -> BodyStream {
    Box::pin(futures_util::stream::iter([Ok(Bytes::from_static(bytes))]))
}

/// Every byte of a streamed response, as the client received it.
pub async fn collect_response(mut body: crate::api::ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.expect("the response streams"));
    }
    out
}

/// stdout and stderr of multiplexed output, each in one piece.
pub async fn split_output(mut output: crate::api::OutputStream) -> (Vec<u8>, Vec<u8>) {
    use crate::api::OutputChunk;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    while let Some(chunk) = output.next().await {
        match chunk.expect("the output streams") {
            OutputChunk::Stdout(b) | OutputChunk::Stdin(b) | OutputChunk::Console(b) => {
                stdout.extend_from_slice(&b)
            }
            OutputChunk::Stderr(b) => stderr.extend_from_slice(&b),
        }
    }
    (stdout, stderr)
}

/// The status and message of an API error, failing on any other error.
pub fn api_error(error: crate::api::Error) -> (u16, String) {
    match error {
        crate::api::Error::Api {
            status, message, ..
        } => (status, message),
        other => panic!("expected an API error, got {other}"),
    }
}

/// Keeps the scripted server state alive for the whole test.
pub type Shared = Arc<Script>;
