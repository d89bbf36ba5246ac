//! What the client puts on the wire and how it reads odd answers, against a
//! scripted server on a unix socket (no daemon needed).

use std::time::Duration;

use docker_remote_api::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

/// Reads a request head, byte by byte so nothing after it is consumed.
async fn read_head(stream: &mut tokio::net::UnixStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    head
}

/// Serves one connection: records the request head, answers `reply`.
async fn serve_once(
    reply: &'static [u8],
) -> (Docker, tokio::task::JoinHandle<String>, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let path = dir.path.join("fake.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let head = read_head(&mut stream).await;
        if !reply.is_empty() {
            stream.write_all(reply).await.unwrap();
            stream.shutdown().await.unwrap();
        } else {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        String::from_utf8(head).unwrap()
    });
    (Docker::connect_unix(path), task, dir)
}

mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Dir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("drapi-wire-{}-{n}", std::process::id()));
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

#[tokio::test]
async fn every_request_carries_the_version_prefix() {
    let (docker, server, _dir) = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]",
    )
    .await;
    let listed = docker
        .container_list()
        .all(true)
        .filters(ContainerListFilters {
            status: Some(vec!["running".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(listed.is_empty());
    let head = server.await.unwrap();
    let request_line = head.lines().next().unwrap();
    assert_eq!(
        request_line,
        format!(
            "GET /v{}/containers/json?all=1&filters=%7B%22status%22%3A%5B%22running%22%5D%7D HTTP/1.1",
            docker_remote_api::API_VERSION
        )
    );
}

#[tokio::test]
async fn the_registry_auth_header_is_url_safe_base64_json() {
    let (docker, server, _dir) = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    let auth = AuthConfig {
        username: Some("u?>".into()),
        password: Some("p~~~".into()),
        ..Default::default()
    };
    let _ = docker.image_push("127.0.0.1:5000/app", &auth).await;
    let head = server.await.unwrap();
    assert!(
        head.starts_with(&format!(
            "POST /v{}/images/127.0.0.1:5000/app/push HTTP/1.1",
            docker_remote_api::API_VERSION
        )),
        "{head}"
    );
    let value = head
        .lines()
        .find_map(|l| l.strip_prefix("x-registry-auth: "))
        .expect("header sent");
    assert!(!value.contains('+') && !value.contains('/'), "{value}");
}

#[test]
fn auth_config_debug_never_shows_secrets() {
    let auth = AuthConfig {
        username: Some("me".into()),
        password: Some("hunter2".into()),
        identitytoken: Some("tok-123".into()),
        ..Default::default()
    };
    let shown = format!("{auth:?}");
    assert!(
        shown.contains("me") && !shown.contains("hunter2") && !shown.contains("tok-123"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_plain_text_error_body_becomes_the_message() {
    let (docker, _server, _dir) = serve_once(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\nNo such container: abc").await;
    let err = docker.container_inspect("abc").await.unwrap_err();
    match &err {
        Error::Api {
            operation,
            status,
            message,
            documented,
        } => {
            assert_eq!(
                (*operation, *status, message.as_str()),
                ("container_inspect", 404, "No such container: abc")
            );
            assert_eq!(*documented, Some("no such container"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_answer_names_the_operation_and_json_path() {
    let (docker, _server, _dir) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n{\"StatusCode\":\"x\"} ").await;
    let err = docker.container_wait("abc").await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("container_wait") && text.contains("StatusCode"),
        "{text}"
    );
}

#[tokio::test]
async fn the_request_timeout_fires_when_the_daemon_is_silent() {
    let (docker, _server, _dir) = serve_once(b"").await;
    let docker = docker.with_request_timeout(Some(Duration::from_millis(200)));
    let err = docker.container_wait("abc").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: "request",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn docker_host_forms_are_understood() {
    std::env::set_var("DOCKER_HOST", "tcp://127.0.0.1:1");
    let docker = Docker::from_env().unwrap();
    assert_eq!(format!("{:?}", docker.endpoint()), "tcp://127.0.0.1:1");
    let err = docker.system_ping().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { .. }),
        "nothing listens on port 1: {err}"
    );
    std::env::set_var("DOCKER_HOST", "gopher://nope");
    assert!(Docker::from_env()
        .unwrap_err()
        .to_string()
        .contains("not a daemon address"));
    std::env::remove_var("DOCKER_HOST");
}

/// Serves one connection per entry of `script`: reads the request head, then
/// writes each `(pause, bytes)` piece after its pause and closes. Returns the
/// request heads in order.
async fn serve_script(
    script: Vec<Vec<(Duration, &'static [u8])>>,
) -> (Docker, tokio::task::JoinHandle<Vec<String>>, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let path = dir.path.join("fake.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let task = tokio::spawn(async move {
        let mut heads = Vec::new();
        for pieces in script {
            let (mut stream, _) = listener.accept().await.unwrap();
            let head = read_head(&mut stream).await;
            for (pause, bytes) in pieces {
                tokio::time::sleep(pause).await;
                stream.write_all(bytes).await.unwrap();
            }
            stream.shutdown().await.unwrap();
            heads.push(String::from_utf8(head).unwrap());
        }
        heads
    });
    (Docker::connect_unix(path), task, dir)
}

#[tokio::test]
async fn negotiation_adopts_an_older_daemons_version_on_the_wire() {
    let (docker, server, _dir) = serve_script(vec![
        vec![(Duration::ZERO, &b"HTTP/1.1 200 OK\r\nAPI-Version: 1.22\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK"[..])],
        vec![(Duration::ZERO, &b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n[]"[..])],
    ])
    .await;
    assert_eq!(docker.negotiate_version().await.unwrap(), "1.22");
    docker.container_list().await.unwrap();
    let heads = server.await.unwrap();
    assert!(heads[0].starts_with("GET /_ping HTTP/1.1"), "{}", heads[0]);
    assert!(
        heads[1].starts_with("GET /v1.22/containers/json"),
        "{}",
        heads[1]
    );
}

#[tokio::test]
async fn a_daemon_below_the_minimum_version_is_a_clear_error() {
    let (docker, _server, _dir) = serve_script(vec![vec![(
        Duration::ZERO,
        &b"HTTP/1.1 200 OK\r\nAPI-Version: 1.11\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK"[..],
    )]])
    .await;
    let err = docker.negotiate_version().await.unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedVersion { daemon, .. } if daemon == "1.11"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("1.11") && text.contains(docker_remote_api::MIN_API_VERSION),
        "{text}"
    );
}

#[tokio::test]
async fn a_stream_body_outlives_the_request_timeout() {
    // The head arrives at once; the body takes 3 × 150 ms, longer than the
    // 200 ms request timeout, which bounds waiting for the head only.
    let pause = Duration::from_millis(150);
    let (docker, _server, _dir) = serve_script(vec![vec![
        (
            Duration::ZERO,
            &b"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
        ),
        (pause, b"3\r\none\r\n"),
        (pause, b"3\r\ntwo\r\n"),
        (pause, b"5\r\nthree\r\n0\r\n\r\n"),
    ]])
    .await;
    let docker = docker.with_request_timeout(Some(Duration::from_millis(200)));
    let started = std::time::Instant::now();
    let mut stream = docker.container_export("abc").await.unwrap();
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(body, b"onetwothree");
    assert!(started.elapsed() >= Duration::from_millis(400));
}

/// Serves one connection: reads the request head, then writes each
/// `(pause, bytes)` piece after its pause and closes. Unlike `serve_script`,
/// a client that hangs up early (as on a timeout or a limit) is no failure.
async fn serve_pieces(pieces: Vec<(Duration, Vec<u8>)>) -> (Docker, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let path = dir.path.join("fake.sock");
    let listener = UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_head(&mut stream).await;
        for (pause, bytes) in pieces {
            tokio::time::sleep(pause).await;
            if stream.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = stream.shutdown().await;
    });
    (Docker::connect_unix(path), dir)
}

/// One HTTP/1.1 chunk of `data`.
fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

#[tokio::test]
async fn data_after_the_json_value_of_a_whole_body_is_an_error() {
    let (docker, _server, _dir) = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 6\r\n\r\n[] xyz",
    )
    .await;
    let err = docker.container_list().await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(
        text.contains("container_list") && text.contains("after the JSON value"),
        "{text}"
    );
}

#[tokio::test]
async fn a_pull_error_sharing_a_line_with_a_status_is_not_lost() {
    let body = "{\"status\":\"a\"} {\"error\":\"pull failed\"}\n{\"status\":\"b\"}\n";
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (docker, _dir) = serve_pieces(vec![(Duration::ZERO, reply.into_bytes())]).await;
    let items: Vec<_> = docker
        .image_create()
        .from_image("127.0.0.1:5000/app")
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().status.as_deref(), Some("a"));
    assert!(
        matches!(&items[1], Err(Error::Stream { operation: "image_create", message, .. }) if message == "pull failed"),
        "{items:?}"
    );
    assert_eq!(items[2].as_ref().unwrap().status.as_deref(), Some("b"));
}

#[tokio::test]
async fn a_body_over_the_body_limit_fails_naming_the_operation_and_the_limit() {
    // Chunked, so the length is only known by reading: 4 KiB against a 2 KiB limit.
    let mut body =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    body.extend(chunk(b"["));
    for _ in 0..4 {
        body.extend(chunk(&[b' '; 1024]));
    }
    body.extend(chunk(b"]"));
    body.extend_from_slice(b"0\r\n\r\n");
    let (docker, _dir) = serve_pieces(vec![(Duration::ZERO, body)]).await;
    let docker = docker.with_body_limit(2048);
    let err = docker.container_list().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                operation: "container_list",
                limit: 2048,
                declared: None
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("container_list") && text.contains("2048 bytes"),
        "{text}"
    );
}

#[tokio::test]
async fn a_declared_300_mib_body_fails_the_default_limit_before_it_is_read() {
    // The head promises 300 MiB and the body never comes: the client must not wait for it.
    let (docker, _dir) = serve_pieces(vec![
        (
            Duration::ZERO,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 314572800\r\n\r\n["
                .to_vec(),
        ),
        (Duration::from_secs(30), Vec::new()),
    ])
    .await;
    let started = std::time::Instant::now();
    let err = docker.container_list().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    match &err {
        Error::BodyTooLarge {
            operation,
            limit,
            declared,
        } => assert_eq!(
            (*operation, *limit, *declared),
            (
                "container_list",
                Docker::DEFAULT_BODY_LIMIT,
                Some(314572800)
            )
        ),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("67108864 bytes"), "{err}");
}

/// A 64 KiB HTML error page, as a proxy in front of the daemon might send.
fn error_page() -> Vec<u8> {
    let mut page = b"<html><body><h1>502 Bad Gateway</h1>".to_vec();
    page.resize(64 * 1024 - 14, b'.');
    page.extend_from_slice(b"</body></html>");
    page
}

#[tokio::test]
async fn a_long_error_page_is_cut_to_its_first_4_kib_saying_how_much_more() {
    let page = error_page();
    let mut reply = format!(
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
        page.len()
    )
    .into_bytes();
    reply.extend_from_slice(&page);
    let (docker, _dir) = serve_pieces(vec![(Duration::ZERO, reply)]).await;
    let err = docker.container_inspect("abc").await.unwrap_err();
    let Error::Api {
        operation,
        status,
        message,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*operation, *status), ("container_inspect", 502));
    let more = format!("… ({} bytes more)", page.len() - 4096);
    assert!(message.ends_with(&more), "{}", &message[4000..]);
    assert_eq!(message.len(), 4096 + more.len());
    assert!(page.starts_with(&message.as_bytes()[..4096]));
}

#[tokio::test]
async fn a_long_chunked_error_body_is_counted_not_kept() {
    // No length declared: the client reads to the end, keeping only the start.
    let page = error_page();
    let mut reply = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        reply.extend(chunk(&page));
    }
    reply.extend_from_slice(b"0\r\n\r\n");
    let (docker, _dir) = serve_pieces(vec![(Duration::ZERO, reply)]).await;
    let err = docker.container_inspect("abc").await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    let text = err.to_string();
    assert!(
        text.ends_with(&format!("… ({} bytes more)", 4 * page.len() - 4096)),
        "{}",
        &text[text.len() - 100..]
    );
    // And past the body limit it stops counting.
    let mut reply =
        b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        reply.extend(chunk(&page));
    }
    reply.extend_from_slice(b"0\r\n\r\n");
    let (docker, _dir) = serve_pieces(vec![(Duration::ZERO, reply)]).await;
    let err = docker
        .with_body_limit(100 * 1024)
        .container_inspect("abc")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("… (more than ") && text.ends_with(" bytes more)"),
        "{}",
        &text[text.len() - 100..]
    );
}

/// A head sent after `head_after`, announcing 20 bytes of JSON, then a byte every 100 ms.
fn trickled_answer(head_after: Duration) -> Vec<(Duration, Vec<u8>)> {
    let mut pieces = vec![(
        head_after,
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n".to_vec(),
    )];
    for byte in br#"{"Id":"abcdefghijk"}"# {
        pieces.push((Duration::from_millis(100), vec![*byte]));
    }
    pieces
}

#[tokio::test]
async fn the_request_timeout_bounds_a_body_trickled_after_a_prompt_head() {
    let (docker, _dir) = serve_pieces(trickled_answer(Duration::ZERO)).await;
    let docker = docker.with_request_timeout(Some(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    let err = docker.container_inspect("abc").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "container_inspect",
                phase: "request"
            }
        ),
        "{err:?}"
    );
    // The body alone would take 2 s.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_request_timeout_bounds_head_and_body_together() {
    // The head comes just inside the 600 ms timeout, the body trickles on: one
    // deadline fails the call at ~600 ms; a fresh one for the body would at ~1150 ms.
    let (docker, _dir) = serve_pieces(trickled_answer(Duration::from_millis(550))).await;
    let docker = docker.with_request_timeout(Some(Duration::from_millis(600)));
    let started = std::time::Instant::now();
    let err = docker.container_inspect("abc").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "container_inspect",
                phase: "request"
            }
        ),
        "{err:?}"
    );
    assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");
}
