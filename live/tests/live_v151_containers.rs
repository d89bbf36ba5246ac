//! Containers and exec from API 1.42 to 1.51 against dockerd 28.5: what the
//! spec added for those versions, and where the daemon differs from Docker's
//! swagger files or version history (each test names its errata).
//!
//! Typed calls speak 1.51; raw requests name their version in the path, to
//! show what changed at a version.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use docker_remote_api::prelude::*;
use serde_json::{json, Value};

/// A client of the test daemon speaking 1.51.
fn docker_151() -> Docker {
    let docker = docker();
    docker.set_api_version("1.51").unwrap();
    docker
}

/// One request at `/v{version}{path}` (see [`raw_exchange`]): the status, the
/// `Content-Type` header and the body text.
async fn raw(
    method: &str,
    version: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, String, String) {
    let uri = format!("/v{version}{path}");
    let answer = raw_exchange(method, &uri, &[], body.map(json_body)).await;
    let content_type = answer.content_type().unwrap_or_default().to_string();
    (answer.status, content_type, answer.text())
}

/// A raw creation body: busybox running `cmd` without network, plus `extra` host settings.
fn raw_body(cmd: &[&str], host: Value) -> Value {
    let mut host_config = json!({ "NetworkMode": "none" });
    if let (Value::Object(a), Value::Object(b)) = (&mut host_config, host) {
        a.extend(b);
    }
    json!({ "Image": BUSYBOX, "Cmd": cmd, "HostConfig": host_config })
}

/// Creates a container from a raw body at `version`; answers the status and the body.
async fn raw_create(version: &str, body: Value) -> (u16, Value) {
    busybox().await;
    let name = unique("v151");
    let (status, _, text) = raw(
        "POST",
        version,
        &format!("/containers/create?name={name}"),
        Some(body),
    )
    .await;
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, value)
}

