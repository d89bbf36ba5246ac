//! Containers and exec from API 1.25 to 1.41 against the test daemon: what
//! the spec added for those versions, and where the daemon differs from
//! Docker's swagger files or from the v1.24 doc (each test names its errata).
//!
//! Tests about one version pin their client to it (`docker_at`) and raw
//! requests name it in the path, so both live passes (1.24 and 1.41) check the
//! same thing; tests of v1.24 errata speak the pass's own version.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use docker_remote_api::prelude::*;
use serde_json::{json, Value};

/// A client of the test daemon speaking `version`, whatever the pass.
fn docker_at(version: &str) -> Docker {
    let docker = docker();
    docker
        .set_api_version(version)
        .expect("a known API version");
    docker
}

/// The API version of this pass, as text (`1.24`, `1.41`).
fn pass_version() -> String {
    docker().api_version()
}

/// One request at `/v{version}{path}` (see [`raw_exchange`]), for what the
/// typed client cannot send or cannot show (keys the spec leaves out, whole
/// answer bodies): the status and the body text.
async fn raw(method: &str, version: &str, path: &str, body: Option<Value>) -> (u16, String) {
    let uri = format!("/v{version}{path}");
    let answer = raw_exchange(method, &uri, &[], body.map(json_body)).await;
    (answer.status, answer.text())
}

/// `raw`, expecting `want` and a JSON answer.
async fn raw_json(
    method: &str,
    version: &str,
    path: &str,
    body: Option<Value>,
    want: u16,
) -> Value {
    let (status, text) = raw(method, version, path, body).await;
    assert_eq!(status, want, "{method} /v{version}{path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

/// A raw creation body: busybox running `cmd` without network, plus `extra` keys.
fn raw_body(cmd: &[&str], extra: Value) -> Value {
    let mut body = json!({
        "Image": BUSYBOX,
        "Cmd": cmd,
        "HostConfig": { "NetworkMode": "none" },
    });
    merge(&mut body, extra);
    body
}

/// Merges `extra` into `into`, objects key by key.
fn merge(into: &mut Value, extra: Value) {
    match (into, extra) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Creates a container from a raw body at `version` and answers its ID.
async fn raw_create(version: &str, body: Value) -> String {
    busybox().await;
    let name = unique("v141");
    let created = raw_json(
        "POST",
        version,
        &format!("/containers/create?name={name}"),
        Some(body),
        201,
    )
    .await;
    created["Id"].as_str().expect("an Id").to_string()
}

/// The whole inspect answer of a container at `version`.
async fn raw_inspect(version: &str, id: &str) -> Value {
    raw_json("GET", version, &format!("/containers/{id}/json"), None, 200).await
}

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

/// Erratum `container-list-since-before-ignored`: the `since` and `before`
/// query parameters of the v1.24 doc select nothing on either daemon, at any
/// version it speaks; the filters of the same names do.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn list_ignores_since_and_before_parameters() {
    let label = unique("list");
    let id = raw_create(
        "1.41",
        raw_body(&["true"], json!({ "Labels": { "drapi.v141.list": label } })),
    )
    .await;
    let only_ours = filters(json!({ "label": [format!("drapi.v141.list={label}")] }));
    for version in ["1.18", "1.24", pass_version().as_str()] {
        // Honoured, `before` an unknown container would fail and `since` the
        // container itself would leave it out.
        for query in ["before=drapi-no-such-container", &format!("since={id}")] {
            let path = format!("/containers/json?all=1&{query}&filters={only_ours}");
            if !daemon_speaks(version) {
                // dockerd 28.5 serves no version below 1.24.
                let (status, text) = raw("GET", version, &path, None).await;
                assert_too_old(status, &text, version);
                continue;
            }
            let listed = raw_json("GET", version, &path, None, 200).await;
            let ids: Vec<&str> = listed
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["Id"].as_str())
                .collect();
            assert_eq!(ids, vec![id.as_str()], "v{version} with {query}");
        }
    }
    // The `before` filter is honoured: an unknown container is an error.
    let (status, text) = raw(
        "GET",
        "1.41",
        &format!(
            "/containers/json?all=1&filters={}",
            filters(json!({ "before": ["drapi-no-such-container"] }))
        ),
        None,
    )
    .await;
    assert!(
        status >= 400,
        "the before filter is checked: {status} {text}"
    );
    remove(&docker(), &id).await;
}

/// Errata `container-create-volumes-additional-properties` and
/// `container-inspect-volumes-additional-properties`: `Volumes` maps paths to
/// empty objects; there is no `additionalProperties` key.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn volumes_map_paths_to_empty_objects() {
    let docker = docker();
    let mut body = config(&["true"]);
    body.volumes = Some(BTreeMap::from([("/data".to_string(), EmptyObject {})]));
    let id = create(&docker, &body).await;
    let inspected = raw_inspect(&pass_version(), &id).await;
    assert_eq!(inspected["Config"]["Volumes"], json!({ "/data": {} }));
    assert!(!inspected.to_string().contains("additionalProperties"));
    let typed = docker.container_inspect(&id).await.unwrap();
    let volumes = typed.config.and_then(|c| c.volumes).unwrap_or_default();
    assert_eq!(volumes.keys().collect::<Vec<_>>(), vec!["/data"]);
    remove(&docker, &id).await;
}

