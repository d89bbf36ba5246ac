//! Swarm, nodes, services and tasks against the test daemon. Each test that
//! needs a swarm makes the daemon the only node of a new one, on loopback,
//! and leaves it at the end, also when the test fails. The daemon has one
//! swarm state, so the tests of this file take turns.

mod common;

use std::future::Future;
use std::time::Duration;

use common::*;
use docker_remote_api::prelude::*;
use serde_json::json;
use tokio::sync::{Mutex, OnceCell};

/// One swarm state per daemon: the tests of this file hold this while they use it.
static SWARM: Mutex<()> = Mutex::const_new(());

fn init_body(spec: SwarmSpec) -> SwarmInitBody {
    SwarmInitBody {
        listen_addr: Some(swarm_addr()),
        advertise_addr: Some(swarm_addr()),
        force_new_cluster: Some(false),
        spec: Some(spec),
        ..Default::default()
    }
}

/// Runs `body` with the node ID of a new one-node swarm, then leaves the
/// swarm, also when `body` panics.
async fn in_swarm<F, Fut>(spec: SwarmSpec, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let _turn = SWARM.lock().await;
    let docker = docker();
    let node_id = docker
        .swarm_init(&init_body(spec))
        .await
        .expect("the daemon starts a swarm");
    let outcome = tokio::spawn(body(node_id)).await;
    docker
        .swarm_leave()
        .force(true)
        .await
        .expect("the daemon leaves the swarm");
    // The gateway bridge of the tasks' containers outlives the swarm.
    let _ = docker.network_delete("docker_gwbridge").await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    let after = docker.swarm_inspect().await.unwrap_err();
    assert_eq!(after.status(), Some(503), "no swarm after leaving: {after}");
}

/// The base image in the local registry, so that resolving a service's image
/// (which the daemon does below API 1.30) stays on loopback.
async fn service_image() -> String {
    static PUSHED: OnceCell<String> = OnceCell::const_new();
    PUSHED
        .get_or_init(|| async {
            busybox().await;
            let docker = docker();
            let repo = format!("{}/drapi-swarm-busybox", registry());
            docker
                .image_tag(BUSYBOX)
                .repo(&repo)
                .tag("latest")
                .await
                .unwrap();
            let mut push = docker
                .image_push(&repo, &registry_auth())
                .tag("latest")
                .await
                .unwrap();
            while let Some(item) = push.next().await {
                item.expect("push progresses");
            }
            format!("{repo}:latest")
        })
        .await
        .clone()
}

/// A swarm spec as the daemon answered it, without the keys the API version
/// of the pass lacks: dockerd 20.10 sends `EncryptionConfig` (1.25) at every
/// version, and the client refuses to send it back at 1.24.
fn for_this_version(mut spec: SwarmSpec) -> SwarmSpec {
    if api_version() < (1, 25) {
        spec.encryption_config = None;
    }
    spec
}

/// A service spec as the daemon answered it, without the keys the API
/// version of the pass lacks: dockerd 20.10 sends `ForceUpdate` (1.25),
/// `Runtime` (1.30) and `Isolation` (1.35) at every version.
fn service_for_this_version(mut spec: ServiceSpec) -> ServiceSpec {
    let version = api_version();
    if let Some(task) = spec.task_template.as_mut() {
        if version < (1, 25) {
            task.force_update = None;
        }
        if version < (1, 30) {
            task.runtime = None;
        }
        if let Some(container) = task.container_spec.as_mut() {
            if version < (1, 35) {
                container.isolation = None;
            }
        }
    }
    spec
}

fn replicas(n: u64) -> ServiceMode {
    ServiceMode {
        replicated: Some(ServiceModeReplicated { replicas: Some(n) }),
        ..Default::default()
    }
}

