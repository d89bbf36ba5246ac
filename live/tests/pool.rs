//! The client's pool of idle connections, against a fake daemon (no daemon
//! needed) that numbers the connections it accepts and logs each request with
//! the number of the connection it came on.

use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use docker_remote_api::prelude::*;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// What the fake daemon saw.
#[derive(Default)]
struct Seen {
    /// Connections accepted so far; the n-th is connection n.
    accepted: AtomicUsize,
    /// `(connection, request line)`, in order of arrival.
    requests: Mutex<Vec<(usize, String)>>,
    /// Connections whose client closed them (the daemon read their end).
    closed: Mutex<Vec<usize>>,
    /// Requests during which the client had already sent more bytes on the
    /// same connection: two requests in flight at once on one connection.
    interleaved: AtomicUsize,
}

/// How the fake daemon behaves.
#[derive(Default, Clone, Copy)]
struct Script {
    /// The second and later requests on a connection are read (their head),
    /// then the connection is closed without an answer.
    drop_reused_requests: bool,
    /// Attach answers `200` with a framed body instead of `101`.
    attach_answers_200: bool,
    /// How long each answer waits (while checking for interleaved requests).
    pause: Duration,
}

/// A way to close an accepted connection from outside its task, at once.
enum Closer {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

impl Closer {
    fn close(&self) {
        let _ = match self {
            Closer::Unix(s) => s.shutdown(Shutdown::Both),
            Closer::Tcp(s) => s.shutdown(Shutdown::Both),
        };
    }
}

struct Fake {
    seen: Arc<Seen>,
    script: Arc<Mutex<Script>>,
    open: Arc<Mutex<Vec<Arc<Closer>>>>,
    accept: tokio::task::JoinHandle<()>,
    socket: Option<std::path::PathBuf>,
    port: u16,
    _dir: Option<tempdir::Dir>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.accept.abort();
        for c in self.open.lock().unwrap().iter() {
            c.close();
        }
    }
}

impl Fake {
    /// A fake daemon on a unix socket.
    fn unix(script: Script) -> Fake {
        let dir = tempdir::Dir::new();
        let path = dir.path.join("fake.sock");
        let seen = Arc::new(Seen::default());
        let script = Arc::new(Mutex::new(script));
        let open = Arc::new(Mutex::new(Vec::new()));
        let accept = Self::accept_unix(&path, &seen, &script, &open);
        Fake {
            seen,
            script,
            open,
            accept,
            socket: Some(path),
            port: 0,
            _dir: Some(dir),
        }
    }

    /// A fake daemon on a TCP port of 127.0.0.1.
    fn tcp(script: Script) -> Fake {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let seen = Arc::new(Seen::default());
        let script = Arc::new(Mutex::new(script));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (s, sc, o) = (seen.clone(), script.clone(), open.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let std = stream.into_std().unwrap();
                let closer = Arc::new(Closer::Tcp(std.try_clone().unwrap()));
                o.lock().unwrap().push(closer.clone());
                let stream = tokio::net::TcpStream::from_std(std).unwrap();
                serve(stream, closer, s.clone(), sc.clone());
            }
        });
        Fake {
            seen,
            script,
            open,
            accept,
            socket: None,
            port,
            _dir: None,
        }
    }

    fn accept_unix(
        path: &std::path::Path,
        seen: &Arc<Seen>,
        script: &Arc<Mutex<Script>>,
        open: &Arc<Mutex<Vec<Arc<Closer>>>>,
    ) -> tokio::task::JoinHandle<()> {
        let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::UnixListener::from_std(listener).unwrap();
        let (s, sc, o) = (seen.clone(), script.clone(), open.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let std = stream.into_std().unwrap();
                let closer = Arc::new(Closer::Unix(std.try_clone().unwrap()));
                o.lock().unwrap().push(closer.clone());
                let stream = tokio::net::UnixStream::from_std(std).unwrap();
                serve(stream, closer, s.clone(), sc.clone());
            }
        })
    }

    /// A client of this daemon.
    fn docker(&self) -> Docker {
        match &self.socket {
            Some(path) => Docker::connect_unix(path),
            None => Docker::connect_tcp("127.0.0.1", self.port),
        }
    }

    /// Like a daemon restart: closes the listener and every connection, then
    /// listens on the same socket path again. Synchronous, so the client has
    /// had no chance to notice before its next call.
    fn restart(&mut self) {
        let path = self.socket.clone().expect("a unix socket");
        self.accept.abort();
        for c in self.open.lock().unwrap().drain(..) {
            c.close();
        }
        std::fs::remove_file(&path).unwrap();
        self.accept = Self::accept_unix(&path, &self.seen, &self.script, &self.open);
    }

    fn accepted(&self) -> usize {
        self.seen.accepted.load(Ordering::SeqCst)
    }

    /// `(connection, start of the request line's path)` of every request.
    fn requests(&self) -> Vec<(usize, String)> {
        self.seen.requests.lock().unwrap().clone()
    }

    /// Waits (up to 5 s) until the client has closed connection `n`.
    async fn wait_closed(&self, n: usize) -> bool {
        for _ in 0..500 {
            if self.seen.closed.lock().unwrap().contains(&n) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }
}

