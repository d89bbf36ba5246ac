//! Volumes and networks against the test daemon.

mod common;

use std::collections::BTreeMap;

use common::*;
use docker_remote_api::prelude::*;

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn volume_create_list_inspect_remove() {
    let docker = docker();
    let name = unique("vol");
    let labels = BTreeMap::from([("drapi".to_string(), "yes".to_string())]);
    let created = docker
        .volume_create()
        .body(&VolumeCreateBody {
            name: Some(name.clone()),
            driver: Some("local".into()),
            labels: Some(labels),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.name, name);
    let filters = VolumeListFilters {
        name: Some(vec![name.clone()]),
        ..Default::default()
    };
    let listed = docker.volume_list().filters(filters).await.unwrap();
    assert_eq!(
        listed
            .volumes
            .clone()
            .unwrap_or_default()
            .iter()
            .filter(|v| v.name == name)
            .count(),
        1
    );
    let inspected = docker.volume_inspect(&name).await.unwrap();
    assert_eq!(
        inspected
            .labels
            .and_then(|l| l.get("drapi").cloned())
            .as_deref(),
        Some("yes")
    );

    // A volume in use cannot go.
    let mut body = config(&["true"]);
    body.host_config.as_mut().unwrap().binds = Some(vec![format!("{name}:/data")]);
    let id = create(&docker, &body).await;
    let busy = docker.volume_delete(&name).await.unwrap_err();
    assert_eq!(busy.status(), Some(409), "{busy}");
    remove(&docker, &id).await;
    docker.volume_delete(&name).await.unwrap();
    assert!(docker
        .volume_inspect(&name)
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn network_create_connect_disconnect_remove() {
    let docker = docker();
    let name = unique("net");
    let body = NetworkCreateBody {
        name: name.clone(),
        driver: Some("bridge".into()),
        internal: Some(true),
        check_duplicate: Some(true),
        ..Default::default()
    };
    let created = docker.network_create(&body).await.unwrap();
    let network_id = created
        .id
        .clone()
        .expect("the daemon answers the network id");

    let filters = NetworkListFilters {
        name: Some(vec![name.clone()]),
        ..Default::default()
    };
    let listed = docker.network_list().filters(filters).await.unwrap();
    assert!(listed
        .iter()
        .any(|n| n.id.as_deref() == Some(network_id.as_str())));

    let mut config = config(&["sleep", "60"]);
    config.host_config.as_mut().unwrap().network_mode = Some(name.clone());
    let other = create(&docker, &config).await;
    docker.container_start(&other).await.unwrap();

    // The sidecar starts on a second network: `none` cannot be combined with others.
    let home = docker
        .network_create(&NetworkCreateBody {
            name: unique("home"),
            internal: Some(true),
            ..Default::default()
        })
        .await
        .unwrap()
        .id
        .unwrap();
    let mut sidecar_config = common::config(&["sleep", "60"]);
    sidecar_config.host_config.as_mut().unwrap().network_mode = Some(home.clone());
    let sidecar = create(&docker, &sidecar_config).await;
    let connect = NetworkConnectBody {
        container: Some(sidecar.clone()),
        endpoint_config: Some(EndpointSettings {
            aliases: Some(vec!["side".into()]),
            ..Default::default()
        }),
    };
    docker.network_connect(&network_id, &connect).await.unwrap();
    let inspected = docker.network_inspect(&network_id).await.unwrap();
    assert_eq!(inspected.internal, Some(true));
    assert!(
        inspected
            .containers
            .unwrap_or_default()
            .contains_key(&other),
        "the running member is listed"
    );

    docker
        .network_disconnect(
            &network_id,
            &NetworkDisconnectBody {
                container: Some(sidecar.clone()),
                force: Some(true),
            },
        )
        .await
        .unwrap();
    remove(&docker, &other).await;
    remove(&docker, &sidecar).await;
    docker.network_delete(&network_id).await.unwrap();
    docker.network_delete(&home).await.unwrap();
    assert!(docker
        .network_inspect(&network_id)
        .await
        .unwrap_err()
        .is_not_found());
}

/// Erratum `volume-create-body-optional`: no body makes an anonymous volume
/// on dockerd 28.5 and is a 400 on 20.10; a body not sent as JSON is a 400 on
/// both, as for every JSON body (the stubs' router does the same).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn volume_create_body_and_its_content_type() {
    let version = docker().api_version();
    let uri = format!("/v{version}/volumes/create");
    let name = unique("vol-text");
    let body = format!("{{\"Name\":\"{name}\"}}").into_bytes();
    let answer = raw_exchange("POST", &uri, &[], Some(("text/plain", body))).await;
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert!(
        answer.text().contains("(text/plain)")
            && answer.text().contains("must be 'application/json'"),
        "{}",
        answer.text()
    );

    let answer = raw_exchange("POST", &uri, &[], None).await;
    if daemon_release() == "20.10" {
        assert_eq!(answer.status, 400, "{}", answer.text());
        assert!(answer.text().contains("EOF"), "{}", answer.text());
    } else {
        assert_eq!(answer.status, 201, "{}", answer.text());
        let volume: Volume = serde_json::from_slice(&answer.body).unwrap();
        let labels = volume.labels.clone().unwrap_or_default();
        assert!(
            labels.contains_key("com.docker.volume.anonymous"),
            "{volume:?}"
        );
        docker().volume_delete(&volume.name).await.unwrap();
    }
}
