//! Images against the test daemon and the local registry (127.0.0.1:5000 only).

mod common;

use common::*;
use docker_remote_api::prelude::*;

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn list_inspect_history_tag_remove() {
    let docker = docker();
    busybox().await;
    let images = docker.image_list().await.unwrap();
    assert!(
        images
            .iter()
            .any(|i| i.repo_tags.iter().flatten().any(|t| t == BUSYBOX)),
        "{images:?}"
    );

    let inspect = docker.image_inspect(BUSYBOX).await.unwrap();
    assert_eq!(inspect.os.as_deref(), Some("linux"));
    let history = docker.image_history(BUSYBOX).await.unwrap();
    assert!(history.len() >= 2, "COPY and RUN layers: {history:?}");

    let repo = unique("tagged");
    docker
        .image_tag(BUSYBOX)
        .repo(&repo)
        .tag("v1")
        .await
        .unwrap();
    let tagged = docker.image_inspect(&format!("{repo}:v1")).await.unwrap();
    assert_eq!(tagged.id, inspect.id);

    let deleted = docker.image_delete(&format!("{repo}:v1")).await.unwrap();
    assert!(
        deleted
            .iter()
            .any(|d| d.untagged.as_deref() == Some(format!("{repo}:v1").as_str())),
        "{deleted:?}"
    );
    assert!(docker
        .image_inspect(&format!("{repo}:v1"))
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn save_and_load_tarballs() {
    let docker = docker();
    busybox().await;
    let saved = collect_bytes(docker.image_get(BUSYBOX).await.unwrap()).await;
    let mut all = docker
        .image_get_all()
        .names(vec![BUSYBOX.into()])
        .await
        .unwrap();
    let mut all_bytes = 0;
    while let Some(chunk) = all.next().await {
        all_bytes += chunk.unwrap().len();
    }
    assert!(all_bytes > 500_000);

    let repo = unique("reloaded");
    docker
        .image_tag(BUSYBOX)
        .repo(&repo)
        .tag("x")
        .await
        .unwrap();
    docker.image_delete(&format!("{repo}:x")).await.unwrap();
    let load = docker
        .image_load(RequestBody::from_bytes(saved))
        .quiet(false)
        .await
        .unwrap();
    let lines = drain("the load", load).await;
    assert!(
        lines.iter().any(|l| l
            .stream
            .as_deref()
            .unwrap_or_default()
            .contains("Loaded image")),
        "{}",
        lines.len()
    );
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn push_and_pull_through_the_local_registry() {
    let docker = docker();
    busybox().await;
    let name = format!("{}/{}", registry(), unique("pushed"));
    docker
        .image_tag(BUSYBOX)
        .repo(&name)
        .tag("v1")
        .await
        .unwrap();

    // Without credentials the push fails in-band, after the 200.
    let mut denied = docker
        .image_push(&name, &AuthConfig::default())
        .tag("v1")
        .await
        .unwrap();
    let mut saw_error = false;
    while let Some(item) = denied.next().await {
        if let Err(e) = item {
            assert!(matches!(e, Error::Stream { .. }), "{e}");
            saw_error = true;
        }
    }
    assert!(
        saw_error,
        "an unauthenticated push reports an in-band error"
    );

    let mut push = docker
        .image_push(&name, &registry_auth())
        .tag("v1")
        .await
        .unwrap();
    while let Some(item) = push.next().await {
        item.expect("push progresses");
    }
    docker.image_delete(&format!("{name}:v1")).await.unwrap();

    let mut pull = docker
        .image_create()
        .from_image(&name)
        .tag("v1")
        .registry_auth(registry_auth())
        .await
        .unwrap();
    let mut statuses = Vec::new();
    while let Some(item) = pull.next().await {
        statuses.push(item.expect("pull progresses").status.unwrap_or_default());
    }
    assert!(
        statuses
            .iter()
            .any(|s| s.contains("Downloaded newer image") || s.contains("Image is up to date")),
        "{statuses:?}"
    );
    docker.image_inspect(&format!("{name}:v1")).await.unwrap();
}

#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn commit_a_container_into_an_image() {
    let docker = docker();
    let id = create(&docker, &config(&["sh", "-c", "echo committed > /marker"])).await;
    docker.container_start(&id).await.unwrap();
    docker.container_wait(&id).await.unwrap();
    let repo = unique("committed");
    // The body is the image's configuration itself, not `{"config": ...}`
    // (erratum `image-commit-config-parameter`): its Cmd must reach the image.
    let body = ContainerConfig {
        cmd: Some(StringOrList::List(vec!["cat".into(), "/marker".into()])),
        ..Default::default()
    };
    let committed = docker
        .image_commit(&body)
        .container(&id)
        .repo(&repo)
        .tag("v1")
        .comment("from the live tests")
        .await
        .unwrap();
    let image = docker.image_inspect(&format!("{repo}:v1")).await.unwrap();
    assert_eq!(image.id.as_deref(), committed.id.as_deref());
    assert_eq!(image.comment.as_deref(), Some("from the live tests"));
    let cmd = image.config.and_then(|c| c.cmd);
    assert_eq!(
        cmd,
        Some(StringOrList::List(vec!["cat".into(), "/marker".into()]))
    );
    remove(&docker, &id).await;
}

/// Saves, removes and loads back a one-layer image of its own, whose layer the
/// daemon does not hold, so a load has something to report progress on.
async fn load_a_fresh_image(docker: &Docker, quiet: Option<bool>) -> Vec<ProgressMessage> {
    let tag = format!("{}:v1", unique("quiet-probe"));
    let marker = unique("layer-content");
    let context = tar_of(&[
        ("Dockerfile", 0o644, b"FROM scratch\nCOPY marker /marker\n"),
        ("marker", 0o644, marker.as_bytes()),
    ]);
    let build = docker
        .image_build(RequestBody::from_bytes(context))
        .tag(&tag)
        .await
        .unwrap();
    drain("the build", build).await;
    let saved = collect_bytes(docker.image_get(&tag).await.unwrap()).await;
    docker.image_delete(&tag).await.unwrap();
    let load = docker
        .image_load(RequestBody::from_bytes(saved))
        .options(ImageLoadOptions {
            quiet,
            ..Default::default()
        })
        .await
        .unwrap();
    let lines = drain("the load", load).await;
    docker.image_delete(&tag).await.unwrap();
    lines
}

/// Without `quiet` the daemon sends no progress, only the final line; the doc
/// says `quiet` defaults to false (erratum `image-load-quiet-default`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn image_load_is_quiet_unless_asked_not_to_be() {
    let docker = docker();
    let progress_of = |lines: &[ProgressMessage]| {
        lines
            .iter()
            .filter(|l| l.progress_detail.is_some() || l.status.is_some())
            .count()
    };
    let omitted = load_a_fresh_image(&docker, None).await;
    assert_eq!(progress_of(&omitted), 0, "{omitted:?}");
    assert!(
        omitted.iter().any(|l| l
            .stream
            .as_deref()
            .is_some_and(|s| s.contains("Loaded image"))),
        "{omitted:?}"
    );
    let verbose = load_a_fresh_image(&docker, Some(false)).await;
    assert!(progress_of(&verbose) > 0, "{verbose:?}");
}
