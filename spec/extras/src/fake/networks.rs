//! Networks: the predefined `bridge`, `host` and `none`, and bridges of the user's.

use std::collections::BTreeMap;

use super::util::{
    at_version, error, filter_bool, labels_match, name_matches, now_nanos, rfc3339, unknown_filter,
    IdSource,
};
use super::{FakeDaemon, State};
use crate::models::{
    EventType, Ipam, IpamConfig, Network, NetworkConfigReference, NetworkConnectBody,
    NetworkContainer, NetworkCreateBody, NetworkCreateResponse, NetworkDisconnectBody,
    NetworkPruneResponse,
};
use crate::operations::networks::{NetworkInspectOptions, NetworkListOptions, NetworkPruneOptions};
use crate::server::networks::{
    NetworkConnectReply, NetworkCreateReply, NetworkDeleteReply, NetworkDisconnectReply,
    NetworkInspectReply, NetworkListReply, NetworkPruneReply,
};
use crate::server::{NetworksApi, ServerError};

/// A network as the daemon holds it.
#[derive(Debug, Clone)]
pub(crate) struct NetworkRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) driver: String,
    pub(crate) created: i64,
    /// The second octet of its `172.x.0.0/16` subnet, for bridges.
    pub(crate) subnet: Option<u8>,
    /// The next host number handed out.
    pub(crate) next_host: u8,
    pub(crate) internal: bool,
    pub(crate) attachable: bool,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) options: BTreeMap<String, String>,
}

impl NetworkRecord {
    fn predefined(&self) -> bool {
        matches!(self.name.as_str(), "bridge" | "host" | "none")
    }
}

fn not_found(id: &str) -> crate::models::ErrorResponse {
    error(format!("network {id} not found"))
}

impl State {
    pub(crate) fn add_default_networks(&mut self, ids: &IdSource) {
        let now = now_nanos();
        let mut bridge_options = BTreeMap::new();
        for (key, value) in [
            ("com.docker.network.bridge.default_bridge", "true"),
            ("com.docker.network.bridge.enable_icc", "true"),
            ("com.docker.network.bridge.enable_ip_masquerade", "true"),
            ("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0"),
            ("com.docker.network.bridge.name", "docker0"),
            ("com.docker.network.driver.mtu", "1500"),
        ] {
            bridge_options.insert(key.to_string(), value.to_string());
        }
        for (name, driver, subnet, options) in [
            ("bridge", "bridge", Some(17), bridge_options),
            ("host", "host", None, BTreeMap::new()),
            ("none", "null", None, BTreeMap::new()),
        ] {
            self.networks.push(NetworkRecord {
                id: ids.hex_id(),
                name: name.into(),
                driver: driver.into(),
                created: now,
                subnet,
                next_host: 2,
                internal: false,
                attachable: false,
                labels: BTreeMap::new(),
                options,
            });
        }
    }

