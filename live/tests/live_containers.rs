//! Containers, end to end against the test daemon at /v1.24.

mod common;

use common::*;
use docker_remote_api::prelude::*;
use tokio::io::AsyncWriteExt;

async fn output_of(stream: OutputStream) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (mut out, mut err, mut console) = (Vec::new(), Vec::new(), Vec::new());
    let chunks: Vec<_> = stream.collect().await;
    for chunk in chunks {
        match chunk.expect("output decodes") {
            OutputChunk::Stdout(b) | OutputChunk::Stdin(b) => out.extend_from_slice(&b),
            OutputChunk::Stderr(b) => err.extend_from_slice(&b),
            OutputChunk::Console(b) => console.extend_from_slice(&b),
        }
    }
    (out, err, console)
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn lifecycle_list_inspect_top_logs_wait_remove() {
    let docker = docker();
    let id = create(
        &docker,
        &config(&["sh", "-c", "echo out; echo err >&2; sleep 30"]),
    )
    .await;

    let listed = docker.container_list().all(true).await.unwrap();
    assert!(
        listed.iter().any(|c| c.id == id),
        "created container is listed with all=1"
    );

    let started = docker.container_start(&id).await.unwrap();
    assert!(matches!(started, ContainerStartOutcome::Started));
    let again = docker.container_start(&id).await.unwrap();
    assert!(
        matches!(again, ContainerStartOutcome::AlreadyStarted),
        "starting twice is its own outcome, not an error"
    );

    let filters = ContainerListFilters {
        status: Some(vec!["running".into()]),
        ..Default::default()
    };
    let running = docker.container_list().filters(filters).await.unwrap();
    assert!(
        running.iter().any(|c| c.id == id),
        "the JSON filter selects running containers"
    );

    let inspect = docker.container_inspect(&id).size(true).await.unwrap();
    assert_eq!(inspect.state.as_ref().and_then(|s| s.running), Some(true));
    assert_eq!(inspect.config.as_ref().and_then(|c| c.tty), Some(false));

    let top = docker.container_top(&id).await.unwrap();
    let processes = top.processes.unwrap_or_default();
    assert!(
        processes
            .iter()
            .any(|p| p.iter().any(|cell| cell.contains("sleep"))),
        "top shows the sleep: {processes:?}"
    );

    // Logs of a non-TTY container keep stdout and stderr apart.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let logs = docker
        .container_logs(&id)
        .stdout(true)
        .stderr(true)
        .await
        .unwrap();
    let (out, err, console) = output_of(logs).await;
    assert_eq!(
        (out.as_slice(), err.as_slice(), console.len()),
        (&b"out\n"[..], &b"err\n"[..], 0)
    );

    let stopped = docker.container_stop(&id).timeout(1).await.unwrap();
    assert!(matches!(stopped, ContainerStopOutcome::Stopped));
    let again = docker.container_stop(&id).timeout(1).await.unwrap();
    assert!(matches!(again, ContainerStopOutcome::AlreadyStopped));

    let waited = docker.container_wait(&id).await.unwrap();
    assert_eq!(
        waited.status_code, 137,
        "sleep killed after the stop timeout"
    );

    docker.container_delete(&id).await.unwrap();
    let gone = docker.container_inspect(&id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    assert!(
        gone.to_string().contains("container_inspect"),
        "errors name the operation: {gone}"
    );
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn wait_reports_a_nonzero_exit_code_as_data() {
    let docker = docker();
    let id = create(&docker, &config(&["sh", "-c", "exit 9"])).await;
    docker.container_start(&id).await.unwrap();
    let waited = docker.container_wait(&id).await.unwrap();
    assert_eq!(waited.status_code, 9);
    remove(&docker, &id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn tty_logs_are_raw_console_bytes() {
    let docker = docker();
    let mut body = config(&["sh", "-c", "echo on-a-tty"]);
    body.tty = Some(true);
    let id = create(&docker, &body).await;
    docker.container_start(&id).await.unwrap();
    docker.container_wait(&id).await.unwrap();
    let logs = docker.container_logs(&id).stdout(true).await.unwrap();
    assert_eq!(logs.mode(), OutputMode::Raw, "decided from Config.Tty");
    let (out, err, console) = output_of(logs).await;
    assert!(out.is_empty() && err.is_empty());
    assert_eq!(String::from_utf8_lossy(&console).trim(), "on-a-tty");
    remove(&docker, &id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn attach_echoes_stdin_through_cat() {
    let docker = docker();
    let mut body = config(&["cat"]);
    body.open_stdin = Some(true);
    body.stdin_once = Some(true);
    body.attach_stdin = Some(true);
    body.attach_stdout = Some(true);
    let id = create(&docker, &body).await;
    let mut attached = docker
        .container_attach(&id)
        .stream(true)
        .stdin(true)
        .stdout(true)
        .stderr(true)
        .await
        .unwrap();
    docker.container_start(&id).await.unwrap();
    let mut input = attached
        .input
        .take()
        .expect("the daemon upgraded the connection");
    input.write_all(b"hi\n").await.unwrap();
    input.shutdown().await.unwrap();
    let (out, _, _) = output_of(attached.output).await;
    assert_eq!(out, b"hi\n");
    let waited = docker.container_wait(&id).await.unwrap();
    assert_eq!(waited.status_code, 0, "cat saw end of input");
    remove(&docker, &id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn attach_over_websocket_reads_output() {
    use futures_util::SinkExt;
    let docker = docker();
    let mut body = config(&["cat"]);
    body.open_stdin = Some(true);
    let id = create(&docker, &body).await;
    docker.container_start(&id).await.unwrap();
    let mut attach = docker.container_attach_websocket(&id).stream(true);
    if api_version() >= (1, 42) {
        // From API 1.42 the query says which streams to wire; below it,
        // attach/ws wires stdin, stdout and stderr whatever the query says.
        attach = attach.stdin(true).stdout(true).stderr(true);
    }
    let mut ws = attach.await.unwrap();
    ws.send(docker_remote_api::WebSocketMessage::Binary(
        b"ping\n".to_vec(),
    ))
    .await
    .unwrap();
    let mut seen = Vec::new();
    while let Some(Ok(msg)) = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
        .await
        .unwrap()
    {
        seen.extend_from_slice(&msg.into_data());
        if seen.ends_with(b"ping\n") {
            break;
        }
    }
    assert!(seen.ends_with(b"ping\n"), "{seen:?}");
    remove(&docker, &id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn changes_export_and_archives() {
    let docker = docker();
    let id = create(
        &docker,
        &config(&["sh", "-c", "mkdir /data && echo hello > /data/greeting"]),
    )
    .await;
    docker.container_start(&id).await.unwrap();
    docker.container_wait(&id).await.unwrap();

    let changes = docker.container_changes(&id).await.unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c.path == "/data/greeting" && c.kind == 1),
        "{changes:?}"
    );

    let mut export = docker.container_export(&id).await.unwrap();
    let mut exported = 0usize;
    while let Some(chunk) = export.next().await {
        exported += chunk.unwrap().len();
    }
    assert!(
        exported > 500_000,
        "the export holds busybox ({exported} bytes)"
    );

    let info = docker
        .container_archive_info(&id, "/data/greeting")
        .await
        .unwrap();
    let stat = info.path_stat.expect("HEAD answers the path stat header");
    assert_eq!(
        (stat.name.as_deref(), stat.size),
        (Some("greeting"), Some(6))
    );

    let archive = docker.container_archive(&id, "/data").await.unwrap();
    assert_eq!(
        archive.path_stat.and_then(|s| s.name),
        Some("data".to_string())
    );
    let tar_bytes = collect_bytes(archive.body).await;
    let mut tarball = tar::Archive::new(tar_bytes.as_slice());
    let names: Vec<String> = tarball
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(names.iter().any(|n| n == "data/greeting"), "{names:?}");

    let upload = tar_of(&[("uploaded.txt", 0o644, b"from the client")]);
    docker
        .container_put_archive(&id, "/data", RequestBody::from_bytes(upload))
        .await
        .unwrap();
    let info = docker
        .container_archive_info(&id, "/data/uploaded.txt")
        .await
        .unwrap();
    assert_eq!(info.path_stat.and_then(|s| s.size), Some(15));

    let missing = docker
        .container_archive_info(&id, "/nope")
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(404));
    remove(&docker, &id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn stats_once_and_streamed() {
    let docker = docker();
    let id = create(&docker, &config(&["sleep", "30"])).await;
    docker.container_start(&id).await.unwrap();

    let mut once = docker.container_stats(&id).stream(false).await.unwrap();
    let first = once.next().await.expect("one sample").unwrap();
    assert!(first.read.is_some());
    assert!(
        once.next().await.is_none(),
        "stream=0 sends a single sample"
    );

    let mut streamed = docker.container_stats(&id).stream(true).await.unwrap();
    for _ in 0..2 {
        let sample = streamed.next().await.expect("samples keep coming").unwrap();
        assert!(sample.memory_stats.is_some());
    }
    drop(streamed);
    remove(&docker, &id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn pause_unpause_restart_kill_rename_update_resize() {
    let docker = docker();
    let mut body = config(&["sleep", "300"]);
    body.tty = Some(true);
    let id = create(&docker, &body).await;
    docker.container_start(&id).await.unwrap();

    docker
        .container_resize(&id)
        .height(40)
        .width(100)
        .await
        .unwrap();

    docker.container_pause(&id).await.unwrap();
    let paused = docker.container_inspect(&id).await.unwrap();
    assert_eq!(paused.state.and_then(|s| s.paused), Some(true));
    docker.container_unpause(&id).await.unwrap();

    let new_name = unique("renamed");
    docker.container_rename(&id, &new_name).await.unwrap();
    let renamed = docker.container_inspect(&new_name).await.unwrap();
    assert_eq!(
        renamed.name.as_deref(),
        Some(format!("/{new_name}").as_str())
    );

    let update = ContainerUpdateBody {
        memory: Some(64 * 1024 * 1024),
        memory_swap: Some(-1),
        ..Default::default()
    };
    docker.container_update(&id, &update).await.unwrap();
    let updated = docker.container_inspect(&id).await.unwrap();
    assert_eq!(
        updated.host_config.and_then(|h| h.memory),
        Some(64 * 1024 * 1024)
    );

    docker.container_restart(&id).timeout(1).await.unwrap();
    docker.container_kill(&id).signal("SIGKILL").await.unwrap();
    let waited = docker.container_wait(&id).await.unwrap();
    assert_eq!(waited.status_code, 137);
    remove(&docker, &id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn errors_carry_status_operation_and_message() {
    let docker = docker();
    busybox().await;
    let bad = ContainerCreateBody {
        image: Some("drapi-no-such-image:nope".into()),
        ..Default::default()
    };
    let err = docker.container_create(&bad).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    let text = err.to_string();
    assert!(
        text.contains("container_create") && text.contains("drapi-no-such-image"),
        "{text}"
    );
}

/// Errata `host-config-capdrop-spelling` and `throttle-device-rate-quoted`:
/// the daemon takes `CapDrop` (not the prose's `Capdrop`) and a numeric `Rate`.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn capdrop_key_and_numeric_throttle_rate() {
    let docker = docker();
    let mut body = config(&["true"]);
    let host = body.host_config.as_mut().unwrap();
    host.cap_drop = Some(vec!["MKNOD".into()]);
    host.blkio_device_read_bps = Some(vec![ThrottleDevice {
        path: Some("/dev/null".into()),
        rate: Some(1024),
    }]);
    let id = create(&docker, &body).await;
    let inspected = docker.container_inspect(&id).await.unwrap();
    let host = inspected.host_config.unwrap();
    assert_eq!(host.cap_drop, Some(vec!["MKNOD".to_string()]));
    let rates: Vec<u64> = host
        .blkio_device_read_bps
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.rate)
        .collect();
    assert_eq!(rates, vec![1024]);
    remove(&docker, &id).await;
}

/// The doc swaps the descriptions of `IOMaximumBandwidth` and `IOMaximumIOps`
/// (erratum `io-maximum-descriptions-swapped`). Both are Windows-only, but a
/// Linux daemon names the limit it refuses: bandwidth for the first, IOPs for
/// the second (dockerd 20.10 with a 500, dockerd 28.5 with a 400).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn io_maximum_fields_are_bandwidth_and_iops_as_named() {
    let docker = docker();
    busybox().await;
    let refusal = |bandwidth: Option<i64>, iops: Option<i64>| {
        let docker = docker.clone();
        async move {
            let mut body = config(&["true"]);
            let host = body.host_config.as_mut().unwrap();
            host.io_maximum_bandwidth = bandwidth;
            host.io_maximum_iops = iops;
            let err = docker.container_create(&body).await.unwrap_err();
            assert_eq!(err.status(), Some(per_daemon(500, 400)), "{err}");
            err.to_string()
        }
    };
    let bandwidth = refusal(Some(1000), None).await;
    assert!(bandwidth.contains("maximum bandwidth"), "{bandwidth}");
    let iops = refusal(None, Some(1000)).await;
    assert!(iops.contains("maximum IOPs"), "{iops}");
}

/// The doc lists `101` for logs, but the daemon never hijacks them: asked for
/// an upgrade, it still answers `200` and streams (erratum `container-logs-never-101`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn logs_answer_200_even_when_an_upgrade_is_asked() {
    let docker = docker();
    let id = create(&docker, &config(&["echo", "logged"])).await;
    docker.container_start(&id).await.unwrap();
    docker.container_wait(&id).await.unwrap();
    let host = std::env::var("DRAPI_TEST_DOCKER_HOST").unwrap();
    let socket = host.strip_prefix("unix://").unwrap().to_string();
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--unix-socket",
            &socket,
        ])
        .args(["-H", "Connection: Upgrade", "-H", "Upgrade: tcp"])
        .arg(format!(
            "http://localhost/v1.24/containers/{id}/logs?stdout=1"
        ))
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    remove(&docker, &id).await;
}

/// `since` and `until` of the logs take Unix seconds with a fraction, as the
/// Docker CLI and docker-py send them (erratum
/// `container-logs-fractional-timestamps`): the entry before `since` is left
/// out, the one after it kept.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn logs_take_fractional_timestamps() {
    let docker = docker();
    let id = create(
        &docker,
        &config(&["sh", "-c", "echo early; sleep 2; echo late"]),
    )
    .await;
    docker.container_start(&id).await.unwrap();
    docker.container_wait(&id).await.unwrap();
    let logs = docker
        .container_logs(&id)
        .stdout(true)
        .timestamps(true)
        .await
        .unwrap();
    let all = String::from_utf8_lossy(&output_of(logs).await.0).into_owned();
    // The first entry's timestamp, as RFC 3339 with nanoseconds, to Unix seconds.
    let first = all.lines().next().expect("two entries").to_string();
    assert!(first.ends_with("early"), "{all}");
    let second_of_first: i64 = {
        let stamp = first.split(' ').next().unwrap();
        let time = &stamp[11..19];
        let parts: Vec<i64> = time.split(':').map(|p| p.parse().unwrap()).collect();
        let date: Vec<i64> = stamp[..10].split('-').map(|p| p.parse().unwrap()).collect();
        days_from_civil(date[0], date[1], date[2]) * 86_400
            + parts[0] * 3600
            + parts[1] * 60
            + parts[2]
    };
    let since = format!("{}.999999999", second_of_first);
    let answer = raw_exchange(
        "GET",
        &format!(
            "/v{}/containers/{id}/logs?stdout=1&since={since}",
            docker.api_version()
        ),
        &[],
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let text = answer.text();
    assert!(text.contains("late") && !text.contains("early"), "{text:?}");
    let later = docker
        .container_logs(&id)
        .stdout(true)
        .since(since)
        .await
        .unwrap();
    let later = String::from_utf8_lossy(&output_of(later).await.0).into_owned();
    assert!(
        later.contains("late") && !later.contains("early"),
        "{later:?}"
    );
    remove(&docker, &id).await;
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
