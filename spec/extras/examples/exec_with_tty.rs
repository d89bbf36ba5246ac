//! Runs a command inside a running container with a terminal, interactively:
//! a small `docker exec -it CONTAINER COMMAND`.
//!
//! ```text
//! cargo run -p docker-remote-api --example exec_with_tty -- CONTAINER [COMMAND...]
//! cargo run -p docker-remote-api --example exec_with_tty -- web sh
//! echo 'ls /' | cargo run -p docker-remote-api --example exec_with_tty -- web sh
//! ```
//!
//! The daemon is the one `DOCKER_HOST` names (default `unix:///var/run/docker.sock`).
//! The command defaults to `sh`. Its terminal is `COLUMNS` x `LINES` (80x24
//! when unset) and is not resized when this window is. When stdin is a terminal
//! it is switched to raw mode (with `stty`) so keys such as Ctrl-C and Tab reach
//! the command instead of this program, and restored on exit. The program exits
//! with the command's exit code.

use std::io::{IsTerminal, Read};
use std::process::{Command, ExitCode, Stdio};

use docker_remote_api::prelude::*;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((container, command)) = args.split_first() else {
        eprintln!("usage: exec_with_tty CONTAINER [COMMAND...]");
        return ExitCode::from(2);
    };
    let command = if command.is_empty() {
        vec!["sh".to_string()]
    } else {
        command.to_vec()
    };
    let result = {
        // Dropped (and the terminal restored) before any error is printed.
        let _raw = RawMode::enter();
        exec(container, command).await
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("exec_with_tty: {error}");
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

async fn exec(container: &str, command: Vec<String>) -> Result<ExitCode, BoxError> {
    let docker = Docker::from_env()?;
    let config = ExecCreateBody {
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(true),
        cmd: Some(command),
        ..Default::default()
    };
    let created = docker.exec_create(container, &config).await?;
    let start = ExecStartBody {
        detach: Some(false),
        tty: Some(true),
        ..Default::default()
    };
    let attached = docker.exec_start(&created.id, &start).await?;

    // The process exists only once started, so only now can its terminal be sized.
    // A failure costs only the size, not the session.
    let (width, height) = (env_size("COLUMNS", 80), env_size("LINES", 24));
    if let Err(e) = docker
        .exec_resize(&created.id)
        .width(width)
        .height(height)
        .await
    {
        eprintln!("exec_with_tty: cannot resize the terminal: {e}\r");
    }

    if let Some(mut input) = attached.input {
        let mut keys = stdin_chunks();
        tokio::spawn(async move {
            while let Some(chunk) = keys.recv().await {
                if input.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            // Our stdin ended (piped input). On a terminal, end of input is the
            // EOF character (Ctrl-D), not a closed stream: closing the connection's
            // input would make the daemon end the whole session, output included.
            let _ = input.write_all(b"\x04").await;
        });
    }

    // With a TTY the output is one raw stream (`OutputChunk::Console`), stdout
    // and stderr mixed as on a real terminal. It ends when the process exits.
    let mut output = attached.output;
    let mut stdout = tokio::io::stdout();
    while let Some(chunk) = output.next().await {
        stdout.write_all(chunk?.bytes()).await?;
        stdout.flush().await?;
    }

    // The output can end a moment before the daemon records the exit code, so
    // ask until the exec no longer runs.
    let code = loop {
        let exec = docker.exec_inspect(&created.id).await?;
        match (exec.running, exec.exit_code) {
            (Some(false), Some(code)) => break code,
            _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    };
    Ok(u8::try_from(code).map_or(ExitCode::FAILURE, ExitCode::from))
}

fn env_size(name: &str, default: i32) -> i32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's stdin, chunk by chunk, as it is typed.
///
/// A plain thread, not `tokio::io::stdin()`: a read of a terminal cannot be
/// cancelled, and tokio would wait for it (for a key press) before the
/// program could exit. A thread blocked in a read does not stop the exit.
fn stdin_chunks() -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel(16);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buffer = [0u8; 4096];
        loop {
            match stdin.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if sender.blocking_send(buffer[..n].to_vec()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    receiver
}

/// Raw mode of the terminal on stdin while alive: keys are passed on one by
/// one and unechoed, since the container's terminal echoes and edits instead.
struct RawMode {
    saved: Option<String>,
}

impl RawMode {
    fn enter() -> RawMode {
        if !std::io::stdin().is_terminal() {
            return RawMode { saved: None };
        }
        // `stty` acts on the terminal it gets as stdin; `-g` prints the
        // settings in a form it can restore later.
        let saved = Command::new("stty")
            .arg("-g")
            .stdin(Stdio::inherit())
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
        if saved.is_some() {
            let _ = Command::new("stty").args(["raw", "-echo"]).status();
        }
        RawMode { saved }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(settings) = &self.saved {
            let _ = Command::new("stty").arg(settings).status();
        }
    }
}
