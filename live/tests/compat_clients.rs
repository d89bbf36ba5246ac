//! The compatibility suite: real clients against the crate's `FakeDaemon`
//! and against the test daemon, side by side. Debian's docker CLI 20.10
//! (`/usr/bin/docker`) and docker-py (a private venv that `cargo xtask
//! test` installs) run the same commands on both, and what they print must
//! have the same shape: the same keys for JSON (`--format '{{json .}}'`,
//! inspect), the same columns and rows for tables, the same words for
//! errors, once IDs, names, times and sizes are set aside. What differs
//! only because the fake holds other data (no `containerd` component, a
//! `bridge` network the test daemons lack) is fine; what differs in shape
//! is a defect of the fake, the stubs or the models.
//!
//! One pass per daemon: dockerd 20.10 at API 1.41 and dockerd 28.5 at API
//! 1.51 (the CLI negotiates down to 1.41 with both). See `common/compat.rs`.

mod common;
#[path = "common/compat.rs"]
mod compat;

use compat::{
    assert_same_shape, assert_same_table, docker_py_run, in_compat_pass, normalize, pass_version,
    Cli, FakeServer, Tolerated, IMAGE,
};
use docker_remote_api::fake::FakeDaemon;
use serde_json::Value;

/// The CLI against the test daemon and against a fresh fake, with the
/// containers and volumes a test made on the daemon removed at the end.
struct Pair {
    real: Cli,
    fake: Cli,
    server: FakeServer,
    made: Vec<String>,
    volumes: Vec<String>,
}

impl Pair {
    async fn new() -> Pair {
        common::busybox().await;
        let server = FakeServer::start();
        Pair {
            real: Cli::real(),
            fake: Cli::new("fake", server.host()),
            server,
            made: Vec::new(),
            volumes: Vec::new(),
        }
    }

    /// Runs the same command on both: (daemon's output, fake's output).
    async fn both(&self, args: &[&str]) -> (compat::Output, compat::Output) {
        (self.real.run(args).await, self.fake.run(args).await)
    }

    /// Runs a command that must succeed on both: the two standard outputs.
    async fn ok(&self, args: &[&str]) -> (String, String) {
        (self.real.ok(args).await, self.fake.ok(args).await)
    }

    /// A container name no other test uses, removed from the daemon at the end.
    fn name(&mut self, what: &str) -> String {
        let name = common::unique(what);
        self.made.push(name.clone());
        name
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for name in &self.made {
            let _ = self.real.command().args(["rm", "-f", "-v", name]).status();
        }
        for name in &self.volumes {
            let _ = self
                .real
                .command()
                .args(["volume", "rm", "-f", name])
                .status();
        }
    }
}

/// Where the two test daemons answer a container's inspect differently at
/// the same API version (the fake follows dockerd 28.5 where the spec
/// leaves room, and the spec's versions where it does not).
const CONTAINER_RELEASE_DIFFERENCES: [Tolerated; 5] = [
    Tolerated {
        path: ".NetworkSettings.Networks.*.DNSNames",
        why: "since API 1.44; dockerd 28.5 sends it at every version",
    },
    Tolerated {
        path: ".NetworkSettings.Networks.*.GwPriority",
        why: "since API 1.48; dockerd 28.5 sends it at every version",
    },
    Tolerated {
        path: ".GraphDriver.Data",
        why: "the vfs driver's data: dockerd 28.5 names the layer (ID), dockerd 20.10 and the fake have none",
    },
    Tolerated {
        path: ".HostConfig.KernelMemory",
        why: "deprecated: dockerd 20.10 sends 0, dockerd 28.5 (and the fake) leave it out",
    },
    Tolerated {
        path: ".HostConfig.KernelMemoryTCP",
        why: "deprecated: dockerd 20.10 sends 0, dockerd 28.5 (and the fake) leave it out",
    },
];

/// `EnableIPv4` came with API 1.48; dockerd 28.5 sends it at every version.
const ENABLE_IPV4: Tolerated = Tolerated {
    path: ".EnableIPv4",
    why: "since API 1.48; dockerd 28.5 sends it at every version",
};

