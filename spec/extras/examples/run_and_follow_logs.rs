//! Runs a command in a new container, streams its output while it runs, and
//! exits with the container's exit code: a small `docker run --rm`.
//!
//! ```text
//! cargo run -p docker-remote-api --example run_and_follow_logs -- IMAGE [COMMAND...]
//! cargo run -p docker-remote-api --example run_and_follow_logs -- busybox:latest sh -c 'echo hello; echo oops >&2; exit 3'
//! ```
//!
//! The daemon is the one `DOCKER_HOST` names (default `unix:///var/run/docker.sock`).
//! The image must already be there; `pull_with_progress` fetches one. Without a
//! command the image's own `CMD` runs.

use std::process::ExitCode;

use docker_remote_api::prelude::*;
use tokio::io::AsyncWriteExt;

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((image, command)) = args.split_first() else {
        eprintln!("usage: run_and_follow_logs IMAGE [COMMAND...]");
        return ExitCode::from(2);
    };
    match run(image, command).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("run_and_follow_logs: {error}");
            if let Some(Error::Transport { .. } | Error::Timeout { .. }) = error.downcast_ref() {
                let host = std::env::var("DOCKER_HOST");
                let host = host
                    .as_deref()
                    .unwrap_or(docker_remote_api::DEFAULT_ENDPOINT);
                eprintln!("is a Docker daemon listening at {host}? DOCKER_HOST says where to look");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(image: &str, command: &[String]) -> Result<ExitCode, BoxError> {
    let docker = Docker::from_env()?;
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        // The arguments as given, one each: no shell parses them on the way.
        cmd: (!command.is_empty()).then(|| StringOrList::List(command.to_vec())),
        ..Default::default()
    };
    let created = docker
        .container_create(&body)
        .await
        .map_err(|e| -> BoxError {
            if e.is_not_found() {
                format!("no image `{image}` on the daemon; pull it first ({e})").into()
            } else {
                e.into()
            }
        })?;
    for warning in created.warnings.iter().flatten() {
        eprintln!("warning: {warning}");
    }

    // From here on the container exists, so every way out, Ctrl-C included,
    // goes through the removal below.
    let outcome = tokio::select! {
        result = start_and_follow(&docker, &created.id) => result,
        _ = tokio::signal::ctrl_c() => Err("interrupted".into()),
    };
    // `force` also stops it if it still runs (after an error or Ctrl-C).
    let removed = docker.container_delete(&created.id).force(true).await;
    let status_code = outcome?;
    removed?;
    // Exit codes beyond a byte (or negative ones) cannot be passed on as they are.
    Ok(u8::try_from(status_code).map_or(ExitCode::FAILURE, ExitCode::from))
}

/// Starts the container, copies its output until it stops, and answers its exit code.
async fn start_and_follow(docker: &Docker, id: &str) -> Result<i64, BoxError> {
    docker.container_start(id).await?;

    // With `follow`, the stream replays what was already written and ends when
    // the container stops, so output of a very short command is not lost.
    let mut output = docker
        .container_logs(id)
        .stdout(true)
        .stderr(true)
        .follow(true)
        .await?;
    let mut stdout = tokio::io::stdout();
    let mut stderr = tokio::io::stderr();
    while let Some(chunk) = output.next().await {
        // Flushing every chunk keeps stdout and stderr interleaved as the
        // container wrote them, and shows output of long runs at once.
        match chunk? {
            OutputChunk::Stderr(bytes) => {
                stderr.write_all(&bytes).await?;
                stderr.flush().await?;
            }
            other => {
                stdout.write_all(other.bytes()).await?;
                stdout.flush().await?;
            }
        }
    }

    // The client's request timeout (120 s by default) also bounds how long an
    // answer may take; a wait answers only when the container stops.
    let waiting = docker.clone().with_request_timeout(None);
    Ok(waiting.container_wait(id).await?.status_code)
}