/// Errata `container-create-nanocpus-spelling` and
/// `container-inspect-nanocpus-spelling`: the key is `NanoCpus`; the v1.27
/// swagger's `NanoCPUs` is taken in a request (Go decodes keys without case)
/// but never answered.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn nano_cpus_is_spelled_nano_cpus() {
    let id = raw_create(
        "1.27",
        raw_body(
            &["true"],
            json!({ "HostConfig": { "NanoCPUs": 500_000_000 } }),
        ),
    )
    .await;
    for version in ["1.27", "1.41"] {
        let inspected = raw_inspect(version, &id).await;
        let host = inspected["HostConfig"].as_object().unwrap();
        assert_eq!(
            host.get("NanoCpus"),
            Some(&json!(500_000_000)),
            "v{version}"
        );
        assert!(!host.contains_key("NanoCPUs"), "v{version}");
    }
    let typed = docker_at("1.41").container_inspect(&id).await.unwrap();
    assert_eq!(
        typed.host_config.and_then(|h| h.nano_cpus),
        Some(500_000_000)
    );
    remove(&docker(), &id).await;
}

/// Errata `container-inspect-node`, `container-inspect-network-config` and
/// `container-inspect-exec-ids-list`: no `Node`, network settings without
/// `Address`/`PortMapping` and with `Ports` as an object, `ExecIDs` a list.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn inspect_answer_keys_differ_from_the_swagger() {
    let docker = docker_at("1.41");
    let id = create(&docker, &config(&["sleep", "60"])).await;
    docker.container_start(&id).await.unwrap();
    for version in ["1.25", "1.31", "1.38"] {
        let inspected = raw_inspect(version, &id).await;
        assert!(inspected.get("Node").is_none(), "v{version}: no Node");
        let network = inspected["NetworkSettings"].as_object().unwrap();
        assert!(network.contains_key("IPAddress"), "v{version}: {network:?}");
        assert!(!network.contains_key("Address") && !network.contains_key("PortMapping"));
        assert!(
            network["Ports"].is_object(),
            "v{version}: {:?}",
            network["Ports"]
        );
        assert_eq!(inspected["ExecIDs"], Value::Null, "no exec instance yet");
    }
    let exec = docker
        .exec_create(
            &id,
            &ExecCreateBody {
                cmd: Some(vec!["true".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let inspected = raw_inspect("1.37", &id).await;
    assert_eq!(inspected["ExecIDs"], json!([exec.id]));
    let typed = docker.container_inspect(&id).await.unwrap();
    assert_eq!(typed.exec_ids, Some(vec![exec.id.clone()]));
    remove(&docker, &id).await;
}

/// Errata `container-start-304-no-body` and `container-stop-304-no-body`:
/// the 304 answers carry no body.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn already_started_and_stopped_answers_have_no_body() {
    let id = raw_create("1.41", raw_body(&["sleep", "60"], json!({}))).await;
    for version in ["1.25", "1.38", pass_version().as_str()] {
        let start = format!("/containers/{id}/start");
        let stop = format!("/containers/{id}/stop?t=0");
        assert_eq!(raw("POST", version, &start, None).await.0, 204);
        assert_eq!(
            raw("POST", version, &start, None).await,
            (304, String::new())
        );
        assert_eq!(raw("POST", version, &stop, None).await.0, 204);
        assert_eq!(
            raw("POST", version, &stop, None).await,
            (304, String::new())
        );
    }
    let docker = docker();
    docker.container_start(&id).await.unwrap();
    assert!(matches!(
        docker.container_start(&id).await.unwrap(),
        ContainerStartOutcome::AlreadyStarted
    ));
    remove(&docker, &id).await;
}

/// Errata `container-update-resources-ignored` and
/// `container-update-pids-limit-before-1-40`: an update changes only some
/// resources; the others are answered 200 and left alone (the IO maximums are
/// refused on Linux), and `PidsLimit` counts only from 1.40.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn update_applies_only_some_resources() {
    let id = raw_create("1.41", raw_body(&["sleep", "60"], json!({}))).await;
    let update = format!("/containers/{id}/update");
    let ignored = json!({
        "Ulimits": [{ "Name": "nofile", "Soft": 100, "Hard": 200 }],
        "CgroupParent": "drapi-v141",
        "MemorySwappiness": 10,
        "OomKillDisable": true,
        "Devices": [{ "PathOnHost": "/dev/null", "PathInContainer": "/dev/drapi", "CgroupPermissions": "rwm" }],
        "DeviceCgroupRules": ["c 1:3 r"],
        "DeviceRequests": [{ "Driver": "drapi", "Count": 1 }],
        "Init": true,
        "CpuCount": 2,
        "CpuPercent": 50,
        "KernelMemoryTCP": 10_000_000,
        "BlkioWeightDevice": [{ "Path": "/dev/null", "Weight": 100 }],
        "BlkioDeviceReadBps": [{ "Path": "/dev/null", "Rate": 1000 }],
        "DiskQuota": 1000,
    });
    let before = raw_inspect("1.41", &id).await["HostConfig"].clone();
    raw_json("POST", "1.41", &update, Some(ignored.clone()), 200).await;
    let after = raw_inspect("1.41", &id).await["HostConfig"].clone();
    for key in ignored.as_object().unwrap().keys() {
        assert_eq!(after.get(key), before.get(key), "{key} is left as it was");
    }
    for key in ["IOMaximumIOps", "IOMaximumBandwidth"] {
        let (status, text) = raw("POST", "1.41", &update, Some(json!({ key: 5 }))).await;
        assert_eq!(status, 400, "{key}: {text}");
    }

    // PidsLimit: dropped below 1.40, applied from 1.40.
    raw_json(
        "POST",
        "1.39",
        &update,
        Some(json!({ "PidsLimit": 50 })),
        200,
    )
    .await;
    assert_eq!(
        raw_inspect("1.41", &id).await["HostConfig"]["PidsLimit"],
        Value::Null
    );
    let docker = docker_at("1.41");
    let body = ContainerUpdateBody {
        pids_limit: Some(50),
        nano_cpus: Some(500_000_000),
        cpu_realtime_period: Some(1000),
        restart_policy: Some(RestartPolicy {
            name: Some(RestartPolicyName::OnFailure),
            maximum_retry_count: Some(2),
        }),
        ..Default::default()
    };
    docker.container_update(&id, &body).await.unwrap();
    let host = docker
        .container_inspect(&id)
        .await
        .unwrap()
        .host_config
        .unwrap();
    assert_eq!(
        (host.pids_limit, host.nano_cpus, host.cpu_realtime_period),
        (Some(50), Some(500_000_000), Some(1000))
    );
    assert_eq!(
        host.restart_policy.and_then(|r| r.name),
        Some(RestartPolicyName::OnFailure)
    );
    remove(&docker, &id).await;
}

/// Erratum `container-wait-condition-unchecked`, and the 1.30 conditions and
/// 1.34 `Error` of the wait answer.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn wait_conditions_and_error_field() {
    let docker = docker_at("1.41");
    let id = create(&docker, &config(&["sh", "-c", "exit 3"])).await;
    docker.container_start(&id).await.unwrap();
    let waited = docker.container_wait(&id).await.unwrap();
    assert_eq!((waited.status_code, waited.error.is_none()), (3, true));
    let raw_wait = raw_json("POST", "1.41", &format!("/containers/{id}/wait"), None, 200).await;
    // dockerd 20.10 sends `"Error": null`; dockerd 28.5 leaves the key out.
    assert_eq!(
        raw_wait,
        per_daemon(
            json!({ "StatusCode": 3, "Error": null }),
            json!({ "StatusCode": 3 })
        )
    );

    // dockerd 20.10 takes an unknown condition as `not-running`: the exited
    // container answers at once. dockerd 28.5 refuses it.
    let (status, text) = raw(
        "POST",
        "1.41",
        &format!("/containers/{id}/wait?condition=drapi-bogus"),
        None,
    )
    .await;
    if daemon_release() == "20.10" {
        assert_eq!(status, 200, "{text}");
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["StatusCode"],
            3
        );
    } else {
        assert_eq!(status, 400, "{text}");
        assert!(text.contains("invalid condition"), "{text}");
    }
    // A malformed query string is a 400 (the only one from dockerd 20.10).
    let (status, _) = raw(
        "POST",
        "1.41",
        &format!("/containers/{id}/wait?condition=%zz"),
        None,
    )
    .await;
    assert_eq!(status, 400);

    // `next-exit` waits for the next run's exit.
    let waiter = {
        let docker = docker.clone();
        let id = id.clone();
        tokio::spawn(async move {
            docker
                .container_wait(&id)
                .condition(ContainerWaitCondition::NextExit)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !waiter.is_finished(),
        "next-exit does not answer for a past exit"
    );
    docker.container_start(&id).await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(30), waiter)
        .await
        .expect("the next exit is reported")
        .unwrap()
        .unwrap();
    assert_eq!(next.status_code, 3);

    // `removed` answers once the container is gone.
    let waiter = {
        let docker = docker.clone();
        let id = id.clone();
        tokio::spawn(async move {
            docker
                .container_wait(&id)
                .condition(ContainerWaitCondition::Removed)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    docker.container_delete(&id).await.unwrap();
    let removed = tokio::time::timeout(Duration::from_secs(30), waiter)
        .await
        .expect("the removal is reported")
        .unwrap()
        .unwrap();
    assert!(removed.error.is_none(), "{removed:?}");
}

/// Erratum `container-delete-in-progress-409`: a removal while another is in
/// progress is a 409 conflict, not the history's 400.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn removal_in_progress_is_a_conflict() {
    let docker = docker_at("1.25");
    for _attempt in 0..5 {
        let id = create(&docker, &config(&["sleep", "60"])).await;
        docker.container_start(&id).await.unwrap();
        let removals = (0..4).map(|_| {
            let docker = docker.clone();
            let id = id.clone();
            tokio::spawn(async move { docker.container_delete(&id).force(true).await })
        });
        let mut statuses = Vec::new();
        for removal in removals.collect::<Vec<_>>() {
            statuses.push(match removal.await.unwrap() {
                Ok(()) => 204,
                Err(e) => {
                    let status = e.status().unwrap_or(0);
                    if status == 409 {
                        assert!(e.to_string().contains("already in progress"), "{e}");
                    }
                    status
                }
            });
        }
        remove(&docker, &id).await;
        assert!(!statuses.contains(&400), "{statuses:?}");
        assert!(
            statuses.iter().all(|s| [204, 404, 409].contains(s)),
            "{statuses:?}"
        );
        if statuses.contains(&409) {
            return;
        }
    }
    panic!("no removal overlapped another in five attempts");
}

/// The new `POST /containers/prune`, and erratum `container-prune-unknown-filter-400`.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn prune_removes_only_what_the_filters_select() {
    let docker = docker_at("1.41");
    let label = unique("prune");
    let labelled = |keep: bool| {
        let mut body = config(&["true"]);
        let mut labels = BTreeMap::from([("drapi.v141.prune".to_string(), label.clone())]);
        if keep {
            labels.insert("drapi.v141.keep".into(), "1".into());
        }
        body.labels = Some(labels);
        body
    };
    let gone = create(&docker, &labelled(false)).await;
    let kept = create(&docker, &labelled(true)).await;
    let mut running_body = labelled(false);
    running_body.cmd = Some(StringOrList::List(vec!["sleep".into(), "60".into()]));
    let running = create(&docker, &running_body).await;
    docker.container_start(&running).await.unwrap();

    // Only ever prune this test's own containers: the daemon is shared.
    let ours = ContainerPruneFilters {
        label: Some(vec![format!("drapi.v141.prune={label}")]),
        label_not: Some(vec!["drapi.v141.keep".into()]),
        ..Default::default()
    };
    let pruned = docker
        .container_prune()
        .filters(ours.clone())
        .await
        .unwrap();
    assert_eq!(pruned.containers_deleted, Some(vec![gone.clone()]));
    assert!(pruned.space_reclaimed.is_some());
    let again = docker.container_prune().filters(ours).await.unwrap();
    assert_eq!(
        again.containers_deleted, None,
        "null when nothing is removed"
    );
    for id in [&kept, &running] {
        docker.container_inspect(id).await.expect("not pruned");
    }

    let unknown = filters(json!({ "drapi-unknown": ["x"] }));
    let (status, text) = raw(
        "POST",
        "1.41",
        &format!("/containers/prune?filters={unknown}"),
        None,
    )
    .await;
    assert_eq!(status, 400, "{text}");
    // `Invalid filter` from dockerd 20.10, `invalid filter` from dockerd 28.5.
    assert!(
        text.contains(per_daemon("Invalid filter", "invalid filter")),
        "{text}"
    );
    for id in [&kept, &running] {
        remove(&docker, id).await;
    }
}

/// Erratum `container-create-publish-service`: `PublishService` is no creation field.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn create_ignores_publish_service() {
    let version = pass_version();
    let id = raw_create(
        &version,
        raw_body(&["true"], json!({ "PublishService": "drapi-service" })),
    )
    .await;
    let (status, text) = raw("GET", &version, &format!("/containers/{id}/json"), None).await;
    assert_eq!(status, 200);
    assert!(
        !text.contains("PublishService") && !text.contains("drapi-service"),
        "{text}"
    );
    remove(&docker(), &id).await;
}