/// The test daemon's busybox is built `FROM scratch` without a `CMD`; the
/// fake's seeded images run `sh`, as busybox's does.
/// dockerd 28.5 reports its firewall backend once something (another live
/// test's network) has set it up; the fake always reports `iptables`.
const FIREWALL_BACKEND: Tolerated = Tolerated {
    path: ".FirewallBackend",
    why: "data: dockerd 28.5 names its firewall backend only once a network has set it up",
};

/// Other live tests push the base image to the test registry and tag it
/// for it, so the daemon's copy has digests (and more tags) the fake's lacks.
const PUSHED_BY_OTHER_TESTS: Tolerated = Tolerated {
    path: ".RepoDigests",
    why: "data: other live tests push the base image to the test registry",
};

const SEEDED_IMAGE_RUNS_SH: Tolerated = Tolerated {
    path: ".Config.Cmd",
    why: "data: the fake's seeded image runs `sh`, the daemon's busybox built FROM scratch has no CMD",
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_reports_version_and_info_alike() {
    if !in_compat_pass("the_cli_reports_version_and_info_alike") {
        return;
    }
    let pair = Pair::new().await;
    let (real, fake) = pair.ok(&["version", "--format", "{{json .}}"]).await;
    let (real, fake): (Value, Value) = (
        serde_json::from_str(&real).unwrap(),
        serde_json::from_str(&fake).unwrap(),
    );
    assert_same_shape("docker version", &real, &fake, &[]);
    assert_eq!(
        fake["Client"]["ApiVersion"], real["Client"]["ApiVersion"],
        "the CLI settles on the same version with both"
    );

    let (real, fake) = pair.ok(&["info", "--format", "{{json .}}"]).await;
    let (real, fake): (Value, Value) = (
        serde_json::from_str(&real).unwrap(),
        serde_json::from_str(&fake).unwrap(),
    );
    assert_same_shape(
        "docker info",
        &real,
        &fake,
        &[
            Tolerated {
                path: ".Warnings",
                why: "the test daemons warn about their setup (no bridge network...), the fake has nothing to warn about",
            },
            FIREWALL_BACKEND,
        ],
    );
    // Counts follow the state: the fake has one image and no container.
    assert_eq!(fake["Images"], 1);
    assert_eq!(fake["Containers"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_creates_starts_waits_for_and_removes_containers_alike() {
    if !in_compat_pass("the_cli_creates_starts_waits_for_and_removes_containers_alike") {
        return;
    }
    let mut pair = Pair::new().await;
    let name = pair.name("compat-run");
    let names = [name.as_str()];

    let (real, fake) = pair
        .ok(&[
            "create",
            "--name",
            &name,
            "--network",
            "none",
            "--label",
            "compat=yes",
            IMAGE,
            "sh",
            "-c",
            "echo hello; echo oops >&2",
        ])
        .await;
    assert_eq!(normalize(&real, &names), "<id>\n");
    assert_eq!(normalize(&fake, &names), "<id>\n");

    let (real, fake) = pair.ok(&["start", &name]).await;
    assert_eq!((real.trim(), fake.trim()), (name.as_str(), name.as_str()));
    let (real, fake) = pair.ok(&["wait", &name]).await;
    assert_eq!(
        (real.as_str(), fake.as_str()),
        ("0\n", "0\n"),
        "docker wait"
    );

    let (real, fake) = pair.both(&["logs", &name]).await;
    assert_eq!(real, fake, "docker logs");
    assert_eq!(
        (real.stdout.as_str(), real.stderr.as_str()),
        ("hello\n", "oops\n")
    );

    let filter = format!("name={name}");
    let (real, fake) = pair
        .ok(&["ps", "-a", "--filter", &filter, "--format", "{{json .}}"])
        .await;
    let real: Value = serde_json::from_str(&real).unwrap();
    let fake: Value = serde_json::from_str(&fake).unwrap();
    assert_same_shape("docker ps -a (json)", &real, &fake, &[]);
    for key in ["State", "Command", "Labels", "Names", "Networks"] {
        assert_eq!(real[key], fake[key], "docker ps -a: {key}");
    }
    let status = |v: &Value| {
        v["Status"]
            .as_str()
            .unwrap()
            .split(')')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(status(&real), status(&fake), "docker ps -a: Status");

    let (real, fake) = pair.ok(&["ps", "-a", "--filter", &filter]).await;
    assert_same_table("docker ps -a", &real, &fake);

    let (real, fake) = pair.ok(&["inspect", &name]).await;
    let (real, fake): (Value, Value) = (
        serde_json::from_str(&real).unwrap(),
        serde_json::from_str(&fake).unwrap(),
    );
    assert_same_shape(
        "docker inspect (exited container)",
        &real[0],
        &fake[0],
        &CONTAINER_RELEASE_DIFFERENCES,
    );
    for pointer in [
        "/State/Status",
        "/State/ExitCode",
        "/Path",
        "/Args",
        "/Config/Cmd",
        "/Config/Labels",
        "/HostConfig/NetworkMode",
    ] {
        assert_eq!(
            real[0].pointer(pointer),
            fake[0].pointer(pointer),
            "docker inspect: {pointer}"
        );
    }

    let (real, fake) = pair.both(&["diff", &name]).await;
    assert_eq!(
        (real.ok, fake.ok),
        (true, true),
        "docker diff: {real:?} {fake:?}"
    );
    assert_eq!(fake.stdout, "", "the fake's containers change no file");
    println!("docker diff: the daemon lists {:?}", real.stdout);

    let (real, fake) = pair.ok(&["rm", &name]).await;
    assert_eq!((real.trim(), fake.trim()), (name.as_str(), name.as_str()));

    let (real, fake) = pair.both(&["inspect", &name]).await;
    assert!(!real.ok && !fake.ok);
    assert_eq!(
        normalize(&real.stderr, &names),
        normalize(&fake.stderr, &names),
        "docker inspect of a removed container"
    );
    let (real, fake) = pair
        .both(&["container", "inspect", "drapi-no-such-container"])
        .await;
    assert_eq!((real.ok, fake.ok), (false, false));
    assert_eq!(
        real.stderr, fake.stderr,
        "docker container inspect of a missing container"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_shows_a_running_container_alike() {
    if !in_compat_pass("the_cli_shows_a_running_container_alike") {
        return;
    }
    let mut pair = Pair::new().await;
    let name = pair.name("compat-up");
    pair.ok(&[
        "create",
        "--name",
        &name,
        "--network",
        "none",
        IMAGE,
        "sleep",
        "30",
    ])
    .await;
    pair.ok(&["start", &name]).await;

    let filter = format!("name={name}");
    let (real, fake) = pair
        .ok(&["ps", "--filter", "status=running", "--filter", &filter])
        .await;
    assert_same_table("docker ps --filter status=running", &real, &fake);
    assert_eq!(
        real.lines().count(),
        2,
        "the container runs on the daemon:\n{real}"
    );
    let (real, fake) = pair
        .ok(&[
            "ps",
            "--filter",
            "status=running",
            "--filter",
            &filter,
            "--format",
            "{{json .}}",
        ])
        .await;
    let real: Value = serde_json::from_str(&real).unwrap();
    let fake: Value = serde_json::from_str(&fake).unwrap();
    assert_same_shape(
        "docker ps --filter status=running (json)",
        &real,
        &fake,
        &[],
    );
    assert_eq!(real["State"], fake["State"]);

    let (real, fake) = pair.ok(&["top", &name]).await;
    assert_same_table("docker top", &real, &fake);

    let (real, fake) = pair.ok(&["stats", "--no-stream", &name]).await;
    assert_same_table("docker stats --no-stream", &real, &fake);
    let (real, fake) = pair
        .ok(&["stats", "--no-stream", "--format", "{{json .}}", &name])
        .await;
    let real: Value = serde_json::from_str(&real).unwrap();
    let fake: Value = serde_json::from_str(&fake).unwrap();
    assert_same_shape("docker stats --no-stream (json)", &real, &fake, &[]);
    assert_eq!(real["PIDs"], fake["PIDs"], "docker stats: one process");

    let (real, fake) = pair.ok(&["inspect", &name]).await;
    let (real, fake): (Value, Value) = (
        serde_json::from_str(&real).unwrap(),
        serde_json::from_str(&fake).unwrap(),
    );
    assert_same_shape(
        "docker inspect (running container)",
        &real[0],
        &fake[0],
        &CONTAINER_RELEASE_DIFFERENCES,
    );
    assert_eq!(real[0]["State"]["Running"], fake[0]["State"]["Running"]);

    let (real, fake) = pair.ok(&["rm", "-f", &name]).await;
    assert_eq!((real.trim(), fake.trim()), (name.as_str(), name.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_runs_a_detached_container_alike() {
    if !in_compat_pass("the_cli_runs_a_detached_container_alike") {
        return;
    }
    let mut pair = Pair::new().await;
    let name = pair.name("compat-detached");
    let args = [
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        IMAGE,
        "sleep",
        "30",
    ];
    let real = pair.real.ok(&args).await;
    assert_eq!(normalize(&real, &[&name]), "<id>\n");
    // The CLI posts `/containers/{id}/wait?condition=next-exit` before it
    // starts the container, and waits for the answer's head; dockerd sends
    // the head (200, chunked) at once and the body when the container exits.
    let fake = pair
        .fake
        .run_for(&args, std::time::Duration::from_secs(15))
        .await;
    assert!(
        !fake.timed_out,
        "`docker run -d` hung against the fake: the CLI waits for the head of its \
         `POST /containers/{{id}}/wait?condition=next-exit`, and the stubs' router sends \
         a head only once `ContainersApi::container_wait` has answered, which it does when \
         the container exits, which it cannot before the CLI starts it (a defect of the \
         generated server runtime, not of the fake)"
    );
    assert!(fake.ok, "docker run -d against the fake: {}", fake.stderr);
    assert_eq!(normalize(&fake.stdout, &[&name]), "<id>\n");
    let filter = format!("name={name}");
    let (real, fake) = pair
        .ok(&["ps", "--filter", &filter, "--format", "{{.State}}"])
        .await;
    assert_eq!((real.trim(), fake.trim()), ("running", "running"));
    pair.ok(&["rm", "-f", &name]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_runs_a_detached_container_through_the_events_below_api_1_30() {
    if !in_compat_pass("the_cli_runs_a_detached_container_through_the_events_below_api_1_30") {
        return;
    }
    let mut pair = Pair::new().await;
    let name = pair.name("compat-legacy");
    let args = [
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        IMAGE,
        "sleep",
        "30",
    ];
    // Below API 1.30 the CLI learns of the container's end from
    // `GET /events` (filtered by container), which it opens before the start.
    let legacy = [("DOCKER_API_VERSION", "1.29")];
    for cli in [&pair.real, &pair.fake] {
        let out = cli.run_env(&args, &legacy, compat::RUN_TIMEOUT).await;
        assert!(
            !out.timed_out,
            "docker run -d at 1.29 hung against the {} daemon",
            cli.name
        );
        assert!(
            out.ok,
            "docker run -d at 1.29 against the {} daemon: {}",
            cli.name, out.stderr
        );
        assert_eq!(normalize(&out.stdout, &[&name]), "<id>\n", "{}", cli.name);
    }
    let filter = format!("name={name}");
    let (real, fake) = pair
        .ok(&["ps", "--filter", &filter, "--format", "{{.State}}"])
        .await;
    assert_eq!((real.trim(), fake.trim()), ("running", "running"));
    pair.ok(&["rm", "-f", &name]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_lists_and_inspects_images_alike() {
    if !in_compat_pass("the_cli_lists_and_inspects_images_alike") {
        return;
    }
    let pair = Pair::new().await;
    let (real, fake) = pair.ok(&["images", "drapi-busybox"]).await;
    assert_same_table("docker images", &real, &fake);
    let (real, fake) = pair
        .ok(&["images", "--format", "{{json .}}", "drapi-busybox"])
        .await;
    let real: Value = serde_json::from_str(&real).unwrap();
    let fake: Value = serde_json::from_str(&fake).unwrap();
    assert_same_shape("docker images (json)", &real, &fake, &[]);
    assert_eq!(
        (&real["Repository"], &real["Tag"]),
        (&fake["Repository"], &fake["Tag"])
    );

    let (real, fake) = pair.ok(&["image", "inspect", IMAGE]).await;
    let (real, fake): (Value, Value) = (
        serde_json::from_str(&real).unwrap(),
        serde_json::from_str(&fake).unwrap(),
    );
    assert_same_shape(
        "docker image inspect",
        &real[0],
        &fake[0],
        &[SEEDED_IMAGE_RUNS_SH, PUSHED_BY_OTHER_TESTS],
    );

    let (real, fake) = pair
        .both(&["image", "inspect", "drapi-no-such-image:1"])
        .await;
    assert_eq!((real.ok, fake.ok), (false, false));
    assert_eq!(
        real.stderr, fake.stderr,
        "docker image inspect of a missing image"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_manages_volumes_alike() {
    if !in_compat_pass("the_cli_manages_volumes_alike") {
        return;
    }
    let mut pair = Pair::new().await;
    let volume = common::unique("compat-volume");
    pair.volumes.push(volume.clone());

    let (real, fake) = pair.ok(&["volume", "create", &volume]).await;
    assert_eq!(
        (real.trim(), fake.trim()),
        (volume.as_str(), volume.as_str())
    );

    let filter = format!("name={volume}");
    let (real, fake) = pair.ok(&["volume", "ls", "--filter", &filter]).await;
    assert_same_table("docker volume ls", &real, &fake);
    let (real, fake) = pair
        .ok(&[
            "volume",
            "ls",
            "--filter",
            &filter,
            "--format",
            "{{json .}}",
        ])
        .await;
    let real: Value = serde_json::from_str(&real).unwrap();
    let fake: Value = serde_json::from_str(&fake).unwrap();
    assert_same_shape("docker volume ls (json)", &real, &fake, &[]);

    let (real, fake) = pair.ok(&["volume", "inspect", &volume]).await;
    let (real, fake): (Value, Value) = (
        serde_json::from_str(&real).unwrap(),
        serde_json::from_str(&fake).unwrap(),
    );
    assert_same_shape("docker volume inspect", &real[0], &fake[0], &[]);
    assert_eq!(real[0]["Driver"], fake[0]["Driver"]);

    let (real, fake) = pair.ok(&["volume", "rm", &volume]).await;
    assert_eq!(
        (real.trim(), fake.trim()),
        (volume.as_str(), volume.as_str())
    );
    let (real, fake) = pair.both(&["volume", "inspect", &volume]).await;
    assert_eq!((real.ok, fake.ok), (false, false));
    assert_eq!(
        real.stderr, fake.stderr,
        "docker volume inspect of a removed volume"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_lists_and_inspects_networks_alike() {
    if !in_compat_pass("the_cli_lists_and_inspects_networks_alike") {
        return;
    }
    let pair = Pair::new().await;
    // `none` and `host` are on both; the test daemons run without `bridge`.
    let (real, fake) = pair.ok(&["network", "ls", "--filter", "name=none"]).await;
    assert_same_table("docker network ls", &real, &fake);
    let (real, fake) = pair
        .ok(&[
            "network",
            "ls",
            "--filter",
            "name=none",
            "--format",
            "{{json .}}",
        ])
        .await;
    let real: Value = serde_json::from_str(&real).unwrap();
    let fake: Value = serde_json::from_str(&fake).unwrap();
    assert_same_shape("docker network ls (json)", &real, &fake, &[]);
    assert_eq!(
        (&real["Name"], &real["Driver"]),
        (&fake["Name"], &fake["Driver"])
    );

    for network in ["none", "host"] {
        let (real, fake) = pair.ok(&["network", "inspect", network]).await;
        let (real, fake): (Value, Value) = (
            serde_json::from_str(&real).unwrap(),
            serde_json::from_str(&fake).unwrap(),
        );
        assert_same_shape(
            &format!("docker network inspect {network}"),
            &real[0],
            &fake[0],
            &[
                Tolerated {
                    path: ".Containers",
                    why: "the containers other tests run on the daemon's network at the time",
                },
                ENABLE_IPV4,
            ],
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn the_cli_reports_the_swarm_errors_alike() {
    if !in_compat_pass("the_cli_reports_the_swarm_errors_alike") {
        return;
    }
    let pair = Pair::new().await;
    for command in [["node", "ls"], ["service", "ls"]] {
        let (real, fake) = pair.both(&command).await;
        assert_eq!((real.ok, fake.ok), (false, false), "docker {command:?}");
        assert_eq!(real.stderr, fake.stderr, "docker {command:?}");
        assert!(
            real.stderr.contains("This node is not a swarm manager"),
            "{}",
            real.stderr
        );
    }
}

/// docker-py's side of the suite: what the script prints, one JSON object.
const DOCKER_PY_SCRIPT: &str = r#"
import json, os, docker
host, version = os.environ["DRAPI_HOST"], os.environ["DRAPI_VERSION"]
name, volume = os.environ["DRAPI_NAME"], os.environ["DRAPI_VOLUME"]
c = docker.DockerClient(base_url=host, version=version, timeout=20)
out = {"api_version": c.api.api_version}
out["ping"] = c.ping()
out["version"] = c.version()
out["info"] = c.info()
ct = c.containers.create("drapi-busybox:latest", ["sh", "-c", "echo hello; echo oops >&2"],
                         name=name, network_mode="none", labels={"compat": "py"})
out["created"] = ct.attrs
ct.start()
out["wait"] = ct.wait()
out["logs"] = ct.logs(stdout=True, stderr=True).decode()
out["list"] = [x.attrs for x in c.containers.list(all=True, filters={"name": name})]
got = c.containers.get(name)
out["get"] = {"status": got.status, "name": got.name, "labels": got.labels, "tags": got.image.tags}
ct.remove()
out["images"] = [i.attrs for i in c.images.list(name="drapi-busybox")]
v = c.volumes.create(volume)
out["volumes"] = [x.attrs for x in c.volumes.list(filters={"name": volume})]
v.remove()
out["networks"] = [n.attrs for n in c.networks.list(names=["none"])]
try:
    c.containers.get(name)
    out["not_found"] = None
except docker.errors.NotFound as e:
    out["not_found"] = {"class": type(e).__name__, "status": e.status_code, "explanation": e.explanation}
print(json.dumps(out))
"#;

async fn docker_py_against(name: &str, host: &str, container: &str, volume: &str) -> Value {
    docker_py_run(
        name,
        DOCKER_PY_SCRIPT,
        host,
        &pass_version(),
        &[("DRAPI_NAME", container), ("DRAPI_VOLUME", volume)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn docker_py_sees_the_same_daemon() {
    if !in_compat_pass("docker_py_sees_the_same_daemon") {
        return;
    }
    let mut pair = Pair::new().await;
    let container = pair.name("compat-py");
    let volume = common::unique("compat-py-volume");
    pair.volumes.push(volume.clone());
    let real_host = std::env::var("DRAPI_TEST_DOCKER_HOST").unwrap();
    let real = docker_py_against("real", &real_host, &container, &volume).await;
    let fake = docker_py_against("fake", &pair.server.host(), &container, &volume).await;

    for key in ["api_version", "ping"] {
        assert_eq!(real[key], fake[key], "docker-py: {key}");
    }
    // Other live tests tag the base image for the test registry: the
    // daemon's tags include the fake's, whose one tag is the image run.
    let (mut real_get, mut fake_get) = (real["get"].clone(), fake["get"].clone());
    let (real_tags, fake_tags) = (real_get["tags"].take(), fake_get["tags"].take());
    assert_eq!(real_get, fake_get, "docker-py: get");
    let listed = |tags: &Value| -> Vec<String> {
        tags.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        listed(&fake_tags)
            .iter()
            .all(|t| listed(&real_tags).contains(t))
            && !listed(&fake_tags).is_empty(),
        "docker-py: image tags: the daemon {real_tags}, the fake {fake_tags}"
    );
    // stdout and stderr in one: the daemon's order of the two lines varies.
    let lines = |v: &Value| {
        let mut lines: Vec<String> = v.as_str().unwrap().lines().map(String::from).collect();
        lines.sort();
        lines
    };
    assert_eq!(
        lines(&real["logs"]),
        lines(&fake["logs"]),
        "docker-py: logs"
    );
    // dockerd 20.10 adds `"Error": null`, which reads as no error.
    assert_same_shape("docker-py wait()", &real["wait"], &fake["wait"], &[]);
    assert_eq!(real["wait"]["StatusCode"], fake["wait"]["StatusCode"]);
    assert_eq!(fake["logs"], "hello\noops\n");
    assert_same_shape(
        "docker-py version()",
        &real["version"],
        &fake["version"],
        &[Tolerated {
            path: ".Components[].Details.GitCommit",
            why: "the daemon's containerd and runc components; the fake has only the engine",
        }],
    );
    assert_same_shape(
        "docker-py info()",
        &real["info"],
        &fake["info"],
        &[
            FIREWALL_BACKEND,
            Tolerated {
                path: ".Warnings",
                why: "the test daemons warn about their setup; the fake has nothing to warn about",
            },
            Tolerated {
                path: ".DefaultAddressPools",
                why: "a daemon setting the test daemons have and the fake does not",
            },
        ],
    );
    assert_same_shape(
        "docker-py containers.create().attrs",
        &real["created"],
        &fake["created"],
        &CONTAINER_RELEASE_DIFFERENCES,
    );
    assert_same_shape(
        "docker-py containers.list()",
        &real["list"],
        &fake["list"],
        &CONTAINER_RELEASE_DIFFERENCES,
    );
    assert_same_shape(
        "docker-py images.list()",
        &real["images"],
        &fake["images"],
        &[SEEDED_IMAGE_RUNS_SH, PUSHED_BY_OTHER_TESTS],
    );
    assert_same_shape(
        "docker-py volumes.list()",
        &real["volumes"],
        &fake["volumes"],
        &[],
    );
    assert_same_shape(
        "docker-py networks.list()",
        &real["networks"],
        &fake["networks"],
        &[],
    );
    assert_eq!(
        real["not_found"], fake["not_found"],
        "docker-py: the NotFound of a removed container"
    );
    assert_eq!(fake["not_found"]["class"], "NotFound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test daemon, the docker CLI and docker-py: cargo xtask test"]
async fn docker_py_negotiates_the_fakes_api_versions() {
    if !in_compat_pass("docker_py_negotiates_the_fakes_api_versions") {
        return;
    }
    let fake = FakeDaemon::builder().image(IMAGE).build();
    let builder = fake.server_builder().api_versions("1.24", "1.41");
    let server = FakeServer::start_with(fake, builder);
    let script = r#"
import json, os, docker
c = docker.DockerClient(base_url=os.environ["DRAPI_HOST"], version="auto", timeout=20)
out = {"api_version": c.api.api_version, "version": c.version()}
ct = c.containers.create("drapi-busybox:latest", ["echo", "negotiated"], name="negotiated")
ct.start()
out["wait"] = ct.wait()
out["logs"] = ct.logs().decode()
try:
    docker.DockerClient(base_url=os.environ["DRAPI_HOST"], version="1.44").containers.list()
    out["too_new"] = None
except docker.errors.APIError as e:
    out["too_new"] = {"status": e.status_code, "explanation": e.explanation}
print(json.dumps(out))
"#;
    let out = docker_py_run("fake", script, &server.host(), "auto", &[]).await;
    assert_eq!(out["api_version"], "1.41", "{out}");
    assert_eq!(out["version"]["ApiVersion"], "1.41");
    assert_eq!(out["version"]["MinAPIVersion"], "1.24");
    assert_eq!(out["wait"]["StatusCode"], 0);
    assert_eq!(out["logs"], "negotiated\n");
    assert_eq!(out["too_new"]["status"], 400, "{out}");
    assert!(
        out["too_new"]["explanation"]
            .as_str()
            .unwrap()
            .contains("client version 1.44 is too new. Maximum supported API version is 1.41"),
        "{out}"
    );
    assert_eq!(
        server.fake.container("negotiated").unwrap().stdout,
        b"negotiated\n"
    );
}
