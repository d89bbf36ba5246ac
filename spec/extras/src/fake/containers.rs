//! Containers: their records, their life cycle and the `containers` tag.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::util::{
    at_version, error, filter_bool, human_duration, labels_match, name_matches, now_nanos,
    parse_timestamp, quote_command, rfc3339, unknown_filter, valid_container_name, ZERO_TIME,
};
use super::{ContainerSnapshot, FakeDaemon, Invocation, Outcome, Shared, State};
use crate::models::{
    ContainerConfig, ContainerCreateBody, ContainerCreateResponse, ContainerInspectResponse,
    ContainerPruneResponse, ContainerState, ContainerStats, ContainerStatsBlkio, ContainerStatsCpu,
    ContainerStatsCpuUsage, ContainerStatsMemory, ContainerStatsNetwork, ContainerStatsPids,
    ContainerStatsStorage, ContainerStatsThrottling, ContainerStatus, ContainerSummary,
    ContainerSummaryHostConfig, ContainerSummaryNetworkSettings, ContainerTopResponse,
    ContainerUpdateBody, ContainerUpdateResponse, ContainerWaitCondition, ContainerWaitExitError,
    ContainerWaitResponse, EndpointSettings, EventType, GraphDriverData, HostConfig, LogConfig,
    MountPoint, MountType, NetworkSettings, RestartPolicy, RestartPolicyName, StringOrList,
};
use crate::operations::containers::{
    ContainerAttachOptions, ContainerCreateOptions, ContainerDeleteOptions,
    ContainerInspectOptions, ContainerKillOptions, ContainerListOptions, ContainerLogsOptions,
    ContainerPruneOptions, ContainerPutArchiveOptions, ContainerResizeOptions,
    ContainerRestartOptions, ContainerStartOptions, ContainerStatsOptions, ContainerStopOptions,
    ContainerTopOptions, ContainerWaitOptions,
};
use crate::server::containers::{
    ContainerArchiveInfoReply, ContainerArchiveReply, ContainerAttachReply, ContainerChangesReply,
    ContainerCreateReply, ContainerDeleteReply, ContainerExportReply, ContainerInspectReply,
    ContainerKillReply, ContainerListReply, ContainerLogsReply, ContainerPauseReply,
    ContainerPruneReply, ContainerPutArchiveReply, ContainerRenameReply, ContainerResizeReply,
    ContainerRestartReply, ContainerStartReply, ContainerStatsReply, ContainerStopReply,
    ContainerTopReply, ContainerUnpauseReply, ContainerUpdateReply, ContainerWaitReply,
};
use crate::server::{BodyStream, ContainersApi, Hijack, Output, OutputFrame, ServerError};

/// Where the fake says the daemon keeps its files.
pub(crate) const ROOT_DIR: &str = "/var/lib/docker";

/// The exit code of a program stopped by `SIGTERM`.
const STOPPED_EXIT_CODE: i64 = 143;

/// A container as the daemon holds it.
#[derive(Debug, Clone)]
pub(crate) struct Container {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) created: i64,
    /// The image as given at creation.
    pub(crate) image: String,
    pub(crate) image_id: String,
    /// The configuration inspect shows (`Config`).
    pub(crate) config: ContainerConfig,
    pub(crate) host_config: HostConfig,
    pub(crate) path: String,
    pub(crate) args: Vec<String>,
    pub(crate) tty: bool,
    pub(crate) status: ContainerStatus,
    pub(crate) pid: i64,
    pub(crate) exit_code: i64,
    pub(crate) started_at: i64,
    pub(crate) finished_at: i64,
    pub(crate) starts: u32,
    /// How many times it exited, for `next-exit` waits and attaches.
    pub(crate) exits: u64,
    pub(crate) logs: Vec<LogEntry>,
    /// The networks it is connected to, by name.
    pub(crate) networks: BTreeMap<String, Endpoint>,
    pub(crate) mounts: Vec<MountPoint>,
    pub(crate) exec_ids: Vec<String>,
}

/// One write of a program, as the log keeps it.
#[derive(Debug, Clone)]
pub(crate) struct LogEntry {
    pub(crate) stderr: bool,
    pub(crate) at: i64,
    pub(crate) bytes: Vec<u8>,
}

/// A container's place in a network.
#[derive(Debug, Clone, Default)]
pub(crate) struct Endpoint {
    pub(crate) network_id: String,
    pub(crate) aliases: Option<Vec<String>>,
    /// Set while the container runs: the endpoint, its address and MAC.
    pub(crate) endpoint_id: String,
    pub(crate) ip: String,
    pub(crate) prefix_len: i64,
    pub(crate) gateway: String,
    pub(crate) mac: String,
}

impl Container {
    pub(crate) fn running(&self) -> bool {
        matches!(
            self.status,
            ContainerStatus::Running | ContainerStatus::Paused
        )
    }

    pub(crate) fn argv(&self) -> Vec<String> {
        std::iter::once(self.path.clone())
            .chain(self.args.iter().cloned())
            .collect()
    }

    pub(crate) fn labels(&self) -> BTreeMap<String, String> {
        self.config.labels.clone().unwrap_or_default()
    }