/// One request: its line and the headers that matter here.
struct Request {
    line: String,
    content_length: Option<usize>,
    chunked: bool,
}

/// Closes the connection when its task ends, however it ends.
struct CloseOnDrop(Arc<Closer>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Serves one connection in its own task.
fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    closer: Arc<Closer>,
    seen: Arc<Seen>,
    script: Arc<Mutex<Script>>,
) {
    let number = seen.accepted.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::spawn(async move {
        let _close = CloseOnDrop(closer);
        let mut conn = Conn {
            stream,
            buf: Vec::new(),
        };
        let mut served = 0;
        loop {
            let Some(request) = conn.read_head().await else {
                seen.closed.lock().unwrap().push(number);
                return;
            };
            served += 1;
            let path = request.line.split(' ').nth(1).unwrap_or("").to_string();
            // Strip the version prefix: `/v1.51/containers/x/logs?...` -> `/containers/x/logs?...`.
            let path = match path.strip_prefix("/v") {
                Some(rest) => rest[rest.find('/').unwrap_or(0)..].to_string(),
                None => path,
            };
            let method = request.line.split(' ').next().unwrap_or("").to_string();
            seen.requests
                .lock()
                .unwrap()
                .push((number, format!("{method} {path}")));
            let script = *script.lock().unwrap();
            if script.drop_reused_requests && served > 1 {
                // Read the request's head, then go away without answering.
                return;
            }
            if !conn.read_body(&request).await {
                seen.closed.lock().unwrap().push(number);
                return;
            }
            tokio::time::sleep(script.pause).await;
            if conn.has_more().await {
                seen.interleaved.fetch_add(1, Ordering::SeqCst);
            }
            let answered = if path.starts_with("/_ping") {
                conn.write(b"HTTP/1.1 200 OK\r\nApi-Version: 1.51\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nOK").await
            } else if path.contains("/attach") || path.contains("/start") {
                if path.contains("/attach") && script.attach_answers_200 {
                    let mut answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nContent-Length: 13\r\n\r\n".to_vec();
                    answer.extend_from_slice(&frame(b"hello"));
                    conn.write(&answer).await
                } else {
                    // Hijacked: the connection is the process's from now on.
                    let _ = conn.write(b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n").await;
                    let _ = conn.write(&frame(b"hello")).await;
                    conn.drain().await;
                    seen.closed.lock().unwrap().push(number);
                    return;
                }
            } else if path.contains("/logs") {
                let _ = conn.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n").await;
                let _ = conn.write(&chunk(&frame(b"line 1\n"))).await;
                if path.contains("follow=1") {
                    // A followed log: more comes only when the container writes.
                    conn.drain().await;
                    seen.closed.lock().unwrap().push(number);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                let _ = conn.write(&chunk(&frame(b"line 2\n"))).await;
                tokio::time::sleep(Duration::from_millis(10)).await;
                conn.write(b"0\r\n\r\n").await
            } else {
                conn.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").await
            };
            if !answered {
                seen.closed.lock().unwrap().push(number);
                return;
            }
        }
    });
}

/// One stdout frame of multiplexed output.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = vec![1, 0, 0, 0];
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// One chunk of a chunked body.
fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

struct Conn<S> {
    stream: S,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Reads more bytes into the buffer; false at the end of the input.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// Makes sure the buffer holds `n` bytes.
    async fn want(&mut self, n: usize) -> bool {
        while self.buf.len() < n {
            if !self.fill().await {
                return false;
            }
        }
        true
    }

    async fn read_head(&mut self) -> Option<Request> {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if !self.fill().await {
                return None;
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end);
        let mut lines = head.split("\r\n");
        let line = lines.next().unwrap_or("").to_string();
        let mut request = Request {
            line,
            content_length: None,
            chunked: false,
        };
        for header in lines {
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            if name == "content-length" {
                request.content_length = value.parse().ok();
            } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
                request.chunked = true;
            }
        }
        Some(request)
    }

    /// Reads (and drops) the request's body; false at the end of the input.
    async fn read_body(&mut self, request: &Request) -> bool {
        if let Some(n) = request.content_length {
            if !self.want(n).await {
                return false;
            }
            self.buf.drain(..n);
        } else if request.chunked {
            loop {
                let line_end = loop {
                    if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    if !self.fill().await {
                        return false;
                    }
                };
                let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
                let size = usize::from_str_radix(size_text.trim(), 16).unwrap_or(0);
                let total = line_end + 2 + size + 2;
                if !self.want(total).await {
                    return false;
                }
                self.buf.drain(..total);
                if size == 0 {
                    break;
                }
            }
        }
        true
    }

    /// Whether the client has sent anything beyond the request being answered.
    async fn has_more(&mut self) -> bool {
        if !self.buf.is_empty() {
            return true;
        }
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(1), self.stream.read(&mut byte)).await {
            Ok(Ok(n)) if n > 0 => {
                self.buf.push(byte[0]);
                true
            }
            _ => false,
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).await.is_ok() && self.stream.flush().await.is_ok()
    }

    /// Reads until the client closes its end.
    async fn drain(&mut self) {
        while self.fill().await {
            self.buf.clear();
        }
    }
}

mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Dir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("drapi-pool-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            Dir { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

async fn twenty_pings(fake: &Fake) {
    let docker = fake.docker();
    for _ in 0..20 {
        docker.system_ping().await.unwrap();
    }
    assert_eq!(fake.requests().len(), 20);
}

#[tokio::test]
async fn twenty_sequential_pings_use_one_unix_socket_connection() {
    let fake = Fake::unix(Script::default());
    twenty_pings(&fake).await;
    assert_eq!(fake.accepted(), 1);
}

#[tokio::test]
async fn twenty_sequential_pings_use_one_tcp_connection() {
    let fake = Fake::tcp(Script::default());
    twenty_pings(&fake).await;
    assert_eq!(fake.accepted(), 1);
}

#[tokio::test]
async fn with_pooling_off_every_call_opens_its_own_connection() {
    let fake = Fake::unix(Script::default());
    let docker = fake.docker().with_pool_max_idle(0);
    for _ in 0..5 {
        docker.system_ping().await.unwrap();
    }
    assert_eq!(fake.accepted(), 5);
    // And each is closed once its answer is read.
    for n in 1..=5 {
        assert!(fake.wait_closed(n).await, "connection {n} left open");
    }
}

#[tokio::test]
async fn clones_share_one_pool() {
    let fake = Fake::unix(Script::default());
    let docker = fake.docker();
    docker.system_ping().await.unwrap();
    let clone = docker
        .clone()
        .with_request_timeout(Some(Duration::from_secs(5)));
    clone.system_ping().await.unwrap();
    assert_eq!(fake.accepted(), 1);
}

#[tokio::test]
async fn a_daemon_restart_between_two_calls_is_survived_by_a_retry_on_a_new_connection() {
    let mut fake = Fake::unix(Script::default());
    let docker = fake.docker();
    docker.system_ping().await.unwrap();
    fake.restart();
    // The client still holds connection 1, closed under it: the ping goes
    // out on it, fails, and is sent again on a new connection.
    docker.system_ping().await.unwrap();
    assert_eq!(fake.accepted(), 2);
    assert_eq!(
        fake.requests(),
        vec![(1, "GET /_ping".to_string()), (2, "GET /_ping".to_string())]
    );
    // And that connection is kept in turn.
    docker.system_ping().await.unwrap();
    assert_eq!(fake.accepted(), 2);
}

#[tokio::test]
async fn a_get_the_daemon_read_then_dropped_is_sent_again_on_a_new_connection() {
    let fake = Fake::unix(Script {
        drop_reused_requests: true,
        ..Default::default()
    });
    let docker = fake.docker();
    docker.system_ping().await.unwrap();
    docker.container_inspect("web").await.unwrap();
    assert_eq!(
        fake.requests(),
        vec![
            (1, "GET /_ping".to_string()),
            (1, "GET /containers/web/json".to_string()),
            (2, "GET /containers/web/json".to_string()),
        ]
    );
}

#[tokio::test]
async fn a_post_the_daemon_read_then_dropped_is_not_sent_again() {
    let fake = Fake::unix(Script {
        drop_reused_requests: true,
        ..Default::default()
    });
    let docker = fake.docker();
    docker.system_ping().await.unwrap();
    // A build context streamed from the caller: it cannot be replayed.
    let context = futures_util::stream::iter(
        (0..4).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![0u8; 512]))),
    );
    let err = docker
        .image_build(RequestBody::from_stream(context))
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(fake.accepted(), 1, "no second connection was opened");
    // A POST with a JSON body in memory: replayable, but not idempotent.
    docker.system_ping().await.unwrap();
    let err = docker
        .container_create(&ContainerCreateBody::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(fake.accepted(), 2);
    assert_eq!(
        fake.requests(),
        vec![
            (1, "GET /_ping".to_string()),
            (1, "POST /build".to_string()),
            (2, "GET /_ping".to_string()),
            (2, "POST /containers/create".to_string()),
        ]
    );
}

