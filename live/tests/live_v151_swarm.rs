//! Services, tasks and plugins from API 1.42 to 1.51 against dockerd 28.5:
//! what the spec added for those versions, and where the daemon differs from
//! Docker's swagger files (each test names its errata).
//!
//! The swarm tests make the daemon the only node of a new swarm, on loopback,
//! and leave it at the end, also when the test fails; they take turns, the
//! daemon having one swarm state. Clients and raw requests name their API
//! version.

mod common;

use std::future::Future;
use std::time::Duration;

use common::*;
use docker_remote_api::prelude::*;
use serde_json::{json, Value};
use tokio::sync::Mutex;

/// One swarm state per daemon: the swarm tests of this file hold this while they use it.
static SWARM: Mutex<()> = Mutex::const_new(());

/// A client of the test daemon speaking `version`.
fn docker_at(version: &str) -> Docker {
    let docker = docker();
    docker
        .set_api_version(version)
        .expect("a known API version");
    docker
}

/// One request at `/v{version}{path}` (see [`raw_exchange`]), for what the
/// typed client cannot send or show: status and body (JSON, else its text;
/// null when empty).
async fn raw(method: &str, version: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let uri = format!("/v{version}{path}");
    let answer = raw_exchange(method, &uri, &[], body.map(json_body)).await;
    let value = if answer.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&answer.body).unwrap_or_else(|_| Value::String(answer.text()))
    };
    (answer.status, value)
}

/// Standard base64, padded.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Runs `body` in a new one-node swarm, then leaves it, also when `body` panics.
async fn in_swarm<F, Fut>(body: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let _turn = SWARM.lock().await;
    let docker = docker_at("1.51");
    docker
        .swarm_init(&SwarmInitBody {
            listen_addr: Some(swarm_addr()),
            advertise_addr: Some(swarm_addr()),
            ..Default::default()
        })
        .await
        .expect("the daemon starts a swarm (is it already in one?)");
    let outcome = tokio::spawn(body()).await;
    // Let the node finish writing its state before it leaves.
    tokio::time::sleep(Duration::from_secs(1)).await;
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
}

/// An image the local registry does not have: tasks of it never run, and
/// nothing leaves loopback.
fn missing_image() -> String {
    format!("{}/drapi-v151-swarm-missing:latest", registry())
}

/// A raw service body with `container_spec` and `replicas`.
fn raw_service(name: &str, container_spec: Value, replicas: u64) -> Value {
    json!({
        "Name": name,
        "TaskTemplate": {"ContainerSpec": container_spec},
        "Mode": {"Replicated": {"Replicas": replicas}},
    })
}

/// The `ContainerSpec` of a service as the daemon stores it.
async fn stored_container_spec(name: &str) -> Value {
    let (status, service) = raw("GET", "1.51", &format!("/services/{name}"), None).await;
    assert_eq!(status, 200, "{service}");
    service["Spec"]["TaskTemplate"]["ContainerSpec"].clone()
}

