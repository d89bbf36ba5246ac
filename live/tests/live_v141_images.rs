//! Images, build and distribution at API v1.25 to v1.41 against the test
//! daemon and the local registry (127.0.0.1:5000 only): the operations the
//! swagger files added (`image_prune`, `build_prune`, `distribution_inspect`),
//! the new parameters of build, pull/import and list, and the errata where
//! dockerd 20.10 differs from the swagger.
//!
//! Every test pins the client to API 1.41 (what is tested is the v1.41
//! behaviour, whatever the pass of `cargo xtask test`); a few raw requests name
//! their own version. Every image made here carries a unique name and is
//! removed at the end; prunes are narrowed to this file's own label or records.

mod common;

use std::collections::BTreeMap;

use common::*;
use docker_remote_api::prelude::*;

/// A client of the test daemon speaking API 1.41.
fn docker41() -> Docker {
    let docker = docker();
    docker.set_api_version("1.41").expect("1.41 is in range");
    docker
}

/// Standard base64 with URL-safe letters, as `X-Registry-Auth` wants it.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
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

/// The `X-Registry-Auth` value of the given credentials.
fn auth_header(auth: &AuthConfig) -> String {
    base64url(serde_json::to_string(auth).unwrap().as_bytes())
}

/// The local registry's user with a wrong password.
fn wrong_auth() -> AuthConfig {
    AuthConfig {
        password: Some("not-the-password".into()),
        ..registry_auth()
    }
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One request with an empty body (see [`raw_exchange`]), for what the typed
/// client hides (exact keys of a body) or refuses to send (a parameter the
/// version lacks, a filter the spec does not list). `path` carries its own
/// `/vX.Y` prefix.
async fn raw(method: &str, path: &str, headers: &[(&str, String)]) -> (u16, String) {
    let answer = raw_exchange(method, path, headers, None).await;
    (answer.status, answer.text())
}

/// The status of a failed call, failing the test on success.
fn status_of<T>(what: &str, result: Result<T, Error>) -> u16 {
    match result {
        Ok(_) => panic!("{what}: expected an error status, got a success"),
        Err(e) => e
            .status()
            .unwrap_or_else(|| panic!("{what}: expected an error status, got {e}")),
    }
}

/// A build context of `FROM scratch` plus a file of unique content and the
/// given extra Dockerfile lines.
fn scratch_context(extra: &str) -> Vec<u8> {
    let marker = unique("t2-marker");
    let dockerfile = format!("FROM scratch\nCOPY marker /marker\n{extra}");
    tar_of(&[
        ("Dockerfile", 0o644, dockerfile.as_bytes()),
        ("marker", 0o644, marker.as_bytes()),
    ])
}

/// Builds a small image of its own (unique layer) under `tag`.
async fn build_scratch(docker: &Docker, tag: &str, extra: &str) {
    let build = docker
        .image_build(RequestBody::from_bytes(scratch_context(extra)))
        .tag(tag)
        .await
        .expect("the build starts");
    drain("the build", build).await;
}

/// Builds an image of its own and pushes it to the local registry as
/// `127.0.0.1:5000/<unique>:v1`; answers that repository name (without tag).
async fn pushed_image(docker: &Docker) -> String {
    let local = format!("{}:v1", unique("t2-local"));
    build_scratch(docker, &local, "").await;
    let repo = format!("{}/{}", registry(), unique("t2-pushed"));
    docker
        .image_tag(&local)
        .repo(&repo)
        .tag("v1")
        .await
        .unwrap();
    let push = docker
        .image_push(&repo, &registry_auth())
        .tag("v1")
        .await
        .unwrap();
    drain("the push", push).await;
    docker.image_delete(&local).await.unwrap();
    repo
}

/// BuildKit builds of this file one at a time: each test tells its own cache
/// records by comparing the records before and after its build.
static BUILDKIT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The IDs of BuildKit's cache records, from `GET /system/df`.
async fn build_cache_ids() -> Vec<String> {
    let (status, body) = when_disk_usage_is_free(|| async {
        match raw("GET", "/v1.41/system/df", &[]).await {
            (500, body) => Err(body),
            answer => Ok(answer),
        }
    })
    .await
    .unwrap_or_else(|body| (500, body));
    assert_eq!(status, 200, "{body}");
    let df: serde_json::Value = serde_json::from_str(&body).unwrap();
    df["BuildCache"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .filter_map(|r| r["ID"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `digests` changes nothing (erratum `image-list-digests-ignored`), the list
/// reports -1 for the counts it does not compute, and the deprecated `filter`
/// works below 1.41 only.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn image_list_sends_digests_unasked_and_drops_filter_at_1_41() {
    let docker = docker41();
    let repo = pushed_image(&docker).await;
    let by_reference = ImageListFilters {
        // The repository without a tag: a tag in the pattern would also drop the
        // `repo@digest` references from `RepoDigests`.
        reference: Some(vec![repo.clone()]),
        ..Default::default()
    };
    for digests in [None, Some(false)] {
        let mut call = docker.image_list().filters(by_reference.clone());
        if let Some(value) = digests {
            call = call.digests(value);
        }
        let images = call.await.unwrap();
        assert_eq!(images.len(), 1, "{images:?}");
        let digests_sent = images[0].repo_digests.clone().unwrap_or_default();
        assert!(
            digests_sent
                .iter()
                .any(|d| d.starts_with(&format!("{repo}@sha256:"))),
            "digests={digests:?}: {images:?}"
        );
        assert_eq!(images[0].containers, Some(-1), "{images:?}");
        assert_eq!(images[0].shared_size, Some(-1), "{images:?}");
    }

    // `filter` (the name, shell-style) narrows the list at 1.40 and is ignored at 1.41.
    let pattern = encode(&format!("{repo}-no-such-repository*"));
    let (status, old) = raw("GET", &format!("/v1.40/images/json?filter={pattern}"), &[]).await;
    assert_eq!(status, 200, "{old}");
    assert!(!old.contains(&repo), "1.40 honours `filter`: {old}");
    let (status, new) = raw("GET", &format!("/v1.41/images/json?filter={pattern}"), &[]).await;
    assert_eq!(status, 200, "{new}");
    assert!(new.contains(&repo), "1.41 ignores `filter`: {new}");

    docker.image_delete(&format!("{repo}:v1")).await.unwrap();
}

/// `extrahosts` is a repeated key (erratum `image-build-extrahosts-repeated`);
/// `networkmode` reaches the RUN step.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn build_takes_several_extra_hosts_and_a_network_mode() {
    let docker = docker41();
    let base = busybox().await;
    let dockerfile = format!("FROM {base}\nRUN cat /etc/hosts && ls /sys/class/net\n");
    let context = tar_of(&[("Dockerfile", 0o644, dockerfile.as_bytes())]);
    let tag = format!("{}:v1", unique("t2-hosts"));
    let build = docker
        .image_build(RequestBody::from_bytes(context))
        .tag(&tag)
        .no_cache(true)
        .network_mode("none")
        .extra_hosts(vec![
            "alpha.t2.test:10.1.2.3".into(),
            "beta.t2.test:10.4.5.6".into(),
        ])
        .await
        .unwrap();
    let output: String = drain("the build", build)
        .await
        .into_iter()
        .filter_map(|l| l.stream)
        .collect();
    assert!(output.contains("10.1.2.3\talpha.t2.test"), "{output}");
    assert!(output.contains("10.4.5.6\tbeta.t2.test"), "{output}");
    // With network mode `none` the RUN container has only the loopback interface.
    assert!(
        output.contains("lo\n") && !output.contains("eth0"),
        "{output}"
    );
    docker.image_delete(&tag).await.unwrap();
}

/// BuildKit (`version` 2) with an `outputs` exporter, and an unknown
/// `version`, which dockerd 20.10 answers 500 (erratum `image-build-version-unknown-500`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn build_with_buildkit_outputs_and_an_unknown_version() {
    let _buildkit = BUILDKIT.lock().await;
    let docker = docker41();
    let tag = format!("{}:v1", unique("t2-buildkit"));
    let before = build_cache_ids().await;
    let build = docker
        .image_build(RequestBody::from_bytes(scratch_context("")))
        .tag(&tag)
        .version(BuilderVersion::BuildKit)
        .outputs(vec![ImageBuildOutput {
            r#type: Some("moby".into()),
            attrs: Some(BTreeMap::new()),
        }])
        .await
        .unwrap();
    let lines = drain("the BuildKit build", build).await;
    assert!(
        lines
            .iter()
            .any(|l| l.id.as_deref() == Some("moby.buildkit.trace")
                && l.aux.as_ref().is_some_and(|a| a.is_string())),
        "{lines:?}"
    );
    let image_id = lines
        .iter()
        .find(|l| l.id.as_deref() == Some("moby.image.id"))
        .and_then(|l| l.aux.as_ref())
        .and_then(|a| a["ID"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no moby.image.id line: {lines:?}"));
    let image = docker.image_inspect(&tag).await.unwrap();
    assert_eq!(image.id.as_deref(), Some(image_id.as_str()));
    docker.image_delete(&tag).await.unwrap();

    let unknown = docker
        .image_build(RequestBody::from_bytes(scratch_context("")))
        .version(BuilderVersion::Other("3".into()))
        .await;
    // `invalid version "3"`: 500 from dockerd 20.10, 400 from dockerd 28.5.
    assert_eq!(status_of("version 3", unknown), per_daemon(500, 400));

    // Leave no cache records of this test behind.
    for id in build_cache_ids().await {
        if !before.contains(&id) {
            let _ = docker
                .build_prune()
                .all(true)
                .filters(BuildPruneFilters {
                    id: Some(vec![id]),
                    ..Default::default()
                })
                .await;
        }
    }
}

/// `POST /build/prune` deletes the records it is told to (here, by ID: the
/// records a BuildKit build of this test made), and answers 400 to an unknown
/// filter (erratum `build-prune-bad-filter`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn build_prune_removes_a_buildkit_record() {
    let _buildkit = BUILDKIT.lock().await;
    let docker = docker41();
    let before = build_cache_ids().await;
    let tag = format!("{}:v1", unique("t2-cache"));
    let build = docker
        .image_build(RequestBody::from_bytes(scratch_context("")))
        .tag(&tag)
        .version(BuilderVersion::BuildKit)
        .await
        .unwrap();
    drain("the BuildKit build", build).await;
    docker.image_delete(&tag).await.unwrap();
    let mine: Vec<String> = build_cache_ids()
        .await
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    assert!(!mine.is_empty(), "the build made no cache record");

    let mut deleted = Vec::new();
    let mut reclaimed = 0;
    for id in &mine {
        let report = docker
            .build_prune()
            .all(true)
            .filters(BuildPruneFilters {
                id: Some(vec![id.clone()]),
                ..Default::default()
            })
            .await
            .unwrap();
        deleted.extend(report.caches_deleted.unwrap_or_default());
        reclaimed += report.space_reclaimed.unwrap_or_default();
    }
    for id in &mine {
        assert!(deleted.contains(id), "{id} not in {deleted:?}");
    }
    assert!(reclaimed > 0, "{reclaimed}");
    let left = build_cache_ids().await;
    assert!(mine.iter().all(|id| !left.contains(id)), "{left:?}");

    // Nothing matches: null, not an empty list.
    let none = docker
        .build_prune()
        .filters(BuildPruneFilters {
            id: Some(vec!["t2-no-such-record".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(none.caches_deleted, None);
    assert_eq!(none.space_reclaimed, Some(0));

    let bogus = encode(r#"{"t2-bogus":["x"]}"#);
    let (status, body) = raw("POST", &format!("/v1.41/build/prune?filters={bogus}"), &[]).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = raw(
        "POST",
        &format!(
            "/v1.41/build/prune?keep-storage=lots&filters={}",
            encode(r#"{"id":["t2-no-such-record"]}"#)
        ),
        &[],
    )
    .await;
    assert_eq!(status, per_daemon(500, 400), "{body}");
}

/// `POST /images/prune` narrowed to a label of this test; an unknown filter is
/// answered 400 (erratum `image-prune-bad-filter`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn image_prune_by_label() {
    let docker = docker41();
    let value = unique("t2-prune");
    let label = format!("drapi.t2.prune={value}");
    let tag = format!("{value}:v1");
    let build = docker
        .image_build(RequestBody::from_bytes(scratch_context("")))
        .tag(&tag)
        .labels(BTreeMap::from([(
            "drapi.t2.prune".to_string(),
            value.clone(),
        )]))
        .await
        .unwrap();
    drain("the build", build).await;
    let id = docker.image_inspect(&tag).await.unwrap().id.unwrap();
    // The label singles out this one image before anything is pruned.
    let labelled = docker
        .image_list()
        .all(true)
        .filters(ImageListFilters {
            label: Some(vec![label.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(labelled.len(), 1, "{labelled:?}");
    assert_eq!(labelled[0].id, id);

    let filters = ImagePruneFilters {
        dangling: Some(vec!["false".into()]),
        label: Some(vec![label]),
        ..Default::default()
    };
    let report = docker.image_prune().filters(filters.clone()).await.unwrap();
    let items = report.images_deleted.clone().unwrap_or_default();
    assert!(
        items
            .iter()
            .any(|i| i.untagged.as_deref() == Some(tag.as_str())),
        "{items:?}"
    );
    assert!(
        items
            .iter()
            .any(|i| i.deleted.as_deref() == Some(id.as_str())),
        "{items:?}"
    );
    assert!(report.space_reclaimed.unwrap_or_default() > 0, "{report:?}");
    assert!(docker.image_inspect(&tag).await.unwrap_err().is_not_found());

    let again = docker.image_prune().filters(filters).await.unwrap();
    assert_eq!(again.images_deleted, None, "{again:?}");
    assert_eq!(again.space_reclaimed, Some(0));

    let bogus = encode(r#"{"t2-bogus":["x"]}"#);
    let (status, body) = raw("POST", &format!("/v1.41/images/prune?filters={bogus}"), &[]).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains(per_daemon("Invalid filter", "invalid filter")),
        "{body}"
    );
}

/// The statuses of a pull (erratum `image-create-statuses`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn image_create_statuses() {
    let docker = docker41();
    let repo = pushed_image(&docker).await;
    docker.image_delete(&format!("{repo}:v1")).await.unwrap();

    let bad_reference = docker
        .image_create()
        .from_image(format!("{}/T2-UPPER-CASE", registry()))
        .tag("v1")
        .await;
    assert_eq!(status_of("an invalid reference", bad_reference), 400);
    let bad_platform = docker
        .image_create()
        .from_image(&repo)
        .tag("v1")
        .platform("t2-no-such-os")
        .registry_auth(registry_auth())
        .await;
    assert_eq!(status_of("an unknown platform", bad_platform), 400);
    let no_credentials = docker.image_create().from_image(&repo).tag("v1").await;
    assert_eq!(status_of("no credentials", no_credentials), 500);
    let refused = docker
        .image_create()
        .from_image(&repo)
        .tag("v1")
        .registry_auth(wrong_auth())
        .await;
    // `unauthorized`: 500 from dockerd 20.10, 401 from dockerd 28.5.
    assert_eq!(status_of("a wrong password", refused), per_daemon(500, 401));
    let missing = docker
        .image_create()
        .from_image(&repo)
        .tag("t2-no-such-tag")
        .registry_auth(registry_auth())
        .await;
    assert_eq!(status_of("a missing tag", missing), 404);

    let pull = docker
        .image_create()
        .from_image(&repo)
        .tag("v1")
        .platform("linux")
        .registry_auth(registry_auth())
        .await
        .unwrap();
    drain("the pull", pull).await;
    docker.image_delete(&format!("{repo}:v1")).await.unwrap();
}

/// An import (`fromSrc=-`) takes `message` and `changes`.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn image_import_takes_message_and_changes() {
    let docker = docker41();
    let repo = unique("t2-imported");
    let rootfs = tar_of(&[("etc/t2-marker", 0o644, repo.as_bytes())]);
    let import = docker
        .image_create()
        .from_src("-")
        .repo(&repo)
        .tag("v1")
        .message("imported by live_v141_images")
        .changes(vec!["ENV T2_IMPORTED=yes".into(), "WORKDIR /etc".into()])
        .body(RequestBody::from_bytes(rootfs))
        .await
        .unwrap();
    drain("the import", import).await;
    let image = docker.image_inspect(&format!("{repo}:v1")).await.unwrap();
    assert_eq!(
        image.comment.as_deref(),
        Some("imported by live_v141_images")
    );
    let config = image.config.unwrap();
    assert!(
        config
            .env
            .unwrap_or_default()
            .iter()
            .any(|e| e == "T2_IMPORTED=yes"),
        "ENV applied"
    );
    assert_eq!(config.working_dir.as_deref(), Some("/etc"));
    docker.image_delete(&format!("{repo}:v1")).await.unwrap();
}

/// A push of an image the daemon does not have is a 200 with an in-band
/// error (erratum `image-push-missing-image-in-band`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn push_of_a_missing_image_fails_in_band() {
    let docker = docker41();
    let name = format!("{}/{}", registry(), unique("t2-never-built"));
    let mut push = docker
        .image_push(&name, &registry_auth())
        .tag("v1")
        .await
        .expect("the daemon answers 200");
    let mut errors = Vec::new();
    while let Some(item) = push.next().await {
        if let Err(e) = item {
            errors.push(e.to_string());
        }
    }
    assert!(
        errors.iter().any(|e| e.contains("does not exist locally")),
        "{errors:?}"
    );
}

/// `Variant`, `Metadata` and `Volumes` of an inspected image (errata
/// `image-inspect-volumes-schema` and `image-metadata-in-inspect`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn inspect_reports_variant_metadata_and_volumes() {
    let docker = docker41();
    let tag = format!("{}:v1", unique("t2-inspect"));
    build_scratch(&docker, &tag, "VOLUME /data\n").await;
    let image = docker.image_inspect(&tag).await.unwrap();
    let volumes = image.config.as_ref().and_then(|c| c.volumes.clone());
    assert!(
        volumes.as_ref().is_some_and(|v| v.contains_key("/data")),
        "{volumes:?}"
    );
    let tagged = image
        .metadata
        .as_ref()
        .and_then(|m| m.last_tag_time.clone())
        .unwrap_or_default();
    assert!(
        tagged.len() > 20 && !tagged.starts_with("0001-"),
        "LastTagTime of a tagged image: {tagged:?}"
    );
    // amd64 images have no variant: the key is left out, not sent empty.
    let (status, body) = raw("GET", &format!("/v1.41/images/{tag}/json"), &[]).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["Config"]["Volumes"], serde_json::json!({"/data": {}}));
    assert!(!body.contains("additionalProperties"), "{body}");
    if json["Architecture"] == "amd64" {
        assert!(json.get("Variant").is_none(), "{body}");
    }
    // The local metadata stays out of the saved tarball.
    let saved = collect_bytes(docker.image_get(&tag).await.unwrap()).await;
    let text = String::from_utf8_lossy(&saved);
    assert!(!text.contains("LastTagTime") && !text.contains("ImageMetadata"));
    docker.image_delete(&tag).await.unwrap();
}

/// The commit body's `Volumes` is a map of mount points (erratum `image-commit-volumes-schema`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn commit_takes_volumes_as_a_map() {
    let docker = docker41();
    let id = create(&docker, &config(&["true"])).await;
    let repo = unique("t2-committed");
    let body = ContainerConfig {
        volumes: Some(BTreeMap::from([(
            "/t2-volume".to_string(),
            EmptyObject::default(),
        )])),
        ..Default::default()
    };
    docker
        .image_commit(&body)
        .container(&id)
        .repo(&repo)
        .tag("v1")
        .await
        .unwrap();
    let image = docker.image_inspect(&format!("{repo}:v1")).await.unwrap();
    let volumes = image.config.and_then(|c| c.volumes).unwrap_or_default();
    assert!(volumes.contains_key("/t2-volume"), "{volumes:?}");
    remove(&docker, &id).await;
    docker.image_delete(&format!("{repo}:v1")).await.unwrap();
}

/// `GET /distribution/{name}/json` with the local registry's credentials: the
/// OCI key names at every version (erratum `distribution-inspect-key-names`),
/// `X-Registry-Auth` (erratum `distribution-inspect-registry-auth`) and the
/// statuses (erratum `distribution-inspect-statuses`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn distribution_inspect_through_the_local_registry() {
    let docker = docker41();
    let repo = pushed_image(&docker).await;
    let name = format!("{repo}:v1");
    let inspect = docker
        .distribution_inspect(&name)
        .registry_auth(registry_auth())
        .await
        .unwrap();
    let descriptor = &inspect.descriptor;
    assert!(
        descriptor
            .digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{inspect:?}"
    );
    assert!(
        descriptor
            .media_type
            .as_deref()
            .is_some_and(|m| m.contains("manifest")),
        "{inspect:?}"
    );
    assert!(descriptor.size.unwrap_or_default() > 0, "{inspect:?}");
    let platforms = inspect.platforms.clone().unwrap_or_default();
    assert!(
        platforms
            .iter()
            .any(|p| p.os.as_deref() == Some("linux") && p.architecture.is_some()),
        "{inspect:?}"
    );
    // The digest is the one the daemon recorded when it pushed.
    let local = docker.image_inspect(&name).await.unwrap();
    let digest = descriptor.digest.clone().unwrap();
    assert!(
        local
            .repo_digests
            .unwrap_or_default()
            .contains(&format!("{repo}@{digest}")),
        "{digest}"
    );

    let auth = [("X-Registry-Auth", auth_header(&registry_auth()))];
    for version in ["1.30", "1.39", "1.41"] {
        let (status, body) = raw(
            "GET",
            &format!("/v{version}/distribution/{name}/json"),
            &auth,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        for key in [
            "\"mediaType\"",
            "\"digest\"",
            "\"size\"",
            "\"architecture\"",
            "\"os\"",
        ] {
            assert!(body.contains(key), "v{version} sends {key}: {body}");
        }
        for key in [
            "\"MediaType\"",
            "\"Digest\"",
            "\"OS\"",
            "\"OSVersion\"",
            "\"Features\"",
        ] {
            assert!(!body.contains(key), "v{version} sends no {key}: {body}");
        }
    }

    let no_credentials = docker.distribution_inspect(&name).await;
    assert_eq!(status_of("no credentials", no_credentials), 500);
    let refused = docker
        .distribution_inspect(&name)
        .registry_auth(wrong_auth())
        .await;
    assert_eq!(status_of("a wrong password", refused), 401);
    let missing = docker
        .distribution_inspect(&format!("{repo}:t2-no-such-tag"))
        .registry_auth(registry_auth())
        .await;
    assert_eq!(status_of("a missing tag", missing), 404);
    let invalid = docker
        .distribution_inspect(&format!("{}/T2-UPPER-CASE:v1", registry()))
        .registry_auth(registry_auth())
        .await;
    assert_eq!(status_of("an invalid reference", invalid), 400);

    docker.image_delete(&name).await.unwrap();
}
