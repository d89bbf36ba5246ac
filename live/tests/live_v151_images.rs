//! Images, build and distribution at API v1.42 to v1.51 against dockerd 28.5
//! and the local registry (127.0.0.1:5000 only): the `platform` parameters of
//! inspect, history, save, load, push and delete, the list's `shared-size`,
//! `until` and container counts, the 1.48 byte limits of `build_prune`, the
//! build cache's parents, and imports that keep the platform's architecture.
//!
//! Every test pins the client to API 1.51; raw requests name their own
//! version to show where a fact starts. Every image or record made here has a
//! unique name and is removed at the end; prunes are narrowed by ID.

mod common;

use common::*;
use docker_remote_api::prelude::*;

/// A client of the test daemon speaking API 1.51.
fn docker151() -> Docker {
    let docker = docker();
    docker.set_api_version("1.51").expect("1.51 is in range");
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
/// client hides (exact keys) or refuses to send (a parameter the version
/// lacks, a value that is not JSON). `path` carries its own `/vX.Y` prefix.
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

/// The daemon's own Linux platform (that of the base image) and another one.
async fn own_and_other_platform(docker: &Docker) -> (OciPlatform, OciPlatform) {
    let base = docker.image_inspect(busybox().await).await.unwrap();
    let arch = base
        .architecture
        .clone()
        .expect("the base image has an architecture");
    let other = if arch == "arm64" { "amd64" } else { "arm64" };
    let platform = |a: &str| OciPlatform {
        os: Some("linux".into()),
        architecture: Some(a.into()),
        ..Default::default()
    };
    (platform(&arch), platform(other))
}

/// A platform as the query wants it: percent-encoded JSON.
fn platform_query(platform: &OciPlatform) -> String {
    encode(&serde_json::to_string(platform).unwrap())
}

/// The IDs of BuildKit's cache records, from `GET /system/df` at `version`.
async fn build_cache(version: &str) -> Vec<serde_json::Value> {
    let (status, body) = when_disk_usage_is_free(|| async {
        match raw("GET", &format!("/v{version}/system/df"), &[]).await {
            (500, body) => Err(body),
            answer => Ok(answer),
        }
    })
    .await
    .unwrap_or_else(|body| (500, body));
    assert_eq!(status, 200, "{body}");
    let df: serde_json::Value = serde_json::from_str(&body).unwrap();
    df["BuildCache"].as_array().cloned().unwrap_or_default()
}

fn record_id(record: &serde_json::Value) -> String {
    record["ID"].as_str().unwrap_or_default().to_string()
}

/// `platform` picks a variant of inspect (from 1.49), history, save and push,
/// and refuses one the image lacks; a value that is not JSON is answered 400
/// by every operation that takes one, also `platforms` of delete (errata
/// `image-inspect-platform-undocumented`, `image-history-platform-statuses`,
/// `image-get-platform-statuses`, `image-get-all-platform-statuses`,
/// `image-load-platform-statuses`, `image-push-platform-statuses`,
/// `image-delete-platforms-bad-json`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn platform_selects_or_refuses_variants() {
    let docker = docker151();
    let base = busybox().await;
    let (own, other) = own_and_other_platform(&docker).await;
    let garbage = encode("not-json");

    // Inspect: the own platform answers the image; another is a 404 from 1.49,
    // ignored at 1.48; with `manifests` too, or not JSON, a 400.
    let image = docker
        .image_inspect(base)
        .platform(own.clone())
        .await
        .unwrap();
    assert_eq!(image.architecture, own.architecture);
    let missing = docker.image_inspect(base).platform(other.clone()).await;
    assert_eq!(status_of("inspect for another platform", missing), 404);
    let (status, body) = raw(
        "GET",
        &format!(
            "/v1.48/images/{base}/json?platform={}",
            platform_query(&other)
        ),
        &[],
    )
    .await;
    assert_eq!(status, 200, "1.48 ignores platform: {body}");
    let (status, body) = raw(
        "GET",
        &format!(
            "/v1.51/images/{base}/json?manifests=1&platform={}",
            platform_query(&own)
        ),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = raw(
        "GET",
        &format!("/v1.51/images/{base}/json?platform={garbage}"),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // History.
    let layers = docker
        .image_history(base)
        .platform(own.clone())
        .await
        .unwrap();
    assert!(!layers.is_empty());
    let missing = docker.image_history(base).platform(other.clone()).await;
    assert_eq!(status_of("history of another platform", missing), 404);
    let (status, body) = raw(
        "GET",
        &format!("/v1.51/images/{base}/history?platform={garbage}"),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // Save, one image and several: a platform the image lacks is a 500.
    let saved = collect_bytes(docker.image_get(base).platform(own.clone()).await.unwrap()).await;
    assert!(saved.len() > 1024, "{} bytes", saved.len());
    let missing = docker.image_get(base).platform(other.clone()).await;
    assert_eq!(status_of("save of another platform", missing), 500);
    let saved = collect_bytes(
        docker
            .image_get_all()
            .names(vec![base.to_string()])
            .platform(own.clone())
            .await
            .unwrap(),
    )
    .await;
    assert!(saved.len() > 1024, "{} bytes", saved.len());
    for path in [
        format!("/v1.51/images/{base}/get?platform={garbage}"),
        format!("/v1.51/images/get?names={base}&platform={garbage}"),
    ] {
        let (status, body) = raw("GET", &path, &[]).await;
        assert_eq!(status, 400, "{path}: {body}");
    }
    // Load: the platform is read before the archive.
    let (status, body) = raw(
        "POST",
        &format!("/v1.51/images/load?platform={garbage}"),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // Push: to the local registry only.
    let repo = format!("{}/{}", registry(), unique("b151-push"));
    docker.image_tag(base).repo(&repo).tag("v1").await.unwrap();
    let missing = docker
        .image_push(&repo, &registry_auth())
        .tag("v1")
        .platform(other.clone())
        .await;
    assert_eq!(status_of("push of another platform", missing), 404);
    let auth = base64url(serde_json::to_string(&registry_auth()).unwrap().as_bytes());
    let (status, body) = raw(
        "POST",
        &format!("/v1.51/images/{repo}/push?tag=v1&platform={garbage}"),
        &[("X-Registry-Auth", auth)],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let pushed = drain(
        "the push",
        docker
            .image_push(&repo, &registry_auth())
            .tag("v1")
            .platform(own.clone())
            .await
            .unwrap(),
    )
    .await;
    assert!(
        pushed
            .iter()
            .any(|l| l.aux.as_ref().is_some_and(|a| a["Digest"].is_string())),
        "{pushed:?}"
    );

    // Delete: `platforms` that is not JSON is a 400 before the image is looked up.
    let bad = docker
        .image_delete(&format!("{repo}:v1"))
        .platforms(vec!["not-json".into()])
        .await;
    assert_eq!(status_of("delete with platforms not JSON", bad), 400);
    let missing = docker
        .image_delete(&unique("b151-no-such-image"))
        .platforms(vec![serde_json::to_string(&other).unwrap()])
        .await;
    assert_eq!(status_of("delete of a missing image", missing), 404);
    docker.image_delete(&format!("{repo}:v1")).await.unwrap();
}

/// An import keeps the architecture of `platform`, at 1.51 and at 1.41 alike
/// (erratum `image-create-import-platform-architecture`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn import_records_the_platform_architecture_at_every_version() {
    let docker = docker151();
    let (_, other) = own_and_other_platform(&docker).await;
    let arch = other.architecture.clone().unwrap();
    let repo = unique("b151-imported");
    let old = common::docker();
    old.set_api_version("1.41").expect("1.41 is in range");
    for (client, tag) in [(&docker, "v151"), (&old, "v141")] {
        let rootfs = tar_of(&[("etc/b151-marker", 0o644, repo.as_bytes())]);
        let import = client
            .image_create()
            .from_src("-")
            .repo(&repo)
            .tag(tag)
            .platform(format!("linux/{arch}"))
            .body(RequestBody::from_bytes(rootfs))
            .await
            .unwrap();
        drain("the import", import).await;
        let image = docker
            .image_inspect(&format!("{repo}:{tag}"))
            .await
            .unwrap();
        assert_eq!(image.architecture.as_deref(), Some(arch.as_str()), "{tag}");
        assert_eq!(image.os.as_deref(), Some("linux"), "{tag}");
    }
    for tag in ["v151", "v141"] {
        docker.image_delete(&format!("{repo}:{tag}")).await.unwrap();
    }
}

/// `reserved-space`, `max-used-space` and `min-free-space` are read from 1.48
/// (a value that is not an integer is a 400 there and ignored at 1.47), and
/// `keep-storage` that is not an integer is a 400 at every version
/// (erratum `build-prune-bytes-not-integer-400`). Every prune is narrowed to
/// a record ID that does not exist.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn build_prune_takes_the_1_48_byte_limits() {
    let docker = docker151();
    let nothing = BuildPruneFilters {
        id: Some(vec!["b151-no-such-record".into()]),
        ..Default::default()
    };
    let report = docker
        .build_prune()
        .reserved_space(1 << 30)
        .max_used_space(1 << 40)
        .min_free_space(1)
        .filters(nothing.clone())
        .await
        .unwrap();
    assert_eq!(report.caches_deleted, None);
    assert_eq!(report.space_reclaimed, Some(0));

    let filters = encode(&serde_json::to_string(&nothing).unwrap());
    for name in ["reserved-space", "max-used-space", "min-free-space"] {
        let (status, body) = raw(
            "POST",
            &format!("/v1.51/build/prune?{name}=lots&filters={filters}"),
            &[],
        )
        .await;
        assert_eq!(status, 400, "{name} at 1.51: {body}");
        assert!(body.contains("expects an integer"), "{body}");
        let (status, body) = raw(
            "POST",
            &format!("/v1.47/build/prune?{name}=lots&filters={filters}"),
            &[],
        )
        .await;
        assert_eq!(status, 200, "{name} is ignored at 1.47: {body}");
    }
    for version in ["1.47", "1.51"] {
        let (status, body) = raw(
            "POST",
            &format!("/v{version}/build/prune?keep-storage=lots&filters={filters}"),
            &[],
        )
        .await;
        assert_eq!(status, 400, "keep-storage at {version}: {body}");
    }
}

/// A BuildKit record with a parent lists it under ` Parents` (leading space)
/// from 1.42, never under `Parents`, and has no `Parent` at 1.41 either
/// (errata `build-cache-parents-leading-space`, `build-cache-parent-never-sent`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn build_cache_parents_key_has_a_leading_space() {
    let docker = docker151();
    let before: Vec<String> = build_cache("1.51").await.iter().map(record_id).collect();
    let marker = unique("b151-parents");
    let dockerfile = format!("FROM scratch\nCOPY {marker}-a /a\nCOPY {marker}-b /b\n");
    let context = tar_of(&[
        ("Dockerfile", 0o644, dockerfile.as_bytes()),
        (&format!("{marker}-a"), 0o644, b"a"),
        (&format!("{marker}-b"), 0o644, marker.as_bytes()),
    ]);
    let tag = format!("{marker}:v1");
    let build = docker
        .image_build(RequestBody::from_bytes(context))
        .tag(&tag)
        .version(BuilderVersion::BuildKit)
        .await
        .unwrap();
    drain("the BuildKit build", build).await;
    docker.image_delete(&tag).await.unwrap();

    let new: Vec<serde_json::Value> = build_cache("1.51")
        .await
        .into_iter()
        .filter(|r| !before.contains(&record_id(r)))
        .collect();
    let second = new
        .iter()
        .find(|r| {
            r["Description"]
                .as_str()
                .is_some_and(|d| d.contains(&format!("{marker}-b")))
        })
        .unwrap_or_else(|| panic!("no record of the second COPY: {new:?}"));
    let first = new
        .iter()
        .find(|r| {
            r["Description"]
                .as_str()
                .is_some_and(|d| d.contains(&format!("{marker}-a")))
        })
        .unwrap_or_else(|| panic!("no record of the first COPY: {new:?}"));
    assert_eq!(
        second[" Parents"],
        serde_json::json!([record_id(first)]),
        "{second}"
    );
    for record in &new {
        assert!(record.get("Parents").is_none(), "{record}");
        assert!(record.get("Parent").is_none(), "{record}");
    }
    // The model reads the key as sent.
    let typed: BuildCache = serde_json::from_value(second.clone()).unwrap();
    assert_eq!(
        typed.parents_with_leading_space,
        Some(vec![record_id(first)])
    );
    assert_eq!(typed.parents, None);

    // Below 1.42: no parents at all, under any key.
    let old = build_cache("1.41").await;
    let old_second = old
        .iter()
        .find(|r| record_id(r) == record_id(second))
        .unwrap_or_else(|| panic!("the record at 1.41: {old:?}"));
    assert!(old_second.get("Parent").is_none(), "{old_second}");
    assert!(old_second.get(" Parents").is_none(), "{old_second}");

    for record in &new {
        let _ = docker
            .build_prune()
            .all(true)
            .filters(BuildPruneFilters {
                id: Some(vec![record_id(record)]),
                ..Default::default()
            })
            .await;
    }
}

/// The list computes `SharedSize` when asked (1.42), counts containers from
/// 1.51 (-1 before), drops `VirtualSize` from 1.44, and takes `until` at
/// every version (erratum `image-list-until-unversioned`).
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn image_list_until_and_the_1_51_counts() {
    let docker = docker151();
    let base = busybox().await;
    let by_name = ImageListFilters {
        reference: Some(vec![base.to_string()]),
        ..Default::default()
    };
    let plain = docker.image_list().filters(by_name.clone()).await.unwrap();
    assert_eq!(plain.len(), 1, "{plain:?}");
    assert_eq!(plain[0].shared_size, Some(-1));
    let shared = docker
        .image_list()
        .filters(by_name.clone())
        .shared_size(true)
        .await
        .unwrap();
    assert!(shared[0].shared_size.unwrap_or(-1) >= 0, "{shared:?}");

    let id = create(&docker, &config(&["true"])).await;
    let counted = docker.image_list().filters(by_name.clone()).await.unwrap();
    assert!(counted[0].containers.unwrap_or(-1) >= 1, "{counted:?}");
    let reference = encode(&format!(r#"{{"reference":["{base}"]}}"#));
    let (status, body) = raw(
        "GET",
        &format!("/v1.50/images/json?filters={reference}"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let old: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(old[0]["Containers"], -1, "{body}");
    remove(&docker, &id).await;
    let (_, body) = raw(
        "GET",
        &format!("/v1.43/images/json?filters={reference}"),
        &[],
    )
    .await;
    assert!(body.contains("\"VirtualSize\""), "{body}");
    let (_, body) = raw(
        "GET",
        &format!("/v1.44/images/json?filters={reference}"),
        &[],
    )
    .await;
    assert!(!body.contains("\"VirtualSize\""), "{body}");

    // `until`: a time after every image keeps the base image, the epoch none.
    let later = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600)
        .to_string();
    let until = |t: &str| ImageListFilters {
        until: Some(vec![t.to_string()]),
        ..by_name.clone()
    };
    let kept = docker.image_list().filters(until(&later)).await.unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let none = docker.image_list().filters(until("1")).await.unwrap();
    assert!(none.is_empty(), "{none:?}");
    let old_until = encode(&format!(r#"{{"until":["{later}"]}}"#));
    let (status, body) = raw(
        "GET",
        &format!("/v1.41/images/json?filters={old_until}"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "dockerd 28.5 takes until at 1.41: {body}");
}

/// Inspect at 1.51 answers the image's own configuration (no container-only
/// keys from 1.50), drops `Container` and `ContainerConfig` from 1.45 and
/// `VirtualSize` from 1.44, and still sends the deprecated `DockerVersion`
/// and `Parent` of a classic build.
#[tokio::test]
#[ignore = "needs the test daemon: cargo xtask test"]
async fn inspect_config_and_legacy_keys_by_version() {
    let docker = docker151();
    let base = busybox().await;
    let image = docker.image_inspect(base).await.unwrap();
    let config = image.config.expect("a configuration");
    assert!(
        config
            .env
            .unwrap_or_default()
            .iter()
            .any(|e| e.starts_with("PATH=")),
        "the image's own environment"
    );
    assert!(image.created.is_some());
    let keys = |version: &'static str| async move {
        let (status, body) = raw("GET", &format!("/v{version}/images/{base}/json"), &[]).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let at_151 = keys("1.51").await;
    assert!(at_151["Config"].get("Hostname").is_none(), "{at_151}");
    assert!(at_151["Config"].get("AttachStdin").is_none(), "{at_151}");
    assert!(at_151["DockerVersion"].is_string(), "{at_151}");
    assert!(at_151["Parent"].is_string(), "{at_151}");
    assert!(at_151.get("Container").is_none() && at_151.get("ContainerConfig").is_none());
    let at_149 = keys("1.49").await;
    assert_eq!(at_149["Config"]["Hostname"], "", "{at_149}");
    let at_144 = keys("1.44").await;
    assert!(at_144.get("ContainerConfig").is_some(), "{at_144}");
    assert!(at_144.get("VirtualSize").is_none(), "{at_144}");
    let at_145 = keys("1.45").await;
    assert!(at_145.get("ContainerConfig").is_none(), "{at_145}");
    let at_143 = keys("1.43").await;
    assert!(at_143.get("VirtualSize").is_some(), "{at_143}");
}
