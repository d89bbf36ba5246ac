//! Swarm, nodes, services, tasks, secrets and configs from API 1.25 to 1.41
//! against the test daemon: what the spec added for those versions, and
//! where the daemon differs from Docker's swagger files, the version history
//! or the v1.24 doc (each test names its errata).
//!
//! Each test that needs a swarm makes the daemon the only node of a new one,
//! on loopback, and leaves it at the end, also when the test fails. The
//! daemon has one swarm state, so the tests of this file take turns. Clients
//! and raw requests name their API version, so both live passes (1.24 and
//! 1.41) check the same thing.

mod common;

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use common::*;
use docker_remote_api::prelude::*;
use serde_json::{json, Value};
use tokio::sync::{Mutex, OnceCell};

/// One swarm state per daemon: the tests of this file hold this while they use it.
static SWARM: Mutex<()> = Mutex::const_new(());

/// A client of the test daemon speaking `version`, whatever the pass.
fn docker_at(version: &str) -> Docker {
    let docker = docker();
    docker
        .set_api_version(version)
        .expect("a known API version");
    docker
}

/// One request at `/v{version}{path}` (see [`raw_exchange`]), for what the
/// typed client cannot send or cannot show (keys the spec leaves out, whole
/// answer bodies, upgrade headers). With `whole` false the body is not read
/// (a followed log stream never ends).
async fn raw_with(
    method: &str,
    version: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
    whole: bool,
) -> RawAnswer {
    let uri = format!("/v{version}{path}");
    let headers: Vec<(&str, String)> = headers.iter().map(|(n, v)| (*n, v.to_string())).collect();
    let body = body.map(json_body);
    if whole {
        return raw_exchange(method, &uri, &headers, body).await;
    }
    let response = raw_response(method, &uri, &headers, body).await;
    RawAnswer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: Vec::new(),
    }
}

async fn raw(method: &str, version: &str, path: &str, body: Option<Value>) -> RawAnswer {
    raw_with(method, version, path, body, &[], true).await
}

/// `filters=` of a query, URL-encoded.
fn filters_query(filters: Value) -> String {
    let text = filters.to_string();
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    format!("filters={out}")
}

/// The keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

