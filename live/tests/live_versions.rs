//! The client's version check against the test daemon: pinned to an older
//! API version, a request that uses something newer fails before it is sent,
//! and goes through once the check is off.

mod common;

use common::*;
use docker_remote_api::prelude::*;

/// A body that sets `HostConfig.Init`, which API 1.25 introduced. (Both test
/// daemons speak 1.24; dockerd 28.5 refuses anything older.)
fn with_init() -> ContainerCreateBody {
    let mut body = config(&["true"]);
    let host = body.host_config.get_or_insert_with(Default::default);
    host.init = Some(true);
    body
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn a_too_new_body_field_fails_before_sending_and_passes_with_the_check_off() {
    busybox().await;
    let docker = docker();
    docker.set_api_version("1.24").unwrap();
    let before = docker.container_list().all(true).await.unwrap().len();

    let err = docker.container_create(&with_init()).await.unwrap_err();
    let Error::Version {
        item,
        since,
        in_use,
        ..
    } = &err
    else {
        panic!("expected a version error, got {err:?}");
    };
    assert_eq!(item, "HostConfig.Init");
    assert_eq!((*since, in_use.as_str()), (Some("1.25"), "1.24"));
    assert_eq!(
        err.to_string(),
        "container_create: HostConfig.Init needs API 1.25; this daemon speaks 1.24"
    );
    // Nothing reached the daemon.
    let after = docker.container_list().all(true).await.unwrap().len();
    assert_eq!(after, before);

    // The daemon itself takes the request at /v1.24.
    let unchecked = docker.clone().with_version_check(false);
    let created = unchecked.container_create(&with_init()).await.unwrap();
    remove(&docker, &created.id).await;
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn a_too_new_query_parameter_fails_before_sending() {
    let docker = docker();
    docker.set_api_version("1.34").unwrap();
    // `until` came with API 1.35; the container need not even exist.
    let err = docker
        .container_logs("no-such-container")
        .stdout(true)
        .until("1")
        .await
        .err()
        .expect("the version check refuses the call");
    assert!(
        matches!(&err, Error::Version { item, since: Some("1.35"), .. } if item == "the query parameter `until`"),
        "{err:?}"
    );
    // Without the parameter, the same call reaches the daemon, which knows no such container.
    let err = docker
        .container_logs("no-such-container")
        .stdout(true)
        .await
        .err()
        .expect("no such container");
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn a_v1_41_field_fails_at_v1_24_before_sending_and_passes_with_the_check_off() {
    busybox().await;
    let docker = docker();
    docker.set_api_version("1.24").unwrap();
    let mut body = config(&["true"]);
    body.host_config
        .get_or_insert_with(Default::default)
        .cgroupns_mode = Some(CgroupnsMode::Private);
    let before = docker.container_list().all(true).await.unwrap().len();

    let err = docker.container_create(&body).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "container_create: HostConfig.CgroupnsMode needs API 1.41; this daemon speaks 1.24"
    );
    assert_eq!(
        docker.container_list().all(true).await.unwrap().len(),
        before
    );

    // At /v1.24 the daemon takes the request and ignores the field.
    let created = docker
        .clone()
        .with_version_check(false)
        .container_create(&body)
        .await
        .unwrap();
    remove(&docker, &created.id).await;
    // At /v1.41 the field is the API's own.
    docker.set_api_version("1.41").unwrap();
    let created = docker.container_create(&body).await.unwrap();
    remove(&docker, &created.id).await;
}