    pub(crate) fn volume_names(&self) -> Vec<String> {
        self.mounts
            .iter()
            .filter(|m| m.r#type == Some(MountType::Volume))
            .filter_map(|m| m.name.clone())
            .collect()
    }

    /// Event attributes: its labels, image and name.
    pub(crate) fn attributes(&self) -> BTreeMap<String, String> {
        let mut attributes = self.labels();
        attributes.insert("image".into(), self.image.clone());
        attributes.insert("name".into(), self.name.clone());
        attributes
    }

    pub(crate) fn snapshot(&self) -> ContainerSnapshot {
        let output = |stderr: bool| -> Vec<u8> {
            self.logs
                .iter()
                .filter(|e| e.stderr == stderr)
                .flat_map(|e| e.bytes.iter().copied())
                .collect()
        };
        ContainerSnapshot {
            id: self.id.clone(),
            name: self.name.clone(),
            image: self.image.clone(),
            image_id: self.image_id.clone(),
            command: self.argv(),
            labels: self.labels(),
            state: self.status.clone(),
            exit_code: self.exit_code,
            starts: self.starts,
            stdout: output(false),
            stderr: output(true),
            networks: self.networks.keys().cloned().collect(),
            volumes: self.volume_names(),
        }
    }

    /// `Up 5 minutes`, `Exited (0) 2 seconds ago`, `Created`...
    fn status_text(&self, now: i64) -> String {
        match self.status {
            ContainerStatus::Running => format!("Up {}", human_duration(now - self.started_at)),
            ContainerStatus::Paused => {
                format!("Up {} (Paused)", human_duration(now - self.started_at))
            }
            ContainerStatus::Exited => format!(
                "Exited ({}) {} ago",
                self.exit_code,
                human_duration(now - self.finished_at)
            ),
            ContainerStatus::Created => "Created".into(),
            ContainerStatus::Dead => "Dead".into(),
            ContainerStatus::Removing => "Removal In Progress".into(),
            ContainerStatus::Restarting => "Restarting".into(),
            ContainerStatus::Other(ref other) => other.clone(),
        }
    }

    fn endpoint_settings(&self, name: &str, endpoint: &Endpoint) -> EndpointSettings {
        let user_defined = !matches!(name, "bridge" | "host" | "none");
        EndpointSettings {
            network_id: Some(endpoint.network_id.clone()),
            endpoint_id: Some(endpoint.endpoint_id.clone()),
            gateway: Some(endpoint.gateway.clone()),
            ip_address: Some(endpoint.ip.clone()),
            ip_prefix_len: Some(endpoint.prefix_len),
            ipv6_gateway: Some(String::new()),
            global_ipv6_address: Some(String::new()),
            global_ipv6_prefix_len: Some(0),
            mac_address: Some(endpoint.mac.clone()),
            aliases: endpoint.aliases.clone(),
            gw_priority: Some(0),
            dns_names: (user_defined && self.running())
                .then(|| vec![self.name.clone(), self.id[..12].to_string()]),
            ..Default::default()
        }
    }

    pub(crate) fn summary(&self, state: &State, size: bool) -> ContainerSummary {
        let now = now_nanos();
        // The image as given, unless that reference now names another image.
        let image = match state.find_image(&self.image) {
            Some(i) if state.images[i].id == self.image_id => self.image.clone(),
            _ => self.image_id.clone(),
        };
        ContainerSummary {
            id: self.id.clone(),
            names: Some(vec![format!("/{}", self.name)]),
            image: Some(image),
            image_id: Some(self.image_id.clone()),
            command: Some(quote_command(&self.argv())),
            created: Some(self.created.div_euclid(1_000_000_000)),
            state: Some(self.status.clone()),
            status: Some(self.status_text(now)),
            ports: Some(Vec::new()),
            labels: Some(self.labels()),
            size_rw: size.then_some(0),
            size_root_fs: size.then(|| state.image_size(&self.image_id)),
            host_config: Some(ContainerSummaryHostConfig {
                network_mode: self.host_config.network_mode.clone(),
                ..Default::default()
            }),
            network_settings: Some(ContainerSummaryNetworkSettings {
                networks: Some(
                    self.networks
                        .iter()
                        .map(|(name, e)| (name.clone(), self.endpoint_settings(name, e)))
                        .collect(),
                ),
            }),
            mounts: Some(self.mounts.clone()),
            ..Default::default()
        }
    }

    fn inspect(&self, state: &State, size: bool) -> ContainerInspectResponse {
        let dir = format!("{ROOT_DIR}/containers/{}", self.id);
        let running = self.running();
        let bridge = self.networks.get("bridge");
        let legacy = |pick: fn(&Endpoint) -> String| bridge.map(pick).unwrap_or_default();
        ContainerInspectResponse {
            id: Some(self.id.clone()),
            created: Some(rfc3339(self.created)),
            path: Some(self.path.clone()),
            args: Some(self.args.clone()),
            state: Some(ContainerState {
                status: Some(self.status.clone()),
                running: Some(running),
                paused: Some(self.status == ContainerStatus::Paused),
                restarting: Some(false),
                oom_killed: Some(false),
                dead: Some(self.status == ContainerStatus::Dead),
                pid: Some(if running { self.pid } else { 0 }),
                exit_code: Some(self.exit_code),
                error: Some(String::new()),
                started_at: Some(rfc3339(self.started_at)),
                finished_at: Some(rfc3339(self.finished_at)),
                health: None,
            }),
            image: Some(self.image_id.clone()),
            resolv_conf_path: Some(format!("{dir}/resolv.conf")),
            hostname_path: Some(format!("{dir}/hostname")),
            hosts_path: Some(format!("{dir}/hosts")),
            log_path: Some(format!("{dir}/{}-json.log", self.id)),
            name: Some(format!("/{}", self.name)),
            restart_count: Some(0),
            driver: Some("vfs".into()),
            platform: Some("linux".into()),
            mount_label: Some(String::new()),
            process_label: Some(String::new()),
            app_armor_profile: Some(String::new()),
            exec_ids: (!self.exec_ids.is_empty()).then(|| self.exec_ids.clone()),
            host_config: Some(self.host_config.clone()),
            graph_driver: Some(GraphDriverData {
                name: Some("vfs".into()),
                data: None,
            }),
            mounts: Some(self.mounts.clone()),
            config: Some(self.config.clone()),
            network_settings: Some(NetworkSettings {
                bridge: Some(String::new()),
                sandbox_id: Some(if running {
                    super::util::stable_hex(&format!("sandbox {}", self.id))
                } else {
                    String::new()
                }),
                sandbox_key: Some(if running {
                    format!("/var/run/docker/netns/{}", &self.id[..12])
                } else {
                    String::new()
                }),
                hairpin_mode: Some(false),
                link_local_ipv6_address: Some(String::new()),
                link_local_ipv6_prefix_len: Some(0),
                ports: Some(BTreeMap::new()),
                endpoint_id: Some(legacy(|e| e.endpoint_id.clone())),
                gateway: Some(legacy(|e| e.gateway.clone())),
                global_ipv6_address: Some(String::new()),
                global_ipv6_prefix_len: Some(0),
                ip_address: Some(legacy(|e| e.ip.clone())),
                ip_prefix_len: Some(bridge.map(|e| e.prefix_len).unwrap_or(0)),
                ipv6_gateway: Some(String::new()),
                mac_address: Some(legacy(|e| e.mac.clone())),
                networks: Some(
                    self.networks
                        .iter()
                        .map(|(name, e)| (name.clone(), self.endpoint_settings(name, e)))
                        .collect(),
                ),
                ..Default::default()
            }),
            size_rw: size.then_some(0),
            size_root_fs: size.then(|| state.image_size(&self.image_id)),
            ..Default::default()
        }
    }
}

/// The host configuration a daemon reports for a container created with
/// none, as dockerd 28.5 fills it (it leaves out the deprecated kernel
/// memory limits unless they are set).
fn default_host_config(network_mode: &str) -> HostConfig {
    HostConfig {
        container_id_file: Some(String::new()),
        log_config: Some(LogConfig {
            r#type: Some("json-file".into()),
            config: Some(BTreeMap::new()),
        }),
        network_mode: Some(network_mode.to_string()),
        restart_policy: Some(RestartPolicy {
            name: Some(RestartPolicyName::No),
            maximum_retry_count: Some(0),
        }),
        auto_remove: Some(false),
        volume_driver: Some(String::new()),
        console_size: Some(vec![0, 0]),
        cgroupns_mode: Some("private".into()),
        ipc_mode: Some("private".into()),
        cgroup: Some(String::new()),
        oom_score_adj: Some(0),
        pid_mode: Some(String::new()),
        privileged: Some(false),
        publish_all_ports: Some(false),
        readonly_rootfs: Some(false),
        uts_mode: Some(String::new()),
        userns_mode: Some(String::new()),
        shm_size: Some(67_108_864),
        runtime: Some("runc".into()),
        isolation: Some("".into()),
        cpu_shares: Some(0),
        memory: Some(0),
        nano_cpus: Some(0),
        cgroup_parent: Some(String::new()),
        blkio_weight: Some(0),
        cpu_period: Some(0),
        cpu_quota: Some(0),
        cpu_realtime_period: Some(0),
        cpu_realtime_runtime: Some(0),
        cpuset_cpus: Some(String::new()),
        cpuset_mems: Some(String::new()),
        memory_reservation: Some(0),
        memory_swap: Some(0),
        oom_kill_disable: Some(false),
        cpu_count: Some(0),
        cpu_percent: Some(0),
        io_maximum_iops: Some(0),
        io_maximum_bandwidth: Some(0),
        masked_paths: Some(
            [
                "/proc/asound",
                "/proc/acpi",
                "/proc/interrupts",
                "/proc/kcore",
                "/proc/keys",
                "/proc/latency_stats",
                "/proc/timer_list",
                "/proc/timer_stats",
                "/proc/sched_debug",
                "/proc/scsi",
                "/sys/firmware",
                "/sys/devices/virtual/powercap",
            ]
            .map(String::from)
            .to_vec(),
        ),
        readonly_paths: Some(
            [
                "/proc/bus",
                "/proc/fs",
                "/proc/irq",
                "/proc/sys",
                "/proc/sysrq-trigger",
            ]
            .map(String::from)
            .to_vec(),
        ),
        ..Default::default()
    }
}

/// What the daemon puts in place of the zero values clients send for
/// "the default" (the CLI sends its whole host configuration, `""` and `0`
/// included).
fn fill_host_defaults(host: &mut HostConfig) {
    let defaults = default_host_config("");
    let empty = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
    if empty(&host.ipc_mode) {
        host.ipc_mode = defaults.ipc_mode;
    }
    if host
        .cgroupns_mode
        .as_ref()
        .is_none_or(|m| m.as_str().is_empty())
    {
        host.cgroupns_mode = defaults.cgroupns_mode;
    }
    if empty(&host.runtime) {
        host.runtime = defaults.runtime;
    }
    if host.shm_size.is_none_or(|size| size <= 0) {
        host.shm_size = defaults.shm_size;
    }
    let log = host.log_config.get_or_insert_with(Default::default);
    if empty(&log.r#type) {
        log.r#type = Some("json-file".into());
    }
    log.config.get_or_insert_with(BTreeMap::new);
    let restart = host.restart_policy.get_or_insert_with(Default::default);
    if restart.name.as_ref().is_none_or(|n| n.as_str().is_empty()) {
        restart.name = Some(RestartPolicyName::No);
    }
    restart.maximum_retry_count.get_or_insert(0);
    // "No limit" and "the kernel's swappiness" read back as null.
    if host.memory_swappiness.is_some_and(|s| s < 0) {
        host.memory_swappiness = None;
    }
    if host.pids_limit.is_some_and(|limit| limit <= 0) {
        host.pids_limit = None;
    }
    if host.kernel_memory == Some(0) {
        host.kernel_memory = None;
    }
    if host.kernel_memory_tcp == Some(0) {
        host.kernel_memory_tcp = None;
    }
}

/// `base` with every field that `over` sets replaced (one level deep: a
/// field is the unit), through their JSON form; `base` when either does not
/// go through JSON.
pub(crate) fn overlay<T>(base: T, over: &impl serde::Serialize) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let (Ok(serde_json::Value::Object(mut merged)), Ok(serde_json::Value::Object(changes))) =
        (serde_json::to_value(&base), serde_json::to_value(over))
    else {
        return base;
    };
    for (key, value) in changes {
        if !value.is_null() {
            merged.insert(key, value);
        }
    }
    serde_json::from_value(serde_json::Value::Object(merged)).unwrap_or(base)
}

fn words(value: &Option<StringOrList>) -> Option<Vec<String>> {
    match value {
        Some(StringOrList::List(list)) => Some(list.clone()),
        Some(StringOrList::String(one)) if one.is_empty() => Some(Vec::new()),
        Some(StringOrList::String(one)) => Some(vec![one.clone()]),
        None => None,
    }
}

