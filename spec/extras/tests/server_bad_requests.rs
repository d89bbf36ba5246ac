//! Malformed requests against the generated router, sent as raw HTTP so
//! nothing on the client side can tidy them up: each gets the documented
//! status and a Docker-style `{"message"}`, and the server keeps serving.
//! Also the limits of a server strangers can reach: path length, stalled
//! heads and bodies, requests in progress.

#![cfg(feature = "server")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use docker_remote_api::server::{ContainersApi, ImagesApi, ServerBuilder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Implements nothing: every operation keeps its `501` default, so a `400`
/// can only come from decoding the request.
struct Defaults;
impl ContainersApi for Defaults {}
impl ImagesApi for Defaults {}

struct Server {
    path: std::path::PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

fn socket_path(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("drapi-bad-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// The router served by `axum::serve`, as a user bringing their own server would.
async fn start(name: &str, builder: ServerBuilder) -> Server {
    let path = socket_path(name);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let router = builder.into_router();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Server { path, task }
}

/// The stubs served by `ServerBuilder::serve`, with the connection-level protections.
async fn start_served(name: &str, builder: ServerBuilder) -> Server {
    let path = socket_path(name);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let task = tokio::spawn(builder.serve(listener));
    Server { path, task }
}

struct Answer {
    status: u16,
    head: String,
    message: String,
    /// The whole answer as text.
    raw: String,
}

/// No test waits longer than this for an answer: a hang fails, it does not stall the suite.
const PATIENCE: Duration = Duration::from_secs(10);

/// Sends `request` exactly as given and reads until the server closes.
async fn send_raw(server: &Server, request: &[u8]) -> Answer {
    let mut stream = tokio::net::UnixStream::connect(&server.path).await.unwrap();
    // The server may answer and close before it reads everything; what arrives is enough.
    let _ = stream.write_all(request).await;
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        let _ = stream.read_to_end(&mut raw).await;
    })
    .await
    .unwrap_or_else(|_| panic!("no answer within {PATIENCE:?}"));
    parse(&raw)
}

fn parse(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in {head:?}"));
    let json = rest
        .find('{')
        .map(|start| &rest[start..rest.rfind('}').map_or(rest.len(), |end| end + 1)])
        .unwrap_or("");
    let message = serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_default();
    Answer {
        status,
        head: head.to_ascii_lowercase(),
        message,
        raw: text,
    }
}

/// Reads one answer with a `Content-Length` from a connection that stays open.
async fn read_one_answer(stream: &mut tokio::net::UnixStream) -> Vec<u8> {
    let mut raw = Vec::new();
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("no content-length in {head}"));
            if raw.len() >= end + 4 + length {
                return raw;
            }
        }
        let mut buf = [0u8; 4096];
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf))
            .await
            .expect("an answer in time")
            .unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&raw));
        raw.extend_from_slice(&buf[..n]);
    }
}

/// A Docker-style error: JSON content type, a non-empty message, `Api-Version`.
fn assert_docker_error(answer: &Answer, status: u16, what: &str) {
    assert_eq!(answer.status, status, "{what}: {}", answer.raw);
    assert!(
        answer.head.contains("content-type: application/json"),
        "{what}: {}",
        answer.raw
    );
    assert!(!answer.message.is_empty(), "{what}: {}", answer.raw);
    assert!(
        answer.head.contains("api-version: "),
        "{what}: {}",
        answer.raw
    );
}

