//! Volumes and networks at API v1.42 to v1.51 against dockerd 28.5: cluster
//! volumes without a swarm (`volume_update`, `ClusterVolumeSpec`), the `all`
//! filter of volume prune, `EnableIPv4`, and the errata where dockerd 28.5
//! differs from Docker's swagger or from dockerd 20.10 at the same version.
//!
//! Every test pins the typed client to API 1.51; raw requests name their own
//! version. The daemon is shared: every volume, network and container made
//! here has a unique name (and label), is removed at the end, and prunes are
//! narrowed to this file's own labels.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use docker_remote_api::prelude::*;
use serde_json::{json, Value};

/// A client of the test daemon speaking API 1.51.
fn docker51() -> Docker {
    let docker = docker();
    docker.set_api_version("1.51").unwrap();
    docker
}

/// One request at `path` exactly as given, with its `/vX.Y` prefix (see
/// [`raw_exchange`]). Answers the status and the body text.
async fn raw(method: &str, path: &str, body: Option<Value>) -> (u16, String) {
    let answer = raw_exchange(method, path, &[], body.map(json_body)).await;
    (answer.status, answer.text())
}

/// `raw`, expecting `want` and a JSON answer.
async fn raw_json(method: &str, path: &str, body: Option<Value>, want: u16) -> Value {
    let (status, text) = raw(method, path, body).await;
    assert_eq!(status, want, "{method} {path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

/// The status of a failed typed call.
fn status_of<T: std::fmt::Debug>(result: Result<T, Error>) -> u16 {
    let error = result.expect_err("the daemon refuses it");
    error
        .status()
        .unwrap_or_else(|| panic!("an API error: {error}"))
}

/// Waits (up to a minute) until the daemon is in no swarm: other test files
/// may init one for a moment, and what is tested here is the daemon without.
async fn without_swarm(docker: &Docker) {
    for _ in 0..120 {
        let info = docker.system_info().await.unwrap();
        let state = info.swarm.and_then(|s| s.local_node_state);
        if !matches!(
            state,
            Some(LocalNodeState::Active) | Some(LocalNodeState::Pending)
        ) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the test daemon stayed in a swarm for a minute");
}

async fn remove_network(docker: &Docker, id: &str) {
    let _ = docker.network_delete(id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn cluster_volume_create_needs_a_swarm_manager() {
    // Erratum volume-create-cluster-volume-needs-manager.
    let docker = docker51();
    without_swarm(&docker).await;
    let name = unique("cvol");
    let spec = ClusterVolumeSpec {
        group: Some("drapi".into()),
        access_mode: Some(ClusterVolumeAccessMode {
            scope: Some(ClusterVolumeScope::Single),
            sharing: Some(ClusterVolumeSharing::None),
            mount_volume: Some(ClusterVolumeMountVolume::default()),
            ..Default::default()
        }),
        availability: Some(ClusterVolumeAvailability::Active),
        ..Default::default()
    };
    let refused = docker
        .volume_create()
        .body(&VolumeCreateBody {
            name: Some(name.clone()),
            cluster_volume_spec: Some(spec.clone()),
            ..Default::default()
        })
        .await;
    assert_eq!(status_of(refused), 503);
    assert!(docker
        .volume_inspect(&name)
        .await
        .unwrap_err()
        .is_not_found());
    // Below 1.42 the spec is ignored: a local volume, without `ClusterVolume`.
    let body = json!({ "Name": name, "ClusterVolumeSpec": { "Group": "drapi" } });
    let made = raw_json("POST", "/v1.41/volumes/create", Some(body), 201).await;
    assert_eq!(made["Name"], json!(name));
    assert_eq!(made["Scope"], json!("local"));
    let inspected = docker.volume_inspect(&name).await.unwrap();
    assert_eq!(inspected.scope.as_deref(), Some("local"));
    assert!(inspected.cluster_volume.is_none());
    // Updating it needs a swarm too, local volume or not.
    let update = docker
        .volume_update(&name, 1, &VolumeUpdateBody { spec: Some(spec) })
        .await;
    let error = update.expect_err("no swarm here");
    assert_eq!(error.status(), Some(503), "{error}");
    assert!(error.to_string().contains("swarm"), "{error}");
    let missing = docker
        .volume_update(&unique("nothere"), 1, &VolumeUpdateBody::default())
        .await;
    assert_eq!(status_of(missing), 503);
    docker.volume_delete(&name).await.unwrap();
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn volume_prune_spares_named_volumes_unless_all() {
    let docker = docker51();
    let label = unique("vprune51");
    let labels = BTreeMap::from([(label.clone(), "1".to_string())]);
    let named = unique("named");
    docker
        .volume_create()
        .body(&VolumeCreateBody {
            name: Some(named.clone()),
            labels: Some(labels.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let anonymous = docker
        .volume_create()
        .body(&VolumeCreateBody {
            labels: Some(labels.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    // The daemon marks a volume it named itself as anonymous.
    let marks = anonymous.labels.clone().unwrap_or_default();
    assert!(
        marks.contains_key("com.docker.volume.anonymous"),
        "{anonymous:?}"
    );
    let pruned = docker
        .volume_prune()
        .filters(VolumePruneFilters {
            label: Some(vec![label.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pruned.volumes_deleted, Some(vec![anonymous.name.clone()]));
    docker.volume_inspect(&named).await.unwrap();
    let pruned = docker
        .volume_prune()
        .filters(VolumePruneFilters {
            label: Some(vec![label.clone()]),
            all: Some(vec!["true".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pruned.volumes_deleted, Some(vec![named.clone()]));
    // Below 1.42 named volumes go without `all`, and dockerd 28.5 takes the
    // filter there too (dockerd 20.10: 400 `Invalid filter 'all'`).
    for (i, query) in [
        json!({ "label": [label.clone()] }),
        json!({ "label": [label.clone()], "all": ["true"] }),
    ]
    .into_iter()
    .enumerate()
    {
        let old = format!("{}-{i}", unique("named41"));
        docker
            .volume_create()
            .body(&VolumeCreateBody {
                name: Some(old.clone()),
                labels: Some(labels.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        let encoded: String = query
            .to_string()
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let path = format!("/v1.41/volumes/prune?filters={encoded}");
        let pruned = raw_json("POST", &path, None, 200).await;
        assert_eq!(pruned["VolumesDeleted"], json!([old]), "{query}");
    }
    // A value that is no boolean is refused.
    let bad = docker
        .volume_prune()
        .filters(VolumePruneFilters {
            label: Some(vec![label.clone()]),
            all: Some(vec!["maybe".into()]),
            ..Default::default()
        })
        .await;
    assert_eq!(status_of(bad), 400);
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn enable_ipv4_counts_from_api_1_48() {
    // Errata network-create-enable-ipv4-since, network-list-enable-ipv4-since
    // and network-inspect-enable-ipv4-since.
    let docker = docker51();
    let label = unique("ipv4");
    let name = unique("v6only");
    let created = docker
        .network_create(&NetworkCreateBody {
            name: name.clone(),
            enable_ipv4: Some(false),
            enable_ipv6: Some(true),
            labels: Some(BTreeMap::from([(label.clone(), "1".to_string())])),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = created.id.unwrap();
    let inspected = docker.network_inspect(&id).await.unwrap();
    assert_eq!(inspected.enable_ipv4, Some(false));
    assert_eq!(inspected.enable_ipv6, Some(true));
    let listed = docker
        .network_list()
        .filters(NetworkListFilters {
            label: Some(vec![label.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].enable_ipv4, Some(false));
    // dockerd 28.5 reports the field at any version, 1.24 included.
    let old = raw_json("GET", &format!("/v1.24/networks/{id}"), None, 200).await;
    assert_eq!(old["EnableIPv4"], json!(false), "{old}");
    remove_network(&docker, &id).await;

    // Neither IPv4 nor IPv6: refused from 1.48, ...
    let both_off = |name: &str| json!({ "Name": name, "EnableIPv4": false, "EnableIPv6": false });
    let name48 = unique("noip");
    let (status, text) = raw("POST", "/v1.48/networks/create", Some(both_off(&name48))).await;
    assert_eq!(status, 400, "{text}");
    let refused = docker
        .network_create(&NetworkCreateBody {
            name: name48,
            enable_ipv4: Some(false),
            enable_ipv6: Some(false),
            ..Default::default()
        })
        .await;
    assert_eq!(status_of(refused), 400);
    // ... while at 1.47 `EnableIPv4` is ignored: the network has IPv4.
    let name47 = unique("ip47");
    let made = raw_json(
        "POST",
        "/v1.47/networks/create",
        Some(both_off(&name47)),
        201,
    )
    .await;
    let id47 = made["Id"].as_str().unwrap().to_string();
    let network = docker.network_inspect(&id47).await.unwrap();
    assert_eq!(network.enable_ipv4, Some(true));
    let config = network.ipam.and_then(|i| i.config).unwrap_or_default();
    assert!(
        config
            .iter()
            .any(|c| c.subnet.as_deref().is_some_and(|s| s.contains('.'))),
        "an IPv4 subnet: {config:?}"
    );
    remove_network(&docker, &id47).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn invalid_ipam_config_is_400_at_every_version() {
    // Erratum network-create-ipam-checks-unversioned.
    let docker = docker51();
    let cases = [
        json!({ "Subnet": "10.231.0.0/24", "Gateway": "10.232.0.1" }),
        json!({ "Subnet": "10.233.0.0/24", "IPRange": "10.234.0.0/24" }),
        json!({ "Subnet": "not-a-subnet" }),
    ];
    for config in cases {
        let name = unique("badipam");
        let body = json!({ "Name": name, "IPAM": { "Config": [config] } });
        let (status, text) = raw("POST", "/v1.41/networks/create", Some(body)).await;
        assert_eq!(status, 400, "{config}: {text}");
        assert!(text.contains("invalid"), "{text}");
        remove_network(&docker, &name).await;
    }
    let name = unique("badipam");
    let refused = docker
        .network_create(&NetworkCreateBody {
            name: name.clone(),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some("10.231.0.0/24".into()),
                    gateway: Some("10.232.0.1".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await;
    assert_eq!(status_of(refused), 400);
    remove_network(&docker, &name).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn overlay_create_outside_a_swarm_is_403() {
    // What the swagger says from v1.44 on, and the daemon does.
    let docker = docker51();
    without_swarm(&docker).await;
    let name = unique("overlay");
    let created = docker
        .network_create(&NetworkCreateBody {
            name: name.clone(),
            driver: Some("overlay".into()),
            ..Default::default()
        })
        .await;
    let error = created.expect_err("no swarm here");
    assert_eq!(error.status(), Some(403), "{error}");
    assert!(error.to_string().contains("swarm manager"), "{error}");
    assert!(docker
        .network_inspect(&name)
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn duplicate_network_name_is_409_at_every_version() {
    // Errata network-create-name-conflict and network-create-check-duplicate-ignored.
    let docker = docker51();
    let name = unique("dup");
    let first = docker
        .network_create(&NetworkCreateBody {
            name: name.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .id
        .unwrap();
    let again = docker
        .network_create(&NetworkCreateBody {
            name: name.clone(),
            check_duplicate: Some(false),
            ..Default::default()
        })
        .await;
    assert_eq!(status_of(again), 409);
    // At 1.41, where dockerd 20.10 made a second network with a warning.
    for check in [json!(false), Value::Null] {
        let mut body = json!({ "Name": name });
        if !check.is_null() {
            body["CheckDuplicate"] = check;
        }
        let (status, text) = raw("POST", "/v1.41/networks/create", Some(body)).await;
        assert_eq!(status, 409, "{text}");
    }
    let listed = docker
        .network_list()
        .filters(NetworkListFilters {
            name: Some(vec![name.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    // The name of a predefined network, or a second network of the host
    // driver, is what 403 is left for.
    let (status, text) = raw(
        "POST",
        "/v1.41/networks/create",
        Some(json!({ "Name": "host" })),
    )
    .await;
    assert_eq!(status, 403, "{text}");
    let hosted = docker
        .network_create(&NetworkCreateBody {
            name: unique("hostdrv"),
            driver: Some("host".into()),
            ..Default::default()
        })
        .await;
    assert_eq!(status_of(hosted), 403);
    remove_network(&docker, &first).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn invalid_endpoint_settings_are_400_at_every_version() {
    // Erratum network-connect-400-before-1-44.
    let docker = docker51();
    let mut networks = Vec::new();
    for prefix in ["home", "conn"] {
        let id = docker
            .network_create(&NetworkCreateBody {
                name: unique(prefix),
                internal: Some(true),
                ..Default::default()
            })
            .await
            .unwrap()
            .id
            .unwrap();
        networks.push(id);
    }
    let (home, network) = (networks[0].clone(), networks[1].clone());
    // Created (not started) on a network of its own: `none` mode could join no other.
    let mut body = config(&["sleep", "60"]);
    body.host_config = Some(HostConfig {
        network_mode: Some(home.clone()),
        ..Default::default()
    });
    let container = create(&docker, &body).await;
    // 192.0.2.0/24 is documentation space, in none of the daemon's pools.
    let outside = json!({
        "Container": container,
        "EndpointConfig": { "IPAMConfig": { "IPv4Address": "192.0.2.5" } }
    });
    let (status, text) = raw(
        "POST",
        &format!("/v1.41/networks/{network}/connect"),
        Some(outside),
    )
    .await;
    assert_eq!(status, 400, "{text}");
    let bad = docker
        .network_connect(
            &network,
            &NetworkConnectBody {
                container: Some(container.clone()),
                endpoint_config: Some(EndpointSettings {
                    ipam_config: Some(EndpointIpamConfig {
                        ipv4_address: Some("bogus".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            },
        )
        .await;
    let error = bad.expect_err("an invalid address");
    assert_eq!(error.status(), Some(400), "{error}");
    // Every problem is named, not only the first.
    let message = error.to_string();
    assert!(message.contains("bogus"), "{message}");
    // Valid settings still connect.
    docker
        .network_connect(
            &network,
            &NetworkConnectBody {
                container: Some(container.clone()),
                endpoint_config: None,
            },
        )
        .await
        .unwrap();
    let joined = docker
        .network_inspect(&network)
        .await
        .unwrap()
        .name
        .unwrap();
    let networks_of = docker
        .container_inspect(&container)
        .await
        .unwrap()
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default();
    assert!(networks_of.contains_key(&joined), "{networks_of:?}");
    remove(&docker, &container).await;
    for id in networks {
        remove_network(&docker, &id).await;
    }
}
