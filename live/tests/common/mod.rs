//! Shared setup of the live tests: the client for the private test daemon
//! (started by `cargo xtask test`), the busybox base image, unique names.
//!
//! Without `DRAPI_TEST_DOCKER_HOST` the tests are `#[ignore]`d by cargo's
//! default run; `cargo xtask test` runs them with `--include-ignored`.

#![allow(dead_code)] // each test file uses a different part of this module

use std::sync::atomic::{AtomicUsize, Ordering};

use docker_remote_api::prelude::*;
use tokio::sync::OnceCell;

/// The base image every container test runs.
pub const BUSYBOX: &str = "drapi-busybox:latest";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the live tests with `cargo xtask test` (it starts a private daemon)"))
}

/// A client of the test daemon, never the user's own, speaking the API version
/// of the pass (`DRAPI_TEST_API_VERSION`, set by `cargo xtask test` for each pass;
/// the crate's own version when unset).
pub fn docker() -> Docker {
    let docker = Docker::connect_unix(daemon_socket());
    if let Ok(version) = std::env::var("DRAPI_TEST_API_VERSION") {
        docker
            .set_api_version(&version)
            .expect("DRAPI_TEST_API_VERSION is an API version");
    }
    docker
}

/// The API version of this pass, as `(major, minor)`, for tests of what a version has.
pub fn api_version() -> (u32, u32) {
    api_number(&docker().api_version())
}

/// What the daemon answers to a `GET /system/df` while another one runs: it
/// computes one at a time, and tests in other binaries may be asking too.
pub const DISK_USAGE_BUSY: &str = "a disk usage operation is already running";

/// Calls `call` again while the daemon is busy with another disk-usage
/// computation (see [`DISK_USAGE_BUSY`]), for up to ten seconds.
pub async fn when_disk_usage_is_free<T, E, F, Fut>(mut call: F) -> Result<T, E>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    for _ in 0..100 {
        match call().await {
            Err(e) if e.to_string().contains(DISK_USAGE_BUSY) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            other => return other,
        }
    }
    call().await
}

/// The local registry's address (`127.0.0.1:5000`).
pub fn registry() -> String {
    env("DRAPI_TEST_REGISTRY")
}

/// Credentials of the local registry.
pub fn registry_auth() -> AuthConfig {
    AuthConfig {
        username: Some(env("DRAPI_TEST_REGISTRY_USER")),
        password: Some(env("DRAPI_TEST_REGISTRY_PASSWORD")),
        serveraddress: Some(registry()),
        ..Default::default()
    }
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "drapi-{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A tar archive holding the given files (path, mode, content).
pub fn tar_of(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, mode, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(*mode);
        header.set_cksum();
        builder.append_data(&mut header, path, *content).unwrap();
    }
    builder.into_inner().unwrap()
}

/// The build context of the base image: `FROM scratch` plus Debian's static busybox.
pub fn busybox_context() -> Vec<u8> {
    let busybox = std::fs::read(env("DRAPI_TEST_BUSYBOX")).expect("busybox-static is installed");
    let dockerfile = b"FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n";
    tar_of(&[
        ("Dockerfile", 0o644, dockerfile),
        ("busybox", 0o755, &busybox),
    ])
}

/// Builds the base image once per test binary, through the client's `POST /build`.
pub async fn busybox() -> &'static str {
    static BUILT: OnceCell<()> = OnceCell::const_new();
    BUILT
        .get_or_init(|| async {
            let docker = docker();
            let mut progress = docker
                .image_build(RequestBody::from_bytes(busybox_context()))
                .tag(BUSYBOX)
                .rm(true)
                .await
                .expect("build starts");
            let mut lines = Vec::new();
            while let Some(item) = progress.next().await {
                let item = item.expect("build step succeeds");
                if let Some(s) = item.stream {
                    lines.push(s);
                }
            }
            assert!(
                lines.iter().any(|l| l.contains("Successfully tagged")),
                "build output: {lines:?}"
            );
        })
        .await;
    BUSYBOX
}

