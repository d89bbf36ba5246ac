//! The hijacked connection of attach: a fake daemon on a unix socket answers
//! `POST /containers/{id}/attach` with a response head (the canonical `101`
//! or `200`, or mutated bytes) and then the fuzzed output. Whatever comes,
//! the client returns a value or an error without panicking or hanging; with
//! a well-formed head, the output it yields is exactly what the reference
//! demultiplexer reads from the same bytes (or the bytes themselves with a TTY).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use docker_remote_api::{Docker, OutputChunk};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::demux::{frames, kind_of, reference};
use crate::Target;

const TTY: u8 = 1;
const CONTENT_TYPE: u8 = 2;
const UPGRADE: u8 = 4;
const CUSTOM_HEAD: u8 = 8;

pub struct Hijack {
    runtime: tokio::runtime::Runtime,
    docker: Docker,
    current: Arc<Mutex<Vec<u8>>>,
    _dir: TempDir,
}

/// A directory removed when the target is dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The parts of one input.
struct Case<'a> {
    flags: u8,
    head: Option<&'a [u8]>,
    body: &'a [u8],
}

fn split(input: &[u8]) -> Case<'_> {
    let flags = input.first().copied().unwrap_or(0);
    let rest = input.get(1..).unwrap_or_default();
    if flags & CUSTOM_HEAD != 0 && rest.len() >= 2 {
        let len = (u16::from_le_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 2);
        Case {
            flags,
            head: Some(&rest[2..2 + len]),
            body: &rest[2 + len..],
        }
    } else {
        Case {
            flags: flags & !CUSTOM_HEAD,
            head: None,
            body: rest,
        }
    }
}

fn canonical_head(flags: u8) -> Vec<u8> {
    let mut head = if flags & UPGRADE != 0 {
        "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n".to_string()
    } else {
        "HTTP/1.1 200 OK\r\nConnection: close\r\n".to_string()
    };
    if flags & CONTENT_TYPE != 0 {
        head.push_str(if flags & TTY != 0 {
            "Content-Type: application/vnd.docker.raw-stream\r\n"
        } else {
            "Content-Type: application/vnd.docker.multiplexed-stream\r\n"
        });
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// Answers every connection from the current input: inspect gets the TTY
/// setting, attach gets the head and the output, then the connection closes.
async fn serve(listener: tokio::net::UnixListener, current: Arc<Mutex<Vec<u8>>>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let input = current.lock().expect("not poisoned").clone();
        tokio::spawn(async move {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let case = split(&input);
            let first_line = request.split(|&b| b == b'\r').next().unwrap_or_default();
            if first_line.starts_with(b"GET ") {
                let body = format!("{{\"Config\":{{\"Tty\":{}}}}}", case.flags & TTY != 0);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            } else {
                let head = case
                    .head
                    .map_or_else(|| canonical_head(case.flags), <[u8]>::to_vec);
                let _ = stream.write_all(&head).await;
                let _ = stream.write_all(case.body).await;
            }
            let _ = stream.shutdown().await;
        });
    }
}

impl Hijack {
    pub fn new() -> Result<Hijack, String> {
        let dir = std::env::temp_dir().join(format!("drapi-fuzz-hijack-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let socket = dir.join("docker.sock");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let current = Arc::new(Mutex::new(Vec::new()));
        let listener = {
            let _guard = runtime.enter();
            tokio::net::UnixListener::bind(&socket)
                .map_err(|e| format!("{}: {e}", socket.display()))?
        };
        runtime.spawn(serve(listener, current.clone()));
        Ok(Hijack {
            runtime,
            docker: Docker::connect_unix(&socket),
            current,
            _dir: TempDir(dir),
        })
    }
}

impl Target for Hijack {
    fn generate(&mut self, rng: &mut fastrand::Rng) -> Vec<u8> {
        let mut flags = rng.u8(..8);
        let mut input = Vec::new();
        if rng.u8(..5) == 0 {
            flags |= CUSTOM_HEAD;
            let mut head = canonical_head(flags);
            crate::mutate::mutate(rng, &mut head);
            input.push(flags);
            input.extend_from_slice(&(head.len() as u16).to_le_bytes());
            input.extend_from_slice(&head);
        } else {
            input.push(flags);
        }
        input.extend_from_slice(&frames(rng));
        input
    }

    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        *self.current.lock().expect("not poisoned") = input.to_vec();
        let case = split(input);
        let docker = &self.docker;
        let outcome = self.runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), async {
                let attached = docker
                    .container_attach("fuzz")
                    .stream(true)
                    .stdout(true)
                    .stderr(true)
                    .await?;
                drop(attached.input);
                let items: Vec<_> = attached.output.collect().await;
                Ok::<_, docker_remote_api::Error>(items)
            })
            .await
        });
        let items = match outcome {
            Err(_) => {
                return Err("the attach did not end within 10 s of the connection closing".into())
            }
            // Mutated heads may well be refused; refusing is fine, panicking is not.
            Ok(Err(_)) if case.head.is_some() => return Ok(()),
            Ok(Err(e)) => return Err(format!("a well-formed attach answer failed: {e}")),
            Ok(Ok(items)) => items,
        };
        if case.head.is_some() {
            return Ok(());
        }
        let failed = items.iter().any(|i| i.is_err());
        if case.flags & TTY != 0 {
            let bytes: Vec<u8> = items
                .iter()
                .filter_map(|i| i.as_ref().ok())
                .flat_map(|c| c.bytes().to_vec())
                .collect();
            if failed || bytes != case.body {
                return Err("raw output with a TTY differs from the bytes sent".into());
            }
            return Ok(());
        }
        let expected = reference(case.body);
        let mut runs: Vec<(u8, Vec<u8>)> = Vec::new();
        for chunk in items.iter().filter_map(|i| i.as_ref().ok()) {
            if matches!(chunk, OutputChunk::Console(_)) {
                return Err("framed output yielded console bytes".into());
            }
            match runs.last_mut() {
                Some((kind, run)) if *kind == kind_of(chunk) => {
                    run.extend_from_slice(chunk.bytes())
                }
                _ => runs.push((kind_of(chunk), chunk.bytes().to_vec())),
            }
        }
        let should_fail = expected.bad_header || !expected.at_boundary;
        if runs != expected.runs || failed != should_fail {
            return Err(format!(
                "framed output differs from the reference: {} runs (error {failed}), expected {} runs (error {should_fail})",
                runs.len(),
                expected.runs.len()
            ));
        }
        Ok(())
    }
}
