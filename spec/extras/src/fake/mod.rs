//! An in-memory Docker daemon built on the server stubs (feature `fake`), to
//! test Docker automation without a daemon.
//!
//! [`FakeDaemon`] implements every trait of [`crate::server`] with state
//! behind a mutex: containers, images, volumes, networks and execs, and the
//! events they cause. Serve it on a unix socket or TCP and point any client
//! at it: this crate's [`Docker`](crate::Docker), the Docker CLI, docker-py.
//! Nothing runs: a container's command goes to a *program*, a function that
//! decides its output and exit code ([`default_program`] unless you give
//! your own to [`FakeDaemonBuilder::program`]).
//!
//! This module is written by hand in the spec's `extras/src/fake/` and copied
//! into the generated crate by `cargo xtask codegen`.
//!
//! ```no_run
//! # #[cfg(feature = "client")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use docker_remote_api::fake::FakeDaemon;
//! use docker_remote_api::prelude::*;
//!
//! let fake = FakeDaemon::builder().image("busybox:latest").build();
//! let socket = std::env::temp_dir().join("fake-docker.sock");
//! let listener = tokio::net::UnixListener::bind(&socket)?;
//! tokio::spawn(fake.clone().serve(listener));
//!
//! let docker = Docker::connect_unix(socket.to_string_lossy().as_ref());
//! let body = ContainerCreateBody {
//!     image: Some("busybox".into()),
//!     cmd: Some(StringOrList::List(vec!["echo".into(), "hi".into()])),
//!     ..Default::default()
//! };
//! let id = docker.container_create(&body).name("hello").await?.id;
//! docker.container_start(&id).await?;
//! assert_eq!(docker.container_wait(&id).await?.status_code, 0);
//! assert_eq!(fake.container("hello").unwrap().stdout, b"hi\n");
//! # Ok(())
//! # }
//! ```
//!
//! # What is modelled
//!
//! - **Containers**: create (a name or a generated one; the image must
//!   exist), start, stop, kill (with a signal), restart, pause, unpause,
//!   rename, update, wait (`not-running`, `next-exit`, `removed`), remove
//!   (with `force` and `v`), prune, inspect, list (`all`, `limit`, `size`,
//!   and the filters `status`, `name`, `id`, `label`, `ancestor`, `exited`,
//!   `before`, `since`, `volume`, `network`, `is-task`, `health`), logs
//!   (framed, or raw with a TTY; `stdout`, `stderr`, `tail`, `since`,
//!   `until`, `timestamps`, `follow`), attach (the output as it comes), top,
//!   changes (always none), stats (one sample, or one a second while
//!   streaming) and `AutoRemove`. A container runs its program when it
//!   starts: the output goes to its logs, and it exits at once unless the
//!   program keeps running (`sleep 30`), until it is stopped (exit code 143)
//!   or killed (128 + the signal's number).
//! - **Exec**: create, start (attached or detached; the program decides the
//!   output) and inspect.
//! - **Images**: seeded with [`FakeDaemonBuilder::image`] or
//!   [`FakeDaemon::add_image`]; list (filters `dangling`, `label`,
//!   `reference`, `before`, `since`), inspect, history, tag, remove (with
//!   the daemon's conflicts), prune; a pull finds images that are local or
//!   made pullable with [`FakeDaemonBuilder::pullable`].
//! - **Volumes**: create (named or anonymous), list (filters `name`,
//!   `driver`, `label`, `dangling`), inspect, remove (refused while in use),
//!   prune; named volumes of `Binds` and `Mounts` are created on container
//!   creation, anonymous ones for the image's or the config's `Volumes`.
//! - **Networks**: `bridge`, `host` and `none` from the start; create, list
//!   (filters `name`, `id`, `driver`, `label`, `type`, `scope`, `dangling`),
//!   inspect, remove, connect, disconnect, prune; endpoints get addresses
//!   while their container runs.
//! - **System**: ping (`GET` and `HEAD`, with the `OSType` and
//!   `Docker-Experimental` headers of [`FakeDaemon::server_builder`]),
//!   version, info (counts of the state), events (what happened, with
//!   `since`, `until` and the filters `type`, `container`, `image`, `event`,
//!   `label`, `volume`, `network`, `scope`), disk usage, and registry login
//!   (any credentials succeed).
//!
//! Answers follow the API version of each request: fields the spec says do
//! not exist at that version are left out. Error answers carry the words of
//! dockerd 28.5 (`No such container: x`, the 409 of a name in use, ...).
//!
//! # What is not
//!
//! No process, filesystem, registry or swarm: container filesystems
//! (archive, export, commit), builds, image save and load, image import and
//! push, plugins (the list is empty), and swarm mode (nodes, services,
//! tasks, secrets and configs answer `503 This node is not a swarm
//! manager...`, as a daemon outside a swarm does). Restart policies and
//! health checks are kept but never act; stdin of attach and exec is read
//! by no one; signals other than those that end a process are obeyed as if
//! they ended it. Operations that are not modelled answer `501` with a
//! message saying so.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{broadcast, watch};

