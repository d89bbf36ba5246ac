//! Round trips against a real daemon: `ping`, `inspect` (one container) and
//! `list` (50 containers, `all=1`), each sequential and with 16 concurrent
//! callers, through
//!
//! - `pooled`: this crate's client as it comes (idle connections reused),
//! - `unpooled`: the same with `with_pool_max_idle(0)` (a connection per call),
//! - `bollard`: bollard's client (latest release) at the same API version,
//! - `hyper`: raw hyper on kept connections (one for sequential calls, 16 for
//!   concurrent ones), bodies collected as bytes and not decoded: the floor.
//!
//! ```sh
//! DOCKER_HOST=unix:///tmp/drapi-dockerd-28.5-.../docker.sock cargo bench -p drapi-bench --bench client
//! ```
//!
//! A concurrent iteration is 16 calls at once: criterion's throughput line
//! gives calls per second for both kinds.

use std::time::Duration;

mod common;

use common::*;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use docker_remote_api::prelude::*;
use drapi_bench::*;
use futures_util::future::join_all;

fn one_op(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    socket: &str,
    fixture: &Fixture,
    op: Op,
    raw_path: &str,
) {
    let id = fixture.inspected.as_str();

    // Sequential: one call per iteration, on a current-thread runtime.
    let rt = sequential_runtime();
    group.throughput(Throughput::Elements(1));
    let pooled = Docker::connect_unix(socket);
    group.bench_function("seq/pooled", |b| {
        b.iter(|| rt.block_on(ours(&pooled, op, id)))
    });
    let unpooled = Docker::connect_unix(socket).with_pool_max_idle(0);
    group.bench_function("seq/unpooled", |b| {
        b.iter(|| rt.block_on(ours(&unpooled, op, id)))
    });
    let bollard = bollard_client(socket);
    group.bench_function("seq/bollard", |b| {
        b.iter(|| rt.block_on(theirs(&bollard, op, id)))
    });
    let mut sender = rt.block_on(raw_connect(socket));
    group.bench_function("seq/hyper", |b| {
        b.iter(|| rt.block_on(raw_get(&mut sender, raw_path)))
    });
    drop((pooled, unpooled, bollard, sender));
    drop(rt);

    // Concurrent: 16 calls at once per iteration, on two worker threads.
    let rt = concurrent_runtime();
    group.throughput(Throughput::Elements(CONCURRENCY as u64));
    let pooled = Docker::connect_unix(socket);
    group.bench_function("c16/pooled", |b| {
        b.iter(|| rt.block_on(join_all((0..CONCURRENCY).map(|_| ours(&pooled, op, id)))))
    });
    let unpooled = Docker::connect_unix(socket).with_pool_max_idle(0);
    group.bench_function("c16/unpooled", |b| {
        b.iter(|| rt.block_on(join_all((0..CONCURRENCY).map(|_| ours(&unpooled, op, id)))))
    });
    let bollard = bollard_client(socket);
    group.bench_function("c16/bollard", |b| {
        b.iter(|| rt.block_on(join_all((0..CONCURRENCY).map(|_| theirs(&bollard, op, id)))))
    });
    let mut senders = rt.block_on(join_all((0..CONCURRENCY).map(|_| raw_connect(socket))));
    group.bench_function("c16/hyper", |b| {
        b.iter(|| rt.block_on(join_all(senders.iter_mut().map(|s| raw_get(s, raw_path)))))
    });
    drop((pooled, unpooled, bollard, senders));
    drop(rt);
}

fn round_trips(c: &mut Criterion) {
    let Some(socket) = socket() else {
        eprintln!("DOCKER_HOST (unix://...) is not set; start a test daemon with `cargo xtask dockerd --daemon 28.5` first");
        return;
    };
    let setup = sequential_runtime();
    let docker = Docker::connect_unix(&socket);
    let fixture = setup.block_on(Fixture::set_up(&docker));
    for ((name, raw_path), op) in
        raw_paths(&fixture)
            .into_iter()
            .zip([Op::Ping, Op::Inspect, Op::List])
    {
        let mut group = c.benchmark_group(name);
        one_op(&mut group, &socket, &fixture, op, &raw_path);
        group.finish();
    }
    setup.block_on(fixture.tear_down(&docker));
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = round_trips
}
criterion_main!(benches);