/// The exit code of a process ended by `signal` (a name like `SIGTERM` or
/// `TERM`, or a number), `None` for a signal that does not end a process,
/// or the daemon's message for one it does not know.
fn signal_exit(signal: &str) -> Result<Option<i64>, String> {
    const SIGNALS: [(&str, i64); 31] = [
        ("HUP", 1),
        ("INT", 2),
        ("QUIT", 3),
        ("ILL", 4),
        ("TRAP", 5),
        ("ABRT", 6),
        ("BUS", 7),
        ("FPE", 8),
        ("KILL", 9),
        ("USR1", 10),
        ("SEGV", 11),
        ("USR2", 12),
        ("PIPE", 13),
        ("ALRM", 14),
        ("TERM", 15),
        ("STKFLT", 16),
        ("CHLD", 17),
        ("CONT", 18),
        ("STOP", 19),
        ("TSTP", 20),
        ("TTIN", 21),
        ("TTOU", 22),
        ("URG", 23),
        ("XCPU", 24),
        ("XFSZ", 25),
        ("VTALRM", 26),
        ("PROF", 27),
        ("WINCH", 28),
        ("IO", 29),
        ("PWR", 30),
        ("SYS", 31),
    ];
    let number = match signal.parse::<i64>() {
        Ok(n) if (1..=64).contains(&n) => n,
        Ok(_) => return Err(format!("Invalid signal: {signal}")),
        Err(_) => {
            let name = signal.to_ascii_uppercase();
            let name = name.strip_prefix("SIG").unwrap_or(&name).to_string();
            SIGNALS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, number)| *number)
                .ok_or_else(|| format!("Invalid signal: {signal}"))?
        }
    };
    // Ignored by default: CHLD, CONT, URG, WINCH; STOP, TSTP, TTIN and TTOU suspend.
    Ok((![17, 18, 19, 20, 21, 22, 23, 28].contains(&number)).then_some(128 + number))
}

/// A signal's number as event attributes show it.
fn signal_number(signal: &str) -> String {
    match signal.parse::<i64>() {
        Ok(number) => number.to_string(),
        Err(_) => signal_exit(signal)
            .ok()
            .flatten()
            .map(|code| (code - 128).to_string())
            .unwrap_or_else(|| signal.to_string()),
    }
}

fn no_such_container(id: &str) -> crate::models::ErrorResponse {
    error(format!("No such container: {id}"))
}

fn not_running(id: &str) -> String {
    format!("container {id} is not running")
}

impl State {
    /// The index of a container by full ID, name (with or without `/`), or
    /// unique ID prefix, as the daemon resolves it.
    pub(crate) fn find_container(&self, reference: &str) -> Option<usize> {
        if reference.is_empty() {
            return None;
        }
        if let Some(i) = self.containers.iter().position(|c| c.id == reference) {
            return Some(i);
        }
        let name = reference.strip_prefix('/').unwrap_or(reference);
        if let Some(i) = self.containers.iter().position(|c| c.name == name) {
            return Some(i);
        }
        let mut matches = self
            .containers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.id.starts_with(reference));
        match (matches.next(), matches.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    fn name_conflict(&self, name: &str) -> Option<String> {
        self.containers.iter().find(|c| c.name == name).map(|c| {
            format!(
                "Conflict. The container name \"/{name}\" is already in use by container \"{}\". You have to remove (or rename) that container to be able to reuse that name.",
                c.id
            )
        })
    }

    fn unique_name(&self, shared: &Shared) -> String {
        loop {
            let random = shared.ids.next_u64();
            let mut name = super::util::generated_name(random);
            if self.name_conflict(&name).is_some() {
                name = format!("{name}{}", random % 1000);
            }
            if self.name_conflict(&name).is_none() {
                return name;
            }
        }
    }

    fn create_container(
        &mut self,
        shared: &Shared,
        name: Option<String>,
        body: ContainerCreateBody,
    ) -> ContainerCreateReply {
        let name = match name.filter(|n| !n.is_empty()) {
            Some(name) => {
                let name = name.strip_prefix('/').unwrap_or(&name).to_string();
                if !valid_container_name(&name) {
                    return ContainerCreateReply::BadRequest(error(format!(
                        "Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
                    )));
                }
                if let Some(conflict) = self.name_conflict(&name) {
                    return ContainerCreateReply::Conflict(error(conflict));
                }
                name
            }
            None => self.unique_name(shared),
        };
        let reference = body.image.clone().unwrap_or_default();
        if reference.is_empty() {
            return ContainerCreateReply::BadRequest(error(
                "config cannot be empty in order to create a container",
            ));
        }
        let Some(image_index) = self.find_image(&reference) else {
            return ContainerCreateReply::NotFound(error(format!(
                "No such image: {}",
                super::util::normalize_reference(&reference)
            )));
        };
        let image_config = self.images[image_index].config.clone();
        let image_id = self.images[image_index].id.clone();

        let entrypoint = words(&body.entrypoint).or_else(|| words(&image_config.entrypoint));
        let cmd = if body.entrypoint.is_some() && body.cmd.is_none() {
            Vec::new()
        } else {
            words(&body.cmd)
                .or_else(|| words(&image_config.cmd))
                .unwrap_or_default()
        };
        let argv: Vec<String> = entrypoint
            .clone()
            .unwrap_or_default()
            .into_iter()
            .chain(cmd.clone())
            .collect();
        let Some((path, args)) = argv.split_first() else {
            return ContainerCreateReply::BadRequest(error("no command specified"));
        };

        // Networks: the mode's network, then the endpoints asked for.
        let user_host_config = body.host_config.clone().unwrap_or_default();
        let mode = match user_host_config.network_mode.as_deref() {
            None | Some("") | Some("default") => "bridge".to_string(),
            Some(mode) => mode.to_string(),
        };
        let mut endpoints = BTreeMap::new();
        let mut wanted: Vec<(String, Option<EndpointSettings>)> = Vec::new();
        if let Some(container) = mode.strip_prefix("container:") {
            if self.find_container(container).is_none() {
                return ContainerCreateReply::NotFound(no_such_container(container));
            }
        } else {
            wanted.push((mode.clone(), None));
        }
        if let Some(config) = body
            .networking_config
            .as_ref()
            .and_then(|n| n.endpoints_config.as_ref())
        {
            for (network, settings) in config {
                match wanted.iter_mut().find(|(n, _)| n == network) {
                    Some(slot) => slot.1 = Some(settings.clone()),
                    None => wanted.push((network.clone(), Some(settings.clone()))),
                }
            }
        }
        for (network, settings) in wanted {
            let Some(n) = self.find_network(&network) else {
                return ContainerCreateReply::NotFound(error(format!(
                    "network {network} not found"
                )));
            };
            let record = &self.networks[n];
            endpoints.insert(
                record.name.clone(),
                Endpoint {
                    network_id: record.id.clone(),
                    aliases: settings.and_then(|s| s.aliases),
                    ..Default::default()
                },
            );
        }

        // Mounts: binds, mounts, then anonymous volumes for the rest.
        let mut mounts = Vec::new();
        let mut volumes_to_make: Vec<(String, bool)> = Vec::new();
        for bind in user_host_config.binds.iter().flatten() {
            let mut parts = bind.splitn(3, ':');
            let (Some(source), Some(target)) = (parts.next(), parts.next()) else {
                return ContainerCreateReply::BadRequest(error(format!(
                    "invalid volume specification: '{bind}'"
                )));
            };
            let mode = parts.next().unwrap_or("").to_string();
            let rw = !mode.split(',').any(|m| m == "ro");
            if source.starts_with('/') {
                mounts.push(MountPoint {
                    r#type: Some(MountType::Bind),
                    source: Some(source.to_string()),
                    destination: Some(target.to_string()),
                    mode: Some(mode),
                    rw: Some(rw),
                    propagation: Some("rprivate".into()),
                    ..Default::default()
                });
            } else {
                volumes_to_make.push((source.to_string(), false));
                mounts.push(volume_mount(source, target, &mode, rw));
            }
        }
        for mount in user_host_config.mounts.iter().flatten() {
            let target = mount.target.clone().unwrap_or_default();
            let rw = !mount.read_only.unwrap_or(false);
            match mount.r#type.clone().unwrap_or(MountType::Volume) {
                MountType::Volume => {
                    let (name, anonymous) = match mount.source.as_deref() {
                        Some(source) if !source.is_empty() => (source.to_string(), false),
                        _ => (shared.ids.hex_id(), true),
                    };
                    volumes_to_make.push((name.clone(), anonymous));
                    mounts.push(volume_mount(&name, &target, "z", rw));
                }
                MountType::Bind => mounts.push(MountPoint {
                    r#type: Some(MountType::Bind),
                    source: mount.source.clone(),
                    destination: Some(target),
                    mode: Some(String::new()),
                    rw: Some(rw),
                    propagation: Some("rprivate".into()),
                    ..Default::default()
                }),
                other => mounts.push(MountPoint {
                    r#type: Some(other),
                    source: Some(String::new()),
                    destination: Some(target),
                    mode: Some(String::new()),
                    rw: Some(rw),
                    propagation: Some(String::new()),
                    ..Default::default()
                }),
            }
        }
        let declared: Vec<String> = image_config
            .volumes
            .iter()
            .flatten()
            .chain(body.volumes.iter().flatten())
            .map(|(path, _)| path.clone())
            .collect();
        for target in declared {
            if mounts
                .iter()
                .any(|m| m.destination.as_deref() == Some(target.as_str()))
            {
                continue;
            }
            let name = shared.ids.hex_id();
            volumes_to_make.push((name.clone(), true));
            mounts.push(volume_mount(&name, &target, "", true));
        }

        let id = shared.ids.hex_id();
        let mut env = image_config.env.clone().unwrap_or_default();
        for var in body.env.iter().flatten() {
            let key = var.split('=').next().unwrap_or(var);
            env.retain(|e| e.split('=').next() != Some(key));
            env.push(var.clone());
        }
        let mut labels = image_config.labels.clone().unwrap_or_default();
        labels.extend(body.labels.clone().unwrap_or_default());
        let base = ContainerConfig {
            domainname: Some(String::new()),
            user: Some(String::new()),
            attach_stdin: Some(false),
            attach_stdout: Some(false),
            attach_stderr: Some(false),
            tty: Some(false),
            open_stdin: Some(false),
            stdin_once: Some(false),
            working_dir: Some(String::new()),
            ..Default::default()
        };
        let mut user_config = serde_json::to_value(&body).unwrap_or_default();
        if let Some(map) = user_config.as_object_mut() {
            map.remove("HostConfig");
            map.remove("NetworkingConfig");
        }
        let mut config: ContainerConfig = overlay(base, &user_config);
        if config.hostname.as_deref().is_none_or(str::is_empty) {
            config.hostname = Some(id[..12].to_string());
        }
        // The daemon leaves these out when they hold their zero value.
        if config.network_disabled == Some(false) {
            config.network_disabled = None;
        }
        if config.args_escaped == Some(false) {
            config.args_escaped = None;
        }
        if config.mac_address.as_deref() == Some("") {
            config.mac_address = None;
        }
        config.env = Some(env);
        config.cmd = (!cmd.is_empty()).then(|| StringOrList::List(cmd.clone()));
        config.entrypoint = entrypoint.map(StringOrList::List);
        config.image = Some(reference.clone());
        config.labels = Some(labels);
        if config.volumes.is_none() {
            config.volumes = image_config.volumes.clone();
        }
        let tty = config.tty.unwrap_or(false);
        let mut host_config = overlay(default_host_config(&mode), &user_host_config);
        host_config.network_mode = Some(mode.clone());
        fill_host_defaults(&mut host_config);

        for (volume, anonymous) in volumes_to_make {
            self.ensure_volume(shared, &volume, anonymous, BTreeMap::new());
        }
        let container = Container {
            id: id.clone(),
            name,
            created: now_nanos(),
            image: reference,
            image_id,
            config,
            host_config,
            path: path.clone(),
            args: args.to_vec(),
            tty,
            status: ContainerStatus::Created,
            pid: 0,
            exit_code: 0,
            started_at: 0,
            finished_at: 0,
            starts: 0,
            exits: 0,
            logs: Vec::new(),
            networks: endpoints,
            mounts,
            exec_ids: Vec::new(),
        };
        let attributes = container.attributes();
        self.containers.push(container);
        self.emit(EventType::Container, "create", &id, attributes);
        ContainerCreateReply::Created(Box::new(ContainerCreateResponse {
            id,
            warnings: Some(Vec::new()),
        }))
    }