#[tokio::test]
async fn hijacked_connections_never_go_back_to_the_pool() {
    let fake = Fake::unix(Script::default());
    let docker = fake.docker();
    let mut attached = docker.container_attach("web").stream(true).await.unwrap();
    assert!(attached.input.is_some(), "upgraded");
    let first = attached.output.next().await.unwrap().unwrap();
    assert_eq!(first, OutputChunk::Stdout("hello".into()));
    docker.system_ping().await.unwrap();
    // Exec start takes the idle connection the ping left, and keeps it.
    let exec = docker
        .exec_start("e1", &ExecStartBody::default())
        .await
        .unwrap();
    docker.system_ping().await.unwrap();
    assert_eq!(
        fake.requests(),
        vec![
            (1, "POST /containers/web/attach?stream=1".to_string()),
            (2, "GET /_ping".to_string()),
            (2, "POST /exec/e1/start".to_string()),
            (3, "GET /_ping".to_string()),
        ]
    );
    drop((attached, exec));
    assert!(fake.wait_closed(1).await && fake.wait_closed(2).await);
}

#[tokio::test]
async fn an_attach_answered_200_is_not_reused_even_when_its_body_ends() {
    let fake = Fake::unix(Script {
        attach_answers_200: true,
        ..Default::default()
    });
    let docker = fake.docker();
    let mut attached = docker.container_attach("web").stream(true).await.unwrap();
    assert!(attached.input.is_none(), "not upgraded");
    let chunks: Vec<_> = (&mut attached.output).collect().await;
    assert_eq!(chunks.len(), 1, "{chunks:?}");
    docker.system_ping().await.unwrap();
    assert_eq!(fake.accepted(), 2);
    assert!(fake.wait_closed(1).await);
}

#[tokio::test]
async fn a_stream_read_to_its_end_gives_its_connection_back() {
    let fake = Fake::unix(Script::default());
    let docker = fake.docker();
    let logs = docker.container_logs("web").stdout(true).await.unwrap();
    let chunks: Vec<_> = logs.collect().await;
    assert_eq!(chunks.len(), 2, "{chunks:?}");
    docker.system_ping().await.unwrap();
    assert_eq!(fake.accepted(), 1);
    assert_eq!(fake.requests()[1], (1, "GET /_ping".to_string()));
}

