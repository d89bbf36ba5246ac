//! The real Docker CLI (docker.io's `/usr/bin/docker`, 20.10) talking to a
//! fake daemon built from the generated server stubs: it negotiates through
//! `/_ping`'s `Api-Version` header, reads `/version`, lists containers and
//! shows the stub's 404 message. No daemon is involved; only the CLI is
//! needed, which `cargo xtask test` installs with docker.io.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use docker_remote_api::prelude::*;
use docker_remote_api::server::containers::{ContainerInspectReply, ContainerListReply};
use docker_remote_api::server::system::{SystemPingReply, SystemVersionReply};
use docker_remote_api::server::{ContainersApi, ServerBuilder, ServerError, SystemApi};

const CLI: &str = "/usr/bin/docker";

/// A fake daemon with one container, recording the list queries it gets.
#[derive(Default)]
struct Fake {
    list_queries: Mutex<Vec<ContainerListOptions>>,
}

impl SystemApi for Fake {
    async fn system_ping(&self) -> Result<SystemPingReply, ServerError> {
        Ok(SystemPingReply::Ok("OK".into()))
    }

    async fn system_version(&self) -> Result<SystemVersionReply, ServerError> {
        Ok(SystemVersionReply::Ok(Box::new(SystemVersion {
            version: Some("0.0.1-stub".into()),
            api_version: Some(docker_remote_api::API_VERSION.into()),
            os: Some("linux".into()),
            arch: Some("amd64".into()),
            kernel_version: Some("stub".into()),
            go_version: Some("none".into()),
            git_commit: Some("stub".into()),
            ..Default::default()
        })))
    }
}

impl ContainersApi for Fake {
    async fn container_list(
        &self,
        options: ContainerListOptions,
    ) -> Result<ContainerListReply, ServerError> {
        self.list_queries.lock().unwrap().push(options);
        Ok(ContainerListReply::Ok(vec![ContainerSummary {
            id: "4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2".into(),
            names: Some(vec!["/stub-one".into()]),
            image: Some("busybox".into()),
            command: Some("sleep 60".into()),
            created: Some(1_700_000_000),
            state: Some("running".into()),
            status: Some("Up 2 minutes".into()),
            ..Default::default()
        }]))
    }

    async fn container_inspect(
        &self,
        id: String,
        _options: ContainerInspectOptions,
    ) -> Result<ContainerInspectReply, ServerError> {
        Ok(ContainerInspectReply::NotFound(ErrorResponse {
            message: format!("No such container: {id}"),
        }))
    }
}

struct Served {
    socket: PathBuf,
    dir: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn serve(fake: Arc<Fake>) -> Served {
    let dir = std::env::temp_dir().join(format!("drapi-cli-stub-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("fake.sock");
    let _ = std::fs::remove_file(&socket);
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    let router = ServerBuilder::new()
        .system(fake.clone())
        .containers(fake)
        .into_router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Served { socket, dir }
}

/// Runs the CLI against `socket` on a blocking thread (the server runs on this runtime).
async fn cli(socket: &Path, config: &Path, args: &[&str]) -> (bool, String, String) {
    let host = format!("unix://{}", socket.display());
    let config = config.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(CLI)
            .args(&args)
            .env("DOCKER_HOST", host)
            .env("DOCKER_CONFIG", config)
            .env_remove("DOCKER_API_VERSION")
            .env_remove("DOCKER_TLS_VERIFY")
            .output()
            .expect("docker.io's CLI runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs docker.io's CLI: cargo xtask test"]
async fn the_docker_cli_works_against_the_stubs() {
    let fake = Arc::new(Fake::default());
    let served = serve(fake.clone()).await;
    let config = served.dir.join("cli-config");
    std::fs::create_dir_all(&config).unwrap();

    let (ok, out, err) = cli(
        &served.socket,
        &config,
        &[
            "version",
            "--format",
            "{{.Server.Version}} {{.Server.APIVersion}} {{.Client.APIVersion}}",
        ],
    )
    .await;
    assert!(ok, "docker version: {err}");
    // The CLI (20.10) speaks up to 1.41 and settles on the older of that and
    // what the stub announces.
    let version = docker_remote_api::API_VERSION;
    let client = common::older_api(version, "1.41");
    assert_eq!(out, format!("0.0.1-stub {version} {client}"));

    let (ok, out, err) = cli(
        &served.socket,
        &config,
        &[
            "ps",
            "-a",
            "--no-trunc",
            "--format",
            "{{.ID}} {{.Names}} {{.Status}}",
        ],
    )
    .await;
    assert!(ok, "docker ps: {err}");
    assert_eq!(
        out,
        "4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2 stub-one Up 2 minutes"
    );
    let queries = fake.list_queries.lock().unwrap().clone();
    assert_eq!(queries.len(), 1, "{queries:?}");
    assert_eq!(
        queries[0].all,
        Some(true),
        "`-a` arrives typed: {queries:?}"
    );

    let (ok, _, err) = cli(&served.socket, &config, &["container", "inspect", "nope"]).await;
    assert!(!ok);
    assert!(err.contains("No such container: nope"), "{err}");
}