    /// Gives the container at `index`, which starts, its endpoints' addresses.
    fn connect_endpoints(&mut self, index: usize, shared: &Shared) {
        let names: Vec<String> = self.containers[index].networks.keys().cloned().collect();
        for name in names {
            let Some(n) = self.find_network(&name) else {
                continue;
            };
            let (network_id, driver, subnet) = {
                let network = &self.networks[n];
                (network.id.clone(), network.driver.clone(), network.subnet)
            };
            let address = subnet.map(|octet| {
                let host = self.networks[n].next_host;
                self.networks[n].next_host = host.wrapping_add(1).max(2);
                (octet, host)
            });
            let container = &mut self.containers[index];
            let container_id = container.id.clone();
            if let Some(endpoint) = container.networks.get_mut(&name) {
                endpoint.network_id = network_id.clone();
                if driver != "null" && driver != "host" {
                    endpoint.endpoint_id = shared.ids.hex_id();
                }
                if let Some((octet, host)) = address {
                    endpoint.ip = format!("172.{octet}.0.{host}");
                    endpoint.prefix_len = 16;
                    endpoint.gateway = format!("172.{octet}.0.1");
                    endpoint.mac = format!("02:42:ac:{octet:02x}:00:{host:02x}");
                }
            }
            let mut attributes = BTreeMap::new();
            attributes.insert("container".to_string(), container_id);
            attributes.insert("name".to_string(), name.clone());
            attributes.insert("type".to_string(), driver);
            self.emit(EventType::Network, "connect", &network_id, attributes);
        }
    }

    /// Takes the addresses of a container that stopped, telling the networks.
    fn disconnect_endpoints(&mut self, index: usize) {
        let container_id = self.containers[index].id.clone();
        let mut events = Vec::new();
        for (name, endpoint) in self.containers[index].networks.iter_mut() {
            *endpoint = Endpoint {
                network_id: endpoint.network_id.clone(),
                aliases: endpoint.aliases.clone(),
                ..Default::default()
            };
            events.push((name.clone(), endpoint.network_id.clone()));
        }
        for (name, network_id) in events {
            let driver = self
                .find_network(&name)
                .map(|n| self.networks[n].driver.clone())
                .unwrap_or_default();
            let mut attributes = BTreeMap::new();
            attributes.insert("container".to_string(), container_id.clone());
            attributes.insert("name".to_string(), name);
            attributes.insert("type".to_string(), driver);
            self.emit(EventType::Network, "disconnect", &network_id, attributes);
        }
    }

    /// Marks the container at `index` running and answers what its program
    /// is to be run with; the program runs without the lock.
    fn begin_run(&mut self, index: usize, shared: &Shared) -> Invocation {
        let pid = self.pid();
        let container = &mut self.containers[index];
        container.status = ContainerStatus::Running;
        container.pid = pid;
        container.started_at = now_nanos();
        container.starts += 1;
        self.connect_endpoints(index, shared);
        let container = &self.containers[index];
        let invocation = Invocation {
            argv: container.argv(),
            env: container.config.env.clone().unwrap_or_default(),
            tty: container.tty,
            container_id: container.id.clone(),
            container_name: container.name.clone(),
            image: container.image.clone(),
            exec: false,
        };
        let (id, attributes) = (container.id.clone(), container.attributes());
        self.emit(EventType::Container, "start", &id, attributes);
        invocation
    }

    /// Records what the program of run number `run` of container `id` did.
    fn finish_run(&mut self, shared: &Shared, id: &str, run: u32, outcome: Outcome) {
        let Some(index) = self.containers.iter().position(|c| c.id == id) else {
            return;
        };
        let container = &mut self.containers[index];
        if container.starts != run || !container.running() {
            return;
        }
        let at = now_nanos();
        append_output(
            &mut container.logs,
            container.tty,
            at,
            &outcome.stdout,
            &outcome.stderr,
        );
        if let Some(code) = outcome.exit_code {
            self.exit_container(shared, index, code);
        }
    }

    /// The running container at `index` ends with `code`; a container with
    /// `AutoRemove` goes away.
    pub(crate) fn exit_container(&mut self, shared: &Shared, index: usize, code: i64) {
        let container = &mut self.containers[index];
        container.status = ContainerStatus::Exited;
        container.exit_code = code;
        container.finished_at = now_nanos();
        container.pid = 0;
        container.exits += 1;
        let (id, mut attributes) = (container.id.clone(), container.attributes());
        let auto_remove = container.host_config.auto_remove == Some(true);
        attributes.insert("exitCode".into(), code.to_string());
        for exec in self.execs.values_mut().filter(|e| e.container_id == id) {
            if exec.running {
                exec.running = false;
                exec.exit_code = Some(137);
            }
        }
        self.emit(EventType::Container, "die", &id, attributes);
        self.disconnect_endpoints(index);
        if auto_remove {
            self.remove_container(shared, index, true);
        }
    }

    /// Removes the (stopped) container at `index`, with its anonymous
    /// volumes when `volumes` is set.
    pub(crate) fn remove_container(&mut self, _shared: &Shared, index: usize, volumes: bool) {
        let container = self.containers.remove(index);
        self.execs.retain(|_, e| e.container_id != container.id);
        if volumes {
            for name in container.volume_names() {
                let anonymous = self.volumes.get(&name).is_some_and(|v| v.anonymous);
                if anonymous && self.volume_users(&name).is_empty() {
                    self.volumes.remove(&name);
                    let mut attributes = BTreeMap::new();
                    attributes.insert("driver".to_string(), "local".to_string());
                    self.emit(EventType::Volume, "destroy", &name, attributes);
                }
            }
        }
        self.emit(
            EventType::Container,
            "destroy",
            &container.id,
            container.attributes(),
        );
    }

