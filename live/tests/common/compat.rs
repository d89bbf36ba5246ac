//! Helpers of the compatibility suite (`compat_clients.rs`): real clients
//! (Debian's docker CLI 20.10, docker-py) run against the test daemon and
//! against the crate's `FakeDaemon`, and what they print is compared after
//! normalising what is data (IDs, names, times, sizes).
//!
//! The suite runs in one pass per daemon: dockerd 20.10 at API 1.41 and
//! dockerd 28.5 at API 1.51 (`cargo xtask test` sets `DRAPI_TEST_DAEMON`
//! and `DRAPI_TEST_API_VERSION`). In its pass nothing is skipped: a missing
//! CLI or docker-py venv fails the test.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use docker_remote_api::fake::FakeDaemon;
use docker_remote_api::server::ServerBuilder;
use serde_json::Value;

/// Debian's docker CLI 20.10 (docker.io), not the one of /usr/local/bin.
pub const CLI: &str = "/usr/bin/docker";

/// How long one CLI or docker-py run may take before it counts as hung.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// The image both daemons have: `common::busybox()` builds it on the test
/// daemon, the fake is seeded with it.
pub const IMAGE: &str = "drapi-busybox:latest";

/// Whether `test` runs in this pass: once per daemon, dockerd 20.10 at API
/// 1.41 and dockerd 28.5 at API 1.51. In another pass it says so and the
/// test returns early.
pub fn in_compat_pass(test: &str) -> bool {
    let daemon = crate::common::daemon_release();
    let version = std::env::var("DRAPI_TEST_API_VERSION")
        .expect("DRAPI_TEST_API_VERSION is set by `cargo xtask test` for each pass");
    let ours = matches!(
        (daemon.as_str(), version.as_str()),
        ("20.10", "1.41") | ("28.5", "1.51")
    );
    if !ours {
        println!(
            "compat_clients::{test}: returns early, not its pass (dockerd {daemon} at API {version}): \
             it runs in the passes of dockerd 20.10 at API 1.41 and dockerd 28.5 at API 1.51"
        );
    }
    ours
}

/// The API version of this pass (`DRAPI_TEST_API_VERSION`).
pub fn pass_version() -> String {
    std::env::var("DRAPI_TEST_API_VERSION").expect("DRAPI_TEST_API_VERSION is set")
}

/// A fresh directory under the system's temporary one, removed by [`Dir`]'s drop.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(what: &str) -> Dir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "drapi-compat-{what}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        Dir(path)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `FakeDaemon` served on a unix socket of its own until dropped.
pub struct FakeServer {
    pub fake: FakeDaemon,
    pub socket: PathBuf,
    task: tokio::task::JoinHandle<()>,
    _dir: Dir,
}

impl FakeServer {
    /// The fake with [`IMAGE`], served as its `server_builder()` configures it.
    pub fn start() -> FakeServer {
        let fake = FakeDaemon::builder().image(IMAGE).build();
        let builder = fake.server_builder();
        Self::start_with(fake, builder)
    }

    /// `fake` served by `builder` (its `server_builder()`, changed).
    pub fn start_with(fake: FakeDaemon, builder: ServerBuilder) -> FakeServer {
        let dir = Dir::new("fake");
        let socket = dir.0.join("docker.sock");
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let task = tokio::spawn(builder.serve(listener));
        FakeServer {
            fake,
            socket,
            task,
            _dir: dir,
        }
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a client printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
    /// It was still running after its time and was killed.
    pub timed_out: bool,
}

/// Runs `program` with `args` and `env` on a blocking thread; a run that
/// takes longer than `timeout` is killed and answered with `timed_out`.
pub async fn run_program(
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    timeout: Duration,
) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(&program);
        command
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in [
            "DOCKER_API_VERSION",
            "DOCKER_TLS_VERIFY",
            "DOCKER_CERT_PATH",
            "DOCKER_CONTEXT",
            "DOCKER_HOST",
            "DOCKER_CONFIG",
        ] {
            command.env_remove(name);
        }
        command.envs(env);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let started = Instant::now();
        let (ok, timed_out) = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break (status.success(), false);
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                break (false, true);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Output {
            ok,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
            timed_out,
        }
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// The docker CLI, talking to one daemon with a configuration of its own.
pub struct Cli {
    /// `real` or `fake`, for messages.
    pub name: &'static str,
    host: String,
    config: Dir,
}

impl Cli {
    pub fn new(name: &'static str, host: String) -> Cli {
        assert!(
            Path::new(CLI).exists(),
            "{CLI} is missing: the compatibility suite needs Debian's docker.io (cargo xtask test installs it)"
        );
        Cli {
            name,
            host,
            config: Dir::new("cli-config"),
        }
    }

