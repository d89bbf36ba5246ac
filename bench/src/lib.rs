//! What the benchmarks of `benches/` share: the daemon's address, the fixture
//! (a busybox image and 50 containers, removed afterwards), the raw-hyper
//! baseline on kept connections, and the process's CPU time.
//!
//! The benchmarks need a real daemon on a unix socket, from `DOCKER_HOST`
//! (`unix:///...`, or `DRAPI_TEST_DOCKER_HOST` as `cargo xtask dockerd`
//! prints it). They never touch the user's own daemon unless pointed at it.

use std::time::Duration;

use bytes::Bytes;
use docker_remote_api::prelude::*;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;

/// The API version every client in the comparison speaks (dockerd 28.5's newest).
pub const API: &str = docker_remote_api::API_VERSION;

/// How many containers the list benchmark lists.
pub const CONTAINERS: usize = 50;

/// How many callers the concurrent benchmarks run at once.
pub const CONCURRENCY: usize = 16;

/// The label every container of the fixture carries, to find and remove them.
const LABEL: &str = "drapi-bench";

/// The image the fixture builds: `FROM scratch` plus a static busybox.
const IMAGE: &str = "drapi-bench-busybox:1";

/// The daemon's unix socket path, from `DOCKER_HOST` or `DRAPI_TEST_DOCKER_HOST`.
pub fn socket() -> Option<String> {
    ["DOCKER_HOST", "DRAPI_TEST_DOCKER_HOST"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find_map(|host| host.strip_prefix("unix://").map(str::to_string))
}

/// The containers the benchmarks inspect and list.
pub struct Fixture {
    /// The id of the container that `inspect` asks for.
    pub inspected: String,
    /// Every container made, to remove.
    pub made: Vec<String>,
}

fn tar_of(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, mode, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(*mode);
        header.set_cksum();
        builder.append_data(&mut header, path, *content).unwrap();
    }
    builder.into_inner().unwrap()
}

impl Fixture {
    /// Builds the image (busybox from `DRAPI_TEST_BUSYBOX`, default
    /// `/bin/busybox`) and creates containers, never started, until the
    /// daemon holds exactly [`CONTAINERS`] (the fixture's leftovers of an
    /// earlier run are removed first; a daemon holding others is refused).
    pub async fn set_up(docker: &Docker) -> Fixture {
        Self::remove_labelled(docker).await;
        let others = docker.container_list().all(true).await.unwrap();
        assert!(
            others.is_empty(),
            "the daemon holds {} containers of its own; point DOCKER_HOST at a test daemon",
            others.len()
        );
        let busybox = std::env::var("DRAPI_TEST_BUSYBOX").unwrap_or_else(|_| "/bin/busybox".into());
        let busybox = std::fs::read(&busybox).unwrap_or_else(|e| panic!("{busybox}: {e}"));
        let dockerfile = b"FROM scratch\nCOPY busybox /bin/busybox\n";
        let context = tar_of(&[
            ("Dockerfile", 0o644, dockerfile),
            ("busybox", 0o755, &busybox),
        ]);
        let mut progress = docker
            .image_build(RequestBody::from_bytes(context))
            .tag(IMAGE)
            .rm(true)
            .await
            .unwrap();
        while let Some(line) = progress.next().await {
            line.unwrap();
        }
        let mut made = Vec::new();
        for i in 0..CONTAINERS {
            let body = ContainerCreateBody {
                image: Some(IMAGE.into()),
                cmd: Some(StringOrList::List(vec![
                    "/bin/busybox".into(),
                    "true".into(),
                ])),
                labels: Some([(LABEL.to_string(), "1".to_string())].into()),
                host_config: Some(HostConfig {
                    network_mode: Some("none".into()),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let created = docker
                .container_create(&body)
                .name(format!("drapi-bench-{i}"))
                .await
                .unwrap();
            made.push(created.id);
        }
        Fixture {
            inspected: made[0].clone(),
            made,
        }
    }

    /// Removes the containers made.
    pub async fn tear_down(self, docker: &Docker) {
        Self::remove_labelled(docker).await;
    }

    async fn remove_labelled(docker: &Docker) {
        let all = docker.container_list().all(true).await.unwrap();
        for c in all {
            let labelled = c.labels.as_ref().is_some_and(|l| l.contains_key(LABEL));
            if labelled {
                docker.container_delete(&c.id).force(true).await.unwrap();
            }
        }
    }
}

/// One kept HTTP/1.1 connection written directly on hyper: the baseline.
pub type RawSender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

/// Opens a connection to `socket` and starts its task.
pub async fn raw_connect(socket: &str) -> RawSender {
    let stream = tokio::net::UnixStream::connect(socket).await.unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

/// One GET on a kept connection, its body collected (bytes, not decoded).
pub async fn raw_get(sender: &mut RawSender, path: &str) -> Bytes {
    sender.ready().await.unwrap();
    let request = http::Request::get(path)
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.into_body().collect().await.unwrap().to_bytes()
}

/// The paths of the three benchmarks, as the raw baseline sends them.
pub fn raw_paths(fixture: &Fixture) -> [(&'static str, String); 3] {
    [
        ("ping", format!("/v{API}/_ping")),
        (
            "inspect",
            format!("/v{API}/containers/{}/json", fixture.inspected),
        ),
        ("list", format!("/v{API}/containers/json?all=1")),
    ]
}

/// CPU time (user + system) the whole process has used so far.
pub fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is valid.
    let usage = unsafe {
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()), 0);
        usage.assume_init()
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// A current-thread runtime, for the sequential benchmarks.
pub fn sequential_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A runtime of two workers (the machine's cores), for the concurrent ones.
pub fn concurrent_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