/// Sends `head` (request line and headers, without the blank line) and `body`.
async fn send(server: &Server, head: &str, body: &[u8]) -> Answer {
    let mut request = format!(
        "{head}\r\nHost: docker\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    send_raw(server, &request).await
}

fn defaults() -> ServerBuilder {
    let api = Arc::new(Defaults);
    ServerBuilder::new().containers(api.clone()).images(api)
}

#[tokio::test]
async fn invalid_json_body_is_400_naming_where() {
    let server = start("json", defaults()).await;
    let answer = send(
        &server,
        "POST /v1.24/containers/create HTTP/1.1\r\nContent-Type: application/json",
        br#"{"Image": "busybox", "Tty": "yes"}"#,
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(answer.message.contains("Tty"), "{}", answer.message);
    let answer = send(
        &server,
        "POST /v1.24/containers/create HTTP/1.1\r\nContent-Type: application/json",
        b"{\"Image\": ",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.message.contains("invalid JSON body"),
        "{}",
        answer.message
    );
}

#[tokio::test]
async fn wrong_query_types_are_400_naming_the_parameter() {
    let server = start("query", defaults()).await;
    let answer = send(
        &server,
        "GET /v1.24/containers/json?limit=many HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(answer.message.contains("`limit`"), "{}", answer.message);
    let answer = send(
        &server,
        "GET /v1.24/containers/json?all=perhaps HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(answer.message.contains("`all`"), "{}", answer.message);
    let answer = send(
        &server,
        "GET /v1.24/containers/json?filters=%7Bnot-json HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(answer.message.contains("`filters`"), "{}", answer.message);
    let answer = send(&server, "GET /v1.24/containers/abc/archive HTTP/1.1", b"").await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.message.contains("`path` is required"),
        "{}",
        answer.message
    );
}

#[tokio::test]
async fn a_bad_auth_header_is_400_naming_the_header() {
    let server = start("header", defaults()).await;
    let answer = send(
        &server,
        "POST /v1.24/images/create?fromImage=busybox HTTP/1.1\r\nX-Registry-Auth: !!not base64!!",
        b"",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.message.contains("X-Registry-Auth"),
        "{}",
        answer.message
    );
}

#[tokio::test]
async fn unknown_routes_are_404_page_not_found() {
    let server = start("route", defaults()).await;
    for head in [
        "GET /v1.24/nothing/here HTTP/1.1",
        "PATCH /v1.24/containers/json HTTP/1.1",
        "DELETE /v1.24/nothing HTTP/1.1",
    ] {
        let answer = send(&server, head, b"").await;
        assert_eq!(
            (answer.status, answer.message.as_str()),
            (404, "page not found"),
            "{head}"
        );
    }
}

#[tokio::test]
async fn versions_outside_the_range_are_400() {
    let server = start("version", defaults()).await;
    let too_new = send(&server, "GET /v1.99/containers/json HTTP/1.1", b"").await;
    assert_eq!(too_new.status, 400);
    assert!(too_new.message.contains("too new"), "{}", too_new.message);
    let too_old = send(&server, "GET /v1.5/containers/json HTTP/1.1", b"").await;
    assert_eq!(too_old.status, 400);
    assert!(too_old.message.contains("too old"), "{}", too_old.message);
    // A version without a minor part compares as the daemon compares it:
    // `/v1/` is older than any API version, `/v2/` newer.
    for (path, word) in [("/v1/_ping", "too old"), ("/v2/_ping", "too new")] {
        let answer = send(&server, &format!("GET {path} HTTP/1.1"), b"").await;
        assert_eq!(answer.status, 400, "{path}");
        assert!(answer.message.contains(word), "{path}: {}", answer.message);
    }
}

#[tokio::test]
async fn oversized_json_bodies_are_413() {
    let server = start("size", defaults().json_body_limit(1024)).await;
    let body = format!("{{\"Image\": \"{}\"}}", "x".repeat(4096));
    let answer = send(
        &server,
        "POST /v1.24/containers/create HTTP/1.1\r\nContent-Type: application/json",
        body.as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 413);
    assert!(answer.message.contains("1024"), "{}", answer.message);
}

#[tokio::test]
async fn unimplemented_operations_are_501_with_and_without_prefix_and_carry_api_version() {
    let server = start("default", defaults()).await;
    let oldest = format!(
        "GET /v{}/containers/json HTTP/1.1",
        docker_remote_api::MIN_API_VERSION
    );
    for head in [
        "GET /v1.24/containers/json HTTP/1.1",
        "GET /containers/json HTTP/1.1",
        oldest.as_str(),
        "GET /_ping HTTP/1.1",
    ] {
        let answer = send(&server, head, b"").await;
        assert_eq!(answer.status, 501, "{head}");
        assert!(
            answer.message.contains("not implemented"),
            "{head}: {}",
            answer.message
        );
        assert!(
            answer
                .head
                .contains(&format!("api-version: {}", docker_remote_api::API_VERSION)),
            "{head}: {}",
            answer.head
        );
    }
}

#[tokio::test]
async fn the_server_survives_a_burst_of_bad_requests() {
    let server = start("burst", defaults()).await;
    for _ in 0..20 {
        send(
            &server,
            "POST /v1.24/containers/create HTTP/1.1",
            b"\xff\xfe not even utf-8",
        )
        .await;
        send(
            &server,
            "GET /v1.24/containers/%ff%fe/json?all=1 HTTP/1.1",
            b"",
        )
        .await;
    }
    let answer = send(&server, "GET /v1.24/containers/json HTTP/1.1", b"").await;
    assert_eq!(answer.status, 501);
}

/// Answers `/_ping` with the API version the request asked for.
struct EchoVersion;
impl docker_remote_api::server::SystemApi for EchoVersion {
    async fn system_ping(
        &self,
    ) -> Result<
        docker_remote_api::server::system::SystemPingReply,
        docker_remote_api::server::ServerError,
    > {
        let version = docker_remote_api::server::requested_api_version().unwrap_or_default();
        Ok(docker_remote_api::server::system::SystemPingReply::Ok(
            version,
        ))
    }
}

#[tokio::test]
async fn every_version_of_the_range_is_served_and_handed_to_the_implementation() {
    let server = start(
        "versions",
        ServerBuilder::new().system(Arc::new(EchoVersion)),
    )
    .await;
    let oldest = docker_remote_api::MIN_API_VERSION;
    let newest = docker_remote_api::API_VERSION;
    for (path, expected) in [
        (format!("/v{oldest}/_ping"), oldest),
        (format!("/v{newest}/_ping"), newest),
        ("/_ping".to_string(), newest),
    ] {
        let mut stream = tokio::net::UnixStream::connect(&server.path).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        let text = String::from_utf8_lossy(&raw);
        assert!(text.starts_with("HTTP/1.1 200"), "{path}: {text}");
        assert!(
            text.ends_with(expected),
            "{path}: the implementation saw another version: {text}"
        );
    }
    // Outside a request there is no version to hand out.
    assert_eq!(docker_remote_api::server::requested_api_version(), None);
}

#[tokio::test]
async fn long_paths_are_414_at_once_and_matching_stays_linear() {
    let server = start("long-path", defaults()).await;
    let long = format!("/v1.24/containers/{}/nomatch", "a".repeat(60_000));
    let answer = send(&server, &format!("GET {long} HTTP/1.1"), b"").await;
    assert_docker_error(&answer, 414, "60,000-byte path");
    assert!(answer.message.contains("8192"), "{}", answer.message);

    // With the limit lifted, the same path is routed (to no route) in one pass;
    // a name spanning thousands of slashes still reaches its parameter.
    let lifted = start("long-path-lifted", defaults().max_path_length(usize::MAX)).await;
    let answer = send(&lifted, &format!("GET {long} HTTP/1.1"), b"").await;
    assert_eq!(
        (answer.status, answer.message.as_str()),
        (404, "page not found")
    );
    let spanning = format!("/v1.24/images/{}x/push", "a/".repeat(20_000));
    let answer = send(&lifted, &format!("POST {spanning} HTTP/1.1"), b"").await;
    assert_eq!(answer.status, 400, "{}", answer.message);
    assert!(
        answer.message.contains("X-Registry-Auth"),
        "routed to image_push: {}",
        answer.message
    );
}

#[tokio::test]
async fn malformed_percent_encoding_in_the_path_is_400() {
    let server = start("percent", defaults()).await;
    for path in [
        "/v1.24/containers/%zz/json",
        "/v1.24/containers/abc%/json",
        "/v1.24/containers/%ff%fe/json",
    ] {
        let answer = send(&server, &format!("GET {path} HTTP/1.1"), b"").await;
        assert_docker_error(&answer, 400, path);
        assert!(
            answer.message.contains("path"),
            "{path}: {}",
            answer.message
        );
    }
}

#[tokio::test]
async fn trailing_data_and_arrays_in_json_are_400() {
    let server = start("trailing", defaults()).await;
    let create = "POST /v1.24/containers/create HTTP/1.1\r\nContent-Type: application/json";
    let answer = send(&server, create, br#"{"Image":"x"}{"Image":5}"#).await;
    assert_docker_error(&answer, 400, "two JSON values");
    assert!(
        answer.message.contains("after the JSON value"),
        "{}",
        answer.message
    );
    let answer = send(&server, create, br#"{"Image":"x"} trailing"#).await;
    assert_docker_error(&answer, 400, "text after the value");
    let answer = send(&server, create, b"{\"Image\":\"x\"}\n \r\n").await;
    assert_eq!(answer.status, 501, "trailing blanks are fine");

    let answer = send(&server, create, br#"["busybox"]"#).await;
    assert_docker_error(&answer, 400, "an array for a struct");
    assert!(
        answer
            .message
            .contains("expected a JSON object, found an array"),
        "{}",
        answer.message
    );

    // Nested too: serde would fill `HostConfig` and a mount from arrays, positionally.
    for (body, path) in [
        (&br#"{"Image":"x","HostConfig":["a"]}"#[..], "HostConfig"),
        (
            &br#"{"Image":"x","HostConfig":{"Mounts":[["/a","/b"]]}}"#[..],
            "HostConfig.Mounts[0]",
        ),
    ] {
        let answer = send(&server, create, body).await;
        assert_docker_error(&answer, 400, "an array for a nested struct");
        assert!(
            answer.message.contains(&format!("at `{path}`"))
                && answer
                    .message
                    .contains("expected a JSON object, found an array"),
            "{}",
            answer.message
        );
    }
    let answer = send(&server, create, br#"{"Image":"x","Cmd":["a","b"]}"#).await;
    assert_eq!(answer.status, 501, "a list where a list belongs is fine");

    let auth =
        base64::engine::general_purpose::URL_SAFE.encode(r#"{"username":"u"}{"username":5}"#);
    let answer = send(
        &server,
        &format!("POST /v1.24/images/create?fromImage=busybox HTTP/1.1\r\nX-Registry-Auth: {auth}"),
        b"",
    )
    .await;
    assert_docker_error(&answer, 400, "two values in X-Registry-Auth");
    assert!(
        answer.message.contains("X-Registry-Auth")
            && answer.message.contains("after the JSON value"),
        "{}",
        answer.message
    );
    let auth = base64::engine::general_purpose::URL_SAFE.encode(r#"["user", "password"]"#);
    let answer = send(
        &server,
        &format!("POST /v1.24/images/create?fromImage=busybox HTTP/1.1\r\nX-Registry-Auth: {auth}"),
        b"",
    )
    .await;
    assert_docker_error(&answer, 400, "an array in X-Registry-Auth");

    let answer = send(
        &server,
        "GET /v1.24/containers/json?filters=%7B%7D%7B%7D HTTP/1.1",
        b"",
    )
    .await;
    assert_docker_error(&answer, 400, "two values in filters");
    assert!(answer.message.contains("`filters`"), "{}", answer.message);
}

#[tokio::test]
async fn malformed_credentials_are_never_echoed() {
    let server = start("secrets", defaults()).await;
    let secret = "hunter2-s3cret";
    let encode = |json: String| base64::engine::general_purpose::URL_SAFE.encode(json);
    let cases = [
        (
            "POST /v1.24/images/create?fromImage=busybox HTTP/1.1",
            "X-Registry-Auth",
            encode(format!(r#""admin:{secret}""#)),
        ),
        (
            "POST /v1.24/images/create?fromImage=busybox HTTP/1.1",
            "X-Registry-Auth",
            encode(format!(r#"{{"username":"admin","password":["{secret}"]}}"#)),
        ),
        (
            "POST /v1.24/images/create?fromImage=busybox HTTP/1.1",
            "X-Registry-Auth",
            encode(format!(r#"{{"password":"{secret}" "username":"admin"}}"#)),
        ),
        (
            "POST /v1.24/images/busybox/push HTTP/1.1",
            "X-Registry-Auth",
            encode(format!(r#"{{"password":"{secret}"}}{secret}"#)),
        ),
        (
            "POST /v1.24/build HTTP/1.1",
            "X-Registry-Config",
            encode(format!(r#"{{"127.0.0.1:5000":"admin:{secret}"}}"#)),
        ),
        (
            "POST /v1.24/build HTTP/1.1",
            "X-Registry-Config",
            encode(format!(
                r#"{{"127.0.0.1:5000":{{"password":{{"{secret}":1}}}}}}"#
            )),
        ),
    ];
    for (request_line, header, value) in cases {
        let answer = send(
            &server,
            &format!("{request_line}\r\n{header}: {value}"),
            b"",
        )
        .await;
        assert_docker_error(&answer, 400, header);
        assert!(answer.message.contains(header), "{}", answer.message);
        assert!(
            !answer.raw.contains("hunter2") && !answer.raw.contains("admin"),
            "the answer quotes the credentials: {}",
            answer.raw
        );
    }
}

/// Says what `X-Registry-Auth` reached the implementation, as a `409` message.
struct AuthProbe;
impl ImagesApi for AuthProbe {
    async fn image_push(
        &self,
        _name: String,
        registry_auth: docker_remote_api::models::AuthConfig,
        _options: docker_remote_api::operations::images::ImagePushOptions,
    ) -> Result<
        docker_remote_api::server::images::ImagePushReply,
        docker_remote_api::server::ServerError,
    > {
        let seen = if registry_auth == docker_remote_api::models::AuthConfig::default() {
            "no credentials"
        } else {
            "credentials"
        };
        Err(docker_remote_api::server::ServerError::new(409, seen))
    }

    async fn image_create(
        &self,
        options: docker_remote_api::operations::images::ImageCreateOptions,
        _body: docker_remote_api::server::BodyStream,
    ) -> Result<
        docker_remote_api::server::images::ImageCreateReply,
        docker_remote_api::server::ServerError,
    > {
        let seen = match options.registry_auth {
            None => "absent",
            Some(_) => "present",
        };
        Err(docker_remote_api::server::ServerError::new(409, seen))
    }
}

#[tokio::test]
async fn an_empty_registry_auth_means_no_credentials() {
    let server = start(
        "empty-auth",
        ServerBuilder::new().images(Arc::new(AuthProbe)),
    )
    .await;
    let push = "POST /v1.24/images/127.0.0.1:5000/app/push?tag=1 HTTP/1.1";
    let pull = "POST /v1.24/images/create?fromImage=busybox HTTP/1.1";
    for value in ["", "   "] {
        let answer = send(&server, &format!("{push}\r\nX-Registry-Auth: {value}"), b"").await;
        assert_eq!(
            (answer.status, answer.message.as_str()),
            (409, "no credentials"),
            "push with X-Registry-Auth {value:?}"
        );
        let answer = send(&server, &format!("{pull}\r\nX-Registry-Auth: {value}"), b"").await;
        assert_eq!(
            (answer.status, answer.message.as_str()),
            (409, "absent"),
            "pull with X-Registry-Auth {value:?}"
        );
    }
    let answer = send(&server, &format!("{push}\r\nX-Registry-Auth: e30="), b"").await;
    assert_eq!(
        answer.message, "no credentials",
        "`{{}}` is no credentials too"
    );
    let answer = send(&server, push, b"").await;
    assert_docker_error(&answer, 400, "push without X-Registry-Auth");
    assert!(answer.message.contains("is required"), "{}", answer.message);
}

#[tokio::test]
async fn a_stalled_body_is_408_and_an_announced_oversized_one_413_at_once() {
    let server = start(
        "stalled",
        defaults().body_read_timeout(Some(Duration::from_millis(300))),
    )
    .await;
    let started = Instant::now();
    let answer = send_raw(
        &server,
        b"POST /v1.24/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"Image\":",
    )
    .await;
    assert_docker_error(&answer, 408, "a body that stops after 9 of 1000 bytes");
    assert!(answer.message.contains("stalled"), "{}", answer.message);
    assert!(answer.head.contains("connection: close"), "{}", answer.head);
    assert!(started.elapsed() >= Duration::from_millis(250));

    // 100 MiB announced, 10 bytes sent: the limit answers before any waiting.
    let server = start("announced", defaults()).await;
    let answer = send_raw(
        &server,
        b"POST /v1.24/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{\"Image\":",
    )
    .await;
    assert_docker_error(&answer, 413, "100 MiB announced");
}

#[tokio::test]
async fn a_slow_loris_head_is_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_millis(300);
    let server = start_served("loris", defaults().header_read_timeout(Some(timeout))).await;
    let mut connections = Vec::new();
    for _ in 0..20 {
        let mut stream = tokio::net::UnixStream::connect(&server.path).await.unwrap();
        stream
            .write_all(b"GET /v1.24/containers/json HTTP/1.1\r\nHost: docker\r\nX-Slow: ")
            .await
            .unwrap();
        connections.push(stream);
    }
    let started = Instant::now();
    for mut stream in connections {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(PATIENCE, stream.read(&mut buf))
            .await
            .expect("the half-sent head is still open");
        assert!(
            matches!(read, Ok(0) | Err(_)),
            "closed without an answer: {read:?}"
        );
    }
    assert!(started.elapsed() >= timeout / 2, "{:?}", started.elapsed());
    // A head sent in time is answered.
    let answer = send(&server, "GET /v1.24/containers/json HTTP/1.1", b"").await;
    assert_docker_error(&answer, 501, "a prompt request");
}

#[tokio::test]
async fn requests_beyond_the_cap_in_progress_are_503() {
    let server = start("cap", defaults().max_concurrent_requests(2)).await;
    // Two requests whose bodies stall hold both places.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut stream = tokio::net::UnixStream::connect(&server.path).await.unwrap();
        stream
            .write_all(b"POST /v1.24/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 100\r\n\r\n{\"Image\":")
            .await
            .unwrap();
        stalled.push(stream);
    }
    let deadline = Instant::now() + PATIENCE;
    let busy = loop {
        let answer = send(&server, "GET /v1.24/containers/json HTTP/1.1", b"").await;
        if answer.status == 503 || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_docker_error(&busy, 503, "a third request in progress");
    assert!(busy.message.contains('2'), "{}", busy.message);
    assert!(busy.head.contains("retry-after: 1"), "{}", busy.head);
    // Once they go, their places are free again.
    drop(stalled);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = send(&server, "GET /v1.24/containers/json HTTP/1.1", b"").await;
        if answer.status == 501 {
            break;
        }
        assert!(Instant::now() < deadline, "still busy: {}", answer.raw);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn requests_hyper_cannot_parse_get_docker_style_answers_from_serve() {
    let server = start_served("unparsable", defaults()).await;
    let long_target = format!(
        "GET /v1.24/containers/{}/json HTTP/1.1\r\nHost: docker\r\n\r\n",
        "a".repeat(70_000)
    );
    let big_headers = format!(
        "GET /v1.24/containers/json HTTP/1.1\r\nHost: docker\r\nX-Big: {}\r\n\r\n",
        "a".repeat(500_000)
    );
    let cases: Vec<(&str, u16, Vec<u8>)> = vec![
        ("bad method", 400, b"G@T /v1.24/containers/json HTTP/1.1\r\nHost: docker\r\n\r\n".to_vec()),
        ("bad Content-Length", 400, b"POST /v1.24/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: abc\r\n\r\n".to_vec()),
        ("two Content-Lengths", 400, b"POST /v1.24/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec()),
        ("unknown Transfer-Encoding", 400, b"POST /v1.24/containers/create HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec()),
        ("control byte in a header name", 400, b"GET /v1.24/containers/json HTTP/1.1\r\nHost: docker\r\nX-A\x01: b\r\n\r\n".to_vec()),
        ("NUL in a header value", 400, b"GET /v1.24/containers/json HTTP/1.1\r\nHost: docker\r\nX-A: b\x00\r\n\r\n".to_vec()),
        ("space in the target", 400, b"GET /v1.24/containers/a b/json HTTP/1.1\r\nHost: docker\r\n\r\n".to_vec()),
        ("unknown HTTP version", 400, b"GET /v1.24/containers/json HTTP/9.9\r\nHost: docker\r\n\r\n".to_vec()),
        ("not HTTP at all", 400, b"\x16\x03\x01\x00\x05hello\r\n\r\n".to_vec()),
        ("target over 64 KiB", 414, long_target.into_bytes()),
        ("headers over 400 KiB", 431, big_headers.into_bytes()),
    ];
    for (what, status, request) in cases {
        let answer = send_raw(&server, &request).await;
        assert_docker_error(&answer, status, what);
        let body = answer.raw.split_once("\r\n\r\n").unwrap().1;
        assert!(
            answer
                .head
                .contains(&format!("content-length: {}", body.len())),
            "{what}: {}",
            answer.raw
        );
    }

    // After an answered request on the same connection too.
    let mut stream = tokio::net::UnixStream::connect(&server.path).await.unwrap();
    stream
        .write_all(b"GET /v1.24/containers/json HTTP/1.1\r\nHost: docker\r\n\r\n")
        .await
        .unwrap();
    let first = read_one_answer(&mut stream).await;
    assert_eq!(parse(&first).status, 501);
    stream
        .write_all(b"G@T /v1.24/containers/json HTTP/1.1\r\nHost: docker\r\n\r\n")
        .await
        .unwrap();
    let mut second = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut second))
        .await
        .unwrap()
        .unwrap();
    assert_docker_error(&parse(&second), 400, "a bad request after a good one");

    // The router's own answers are untouched, and it keeps serving.
    let answer = send(&server, "PATCH /v1.24/containers/json HTTP/1.1", b"").await;
    assert_eq!(
        (answer.status, answer.message.as_str()),
        (404, "page not found")
    );
}

/// Panics on `/_ping`.
struct Panics;
impl docker_remote_api::server::SystemApi for Panics {
    async fn system_ping(
        &self,
    ) -> Result<
        docker_remote_api::server::system::SystemPingReply,
        docker_remote_api::server::ServerError,
    > {
        panic!("an implementation bug");
    }
}

#[tokio::test]
async fn a_panicking_implementation_is_a_500_json_answer() {
    let server = start("panic", ServerBuilder::new().system(Arc::new(Panics))).await;
    for _ in 0..3 {
        let answer = send(&server, "GET /_ping HTTP/1.1", b"").await;
        assert_docker_error(&answer, 500, "a panic");
        assert!(
            !answer.message.contains("implementation bug"),
            "{}",
            answer.message
        );
    }
}

/// Answers, as its error message, what the router decoded of the container
/// list's filters.
struct EchoFilters;
impl ContainersApi for EchoFilters {
    async fn container_list(
        &self,
        options: docker_remote_api::operations::containers::ContainerListOptions,
    ) -> Result<
        docker_remote_api::server::containers::ContainerListReply,
        docker_remote_api::server::ServerError,
    > {
        Err(docker_remote_api::server::ServerError::bad_request(
            format!("{:?}", options.filters),
        ))
    }
}

/// Docker's Go client sends `{"status":{"running":true}}`, the documented
/// form is `{"status":["running"]}`: both reach the implementation as the
/// same list, and a filter the spec does not list is kept.
#[tokio::test]
async fn filters_in_either_form_keep_unknown_keys() {
    let server = start(
        "filters",
        ServerBuilder::new().containers(Arc::new(EchoFilters)),
    )
    .await;
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    for filters in [
        r#"{"status":["running"],"drapi-unknown":["web"]}"#,
        r#"{"status":{"running":true},"drapi-unknown":{"web":true}}"#,
    ] {
        let head = format!(
            "GET /v1.24/containers/json?filters={} HTTP/1.1",
            encode(filters)
        );
        let answer = send(&server, &head, b"").await;
        assert_eq!(answer.status, 400, "{filters}: {}", answer.message);
        assert!(
            answer.message.contains(r#"status: Some(["running"])"#)
                && answer
                    .message
                    .contains(r#"other: {"drapi-unknown": ["web"]}"#),
            "{filters}: {}",
            answer.message
        );
    }
}

/// Like the daemon: `OPTIONS` on any path is an empty `200`, and the headers
/// an implementation asks for are on every answer (clients read `OSType`
/// from the first one they get).
#[tokio::test]
async fn options_is_200_and_answers_carry_the_builder_headers() {
    let builder = defaults().answer_header(
        http::HeaderName::from_static("ostype"),
        http::HeaderValue::from_static("linux"),
    );
    let server = start("options", builder).await;
    for path in ["/v1.24/containers/json", "/nothing/here", "/_ping"] {
        let answer = send(&server, &format!("OPTIONS {path} HTTP/1.1"), b"").await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.raw);
        assert!(answer.raw.ends_with("\r\n\r\n"), "{path}: {}", answer.raw);
        assert!(answer.head.contains("ostype: linux"), "{}", answer.head);
    }
    let unknown = send(&server, "GET /nothing/here HTTP/1.1", b"").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.head.contains("ostype: linux"), "{}", unknown.head);
}

/// Found by `cargo xtask fuzz server`: a client that shuts down its sending
/// side once the request is out (as scripts and some proxies do) gets its
/// answer; hyper used to drop such connections on reading end of file, often
/// before answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_half_closes_still_gets_its_answer() {
    // Over loopback TCP, where the fuzzer saw it (a unix socket rarely shows it).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(defaults().serve(listener));
    for _ in 0..200 {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /v1.24/nothing HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        stream.shutdown().await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
            .await
            .expect("an answer in time")
            .unwrap();
        assert!(!raw.is_empty(), "the connection closed without an answer");
        let answer = parse(&raw);
        assert_docker_error(&answer, 404, "a half-closed request");
    }
    task.abort();
}

/// Found by `cargo xtask fuzz server`: bytes after a request's body (read
/// while its answer was written) that hyper then cannot parse get Docker's
/// JSON answer too, not hyper's empty `400`.
#[tokio::test]
async fn garbage_after_a_request_gets_a_json_answer() {
    let server = start_served("garbage-after", defaults()).await;
    let request = b"GET /v1.24/nothing HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n\x01not http\r\n\r\n";
    let mut stream = tokio::net::UnixStream::connect(&server.path).await.unwrap();
    stream.write_all(request).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .expect("answers in time")
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    let second = text
        .match_indices("HTTP/1.1 ")
        .nth(1)
        .map(|(at, _)| &text[at..])
        .unwrap_or_else(|| panic!("two answers: {text}"));
    let answer = parse(second.as_bytes());
    assert_docker_error(&answer, 400, "garbage after a request");
}

/// A volume creation as the daemon takes it: a body only as JSON (`400`
/// naming the content type otherwise, as for every JSON body), and no body
/// at all handed to the implementation as `None` (dockerd 28.5 makes an
/// anonymous volume; erratum `volume-create-body-optional`).
#[tokio::test]
async fn a_json_body_must_say_so_and_a_volume_create_may_have_none() {
    use docker_remote_api::models::{Volume, VolumeCreateBody};
    use docker_remote_api::server::volumes::VolumeCreateReply;
    use docker_remote_api::server::{ServerError, VolumesApi};

    #[derive(Default)]
    struct Volumes(std::sync::Mutex<Vec<Option<VolumeCreateBody>>>);
    impl VolumesApi for Volumes {
        async fn volume_create(
            &self,
            body: Option<VolumeCreateBody>,
        ) -> Result<VolumeCreateReply, ServerError> {
            let name = body.as_ref().and_then(|b| b.name.clone());
            self.0.lock().unwrap().push(body);
            Ok(VolumeCreateReply::Created(Box::new(Volume {
                name: name.unwrap_or_else(|| "anonymous".into()),
                ..Default::default()
            })))
        }
    }

    let volumes = Arc::new(Volumes::default());
    let server = start(
        "volume-create",
        ServerBuilder::new().volumes(volumes.clone()),
    )
    .await;
    let body = br#"{"Name":"tardis"}"#;
    for content_type in [
        "Content-Type: text/plain",
        "Content-Type: application/x-www-form-urlencoded",
    ] {
        let answer = send(
            &server,
            &format!("POST /v1.51/volumes/create HTTP/1.1\r\n{content_type}"),
            body,
        )
        .await;
        assert_docker_error(&answer, 400, content_type);
        assert!(
            answer.message.contains("must be 'application/json'"),
            "{}",
            answer.message
        );
    }
    // Without any content type the body is not JSON either.
    let answer = send(&server, "POST /v1.51/volumes/create HTTP/1.1", body).await;
    assert_docker_error(&answer, 400, "no content type");
    assert!(
        volumes.0.lock().unwrap().is_empty(),
        "refused bodies reach nobody"
    );

    let answer = send(
        &server,
        "POST /v1.51/volumes/create HTTP/1.1\r\nContent-Type: application/json; charset=utf-8",
        body,
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.raw);
    let answer = send(&server, "POST /v1.51/volumes/create HTTP/1.1", b"").await;
    assert_eq!(answer.status, 201, "{}", answer.raw);
    let seen = volumes.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0].as_ref().and_then(|b| b.name.as_deref()),
        Some("tardis")
    );
    assert!(seen[1].is_none(), "{seen:?}");
}
