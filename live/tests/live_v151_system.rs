//! System at API v1.42 to v1.51 against the test daemon (dockerd 28.5): the
//! new fields of `GET /info`, the `Swarm` and `Builder-Version` headers of the
//! ping, the `type` filter of `GET /system/df`, the image `create` event, the
//! debug handlers under the version prefix, and the errata where dockerd 28.5
//! differs from Docker's descriptions.
//!
//! Every test pins the typed client to API 1.51; raw requests name their own
//! version. The daemon is shared: the one image built here has a unique name
//! and is removed at the end.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use docker_remote_api::prelude::*;
use serde_json::Value;

/// A client of the test daemon speaking API 1.51.
fn docker51() -> Docker {
    let docker = docker();
    docker.set_api_version("1.51").expect("1.51 is in range");
    docker
}

/// One GET at `path` exactly as given, with its own `/vX.Y` prefix (see
/// [`raw_exchange`]). Answers the status and the body text.
async fn raw_get(path: &str) -> (u16, String) {
    let answer = raw_exchange("GET", path, &[], None).await;
    (answer.status, answer.text())
}

/// `raw_get`, expecting 200 and a JSON answer.
async fn raw_json(path: &str) -> Value {
    let (status, text) = raw_get(path).await;
    assert_eq!(status, 200, "GET {path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
#[allow(deprecated)] // KernelMemoryTCP is deprecated at 1.51, and still sent
async fn info_reports_the_new_fields() {
    let info = docker51().system_info().await.unwrap();
    // Erratum system-info-cdi-spec-dirs-without-experimental.
    assert_eq!(info.experimental_build, Some(false), "{info:?}");
    let cdi = info.cdi_spec_dirs.clone().unwrap_or_default();
    assert!(
        !cdi.is_empty(),
        "CDI directories without experimental: {info:?}"
    );
    assert!(cdi.iter().all(|d| d.starts_with('/')), "{cdi:?}");
    // 1.46: where containerd is.
    let containerd = info.containerd.clone().expect("Containerd at 1.51");
    assert!(
        containerd
            .address
            .as_deref()
            .is_some_and(|a| a.ends_with(".sock")),
        "{containerd:?}"
    );
    let namespaces = containerd.namespaces.expect("namespaces");
    assert!(namespaces
        .containers
        .as_deref()
        .is_some_and(|n| n.starts_with("moby")));
    assert!(namespaces
        .plugins
        .as_deref()
        .is_some_and(|n| n.starts_with("plugins.moby")));
    // 1.44: each runtime's status, with its OCI features document as a JSON string.
    let runtimes = info.runtimes.clone().unwrap_or_default();
    let runc = runtimes.get("runc").expect("the runc runtime");
    let status = runc.status.clone().expect("runc reports a status");
    let features = status
        .get("org.opencontainers.runtime-spec.features")
        .expect("the OCI features");
    let features: Value = serde_json::from_str(features).expect("features are JSON");
    assert!(features.get("ociVersionMin").is_some(), "{features}");
    // Still sent at 1.51, though deprecated.
    assert!(info.kernel_memory_tcp.is_some(), "{info:?}");
    // 1.49: the firewall backend, reported once a bridge network exists
    // (the test daemon starts without a default bridge).
    let network = unique("fw");
    docker51()
        .network_create(&NetworkCreateBody {
            name: network.clone(),
            driver: Some("bridge".into()),
            ..Default::default()
        })
        .await
        .expect("a bridge network");
    let with_bridge = docker51().system_info().await;
    let _ = docker51().network_delete(&network).await;
    let firewall = with_bridge
        .unwrap()
        .firewall_backend
        .expect("FirewallBackend on Linux with a bridge network");
    assert!(firewall.driver.is_some_and(|d| !d.is_empty()));
    // Not at 1.48.
    let at48 = raw_json("/v1.48/info").await;
    assert!(at48.get("FirewallBackend").is_none(), "{at48}");
    // 1.50: devices found by drivers, absent when there are none.
    for device in info.discovered_devices.clone().unwrap_or_default() {
        assert!(device.source.is_some() && device.id.is_some(), "{device:?}");
    }
    // CDISpecDirs is unversioned in the daemon: sent at 1.24 too.
    let old = raw_json("/v1.24/info").await;
    assert!(old["CDISpecDirs"].is_array(), "{old}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn info_drops_fields_at_their_versions() {
    // Keys of `GET /info` and the first version without them, as dockerd 28.5 answers.
    let present = |info: &Value, path: &[&str]| {
        let mut v = info;
        for key in path {
            match v.get(key) {
                Some(next) => v = next,
                None => return false,
            }
        }
        true
    };
    let cases: [(&[&str], &str, &str); 6] = [
        (&["KernelMemory"], "1.41", "1.42"),
        (&["Runtimes", "runc", "status"], "1.44", "1.43"),
        (&["Containerd"], "1.46", "1.45"),
        (&["RuncCommit", "Expected"], "1.48", "1.49"),
        (&["BridgeNfIptables"], "1.49", "1.50"),
        (&["BridgeNfIp6tables"], "1.49", "1.50"),
    ];
    for (path, with, without) in cases {
        let a = raw_json(&format!("/v{with}/info")).await;
        let b = raw_json(&format!("/v{without}/info")).await;
        assert!(present(&a, path), "{path:?} at {with}: {a}");
        assert!(!present(&b, path), "{path:?} at {without}: {b}");
    }
    // Deprecated at 1.48: always false.
    let at49 = raw_json("/v1.49/info").await;
    assert_eq!(at49["BridgeNfIptables"], Value::Bool(false));
    assert_eq!(at49["BridgeNfIp6tables"], Value::Bool(false));
    // The typed answer at 1.51 decodes without them.
    let info = docker51().system_info().await.unwrap();
    assert!(info.runc_commit.and_then(|c| c.id).is_some());
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn info_drops_nondistributable_artifacts_at_1_47() {
    // Erratum system-info-nondistributable-until-1-47: null up to 1.46, gone
    // from 1.47 (the history says 1.49).
    for version in ["1.41", "1.46"] {
        let info = raw_json(&format!("/v{version}/info")).await;
        let registry = &info["RegistryConfig"];
        for key in [
            "AllowNondistributableArtifactsCIDRs",
            "AllowNondistributableArtifactsHostnames",
        ] {
            assert_eq!(
                registry.get(key),
                Some(&Value::Null),
                "{key} at {version}: {registry}"
            );
        }
    }
    for version in ["1.47", "1.48", "1.49", "1.51"] {
        let info = raw_json(&format!("/v{version}/info")).await;
        let registry = info["RegistryConfig"].as_object().expect("RegistryConfig");
        assert!(
            !registry
                .keys()
                .any(|k| k.starts_with("AllowNondistributable")),
            "at {version}: {registry:?}"
        );
        assert!(registry.contains_key("IndexConfigs"));
    }
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn ping_reports_builder_version_and_swarm() {
    let head = docker51().system_ping_head().await.unwrap();
    assert!(
        matches!(head.builder_version.as_deref(), Some("1") | Some("2")),
        "{head:?}"
    );
    // The test daemon is no swarm manager; any state is one of the six words.
    let swarm = head.swarm.clone().expect("a Swarm header");
    assert!(
        [
            "inactive",
            "pending",
            "error",
            "locked",
            "active/worker",
            "active/manager"
        ]
        .contains(&swarm.as_str()),
        "{swarm}"
    );
    let info = docker51().system_info().await.unwrap();
    let state = info.swarm.and_then(|s| s.local_node_state);
    if swarm == "inactive" {
        assert_eq!(state, Some(LocalNodeState::Inactive));
    }
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn df_narrows_to_the_asked_types() {
    let docker = docker51();
    let usage = when_disk_usage_is_free(|| {
        docker
            .system_df()
            .object_types(vec![SystemDataUsageObjectType::Volume])
            .send()
    })
    .await
    .unwrap();
    assert!(usage.volumes.is_some(), "{usage:?}");
    assert!(
        usage.images.is_none() && usage.containers.is_none() && usage.build_cache.is_none(),
        "{usage:?}"
    );
    assert_eq!(usage.layers_size, Some(0));
    let usage = when_disk_usage_is_free(|| {
        docker
            .system_df()
            .object_types(vec![
                SystemDataUsageObjectType::Image,
                SystemDataUsageObjectType::BuildCache,
            ])
            .send()
    })
    .await
    .unwrap();
    assert!(
        usage.images.is_some() && usage.build_cache.is_some(),
        "{usage:?}"
    );
    assert!(
        usage.volumes.is_none() && usage.containers.is_none(),
        "{usage:?}"
    );
    // Erratum system-df-unknown-type-is-400.
    let err = docker
        .system_df()
        .object_types(vec![SystemDataUsageObjectType::Other("bogus".into())])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(err.to_string().contains("unknown object type"), "{err}");
    // Below 1.42 the parameter is ignored.
    let old = raw_json("/v1.41/system/df?type=bogus").await;
    assert!(old["Volumes"].is_array(), "{old}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn df_drops_builder_size_at_1_42() {
    // v1.42#1. Below 1.42 dockerd 28.5 still sends it, when not 0.
    let old = raw_json("/v1.41/system/df").await;
    if let Some(size) = old.get("BuilderSize") {
        assert!(size.as_i64().is_some_and(|n| n > 0), "{size}");
    }
    for version in ["1.42", "1.51"] {
        let usage = raw_json(&format!("/v{version}/system/df")).await;
        assert!(usage.get("LayersSize").is_some(), "{usage}");
        assert!(usage.get("BuilderSize").is_none(), "at {version}: {usage}");
    }
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn auth_refusal_is_500_at_1_51() {
    // Erratum system-auth-no-401-at-1-51.
    let mut wrong = registry_auth();
    wrong.password = Some("not-the-password".into());
    let err = docker51().system_auth(&wrong).await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err}");
    assert!(err.to_string().contains("401 Unauthorized"), "{err}");
    let ok = docker51().system_auth(&registry_auth()).await.unwrap();
    assert!(matches!(ok, SystemAuthOutcome::LoggedIn(_)), "{ok:?}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn events_report_image_create_from_1_46() {
    busybox().await;
    let docker = docker51();
    let since = now().to_string();
    let name = unique("evt");
    let label = format!("{name}-label");
    let dockerfile = format!("FROM {BUSYBOX}\nLABEL {label}=yes\n");
    let context = tar_of(&[("Dockerfile", 0o644, dockerfile.as_bytes())]);
    let progress = docker
        .image_build(RequestBody::from_bytes(context))
        .tag(format!("{name}:1"))
        .version(BuilderVersion::Classic)
        .rm(true)
        .await
        .expect("build starts");
    let steps = drain("build", progress).await;
    assert!(
        steps.iter().any(|s| s
            .stream
            .as_deref()
            .is_some_and(|t| t.contains("Successfully built"))),
        "{steps:?}"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let until = now().to_string();
    let filters =
        format!("%7B%22type%22%3A%5B%22image%22%5D%2C%22label%22%3A%5B%22{label}%22%5D%7D");
    // Typed, at 1.51: `create` then `tag`.
    let mut events = docker
        .system_events()
        .since(since.clone())
        .until(until.clone())
        .filters(EventFilters {
            r#type: Some(vec!["image".into()]),
            label: Some(vec![label.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut actions = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("the stream ends at until")
    {
        let event = event.unwrap();
        assert_eq!(event.r#type, Some(EventType::Image), "{event:?}");
        actions.push(event.action.unwrap_or_default());
    }
    let _ = docker.image_delete(&format!("{name}:1")).force(true).await;
    assert!(actions.iter().any(|a| a == "create"), "{actions:?}");
    assert!(actions.iter().any(|a| a == "tag"), "{actions:?}");
    // At 1.45 the daemon keeps `create` from the client.
    let (status, text) = raw_get(&format!(
        "/v1.45/events?since={since}&until={until}&filters={filters}"
    ))
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"Action\":\"tag\""), "{text}");
    assert!(!text.contains("\"Action\":\"create\""), "{text}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn debug_vars_answer_under_the_version_prefix() {
    // v1.48#17: served with and without the prefix, at any version; the spec
    // keeps them out (Go runtime internals).
    for path in [
        "/debug/vars",
        "/v1.48/debug/vars",
        "/v1.51/debug/vars",
        "/v1.41/debug/vars",
    ] {
        let vars = raw_json(path).await;
        assert!(vars["cmdline"].is_array(), "{path}: {vars}");
        assert!(vars["memstats"].is_object(), "{path}");
    }
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn info_at_1_24_has_no_execution_driver() {
    // Erratum system-info-execution-driver-absent-in-dockerd-28: unlike
    // dockerd 20.10, dockerd 28.5 leaves it out at its oldest version too.
    let info = raw_json("/v1.24/info").await;
    assert!(info.get("ID").is_some(), "{info}");
    assert!(info.get("ExecutionDriver").is_none(), "{info}");
    let typed = docker();
    typed.set_api_version("1.24").unwrap();
    let info = typed.system_info().await.unwrap();
    assert!(info.id.is_some(), "{info:?}");
}