    /// The index of a network by name, full ID or unique ID prefix.
    pub(crate) fn find_network(&self, reference: &str) -> Option<usize> {
        if reference.is_empty() {
            return None;
        }
        if let Some(i) = self
            .networks
            .iter()
            .position(|n| n.id == reference || n.name == reference)
        {
            return Some(i);
        }
        let mut matches = self
            .networks
            .iter()
            .enumerate()
            .filter(|(_, n)| n.id.starts_with(reference));
        match (matches.next(), matches.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    fn network(&self, record: &NetworkRecord, with_containers: bool) -> Network {
        let containers = with_containers.then(|| {
            self.containers
                .iter()
                .filter_map(|c| {
                    let endpoint = c.networks.get(&record.name)?;
                    (c.running() && !endpoint.endpoint_id.is_empty()).then(|| {
                        (
                            c.id.clone(),
                            NetworkContainer {
                                name: Some(c.name.clone()),
                                endpoint_id: Some(endpoint.endpoint_id.clone()),
                                mac_address: Some(endpoint.mac.clone()),
                                ipv4_address: Some(if endpoint.ip.is_empty() {
                                    String::new()
                                } else {
                                    format!("{}/{}", endpoint.ip, endpoint.prefix_len)
                                }),
                                ipv6_address: Some(String::new()),
                            },
                        )
                    })
                })
                .collect()
        });
        Network {
            name: Some(record.name.clone()),
            id: Some(record.id.clone()),
            created: Some(rfc3339(record.created)),
            scope: Some("local".into()),
            driver: Some(record.driver.clone()),
            enable_ipv4: Some(true),
            enable_ipv6: Some(false),
            ipam: Some(Ipam {
                driver: Some("default".into()),
                options: None,
                config: Some(
                    record
                        .subnet
                        .map(|octet| IpamConfig {
                            subnet: Some(format!("172.{octet}.0.0/16")),
                            gateway: Some(format!("172.{octet}.0.1")),
                            ..Default::default()
                        })
                        .into_iter()
                        .collect(),
                ),
            }),
            internal: Some(record.internal),
            attachable: Some(record.attachable),
            ingress: Some(false),
            config_from: Some(NetworkConfigReference {
                network: Some(String::new()),
            }),
            config_only: Some(false),
            containers: Some(containers.unwrap_or_default()),
            options: Some(record.options.clone()),
            labels: Some(record.labels.clone()),
            peers: None,
        }
    }
}

impl NetworksApi for FakeDaemon {
    async fn network_connect(
        &self,
        id: String,
        body: NetworkConnectBody,
    ) -> Result<NetworkConnectReply, ServerError> {
        let container = body.container.clone().unwrap_or_default();
        Ok(self.shared.mutate(|state, _| {
            let Some(n) = state.find_network(&id) else {
                return NetworkConnectReply::NotFound(not_found(&id));
            };
            let Some(c) = state.find_container(&container) else {
                return NetworkConnectReply::NotFound(error(format!(
                    "No such container: {container}"
                )));
            };
            let network = state.networks[n].clone();
            let target = &state.containers[c];
            let mode = target.host_config.network_mode.clone().unwrap_or_default();
            if matches!(mode.as_str(), "host" | "none") || mode.starts_with("container:")
                || matches!(network.name.as_str(), "host" | "none")
            {
                return NetworkConnectReply::BadRequest(error(
                    "container cannot be disconnected from host network or connected to host network",
                ));
            }
            if target.networks.contains_key(&network.name) {
                return NetworkConnectReply::Forbidden(error(format!(
                    "endpoint with name {} already exists in network {}",
                    target.name, network.name
                )));
            }
            let running = target.running();
            state.containers[c].networks.insert(
                network.name.clone(),
                super::containers::Endpoint {
                    network_id: network.id.clone(),
                    aliases: body.endpoint_config.as_ref().and_then(|e| e.aliases.clone()),
                    ..Default::default()
                },
            );
            if running {
                if let Some(octet) = network.subnet {
                    let host = state.networks[n].next_host;
                    state.networks[n].next_host = host.wrapping_add(1).max(2);
                    if let Some(endpoint) = state.containers[c].networks.get_mut(&network.name) {
                        endpoint.endpoint_id = super::util::stable_hex(&format!("{} {}", network.id, host));
                        endpoint.ip = format!("172.{octet}.0.{host}");
                        endpoint.prefix_len = 16;
                        endpoint.gateway = format!("172.{octet}.0.1");
                        endpoint.mac = format!("02:42:ac:{octet:02x}:00:{host:02x}");
                    }
                }
            }
            let mut attributes = BTreeMap::new();
            attributes.insert("container".to_string(), state.containers[c].id.clone());
            attributes.insert("name".to_string(), network.name.clone());
            attributes.insert("type".to_string(), network.driver.clone());
            state.emit(EventType::Network, "connect", &network.id, attributes);
            NetworkConnectReply::Ok
        }))
    }

    async fn network_create(
        &self,
        body: NetworkCreateBody,
    ) -> Result<NetworkCreateReply, ServerError> {
        let driver = body
            .driver
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "bridge".into());
        if matches!(body.name.as_str(), "bridge" | "host" | "none")
            || matches!(driver.as_str(), "host" | "null")
        {
            let what = if driver == "null" {
                "none"
            } else {
                driver.as_str()
            };
            let what = if matches!(body.name.as_str(), "bridge" | "host" | "none") {
                body.name.as_str()
            } else {
                what
            };
            return Ok(NetworkCreateReply::Forbidden(error(format!(
                "operation is not permitted on predefined {what} network "
            ))));
        }
        if body.name.is_empty() {
            return Ok(NetworkCreateReply::BadRequest(error(
                "network name cannot be empty",
            )));
        }
        if driver != "bridge" {
            return Ok(NetworkCreateReply::NotFound(error(format!(
                "plugin \"{driver}\" not found"
            ))));
        }
        Ok(self.shared.mutate(|state, shared| {
            if state.networks.iter().any(|n| n.name == body.name) {
                return NetworkCreateReply::Conflict(error(format!(
                    "network with name {} already exists",
                    body.name
                )));
            }
            let id = shared.ids.hex_id();
            let subnet = state.next_subnet;
            state.next_subnet = state.next_subnet.wrapping_add(1).max(18);
            state.networks.push(NetworkRecord {
                id: id.clone(),
                name: body.name.clone(),
                driver: driver.clone(),
                created: now_nanos(),
                subnet: Some(subnet),
                next_host: 2,
                internal: body.internal.unwrap_or(false),
                attachable: body.attachable.unwrap_or(false),
                labels: body.labels.clone().unwrap_or_default(),
                options: body.options.clone().unwrap_or_default(),
            });
            let mut attributes = BTreeMap::new();
            attributes.insert("name".to_string(), body.name.clone());
            attributes.insert("type".to_string(), driver.clone());
            state.emit(EventType::Network, "create", &id, attributes);
            NetworkCreateReply::Created(Box::new(NetworkCreateResponse {
                id: Some(id),
                warning: Some(String::new()),
            }))
        }))
    }

    async fn network_delete(&self, id: String) -> Result<NetworkDeleteReply, ServerError> {
        Ok(self.shared.mutate(|state, _| {
            let Some(n) = state.find_network(&id) else {
                return NetworkDeleteReply::NotFound(not_found(&id));
            };
            let network = state.networks[n].clone();
            if network.predefined() {
                return NetworkDeleteReply::Forbidden(error(format!(
                    "{} is a pre-defined network and cannot be removed",
                    network.name
                )));
            }
            let active = state
                .containers
                .iter()
                .any(|c| c.running() && c.networks.contains_key(&network.name));
            if active {
                return NetworkDeleteReply::Forbidden(error(format!(
                    "error while removing network: network {} id {} has active endpoints",
                    network.name, network.id
                )));
            }
            for c in state.containers.iter_mut() {
                c.networks.remove(&network.name);
            }
            state.networks.remove(n);
            let mut attributes = BTreeMap::new();
            attributes.insert("name".to_string(), network.name.clone());
            attributes.insert("type".to_string(), network.driver.clone());
            state.emit(EventType::Network, "destroy", &network.id, attributes);
            NetworkDeleteReply::NoContent
        }))
    }

    async fn network_disconnect(
        &self,
        id: String,
        body: NetworkDisconnectBody,
    ) -> Result<NetworkDisconnectReply, ServerError> {
        let container = body.container.clone().unwrap_or_default();
        Ok(self.shared.mutate(|state, _| {
            let Some(n) = state.find_network(&id) else {
                return NetworkDisconnectReply::NotFound(not_found(&id));
            };
            let Some(c) = state.find_container(&container) else {
                return NetworkDisconnectReply::NotFound(error(format!(
                    "No such container: {container}"
                )));
            };
            let network = state.networks[n].clone();
            if state.containers[c].networks.remove(&network.name).is_none() {
                return NetworkDisconnectReply::Forbidden(error(format!(
                    "container {} is not connected to network {}",
                    state.containers[c].id, network.name
                )));
            }
            let mut attributes = BTreeMap::new();
            attributes.insert("container".to_string(), state.containers[c].id.clone());
            attributes.insert("name".to_string(), network.name.clone());
            attributes.insert("type".to_string(), network.driver.clone());
            state.emit(EventType::Network, "disconnect", &network.id, attributes);
            NetworkDisconnectReply::Ok
        }))
    }

    async fn network_inspect(
        &self,
        id: String,
        _options: NetworkInspectOptions,
    ) -> Result<NetworkInspectReply, ServerError> {
        let state = self.shared.lock();
        Ok(match state.find_network(&id) {
            None => NetworkInspectReply::NotFound(not_found(&id)),
            Some(n) => NetworkInspectReply::Ok(Box::new(at_version(
                state.network(&state.networks[n], true),
                "Network",
            ))),
        })
    }

    async fn network_list(
        &self,
        options: NetworkListOptions,
    ) -> Result<NetworkListReply, ServerError> {
        let filters = options.filters.unwrap_or_default();
        if let Some(problem) = unknown_filter(&filters.other) {
            return Err(ServerError::bad_request(problem));
        }
        for kind in filters.r#type.iter().flatten() {
            if kind != "custom" && kind != "builtin" {
                return Err(ServerError::bad_request(format!(
                    "invalid filter: 'type'='{kind}'"
                )));
            }
        }
        let dangling = match filters.dangling.as_ref().and_then(|v| v.first()) {
            Some(term) => Some(filter_bool("dangling", term).map_err(ServerError::bad_request)?),
            None => None,
        };
        let state = self.shared.lock();
        let list = state
            .networks
            .iter()
            .filter(|n| {
                filters
                    .name
                    .as_ref()
                    .is_none_or(|names| names.iter().any(|p| name_matches(p, &n.name)))
            })
            .filter(|n| {
                filters
                    .id
                    .as_ref()
                    .is_none_or(|ids| ids.iter().any(|i| n.id.starts_with(i.as_str())))
            })
            .filter(|n| {
                filters
                    .driver
                    .as_ref()
                    .is_none_or(|drivers| drivers.contains(&n.driver))
            })
            .filter(|_| {
                filters
                    .scope
                    .as_ref()
                    .is_none_or(|scopes| scopes.iter().any(|s| s == "local"))
            })
            .filter(|n| labels_match(filters.label.as_deref().unwrap_or(&[]), &n.labels))
            .filter(|n| {
                filters
                    .r#type
                    .as_ref()
                    .is_none_or(|kinds| kinds.iter().any(|k| (k == "builtin") == n.predefined()))
            })
            .filter(|n| {
                dangling.is_none_or(|d| {
                    let used = n.predefined()
                        || state
                            .containers
                            .iter()
                            .any(|c| c.networks.contains_key(&n.name));
                    d != used
                })
            })
            .map(|n| at_version(state.network(n, false), "Network"))
            .collect();
        Ok(NetworkListReply::Ok(list))
    }

    async fn network_prune(
        &self,
        options: NetworkPruneOptions,
    ) -> Result<NetworkPruneReply, ServerError> {
        let filters = options.filters.unwrap_or_default();
        if let Some(problem) = unknown_filter(&filters.other) {
            return Err(ServerError::bad_request(problem));
        }
        Ok(self.shared.mutate(|state, _| {
            let doomed: Vec<NetworkRecord> = state
                .networks
                .iter()
                .filter(|n| !n.predefined())
                .filter(|n| {
                    !state
                        .containers
                        .iter()
                        .any(|c| c.networks.contains_key(&n.name))
                })
                .filter(|n| labels_match(filters.label.as_deref().unwrap_or(&[]), &n.labels))
                .cloned()
                .collect();
            for network in &doomed {
                state.networks.retain(|n| n.id != network.id);
                let mut attributes = BTreeMap::new();
                attributes.insert("name".to_string(), network.name.clone());
                attributes.insert("type".to_string(), network.driver.clone());
                state.emit(EventType::Network, "destroy", &network.id, attributes);
            }
            NetworkPruneReply::Ok(Box::new(NetworkPruneResponse {
                networks_deleted: Some(doomed.into_iter().map(|n| n.name).collect()),
            }))
        }))
    }
}
