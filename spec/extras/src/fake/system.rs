//! The `system` tag: ping, version, info, events, disk usage, login.

use std::collections::{BTreeMap, VecDeque};

use futures_util::StreamExt;
use tokio::sync::broadcast;

use super::util::{
    at_version, error, labels_match, normalize_reference, now_nanos, parse_timestamp, rfc3339,
};
use super::{FakeDaemon, ENGINE_VERSION};
use crate::models::{
    AuthConfig, AuthResponse, ComponentVersion, ContainerdInfo, ContainerdNamespaces, EventFilters,
    EventMessage, EventType, FirewallInfo, Isolation, LocalNodeState, SwarmInfo,
    SystemDataUsageObjectType, SystemDataUsageResponse, SystemIndexInfo, SystemInfo,
    SystemInfoCommit, SystemInfoPlugins, SystemInfoRuntime, SystemRegistryConfig, SystemVersion,
    SystemVersionPlatform,
};
use crate::operations::system::{SessionOptions, SystemDfOptions, SystemEventsOptions};
use crate::server::system::{
    SessionReply, SystemAuthReply, SystemDfReply, SystemEventsReply, SystemInfoReply,
    SystemPingHeadReply, SystemPingReply, SystemVersionReply,
};
use crate::server::{ServerError, SystemApi};

/// The memory the fake claims, in bytes: 8 GiB.
pub(crate) const MEMORY_TOTAL: i64 = 8 << 30;

/// The machine's architecture as Go names it (`amd64`, `arm64`).
pub(crate) fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

const GIT_COMMIT: &str = "fake";