/// Container settings for busybox running `cmd`, with no network.
pub fn config(cmd: &[&str]) -> ContainerCreateBody {
    ContainerCreateBody {
        image: Some(BUSYBOX.into()),
        cmd: Some(StringOrList::List(
            cmd.iter().map(|s| s.to_string()).collect(),
        )),
        host_config: Some(HostConfig {
            network_mode: Some("none".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Creates a container and returns its id.
pub async fn create(docker: &Docker, body: &ContainerCreateBody) -> String {
    busybox().await;
    let name = unique("c");
    let created = docker
        .container_create(body)
        .name(name)
        .await
        .expect("container is created");
    created.id
}

/// Removes a container, whatever its state.
pub async fn remove(docker: &Docker, id: &str) {
    let _ = docker
        .container_delete(id)
        .force(true)
        .remove_volumes(true)
        .await;
}

/// Every item of a progress stream; an in-band error fails the test, naming `what`.
pub async fn drain(what: &str, mut progress: JsonLines<ProgressMessage>) -> Vec<ProgressMessage> {
    let mut items = Vec::new();
    while let Some(item) = progress.next().await {
        items.push(item.unwrap_or_else(|e| panic!("{what} reports an error: {e}")));
    }
    items
}

/// A whole byte stream (a tarball, an archive) in memory.
pub async fn collect_bytes(mut stream: ByteStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    bytes
}

/// The unix socket the test daemon listens on.
pub fn daemon_socket() -> String {
    env("DRAPI_TEST_DOCKER_HOST")
        .strip_prefix("unix://")
        .expect("the test daemon listens on a unix socket")
        .to_string()
}

/// An answer of [`raw_exchange`], read in full.
pub struct RawAnswer {
    pub status: u16,
    pub headers: http::HeaderMap,
    /// The body bytes as received (a log stream keeps its frame headers).
    pub body: Vec<u8>,
}

impl RawAnswer {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the text when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `Content-Type` header, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get("content-type")
            .map(|v| v.to_str().unwrap())
    }
}

/// A JSON request body for [`raw_exchange`]: its content type and bytes.
pub fn json_body(value: serde_json::Value) -> (&'static str, Vec<u8>) {
    ("application/json", value.to_string().into_bytes())
}

/// One request written directly on hyper, on a new connection to the test
/// daemon, for what the typed client cannot send or show. `uri` goes out as
/// given (with its `/vX.Y` prefix, if any); `body` is a content type and the
/// bytes. Answers the response with its body unread (a followed stream never ends).
pub async fn raw_response(
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
    body: Option<(&str, Vec<u8>)>,
) -> http::Response<hyper::body::Incoming> {
    let stream = tokio::net::UnixStream::connect(daemon_socket())
        .await
        .unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut request = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "localhost");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let bytes = match body {
        Some((content_type, bytes)) => {
            request = request.header("content-type", content_type);
            bytes
        }
        None => Vec::new(),
    };
    let body = http_body_util::Full::new(bytes::Bytes::from(bytes));
    sender
        .send_request(request.body(body).unwrap())
        .await
        .unwrap()
}

/// [`raw_response`], its body read in full.
pub async fn raw_exchange(
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
    body: Option<(&str, Vec<u8>)>,
) -> RawAnswer {
    use http_body_util::BodyExt;
    let response = raw_response(method, uri, headers, body).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    RawAnswer {
        status,
        headers,
        body: body.to_vec(),
    }
}

/// [`raw_exchange`] at `/v1.24{path}` with an optional JSON body: the status
/// and the body text.
pub async fn raw_request(
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, String) {
    let answer = raw_exchange(method, &format!("/v1.24{path}"), &[], body.map(json_body)).await;
    (answer.status, answer.text())
}

/// The address the swarm tests ask the daemon to listen on: loopback, one
/// port per test daemon (`DRAPI_TEST_SWARM_ADDR`, set by `cargo xtask test`)
/// so two daemons can hold a swarm at the same time.
pub fn swarm_addr() -> String {
    std::env::var("DRAPI_TEST_SWARM_ADDR").unwrap_or_else(|_| "127.0.0.1:2377".into())
}

/// Which test daemon answers (`DRAPI_TEST_DAEMON`: `20.10` or `28.5`), for the
/// errata where two daemons differ at the same API version.
pub fn daemon_release() -> String {
    env("DRAPI_TEST_DAEMON")
}

/// The oldest API version the test daemon speaks: 1.12 for dockerd 20.10,
/// 1.24 for dockerd 28.5.
pub fn oldest_api() -> &'static str {
    per_daemon("1.12", "1.24")
}

/// The newest API version the test daemon speaks (its `Api-Version` header):
/// 1.41 for dockerd 20.10, 1.51 for dockerd 28.5.
pub fn newest_api() -> &'static str {
    per_daemon("1.41", "1.51")
}

/// An API version as `(major, minor)`, for comparing.
fn api_number(version: &str) -> (u32, u32) {
    let (major, minor) = version.split_once('.').expect("a version like 1.41");
    (major.parse().unwrap(), minor.parse().unwrap())
}

/// Whether the test daemon serves `version` (`1.18`, say), by its range.
pub fn daemon_speaks(version: &str) -> bool {
    (api_number(oldest_api())..=api_number(newest_api())).contains(&api_number(version))
}

/// The older of two API versions.
pub fn older_api<'a>(a: &'a str, b: &'a str) -> &'a str {
    if api_number(a) <= api_number(b) {
        a
    } else {
        b
    }
}

/// The daemon's answer to a request at a version below its range: dockerd
/// 28.5 refuses it with 400 and says which version is its oldest.
pub fn assert_too_old(status: u16, text: &str, version: &str) {
    assert_eq!(status, 400, "v{version}: {text}");
    let expected = format!(
        "client version {version} is too old. Minimum supported API version is {}",
        oldest_api()
    );
    assert!(text.contains(&expected), "v{version}: {text}");
}

/// What each test daemon does where the two differ: `for_20_10` against
/// dockerd 20.10, `for_28_5` against dockerd 28.5.
pub fn per_daemon<T>(for_20_10: T, for_28_5: T) -> T {
    match daemon_release().as_str() {
        "20.10" => for_20_10,
        "28.5" => for_28_5,
        other => panic!("unknown test daemon {other:?}"),
    }
}