    /// The IDs of the containers that mount volume `name`.
    pub(crate) fn volume_users(&self, name: &str) -> Vec<String> {
        self.containers
            .iter()
            .filter(|c| c.volume_names().iter().any(|v| v == name))
            .map(|c| c.id.clone())
            .collect()
    }

    /// Ends the running container at `index` as a signal would, with the
    /// events of `docker kill` (`kill`, then `die`).
    fn signal_container(&mut self, shared: &Shared, index: usize, signal: &str, code: Option<i64>) {
        let container = &self.containers[index];
        let (id, mut attributes) = (container.id.clone(), container.attributes());
        attributes.insert("signal".into(), signal_number(signal));
        self.emit(EventType::Container, "kill", &id, attributes);
        if let Some(code) = code {
            self.exit_container(shared, index, code);
        }
    }

    /// `docker stop`: `SIGTERM`, which the program obeys.
    fn stop_container(&mut self, shared: &Shared, index: usize) {
        let id = self.containers[index].id.clone();
        let attributes = self.containers[index].attributes();
        self.signal_container(shared, index, "SIGTERM", Some(STOPPED_EXIT_CODE));
        self.emit(EventType::Container, "stop", &id, attributes);
    }

    fn list_containers(
        &self,
        options: &ContainerListOptions,
    ) -> Result<Vec<ContainerSummary>, String> {
        let filters = options.filters.clone().unwrap_or_default();
        if let Some(problem) = unknown_filter(&filters.other) {
            return Err(problem);
        }
        for status in filters.status.iter().flatten() {
            const STATES: [&str; 7] = [
                "created",
                "running",
                "paused",
                "restarting",
                "removing",
                "exited",
                "dead",
            ];
            if !STATES.contains(&status.as_str()) {
                return Err(format!("invalid filter 'status={status}': invalid value for state ({status}): must be one of created, running, paused, restarting, removing, exited, dead"));
            }
        }
        let position = |reference: &str| -> Result<usize, String> {
            self.find_container(reference)
                .ok_or_else(|| format!("No such container: {reference}"))
        };
        let before: Option<usize> = match filters.before.as_ref().and_then(|v| v.first()) {
            Some(reference) => Some(position(reference)?),
            None => None,
        };
        let since: Option<usize> = match filters.since.as_ref().and_then(|v| v.first()) {
            Some(reference) => Some(position(reference)?),
            None => None,
        };
        let limit = options.limit.filter(|l| *l > 0);
        let all =
            options.all.unwrap_or(false) || limit.is_some() || before.is_some() || since.is_some();
        let mut out = Vec::new();
        for (index, c) in self.containers.iter().enumerate().rev() {
            if !all && !c.running() {
                continue;
            }
            if before.is_some_and(|b| index >= b) || since.is_some_and(|s| index <= s) {
                continue;
            }
            if let Some(statuses) = &filters.status {
                if !statuses.iter().any(|s| s == c.status.as_str()) {
                    continue;
                }
            }
            if let Some(codes) = &filters.exited {
                if c.status != ContainerStatus::Exited
                    || !codes
                        .iter()
                        .any(|code| code.parse::<i64>().ok() == Some(c.exit_code))
                {
                    continue;
                }
            }
            if let Some(names) = &filters.name {
                let full = format!("/{}", c.name);
                if !names
                    .iter()
                    .any(|n| name_matches(n, &full) || name_matches(n, &c.name))
                {
                    continue;
                }
            }
            if let Some(ids) = &filters.id {
                if !ids.iter().any(|i| c.id.starts_with(i.as_str())) {
                    continue;
                }
            }
            if let Some(labels) = &filters.label {
                if !labels_match(labels, &c.labels()) {
                    continue;
                }
            }
            if let Some(ancestors) = &filters.ancestor {
                let matches = ancestors.iter().any(|a| {
                    self.find_image(a)
                        .is_some_and(|i| self.images[i].id == c.image_id)
                });
                if !matches {
                    continue;
                }
            }
            if let Some(volumes) = &filters.volume {
                let matches = c.mounts.iter().any(|m| {
                    volumes.iter().any(|v| {
                        m.name.as_deref() == Some(v.as_str())
                            || m.destination.as_deref() == Some(v.as_str())
                            || m.source.as_deref() == Some(v.as_str())
                    })
                });
                if !matches {
                    continue;
                }
            }
            if let Some(networks) = &filters.network {
                let matches = c.networks.iter().any(|(name, e)| {
                    networks
                        .iter()
                        .any(|n| n == name || e.network_id.starts_with(n.as_str()))
                });
                if !matches {
                    continue;
                }
            }
            if let Some(task) = &filters.is_task {
                if task.iter().any(|t| filter_bool("is-task", t) == Ok(true)) {
                    continue;
                }
            }
            if let Some(health) = &filters.health {
                if !health.iter().any(|h| h == "none") {
                    continue;
                }
            }
            if filters.publish.is_some() || filters.expose.is_some() {
                // No port is published or exposed by a fake container.
                continue;
            }
            out.push(c.summary(self, options.size.unwrap_or(false)));
            if limit.is_some_and(|l| out.len() as i64 >= l) {
                break;
            }
        }
        Ok(out)
    }

    fn stats_sample(&self, index: usize) -> ContainerStats {
        let c = &self.containers[index];
        let name = Some(format!("/{}", c.name));
        let id = Some(c.id.clone());
        let throttling = ContainerStatsThrottling {
            periods: Some(0),
            throttled_periods: Some(0),
            throttled_time: Some(0),
        };
        if !c.running() {
            let usage = ContainerStatsCpu {
                cpu_usage: Some(ContainerStatsCpuUsage {
                    total_usage: Some(0),
                    usage_in_kernelmode: Some(0),
                    usage_in_usermode: Some(0),
                    ..Default::default()
                }),
                throttling_data: Some(throttling),
                ..Default::default()
            };
            return ContainerStats {
                name,
                id,
                read: Some(ZERO_TIME.into()),
                preread: Some(ZERO_TIME.into()),
                num_procs: Some(0),
                storage_stats: Some(ContainerStatsStorage::default()),
                pids_stats: Some(ContainerStatsPids::default()),
                blkio_stats: Some(ContainerStatsBlkio::default()),
                cpu_stats: Some(usage.clone()),
                precpu_stats: Some(usage),
                memory_stats: Some(ContainerStatsMemory::default()),
                ..Default::default()
            };
        }
        let now = now_nanos();
        let up = u64::try_from(now - c.started_at).unwrap_or(0);
        let cpu = |at: u64| ContainerStatsCpu {
            cpu_usage: Some(ContainerStatsCpuUsage {
                total_usage: Some(at / 1000),
                percpu_usage: Some(vec![at / 2000, at / 2000]),
                usage_in_kernelmode: Some(0),
                usage_in_usermode: Some(at / 1000),
            }),
            system_cpu_usage: Some(at * 2),
            online_cpus: Some(2),
            throttling_data: Some(throttling.clone()),
        };
        let running_execs = self
            .execs
            .values()
            .filter(|e| e.container_id == c.id && e.running)
            .count() as u64;
        let mut memory = BTreeMap::new();
        for (key, value) in [
            ("active_anon", 4096),
            ("active_file", 0),
            ("cache", 0),
            ("inactive_anon", 53_248),
            ("inactive_file", 0),
            ("rss", 57_344),
            ("total_inactive_file", 0),
        ] {
            memory.insert(key.to_string(), value);
        }
        let networks: BTreeMap<String, ContainerStatsNetwork> = c
            .networks
            .values()
            .filter(|e| !e.ip.is_empty())
            .enumerate()
            .map(|(i, _)| {
                (
                    format!("eth{i}"),
                    ContainerStatsNetwork {
                        rx_bytes: Some(0),
                        rx_dropped: Some(0),
                        rx_errors: Some(0),
                        rx_packets: Some(0),
                        tx_bytes: Some(0),
                        tx_dropped: Some(0),
                        tx_errors: Some(0),
                        tx_packets: Some(0),
                        ..Default::default()
                    },
                )
            })
            .collect();
        ContainerStats {
            name,
            id,
            read: Some(rfc3339(now)),
            preread: Some(rfc3339(now - 1_000_000_000)),
            num_procs: Some(0),
            storage_stats: Some(ContainerStatsStorage::default()),
            pids_stats: Some(ContainerStatsPids {
                current: Some(1 + running_execs),
                limit: None,
            }),
            blkio_stats: Some(ContainerStatsBlkio {
                io_service_bytes_recursive: Some(Vec::new()),
                io_serviced_recursive: Some(Vec::new()),
                io_queue_recursive: Some(Vec::new()),
                io_service_time_recursive: Some(Vec::new()),
                io_wait_time_recursive: Some(Vec::new()),
                io_merged_recursive: Some(Vec::new()),
                io_time_recursive: Some(Vec::new()),
                sectors_recursive: Some(Vec::new()),
            }),
            cpu_stats: Some(cpu(up)),
            precpu_stats: Some(cpu(up.saturating_sub(1_000_000_000))),
            memory_stats: Some(ContainerStatsMemory {
                usage: Some(593_920),
                max_usage: Some(3_796_992),
                stats: Some(memory),
                limit: Some(super::system::MEMORY_TOTAL as u64),
                ..Default::default()
            }),
            networks: (!networks.is_empty()).then_some(networks),
            ..Default::default()
        }
    }
}