fn init_body(spec: SwarmSpec) -> SwarmInitBody {
    SwarmInitBody {
        listen_addr: Some(swarm_addr()),
        advertise_addr: Some(swarm_addr()),
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
    let docker = docker_at("1.41");
    let node_id = docker
        .swarm_init(&init_body(spec))
        .await
        .expect("the daemon starts a swarm");
    let outcome = tokio::spawn(body(node_id)).await;
    // Let the node finish writing its state (a rotated key, say): leaving
    // while it writes fails half-way and leaves a swarm directory behind
    // that a later `swarm_init` of dockerd 20.10 crashes on.
    tokio::time::sleep(Duration::from_secs(2)).await;
    docker.swarm_leave().force(true).await.expect(
        "the daemon leaves the swarm (if it failed half-way, remove the `swarm` \
         directory of the daemon's data root before initializing a swarm again)",
    );
    // The gateway bridge of the tasks' containers outlives the swarm.
    let _ = docker.network_delete("docker_gwbridge").await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    let after = docker.swarm_inspect().await.unwrap_err();
    assert_eq!(after.status(), Some(503), "no swarm after leaving: {after}");
}

/// The base image in the local registry, so that the tasks' pulls stay on loopback.
async fn service_image() -> String {
    static PUSHED: OnceCell<String> = OnceCell::const_new();
    PUSHED
        .get_or_init(|| async {
            busybox().await;
            let docker = docker_at("1.41");
            let repo = format!("{}/drapi-v141-swarm-busybox", registry());
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

/// An image the local registry does not have: services of it never run, and
/// resolving it (which the daemon does below API 1.30) fails on loopback.
fn missing_image() -> String {
    format!("{}/drapi-v141-swarm-missing:latest", registry())
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

/// The tasks of a service, polled until one is running (30 s at most).
async fn running_task(docker: &Docker, service_id: &str) -> Task {
    let filters = TaskListFilters {
        service: Some(vec![service_id.to_string()]),
        ..Default::default()
    };
    for _ in 0..150 {
        let tasks = docker.task_list().filters(filters.clone()).await.unwrap();
        if let Some(task) = tasks
            .into_iter()
            .find(|t| t.status.as_ref().and_then(|s| s.state.clone()) == Some(TaskState::Running))
        {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no task of {service_id} runs within 30s");
}

/// Splits a multiplexed log body into (stream, payload) frames; `None` when
/// the bytes are not frames.
fn frames(mut bytes: &[u8]) -> Option<Vec<(u8, String)>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 8 || !matches!(bytes[0], 0..=2) || bytes[1..4] != [0, 0, 0] {
            return None;
        }
        let len = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        if bytes.len() < 8 + len {
            return None;
        }
        out.push((
            bytes[0],
            String::from_utf8_lossy(&bytes[8..8 + len]).into_owned(),
        ));
        bytes = &bytes[8 + len..];
    }
    Some(out)
}

/// Outside a swarm the new operations answer 503: not the swagger's 404 for
/// the swarm (erratum `swarm-inspect-never-404`), nor the 406 of the swagger
/// of 1.25 and 1.26 for secrets (erratums `secret-create-not-in-swarm`,
/// `secret-inspect-not-in-swarm`), nor the v1.24 doc's 406 for services and
/// tasks, at any version (erratums `service-*-not-in-swarm-503`,
/// `task-*-not-in-swarm-503`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn outside_a_swarm_new_operations_answer_503() {
    let _turn = SWARM.lock().await;
    let docker = docker_at("1.41");
    let secret = SecretSpec {
        name: Some("drapi-none".into()),
        data: Some("ZHJhcGkgc2VjcmV0".into()),
        ..Default::default()
    };
    let config = ConfigSpec {
        name: Some("drapi-none".into()),
        data: Some("ZHJhcGkgY29uZmln".into()),
        ..Default::default()
    };
    let statuses = [
        ("swarm_inspect", docker.swarm_inspect().await.err()),
        ("swarm_unlock_key", docker.swarm_unlock_key().await.err()),
        (
            "swarm_unlock",
            docker
                .swarm_unlock(&SwarmUnlockBody {
                    unlock_key: "SWMKEY-1-drapi".into(),
                })
                .await
                .err(),
        ),
        ("secret_list", docker.secret_list().await.err()),
        ("secret_create", docker.secret_create(&secret).await.err()),
        (
            "secret_inspect",
            docker.secret_inspect("drapi-none").await.err(),
        ),
        (
            "secret_update",
            docker.secret_update("drapi-none", 1, &secret).await.err(),
        ),
        (
            "secret_delete",
            docker.secret_delete("drapi-none").await.err(),
        ),
        ("config_list", docker.config_list().await.err()),
        ("config_create", docker.config_create(&config).await.err()),
        (
            "config_inspect",
            docker.config_inspect("drapi-none").await.err(),
        ),
        (
            "config_update",
            docker.config_update("drapi-none", 1, &config).await.err(),
        ),
        (
            "config_delete",
            docker.config_delete("drapi-none").await.err(),
        ),
        (
            "service_logs",
            docker.service_logs("drapi-none").stdout(true).await.err(),
        ),
        (
            "task_logs",
            docker.task_logs("drapi-none").stdout(true).await.err(),
        ),
    ];
    for (op, err) in statuses {
        let err = err.unwrap_or_else(|| panic!("{op} fails outside a swarm"));
        assert_eq!(err.status(), Some(503), "{op}: {err}");
    }
    // The swagger's 404 for GET /swarm, from 1.27 on.
    let swarm = raw("GET", "1.27", "/swarm", None).await;
    assert_eq!(swarm.status, 503, "{}", swarm.text());
    // The swagger's 406 for secrets, at 1.25 and 1.26.
    for version in ["1.25", "1.26"] {
        let create = raw(
            "POST",
            version,
            "/secrets/create",
            Some(json!({"Name": "drapi-none", "Data": "ZHJhcGkgc2VjcmV0"})),
        )
        .await;
        assert_eq!(create.status, 503, "{version}: {}", create.text());
        let inspect = raw("GET", version, "/secrets/drapi-none", None).await;
        assert_eq!(inspect.status, 503, "{version}: {}", inspect.text());
    }
    // The v1.24 doc's 406 for services and tasks, at the doc's version and the newest.
    for version in ["1.24", "1.41"] {
        let docker = docker_at(version);
        let spec = service_spec("drapi-none", "busybox", 0);
        let statuses = [
            ("service_list", docker.service_list().await.err()),
            (
                "service_create",
                docker.service_create(&spec).await.map(|_| ()).err(),
            ),
            (
                "service_inspect",
                docker.service_inspect("drapi-none").await.err(),
            ),
            (
                "service_update",
                docker
                    .service_update("drapi-none", 1, &spec)
                    .await
                    .map(|_| ())
                    .err(),
            ),
            (
                "service_delete",
                docker.service_delete("drapi-none").await.err(),
            ),
            ("task_list", docker.task_list().await.err()),
            (
                "task_inspect",
                docker.task_inspect("drapi-none").await.err(),
            ),
        ];
        for (op, err) in statuses {
            let err = err.unwrap_or_else(|| panic!("{op} at {version} fails outside a swarm"));
            assert_eq!(err.status(), Some(503), "{op} at {version}: {err}");
        }
    }
}

/// `RemoteAddrs` is a list at every version; the swagger of 1.25 to 1.38
/// types it as one string, which the daemon refuses (erratum
/// `swarm-join-remote-addrs-string`). Nothing is joined.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn join_takes_remote_addrs_as_a_list() {
    let _turn = SWARM.lock().await;
    let as_string = raw(
        "POST",
        "1.25",
        "/swarm/join",
        Some(json!({
            "ListenAddr": swarm_addr(),
            "RemoteAddrs": swarm_addr(),
            "JoinToken": "SWMTKN-1-drapi",
        })),
    )
    .await;
    assert_eq!(as_string.status, 400, "{}", as_string.text());
    assert!(
        as_string.text().contains("RemoteAddrs"),
        "the string does not decode: {}",
        as_string.text()
    );
    // A list is read: its (empty) address is refused as such.
    let docker = docker_at("1.25");
    let as_list = docker
        .swarm_join(&SwarmJoinBody {
            listen_addr: Some(swarm_addr()),
            remote_addrs: vec![String::new()],
            join_token: "SWMTKN-1-drapi".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(as_list.status(), Some(400), "{as_list}");
    assert!(
        as_list.to_string().contains("invalid remoteAddr"),
        "{as_list}"
    );
    let outside = docker_at("1.41").swarm_inspect().await.unwrap_err();
    assert_eq!(outside.status(), Some(503), "{outside}");
}

/// The unlock key of an auto-locked swarm, its rotation, and unlocking a
/// manager that is not locked: 409, a status the swagger does not list
/// (erratum `swarm-unlock-not-locked-409`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn unlock_key_and_unlock() {
    let spec = SwarmSpec {
        encryption_config: Some(SwarmEncryptionConfig {
            auto_lock_managers: Some(true),
        }),
        ..Default::default()
    };
    in_swarm(spec, |_| async move {
        let docker = docker_at("1.41");
        let swarm = docker.swarm_inspect().await.unwrap();
        assert_eq!(
            swarm
                .spec
                .as_ref()
                .and_then(|s| s.encryption_config.as_ref())
                .and_then(|e| e.auto_lock_managers),
            Some(true),
            "{swarm:?}"
        );
        let key = docker.swarm_unlock_key().await.unwrap().unlock_key.unwrap();
        assert!(key.starts_with("SWMKEY-1-"), "an unlock key");

        let not_locked = docker
            .swarm_unlock(&SwarmUnlockBody {
                unlock_key: key.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(not_locked.status(), Some(409), "{not_locked}");
        assert!(
            not_locked.to_string().contains("not locked"),
            "{not_locked}"
        );

        let version = swarm.version.and_then(|v| v.index).unwrap();
        let mut spec = swarm.spec.clone().unwrap();
        docker
            .swarm_update(version as i64, &spec)
            .rotate_manager_unlock_key(true)
            .await
            .unwrap();
        let rotated = docker.swarm_unlock_key().await.unwrap().unlock_key.unwrap();
        assert!(
            rotated.starts_with("SWMKEY-1-") && rotated != key,
            "rotated"
        );

        // Without auto-lock the key is empty. Each change makes the node
        // re-encrypt its key: give it time before the next one.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let swarm = docker.swarm_inspect().await.unwrap();
        let version = swarm.version.and_then(|v| v.index).unwrap();
        spec.encryption_config = Some(SwarmEncryptionConfig {
            auto_lock_managers: Some(false),
        });
        docker.swarm_update(version as i64, &spec).await.unwrap();
        let none = docker.swarm_unlock_key().await.unwrap().unlock_key;
        assert_eq!(none.unwrap_or_default(), "", "no key without auto-lock");
        tokio::time::sleep(Duration::from_secs(3)).await;
    })
    .await;
}

/// A node's `Description.TLSInfo` is the TLS trust of the swarm, not the
/// swarm spec the swagger of 1.30 and 1.31 describes (erratums
/// `node-list-tls-info-shape`, `node-inspect-tls-info-shape`); the swarm's
/// CA and address settings; demoting the last manager is a 400.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn node_and_swarm_tls_info() {
    in_swarm(SwarmSpec::default(), |node_id| async move {
        let docker = docker_at("1.30");
        let node = docker.node_inspect(&node_id).await.unwrap();
        let tls = node
            .description
            .as_ref()
            .and_then(|d| d.tls_info.clone())
            .expect("the node reports its TLS info");
        let root = tls.trust_root.clone().unwrap();
        assert!(root.starts_with("-----BEGIN CERTIFICATE-----"), "{root}");
        assert!(!tls.cert_issuer_subject.clone().unwrap().is_empty());
        assert!(!tls.cert_issuer_public_key.clone().unwrap().is_empty());
        for version in ["1.30", "1.31"] {
            let inspect = raw("GET", version, &format!("/nodes/{node_id}"), None).await;
            assert_eq!(inspect.status, 200, "{}", inspect.text());
            assert_eq!(
                keys(&inspect.json()["Description"]["TLSInfo"]),
                BTreeSet::from(
                    ["CertIssuerPublicKey", "CertIssuerSubject", "TrustRoot"].map(String::from)
                ),
                "at {version}"
            );
            let list = raw("GET", version, "/nodes", None).await;
            assert_eq!(
                keys(&list.json()[0]["Description"]["TLSInfo"]),
                keys(&inspect.json()["Description"]["TLSInfo"]),
                "at {version}"
            );
        }

        let swarm = docker_at("1.41").swarm_inspect().await.unwrap();
        assert_eq!(
            swarm.tls_info.and_then(|t| t.trust_root),
            Some(root),
            "the node trusts the swarm's root"
        );
        assert_eq!(swarm.root_rotation_in_progress, Some(false));
        assert_eq!(
            swarm.default_addr_pool,
            Some(vec!["10.0.0.0/8".to_string()])
        );
        assert_eq!(swarm.subnet_size, Some(24));
        assert_eq!(swarm.data_path_port, Some(4789));

        // Node labels and the `node.label` filter (1.40).
        let docker = docker_at("1.41");
        let mut spec = node.spec.clone().unwrap();
        spec.labels = Some([("drapi".to_string(), "t4".to_string())].into());
        let version = node.version.and_then(|v| v.index).unwrap();
        docker
            .node_update(&node_id, version as i64, &spec)
            .await
            .unwrap();
        let labelled = |value: &str| NodeListFilters {
            node_label: Some(vec![value.to_string()]),
            ..Default::default()
        };
        let found = docker
            .node_list()
            .filters(labelled("drapi=t4"))
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let none = docker
            .node_list()
            .filters(labelled("drapi=other"))
            .await
            .unwrap();
        assert!(none.is_empty(), "{none:?}");

        // Demoting the only manager: 400 (500 before 1.31).
        let node = docker.node_inspect(&node_id).await.unwrap();
        let version = node.version.and_then(|v| v.index).unwrap();
        let demote = docker
            .node_update(
                &node_id,
                version as i64,
                &NodeSpec {
                    role: Some(NodeRole::Worker),
                    availability: Some(NodeAvailability::Active),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(demote.status(), Some(400), "{demote}");
        assert!(demote.to_string().contains("last manager"), "{demote}");
    })
    .await;
}

/// A filter key the daemon does not know is a 400, which the swagger does
/// not list (erratums `node-list-unknown-filter-400`,
/// `service-list-unknown-filter-400`, `task-list-unknown-filter-400`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn list_filters() {
    in_swarm(SwarmSpec::default(), |_| async move {
        let query = filters_query(json!({"drapi-bogus": ["x"]}));
        for path in ["/nodes", "/services", "/tasks"] {
            let answer = raw("GET", "1.41", &format!("{path}?{query}"), None).await;
            assert_eq!(answer.status, 400, "{path}: {}", answer.text());
            // `Invalid filter` from dockerd 20.10, `invalid filter` from dockerd 28.5.
            assert!(
                answer
                    .text()
                    .contains(per_daemon("Invalid filter", "invalid filter")),
                "{path}: {}",
                answer.text()
            );
        }
    })
    .await;
}

/// The answers of creating and updating a service: `Warnings`, a list (not
/// the swagger's `Warning` string, erratum `service-create-warnings-list`),
/// and an object with `Warnings` for an update, not the image deletion the
/// swagger of 1.25 to 1.27 describes (erratum `service-update-answer-shape`).
/// Below 1.30 the daemon pins the image itself and warns when it cannot.
/// After an update the service has a `PreviousSpec` (erratum
/// `service-previous-spec`), which a rollback returns to.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn create_and_update_answer_warnings() {
    in_swarm(SwarmSpec::default(), |_| async move {
        let missing = missing_image();
        let name = unique("svc-warn");
        let created = docker_at("1.29")
            .service_create(&service_spec(&name, &missing, 0))
            .registry_auth(registry_auth())
            .await
            .unwrap();
        let warnings = created.warnings.clone().unwrap_or_default();
        assert!(
            warnings.iter().any(|w| w.contains("digest")),
            "the daemon could not pin the image: {created:?}"
        );
        let id = created.id.unwrap();

        let raw_name = unique("svc-warn-raw");
        let raw_create = raw(
            "POST",
            "1.29",
            "/services/create",
            Some(json!({
                "Name": raw_name,
                "TaskTemplate": {"ContainerSpec": {"Image": missing}},
                "Mode": {"Replicated": {"Replicas": 0}},
            })),
        )
        .await;
        assert_eq!(raw_create.status, 201, "{}", raw_create.text());
        let answer = raw_create.json();
        assert!(answer["Warnings"].is_array(), "{answer}");
        assert!(answer.get("Warning").is_none(), "{answer}");
        docker_at("1.41").service_delete(&raw_name).await.unwrap();

        // From 1.30 on the daemon does not ask the registry: no warning.
        let quiet_name = unique("svc-quiet");
        let quiet = docker_at("1.30")
            .service_create(&service_spec(&quiet_name, &missing, 0))
            .await
            .unwrap();
        assert_eq!(quiet.warnings, None, "{quiet:?}");
        docker_at("1.41").service_delete(&quiet_name).await.unwrap();

        // An update at 1.25 answers warnings too.
        let docker = docker_at("1.41");
        let service = docker.service_inspect(&id).await.unwrap();
        assert_eq!(service.previous_spec, None, "not updated yet");
        let version = service.version.and_then(|v| v.index).unwrap();
        let mut spec = service_spec(&name, &missing, 0);
        spec.labels = Some([("step".to_string(), "two".to_string())].into());
        let updated = docker_at("1.25")
            .service_update(&id, version as i64, &spec)
            .registry_auth(registry_auth())
            .await
            .unwrap();
        assert!(
            updated
                .warnings
                .unwrap_or_default()
                .iter()
                .any(|w| w.contains("digest")),
            "the update warns too"
        );
        let service = docker.service_inspect(&id).await.unwrap();
        let version = service.version.and_then(|v| v.index).unwrap();
        spec.labels = Some([("step".to_string(), "three".to_string())].into());
        let raw_update = raw(
            "POST",
            "1.25",
            &format!("/services/{id}/update?version={version}"),
            Some(serde_json::to_value(&spec).unwrap()),
        )
        .await;
        assert_eq!(raw_update.status, 200, "{}", raw_update.text());
        let answer = raw_update.json();
        assert_eq!(
            keys(&answer),
            BTreeSet::from(["Warnings".to_string()]),
            "{answer}"
        );

        // The spec before the last update is kept, and a rollback returns to it.
        let service = docker.service_inspect(&id).await.unwrap();
        let previous = service.previous_spec.clone().expect("a previous spec");
        assert_eq!(
            previous
                .labels
                .unwrap_or_default()
                .get("step")
                .map(String::as_str),
            Some("two")
        );
        let inspect = raw("GET", "1.41", &format!("/services/{id}"), None).await;
        assert!(inspect.json().get("PreviousSpec").is_some());
        let version = service.version.and_then(|v| v.index).unwrap();
        docker
            .service_update(&id, version as i64, service.spec.as_ref().unwrap())
            .rollback("previous")
            .await
            .unwrap();
        let service = docker.service_inspect(&id).await.unwrap();
        assert_eq!(
            service
                .spec
                .and_then(|s| s.labels)
                .unwrap_or_default()
                .get("step")
                .map(String::as_str),
            Some("two"),
            "rolled back"
        );
        docker.service_delete(&id).await.unwrap();
    })
    .await;
}

/// The container spec's newer keys by version: a 20.10 daemon drops
/// `Sysctls` below 1.40, and `CapabilityAdd`, `CapabilityDrop`, `Ulimits`
/// and `Limits.Pids` below 1.41; the version history's `CapAdd` and
/// `CapDrop` are not read at all (erratum `container-spec-capability-keys`).
/// Every new field of the spec goes through the daemon and comes back (the
/// health check as `Healthcheck`, erratum `container-spec-healthcheck-key`),
/// and the job modes report their status.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn container_spec_fields_by_version() {
    in_swarm(SwarmSpec::default(), |_| async move {
        let missing = missing_image();
        let docker = docker_at("1.41");
        for version in ["1.39", "1.40", "1.41"] {
            let name = unique("svc-keys");
            let created = raw(
                "POST",
                version,
                "/services/create",
                Some(json!({
                    "Name": name,
                    "TaskTemplate": {
                        "ContainerSpec": {
                            "Image": missing,
                            "Sysctls": {"net.core.somaxconn": "1024"},
                            "CapAdd": ["CAP_NET_ADMIN"],
                            "CapDrop": ["CAP_MKNOD"],
                            "CapabilityAdd": ["CAP_SYS_TIME"],
                            "CapabilityDrop": ["CAP_CHOWN"],
                            "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}],
                        },
                        "Resources": {"Limits": {"Pids": 64}},
                    },
                    "Mode": {"Replicated": {"Replicas": 0}},
                })),
            )
            .await;
            assert_eq!(created.status, 201, "{version}: {}", created.text());
            let inspect = raw("GET", "1.41", &format!("/services/{name}"), None).await;
            let template = &inspect.json()["Spec"]["TaskTemplate"];
            let spec = keys(&template["ContainerSpec"]);
            let has = |key: &str| spec.contains(key);
            assert!(!has("CapAdd") && !has("CapDrop"), "{version}: {template}");
            assert_eq!(has("Sysctls"), version != "1.39", "{version}: {template}");
            for key in ["CapabilityAdd", "CapabilityDrop", "Ulimits"] {
                assert_eq!(has(key), version == "1.41", "{version} {key}: {template}");
            }
            assert_eq!(
                template["Resources"]["Limits"]["Pids"].as_i64(),
                (version == "1.41").then_some(64),
                "{version}: {template}"
            );
            if version == "1.41" {
                assert_eq!(
                    template["ContainerSpec"]["CapabilityAdd"],
                    json!(["CAP_SYS_TIME"])
                );
            }
            docker.service_delete(&name).await.unwrap();
        }

        // The typed client refuses what the version it speaks lacks.
        let mut too_new = service_spec(&unique("svc-too-new"), &missing, 0);
        too_new
            .task_template
            .as_mut()
            .unwrap()
            .container_spec
            .as_mut()
            .unwrap()
            .capability_add = Some(vec!["CAP_SYS_TIME".into()]);
        let refused = docker_at("1.40")
            .service_create(&too_new)
            .await
            .unwrap_err();
        assert!(matches!(refused, Error::Version { .. }), "{refused}");

        // Every field the spec added, through the daemon and back.
        let secret_name = unique("secret-ref");
        let secret_id = docker
            .secret_create(&SecretSpec {
                name: Some(secret_name.clone()),
                data: Some("ZHJhcGkgc2VjcmV0".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .id;
        let config_name = unique("config-ref");
        let config_id = docker
            .config_create(&ConfigSpec {
                name: Some(config_name.clone()),
                data: Some("ZHJhcGkgY29uZmln".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .id;
        let file = |name: &str| ServiceReferenceFile {
            name: Some(name.into()),
            uid: Some("0".into()),
            gid: Some("0".into()),
            mode: Some(0o444),
        };
        let container = ContainerSpec {
            image: Some(missing.clone()),
            hostname: Some("drapi-host".into()),
            groups: Some(vec!["audio".into()]),
            privileges: Some(ServicePrivileges {
                // The daemon sends every label, empty or not.
                selinux_context: Some(ServiceSeLinuxContext {
                    disable: Some(true),
                    user: Some(String::new()),
                    role: Some(String::new()),
                    r#type: Some(String::new()),
                    level: Some(String::new()),
                }),
                ..Default::default()
            }),
            tty: Some(true),
            open_stdin: Some(true),
            read_only: Some(true),
            mounts: Some(vec![ServiceMount {
                target: Some("/scratch".into()),
                r#type: Some(ServiceMountType::Tmpfs),
                tmpfs_options: Some(ServiceMountTmpfsOptions {
                    size_bytes: Some(1 << 20),
                    mode: Some(0o1777),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            stop_signal: Some("SIGUSR1".into()),
            healthcheck: Some(HealthConfig {
                test: Some(vec!["CMD".into(), "true".into()]),
                interval: Some(5_000_000_000),
                start_period: Some(1_000_000_000),
                ..Default::default()
            }),
            hosts: Some(vec!["10.1.2.3 drapi.example".into()]),
            dns_config: Some(ServiceDnsConfig {
                nameservers: Some(vec!["10.1.2.53".into()]),
                search: Some(vec!["example".into()]),
                options: Some(vec!["ndots:2".into()]),
            }),
            secrets: Some(vec![ServiceSecretReference {
                file: Some(file("drapi-secret")),
                secret_id: Some(secret_id.clone()),
                secret_name: Some(secret_name),
            }]),
            configs: Some(vec![ServiceConfigReference {
                file: Some(file("/drapi-config")),
                config_id: Some(config_id.clone()),
                config_name: Some(config_name),
                ..Default::default()
            }]),
            isolation: Some(Isolation::Default),
            init: Some(true),
            sysctls: Some([("net.core.somaxconn".to_string(), "1024".to_string())].into()),
            capability_add: Some(vec!["CAP_SYS_TIME".into()]),
            capability_drop: Some(vec!["CAP_CHOWN".into()]),
            ulimits: Some(vec![Ulimit {
                name: Some("nofile".into()),
                soft: Some(1024),
                hard: Some(2048),
            }]),
            ..Default::default()
        };
        let placement = TaskPlacement {
            constraints: Some(vec!["node.platform.os == linux".into()]),
            preferences: Some(vec![PlacementPreference {
                spread: Some(PlacementSpread {
                    spread_descriptor: Some("node.labels.drapi".into()),
                }),
            }]),
            max_replicas: Some(2),
            platforms: Some(vec![NodePlatform {
                architecture: Some("amd64".into()),
                os: Some("linux".into()),
            }]),
        };
        let update = ServiceUpdateConfig {
            parallelism: Some(2),
            failure_action: Some(UpdateFailureAction::Rollback),
            monitor: Some(3_000_000_000),
            max_failure_ratio: Some(0.25),
            order: Some(UpdateOrder::StartFirst),
            ..Default::default()
        };
        let rollback = ServiceUpdateConfig {
            parallelism: Some(1),
            failure_action: Some(UpdateFailureAction::Continue),
            // The daemon always sends the ratio, 0 or not.
            max_failure_ratio: Some(0.0),
            order: Some(UpdateOrder::StopFirst),
            ..Default::default()
        };
        let endpoint = EndpointSpec {
            mode: Some(EndpointMode::Vip),
            ports: Some(vec![EndpointPortConfig {
                protocol: Some(PortProtocol::Tcp),
                target_port: Some(80),
                published_port: Some(38080),
                publish_mode: Some(EndpointPortPublishMode::Host),
                ..Default::default()
            }]),
        };
        let name = unique("svc-all");
        let spec = ServiceSpec {
            name: Some(name.clone()),
            task_template: Some(TaskSpec {
                container_spec: Some(container.clone()),
                resources: Some(TaskResources {
                    limits: Some(TaskResourceObject {
                        pids: Some(64),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                placement: Some(placement.clone()),
                force_update: Some(3),
                ..Default::default()
            }),
            mode: Some(replicas(0)),
            update_config: Some(update.clone()),
            rollback_config: Some(rollback.clone()),
            endpoint_spec: Some(endpoint.clone()),
            ..Default::default()
        };
        docker.service_create(&spec).await.unwrap();
        let got = docker.service_inspect(&name).await.unwrap().spec.unwrap();
        let template = got.task_template.unwrap();
        let mut back = template.container_spec.unwrap();
        if daemon_release() == "28.5" {
            // dockerd 28.5 answers the 1.44 `NoNewPrivileges` (false) at every version.
            let privileges = back.privileges.as_mut().expect("the privileges sent");
            assert_eq!(privileges.no_new_privileges.take(), Some(false));
        }
        assert_eq!(back, container);
        // The health check comes back as `Healthcheck`, not the swagger's `HealthCheck`.
        let inspect = raw("GET", "1.41", &format!("/services/{name}"), None).await;
        let sent = keys(&inspect.json()["Spec"]["TaskTemplate"]["ContainerSpec"]);
        assert!(
            sent.contains("Healthcheck") && !sent.contains("HealthCheck"),
            "{sent:?}"
        );
        assert_eq!(template.placement, Some(placement));
        assert_eq!(template.force_update, Some(3));
        assert_eq!(template.runtime.as_deref(), Some("container"));
        assert_eq!(
            template
                .resources
                .and_then(|r| r.limits)
                .and_then(|l| l.pids),
            Some(64)
        );
        assert_eq!(got.update_config, Some(update));
        assert_eq!(got.rollback_config, Some(rollback));
        assert_eq!(got.endpoint_spec, Some(endpoint));

        // Defaults filled in on request (1.29).
        let plain = docker.service_inspect(&name).await.unwrap().spec.unwrap();
        assert_eq!(plain.task_template.and_then(|t| t.restart_policy), None);
        let defaults = docker
            .service_inspect(&name)
            .insert_defaults(true)
            .await
            .unwrap()
            .spec
            .unwrap();
        assert!(defaults
            .task_template
            .and_then(|t| t.restart_policy)
            .is_some());
        docker.service_delete(&name).await.unwrap();
        docker.secret_delete(&secret_id).await.unwrap();
        docker.config_delete(&config_id).await.unwrap();

        // The job modes (1.41): their status, and the iteration of their tasks.
        let job = unique("svc-job");
        let mut spec = service_spec(&job, &missing, 0);
        spec.mode = Some(ServiceMode {
            replicated_job: Some(ServiceModeReplicatedJob {
                max_concurrent: Some(1),
                total_completions: Some(1),
            }),
            ..Default::default()
        });
        let job_id = docker.service_create(&spec).await.unwrap().id.unwrap();
        let global = unique("svc-global-job");
        let mut spec = service_spec(&global, &missing, 0);
        spec.mode = Some(ServiceMode {
            global_job: Some(EmptyObject {}),
            ..Default::default()
        });
        docker.service_create(&spec).await.unwrap();
        for name in [&job, &global] {
            let listed = docker
                .service_list()
                .filters(ServiceListFilters {
                    name: Some(vec![name.clone()]),
                    ..Default::default()
                })
                .status(true)
                .await
                .unwrap();
            assert_eq!(listed.len(), 1, "{listed:?}");
            assert!(listed[0].service_status.is_some(), "{listed:?}");
            let status = listed[0].job_status.clone().expect("a job status");
            assert!(status.last_execution.is_some(), "{status:?}");
        }
        let plain = docker.service_list().await.unwrap();
        assert!(
            plain.iter().all(|s| s.service_status.is_none()),
            "only with status=true"
        );
        let mut iteration = None;
        for _ in 0..50 {
            let tasks = docker
                .task_list()
                .filters(TaskListFilters {
                    service: Some(vec![job_id.clone()]),
                    ..Default::default()
                })
                .await
                .unwrap();
            iteration = tasks.into_iter().find_map(|t| t.job_iteration);
            if iteration.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(iteration.is_some(), "the job's task names its iteration");
        docker.service_delete(&job).await.unwrap();
        docker.service_delete(&global).await.unwrap();
    })
    .await;
}

/// Service and task logs: 200 and a stream even when an upgrade is asked,
/// never the swagger's 101 (erratums `service-logs-never-101`,
/// `task-logs-never-101`); framed unless the service's containers have a
/// TTY, which the daemon reads from the service's spec (there is no
/// container to ask), and without a content type that says which (erratum
/// `service-logs-content-type`: none from dockerd 20.10, `raw-stream` for
/// framed output too from dockerd 28.5).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn service_and_task_logs() {
    let image = service_image().await;
    in_swarm(SwarmSpec::default(), |_| async move {
        let docker = docker_at("1.41");
        let upgrade = [("Connection", "Upgrade"), ("Upgrade", "tcp")];

        let framed = unique("svc-logs");
        let mut spec = service_spec(&framed, &image, 1);
        spec.task_template
            .as_mut()
            .unwrap()
            .container_spec
            .as_mut()
            .unwrap()
            .args = Some(vec![
            "sh".into(),
            "-c".into(),
            "echo out; echo err >&2; sleep 300".into(),
        ]);
        let framed_id = docker
            .service_create(&spec)
            .registry_auth(registry_auth())
            .await
            .unwrap()
            .id
            .unwrap();
        let task = running_task(&docker, &framed_id).await;
        let task_id = task.id.unwrap();

        let mut lines = Vec::new();
        for _ in 0..50 {
            let logs = raw_with(
                "GET",
                "1.41",
                &format!("/services/{framed_id}/logs?stdout=1&stderr=1"),
                None,
                &upgrade,
                true,
            )
            .await;
            assert_eq!(logs.status, 200, "{}", logs.text());
            assert_eq!(
                logs.content_type(),
                per_daemon(None, Some("application/vnd.docker.raw-stream")),
                "{:?}",
                logs.headers
            );
            lines = frames(&logs.body).expect("framed output");
            if lines.len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(lines.contains(&(1, "out\n".to_string())), "{lines:?}");
        assert!(lines.contains(&(2, "err\n".to_string())), "{lines:?}");

        // The typed calls frame by the service's and the task's TTY setting.
        let (out, err) = typed_output(docker.service_logs(&framed_id).stdout(true).stderr(true).send()).await;
        assert_eq!((out.as_str(), err.as_str()), ("out\n", "err\n"));
        let (out, _) = typed_output(docker.task_logs(&task_id).stdout(true).send()).await;
        assert_eq!(out, "out\n");

        let task_logs = raw_with(
            "GET",
            "1.41",
            &format!("/tasks/{task_id}/logs?stdout=1&stderr=1&details=1"),
            None,
            &upgrade,
            true,
        )
        .await;
        assert_eq!(task_logs.status, 200, "{}", task_logs.text());
        let task_lines = frames(&task_logs.body).expect("framed output");
        assert!(
            task_lines
                .iter()
                .any(|(s, l)| *s == 1 && l.contains(&format!("com.docker.swarm.task.id={task_id}"))),
            "details name the task: {task_lines:?}"
        );

        // Following: still 200, not 101; the stream is not read to its end.
        for path in [
            format!("/services/{framed_id}/logs?stdout=1&follow=1"),
            format!("/tasks/{task_id}/logs?stdout=1&follow=1"),
        ] {
            let follow = raw_with("GET", "1.41", &path, None, &upgrade, false).await;
            assert_eq!(follow.status, 200, "{path}");
        }
        // No stream asked for: 500.
        let none = raw("GET", "1.41", &format!("/services/{framed_id}/logs"), None).await;
        assert_eq!(none.status, 500, "{}", none.text());

        // A service with a TTY: raw bytes, no frames.
        let tty = unique("svc-tty");
        let mut spec = service_spec(&tty, &image, 1);
        let container = spec
            .task_template
            .as_mut()
            .unwrap()
            .container_spec
            .as_mut()
            .unwrap();
        container.args = Some(vec!["sh".into(), "-c".into(), "echo tty-out; sleep 300".into()]);
        container.tty = Some(true);
        let tty_id = docker
            .service_create(&spec)
            .registry_auth(registry_auth())
            .await
            .unwrap()
            .id
            .unwrap();
        running_task(&docker, &tty_id).await;
        let mut text = String::new();
        for _ in 0..50 {
            let logs = raw(
                "GET",
                "1.41",
                &format!("/services/{tty_id}/logs?stdout=1&stderr=1"),
                None,
            )
            .await;
            assert_eq!(logs.status, 200, "{}", logs.text());
            text = logs.text();
            if text.contains("tty-out") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(text.starts_with("tty-out"), "raw, not framed: {text:?}");
        let (console, _) = typed_output(docker.service_logs(&tty_id).stdout(true).send()).await;
        assert!(console.starts_with("tty-out"), "raw, not framed: {console:?}");

        docker.service_delete(&framed_id).await.unwrap();
        docker.service_delete(&tty_id).await.unwrap();
    })
    .await;
}

/// Everything a typed log call streams, as text: stdout (or the console of a
/// TTY) and stderr.
async fn typed_output(
    call: impl std::future::Future<Output = Result<OutputStream, Error>>,
) -> (String, String) {
    let mut stream = call.await.expect("the logs");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    while let Some(chunk) = stream.next().await {
        match chunk.expect("a chunk") {
            OutputChunk::Stderr(bytes) => err.extend_from_slice(&bytes),
            other => out.extend_from_slice(other.bytes()),
        }
    }
    (
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// Secrets and configs: create, inspect, list, update, remove. The daemon
/// answers `ID` (not the swagger's `Id`, erratums `secret-create-id-key`,
/// `config-create-id-key`), reads `Data` as one base64 string (not the list
/// of strings of the older swaggers, erratums `secret-create-data-string`,
/// `config-create-data-string`), sends a secret's spec without service keys
/// at 1.25 (erratums `secret-list-spec-shape`, `secret-inspect-spec-shape`),
/// refuses to remove one a service uses with 400 (erratums
/// `secret-delete-in-use-400`, `config-delete-in-use-400`) and refuses an
/// unknown filter with 400 (erratums `secret-list-unknown-filter-400`,
/// `config-list-unknown-filter-400`), the swagger's `names` filter of configs
/// included (erratum `config-list-filter-names`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn secrets_and_configs() {
    in_swarm(SwarmSpec::default(), |_| async move {
        let docker = docker_at("1.41");
        let bogus = filters_query(json!({"drapi-bogus": ["x"]}));

        // Secrets.
        let name = unique("secret");
        let spec = SecretSpec {
            name: Some(name.clone()),
            labels: Some([("drapi".to_string(), "one".to_string())].into()),
            data: Some("ZHJhcGkgc2VjcmV0".into()),
            ..Default::default()
        };
        let id = docker.secret_create(&spec).await.unwrap().id;
        assert!(!id.is_empty());
        let secret = docker.secret_inspect(&name).await.unwrap();
        assert_eq!(secret.id.as_deref(), Some(id.as_str()));
        let got = secret.spec.clone().unwrap();
        assert_eq!(got.name.as_deref(), Some(name.as_str()));
        assert_eq!(got.data, None, "the data is never sent back");
        for version in ["1.25", "1.29"] {
            let inspect = raw("GET", version, &format!("/secrets/{id}"), None).await;
            assert_eq!(inspect.status, 200, "{}", inspect.text());
            let spec_keys = keys(&inspect.json()["Spec"]);
            let allowed: BTreeSet<String> = ["Name", "Labels", "Driver", "Templating"]
                .map(String::from)
                .into();
            assert!(spec_keys.is_subset(&allowed), "{version}: {spec_keys:?}");
            let list = raw("GET", version, "/secrets", None).await;
            assert!(keys(&list.json()[0]["Spec"]).is_subset(&allowed));
        }
        let raw_name = unique("secret-raw");
        let created = raw(
            "POST",
            "1.41",
            "/secrets/create",
            Some(json!({"Name": raw_name, "Data": "ZHJhcGkgc2VjcmV0"})),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        assert_eq!(keys(&created.json()), BTreeSet::from(["ID".to_string()]));
        docker.secret_delete(&raw_name).await.unwrap();
        let listed = docker
            .secret_list()
            .filters(SecretListFilters {
                names: Some(vec![name.clone()]),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        let by_label = docker
            .secret_list()
            .filters(SecretListFilters {
                label: Some(vec!["drapi=one".into()]),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(by_label.len(), 1, "{by_label:?}");
        let unknown = raw("GET", "1.41", &format!("/secrets?{bogus}"), None).await;
        assert_eq!(unknown.status, 400, "{}", unknown.text());

        // `Data` as the older swaggers' list of strings: refused; as bytes: read.
        let as_strings = raw(
            "POST",
            "1.25",
            "/secrets/create",
            Some(json!({"Name": unique("secret-list"), "Data": ["ZHJhcGkgc2VjcmV0"]})),
        )
        .await;
        assert_eq!(as_strings.status, 400, "{}", as_strings.text());
        let bytes_name = unique("secret-bytes");
        let as_bytes = raw(
            "POST",
            "1.25",
            "/secrets/create",
            Some(json!({"Name": bytes_name, "Data": [104, 105]})),
        )
        .await;
        assert_eq!(as_bytes.status, 201, "{}", as_bytes.text());
        docker.secret_delete(&bytes_name).await.unwrap();

        let duplicate = docker.secret_create(&spec).await.unwrap_err();
        assert_eq!(duplicate.status(), Some(409), "{duplicate}");

        // Only the labels change.
        let version = secret.version.and_then(|v| v.index).unwrap();
        let relabelled = SecretSpec {
            name: Some(name.clone()),
            labels: Some([("drapi".to_string(), "two".to_string())].into()),
            ..Default::default()
        };
        docker
            .secret_update(&id, version as i64, &relabelled)
            .await
            .unwrap();
        let secret = docker.secret_inspect(&id).await.unwrap();
        assert_eq!(
            secret
                .spec
                .clone()
                .and_then(|s| s.labels)
                .unwrap_or_default()
                .get("drapi")
                .map(String::as_str),
            Some("two")
        );
        let version = secret.version.and_then(|v| v.index).unwrap();
        let new_data = SecretSpec {
            data: Some("ZHJhcGkgY2hhbmdlZA==".into()),
            ..relabelled.clone()
        };
        let refused = docker
            .secret_update(&id, version as i64, &new_data)
            .await
            .unwrap_err();
        assert_eq!(refused.status(), Some(400), "{refused}");

        // Configs, with their data and templating.
        let config_name = unique("config");
        let config_spec = ConfigSpec {
            name: Some(config_name.clone()),
            data: Some("cG9ydCA9IHt7IGVudiAiUE9SVCIgfX0K".into()),
            templating: Some(SwarmDriver {
                name: "golang".into(),
                options: None,
            }),
            ..Default::default()
        };
        let config_id = docker.config_create(&config_spec).await.unwrap().id;
        let config = docker.config_inspect(&config_name).await.unwrap();
        assert_eq!(config.id.as_deref(), Some(config_id.as_str()));
        let got = config.spec.clone().unwrap();
        assert_eq!(got.data, config_spec.data, "a config's data comes back");
        assert_eq!(got.templating.map(|t| t.name).as_deref(), Some("golang"));
        let listed = docker
            .config_list()
            .filters(ConfigListFilters {
                name: Some(vec![config_name.clone()]),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        // The swagger's `names` filter is refused.
        let names = filters_query(json!({"names": [config_name]}));
        let unknown = raw("GET", "1.41", &format!("/configs?{names}"), None).await;
        assert_eq!(unknown.status, 400, "{}", unknown.text());
        let unknown = raw("GET", "1.41", &format!("/configs?{bogus}"), None).await;
        assert_eq!(unknown.status, 400, "{}", unknown.text());
        let raw_config = unique("config-raw");
        let created = raw(
            "POST",
            "1.41",
            "/configs/create",
            Some(json!({"Name": raw_config, "Data": "ZHJhcGkgY29uZmln"})),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text());
        assert_eq!(keys(&created.json()), BTreeSet::from(["ID".to_string()]));
        docker.config_delete(&raw_config).await.unwrap();
        let as_strings = raw(
            "POST",
            "1.30",
            "/configs/create",
            Some(json!({"Name": unique("config-list"), "Data": ["ZHJhcGkgY29uZmln"]})),
        )
        .await;
        assert_eq!(as_strings.status, 400, "{}", as_strings.text());
        let duplicate = docker.config_create(&config_spec).await.unwrap_err();
        assert_eq!(duplicate.status(), Some(409), "{duplicate}");
        let version = config.version.and_then(|v| v.index).unwrap();
        let relabelled = ConfigSpec {
            labels: Some([("drapi".to_string(), "two".to_string())].into()),
            ..config_spec.clone()
        };
        docker
            .config_update(&config_id, version as i64, &relabelled)
            .await
            .unwrap();
        let config = docker.config_inspect(&config_id).await.unwrap();
        let version = config.version.and_then(|v| v.index).unwrap();
        let new_data = ConfigSpec {
            data: Some("ZHJhcGkgY2hhbmdlZA==".into()),
            ..relabelled.clone()
        };
        let refused = docker
            .config_update(&config_id, version as i64, &new_data)
            .await
            .unwrap_err();
        assert_eq!(refused.status(), Some(400), "{refused}");

        // Neither goes while a service uses it.
        let file = |name: &str| ServiceReferenceFile {
            name: Some(name.into()),
            uid: Some("0".into()),
            gid: Some("0".into()),
            mode: Some(0o444),
        };
        let service = unique("svc-uses");
        let mut spec = service_spec(&service, &missing_image(), 0);
        let container = spec
            .task_template
            .as_mut()
            .unwrap()
            .container_spec
            .as_mut()
            .unwrap();
        container.secrets = Some(vec![ServiceSecretReference {
            file: Some(file("drapi-secret")),
            secret_id: Some(id.clone()),
            secret_name: Some(name.clone()),
        }]);
        container.configs = Some(vec![ServiceConfigReference {
            file: Some(file("/drapi-config")),
            config_id: Some(config_id.clone()),
            config_name: Some(config_name.clone()),
            ..Default::default()
        }]);
        docker.service_create(&spec).await.unwrap();
        let in_use = docker.secret_delete(&id).await.unwrap_err();
        assert_eq!(in_use.status(), Some(400), "{in_use}");
        let in_use = docker.config_delete(&config_id).await.unwrap_err();
        assert_eq!(in_use.status(), Some(400), "{in_use}");
        docker.service_delete(&service).await.unwrap();

        docker.secret_delete(&id).await.unwrap();
        docker.config_delete(&config_id).await.unwrap();
        for err in [
            docker.secret_delete(&id).await.unwrap_err(),
            docker.config_delete(&config_id).await.unwrap_err(),
            docker.secret_inspect(&id).await.unwrap_err(),
            docker.config_inspect(&config_id).await.unwrap_err(),
        ] {
            assert!(err.is_not_found(), "{err}");
        }
    })
    .await;
}