use crate::models::{ContainerStatus, EventActor, EventMessage, EventType};
use crate::server::ServerBuilder;

mod containers;
mod exec;
mod images;
mod networks;
mod program;
mod swarm;
mod system;
mod util;
mod volumes;

pub use program::{default_program, Invocation, Outcome};

use util::{normalize_reference, now_nanos, IdSource};

/// The Docker Engine version the fake reports in `/version` and `/info`.
pub const ENGINE_VERSION: &str = "28.5.2-fake";

/// How many events the daemon keeps for `since` and for
/// [`FakeDaemon::events`]; older ones are dropped.
pub const EVENTS_KEPT: usize = 10_000;

type ProgramFn = dyn Fn(&Invocation) -> Outcome + Send + Sync;

/// An in-memory Docker daemon: see the [module documentation](self) for what
/// it models.
///
/// Cloning it is cheap and every clone shares the same state, so a test can
/// keep one to look at what happened while another serves. It implements
/// every trait of [`crate::server`], so it can also serve only some tags
/// beside implementations of your own: `ServerBuilder::new().containers(Arc::new(fake))`.
#[derive(Clone)]
pub struct FakeDaemon {
    shared: Arc<Shared>,
}

/// Configures a [`FakeDaemon`]: the images it starts with, the images a pull
/// finds, the program its containers run and the API versions it serves.
pub struct FakeDaemonBuilder {
    images: Vec<String>,
    pullable: Vec<String>,
    program: Option<Arc<ProgramFn>>,
    api_versions: Option<(String, String)>,
}

impl std::fmt::Debug for FakeDaemonBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeDaemonBuilder")
            .field("images", &self.images)
            .field("pullable", &self.pullable)
            .field("program", &self.program.as_ref().map(|_| "custom"))
            .field("api_versions", &self.api_versions)
            .finish()
    }
}

impl FakeDaemonBuilder {
    /// An image the daemon has from the start, by reference (`busybox`,
    /// `busybox:1.36`, `127.0.0.1:5000/app:v1`). Its configuration runs
    /// `sh` with the usual `PATH`, like busybox's.
    pub fn image(mut self, reference: &str) -> Self {
        self.images.push(reference.to_string());
        self
    }

    /// An image that a pull (`POST /images/create`) finds and adds, as if a
    /// registry had it; a pull of any other reference that is not local is
    /// answered like one of a repository that does not exist.
    pub fn pullable(mut self, reference: &str) -> Self {
        self.pullable.push(reference.to_string());
        self
    }

    /// What containers and execs run: `program` gets the command and decides
    /// its output and exit code. Fall back to [`default_program`] for the
    /// commands you do not handle:
    ///
    /// ```
    /// use docker_remote_api::fake::{default_program, FakeDaemon, Outcome};
    ///
    /// let fake = FakeDaemon::builder()
    ///     .program(|run| match run.argv.first().map(String::as_str) {
    ///         Some("migrate") => Outcome::exit(0).with_stdout("3 migrations applied\n"),
    ///         _ => default_program(run),
    ///     })
    ///     .build();
    /// # let _ = fake;
    /// ```
    pub fn program<F>(mut self, program: F) -> Self
    where
        F: Fn(&Invocation) -> Outcome + Send + Sync + 'static,
    {
        self.program = Some(Arc::new(program));
        self
    }