/// The security and tmpfs settings of 1.44 and 1.46: dockerd 28.5 drops them
/// below their version; the typed client sends them at 1.51 and reads them
/// back; a seccomp profile travels as base64 (erratum `service-seccomp-profile-base64`).
#[tokio::test]
#[ignore = "needs the test daemon"]
async fn service_security_fields_by_version() {
    in_swarm(|| async {
        let image = missing_image();
        for version in ["1.43", "1.44", "1.45", "1.46"] {
            let name = unique("v151-svc-sec");
            let (status, created) = raw(
                "POST",
                version,
                "/services/create",
                Some(raw_service(
                    &name,
                    json!({
                        "Image": image,
                        "Privileges": {
                            "NoNewPrivileges": true,
                            "Seccomp": {"Mode": "unconfined"},
                            "AppArmor": {"Mode": "disabled"},
                        },
                        "OomScoreAdj": 500,
                        "Mounts": [{"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1048576, "Options": [["noexec"]]}}],
                    }),
                    0,
                )),
            )
            .await;
            assert_eq!(status, 201, "{version}: {created}");
            let spec = stored_container_spec(&name).await;
            let at_44 = version >= "1.44";
            let at_46 = version >= "1.46";
            let privileges = &spec["Privileges"];
            assert_eq!(privileges["Seccomp"].is_object(), at_44, "{version}: {spec}");
            assert_eq!(privileges["AppArmor"].is_object(), at_44, "{version}: {spec}");
            // The key comes back at every version; only its value follows the request.
            assert_eq!(privileges["NoNewPrivileges"], json!(at_44), "{version}: {spec}");
            assert_eq!(spec["OomScoreAdj"].as_i64(), at_46.then_some(500), "{version}: {spec}");
            assert_eq!(
                spec["Mounts"][0]["TmpfsOptions"]["Options"].is_array(),
                at_46,
                "{version}: {spec}"
            );
            docker_at("1.51").service_delete(&name).await.unwrap();
        }

        // The profile as JSON text, as the swagger describes it, is refused.
        let profile = r#"{"defaultAction":"SCMP_ACT_ALLOW"}"#;
        let (status, refused) = raw(
            "POST",
            "1.51",
            "/services/create",
            Some(raw_service(
                &unique("v151-svc-json-profile"),
                json!({"Image": image, "Privileges": {"Seccomp": {"Mode": "custom", "Profile": profile}}}),
                0,
            )),
        )
        .await;
        assert_eq!(status, 400, "{refused}");
        assert!(refused.to_string().contains("base64"), "{refused}");

        // Every new field through the typed client and back.
        let docker = docker_at("1.51");
        let name = unique("v151-svc-typed");
        let spec = ServiceSpec {
            name: Some(name.clone()),
            task_template: Some(TaskSpec {
                container_spec: Some(ContainerSpec {
                    image: Some(image.clone()),
                    privileges: Some(ServicePrivileges {
                        seccomp: Some(ServiceSeccomp {
                            mode: Some(ServiceSeccompMode::Custom),
                            profile: Some(base64(profile.as_bytes())),
                        }),
                        app_armor: Some(ServiceAppArmor {
                            mode: Some(ServiceAppArmorMode::Disabled),
                        }),
                        no_new_privileges: Some(true),
                        ..Default::default()
                    }),
                    oom_score_adj: Some(-200),
                    mounts: Some(vec![
                        ServiceMount {
                            target: Some("/t".into()),
                            r#type: Some(ServiceMountType::Tmpfs),
                            tmpfs_options: Some(ServiceMountTmpfsOptions {
                                options: Some(vec![
                                    vec!["noexec".into()],
                                    vec!["nr_inodes".into(), "1000".into()],
                                ]),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                        ServiceMount {
                            target: Some("/v".into()),
                            source: Some(unique("v151-vol")),
                            r#type: Some(ServiceMountType::Volume),
                            volume_options: Some(ServiceMountVolumeOptions {
                                subpath: Some("inside/dir".into()),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                        ServiceMount {
                            target: Some("/c".into()),
                            source: Some(unique("v151-cluster-vol")),
                            r#type: Some(ServiceMountType::Cluster),
                            ..Default::default()
                        },
                    ]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            mode: Some(ServiceMode {
                replicated: Some(ServiceModeReplicated { replicas: Some(0) }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let id = docker
            .service_create(&spec)
            .await
            .unwrap()
            .id
            .expect("the new service's ID");
        let service = docker.service_inspect(&id).await.unwrap();
        let back = service
            .spec
            .and_then(|s| s.task_template)
            .and_then(|t| t.container_spec)
            .expect("the service has a container spec");
        let privileges = back.privileges.expect("privileges come back");
        let seccomp = privileges.seccomp.expect("seccomp comes back");
        assert_eq!(seccomp.mode, Some(ServiceSeccompMode::Custom));
        assert_eq!(seccomp.profile, Some(base64(profile.as_bytes())));
        assert_eq!(
            privileges.app_armor.and_then(|a| a.mode),
            Some(ServiceAppArmorMode::Disabled)
        );
        assert_eq!(privileges.no_new_privileges, Some(true));
        assert_eq!(back.oom_score_adj, Some(-200));
        let mounts = back.mounts.expect("mounts come back");
        assert_eq!(
            mounts[0].tmpfs_options.as_ref().and_then(|t| t.options.clone()),
            Some(vec![vec!["noexec".to_string()], vec!["nr_inodes".to_string(), "1000".to_string()]])
        );
        assert_eq!(
            mounts[1].volume_options.as_ref().and_then(|v| v.subpath.clone()),
            Some("inside/dir".to_string())
        );
        assert_eq!(mounts[2].r#type, Some(ServiceMountType::Cluster));
        docker.service_delete(&id).await.unwrap();

        // Below 1.46 the typed client refuses what that version lacks.
        let refused = docker_at("1.45").service_create(&spec).await.unwrap_err();
        assert!(matches!(refused, Error::Version { .. }), "{refused}");
    })
    .await;
}

/// The mount options the swagger shares with containers: the swarm keeps no
/// `CreateMountpoint`, `ReadOnlyNonRecursive` or `ReadOnlyForceRecursive`, and
/// refuses `image` mounts (errata `service-create-mount-options-dropped`,
/// `service-update-mount-options-dropped` and the `...-never-sent` ones of
/// inspect and list, of services and tasks). Tasks carry `PortStatus` at
/// every version, not only from 1.44 on.
#[tokio::test]
#[ignore = "needs the test daemon"]
async fn service_mount_options_the_swarm_drops() {
    in_swarm(|| async {
        let image = missing_image();
        let name = unique("v151-svc-bind");
        let container_spec = json!({
            "Image": image,
            "Mounts": [{
                "Type": "bind",
                "Source": "/tmp",
                "Target": "/b",
                "ReadOnly": true,
                "BindOptions": {
                    "Propagation": "rprivate",
                    "CreateMountpoint": true,
                    "ReadOnlyNonRecursive": true,
                    "ReadOnlyForceRecursive": true,
                },
            }],
        });
        let (status, created) = raw(
            "POST",
            "1.51",
            "/services/create",
            Some(raw_service(&name, container_spec.clone(), 1)),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let kept = |spec: &Value| spec["Mounts"][0]["BindOptions"].clone();
        let spec = stored_container_spec(&name).await;
        assert_eq!(kept(&spec), json!({"Propagation": "rprivate"}), "{spec}");

        // An update with the same options drops them too.
        let (_, service) = raw("GET", "1.51", &format!("/services/{name}"), None).await;
        let index = service["Version"]["Index"].as_u64().unwrap();
        let (status, updated) = raw(
            "POST",
            "1.51",
            &format!("/services/{name}/update?version={index}"),
            Some(raw_service(&name, container_spec, 1)),
        )
        .await;
        assert_eq!(status, 200, "{updated}");
        let spec = stored_container_spec(&name).await;
        assert_eq!(kept(&spec), json!({"Propagation": "rprivate"}), "{spec}");

        // The typed list reads the service.
        let docker = docker_at("1.51");
        let listed = docker.service_list().await.unwrap();
        assert!(listed.iter().any(|s| s.spec.as_ref().and_then(|s| s.name.as_deref()) == Some(name.as_str())));

        // An image mount is refused.
        let (status, refused) = raw(
            "POST",
            "1.51",
            "/services/create",
            Some(raw_service(
                &unique("v151-svc-image-mount"),
                json!({
                    "Image": image,
                    "Mounts": [{"Type": "image", "Source": BUSYBOX, "Target": "/i", "ImageOptions": {"Subpath": "bin"}}],
                }),
                0,
            )),
        )
        .await;
        assert_eq!(status, 400, "{refused}");
        assert!(refused.to_string().contains("invalid MountType"), "{refused}");

        // The service's tasks: `PortStatus` at 1.24 as at 1.51, typed at 1.51.
        let filters = TaskListFilters {
            service: Some(vec![name.clone()]),
            ..Default::default()
        };
        let mut tasks = Vec::new();
        for _ in 0..100 {
            tasks = docker.task_list().filters(filters.clone()).await.unwrap();
            if !tasks.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(!tasks.is_empty(), "the service has a task");
        for task in &tasks {
            let status = task.status.as_ref().expect("a task has a status");
            assert!(status.port_status.is_some(), "{task:?}");
            let mounts = task
                .spec
                .as_ref()
                .and_then(|s| s.container_spec.as_ref())
                .and_then(|c| c.mounts.clone())
                .expect("the task has the mount");
            assert_eq!(
                mounts[0].bind_options.as_ref().and_then(|b| b.propagation.clone()),
                Some("rprivate".to_string())
            );
        }
        let id = tasks[0].id.clone().expect("a task has an ID");
        for version in ["1.24", "1.51"] {
            let (status, task) = raw("GET", version, &format!("/tasks/{id}"), None).await;
            assert_eq!(status, 200, "{task}");
            assert!(task["Status"]["PortStatus"].is_object(), "{version}: {task}");
            assert!(
                task["Spec"]["ContainerSpec"]["Mounts"][0]["BindOptions"]
                    .get("CreateMountpoint")
                    .is_none(),
                "{version}: {task}"
            );
        }
        docker.service_delete(&name).await.unwrap();
    })
    .await;
}

/// The body of `POST /plugins/create`: `config.json` and a small rootfs.
fn plugin_tar(config: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for dir in [
        "rootfs/",
        "rootfs/bin/",
        "rootfs/run/",
        "rootfs/run/docker/",
        "rootfs/run/docker/plugins/",
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_size(0);
        header.set_mode(0o755);
        header.set_cksum();
        builder
            .append_data(&mut header, dir, std::io::empty())
            .unwrap();
    }
    let marker = unique("v151-plugin-marker");
    let files: [(&str, u32, &[u8]); 2] = [
        ("config.json", 0o644, config.as_bytes()),
        ("rootfs/bin/drapi-marker", 0o644, marker.as_bytes()),
    ];
    for (path, mode, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(mode);
        header.set_cksum();
        builder.append_data(&mut header, path, content).unwrap();
    }
    builder.into_inner().unwrap()
}

/// `Config.DockerVersion` of a plugin, deprecated at 1.51: the swagger says
/// the daemon no longer sets it, but dockerd 28.5 sets its own version on a
/// plugin it creates, over the manifest's (erratum `plugin-docker-version-still-set`).
#[tokio::test]
#[ignore = "needs the test daemon"]
async fn plugin_docker_version_deprecated_but_set() {
    let docker = docker_at("1.51");
    let name = format!("{}:latest", unique("v151-plugin"));
    let config = r#"{"description":"drapi v1.51 plugin","documentation":"https://example.invalid/drapi","entrypoint":["/bin/drapi-marker"],"interface":{"types":["docker.volumedriver/1.0"],"socket":"drapi.sock"},"network":{"type":"none"},"dockerversion":"17.06.0-ce"}"#;
    let outcome = {
        let name = name.clone();
        tokio::spawn(async move {
            let docker = docker_at("1.51");
            docker
                .plugin_create(&name, RequestBody::from_bytes(plugin_tar(config)))
                .await
                .unwrap();
            let engine = docker
                .system_version()
                .await
                .unwrap()
                .version
                .expect("the engine's version");
            let plugin = docker.plugin_inspect(&name).await.unwrap();
            let set = plugin.config.and_then(|c| c.docker_version);
            assert_eq!(set.as_deref(), Some(engine.as_str()));
            for version in ["1.41", "1.51"] {
                let (status, listed) = raw("GET", version, "/plugins", None).await;
                assert_eq!(status, 200, "{listed}");
                let ours = listed
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["Name"] == json!(name))
                    .cloned()
                    .expect("the plugin is listed");
                assert_eq!(
                    ours["Config"]["DockerVersion"],
                    json!(engine),
                    "{version}: {ours}"
                );
            }
        })
        .await
    };
    let _ = docker.plugin_delete(&name).force(true).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
