#![cfg(feature = "fake")]
// The code under test talks through the crate's client.
#![cfg(feature = "client")]
//! Testing Docker automation without a daemon: the code under test talks to
//! a [`FakeDaemon`] through the crate's own client, exactly as it would talk
//! to dockerd, and the test looks at what happened through the fake's
//! snapshots (`containers()`, `volumes()`, `events()`).
//!
//! The "automation" here is `run_job`: run a command in a fresh container,
//! collect its output and exit code, clean up.

use std::collections::BTreeMap;

use docker_remote_api::fake::{default_program, FakeDaemon, Outcome};
use docker_remote_api::prelude::*;

/// What `run_job` found out.
#[derive(Debug, PartialEq)]
struct JobResult {
    exit_code: i64,
    stdout: String,
}

/// The code under test: runs `cmd` in a container of `image` labelled as a
/// job, waits for it, reads its output and removes it.
async fn run_job(
    docker: &Docker,
    image: &str,
    name: &str,
    cmd: &[&str],
) -> Result<JobResult, Error> {
    let mut labels = BTreeMap::new();
    labels.insert("role".to_string(), "job".to_string());
    let body = ContainerCreateBody {
        image: Some(image.into()),
        cmd: Some(StringOrList::List(
            cmd.iter().map(|s| s.to_string()).collect(),
        )),
        labels: Some(labels),
        ..Default::default()
    };
    let id = docker.container_create(&body).name(name).await?.id;
    docker.container_start(&id).await?;
    let exit_code = docker.container_wait(&id).await?.status_code;
    let mut logs = docker.container_logs(&id).stdout(true).stderr(true).await?;
    let mut stdout = String::new();
    while let Some(chunk) = logs.next().await {
        stdout.push_str(&String::from_utf8_lossy(chunk?.bytes()));
    }
    docker.container_delete(&id).await?;
    Ok(JobResult { exit_code, stdout })
}