/// Erratum `host-config-pids-limit-null`: without a limit the daemon answers `null`.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn pids_limit_is_null_when_unset() {
    let docker = docker();
    let id = create(&docker, &config(&["true"])).await;
    let inspected = raw_inspect(&pass_version(), &id).await;
    assert_eq!(inspected["HostConfig"]["PidsLimit"], Value::Null);
    assert!(inspected["HostConfig"]
        .as_object()
        .unwrap()
        .contains_key("PidsLimit"));
    let typed = docker
        .container_inspect(&id)
        .await
        .expect("a null limit decodes");
    assert_eq!(typed.host_config.and_then(|h| h.pids_limit), None);
    remove(&docker, &id).await;

    let mut limited = config(&["true"]);
    limited.host_config.as_mut().unwrap().pids_limit = Some(40);
    let id = create(&docker, &limited).await;
    let typed = docker.container_inspect(&id).await.unwrap();
    assert_eq!(typed.host_config.and_then(|h| h.pids_limit), Some(40));
    remove(&docker, &id).await;
}

/// Erratum `host-config-port-bindings-lists`: each port's bindings are a list.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn port_bindings_are_lists() {
    let docker = docker();
    let mut body = config(&["true"]);
    body.exposed_ports = Some(BTreeMap::from([("80/tcp".to_string(), EmptyObject {})]));
    body.host_config.as_mut().unwrap().port_bindings = Some(BTreeMap::from([(
        "80/tcp".to_string(),
        vec![PortBinding {
            host_port: Some("8080".into()),
            ..Default::default()
        }],
    )]));
    let id = create(&docker, &body).await;
    let inspected = raw_inspect("1.34", &id).await;
    assert_eq!(
        inspected["HostConfig"]["PortBindings"],
        json!({ "80/tcp": [{ "HostIp": "", "HostPort": "8080" }] })
    );
    remove(&docker, &id).await;

    let (status, text) = raw(
        "POST",
        "1.34",
        "/containers/create",
        Some(raw_body(
            &["true"],
            json!({ "HostConfig": { "PortBindings": { "80/tcp": { "HostPort": "8080" } } } }),
        )),
    )
    .await;
    assert_eq!(status, per_daemon(500, 400), "{text}");
    assert!(text.contains("PortBindings"), "{text}");
}

