//! Builds an image from a directory holding a `Dockerfile`, printing the
//! build's output as it comes: a small `docker build -t TAG DIR`.
//!
//! ```text
//! cargo run -p docker-remote-api --example build_from_directory -- DIR TAG
//! cargo run -p docker-remote-api --example build_from_directory -- ./app myapp:dev
//! ```
//!
//! The daemon is the one `DOCKER_HOST` names (default `unix:///var/run/docker.sock`).
//! The whole directory is sent as the build context (`.dockerignore` is not
//! read here), so keep it small. A failing step ends the program with the
//! daemon's message and exit code 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docker_remote_api::prelude::*;

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, tag] = args.as_slice() else {
        eprintln!("usage: build_from_directory DIR TAG");
        return ExitCode::from(2);
    };
    match build(PathBuf::from(dir), tag).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("build_from_directory: {error}");
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

async fn build(dir: PathBuf, tag: &str) -> Result<(), BoxError> {
    if !dir.join("Dockerfile").is_file() {
        return Err(format!("{} has no Dockerfile", dir.display()).into());
    }
    // Reading a directory tree blocks; on a runtime thread it would stall every other task.
    let context = tokio::task::spawn_blocking(move || tar_directory(&dir)).await??;

    let docker = Docker::from_env()?;
    // In memory is fine for a small context; a large one is better written to a
    // temporary file and sent with `RequestBody::from_reader`.
    let mut output = docker
        .image_build(RequestBody::from_bytes(context))
        .tag(tag)
        // Remove the intermediate containers of successful steps, as `docker build` does.
        .rm(true)
        .await?;
    while let Some(message) = output.next().await {
        // A failing step still answers 200; the failure arrives as an item of
        // the stream (an `Error::Stream` naming the step's message).
        let message = message.map_err(|e| format!("the build failed: {e}"))?;
        if let Some(text) = &message.stream {
            // Build output carries its own line ends.
            print!("{text}");
        } else if let Some(status) = &message.status {
            // Status lines come from pulling a `FROM` image.
            println!(
                "{status} {}",
                message.progress.as_deref().unwrap_or_default()
            );
        }
        if let Some(id) = message.aux.as_ref().and_then(|aux| aux.get("ID")) {
            println!("image id: {}", id.as_str().unwrap_or_default());
        }
    }
    Ok(())
}

/// The build context: `dir`'s contents at the root of a tar archive.
fn tar_directory(dir: &Path) -> std::io::Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    // The daemon resolves symlinks inside the context itself; following them
    // here could pull in files from outside it.
    archive.follow_symlinks(false);
    archive.append_dir_all(".", dir)?;
    archive.into_inner()
}
