//! System, volumes, networks and session at API v1.25 to v1.41 against the
//! test daemon: the operations the swagger files added (`system_df`,
//! `system_ping_head`, `session`, `volume_prune`, `network_prune`), the new
//! fields of info, version and events, and the errata where dockerd 20.10
//! differs from Docker's descriptions.
//!
//! Every test pins the typed client to API 1.41 (what is tested is the v1.41
//! behaviour, whatever the pass of `cargo xtask test`); raw requests name their
//! own version. The daemon is shared: every volume and network made here has a
//! unique name and label and is removed at the end, and prunes are always
//! narrowed to this file's own labels.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use docker_remote_api::prelude::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A client of the test daemon speaking API 1.41.
fn docker41() -> Docker {
    let docker = docker();
    docker.set_api_version("1.41").expect("1.41 is in range");
    docker
}

/// One request at `path` exactly as given, with or without a `/vX.Y` prefix
/// (see [`raw_exchange`]). Answers the status, the headers and the body text.
async fn raw(method: &str, path: &str, body: Option<Value>) -> (u16, http::HeaderMap, String) {
    let answer = raw_exchange(method, path, &[], body.map(json_body)).await;
    let text = answer.text();
    (answer.status, answer.headers, text)
}

/// `raw`, expecting `want` and a JSON answer.
async fn raw_json(method: &str, path: &str, body: Option<Value>, want: u16) -> Value {
    let (status, _, text) = raw(method, path, body).await;
    assert_eq!(status, want, "{method} {path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

/// A JSON filter map as a query value.
fn filters(value: Value) -> String {
    let text = value.to_string();
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn ping_head_carries_the_daemon_headers() {
    let docker = docker41();
    let head = docker.system_ping_head().await.unwrap();
    assert_eq!(
        head.docker_experimental.as_deref(),
        Some("false"),
        "{head:?}"
    );
    assert_eq!(head.os_type.as_deref(), Some("linux"), "{head:?}");
    assert_eq!(
        head.cache_control.as_deref(),
        Some("no-cache, no-store, must-revalidate"),
        "{head:?}"
    );
    assert_eq!(head.pragma.as_deref(), Some("no-cache"), "{head:?}");
    // The GET answers the same headers, and `Api-Version` on both.
    for method in ["GET", "HEAD"] {
        let (status, headers, body) = raw(method, "/v1.41/_ping", None).await;
        assert_eq!(status, 200);
        // The daemon's own newest version, whatever the request's.
        assert_eq!(headers["api-version"], newest_api());
        assert_eq!(headers["pragma"], "no-cache");
        assert_eq!(headers["ostype"], "linux");
        assert_eq!(body, if method == "GET" { "OK" } else { "" });
    }
    // Unversioned in the daemon: HEAD is served at old versions too.
    let (status, headers, _) = raw("HEAD", "/v1.24/_ping", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["cache-control"],
        "no-cache, no-store, must-revalidate"
    );
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn unversioned_paths_are_served() {
    // Erratum api-version-prefix-optional.
    let (status, headers, body) = raw("GET", "/info", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["api-version"], newest_api());
    let info: Value = serde_json::from_str(&body).unwrap();
    assert!(
        info.get("CgroupVersion").is_some(),
        "answered as the daemon's newest version: {info}"
    );
    let (status, _, body) = raw("GET", "/_ping", None).await;
    assert_eq!((status, body.as_str()), (200, "OK"));
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn version_reports_components_and_min_api_version() {
    let version = docker41().system_version().await.unwrap();
    // The daemon's own range, whatever version it is asked at.
    assert_eq!(version.api_version.as_deref(), Some(newest_api()));
    assert_eq!(version.min_api_version.as_deref(), Some(oldest_api()));
    assert!(version.platform.is_some(), "{version:?}");
    let components = version.components.clone().unwrap_or_default();
    let engine = components
        .iter()
        .find(|c| c.name == "Engine")
        .unwrap_or_else(|| panic!("an Engine component: {version:?}"));
    assert_eq!(engine.version, version.version.clone().unwrap_or_default());
    let details = engine.details.clone().unwrap_or_default();
    assert_eq!(
        details.get("ApiVersion").map(String::as_str),
        Some(newest_api())
    );
    // Details are strings, booleans included.
    assert_eq!(
        details.get("Experimental").map(String::as_str),
        Some("false")
    );
    assert!(
        components.iter().any(|c| c.name == "containerd"),
        "{components:?}"
    );
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn info_reports_the_new_fields() {
    let info = docker41().system_info().await.unwrap();
    assert!(
        matches!(info.cgroup_version.as_deref(), Some("1") | Some("2")),
        "{:?}",
        info.cgroup_version
    );
    assert!(info.os_version.is_some(), "{info:?}");
    assert!(info
        .runtimes
        .clone()
        .unwrap_or_default()
        .contains_key("runc"));
    assert_eq!(info.default_runtime.as_deref(), Some("runc"));
    assert!(info
        .containerd_commit
        .as_ref()
        .and_then(|c| c.id.as_ref())
        .is_some());
    assert!(info.runc_commit.is_some() && info.init_commit.is_some());
    assert_eq!(info.init_binary.as_deref(), Some("docker-init"));
    assert!(info.logging_driver.is_some() && info.live_restore_enabled.is_some());
    assert!(info.pids_limit.is_some() && info.kernel_memory_tcp.is_some());
    assert!(info.bridge_nf_iptables.is_some() && info.bridge_nf_ip6tables.is_some());
    let log = info
        .plugins
        .as_ref()
        .and_then(|p| p.log.clone())
        .unwrap_or_default();
    assert!(log.iter().any(|d| d == "json-file"), "{log:?}");
    let swarm = info.swarm.clone().expect("the swarm section");
    assert!(swarm.local_node_state.is_some(), "{swarm:?}");
    // From 1.25 on, security options are `name=...` entries.
    for option in info.security_options.clone().unwrap_or_default() {
        assert!(option.starts_with("name="), "{option}");
    }
    // Asked at 1.24, the same daemon sends bare names.
    let old = raw_json("GET", "/v1.24/info", None, 200).await;
    for option in old["SecurityOptions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        assert!(!option.as_str().unwrap().starts_with("name="), "{old}");
    }
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn info_keys_follow_the_daemon() {
    // Erratum system-info-execution-driver-until-1-25: dockerd 20.10 sends it up
    // to 1.24 only; dockerd 28.5 never, and serves no version below 1.24.
    for version in ["1.18", "1.23", "1.24"] {
        let path = format!("/v{version}/info");
        if !daemon_speaks(version) {
            let (status, _, text) = raw("GET", &path, None).await;
            assert_too_old(status, &text, version);
            continue;
        }
        let info = raw_json("GET", &path, None, 200).await;
        if daemon_release() == "20.10" {
            assert_eq!(info["ExecutionDriver"], "<not supported>", "at {version}");
        } else {
            assert!(info.get("ExecutionDriver").is_none(), "at {version}");
        }
    }
    for version in ["1.25", "1.31", "1.41"] {
        let info = raw_json("GET", &format!("/v{version}/info"), None, 200).await;
        assert!(
            info.get("ExecutionDriver").is_none(),
            "at {version}: {info}"
        );
    }
    // Erratum system-info-legacy-keys-absent: never sent.
    for version in ["1.24", "1.25", "1.31", "1.41"] {
        let info = raw_json("GET", &format!("/v{version}/info"), None, 200).await;
        for key in ["DiscoveryBackend", "OomScoreAdj", "InitPath", "InitSha1"] {
            assert!(info.get(key).is_none(), "{key} at {version}");
        }
        // Erratum system-info-driver-status-null: vfs has nothing to report.
        assert_eq!(info["Driver"], "vfs");
        assert_eq!(info["DriverStatus"], Value::Null, "at {version}");
    }
    // And the typed client reads the null.
    let info = docker41().system_info().await.unwrap();
    assert_eq!(info.driver_status, None);
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn auth_refusal_is_500_at_every_version() {
    // Erratum system-auth-no-401.
    let mut wrong = registry_auth();
    wrong.password = Some("not-the-password".into());
    for version in ["1.39", "1.41"] {
        let docker = docker();
        docker.set_api_version(version).unwrap();
        let err = docker.system_auth(&wrong).await.unwrap_err();
        assert_eq!(err.status(), Some(500), "at {version}: {err}");
        assert!(err.to_string().contains("401 Unauthorized"), "{err}");
    }
    let ok = docker41().system_auth(&registry_auth()).await.unwrap();
    assert!(matches!(ok, SystemAuthOutcome::LoggedIn(_)), "{ok:?}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn session_upgrades_to_h2c_at_old_versions() {
    // Erratum session-not-experimental-before-1-39: this daemon is not
    // experimental, yet every version upgrades.
    let info = docker41().system_info().await.unwrap();
    assert_eq!(info.experimental_build, Some(false));
    for version in ["1.25", "1.31", "1.38", "1.41"] {
        let mut stream = tokio::net::UnixStream::connect(daemon_socket())
            .await
            .unwrap();
        let request = format!(
            "POST /v{version}/session HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\n\
             Upgrade: h2c\r\nX-Docker-Expose-Session-Uuid: {}\r\n\
             X-Docker-Expose-Session-Name: drapi\r\n\r\n",
            unique("session")
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte))
                .await
                .expect("the daemon answers")
                .unwrap();
            assert_eq!(
                n,
                1,
                "connection closed after {:?}",
                String::from_utf8_lossy(&head)
            );
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_lowercase();
        assert!(head.starts_with("http/1.1 101"), "at {version}: {head}");
        assert!(head.contains("upgrade: h2c"), "at {version}: {head}");
        // Dropping the connection ends the session.
    }
    // The typed call asks for `h2c` and hands back the upgraded connection.
    let connection = docker41()
        .session()
        .session_id(unique("session"))
        .session_name("drapi")
        .await
        .unwrap();
    // Dropping it ends the session.
    drop(connection);
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn events_take_unix_seconds_only() {
    // Erratum system-events-bad-time-is-500.
    let docker = docker41();
    let until = (now() + 1).to_string();
    for since in ["2024-01-01T00:00:00Z", "10m"] {
        let err = docker
            .system_events()
            .since(since)
            .until(until.clone())
            .await
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.status(), Some(500), "since={since}: {err}");
        assert!(err.to_string().contains("invalid syntax"), "{err}");
    }
    // `since` after `until` is the one bad parameter answered 400.
    let err = docker
        .system_events()
        .since((now() + 100).to_string())
        .until((now() - 100).to_string())
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    // Seconds with a fraction are fine; the stream ends at `until`.
    let mut events = docker
        .system_events()
        .since(format!("{}.5", now() - 1))
        .until(format!("{}.000000000", now()))
        .filters(EventFilters {
            r#type: Some(vec!["daemon".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("the stream ends at until")
    {
        event.unwrap();
    }
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn prunes_emit_prune_events_with_reclaimed() {
    let docker = docker41();
    let label = unique("prune-ev");
    let since = (now() - 1).to_string();
    let name = unique("vol");
    docker
        .volume_create()
        .body(&VolumeCreateBody {
            name: Some(name.clone()),
            labels: Some(BTreeMap::from([(label.clone(), "1".to_string())])),
            ..Default::default()
        })
        .await
        .unwrap();
    let pruned = docker
        .volume_prune()
        .filters(VolumePruneFilters {
            label: Some(vec![label.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pruned.volumes_deleted, Some(vec![name.clone()]));
    let mut events = docker
        .system_events()
        .since(since)
        .until((now() + 1).to_string())
        .filters(EventFilters {
            r#type: Some(vec!["volume".into()]),
            event: Some(vec!["prune".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut seen = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("the stream ends at until")
    {
        seen.push(event.unwrap());
    }
    let prune = seen
        .iter()
        .find(|e| e.action.as_deref() == Some("prune"))
        .unwrap_or_else(|| panic!("a prune event: {seen:?}"));
    assert_eq!(prune.r#type, Some(EventType::Volume));
    assert_eq!(prune.scope.as_deref(), Some("local"));
    let attributes = prune
        .actor
        .as_ref()
        .and_then(|a| a.attributes.clone())
        .unwrap_or_default();
    assert!(attributes.contains_key("reclaimed"), "{prune:?}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn df_reports_volumes_and_builder_size() {
    let docker = docker41();
    let name = unique("vol");
    docker
        .volume_create()
        .body(&VolumeCreateBody {
            name: Some(name.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let usage = when_disk_usage_is_free(|| docker.system_df().send())
        .await
        .unwrap();
    assert!(usage.layers_size.is_some(), "{usage:?}");
    let volume = usage
        .volumes
        .clone()
        .unwrap_or_default()
        .into_iter()
        .find(|v| v.name == name)
        .expect("the new volume is listed");
    let data = volume.usage_data.expect("df reports usage data");
    assert_eq!(data.ref_count, 0);
    assert!(data.size >= 0, "{data:?}");
    assert!(volume.created_at.is_some());
    let (status, _, text) = when_disk_usage_is_free(|| async {
        match raw("GET", "/v1.41/system/df", None).await {
            (500, _, text) => Err(text),
            answer => Ok(answer),
        }
    })
    .await
    .unwrap_or_else(|text| (500, Default::default(), text));
    assert_eq!(status, 200, "{text}");
    let raw: Value = serde_json::from_str(&text).unwrap();
    // Erratum system-df-builder-size: a key the swagger lacks. dockerd 20.10
    // always sends it; dockerd 28.5 sends the build cache's total size, and
    // leaves the key out when that is 0.
    if daemon_release() == "20.10" {
        assert!(usage.builder_size.is_some(), "{usage:?}");
        assert!(raw["BuilderSize"].is_i64(), "{raw}");
    } else {
        let records = raw["BuildCache"].as_array().cloned().unwrap_or_default();
        let cache: i64 = records.iter().filter_map(|r| r["Size"].as_i64()).sum();
        assert_eq!(
            raw.get("BuilderSize").and_then(Value::as_i64),
            (cache > 0).then_some(cache),
            "{raw}"
        );
    }
    // Inspect leaves the usage data out.
    let inspected = docker.volume_inspect(&name).await.unwrap();
    assert!(inspected.usage_data.is_none());
    docker.volume_delete(&name).await.unwrap();
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn volume_prune_and_forced_delete() {
    let docker = docker41();
    let label = unique("vprune");
    let keep = unique("keep");
    let mut names = Vec::new();
    for (i, labels) in [
        BTreeMap::from([(label.clone(), "go".to_string())]),
        BTreeMap::from([
            (label.clone(), "go".to_string()),
            (keep.clone(), "1".to_string()),
        ]),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("{}-{i}", unique("vol"));
        docker
            .volume_create()
            .body(&VolumeCreateBody {
                name: Some(name.clone()),
                labels: Some(labels),
                ..Default::default()
            })
            .await
            .unwrap();
        names.push(name);
    }
    // `label!` spares the volume that carries the keep label.
    let pruned = docker
        .volume_prune()
        .filters(VolumePruneFilters {
            label: Some(vec![format!("{label}=go")]),
            label_not: Some(vec![keep.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pruned.volumes_deleted, Some(vec![names[0].clone()]));
    assert!(pruned.space_reclaimed.is_some());
    // Nothing left to prune: an empty list (networks answer null instead).
    let again = docker
        .volume_prune()
        .filters(VolumePruneFilters {
            label: Some(vec![format!("{label}=go")]),
            label_not: Some(vec![keep.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(again.volumes_deleted, Some(vec![]));
    docker.volume_delete(&names[1]).await.unwrap();
    // force: a missing volume is no error.
    let missing = unique("gone");
    assert!(docker
        .volume_delete(&missing)
        .await
        .unwrap_err()
        .is_not_found());
    docker.volume_delete(&missing).force(true).await.unwrap();
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn volume_label_filter_takes_key_equals_value() {
    // Erratum volume-list-label-filter-syntax.
    let docker = docker41();
    let name = unique("vol");
    let key = unique("lbl");
    docker
        .volume_create()
        .body(&VolumeCreateBody {
            name: Some(name.clone()),
            labels: Some(BTreeMap::from([(key.clone(), "v1".to_string())])),
            ..Default::default()
        })
        .await
        .unwrap();
    let list = |label: String| {
        let docker = docker.clone();
        async move {
            docker
                .volume_list()
                .filters(VolumeListFilters {
                    label: Some(vec![label]),
                    ..Default::default()
                })
                .await
                .unwrap()
                .volumes
                .unwrap_or_default()
                .into_iter()
                .map(|v| v.name)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(format!("{key}=v1")).await, vec![name.clone()]);
    assert_eq!(list(key.clone()).await, vec![name.clone()]);
    assert!(list(format!("{key}:v1")).await.is_empty());
    docker.volume_delete(&name).await.unwrap();
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn network_prune_answers_networks_deleted() {
    // Erratum network-prune-networks-deleted.
    let label = unique("nprune");
    for version in ["1.25", "1.41"] {
        let name = unique("net");
        let created = raw_json(
            "POST",
            &format!("/v{version}/networks/create"),
            Some(json!({ "Name": name, "Internal": true, "Labels": { label.clone(): "1" } })),
            201,
        )
        .await;
        assert!(created["Id"].is_string());
        let path = format!(
            "/v{version}/networks/prune?filters={}",
            filters(json!({ "label": [label.clone()] }))
        );
        let pruned = raw_json("POST", &path, None, 200).await;
        assert_eq!(pruned, json!({ "NetworksDeleted": [name] }), "at {version}");
    }
    // The typed client, with `until` and `label!`.
    let docker = docker41();
    let name = unique("net");
    let keep = unique("keep");
    for (n, labels) in [
        (
            name.clone(),
            BTreeMap::from([(label.clone(), "1".to_string())]),
        ),
        (
            unique("net"),
            BTreeMap::from([
                (label.clone(), "1".to_string()),
                (keep.clone(), "1".to_string()),
            ]),
        ),
    ] {
        docker
            .network_create(&NetworkCreateBody {
                name: n,
                internal: Some(true),
                labels: Some(labels),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let pruned = docker
        .network_prune()
        .filters(NetworkPruneFilters {
            until: Some(vec!["1h".into()]),
            label: Some(vec![label.clone()]),
            label_not: Some(vec![keep.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pruned.networks_deleted, None, "none of them is an hour old");
    let pruned = docker
        .network_prune()
        .filters(NetworkPruneFilters {
            label: Some(vec![label.clone()]),
            label_not: Some(vec![keep.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pruned.networks_deleted, Some(vec![name]));
    let last = docker
        .network_prune()
        .filters(NetworkPruneFilters {
            label: Some(vec![keep]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(last.networks_deleted.map(|d| d.len()), Some(1));
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn ipam_aux_addresses_travel_as_auxiliary_addresses() {
    // Errata network-ipam-auxiliary-addresses and network-ipam-swagger-shapes.
    let docker = docker41();
    // The doc's key: accepted, and the addresses silently dropped.
    let doc_name = unique("aux-doc");
    raw_json(
        "POST",
        "/v1.41/networks/create",
        Some(json!({
            "Name": doc_name,
            "Internal": true,
            "IPAM": {
                "Config": [{ "Subnet": "10.213.41.0/24", "AuxAddress": { "dev1": "10.213.41.5" } }],
                "Options": { "drapi": "yes" }
            }
        })),
        201,
    )
    .await;
    let inspected = raw_json("GET", &format!("/v1.24/networks/{doc_name}"), None, 200).await;
    let config = &inspected["IPAM"]["Config"][0];
    assert_eq!(config["Subnet"], "10.213.41.0/24");
    assert!(
        config.get("AuxAddress").is_none() && config.get("AuxiliaryAddresses").is_none(),
        "{inspected}"
    );
    // `Options` is one map, not a list of maps.
    assert_eq!(inspected["IPAM"]["Options"], json!({ "drapi": "yes" }));
    // The spec's key, through the typed client.
    let name = unique("aux");
    let aux = BTreeMap::from([("dev1".to_string(), "10.213.42.5".to_string())]);
    let created = docker
        .network_create(&NetworkCreateBody {
            name: name.clone(),
            internal: Some(true),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some("10.213.42.0/24".into()),
                    aux_address: Some(aux.clone()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = created.id.unwrap();
    let network = docker.network_inspect(&id).await.unwrap();
    let config = network.ipam.unwrap().config.unwrap();
    assert_eq!(config[0].aux_address, Some(aux));
    let raw = raw_json("GET", &format!("/v1.41/networks/{id}"), None, 200).await;
    assert_eq!(
        raw["IPAM"]["Config"][0]["AuxiliaryAddresses"]["dev1"],
        "10.213.42.5"
    );
    docker.network_delete(&id).await.unwrap();
    docker.network_delete(&doc_name).await.unwrap();
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn network_inspect_scope_verbose_and_new_fields() {
    let docker = docker41();
    let name = unique("net");
    let id = docker
        .network_create(&NetworkCreateBody {
            name: name.clone(),
            internal: Some(true),
            attachable: Some(true),
            ..Default::default()
        })
        .await
        .unwrap()
        .id
        .unwrap();
    let network = docker
        .network_inspect(&name)
        .scope("local")
        .verbose(true)
        .await
        .unwrap();
    assert_eq!(network.id.as_deref(), Some(id.as_str()));
    assert!(network.created.is_some());
    assert_eq!(network.attachable, Some(true));
    assert_eq!(network.ingress, Some(false));
    assert_eq!(network.config_only, Some(false));
    assert_eq!(
        network.config_from.and_then(|c| c.network).as_deref(),
        Some("")
    );
    assert_eq!(network.peers, None, "not an overlay network");
    // Another scope does not find it.
    let err = docker
        .network_inspect(&name)
        .scope("swarm")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    // The list filters of 1.29 and 1.40.
    let listed = docker
        .network_list()
        .filters(NetworkListFilters {
            name: Some(vec![name.clone()]),
            scope: Some(vec!["local".into()]),
            dangling: Some(vec!["true".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    docker.network_delete(&id).await.unwrap();
}
