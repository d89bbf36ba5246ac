//! System calls against the test daemon: ping, version, info, auth, events.

mod common;

use common::*;
use docker_remote_api::prelude::*;

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn ping_version_info() {
    let docker = docker();
    docker.system_ping().await.unwrap();
    let version = docker.system_version().await.unwrap();
    assert!(
        version
            .api_version
            .as_deref()
            .is_some_and(|v| v.starts_with("1.")),
        "{version:?}"
    );
    let info = docker.system_info().await.unwrap();
    assert_eq!(info.driver.as_deref(), Some("vfs"));
    assert!(info.containers.is_some() && info.images.is_some());
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn negotiation_settles_on_the_older_of_the_newest_versions() {
    let docker = docker();
    docker.set_api_version("1.24").unwrap();
    let chosen = docker.negotiate_version().await.unwrap();
    let expected = older_api(docker_remote_api::API_VERSION, newest_api());
    assert_eq!(
        chosen,
        expected,
        "dockerd {} speaks up to {}, this crate up to {}",
        daemon_release(),
        newest_api(),
        docker_remote_api::API_VERSION
    );
    assert_eq!(docker.api_version(), expected);
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn auth_against_the_local_registry() {
    let docker = docker();
    let ok = docker.system_auth(&registry_auth()).await.unwrap();
    match ok {
        SystemAuthOutcome::LoggedIn(answer) => assert!(
            answer
                .status
                .as_deref()
                .unwrap_or_default()
                .contains("Login Succeeded"),
            "{answer:?}"
        ),
        SystemAuthOutcome::LoggedInWithoutBody => {
            panic!("dockerd 20.10 answers 200 with a status (erratum system-auth-no-204)")
        }
    }
    let mut wrong = registry_auth();
    wrong.password = Some("not-the-password".into());
    let err = docker.system_auth(&wrong).await.unwrap_err();
    // Erratum system-auth-refused-is-500: refused credentials come back as 500.
    assert_eq!(err.status(), Some(500), "{err}");
    assert!(err.to_string().contains("401 Unauthorized"), "{err}");
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn filtered_events_see_start_and_die() {
    let docker = docker();
    let id = create(&docker, &config(&["true"])).await;
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 1;
    let filters = EventFilters {
        container: Some(vec![id.clone()]),
        r#type: Some(vec!["container".into()]),
        ..Default::default()
    };
    let mut events = docker
        .system_events()
        .since(since.to_string())
        .filters(filters)
        .await
        .unwrap();
    docker.container_start(&id).await.unwrap();
    let mut actions = Vec::new();
    while !actions.iter().any(|a| a == "die") {
        let event = tokio::time::timeout(std::time::Duration::from_secs(20), events.next())
            .await
            .expect("events arrive")
            .unwrap()
            .unwrap();
        assert_eq!(
            event.actor.as_ref().and_then(|a| a.id.as_deref()),
            Some(id.as_str()),
            "the filter holds"
        );
        actions.push(event.action.unwrap_or_default());
    }
    assert!(actions.contains(&"start".to_string()), "{actions:?}");
    remove(&docker, &id).await;
}