/// Erratum `host-config-disk-quota-dropped`: the 1.25 to 1.39 `DiskQuota` is
/// neither kept nor answered.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn disk_quota_is_dropped() {
    let id = raw_create(
        "1.39",
        raw_body(
            &["true"],
            json!({ "HostConfig": { "DiskQuota": 1_048_576 } }),
        ),
    )
    .await;
    let update = format!("/containers/{id}/update");
    raw_json(
        "POST",
        "1.39",
        &update,
        Some(json!({ "DiskQuota": 1_048_576 })),
        200,
    )
    .await;
    for version in ["1.25", "1.39"] {
        let inspected = raw_inspect(version, &id).await;
        assert!(
            !inspected["HostConfig"]
                .as_object()
                .unwrap()
                .contains_key("DiskQuota"),
            "v{version}"
        );
    }
    remove(&docker(), &id).await;
}

/// Erratum `restart-policy-name-no`: the daemon takes `no` and answers it back.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn restart_policy_no_is_kept() {
    let docker = docker();
    let mut body = config(&["true"]);
    body.host_config.as_mut().unwrap().restart_policy = Some(RestartPolicy {
        name: Some(RestartPolicyName::No),
        maximum_retry_count: Some(0),
    });
    let id = create(&docker, &body).await;
    let inspected = raw_inspect(&pass_version(), &id).await;
    assert_eq!(inspected["HostConfig"]["RestartPolicy"]["Name"], "no");
    let typed = docker.container_inspect(&id).await.unwrap();
    assert_eq!(
        typed
            .host_config
            .and_then(|h| h.restart_policy)
            .and_then(|r| r.name),
        Some(RestartPolicyName::No)
    );
    remove(&docker, &id).await;
}