fn service_spec(name: &str, image: &str, replica_count: u64) -> ServiceSpec {
    ServiceSpec {
        name: Some(name.into()),
        task_template: Some(TaskSpec {
            container_spec: Some(ContainerSpec {
                image: Some(image.into()),
                args: Some(vec!["sleep".into(), "300".into()]),
                ..Default::default()
            }),
            ..Default::default()
        }),
        mode: Some(replicas(replica_count)),
        ..Default::default()
    }
}

/// Outside a swarm every swarm and node operation answers 503, not the
/// doc's 406 (erratums `swarm-not-manager-503`, `swarm-update-not-manager-503`,
/// `swarm-leave-not-in-swarm-503`, `node-*-not-manager-503`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn outside_a_swarm_the_daemon_answers_503() {
    let _turn = SWARM.lock().await;
    let docker = docker();
    let statuses = [
        ("swarm_inspect", docker.swarm_inspect().await.err()),
        (
            "swarm_update",
            docker.swarm_update(1, &SwarmSpec::default()).await.err(),
        ),
        ("swarm_leave", docker.swarm_leave().await.err()),
        ("node_list", docker.node_list().await.err()),
        (
            "node_inspect",
            docker.node_inspect("drapi-none").await.err(),
        ),
        (
            "node_update",
            docker
                .node_update(
                    "drapi-none",
                    1,
                    &NodeSpec {
                        role: Some(NodeRole::Worker),
                        availability: Some(NodeAvailability::Active),
                        ..Default::default()
                    },
                )
                .await
                .err(),
        ),
        ("node_delete", docker.node_delete("drapi-none").await.err()),
        ("service_list", docker.service_list().await.err()),
        ("task_list", docker.task_list().await.err()),
    ];
    for (op, err) in statuses {
        let err = err.unwrap_or_else(|| panic!("{op} fails outside a swarm"));
        assert_eq!(err.status(), Some(503), "{op}: {err}");
    }
}