/// A fake daemon served on a unix socket of its own, stopped when dropped.
struct Served {
    fake: FakeDaemon,
    docker: Docker,
    dir: std::path::PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    async fn start(fake: FakeDaemon) -> Served {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "drapi-fake-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("docker.sock");
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let task = tokio::spawn(fake.clone().serve(listener));
        let docker = Docker::connect_unix(&socket);
        Served {
            fake,
            docker,
            dir,
            task,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn a_job_runs_and_its_output_is_collected() {
    let served = Served::start(FakeDaemon::builder().image("busybox:latest").build()).await;

    let result = run_job(
        &served.docker,
        "busybox",
        "migrate",
        &["sh", "-c", "echo migrating; echo done; exit 3"],
    )
    .await
    .unwrap();

    assert_eq!(
        result,
        JobResult {
            exit_code: 3,
            stdout: "migrating\ndone\n".into()
        }
    );
    // The job cleaned up after itself...
    assert!(served.fake.containers().is_empty());
    // ...after running exactly once, as the daemon's events tell.
    let actions: Vec<String> = served
        .fake
        .events()
        .into_iter()
        .filter(|e| e.r#type == Some(EventType::Container))
        .filter_map(|e| e.action)
        .collect();
    assert_eq!(actions, ["create", "start", "die", "destroy"]);
}

#[tokio::test]
async fn a_missing_image_is_the_daemons_404() {
    let served = Served::start(FakeDaemon::new()).await;

    let error = run_job(&served.docker, "nosuch:1", "job", &["true"])
        .await
        .unwrap_err();

    assert!(error.is_not_found(), "{error}");
    assert!(
        error.to_string().contains("No such image: nosuch:1"),
        "{error}"
    );
}

#[tokio::test]
async fn containers_are_listed_with_filters() {
    let served = Served::start(FakeDaemon::builder().image("busybox:latest").build()).await;
    let docker = &served.docker;
    for (name, cmd, role) in [
        ("web", "sleep", "server"),
        ("worker", "sleep", "job"),
        ("once", "true", "job"),
    ] {
        let mut labels = BTreeMap::new();
        labels.insert("role".to_string(), role.to_string());
        let body = ContainerCreateBody {
            image: Some("busybox".into()),
            cmd: Some(StringOrList::List(vec![cmd.into(), "3600".into()])),
            labels: Some(labels),
            ..Default::default()
        };
        let id = docker.container_create(&body).name(name).await.unwrap().id;
        docker.container_start(&id).await.unwrap();
    }

    let running_jobs = docker
        .container_list()
        .filters(ContainerListFilters {
            status: Some(vec!["running".into()]),
            label: Some(vec!["role=job".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let names: Vec<_> = running_jobs
        .iter()
        .map(|c| c.names.clone().unwrap())
        .collect();
    assert_eq!(names, [vec!["/worker".to_string()]]);

    // Without `all` only running containers; with it, the newest first.
    let everything = docker.container_list().all(true).await.unwrap();
    let states: Vec<_> = everything
        .iter()
        .map(|c| {
            (
                c.names.clone().unwrap()[0].clone(),
                c.state.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("/once".to_string(), ContainerStatus::Exited),
            ("/worker".to_string(), ContainerStatus::Running),
            ("/web".to_string(), ContainerStatus::Running),
        ]
    );
    assert_eq!(docker.container_list().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_volume_in_use_cannot_be_removed() {
    let served = Served::start(FakeDaemon::builder().image("busybox:latest").build()).await;
    let docker = &served.docker;
    let mut labels = BTreeMap::new();
    labels.insert("backup".to_string(), "nightly".to_string());
    let volume = docker
        .volume_create()
        .body(&VolumeCreateBody {
            name: Some("data".into()),
            labels: Some(labels),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(volume.name, "data");
    assert_eq!(volume.driver.as_deref(), Some("local"));

    let body = ContainerCreateBody {
        image: Some("busybox".into()),
        cmd: Some(StringOrList::List(vec!["true".into()])),
        host_config: Some(HostConfig {
            binds: Some(vec!["data:/data".into()]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let id = docker
        .container_create(&body)
        .name("user")
        .await
        .unwrap()
        .id;

    let listed = docker
        .volume_list()
        .filters(VolumeListFilters {
            label: Some(vec!["backup=nightly".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let names: Vec<_> = listed
        .volumes
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["data"]);

    let refused = docker.volume_delete("data").await.unwrap_err();
    assert_eq!(refused.status(), Some(409), "{refused}");
    assert!(
        refused.to_string().contains("volume is in use"),
        "{refused}"
    );
    assert_eq!(served.fake.volumes()[0].used_by, vec![id.clone()]);

    docker.container_delete(&id).await.unwrap();
    docker.volume_delete("data").await.unwrap();
    assert!(served.fake.volumes().is_empty());
}

#[tokio::test]
async fn a_program_of_your_own_decides_what_containers_do() {
    let fake = FakeDaemon::builder()
        .image("registry.example/app:1.2")
        .program(|run| match run.argv.as_slice() {
            [app, command] if app == "app" && command == "migrate" => {
                Outcome::exit(0).with_stdout("3 migrations applied\n")
            }
            [app, ..] if app == "app" => Outcome::exit(2).with_stderr("unknown command\n"),
            _ => default_program(run),
        })
        .build();
    let served = Served::start(fake).await;

    let migrated = run_job(
        &served.docker,
        "registry.example/app:1.2",
        "migrate-job",
        &["app", "migrate"],
    )
    .await
    .unwrap();
    assert_eq!(migrated.exit_code, 0);
    assert_eq!(migrated.stdout, "3 migrations applied\n");

    let failed = run_job(
        &served.docker,
        "registry.example/app:1.2",
        "failing-job",
        &["app", "oops"],
    )
    .await
    .unwrap();
    assert_eq!(
        failed,
        JobResult {
            exit_code: 2,
            stdout: "unknown command\n".into()
        }
    );
}

#[tokio::test]
async fn the_events_tell_what_happened() {
    let served = Served::start(FakeDaemon::builder().image("busybox:latest").build()).await;
    let docker = &served.docker;
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // A watcher started first sees the run as it happens...
    let mut live = docker
        .system_events()
        .filters(EventFilters {
            r#type: Some(vec!["container".into()]),
            event: Some(vec!["die".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let result = run_job(docker, "busybox", "job-1", &["false"])
        .await
        .unwrap();
    assert_eq!(result.exit_code, 1);
    let died = live.next().await.unwrap().unwrap();
    let attributes = died.actor.unwrap().attributes.unwrap();
    assert_eq!(attributes["name"], "job-1");
    assert_eq!(attributes["exitCode"], "1");

    // ...and a question about the past gets what happened, then the end.
    let until = since + 3600;
    let mut past = docker
        .system_events()
        .since(since.to_string())
        .until(until.to_string())
        .filters(EventFilters {
            container: Some(vec!["job-1".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let first: Vec<String> = [
        past.next().await.unwrap().unwrap(),
        past.next().await.unwrap().unwrap(),
    ]
    .into_iter()
    .filter_map(|e| e.action)
    .collect();
    assert_eq!(first, ["create", "start"]);
}