/// Exec's 1.25 `Env` and `Pid`, 1.35 `WorkingDir`, and erratum
/// `exec-start-runtime-failure`: a detached start the runtime refuses is a 400.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn exec_env_workdir_pid_and_failed_start() {
    let docker = docker_at("1.41");
    let id = create(&docker, &config(&["sleep", "60"])).await;
    docker.container_start(&id).await.unwrap();
    let exec = docker
        .exec_create(
            &id,
            &ExecCreateBody {
                attach_stdout: Some(true),
                env: Some(vec!["DRAPI_V141=from-env".into()]),
                working_dir: Some("/bin".into()),
                cmd: Some(vec![
                    "sh".into(),
                    "-c".into(),
                    "echo $DRAPI_V141 $PWD".into(),
                ]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(docker.exec_inspect(&exec.id).await.unwrap().pid, Some(0));
    let mut attached = docker
        .exec_start(&exec.id, &ExecStartBody::default())
        .await
        .unwrap();
    let mut out = Vec::new();
    while let Some(chunk) = attached.output.next().await {
        if let OutputChunk::Stdout(b) = chunk.unwrap() {
            out.extend_from_slice(&b);
        }
    }
    assert_eq!(String::from_utf8_lossy(&out), "from-env /bin\n");
    let inspected = docker.exec_inspect(&exec.id).await.unwrap();
    assert!(inspected.pid.unwrap_or(0) > 0, "{inspected:?}");
    assert_eq!(inspected.exit_code, Some(0));

    for (cmd, workdir) in [
        ("drapi-no-such-command", None),
        ("true", Some("/drapi-no-such-dir")),
    ] {
        let failing = docker
            .exec_create(
                &id,
                &ExecCreateBody {
                    cmd: Some(vec![cmd.into()]),
                    working_dir: workdir.map(str::to_string),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let (status, text) = raw(
            "POST",
            "1.41",
            &format!("/exec/{}/start", failing.id),
            Some(json!({ "Detach": true })),
        )
        .await;
        assert_eq!(status, 400, "{cmd}: {text}");
        let code = docker.exec_inspect(&failing.id).await.unwrap().exit_code;
        assert!(matches!(code, Some(126) | Some(127)), "{cmd}: {code:?}");
    }
    remove(&docker, &id).await;
}

/// The 1.25 to 1.41 fields of a creation reach the daemon and come back
/// through the typed client: mounts, init, stop timeout and shell, device
/// cgroup rules, masked paths, the cgroup namespace, health, the platform.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn new_creation_fields_round_trip_through_the_daemon() {
    let docker = docker_at("1.41");
    busybox().await;
    let mounts = vec![
        Mount {
            target: Some("/drapi-tmp".into()),
            r#type: Some(MountType::Tmpfs),
            tmpfs_options: Some(MountTmpfsOptions {
                size_bytes: Some(1 << 20),
                mode: Some(0o700),
                ..Default::default()
            }),
            ..Default::default()
        },
        Mount {
            target: Some("/drapi-vol".into()),
            r#type: Some(MountType::Volume),
            volume_options: Some(MountVolumeOptions {
                no_copy: Some(true),
                labels: Some(BTreeMap::from([("drapi.v141".into(), "mount".into())])),
                ..Default::default()
            }),
            ..Default::default()
        },
    ];
    let mut body = config(&["sleep", "60"]);
    body.stop_timeout = Some(7);
    body.shell = Some(vec!["/bin/sh".into(), "-c".into()]);
    body.healthcheck = Some(HealthConfig {
        test: Some(vec!["CMD".into(), "true".into()]),
        interval: Some(1_000_000_000),
        start_period: Some(1_000_000_000),
        ..Default::default()
    });
    let host = body.host_config.as_mut().unwrap();
    host.mounts = Some(mounts.clone());
    host.init = Some(true);
    host.auto_remove = Some(false);
    host.device_cgroup_rules = Some(vec!["c 1:3 r".into()]);
    host.masked_paths = Some(vec!["/proc/kcore".into()]);
    host.cgroupns_mode = Some(CgroupnsMode::Private);
    let name = unique("v141-fields");
    let created = docker
        .container_create(&body)
        .name(name.clone())
        .platform("linux")
        .await
        .unwrap();
    let id = created.id;
    let wrong = docker
        .container_create(&body)
        .platform("linux/drapi-arch")
        .await
        .unwrap_err();
    assert_eq!(wrong.status(), Some(404), "{wrong}");

    docker.container_start(&id).await.unwrap();
    let inspected = docker.container_inspect(&id).await.unwrap();
    let config = inspected.config.clone().unwrap();
    assert_eq!(config.stop_timeout, Some(7));
    assert_eq!(config.shell, Some(vec!["/bin/sh".to_string(), "-c".into()]));
    assert_eq!(
        config.healthcheck.and_then(|h| h.start_period),
        Some(1_000_000_000)
    );
    let host = inspected.host_config.clone().unwrap();
    // Erratum `mount-anonymous-volume-label`: dockerd 28.5 labels the volume
    // mount without a source as anonymous.
    let mut answered = mounts.clone();
    if daemon_release() == "28.5" {
        let labels = answered[1].volume_options.as_mut().unwrap().labels.as_mut();
        labels
            .unwrap()
            .insert("com.docker.volume.anonymous".into(), String::new());
    }
    assert_eq!(host.mounts, Some(answered));
    assert_eq!(host.init, Some(true));
    assert_eq!(host.device_cgroup_rules, Some(vec!["c 1:3 r".to_string()]));
    assert_eq!(host.masked_paths, Some(vec!["/proc/kcore".to_string()]));
    assert_eq!(host.cgroupns_mode, Some(CgroupnsMode::Private));
    assert_eq!(inspected.platform.as_deref(), Some("linux"));
    let health = inspected
        .state
        .and_then(|s| s.health)
        .expect("a health state");
    assert!(
        matches!(
            health.status,
            Some(HealthStatus::Starting | HealthStatus::Healthy)
        ),
        "{health:?}"
    );
    let mount_points = inspected.mounts.unwrap_or_default();
    let types: Vec<Option<MountType>> = mount_points.iter().map(|m| m.r#type.clone()).collect();
    assert!(types.contains(&Some(MountType::Tmpfs)) && types.contains(&Some(MountType::Volume)));
    let volume = mount_points
        .iter()
        .find(|m| m.r#type == Some(MountType::Volume))
        .and_then(|m| m.name.clone())
        .expect("the volume mount is named");

    // The 1.25 list filters: by name, by id, and not a swarm task.
    let listed = docker
        .container_list()
        .filters(ContainerListFilters {
            name: Some(vec![name.clone()]),
            id: Some(vec![id.clone()]),
            is_task: Some(vec!["false".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        vec![id.as_str()]
    );

    // Stats with `one-shot`, logs with `until`.
    let mut stats = docker
        .container_stats(&id)
        .stream(false)
        .one_shot(true)
        .await
        .unwrap();
    let sample = stats.next().await.expect("one sample").unwrap();
    assert!(sample.cpu_stats.is_some(), "{sample:?}");
    let logs = docker
        .container_logs(&id)
        .stdout(true)
        .until("1")
        .await
        .unwrap();
    let chunks: Vec<_> = logs.collect().await;
    assert!(
        chunks.is_empty(),
        "nothing was logged before 1970: {chunks:?}"
    );

    // The archive's `copyUIDGID` (the container's user is root).
    let file = tar_of(&[("drapi-v141", 0o644, b"x")]);
    docker
        .container_put_archive(&id, "/drapi-tmp", RequestBody::from_bytes(file))
        .copy_uid_gid(true)
        .await
        .unwrap();
    let stat = docker
        .container_archive_info(&id, "/drapi-tmp/drapi-v141")
        .await
        .unwrap();
    assert_eq!(stat.path_stat.and_then(|s| s.size), Some(1));
    remove(&docker, &id).await;
    let _ = docker.volume_delete(&volume).await;
}