/// `swarm_join` reads the manager addresses from `RemoteAddrs`, a list, not
/// the doc's `RemoteAddr` (erratum `swarm-join-remote-addrs-key`): an empty
/// address in the list is refused as such, where an unread key would leave
/// the daemon with no address at all. Nothing is joined, so no swarm is left behind.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn join_reads_remote_addrs() {
    let _turn = SWARM.lock().await;
    let docker = docker();
    let join = |remote_addrs: Vec<String>| SwarmJoinBody {
        listen_addr: Some(swarm_addr()),
        advertise_addr: None,
        remote_addrs,
        join_token: "SWMTKN-1-drapi".into(),
        ..Default::default()
    };
    let empty_addr = docker
        .swarm_join(&join(vec![String::new()]))
        .await
        .unwrap_err();
    assert_eq!(empty_addr.status(), Some(400), "{empty_addr}");
    assert!(
        empty_addr.to_string().contains("invalid remoteAddr"),
        "the daemon read the list: {empty_addr}"
    );
    let none = docker.swarm_join(&join(Vec::new())).await.unwrap_err();
    assert_eq!(none.status(), Some(400), "{none}");
    assert!(none.to_string().contains("at least 1 RemoteAddr"), "{none}");
    let (status, message) = raw_request(
        "POST",
        "/swarm/join",
        Some(json!({
            "ListenAddr": swarm_addr(),
            "RemoteAddr": "",
            "JoinToken": "SWMTKN-1-drapi",
        })),
    )
    .await;
    assert_eq!(status, 400, "{message}");
    assert!(
        message.contains("at least 1 RemoteAddr"),
        "the doc's key is not read: {message}"
    );
    let outside = docker.swarm_inspect().await.unwrap_err();
    assert_eq!(outside.status(), Some(503), "{outside}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn swarm_nodes_services_tasks() {
    let image = service_image().await;
    in_swarm(SwarmSpec::default(), |node_id| async move {
        let docker = docker();

        // Already in a swarm: 503, not the doc's 406 (erratums
        // `swarm-init-already-in-swarm-503`, `swarm-join-already-in-swarm-503`).
        let init_again = docker
            .swarm_init(&init_body(SwarmSpec::default()))
            .await
            .unwrap_err();
        assert_eq!(init_again.status(), Some(503), "{init_again}");
        let swarm = docker.swarm_inspect().await.unwrap();
        let tokens = swarm
            .join_tokens
            .clone()
            .expect("a manager sees the tokens");
        let join_again = docker
            .swarm_join(&SwarmJoinBody {
                listen_addr: Some(swarm_addr()),
                advertise_addr: None,
                remote_addrs: vec![swarm_addr()],
                join_token: tokens.worker.clone().unwrap(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(join_again.status(), Some(503), "{join_again}");

        let version = swarm.version.and_then(|v| v.index).expect("swarm version");
        let mut spec = for_this_version(swarm.spec.expect("swarm spec"));
        spec.labels = Some([("drapi".to_string(), "yes".to_string())].into());
        docker
            .swarm_update(version as i64, &spec)
            .rotate_worker_token(true)
            .await
            .unwrap();
        let updated = docker.swarm_inspect().await.unwrap();
        assert_eq!(
            updated
                .spec
                .and_then(|s| s.labels)
                .and_then(|l| l.get("drapi").cloned())
                .as_deref(),
            Some("yes")
        );
        let rotated = updated.join_tokens.unwrap();
        assert_ne!(rotated.worker, tokens.worker, "the worker token is rotated");
        assert_eq!(rotated.manager, tokens.manager, "the manager token is kept");

        let nodes = docker.node_list().await.unwrap();
        assert_eq!(nodes.len(), 1, "{nodes:?}");
        let node = docker.node_inspect(&node_id).await.unwrap();
        assert_eq!(node.id.as_deref(), Some(node_id.as_str()));
        assert_eq!(
            node.manager_status.as_ref().and_then(|m| m.leader),
            Some(true)
        );

        // `Name` and `Labels` sit at the top of the node spec, there is no
        // `Annotations` (erratum `node-spec-annotations-inline`).
        let mut node_spec = node.spec.clone().expect("node spec");
        node_spec.name = Some("drapi-node".into());
        node_spec.labels = Some([("role".to_string(), "test".to_string())].into());
        let node_version = node.version.and_then(|v| v.index).expect("node version");
        docker
            .node_update(&node_id, node_version as i64, &node_spec)
            .await
            .unwrap();
        let node = docker.node_inspect(&node_id).await.unwrap();
        let spec = node.spec.clone().unwrap();
        assert_eq!(spec.name.as_deref(), Some("drapi-node"));
        assert_eq!(
            spec.labels
                .unwrap_or_default()
                .get("role")
                .map(String::as_str),
            Some("test")
        );
        let node_version = node.version.and_then(|v| v.index).unwrap();
        let (status, message) = raw_request(
            "POST",
            &format!("/nodes/{node_id}/update?version={node_version}"),
            Some(json!({
                "Annotations": {"Name": "annotated", "Labels": {"via": "annotations"}},
                "Role": "manager",
                "Availability": "active",
            })),
        )
        .await;
        assert_eq!(status, 200, "{message}");
        let spec = docker.node_inspect(&node_id).await.unwrap().spec.unwrap();
        assert_eq!(spec.name, None, "`Annotations` is not read: {spec:?}");
        assert!(
            spec.labels.unwrap_or_default().is_empty(),
            "`Annotations` is not read"
        );

        let name = unique("svc");
        let created = docker
            .service_create(&service_spec(&name, &image, 1))
            .registry_auth(registry_auth())
            .await
            .unwrap();
        let service_id = created.id.expect("service id");
        let services = docker
            .service_list()
            .filters(ServiceListFilters {
                name: Some(vec![name.clone()]),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(services.len(), 1, "{services:?}");
        assert_eq!(services[0].id.as_deref(), Some(service_id.as_str()));
        let service = docker.service_inspect(&service_id).await.unwrap();
        let svc_version = service
            .version
            .and_then(|v| v.index)
            .expect("service version");
        let mut new_spec = service_for_this_version(service.spec.expect("service spec"));
        new_spec.labels = Some([("updated".to_string(), "1".to_string())].into());
        docker
            .service_update(&service_id, svc_version as i64, &new_spec)
            .registry_auth(registry_auth())
            .await
            .unwrap();
        let service = docker.service_inspect(&name).await.unwrap();
        assert_eq!(
            service
                .spec
                .and_then(|s| s.labels)
                .unwrap_or_default()
                .get("updated")
                .map(String::as_str),
            Some("1")
        );

        let filters = TaskListFilters {
            service: Some(vec![service_id.clone()]),
            ..Default::default()
        };
        let mut task = None;
        for _ in 0..150 {
            let tasks = docker.task_list().filters(filters.clone()).await.unwrap();
            let running = tasks.into_iter().find(|t| {
                t.status.as_ref().and_then(|s| s.state.clone()) == Some(TaskState::Running)
            });
            if running.is_some() {
                task = running;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let task_id = task
            .and_then(|t| t.id)
            .expect("the service's task runs within 30s");
        let task = docker.task_inspect(&task_id).await.unwrap();
        assert_eq!(task.service_id.as_deref(), Some(service_id.as_str()));
        assert_eq!(task.node_id.as_deref(), Some(node_id.as_str()));
        assert_eq!(task.desired_state, Some(TaskState::Running));

        docker.service_delete(&service_id).await.unwrap();
        assert!(docker
            .service_inspect(&service_id)
            .await
            .unwrap_err()
            .is_not_found());

        // The only manager cannot remove itself: 400, a status the doc does not
        // list (erratum `node-delete-manager-400`), with or without `force`.
        for force in [false, true] {
            let err = docker.node_delete(&node_id).force(force).await.unwrap_err();
            assert_eq!(err.status(), Some(400), "force={force}: {err}");
        }
    })
    .await;
}

fn external_ca(url: &str) -> SwarmCaConfig {
    SwarmCaConfig {
        external_cas: Some(vec![SwarmExternalCa {
            protocol: Some(SwarmExternalCaProtocol::Cfssl),
            url: Some(url.into()),
            options: None,
            ..Default::default()
        }]),
        ..Default::default()
    }
}

fn external_ca_urls(swarm: &Swarm) -> Vec<String> {
    swarm
        .spec
        .as_ref()
        .and_then(|s| s.ca_config.as_ref())
        .and_then(|c| c.external_cas.clone())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|ca| ca.url)
        .collect()
}

/// The swarm spec's keys as the daemon reads them: `ExternalCAs`, a list, in
/// init and update (erratums `swarm-init-external-cas-key`,
/// `swarm-update-external-cas-key`), and no `JoinTokens` in an update body
/// (erratum `swarm-update-join-tokens-in-body`). The CA addresses are never
/// dialled: the swarm signs its only node's certificate itself at init.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn swarm_spec_keys() {
    let first = "https://127.0.0.1:1/drapi-ca-init";
    let second = "https://127.0.0.1:1/drapi-ca-update";
    let spec = SwarmSpec {
        ca_config: Some(external_ca(first)),
        ..Default::default()
    };
    in_swarm(spec, move |_| async move {
        let docker = docker();
        let swarm = docker.swarm_inspect().await.unwrap();
        assert_eq!(external_ca_urls(&swarm), [first], "{swarm:?}");

        let version = swarm.version.and_then(|v| v.index).unwrap();
        let mut spec = for_this_version(swarm.spec.clone().unwrap());
        spec.ca_config = Some(external_ca(second));
        docker.swarm_update(version as i64, &spec).await.unwrap();
        let swarm = docker.swarm_inspect().await.unwrap();
        assert_eq!(external_ca_urls(&swarm), [second], "{swarm:?}");

        // The doc's `JoinTokens` in the body change nothing; the rest of the body is read.
        let tokens = swarm.join_tokens.clone().unwrap();
        let version = swarm.version.and_then(|v| v.index).unwrap();
        let mut body = serde_json::to_value(swarm.spec.as_ref().unwrap()).unwrap();
        body["Labels"] = json!({"raw": "yes"});
        body["JoinTokens"] = json!({
            "Worker": "SWMTKN-1-drapi-worker",
            "Manager": "SWMTKN-1-drapi-manager",
        });
        let (status, message) = raw_request(
            "POST",
            &format!("/swarm/update?version={version}"),
            Some(body),
        )
        .await;
        assert_eq!(status, 200, "{message}");
        let swarm = docker.swarm_inspect().await.unwrap();
        assert_eq!(
            swarm
                .spec
                .as_ref()
                .and_then(|s| s.labels.clone())
                .unwrap_or_default()
                .get("raw")
                .map(String::as_str),
            Some("yes"),
            "the body is read"
        );
        assert_eq!(swarm.join_tokens, Some(tokens), "the tokens are untouched");
    })
    .await;
}

fn resources(nano_cpus: i64, memory_bytes: i64) -> TaskResourceObject {
    TaskResourceObject {
        nano_cpus: Some(nano_cpus),
        memory_bytes: Some(memory_bytes),
        ..Default::default()
    }
}

fn service_resources(service: &Service) -> TaskResources {
    service
        .spec
        .as_ref()
        .and_then(|s| s.task_template.as_ref())
        .and_then(|t| t.resources.clone())
        .unwrap_or_default()
}

/// The service spec's keys as the daemon reads them. With no replicas the
/// services start no task: only the specs are looked at.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn service_spec_keys() {
    let image = service_image().await;
    in_swarm(SwarmSpec::default(), |_| async move {
        let docker = docker();
        let auth = registry_auth();
        let limits = resources(100_000_000, 64 << 20);
        let reserved = resources(1_000_000, 4 << 20);

        // `Reservations` is kept (erratum `service-create-reservation-key`) ...
        let name = unique("svc-res");
        let mut spec = service_spec(&name, &image, 0);
        spec.task_template.as_mut().unwrap().resources = Some(TaskResources {
            limits: Some(limits.clone()),
            reservations: Some(reserved.clone()),
        });
        let id = docker
            .service_create(&spec)
            .registry_auth(auth.clone())
            .await
            .unwrap()
            .id
            .unwrap();
        let service = docker.service_inspect(&id).await.unwrap();
        assert_eq!(
            service_resources(&service),
            TaskResources {
                limits: Some(limits.clone()),
                reservations: Some(reserved.clone()),
            }
        );
        // ... and the mode is an object (erratum `service-spec-mode-object`).
        assert_eq!(service.spec.as_ref().unwrap().mode, Some(replicas(0)));

        // ... while the doc's `Reservation` is dropped without a word.
        let doc_name = unique("svc-doc-res");
        let (status, message) = raw_request(
            "POST",
            "/services/create",
            Some(json!({
                "Name": doc_name,
                "TaskTemplate": {
                    "ContainerSpec": {"Image": image, "Args": ["sleep", "300"]},
                    "Resources": {"Reservation": {"NanoCPUs": 1_000_000, "MemoryBytes": 4 << 20}},
                },
                "Mode": {"Replicated": {"Replicas": 0}},
            })),
        )
        .await;
        assert_eq!(status, 201, "{message}");
        let doc_service = docker.service_inspect(&doc_name).await.unwrap();
        let dropped = service_resources(&doc_service);
        assert_eq!(
            dropped.reservations.unwrap_or_default(),
            TaskResourceObject::default(),
            "`Reservation` is not read"
        );
        docker.service_delete(&doc_name).await.unwrap();

        // The doc's `CPU`, `Memory` and `Reservation` in an update are ignored
        // (erratum `service-update-resource-keys`): the update leaves no resources.
        let version = service.version.and_then(|v| v.index).unwrap();
        let (status, message) = raw_request(
            "POST",
            &format!("/services/{id}/update?version={version}"),
            Some(json!({
                "Name": name,
                "TaskTemplate": {
                    "ContainerSpec": {"Image": image, "Args": ["sleep", "300"]},
                    "Resources": {
                        "Limits": {"CPU": 200_000_000, "Memory": 32 << 20},
                        "Reservation": {"NanoCPUs": 2_000_000, "MemoryBytes": 8 << 20},
                    },
                },
                "Mode": {"Replicated": {"Replicas": 0}},
            })),
        )
        .await;
        assert_eq!(status, 200, "{message}");
        let service = docker.service_inspect(&id).await.unwrap();
        let ignored = service_resources(&service);
        assert_eq!(
            ignored.limits.unwrap_or_default(),
            TaskResourceObject::default(),
            "`CPU` and `Memory` are not read"
        );
        assert_eq!(
            ignored.reservations.unwrap_or_default(),
            TaskResourceObject::default(),
            "`Reservation` is not read"
        );
        // `NanoCPUs`, `MemoryBytes` and `Reservations` are.
        let version = service.version.and_then(|v| v.index).unwrap();
        let updated_limits = resources(200_000_000, 32 << 20);
        let updated_reserved = resources(2_000_000, 8 << 20);
        spec.task_template.as_mut().unwrap().resources = Some(TaskResources {
            limits: Some(updated_limits.clone()),
            reservations: Some(updated_reserved.clone()),
        });
        docker
            .service_update(&id, version as i64, &spec)
            .registry_auth(auth.clone())
            .await
            .unwrap();
        let service = docker.service_inspect(&id).await.unwrap();
        assert_eq!(
            service_resources(&service),
            TaskResources {
                limits: Some(updated_limits),
                reservations: Some(updated_reserved),
            }
        );
        docker.service_delete(&id).await.unwrap();

        // `Mode` as the doc's string is refused (erratum `service-spec-mode-object`).
        let (status, message) = raw_request(
            "POST",
            "/services/create",
            Some(json!({
                "Name": unique("svc-mode"),
                "TaskTemplate": {"ContainerSpec": {"Image": image}},
                "Mode": "replicated",
            })),
        )
        .await;
        assert_eq!(status, 400, "{message}");
        assert!(message.contains("ServiceSpec.Mode"), "{message}");

        // `Networks` holds objects naming the network in `Target`, not names
        // (erratum `service-spec-networks-objects`).
        let network = unique("overlay");
        let network_id = docker
            .network_create(&NetworkCreateBody {
                name: network.clone(),
                driver: Some("overlay".into()),
                check_duplicate: Some(true),
                ..Default::default()
            })
            .await
            .unwrap()
            .id
            .expect("network id");
        let (status, message) = raw_request(
            "POST",
            "/services/create",
            Some(json!({
                "Name": unique("svc-net-names"),
                "TaskTemplate": {"ContainerSpec": {"Image": image}},
                "Mode": {"Replicated": {"Replicas": 0}},
                "Networks": [network],
            })),
        )
        .await;
        assert_eq!(status, 400, "{message}");
        assert!(message.contains("ServiceSpec.Networks"), "{message}");
        let net_name = unique("svc-net");
        let mut spec = service_spec(&net_name, &image, 0);
        spec.networks = Some(vec![NetworkAttachmentConfig {
            target: Some(network.clone()),
            aliases: Some(vec!["drapi-alias".into()]),
            ..Default::default()
        }]);
        let net_id = docker
            .service_create(&spec)
            .registry_auth(auth.clone())
            .await
            .unwrap()
            .id
            .unwrap();
        let service = docker.service_inspect(&net_id).await.unwrap();
        assert_eq!(
            service.spec.and_then(|s| s.networks),
            Some(vec![NetworkAttachmentConfig {
                target: Some(network_id.clone()),
                aliases: Some(vec!["drapi-alias".into()]),
                ..Default::default()
            }]),
            "the daemon resolves the name to the network's ID"
        );
        docker.service_delete(&net_id).await.unwrap();
        docker.network_delete(&network_id).await.unwrap();
    })
    .await;
}