    /// The API versions [`FakeDaemon::server_builder`] serves (as
    /// [`ServerBuilder::api_versions`]) and `/version` reports for the
    /// engine component; 1.24 to the crate's newest unless told otherwise.
    ///
    /// # Panics
    ///
    /// When [`ServerBuilder::api_versions`] would: either is not an `X.Y`
    /// version the crate serves, or `oldest` is newer than `newest`.
    pub fn api_versions(mut self, oldest: &str, newest: &str) -> Self {
        // Checked now, where the mistake is, rather than when serving.
        let _ = ServerBuilder::new().api_versions(oldest, newest);
        self.api_versions = Some((oldest.to_string(), newest.to_string()));
        self
    }

    /// The daemon.
    pub fn build(self) -> FakeDaemon {
        let (events, _) = broadcast::channel(1024);
        let (changes, _) = watch::channel(0u64);
        let api_versions = self
            .api_versions
            .unwrap_or_else(|| ("1.24".to_string(), crate::API_VERSION.to_string()));
        let ids = IdSource::new();
        let daemon_id = ids.hex_id();
        let shared = Shared {
            state: Mutex::new(State::new(&ids)),
            program: self
                .program
                .unwrap_or_else(|| Arc::new(|run: &Invocation| default_program(run))),
            events,
            changes,
            ids,
            daemon_id,
            started: now_nanos(),
            api_versions,
            pullable: self
                .pullable
                .iter()
                .map(|r| normalize_reference(r))
                .collect(),
        };
        let fake = FakeDaemon {
            shared: Arc::new(shared),
        };
        for reference in &self.images {
            fake.add_image(reference);
        }
        fake
    }
}

impl Default for FakeDaemon {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for FakeDaemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("FakeDaemon")
            .field("containers", &state.containers.len())
            .field("images", &state.images.len())
            .field("volumes", &state.volumes.len())
            .field("networks", &state.networks.len())
            .finish()
    }
}

impl FakeDaemon {
    /// A daemon with no image, no container and no volume, and the networks
    /// `bridge`, `host` and `none`, running [`default_program`].
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Configures a daemon: images, program, API versions.
    pub fn builder() -> FakeDaemonBuilder {
        FakeDaemonBuilder {
            images: Vec::new(),
            pullable: Vec::new(),
            program: None,
            api_versions: None,
        }
    }

    /// Adds an image (`busybox`, `busybox:1.36`, `127.0.0.1:5000/app:v1`), or
    /// a tag to it when it is there already, and answers its ID
    /// (`sha256:...`, the same on every run for the same reference).
    pub fn add_image(&self, reference: &str) -> String {
        self.shared
            .mutate(|state, shared| state.add_image(shared, reference))
    }

    /// A [`ServerBuilder`] serving every tag with this daemon, with the API
    /// versions of [`FakeDaemonBuilder::api_versions`] and the headers a
    /// daemon adds to its answers (`OSType: linux`, `Docker-Experimental:
    /// false`, `Server`). Add headers, change limits or versions, then
    /// [`serve`](ServerBuilder::serve) it or turn it into a router.
    pub fn server_builder(&self) -> ServerBuilder {
        let (oldest, newest) = &self.shared.api_versions;
        let server = format!("Docker/{ENGINE_VERSION} (linux)");
        let mut builder = ServerBuilder::new()
            .api_versions(oldest, newest)
            .all(Arc::new(self.clone()))
            .answer_header(
                http::HeaderName::from_static("ostype"),
                http::HeaderValue::from_static("linux"),
            )
            .answer_header(
                http::HeaderName::from_static("docker-experimental"),
                http::HeaderValue::from_static("false"),
            );
        if let Ok(value) = http::HeaderValue::from_str(&server) {
            builder = builder.answer_header(http::header::SERVER, value);
        }
        builder
    }

