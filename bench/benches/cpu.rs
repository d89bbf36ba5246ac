//! Client CPU time per request: the process's user + system time
//! (`getrusage(RUSAGE_SELF)`) around a fixed number of sequential calls on a
//! current-thread runtime, for each client, next to the wall time per call.
//! The daemon's own CPU is not counted (it is another process).
//!
//! ```sh
//! DOCKER_HOST=unix:///tmp/drapi-dockerd-28.5-.../docker.sock cargo bench -p drapi-bench --bench cpu
//! ```
//!
//! Each measurement runs three times after a warm-up; the median run is
//! printed. `DRAPI_BENCH_CALLS` scales the number of calls (default 2000 for
//! ping and inspect, a quarter of that for list).

mod common;

use std::time::{Duration, Instant};

use common::*;
use docker_remote_api::prelude::*;
use drapi_bench::*;

#[derive(Clone, Copy, Debug)]
enum Client {
    Pooled,
    Unpooled,
    Bollard,
    Hyper,
}

/// CPU and wall time of `calls` sequential calls of `op` through `client`.
fn measure(
    socket: &str,
    fixture: &Fixture,
    op: Op,
    client: Client,
    calls: usize,
) -> (Duration, Duration) {
    let rt = sequential_runtime();
    let id = fixture.inspected.as_str();
    let raw_path = raw_paths(fixture)[op as usize].1.clone();
    let pooled = Docker::connect_unix(socket);
    let unpooled = Docker::connect_unix(socket).with_pool_max_idle(0);
    let bollard = bollard_client(socket);
    let mut sender = rt.block_on(raw_connect(socket));
    let mut run = |n: usize| {
        rt.block_on(async {
            for _ in 0..n {
                match client {
                    Client::Pooled => ours(&pooled, op, id).await,
                    Client::Unpooled => ours(&unpooled, op, id).await,
                    Client::Bollard => theirs(&bollard, op, id).await,
                    Client::Hyper => {
                        raw_get(&mut sender, &raw_path).await;
                    }
                }
            }
        })
    };
    run(calls / 10);
    let mut runs: Vec<(Duration, Duration)> = (0..3)
        .map(|_| {
            let (cpu, wall) = (cpu_time(), Instant::now());
            run(calls);
            (cpu_time() - cpu, wall.elapsed())
        })
        .collect();
    runs.sort();
    runs[1]
}

fn main() {
    let Some(socket) = socket() else {
        eprintln!("DOCKER_HOST (unix://...) is not set; start a test daemon with `cargo xtask dockerd --daemon 28.5` first");
        return;
    };
    let base: usize = std::env::var("DRAPI_BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let setup = sequential_runtime();
    let docker = Docker::connect_unix(&socket);
    let fixture = setup.block_on(Fixture::set_up(&docker));
    println!("| call | client | calls | CPU µs/call | wall µs/call |");
    println!("|---|---|---:|---:|---:|");
    for op in [Op::Ping, Op::Inspect, Op::List] {
        let calls = if matches!(op, Op::List) {
            base / 4
        } else {
            base
        };
        for client in [
            Client::Pooled,
            Client::Unpooled,
            Client::Bollard,
            Client::Hyper,
        ] {
            let (cpu, wall) = measure(&socket, &fixture, op, client, calls);
            let per = |d: Duration| d.as_secs_f64() * 1e6 / calls as f64;
            println!(
                "| {op:?} | {client:?} | {calls} | {:.1} | {:.1} |",
                per(cpu),
                per(wall)
            );
        }
    }
    setup.block_on(fixture.tear_down(&docker));
}
