//! Route matching of the server stubs' router, in memory, through
//! `server::Dispatcher::handle`: `cargo bench -p live-tests --bench router`.
//!
//! Matching splits and decodes the path once and matches every route against
//! that list of segments, so a 60,000-character path costs about as much as
//! reading it. (Before, each candidate end of a parameter percent-decoded a
//! growing prefix: quadratic, about 20 s of CPU for the first path below.)

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use docker_remote_api::server::{ContainersApi, Dispatcher, ImagesApi, ServerBuilder};

/// Implements nothing: a matched route answers `501`, so only routing is measured.
struct Defaults;
impl ContainersApi for Defaults {}
impl ImagesApi for Defaults {}

fn dispatcher(builder: ServerBuilder) -> Dispatcher {
    let api = Arc::new(Defaults);
    builder.containers(api.clone()).images(api).build()
}

fn request(method: &str, path: &str) -> http::Request<axum::body::Body> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .body(axum::body::Body::empty())
        .expect("a valid request")
}

fn routing(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // The limit on path length is lifted so that the matching itself is measured.
    let lifted = dispatcher(ServerBuilder::new().max_path_length(usize::MAX));
    let limited = dispatcher(ServerBuilder::new());

    let one_long_segment = format!("/v1.24/containers/{}/nomatch", "a".repeat(60_000));
    let many_segments = format!("/v1.24/containers/{}nomatch", "a/".repeat(30_000));
    let spanning_name = format!("/v1.24/images/{}x/push", "a/".repeat(30_000));
    let cases = [
        (
            "short_path_matched",
            "GET",
            "/v1.24/containers/abc/json".to_string(),
            501,
            &lifted,
        ),
        (
            "60k_one_segment_no_route",
            "GET",
            one_long_segment.clone(),
            404,
            &lifted,
        ),
        (
            "60k_30k_segments_no_route",
            "GET",
            many_segments,
            404,
            &lifted,
        ),
        // image_push's `{name}` spans 30,000 slashes; the missing X-Registry-Auth is `400`.
        (
            "60k_name_spanning_30k_slashes",
            "POST",
            spanning_name,
            400,
            &lifted,
        ),
        (
            "60k_refused_by_default_limit",
            "GET",
            one_long_segment,
            414,
            &limited,
        ),
    ];

    let mut group = c.benchmark_group("router");
    for (name, method, path, status, dispatcher) in cases {
        let answer = runtime.block_on(dispatcher.handle(request(method, &path)));
        assert_eq!(answer.status().as_u16(), status, "{name}");
        group.throughput(Throughput::Bytes(path.len() as u64));
        group.bench_function(name, |b| {
            b.iter_batched(
                || request(method, &path),
                |request| runtime.block_on(dispatcher.handle(request)),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, routing);
criterion_main!(benches);
