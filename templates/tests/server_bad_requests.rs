//! Malformed requests against the generated router, sent as raw HTTP so
//! nothing on the client side can tidy them up: each gets the documented
//! status and a Docker-style `{"message"}`, and the server keeps serving.

#![cfg(feature = "server")]

use std::sync::Arc;

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

async fn start(name: &str, builder: ServerBuilder) -> Server {
    let path = std::env::temp_dir().join(format!("drapi-bad-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let router = builder.into_router();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Server { path, task }
}

struct Answer {
    status: u16,
    head: String,
    message: String,
}

/// Sends `head` (request line and headers, without the blank line) and `body`.
async fn send(server: &Server, head: &str, body: &[u8]) -> Answer {
    let mut stream = tokio::net::UnixStream::connect(&server.path).await.unwrap();
    let request = format!(
        "{head}\r\nHost: docker\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    // The server may answer before reading an oversized body and close; what arrived is enough.
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
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
    }
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