/// All output of a finished container, stdout and stderr (or the console).
async fn output_of(docker: &Docker, id: &str) -> String {
    let mut logs = docker
        .container_logs(id)
        .stdout(true)
        .stderr(true)
        .await
        .unwrap();
    let mut text = Vec::new();
    while let Some(chunk) = logs.next().await {
        match chunk.unwrap() {
            OutputChunk::Stdout(b) | OutputChunk::Stderr(b) | OutputChunk::Console(b) => {
                text.extend_from_slice(&b)
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// The mount options of 1.42 to 1.48 (`CreateMountpoint`,
/// `ReadOnlyNonRecursive`, `Subpath`, tmpfs `Options`, `image` mounts) and
/// `Annotations`, `StartInterval`: the daemon applies them and inspect shows
/// them back as sent.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn new_mount_options_and_host_settings_round_trip() {
    let docker = docker_151();
    busybox().await;
    let volume = unique("v151-vol");
    let filler = create(&docker, &{
        let mut body = config(&["sh", "-c", "mkdir -p /v/sub && echo in-sub > /v/sub/f"]);
        body.host_config.as_mut().unwrap().binds = Some(vec![format!("{volume}:/v")]);
        body
    })
    .await;
    docker.container_start(&filler).await.unwrap();
    assert_eq!(docker.container_wait(&filler).await.unwrap().status_code, 0);

    let missing = std::env::temp_dir().join(unique("v151-missing"));
    let mounts = vec![
        Mount {
            target: Some("/bound".into()),
            source: Some(missing.to_string_lossy().into_owned()),
            r#type: Some(MountType::Bind),
            read_only: Some(true),
            bind_options: Some(MountBindOptions {
                create_mountpoint: Some(true),
                read_only_non_recursive: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        },
        Mount {
            target: Some("/sub".into()),
            source: Some(volume.clone()),
            r#type: Some(MountType::Volume),
            volume_options: Some(MountVolumeOptions {
                subpath: Some("sub".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        Mount {
            target: Some("/scratch".into()),
            r#type: Some(MountType::Tmpfs),
            tmpfs_options: Some(MountTmpfsOptions {
                options: Some(vec![vec!["exec".into()]]),
                ..Default::default()
            }),
            ..Default::default()
        },
        Mount {
            target: Some("/img".into()),
            source: Some(BUSYBOX.into()),
            r#type: Some(MountType::Image),
            image_options: Some(MountImageOptions {
                subpath: Some("bin".into()),
            }),
            ..Default::default()
        },
    ];
    let mut body = config(&[
        "sh",
        "-c",
        "cat /sub/f && test -d /bound && test -x /img/busybox && grep ' /scratch ' /proc/mounts",
    ]);
    body.healthcheck = Some(HealthConfig {
        test: Some(vec!["CMD".into(), "true".into()]),
        start_period: Some(5_000_000_000),
        start_interval: Some(1_000_000_000),
        ..Default::default()
    });
    let annotations = BTreeMap::from([("org.example.drapi".to_string(), "v151".to_string())]);
    let host = body.host_config.as_mut().unwrap();
    host.mounts = Some(mounts.clone());
    host.annotations = Some(annotations.clone());
    let created = docker
        .container_create(&body)
        .name(unique("v151-mounts"))
        .await
        .unwrap();
    let warnings = created.warnings.clone().unwrap_or_default();
    assert!(
        warnings.iter().any(|w| w.contains("experimental")),
        "an image mount is answered a warning: {warnings:?}"
    );
    let id = created.id;
    docker.container_start(&id).await.unwrap();
    let waited = docker.container_wait(&id).await.unwrap();
    let output = output_of(&docker, &id).await;
    assert_eq!(waited.status_code, 0, "{output}");
    assert!(output.starts_with("in-sub\n"), "{output}");
    assert!(missing.is_dir(), "CreateMountpoint made the source");

    let inspected = docker.container_inspect(&id).await.unwrap();
    let host = inspected.host_config.unwrap();
    assert_eq!(host.mounts, Some(mounts));
    assert_eq!(host.annotations, Some(annotations.clone()));
    let health = inspected.config.unwrap().healthcheck.unwrap();
    assert_eq!(health.start_interval, Some(1_000_000_000));
    let image_mount = inspected
        .mounts
        .unwrap_or_default()
        .into_iter()
        .find(|m| m.destination.as_deref() == Some("/img"))
        .expect("the image mount is listed");
    assert_eq!(image_mount.r#type, Some(MountType::Image));

    // The list shows the annotations from 1.46 on, not before.
    let listed = docker
        .container_list()
        .all(true)
        .filters(ContainerListFilters {
            id: Some(vec![id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let summary_host = listed[0].host_config.clone().unwrap();
    assert_eq!(summary_host.annotations, Some(annotations));
    let (_, _, old) = raw("GET", "1.45", "/containers/json?all=1", None).await;
    let old: Value = serde_json::from_str(&old).unwrap();
    let old = old
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Id"] == json!(id))
        .unwrap()
        .clone();
    assert_eq!(old["HostConfig"].get("Annotations"), None, "{old}");

    // Below their versions the options are refused.
    let (status, answer) = raw_create(
        "1.44",
        raw_body(
            &["true"],
            json!({ "Mounts": [{ "Type": "volume", "Source": volume, "Target": "/w",
                                 "VolumeOptions": { "Subpath": "sub" } }] }),
        ),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = raw_create(
        "1.47",
        raw_body(
            &["true"],
            json!({ "Mounts": [{ "Type": "image", "Source": BUSYBOX, "Target": "/img" }] }),
        ),
    )
    .await;
    assert_eq!(status, 400, "{answer}");

    remove(&docker, &id).await;
    remove(&docker, &filler).await;
    let _ = docker.volume_delete(&volume).await;
    let _ = std::fs::remove_dir(&missing);
}

/// Erratum `container-create-mount-options-checked-before-1-42`: options of
/// another mount type are refused at 1.41 as at 1.51.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn mismatched_mount_options_are_refused_at_every_version() {
    let body = raw_body(
        &["true"],
        json!({ "Mounts": [{ "Type": "tmpfs", "Target": "/x",
                             "BindOptions": { "Propagation": "rprivate" } }] }),
    );
    for version in ["1.41", "1.51"] {
        let (status, answer) = raw_create(version, body.clone()).await;
        assert_eq!(status, 400, "{version}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains("BindOptions"),
            "{version}: {answer}"
        );
    }
    // The typed client sends the same mistake and gets the 400 as an error.
    let docker = docker_151();
    let mut typed = config(&["true"]);
    typed.host_config.as_mut().unwrap().mounts = Some(vec![Mount {
        target: Some("/x".into()),
        r#type: Some(MountType::Tmpfs),
        bind_options: Some(MountBindOptions {
            propagation: Some(MountPropagation::Rprivate),
            ..Default::default()
        }),
        ..Default::default()
    }]);
    let refused = docker.container_create(&typed).await.unwrap_err();
    assert_eq!(refused.status(), Some(400), "{refused}");
}

/// Erratum `container-wait-invalid-condition-before-1-42`: dockerd 28.5
/// refuses an unknown `condition` at 1.41 too.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn wait_refuses_an_unknown_condition() {
    let docker = docker_151();
    let id = create(&docker, &config(&["true"])).await;
    docker.container_start(&id).await.unwrap();
    let waited = docker
        .container_wait(&id)
        .condition(ContainerWaitCondition::NotRunning)
        .await
        .unwrap();
    assert_eq!(waited.status_code, 0);
    for version in ["1.41", "1.42", "1.51"] {
        let (status, _, text) = raw(
            "POST",
            version,
            &format!("/containers/{id}/wait?condition=drapi-bogus"),
            None,
        )
        .await;
        assert_eq!(status, 400, "{version}: {text}");
        assert!(text.contains("invalid condition"), "{version}: {text}");
    }
    let typed = docker
        .container_wait(&id)
        .condition(ContainerWaitCondition::Other("drapi-bogus".into()))
        .await
        .unwrap_err();
    assert_eq!(typed.status(), Some(400), "{typed}");
    remove(&docker, &id).await;
}

/// `signal` of stop and restart (1.42): the container stops on the signal
/// asked for; at 1.41 the parameter is ignored.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn stop_and_restart_take_a_signal() {
    let docker = docker_151();
    let script = "trap 'exit 7' USR1; while true; do sleep 0.1; done";
    let id = create(&docker, &config(&["sh", "-c", script])).await;
    docker.container_start(&id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = docker
        .container_stop(&id)
        .signal("SIGUSR1")
        .timeout(5)
        .await
        .unwrap();
    assert!(
        matches!(stopped, ContainerStopOutcome::Stopped),
        "{stopped:?}"
    );
    let state = docker.container_inspect(&id).await.unwrap().state.unwrap();
    assert_eq!(state.exit_code, Some(7));

    docker.container_start(&id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    docker
        .container_restart(&id)
        .signal("SIGUSR1")
        .timeout(5)
        .await
        .unwrap();
    let state = docker.container_inspect(&id).await.unwrap().state.unwrap();
    assert_eq!(state.running, Some(true));

    // 1.41 ignores the parameter: SIGTERM is ignored by the shell, so it is killed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _, text) = raw(
        "POST",
        "1.41",
        &format!("/containers/{id}/stop?signal=SIGUSR1&t=1"),
        None,
    )
    .await;
    assert_eq!(status, 204, "{text}");
    let state = docker.container_inspect(&id).await.unwrap().state.unwrap();
    assert_eq!(state.exit_code, Some(137));
    remove(&docker, &id).await;
}

/// `ConsoleSize` of a container (applied on Linux from 1.42) and of an exec
/// instance's creation and start (1.42).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn console_sizes_apply_from_1_42() {
    let docker = docker_151();
    let mut body = config(&["sh", "-c", "stty size; sleep 60"]);
    body.tty = Some(true);
    body.host_config.as_mut().unwrap().console_size = Some(vec![23, 71]);
    let id = create(&docker, &body).await;
    docker.container_start(&id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(output_of(&docker, &id).await.trim(), "23 71");
    let host = docker
        .container_inspect(&id)
        .await
        .unwrap()
        .host_config
        .unwrap();
    assert_eq!(host.console_size, Some(vec![23, 71]));

    for (at_create, at_start, want) in [
        (Some(vec![19, 66]), None, "19 66"),
        (None, Some(vec![21, 77]), "21 77"),
    ] {
        let exec = docker
            .exec_create(
                &id,
                &ExecCreateBody {
                    attach_stdout: Some(true),
                    tty: Some(true),
                    cmd: Some(vec!["stty".into(), "size".into()]),
                    console_size: at_create,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let attached = docker
            .exec_start(
                &exec.id,
                &ExecStartBody {
                    tty: Some(true),
                    console_size: at_start,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut console = Vec::new();
        let mut output = attached.output;
        while let Some(chunk) = output.next().await {
            match chunk.unwrap() {
                OutputChunk::Console(b) => console.extend_from_slice(&b),
                other => panic!("a TTY exec has no frames: {other:?}"),
            }
        }
        assert_eq!(String::from_utf8_lossy(&console).trim(), want);
    }
    remove(&docker, &id).await;
}

/// Endpoint settings of 1.44 to 1.48: `MacAddress` and `GwPriority` asked
/// for, `DNSNames` answered; `Aliases` carries the short ID only below 1.45;
/// the list carries `GwPriority` too.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn endpoint_settings_of_1_44_to_1_48() {
    let docker = docker_151();
    busybox().await;
    let network = unique("v151-net");
    docker
        .network_create(&NetworkCreateBody {
            name: network.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut body = config(&["sleep", "60"]);
    body.host_config.as_mut().unwrap().network_mode = Some(network.clone());
    body.networking_config = Some(NetworkingConfig {
        endpoints_config: Some(BTreeMap::from([(
            network.clone(),
            EndpointSettings {
                aliases: Some(vec!["drapi-alias".into()]),
                mac_address: Some("02:42:ac:1f:00:51".into()),
                gw_priority: Some(5),
                driver_opts: Some(BTreeMap::from([("drapi".into(), "v151".into())])),
                ..Default::default()
            },
        )])),
    });
    let name = unique("v151-ep");
    let id = docker
        .container_create(&body)
        .name(name.clone())
        .await
        .unwrap()
        .id;
    docker.container_start(&id).await.unwrap();
    let inspected = docker.container_inspect(&id).await.unwrap();
    let endpoint = inspected
        .network_settings
        .unwrap()
        .networks
        .unwrap()
        .remove(&network)
        .expect("the endpoint");
    let short = &id[..12];
    assert_eq!(endpoint.aliases, Some(vec!["drapi-alias".to_string()]));
    assert_eq!(endpoint.mac_address.as_deref(), Some("02:42:ac:1f:00:51"));
    assert_eq!(endpoint.gw_priority, Some(5));
    let dns = endpoint.dns_names.unwrap_or_default();
    for want in [name.as_str(), "drapi-alias", short] {
        assert!(dns.iter().any(|n| n == want), "{want} in {dns:?}");
    }
    // Below 1.45 the aliases also hold the short ID.
    let (_, _, old) = raw("GET", "1.44", &format!("/containers/{id}/json"), None).await;
    let old: Value = serde_json::from_str(&old).unwrap();
    assert_eq!(
        old["NetworkSettings"]["Networks"][&network]["Aliases"],
        json!(["drapi-alias", short])
    );

    let listed = docker
        .container_list()
        .filters(ContainerListFilters {
            id: Some(vec![id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let listed_endpoint = listed[0]
        .network_settings
        .clone()
        .unwrap()
        .networks
        .unwrap()
        .remove(&network)
        .unwrap();
    assert_eq!(listed_endpoint.gw_priority, Some(5));
    remove(&docker, &id).await;
    docker.network_delete(&network).await.unwrap();
}

/// `KernelMemory` is kept from a 1.41 creation and dropped from a 1.42 one;
/// `KernelMemoryTCP` (deprecated in 1.51) is still kept.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn kernel_memory_is_dropped_from_1_42() {
    let docker = docker_151();
    let body = raw_body(
        &["true"],
        json!({ "KernelMemory": 8_000_000, "KernelMemoryTCP": 8_000_000 }),
    );
    let mut ids = Vec::new();
    for (version, kept) in [("1.41", true), ("1.42", false)] {
        let (status, created) = raw_create(version, body.clone()).await;
        assert_eq!(status, 201, "{created}");
        let id = created["Id"].as_str().unwrap().to_string();
        let (_, _, text) = raw("GET", "1.51", &format!("/containers/{id}/json"), None).await;
        let host = serde_json::from_str::<Value>(&text).unwrap()["HostConfig"].clone();
        assert_eq!(
            host.get("KernelMemory").is_some(),
            kept,
            "{version}: {host}"
        );
        assert_eq!(host["KernelMemoryTCP"], json!(8_000_000), "{version}");
        ids.push(id);
    }
    // The typed model of 1.51 reads the answer without the removed field.
    let host = docker
        .container_inspect(&ids[1])
        .await
        .unwrap()
        .host_config
        .unwrap();
    assert_eq!(host.kernel_memory_tcp, Some(8_000_000));
    for id in ids {
        remove(&docker, &id).await;
    }
}

/// The stats sample's `name`, `id`, `num_procs`, `preread` and
/// `storage_stats`, typed by the swagger from 1.48: sent by dockerd 28.5 at
/// 1.24 too; a `one-shot` sample leaves out `name` and `id`.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn stats_sample_names_the_container() {
    let docker = docker_151();
    let id = create(&docker, &config(&["sleep", "60"])).await;
    docker.container_start(&id).await.unwrap();
    let mut stats = docker.container_stats(&id).stream(false).await.unwrap();
    let sample = stats.next().await.expect("one sample").unwrap();
    assert_eq!(sample.id.as_deref(), Some(id.as_str()));
    assert!(
        sample.name.as_deref().is_some_and(|n| n.starts_with('/')),
        "{sample:?}"
    );
    assert_eq!(sample.num_procs, Some(0));
    assert!(
        sample.preread.is_some() && sample.storage_stats.is_some(),
        "{sample:?}"
    );
    let mut one_shot = docker
        .container_stats(&id)
        .stream(false)
        .one_shot(true)
        .await
        .unwrap();
    let sample = one_shot.next().await.expect("one sample").unwrap();
    assert_eq!((sample.id, sample.name), (None, None));
    let (status, _, text) = raw(
        "GET",
        "1.24",
        &format!("/containers/{id}/stats?stream=0"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let old: Value = serde_json::from_str(&text).unwrap();
    for key in ["id", "name", "num_procs", "preread", "storage_stats"] {
        assert!(old.get(key).is_some(), "{key} at 1.24: {old}");
    }
    remove(&docker, &id).await;
}

/// From 1.42 the `Content-Type` of logs says whether the stream is framed.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn logs_content_type_names_the_framing() {
    let docker = docker_151();
    let id = create(&docker, &config(&["echo", "hello"])).await;
    docker.container_start(&id).await.unwrap();
    docker.container_wait(&id).await.unwrap();
    assert_eq!(output_of(&docker, &id).await, "hello\n");
    for (version, want) in [
        ("1.41", "application/vnd.docker.raw-stream"),
        ("1.42", "application/vnd.docker.multiplexed-stream"),
    ] {
        let (status, content_type, _) = raw(
            "GET",
            version,
            &format!("/containers/{id}/logs?stdout=1"),
            None,
        )
        .await;
        assert_eq!((status, content_type.as_str()), (200, want), "{version}");
    }
    remove(&docker, &id).await;
}

/// `stdin`, `stdout` and `stderr` of attach/ws (1.42): only the streams asked
/// for are attached.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn websocket_attach_takes_the_streams_asked_for() {
    use futures_util::SinkExt;
    let docker = docker_151();
    let mut body = config(&["cat"]);
    body.open_stdin = Some(true);
    let id = create(&docker, &body).await;
    docker.container_start(&id).await.unwrap();
    let mut ws = docker
        .container_attach_websocket(&id)
        .stream(true)
        .stdin(true)
        .stdout(true)
        .stderr(true)
        .await
        .unwrap();
    ws.send(docker_remote_api::WebSocketMessage::Binary(
        b"ping\n".to_vec(),
    ))
    .await
    .unwrap();
    let mut seen = Vec::new();
    while let Some(Ok(msg)) = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .unwrap()
    {
        seen.extend_from_slice(&msg.into_data());
        if seen.ends_with(b"ping\n") {
            break;
        }
    }
    assert!(seen.ends_with(b"ping\n"), "{seen:?}");
    drop(ws);

    // Without `stdin`, what is sent does not reach the container.
    let mut ws = docker
        .container_attach_websocket(&id)
        .stream(true)
        .stdout(true)
        .await
        .unwrap();
    let _ = ws
        .send(docker_remote_api::WebSocketMessage::Binary(
            b"pong\n".to_vec(),
        ))
        .await;
    let echoed = tokio::time::timeout(Duration::from_secs(2), ws.next()).await;
    assert!(echoed.is_err(), "nothing comes back: {echoed:?}");
    remove(&docker, &id).await;
}