/// Whether `event` passes `filters`, as the daemon's event filter decides.
fn event_matches(filters: &EventFilters, event: &EventMessage) -> bool {
    let kind = event
        .r#type
        .as_ref()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let action = event.action.clone().unwrap_or_default();
    let actor_id = event
        .actor
        .as_ref()
        .and_then(|a| a.id.clone())
        .unwrap_or_default();
    let attributes = event
        .actor
        .as_ref()
        .and_then(|a| a.attributes.clone())
        .unwrap_or_default();
    let name = attributes.get("name").cloned().unwrap_or_default();
    let exact = |terms: &Option<Vec<String>>, values: &[&str]| {
        terms
            .as_ref()
            .is_none_or(|terms| terms.iter().any(|t| values.contains(&t.as_str())))
    };
    // The daemon's fuzzy match: a prefix of the actor's ID or name, for
    // events of that type only.
    let fuzzy = |terms: &Option<Vec<String>>, of: EventType| {
        terms.as_ref().is_none_or(|terms| {
            event.r#type.as_ref() == Some(&of)
                && terms.iter().any(|t| {
                    actor_id.starts_with(t.as_str())
                        || (!name.is_empty() && name.starts_with(t.as_str()))
                })
        })
    };
    let short_action = action.split(':').next().unwrap_or(&action).to_string();
    let image_terms = filters.image.as_ref().is_none_or(|terms| {
        let image = attributes.get("image").cloned().unwrap_or_default();
        terms.iter().any(|t| {
            let t_norm = normalize_reference(t);
            [actor_id.as_str(), image.as_str(), name.as_str()]
                .iter()
                .any(|v| !v.is_empty() && (*v == t || normalize_reference(v) == t_norm))
        })
    });
    exact(&filters.r#type, &[kind.as_str()])
        && exact(&filters.event, &[action.as_str(), short_action.as_str()])
        && exact(&filters.scope, &[event.scope.as_deref().unwrap_or("local")])
        && fuzzy(&filters.container, EventType::Container)
        && fuzzy(&filters.volume, EventType::Volume)
        && fuzzy(&filters.network, EventType::Network)
        && fuzzy(&filters.plugin, EventType::Plugin)
        && fuzzy(&filters.node, EventType::Node)
        && fuzzy(&filters.service, EventType::Service)
        && fuzzy(&filters.secret, EventType::Secret)
        && fuzzy(&filters.config, EventType::Config)
        && image_terms
        && labels_match(filters.label.as_deref().unwrap_or(&[]), &attributes)
}

/// A running `GET /events`: what happened before, then what happens.
struct EventFeed {
    past: VecDeque<EventMessage>,
    live: Option<broadcast::Receiver<EventMessage>>,
    deadline: Option<tokio::time::Instant>,
    filters: EventFilters,
}

impl EventFeed {
    async fn next(&mut self) -> Option<EventMessage> {
        if let Some(event) = self.past.pop_front() {
            return Some(event);
        }
        loop {
            let live = self.live.as_mut()?;
            let received = match self.deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, live.recv()).await {
                    Ok(received) => received,
                    Err(_) => return None,
                },
                None => live.recv().await,
            };
            match received {
                Ok(event) if event_matches(&self.filters, &event) => return Some(event),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl SystemApi for FakeDaemon {
    async fn session(&self, _options: SessionOptions) -> Result<SessionReply, ServerError> {
        Err(ServerError::new(
            501,
            "the fake daemon does not model BuildKit sessions",
        ))
    }

    async fn system_auth(&self, body: AuthConfig) -> Result<SystemAuthReply, ServerError> {
        let _ = body;
        Ok(SystemAuthReply::LoggedIn(Box::new(AuthResponse {
            status: Some("Login Succeeded".into()),
            identity_token: Some(String::new()),
        })))
    }

    async fn system_df(&self, options: SystemDfOptions) -> Result<SystemDfReply, ServerError> {
        let kinds = options.object_types.unwrap_or_default();
        if let Some(SystemDataUsageObjectType::Other(other)) = kinds
            .iter()
            .find(|k| matches!(k, SystemDataUsageObjectType::Other(_)))
        {
            return Ok(SystemDfReply::BadRequest(error(format!(
                "unknown object type: {other}"
            ))));
        }
        let wants = |kind: SystemDataUsageObjectType| kinds.is_empty() || kinds.contains(&kind);
        let state = self.shared.lock();
        let images = wants(SystemDataUsageObjectType::Image).then(|| {
            state
                .images
                .iter()
                .map(|image| {
                    let mut summary =
                        at_version(state_image_summary(&state, image), "ImageSummary");
                    summary.shared_size = Some(0);
                    summary
                })
                .collect::<Vec<_>>()
        });
        let layers = wants(SystemDataUsageObjectType::Image).then(|| {
            state
                .images
                .iter()
                .map(|image| state.image_size(&image.id))
                .sum::<i64>()
        });
        let containers = wants(SystemDataUsageObjectType::Container).then(|| {
            state
                .containers
                .iter()
                .rev()
                .map(|c| {
                    let mut summary = at_version(c.summary(&state, false), "ContainerSummary");
                    summary.size_root_fs = Some(state.image_size(&c.image_id));
                    summary
                })
                .collect::<Vec<_>>()
        });
        let volumes = wants(SystemDataUsageObjectType::Volume).then(|| state.volumes_with_usage());
        let cache = wants(SystemDataUsageObjectType::BuildCache).then(Vec::new);
        Ok(SystemDfReply::Ok(Box::new(at_version(
            SystemDataUsageResponse {
                layers_size: layers,
                images,
                containers,
                volumes,
                build_cache: cache,
                builder_size: Some(0),
            },
            "SystemDataUsageResponse",
        ))))
    }

    async fn system_events(
        &self,
        options: SystemEventsOptions,
    ) -> Result<SystemEventsReply, ServerError> {
        let parse = |text: &Option<String>| -> Result<Option<i64>, String> {
            match text.as_deref() {
                None | Some("") => Ok(None),
                Some(text) => parse_timestamp(text).map(Some),
            }
        };
        let since = match parse(&options.since) {
            Ok(since) => since,
            Err(problem) => return Ok(SystemEventsReply::InternalServerError(error(problem))),
        };
        let until = match parse(&options.until) {
            Ok(until) => until,
            Err(problem) => return Ok(SystemEventsReply::InternalServerError(error(problem))),
        };
        if let (Some(s), Some(u)) = (since, until) {
            if s > u {
                return Ok(SystemEventsReply::BadRequest(error(format!(
                    "`since` time ({}) cannot be after `until` time ({})",
                    options.since.unwrap_or_default(),
                    options.until.unwrap_or_default()
                ))));
            }
        }
        let filters = options.filters.unwrap_or_default();
        let now = now_nanos();
        let (past, live) = {
            // Subscribed under the lock that every change emits under: no
            // event is missed between the past and the live ones, none twice.
            let state = self.shared.lock();
            let live = self.shared.events.subscribe();
            let past: VecDeque<EventMessage> = if since.is_none() && until.is_none() {
                VecDeque::new()
            } else {
                state
                    .events
                    .iter()
                    .filter(|e| {
                        let at = e.time_nano.unwrap_or(0);
                        since.is_none_or(|s| at >= s) && until.is_none_or(|u| at <= u)
                    })
                    .filter(|e| event_matches(&filters, e))
                    .cloned()
                    .collect()
            };
            (past, live)
        };
        // An `until` too far ahead for the clock is no deadline at all.
        let deadline = until.and_then(|u| {
            let wait = u64::try_from(u.saturating_sub(now)).unwrap_or(0);
            tokio::time::Instant::now().checked_add(std::time::Duration::from_nanos(wait))
        });
        let feed = EventFeed {
            past,
            live: (until.is_none_or(|u| u > now)).then_some(live),
            deadline,
            filters,
        };
        let stream = futures_util::stream::unfold(feed, |mut feed| async move {
            let event = feed.next().await?;
            Some((at_version(event, "EventMessage"), feed))
        });
        Ok(SystemEventsReply::Ok(stream.boxed()))
    }

    async fn system_info(&self) -> Result<SystemInfoReply, ServerError> {
        let state = self.shared.lock();
        let running = state
            .containers
            .iter()
            .filter(|c| c.status == crate::models::ContainerStatus::Running)
            .count() as i64;
        let paused = state
            .containers
            .iter()
            .filter(|c| c.status == crate::models::ContainerStatus::Paused)
            .count() as i64;
        let total = state.containers.len() as i64;
        let commit = |id: &str| SystemInfoCommit {
            id: Some(id.to_string()),
            expected: Some(id.to_string()),
        };
        let mut runtimes = BTreeMap::new();
        for name in ["io.containerd.runc.v2", "runc"] {
            runtimes.insert(
                name.to_string(),
                SystemInfoRuntime {
                    path: Some("runc".into()),
                    status: Some(BTreeMap::from([(
                        "org.opencontainers.runtime-spec.features".to_string(),
                        r#"{"ociVersionMin":"1.0.0","ociVersionMax":"1.1.0"}"#.to_string(),
                    )])),
                    ..Default::default()
                },
            );
        }
        let mut index_configs = BTreeMap::new();
        index_configs.insert(
            "docker.io".to_string(),
            SystemIndexInfo {
                mirrors: Some(Vec::new()),
                name: Some("docker.io".into()),
                official: Some(true),
                secure: Some(true),
            },
        );
        let id = &self.shared.daemon_id;
        let info = SystemInfo {
            id: Some(format!(
                "{}-{}-{}-{}-{}",
                &id[..8],
                &id[8..12],
                &id[12..16],
                &id[16..20],
                &id[20..32]
            )),
            containers: Some(total),
            containers_running: Some(running),
            containers_paused: Some(paused),
            containers_stopped: Some(total - running - paused),
            images: Some(state.images.len() as i64),
            driver: Some("vfs".into()),
            plugins: Some(SystemInfoPlugins {
                volume: Some(vec!["local".into()]),
                network: Some(vec!["bridge".into(), "host".into(), "null".into()]),
                authorization: None,
                log: Some(vec!["json-file".into(), "local".into()]),
            }),
            memory_limit: Some(true),
            swap_limit: Some(true),
            kernel_memory: Some(true),
            kernel_memory_tcp: Some(true),
            cpu_cfs_period: Some(true),
            cpu_cfs_quota: Some(true),
            cpu_shares: Some(true),
            cpu_set: Some(true),
            pids_limit: Some(true),
            ipv4_forwarding: Some(true),
            bridge_nf_iptables: Some(true),
            bridge_nf_ip6tables: Some(true),
            debug: Some(false),
            file_descriptors: Some(24),
            oom_kill_disable: Some(true),
            goroutines: Some(40),
            system_time: Some(rfc3339(now_nanos())),
            logging_driver: Some("json-file".into()),
            cgroup_driver: Some("cgroupfs".into()),
            cgroup_version: Some("2".into()),
            events_listeners: Some(self.shared.events.receiver_count() as i64),
            kernel_version: Some("fake".into()),
            operating_system: Some("Fake Docker Engine".into()),
            os_version: Some(String::new()),
            os_type: Some("linux".into()),
            architecture: Some(std::env::consts::ARCH.into()),
            index_server_address: Some("https://index.docker.io/v1/".into()),
            registry_config: Some(SystemRegistryConfig {
                allow_nondistributable_artifacts_cidrs: Some(Vec::new()),
                allow_nondistributable_artifacts_hostnames: Some(Vec::new()),
                index_configs: Some(index_configs),
                insecure_registry_cidrs: Some(vec!["::1/128".into(), "127.0.0.0/8".into()]),
                mirrors: Some(Vec::new()),
            }),
            ncpu: Some(
                std::thread::available_parallelism()
                    .map(|n| n.get() as i64)
                    .unwrap_or(1),
            ),
            mem_total: Some(MEMORY_TOTAL),
            docker_root_dir: Some(super::containers::ROOT_DIR.into()),
            http_proxy: Some(String::new()),
            https_proxy: Some(String::new()),
            no_proxy: Some(String::new()),
            name: Some("fake-docker".into()),
            labels: Some(Vec::new()),
            experimental_build: Some(false),
            server_version: Some(ENGINE_VERSION.into()),
            runtimes: Some(runtimes),
            default_runtime: Some("runc".into()),
            swarm: Some(SwarmInfo {
                node_id: Some(String::new()),
                node_addr: Some(String::new()),
                local_node_state: Some(LocalNodeState::Inactive),
                control_available: Some(false),
                error: Some(String::new()),
                ..Default::default()
            }),
            live_restore_enabled: Some(false),
            isolation: Some(Isolation::Unset),
            init_binary: Some("docker-init".into()),
            containerd_commit: Some(commit(GIT_COMMIT)),
            runc_commit: Some(commit(GIT_COMMIT)),
            init_commit: Some(commit(GIT_COMMIT)),
            security_options: Some(vec!["name=seccomp,profile=builtin".into()]),
            cdi_spec_dirs: Some(vec!["/etc/cdi".into(), "/var/run/cdi".into()]),
            firewall_backend: Some(FirewallInfo {
                driver: Some("iptables".into()),
                info: None,
            }),
            containerd: Some(ContainerdInfo {
                address: Some("/run/containerd/containerd.sock".into()),
                namespaces: Some(ContainerdNamespaces {
                    containers: Some("moby".into()),
                    plugins: Some("plugins.moby".into()),
                }),
            }),
            warnings: Some(Vec::new()),
            ..Default::default()
        };
        Ok(SystemInfoReply::Ok(Box::new(at_version(
            info,
            "SystemInfo",
        ))))
    }

    async fn system_ping(&self) -> Result<SystemPingReply, ServerError> {
        Ok(SystemPingReply::Ok("OK".into()))
    }

    async fn system_ping_head(&self) -> Result<SystemPingHeadReply, ServerError> {
        Ok(SystemPingHeadReply::Ok {
            docker_experimental: Some("false".into()),
            os_type: Some("linux".into()),
            builder_version: None,
            cache_control: Some("no-cache, no-store, must-revalidate".into()),
            pragma: Some("no-cache".into()),
            swarm: Some("inactive".into()),
        })
    }

    async fn system_version(&self) -> Result<SystemVersionReply, ServerError> {
        let (oldest, newest) = &self.shared.api_versions;
        let build_time = rfc3339(self.shared.started);
        let mut details = BTreeMap::new();
        for (key, value) in [
            ("ApiVersion", newest.as_str()),
            ("Arch", go_arch()),
            ("BuildTime", build_time.as_str()),
            ("Experimental", "false"),
            ("GitCommit", GIT_COMMIT),
            ("GoVersion", "none"),
            ("KernelVersion", "fake"),
            ("MinAPIVersion", oldest.as_str()),
            ("Os", "linux"),
        ] {
            details.insert(key.to_string(), value.to_string());
        }
        let version = SystemVersion {
            platform: Some(SystemVersionPlatform {
                name: Some("Fake Docker Engine".into()),
            }),
            components: Some(vec![ComponentVersion {
                name: "Engine".into(),
                version: ENGINE_VERSION.into(),
                details: Some(details),
            }]),
            version: Some(ENGINE_VERSION.into()),
            os: Some("linux".into()),
            kernel_version: Some("fake".into()),
            go_version: Some("none".into()),
            git_commit: Some(GIT_COMMIT.into()),
            arch: Some(go_arch().into()),
            // The router states the versions it serves in these two.
            api_version: Some(newest.clone()),
            min_api_version: Some(oldest.clone()),
            build_time: Some(build_time),
            experimental: None,
        };
        Ok(SystemVersionReply::Ok(Box::new(at_version(
            version,
            "SystemVersion",
        ))))
    }
}

fn state_image_summary(
    state: &super::State,
    image: &super::images::Image,
) -> crate::models::ImageSummary {
    crate::models::ImageSummary {
        id: image.id.clone(),
        parent_id: Some(String::new()),
        repo_tags: Some(image.tags.clone()),
        repo_digests: Some(Vec::new()),
        created: Some(image.created.div_euclid(1_000_000_000)),
        size: Some(state.image_size(&image.id)),
        labels: image.config.labels.clone(),
        shared_size: Some(0),
        containers: Some(
            state
                .containers
                .iter()
                .filter(|c| c.image_id == image.id)
                .count() as i64,
        ),
        ..Default::default()
    }
}
