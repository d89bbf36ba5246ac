//! Pulls an image and shows the progress of every layer, one line each,
//! updated in place on a terminal: a small `docker pull`.
//!
//! ```text
//! cargo run -p docker-remote-api --example pull_with_progress -- IMAGE
//! REGISTRY_USERNAME=me REGISTRY_PASSWORD=secret \
//!     cargo run -p docker-remote-api --example pull_with_progress -- registry.example.com/team/app:1.2
//! ```
//!
//! The daemon is the one `DOCKER_HOST` names (default `unix:///var/run/docker.sock`);
//! it is the daemon, not this program, that talks to the registry. With
//! `REGISTRY_USERNAME` and `REGISTRY_PASSWORD` set, the credentials go along in
//! the `X-Registry-Auth` header. When stdout is not a terminal (a pipe, a log
//! file) each change of a layer's status is printed as a line of its own.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use docker_remote_api::prelude::*;

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [image] = args.as_slice() else {
        eprintln!("usage: pull_with_progress IMAGE   (credentials from REGISTRY_USERNAME / REGISTRY_PASSWORD)");
        return ExitCode::from(2);
    };
    match pull(image).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pull_with_progress: {error}");
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

async fn pull(image: &str) -> Result<(), BoxError> {
    let docker = Docker::from_env()?;
    let options = ImageCreateOptions {
        from_image: Some(image.to_string()),
        // Without a tag the daemon pulls *every* tag of the repository, which is
        // never what `docker pull name` means.
        tag: (!has_tag_or_digest(image)).then(|| "latest".to_string()),
        registry_auth: credentials()?,
        ..Default::default()
    };
    let mut progress = docker.image_create().options(options).await?;
    let mut display = Progress::new(std::io::stdout().is_terminal());
    while let Some(message) = progress.next().await {
        // A failed pull still answers 200; the failure arrives as an item of the
        // stream (an `Error::Stream`), so `?` here is what catches it.
        display.show(&message?)?;
    }
    Ok(())
}

/// Whether `image` names a tag or a digest. A colon before the last `/` is a
/// registry's port (`127.0.0.1:5000/app`), not a tag.
fn has_tag_or_digest(image: &str) -> bool {
    let last_part = image.rsplit('/').next().unwrap_or(image);
    image.contains('@') || last_part.contains(':')
}

/// Registry credentials from the environment, or none when neither variable is
/// set. The daemon presents them to whichever registry the image name points at.
fn credentials() -> Result<Option<AuthConfig>, BoxError> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    match (var("REGISTRY_USERNAME"), var("REGISTRY_PASSWORD")) {
        (None, None) => Ok(None),
        (Some(username), Some(password)) => Ok(Some(AuthConfig {
            username: Some(username),
            password: Some(password),
            ..Default::default()
        })),
        _ => Err("set both REGISTRY_USERNAME and REGISTRY_PASSWORD, or neither".into()),
    }
}

/// The lines on screen: one per layer, plus the messages about no layer.
struct Progress {
    /// Cursor movement is only for terminals; elsewhere it would be garbage.
    terminal: bool,
    /// Layer id (None for a message about no layer) and the text last shown for it.
    rows: Vec<(Option<String>, String)>,
    /// A line that wraps would take two rows and throw the cursor arithmetic off.
    width: usize,
}

impl Progress {
    fn new(terminal: bool) -> Self {
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
        Progress {
            terminal,
            rows: Vec::new(),
            width: width.unwrap_or(80),
        }
    }

    fn show(&mut self, message: &ProgressMessage) -> std::io::Result<()> {
        let status = message.status.as_deref().unwrap_or_default();
        let mut out = std::io::stdout().lock();
        let Some(id) = &message.id else {
            self.rows.push((None, status.to_string()));
            return writeln!(out, "{status}");
        };
        let row = self.rows.iter().position(|(r, _)| r.as_ref() == Some(id));
        let text = if self.terminal {
            let progress = message.progress.as_deref().unwrap_or_default();
            let line = format!("{id}: {status} {progress}");
            line.trim_end()
                .chars()
                .take(self.width.saturating_sub(1))
                .collect()
        } else {
            // The progress bar changes many times a second; a log only wants the steps.
            format!("{id}: {status}")
        };
        match row {
            None => {
                writeln!(out, "{text}")?;
                self.rows.push((Some(id.clone()), text));
            }
            Some(index) if self.terminal => {
                // Up to the layer's line, rewrite it, and back down below the last line.
                let up = self.rows.len() - index;
                write!(out, "\x1b[{up}A\r\x1b[2K{text}\x1b[{up}B\r")?;
                self.rows[index].1 = text;
            }
            Some(index) => {
                if self.rows[index].1 != text {
                    writeln!(out, "{text}")?;
                    self.rows[index].1 = text;
                }
            }
        }
        out.flush()
    }
}