#[tokio::test]
async fn a_stream_dropped_half_read_closes_its_connection() {
    let fake = Fake::unix(Script::default());
    let docker = fake.docker();
    docker.system_ping().await.unwrap();
    let mut logs = docker
        .container_logs("web")
        .stdout(true)
        .follow(true)
        .await
        .unwrap();
    let first = logs.next().await.unwrap().unwrap();
    assert_eq!(first, OutputChunk::Stdout("line 1\n".into()));
    // While the stream is open its connection is not idle: another call
    // opens a second one.
    docker.system_ping().await.unwrap();
    drop(logs);
    assert!(
        fake.wait_closed(1).await,
        "the dropped stream's connection was closed"
    );
    docker.system_ping().await.unwrap();
    assert_eq!(
        fake.requests(),
        vec![
            (1, "GET /_ping".to_string()),
            (1, "GET /containers/web/logs?follow=1&stdout=1".to_string()),
            (2, "GET /_ping".to_string()),
            (2, "GET /_ping".to_string()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_concurrent_callers_never_share_a_connection() {
    let fake = Fake::unix(Script {
        pause: Duration::from_millis(5),
        ..Default::default()
    });
    let docker = fake.docker();
    for _round in 0..4 {
        let calls = (0..16).map(|i| {
            let docker = docker.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    docker.system_ping().await.map(|_| ())
                } else {
                    docker.container_inspect("web").await.map(|_| ())
                }
            })
        });
        for result in futures_util::future::join_all(calls).await {
            result.unwrap().unwrap();
        }
    }
    assert_eq!(fake.requests().len(), 64);
    assert_eq!(fake.seen.interleaved.load(Ordering::SeqCst), 0);
    assert!(fake.accepted() <= 16, "{} connections", fake.accepted());
    // No connection carried two requests at once: each request on a
    // connection came after the one before it was answered, which the fake
    // daemon checked; and the connections were reused across rounds.
    assert!(fake.accepted() < 64);
}

/// The check the test above relies on: two requests written at once on one
/// connection (pipelined, as a client sharing it would) are noticed.
#[tokio::test]
async fn the_fake_daemon_notices_two_requests_in_flight_on_one_connection() {
    let fake = Fake::unix(Script {
        pause: Duration::from_millis(5),
        ..Default::default()
    });
    let mut stream = tokio::net::UnixStream::connect(fake.socket.as_ref().unwrap())
        .await
        .unwrap();
    let ping = b"GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n";
    stream
        .write_all(&[&ping[..], &ping[..]].concat())
        .await
        .unwrap();
    let mut answers = Vec::new();
    let mut buf = [0u8; 1024];
    // Both answers, each ending with its body `OK`.
    while answers.windows(6).filter(|w| w == b"\r\n\r\nOK").count() < 2 {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0);
        answers.extend_from_slice(&buf[..n]);
    }
    assert_eq!(fake.seen.interleaved.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_idle_connection_is_closed_when_the_idle_timeout_passes() {
    let fake = Fake::unix(Script::default());
    let docker = fake
        .docker()
        .with_pool_idle_timeout(Some(Duration::from_millis(100)));
    docker.system_ping().await.unwrap();
    docker.system_ping().await.unwrap();
    assert_eq!(fake.accepted(), 1);
    // Closed by the client when the timeout passes, with no call to notice.
    assert!(fake.wait_closed(1).await);
    docker.system_ping().await.unwrap();
    assert_eq!(fake.accepted(), 2);
}

/// Two current-thread runtimes share one client: each reuses only the
/// connection its own task drives. Handed the other runtime's connection
/// while that runtime is not running, a call would wait for its timeout.
#[test]
fn a_connection_is_reused_only_on_the_runtime_that_drives_it() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = server.block_on(async { Fake::unix(Script::default()) });
    let docker = fake
        .docker()
        .with_request_timeout(Some(Duration::from_secs(2)));
    let (a, b) = (runtime(), runtime());
    a.block_on(docker.system_ping().send()).unwrap();
    a.block_on(docker.system_ping().send()).unwrap();
    assert_eq!(fake.accepted(), 1);
    // `a` is idle now: its connection must not serve `b`.
    b.block_on(docker.system_ping().send()).unwrap();
    b.block_on(docker.system_ping().send()).unwrap();
    assert_eq!(fake.accepted(), 2);
    a.block_on(docker.system_ping().send()).unwrap();
    assert_eq!(fake.accepted(), 2);
    // When `a` shuts down, its connection closes; `b` goes on with its own.
    drop(a);
    assert!(server.block_on(fake.wait_closed(1)));
    b.block_on(docker.system_ping().send()).unwrap();
    assert_eq!(fake.accepted(), 2);
    assert_eq!(
        fake.requests()
            .iter()
            .map(|(conn, _)| *conn)
            .collect::<Vec<_>>(),
        vec![1, 1, 2, 2, 1, 2]
    );
}

/// The task that closes idle connections runs on the runtime of the call
/// that left one idle; when that runtime shuts down, the next runtime's
/// idle connections are still closed on time.
#[test]
fn the_idle_timeout_still_applies_after_a_runtime_shut_down() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = server.block_on(async { Fake::unix(Script::default()) });
    let docker = fake
        .docker()
        .with_pool_idle_timeout(Some(Duration::from_millis(100)));
    let a = runtime();
    a.block_on(docker.system_ping().send()).unwrap();
    drop(a);
    assert!(server.block_on(fake.wait_closed(1)));
    let b = runtime();
    b.block_on(async {
        docker.system_ping().await.unwrap();
        assert_eq!(fake.accepted(), 2);
        // Closed when its timeout passes, while `b` runs.
        assert!(fake.wait_closed(2).await);
    });
}