    /// The CLI for the test daemon.
    pub fn real() -> Cli {
        Cli::new(
            "real",
            std::env::var("DRAPI_TEST_DOCKER_HOST").expect("DRAPI_TEST_DOCKER_HOST is set"),
        )
    }

    /// A blocking `docker` command for this daemon and configuration (for
    /// clean-ups in `Drop`).
    pub fn command(&self) -> Command {
        let mut command = Command::new(CLI);
        command
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", &self.config.0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// Runs `docker ARGS...`; one that hangs for [`RUN_TIMEOUT`] fails the test.
    pub async fn run(&self, args: &[&str]) -> Output {
        let out = self.run_for(args, RUN_TIMEOUT).await;
        assert!(
            !out.timed_out,
            "`docker {}` against the {} daemon did not finish in {} s",
            args.join(" "),
            self.name,
            RUN_TIMEOUT.as_secs()
        );
        out
    }

    /// Runs `docker ARGS...` for at most `timeout`.
    pub async fn run_for(&self, args: &[&str], timeout: Duration) -> Output {
        self.run_env(args, &[], timeout).await
    }

    /// Runs `docker ARGS...` with `env` added (`DOCKER_API_VERSION`, say),
    /// for at most `timeout`.
    pub async fn run_env(&self, args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Output {
        let mut vars = vec![
            ("DOCKER_HOST".to_string(), self.host.clone()),
            (
                "DOCKER_CONFIG".to_string(),
                self.config.0.display().to_string(),
            ),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        run_program(
            PathBuf::from(CLI),
            args.iter().map(|a| a.to_string()).collect(),
            vars,
            timeout,
        )
        .await
    }

    /// Runs `docker ARGS...`, which must succeed; its standard output.
    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            out.ok,
            "`docker {}` failed against the {} daemon: {}{}",
            args.join(" "),
            self.name,
            out.stderr,
            out.stdout
        );
        out.stdout
    }
}

/// The Python of the private docker-py venv (`DRAPI_TEST_DOCKER_PY`, set by
/// `cargo xtask test`, which installs it).
pub fn docker_py() -> PathBuf {
    let python = std::env::var("DRAPI_TEST_DOCKER_PY").expect(
        "DRAPI_TEST_DOCKER_PY is not set: run the compatibility suite with `cargo xtask test`, which installs docker-py",
    );
    let python = PathBuf::from(python);
    assert!(
        python.exists(),
        "DRAPI_TEST_DOCKER_PY names {}, which does not exist",
        python.display()
    );
    python
}

/// Runs a docker-py script (Python) with `DRAPI_HOST`, `DRAPI_VERSION` and
/// `env` in its environment; it prints one JSON document, which this answers.
pub async fn docker_py_run(
    name: &str,
    script: &str,
    host: &str,
    version: &str,
    env: &[(&str, &str)],
) -> Value {
    let mut vars = vec![
        ("DRAPI_HOST".to_string(), host.to_string()),
        ("DRAPI_VERSION".to_string(), version.to_string()),
        ("PYTHONDONTWRITEBYTECODE".to_string(), "1".to_string()),
    ];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let out = run_program(
        docker_py(),
        vec!["-c".into(), script.into()],
        vars,
        RUN_TIMEOUT,
    )
    .await;
    assert!(
        !out.timed_out,
        "docker-py against the {name} daemon did not finish in {} s:\n{}{}",
        RUN_TIMEOUT.as_secs(),
        out.stderr,
        out.stdout
    );
    assert!(
        out.ok,
        "docker-py against the {name} daemon failed:\n{}{}",
        out.stderr, out.stdout
    );
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("docker-py printed no JSON ({e}): {}", out.stdout))
}

/// Maps whose keys are data (label names, network names, container IDs...):
/// their entries all count as `*`. Only where the value is an object.
const DATA_MAPS: [&str; 17] = [
    "Labels",
    "Options",
    "Networks",
    "Ports",
    "Volumes",
    "ExposedPorts",
    "Runtimes",
    "IndexConfigs",
    "DriverOpts",
    "Annotations",
    "Attributes",
    "Data",
    "Sysctls",
    "Tmpfs",
    "StorageOpt",
    "Status",
    "Containers",
];

/// The shape of a JSON value: the paths of its keys that hold something.
/// `null`, `{}` and `[]` hold nothing (the models read them alike); `""`,
/// `0` and `false` are values. Array items share `[]`; the entries of data
/// maps share `*`.
pub fn shape(value: &Value) -> BTreeSet<String> {
    fn walk(value: &Value, path: &str, data_map: bool, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    if is_empty(item) {
                        continue;
                    }
                    let key = if data_map { "*" } else { key.as_str() };
                    let here = format!("{path}.{key}");
                    out.insert(here.clone());
                    let inner_data = item.is_object()
                        && (DATA_MAPS.contains(&key) || here.ends_with(".LogConfig.Config"));
                    walk(item, &here, inner_data, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, &format!("{path}[]"), false, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(value, "", false, &mut out);
    out
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// A difference of shape that is allowed, and why: a key one daemon
/// release sends and the fake (following the spec's versions) does not, or
/// data only one side has.
pub struct Tolerated {
    pub path: &'static str,
    pub why: &'static str,
}

/// Asserts that `real` and `fake` have the same [`shape`], but for the
/// `tolerated` paths (and what is below them, and the same paths inside
/// lists); prints the tolerated differences it met.
pub fn assert_same_shape(what: &str, real: &Value, fake: &Value, tolerated: &[Tolerated]) {
    let real_shape = shape(real);
    let fake_shape = shape(fake);
    // A tolerated path excuses itself and what is below it, wherever it
    // sits (in a list of such objects too).
    let excused = |path: &String| {
        tolerated.iter().find(|t| {
            path.ends_with(t.path)
                || path.contains(&format!("{}.", t.path))
                || path.contains(&format!("{}[]", t.path))
        })
    };
    let mut problems = Vec::new();
    for (side, only) in [
        ("only the daemon", real_shape.difference(&fake_shape)),
        ("only the fake", fake_shape.difference(&real_shape)),
    ] {
        for path in only {
            match excused(path) {
                Some(t) => println!("{what}: {path} ({side}) tolerated: {}", t.why),
                None => problems.push(format!("  {path}: {side}")),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{what}: the shapes differ ({} paths on the daemon's side, {} on the fake's):\n{}\n\
         daemon: {real}\nfake: {fake}",
        real_shape.len(),
        fake_shape.len(),
        problems.join("\n")
    );
    println!("{what}: same shape ({} paths)", real_shape.len());
}

/// The columns of a table's header line (`CONTAINER ID   IMAGE ...`): the
/// CLI separates them by at least two spaces.
pub fn columns(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// Asserts that two tables have the same header and as many rows.
pub fn assert_same_table(what: &str, real: &str, fake: &str) {
    let (real_lines, fake_lines): (Vec<&str>, Vec<&str>) =
        (real.lines().collect(), fake.lines().collect());
    assert!(
        !real_lines.is_empty() && !fake_lines.is_empty(),
        "{what}: no table\ndaemon:\n{real}\nfake:\n{fake}"
    );
    assert_eq!(
        columns(real_lines[0]),
        columns(fake_lines[0]),
        "{what}: the headers differ\ndaemon:\n{real}\nfake:\n{fake}"
    );
    assert_eq!(
        real_lines.len(),
        fake_lines.len(),
        "{what}: the row counts differ\ndaemon:\n{real}\nfake:\n{fake}"
    );
    println!(
        "{what}: same table ({:?}, {} rows)",
        columns(real_lines[0]),
        real_lines.len() - 1
    );
}

/// Text with what is data replaced: IDs (64 or 12 hexadecimal digits) by
/// `<id>`, and each of `names` by `<name>`.
pub fn normalize(text: &str, names: &[&str]) -> String {
    let mut out = text.to_string();
    for name in names {
        out = out.replace(name, "<name>");
    }
    let mut result = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, result: &mut String| {
        if run.len() == 64 || run.len() == 12 {
            result.push_str("<id>");
        } else {
            result.push_str(run);
        }
        run.clear();
    };
    for c in out.chars() {
        if c.is_ascii_hexdigit() && !c.is_ascii_uppercase() {
            run.push(c);
        } else {
            flush(&mut run, &mut result);
            result.push(c);
        }
    }
    flush(&mut run, &mut result);
    result
}
