//! Round trips per second against the test daemon, through the client and
//! through the same exchange written directly on hyper (one connection per
//! request in both: the client's pool is turned off here; the `bench` crate
//! measures it pooled). Needs `DRAPI_TEST_DOCKER_HOST`, e.g. from `cargo xtask dockerd`:
//! `DRAPI_TEST_DOCKER_HOST=unix:///tmp/drapi-.../docker.sock DRAPI_TEST_BUSYBOX=/bin/busybox cargo bench -p live-tests --bench roundtrip`.
//!
//! `ping_stub` needs no daemon: the same two loops against a fake daemon built
//! from the generated server stubs, whose answer costs next to nothing, so the
//! difference is the client's own overhead.
//!
//! The list benchmark first creates containers until the daemon has 100, and
//! removes the ones it made afterwards. Its hyper baseline is measured twice:
//! collecting the bytes only, and also decoding them into the same typed
//! summaries the client returns, which is what a hand-written caller would do.

#[path = "../tests/common/mod.rs"]
mod common;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use docker_remote_api::prelude::*;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;

fn socket() -> Option<String> {
    std::env::var("DRAPI_TEST_DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
}

/// The baseline: connect, handshake, one GET, read the whole body.
async fn raw_get(socket: &str, path: &str) -> Bytes {
    let stream = tokio::net::UnixStream::connect(socket).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = http::Request::get(path)
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert!(response.status().is_success());
    response.into_body().collect().await.unwrap().to_bytes()
}

fn roundtrips(c: &mut Criterion) {
    let Some(socket) = socket() else {
        eprintln!(
            "DRAPI_TEST_DOCKER_HOST is not set; start a daemon with `cargo xtask dockerd` first"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let docker = Docker::connect_unix(&socket).with_pool_max_idle(0);
    let mut group = c.benchmark_group("ping");
    group.bench_function("client", |b| {
        b.iter(|| runtime.block_on(docker.system_ping().send()).unwrap())
    });
    group.bench_function("hyper", |b| {
        b.iter(|| runtime.block_on(raw_get(&socket, "/v1.24/_ping")))
    });
    group.finish();

    let made = runtime.block_on(async {
        let present = docker.container_list().all(true).await.unwrap().len();
        let mut made = Vec::new();
        if present < 100 {
            common::busybox().await;
            for _ in present..100 {
                made.push(common::create(&docker, &common::config(&["true"])).await);
            }
        }
        made
    });
    let count = runtime
        .block_on(docker.container_list().all(true).send())
        .unwrap()
        .len();
    let mut group = c.benchmark_group(format!("container_list_{count}"));
    group.bench_function("client", |b| {
        b.iter(|| {
            runtime
                .block_on(docker.container_list().all(true).send())
                .unwrap()
        })
    });
    group.bench_function("hyper", |b| {
        b.iter(|| runtime.block_on(raw_get(&socket, "/v1.24/containers/json?all=1")))
    });
    group.bench_function("hyper_typed", |b| {
        b.iter(|| {
            let bytes = runtime.block_on(raw_get(&socket, "/v1.24/containers/json?all=1"));
            serde_json::from_slice::<Vec<ContainerSummary>>(&bytes).unwrap()
        })
    });
    group.finish();
    runtime.block_on(async {
        for id in &made {
            common::remove(&docker, id).await;
        }
    });
}

/// A fake daemon that only answers `/_ping`, from the generated server stubs.
struct PingOnly;

impl docker_remote_api::server::SystemApi for PingOnly {
    async fn system_ping(
        &self,
    ) -> Result<
        docker_remote_api::server::system::SystemPingReply,
        docker_remote_api::server::ServerError,
    > {
        Ok(docker_remote_api::server::system::SystemPingReply::Ok(
            "OK".into(),
        ))
    }
}

fn client_overhead(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("drapi-bench-stub-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("stub.sock");
    let _ = std::fs::remove_file(&socket);
    // The stub runs on a runtime of its own, so the measured loop has its thread to itself.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = server.block_on(async { tokio::net::UnixListener::bind(&socket).unwrap() });
    let router = docker_remote_api::server::ServerBuilder::new()
        .system(std::sync::Arc::new(PingOnly))
        .into_router();
    server.spawn(async move { axum::serve(listener, router).await });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let docker = Docker::connect_unix(&socket).with_pool_max_idle(0);
    let path = socket.to_str().unwrap().to_string();
    let mut group = c.benchmark_group("ping_stub");
    group.bench_function("client", |b| {
        b.iter(|| runtime.block_on(docker.system_ping().send()).unwrap())
    });
    group.bench_function("hyper", |b| {
        b.iter(|| runtime.block_on(raw_get(&path, "/v1.24/_ping")))
    });
    group.finish();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, client_overhead, roundtrips);
criterion_main!(benches);