fn volume_mount(name: &str, target: &str, mode: &str, rw: bool) -> MountPoint {
    MountPoint {
        r#type: Some(MountType::Volume),
        name: Some(name.to_string()),
        source: Some(format!("{ROOT_DIR}/volumes/{name}/_data")),
        destination: Some(target.to_string()),
        driver: Some("local".into()),
        mode: Some(mode.to_string()),
        rw: Some(rw),
        propagation: Some(String::new()),
    }
}

/// Appends a program's output to a log, a line an entry; with a TTY both
/// streams are one console and lines end in `\r\n`.
pub(crate) fn append_output(
    logs: &mut Vec<LogEntry>,
    tty: bool,
    at: i64,
    stdout: &[u8],
    stderr: &[u8],
) {
    for (bytes, is_stderr) in [(stdout, false), (stderr, true)] {
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            let bytes = if tty {
                let mut out = Vec::with_capacity(line.len() + 1);
                for &b in line {
                    if b == b'\n' && out.last() != Some(&b'\r') {
                        out.push(b'\r');
                    }
                    out.push(b);
                }
                out
            } else {
                line.to_vec()
            };
            logs.push(LogEntry {
                stderr: is_stderr && !tty,
                at,
                bytes,
            });
        }
    }
}

/// Until when a log reader keeps waiting for more.
#[derive(Debug, Clone, Copy)]
enum Until {
    /// The log as it is now.
    Now,
    /// More output while the container runs (`logs --follow`).
    Stopped,
    /// More output until the container's exit after this many (attach).
    Exit(u64),
}

/// A reader of a container's log: what it selects and how far it got.
struct LogReader {
    shared: Arc<Shared>,
    changes: tokio::sync::watch::Receiver<u64>,
    id: String,
    cursor: usize,
    stdout: bool,
    stderr: bool,
    timestamps: bool,
    since: i64,
    until: i64,
    tail: Option<usize>,
    follow: Until,
    done: bool,
}

impl LogReader {
    /// The next entries to send; `None` at the end.
    async fn next(&mut self) -> Option<Vec<LogEntry>> {
        loop {
            if self.done {
                return None;
            }
            let (entries, going) = {
                let state = self.shared.lock();
                let Some(c) = state.containers.iter().find(|c| c.id == self.id) else {
                    self.done = true;
                    return None;
                };
                let start = self.cursor.min(c.logs.len());
                let mut entries: Vec<LogEntry> = c.logs[start..]
                    .iter()
                    .filter(|e| if e.stderr { self.stderr } else { self.stdout })
                    .filter(|e| self.since == 0 || e.at > self.since)
                    .filter(|e| self.until == 0 || e.at <= self.until)
                    .cloned()
                    .collect();
                self.cursor = c.logs.len();
                if let Some(tail) = self.tail.take() {
                    let skip = entries.len().saturating_sub(tail);
                    entries.drain(..skip);
                }
                let going = match self.follow {
                    Until::Now => false,
                    Until::Stopped => c.running(),
                    Until::Exit(exits) => c.exits == exits,
                } && (self.until == 0 || now_nanos() < self.until);
                (entries, going)
            };
            if !going {
                self.done = true;
            }
            if !entries.is_empty() {
                return Some(entries);
            }
            if !going {
                return None;
            }
            if self.changes.changed().await.is_err() {
                return None;
            }
        }
    }

    fn line(&self, entry: &LogEntry) -> Bytes {
        if self.timestamps {
            let mut line = format!("{} ", rfc3339(entry.at)).into_bytes();
            line.extend_from_slice(&entry.bytes);
            Bytes::from(line)
        } else {
            Bytes::from(entry.bytes.clone())
        }
    }

    fn into_output(self, tty: bool) -> Output {
        let frames = futures_util::stream::unfold(self, |mut reader| async move {
            let entries = reader.next().await?;
            let chunk: Vec<(bool, Bytes)> =
                entries.iter().map(|e| (e.stderr, reader.line(e))).collect();
            Some((chunk, reader))
        })
        .flat_map(futures_util::stream::iter);
        if tty {
            Output::raw(frames.map(|(_, bytes)| Ok(bytes)))
        } else {
            Output::framed(frames.map(|(stderr, bytes)| {
                if stderr {
                    OutputFrame::Stderr(bytes)
                } else {
                    OutputFrame::Stdout(bytes)
                }
            }))
        }
    }
}

impl FakeDaemon {
    /// Starts the container `id` (already resolved and stopped): marks it
    /// running, runs its program without the lock, records the outcome.
    pub(crate) async fn run_container(&self, id: &str) {
        let shared = &self.shared;
        let Some((invocation, run)) = shared.mutate(|state, shared| {
            let index = state.containers.iter().position(|c| c.id == id)?;
            let invocation = state.begin_run(index, shared);
            Some((invocation, state.containers[index].starts))
        }) else {
            return;
        };
        let outcome = shared.run(&invocation);
        shared.mutate(|state, shared| state.finish_run(shared, id, run, outcome));
    }
}

