//! Peak memory while a 1 GiB container filesystem is exported through the
//! client and streamed straight back in as an image (`container_export` →
//! `image_create` with `fromSrc=-`). Neither side may hold the archive in
//! memory; the target is a peak under 64 MiB above what the process used before.
//!
//! One measured run, not a criterion loop (each run moves 2 GiB through the
//! daemon). Needs the test daemon, e.g. from `cargo xtask dockerd`:
//! `DRAPI_TEST_DOCKER_HOST=... DRAPI_TEST_BUSYBOX=... cargo bench -p live-tests --bench export_import_memory`.
//! `DRAPI_EXPORT_MIB` changes the size (default 1024).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use docker_remote_api::prelude::*;

/// A line of /proc/self/status, in KiB.
fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    if std::env::var("DRAPI_TEST_DOCKER_HOST").is_err() {
        eprintln!(
            "DRAPI_TEST_DOCKER_HOST is not set; start a daemon with `cargo xtask dockerd` first"
        );
        return;
    }
    let mib: u64 = std::env::var("DRAPI_EXPORT_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let docker = common::docker();
        common::busybox().await;
        let id = common::create(
            &docker,
            &common::config(&[
                "dd",
                "if=/dev/zero",
                "of=/payload",
                "bs=1M",
                &format!("count={mib}"),
            ]),
        )
        .await;
        docker.container_start(&id).await.unwrap();
        assert_eq!(
            docker.container_wait(&id).await.unwrap().status_code,
            0,
            "dd filled the container"
        );

        // Start the peak from here: the setup above is not what is measured.
        std::fs::write("/proc/self/clear_refs", "5")
            .expect("resetting the peak RSS needs Linux 4.0+");
        let before = status_kib("VmRSS:");
        let started = Instant::now();
        let moved = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = moved.clone();
        let export = docker
            .container_export(&id)
            .await
            .unwrap()
            .map(move |chunk| {
                if let Ok(bytes) = &chunk {
                    counter.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                chunk
            });
        let repo = common::unique("reimported");
        let mut progress = docker
            .image_create()
            .from_src("-")
            .repo(&repo)
            .body(RequestBody::from_stream(export))
            .await
            .unwrap();
        while let Some(item) = progress.next().await {
            item.unwrap();
        }
        let elapsed = started.elapsed();
        let peak = status_kib("VmHWM:");
        let bytes = moved.load(std::sync::atomic::Ordering::Relaxed);
        println!(
            "export+import of a {mib} MiB filesystem: {:.1} MiB moved in {:.1} s ({:.0} MiB/s)",
            bytes as f64 / 1048576.0,
            elapsed.as_secs_f64(),
            bytes as f64 / 1048576.0 / elapsed.as_secs_f64()
        );
        println!(
            "RSS before: {:.1} MiB; peak during: {:.1} MiB; growth: {:.1} MiB (target < 64 MiB)",
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            peak.saturating_sub(before) as f64 / 1024.0
        );
        assert!(bytes >= mib * 1048576, "the whole filesystem went through");
        let _ = docker.image_delete(&repo).force(true).await;
        common::remove(&docker, &id).await;
    });
}