    /// The daemon as an [`axum::Router`] (see [`ServerBuilder::into_router`]).
    pub fn router(&self) -> axum::Router {
        self.server_builder().into_router()
    }

    /// Serves the daemon on `listener` (a `tokio::net::UnixListener`, a
    /// `TcpListener`, ...) until the future is dropped (see
    /// [`ServerBuilder::serve`]).
    pub async fn serve<L: axum::serve::Listener>(self, listener: L) {
        self.server_builder().serve(listener).await
    }

    /// Every container, oldest first.
    pub fn containers(&self) -> Vec<ContainerSnapshot> {
        let state = self.shared.lock();
        state.containers.iter().map(|c| c.snapshot()).collect()
    }

    /// One container, by ID, ID prefix or name (with or without the `/`).
    pub fn container(&self, id_or_name: &str) -> Option<ContainerSnapshot> {
        let state = self.shared.lock();
        state
            .find_container(id_or_name)
            .map(|i| state.containers[i].snapshot())
    }

    /// Every image, oldest first.
    pub fn images(&self) -> Vec<ImageSnapshot> {
        let state = self.shared.lock();
        state
            .images
            .iter()
            .map(|image| ImageSnapshot {
                id: image.id.clone(),
                tags: image.tags.clone(),
            })
            .collect()
    }

    /// Every volume, by name.
    pub fn volumes(&self) -> Vec<VolumeSnapshot> {
        let state = self.shared.lock();
        state
            .volumes
            .values()
            .map(|volume| VolumeSnapshot {
                name: volume.name.clone(),
                driver: volume.driver.clone(),
                labels: volume.labels.clone(),
                anonymous: volume.anonymous,
                used_by: state.volume_users(&volume.name),
            })
            .collect()
    }

    /// Every network, oldest first.
    pub fn networks(&self) -> Vec<NetworkSnapshot> {
        let state = self.shared.lock();
        state
            .networks
            .iter()
            .map(|network| NetworkSnapshot {
                id: network.id.clone(),
                name: network.name.clone(),
                driver: network.driver.clone(),
                containers: state
                    .containers
                    .iter()
                    .filter(|c| c.networks.contains_key(&network.name))
                    .map(|c| c.id.clone())
                    .collect(),
            })
            .collect()
    }

    /// The events so far (at most [`EVENTS_KEPT`]), oldest first, as
    /// `GET /events` sends them.
    pub fn events(&self) -> Vec<EventMessage> {
        self.shared.lock().events.clone()
    }
}

/// A container as the fake daemon holds it, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContainerSnapshot {
    /// Its ID (64 hexadecimal digits).
    pub id: String,
    /// Its name, without the leading `/`.
    pub name: String,
    /// The image as it was given at creation.
    pub image: String,
    /// The ID of that image.
    pub image_id: String,
    /// The command it runs: entrypoint, then command.
    pub command: Vec<String>,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its state.
    pub state: ContainerStatus,
    /// The exit code of its last run (0 before the first).
    pub exit_code: i64,
    /// How many times it was started.
    pub starts: u32,
    /// Everything its runs wrote on standard output (with a TTY: all of the
    /// console output).
    pub stdout: Vec<u8>,
    /// Everything its runs wrote on standard error (nothing with a TTY).
    pub stderr: Vec<u8>,
    /// The networks it is connected to, by name.
    pub networks: Vec<String>,
    /// The volumes it mounts, by name.
    pub volumes: Vec<String>,
}

/// An image as the fake daemon holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageSnapshot {
    /// Its ID (`sha256:...`).
    pub id: String,
    /// Its tags (`busybox:latest`).
    pub tags: Vec<String>,
}