impl ContainersApi for FakeDaemon {
    async fn container_archive(
        &self,
        id: String,
        path: String,
    ) -> Result<ContainerArchiveReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.find_container(&id) {
            None => ContainerArchiveReply::NotFound(no_such_container(&id)),
            Some(i) => ContainerArchiveReply::NotFound(error(format!(
                "Could not find the file {path} in container {}",
                state.containers[i].name
            ))),
        })
    }

    async fn container_archive_info(
        &self,
        id: String,
        path: String,
    ) -> Result<ContainerArchiveInfoReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.find_container(&id) {
            None => ContainerArchiveInfoReply::NotFound(no_such_container(&id)),
            Some(i) => ContainerArchiveInfoReply::NotFound(error(format!(
                "Could not find the file {path} in container {}",
                state.containers[i].name
            ))),
        })
    }

    async fn container_attach(
        &self,
        id: String,
        options: ContainerAttachOptions,
    ) -> Result<ContainerAttachReply, ServerError> {
        let changes = self.shared.changes.subscribe();
        let (mut reader, tty) = {
            let state = self.shared.lock();
            let Some(index) = state.find_container(&id) else {
                return Ok(ContainerAttachReply::NotFound(no_such_container(&id)));
            };
            let c = &state.containers[index];
            if c.status == ContainerStatus::Paused {
                return Ok(ContainerAttachReply::Conflict(error(format!(
                    "container {} is paused, unpause the container before attach",
                    c.id
                ))));
            }
            let stream = options.stream.unwrap_or(false);
            let logs = options.logs.unwrap_or(false);
            let reader = LogReader {
                shared: self.shared.clone(),
                changes,
                id: c.id.clone(),
                cursor: if logs { 0 } else { c.logs.len() },
                stdout: options.stdout.unwrap_or(false),
                stderr: options.stderr.unwrap_or(false),
                timestamps: false,
                since: 0,
                until: 0,
                tail: None,
                follow: if stream {
                    Until::Exit(c.exits)
                } else {
                    Until::Now
                },
                done: !stream && !logs,
            };
            (reader, c.tty)
        };
        Ok(ContainerAttachReply::Attached(Hijack::new(
            move |mut io| async move {
                while let Some(entries) = reader.next().await {
                    for entry in &entries {
                        let bytes = reader.line(entry);
                        let wire = if tty {
                            bytes
                        } else if entry.stderr {
                            OutputFrame::Stderr(bytes).encode()
                        } else {
                            OutputFrame::Stdout(bytes).encode()
                        };
                        if io.write_all(&wire).await.is_err() {
                            return;
                        }
                    }
                    if io.flush().await.is_err() {
                        return;
                    }
                }
                let _ = io.shutdown().await;
            },
        )))
    }

    async fn container_changes(&self, id: String) -> Result<ContainerChangesReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.find_container(&id) {
            None => ContainerChangesReply::NotFound(no_such_container(&id)),
            Some(_) => ContainerChangesReply::Ok(Vec::new()),
        })
    }

    async fn container_create(
        &self,
        options: ContainerCreateOptions,
        body: ContainerCreateBody,
    ) -> Result<ContainerCreateReply, ServerError> {
        Ok(self
            .shared
            .mutate(|state, shared| state.create_container(shared, options.name, body)))
    }

    async fn container_delete(
        &self,
        id: String,
        options: ContainerDeleteOptions,
    ) -> Result<ContainerDeleteReply, ServerError> {
        if options.link == Some(true) {
            return Ok(ContainerDeleteReply::BadRequest(error(format!(
                "Could not find link \"{id}\""
            ))));
        }
        Ok(self.shared.mutate(|state, shared| {
            let Some(index) = state.find_container(&id) else {
                return ContainerDeleteReply::NotFound(no_such_container(&id));
            };
            let full_id = state.containers[index].id.clone();
            if state.containers[index].running() {
                if options.force != Some(true) {
                    return ContainerDeleteReply::Conflict(error(format!(
                        "cannot remove container \"{id}\": container is running: stop the container before removing or force remove"
                    )));
                }
                state.signal_container(shared, index, "SIGKILL", Some(137));
            }
            // An `AutoRemove` container is gone already.
            if let Some(index) = state.containers.iter().position(|c| c.id == full_id) {
                state.remove_container(shared, index, options.remove_volumes == Some(true));
            }
            ContainerDeleteReply::NoContent
        }))
    }

    async fn container_export(&self, id: String) -> Result<ContainerExportReply, ServerError> {
        let state = self.shared.lock();
        match state.find_container(&id) {
            None => Ok(ContainerExportReply::NotFound(no_such_container(&id))),
            Some(_) => Err(ServerError::new(
                501,
                "the fake daemon keeps no container filesystems: nothing to export",
            )),
        }
    }

    async fn container_inspect(
        &self,
        id: String,
        options: ContainerInspectOptions,
    ) -> Result<ContainerInspectReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.find_container(&id) {
            None => ContainerInspectReply::NotFound(no_such_container(&id)),
            Some(i) => {
                let inspect = state.containers[i].inspect(&state, options.size.unwrap_or(false));
                ContainerInspectReply::Ok(Box::new(at_version(inspect, "ContainerInspectResponse")))
            }
        })
    }

    async fn container_kill(
        &self,
        id: String,
        options: ContainerKillOptions,
    ) -> Result<ContainerKillReply, ServerError> {
        let signal = options.signal.unwrap_or_else(|| "SIGKILL".into());
        let code = signal_exit(&signal).map_err(|problem| {
            ServerError::bad_request(format!(
                "cannot kill container: {id}: {}",
                problem.replacen("Invalid", "invalid", 1)
            ))
        })?;
        Ok(self.shared.mutate(|state, shared| {
            let Some(index) = state.find_container(&id) else {
                return ContainerKillReply::NotFound(no_such_container(&id));
            };
            if !state.containers[index].running() {
                return ContainerKillReply::Conflict(error(format!(
                    "cannot kill container: {id}: {}",
                    not_running(&state.containers[index].id)
                )));
            }
            state.signal_container(shared, index, &signal, code);
            ContainerKillReply::NoContent
        }))
    }

    async fn container_list(
        &self,
        options: ContainerListOptions,
    ) -> Result<ContainerListReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.list_containers(&options) {
            Ok(list) => ContainerListReply::Ok(
                list.into_iter()
                    .map(|c| at_version(c, "ContainerSummary"))
                    .collect(),
            ),
            Err(problem) => ContainerListReply::BadRequest(error(problem)),
        })
    }

    async fn container_logs(
        &self,
        id: String,
        options: ContainerLogsOptions,
    ) -> Result<ContainerLogsReply, ServerError> {
        let stdout = options.stdout.unwrap_or(false);
        let stderr = options.stderr.unwrap_or(false);
        if !stdout && !stderr {
            return Err(ServerError::bad_request(
                "Bad parameters: you must choose at least one stream",
            ));
        }
        let moment = |text: &Option<String>| match text.as_deref() {
            None | Some("") => Ok(0),
            Some(text) => parse_timestamp(text),
        };
        let (since, until) = match (moment(&options.since), moment(&options.until)) {
            (Ok(since), Ok(until)) => (since, until),
            (Err(problem), _) | (_, Err(problem)) => {
                return Err(ServerError::bad_request(problem));
            }
        };
        let changes = self.shared.changes.subscribe();
        let state = self.shared.lock();
        let Some(index) = state.find_container(&id) else {
            return Ok(ContainerLogsReply::NotFound(no_such_container(&id)));
        };
        let c = &state.containers[index];
        let tail = match options.tail.as_deref() {
            None | Some("all") | Some("") => None,
            Some(n) => n.parse::<usize>().ok(),
        };
        let reader = LogReader {
            shared: self.shared.clone(),
            changes,
            id: c.id.clone(),
            cursor: 0,
            stdout,
            stderr,
            timestamps: options.timestamps.unwrap_or(false),
            since,
            until,
            tail,
            follow: if options.follow.unwrap_or(false) {
                Until::Stopped
            } else {
                Until::Now
            },
            done: false,
        };
        let tty = c.tty;
        drop(state);
        Ok(ContainerLogsReply::Ok(reader.into_output(tty)))
    }

    async fn container_pause(&self, id: String) -> Result<ContainerPauseReply, ServerError> {
        self.shared.mutate(|state, _| {
            let Some(index) = state.find_container(&id) else {
                return Ok(ContainerPauseReply::NotFound(no_such_container(&id)));
            };
            let c = &mut state.containers[index];
            match c.status {
                ContainerStatus::Running => {
                    c.status = ContainerStatus::Paused;
                    let (id, attributes) = (c.id.clone(), c.attributes());
                    state.emit(EventType::Container, "pause", &id, attributes);
                    Ok(ContainerPauseReply::NoContent)
                }
                ContainerStatus::Paused => Err(ServerError::new(
                    409,
                    format!("Container {} is already paused", c.id),
                )),
                _ => Err(ServerError::new(409, not_running(&c.id))),
            }
        })
    }

    async fn container_prune(
        &self,
        options: ContainerPruneOptions,
    ) -> Result<ContainerPruneReply, ServerError> {
        let filters = options.filters.unwrap_or_default();
        if let Some(problem) = unknown_filter(&filters.other) {
            return Ok(ContainerPruneReply::BadRequest(error(problem)));
        }
        let until = match filters.until.as_ref().and_then(|u| u.first()) {
            Some(text) => match super::util::parse_timestamp(text) {
                Ok(nanos) => Some(nanos),
                Err(problem) => return Ok(ContainerPruneReply::BadRequest(error(problem))),
            },
            None => None,
        };
        Ok(self.shared.mutate(|state, shared| {
            let mut deleted = Vec::new();
            let mut index = 0;
            while index < state.containers.len() {
                let c = &state.containers[index];
                let labels = c.labels();
                let prune = !c.running()
                    && until.is_none_or(|u| c.created < u)
                    && labels_match(filters.label.as_deref().unwrap_or(&[]), &labels)
                    && !filters
                        .label_not
                        .iter()
                        .flatten()
                        .any(|term| labels_match(std::slice::from_ref(term), &labels));
                if prune {
                    deleted.push(c.id.clone());
                    state.remove_container(shared, index, false);
                } else {
                    index += 1;
                }
            }
            let mut attributes = BTreeMap::new();
            attributes.insert("reclaimed".to_string(), "0".to_string());
            state.emit(EventType::Container, "prune", "", attributes);
            ContainerPruneReply::Ok(Box::new(ContainerPruneResponse {
                containers_deleted: Some(deleted),
                space_reclaimed: Some(0),
            }))
        }))
    }

    async fn container_put_archive(
        &self,
        id: String,
        _path: String,
        _options: ContainerPutArchiveOptions,
        _body: BodyStream,
    ) -> Result<ContainerPutArchiveReply, ServerError> {
        let state = self.shared.lock();
        match state.find_container(&id) {
            None => Ok(ContainerPutArchiveReply::NotFound(no_such_container(&id))),
            Some(_) => Err(ServerError::new(
                501,
                "the fake daemon keeps no container filesystems: nothing to extract into",
            )),
        }
    }

    async fn container_rename(
        &self,
        id: String,
        name: String,
    ) -> Result<ContainerRenameReply, ServerError> {
        self.shared.mutate(|state, _| {
            let Some(index) = state.find_container(&id) else {
                return Ok(ContainerRenameReply::NotFound(no_such_container(&id)));
            };
            let name = name.strip_prefix('/').unwrap_or(&name).to_string();
            if !valid_container_name(&name) {
                return Err(ServerError::bad_request(format!(
                    "Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
                )));
            }
            if state.containers[index].name == name {
                return Err(ServerError::bad_request(
                    "Renaming a container with the same name as its current name",
                ));
            }
            if let Some(conflict) = state.name_conflict(&name) {
                return Ok(ContainerRenameReply::Conflict(error(format!(
                    "Error when allocating new name: {conflict}"
                ))));
            }
            let c = &mut state.containers[index];
            let old = std::mem::replace(&mut c.name, name);
            let (id, mut attributes) = (c.id.clone(), c.attributes());
            attributes.insert("oldName".into(), format!("/{old}"));
            state.emit(EventType::Container, "rename", &id, attributes);
            Ok(ContainerRenameReply::NoContent)
        })
    }

    async fn container_resize(
        &self,
        id: String,
        _options: ContainerResizeOptions,
    ) -> Result<ContainerResizeReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.find_container(&id) {
            None => ContainerResizeReply::NotFound(no_such_container(&id)),
            Some(i) if !state.containers[i].running() => {
                ContainerResizeReply::InternalServerError(error(format!(
                    "cannot resize container: {}",
                    not_running(&state.containers[i].id)
                )))
            }
            Some(_) => ContainerResizeReply::Ok,
        })
    }

    async fn container_restart(
        &self,
        id: String,
        _options: ContainerRestartOptions,
    ) -> Result<ContainerRestartReply, ServerError> {
        let full_id = self.shared.mutate(|state, shared| {
            let index = state.find_container(&id)?;
            let full_id = state.containers[index].id.clone();
            if state.containers[index].running() {
                state.stop_container(shared, index);
            }
            // An `AutoRemove` container is gone once stopped.
            state
                .containers
                .iter()
                .any(|c| c.id == full_id)
                .then_some(full_id)
        });
        let Some(full_id) = full_id else {
            return Ok(ContainerRestartReply::NotFound(no_such_container(&id)));
        };
        self.run_container(&full_id).await;
        self.shared.mutate(|state, _| {
            if let Some(c) = state.containers.iter().find(|c| c.id == full_id) {
                let attributes = c.attributes();
                state.emit(EventType::Container, "restart", &full_id, attributes);
            }
        });
        Ok(ContainerRestartReply::NoContent)
    }

    async fn container_start(
        &self,
        id: String,
        _options: ContainerStartOptions,
    ) -> Result<ContainerStartReply, ServerError> {
        let full_id = {
            let state = self.shared.lock();
            let Some(index) = state.find_container(&id) else {
                return Ok(ContainerStartReply::NotFound(no_such_container(&id)));
            };
            let c = &state.containers[index];
            match c.status {
                ContainerStatus::Running => return Ok(ContainerStartReply::AlreadyStarted),
                ContainerStatus::Paused => {
                    return Err(ServerError::new(
                        409,
                        "cannot start a paused container, try unpause instead",
                    ))
                }
                _ => c.id.clone(),
            }
        };
        self.run_container(&full_id).await;
        Ok(ContainerStartReply::Started)
    }

    async fn container_stats(
        &self,
        id: String,
        options: ContainerStatsOptions,
    ) -> Result<ContainerStatsReply, ServerError> {
        let full_id = {
            let state = self.shared.lock();
            let Some(index) = state.find_container(&id) else {
                return Ok(ContainerStatsReply::NotFound(no_such_container(&id)));
            };
            state.containers[index].id.clone()
        };
        let stream = options.stream.unwrap_or(true) && options.one_shot != Some(true);
        let shared = self.shared.clone();
        let samples = futures_util::stream::unfold(
            (shared, full_id, true),
            move |(shared, id, first)| async move {
                if id.is_empty() || (!first && !stream) {
                    return None;
                }
                if !first {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                let state = shared.lock();
                let index = state.containers.iter().position(|c| c.id == id)?;
                let running = state.containers[index].running();
                if !first && !running {
                    return None;
                }
                let sample = at_version(state.stats_sample(index), "ContainerStats");
                drop(state);
                // A stopped container has one empty sample, then the end.
                let next = if running { id } else { String::new() };
                Some((sample, (shared, next, false)))
            },
        );
        Ok(ContainerStatsReply::Ok(Box::pin(samples)))
    }

    async fn container_stop(
        &self,
        id: String,
        _options: ContainerStopOptions,
    ) -> Result<ContainerStopReply, ServerError> {
        Ok(self.shared.mutate(|state, shared| {
            let Some(index) = state.find_container(&id) else {
                return ContainerStopReply::NotFound(no_such_container(&id));
            };
            if !state.containers[index].running() {
                return ContainerStopReply::AlreadyStopped;
            }
            state.stop_container(shared, index);
            ContainerStopReply::Stopped
        }))
    }

    async fn container_top(
        &self,
        id: String,
        options: ContainerTopOptions,
    ) -> Result<ContainerTopReply, ServerError> {
        let state = self.shared.lock();
        let Some(index) = state.find_container(&id) else {
            return Ok(ContainerTopReply::NotFound(no_such_container(&id)));
        };
        let c = &state.containers[index];
        if !c.running() {
            return Err(ServerError::new(409, not_running(&c.id)));
        }
        let mut processes = vec![(c.pid, c.argv())];
        for exec in state
            .execs
            .values()
            .filter(|e| e.container_id == c.id && e.running)
        {
            processes.push((exec.pid, exec.argv.clone()));
        }
        // `ps aux` and the like: BSD columns; anything else: `ps -ef`'s.
        let bsd = options
            .ps_args
            .as_deref()
            .is_some_and(|args| !args.starts_with('-') && args.contains('u'));
        let started = super::util::clock(c.started_at);
        let (titles, rows): (Vec<&str>, Vec<Vec<String>>) = if bsd {
            (
                vec![
                    "USER", "PID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME",
                    "COMMAND",
                ],
                processes
                    .into_iter()
                    .map(|(pid, argv)| {
                        vec![
                            "root".into(),
                            pid.to_string(),
                            "0.0".into(),
                            "0.0".into(),
                            "1328".into(),
                            "4".into(),
                            "?".into(),
                            "Ss".into(),
                            started.clone(),
                            "0:00".into(),
                            argv.join(" "),
                        ]
                    })
                    .collect(),
            )
        } else {
            (
                vec!["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
                processes
                    .into_iter()
                    .map(|(pid, argv)| {
                        vec![
                            "root".into(),
                            pid.to_string(),
                            (c.pid - 1).to_string(),
                            "0".into(),
                            started.clone(),
                            "?".into(),
                            "00:00:00".into(),
                            argv.join(" "),
                        ]
                    })
                    .collect(),
            )
        };
        Ok(ContainerTopReply::Ok(Box::new(ContainerTopResponse {
            titles: Some(titles.into_iter().map(String::from).collect()),
            processes: Some(rows),
        })))
    }

    async fn container_unpause(&self, id: String) -> Result<ContainerUnpauseReply, ServerError> {
        Ok(self.shared.mutate(|state, _| {
            let Some(index) = state.find_container(&id) else {
                return ContainerUnpauseReply::NotFound(no_such_container(&id));
            };
            let c = &mut state.containers[index];
            if c.status != ContainerStatus::Paused {
                return ContainerUnpauseReply::InternalServerError(error(format!(
                    "Container {} is not paused",
                    c.id
                )));
            }
            c.status = ContainerStatus::Running;
            let (id, attributes) = (c.id.clone(), c.attributes());
            state.emit(EventType::Container, "unpause", &id, attributes);
            ContainerUnpauseReply::NoContent
        }))
    }

    async fn container_update(
        &self,
        id: String,
        body: ContainerUpdateBody,
    ) -> Result<ContainerUpdateReply, ServerError> {
        Ok(self.shared.mutate(|state, _| {
            let Some(index) = state.find_container(&id) else {
                return ContainerUpdateReply::NotFound(no_such_container(&id));
            };
            let c = &mut state.containers[index];
            c.host_config = overlay(c.host_config.clone(), &body);
            let (id, attributes) = (c.id.clone(), c.attributes());
            state.emit(EventType::Container, "update", &id, attributes);
            ContainerUpdateReply::Ok(Box::new(ContainerUpdateResponse {
                warnings: Some(Vec::new()),
            }))
        }))
    }

    async fn container_wait(
        &self,
        id: String,
        options: ContainerWaitOptions,
    ) -> Result<ContainerWaitReply, ServerError> {
        // The CLI sends `condition=` for the default, as the daemon takes it.
        let condition = match options.condition {
            None => ContainerWaitCondition::NotRunning,
            Some(ContainerWaitCondition::Other(other)) if other.is_empty() => {
                ContainerWaitCondition::NotRunning
            }
            Some(condition) => condition,
        };
        if let ContainerWaitCondition::Other(other) = &condition {
            return Ok(ContainerWaitReply::BadRequest(error(format!(
                "invalid condition: \"{other}\""
            ))));
        }
        let shared = self.shared.clone();
        let mut changes = shared.changes.subscribe();
        let (full_id, exits_before, mut last_code) = {
            let state = shared.lock();
            let Some(index) = state.find_container(&id) else {
                return Ok(ContainerWaitReply::NotFound(no_such_container(&id)));
            };
            let c = &state.containers[index];
            (c.id.clone(), c.exits, c.exit_code)
        };
        // The wait is registered: the answer's head goes out now, as the
        // daemon's does, and its body when the condition is met.
        Ok(ContainerWaitReply::Ok(Box::pin(async move {
            loop {
                {
                    let state = shared.lock();
                    let container = state.containers.iter().find(|c| c.id == full_id);
                    let done = match (&condition, container) {
                        (_, None) => true,
                        (ContainerWaitCondition::NotRunning, Some(c)) => !c.running(),
                        (ContainerWaitCondition::NextExit, Some(c)) => c.exits > exits_before,
                        (_, Some(_)) => false,
                    };
                    if let Some(c) = container {
                        last_code = c.exit_code;
                    }
                    if done {
                        return ContainerWaitResponse {
                            status_code: last_code,
                            error: None,
                        };
                    }
                }
                if changes.changed().await.is_err() {
                    return ContainerWaitResponse {
                        status_code: last_code,
                        error: Some(ContainerWaitExitError {
                            message: Some("the fake daemon is shutting down".into()),
                        }),
                    };
                }
            }
        })))
    }
}