/// A volume as the fake daemon holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VolumeSnapshot {
    /// Its name.
    pub name: String,
    /// Its driver (`local`).
    pub driver: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Whether it was made for a container without a name of its own.
    pub anonymous: bool,
    /// The IDs of the containers that mount it.
    pub used_by: Vec<String>,
}

/// A network as the fake daemon holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetworkSnapshot {
    /// Its ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its driver (`bridge`, `host`, `null`).
    pub driver: String,
    /// The IDs of the containers connected to it.
    pub containers: Vec<String>,
}

/// What every clone of a [`FakeDaemon`] shares.
struct Shared {
    state: Mutex<State>,
    program: Arc<ProgramFn>,
    /// Every event, as it happens, for `GET /events` streams.
    events: broadcast::Sender<EventMessage>,
    /// Bumped on every change of the state, for waits and followed logs.
    changes: watch::Sender<u64>,
    ids: IdSource,
    daemon_id: String,
    started: i64,
    api_versions: (String, String),
    pullable: Vec<String>,
}

impl Shared {
    /// The state; a panic elsewhere while it was held does not poison it for good.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the state and tells the waiters. Events emitted by `change`
    /// go out to the event streams before the lock is released, so that a
    /// stream that subscribes under the lock misses none and sees none twice.
    fn mutate<R>(&self, change: impl FnOnce(&mut State, &Shared) -> R) -> R {
        let mut state = self.lock();
        let result = change(&mut state, self);
        for event in state.pending_events.drain(..).collect::<Vec<_>>() {
            let _ = self.events.send(event.clone());
            state.events.push(event);
        }
        let excess = state.events.len().saturating_sub(EVENTS_KEPT);
        if excess > 0 {
            state.events.drain(..excess);
        }
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
        drop(state);
        result
    }

    /// Runs a program (a user's closure may panic: that is its exit code 1
    /// with the panic on stderr, not a failed request).
    fn run(&self, invocation: &Invocation) -> Outcome {
        let program = self.program.clone();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| program(invocation))) {
            Ok(outcome) => outcome,
            Err(_) => Outcome::exit(1).with_stderr("the fake daemon's program panicked\n"),
        }
    }
}

/// Everything the daemon holds.
struct State {
    containers: Vec<containers::Container>,
    images: Vec<images::Image>,
    volumes: BTreeMap<String, volumes::VolumeRecord>,
    networks: Vec<networks::NetworkRecord>,
    execs: HashMap<String, exec::ExecRecord>,
    events: Vec<EventMessage>,
    pending_events: Vec<EventMessage>,
    /// The next bridge subnet's second octet (172.18.0.0/16 first).
    next_subnet: u8,
    /// The next process ID handed out.
    next_pid: i64,
}

impl State {
    fn new(ids: &IdSource) -> Self {
        let mut state = State {
            containers: Vec::new(),
            images: Vec::new(),
            volumes: BTreeMap::new(),
            networks: Vec::new(),
            execs: HashMap::new(),
            events: Vec::new(),
            pending_events: Vec::new(),
            next_subnet: 18,
            next_pid: 1000,
        };
        state.add_default_networks(ids);
        state
    }

    /// Records an event of `kind` about `id`, with `attributes`.
    fn emit(
        &mut self,
        kind: EventType,
        action: &str,
        id: &str,
        attributes: BTreeMap<String, String>,
    ) {
        let nanos = now_nanos();
        let legacy = kind == EventType::Container || kind == EventType::Image;
        let from = if kind == EventType::Container {
            attributes.get("image").cloned()
        } else {
            None
        };
        self.pending_events.push(EventMessage {
            status: legacy.then(|| action.to_string()),
            id: legacy.then(|| id.to_string()),
            from,
            r#type: Some(kind),
            action: Some(action.to_string()),
            actor: Some(EventActor {
                id: Some(id.to_string()),
                attributes: Some(attributes),
            }),
            scope: Some("local".into()),
            time: Some(nanos.div_euclid(1_000_000_000)),
            time_nano: Some(nanos),
        });
    }

    fn pid(&mut self) -> i64 {
        self.next_pid += 1;
        self.next_pid
    }
}
